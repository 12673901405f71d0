"""Helpers shared by the admin tests: users in each role, documents, the admin's POSTs."""

from __future__ import annotations

import datetime
import hashlib
import importlib

import pytest
from django.apps import apps
from django.contrib.admin import helpers
from django.contrib.auth.models import Group, User
from django.forms import CheckboxInput, MultiWidget

from archive.models import Document, Paragraph, Source, SourceFile, Tag

CHANGELIST = "/admin/archive/document/"
TAG_CHANGELIST = "/admin/archive/tag/"
TAG_SEARCH_RESULTS = "/admin/archive/document/tag-search-results/"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """{% static %} without a collectstatic manifest (the admin's pages link its CSS and JS)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_superuser(username: str = "editor") -> User:
    return User.objects.create_superuser(username, f"{username}@example.org", PASSWORD)


def tagger_group() -> Group:
    """The group migration 0002 creates, again if a transactional test's flush removed it."""
    migration = importlib.import_module("archive.migrations.0002_tagger_group")
    migration.create_tagger_group(apps, schema_editor=None)
    return Group.objects.get(name=migration.GROUP)


def make_tagger(username: str = "tagger") -> User:
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
    user.groups.add(tagger_group())
    return user


def make_source(name: str = "WikiLeaks Cablegate", slug: str = "cablegate") -> Source:
    defaults = {"slug": slug, "kind": Source.Kind.LEAK}
    source, _ = Source.objects.get_or_create(name=name, defaults=defaults)
    return source


def make_document(
    identifier: str,
    title: str = "Untitled",
    *,
    text: str = "Nothing to report.",
    origin: str = "Embassy Lima",
    classification: str = "CONFIDENTIAL",
    date: datetime.date | None = datetime.date(2007, 10, 17),
    tags: tuple[Tag, ...] = (),
    source: Source | None = None,
    type: str = Document.Type.CABLE,
) -> Document:
    original = f"{identifier}\n{title}\n\n{text}\n".encode()
    document = Document.objects.create(
        identifier=identifier,
        type=type,
        title=title,
        source=source or make_source(),
        date=date,
        origin=origin,
        classification=classification,
    )
    SourceFile.objects.create(
        document=document,
        number=1,
        is_current=True,
        data=original,
        sha256=hashlib.sha256(original).hexdigest(),
        file_name=f"{identifier}.txt",
        format="test",
    )
    Paragraph.objects.create(document=document, number=1, anchor="p1", marking="C", text=text)
    if tags:
        document.tags.add(*tags)
    return document


def make_tag(name: str, kind: str = Tag.Kind.TOPIC, description: str = "") -> Tag:
    """A tag; subject codes such as PGOV already exist (the glossary migration loads them)."""
    defaults = {"kind": kind, "description": description}
    tag, _ = Tag.objects.get_or_create(name=name, defaults=defaults)
    return tag


def action_post(action: str, objects, *, select_across: bool = False, **fields) -> dict:
    """The POST the change list's action bar sends (first step of an action)."""
    return {
        "action": action,
        "index": "0",
        "select_across": "1" if select_across else "0",
        helpers.ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects],
        **fields,
    }


def apply_post(action: str, objects, *, select_across: bool = False, **fields) -> dict:
    """The POST the intermediate page sends (second step: apply)."""
    return {
        "action": action,
        "apply": "1",
        "select_across": "1" if select_across else "0",
        helpers.ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects],
        **fields,
    }


def change_form_post(response, **changes) -> dict:
    """The POST a browser sends from a change form as rendered, with some fields changed."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            add_field_value(data, form, name)
            # Fields with a callable default post their initial value too.
            if field.show_hidden_initial:
                data[form.add_initial_prefix(name)] = data.get(form.add_prefix(name), "")
    data.update(changes)
    return data


def add_field_value(data: dict, form, name: str) -> None:
    key = form.add_prefix(name)
    widget = form.fields[name].widget
    value = form[name].value()
    if isinstance(widget, MultiWidget):
        parts = zip(widget.widgets, widget.decompress(value), strict=True)
        for i, (subwidget, part) in enumerate(parts):
            data[f"{key}_{i}"] = subwidget.format_value(part) or ""
    elif isinstance(widget, CheckboxInput):
        if value:
            data[key] = "on"
    elif isinstance(value, (list, tuple)):
        data[key] = [str(v) for v in value]
    elif value is not None:
        data[key] = str(value)


def tag_names(document: Document) -> set[str]:
    return set(Document.objects.get(pk=document.pk).tags.values_list("name", flat=True))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
