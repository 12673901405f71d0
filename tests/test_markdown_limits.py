"""Staff Markdown (tag and source descriptions, analyst notes) is capped, checked and rendered
once, at save: a public page never renders Markdown, so no text can make it slow."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from admin_support import (
    CHANGELIST,
    TAG_CHANGELIST,
    change_form_post,
    make_superuser,
    make_tag,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)
from django.apps import apps
from django.core.management import call_command

from archive.models import Document, Source, Tag
from archive.rendering import render_markdown

pytestmark = pytest.mark.django_db

SOURCE_CHANGELIST = "/admin/archive/source/"
# The review's page-breaker: every "[" makes the renderer scan the rest of the text.
OPEN_BRACKETS = "See [" + "[" * 2_000
NESTED_QUOTES = "> " * 2_000 + "deep"
NESTED_LIST = "".join(" " * (4 * level) + "- item\n" for level in range(40))


@pytest.fixture
def editor(client):
    client.force_login(make_superuser())
    return client


def tag_add_post(**fields) -> dict:
    return {"name": "CONC-X", "slug": "", "kind": Tag.Kind.TOPIC, "description": "", **fields}


def test_it_refuses_a_tag_description_over_the_length_limit_with_a_form_error(editor, settings):
    settings.ARCHIVE_MARKDOWN_MAX_CHARS = 100
    response = editor.post(f"{TAG_CHANGELIST}add/", tag_add_post(description="x" * 101))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["description"]
    assert errors == ["This text is 101 characters long; at most 100 are allowed."]
    assert not Tag.objects.filter(name="CONC-X").exists()


def test_it_refuses_an_analyst_note_over_the_length_limit_with_a_form_error(editor, seeds, settings):
    settings.ARCHIVE_MARKDOWN_MAX_CHARS = 100
    cable = seeds["cable"]
    url = f"{CHANGELIST}{cable.pk}/change/"
    response = editor.post(url, change_form_post(editor.get(url), note="y" * 101))
    assert response.status_code == 200
    assert "at most 100 are allowed" in response.context["adminform"].form.errors["note"][0]
    cable.refresh_from_db()
    assert cable.note == ""


def test_it_refuses_a_source_description_over_the_length_limit_with_a_form_error(editor, settings):
    settings.ARCHIVE_MARKDOWN_MAX_CHARS = 100
    source = Source.objects.get(name="Andina")
    url = f"{SOURCE_CHANGELIST}{source.pk}/change/"
    response = editor.post(url, change_form_post(editor.get(url), description="z" * 101))
    assert response.status_code == 200
    assert "at most 100 are allowed" in response.context["adminform"].form.errors["description"][0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (OPEN_BRACKETS, "square brackets"),
        ("[a](" * 100, "parentheses"),
        (NESTED_QUOTES, "quotes"),
        ("a\n=\n" * 600, "lines"),
    ],
    ids=["open brackets", "open link parentheses", "nested quotes", "many lines"],
)
def test_it_refuses_markdown_whose_rendering_time_grows_faster_than_its_length(editor, text, message):
    response = editor.post(f"{TAG_CHANGELIST}add/", tag_add_post(description=text))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors["description"][0]
    assert not Tag.objects.filter(name="CONC-X").exists()


def test_everyday_markdown_within_the_limits_is_accepted(editor):
    text = "See [the plan](https://example.org/plan_(2008)) and **VRAE**.\n\n" + NESTED_LIST
    response = editor.post(f"{TAG_CHANGELIST}add/", tag_add_post(description=text))
    assert response.status_code == 302
    assert "<strong>VRAE</strong>" in Tag.objects.get(name="CONC-X").description_html


def test_the_tag_page_shows_the_html_rendered_at_save_without_rendering_again(client):
    tag = make_tag("VRAE", description="The *VRAE* plan")
    assert tag.description_html == "<p>The <em>VRAE</em> plan</p>"
    # A bulk update skips save(): the page keeps showing what was rendered then.
    Tag.objects.filter(pk=tag.pk).update(description="The **changed** plan")
    html = client.get(tag.get_absolute_url()).content.decode()
    assert "<em>VRAE</em>" in html and "changed" not in html


def test_the_document_page_shows_the_note_rendered_at_save(client, seeds):
    cable = seeds["cable"]
    cable.note = "Cited in the **2008** review."
    cable.save(update_fields=["note"])
    assert Document.objects.get(pk=cable.pk).note_html == "<p>Cited in the <strong>2008</strong> review.</p>"
    html = client.get(cable.get_absolute_url()).content.decode()
    assert "Cited in the <strong>2008</strong> review." in html


def test_text_over_the_limits_saved_outside_the_admin_is_kept_and_shown_as_plain_text():
    # A row written before the limits, or restored from a backup: shown, not rendered as Markdown.
    tag = Tag.objects.create(name="Legacy", description=OPEN_BRACKETS + "\n\n**not bold** <b>")
    assert tag.description == OPEN_BRACKETS + "\n\n**not bold** <b>"
    assert tag.description_html == f"<p>{OPEN_BRACKETS}</p>\n\n<p>**not bold** &lt;b&gt;</p>"


def test_a_deeply_nested_list_over_the_limit_renders_as_plain_text_instead_of_failing():
    nested = "".join(" " * (4 * level) + "- item\n" for level in range(300))
    html = render_markdown(nested)
    assert html.startswith("<p>- item<br>")


def test_the_data_migration_renders_the_html_of_existing_rows(seeds):
    tag = make_tag("VRAE", description="The *VRAE* plan")
    cable = seeds["cable"]
    cable.note = "A **note**"
    cable.save()
    Tag.objects.filter(pk=tag.pk).update(description_html="")
    Document.objects.filter(pk=cable.pk).update(note_html="")
    Source.objects.update(description_html="")

    migration = importlib.import_module("archive.migrations.0006_rendered_markdown")
    migration.render_stored_markdown(apps, schema_editor=None)

    assert Tag.objects.get(pk=tag.pk).description_html == "<p>The <em>VRAE</em> plan</p>"
    assert Document.objects.get(pk=cable.pk).note_html == "<p>A <strong>note</strong></p>"
    andina = Source.objects.get(name="Andina")
    assert andina.description and andina.description_html == render_markdown(andina.description)


def test_a_restored_backup_gets_the_rendered_html(tmp_path, seeds):
    cable = seeds["cable"]
    cable.tags.add(make_tag("Plan VRAE", description="The *VRAE* plan"))
    cable.note = "Cited in the **2008** review."
    cable.save()
    path = tmp_path / "backup.jsonl"
    call_command("export_archive", str(path), stdout=io.StringIO())
    assert "note_html" not in json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    Document.objects.all().delete()
    Tag.objects.filter(name="Plan VRAE").delete()

    call_command("import_documents", str(path), format="archive-jsonl", stdout=io.StringIO())

    restored = Document.objects.get(identifier=cable.identifier)
    assert restored.note_html == "<p>Cited in the <strong>2008</strong> review.</p>"
    assert restored.tags.get(name="Plan VRAE").description_html == "<p>The <em>VRAE</em> plan</p>"
