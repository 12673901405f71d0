"""The peers of `manage.py benchmark --peers`: the benchmark's searches, translated, find what the
archive holds (counts checked against the database and the documents' text). SQLite FTS5 comes
with Python; tantivy is benchmark-only, and its tests are skipped without it."""

from __future__ import annotations

import re
from itertools import chain

import pytest
from django.core.management import call_command

from archive.models import Document
from archive.search.indexes import DocumentIndex
from tools.corpus_generator import generate_file
from tools.peers import Fts5Peer, Unsupported, fts5_match, peer_documents, peer_query

CABLES = 80


@pytest.fixture
def cables(db, tmp_path):
    corpus = tmp_path / "cables.csv"
    generate_file(corpus, CABLES, 3)
    call_command("import_documents", str(corpus), format="cablegate-csv", no_index=True, verbosity=0)


@pytest.fixture
def fts5(cables, tmp_path):
    peer = Fts5Peer(tmp_path / "peers")
    peer.index(chain.from_iterable(peer_documents(batch_size=25)))
    return peer


@pytest.fixture
def tantivy(cables, tmp_path):
    pytest.importorskip("tantivy", reason="tantivy is benchmark-only: pip install -r requirements-bench.txt")
    from tools.peers import TantivyPeer

    peer = TantivyPeer(tmp_path / "peers")
    peer.index(chain.from_iterable(peer_documents(batch_size=25)))
    return peer


def hits(peer, **params) -> int:
    return peer.search(peer_query(params))[0]


def texts_matching(*patterns: str, without: str = "") -> int:
    """Documents whose indexed text holds every pattern (whole words, any case) and not `without`."""
    return sum(
        1
        for text in indexed_texts()
        if all(holds(text, p) for p in patterns) and not (without and holds(text, without))
    )


def indexed_texts() -> list[str]:
    prepare = DocumentIndex().prepare_text
    return [prepare(document) for document in Document.objects.for_indexing()]


def holds(text: str, pattern: str) -> bool:
    return re.search(rf"\b{pattern}\b", text, re.IGNORECASE) is not None


def test_browsing_finds_every_document_newest_first(fts5):
    count, identifiers = fts5.search(peer_query({}))
    assert count == Document.objects.count() == CABLES
    newest = Document.objects.order_by("-date", "pk").values_list("identifier", flat=True)[:20]
    assert identifiers == list(newest)


def test_a_facet_filter_counts_what_the_database_holds(fts5):
    assert hits(fts5, classification="SECRET") == Document.objects.filter(classification="SECRET").count()
    origin = Document.objects.values_list("origin", flat=True).first()
    assert hits(fts5, origin=origin) == Document.objects.filter(origin=origin).count()


def test_a_date_range_covers_whole_years(fts5):
    expected = Document.objects.filter(date__gte="2008-01-01", date__lte="2009-12-31").count()
    assert hits(fts5, date_from="2008", date_to="2009") == expected > 0


def test_a_phrase_finds_the_documents_holding_it(fts5):
    assert hits(fts5, q='"drug trafficking"') == texts_matching(r"drug\s+trafficking") > 0


def test_a_boolean_query_subtracts_the_not_word(fts5):
    expected = texts_matching("coca", "eradication", without="Colombia")
    assert hits(fts5, q="coca AND eradication NOT Colombia") == expected > 0


def test_a_word_found_nowhere_finds_nothing(fts5):
    assert fts5.search(peer_query({"q": "zyxwvutsrq"})) == (0, [])


def test_the_query_language_becomes_fts5_syntax():
    assert fts5_match(peer_query({"q": 'coca "Shining Path" NOT Colombia'}).tree) == (
        '("coca" AND "Shining Path") NOT "Colombia"'
    )
    assert fts5_match(peer_query({"q": "terror* OR coca"}).tree) == '("terror" * OR "coca")'


def test_what_fts5_cannot_express_is_reported_not_searched():
    with pytest.raises(Unsupported, match="fuzzy"):
        fts5_match(peer_query({"q": "terrorism~1"}).tree)


def test_tantivy_finds_what_the_archive_holds(tantivy):
    assert hits(tantivy) == CABLES
    assert hits(tantivy, classification="SECRET") == Document.objects.filter(classification="SECRET").count()
    expected = Document.objects.filter(date__gte="2008-01-01", date__lte="2009-12-31").count()
    assert hits(tantivy, date_from="2008", date_to="2009") == expected
    assert hits(tantivy, q='"drug trafficking"') == texts_matching(r"drug\s+trafficking")
    assert hits(tantivy, q="coca AND eradication NOT Colombia") == texts_matching(
        "coca", "eradication", without="Colombia"
    )


def test_tantivy_keeps_or_not_as_quipu_reads_it(tantivy):
    expected = sum(1 for text in indexed_texts() if holds(text, "coca") or not holds(text, "eradication"))
    assert hits(tantivy, q="coca OR -eradication") == expected > 0


def test_a_prefix_is_matched_against_stems_in_both_peers(tantivy, fts5):
    assert hits(tantivy, q="security*") == hits(fts5, q="security*") > 0
