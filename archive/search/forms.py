"""The search page's GET parameters, checked before they reach the search engine."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from django import forms
from django.conf import settings

from archive.search.facets import DATE_AXES, DATE_PARAMETERS, FILTER_FACETS

# The parameters that choose documents; the others (page, page_size, sort, more, hl, axis, a
# tracker's utm_source…) only change how they are shown, or are not ours.
CRITERIA = ("q", *DATE_PARAMETERS, *FILTER_FACETS, "cites", "cited_by")
# Citation filters: the cables citing a reference ID, the archive's cables a cable cites.
CITATION_FILTERS = {"cites": "Cites", "cited_by": "Cited by"}
MAX_VALUE_LENGTH = 200
MAX_VALUES_PER_FACET = 20
DEFAULT_PAGE_SIZE = 20
SORTS = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "cited": "Most cited first",
}
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
# haystack writes a date for Whoosh with strftime("%Y%m%d…"), which gives a year before 1000
# without its leading zero: 0999-12-31 becomes "9991231000000", read as month 23 of 9991 (a crash).
EARLIEST_YEAR = 1000


class FacetValuesField(forms.Field):
    """A repeatable parameter (?tag=MARR&tag=PGOV): a list of distinct, plain strings.

    Values are not checked against the archive: an unknown one simply matches nothing
    (its chip is still shown, so it can be removed).
    """

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        cleaned = []
        for raw in values:
            text = "".join(ch for ch in str(raw) if unicodedata.category(ch) != "Cc").strip()
            if text and text not in cleaned:
                cleaned.append(text[:MAX_VALUE_LENGTH])
        if len(cleaned) > MAX_VALUES_PER_FACET:
            raise forms.ValidationError(f"At most {MAX_VALUES_PER_FACET} values per filter.")
        return cleaned


def parse_partial_date(text: str, end: bool) -> dt.date:
    """'2007' → 2007-01-01 (or 2007-12-31 for the end of a range); '2007-10' → 2007-10-01/31."""
    match = PARTIAL_DATE.match(text.strip())
    if not match:
        raise forms.ValidationError("Use a year, year-month or full date: 2007, 2007-10 or 2007-10-17.")
    year, month, day = (int(part) if part else None for part in match.groups())
    if year < EARLIEST_YEAR:
        raise forms.ValidationError(f"Use a year from {EARLIEST_YEAR} to 9999; {text} is out of range.")
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return dt.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise forms.ValidationError(f"{text} is not a date on the calendar.") from None


class PartialDateField(forms.CharField):
    """2007, 2007-10 or 2007-10-17, as the first or the last day it can mean."""

    def __init__(self, end: bool, **kwargs):
        super().__init__(required=False, max_length=10, **kwargs)
        self.end = end

    def clean(self, value):
        value = super().clean(value)
        return parse_partial_date(value, end=self.end) if value else None


class ReferenceIdField(forms.CharField):
    """A cable's reference ID, any case: 07LIMA3429."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=MAX_VALUE_LENGTH, strip=True, **kwargs)

    def clean(self, value):
        from archive.references import is_reference_id

        value = super().clean(value).upper()
        if value and not is_reference_id(value):
            raise forms.ValidationError(f"{value[:60]} is not a cable reference ID such as 07LIMA3429.")
        return value


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    cites = ReferenceIdField()
    cited_by = ReferenceIdField()
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()))
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    page_size = forms.IntegerField(required=False, min_value=1)
    more = forms.ChoiceField(required=False, choices=[(name, name) for name in FILTER_FACETS])
    more_filter = forms.CharField(required=False, max_length=MAX_VALUE_LENGTH, strip=True)
    axis = forms.ChoiceField(required=False, choices=[(axis.name, axis.label) for axis in DATE_AXES])

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for axis in DATE_AXES:
            self.fields[f"{axis.name}_from"] = PartialDateField(end=False)
            self.fields[f"{axis.name}_to"] = PartialDateField(end=True)
        for name in FILTER_FACETS:
            self.fields[name] = FacetValuesField(required=False)
        # The query parser explains control characters (NUL included) and offers a fix.
        self.fields["q"].validators = []

    def clean_page_size(self):
        size = self.cleaned_data["page_size"] or DEFAULT_PAGE_SIZE
        if size > settings.ARCHIVE_MAX_PAGE_SIZE:
            raise forms.ValidationError(f"page_size can be at most {settings.ARCHIVE_MAX_PAGE_SIZE}.")
        return size

    def clean(self):
        data = super().clean()
        for axis in DATE_AXES:
            start, end = data.get(f"{axis.name}_from"), data.get(f"{axis.name}_to")
            if start and end and start > end:
                self.add_error(f"{axis.name}_to", "The end date is before the start date.")
        return data

    def has_criteria(self) -> bool:
        """Whether the cleaned parameters narrow the archive (words, a filter or a date)."""
        return bool(self.cleaned_data.get("q") or self.filters() or self.date_ranges() or self.citations())

    def date_ranges(self) -> dict[str, tuple]:
        """{index field: (first day or None, last day or None)} for the date axes narrowed."""
        data = self.cleaned_data
        ranges = {}
        for axis in DATE_AXES:
            start, end = data.get(f"{axis.name}_from"), data.get(f"{axis.name}_to")
            if start or end:
                ranges[axis.field] = (start, end)
        return ranges

    def citations(self) -> dict[str, str]:
        """{"cites": reference ID, "cited_by": reference ID} for the citation filters given."""
        return {name: self.cleaned_data[name] for name in CITATION_FILTERS if self.cleaned_data.get(name)}

    def histogram_axis(self) -> str:
        return self.cleaned_data.get("axis") or "date"

    def filters(self) -> dict[str, list[str]]:
        """{facet: [values]} for the facets with values chosen."""
        return {
            name: self.cleaned_data.get(name) or [] for name in FILTER_FACETS if self.cleaned_data.get(name)
        }

    def sort_order(self) -> str:
        return self.cleaned_data.get("sort") or ("relevance" if self.cleaned_data.get("q") else "newest")

    def error_messages(self) -> list[str]:
        messages = []
        for name, errors in self.errors.items():
            label = name.replace("_", " ") if name != "__all__" else ""
            messages += [f"{label}: {error}" if label else str(error) for error in errors]
        return messages
