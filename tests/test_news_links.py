"""News linked to the cables it names, quotes or reports, both ways; the quote finder.

The articles here are written for the tests, the way the press names and quotes cables; the
cables are real (seed 002, corpus and development-set pages)."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command

from archive.models import Document, DocumentLink, Paragraph
from archive.news_links import QUOTED_IN_AT_MOST
from archive.quotes import find_passage
from archive.search import indexing as queue
from archive.text_match import distinctive, words
from tests.conftest import CORPUS, SEED_FILES
from tools.quote_benchmark import mangled_passage

pytestmark = pytest.mark.django_db

# 07LIMA3429 ¶5 begins: "Like the VRAE, the Huallaga valley contains a Sendero Luminoso column
# -- estimated at 60 persons -- who have increased their involvement in drug trafficking ..."
QUOTING_ARTICLE = """Andina

US cable: Huallaga rebels turned to drugs

Lima, Oct. 30 (ANDINA). A U.S. diplomatic cable published this week says that "like the VRAE,
the Huallaga Valley contains a Sendero Luminoso column, estimated at 60 persons, who have
increased their involvement in drug-traffick-
ing" and attacks on security personnel.

The embassy's report, dated October 17, 2007, described the government's plans in detail.
"""

NAMING_ARTICLE = """Andina

Cables describe Peru's security plans

Lima, Nov. 2 (ANDINA). The embassy's cable 07LIMA3429 and the later report 07 LIMA 3430 describe
the plans. Another mention, 07-LIMA-3429, and an unknown 07 ZZZZ 12 are in this story.
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def page(client, document) -> str:
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cable(import_file):
    import_file(SEED_FILES["cable"])
    queue.drain_queue(wait=5)  # the engine proposes the cables an article may quote
    return Document.objects.get(identifier="07LIMA3429")


# --- Names --------------------------------------------------------------------------------------------


def test_an_article_naming_a_cable_in_the_press_forms_is_linked(import_file, tmp_path, cable):
    article = Document.objects.get(
        identifier=import_file(write(tmp_path, "named.txt", NAMING_ARTICLE)).identifier
    )
    named = set(
        DocumentLink.objects.filter(article=article, kind="names").values_list("reference_id", flat=True)
    )
    assert named == {"07LIMA3429", "07LIMA3430"}  # ZZZZ is no office of the archive


def test_the_article_page_links_each_name_of_the_cable(client, import_file, tmp_path, cable):
    article = Document.objects.get(
        identifier=import_file(write(tmp_path, "named.txt", NAMING_ARTICLE)).identifier
    )
    html = page(client, article)
    assert (
        '<a class="text-link" href="/documents/07LIMA3429/" title="Cable 07LIMA3429">07LIMA3429</a>' in html
    )
    assert 'href="/documents/07LIMA3429/" title="Cable 07LIMA3429">07-LIMA-3429</a>' in html


def test_the_cable_page_lists_the_articles_that_discuss_it(client, import_file, tmp_path, cable):
    import_file(write(tmp_path, "named.txt", NAMING_ARTICLE))
    html = page(client, cable)
    discussed = html[html.index('id="discussed-title"') :]
    assert "Cables describe Peru&#x27;s security plans" in discussed
    assert "names this cable" in discussed


def test_an_article_imported_before_its_cable_is_linked_when_the_cable_arrives(client, import_file, tmp_path):
    article = Document.objects.get(
        identifier=import_file(write(tmp_path, "named.txt", NAMING_ARTICLE)).identifier
    )
    queue.drain_queue(wait=5)  # the engine finds the articles naming a cable that arrives
    import_file(SEED_FILES["cable"])
    body = client.get("/api/documents/07LIMA3429/").json()
    assert [item["identifier"] for item in body["discussed_in"]] == [article.identifier]


# --- Quotes ---------------------------------------------------------------------------------------------


def test_an_article_quoting_a_cable_paragraph_is_linked_to_the_paragraph(
    client, import_file, tmp_path, cable
):
    result = import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    link = DocumentLink.objects.get(article__identifier=result.identifier, kind="quotes")
    assert (link.reference_id, link.paragraphs) == ("07LIMA3429", [5])
    body = client.get(f"/api/documents/{result.identifier}/").json()
    assert body["discusses"] == [
        {"identifier": "07LIMA3429", "url": "http://testserver/documents/07LIMA3429/", "paragraphs": [5]}
    ]


def test_the_quote_links_to_the_paragraph_and_the_paragraph_links_back(client, import_file, tmp_path, cable):
    result = import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    article = Document.objects.get(identifier=result.identifier)
    assert 'href="/documents/07LIMA3429/#p5" title="Quoted from 07LIMA3429 ¶5">like the VRAE' in page(
        client, article
    )
    cable_html = page(client, cable)
    paragraph_5 = cable_html[cable_html.index('id="p5"') : cable_html.index('id="p6"')]
    assert f'<p class="para__quoted">Quoted in <a href="{article.get_absolute_url()}">Andina' in paragraph_5


