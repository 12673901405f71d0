"""The facet sidebar and the active-filter chips, as plain data for the templates."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.http import QueryDict

from archive.search import links
from archive.search.facets import AXIS_BY_NAME, BY_NAME, FILTER_FACETS, LABELS
from archive.search.forms import CITATION_FILTERS

SHOWN_VALUES = 10


@dataclass
class FacetValue:
    """One value of a facet; its link is built only when a template asks for it.

    A facet can have hundreds of values (origins, tags) and the sidebar shows ten: building
    every value's query string was most of the sidebar's cost.
    """

    value: object
    label: str
    count: int
    selected: bool
    link: Callable[[], str] = field(repr=False, compare=False, default=lambda: "")

    @cached_property
    def url(self) -> str:
        return self.link()


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    more_url: str = ""

    @property
    def shown(self) -> list[FacetValue]:
        """The commonest values, and every chosen one wherever it ranks (so it can be unchosen)."""
        first = self.values[:SHOWN_VALUES]
        return first + [v for v in self.values[SHOWN_VALUES:] if v.selected]

    @property
    def has_more(self) -> bool:
        return len(self.values) > SHOWN_VALUES


@dataclass
class Chip:
    label: str
    value: str
    remove_url: str


def value_label(name: str, value) -> str:
    facet = BY_NAME.get(name)
    return facet.value_label(value) if facet else str(value)


def facet_values(path: str, params: QueryDict, name: str, counts) -> list[FacetValue]:
    facet = BY_NAME.get(name)
    chosen = [facet.normalised(value) if facet else value for value in params.getlist(name)]
    counted = {value for value, _ in counts}
    # A chosen value no document has (with the other filters) is still listed, to be unchosen.
    counts = list(counts) + [(value, 0) for value in chosen if value not in counted]
    values = []
    for value, count in counts:
        if name == "year":
            selected = params.get("date_from") == params.get("date_to") == str(value)
            link = (
                partial(links.without_dates, path, params)
                if selected
                else partial(links.year_range, path, params, value)
            )
        else:
            selected = value in chosen
            link = partial(links.toggle_value, path, params, name, value)
        values.append(FacetValue(value, value_label(name, value), count, selected, link))
    if name == "year":
        values.sort(key=lambda v: v.value, reverse=True)
    return values


def build_facets(path: str, params: QueryDict, counts: dict[str, list]) -> list[Facet]:
    facets = []
    for name, pairs in counts.items():
        if name in BY_NAME and not BY_NAME[name].sidebar:
            continue
        facet = Facet(name, LABELS.get(name, name), facet_values(path, params, name, pairs))
        if facet.has_more:
            facet.more_url = links.search_url(path, links.changed(params, more=name)) + f"#facet-{name}"
        facets.append(facet)
    return facets


def build_chips(
    path: str, params: QueryDict, filters: dict[str, list[str]], dates: list[str], citations=None
) -> list[Chip]:
    """`dates`: the date parameters in force (date_from, released_to …), shown as typed;
    `citations`: {"cites" or "cited_by": reference ID}."""
    chips = [
        Chip(LABELS[name], value_label(name, value), links.toggle_value(path, params, name, value))
        for name in FILTER_FACETS
        for value in filters.get(name, [])
    ]
    for name, reference_id in (citations or {}).items():
        remove = links.search_url(path, links.changed(params, **{name: None}))
        chips.append(Chip(CITATION_FILTERS[name], reference_id, remove))
    for name in dates:
        chips.append(
            Chip(
                date_label(name),
                params.get(name, ""),
                links.search_url(path, links.changed(params, **{name: None})),
            )
        )
    return chips


def date_label(parameter: str) -> str:
    """date_from → "From" (the document's own date); released_to → "Released to"."""
    axis_name, _, end = parameter.rpartition("_")
    if axis_name == "date":
        return end.capitalize()
    return f"{AXIS_BY_NAME[axis_name].label} {end}"


def folded(text: str) -> str:
    """Without case or accents: "dialogo" finds Diálogo (static/js/quipu.js folds the same way)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def filtered_values(facet: Facet, text: str) -> list[FacetValue]:
    """The "all values" list, narrowed by the filter box (a substring, any case or accents)."""
    needle = folded(text.strip())
    return [v for v in facet.values if needle in folded(v.label)] if needle else facet.values
