"""`manage.py check_index`, the Whoosh side: the index's entries read from Whoosh's per-field
columns and the `id` term list, segment by segment (archive.index_check compares them with
the database).
"""

from __future__ import annotations

from collections.abc import Iterator

from haystack.constants import ID

from archive.index_check import (
    SOURCE_FIELD,
    TAGS_FIELD,
    CheckResult,
    Compared,
    Entry,
    document_pk,
    document_rows,
    is_column,
    tag_names,
)
from archive.search import indexing
from quipu_whoosh.writing import whoosh_value


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


def column_name(schema, fieldname: str) -> str:
    """The facet's exact variant when there is one (it keeps case), else the field itself."""
    for name in (f"{fieldname}_exact", fieldname):
        if name in schema and schema[name].column_type:
            return name
    return ""


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


def analysis_differences(backend) -> str:
    """Why the index on disk cannot serve this version's searches ("" if it can): the schema
    it was written with (kept in the index) analyses words otherwise, e.g. an index built
    before compounds and stop words were indexed (quipu_whoosh.words)."""
    stored = backend.storage.open_index(indexname=backend.index.indexname).schema
    missing = sorted(set(backend.schema.names()) - set(stored.names()))
    if missing:
        return f"the index was built by an older version (no field {', '.join(missing)})"
    name = backend.content_field_name
    if analyzer_parts(stored[name].analyzer) != analyzer_parts(backend.schema[name].analyzer):
        return f"the index was built by an older version (its {name} field's words are analysed otherwise)"
    return ""


def analyzer_parts(analyzer) -> list[str]:
    return [type(item).__name__ for item in getattr(analyzer, "items", [analyzer])]


def check_index(backend, index) -> CheckResult:
    """The index's entries compared with the database (the queue is counted by the caller)."""
    compared = compared_fields(backend, index)
    result = CheckResult(compared=[item.name for item in compared], outdated=analysis_differences(backend))
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
                entry_id = indexing.haystack_id(pk)
                result.orphaned.append(entry_id)
                result.orphan_identifiers[entry_id] = side.identifier(entry)
        result.orphaned += side.foreign
    finally:
        reader.close()
    return result


def differences(side: IndexSide, entry: Entry, compared: list[Compared], expected: list, twice: bool):
    indexed = side.values(entry)
    names = [item.name for item, have, want in zip(compared, indexed, expected, strict=True) if have != want]
    return names + (["indexed more than once"] if twice else [])
