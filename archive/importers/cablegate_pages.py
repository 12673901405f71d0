"""Cablegate site pages: the cable viewer's HTML pages, and the later site saved as text.

A page holds the site's navigation, a table (Reference ID, Created, Released,
Classification, Origin) and the cable in two blocks, header and body. These parsers find
the table and the two blocks and hand the blocks to `cables.parse_cable`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .base import HOUR, MINUTE, ParsedDocument, ParseError
from .cable_text import SHORT_LINE, UTC, collapse_spaces, is_banner, is_blank, normalize_newlines
from .cables import dtg_datetime, parse_cable

# --- Cablegate pages: shared --------------------------------------------------------------
_IDENTIFIER = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")  # ASCII digits: \d takes "٠٧" too
_PARTIAL_EXTRACT = "This record is a partial extract"
MAX_REPORTED_BY = 50


@dataclass
class _PageTable:
    identifier: str
    created: str
    released: str
    classification: str
    origin: str


def _page_table(cells: list[str]) -> _PageTable:
    if len(cells) < 5:
        raise ParseError("not a Cablegate cable page: its table has no Reference ID row")
    identifier, created, released, classification, origin = (collapse_spaces(cell) for cell in cells[:5])
    if not _IDENTIFIER.fullmatch(identifier.upper()):
        raise ParseError(f"not a Cablegate cable page: {identifier[:40]!r} is not a reference ID")
    return _PageTable(identifier.upper(), created, released, classification, origin)


def table_datetime(text: str) -> dt.datetime | None:
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2})?", text.strip())
    if not match:
        return None
    try:
        return dt.datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
    except ValueError:
        return None


def has_hour_in_minutes(value: dt.datetime) -> bool:
    """The original site printed the 12-hour hour as minutes: 16:04, 21:09, 00:12."""
    return value.minute == (value.hour % 12 or 12)


def created_time(
    table_value: dt.datetime | None, dtg: str, warnings: list[str], site_slip: bool
) -> tuple[dt.datetime | None, str]:
    """The table's date with the time of the date-time group when both name the same day,
    and how precise that time is (to the minute, or to the hour the site printed twice)."""
    sent = dtg_datetime(dtg) if dtg else None
    if table_value is None:
        return sent, MINUTE
    if sent and sent.date() == table_value.date():
        return table_value.replace(hour=sent.hour, minute=sent.minute), MINUTE
    if site_slip and has_hour_in_minutes(table_value):
        warnings.append("created time: the site's minutes are unreliable and no date-time group agrees")
        return table_value.replace(minute=0), HOUR
    return table_value, MINUTE


def _finish_page(
    doc: ParsedDocument, table: _PageTable, page_title: str, partial: bool, site_slip: bool
) -> ParsedDocument:
    from_table = table_datetime(table.created)
    # A release record in the body gives the exact time; the table is the authority on the day.
    if not (doc.created and from_table and doc.created.date() == from_table.date()):
        doc.created, doc.created_precision = created_time(from_table, doc.header.dtg, doc.warnings, site_slip)
    doc.date = doc.created.date() if doc.created else None
    if not doc.subject and page_title:
        doc.title = page_title
    if doc.partial_extract:
        doc.warnings.append("partial extract: the site had only part of this cable's text")
    return doc


def _viewing_title(text: str, identifier: str) -> str:
    """'Viewing cable 07LIMA3429, MOD BRIEFS ...' -> 'MOD BRIEFS ...' (first SUBJECT line only)."""
    text = collapse_spaces(text)
    prefix = f"Viewing cable {identifier},"
    return text[len(prefix) :].strip(" \\") if text.upper().startswith(prefix.upper()) else ""


# --- Cablegate pages: HTML -----------------------------------------------------------------
class _CablegatePage(HTMLParser):
    """Collects the cable table's cells, the <pre> blocks and the "Viewing cable" heading."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.pres: list[str] = []
        self.viewing = ""
        self.reported_by: list[str] = []  # the "Appears in these articles" links, as published
        self._table_depth = 0  # >0 inside <table class='cable'>
        self._cell: list[str] | None = None
        self._pre: list[str] | None = None
        self._h3: list[str] | None = None
        self._skip_anchor = 0  # inside the site's <a id='parN'>¶</a> anchors

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "table":
            if self._table_depth or "cable" in values.get("class", "").split():
                self._table_depth += 1
        elif tag in {"td", "th"} and self._table_depth and len(self.cells) < 20:
            self._cell = []
        elif tag == "a" and self._cell is not None and "Appears in these articles" in "".join(self._cell):
            href = values.get("href", "").strip()
            if href and href not in self.reported_by and len(self.reported_by) < MAX_REPORTED_BY:
                self.reported_by.append(href[:2000])
        elif tag == "pre":
            self._pre = []
        elif tag == "h3":
            self._h3 = []
        elif (
            tag == "a"
            and values.get("id", "").startswith("par")
            and values.get("href", "").startswith("#par")
        ):
            self._skip_anchor += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table_depth:
            self._table_depth -= 1
        elif tag in {"td", "th"} and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None
        elif tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None
        elif tag == "h3" and self._h3 is not None:
            text = "".join(self._h3)
            if text.strip().startswith("Viewing cable") and not self.viewing:
                self.viewing = text
            self._h3 = None
        elif tag == "a" and self._skip_anchor:
            self._skip_anchor -= 1

    def handle_data(self, data: str) -> None:
        if self._skip_anchor:
            return  # the site's ¶ anchors are unreliable: paragraphs are numbered from the text
        for sink in (self._cell, self._pre, self._h3):
            if sink is not None:
                sink.append(data)


