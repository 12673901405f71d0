"""What an import changed in a document that was already in the archive, and its record
in the admin history, so that staff see why a document changed under them."""

from __future__ import annotations

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model

from archive.models import Document

# The account the admin history names for changes made by the importer, not by a person.
IMPORTER_USERNAME = "quipu-importer"
COMPARED_FIELDS = [
    "title",
    "venue",
    "byline",
    "dateline",
    "date",
    "subject",
    "created",
    "released",
    "created_precision",
    "released_precision",
    "classification",
    "origin",
    "header_dtg",
    "header_precedence",
    "header_from",
    "header_to",
    "header_info",
    "header_text",
    "partial_extract",
    "declassify_on",
    "declassification",
    "classified_by",
    "signature",
    "source_id",
]


def snapshot(document: Document) -> dict:
    """The parts of a saved document an import rewrites (three queries)."""
    state = {name: getattr(document, name) for name in COMPARED_FIELDS}
    state["paragraphs"] = list(
        document.paragraphs.values_list("number", "marking", "heading", "text", "numbered_by")
    )
    state["references"] = list(document.references.values_list("text", "reference_id", "note"))
    return state


def changed_parts(before: dict, after: dict) -> list[str]:
    changed = []
    for name, value in before.items():
        if after[name] == value:
            continue
        if name == "paragraphs":
            changed.append(f"paragraphs ({len(value)} → {len(after[name])})")
        else:
            changed.append(name.removesuffix("_id"))
    return changed


def importer_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(username=IMPORTER_USERNAME, defaults={"is_active": False})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def record_in_history(document: Document, message: str) -> None:
    LogEntry.objects.log_actions(
        user_id=importer_user().pk,
        queryset=[document],
        action_flag=CHANGE,
        change_message=message[:2000],
        single_object=True,
    )
