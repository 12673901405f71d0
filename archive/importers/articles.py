"""News-article parser: scraped article pages (plain text) -> ParsedDocument.

Known layouts -- American Forces Press Service (also as republished on DoD News),
Andina and Diálogo -- fix the source name; everything else is read the same way:

    [chrome and mastheads]  title  [byline / date / dateline lines]  body  [footer chrome]

so a page of unknown layout still imports as a generic "Unattributed" article.
Metadata is read from the page without trimming it out of the body: an AFPS lede
"LIMA, Peru, Oct. 6, 2007 – Defense Secretary ..." gives the dateline and date and
stays paragraph 1 in full.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .base import ARCHIVE, ARTICLE, ParsedDocument, ParsedParagraph, ParseError
from .cleaning import (
    clean_body,
    ends_sentence,
    has_at_least_words,
    is_chrome_line,
    is_heading_like,
    is_list_header,
    text_blocks,
)

AFPS = "American Forces Press Service"
DOD_NEWS = "DoD News"
ANDINA = "Andina"
DIALOGO = "Diálogo"
UNATTRIBUTED = "Unattributed"


@dataclass(frozen=True)
class Layout:
    source: str
    format: str
    # Andina prints "Published: 10/6/2022": month first. None: only unambiguous numbers.
    month_first: bool | None = None


LAYOUTS = {
    AFPS: Layout(AFPS, "afps-text", month_first=True),
    ANDINA: Layout(ANDINA, "andina-text", month_first=True),
    DIALOGO: Layout(DIALOGO, "dialogo-text"),
}
GENERIC = Layout(UNATTRIBUTED, "article-text")

# Standalone lines naming the publication (casefolded) -> the source they identify.
_MASTHEADS = {
    "american forces press service": AFPS,
    "andina": ANDINA,
    "agencia andina": ANDINA,
    "agencia peruana de noticias andina": ANDINA,
    "diálogo": DIALOGO,
    "dialogo": DIALOGO,
    "diálogo americas": DIALOGO,
    "dialogo americas": DIALOGO,
    "diálogo digital military magazine": DIALOGO,
    "dialogo digital military magazine": DIALOGO,
}
# Sites that republish another source's articles: set as the venue, not the source.
_VENUES = {"dod news": DOD_NEWS, "defense.gov": DOD_NEWS}
_SIGNATURE_LINES = 40  # layouts announce themselves near the top of the page

_MONTHS = {
    **dict.fromkeys(["jan", "january", "enero"], 1),
    **dict.fromkeys(["feb", "february", "febrero"], 2),
    **dict.fromkeys(["mar", "march", "marzo"], 3),
    **dict.fromkeys(["apr", "april", "abril"], 4),
    **dict.fromkeys(["may", "mayo"], 5),
    **dict.fromkeys(["jun", "june", "junio"], 6),
    **dict.fromkeys(["jul", "july", "julio"], 7),
    **dict.fromkeys(["aug", "august", "agosto"], 8),
    **dict.fromkeys(["sep", "sept", "september", "septiembre", "setiembre"], 9),
    **dict.fromkeys(["oct", "october", "octubre"], 10),
    **dict.fromkeys(["nov", "november", "noviembre"], 11),
    **dict.fromkeys(["dec", "december", "diciembre"], 12),
}
_MONTH = r"(?P<month>[^\W\d_]{3,10})\.?"
_MONTH_DAY_YEAR = re.compile(_MONTH + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})")
_DAY_MONTH_YEAR = re.compile(
    r"(?P<day>\d{1,2})\s+(?:de\s+)?" + _MONTH + r",?\s+(?:(?:de|del)\s+)?(?P<year>\d{4})"
)
_ISO_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_NUMERIC_DATE = re.compile(r"(?P<first>\d{1,2})/(?P<second>\d{1,2})/(?P<year>\d{4})")
_MONTH_DAY = re.compile(_MONTH + r"\s+(?P<day>\d{1,2})\b")
# A line that is only a date: "December 15, 2014", "Published: 10/6/2022",
# "Tuesday, 15 de diciembre de 2014 10:30".
_DATE_LINE = re.compile(
    r"""(?ix)
    (?:(?:published|posted|updated|last\ updated|date|fecha)\s*:?\s*)?
    (?:[^\W\d_]{3,10},?\s+)?                  # weekday
    [^\W_][\w.,/ -]{5,40}?
    (?:\s*[-–|,]?\s*\d{1,2}:\d{2}[\w: .]{0,20})?   # time of day
    \.?
    """
)
_SHORT_LINE = 100  # metadata lines are short; longer lines are prose

_BYLINE = re.compile(r"(?:By|BY|Por|POR)\s+(?P<name>\S.*)")
_NAME_PARTICLES = set("de del la las los van von der da di du y e and & le bin al jr. sr.".split())
_MAX_NAME_WORDS = 8
_SOURCE_LINE = re.compile(r"(?i)(?:source|fuente)\s*:\s*(?P<name>\S.{0,80})")
# Andina: "21:30 | Lima, Oct. 6."
_TIMED_DATELINE = re.compile(r"\d{1,2}:\d{2}\s*\|\s*(?P<place>[^,|]{1,60}),(?P<rest>[^|]{1,60})")
# Wire lede: "LIMA, Peru, Oct. 6, 2007 – Defense Secretary ..." (place in capitals).
_LEDE_DATELINE = re.compile(
    r"(?P<place>[^,–—\n]{2,40}(?:,[^,–—\n]{2,40})?),\s+"
    r"(?P<date>[^\W\d_]{3,10}\.?\s+\d{1,2},\s+\d{4})\s*(?:\([^()\n]{1,40}\)\s*)?[–—-]{1,2}\s"
)
_LEDE_PLACE_ONLY = re.compile(
    r"(?P<place>[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][\w .'-]{1,40})?)\s*"
    r"(?:\([^()\n]{1,40}\)\s*)?[–—]\s"  # optional "(AFP)", then a dash
)
_LEDE_PREFIX = 300  # a dateline sits in the lede's first characters
_TITLE_MAX = 300
_TITLE_FROM_PROSE = 120


def parse_article(text: str) -> ParsedDocument:
    """Parse one scraped article page; raises ParseError only for a page with no text."""
    blocks = text_blocks(text)
    if not blocks:
        raise ParseError("The file has no text: it is empty or only whitespace.")
    layout = LAYOUTS.get(detect_article_source(text) or "", GENERIC)
    return _ArticleReader(layout, blocks).read()


def detect_article_source(text: str) -> str | None:
    """The known source whose page layout this is (AFPS, Andina, Diálogo), or None."""
    seen = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        source = _source_named_by(line)
        if source:
            return source
        seen += 1
        if seen >= _SIGNATURE_LINES:
            break
    return None


def _source_named_by(line: str) -> str | None:
    if len(line) > _SHORT_LINE:
        return None
    key = line.casefold()
    if key in _MASTHEADS:
        return _MASTHEADS[key]
    if key.startswith(("photo: andina", "foto: andina")):
        return ANDINA
    byline = _BYLINE.fullmatch(line)
    if byline and byline["name"].casefold() in _MASTHEADS:  # "By Dialogo"
        return _MASTHEADS[byline["name"].casefold()]
    return None


# ---------------------------------------------------------------- dates


def _month_number(name: str) -> int | None:
    return _MONTHS.get(name.casefold().rstrip("."))


def _make_date(year: int, month: int | None, day: int) -> dt.date | None:
    if month is None or not 1900 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _numeric_date(
    match: re.Match[str], hint: tuple[int, int] | None, month_first: bool | None
) -> dt.date | None:
    """10/6/2022: month first or day first? Use the printed month and day, then the
    layout's convention, else accept it only when just one reading is a date."""
    year, first, second = int(match["year"]), int(match["first"]), int(match["second"])
    as_month_first = _make_date(year, first, second)
    as_day_first = _make_date(year, second, first)
    readings = [d for d in (as_month_first, as_day_first) if d]
    if hint:
        for reading in readings:
            if (reading.month, reading.day) == hint:
                return reading
    if month_first is not None:
        return as_month_first if month_first else as_day_first
    return readings[0] if len(set(readings)) == 1 else None


