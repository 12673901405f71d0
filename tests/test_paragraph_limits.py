"""A document has at most ARCHIVE_MAX_PARAGRAPHS paragraphs, and its pages show a bounded part.

A real cable has fewer than 200 paragraphs; a 2 MB file of blank-line-separated lines made
285,715, and a public page of 195 MB. Above the cap the importer merges consecutive
paragraphs, keeping every word, and says so in its report; the public page shows
DOCUMENT_PAGE_PARAGRAPHS paragraphs a page, the admin the first ADMIN_PARAGRAPHS.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from admin_support import (
    CHANGELIST,
    change_form_post,
    make_superuser,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)
from django.core.management import call_command

from archive.admin import ADMIN_PARAGRAPHS
from archive.importers.base import ParsedParagraph, merge_paragraphs
from archive.models import Document, Paragraph, Source, SourceFile
from archive.views.documents import DOCUMENT_PAGE_PARAGRAPHS

pytestmark = pytest.mark.django_db

TITLE = "A legal-size filing of many short paragraphs"


def filing(tmp_path, blocks: int):
    path = tmp_path / "filing.txt"
    body = "\n\n".join(f"Para {n}." for n in range(1, blocks + 1))
    path.write_text(f"{TITLE}\n\n{body}\n", encoding="utf-8")
    return path


def words_in_order(document: Document) -> list[str]:
    text = "\n\n".join(p.text for p in document.paragraphs.order_by("number"))
    return re.findall(r"Para \d+\.", text)


def test_a_file_over_the_cap_is_imported_with_merged_paragraphs_and_every_word(
    tmp_path, settings, import_file
):
    settings.ARCHIVE_MAX_PARAGRAPHS = 10
    result = import_file(filing(tmp_path, 35))
    assert result.status == "created", result.reason
    document = Document.objects.get(identifier=result.identifier)
    assert document.paragraphs.count() == 9  # 35 paragraphs, 4 to a paragraph
    assert words_in_order(document) == [f"Para {n}." for n in range(1, 36)]
    assert any("35 paragraphs" in w and "merged" in w and "10" in w for w in result.warnings), result.warnings


def test_a_file_within_the_cap_keeps_its_paragraphs(tmp_path, settings, import_file):
    settings.ARCHIVE_MAX_PARAGRAPHS = 10
    result = import_file(filing(tmp_path, 10))
    document = Document.objects.get(identifier=result.identifier)
    assert document.paragraphs.count() == 10
    assert not any("merged" in w for w in result.warnings)


def test_the_import_report_warns_of_the_merge(tmp_path, settings):
    settings.ARCHIVE_MAX_PARAGRAPHS = 10
    out = io.StringIO()
    call_command("import_documents", str(filing(tmp_path, 35)), stdout=out)
    assert "warning: The file has 35 paragraphs" in out.getvalue()


def test_merging_keeps_headings_and_markings_inside_the_merged_text():
    paragraphs = [
        ParsedParagraph(1, "One.", marking="C"),
        ParsedParagraph(2, "Two.", marking="C"),
        ParsedParagraph(3, "Three.", marking="S", heading="Background"),
        ParsedParagraph(4, "Four.", marking="S", heading="Background"),
    ]
    merged = merge_paragraphs(paragraphs, limit=1)
    assert len(merged) == 1
    assert (merged[0].number, merged[0].marking, merged[0].heading) == (1, "C", "")
    assert merged[0].text == "One.\n\n(C) Two.\n\nBackground\n\n(S) Three.\n\n(S) Four."


def long_document(paragraphs: int) -> Document:
    original = b"long"
    document = Document.objects.create(
        identifier="09LONG1",
        type=Document.Type.CABLE,
        title="A long cable",
        source=Source.objects.get_or_create(name="WikiLeaks Cablegate", defaults={"slug": "cablegate"})[0],
    )
    SourceFile.objects.create(
        document=document,
        number=1,
        is_current=True,
        data=original,
        sha256=hashlib.sha256(original).hexdigest(),
        file_name="long.txt",
        format="test",
    )
    Paragraph.objects.bulk_create(
        Paragraph(document=document, number=n, anchor=f"p{n}", text=f"Paragraph number {n} here.")
        for n in range(1, paragraphs + 1)
    )
    return document


def test_the_public_page_of_a_long_document_shows_one_page_of_paragraphs(client):
    document = long_document(DOCUMENT_PAGE_PARAGRAPHS + 50)
    first = client.get(document.get_absolute_url()).content.decode()
    assert 'id="p1"' in first and f'id="p{DOCUMENT_PAGE_PARAGRAPHS}"' in first
    assert f'id="p{DOCUMENT_PAGE_PARAGRAPHS + 1}"' not in first
    assert "?page=2" in first
    second = client.get(document.get_absolute_url(), {"page": 2}).content.decode()
    assert f'id="p{DOCUMENT_PAGE_PARAGRAPHS + 1}"' in second and 'id="p1"' not in second


def test_a_paragraph_permalink_leads_to_the_page_that_shows_it(client):
    document = long_document(DOCUMENT_PAGE_PARAGRAPHS + 50)
    number = DOCUMENT_PAGE_PARAGRAPHS + 10
    response = client.get(f"{document.get_absolute_url()}p/{number}/")
    assert response.status_code == 302
    assert response.url == f"{document.get_absolute_url()}?page=2#p{number}"
    first = client.get(f"{document.get_absolute_url()}p/3/")
    assert first.url == f"{document.get_absolute_url()}#p3"


def test_a_document_that_fits_one_page_is_not_paginated(client, seeds):
    html = client.get(seeds["cable"].get_absolute_url()).content.decode()
    assert "?page=" not in html


def test_the_admin_change_page_lists_the_first_paragraphs_and_still_saves(client):
    document = long_document(ADMIN_PARAGRAPHS + 400)
    client.force_login(make_superuser())
    url = f"{CHANGELIST}{document.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == ADMIN_PARAGRAPHS
    assert (
        f"The first {ADMIN_PARAGRAPHS} of {ADMIN_PARAGRAPHS + 400:,} paragraphs" in response.content.decode()
    )
    saved = client.post(url, change_form_post(response, title="Renamed"))
    assert saved.status_code == 302
    assert Document.objects.get(pk=document.pk).title == "Renamed"
    assert document.paragraphs.count() == ADMIN_PARAGRAPHS + 400


def test_the_admin_change_page_reads_the_document_once_not_once_per_paragraph(
    client, django_assert_max_num_queries
):
    document = long_document(ADMIN_PARAGRAPHS)
    client.force_login(make_superuser())
    with django_assert_max_num_queries(ADMIN_PARAGRAPHS // 4):
        assert client.get(f"{CHANGELIST}{document.pk}/change/").status_code == 200
