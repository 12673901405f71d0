"""Generated news articles: they import as articles of a known source, and name or quote the
generated cables so that the import and `manage.py relink` link them to those cables."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from archive.importers.articles import AFPS, DIALOGO, parse_article
from archive.models import Document, DocumentLink
from tools import corpus_generator as gen
from tools.article_generator import ArticleWriter, default_count

CABLES = 400
ARTICLES = 12
SEED = 3


def generate_articles(count: int = ARTICLES, cables: int = CABLES, seed: int = SEED, directory=None):
    writer = ArticleWriter(directory, count, cables, seed)
    articles = [a for a in map(writer.see, gen.iter_cables(cables, seed)) if a]
    return articles


@pytest.fixture(scope="module")
def articles():
    return generate_articles()


# --- The articles as written -------------------------------------------------------------------------


def test_exactly_the_asked_number_of_articles_is_written(articles):
    assert len(articles) == ARTICLES


def test_the_default_share_is_one_article_per_hundred_cables():
    assert default_count(250_000) == 2500
    assert default_count(40) == 1


def test_a_seed_always_gives_the_same_articles(articles):
    again = generate_articles()
    assert [(a.file_name, a.text) for a in again] == [(a.file_name, a.text) for a in articles]


def test_another_seed_gives_other_articles(articles):
    other = generate_articles(seed=SEED + 1)
    assert [a.text for a in other] != [a.text for a in articles]


def test_the_cables_are_the_same_with_or_without_articles(tmp_path):
    plain, with_articles = io.StringIO(newline=""), io.StringIO(newline="")
    gen.write_corpus(plain, 200, SEED)
    writer = ArticleWriter(tmp_path, 5, 200, SEED)
    gen.write_corpus(with_articles, 200, SEED, on_cable=writer.see)
    assert with_articles.getvalue() == plain.getvalue()
    assert len(list(tmp_path.iterdir())) == 5


def test_every_article_names_or_quotes_a_cable_and_most_do_both(articles):
    assert all(a.named or a.quoted for a in articles)
    assert any(a.named and a.quoted for a in articles)
    assert any(a.quoted and not a.named for a in articles)


def test_each_article_parses_as_an_article_of_a_known_source_with_its_date_and_title(articles):
    for article in articles:
        parsed = parse_article(article.text)
        assert parsed.source in (AFPS, DIALOGO), article.text
        assert parsed.date == article.date
        assert parsed.title == article.title


def test_the_press_forms_of_a_reference_id_are_used():
    texts = " ".join(a.text for a in generate_articles(count=60, cables=2000, seed=1))
    assert re.search(r"the cable \d{2}[A-Z]{3,}\d+\b", texts)  # the cable 07LIMA3429
    assert re.search(r"cable \d{2} [A-Z]{3,}(?: [A-Z]{2,})* \d+\b", texts)  # cable 07 LIMA 3429


# --- Imported with the cables -------------------------------------------------------------------------


@pytest.fixture
def generated(db, tmp_path) -> list:
    """Articles imported first, then the cables' CSV; returns the articles as written."""
    corpus, directory = tmp_path / "cables.csv", tmp_path / "articles"
    call_command(
        "generate_corpus",
        *("--count", str(CABLES), "--seed", str(SEED), "--out", str(corpus)),
        *("--articles", str(ARTICLES), "--articles-dir", str(directory)),
        stdout=io.StringIO(),
    )
    call_command("import_documents", str(directory), stdout=io.StringIO())
    call_command(
        "import_documents", "--format", "cablegate-csv", str(corpus), "--no-index", stdout=io.StringIO()
    )
    return generate_articles()


def expected_links(articles) -> set[tuple[str, str, str]]:
    found = set()
    for article in articles:
        identifier = f"{article.date.isoformat()}-"
        found |= {(identifier, named, "names") for named in article.named}
        found |= {(identifier, quoted, "quotes") for quoted, _ in article.quoted}
    return found


def links_made() -> set[tuple[str, str, str]]:
    return {
        (identifier[:11], reference_id, kind)
        for identifier, reference_id, kind in DocumentLink.objects.exclude(kind="same_event").values_list(
            "article__identifier", "reference_id", "kind"
        )
    }


def test_generated_articles_import_as_articles_of_their_sources(generated):
    imported = Document.objects.articles()
    assert imported.count() == ARTICLES
    assert {d.source.name for d in imported} <= {AFPS, DIALOGO}
    assert sorted((d.date, d.title) for d in imported) == sorted((a.date, a.title) for a in generated)


def test_the_import_links_articles_to_the_cables_they_name_and_quote(generated):
    assert expected_links(generated) <= links_made()


def test_relink_finds_the_named_and_quoted_cables_and_paragraphs(generated):
    DocumentLink.objects.all().delete()
    call_command("relink", stdout=io.StringIO())
    assert expected_links(generated) <= links_made()
    for article in generated:
        for reference_id, paragraph in article.quoted:
            link = DocumentLink.objects.get(
                article__date=article.date,
                article__title=article.title,
                reference_id=reference_id,
                kind="quotes",
            )
            assert paragraph in link.paragraphs


def test_a_quoted_cable_page_and_api_list_the_article(client, generated):
    article = next(a for a in generated if a.quoted)
    reference_id, paragraph = article.quoted[0]
    document = Document.objects.get(date=article.date, title=article.title)
    html = client.get(f"/documents/{reference_id}/").content.decode()
    discussed = html[html.index('id="discussed-title"') :]
    assert f'href="{document.get_absolute_url()}"' in discussed
    assert f'<a href="#p{paragraph}">¶{paragraph}</a>' in discussed
    body = client.get(f"/api/documents/{reference_id}/").json()
    listed = {item["identifier"]: item["paragraphs"] for item in body["discussed_in"]}
    assert paragraph in listed[document.identifier]


def test_generate_corpus_refuses_articles_without_a_directory(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--articles needs --articles-dir"):
        call_command("generate_corpus", "--count", "10", "--out", str(tmp_path / "c.csv"), "--articles", "3")


def test_generate_corpus_writes_one_article_per_hundred_cables_by_default(tmp_path: Path):
    out = io.StringIO()
    call_command(
        "generate_corpus",
        *("--count", "300", "--out", str(tmp_path / "c.csv"), "--articles-dir", str(tmp_path / "a")),
        stdout=out,
    )
    assert len(list((tmp_path / "a").glob("*.txt"))) == 3
    assert "Wrote 3 articles" in out.getvalue()


def test_a_quoted_passage_is_the_cables_own_not_a_sentence_many_cables_share(generated):
    quoting = [a for a in generated if a.quoted]
    quote_links = DocumentLink.objects.filter(kind="quotes").count()
    assert quoting and quote_links <= 2 * len(quoting)
