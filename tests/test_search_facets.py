"""Facets, filters, dates and sorting on the seeds and corpus: the index agrees with the database."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db.models import Count

from archive import handling
from archive.models import Document, Tag
from archive.search import indexing as queue
from archive.search import searching
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def search_all(q: str = "", filters=None, **kwargs) -> searching.Outcome:
    return searching.search(q, filters or {}, page_size=100, **kwargs)


def orm_facets(documents) -> dict[str, Counter]:
    """What each facet should count for these documents, straight from the database."""
    pks = list(documents.values_list("pk", flat=True))
    rows = Document.objects.filter(pk__in=pks)

    def count(queryset, field, distinct_on="id"):
        return Counter(
            {
                row[field]: row["n"]
                for row in queryset.values(field).annotate(n=Count(distinct_on, distinct=True))
                if row[field] not in ("", None)
            }
        )

    return {
        "type": count(rows, "type"),
        "source": count(rows, "source__name"),
        "source_kind": count(rows, "source__kind"),
        "classification": count(rows, "classification"),
        "origin": count(rows, "origin"),
        "tag": count(Tag.objects.filter(documents__in=pks), "name", "documents"),
        "year": count(rows.filter(date__isnull=False), "date__year"),
        **handling_facets(rows),
    }


HANDLING_FACETS = [
    "marking",
    "precedence",
    "to",
    "info",
    "signer",
    "classified_by",
    "declass_rule",
    "released_year",
    "declass_year",
]


def handling_values(document: Document) -> dict[str, list]:
    """Each handling facet's values for one document, read from its stored header with
    archive.handling (tested on its own in test_handling)."""
    created = document.created.date() if document.created else document.date
    due, rule = handling.declassification_due(document.declassification, document.declassify_on, created)
    return {
        "marking": sorted({handling.marking_value(p.marking) for p in document.paragraphs.all()} - {""}),
        "precedence": [handling.precedence_value(document.header_precedence)],
        "to": handling.office_names(document.header_to),
        "info": handling.office_names(document.header_info),
        "signer": [handling.signer_name(document.signature)],
        "classified_by": [handling.classifying_office(document.classified_by)],
        "declass_rule": [rule],
        "released_year": [document.released.year if document.released else None],
        "declass_year": [due.year if due else None],
    }


def handling_facets(documents) -> dict[str, Counter]:
    counts = {name: Counter() for name in HANDLING_FACETS}
    for document in documents.prefetch_related("paragraphs"):
        for name, values in handling_values(document).items():
            counts[name].update(value for value in values if value not in ("", None))
    return counts


def index_facets(outcome) -> dict[str, Counter]:
    return {name: Counter(dict(pairs)) for name, pairs in outcome.facets.items()}


def orm_filtered(filters: dict, date_from=None, date_to=None):
    documents = Document.objects.all()
    lookups = {
        "type": "type__in",
        "source": "source__name__in",
        "source_kind": "source__kind__in",
        "classification": "classification__in",
        "origin": "origin__in",
        "tag": "tags__name__in",
    }
    for name, values in filters.items():
        if name in lookups:
            documents = documents.filter(**{lookups[name]: values})
        else:
            chosen = [d.pk for d in documents if set(handling_values(d)[name]) & set(values)]
            documents = Document.objects.filter(pk__in=chosen)
    if date_from:
        documents = documents.filter(date__gte=date_from)
    if date_to:
        documents = documents.filter(date__lte=date_to)
    return documents.distinct()


def expected_facets(filters: dict, date_from=None, date_to=None, among=None) -> dict[str, Counter]:
    """What the sidebar counts: each facet over the documents found, except that a facet with
    chosen values counts as if none of its own were chosen (multi-select facets, as in
    Blacklight), and so does the year facet when one whole year is chosen. `among`: the
    documents a text query matches, if there is one."""

    def counts(chosen, start, end):
        documents = orm_filtered(chosen, start, end)
        return orm_facets(documents if among is None else documents.filter(pk__in=among))

    expected = counts(filters, date_from, date_to)
    for name in filters:
        expected[name] = counts({k: v for k, v in filters.items() if k != name}, date_from, date_to)[name]
    if searching.chosen_year((date_from, date_to)):
        expected["year"] = counts(filters, None, None)["year"]
    return expected


FILTER_COMBINATIONS = [
    {},
    {"type": ["cable"]},
    {"type": ["article"]},
    {"source": ["Diálogo", "Andina"]},
    {"source_kind": ["government-news", "magazine"]},
    {"classification": ["SECRET//NOFORN"]},
    {"classification": ["CONFIDENTIAL", "UNCLASSIFIED//FOR OFFICIAL USE ONLY"]},
    {"origin": ["Embassy Lima"]},
    {"tag": ["MARR"]},
    {"tag": ["PGOV", "PREL"], "classification": ["SECRET"]},
    {"marking": ["S//NF"]},
    {"marking": ["C", "SBU"], "tag": ["PREL"]},
    {"precedence": ["IMMEDIATE"]},
    {"to": ["SECSTATE WASHDC"], "info": ["AMEMBASSY BOGOTA", "AMEMBASSY LIMA"]},
    {"classified_by": ["Ambassador", "Deputy Chief of Mission"], "type": ["cable"]},
    {"declass_rule": ["N/A"]},
    {"type": ["cable"], "origin": ["Embassy Lima", "Embassy Bogota"], "tag": ["PE", "CO"]},
]


@pytest.mark.parametrize("filters", FILTER_COMBINATIONS, ids=lambda f: repr(f))
def test_facet_counts_equal_the_database_counts_for_each_filter_combination(search_index, filters):
    expected_documents = orm_filtered(filters)
    outcome = search_all(filters=filters)

    assert outcome.count == expected_documents.count()
    assert {r.document.pk for r in outcome.results} == set(expected_documents.values_list("pk", flat=True))
    assert index_facets(outcome) == expected_facets(filters)


@pytest.mark.parametrize(
    "q, filters",
    [
        ("security", {}),
        ("peru", {"type": ["article"]}),
        ("drug OR terrorism", {"classification": ["SECRET", "CONFIDENTIAL"]}),
        ('"prime minister"', {}),
        ("minist*", {"tag": ["PREL"]}),
        ("-peru", {"type": ["cable"]}),
    ],
)
def test_facet_counts_of_text_queries_equal_the_database_counts_of_the_documents_found(
    search_index, q, filters
):
    outcome = search_all(q, filters)
    found = Document.objects.filter(pk__in=[r.document.pk for r in outcome.results])
    matching = [r.document.pk for r in search_all(q).results]

    assert outcome.count == found.count() > 0
    assert set(found.values_list("pk", flat=True)) <= set(orm_filtered(filters).values_list("pk", flat=True))
    assert index_facets(outcome) == expected_facets(filters, among=matching)


def test_facet_values_come_back_exactly_as_stored(search_index):
    facets = index_facets(search_all())

    assert facets["origin"]["Embassy Lima"] == 1
    assert facets["origin"]["US Interests Section Havana"] == 1
    assert facets["classification"]["UNCLASSIFIED//FOR OFFICIAL USE ONLY"] == 4
    assert facets["classification"]["SECRET//NOFORN"] == 4
    assert facets["source"]["Diálogo"] == 1
    assert facets["source"]["WikiLeaks Cablegate"] == 39  # 38 corpus pages and the seed cable
    assert facets["type"] == Counter({"cable": 39, "article": 4})
    assert facets["year"][2007] == Document.objects.filter(date__year=2007).count()


def test_a_value_with_commas_and_spaces_stays_whole_as_a_facet_and_a_filter(
    search_index, django_capture_on_commit_callbacks
):
    lima = Document.objects.get(identifier="07LIMA3429")
    bogota = Document.objects.get(identifier="06BOGOTA9120")
    topic = Tag.objects.create(name="Peru, Lima", kind=Tag.Kind.TOPIC)
    with django_capture_on_commit_callbacks(execute=True):
        topic.documents.add(lima, bogota)

    assert index_facets(search_all())["tag"]["Peru, Lima"] == 2
    found = search_all(filters={"tag": ["Peru, Lima"]})
    assert {r.document.identifier for r in found.results} == {"07LIMA3429", "06BOGOTA9120"}
    assert search_all(filters={"tag": ["Peru"]}).count == 0


def test_a_value_with_quotes_and_brackets_is_a_facet_and_a_filter(
    search_index, django_capture_on_commit_callbacks
):
    lima = Document.objects.get(identifier="07LIMA3429")
    odd = Tag.objects.create(name='Plan "VRAE" (2007) AND OR', kind=Tag.Kind.TOPIC)
    with django_capture_on_commit_callbacks(execute=True):
        lima.tags.add(odd)

    assert index_facets(search_all())["tag"][odd.name] == 1
    assert {r.document.identifier for r in search_all(filters={"tag": [odd.name]}).results} == {"07LIMA3429"}


def test_several_values_of_one_facet_widen_and_different_facets_narrow(search_index):
    secret = search_all(filters={"classification": ["SECRET"]}).count
    noforn = search_all(filters={"classification": ["SECRET//NOFORN"]}).count
    either = search_all(filters={"classification": ["SECRET", "SECRET//NOFORN"]}).count
    with_tag = search_all(filters={"classification": ["SECRET", "SECRET//NOFORN"], "tag": ["PTER"]}).count

    assert either == secret + noforn
    assert 0 < with_tag < either


@pytest.mark.parametrize("value", ["Embassy", "embassy lima", "SECRET//", 'Emb"assy', "Nowhere, Land"])
def test_an_unknown_or_partial_facet_value_matches_nothing(search_index, value):
    assert search_all(filters={"origin": [value]}).count == 0


@pytest.mark.parametrize(
    "date_from, date_to",
    [
        (dt.date(2007, 1, 1), dt.date(2007, 12, 31)),
        (dt.date(2007, 10, 17), dt.date(2007, 10, 17)),
        (dt.date(2008, 1, 1), None),
        (None, dt.date(2005, 12, 31)),
        (dt.date(2007, 10, 1), dt.date(2007, 10, 31)),
    ],
)
def test_date_ranges_include_both_ends(search_index, date_from, date_to):
    outcome = search_all(ranges={"date": (date_from, date_to)})
    expected = orm_filtered({}, date_from, date_to)

    assert {r.document.pk for r in outcome.results} == set(expected.values_list("pk", flat=True))
    assert index_facets(outcome) == expected_facets({}, date_from, date_to)


def test_newest_first_and_oldest_first_follow_the_dates(search_index):
    newest = [r.document.date for r in search_all(sort="newest").results]
    oldest = [r.document.date for r in search_all(sort="oldest").results]

    assert newest == sorted(newest, reverse=True)
    assert oldest == sorted(oldest)
    assert newest[0] == dt.date(2022, 10, 6)
    assert oldest[0] == dt.date(2004, 7, 28)


def test_an_empty_query_browses_everything_with_facets(search_index):
    outcome = search_all()

    assert outcome.count == Document.objects.count() == 43
    assert all(outcome.facets[name] for name in ("type", "source", "origin", "tag", "year"))


def test_a_deleted_document_is_not_counted_when_a_search_matches_most_of_the_archive(search_index):
    # Facets of a search matching most documents are counted as the totals less the others,
    # and the others include the index's deleted documents.
    Document.objects.get(identifier="07LIMA3429").delete()
    queue.drain_queue(wait=5)
    outcome = search_all()

    assert outcome.count == Document.objects.count() == 42
    assert index_facets(outcome) == expected_facets({})


def test_relevance_puts_the_document_about_the_words_first(search_index):
    outcome = search_all("VRAE Huallaga")

    assert outcome.results[0].document.identifier == "07LIMA3429"
