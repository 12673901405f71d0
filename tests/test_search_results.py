"""What a result shows: its best paragraph hits first, a passage that is not its title, and for a
browse the opening of its first paragraph (the seeds and corpus)."""

from __future__ import annotations

import pytest

from archive.models import Paragraph
from archive.search import searching
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def result_for(q: str, identifier: str, **filters) -> searching.Result:
    outcome = searching.search(q, filters, page_size=100)
    return next(r for r in outcome.results if r.document.identifier == identifier)


def test_the_best_three_paragraph_hits_come_first(search_index):
    # VRAE: three times in ¶2 (with its heading), twice in ¶1, ¶5 and ¶7, once in ¶8.
    lima = result_for("VRAE", "07LIMA3429")

    assert [hit.number for hit in lima.paragraphs] == [2, 1, 5]


def test_further_matching_paragraphs_are_counted_and_linked(search_index):
    lima = result_for("VRAE", "07LIMA3429")

    assert lima.more_paragraphs == 2
    assert lima.more_paragraphs_url == "/documents/07LIMA3429/?hl=VRAE#p1"


def test_a_paragraph_with_more_of_the_words_ranks_above_one_with_more_repeats(search_index):
    # ¶7 alone has both words; ¶2 repeats VRAE three times.
    lima = result_for("VRAE helicopter", "07LIMA3429")

    assert lima.paragraphs[0].number == 7


def test_the_page_says_how_many_more_paragraphs_match(client_with_index):
    html = client_with_index.get("/search/", {"q": "VRAE"}).content.decode()

    assert '<a href="/documents/07LIMA3429/?hl=VRAE#p1">2 more paragraphs match</a>' in html


def test_the_result_does_not_repeat_its_paragraphs_as_a_snippet(client_with_index):
    html = client_with_index.get("/search/", {"q": "VRAE"}).content.decode()

    assert "search-hit__snippet" not in html


def test_a_match_in_the_title_shows_the_opening_not_the_title_again(search_index):
    # REACTION is in the title of 09BERN350 and nowhere in its text.
    bern = result_for("reaction", "09BERN350")
    opening = Paragraph.objects.get(document=bern.document, number=1).text

    assert not bern.paragraphs
    assert "SWISS REACTION TO UBS AGREEMENT" not in bern.snippet.upper()
    assert bern.snippet.startswith(opening.split()[0])


def test_an_article_whose_title_matches_shows_its_opening(search_index):
    gates = result_for(
        "meets", "2007-10-06-gates-meets-with-peruvian-leaders-discusses-security-issues-in-peru"
    )

    assert "Gates Meets With Peruvian Leaders" not in gates.snippet


def test_a_browse_shows_the_opening_of_the_first_paragraph(search_index):
    caracas = result_for("", "10CARACAS163")

    assert caracas.snippet.startswith("SUMMARY: Italy")
    assert not caracas.paragraphs


def test_articles_get_paragraph_hits_numbered_by_the_archive(search_index):
    article = result_for(
        "Blinken", "2022-10-06-peru-united-states-work-together-against-crime-and-drug-trafficking"
    )

    assert article.paragraphs
    assert {hit.numbered_by for hit in article.paragraphs} == {"archive"}
    assert "<mark>Blinken</mark>" in article.paragraphs[0].snippet


def test_archive_numbers_are_shown_apart_from_the_sources(client_with_index):
    html = client_with_index.get("/search/", {"q": "Blinken"}).content.decode()

    assert 'class="search-hit__para para-hit para-hit--archive"' in html
    assert "numbered by the archive" in html


def test_the_api_says_whose_numbers_the_paragraph_hits_carry(client_with_index):
    data = client_with_index.get("/api/search/", {"q": "Blinken"}).json()

    numbered_by = {hit["numbered_by"] for result in data["results"] for hit in result["paragraphs"]}
    assert numbered_by == {"archive"}


def test_the_engine_highlights_only_the_results_shown_without_paragraph_hits(search_index, monkeypatch):
    highlighted = []
    original = search_index.highlight
    monkeypatch.setattr(
        search_index, "highlight", lambda text, terms: highlighted.append(1) or original(text, terms)
    )

    outcome = searching.search("Peru", {}, page_size=50)
    without_hits = [result for result in outcome.results if not result.paragraphs]

    assert outcome.results and len(without_hits) < len(outcome.results)
    assert len(highlighted) == len(without_hits)
