"""Cables read whole, stored and served: references as objects, header text, partial extracts,
re-reading stored originals without losing staff work, and backups that carry it all."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from haystack.query import SearchQuerySet

from archive.importers import loader
from archive.models import Document, Tag
from archive.search import indexing as queue
from archive.search import searching
from tests.conftest import CORPUS, DEV, SEED_FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def cable_page(dev_page):
    """A cable page of the sample corpus or of the development set, by reference ID."""

    def find(identifier: str):
        found = list(CORPUS.rglob(f"{identifier}.html"))
        return found[0] if found else dev_page(identifier)

    return find


def detail(client, identifier: str) -> dict:
    return client.get(f"/api/documents/{identifier}/").json()


def run(*args, **options) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err, **options)
    except SystemExit as exc:
        return out.getvalue(), err.getvalue(), exc.code
    return out.getvalue(), err.getvalue(), 0


# --- References -------------------------------------------------------------------------------


def test_the_api_gives_each_reference_as_an_object_linking_cables(cable_page, client, import_file):
    import_file(cable_page("09LAPAZ635"))
    import_file(cable_page("09LAPAZ600"))
    cited, not_held = detail(client, "09LAPAZ635")["references"]
    assert not_held["reference_id"] == "09LAPAZ593" and not_held["in_archive"] is False
    assert cited == {
        "text": "LA PAZ 600",
        "reference_id": "09LAPAZ600",
        "note": None,
        "in_archive": True,
        "url": "http://testserver/documents/09LAPAZ600/",
    }


def test_a_reference_resolves_when_the_cited_cable_arrives_later(cable_page, client, import_file):
    import_file(cable_page("09LAPAZ635"))
    assert detail(client, "09LAPAZ635")["references"][0]["in_archive"] is False
    import_file(cable_page("09LAPAZ600"))
    assert detail(client, "09LAPAZ635")["references"][0]["in_archive"] is True


def test_the_document_page_links_a_reference_in_the_archive(cable_page, client, import_file):
    import_file(cable_page("09LAPAZ635"))
    import_file(cable_page("09LAPAZ600"))
    html = client.get("/documents/09LAPAZ635/").content.decode()
    assert '<a class="ident" href="/documents/09LAPAZ600/">LA PAZ 600</a>' in html


def test_ref_search_finds_a_cable_by_either_form_of_its_reference(cable_page, import_file):
    import_file(cable_page("09LAPAZ635"))
    queue.drain_queue(wait=5)
    for query in ("ref:09LAPAZ600", 'ref:"LA PAZ 600"'):
        outcome = searching.search(query, {}, page_size=10)
        assert [r.document.identifier for r in outcome.results] == ["09LAPAZ635"], query


# --- Header text and partial extracts ----------------------------------------------------------------


def test_the_api_gives_the_header_text_and_the_partial_flag(client, import_file, dev_page):
    import_file(dev_page("05SANAA1352"))
    body = detail(client, "05SANAA1352")
    assert body["partial_extract"] is True
    assert "SIPDIS" in body["header"]["text"].split("\n")


def test_the_document_page_shows_the_header_text_collapsed(client, import_file, dev_page):
    import_file(dev_page("05SANAA1352"))
    html = client.get("/documents/05SANAA1352/").content.decode()
    assert '<details class="header-text">' in html
    assert "A partial extract" in html


# --- Tags by origin, re-reading with a newer parser ------------------------------------------------------


def add_staff_tag(identifier: str, name: str) -> None:
    tag, _ = Tag.objects.get_or_create(name=name, defaults={"kind": Tag.Kind.SUBJECT})
    Document.objects.get(identifier=identifier).tags.add(tag)


def imported_as_by_an_older_parser(identifier: str, *, stale_file_tag: str | None = None) -> Document:
    """A document as an earlier version of the importer left it."""
    document = Document.objects.get(identifier=identifier)
    if stale_file_tag:
        document.tags.add(Tag.objects.create(name=stale_file_tag, kind=Tag.Kind.SUBJECT))
        document.file_tags = [*document.file_tags, stale_file_tag]
    document.parser_version = loader.PARSER_VERSION - 1
    document.header_text = ""
    document.save()
    return document


def test_tags_say_whether_they_came_from_the_file_or_from_staff(client, import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    add_staff_tag("02BOGOTA3281", "PGOV")
    tags = {tag["name"]: tag["origin"] for tag in detail(client, "02BOGOTA3281")["tags"]}
    assert tags == {
        "PREL": "file",
        "PTER": "file",
        "MOPS": "file",
        "VE": "file",
        "CO": "file",
        "PGOV": "staff",
    }


def test_reparse_rereads_every_original_and_reports_what_changed(import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    import_file(SEED_FILES["afps"])
    imported_as_by_an_older_parser("02BOGOTA3281", stale_file_tag="XXTAG")
    out, err, code = run("import_documents", reparse=True)
    assert code == 0, err
    assert "changed    02BOGOTA3281: header_text; tags -XXTAG" in out
    assert "2 documents re-read: 1 changed, 1 unchanged, 0 failed" in out
    document = Document.objects.get(identifier="02BOGOTA3281")
    assert document.parser_version == loader.PARSER_VERSION
    assert "XXTAG" not in {t.name for t in document.tags.all()}


def test_reparse_keeps_staff_tags_and_notes(import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    document = Document.objects.get(identifier="02BOGOTA3281")
    document.tags.add(
        Tag.objects.get_or_create(name="PGOV", defaults={"kind": Tag.Kind.SUBJECT})[0]
    )  # a subject code, added by staff
    document.tags.add(Tag.objects.create(name="farc-camps", kind=Tag.Kind.TOPIC))
    Document.objects.filter(pk=document.pk).update(note="Compare with the Caracas reporting.")
    imported_as_by_an_older_parser("02BOGOTA3281", stale_file_tag="XXTAG")
    run("import_documents", reparse=True)
    document.refresh_from_db()
    assert {t.name for t in document.tags.all()} == {"PREL", "PTER", "MOPS", "VE", "CO", "PGOV", "farc-camps"}
    assert document.note == "Compare with the Caracas reporting."


def test_reparse_records_its_changes_in_the_admin_history(import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    document = imported_as_by_an_older_parser("02BOGOTA3281", stale_file_tag="XXTAG")
    run("import_documents", reparse=True)
    entry = LogEntry.objects.get(object_id=str(document.pk))
    assert entry.user.username == "quipu-importer"
    assert "header_text; tags -XXTAG" in entry.get_change_message()


def test_an_unchanged_file_read_by_an_older_parser_is_read_again(import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    imported_as_by_an_older_parser("02BOGOTA3281")
    assert import_file(dev_page("02BOGOTA3281")).status == "updated"
    assert import_file(dev_page("02BOGOTA3281")).status == "unchanged"
    assert Document.objects.get(identifier="02BOGOTA3281").header_text.startswith("id: 2745")


def test_the_index_matches_the_database_after_a_reparse(import_file, dev_page):
    import_file(dev_page("02BOGOTA3281"))
    imported_as_by_an_older_parser("02BOGOTA3281", stale_file_tag="XXTAG")
    queue.drain_queue(wait=5)
    run("import_documents", reparse=True)
    queue.drain_queue(wait=5)
    out, _, code = run("check_index")
    assert code == 0, out
    assert not SearchQuerySet().filter(tags_exact="XXTAG").count()


# --- Backups ---------------------------------------------------------------------------------------------


def test_a_backup_carries_header_text_partial_flag_references_and_tag_origin(tmp_path, import_file, dev_page):
    import_file(dev_page("05SANAA1352"))
    import_file(dev_page("02BOGOTA3281"))
    add_staff_tag("02BOGOTA3281", "PGOV")

    def state():
        return {
            d.identifier: (
                d.header_text,
                d.partial_extract,
                d.file_tags,
                sorted(t.name for t in d.tags.all()),
                list(d.references.values_list("position", "text", "reference_id", "note")),
            )
            for d in Document.objects.all()
        }

    before = state()
    run("export_archive", str(tmp_path / "backup.jsonl"))
    Document.objects.all().delete()
    _, err, code = run("import_documents", str(tmp_path / "backup.jsonl"), format="archive-jsonl")
    assert code == 0, err
    assert state() == before


def test_a_backup_made_before_references_were_objects_still_restores(tmp_path):
    record = {
        "quipu": "archive-jsonl",
        "version": 1,
        "identifier": "02BOGOTA3281",
        "type": "cable",
        "title": "DETAILS ON FARC CAMPS IN VENEZUELA",
        **{name: "" for name in ("venue", "byline", "dateline", "subject", "classification", "origin")},
        **{name: "" for name in ("header_dtg", "header_precedence", "header_from", "declassification")},
        "header_to": [],
        "header_info": [],
        "classified_by": "",
        "references": ["02BOGOTA3101", "BOGOTA EMAIL OF 3/5"],
        "signature": "",
        "note": "",
        "original_encoding": "utf-8",
        "sha256": hashlib.sha256(b"page").hexdigest(),
        "file_name": "02BOGOTA3281.html",
        "format": "cablegate-html",
        "date": "2002-04-11",
        "source": {
            "name": "WikiLeaks Cablegate",
            "slug": "wikileaks-cablegate",
            "homepage": "",
            "kind": "leak",
        },
        "tags": [
            {"name": "PREL", "slug": "prel", "kind": "subject", "description": ""},
            {"name": "farc", "slug": "farc", "kind": "topic", "description": ""},
        ],
        "paragraphs": [{"number": 1, "anchor": "p1", "marking": "S", "heading": "", "text": "Text."}],
        "original_base64": base64.b64encode(b"page").decode(),
    }
    backup = tmp_path / "old.jsonl"
    backup.write_text(json.dumps(record) + "\n")
    _, err, code = run("import_documents", str(backup), format="archive-jsonl")
    assert code == 0, err
    document = Document.objects.get(identifier="02BOGOTA3281")
    assert list(document.references.values_list("text", "reference_id")) == [
        ("02BOGOTA3101", "02BOGOTA3101"),
        ("BOGOTA EMAIL OF 3/5", ""),
    ]
    assert document.file_tags == ["PREL"]
    assert document.parser_version == 0  # read again by the next import of its file


# --- The fidelity report ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_fidelity_report_measures_the_dev_pages_against_their_ground_truth(dev_pages):
    out, err, code = run("fidelity_report", str(dev_pages / "manifest.jsonl"), str(dev_pages))
    assert code == 0, err
    assert "33 pages in the manifest, 0 not imported" in out
    for figure in ("metadata", "tags", "¶ numbering", "clean ¶0", "references"):
        line = next(line for line in out.splitlines() if line.startswith(figure))
        assert "100.0 %" in line, line


def test_the_fidelity_report_refuses_a_missing_manifest(tmp_path):
    with pytest.raises(CommandError, match="no manifest"):
        call_command("fidelity_report", str(tmp_path / "nothing.jsonl"), str(DEV))