def looks_like_cablegate_html(text: str) -> bool:
    head = text[:1_000_000]  # the table follows some 60 kB of site navigation
    return bool(re.search(r"<table[^>]{0,200}class=['\"]cable['\"]", head)) and "<pre" in text


def parse_cablegate_html(text: str) -> ParsedDocument:
    page = _CablegatePage()
    page.feed(text)
    page.close()
    table = _page_table(_table_values(page.cells))
    pres = page.pres
    if not pres:
        raise ParseError(f"cable page {table.identifier} has no cable text")
    partial = pres[0].strip().startswith(_PARTIAL_EXTRACT)
    if partial or len(pres) == 1:
        header, body = "", pres[-1]
    else:
        header, body = pres[0], pres[1]
    doc = parse_cable(
        header,
        body,
        identifier=table.identifier,
        created=None,
        released=_site_released(table.released)[0],
        classification=table.classification,
        origin=table.origin,
        format="cablegate-html",
        partial_extract=partial,
    )
    doc.reported_by = page.reported_by
    doc.released_precision = _site_released(table.released)[1]
    return _finish_page(doc, table, _viewing_title(page.viewing, table.identifier), partial, site_slip=True)


def _table_values(cells: list[str]) -> list[str]:
    """The five values under 'Reference ID', 'Created', ... whatever the cells around them."""
    names = [collapse_spaces(cell) for cell in cells]
    if "Reference ID" not in names:
        raise ParseError("not a Cablegate cable page: no 'Reference ID' table")
    start = names.index("Reference ID")
    return cells[start + 5 : start + 10]


def _site_released(text: str) -> tuple[dt.datetime | None, str]:
    """The HTML site's release times carry the same hour-as-minutes slip as its Created times."""
    value = table_datetime(text)
    if value and has_hour_in_minutes(value):
        return value.replace(minute=0), HOUR
    return value, MINUTE


# --- Cablegate pages: saved as text ----------------------------------------------------------
_TEXT_TABLE = re.compile(
    r"[ \t]*Reference ID[ \t]+Created[ \t]+Released[ \t]+Classification[ \t]+Origin[ \t]*"
)
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,200})\]\([^)\n]{0,500}\)")
_HEADER_START = re.compile(r"[ \t]*(?:VZCZC|INFO[ \t]+LOG-|FM[ \t]|[OPRZ](?:[ \t]+[OPRZ])?[ \t]+\d{6}Z[ \t])")


