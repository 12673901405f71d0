"""The facets, each declared once: the form, the chips, the sidebar, the query language, the
search and the API all read this list.

Adding a facet is one entry here plus its field on the search index (archive.search.indexes,
`faceted=True`). The order is the sidebar's order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Facet:
    name: str  # in URLs (?origin=…), the API and the sidebar
    field: str  # the search index field counted and filtered on
    label: str  # the sidebar's heading and the chip's label
    multi_valued: bool = False  # several values per document (tags, paragraph markings)
    # Field names in the query language (origin:lima); the first is the one shown. A
    # multi-valued facet matches whole values, any case; a single-valued one matches words.
    query_names: tuple[str, ...] = ()
    # Chosen with ?name=value. Years are chosen with a date axis's _from/_to instead.
    filter: bool = True
    # Listed in the sidebar; the other years are drawn by the histogram (DATE_AXES).
    sidebar: bool = True
    # How values are shown, where not as they are indexed: ((value, label), …), or a function
    # returning them (a model's choices: this module is read before the models are).
    value_labels: tuple[tuple[str, str], ...] | Callable[[], tuple[tuple[str, str], ...]] = ()

    # The one value each printed form stands for ("S/NF" → "S//NF"), for filters and queries.
    normalise: Callable[[str], str] | None = None

    def normalised(self, value: str) -> str:
        return (self.normalise(value) or value) if self.normalise else value

    def value_label(self, value) -> str:
        labels = self.value_labels() if callable(self.value_labels) else self.value_labels
        return dict(labels).get(value, str(value))


def marking(printed: str) -> str:
    from archive.handling import marking_value

    return marking_value(printed)


def source_kinds():
    from archive.models import Source

    return Source.Kind.choices


FACETS = [
    Facet(
        "type",
        "type",
        "Type",
        query_names=("type",),
        value_labels=(("cable", "Cable"), ("article", "Article")),
    ),
    Facet("source", "source", "Source", query_names=("source",)),
    Facet(
        "source_kind",
        "source_kind",
        "Kind of source",
        query_names=("source_kind",),
        value_labels=source_kinds,
    ),
    Facet("classification", "classification", "Classification", query_names=("classification",)),
    Facet("origin", "origin", "Origin", query_names=("origin",)),
    Facet("tag", "tags", "Tags", multi_valued=True, query_names=("tag", "tags")),
    Facet(
        "marking",
        "markings",
        "Paragraph markings",
        multi_valued=True,
        query_names=("marking",),
        normalise=marking,
    ),
    Facet("precedence", "precedence", "Precedence", query_names=("precedence",)),
    Facet("to", "to_offices", "Action to", multi_valued=True, query_names=("to",)),
    Facet("info", "info_offices", "Info to", multi_valued=True, query_names=("info",)),
    Facet("signer", "signer", "Signed by", query_names=("signer",)),
    Facet("classified_by", "classified_by", "Classified by", query_names=("classified_by",)),
    Facet("declass_rule", "declass_rule", "Declassification rule", query_names=("declass_rule",)),
    Facet("year", "year", "Year", filter=False),
    Facet("released_year", "released_year", "Year released", filter=False, sidebar=False),
    Facet("declass_year", "declass_year", "Year due for declassification", filter=False, sidebar=False),
]

BY_NAME = {facet.name: facet for facet in FACETS}
BY_FIELD = {facet.field: facet for facet in FACETS}
# Facet name in URLs and the API → index field.
FACET_FIELDS = {facet.name: facet.field for facet in FACETS}
FILTER_FACETS = [facet.name for facet in FACETS if facet.filter]
LABELS = {facet.name: facet.label for facet in FACETS}


@dataclass(frozen=True)
class DateAxis:
    """A date a search can be narrowed by (?{name}_from=2007&{name}_to=2008-06) and whose years
    the histogram draws."""

    name: str  # the parameters' prefix
    field: str  # the index field filtered on
    year_facet: str  # the facet counting its years
    label: str


DATE_AXES = [
    DateAxis("date", "date", "year", "Date"),
    DateAxis("released", "released_on", "released_year", "Released"),
    DateAxis("declass", "declass_due", "declass_year", "Due for declassification"),
]
AXIS_BY_NAME = {axis.name: axis for axis in DATE_AXES}
DATE_PARAMETERS = [f"{axis.name}_{end}" for axis in DATE_AXES for end in ("from", "to")]


def query_fields() -> dict[str, tuple[str, str]]:
    """Query-language field → (index field, "value" for whole values or "text" for words)."""
    return {
        query_name: (facet.field, "value" if facet.multi_valued else "text")
        for facet in FACETS
        for query_name in facet.query_names
    }
