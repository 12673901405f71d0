"""The handling facets on real development-set pages (tests/data/dev): counts equal to the
database's for each facet, alone and as filters; the raw forms the release printed are merged."""

from __future__ import annotations

from collections import Counter

import pytest

from archive.models import Document
from archive.search import searching
from tests.search_fixtures import imported_for_the_module, using_index
from tests.test_search_facets import HANDLING_FACETS, handling_facets, handling_values

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def dev_index(django_db_setup, django_db_blocker, dev_pages, tmp_path_factory):
    """The dev pages imported and indexed, rolled back after the module."""
    index_dir = tmp_path_factory.mktemp("dev-index")
    with imported_for_the_module(django_db_blocker, sorted(dev_pages.rglob("*.html")), index_dir):
        yield index_dir


@pytest.fixture
def dev_search(dev_index, db):
    with using_index(dev_index) as backend:
        yield backend


def everything(**filters) -> searching.Outcome:
    return searching.search("", filters, page_size=100)


def index_counts(outcome, name) -> Counter:
    return Counter(dict(outcome.facets[name]))


def test_every_handling_facet_counts_what_the_database_holds(dev_search):
    outcome = everything()
    expected = handling_facets(Document.objects.all())

    assert outcome.count == Document.objects.count() > 30
    for name in HANDLING_FACETS:
        assert index_counts(outcome, name) == expected[name], name


@pytest.mark.parametrize("name", ["marking", "precedence", "to", "info", "classified_by", "declass_rule"])
def test_each_value_of_a_facet_filters_to_the_documents_it_counts(dev_search, name):
    counts = index_counts(everything(), name)
    assert counts, f"no {name} values on the dev pages"

    for value, count in counts.most_common(4):
        found = {r.document.pk for r in everything(**{name: [value]}).results}
        expected = {d.pk for d in Document.objects.all() if value in handling_values(d)[name]}
        assert found == expected and len(found) == count, (name, value)


def test_the_printed_form_is_kept_and_the_facet_counts_its_value(dev_search):
    markings = index_counts(everything(), "marking")
    printed_snf = Document.objects.filter(paragraphs__marking="S/NF").distinct()

    assert "S/NF" not in markings
    assert markings["S//NF"] == printed_snf.count() > 0
