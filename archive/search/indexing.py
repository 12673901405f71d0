"""The one path by which the search index changes: the index queue, its lock, bulk sessions.

1. A change to a document records a PendingIndexUpdate row in the changing transaction
   (record_changes, called by archive.search.signals), once per document and transaction.
2. After the commit, the process tries to take the index write lock (write_lock) without
   blocking and drains the queue: changed documents are rewritten, removed ones deleted.
3. If another process holds the lock, it retries for at most REQUEST_WAIT seconds, then
   leaves its rows to the holder, which keeps draining before it lets go. A waiting request
   stops waiting as soon as the holder has applied its rows. Rows are deleted only after the
   index commit, so no update is ever lost; a failure leaves them queued for the next drain
   or `manage.py process_index_queue`.
4. A request holding the lock applies at most ARCHIVE_INDEX_DRAIN_PER_REQUEST rows: its own
   newest first, then older rows whose processes gave up, until every row left is younger
   than HANDOFF_AGE (their processes are still waiting for the lock and take it over). The
   rest waits for `process_index_queue --follow` (started by `make run` beside gunicorn),
   the cron job, or whoever next holds the lock; the admin says how many documents are still
   to be indexed (left_queued_report). Commands drain until the queue is empty. Without the
   bound, a bulk tag edit of 6,000 documents, or one edit made behind a backlog, kept its
   request busy past gunicorn's timeout.

5. Bulk work (update_index, rebuild_index, an import) holds the lock for its whole run in a
   bulk session (bulk_session): with an engine that offers one (quipu_whoosh), its batches
   go to one writer, committed at the end or every so many documents; the queue rows it
   applied are deleted after that commit.

The engine does the writing itself (archive.search.engine: write_lock, write,
open_bulk_session). With Whoosh, haystack's update_index/rebuild_index/clear_index reach the
index through the engine, which runs them here too (run_locked), under the same lock. With a
search server (Elasticsearch, Solr) the queue writes through haystack's backend API.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import connections as db_connections
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from archive.models import Document, PendingIndexUpdate
from archive.search.engine import extensions

logger = logging.getLogger(__name__)

LOCK_NAME = "ARCHIVE_INDEX_LOCK"
REQUEST_WAIT = 2.0  # seconds a request may wait for the lock before leaving its rows queued
# A row queued less than this long ago belongs to a process still waiting for the lock: a
# request holding the lock may leave it to that process (the margin covers slow scheduling).
HANDOFF_AGE = REQUEST_WAIT / 2
COMMAND_WAIT = 600.0  # seconds a management command waits
RETRY_INTERVAL = 0.1
BATCH_SIZE = 500
DEFAULT_REQUEST_SHARE = 200  # rows a request applies at most (ARCHIVE_INDEX_DRAIN_PER_REQUEST)

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


def write_lock(backend):
    """The index write lock of this backend's engine (SearchEngineExtensions.write_lock)."""
    return extensions(backend).write_lock()


@contextmanager
def index_lock(backend, wait: float, give_up: Callable[[], bool] | None = None):
    """Hold the index write lock (see write_lock), shared by every process using the index.

    Raises IndexBusy after `wait` seconds, or as soon as give_up() returns True. Inside a
    bulk session (bulk_session) this process holds it already.
    """
    if extensions(backend).bulk_session is not None:
        yield
        return
    lock = write_lock(backend)
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


def applied_up_to(last_row_id: int) -> Callable[[], bool]:
    """give_up test: no row up to this one is left, so the holder has indexed ours.

    Rows with lower ids queued by others are waited for too: cheaper than listing our ids, and
    the holder applies them in the same batch.
    """
    return lambda: not PendingIndexUpdate.objects.filter(id__lte=last_row_id).exists()


def handed_over(last_row_id: int) -> Callable[[], bool]:
    """may_leave test of a request holding the lock: its rows are applied, the rest are young.

    A process gives up waiting for the lock only REQUEST_WAIT after its commit, so the owners
    of rows queued less than HANDOFF_AGE ago are still waiting and drain when we let go.
    """

    def check() -> bool:
        cutoff = timezone.now() - dt.timedelta(seconds=HANDOFF_AGE)
        left = Q(id__lte=last_row_id) | Q(queued_at__lte=cutoff)
        return not PendingIndexUpdate.objects.filter(left).exists()

    return check


def request_share() -> int:
    """The most queue rows one request applies (setting ARCHIVE_INDEX_DRAIN_PER_REQUEST)."""
    return getattr(settings, "ARCHIVE_INDEX_DRAIN_PER_REQUEST", DEFAULT_REQUEST_SHARE)


