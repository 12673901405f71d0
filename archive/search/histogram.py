"""The year histogram above the results: how the current search spreads over one date axis.

Drawn on the server as SVG (no JavaScript, no chart library): one bar per year from the first
to the last year found, each a link to that year on the same axis. Links switch the axis
between the document's date, its release and its scheduled declassification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from archive.search import links
from archive.search.facets import AXIS_BY_NAME, DATE_AXES

WIDTH = 640
HEIGHT = 80
LABEL_SPACE = 14  # under the bars, for the first and last year
GAP = 1
MAX_YEARS = 120  # a span wider than this is drawn from its last years (dates mis-typed as 1066)


@dataclass
class Bar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str


@dataclass
class AxisLink:
    name: str
    label: str
    url: str
    selected: bool


@dataclass
class Histogram:
    axis: str
    label: str
    bars: list[Bar] = field(default_factory=list)
    axes: list[AxisLink] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT + LABEL_SPACE
    chart_height: int = HEIGHT

    @property
    def first(self) -> Bar | None:
        return self.bars[0] if self.bars else None

    @property
    def last(self) -> Bar | None:
        return self.bars[-1] if self.bars else None

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)


def year_counts(pairs) -> dict[int, int]:
    counts = {}
    for year, count in pairs:
        try:
            counts[int(year)] = count
        except (TypeError, ValueError):
            continue
    return counts


def build_histogram(path: str, params: QueryDict, facets: dict[str, list], axis_name: str) -> Histogram:
    axis = AXIS_BY_NAME.get(axis_name) or DATE_AXES[0]
    histogram = Histogram(axis.name, axis.label)
    histogram.axes = [
        AxisLink(
            other.name,
            other.label,
            links.search_url(path, links.changed(params, axis=None if other.name == "date" else other.name)),
            other.name == axis.name,
        )
        for other in DATE_AXES
    ]
    counts = year_counts(facets.get(axis.year_facet, []))
    if not counts:
        return histogram
    last = max(counts)
    first = max(min(counts), last - MAX_YEARS + 1)
    years = range(first, last + 1)
    tallest = max(counts.get(year, 0) for year in years) or 1
    slot = WIDTH / len(years)
    for index, year in enumerate(years):
        count = counts.get(year, 0)
        height = round(HEIGHT * count / tallest, 1) if count else 0
        histogram.bars.append(
            Bar(
                year=year,
                count=count,
                x=round(index * slot, 1),
                y=round(HEIGHT - height, 1),
                width=round(max(slot - GAP, 1), 1),
                height=height,
                url=links.year_range(path, params, year, axis.name),
            )
        )
    return histogram
