"""The kind of source (leak, government news service, news agency, magazine) as a facet.

It was added as one entry in the facet registry (archive.search.facets) and one index field:
the sidebar, the chips, the query language and the API read it from there.
"""

from __future__ import annotations

from collections import Counter

import pytest

from archive.models import Document, Source
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def kinds_in_database(**filters) -> dict[str, int]:
    documents = Document.objects.filter(**filters)
    return {kind: documents.filter(source__kind=kind).count() for kind in Source.Kind.values}


def sidebar_facet(response, name):
    return next(f for f in response.context["facets"] if f.name == name)


def test_the_sidebar_counts_documents_by_kind_of_source_with_readable_labels(client_with_index):
    response = client_with_index.get("/search/")

    facet = sidebar_facet(response, "source_kind")
    assert facet.label == "Kind of source"
    shown = {v.label: v.count for v in facet.values}
    expected = {Source.Kind(kind).label: count for kind, count in kinds_in_database().items() if count}
    assert shown == expected
    assert shown["Leaked document archive"] == Document.objects.filter(type="cable").count()
    assert "Government news service" in response.content.decode()


def test_choosing_a_kind_keeps_its_documents_and_shows_a_chip_that_removes_it(client_with_index):
    response = client_with_index.get("/search/", {"source_kind": "government-news"})

    found = {r.document.identifier for r in response.context["outcome"].results}
    expected = set(
        Document.objects.filter(source__kind="government-news").values_list("identifier", flat=True)
    )
    assert found == expected and expected
    chips = {(c.label, c.value): c.remove_url for c in response.context["chips"]}
    assert chips == {("Kind of source", "Government news service"): "/search/"}


def test_kinds_of_one_facet_widen_the_search(client_with_index):
    response = client_with_index.get("/search/", {"source_kind": ["magazine", "news-agency"]})

    found = {r.document.source.kind for r in response.context["outcome"].results}
    assert found == {"magazine", "news-agency"}


def test_the_query_language_knows_the_kind_of_source(client_with_index):
    response = client_with_index.get("/search/", {"q": "source_kind:magazine"})

    found = {r.document.identifier for r in response.context["outcome"].results}
    assert found == set(Document.objects.filter(source__kind="magazine").values_list("identifier", flat=True))


def test_the_api_counts_and_filters_by_kind_of_source(client_with_index):
    data = client_with_index.get("/api/search/", {"source_kind": "leak", "page_size": 100}).json()

    assert data["count"] == Document.objects.filter(source__kind="leak").count()
    # The chosen facet still counts every kind, so another can be added (OR).
    every_kind = Counter(Document.objects.values_list("source__kind", flat=True))
    assert dict(map(tuple, data["facets"]["source_kind"])) == every_kind
    assert every_kind["leak"] == data["count"]
