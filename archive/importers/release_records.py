"""Release records pasted into a cable page's body.

About one Cablegate page in twenty carries, inside its body, a record of the release's
cables.csv: record ID, created date (with minutes), reference ID, origin, classification,
the IDs of the cables it cites, the header block, and usually the whole cable text after
it, where the page itself showed only a partial extract. The record comes in several
layouts:

- labelled lines: `id: 2745` / `date: 4/11/2002 20:44` / `refid: 02BOGOTA3281` / `origin:` /
  `classification:` / `destination: 02BOGOTA3101` / `header:` / header lines /
  `---- header ends ----`;
- the same values unlabelled, one a line (`55988` / `2006-03-09 22:28:00` / `06MEXICO1311` /
  …), with or without blank lines between them;
- a CSV row (`224468,9/10/2009 14:35,09THEHAGUE543,"Embassy The Hague",SECRET,…,"header","body`)
  or a tab-separated one (`2009-08-24 05:53:00<TAB>09BERN351<TAB>Embassy Bern<TAB>…`).

`find_record` locates one in the body's lines and reads it; the cable parser decides what
to take from it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

LABELLED = "labelled"
UNLABELLED = "unlabelled"
CSV_ROW = "csv"
TSV_ROW = "tsv"

# How far down a body a record may start, and how long its labelled part may be.
SEARCH_LINES = 3000
MAX_FIELD_GAP = 3  # blank lines between the values of an unlabelled record
MAX_HEADER_LINES = 120
MAX_PLAIN_FIELD = 300  # an unquoted CSV/TSV value (ID, date, classification, references)
MAX_HEADER_FIELD = 20_000  # the header block, the last field before the body

_IDENTIFIER = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")
_RECORD_ID = re.compile(r"\d{1,7}")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::\d{2})?)?")
_LABEL = re.compile(r"[ \t]*(id|date|refid|origin|classification|destination|header)[ \t]*:[ \t]?(.*)", re.I)
_HEADER_ENDS = re.compile(r"[ \t]*-{3,}[ \t]*header ends[ \t]*-{3,}[ \t]*", re.I)
_CSV_START = re.compile(r"[ \t]*\d{1,7},\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2},")
# A tab-separated row, sometimes led by the record ID, once by ID and date twice over.
_TSV_START = re.compile(
    r"[ \t]*(?:\d{1,7}\t\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?\t){0,2}(?:\d{1,7}\t)?"
    r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?\t"
)
_TSV_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?")
_CLASSIFICATIONS = re.compile(
    r"(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|TOP SECRET|LIMITED OFFICIAL USE|UNCLAS)\b[A-Z /]{0,60}"
)


@dataclass
class ReleaseRecord:
    layout: str
    start: int  # index of the record's first line in the body's lines
    end: int  # index of the first line after the record (and its header block)
    record_id: str = ""
    created: dt.datetime | None = None
    has_time: bool = False  # the date carries hours and minutes
    reference_id: str = ""
    origin: str = ""
    classification: str = ""
    references: list[str] = field(default_factory=list)
    header: str = ""  # the routing header block the record holds
    text: str = ""  # the record as printed, header included
    body_lines: list[str] | None = None  # a CSV/TSV row's body field, when it holds the cable
    copy_follows: bool = False  # another row follows the body field (the page repeats itself)


def record_date(text: str) -> tuple[dt.datetime | None, bool]:
    """'4/11/2002 20:44' or '2006-03-09 22:28:00' or '2004-07-22' -> (UTC datetime, has time)."""
    text = text.strip()
    match = _SLASH_DATE.fullmatch(text)
    if match:
        month, day, year, hour, minute = match.groups()
    else:
        match = _ISO_DATE.fullmatch(text)
        if not match:
            return None, False
        year, month, day, hour, minute = match.groups()
    try:
        value = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=dt.UTC)
    except ValueError:
        return None, False
    return value, hour is not None


def reference_list(text: str) -> list[str]:
    """'09THEHAGUE419|09THEHAGUE514' -> the IDs; the release splits one at times ('10 9')."""
    found = []
    for part in text.split("|"):
        candidate = re.sub(r"\s+", "", part).upper()
        if _IDENTIFIER.fullmatch(candidate) and candidate not in found:
            found.append(candidate)
    return found


# A line that may open a record: "id:", a lone number, a CSV or TSV row's first fields.
_MAY_OPEN = re.compile(
    r"[ \t]*(?:id[ \t]*:|\d{1,7}[ \t]*$|\d{1,7},\d|(?:\d{1,7}\t)?\d{4}-\d{2}-\d{2} )", re.IGNORECASE
)


def find_record(lines: list[str]) -> ReleaseRecord | None:
    for index, line in enumerate(lines[:SEARCH_LINES]):
        if len(line) > 400 or not _MAY_OPEN.match(line):
            continue
        stripped = line.strip()
        record = None
        if _LABEL.fullmatch(line) and _LABEL.fullmatch(line)[1].lower() == "id":
            record = _labelled(lines, index)
        elif _CSV_START.match(line):
            record = _delimited(lines, index, ",")
        elif _TSV_START.match(line):
            record = _delimited(lines, index, "\t")
        elif _RECORD_ID.fullmatch(stripped):
            record = _unlabelled(lines, index)
        if record is not None:
            return record
    return None


# --- Labelled ------------------------------------------------------------------------------
def _labelled(lines: list[str], start: int) -> ReleaseRecord | None:
    values: dict[str, str] = {}
    index = start
    while index < len(lines) and index < start + 20:
        match = _LABEL.fullmatch(lines[index])
        if not match:
            if lines[index].strip():
                break
            index += 1
            continue
        name = match[1].lower()
        values[name] = match[2].strip()
        index += 1
        if name == "header":
            break
    if "refid" not in values or "date" not in values:
        return None
    header_start = index
    end = index
    while end < len(lines) and end < header_start + MAX_HEADER_LINES:
        if _HEADER_ENDS.fullmatch(lines[end]):
            end += 1
            break
        end += 1
    else:
        end = header_start
    header_end = end - 1 if end > header_start and _HEADER_ENDS.fullmatch(lines[end - 1]) else end
    record = ReleaseRecord(LABELLED, start, end)
    # "id: 130835 DROGAS 2": the release appended a note to some record IDs.
    record.record_id = values.get("id", "").split(" ")[0]
    _fill(record, values.get("date", ""), values.get("refid", ""), values.get("origin", ""))
    record.classification = values.get("classification", "")
    record.references = reference_list(values.get("destination", ""))
    record.header = "\n".join(lines[header_start:header_end])
    record.text = "\n".join(lines[start:end])
    return record


def _fill(record: ReleaseRecord, date: str, refid: str, origin: str) -> None:
    record.created, record.has_time = record_date(date)
    record.reference_id = refid.strip().upper()
    record.origin = " ".join(origin.split())


# --- Unlabelled lines ----------------------------------------------------------------------
def _next_value(lines: list[str], index: int) -> int | None:
    """The index of the next non-blank line, at most MAX_FIELD_GAP blank lines on."""
    for offset in range(MAX_FIELD_GAP + 1):
        if index + offset >= len(lines):
            return None
        if lines[index + offset].strip():
            return index + offset
    return None


def _unlabelled(lines: list[str], start: int) -> ReleaseRecord | None:
    positions = [start]
    for _ in range(4):  # date, refid, origin, classification
        following = _next_value(lines, positions[-1] + 1)
        if following is None:
            return None
        positions.append(following)
    record_id, date, refid, origin, classification = (lines[i].strip() for i in positions)
    created, has_time = record_date(date)
    if created is None or not _IDENTIFIER.fullmatch(refid.upper()):
        return None
    if not _CLASSIFICATIONS.fullmatch(classification.upper()):
        return None
    record = ReleaseRecord(UNLABELLED, start, positions[-1] + 1, record_id=record_id)
    _fill(record, date, refid, origin)
    record.classification = classification
    following = _next_value(lines, record.end)
    if following is not None and reference_list(lines[following]) and "|" in lines[following] + "|":
        candidate = lines[following].strip()
        if all(_IDENTIFIER.fullmatch(re.sub(r"\s+", "", part).upper()) for part in candidate.split("|")):
            record.references = reference_list(candidate)
            record.end = following + 1
    header_end = _header_block_end(lines, record.end)
    record.header = "\n".join(lines[record.end : header_end])
    record.end = header_end
    record.text = "\n".join(lines[start : record.end])
    return record


_HEADER_LINE = re.compile(
    r"[ \t]*(?:VZCZC|[A-Z]{2}[ \t]+RUE|[OPRZ]{1,2}[ \t]|DE[ \t]+RUE|ZN[RY][ \t]|FM[ \t]|TO[ \t]|INFO[ \t]|"
    r"R[A-Z]{4,7}/|BT\b"
    r"|[A-Z][A-Z .'/-]{2,60}(?:[ \t]+(?:PRIORITY|IMMEDIATE|ROUTINE|FLASH))?(?:[ \t]+\d{1,4})?[ \t]*$)"
)


def _header_block_end(lines: list[str], index: int) -> int:
    """After an unlabelled record: its header block (VZCZC…, FM, TO, INFO) runs to a blank line
    or the classification banner. A record without one ends where it is."""
    first = _next_value(lines, index)
    if first is None or not lines[first].lstrip().startswith(("VZCZC", "INFO ", "FM ")):
        if first is None or not re.match(
            r"[ \t]*(?:[OPRZ]{1,2}[ \t]+\d{6}Z|[A-Z]{2}[ \t]+RUE)", lines[first]
        ):
            return index
    end = first
    while end < len(lines) and end < first + MAX_HEADER_LINES:
        line = lines[end]
        if not line.strip() or not _HEADER_LINE.match(line) or _CLASSIFICATIONS.match(line.strip()):
            break
        if re.match(r"[ \t]*(?:S E C R E T|C O N F I D E N T I A L|UNCLAS)", line):
            break
        end += 1
    return end


# --- CSV and TSV rows ------------------------------------------------------------------------
def _delimited(lines: list[str], start: int, delimiter: str) -> ReleaseRecord | None:
    """A cables.csv row pasted whole: its quoted header and body fields run over many lines."""
    whole = "\n".join(lines[start:])
    text, leading_id = _from_last_date(whole) if delimiter == "\t" else (whole, "")
    fields, consumed = _read_fields(text, delimiter, 7 if delimiter == "," else 6)
    if fields is None:
        return None
    if delimiter == ",":
        record_id, date, refid, origin, classification, references, header = fields
    else:
        date, refid, origin, classification, references, header = fields
        record_id = leading_id
    created, has_time = record_date(date)
    if created is None or not _IDENTIFIER.fullmatch(refid.strip().upper()):
        return None
    end = start + whole[: len(whole) - len(text) + consumed].count("\n")
    record = ReleaseRecord(CSV_ROW if delimiter == "," else TSV_ROW, start, end, record_id=record_id.strip())
    _fill(record, date, refid, origin)
    record.classification = classification.strip()
    record.references = reference_list(references)
    record.header = _without_backslashes(header)
    record.text = whole[: len(whole) - len(text) + consumed]
    # The body field begins on the record's last line, after the header's closing quote.
    rest = text[consumed:]
    body = _unquoted_body(rest) if delimiter == "," else rest.split("\t", 1)[0]
    # The body is the row's last field: what follows it is another row, a second copy.
    record.body_lines = body.split("\n")
    record.copy_follows = len(body) < len(rest) - 2
    return record


def _read_fields(text: str, delimiter: str, count: int) -> tuple[list[str] | None, int]:
    """The first `count` fields of a CSV-quoted row, and where the next field begins."""
    fields: list[str] = []
    position = 0
    while len(fields) < count:
        if position >= len(text):
            return None, 0
        if text[position] == '"':
            value, position = _quoted(text, position + 1)
            if value is None:
                return None, 0
        else:
            limit = MAX_HEADER_FIELD if len(fields) == count - 1 else MAX_PLAIN_FIELD
            stop = text.find(delimiter, position, position + limit)
            if stop == -1:
                return None, 0
            value, position = text[position:stop].strip(), stop
        fields.append(value)
        if position >= len(text) or text[position] != delimiter:
            return None, 0
        position += 1
    return fields, position


def _from_last_date(text: str) -> tuple[str, str]:
    """A TSV row from its date field on, and the record ID printed before the date."""
    first_line = text.split("\n", 1)[0]
    fields = first_line.split("\t")
    for index in range(len(fields) - 1, -1, -1):
        if _TSV_DATE.fullmatch(fields[index].strip()) and index + 1 < len(fields):
            if _IDENTIFIER.fullmatch(fields[index + 1].strip().upper()):
                offset = sum(len(field) + 1 for field in fields[:index])
                record_id = fields[index - 1].strip() if index and fields[index - 1].strip().isdigit() else ""
                return text[offset:], record_id
    return text, ""


def _quoted(text: str, position: int) -> tuple[str | None, int]:
    parts = []
    while True:
        quote = text.find('"', position)
        if quote == -1:
            return None, 0
        parts.append(text[position:quote])
        if text[quote + 1 : quote + 2] == '"':
            parts.append('"')
            position = quote + 2
            continue
        return "".join(parts), quote + 1


def _unquoted_body(text: str) -> str:
    """The body field: opening quote dropped, doubled quotes undone, up to its closing quote
    (or the end, where the release lost it)."""
    if not text.startswith('"'):
        return text.replace('""', '"')
    value, end = _quoted(text, 1)
    return value if value is not None else text[1:].replace('""', '"')


def _without_backslashes(text: str) -> str:
    return "\n".join(line.rstrip().removesuffix("\\").rstrip() for line in text.split("\n"))