def drain_locked(backend, may_leave: Callable[[], bool] | None = None, limit: int | None = None) -> int:
    """Apply queued updates, batch after batch, until the queue is empty, may_leave() or `limit`
    rows are applied. Lock held.

    Inside a bulk session the rows are deleted when the session commits, so each drain moves
    on past the rows handed to the session already (rows committed late below them wait for
    the drain that follows the session's end).
    """
    session = extensions(backend).bulk_session
    processed = 0
    while limit is None or processed < limit:
        handed_up_to = session.handed_up_to if session is not None else 0
        pending = PendingIndexUpdate.objects.filter(id__gt=handed_up_to).order_by("id")
        batch = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - processed)
        rows = list(pending.values_list("id", "document_pk")[:batch])
        if not rows:
            forget_queued()
            return processed
        if may_leave is not None and may_leave():
            return processed
        apply_rows(backend, rows, session)
        if session is not None:
            session.handed_up_to = rows[-1][0]
        processed += len(rows)
    return processed


def drain_request_share(backend, last_row_id: int, limit: int) -> int:
    """A request's part of the queue, lock held: at most `limit` rows, its own newest first.

    Its own rows are the newest up to last_row_id, so a single edit is applied even behind a
    backlog; what the limit leaves of the older rows is drained as drain_locked would
    (rows of processes that gave up waiting), and the rest is left queued.
    """
    if extensions(backend).bulk_session is not None:
        return drain_locked(backend, limit=limit)
    own = PendingIndexUpdate.objects.filter(id__lte=last_row_id)
    processed = 0
    while processed < limit:
        newest = own.order_by("-id").values_list("id", "document_pk")
        rows = list(newest[: min(BATCH_SIZE, limit - processed)])
        if not rows:
            break
        # Older rows of the same documents, seen now, are applied by the same rewrite.
        same = own.filter(document_pk__in={pk for _, pk in rows}).values_list("id", "document_pk")
        apply_rows(backend, list(same), None)
        processed += len(rows)
    if processed < limit:
        processed += drain_locked(backend, handed_over(last_row_id), limit=limit - processed)
    return processed


def apply_rows(backend, rows: list[tuple[int, int]], session) -> None:
    """Index the documents of these (row id, document key) rows, then delete the rows."""
    apply_updates(backend, {document_pk for _, document_pk in rows})
    applied = PendingIndexUpdate.objects.filter(id__in=[row_id for row_id, _ in rows])
    # Only after the index commit: a crash before this line replays the rows, loses nothing.
    if session is None:
        applied.delete()
    else:
        session.after_commit(applied.delete)


def apply_updates(backend, document_pks: set[int]) -> None:
    """Rewrite the documents that exist, delete the others (in one write, lock held)."""
    from haystack import connections

    index = connections[backend.connection_alias].get_unified_index().get_index(Document)
    documents = list(index.index_queryset().filter(pk__in=document_pks))
    gone = [haystack_id(pk) for pk in sorted(document_pks - {document.pk for document in documents})]
    write(backend, index, documents, gone)


def write(backend, index, objects=(), delete_ids=()) -> None:
    """Replace these objects' entries and delete these ids, lock held: in the bulk session's
    writer while one is open (committed with it), else in one write of the engine's."""
    engine = extensions(backend)
    if engine.bulk_session is not None:
        engine.bulk_session.write(index, objects, delete_ids)
    else:
        engine.write(index, objects, delete_ids)


def locked(backend, work: Callable[[], None]) -> None:
    """Run a write under the index lock (then drain), unless a bulk session of this process holds it."""
    if extensions(backend).bulk_session is not None:
        work()
    else:
        run_locked(backend, work)


def haystack_id(document_pk: int) -> str:
    """The index entry's id: "archive.document.<pk>"."""
    return f"{Document._meta.app_label}.{Document._meta.model_name}.{document_pk}"


