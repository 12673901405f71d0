"""haystack search fields → a Whoosh schema, with exact facet and list fields.

Same rules as haystack's Elasticsearch backend: a string field that is a facet (it has
`facet_for`) or is not indexed for text search is one exact term; multi-valued fields
keep each value whole.
"""

from __future__ import annotations

from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.exceptions import SearchBackendError
from whoosh import columns
from whoosh.fields import BOOLEAN, DATETIME, NUMERIC, TEXT, Schema
from whoosh.fields import ID as WHOOSH_ID

from quipu_whoosh.fields import DocumentText, ValueListField, exact_field
from quipu_whoosh.words import STOP_WORDS_FIELD, stop_words_field, word_analyzer


class SortableDatetime(DATETIME):
    """A DATETIME whose missing values sort as the oldest (last when newest first)."""

    def __init__(self, stored: bool):
        super().__init__(stored=stored, sortable=True)
        # Column values are unsigned "sortable" numbers: 0 sorts before every real date.
        self.column_type = columns.NumericColumn(self.sortable_typecode, default=0)


def whoosh_field(field):
    """The Whoosh field for one haystack SearchField."""
    is_facet = hasattr(field, "facet_for")
    if field.is_multivalued:
        return ValueListField(lowercase=not is_facet, stored=not is_facet)
    if field.field_type in ("date", "datetime"):
        return SortableDatetime(stored=field.stored)
    if field.field_type in ("integer", "float"):
        numtype = int if field.field_type == "integer" else float
        return NUMERIC(numtype=numtype, stored=field.stored, sortable=True, field_boost=field.boost)
    if field.field_type == "boolean":
        return BOOLEAN(stored=field.stored)
    if field.field_type == "string" and (is_facet or not field.indexed):
        return exact_field(stored=field.stored)
    if field.document:
        # Its unstemmed words are also kept, for spelling suggestions.
        return DocumentText(field.analyzer or word_analyzer(), field_boost=field.boost)
    return TEXT(
        stored=True,
        analyzer=field.analyzer or word_analyzer(),
        field_boost=field.boost,
        sortable=True,
    )


def build_schema(fields) -> tuple[str, Schema, set[str]]:
    """(content field name, schema, names of the multi-valued fields)."""
    schema_fields = {
        ID: WHOOSH_ID(stored=True, unique=True),
        DJANGO_CT: WHOOSH_ID(stored=True),
        DJANGO_ID: WHOOSH_ID(stored=True),
    }
    content_field_name = ""
    multi_valued = set()
    for field in fields.values():
        name = field.index_fieldname
        schema_fields[name] = whoosh_field(field)
        if field.is_multivalued:
            multi_valued.add(name)
        if field.document:
            content_field_name = name
    if not content_field_name:
        raise SearchBackendError("No document=True field was found in any search index.")
    # The content's stop words, for queries made only of them (quipu_whoosh.words).
    schema_fields[STOP_WORDS_FIELD] = stop_words_field()
    return content_field_name, Schema(**schema_fields), multi_valued
