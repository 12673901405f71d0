"""One document, many files: identity, renditions and versions, nothing silently overwritten."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from archive.models import Document, SourceFile, Tag
from archive.search import indexing as queue
from archive.search import searching
from tests.conftest import CORPUS, SEED_FILES

pytestmark = pytest.mark.django_db

PERU_ARTICLE = """American Forces Press Service

U.S. and Peru Open a Riverine Training Base in Iquitos

By Staff Writer
American Forces Press Service

IQUITOS, Peru, March 3, 2011 – The Peruvian navy opened a riverine training base here today with U.S. help.

The base will train crews for the boats that patrol the Amazon and its tributaries.
"""

COLOMBIA_ARTICLE = """American Forces Press Service

Colombia and the United States Sign a Border Security Accord

By Staff Writer
American Forces Press Service

BOGOTA, Colombia, June 9, 2012 – Colombia and the United States signed an accord today on border security.

The accord covers intelligence sharing and the training of border police units.
"""


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def corpus_page(identifier: str):
    (page,) = CORPUS.rglob(f"{identifier}.html")
    return page


def current_sha(identifier: str) -> str:
    return Document.objects.get(identifier=identifier).current_file.sha256


def paragraph_texts(identifier: str) -> list[tuple[int, str]]:
    return list(Document.objects.get(identifier=identifier).paragraphs.values_list("number", "text"))


def re_released(page, tmp_path, *, released: str, old_word: str, new_word: str):
    """The site page of a cable as a later release would print it: another released date, a word changed."""
    html = page.read_text(encoding="utf-8")
    dates = re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)
    html = html.replace(dates[1], released, 1)  # the table's Released cell, after Created
    assert old_word in html
    html = html.replace(old_word, new_word, 1)
    return write(tmp_path / "re-release" / page.name, html)


# --- Two renditions of one cable ---------------------------------------------------------------------


@pytest.mark.parametrize("order", ["text first", "html first"])
def test_two_renditions_of_a_cable_are_both_kept_and_agree_on_the_current_text(order, import_file, dev_page):
    files = [SEED_FILES["cable"], dev_page("07LIMA3429")]
    if order == "html first":
        files.reverse()
    first = [import_file(path).status for path in files]
    assert first[0] == "created" and first[1] in ("added", "updated")
    document = Document.objects.get(identifier="07LIMA3429")
    assert document.source_files.count() == 2
    # The saved text is of the later release (30 August 2011): it is the current text either way.
    assert document.current_file.sha256 == SourceFile.objects.get(file_name=SEED_FILES["cable"].name).sha256
    assert [import_file(path).status for path in files] == ["unchanged", "unchanged"]


def test_renditions_in_either_order_give_the_same_paragraphs(import_file, dev_page, django_db_blocker):
    import_file(dev_page("07LIMA3429"))
    import_file(SEED_FILES["cable"])
    html_first = paragraph_texts("07LIMA3429")
    Document.objects.all().delete()
    import_file(SEED_FILES["cable"])
    import_file(dev_page("07LIMA3429"))
    assert paragraph_texts("07LIMA3429") == html_first


def test_a_rendition_of_the_same_release_is_chosen_for_its_richer_reading(tmp_path, import_file):
    page = corpus_page("09LAPAZ635")
    classified_by = "Classified By: A/EcoPol Chief Joe Relk for reasons 1.4 (b, d)"
    poorer = write(
        tmp_path / "poorer" / page.name, page.read_text(encoding="utf-8").replace(classified_by, "")
    )
    import_file(page)
    result = import_file(poorer)
    assert result.status == "added"
    assert "rendition of file 1" in result.detail
    assert Document.objects.get(identifier="09LAPAZ635").current_file.number == 1


# --- Articles: identity is source, date and title, never the file's name -----------------------------------


def test_two_articles_with_the_same_file_name_are_two_documents(tmp_path, import_file, client):
    peru = import_file(write(tmp_path / "a" / "article.txt", PERU_ARTICLE))
    colombia = import_file(write(tmp_path / "b" / "article.txt", COLOMBIA_ARTICLE))
    assert (peru.status, colombia.status) == ("created", "created")
    assert peru.identifier != colombia.identifier
    assert b"riverine training base" in client.get(f"/documents/{peru.identifier}/").content
    assert b"border security" in client.get(f"/documents/{colombia.identifier}/").content


def test_a_copy_of_an_article_under_another_masthead_is_kept_apart(tmp_path, import_file, seeds):
    afps = seeds["afps"]
    text = SEED_FILES["afps"].read_text(encoding="utf-8")
    copy = text.replace("American Forces Press Service", "Diálogo").replace(
        "met with top Peruvian leaders here yesterday",
        "met Peru's president and defense minister here yesterday",
    )
    result = import_file(write(tmp_path / "dialogo" / SEED_FILES["afps"].name, copy))
    assert result.status == "created"
    assert result.identifier != afps.identifier
    assert Document.objects.get(identifier=result.identifier).source.name == "Diálogo"
    afps.refresh_from_db()
    assert afps.source.name == "American Forces Press Service"
    assert afps.source_files.count() == 1
    assert "top Peruvian leaders" in afps.paragraphs.get(number=1).text


def test_replace_refuses_a_document_that_does_not_exist(tmp_path, import_file):
    result = import_file(write(tmp_path / "article.txt", PERU_ARTICLE), replace="2011-03-03-nothing-here")
    assert result.status == "failed"
    assert "no document '2011-03-03-nothing-here' to replace" in result.reason


def test_replace_refuses_a_cable_for_an_article(import_file, seeds, dev_page):
    result = import_file(dev_page("07LIMA3429"), replace=seeds["afps"].identifier)
    assert result.status == "failed"
    assert "is article, the file not" in result.reason


# --- A re-released cable: versions ---------------------------------------------------------------


@pytest.fixture
def re_released_cable(tmp_path, import_file):
    """09LAPAZ635 as released, then re-released later with one word changed."""
    page = corpus_page("09LAPAZ635")
    later = re_released(page, tmp_path, released="2011-09-01 01:01", old_word="Masavi", new_word="Masabi")
    assert import_file(page).status == "created"
    assert import_file(later).status == "updated"
    return Document.objects.get(identifier="09LAPAZ635")


def test_a_re_release_becomes_the_current_text_and_keeps_the_earlier_one(re_released_cable):
    files = list(re_released_cable.source_files.order_by("number"))
    assert [(f.number, f.is_current) for f in files] == [(1, False), (2, True)]
    assert re_released_cable.released.date().isoformat() == "2011-09-01"
    text = "\n".join(re_released_cable.paragraphs.values_list("text", flat=True))
    assert "Masabi" in text and "Masavi" not in text


def test_search_finds_the_new_word_of_a_re_release(re_released_cable):
    queue.drain_queue(wait=5)
    assert [r.document.identifier for r in searching.search("Masabi", {}).results] == ["09LAPAZ635"]
    assert not searching.search("Masavi", {}).results


def test_the_versions_page_shows_the_changed_word(client, re_released_cable):
    html = client.get("/documents/09LAPAZ635/versions/").content.decode()
    assert "<del>Masavi,</del>" in html and "<ins>Masabi,</ins>" in html
    assert "2011-09-01" in html  # the released date changed


def test_an_earlier_version_can_be_read_with_a_banner(client, re_released_cable):
    html = client.get("/documents/09LAPAZ635/?version=1").content.decode()
    assert "You are reading file 1 of this cable" in html
    assert "Masavi" in html and "Masabi" not in html


def test_each_source_file_is_served_as_imported(client, re_released_cable):
    first = client.get("/documents/09LAPAZ635/original/1/")
    assert b"Masavi" in first.content and first["Content-Type"] == "text/plain; charset=utf-8"
    assert b"Masabi" in client.get("/documents/09LAPAZ635/original/").content


@pytest.mark.parametrize(
    "url",
    [
        "/documents/09LAPAZ635/original/9/",
        "/documents/09LAPAZ635/original/99999999999999999999/",
        "/documents/09LAPAZ635/?version=7",
        "/documents/09LAPAZ635/versions/?from=x",
    ],
)
def test_a_source_file_that_does_not_exist_is_a_clear_404(client, re_released_cable, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"has no source file" in response.content


def test_staff_tags_and_notes_survive_a_new_current_file(tmp_path, import_file):
    page = corpus_page("09LAPAZ635")
    import_file(page)
    document = Document.objects.get(identifier="09LAPAZ635")
    topic, _ = Tag.objects.get_or_create(name="coca-policy", defaults={"kind": Tag.Kind.TOPIC})
    document.tags.add(topic)
    Document.objects.filter(pk=document.pk).update(note="Read with the Embassy's 2008 reporting.")
    import_file(
        re_released(page, tmp_path, released="2011-09-01 01:01", old_word="Masavi", new_word="Masabi")
    )
    document.refresh_from_db()
    assert "coca-policy" in {t.name for t in document.tags.all()}
    assert document.note == "Read with the Embassy's 2008 reporting."
    entry = LogEntry.objects.get(object_id=str(document.pk))
    assert "File 2 (09LAPAZ635.html) became its text" in entry.get_change_message()


def test_the_api_lists_the_source_files(client, re_released_cable):
    files = client.get("/api/documents/09LAPAZ635/").json()["source_files"]
    assert [(f["number"], f["current"]) for f in files] == [(1, False), (2, True)]
    assert files[0]["url"] == "http://testserver/documents/09LAPAZ635/original/1/"


def test_a_backup_restores_every_source_file(tmp_path, re_released_cable):
    before = list(SourceFile.objects.values_list("number", "is_current", "sha256", "released", "file_name"))
    call_command("export_archive", str(tmp_path / "backup.jsonl"), stdout=io.StringIO())
    Document.objects.all().delete()
    call_command(
        "import_documents", str(tmp_path / "backup.jsonl"), format="archive-jsonl", stdout=io.StringIO()
    )
    assert (
        list(SourceFile.objects.values_list("number", "is_current", "sha256", "released", "file_name"))
        == before
    )
