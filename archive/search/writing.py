"""Writing documents into the Whoosh index: one writer per batch, lock held by the caller.

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
from contextlib import contextmanager

from django.utils import timezone
from haystack.constants import DJANGO_CT, ID
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier, get_model_ct
from whoosh import query as wq

from archive.search import queue
from archive.search.fields import ValueListField
from archive.search.parallel_writer import OrderedMpWriter

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
    """Replace these objects' entries and delete these ids, in one commit. Lock held.

    Inside a bulk session the writes go to the session's writer, committed when it ends.
    """
    session = getattr(backend, "bulk_session", None)
    if session is not None:
        session.write(index, objects, delete_ids)
        return
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
    opens into memory (whoosh.filedb.compound: BytesIO over the mapped file), 4.6 GB per
    process at 250,000 cables; separate files are read through the page cache.
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


class BulkSession:
    """Many batches into one parallel writer (OrderedMpWriter), committed at the end or
    every `commit_every` documents.

    A writer per batch costs a commit and a segment merge per batch, slower as the index
    grows (50 cables/s at 50,000 cables). Here each of BULK_PROCESSES processes builds one
    segment of its share per commit. The index lock is held by bulk_session.
    """

    def __init__(self, backend, commit_every: int | None = None, expected: int | None = None):
        self.backend = backend
        self.commit_every = commit_every
        self.expected = expected  # documents the session will write: each process takes a share
        self.writer = None
        self.documents = 0  # written since the last commit
        self.written: set[str] = set()  # their ids
        self.committed: list = []  # run after the next commit (the queue's row deletions)
        self.handed_up_to = 0  # the last queue row id given to this session (queue.drain_locked)

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


@contextmanager
def bulk_session(backend, commit_every: int | None = None, expected: int | None = None):
    """Hold the index lock; every write in the block goes to one BulkSession.

    On leaving the block the session commits, then the queue is drained as after any write
    (changes made meanwhile by other processes were left queued for the lock holder).
    On an error or an interruption, even during that commit, nothing since the last commit is
    committed, its queue rows stay queued and its writer's processes are stopped.
    """
    if getattr(backend, "bulk_session", None) is not None:
        yield backend.bulk_session
        return
    with queue.index_lock(backend, queue.COMMAND_WAIT):
        session = backend.bulk_session = BulkSession(backend, commit_every, expected)
        try:
            yield session
            session.commit()
        except BaseException:
            # Ctrl-C during the commit too: its processes are stopped rather than waited for.
            session.cancel()
            raise
        finally:
            backend.bulk_session = None
        queue.drain_locked(backend)


# haystack's write API (update_index, rebuild_index, clear_index), through the queue's lock.


def update(backend, index, iterable) -> None:
    objects = list(iterable)
    if objects:
        locked(backend, lambda: write(backend, index, objects))


def remove(backend, obj_or_string) -> None:
    locked(backend, lambda: write(backend, None, (), [get_identifier(obj_or_string)]))


def locked(backend, work) -> None:
    """Run a write under the index lock, unless a bulk session of this process holds it."""
    if getattr(backend, "bulk_session", None) is not None:
        work()
    else:
        queue.run_locked(backend, work)


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

    queue.run_locked(backend, work, drain=False)


@contextmanager
def bulk_import_session(using: str = "default"):
    """An import's indexing: changes are queued in the import's transactions and applied when
    it calls queue.drain_queue() (after each batch) and at the end, not after every commit.

    With Whoosh they go to one bulk session, committed every IMPORT_COMMIT_DOCUMENTS.
    """
    from haystack import connections
    from haystack.backends.whoosh_backend import WhooshSearchBackend

    backend = connections[using].get_backend()
    if not isinstance(backend, WhooshSearchBackend):
        with queue.deferred_indexing():
            yield None
        return
    with bulk_session(backend, commit_every=IMPORT_COMMIT_DOCUMENTS) as session, queue.deferred_indexing():
        yield session
