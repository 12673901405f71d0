"""Words as analysts write them (issue 20, item 5), on the seeds and the corpus cables:
truncation on words as written, hyphenated and joined compounds, queries of stop words
alone, reference IDs in the press's forms."""

from __future__ import annotations

import re

import pytest

from archive.models import Document
from archive.search import searching
from archive.search.indexes import DocumentIndex
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    outcome = searching.search(q, {}, page_size=100)
    return {result.document.identifier for result in outcome.results}


def holding(pattern: str) -> set[str]:
    """The documents whose indexed text matches the pattern (any case)."""
    expression = re.compile(pattern, re.IGNORECASE)
    index = DocumentIndex()
    return {
        document.identifier
        for document in Document.objects.prefetch_related("paragraphs")
        if expression.search(index.prepare_text(document))
    }


def page(client, **params):
    return client.get("/search/", params)


# Truncation


def test_a_truncated_word_finds_the_words_written_with_that_beginning(search_index):
    written = holding(r"\bcooperat(ion|ive|ing)")
    only_cooperation = holding(r"\bcooperation\b") - holding(r"\bcooperating\b")

    assert only_cooperation  # the stem of cooperation (cooper) does not begin cooperat
    assert written <= found("cooperat*")


def test_a_truncated_compound_finds_it_joined_and_hyphenated(search_index):
    assert holding(r"\bcounter-?terroris") <= found("counter-terror*")
    assert holding(r"\bcounter-?terroris") <= found("counterterror*")


def test_truncation_on_words_as_written_keeps_the_expansion_cap(client_with_index, settings):
    settings.ARCHIVE_SEARCH_MAX_EXPANSIONS = 3

    response = page(client_with_index, q="co*")

    assert response.status_code == 200
    assert "co* matches too many different words" in response.content.decode()


# Compounds


def test_hyphenated_joined_and_spaced_compounds_find_the_same_documents(search_index):
    hyphenated = holding(r"\bcounter-terrorism\b")
    joined = holding(r"\bcounterterrorism\b")
    spaced = holding(r"\bcounter terrorism\b")
    assert hyphenated and joined and spaced

    results = found("counterterrorism")
    assert hyphenated | joined <= results
    assert found("counter-terrorism") == found('"counter terrorism"') >= results | spaced


def test_a_part_of_a_hyphenated_compound_is_still_a_word(search_index):
    assert holding(r"\bcounter-terrorism\b") <= found("terrorism")


def test_a_phrase_with_a_compound_finds_it_hyphenated_or_joined(search_index):
    assert holding(r"\bcounter-?terrorism cooperation") <= found('"counterterrorism cooperation"')
    assert holding(r"\bcounter-?terrorism cooperation") <= found('"counter-terrorism cooperation"')


def test_results_mark_the_hyphenated_form_of_a_joined_query(client_with_index):
    (identifier, *_) = sorted(holding(r"\bcounter-terrorism\b") - holding(r"\bcounterterrorism\b"))

    html = page(client_with_index, q="counterterrorism", page_size=100).content.decode()

    block = html[html.index(f'<span class="ident">{identifier}</span>') :]
    assert re.search(r"<mark>counter-terrorism</mark>", block[:20_000], re.IGNORECASE)


def test_the_document_page_marks_every_spelling_of_a_compound(client_with_index):
    (identifier, *_) = sorted(holding(r"\bcounter-terrorism\b"))

    for hl in ("counterterrorism", "counter-terrorism"):
        html = client_with_index.get(f"/documents/{identifier}/", {"hl": hl}).content.decode()
        assert re.search(r"<mark>counter-terrorism</mark>", html, re.IGNORECASE), hl


# Stop words


def test_a_query_of_stop_words_alone_searches_them_as_a_phrase(search_index):
    assert found("as it is") == holding(r"\bas it is\b")
    assert found("the") == holding(r"\bthe\b")


def test_a_query_of_stop_words_alone_marks_them_in_sequence(client_with_index):
    html = page(client_with_index, q="as it is", page_size=100).content.decode()

    assert "<mark>as</mark> <mark>it</mark> <mark>is</mark>" in html.lower()


def test_a_stop_word_is_not_respelt(client_with_index):
    response = page(client_with_index, q="the")

    assert response.context["outcome"].count > 0
    assert "they" not in (response.context["outcome"].suggestion or "")
    assert "Did you mean" not in response.content.decode()


# Reference IDs


@pytest.mark.parametrize(
    "q", ["07 LIMA 3429", "07-LIMA-3429", "Lima 3429 of 2007", "07LIMA3429", "07lima3429", "07 lima 3429"]
)
def test_a_reference_id_in_any_printed_form_goes_to_the_cable(client_with_index, q):
    response = page(client_with_index, q=q)

    assert response.status_code == 302
    assert response["Location"] == "/documents/07LIMA3429/"


def test_a_reference_id_among_other_words_is_offered(client_with_index):
    html = page(client_with_index, q="VRAE 07 LIMA 3429").content.decode()

    assert 'Did you mean cable <a class="ident" href="/documents/07LIMA3429/">07LIMA3429</a>?' in html


def test_a_cited_reference_id_the_archive_lacks_is_offered_with_its_page(client_with_index):
    response = page(client_with_index, q="09 LA PAZ 593")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'Did you mean cable <a class="ident" href="/documents/09LAPAZ593/">09LAPAZ593</a>?' in html
    assert "does not hold it" in html


def test_a_reference_id_neither_held_nor_cited_is_not_offered(client_with_index):
    assert "Did you mean cable" not in page(client_with_index, q="99 NOWHERE 1").content.decode()


def test_the_engine_knows_the_words_its_documents_hold(search_index):
    from archive.search.engine import PlainExtensions, search_engine

    assert search_engine().known_words(["counterterrorism", "embassies", "zzqxjoined"]) == {
        "counterterrorism",
        "embassies",
    }
    assert PlainExtensions(search_index).known_words(["zzqxjoined"]) == {"zzqxjoined"}


def test_the_engine_counts_the_documents_holding_each_word_in_any_form(search_index):
    from haystack.query import SearchQuerySet

    from archive.search.engine import PlainExtensions, search_engine

    asked = ["huallaga", "embassies", "zzqxjoined", "3429"]
    counts = search_engine().word_frequencies(asked)
    searched = {word: SearchQuerySet().filter(content=word).count() for word in asked}
    assert counts == searched
    assert counts["embassies"] > counts["huallaga"] > 0 == counts["zzqxjoined"]
    assert PlainExtensions(search_index).word_frequencies(asked) is None


def test_a_phrase_is_ored_with_its_joined_word_only_when_the_index_holds_it(search_index):
    from archive.search.query import Phrase
    from archive.search.translate import useful_alternatives

    assert [alt.text for alt in useful_alternatives(Phrase("counter terrorism"))] == ["counterterrorism"]
    assert useful_alternatives(Phrase("drug trafficking")) == []  # no document writes "drugtrafficking"
