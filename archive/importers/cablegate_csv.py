"""The Cablegate release's cables.csv, streamed and written in batches.

Eight columns, no header row, `"` quoting with `\\` escaping:
internal id, created (MM/DD/YYYY HH:MM), reference ID, origin, classification,
references separated by `|`, header, body. The header and body columns go
through the same cable parser as the site pages.

Each batch is one transaction, so an interrupted import leaves whole batches;
a re-run skips rows whose reference ID is already in the archive before
parsing them, which makes resuming cheap.

Parsing (the cable parser, ~2/3 of the import's CPU) runs in a pool of worker processes
while the main process reads the file and writes batches: batches go out in file order
and come back in file order, at most a few in flight, so memory stays flat. Workers are
spawned, not forked: they never share the main process's database connection, nor its index
lock (archive.workers: they also die with it and leave Ctrl-C to it).

With `queue_for_index`, each batch queues its documents for the index in its own transaction
(archive.search.indexing), so an import stopped at any point leaves nothing committed unqueued.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from archive.importers.base import ParsedDocument, ParseError, cap_paragraphs
from archive.importers.cable_references import with_record_references
from archive.importers.cablegate_dialect import CablesDialect
from archive.importers.cables import parse_cable
from archive.importers.loader import (
    ImportProblem,
    check_lengths,
    document_fields,
    paragraph_rows,
    reference_rows,
)
from archive.importers.release_records import reference_list
from archive.importers.source_files import summarise
from archive.models import Document, Paragraph, Reference, SourceFile, Tag
from archive.search.indexing import record_changes
from archive.workers import start_django_worker, starting_workers

FORMAT = "cablegate-csv"
COLUMNS = 8
# Parse in worker processes when the file is at least this big (spawning costs ~1 s).
PARALLEL_FROM_BYTES = 4 << 20
IN_FLIGHT_PER_WORKER = 2  # batches sent ahead of the one being written, per worker
# Cable bodies can be far longer than csv's default 128 KiB field limit.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class CsvRow:
    line: int
    fields: list[str]

    @property
    def identifier(self) -> str:
        return self.fields[2].strip().upper()

    def original_bytes(self) -> bytes:
        """The record written back in the file's own dialect: what this document was imported from."""
        out = io.StringIO()
        csv.writer(out, dialect=CablesDialect).writerow(self.fields)
        return out.getvalue().encode("utf-8")


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class CsvReport:
    created: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.skipped + self.failed


def read_rows(handle: Iterable[str]) -> Iterator[CsvRow | RowProblem]:
    """Rows of the file with the line each starts on; a malformed row is reported, not raised."""
    reader = csv.reader(handle, dialect=CablesDialect)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowProblem(start, f"unreadable CSV: {exc}")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not fields or fields == [""]:
            continue
        if len(fields) != COLUMNS:
            yield RowProblem(line, f"expected {COLUMNS} columns, found {len(fields)}")
            continue
        yield CsvRow(line, fields)


