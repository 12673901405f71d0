"""Tag edits made from the admin: bulk add and remove, merge, delete.

Every link is added or removed through the many-to-many manager
(`tag.documents.add/remove`), which sends `m2m_changed` naming the documents
touched; the search signal processor queues them for reindexing when the
transaction commits, so the public search shows the change on the next request.
No bulk SQL on the through table.

Each document that changed gets an admin LogEntry with the user and the tags,
e.g. "Added tags: VRAE, Plan Colombia. (bulk action)".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import transaction

from archive.models import Document, Tag

# Primary keys per statement: well under SQLite's limit on query parameters.
CHUNK = 500

Through = Document.tags.through


@dataclass
class TagEdits:
    """What a bulk edit did: per document, the tag names added and removed."""

    added: dict[int, list[str]]
    removed: dict[int, list[str]]
    considered: int

    @property
    def documents_changed(self) -> int:
        return len(self.added.keys() | self.removed.keys())

    @property
    def unchanged(self) -> int:
        return self.considered - self.documents_changed


def chunked(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def tagged_with(tag: Tag, document_pks: Sequence[int]) -> set[int]:
    """The documents among document_pks that carry tag."""
    found: set[int] = set()
    for chunk in chunked(document_pks):
        links = Through.objects.filter(tag=tag, document_id__in=chunk)
        found.update(links.values_list("document_id", flat=True))
    return found


def link(tag: Tag, document_pks: Sequence[int]) -> None:
    for chunk in chunked(document_pks):
        tag.documents.add(*chunk)  # sends m2m_changed for these documents


def unlink(tag: Tag, document_pks: Sequence[int]) -> None:
    for chunk in chunked(document_pks):
        tag.documents.remove(*chunk)  # sends m2m_changed for these documents


def add_tags(user, document_pks: Iterable[int], tags: Iterable[Tag], reason: str) -> TagEdits:
    pks = sorted(set(document_pks))
    added: dict[int, list[str]] = defaultdict(list)
    with transaction.atomic():
        for tag in tags:
            have = tagged_with(tag, pks)
            new = [pk for pk in pks if pk not in have]
            link(tag, new)
            for pk in new:
                added[pk].append(tag.name)
        edits = TagEdits(added=dict(added), removed={}, considered=len(pks))
        log_document_edits(user, edits, reason)
    return edits


def remove_tags(user, document_pks: Iterable[int], tags: Iterable[Tag], reason: str) -> TagEdits:
    pks = sorted(set(document_pks))
    removed: dict[int, list[str]] = defaultdict(list)
    with transaction.atomic():
        for tag in tags:
            present = sorted(tagged_with(tag, pks))
            unlink(tag, present)
            for pk in present:
                removed[pk].append(tag.name)
        edits = TagEdits(added={}, removed=dict(removed), considered=len(pks))
        log_document_edits(user, edits, reason)
    return edits


def merge_tags(user, sources: Iterable[Tag], target: Tag) -> TagEdits:
    """Move every document of sources to target, then delete sources.

    The target keeps its name, kind and description (a subject tag's glossary text).
    """
    sources = [tag for tag in sources if tag.pk != target.pk]
    if not sources:
        raise ValueError("a tag cannot be merged into itself")
    added: dict[int, list[str]] = defaultdict(list)
    removed: dict[int, list[str]] = defaultdict(list)
    with transaction.atomic():
        for source in sources:
            pks = sorted(source.documents.values_list("pk", flat=True))
            have_target = tagged_with(target, pks)
            new = [pk for pk in pks if pk not in have_target]
            link(target, new)
            unlink(source, pks)
            for pk in new:
                added[pk].append(target.name)
            for pk in pks:
                removed[pk].append(source.name)
        names = ", ".join(tag.name for tag in sources)
        edits = TagEdits(added=dict(added), removed=dict(removed), considered=len(removed))
        log_document_edits(user, edits, f"merged into {target.name}")
        summary = f"Merged {names} into this tag ({len(removed)} documents)."
        log_objects(user, [target], CHANGE, summary)
        log_objects(user, sources, DELETION, f"Merged into {target.name}.")
        Tag.objects.filter(pk__in=[tag.pk for tag in sources]).delete()
    return edits


def delete_tags(user, tags: Iterable[Tag]) -> TagEdits:
    """Detach tags from their documents through the manager, then delete them.

    Detaching first records, per document, which tag it lost (its history) and sends
    m2m_changed; a bare delete would drop the links in SQL.
    """
    tags = list(tags)
    removed: dict[int, list[str]] = defaultdict(list)
    with transaction.atomic():
        for tag in tags:
            pks = sorted(tag.documents.values_list("pk", flat=True))
            unlink(tag, pks)
            for pk in pks:
                removed[pk].append(tag.name)
        edits = TagEdits(added={}, removed=dict(removed), considered=len(removed))
        log_document_edits(user, edits, "tag deleted")
        Tag.objects.filter(pk__in=[tag.pk for tag in tags]).delete()
    return edits


def create_topic_tags(user, names: Iterable[str]) -> tuple[list[Tag], list[Tag]]:
    """The tags called names, reusing any that exist in another letter case.

    Returns (all tags, those created); created tags are topics and logged as additions.
    """
    tags: list[Tag] = []
    created: list[Tag] = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name, kind=Tag.Kind.TOPIC)
            created.append(tag)
        if tag not in tags:
            tags.append(tag)
    log_objects(user, created, ADDITION, "Created while tagging documents.")
    return tags, created


def change_message(added: Iterable[str] = (), removed: Iterable[str] = (), reason: str = "") -> str:
    parts = []
    if added:
        parts.append(f"Added tags: {', '.join(added)}.")
    if removed:
        parts.append(f"Removed tags: {', '.join(removed)}.")
    if reason:
        parts.append(f"({reason})")
    return " ".join(parts)


def log_document_edits(user, edits: TagEdits, reason: str) -> None:
    """One LogEntry per changed document, written in a few bulk inserts (one per message)."""
    by_message: dict[str, list[int]] = defaultdict(list)
    for pk in sorted(edits.added.keys() | edits.removed.keys()):
        message = change_message(edits.added.get(pk, ()), edits.removed.get(pk, ()), reason)
        by_message[message].append(pk)
    for message, pks in by_message.items():
        for chunk in chunked(pks):
            documents = Document.objects.filter(pk__in=chunk).only("pk", "identifier", "title")
            log_objects(user, documents, CHANGE, message)


def log_objects(user, objects, action_flag: int, message: str) -> None:
    objects = list(objects)
    if objects:
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=objects, action_flag=action_flag, change_message=message
        )


def reindex_documents(document_pks: Iterable[int]) -> None:
    """Queue documents whose index entry changed without a signal (their source renamed)."""
    from archive.search.indexing import record_changes

    pks = list(document_pks)
    if pks:
        record_changes(pks)