def drain_queue(
    wait: float = COMMAND_WAIT,
    using: str = "default",
    last_row_id: int | None = None,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Index queued changes; the number of queue rows applied.

    With `last_row_id` (a request's own rows), stops waiting for the lock as soon as the holder
    has applied them, and once holding it applies the request's share (drain_request_share).
    Without it, waits until the queue is empty and drains all of it, or until stop() says so.
    Returns 0 without waiting longer than `wait` if another process holds the lock: the
    holder drains.
    """
    backend = search_backend(using)
    give_up = queue_is_empty if last_row_id is None else applied_up_to(last_row_id)
    try:
        with index_lock(backend, wait, give_up=give_up):
            if last_row_id is None:
                return drain_locked(backend, stop)
            return drain_request_share(backend, last_row_id, request_share())
    except IndexBusy:
        logger.info("search index busy: queued updates left to the process holding the lock")
        return 0


def drain_after_commit(last_row_id: int | None = None, document_pks: Iterable[int] = ()) -> None:
    """on_commit callback: never raises into the request; a failure leaves the rows queued."""
    if getattr(_local, "deferred", 0):
        return
    try:
        drain_queue(wait=REQUEST_WAIT, last_row_id=last_row_id)
    except Exception:
        logger.exception("search index update failed; the changes stay queued")
    report = getattr(_local, "left_queued", None)
    if report is not None:
        report.documents += count_queued(document_pks)


class LeftQueued:
    """How many documents changed within left_queued_report() are not yet searchable."""

    documents = 0


@contextmanager
def left_queued_report():
    """Count the documents whose index updates the after-commit drains inside this block left
    queued (the request's share was smaller): the admin tells the user when they will show."""
    outer = getattr(_local, "left_queued", None)
    _local.left_queued = report = LeftQueued()
    try:
        yield report
    finally:
        _local.left_queued = outer
        if outer is not None:
            outer.documents += report.documents


def count_queued(document_pks: Iterable[int]) -> int:
    """How many of these documents still have rows in the queue."""
    pks = sorted(set(document_pks))
    left = 0
    for start in range(0, len(pks), BATCH_SIZE):
        rows = PendingIndexUpdate.objects.filter(document_pk__in=pks[start : start + BATCH_SIZE])
        left += rows.values("document_pk").distinct().count()
    return left


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


@contextmanager
def bulk_session(backend, commit_every: int | None = None, expected: int | None = None):
    """Hold the index lock; every write in the block goes to one bulk session of the engine's
    (SearchEngineExtensions.open_bulk_session), committed at the end or every `commit_every`
    documents. `expected`: how many documents the block will write, if known.

    On leaving the block the session commits, then the queue is drained as after any write
    (changes made meanwhile by other processes were left queued for the lock holder).
    On an error or an interruption, even during that commit, nothing since the last commit is
    committed, its queue rows stay queued and its writer's processes are stopped.
    An engine without bulk sessions writes each batch as it comes (the block runs unchanged).
    """
    engine = extensions(backend)
    if engine.bulk_session is not None:
        yield engine.bulk_session
        return
    session = engine.open_bulk_session(commit_every, expected)
    if session is None:
        yield None
        return
    with index_lock(backend, COMMAND_WAIT):
        engine.bulk_session = session
        try:
            yield session
            session.commit()
        except BaseException:
            # Ctrl-C during the commit too: its processes are stopped rather than waited for.
            session.cancel()
            raise
        finally:
            engine.bulk_session = None
        drain_locked(backend)


@contextmanager
def bulk_import_session(using: str = "default"):
    """An import's indexing: changes are queued in the import's transactions and applied when
    it calls drain_queue() (after each batch) and at the end, not after every commit.

    With an engine that has bulk sessions they go to one, committed as often as the engine says
    (import_commit_every), so that a long import becomes searchable as it goes.
    """
    backend = search_backend(using)
    every = extensions(backend).import_commit_every()
    with bulk_session(backend, commit_every=every) as session:
        with deferred_indexing():
            yield session


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
        self.last_row_id: int | None = None
        self.done = False

    def __call__(self) -> None:
        self.done = True  # committed: a later change belongs to a later transaction
        drain_after_commit(self.last_row_id, {pk for pk, _ in self.queued})

    def add(self, keys: set[tuple[int, str]], last_row_id: int | None) -> None:
        self.queued |= keys
        if last_row_id is not None:
            self.last_row_id = max(self.last_row_id or 0, last_row_id)


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
        drain_after_commit(insert_rows(keys, using), {pk for pk, _ in keys})
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
    callback.add(keys, insert_rows(keys, using))


def insert_rows(keys: set[tuple[int, str]], using: str) -> int | None:
    """Queue these rows; the highest new row id (None where the database cannot return ids)."""
    rows = PendingIndexUpdate.objects.using(using).bulk_create(
        [PendingIndexUpdate(document_pk=pk, action=action) for pk, action in sorted(keys)]
    )
    ids = [row.pk for row in rows]
    return None if None in ids else max(ids)
