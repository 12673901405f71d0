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


@dataclass
class ParsedParagraph:
    number: int
    text: str
    marking: str = ""  # "C", "SBU", "S//NF" ... (cables only)
    heading: str = ""  # the section heading printed above this paragraph, if any

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
    # Front matter no field holds (banner line, SIPDIS, routing and FOR lines, a release
    # record), verbatim: never part of a paragraph.
    header_text: str = ""
    partial_extract: bool = False  # the source had only part of the text
    declassify_on: dt.date | None = None
    declassification: str = ""  # the E.O. line as printed, e.g. "E.O. 12958: DECL: 03/22/2017"
    classified_by: str = ""
    references: list[CitedCable] = field(default_factory=list)  # REF items, with their reference IDs
    signature: str = ""
    tags: list[str] = field(default_factory=list)  # cable TAGS codes in printed order: ["PGOV", "MARR"]
    paragraphs: list[ParsedParagraph] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
