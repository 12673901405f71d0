"""The Whoosh backend's fixes, seen through haystack's public API."""

from __future__ import annotations

import time

import pytest
from haystack.query import SearchQuerySet
from whoosh import query as wq
from whoosh.fields import ID

from archive.models import Document
from archive.search.indexing import drain_queue
from quipu_whoosh.fields import ValueListField
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_matching_everything_is_a_real_match_all_not_a_wildcard(search_index):
    sqs = SearchQuerySet().models(Document)

    assert sqs.query.build_query() == "*:*"
    assert isinstance(search_index.parse("*:*"), wq.Every)
    assert sqs.count() == 43


def test_searching_the_only_indexed_model_adds_no_django_ct_scan(search_index, monkeypatch):
    seen = []
    original = search_index.narrowing_filter
    monkeypatch.setattr(search_index, "narrowing_filter", lambda *a: seen.append(original(*a)) or seen[-1])

    SearchQuerySet().models(Document).filter(content="peru").count()

    assert seen == [None]


def test_facet_fields_are_exact_terms_and_lists(search_index):
    schema = search_index.schema

    assert isinstance(schema["origin_exact"], ID) and schema["origin_exact"].column_type
    assert isinstance(schema["tags_exact"], ValueListField) and not schema["tags_exact"].lowercase
    assert isinstance(schema["tags"], ValueListField) and schema["tags"].lowercase


def test_the_searcher_is_reused_until_the_index_changes(search_index):
    first = search_index.searcher()
    assert search_index.searcher() is first

    lima = Document.objects.get(identifier="07LIMA3429")
    lima.title = "Wombat logistics"
    lima.save()
    drain_queue()

    fresh = search_index.searcher()
    assert fresh is not first
    assert SearchQuerySet().filter(title="wombat").count() == 1


def test_more_like_this_finds_related_documents(search_index):
    lima = Document.objects.get(identifier="07LIMA3429")

    similar = [r.object.identifier for r in SearchQuerySet().more_like_this(lima)[:5]]

    assert similar and "07LIMA3429" not in similar
    assert any("peru" in identifier for identifier in similar)


def test_values_list_gives_the_database_ids(search_index):
    ids = SearchQuerySet().filter(content="VRAE").values_list("django_id", flat=True)

    assert [int(pk) for pk in ids] == [Document.objects.get(identifier="07LIMA3429").pk]


def test_a_spelling_suggestion_is_cheap(search_index):
    started = time.process_time()
    suggestions = search_index.suggest_words(["terorism", "goverment", "secrity", "peru"])
    elapsed = time.process_time() - started

    assert suggestions == {"terorism": "terrorism", "goverment": "government", "secrity": "security"}
    assert elapsed < 0.5


def test_forgetting_the_kept_results_gives_the_same_results_computed_again(search_index):
    def top_ids():
        return [result.pk for result in SearchQuerySet().models(Document).filter(content="peru")[:10]]

    kept = top_ids()
    scorer = search_index._scorer
    assert len(scorer.rankings) > 0

    search_index.forget_results()

    assert len(scorer.rankings) == 0 and not search_index.bitsets().queries
    assert top_ids() == kept


def test_ordering_by_a_text_field_sorts_by_it(search_index):
    titles = [result.title for result in SearchQuerySet().models(Document).order_by("title")[:10]]

    assert titles == sorted(Document.objects.values_list("title", flat=True))[:10]
