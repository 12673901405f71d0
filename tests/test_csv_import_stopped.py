"""A cablegate-csv import killed or interrupted leaves no process behind and a free index lock.

`import_documents --format cablegate-csv` runs in its own process group (as from a terminal) on a
generated file big enough for its parsing workers and its indexing processes, against a SQLite
database and Whoosh index in a temporary data directory. Once it has written and indexed a few
hundred cables it is

- killed with SIGKILL: none of its processes may live on, and the next command must get the
  index write lock at once (a parsing or indexing worker used to survive, holding the lock);
- interrupted with Ctrl-C (SIGINT to the process group, or to the import alone): it must stop
  within seconds (it used to wait for its indexing process, forever if that one did not get
  the signal), leaving whole batches whose index updates are queued; applying the queue makes
  the index match, and a second run completes the import.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tools.corpus_generator import generate_file

pytestmark = pytest.mark.slow

CABLES = 900  # ~6 MB: parsed by worker processes (cablegate_csv.PARALLEL_FROM_BYTES)
STOP_AFTER = 400  # documents in the database when the import is stopped
TIMEOUT = 300.0  # seconds a command may take before the test gives up on it
STOP_TIMEOUT = 30.0  # seconds an interrupted import or its orphans may take to end
FOREIGN_SETTINGS = ("DATABASE_URL", "SEARCH_URL", "DJANGO_SETTINGS_MODULE")
IMPORT = ("import_documents", "--format", "cablegate-csv", "--batch-size", "50")


@pytest.fixture(autouse=True)
def empty_search_index():
    """Overrides conftest's: the commands have their own database and index."""
    yield


@pytest.fixture(scope="module")
def cables_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "cables.csv"
    generate_file(path, CABLES, 7)
    return path


def default_interrupt() -> None:
    """Ctrl-C at its default in the import, as a terminal starts a command: a shell's background
    job (these tests run as one in some CI set-ups) starts its children with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Archive:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
        self.env.update(ARCHIVE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="archive.settings")
        migrated = self.run("migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args), env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT
        )

    def start_import(self, path: Path) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*IMPORT, str(path)),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal gives a command
            preexec_fn=default_interrupt,
        )

    def count(self, table: str) -> int:
        connection = sqlite3.connect(self.data_dir / "archive.sqlite3", timeout=30)
        try:
            return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            connection.close()

    def wait_for_documents(self, process: subprocess.Popen, count: int) -> None:
        deadline = time.monotonic() + TIMEOUT
        while self.count("archive_document") < count:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, f"fewer than {count} documents after {TIMEOUT:g} s"
            time.sleep(0.2)

    def check_index(self) -> tuple[int, set[str]]:
        """check_index's exit code and the identifiers it lists as missing or stale."""
        result = self.run("check_index", "--show", str(CABLES))
        assert result.returncode in (0, 1), result.stderr
        assert "orphaned" not in result.stdout
        listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")}
        return result.returncode, listed

    def queued_identifiers(self) -> set[str]:
        connection = sqlite3.connect(self.data_dir / "archive.sqlite3", timeout=30)
        try:
            rows = connection.execute(
                "SELECT d.identifier FROM archive_pendingindexupdate q "
                "JOIN archive_document d ON d.id = q.document_pk"
            ).fetchall()
        finally:
            connection.close()
        return {identifier for (identifier,) in rows}


# Processes -------------------------------------------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by this one (from /proc)."""
    children: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def stat_fields(pid: int) -> list[str] | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def parent_of(pid: int) -> int | None:
    fields = stat_fields(pid)
    return int(fields[1]) if fields else None


def running(pids: set[int]) -> set[int]:
    """Those still running (a zombie has ended; only its parent has not collected it yet)."""
    return {pid for pid in pids if (fields := stat_fields(pid)) and fields[0] != "Z"}


def wait_until_ended(pids: set[int]) -> set[int]:
    """The processes still running after STOP_TIMEOUT, SIGKILLed then (so that they are reported once)."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while running(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = running(pids)
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    return survivors


def workers_of(process: subprocess.Popen) -> set[int]:
    """Its processes once they all run: two parsing workers, multiprocessing's resource tracker
    and an indexing process."""
    deadline = time.monotonic() + TIMEOUT
    while len(started := descendants(process.pid)) < 4:
        assert time.monotonic() < deadline, f"only {len(started)} worker processes started"
        time.sleep(0.1)
    return started


# The tests -------------------------------------------------------------------------------------------


def test_a_killed_import_leaves_no_process_and_frees_the_index_lock(tmp_path, cables_csv):
    archive = Archive(tmp_path / "data")
    process = archive.start_import(cables_csv)
    archive.wait_for_documents(process, STOP_AFTER)
    workers = workers_of(process)

    process.kill()
    process.communicate(timeout=TIMEOUT)

    assert wait_until_ended(workers) == set(), "processes of the killed import still run"
    applied = archive.run("process_index_queue", "--wait", "5")
    assert applied.returncode == 0, applied.stderr
    assert archive.check_index() == (0, set())


@pytest.mark.parametrize(
    "interrupt",
    [
        pytest.param(lambda pid: os.killpg(pid, signal.SIGINT), id="ctrl-c-at-a-terminal"),
        # `kill -INT`, or a supervisor passing Ctrl-C on to its command only: the workers do
        # not get it (the import then waited forever for its idle indexing process).
        pytest.param(lambda pid: os.kill(pid, signal.SIGINT), id="sigint-to-the-import-alone"),
    ],
)
def test_ctrl_c_stops_an_import_at_once_and_leaves_the_rest_queued(tmp_path, cables_csv, interrupt):
    archive = Archive(tmp_path / "data")
    process = archive.start_import(cables_csv)
    archive.wait_for_documents(process, STOP_AFTER)
    workers = workers_of(process)

    interrupt(process.pid)
    try:
        _, err = process.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        wait_until_ended(workers)
        pytest.fail(f"the import was still running {STOP_TIMEOUT:g} s after Ctrl-C")

    assert process.returncode == 130, err
    assert re.search(r"interrupted: \d+ created", err), err
    assert "Traceback" not in err
    assert wait_until_ended(workers) == set(), "processes of the interrupted import still run"
    stored = archive.count("archive_document")
    assert archive.count("archive_paragraph") > 0
    code, missing = archive.check_index()
    assert missing <= archive.queued_identifiers(), "a document is neither indexed nor queued"
    assert (code == 0) == (not missing)

    applied = archive.run("process_index_queue", "--wait", "5")
    assert applied.returncode == 0, applied.stderr
    assert archive.check_index() == (0, set())

    finished = archive.run(*IMPORT, str(cables_csv))
    assert finished.returncode == 0, finished.stderr
    assert f"{CABLES - stored} created, {stored} already imported, 0 failed" in finished.stdout
    assert archive.check_index() == (0, set())
