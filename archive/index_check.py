"""Is the search index in step with the database? (`manage.py check_index`)

Three ways it can be out of step:

- missing:  a document with no index entry (a crash between the commit and the index write,
  a queue row lost, an index restored from an older backup);
- stale:    an entry whose indexed values differ from the document's (or a document
  indexed twice);
- orphaned: an entry whose document is gone.

The check never loads a document's text. The index side is the engine's to read
(quipu_whoosh.index_check: Whoosh's per-field columns and the `id` term list, segment by
segment); the database side is read here, in one values() query and one query over the tag
links. What is compared is every index field read straight from a Document column
(`model_attr`: identifier, title, type, classification, origin, the dates…), plus the
source's name and the tags; an index field added later with a `model_attr` (e.g.
`updated_at`) is compared without a change here. Paragraph text is not compared: re-reading
250,000 documents' paragraphs is a rebuild, not a check.

Repairs go through the index queue (archive.search.indexing), under its write lock, like
every other index write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from haystack import connections

from archive.models import Document, PendingIndexUpdate
from archive.search import indexing
from archive.search.engine import UnsupportedBackend, extensions

# Index fields filled by prepare_<name>() that are still cheap to read in bulk.
SOURCE_FIELD = "source"
TAGS_FIELD = "tags"
ENTRY_PREFIX = f"{Document._meta.app_label}.{Document._meta.model_name}."


__all__ = ["CheckResult", "UnsupportedBackend", "check_index", "repair"]


@dataclass(frozen=True)
class Entry:
    """Where a document's entry sits in the index, and a digest of its compared values."""

    segment: int
    docnum: int
    digest: int


@dataclass
class CheckResult:
    documents: int = 0  # in the database
    entries: int = 0  # live entries in the index
    missing: list[int] = field(default_factory=list)  # document pks
    stale: dict[int, list[str]] = field(default_factory=dict)  # document pk → differing fields
    orphaned: list[str] = field(default_factory=list)  # index ids ("archive.document.12")
    identifiers: dict[int, str] = field(default_factory=dict)  # pk → identifier, for reports
    orphan_identifiers: dict[str, str] = field(default_factory=dict)  # index id → identifier indexed
    queued: int = 0  # PendingIndexUpdate rows waiting
    compared: list[str] = field(default_factory=list)  # index fields compared
    # Why the index must be rebuilt (built by an older version: its words are analysed
    # otherwise), or "" when it need not.
    outdated: str = ""

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.orphaned or self.outdated)

    def orphaned_document_pks(self) -> list[int]:
        return [pk for pk in map(document_pk, self.orphaned) if pk is not None]

    def orphaned_other(self) -> list[str]:
        """Entries that are not documents at all (a model no longer indexed)."""
        return [entry for entry in self.orphaned if document_pk(entry) is None]


def document_pk(entry_id: str) -> int | None:
    """ "archive.document.12" → 12; None for an entry of another model."""
    if not entry_id.startswith(ENTRY_PREFIX):
        return None
    rest = entry_id[len(ENTRY_PREFIX) :]
    return int(rest) if rest.isascii() and rest.isdigit() else None


# What is compared


@dataclass(frozen=True)
class Compared:
    """One index field compared with the database."""

    name: str  # the haystack field
    column: str  # the Whoosh field whose column is read (the exact variant of a facet)
    model_field: str  # Document field, or "source__name", or "" for tags


def is_column(attr: str) -> bool:
    try:
        model_field = Document._meta.get_field(attr)
    except FieldDoesNotExist:
        return False
    return model_field.concrete and not model_field.is_relation


# Reading the database


def document_rows(compared: list[Compared]) -> Iterator[dict]:
    columns = sorted({"pk", "identifier", *(item.model_field for item in compared if item.model_field)})
    yield from Document.objects.order_by("pk").values(*columns).iterator(chunk_size=5000)


def tag_names() -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    links = Document.tags.through.objects.values_list("document_id", "tag__name")
    for document_id, name in links.iterator(chunk_size=20000):
        names[document_id].append(name)
    return names


# The check


def check_index(using: str = "default") -> CheckResult:
    """Compare the search index with the database; nothing is changed.

    How the index is read is the engine's (SearchEngineExtensions.check_index): UnsupportedBackend
    for an engine that cannot list its entries cheaply.
    """
    index = connections[using].get_unified_index().get_index(Document)
    result = extensions(indexing.search_backend(using)).check_index(index)
    result.queued = PendingIndexUpdate.objects.count()
    return result


# Repairing


def repair(result: CheckResult, wait: float = indexing.COMMAND_WAIT, using: str = "default") -> int:
    """Reindex the missing and stale documents and remove the orphans, through the indexing.

    Returns how many documents were queued. Entries of other models are removed directly.
    """
    pks = set(result.missing) | set(result.stale) | set(result.orphaned_document_pks())
    if pks:
        # Documents that exist are rewritten, the others deleted (indexing.apply_updates).
        indexing.index_documents_now(sorted(pks), wait=wait)
    other = result.orphaned_other()
    if other:
        backend = indexing.search_backend(using)
        for entry_id in other:
            backend.remove(entry_id)
    return len(pks) + len(other)
