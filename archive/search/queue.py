"""The one path by which the search index changes.

1. A change to a document records a PendingIndexUpdate row in the changing transaction
   (record_changes, called by archive.search.signals), once per document and transaction.
2. After the commit, the process tries to take the index write lock without blocking and
   drains the queue: changed documents are rewritten in one writer, removed ones deleted.
3. If another process holds the lock, it retries for at most REQUEST_WAIT seconds, then
   leaves its rows to the holder, which keeps draining until the queue is empty before it
   lets go. Rows are deleted only after the index commit, so no update is ever lost; a
   failure leaves them queued for the next drain or `manage.py process_index_queue`.

haystack's update_index/rebuild_index/clear_index reach the index through the backend,
which runs them here too (run_locked), under the same lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.db import connections as db_connections
from django.db import transaction

from archive.models import Document, PendingIndexUpdate

logger = logging.getLogger(__name__)

LOCK_NAME = "ARCHIVE_INDEX_LOCK"
REQUEST_WAIT = 2.0  # seconds a request may wait for the lock before leaving its rows queued
COMMAND_WAIT = 600.0  # seconds a management command waits
RETRY_INTERVAL = 0.1
BATCH_SIZE = 500

_local = threading.local()


class IndexBusy(Exception):
    """Another process holds the index write lock."""


def search_backend(using: str = "default"):
    from haystack import connections

    backend = connections[using].get_backend()
    if not backend.setup_complete:
        backend.setup()
    return backend


# Taking the lock


@contextmanager
def index_lock(backend, wait: float, give_up: Callable[[], bool] | None = None):
    """Hold the index write lock (a file lock shared by every process using the index).

    Raises IndexBusy after `wait` seconds, or as soon as give_up() returns True.
    """
    if not backend.setup_complete:
        backend.setup()
    lock = backend.storage.lock(LOCK_NAME)
    deadline = time.monotonic() + wait
    while not lock.acquire(blocking=False):
        if time.monotonic() >= deadline or (give_up is not None and give_up()):
            raise IndexBusy
        time.sleep(RETRY_INTERVAL)
    try:
        yield
    finally:
        lock.release()


def run_locked(backend, work: Callable[[], None], wait: float = COMMAND_WAIT, drain: bool = True) -> None:
    """Run an index write (update_index, remove…) under the lock, then drain the queue.

    The lock holder drains before letting go, so rows left by processes that gave up
    waiting for the lock are applied. clear_index passes drain=False: the rebuild after it
    indexes everything anyway (and clearing needs no database).
    """
    with index_lock(backend, wait):
        work()
        if drain:
            drain_locked(backend)


# Draining


def queue_is_empty() -> bool:
    return not PendingIndexUpdate.objects.exists()


def drain_locked(backend) -> int:
    """Apply queued updates, batch after batch, until the queue is empty. Lock held."""
    processed = 0
    while True:
        rows = list(PendingIndexUpdate.objects.order_by("id").values_list("id", "document_pk")[:BATCH_SIZE])
        if not rows:
            forget_queued()
            return processed
        apply_updates(backend, {document_pk for _, document_pk in rows})
        # Only after the index commit: a crash before this line replays the rows, loses nothing.
        PendingIndexUpdate.objects.filter(id__in=[row_id for row_id, _ in rows]).delete()
        processed += len(rows)


def apply_updates(backend, document_pks: set[int]) -> None:
    """Rewrite the documents that exist, delete the others, in one index writer."""
    from haystack import connections

    from archive.search.writing import write

    index = connections[backend.connection_alias].get_unified_index().get_index(Document)
    documents = list(index.index_queryset().filter(pk__in=document_pks))
    gone = document_pks - {document.pk for document in documents}
    write(backend, index, documents, [haystack_id(pk) for pk in sorted(gone)])


def haystack_id(document_pk: int) -> str:
    """The index entry's id: "archive.document.<pk>"."""
    return f"{Document._meta.app_label}.{Document._meta.model_name}.{document_pk}"


