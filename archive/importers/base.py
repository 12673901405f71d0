"""What every parser returns: a source-neutral description of one document.

Parsers are pure functions from text to a ParsedDocument; they never touch the
database. `archive.importers.loader` turns a ParsedDocument into model rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .cable_references import CitedCable


class ParseError(ValueError):
    """A file that cannot be read as any document; the message is shown to the user."""


CABLE = "cable"
ARTICLE = "article"
# Who numbered a paragraph, and how precise a time is.
SOURCE, ARCHIVE = "source", "archive"
MINUTE, HOUR = "minute", "hour"


@dataclass(slots=True)  # a file may hold millions of blocks before cap_paragraphs merges them
class ParsedParagraph:
    number: int
    text: str
    marking: str = ""  # "C", "SBU", "S//NF" ... (cables only)
    heading: str = ""  # the section heading printed above this paragraph, if any
    # Whose number it is: the source's own (a cable's "5.") or one the archive gave (¶0, the
    # blocks of an unnumbered cable, an article's paragraphs).
    numbered_by: str = SOURCE

    @property
    def anchor(self) -> str:
        return f"p{self.number}"


@dataclass
class CableHeader:
    dtg: str = ""  # date-time group, e.g. "171704Z OCT 07"
    precedence: str = ""  # "ROUTINE", "PRIORITY", "IMMEDIATE", ...
    from_: str = ""  # "AMEMBASSY LIMA"
    to: list[str] = field(default_factory=list)  # ["SECSTATE WASHDC"]
    info: list[str] = field(default_factory=list)  # ["AMEMBASSY BOGOTA", "SECDEF WASHDC", ...]


@dataclass
class ParsedDocument:
    type: str  # CABLE or ARTICLE
    title: str
    source: str  # Source name, e.g. "WikiLeaks Cablegate", "Andina"
    format: str  # the parser that produced it, e.g. "cablegate-html"
    identifier: str = ""  # reference ID for a cable; empty for articles (the loader derives a slug)
    venue: str = ""  # the site an article was published on when it differs from its source
    byline: str = ""
    dateline: str = ""
    date: dt.date | None = None
    # Cables only
    subject: str = ""
    created: dt.datetime | None = None
    released: dt.datetime | None = None
    classification: str = ""
    origin: str = ""
    header: CableHeader = field(default_factory=CableHeader)
    # How much of the created and released times the source gives: "minute", or "hour" where
    # the site printed the hour twice (16:04 for 16:00–16:59).
    created_precision: str = MINUTE
    released_precision: str = MINUTE
    # Front matter no field holds (banner line, SIPDIS, routing and FOR lines, a release
    # record), verbatim: never part of a paragraph.
    header_text: str = ""
    partial_extract: bool = False  # the source had only part of the text
    # Articles the release's site said report this cable ("Appears in these articles"), as published.
    reported_by: list[str] = field(default_factory=list)
    declassify_on: dt.date | None = None
    declassification: str = ""  # the E.O. line as printed, e.g. "E.O. 12958: DECL: 03/22/2017"
    classified_by: str = ""
    references: list[CitedCable] = field(default_factory=list)  # REF items, with their reference IDs
    signature: str = ""
    tags: list[str] = field(default_factory=list)  # cable TAGS codes in printed order: ["PGOV", "MARR"]
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def merge_paragraphs(paragraphs: list[ParsedParagraph], limit: int) -> list[ParsedParagraph]:
    """At most `limit` paragraphs: runs of consecutive ones joined into one, every word kept.

    Each merged paragraph keeps the number, marking and heading of its first; the others'
    markings, and headings that change, stay in its text, where they were printed.
    """
    if len(paragraphs) <= limit:
        return paragraphs
    size = -(-len(paragraphs) // limit)  # ceiling division
    merged = []
    for start in range(0, len(paragraphs), size):
        run = paragraphs[start : start + size]
        first = run[0]
        pieces = [first.text]
        heading = first.heading
        for paragraph in run[1:]:
            if paragraph.heading and paragraph.heading != heading:
                pieces.append(paragraph.heading)
                heading = paragraph.heading
            marking = f"({paragraph.marking}) " if paragraph.marking else ""
            pieces.append(marking + paragraph.text)
        merged.append(
            ParsedParagraph(
                first.number, "\n\n".join(pieces), first.marking, first.heading, first.numbered_by
            )
        )
    return merged


def cap_paragraphs(parsed: ParsedDocument, limit: int) -> None:
    """Merge the paragraphs of a document that has more than `limit`, with a warning."""
    count = len(parsed.paragraphs)
    if count <= limit:
        return
    parsed.paragraphs = merge_paragraphs(parsed.paragraphs, limit)
    size = -(-count // limit)
    parsed.warnings.append(
        f"The file has {count:,} paragraphs, more than the {limit:,} a document may have "
        f"(ARCHIVE_MAX_PARAGRAPHS): each {size:,} consecutive paragraphs were merged into one, "
        f"{len(parsed.paragraphs):,} in all; no text was dropped."
    )
