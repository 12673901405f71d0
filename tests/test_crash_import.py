"""A killed import leaves whole documents, a repairable index and a batch that resumes.

`import_documents` runs in a subprocess on 300 cable pages (copies of the corpus pages with
new reference IDs) against a file-based SQLite database and Whoosh index in a temporary
data directory, and is SIGKILLed at seeded random points: part-way through the files twice,
then while it indexes a batch of updates at the end. After each kill:

- every document in the database is whole: its paragraphs and tags are exactly those of a
  fresh parse of its file, its original bytes exactly the file's;
- `check_index` says what the index lacks (exit 1), and every missing document still has
  a queued index update (no update is lost);
- `check_index --repair` fixes it (exit 0 afterwards).

Run again, the import completes the batch: 300 documents, no duplicates, and its final drain
applies the updates the killed run left queued. Last, a corrected edition of every file is
imported and killed while the updates are being indexed: the stale entries are found and
repaired. QUIPU_CRASH_SEED picks other kill points.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

import pytest

from archive.importers import loader
from tests.conftest import ROOT, corpus_pages

pytestmark = pytest.mark.slow

BATCH_SIZE = 300
SEED = int(os.environ.get("QUIPU_CRASH_SEED", "8"))
RUN_TIMEOUT = 120.0  # seconds any one command may take before the test gives up on it
FILE_LINE = re.compile(rb"^(created|updated|unchanged)\s")
# Settings that would point the subprocess at another database or index.
FOREIGN_SETTINGS = ("DATABASE_URL", "SEARCH_URL", "ARCHIVE_MAX_IMPORT_BYTES", "DJANGO_SETTINGS_MODULE")


@pytest.fixture(autouse=True)
def empty_search_index():
    """Overrides conftest's: the subprocesses have their own database and index."""
    yield


# The batch ------------------------------------------------------------------------------------------


def write_batch(directory: Path) -> list[Path]:
    """BATCH_SIZE cable pages: the corpus pages again and again, each with a new reference ID."""
    directory.mkdir()
    pages = corpus_pages()
    files = []
    for n in range(BATCH_SIZE):
        page = pages[n % len(pages)]
        identifier = f"{page.stem}{n // len(pages):03d}"  # 07LIMA3429 → 07LIMA3429000, …001
        path = directory / f"{identifier}.html"
        path.write_bytes(page.read_bytes().replace(page.stem.encode(), identifier.encode()))
        files.append(path)
    return files


def revise(path: Path) -> None:
    """A corrected edition of the file: its SUBJECT (the document's title) changes."""
    raw = path.read_bytes()
    path.write_bytes(re.sub(rb"(?i)(SUBJ(?:ECT)?:[ \t]*)", rb"\1REVISED ", raw, count=1))


def expected(path: Path) -> dict:
    return expected_for(path.read_bytes())


@cache
def expected_for(raw: bytes) -> dict:
    """What a whole import of a file with these bytes stores."""
    parsed = loader.parse_text(loader.decode(raw).text)
    return {
        "identifier": loader.identifier_for(parsed),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "paragraphs": [(p.number, p.anchor, p.marking, p.heading, p.text) for p in parsed.paragraphs],
        "tags": sorted(set(parsed.tags)),
    }


# Running commands in a subprocess ------------------------------------------------------------------


class Archive:
    """A data directory (SQLite database + Whoosh index) and manage.py commands run against it."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
        self.env.update(
            ARCHIVE_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="archive.settings", PYTHONUNBUFFERED="1"
        )

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )

    def import_and_kill(self, batch: Path, after_lines: int, delay: float = 0.0) -> int:
        """Start importing the batch; SIGKILL it `delay` seconds after its n-th file line.

        Returns the number of file lines it printed.
        """
        process = subprocess.Popen(
            self.command("import_documents", str(batch)),
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        lines, pending = 0, b""
        deadline = time.monotonic() + RUN_TIMEOUT
        try:
            while lines < after_lines:
                ready, _, _ = select.select([process.stdout], [], [], max(deadline - time.monotonic(), 0))
                if not ready:
                    pytest.fail(f"no output from the import for {RUN_TIMEOUT:g} s")
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break  # it finished before the kill point
                *complete, pending = (pending + chunk).split(b"\n")
                lines += sum(1 for line in complete if FILE_LINE.match(line))
            time.sleep(delay)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=RUN_TIMEOUT)
            process.stdout.close()
        return lines

    def check_index(self, *args: str) -> tuple[int, dict[str, list[str]]]:
        """check_index's exit code and the identifiers it lists under each heading."""
        result = self.run("check_index", "--show", str(BATCH_SIZE), *args)
        listed: dict[str, list[str]] = {}
        heading = None
        for line in result.stdout.splitlines():
            if match := re.match(r"(missing|stale|orphaned|repair):", line):
                heading = match[1]
                listed.setdefault(heading, [])
            elif line.startswith("  ") and heading:
                listed[heading].append(line.split()[0])
            else:
                heading = None
        assert result.returncode in (0, 1), result.stderr
        return result.returncode, listed

    # Reading the database directly: the test process has its own (test) database.

    def query(self, sql: str) -> list[tuple]:
        connection = sqlite3.connect(self.data_dir / "archive.sqlite3")
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def documents(self) -> dict[str, tuple]:
        rows = self.query(
            "SELECT d.id, d.identifier, f.file_name, f.sha256, f.data FROM archive_document d "
            "JOIN archive_sourcefile f ON f.document_id = d.id AND f.is_current"
        )
        return {identifier: (pk, name, sha, bytes(raw)) for pk, identifier, name, sha, raw in rows}

    def queued_identifiers(self) -> set[str]:
        rows = self.query(
            "SELECT d.identifier FROM archive_pendingindexupdate q "
            "JOIN archive_document d ON d.id = q.document_pk"
        )
        return {identifier for (identifier,) in rows}


