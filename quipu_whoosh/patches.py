"""A fix to Whoosh 2.7 itself, applied when the backend is imported (docs/search-engine.md,
"Indexing").

Writing a segment asks, for every posting, the length of its document's field
(W3PerDocumentReader.doc_field_length). For a field that stores no lengths (ids, facets,
tags) the reader does not remember that the column is missing and asks the file system
again: one stat() per posting, ~10 % of the time of indexing a cable.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_MISSING = object()


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
