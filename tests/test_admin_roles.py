"""Roles in the admin: taggers change tags and nothing else; superusers change everything;
every change is in the history with who and what."""

from __future__ import annotations

import pytest
from admin_support import (
    CHANGELIST,
    PASSWORD,
    TAG_CHANGELIST,
    change_form_post,
    make_superuser,
    make_tag,
    make_tagger,
    plain_static_files,  # noqa: F401 (an autouse fixture)
    tag_names,
)
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User

from archive.models import Document, Paragraph, Tag

pytestmark = pytest.mark.django_db


TITLE = "MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL SECURITY"
SUBJECTS = {"KICC", "MARR", "PE", "PGOV", "PREL"}


@pytest.fixture
def cable(seeds):
    """The seed cable 07LIMA3429, as imported: eight paragraphs, five subject tags."""
    return seeds["cable"]


def first_paragraph(document: Document) -> str:
    return Paragraph.objects.filter(document=document).order_by("number").first().text


@pytest.fixture
def vrae():
    return make_tag("VRAE")


def change_url(document: Document) -> str:
    return f"{CHANGELIST}{document.pk}/change/"


def action_names(response) -> set[str]:
    form = response.context["action_form"]  # None when the user may run no action
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


def test_the_tagger_group_may_view_documents_and_change_tags():
    codenames = set(Group.objects.get(name="Tagger").permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_document",
        "change_document",
        "view_paragraph",
        "view_source",
        "view_tag",
        "add_tag",
        "change_tag",
    }
    assert Permission.objects.filter(codename="change_document_metadata").exists()


def test_a_tagger_logs_in_and_browses_documents(client, cable):
    make_tagger()
    login = {"username": "tagger", "password": PASSWORD, "next": CHANGELIST}
    response = client.post("/admin/login/", login)
    assert response.status_code == 302
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5
    response = client.get(change_url(cable))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["tags", "tags_shown"]
    assert b'name="title"' not in response.content
    assert TITLE.encode() in response.content


def test_a_taggers_post_changes_the_tags_and_ignores_the_title_and_note(client, cable, vrae):
    client.force_login(make_tagger())
    form = client.get(change_url(cable))
    post = change_form_post(
        form,
        tags=[str(t.pk) for t in cable.tags.all()] + [str(vrae.pk)],
        title="Defaced",
        note="Not allowed",
        classification="UNCLASSIFIED",
        identifier="X",
    )
    response = client.post(change_url(cable), post)
    assert response.status_code == 302
    cable.refresh_from_db()
    assert (cable.title, cable.note, cable.classification, cable.identifier) == (
        TITLE,
        "",
        "CONFIDENTIAL",
        "07LIMA3429",
    )
    assert tag_names(cable) == SUBJECTS | {"VRAE"}


def test_a_tagger_cannot_change_paragraphs(client, cable):
    client.force_login(make_tagger())
    form = client.get(change_url(cable))
    post = change_form_post(form, **{"paragraphs-0-text": "Rewritten"})
    before = first_paragraph(cable)
    client.post(change_url(cable), post)
    assert first_paragraph(cable) == before


def test_paragraphs_are_read_only_even_for_superusers(client, cable):
    client.force_login(make_superuser())
    form = client.get(change_url(cable))
    assert form.context["inline_admin_formsets"][0].has_change_permission is False
    post = change_form_post(form, **{"paragraphs-0-text": "Rewritten"})
    before = first_paragraph(cable)
    response = client.post(change_url(cable), post)
    assert response.status_code == 302
    assert first_paragraph(cable) == before


def test_a_tagger_cannot_delete_documents(client, cable):
    client.force_login(make_tagger())
    assert client.get(f"{CHANGELIST}{cable.pk}/delete/").status_code == 403
    assert client.post(f"{CHANGELIST}{cable.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in action_names(client.get(CHANGELIST))
    assert Document.objects.filter(pk=cable.pk).exists()


def test_documents_are_added_by_the_importer_not_the_admin(client):
    client.force_login(make_superuser())
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_a_superuser_edits_metadata_and_the_note(client, cable):
    client.force_login(make_superuser())
    form = client.get(change_url(cable))
    assert "note" in form.context["adminform"].form.fields
    title, note = "MOD briefs Gates on riverine plans", "See **also** 07LIMA3430."
    post = change_form_post(form, title=title, note=note)
    response = client.post(change_url(cable), post)
    assert response.status_code == 302
    cable.refresh_from_db()
    assert cable.title == "MOD briefs Gates on riverine plans"
    assert cable.note == "See **also** 07LIMA3430."
    entry = LogEntry.objects.get(object_id=str(cable.pk))
    assert entry.get_change_message() == "Changed Title and Analyst note."


def test_the_note_has_a_markdown_help_text(client, cable):
    client.force_login(make_superuser())
    response = client.get(change_url(cable))
    assert "Markdown" in response.context["adminform"].form.fields["note"].help_text


def test_a_single_tag_edit_is_in_the_history_with_who_and_which_tags(client, cable, vrae):
    tagger = make_tagger()
    client.force_login(tagger)
    form = client.get(change_url(cable))
    client.post(change_url(cable), change_form_post(form, tags=[str(vrae.pk)]))
    entry = LogEntry.objects.get(object_id=str(cable.pk))
    assert (entry.user, entry.action_flag) == (tagger, CHANGE)
    message = "Added tags: VRAE. Removed tags: KICC, MARR, PE, PGOV, PREL."
    assert entry.get_change_message() == message
    history = client.get(f"{CHANGELIST}{cable.pk}/history/")
    assert history.status_code == 200
    assert message in history.content.decode()


def test_a_tagger_creates_topic_tags(client):
    client.force_login(make_tagger())
    form = client.get(f"{TAG_CHANGELIST}add/")
    assert form.status_code == 200
    assert "kind" not in form.context["adminform"].form.fields
    new_tag = {"name": "Plan Colombia", "slug": "", "description": ""}
    response = client.post(f"{TAG_CHANGELIST}add/", new_tag)
    assert response.status_code == 302
    created = Tag.objects.get(name="Plan Colombia")
    assert (created.kind, created.slug) == (Tag.Kind.TOPIC, "plan-colombia")


def test_a_tagger_cannot_change_a_subject_tag(client, cable):
    client.force_login(make_tagger())
    subject = Tag.objects.get(name="PGOV")
    url = f"{TAG_CHANGELIST}{subject.pk}/change/"
    response = client.post(url, {"name": "Renamed", "description": "Gone"})
    assert response.status_code == 403
    before = subject.description
    subject.refresh_from_db()
    assert (subject.name, subject.description) == ("PGOV", before)


def test_a_tagger_can_neither_merge_nor_delete_tags(client, vrae):
    client.force_login(make_tagger())
    assert action_names(client.get(TAG_CHANGELIST)) == set()
    assert client.get(f"{TAG_CHANGELIST}{vrae.pk}/delete/").status_code == 403
    assert Tag.objects.filter(pk=vrae.pk).exists()


def test_staff_outside_the_tagger_group_see_no_documents(client, cable):
    client.force_login(User.objects.create_user("intern", password=PASSWORD, is_staff=True))
    assert client.get(CHANGELIST).status_code == 403


def test_the_index_queue_and_the_history_are_for_superusers(client):
    client.force_login(make_tagger())
    assert client.get("/admin/archive/pendingindexupdate/").status_code == 403
    assert client.get("/admin/admin/logentry/").status_code == 403
    client.force_login(make_superuser())
    assert client.get("/admin/archive/pendingindexupdate/").status_code == 200
    assert client.get("/admin/admin/logentry/").status_code == 200
