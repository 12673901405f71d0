"""Writing documents into the Whoosh index: one writer per batch, lock held by the caller
(archive.search.indexing, which decides when and under which lock).

haystack's writes used AsyncWriter (retries forever) for updates and a zero-wait writer for
deletes (silently lost under load), and `update_document` opens a searcher per document.
Here a batch deletes its old entries with one query, then adds each document. Bulk work
(update_index, rebuild_index, the cablegate-csv import) holds a BulkSession instead: one
parallel writer for many batches, committed once (or every so many documents).
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from django.utils import timezone
from haystack.constants import DJANGO_CT, ID
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier, get_model_ct
from whoosh import query as wq

from archive.search import engine, indexing
from quipu_whoosh.fields import ValueListField
from quipu_whoosh.parallel_writer import OrderedMpWriter
from quipu_whoosh.words import STOP_WORDS_FIELD

logger = logging.getLogger(__name__)

WRITER_TIMEOUT = 30.0  # Whoosh's own lock; only contended by writers outside our lock
# Posting buffer per writer: a 500-document batch of 6 KB cables fits without spilling to disk.
WRITER_MEMORY_MB = 256
# A bulk session (update_index, rebuild_index) analyses in this many processes, each writing
# its own segment; the parent reads the database and hands documents out in job files.
BULK_PROCESSES = max(1, min(os.cpu_count() or 1, 4))
BULK_JOB_DOCUMENTS = 200
# An import's bulk session commits this often, so that a long import becomes searchable as
# it goes and its queue rows are released (a commit adds one segment per process).
IMPORT_COMMIT_DOCUMENTS = 25_000


def whoosh_value(field, value):
    """A prepared haystack value as Whoosh wants it; None for 'leave the field out'."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(field, ValueListField):
        return field.values(value) or None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, dt.UTC)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (bool, int, float)):
        return value
    return str(value)


def whoosh_document(backend, index, obj) -> dict:
    prepared = index.full_prepare(obj)
    prepared.pop("boost", None)
    document = {}
    for name, value in prepared.items():
        if name not in backend.schema:
            continue
        converted = whoosh_value(backend.schema[name], value)
        if converted is not None:
            document[name] = converted
    if backend.content_field_name in document and STOP_WORDS_FIELD in backend.schema:
        document[STOP_WORDS_FIELD] = document[backend.content_field_name]
    return document


def prepare_all(backend, index, objects, delete_ids: list[str]) -> list[dict]:
    documents = []
    for obj in objects:
        try:
            documents.append(whoosh_document(backend, index, obj))
        except SkipDocument:
            delete_ids.append(get_identifier(obj))
        except Exception:
            if not backend.silently_fail:
                raise
            logger.exception("could not prepare %s for the search index", get_identifier(obj))
    return documents


def write(backend, index, objects=(), delete_ids=()) -> None:
    """Replace these objects' entries and delete these ids, in one commit. Lock held."""
    documents, stale = prepare_changes(backend, index, objects, delete_ids)
    if not stale:
        return
    present = indexed_ids(backend, stale)
    writer = open_writer(backend)
    try:
        replace(writer, documents, present)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    backend.store_columns()


def prepare_changes(backend, index, objects, delete_ids) -> tuple[list[dict], set[str]]:
    """(Whoosh documents to add, ids whose old entries go): skipped objects are deleted too."""
    delete_ids = list(delete_ids)
    documents = prepare_all(backend, index, objects, delete_ids) if objects else []
    return documents, set(delete_ids) | {document[ID] for document in documents}


def replace(writer, documents: list[dict], present: set[str]) -> None:
    # A batch of new documents (an import) deletes nothing: no delete query at all.
    if present:
        writer.delete_by_query(wq.Or([wq.Term(ID, ident) for ident in sorted(present)]))
    for document in documents:
        writer.add_document(**document)


def open_writer(backend, writer_class=None, **options):
    """One writer for the whole batch, with room to hold it in memory (one segment).

    Segments stay as separate files: a reader of a compound segment file copies each part it
    opens into memory, 4.6 GB per process at 250,000 cables (docs/search-engine.md, "Indexing").
    """
    for field in backend.schema:
        if hasattr(field, "start_batch"):
            field.start_batch()
    options.update(timeout=WRITER_TIMEOUT, limitmb=WRITER_MEMORY_MB, compound=False)
    if writer_class is None:
        return backend.index.writer(**options)
    return writer_class(backend.index, **options)


def indexed_ids(backend, ids, refresh: bool = True) -> set[str]:
    """Which of these ids the index holds (deleted entries may count: deleting twice is harmless)."""
    if refresh:
        backend.reset_searcher()  # the lock is held: see every commit, ours and other processes'
    reader = backend.searcher().reader()
    return {ident for ident in ids if reader.doc_frequency(ID, ident)}


class BulkSession(engine.BulkSession):
    """Many batches into one parallel writer (OrderedMpWriter), committed at the end or
    every `commit_every` documents.

    A writer per batch costs a commit and a segment merge per batch, slower as the index
    grows (50 cables/s at 50,000 cables). Here each of BULK_PROCESSES processes builds one
    segment of its share per commit. The index lock is held by archive.search.indexing.bulk_session.
    """

    def __init__(self, backend, commit_every: int | None = None, expected: int | None = None):
        self.backend = backend
        self.commit_every = commit_every
        self.expected = expected  # documents the session will write: each process takes a share
        self.writer = None
        self.documents = 0  # written since the last commit
        self.written: set[str] = set()  # their ids
        self.committed: list = []  # run after the next commit (the queue's row deletions)

    def write(self, index, objects, delete_ids) -> None:
        documents, stale = prepare_changes(self.backend, index, objects, delete_ids)
        if not stale:
            return
        if stale & self.written:
            # Written but not committed: a writer cannot delete what it has not committed yet.
            self.commit()
        # The committed index changes only by this session's commits while it holds the lock.
        present = indexed_ids(self.backend, stale, refresh=self.writer is None)
        if self.writer is None:
            self.writer = self.open()
        replace(self.writer, documents, present)
        self.documents += len(documents)
        self.written |= {document[ID] for document in documents}

    def after_commit(self, callback) -> None:
        self.committed.append(callback)
        if self.commit_every and self.documents >= self.commit_every:
            self.commit()

    def open(self):
        if BULK_PROCESSES < 2:
            return open_writer(self.backend)
        expected = self.commit_every or self.expected or BULK_JOB_DOCUMENTS
        return open_writer(
            self.backend,
            writer_class=OrderedMpWriter,
            per_process=-(-expected // BULK_PROCESSES),
            procs=BULK_PROCESSES,
            batchsize=BULK_JOB_DOCUMENTS,
        )

    def commit(self) -> None:
        if self.writer is not None:
            self.writer.commit()
            self.writer = None
            self.backend.store_columns()
        self.documents = 0
        self.written = set()
        self.backend.reset_searcher()
        callbacks, self.committed = self.committed, []
        for callback in callbacks:
            callback()

    def cancel(self) -> None:
        self.committed = []  # their queue rows stay queued, for the next drain
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None


def clear(backend, models=None) -> None:
    def work():
        if not models:
            # A fresh, empty index in place (readers of the old one keep working).
            backend.index = backend.storage.create_index(backend.schema)
            backend.reset_searcher()
            return
        writer = backend.index.writer(timeout=WRITER_TIMEOUT, compound=False)
        writer.delete_by_query(wq.Or([wq.Term(DJANGO_CT, get_model_ct(m)) for m in models]))
        writer.commit()

    indexing.run_locked(backend, work, drain=False)