def assert_only_whole_documents(archive: Archive, batch: Path) -> int:
    """Every stored document is exactly a whole import of its file; returns how many there are."""
    documents = archive.documents()
    paragraphs: dict[int, list[tuple]] = {}
    for row in archive.query(
        "SELECT document_id, number, anchor, marking, heading, text FROM archive_paragraph "
        "ORDER BY document_id, number"
    ):
        paragraphs.setdefault(row[0], []).append(row[1:])
    tags: dict[int, list[str]] = {}
    for document_id, name in archive.query(
        "SELECT dt.document_id, t.name FROM archive_document_tags dt JOIN archive_tag t ON t.id = dt.tag_id"
    ):
        tags.setdefault(document_id, []).append(name)
    for identifier, (pk, file_name, sha256, original) in documents.items():
        path = batch / file_name
        want = expected(path)
        assert identifier == want["identifier"]
        assert (sha256, original) == (want["sha256"], path.read_bytes()), identifier
        assert paragraphs.get(pk, []) == want["paragraphs"], f"{identifier}: paragraphs not as parsed"
        assert sorted(tags.get(pk, [])) == want["tags"], f"{identifier}: tags not as parsed"
    orphans = archive.query(
        "SELECT COUNT(*) FROM archive_paragraph WHERE document_id NOT IN (SELECT id FROM archive_document)"
    )
    assert orphans == [(0,)]
    return len(documents)


def assert_check_finds_what_the_index_lacks(archive: Archive, *, all_missing: bool = False) -> int:
    """check_index's exit code; whatever it lists as missing or stale is still queued."""
    code, listed = archive.check_index()
    missing, stale = set(listed.get("missing", [])), set(listed.get("stale", []))
    if all_missing:  # killed before the batch was indexed: nothing of it is in the index
        assert (code, missing) == (1, set(archive.documents()))
    assert (code == 1) == bool(missing or stale)
    assert missing | stale <= archive.queued_identifiers(), "an index update was lost"
    assert not listed.get("orphaned")
    return code


def assert_repair_fixes_it(archive: Archive) -> None:
    code, listed = archive.check_index("--repair")
    assert code == 0, listed
    assert archive.check_index() == (0, {})


def test_a_killed_import_leaves_whole_documents_and_a_repairable_index(tmp_path):
    started = time.monotonic()
    rng = random.Random(SEED)
    batch = tmp_path / "batch"
    files = write_batch(batch)
    archive = Archive(tmp_path / "data")
    migrated = archive.run("migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr

    # Killed part-way through the files: nothing of the batch is indexed yet.
    archive.import_and_kill(batch, after_lines=rng.randint(20, 90))
    assert 0 < assert_only_whole_documents(archive, batch) < BATCH_SIZE
    assert assert_check_finds_what_the_index_lacks(archive, all_missing=True) == 1
    assert_repair_fixes_it(archive)

    # Killed again further on; not repaired this time.
    before = len(archive.documents())
    archive.import_and_kill(batch, after_lines=before + rng.randint(20, 90))
    stored = assert_only_whole_documents(archive, batch)
    assert before < stored < BATCH_SIZE
    assert assert_check_finds_what_the_index_lacks(archive) == 1

    # Run again to the end: the rest of the batch, once; its drain applies what the kill left queued.
    finished = archive.run("import_documents", str(batch))
    assert finished.returncode == 0, finished.stderr
    assert (
        f"{BATCH_SIZE - stored} created, 0 updated, 0 added, {stored} unchanged, 0 failed" in finished.stdout
    )
    assert assert_only_whole_documents(archive, batch) == BATCH_SIZE
    assert archive.query("SELECT COUNT(*), COUNT(DISTINCT identifier) FROM archive_document") == [
        (BATCH_SIZE, BATCH_SIZE)
    ]
    assert set(archive.documents()) == {expected(path)["identifier"] for path in files}
    assert archive.check_index() == (0, {})

    # A corrected edition of every file, killed while the updates are being indexed.
    for path in files:
        revise(path)
    seen = archive.import_and_kill(batch, after_lines=BATCH_SIZE, delay=rng.uniform(0.05, 0.5))
    assert seen == BATCH_SIZE
    assert assert_only_whole_documents(archive, batch) == BATCH_SIZE
    assert_check_finds_what_the_index_lacks(archive)
    assert_repair_fixes_it(archive)
    assert len(archive.documents()) == BATCH_SIZE
    assert time.monotonic() - started < 120
