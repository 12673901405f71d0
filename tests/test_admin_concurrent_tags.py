"""Two people editing one document's tags at once: each form changes only what it changed.

A change form applies the tags added and removed relative to the tags it showed, not the
whole set, so a form opened before someone else's edit does not undo that edit.
"""

from __future__ import annotations

import pytest
from admin_support import (
    CHANGELIST,
    change_form_post,
    make_document,
    make_superuser,
    make_tag,
    make_tagger,
    messages_of,
    plain_static_files,  # noqa: F401 (an autouse fixture)
    tag_names,
)
from django.contrib.admin.models import LogEntry
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def document():
    return make_document("07LIMA1", tags=(make_tag("VRAE"), make_tag("PGOV")))


@pytest.fixture
def editor() -> Client:
    client = Client()
    client.force_login(make_superuser())
    return client


@pytest.fixture
def tagger() -> Client:
    client = Client()
    client.force_login(make_tagger())
    return client


def url(document) -> str:
    return f"{CHANGELIST}{document.pk}/change/"


def tag_pks(*names: str) -> list[str]:
    return [str(make_tag(name).pk) for name in names]


def save_tags(client: Client, document, *names: str, form=None):
    """Post the change form (as opened earlier, if given) with these tags chosen."""
    form = form or client.get(url(document))
    return client.post(url(document), change_form_post(form, tags=tag_pks(*names)))


def test_a_form_opened_before_another_edit_does_not_remove_the_tag_it_added(document, editor, tagger):
    stale = editor.get(url(document))
    save_tags(tagger, document, "VRAE", "PGOV", "CONC-Y")

    response = save_tags(editor, document, "VRAE", "PGOV", "CONC-Z", form=stale)

    assert response.status_code == 302
    assert tag_names(document) == {"VRAE", "PGOV", "CONC-Y", "CONC-Z"}


def test_a_tag_removed_in_a_stale_form_is_removed_and_the_other_edit_kept(document, editor, tagger):
    stale = editor.get(url(document))
    save_tags(tagger, document, "VRAE", "PGOV", "CONC-Y")

    save_tags(editor, document, "VRAE", form=stale)

    assert tag_names(document) == {"VRAE", "CONC-Y"}


def test_a_tag_removed_by_another_edit_is_not_put_back_by_a_stale_form(document, editor, tagger):
    stale = editor.get(url(document))
    save_tags(tagger, document, "VRAE")

    save_tags(editor, document, "VRAE", "PGOV", "CONC-Z", form=stale)

    assert tag_names(document) == {"VRAE", "CONC-Z"}


def test_the_history_names_only_the_tags_the_stale_form_changed(document, editor, tagger):
    stale = editor.get(url(document))
    save_tags(tagger, document, "VRAE", "PGOV", "CONC-Y")

    save_tags(editor, document, "VRAE", "PGOV", "CONC-Z", form=stale)

    latest = LogEntry.objects.filter(object_id=str(document.pk)).order_by("-id").first()
    assert latest.get_change_message() == "Added tags: CONC-Z."


def test_the_editor_is_told_that_someone_else_changed_the_tags_meanwhile(document, editor, tagger):
    stale = editor.get(url(document))
    save_tags(tagger, document, "VRAE", "PGOV", "CONC-Y")

    response = save_tags(editor, document, "VRAE", "PGOV", "CONC-Z", form=stale)

    shown = messages_of(editor.get(response.url))
    assert any("changed by someone else" in message and "CONC-Y" in message for message in shown), shown


def test_a_form_without_concurrent_edits_saves_exactly_the_tags_chosen(document, editor):
    save_tags(editor, document, "PGOV", "CONC-Z")
    assert tag_names(document) == {"PGOV", "CONC-Z"}


def test_the_change_form_carries_the_tags_it_shows(document, tagger):
    html = tagger.get(url(document)).content.decode()
    shown = ",".join(str(pk) for pk in sorted(document.tags.values_list("pk", flat=True)))
    assert f'<input type="hidden" name="tags_shown" value="{shown}"' in html
