"""Worker processes (CSV parsing, index analysis) that never outlive the process that started them.

A worker left behind by a killed import kept running with nothing to do, and one forked while
its parent held the index write lock kept the lock: searches stopped following edits until it
was killed by hand. So a worker

- is spawned, not forked: it starts from a fresh interpreter and inherits no open file, lock or
  database connection of its parent;
- dies with its parent (Linux: the kernel sends it SIGKILL; elsewhere a thread watches);
- ignores Ctrl-C: the terminal sends SIGINT to the whole process group, and a worker dying
  mid-task could leave a pool's queue locked; the parent stops its workers itself. Workers
  are started with SIGINT blocked (starting_workers), so that one arriving while a worker is
  still importing its modules is dropped rather than raised there.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_CHECK_INTERVAL = 0.5  # seconds, where the kernel cannot watch for us


@contextmanager
def starting_workers():
    """Start workers in this block: they inherit SIGINT blocked (until start_as_worker ignores it);
    a Ctrl-C meanwhile reaches this process when the block ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def start_as_worker(parent_pid: int) -> None:
    """Call first in a worker process; `parent_pid` is the pid of the process that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if not kernel_kills_orphan():
        threading.Thread(target=watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before we asked to be told
        os._exit(1)


def start_django_worker(parent_pid: int) -> None:
    """A pool initializer: a worker that imports Django afresh before any task is unpickled."""
    start_as_worker(parent_pid)
    import django

    django.setup()


def kernel_kills_orphan() -> bool:
    """Ask Linux to SIGKILL this process when the thread that started it ends.

    The thread, not the process: start workers from a thread that lives as long as they do
    (commands start them from the main thread).
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        threading.Event().wait(PARENT_CHECK_INTERVAL)
    os._exit(1)