def test_a_cable_imported_after_the_article_quoting_it_is_linked(import_file, tmp_path):
    result = import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    queue.drain_queue(wait=5)  # the engine proposes the articles a cable may be quoted in
    import_file(SEED_FILES["cable"])
    assert DocumentLink.objects.filter(article__identifier=result.identifier, kind="quotes").exists()


def copies_of_the_cable(import_file, tmp_path, count: int) -> list[str]:
    """The seed cable again under `count` other reference IDs: its ¶5 then stands word for word
    in count + 1 cables, as a post's stock paragraph does."""
    text = SEED_FILES["cable"].read_text(encoding="utf-8")
    identifiers = [f"07LIMA{3501 + n}" for n in range(count)]
    for identifier in identifiers:
        import_file(write(tmp_path, f"{identifier}.txt", text.replace("07LIMA3429", identifier)))
    queue.drain_queue(wait=5)
    return identifiers


def quoted_cables(article_identifier: str) -> list[str]:
    links = DocumentLink.objects.filter(article__identifier=article_identifier, kind="quotes")
    return sorted(links.values_list("reference_id", flat=True))


def test_a_passage_in_a_few_cables_links_the_article_to_each(import_file, tmp_path, cable):
    copies = copies_of_the_cable(import_file, tmp_path, 2)
    result = import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    assert quoted_cables(result.identifier) == sorted(["07LIMA3429", *copies])


def test_a_passage_in_more_than_a_handful_of_cables_links_the_article_to_none(import_file, tmp_path, cable):
    copies_of_the_cable(import_file, tmp_path, QUOTED_IN_AT_MOST)
    result = import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    assert quoted_cables(result.identifier) == []
    call_command("relink", stdout=io.StringIO())
    assert quoted_cables(result.identifier) == []


def test_a_stock_passage_links_the_article_to_the_cable_it_names(import_file, tmp_path, cable):
    copies_of_the_cable(import_file, tmp_path, QUOTED_IN_AT_MOST)
    naming = QUOTING_ARTICLE.replace("A U.S. diplomatic cable", "Cable 07LIMA3429")
    result = import_file(write(tmp_path, "quoting.txt", naming))
    link = DocumentLink.objects.get(article__identifier=result.identifier, kind="quotes")
    assert (link.reference_id, link.paragraphs) == ("07LIMA3429", [5])
    call_command("relink", stdout=io.StringIO())
    assert quoted_cables(result.identifier) == ["07LIMA3429"]


# --- Same event -----------------------------------------------------------------------------------------


def test_the_seed_article_and_cable_on_gates_in_lima_report_the_same_event(client, seeds):
    body = client.get("/api/documents/07LIMA3429/").json()
    (pair,) = body["same_event"]
    assert pair["identifier"] == seeds["afps"].identifier
    assert {"Gates", "Wagner", "Garcia", "Lima"} <= set(pair["shared"])
    assert 0.5 <= pair["score"] <= 1
    article = client.get(f"/api/documents/{seeds['afps'].identifier}/").json()
    assert [p["identifier"] for p in article["same_event"]] == ["07LIMA3429"]


def test_an_article_of_another_year_is_not_the_same_event(seeds):
    assert not DocumentLink.objects.filter(article=seeds["dod"], kind="same-event").exists()
    assert DocumentLink.objects.filter(kind="same-event").count() == 1


def test_the_same_event_link_shows_its_evidence_below_the_certain_links(client, seeds):
    html = page(client, seeds["cable"])
    weaker = html[html.index("Same event?") :]
    assert "score 0." in weaker and "Gates" in weaker


# --- Reported by -------------------------------------------------------------------------------------------


def test_reported_by_links_are_kept_as_published_and_broken_ones_not_clickable(client, import_file, dev_page):
    import_file(dev_page("07STATE135366"))
    import_file(dev_page("06NEWDELHI3506"))
    working = page(client, Document.objects.get(identifier="07STATE135366"))
    assert '<a href="http://www.spiegel.de" rel="noopener noreferrer nofollow" class="external">' in working
    broken = page(client, Document.objects.get(identifier="06NEWDELHI3506"))
    assert (
        '<span class="broken-link" title="As published: not a working address">'
        "http://http://www.thehindu.com/news/the-india-cables/article1571790.ece</span>"
    ) in broken


# --- Relink -------------------------------------------------------------------------------------------------


