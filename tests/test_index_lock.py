"""The index write lock outlives no holder: not through a forked child, not through an inherited file.

A holder runs in its own process (as an import would) against the test's index; the test
process then tries to take the lock, as the next command or request would.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from archive.search import indexing as queue
from archive.search.indexing import IndexBusy, index_lock, search_backend
from tests.conftest import ROOT

HOLD = """
import os, subprocess, sys, time
import django

django.setup()
from archive.search.indexing import search_backend, write_lock

lock = write_lock(search_backend())
assert lock.acquire()
if sys.argv[1] == "inherit":  # a process that shares the lock's open file, as a worker forked by MpWriter did
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], pass_fds=[lock.fd])
    print(child.pid)
elif sys.argv[1] == "fork":
    child = os.fork()
    if child == 0:
        time.sleep(300)
        os._exit(0)
    print(child)
else:
    print(0)
print("holding", flush=True)
time.sleep(300)
"""


class Holder:
    """A process holding the index write lock, and the child it may have started."""

    def __init__(self, tmp_path: Path, index_path: Path, child: str):
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "SEARCH_", "DJANGO_"))
        }
        environment.update(
            ARCHIVE_DATA_DIR=str(tmp_path / "data"),
            SEARCH_URL=f"whoosh://{index_path}",
            DJANGO_SETTINGS_MODULE="archive.settings",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, child], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
        )
        self.child_pid = int(self.process.stdout.readline())
        assert self.process.stdout.readline() == "holding\n"

    def kill(self) -> None:
        """SIGKILL the holder (and reap it, as its shell would); its child lives on."""
        self.process.kill()
        self.process.wait(timeout=30)

    def end(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.process.stdout.close()
        if self.child_pid:
            try:
                os.kill(self.child_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def holder(tmp_path, search_index_dir):
    holders = []

    def start(child: str = "none") -> Holder:
        holders.append(Holder(tmp_path, search_index_dir, child))
        return holders[-1]

    yield start
    for started in holders:
        started.end()


def lock_file(search_index_dir) -> os.stat_result:
    return (search_index_dir / queue.LOCK_NAME).stat()


def test_a_live_holder_keeps_the_lock(holder):
    holder()
    with pytest.raises(IndexBusy), index_lock(search_backend(), wait=0.5):
        pass


def test_the_lock_is_free_once_its_holder_is_killed(holder):
    holder().kill()
    with index_lock(search_backend(), wait=5):
        pass


def test_a_process_forked_by_the_holder_does_not_keep_the_lock(holder, search_index_dir, caplog):
    before = lock_file(search_index_dir)
    holder("fork").kill()
    with caplog.at_level(logging.WARNING), index_lock(search_backend(), wait=5):
        pass
    assert "taking it over" not in caplog.text
    assert lock_file(search_index_dir).st_ino == before.st_ino


def test_a_lock_whose_holder_died_is_taken_over_from_a_process_that_inherited_it(holder, caplog):
    started = holder("inherit")
    started.kill()
    os.kill(started.child_pid, 0)  # still running, still sharing the locked file
    with caplog.at_level(logging.WARNING), index_lock(search_backend(), wait=5):
        pass
    assert "taking it over" in caplog.text
