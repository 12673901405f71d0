"""A web worker opens the views, templates and search index before its first request."""

from __future__ import annotations

import gc
import logging
import weakref
from pathlib import Path

import pytest

from archive.serving import prepare_worker
from quipu_whoosh import column_store
from tests.search_fixtures import *  # noqa: F403
from tests.search_fixtures import using_index

pytestmark = pytest.mark.django_db


def test_a_prepared_worker_has_its_index_open_with_the_columns_mapped(search_index, monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("the commit's stored columns were read again")

    monkeypatch.setattr(column_store, "build", no_reading)
    with using_index(search_index.path) as backend:
        try:
            prepare_worker()
            frozen = gc.get_freeze_count()
        finally:
            gc.unfreeze()
        bitsets = backend._bitsets

        assert bitsets is not None and bitsets.searcher is backend.searcher()
        assert all(part._store is not None for part, _offset in bitsets.leaves)
    # What the worker loaded is out of the collector's sweeps, which a request would pay for.
    assert frozen > 10_000


def test_the_index_a_worker_opened_is_freed_once_the_index_changes(search_index):
    with using_index(search_index.path) as backend:
        try:
            prepare_worker()
            opened = weakref.ref(backend._bitsets)
            backend.reset_searcher()  # as when a commit makes a new generation
            gc.collect()
        finally:
            gc.unfreeze()

    assert opened() is None


def test_a_worker_whose_index_cannot_be_read_logs_it_and_starts_all_the_same(search_index, caplog):
    folder = Path(search_index.path)
    for path in folder.glob("*.columns"):
        path.unlink()
    for path in folder.glob("*.col"):  # Whoosh's own columns, cut off
        path.write_bytes(b"")

    with caplog.at_level(logging.ERROR, logger="archive.serving"), using_index(search_index.path):
        try:
            seconds = prepare_worker()
        finally:
            gc.unfreeze()

    assert seconds >= 0
    assert "could not prepare the worker" in caplog.text