def test_relink_finds_every_link_again(seeds, import_file, tmp_path):
    queue.drain_queue(wait=5)
    import_file(write(tmp_path, "quoting.txt", QUOTING_ARTICLE))
    import_file(write(tmp_path, "named.txt", NAMING_ARTICLE))
    before = sorted(
        DocumentLink.objects.values_list("article__identifier", "reference_id", "kind", "paragraphs")
    )
    DocumentLink.objects.all().delete()
    out = io.StringIO()
    call_command("relink", stdout=out)
    assert f"{len(before)} links between articles and cables" in out.getvalue()
    assert (
        sorted(DocumentLink.objects.values_list("article__identifier", "reference_id", "kind", "paragraphs"))
        == before
    )


# --- The quote finder ---------------------------------------------------------------------------


def test_the_quote_finder_finds_a_pasted_passage(client, cable):
    passage = "Like the VRAE the Huallaga valley contains a Sendero Luminoso column estimated at 60 persons"
    body = client.get("/api/quote/", {"text": passage}).json()
    best = body["matches"][0]
    assert (best["identifier"], best["paragraph"], best["exact"]) == ("07LIMA3429", 5, True)
    assert best["url"] == "http://testserver/documents/07LIMA3429/#p5"


def test_the_quote_finder_forgives_a_dropped_word_and_a_changed_one(client, cable):
    passage = "like the vrae the huallaga valley holds a sendero luminoso column estimated 60 persons"
    best = client.get("/api/quote/", {"text": passage}).json()["matches"][0]
    assert (best["identifier"], best["paragraph"], best["exact"]) == ("07LIMA3429", 5, False)
    assert 0.5 < best["score"] < 1


def test_the_quote_finder_looks_a_passage_up_by_its_rarest_words_numbers_too(cable, import_file):
    from archive.quotes import LOOKUP_WORDS, lookup_words
    from archive.search.engine import search_engine

    for name in ("afps", "dialogo", "andina"):
        import_file(SEED_FILES[name])
    queue.drain_queue(wait=5)
    passage = words("development also afflicts the 10,000 persons living along the 1300 kilometer border")
    chosen = lookup_words(passage)
    counts = search_engine().word_frequencies(chosen)
    assert len(chosen) == LOOKUP_WORDS and "1300" in chosen
    assert [counts[word] for word in chosen] == sorted(counts.values())
    left_out = [w for w in distinctive(passage, limit=len(passage), numbers=True) if w not in chosen]
    held = [n for n in search_engine().word_frequencies(left_out).values() if n]
    assert held and min(held) >= max(counts.values())


@pytest.mark.parametrize("text", ["", "Huallaga valley", "x" * 2001])
def test_the_quote_api_refuses_a_short_or_empty_or_long_passage(client, cable, text):
    response = client.get("/api/quote/", {"text": text})
    assert response.status_code == 400
    assert response.json()["error"]


def test_a_quote_lookup_that_runs_out_of_time_says_so_instead_of_failing(client, cable, settings):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9  # spent before the engine reads anything
    passage = "Like the VRAE the Huallaga valley contains a Sendero Luminoso column estimated at 60 persons"

    answer = client.get("/api/quote/", {"text": passage})
    page = client.get("/quote/", {"text": passage})

    assert answer.status_code == 503
    assert "took too long" in answer.json()["error"]
    assert page.status_code == 503
    assert "took too long" in page.content.decode()


def test_the_quote_page_highlights_the_matched_words(client, cable):
    passage = "Like the VRAE, the Huallaga valley contains a Sendero Luminoso column"
    html = client.get("/quote/", {"text": passage}).content.decode()
    assert '<a class="ident" href="/documents/07LIMA3429/#p5">07LIMA3429 ¶5</a>' in html
    assert "<mark>Like the VRAE, the Huallaga valley contains a Sendero Luminoso column</mark>" in html


def test_a_long_quoted_query_offers_the_quote_finder(client, cable):
    q = '"the Huallaga valley contains a Sendero Luminoso column estimated at 60 persons who"'
    html = client.get("/search/", {"q": q}).content.decode()
    assert "find the cable paragraph it comes from" in html


@pytest.mark.slow
def test_a_hundred_mangled_passages_find_their_paragraph_among_the_first_three(import_file, dev_pages):
    pages = sorted(CORPUS.rglob("*.html")) + sorted(dev_pages.rglob("*.html"))
    for path in pages:
        import_file(path)
    queue.drain_queue(wait=30)
    paragraphs = [
        (p.document.identifier, p.number, words(p.text))
        for p in Paragraph.objects.filter(document__type="cable").select_related("document")
        if len(words(p.text)) >= 30
    ]
    chance = random.Random(1)
    found = 0
    for trial in range(100):
        identifier, number, paragraph_words = chance.choice(paragraphs)
        passage = mangled_passage(chance, paragraph_words, trial)
        answers = [(m.document.identifier, m.paragraph.number) for m in find_passage(passage, limit=3)]
        found += (identifier, number) in answers
    assert found >= 95, f"{found} of 100"
