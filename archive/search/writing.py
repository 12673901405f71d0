"""Writing documents into the Whoosh index: one writer per batch, lock held by the caller.

haystack's writes used AsyncWriter (retries forever) for updates and a zero-wait writer for
deletes (silently lost under load), and `update_document` opens a searcher per document.
Here a batch deletes its old entries with one query, then adds each document.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from haystack.constants import DJANGO_CT, ID
from haystack.exceptions import SkipDocument
from haystack.utils import get_identifier, get_model_ct
from whoosh import query as wq

from archive.search import queue
from archive.search.fields import ValueListField

logger = logging.getLogger(__name__)

WRITER_TIMEOUT = 30.0  # Whoosh's own lock; only contended by writers outside our lock
# Posting buffer per writer: a 500-document batch of 6 KB cables fits without spilling to disk.
WRITER_MEMORY_MB = 256


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
    """Replace these objects' entries and delete these ids, in one commit. Lock held."""
    delete_ids = list(delete_ids)
    documents = prepare_all(backend, index, objects, delete_ids)
    stale = set(delete_ids) | {document[ID] for document in documents}
    if not stale:
        return
    present = indexed_ids(backend, stale)
    writer = open_writer(backend)
    try:
        # A batch of new documents (an import) deletes nothing: no delete query at all.
        if present:
            writer.delete_by_query(wq.Or([wq.Term(ID, ident) for ident in sorted(present)]))
        for document in documents:
            writer.add_document(**document)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def open_writer(backend):
    """One writer for the whole batch, with room to hold it in memory (one segment)."""
    for field in backend.schema:
        if hasattr(field, "start_batch"):
            field.start_batch()
    return backend.index.writer(timeout=WRITER_TIMEOUT, limitmb=WRITER_MEMORY_MB)


def indexed_ids(backend, ids) -> set[str]:
    """Which of these ids the index holds (deleted entries may count: deleting twice is harmless)."""
    backend.reset_searcher()  # the lock is held: see every commit, ours and other processes'
    reader = backend.searcher().reader()
    return {ident for ident in ids if reader.doc_frequency(ID, ident)}


# haystack's write API (update_index, rebuild_index, clear_index), through the queue's lock.


def update(backend, index, iterable) -> None:
    objects = list(iterable)
    if objects:
        queue.run_locked(backend, lambda: write(backend, index, objects))


def remove(backend, obj_or_string) -> None:
    queue.run_locked(backend, lambda: write(backend, None, (), [get_identifier(obj_or_string)]))


def clear(backend, models=None) -> None:
    def work():
        if not models:
            # A fresh, empty index in place (readers of the old one keep working).
            backend.index = backend.storage.create_index(backend.schema)
            backend.reset_searcher()
            return
        writer = backend.index.writer(timeout=WRITER_TIMEOUT)
        writer.delete_by_query(wq.Or([wq.Term(DJANGO_CT, get_model_ct(m)) for m in models]))
        writer.commit()

    queue.run_locked(backend, work, drain=False)