def parse_date(
    text: str, hint: tuple[int, int] | None = None, month_first: bool | None = None
) -> dt.date | None:
    """The first clear date in a short text, or None. Month names in English or Spanish."""
    for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        for match in pattern.finditer(text):
            month = _month_number(match["month"])
            date = _make_date(int(match["year"]), month, int(match["day"]))
            if date:
                return date
    match = _ISO_DATE.search(text)
    if match:
        return _make_date(int(match["year"]), int(match["month"]), int(match["day"]))
    match = _NUMERIC_DATE.search(text)
    return _numeric_date(match, hint, month_first) if match else None


def _month_day(text: str) -> tuple[int, int] | None:
    """ "Oct. 6." -> (10, 6): a date printed without its year."""
    for match in _MONTH_DAY.finditer(text):
        month = _month_number(match["month"])
        if month and 1 <= int(match["day"]) <= 31:
            return month, int(match["day"])
    return None


_DATE_PATTERNS = (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR, _ISO_DATE, _NUMERIC_DATE)


def _has_date(text: str) -> bool:
    return any(pattern.search(text) for pattern in _DATE_PATTERNS)


def _date_line(line: str) -> str | None:
    """The line, if it prints nothing but a date ("Published: 10/6/2022"), else None."""
    if len(line) > _SHORT_LINE:
        return None
    line = line.strip()
    return line if _DATE_LINE.fullmatch(line) and _has_date(line) else None