def drain_queue(wait: float = COMMAND_WAIT, using: str = "default") -> int:
    """Index every queued change; the number of queue rows applied.

    Returns 0 without waiting longer than `wait` if another process holds the lock (the holder
    drains the rows) or the queue empties meanwhile.
    """
    backend = search_backend(using)
    try:
        with index_lock(backend, wait, give_up=queue_is_empty):
            return drain_locked(backend)
    except IndexBusy:
        logger.info("search index busy: queued updates left to the process holding the lock")
        return 0


def drain_after_commit() -> None:
    """on_commit callback: never raises into the request; a failure leaves the rows queued."""
    if getattr(_local, "deferred", 0):
        return
    try:
        drain_queue(wait=REQUEST_WAIT)
    except Exception:
        logger.exception("search index update failed; the changes stay queued")


@contextmanager
def deferred_indexing(wait: float = COMMAND_WAIT):
    """Queue changes without indexing after each commit; drain once at the end (bulk imports)."""
    _local.deferred = getattr(_local, "deferred", 0) + 1
    try:
        yield
    finally:
        _local.deferred -= 1
    if not _local.deferred:
        drain_queue(wait=wait)


def index_documents_now(document_pks: Iterable[int], wait: float = COMMAND_WAIT) -> None:
    """Queue these documents and apply the queue now, waiting up to `wait` for the lock.

    For writes that send no signals (bulk_create in the CSV importer); call it after the
    batch's transaction has committed.
    """
    with deferred_indexing(wait=wait):
        record_changes(document_pks)


# Recording changes


class DrainAfterCommit:
    """The on_commit callback of one transaction (or savepoint), and what it queued.

    Django forgets the callback when its savepoint or transaction rolls back, and with it
    the memory of what was queued: rows rolled back are queued again on the next change.
    """

    def __init__(self, savepoint_ids: tuple):
        self.savepoint_ids = savepoint_ids
        self.queued: set[tuple[int, str]] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True  # committed: a later change belongs to a later transaction
        drain_after_commit()


def forget_queued(using: str = "default") -> None:
    """The queue was drained inside this transaction: what it queued is applied already."""
    connection = db_connections[using]
    if connection.in_atomic_block:
        for callback in live_callbacks(connection):
            callback.queued.clear()


def live_callbacks(connection) -> list[DrainAfterCommit]:
    # run_on_commit holds (savepoint ids, callback, robust) for the current transaction.
    return [
        entry[1]
        for entry in connection.run_on_commit
        if isinstance(entry[1], DrainAfterCommit) and not entry[1].done
    ]


def record_changes(document_pks: Iterable, deleted: bool = False, using: str = "default") -> None:
    """Queue index updates for these documents in the current transaction."""
    action = PendingIndexUpdate.Action.DELETE if deleted else PendingIndexUpdate.Action.UPDATE
    keys = {(int(pk), action) for pk in document_pks if pk is not None}
    if not keys:
        return
    connection = db_connections[using]
    if not connection.in_atomic_block:
        insert_rows(keys, using)
        drain_after_commit()
        return
    live = live_callbacks(connection)
    for callback in live:
        keys -= callback.queued
    if not keys:
        return
    savepoint_ids = tuple(connection.savepoint_ids)
    callback = next((c for c in live if c.savepoint_ids == savepoint_ids), None)
    if callback is None:
        callback = DrainAfterCommit(savepoint_ids)
        transaction.on_commit(callback, using=using, robust=True)
    insert_rows(keys, using)
    callback.queued |= keys


def insert_rows(keys: set[tuple[int, str]], using: str) -> None:
    PendingIndexUpdate.objects.using(using).bulk_create(
        [PendingIndexUpdate(document_pk=pk, action=action) for pk, action in sorted(keys)]
    )
