"""Whoosh field types for values that must come back exactly as they went in.

haystack's Whoosh backend indexes facet values as stemmed TEXT ("Embassy Lima" comes back as
"embassi", "lima") and multi-valued fields as comma-separated keywords ("Lima, Peru" splits in
two). These fields keep every value whole (see /work/shared/HAYSTACK-WHOOSH.md, "Faceting").
"""

from __future__ import annotations

from whoosh import columns, formats
from whoosh.analysis import IDTokenizer, LowercaseFilter
from whoosh.fields import ID, FieldType


def exact_field(stored: bool = True) -> ID:
    """One value per document, indexed and faceted whole: "SECRET//NOFORN", "Diálogo"."""
    return ID(stored=stored, sortable=True)


class ValueListColumn(columns.VarBytesListColumn):
    """Whoosh's list column, with the default a segment without the column needs."""

    def default_value(self, reverse=False):
        return []


class ValueListField(FieldType):
    """Several whole values per document (tags, paragraph markings, references).

    The value is a list of strings. Each string is one term, never split on commas or
    spaces; a list column lets facet counting read each matching document's values
    directly instead of scanning the whole lexicon. With ``lowercase=True`` matching is
    case-insensitive (for `tag:marr` queries); the facet variant keeps the case.
    """

    def __init__(self, lowercase: bool = False, stored: bool = False):
        analyzer = IDTokenizer()
        if lowercase:
            analyzer = analyzer | LowercaseFilter()
        super().__init__(
            format=formats.Existence(),
            analyzer=analyzer,
            stored=stored,
            sortable=ValueListColumn(),
        )
        self.lowercase = lowercase

    def values(self, value) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        cleaned = {str(v).strip() for v in value if v is not None and str(v).strip()}
        if self.lowercase:
            cleaned = {v.lower() for v in cleaned}
        return sorted(cleaned)

    def index(self, value, **kwargs):
        for term in self.values(value):
            yield term.encode("utf-8"), 1, 1.0, b""

    def to_column_value(self, value) -> list[bytes]:
        return [term.encode("utf-8") for term in self.values(value)]

    def from_column_value(self, value):
        if isinstance(value, (list, tuple)):
            return [v.decode("utf-8") for v in value]
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def to_bytes(self, value) -> bytes:
        if isinstance(value, (list, tuple)):
            value = value[0]
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def sortable_terms(self, ixreader, fieldname):
        return ixreader.lexicon(fieldname)