# ---------------------------------------------------------------- reading a page


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if not 1 <= len(words) <= _MAX_NAME_WORDS:
        return False
    if ends_sentence(name) and not name.endswith(("Jr.", "Sr.")):
        return False
    return all(w[0].isupper() or w.casefold() in _NAME_PARTICLES for w in words)


def _byline(line: str) -> str | None:
    """ "By Fred W. Baker III" -> "Fred W. Baker III"; None for "By the end of 2014"."""
    if len(line) > _SHORT_LINE:
        return None
    match = _BYLINE.fullmatch(line.strip())
    return match["name"].strip() if match and _looks_like_name(match["name"]) else None


def _masthead_key(line: str) -> str:
    return line.strip().casefold() if len(line) <= _SHORT_LINE else ""


def _is_metadata_line(line: str) -> bool:
    key = _masthead_key(line)
    return bool(
        key in _MASTHEADS
        or key in _VENUES
        or _byline(line)
        or _date_line(line)
        or (key and _TIMED_DATELINE.fullmatch(line.strip()))
    )


def _is_title_candidate(line: str) -> bool:
    """Generic rule: the first line that is not chrome or metadata, with >= 3 words
    or >= 15 characters."""
    line = line.strip()
    if not line or is_chrome_line(line) or is_list_header(line) or _is_metadata_line(line):
        return False
    return len(line) >= 15 or has_at_least_words(line, 3)


@dataclass
class _Metadata:
    byline: str = ""
    byline_block: int = -1  # lines under the byline in its block are the writer's affiliation
    dateline: str = ""
    date: dt.date | None = None
    month_day: tuple[int, int] | None = None  # printed without a year, e.g. "Oct. 6."
    printed_source: str = ""
    venue: str = ""
    warnings: list[str] = field(default_factory=list)


Position = tuple[int, int]  # (block index, line index)


