"""Is the search index in step with the database? (`manage.py check_index`)

Three ways it can be out of step:

- missing:  a document with no index entry (a crash between the commit and the index write,
  a queue row lost, an index restored from an older backup);
- stale:    an entry whose indexed values differ from the document's (or a document
  indexed twice);
- orphaned: an entry whose document is gone.

The check never loads a document's text. The index side is read from Whoosh's per-field
columns and the `id` term list, segment by segment; the database side from one values()
query and one query over the tag links. What is compared is every index field read straight
from a Document column (`model_attr`: identifier, title, type, classification, origin, the
dates…), plus the source's name and the tags; an index field added later with a
`model_attr` (e.g. `updated_at`) is compared without a change here. Paragraph text is not
compared: re-reading 250,000 documents' paragraphs is a rebuild, not a check.

Repairs go through the index queue (archive.search.queue), under its write lock, like
every other index write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from haystack import connections
from haystack.constants import ID

from archive.models import Document, PendingIndexUpdate
from archive.search import queue
from archive.search.writing import whoosh_value

# Index fields filled by prepare_<name>() that are still cheap to read in bulk.
SOURCE_FIELD = "source"
TAGS_FIELD = "tags"
ENTRY_PREFIX = f"{Document._meta.app_label}.{Document._meta.model_name}."


class UnsupportedBackend(Exception):
    """The configured search engine is not the embedded Whoosh index."""


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

    @property
    def consistent(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

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


def compared_fields(backend, index) -> list[Compared]:
    schema = backend.schema
    found = []
    for name, search_field in index.fields.items():
        if search_field.document:
            continue
        if name == SOURCE_FIELD:
            model_field = "source__name"
        elif name == TAGS_FIELD:
            model_field = ""
        elif search_field.model_attr and is_column(search_field.model_attr):
            model_field = search_field.model_attr
        else:
            continue  # derived in Python (year, markings, ref): not cheap to rebuild in bulk
        column = column_name(schema, search_field.index_fieldname)
        if column:
            found.append(Compared(name, column, model_field))
    return found


def is_column(attr: str) -> bool:
    try:
        model_field = Document._meta.get_field(attr)
    except FieldDoesNotExist:
        return False
    return model_field.concrete and not model_field.is_relation


def column_name(schema, fieldname: str) -> str:
    """The facet's exact variant when there is one (it keeps case), else the field itself."""
    for name in (f"{fieldname}_exact", fieldname):
        if name in schema and schema[name].column_type:
            return name
    return ""


# Reading the index


def check_backend(using: str = "default"):
    backend = queue.search_backend(using)
    if not hasattr(backend, "index") or not hasattr(backend.index, "reader"):
        raise UnsupportedBackend("check_index works with the embedded Whoosh index only")
    return backend


def live_entries(segment) -> Iterator[tuple[str, int]]:
    """(index id, docnum) for each live entry of one segment, from the `id` term list."""
    for term, info in segment.iter_field(ID):
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if info.doc_frequency() == 1:
            docnum = info.min_id()
            if not segment.is_deleted(docnum):
                yield text, docnum
        else:  # deleted copies still count in the term's frequency: ask the postings
            for docnum in segment.postings(ID, term).all_ids():
                yield text, docnum


def column_values(segment, compared: list[Compared]) -> Iterator[tuple]:
    """Each document's raw column values, in docnum order (deleted documents included)."""
    if not compared:
        yield from (() for _ in range(segment.doc_count_all()))
        return
    yield from zip(*(segment.column_reader(item.column, translate=False) for item in compared), strict=True)


def hashable(value):
    return tuple(value) if isinstance(value, list) else value


