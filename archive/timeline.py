"""A cable's neighbourhood drawn as a timeline: x is the date, so a thread reads left to right.

The layout is computed here and drawn by a template as SVG: the page needs no script, and
the picture scales to the width of a phone (it is drawn in a fixed coordinate space).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from archive.references import Neighbourhood, Node

WIDTH = 640
MARGIN_X = 48
LANE_HEIGHT = 38
TOP = 22
AXIS_HEIGHT = 30
LABEL_WIDTH = 86  # a reference ID at the label's size, with room around it
MAX_LANES = 12


@dataclass
class PlacedNode:
    node: Node
    x: float
    y: float
    date: dt.date | None

    @property
    def is_center(self) -> bool:
        return self.node.step == 0

    @property
    def held(self) -> bool:
        return self.node.document is not None

    @property
    def description(self) -> str:
        """What the node's tooltip and accessible name say."""
        parts = [self.node.identifier]
        document = self.node.document
        if document is not None:
            if document.date:
                parts.append(f"{document.date.day} {document.date:%b %Y}")
            if document.origin:
                parts.append(document.origin)
        else:
            parts.append("not in the archive")
        if self.node.cited_count:
            parts.append(f"cited by {self.node.cited_count}")
        return " · ".join(parts)


@dataclass
class PlacedEdge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]
    ticks: list[Tick]
    axis_y: float


def node_date(node: Node) -> dt.date | None:
    """The cable's date; for a cable not held, the middle of the year its ID names."""
    if node.document is not None:
        return node.document.date
    year = int(node.identifier[:2])
    return dt.date(year + (1900 if year > 60 else 2000), 7, 1)


def layout(neighbourhood: Neighbourhood) -> Timeline | None:
    if not neighbourhood:
        return None
    dated = [(node, node_date(node)) for node in neighbourhood.nodes]
    days = [date.toordinal() for _, date in dated if date]
    first, last = (min(days), max(days)) if days else (0, 0)
    if last - first < 60:
        first, last = first - 180, last + 180
    usable = WIDTH - 2 * MARGIN_X

    def x_of(date: dt.date | None) -> float:
        ordinal = date.toordinal() if date else (first + last) / 2
        return round(MARGIN_X + (ordinal - first) / (last - first) * usable, 1)

    lanes_end: list[float] = []  # the x where each lane is free again
    placed: list[PlacedNode] = []
    for node, date in sorted(dated, key=lambda pair: (pair[0].step != 0, x_of(pair[1]))):
        x = x_of(date)
        lane = free_lane(lanes_end, x)
        lanes_end[lane] = max(lanes_end[lane], x)
        placed.append(PlacedNode(node, x, TOP + lane * LANE_HEIGHT, date))
    by_id = {p.node.identifier: p for p in placed}
    edges = [
        PlacedEdge(by_id[a].x, by_id[a].y, by_id[b].x, by_id[b].y)
        for a, b in neighbourhood.edges
        if a in by_id and b in by_id
    ]
    axis_y = TOP + len(lanes_end) * LANE_HEIGHT
    # The cable itself is drawn last, over the others.
    nodes = sorted(placed, key=lambda p: p.is_center)
    return Timeline(WIDTH, int(axis_y + AXIS_HEIGHT), nodes, edges, ticks(first, last, x_of), axis_y)


def free_lane(lanes_end: list[float], x: float) -> int:
    """The first lane whose last label ends before x; a new one; or, all used, the emptiest."""
    for lane, end in enumerate(lanes_end):
        if end <= x - LABEL_WIDTH:
            return lane
    if len(lanes_end) < MAX_LANES:
        lanes_end.append(float("-inf"))
        return len(lanes_end) - 1
    return min(range(len(lanes_end)), key=lanes_end.__getitem__)


def ticks(first: int, last: int, x_of) -> list[Tick]:
    """Year marks (every year, or every few for a long thread)."""
    start, end = dt.date.fromordinal(first).year, dt.date.fromordinal(last).year
    step = max(1, (end - start + 1) // 6)
    marks = []
    for year in range(start, end + 1, step):
        day = dt.date(year, 1, 1)
        if first <= day.toordinal() <= last:
            marks.append(Tick(x_of(day), str(year)))
    return marks
