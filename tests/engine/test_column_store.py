"""Facet and sort columns are written beside each segment at commit and mapped by a new process.

A new gunicorn worker must not read every facet column document by document before its
first search (quipu_whoosh.column_store): it maps the arrays the commit wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import Count
from haystack.query import SearchQuerySet

from archive.models import Document
from archive.search.indexing import drain_queue
from quipu_whoosh import column_store
from quipu_whoosh.bitsets import ReaderBitsets, segment_folder, segment_written_at
from tests.search_fixtures import *  # noqa: F403
from tests.search_fixtures import using_index

pytestmark = pytest.mark.django_db


def segment_ids(backend) -> list[str]:
    return [segment.segment_id() for segment in backend.index._segments()]


def columns_files(path) -> list[Path]:
    return sorted(Path(path).glob(f"*.{column_store.EXTENSION}"))


def segment_readers(backend) -> list:
    return [reader for reader, _offset in backend.searcher().reader().leaf_readers()]


def stamp_of(reader, backend, **changes) -> dict:
    stamped = {
        "size": reader.doc_count_all(),
        "written_at": segment_written_at(reader, reader.segment()),
        "facet_names": backend.facet_fields,
        "number_names": ReaderBitsets.number_names(backend.schema),
    }
    return column_store.stamp(**(stamped | changes))


def stored_columns(reader, backend):
    path = column_store.path_of(segment_folder(reader), reader.segment())
    return column_store.load(path, stamp_of(reader, backend))


def origin_counts() -> dict[str, int]:
    rows = Document.objects.values("origin").annotate(n=Count("id"))
    return {row["origin"]: row["n"] for row in rows if row["origin"]}


def counted_origins() -> dict[str, int]:
    found = SearchQuerySet().models(Document).facet("origin")
    found[:1]  # runs the search: facet_counts() alone would fetch every hit
    return dict(found.facet_counts()["fields"]["origin"])


def test_each_committed_segment_has_its_columns_file_beside_it(search_index):
    names = {path.name for path in columns_files(search_index.path)}

    assert names == {f"{segid}.{column_store.EXTENSION}" for segid in segment_ids(search_index)}


def test_a_new_process_maps_the_stored_columns_and_reads_no_whoosh_column(search_index, monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("a stored segment's columns were read again")

    monkeypatch.setattr(column_store, "build", no_reading)
    with using_index(search_index.path):
        assert counted_origins() == origin_counts()
        newest_first = SearchQuerySet().models(Document).order_by("-date")[:5]
        dates = [result.date for result in newest_first]

    assert dates == sorted(dates, reverse=True)


def test_a_damaged_columns_file_is_ignored_and_written_again(search_index):
    for path in columns_files(search_index.path):
        path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")

    with using_index(search_index.path) as backend:
        assert counted_origins() == origin_counts()
        assert all(stored_columns(reader, backend) is not None for reader in segment_readers(backend))


def test_an_index_written_before_the_columns_files_gets_them_at_its_first_search(search_index):
    for path in columns_files(search_index.path):
        path.unlink()

    with using_index(search_index.path) as backend:
        assert counted_origins() == origin_counts()
        expected = {f"{segid}.{column_store.EXTENSION}" for segid in segment_ids(backend)}

    assert {path.name for path in columns_files(search_index.path)} == expected


def test_the_columns_file_goes_with_its_segment_when_segments_merge(search_index):
    before = columns_files(search_index.path)
    writer = search_index.index.writer()
    writer.commit(optimize=True)

    with using_index(search_index.path) as backend:
        assert counted_origins() == origin_counts()
        (merged,) = segment_ids(backend)

    assert before and not any(path.exists() for path in before)
    assert [path.name for path in columns_files(search_index.path)] == [f"{merged}.{column_store.EXTENSION}"]


def test_a_columns_file_written_for_another_segment_of_the_same_name_is_not_taken(search_index):
    """Whoosh draws segment ids from `random`, which a seeded process can draw again."""
    (reader, *_) = segment_readers(search_index)
    path = column_store.path_of(str(search_index.path), reader.segment())
    written_at = segment_written_at(reader, reader.segment())

    assert stored_columns(reader, search_index) is not None
    assert column_store.load(path, stamp_of(reader, search_index, written_at=written_at + 1)) is None
    assert column_store.load(path, stamp_of(reader, search_index, size=reader.doc_count_all() + 1)) is None


def test_a_columns_file_written_for_other_facets_is_not_taken(search_index):
    (reader, *_) = segment_readers(search_index)
    path = column_store.path_of(str(search_index.path), reader.segment())
    fewer = search_index.facet_fields - {"origin_exact"}

    assert column_store.load(path, stamp_of(reader, search_index, facet_names=fewer)) is None


def test_a_commit_whose_columns_cannot_be_built_is_kept_and_the_search_builds_them_later(
    search_index, monkeypatch, caplog
):
    def failing(*args, **kwargs):
        raise ValueError("a column Whoosh cannot read")

    lima = Document.objects.get(identifier="07LIMA3429")
    lima.title = "Wombat logistics"
    lima.save()
    with monkeypatch.context() as patched:
        patched.setattr(column_store, "build", failing)
        drain_queue()

    assert "could not write the columns" in caplog.text
    assert SearchQuerySet().filter(title="wombat").count() == 1
    assert counted_origins() == origin_counts()
