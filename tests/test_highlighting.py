"""One notion of a match: the words a search found are marked alike in a result's snippet, its
paragraph hits and the document page they link to (by the engine's stems, not as typed)."""

from __future__ import annotations

import re

import pytest

from archive.search import searching
from archive.search.engine import PLAIN_ANALYSIS
from archive.search.highlighting import Highlighter
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

MARKED = re.compile(r"<mark>(.*?)</mark>")


def marked(html: str) -> set[str]:
    return {word.lower() for word in MARKED.findall(str(html))}


def page_marks(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return marked(response.content.decode())


def first_cable_with_hits(outcome):
    return next(result for result in outcome.results if result.paragraphs)


def test_an_inflected_query_marks_the_same_words_in_snippet_paragraphs_and_page(client_with_index):  # noqa: F405
    result = first_cable_with_hits(searching.search("embassies", {}))
    hit = result.paragraphs[0]

    in_snippet = marked(result.snippet)
    in_hits = set().union(*(marked(h.snippet) for h in result.paragraphs))
    on_page = page_marks(client_with_index, hit.url)

    assert "?hl=embassies" in hit.url
    assert in_snippet and in_hits and on_page
    assert in_snippet | in_hits | on_page <= {"embassy", "embassies"}
    assert "embassy" in on_page  # not only the word as typed: before, ?hl= marked just "embassies"
    assert in_hits <= on_page  # every word a paragraph hit marks is marked on its page


def test_a_page_highlights_by_stem_as_a_search_matches():
    html, count = Highlighter.for_words(["plans"]).mark("A Plan, two plans; no plant.")

    assert (html, count) == ("A <mark>Plan</mark>, two <mark>plans</mark>; no plant.", 2)


def test_words_the_engine_does_not_index_are_not_marked():
    html, count = Highlighter.for_words(["the", "embassy"]).mark("The embassy of the republic")

    assert (html, count) == ("The <mark>embassy</mark> of the republic", 1)


def test_the_plain_analysis_of_an_engine_without_its_own_marks_whole_words():
    highlighter = Highlighter.for_words(["embassy"], analysis=PLAIN_ANALYSIS)

    assert highlighter.mark("Embassy embassies")[0] == "<mark>Embassy</mark> embassies"