def parse_created(value: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(value.strip(), "%m/%d/%Y %H:%M").replace(tzinfo=dt.UTC)
    except ValueError:
        raise ParseError(f"created {value.strip()[:40]!r} is not MM/DD/YYYY HH:MM") from None


def parse_row(row: CsvRow) -> ParsedDocument:
    _, created, identifier, origin, classification, references, header, body = row.fields
    if not identifier.strip() or len(identifier.strip()) > 60 or not identifier.strip().isalnum():
        raise ParseError(f"reference ID {identifier.strip()[:40]!r} is not a cable reference ID")
    parsed = parse_cable(
        header,
        body,
        identifier=identifier.strip().upper(),
        created=parse_created(created),
        released=None,
        classification=classification.strip(),
        origin=origin.strip(),
        format=FORMAT,
    )
    # The release's own list of cited cables completes what the printed REF line yields.
    listed = [cited for cited in reference_list(references) if cited != parsed.identifier]
    parsed.references = with_record_references(parsed.references, listed)
    cap_paragraphs(parsed, settings.ARCHIVE_MAX_PARAGRAPHS)
    check_lengths(parsed)  # a value too long for its column would fail the whole batch on PostgreSQL
    return parsed


class TagCache:
    """Subject tags by code, created on first sight; one query per new code, not per cable."""

    def __init__(self):
        self.by_name = {t.name: t.pk for t in Tag.objects.only("pk", "name")}

    def pks(self, codes: list[str]) -> list[int]:
        for code in codes:
            if code not in self.by_name:
                tag, _ = Tag.objects.get_or_create(name=code, defaults={"kind": Tag.Kind.SUBJECT})
                self.by_name[code] = tag.pk
        return [self.by_name[code] for code in dict.fromkeys(codes)]


def already_imported(rows: list[CsvRow]) -> set[str]:
    identifiers = [row.identifier for row in rows]
    return set(Document.objects.filter(identifier__in=identifiers).values_list("identifier", flat=True))


@dataclass
class Parsed:
    """A row parsed (in a worker or here): the document and its original bytes."""

    line: int
    document: ParsedDocument
    original: bytes
    sha256: str


def parse_rows(rows: list[CsvRow]) -> list[Parsed | RowProblem]:
    """Each row parsed, or the problem with it (runs in a worker process)."""
    out: list[Parsed | RowProblem] = []
    for row in rows:
        try:
            parsed = parse_row(row)
        except (ParseError, ImportProblem) as exc:
            out.append(RowProblem(row.line, str(exc)))
            continue
        except Exception as exc:  # one malformed row must not stop 250,000 others
            out.append(RowProblem(row.line, f"could not be parsed ({type(exc).__name__}: {exc})"[:300]))
            continue
        raw = row.original_bytes()
        out.append(Parsed(row.line, parsed, raw, hashlib.sha256(raw).hexdigest()))
    return out


def build_document(parsed: ParsedDocument) -> Document:
    document = Document(identifier=parsed.identifier.upper())
    for name, value in document_fields(parsed).items():
        setattr(document, name, value)
    document.file_tags = list(parsed.tags)
    return document


def source_file(document: Document, row: Parsed, parsed: ParsedDocument, file_name: str) -> SourceFile:
    """The row as its cable's one source file: the CSV line it was read from, byte for byte."""
    file = SourceFile(
        document_id=document.pk,
        number=1,
        is_current=True,
        data=row.original,
        encoding="utf-8",
        sha256=row.sha256,
        file_name=f"{file_name}:{row.line}",
    )
    summarise(file, parsed)
    return file


def write_batch(
    parsed_rows: list[tuple[Parsed, ParsedDocument]],
    file_name: str,
    tags: TagCache,
    queue_for_index: bool = False,
) -> list[int]:
    """Documents, paragraphs and tag links of one batch in one transaction; returns the new pks."""
    with transaction.atomic():
        documents = Document.objects.bulk_create([build_document(parsed) for _, parsed in parsed_rows])
        SourceFile.objects.bulk_create(
            [
                source_file(doc, row, parsed, file_name)
                for doc, (row, parsed) in zip(documents, parsed_rows, strict=True)
            ],
            batch_size=500,
        )
        Paragraph.objects.bulk_create(
            [
                paragraph
                for doc, (_, parsed) in zip(documents, parsed_rows, strict=True)
                for paragraph in paragraph_rows(doc.pk, parsed)
            ],
            batch_size=2000,
        )
        Reference.objects.bulk_create(
            [
                reference
                for doc, (_, parsed) in zip(documents, parsed_rows, strict=True)
                for reference in reference_rows(doc.pk, parsed)
            ],
            batch_size=2000,
        )
        Through = Document.tags.through
        Through.objects.bulk_create(
            [
                Through(document_id=doc.pk, tag_id=tag_pk)
                for doc, (_, parsed) in zip(documents, parsed_rows, strict=True)
                for tag_pk in tags.pks(parsed.tags)
            ],
            batch_size=2000,
        )
        if queue_for_index:  # bulk_create sends no signals
            record_changes(doc.pk for doc in documents)
    return [doc.pk for doc in documents]


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it, for progress by position."""

    def __init__(self, raw):
        self.raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.bytes_read += n or 0
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class CsvImporter:
    """Streams one cables.csv into the archive; `on_batch(new_pks)` runs after each committed batch.

    `workers`: parsing processes (None: 2 for a file of several MB, else parse here).
    `queue_for_index`: queue each batch's documents for the index in the batch's transaction.
    """

    def __init__(
        self,
        path: Path,
        *,
        batch_size: int = 500,
        dry_run: bool = False,
        on_batch=None,
        on_row=None,
        workers: int | None = None,
        queue_for_index: bool = False,
    ):
        self.path = path
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.on_batch = on_batch or (lambda pks: None)
        self.on_row = on_row or (lambda report: None)
        self.queue_for_index = queue_for_index
        self.report = CsvReport()
        self.counter: CountingReader | None = None
        self.workers = workers if workers is not None else default_workers(path)

    @property
    def bytes_read(self) -> int:
        return self.counter.bytes_read if self.counter else 0

    def batches(self) -> Iterator[list[CsvRow]]:
        """The file's rows in batches; malformed rows are reported on the way."""
        batch: list[CsvRow] = []
        self.counter = CountingReader(self.path.open("rb", buffering=0))
        buffered = io.BufferedReader(self.counter, buffer_size=1 << 20)
        with io.TextIOWrapper(buffered, encoding="utf-8", errors="replace", newline="") as handle:
            for item in read_rows(handle):
                if isinstance(item, RowProblem):
                    self.fail(item)
                    continue
                batch.append(item)
                if len(batch) >= self.batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def run(self) -> CsvReport:
        tags = None if self.dry_run else TagCache()
        if self.workers <= 1:
            for batch in self.batches():
                self.write(parse_rows(self.to_parse(batch, set())), tags)
            return self.report
        context = multiprocessing.get_context("spawn")
        with starting_workers():
            pool = context.Pool(self.workers, initializer=start_django_worker, initargs=(os.getpid(),))
        with pool:
            pending: deque = deque()  # (identifiers, AsyncResult) in file order
            in_flight: set[str] = set()
            for batch in self.batches():
                rows = self.to_parse(batch, in_flight)
                identifiers = {row.identifier for row in rows}
                in_flight |= identifiers
                pending.append((identifiers, pool.apply_async(parse_rows, (rows,))))
                while len(pending) > self.workers * IN_FLIGHT_PER_WORKER:
                    in_flight -= self.collect(pending.popleft(), tags)
            while pending:
                in_flight -= self.collect(pending.popleft(), tags)
        # Unreadable rows are reported as they are read, ahead of the batches being parsed.
        self.report.problems.sort(key=lambda problem: problem.line)
        return self.report

    def collect(self, item, tags) -> set[str]:
        identifiers, result = item
        self.write(result.get(), tags)
        return identifiers

    def fail(self, problem: RowProblem) -> None:
        self.report.failed += 1
        self.report.problems.append(problem)
        self.on_row(self.report)

    def to_parse(self, rows: list[CsvRow], in_flight: set[str]) -> list[CsvRow]:
        """The rows not already in the archive (nor sent to be parsed): checked before parsing."""
        seen = set() if self.dry_run else already_imported(rows) | in_flight
        kept = []
        for row in rows:
            if row.identifier in seen:
                self.report.skipped += 1
                self.on_row(self.report)
                continue
            seen.add(row.identifier)  # a repeated row later in the same batch is skipped too
            kept.append(row)
        return kept

    def write(self, outcomes: list[Parsed | RowProblem], tags: TagCache | None) -> None:
        parsed_rows = []
        for outcome in outcomes:
            if isinstance(outcome, RowProblem):
                self.fail(outcome)
                continue
            parsed_rows.append((outcome, outcome.document))
        if not parsed_rows:
            return
        pks = [] if self.dry_run else write_batch(parsed_rows, self.path.name, tags, self.queue_for_index)
        for _ in parsed_rows:  # counted once committed: an interrupted batch is not "created"
            self.report.created += 1
            self.on_row(self.report)
        if not self.dry_run:
            self.on_batch(pks)

    # Kept for callers of the serial importer.
    def import_batch(self, rows: list[CsvRow], tags: TagCache | None) -> None:
        self.write(parse_rows(self.to_parse(rows, set())), tags)


def default_workers(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError:
        return 1
    return min(2, os.cpu_count() or 1) if size >= PARALLEL_FROM_BYTES else 1