class _ArticleReader:
    """Walks one page's blocks top to bottom.

    Blocks stay strings, split into lines where they are read: the title and header are near
    the top, and a file of millions of blocks would otherwise hold a list for each.
    """

    def __init__(self, layout: Layout, blocks: list[str]):
        self.layout = layout
        self.blocks = blocks
        self.meta = _Metadata()

    def read(self) -> ParsedDocument:
        title, header_at = self._find_title()
        body_at = self._read_header(header_at)
        paragraphs = _paragraphs(clean_body(self._blocks_from(body_at), seen=[title]))
        self._read_lede(paragraphs)
        self._read_footer_date()
        return self._document(title, paragraphs)

    # -- title

    def _find_title(self) -> tuple[str, Position]:
        """The title, and where the lines after it start."""
        for b, block in enumerate(self.blocks):
            for i, line in enumerate(block.split("\n")):
                self._note_masthead(line)
                if _is_title_candidate(line):
                    return self._title_from(line.strip(), (b, i))
        self.meta.warnings.append("No title line found; the first line was used.")
        for b, block in enumerate(self.blocks):
            for i, line in enumerate(block.split("\n")):
                if not is_chrome_line(line):
                    return line.strip()[:_TITLE_MAX], (b, i + 1)
        return self.blocks[0].split("\n")[0].strip()[:_TITLE_MAX], (len(self.blocks), 0)

    def _title_from(self, line: str, at: Position) -> tuple[str, Position]:
        if len(line) <= _TITLE_MAX:
            return line, (at[0], at[1] + 1)
        # A very long first line is the lede, not a title: it stays in the body and
        # the article is named by its opening words.
        self.meta.warnings.append("No title printed; the title is the text's opening words.")
        head = line[:_TITLE_FROM_PROSE]
        return (head.rsplit(" ", 1)[0] if " " in head else head), at

    def _note_masthead(self, line: str) -> None:
        key = _masthead_key(line)
        if key in _VENUES and not self.meta.venue:
            self.meta.venue = _VENUES[key]
        if key in _MASTHEADS and not self.meta.printed_source:
            self.meta.printed_source = _MASTHEADS[key]

    # -- header: byline, dateline, date lines between title and body

    def _read_header(self, at: Position) -> Position:
        """Read the metadata lines from `at` on; return where the body starts."""
        b, i = at
        while b < len(self.blocks):
            lines = self.blocks[b].split("\n")
            while i < len(lines):
                if not self._header_line(lines[i].strip(), b):
                    return (b, i)
                i += 1
            b, i = b + 1, 0
        return (b, 0)

    def _header_line(self, line: str, block: int) -> bool:
        """Record what a header line says; False when the line is body text."""
        meta = self.meta
        if is_chrome_line(line):
            return True
        key = _masthead_key(line)
        if key in _MASTHEADS or key in _VENUES:
            self._note_masthead(line)
            return True
        byline = None if meta.byline else _byline(line)
        if byline:
            meta.byline, meta.byline_block = byline, block
            return True
        date_text = _date_line(line)
        if date_text:
            meta.date = meta.date or parse_date(date_text, month_first=self.layout.month_first)
            return True
        if self._timed_dateline(line) or self._source_line(line):
            return True
        # "By Jane Doe / Staff Writer": the affiliation under a byline is not body text.
        return block == meta.byline_block and is_heading_like(line)

    def _timed_dateline(self, line: str) -> bool:
        match = _TIMED_DATELINE.fullmatch(line) if len(line) <= _SHORT_LINE else None
        if not match:
            return False
        self.meta.dateline = self.meta.dateline or match["place"].strip()
        self.meta.month_day = _month_day(match["rest"])
        self.meta.date = self.meta.date or parse_date(match["rest"])
        return True

    def _source_line(self, line: str) -> bool:
        match = _SOURCE_LINE.fullmatch(line) if len(line) <= _SHORT_LINE else None
        if match:
            self.meta.printed_source = self.meta.printed_source or match["name"].strip()
        return bool(match)

    def _blocks_from(self, at: Position) -> list[str]:
        b, i = at
        if b >= len(self.blocks):
            return []
        first = "\n".join(self.blocks[b].split("\n")[i:]).strip()
        rest = self.blocks[b + 1 :]
        return ([first] if first else []) + rest

    # -- lede and footer

    def _read_lede(self, paragraphs: list[ParsedParagraph]) -> None:
        """ "LIMA, Peru, Oct. 6, 2007 – ...": dateline and date; the text stays as is."""
        if not paragraphs:
            return
        lede = paragraphs[0].text[:_LEDE_PREFIX]
        match = _LEDE_DATELINE.match(lede) or _LEDE_PLACE_ONLY.match(lede)
        if not match or not _is_place(match["place"]):
            return
        self.meta.dateline = self.meta.dateline or match["place"].strip()
        if "date" in match.groupdict():
            self.meta.date = self.meta.date or parse_date(match["date"])

    def _read_footer_date(self) -> None:
        """ "Published: 10/6/2022" below the article (Andina), when the top had no year."""
        if self.meta.date:
            return
        for block in self.blocks:
            for line in block.split("\n"):
                date_text = _date_line(line)
                hint, month_first = self.meta.month_day, self.layout.month_first
                date = date_text and parse_date(date_text, hint, month_first)
                if date:
                    self.meta.date = date
                    return

    def _document(self, title: str, paragraphs: list[ParsedParagraph]) -> ParsedDocument:
        meta = self.meta
        source = self.layout.source
        if self.layout is GENERIC:
            source = meta.printed_source or meta.venue or UNATTRIBUTED
            meta.warnings.insert(0, "Layout not recognised: imported as a generic article.")
        venue = meta.venue if meta.venue != source else ""
        if meta.date is None:
            meta.warnings.append("No publication date found.")
        if not paragraphs:
            meta.warnings.append("No article text found below the title.")
        return ParsedDocument(
            type=ARTICLE,
            title=title,
            source=source,
            format=self.layout.format,
            venue=venue,
            byline=meta.byline,
            dateline=meta.dateline,
            date=meta.date,
            paragraphs=paragraphs,
            warnings=meta.warnings,
        )


def _is_place(place: str) -> bool:
    """Datelines open with the city in capitals: "LIMA, Peru"."""
    city = place.split(",")[0].strip()
    return len(city) >= 3 and city.isupper() and city.replace(" ", "").replace(".", "").isalpha()


def _paragraphs(blocks: list[str]) -> list[ParsedParagraph]:
    """Number body blocks 1..n; a short unpunctuated line between paragraphs is a
    heading for the paragraphs below it, not a paragraph itself."""
    paragraphs: list[ParsedParagraph] = []
    heading = ""
    for i, block in enumerate(blocks):
        has_more = i + 1 < len(blocks)
        if has_more and "\n" not in block and is_heading_like(block):
            heading = block.strip()
            continue
        number = len(paragraphs) + 1
        paragraphs.append(ParsedParagraph(number=number, text=block, heading=heading, numbered_by=ARCHIVE))
    return paragraphs
