"""The locks the index write lock is made of (archive.search.indexing).

HolderLock, a file lock: no process but its holder keeps it, and a stale one is taken over.

An flock() lock belongs to the open file, which every process inheriting the descriptor shares:
a process forked by a killed holder kept the lock, and nothing could take it until that process
was killed by hand. Here

- a process forked while the lock is held closes its copy at once (the holder keeps the lock);
- the holder writes its host and pid into the file, and empties it when it lets go. A process
  that finds the lock taken while its recorded holder is gone takes the lock over: it puts a
  new file in place and locks that one (with the companion files given, e.g. Whoosh's own writer
  lock, which only that holder's leftovers can hold while ours is taken by nobody alive).

Replacing the file is safe because both "check my locked file is still the one in place, then
record me" and "check the holder is gone, then replace the file" happen under a short guard lock.

AdvisoryLock, a PostgreSQL advisory lock, for a search server that several hosts write to.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import tempfile
import weakref
from contextlib import contextmanager

from django.db import connections as db_connections

logger = logging.getLogger(__name__)

_held: weakref.WeakSet[HolderLock] = weakref.WeakSet()
_guards: set[int] = set()  # descriptors of guard locks being held


class HolderLock:
    """A non-blocking exclusive file lock with acquire() and release(), as Whoosh's locks have."""

    def __init__(self, path: str, companions: tuple[str, ...] = ()):
        self.path = path
        self.companions = companions
        self.fd: int | None = None

    def acquire(self, blocking: bool = False) -> bool:
        if blocking:
            raise ValueError("HolderLock only tries; the caller decides how long to retry")
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                replaced = self.take_over_if_stale(fd)
                os.close(fd)
                if replaced:
                    continue
                return False
            with self.guard():
                if not is_in_place(fd, self.path):  # taken over while we locked it: lock the new file
                    os.close(fd)
                    continue
                os.ftruncate(fd, 0)
                os.pwrite(fd, holder_record().encode(), 0)
            self.fd = fd
            _held.add(self)
            return True

    def release(self) -> None:
        if self.fd is None:
            raise RuntimeError("the lock is not held")
        os.ftruncate(self.fd, 0)  # nobody to take over from
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None
        _held.discard(self)

    def take_over_if_stale(self, fd: int) -> bool:
        """Put a new file in place if the recorded holder is gone; True if the file changed."""
        with self.guard():
            if not is_in_place(fd, self.path):
                return True
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
            if not holder or holder_alive(holder):
                return False
            logger.warning(
                "%s: its holder (%s) is gone but another process still holds it; taking it over",
                self.path,
                holder,
            )
            for path in (self.path, *self.companions):
                if os.path.exists(path):
                    replace_with_empty_file(path)
            return True

    @contextmanager
    def guard(self):
        fd = os.open(self.path + ".guard", os.O_RDWR | os.O_CREAT, 0o644)
        _guards.add(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for a few system calls
            yield
        finally:
            _guards.discard(fd)
            os.close(fd)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock: one holder among every host using the database."""

    KEY = 0x51554950  # "QUIP": any fixed number, the same in every process

    def __init__(self, using: str = "default"):
        self.using = using

    def acquire(self, blocking: bool = False) -> bool:
        with db_connections[self.using].cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.KEY])
            return bool(cursor.fetchone()[0])

    def release(self) -> None:
        with db_connections[self.using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [self.KEY])


def holder_record() -> str:
    return f"{socket.gethostname()} {os.getpid()}\n"


def holder_alive(record: str) -> bool:
    """Whether the process a lock file names still runs; a process of another host counts as alive."""
    host, _, pid = record.rpartition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not is_zombie(int(pid))


def is_zombie(pid: int) -> bool:
    """Killed but not yet reaped by its parent (Linux; elsewhere assume not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def is_in_place(fd: int, path: str) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def replace_with_empty_file(path: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".lock-")
    os.close(fd)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def _close_in_child() -> None:
    """After fork(), in the child: close the held locks' descriptors (the parent keeps the locks)."""
    for lock in list(_held):
        if lock.fd is not None:
            os.close(lock.fd)
            lock.fd = None
    _held.clear()
    for fd in list(_guards):
        os.close(fd)
    _guards.clear()


os.register_at_fork(after_in_child=_close_in_child)
