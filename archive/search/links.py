"""Links that change one thing in the current search and keep the rest of its state."""

from __future__ import annotations

from django.http import QueryDict

from archive.search.facets import DATE_PARAMETERS, FILTER_FACETS

# Parameters a link to another result set drops: the page, and the "all values" view.
RESET = ("page", "more", "more_filter")


def search_url(path: str, params: QueryDict) -> str:
    encoded = params.urlencode()
    return f"{path}?{encoded}" if encoded else path


def copied(params: QueryDict) -> QueryDict:
    """A mutable copy: each list copied, the strings shared. QueryDict.copy() deep-copies every
    value, and a results page builds a link per facet value (~0.15 ms each, 15 ms a page)."""
    copy = QueryDict(mutable=True)
    for name, values in params.lists():
        copy.setlist(name, list(values))
    return copy


def changed(params: QueryDict, **values) -> QueryDict:
    copy = copied(params)
    for name in RESET:
        copy.pop(name, None)
    for name, value in values.items():
        if value is None:
            copy.pop(name, None)
        else:
            copy.setlist(name, value if isinstance(value, list) else [value])
    return copy


def toggle_value(path: str, params: QueryDict, facet: str, value: str) -> str:
    """Add a facet value to the filters, or remove it if it is already there."""
    values = params.getlist(facet)
    values = [v for v in values if v != value] if value in values else values + [value]
    return search_url(path, changed(params, **{facet: values}))


def without_filters(path: str, params: QueryDict) -> str:
    """Clear all: the same words, no filters."""
    cleared = (*FILTER_FACETS, *DATE_PARAMETERS, "cites", "cited_by")
    return search_url(path, changed(params, **dict.fromkeys(cleared)))


def without_dates(path: str, params: QueryDict, axis: str = "date") -> str:
    return search_url(path, changed(params, **{f"{axis}_from": None, f"{axis}_to": None}))


def year_range(path: str, params: QueryDict, year: int, axis: str = "date") -> str:
    return search_url(path, changed(params, **{f"{axis}_from": str(year), f"{axis}_to": str(year)}))


def page_link(path: str, params: QueryDict, number: int) -> str:
    copy = copied(params)
    copy["page"] = str(number)
    return search_url(path, copy)