class IndexSide:
    """The index's entries, read once; values for single entries on demand."""

    def __init__(self, reader, schema, compared: list[Compared]):
        self.schema = schema
        self.compared = compared
        self.segments = [segment for segment, _base in reader.leaf_readers()]
        self.by_pk: dict[int, Entry] = {}
        self.duplicated: set[int] = set()
        self.foreign: list[str] = []  # entries of other models
        self.count = 0
        for number, segment in enumerate(self.segments):
            self.read_segment(number, segment)

    def read_segment(self, number: int, segment) -> None:
        docnums = {docnum: entry for entry, docnum in live_entries(segment)}
        if not docnums:
            return
        for docnum, values in enumerate(column_values(segment, self.compared)):
            entry = docnums.get(docnum)
            if entry is None:
                continue
            self.count += 1
            pk = document_pk(entry)
            if pk is None:
                self.foreign.append(entry)
            elif pk in self.by_pk:
                self.duplicated.add(pk)
            else:
                self.by_pk[pk] = Entry(number, docnum, hash(tuple(hashable(v) for v in values)))

    def values(self, entry: Entry) -> list:
        segment = self.segments[entry.segment]
        return [
            hashable(segment.column_reader(item.column, translate=False)[entry.docnum])
            for item in self.compared
        ]

    def identifier(self, entry: Entry) -> str:
        segment = self.segments[entry.segment]
        if "identifier" not in self.schema or not segment.has_column("identifier"):
            return ""
        return segment.column_reader("identifier")[entry.docnum] or ""


# Reading the database


def expected_values(backend, index, compared: list[Compared], row: dict, tags: list[str]) -> list:
    """What the index's columns should hold for this document, as raw column values."""
    values = []
    for item in compared:
        schema_field = backend.schema[item.column]
        raw = tags if item.name == TAGS_FIELD else row[item.model_field]
        value = whoosh_value(schema_field, index.fields[item.name].convert(raw))
        if value is None:
            values.append(hashable(schema_field.column_type.default_value()))
        else:
            values.append(hashable(schema_field.to_column_value(value)))
    return values


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
    """Compare the search index with the database; nothing is changed."""
    backend = check_backend(using)
    index = connections[using].get_unified_index().get_index(Document)
    compared = compared_fields(backend, index)
    result = CheckResult(compared=[item.name for item in compared])
    reader = backend.index.reader()
    try:
        side = IndexSide(reader, backend.schema, compared)
        result.entries = side.count
        tags = tag_names() if any(item.name == TAGS_FIELD for item in compared) else {}
        seen: set[int] = set()
        for row in document_rows(compared):
            pk = row["pk"]
            seen.add(pk)
            result.documents += 1
            entry = side.by_pk.get(pk)
            if entry is None:
                result.missing.append(pk)
                result.identifiers[pk] = row["identifier"]
                continue
            expected = expected_values(backend, index, compared, row, tags.get(pk, []))
            if hash(tuple(expected)) != entry.digest or pk in side.duplicated:
                result.stale[pk] = differences(side, entry, compared, expected, pk in side.duplicated)
                result.identifiers[pk] = row["identifier"]
        for pk, entry in side.by_pk.items():
            if pk not in seen:
                entry_id = queue.haystack_id(pk)
                result.orphaned.append(entry_id)
                result.orphan_identifiers[entry_id] = side.identifier(entry)
        result.orphaned += side.foreign
    finally:
        reader.close()
    result.queued = PendingIndexUpdate.objects.count()
    return result


def differences(side: IndexSide, entry: Entry, compared: list[Compared], expected: list, twice: bool):
    indexed = side.values(entry)
    names = [item.name for item, have, want in zip(compared, indexed, expected, strict=True) if have != want]
    return names + (["indexed more than once"] if twice else [])


# Repairing


def repair(result: CheckResult, wait: float = queue.COMMAND_WAIT, using: str = "default") -> int:
    """Reindex the missing and stale documents and remove the orphans, through the queue.

    Returns how many documents were queued. Entries of other models are removed directly.
    """
    pks = set(result.missing) | set(result.stale) | set(result.orphaned_document_pks())
    if pks:
        # Documents that exist are rewritten, the others deleted (queue.apply_updates).
        queue.index_documents_now(sorted(pks), wait=wait)
    other = result.orphaned_other()
    if other:
        backend = check_backend(using)
        for entry_id in other:
            backend.remove(entry_id)
    return len(pks) + len(other)