def looks_like_cablegate_text(text: str) -> bool:
    head = text[:1_000_000]
    if "<table" in head.lower() or "<pre" in head.lower():
        return False
    return any(_TEXT_TABLE.fullmatch(line) for line in head.split("\n") if len(line) < SHORT_LINE)


def parse_cablegate_text(text: str) -> ParsedDocument:
    lines = normalize_newlines(text).split("\n")
    table_at = next(
        (i for i, line in enumerate(lines) if len(line) < SHORT_LINE and _TEXT_TABLE.fullmatch(line)),
        None,
    )
    if table_at is None:
        raise ParseError("not a Cablegate cable page: no 'Reference ID' table")
    values_at = next((i for i in range(table_at + 1, len(lines)) if lines[i].strip()), None)
    if values_at is None:
        raise ParseError("not a Cablegate cable page: its table has no Reference ID row")
    table = _page_table(_text_table_cells(lines[values_at]))
    rest = [_MARKDOWN_LINK.sub(r"\1", line) for line in lines[values_at + 1 :]]
    header, body, partial = _split_text_page(rest)
    doc = parse_cable(
        header,
        body,
        identifier=table.identifier,
        created=None,
        released=table_datetime(table.released),
        classification=table.classification,
        origin=table.origin,
        format="cablegate-text",
        partial_extract=partial,
    )
    viewing = next((line for line in lines[:table_at] if line.startswith("Viewing cable")), "")
    doc.reported_by = _reported_by_in_text(lines[values_at + 1 : values_at + 60])
    return _finish_page(doc, table, _viewing_title(viewing, table.identifier), partial, site_slip=False)


_TEXT_LINK = re.compile(r"<([^<>\s]{1,2000})>|\[[^\]\n]{0,200}\]\(([^)\s]{1,2000})\)")


def _reported_by_in_text(lines: list[str]) -> list[str]:
    """'Appears in these articles:' then '<http://elcomercio.pe>' lines, as the page wrote them."""
    start = next(
        (i for i, line in enumerate(lines) if line.strip().startswith("Appears in these articles")), None
    )
    if start is None:
        return []
    found = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        links = [a or b for a, b in _TEXT_LINK.findall(line)]
        if not links:
            break
        found.extend(links)
    return list(dict.fromkeys(found))[:MAX_REPORTED_BY]


def _text_table_cells(line: str) -> list[str]:
    cells = line.split("\t") if "\t" in line else re.split(r" {2,}", line.strip())
    return [cell.strip() for cell in cells]


def _split_text_page(lines: list[str]) -> tuple[str, str, bool]:
    """Header block and body of a page saved as text; the site's chrome before them is dropped."""
    partial = any(line.strip().startswith(_PARTIAL_EXTRACT) for line in lines[:200])
    header_at = next((i for i, line in enumerate(lines) if _HEADER_START.match(line[:SHORT_LINE])), None)
    search_from = header_at if header_at is not None else 0
    banner_at = next((i for i in range(search_from, len(lines)) if is_banner(lines[i])), None)
    if header_at is None or partial:
        start = banner_at if banner_at is not None else _after_chrome(lines)
        return "", "\n".join(lines[start:]), partial
    if banner_at is None:
        banner_at = next(
            (i for i in range(header_at, len(lines)) if is_blank(lines[i]) and i > header_at + 3),
            len(lines),
        )
    return "\n".join(lines[header_at:banner_at]), "\n".join(lines[banner_at:]), partial


def _after_chrome(lines: list[str]) -> int:
    """Without header or banner: skip the 'Appears in these articles' links after the table."""
    index = 0
    while index < len(lines) and (is_blank(lines[index]) or lines[index].startswith(("Appears in", "<http"))):
        index += 1
    return index
