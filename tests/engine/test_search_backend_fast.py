"""The fast Whoosh backend on a generated corpus of 1,500 cables agrees with the database.

Facet counts come from per-value bitsets and filters from cached bitsets
(quipu_whoosh.bitsets): every count, hit total and sorted page must still equal what
the ORM says for the same documents.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count

from archive.models import Document
from archive.search import searching
from tests.test_search_facets import expected_facets, index_facets, orm_facets, orm_filtered
from tools.corpus_generator import generate_file

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CABLES = 1500


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "cables.csv"
    generate_file(path, CABLES, 11)
    return path


@pytest.fixture
def corpus(corpus_file):
    call_command("import_documents", str(corpus_file), format="cablegate-csv", batch_size=400, verbosity=0)
    assert Document.objects.count() == CABLES
    return corpus_file


def top_values(field: str, n: int) -> list[str]:
    rows = Document.objects.values(field).annotate(n=Count("id")).order_by("-n", field)[:n]
    return [row[field] for row in rows]


def test_facet_counts_and_totals_equal_the_database_for_filters_and_dates(corpus):
    origin, second = top_values("origin", 2)
    combinations = [
        ({}, None, None),
        ({"origin": [origin]}, None, None),
        ({"classification": ["SECRET"]}, None, None),
        ({"origin": [origin, second], "classification": ["CONFIDENTIAL"]}, None, None),
        ({}, "2008-01-01", "2009-12-31"),
        ({"origin": [origin]}, "2008-01-01", None),
    ]
    for filters, date_from, date_to in combinations:
        with_dates = {"date_from": date_from, "date_to": date_to}
        for key in [k for k, v in with_dates.items() if v is None]:
            with_dates.pop(key)
        dates = {k: dt.date.fromisoformat(v) for k, v in with_dates.items()}
        with_label = f"{filters} {dates}"
        ranges = {"date": (dates.get("date_from"), dates.get("date_to"))} if dates else None
        outcome = searching.search("", filters, ranges, page_size=20)
        expected = orm_filtered(filters, dates.get("date_from"), dates.get("date_to"))
        assert outcome.count == expected.count(), with_label
        found = index_facets(outcome)
        wanted = expected_facets(filters, dates.get("date_from"), dates.get("date_to"))
        for name in ("type", "source", "classification", "origin", "tag", "year"):
            assert found[name] == wanted[name], f"{with_label}: {name}"


@pytest.mark.parametrize(
    "q", ["security", "terrorism", '"drug trafficking"', "coca AND eradication NOT Colombia"]
)
def test_facet_counts_of_text_queries_equal_the_database_counts_of_the_documents_found(corpus, q):
    outcome = searching.search(q, {}, page_size=100)
    pages = -(-outcome.count // 100)
    pks = [r.document.pk for r in outcome.results]
    for page in range(2, min(pages, 15) + 1):
        pks += [r.document.pk for r in searching.search(q, {}, page=page, page_size=100).results]
    assert len(pks) == len(set(pks)) == outcome.count
    found = index_facets(outcome)
    wanted = orm_facets(Document.objects.filter(pk__in=pks))
    for name in ("type", "classification", "origin", "tag", "year"):
        assert found[name] == wanted[name], f"{q}: {name}"


def test_browsing_newest_first_pages_through_the_documents_in_date_order(corpus):
    seen, dates = [], []
    for page in range(1, 4):
        outcome = searching.search("", {}, sort="newest", page=page, page_size=100)
        seen += [r.document.pk for r in outcome.results]
        dates += [r.document.date for r in outcome.results]
    assert len(seen) == len(set(seen)) == 300
    known = [d for d in dates if d is not None]
    assert known == sorted(known, reverse=True)
    newest = Document.objects.exclude(date=None).order_by("-date").values_list("date", flat=True).first()
    assert dates[0] == newest


@pytest.mark.parametrize(
    "q",
    [
        "security",
        "terrorism",
        "demining",
        '"drug trafficking"',
        '"Shining Path"',
        '"natural gas exports"',  # three words: Whoosh adds their scores as s0 + (s1 + s2)
        '"security forces for political ends"',  # four: (s0 + s1) + (s2 + s3)
        "embassy AND minister",
        "narcotics NOT Peru",
        "coca AND eradication NOT Colombia",  # not handled by the fast scorer: Whoosh's collector
        "security OR terrorism",
        "coca OR eradication OR narcotics OR Colombia",  # segments this small: added word by word
    ],
)
def test_term_at_a_time_ranking_equals_whoosh_scoring_every_match(corpus, q):
    from haystack import connections

    from quipu_whoosh.bitsets import BitsetIds

    backend = connections["default"].get_backend()
    searcher, bitsets = backend.searcher(), backend.bitsets()
    scoring = backend.scoring_query(backend.parse(q))
    every = [(hit.docnum, hit.score) for hit in searcher.search(scoring, limit=None)]
    assert every, q
    scorer = backend.scorer(searcher, bitsets)
    for limit in (1, 20, 100):
        found = backend.top_documents(searcher, bitsets, scoring, bitsets.matches(scoring), None, None, limit)
        assert found == every[:limit], f"{q}: top {limit}"
    secret = bitsets.matches(backend.parse(q)) & bitsets.matches(backend.parse("classification:SECRET"))
    fast = scorer.top(scoring, secret, 20)
    if fast is not None and secret:  # (an empty filter means no filter to Whoosh)
        wanted = [
            (h.docnum, h.score)
            for h in searcher.search(scoring, limit=None, filter=BitsetIds(secret, bitsets.size))
        ]
        assert fast == wanted[:20], q


@pytest.mark.parametrize(
    "q",
    [
        '"drug trafficking"',
        '"Shining Path"',
        '"armed forces"',
        '"ministry of defense"',
        '"counter-terrorism law"',
    ],
)
def test_a_phrase_read_from_its_posting_arrays_matches_the_documents_whooshs_matcher_finds(corpus, q):
    from haystack import connections
    from whoosh import query as wq

    from quipu_whoosh.bitsets import bits_of

    backend = connections["default"].get_backend()
    searcher, bitsets = backend.searcher(), backend.bitsets()
    scorer = backend.scorer(searcher, bitsets)
    phrases = [leaf for leaf in backend.parse(q).leaves() if type(leaf) is wq.Phrase]
    assert phrases, q
    for phrase in phrases:
        expected = bits_of(searcher.docs_for_query(phrase), bitsets.size) & bitsets.live
        assert scorer.phrase_bits(phrase) & bitsets.live == expected, repr(phrase)
