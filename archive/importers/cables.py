"""Cable parser: WikiLeaks Cablegate cables -> ParsedDocument.

A cable is two texts: the header block (routing lines, date-time group, FM/TO/INFO)
and the body (classification banner, front matter, numbered paragraphs, signature).
`parse_cable` reads that pair -- the pair the release's cables.csv holds in its header
and body columns; `cablegate_pages` finds it, with the page's metadata table, in a
Cablegate page saved as HTML or as text.

The body is cleaned of site and release artefacts here, its front matter is read by
`cable_preamble`, a release record pasted into it by `release_records`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .base import ARCHIVE, CABLE, CableHeader, ParsedDocument, ParsedParagraph, ParseError
from .cable_preamble import read_preamble
from .cable_references import with_record_references
from .cable_text import (
    ABBREVIATION_END,
    ADDRESS_TAIL,
    BEGIN_END,
    CABLE_ENDS,
    DTG,
    END_OF_MESSAGE,
    HEADING_BULLETS,
    INLINE_SIGNATURE,
    LEADING_MARKING,
    MARKING,
    MAX_FIRST_NUMBER,
    MAX_HEADING_CHARS,
    MAX_HEADING_LINES,
    MAX_HEADING_WORDS,
    MAX_SKIPPED_NUMBERS,
    MONTHS,
    NOT_NAMES,
    PARAGRAPH_START,
    PRECEDENCES,
    ROUTING_INDICATOR,
    SECTION_MARKER,
    SHORT_LINE,
    SITE_DATE,
    TITLE_NAME,
    UPPER_NAME,
    UTC,
    collapse_spaces,
    ends_sentence,
    is_banner,
    is_blank,
    is_caveat_line,
    is_rule,
    is_separator,
    marking_of,
    normalize_newlines,
    strip_rules,
)
from .release_records import ReleaseRecord, find_record

SOURCE = "WikiLeaks Cablegate"


# --- Paragraph numbers -----------------------------------------------------------------
@dataclass
class _Start:
    index: int  # line index
    number: int  # the number the cable means
    marking: str
    text: str  # the rest of the line after number and marking
    printed: int  # the number as printed ("15" for a lost-pilcrow 5)
    has_marking: bool


def _candidates(lines: list[str]) -> list[_Start]:
    found = []
    for index, line in enumerate(lines):
        match = PARAGRAPH_START.match(line)
        if match:
            number = int(match.group("number"))
            marking = marking_of(match)
            found.append(_Start(index, number, marking, line[match.end() :].strip(), number, bool(marking)))
    return found


def _restored_number(printed: int, last: int) -> int | None:
    """The number a candidate stands for after paragraph `last`, or None if it is text."""
    expected = last + 1
    if printed == expected:
        return printed
    if last >= 1 and str(printed) == f"1{expected}":
        return expected  # "¶5." scraped as "15.": the pilcrow became a 1
    if last < printed <= expected + MAX_SKIPPED_NUMBERS:
        return printed
    if last == 0 and 1 <= printed <= MAX_FIRST_NUMBER:
        return printed  # never "0.": paragraph 0 is the unnumbered text before paragraph 1
    return None


def _has_later_marked_twin(candidates: list[_Start], position: int, number: int) -> bool:
    """An unmarked "2." followed by a marked "2. (C)" is a list item inside paragraph 1."""
    for later in candidates[position + 1 : position + 50]:
        if later.has_marking and later.printed == number:
            return True
        if later.has_marking and later.printed > number:
            return False
    return False


def paragraph_starts(lines: list[str], warnings: list[str]) -> list[_Start]:
    candidates = _candidates(lines)
    starts: list[_Start] = []
    restored: list[str] = []
    last = 0
    for position, candidate in enumerate(candidates):
        number = _restored_number(candidate.printed, last)
        if number is None:
            continue
        if not candidate.has_marking and _has_later_marked_twin(candidates, position, number):
            continue
        if number != candidate.printed:
            restored.append(f"{candidate.printed}.")
        elif starts and number > last + 1:
            warnings.append(f"paragraph numbers skip from {last} to {number}")
        elif not starts and number > 1:
            warnings.append(f"paragraph numbering starts at {number}")
        candidate.number = number
        starts.append(candidate)
        last = number
    if restored:
        warnings.append(
            f"read {', '.join(restored)} as paragraphs that lost their ¶ mark (a '1' in its place)"
        )
    _note_repeats(candidates, starts, warnings)
    return starts


def _note_repeats(candidates: list[_Start], starts: list[_Start], warnings: list[str]) -> None:
    numbers = {start.number for start in starts}
    chosen = {start.index for start in starts}
    for candidate in candidates:
        if candidate.index not in chosen and candidate.has_marking and candidate.printed in numbers:
            warnings.append(f"paragraph number {candidate.printed} repeats; read as text of the one before")


# --- Headings and signatures -------------------------------------------------------------
def heading_text(block: list[str]) -> str:
    return collapse_spaces(" ".join(strip_rules(line) for line in block))


def looks_like_heading(text: str, framed: bool) -> bool:
    if not text or len(text) > MAX_HEADING_CHARS or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if not any(char.isalpha() for char in text) or text.endswith((",", ";", ":")):
        return False
    if text.endswith(".") and not ABBREVIATION_END.search(text[-12:]):
        return False  # a sentence; "The Opportunity for the U.S." is still a heading
    if text.endswith(("?", "!")) and not framed:
        return False
    if text.startswith(HEADING_BULLETS) or text[0].isdigit():
        return False
    if text.startswith("(") and not LEADING_MARKING.match(text):
        return False
    lowered = text.lower()
    return (
        "http" not in lowered
        and "www." not in lowered
        and not BEGIN_END.match(text)
        and not (is_caveat_line(text))
    )


def _block_lines_ok(block: list[str]) -> bool:
    if any(len(line) > SHORT_LINE for line in block):
        return False
    # A title wrapped over lines never ends a line with a full stop or colon before its last.
    return not any(line.rstrip().endswith((".", ":", ";", "!", "?")) for line in block[:-1])


def heading_at_end(lines: list[str], floor: int) -> tuple[int, str] | None:
    """The heading closing lines[floor:] (it belongs to the paragraph that follows), if any.

    Returns the index where the heading's block begins and the heading text.
    """
    end = len(lines)
    rule_after = False
    while end > floor and is_separator(lines[end - 1]):
        rule_after = rule_after or is_rule(lines[end - 1])
        end -= 1
    begin = end
    while begin > floor and end - begin <= MAX_HEADING_LINES and not is_separator(lines[begin - 1]):
        begin -= 1
    before = lines[begin - 1] if begin > 0 else None
    if before is None or is_separator(before):
        block = lines[begin:end]
        if not block or len(block) > MAX_HEADING_LINES:
            return None
        framed = rule_after or (before is not None and is_rule(before))
    else:
        # Glued to the text above: only a single line, underlined or after a full sentence.
        begin = end - 1
        if begin < max(floor, 1) or not (rule_after or ends_sentence(lines[begin - 1])):
            return None
        block, framed = lines[begin:end], rule_after
    text = heading_text(block) if _block_lines_ok(block) else ""
    return (begin, text) if looks_like_heading(text, framed) else None


def heading_at_start(lines: list[str]) -> tuple[int, str] | None:
    """A heading opening an unnumbered stretch of text: returns (first line after it, heading)."""
    begin = 0
    while begin < len(lines) and is_separator(lines[begin]):
        begin += 1
    end = begin
    while end < len(lines) and not is_separator(lines[end]) and end - begin <= MAX_HEADING_LINES:
        end += 1
    if end >= len(lines) or end == begin or end - begin > MAX_HEADING_LINES:
        return None
    if not any(not is_separator(line) for line in lines[end:]):
        return None
    block = lines[begin:end]
    framed = is_rule(lines[end]) or (begin > 0 and is_rule(lines[begin - 1]))
    text = heading_text(block) if _block_lines_ok(block) else ""
    return (end, text) if looks_like_heading(text, framed) else None


def is_upper_name(text: str) -> bool:
    if len(text) > 60 or not UPPER_NAME.fullmatch(text):
        return False
    return not any(word.strip(".") in NOT_NAMES for word in re.split(r"[ /]", text))


def is_title_name(text: str) -> bool:
    return len(text) <= 40 and bool(TITLE_NAME.fullmatch(text)) and text.split()[0] not in {"End", "Comment"}


@dataclass
class _Signature:
    index: int  # line holding the signature
    name: str
    remainder: str | None = None  # text left on that line when the name ended a sentence line


def _last_text_line(lines: list[str]) -> int:
    end = len(lines)
    while end and (is_separator(lines[end - 1]) or lines[end - 1].strip() in {"NNNN", "BT"}):
        end -= 1
    return end - 1


def signature_at_end(lines: list[str], floor: int) -> _Signature | None:
    """The signer's name closing the cable ("NEALON", "Gfoeller", "... End Comment.  WAYNE").

    A name on a line of its own must come after lines[floor - 1] (the last paragraph's
    first line); a name ending a sentence line may sit on that line itself.
    """
    index = _last_text_line(lines)
    if index < max(floor - 1, 0):
        return None
    line = lines[index]
    prefix, text = (line[:-SHORT_LINE], line[-SHORT_LINE:]) if len(line) > SHORT_LINE else ("", line)
    cut = END_OF_MESSAGE.search(text)  # "HALL NNNN 2004ROME02926 - Classification: ..."
    text = (text[: cut.start()] if cut else text).rstrip()
    candidate = text.strip()
    if not prefix and index >= max(floor, 1):
        previous = lines[index - 1]
        if is_upper_name(candidate):
            return _Signature(index, candidate)
        if is_title_name(candidate) and (is_blank(previous) or ends_sentence(previous)):
            return _Signature(index, candidate)
    inline = INLINE_SIGNATURE.search(text)
    if inline and inline["name"] not in NOT_NAMES and set(inline["name"]) != {"X"}:
        remainder = (prefix + text[: inline.start()]).rstrip()
        if remainder.strip():
            return _Signature(index, inline["name"], remainder)
    return None


# --- Paragraphs ------------------------------------------------------------------------
def paragraph_text(lines: list[str]) -> str:
    """Join lines keeping their breaks; drop edge separators and runs of blank lines."""
    kept: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not kept or not kept[-1]):
            continue
        kept.append(line)
    while kept and is_separator(kept[-1]):
        kept.pop()
    first = 0
    while first < len(kept) and is_separator(kept[first]):
        first += 1
    return "\n".join(kept[first:])


def split_marking(text: str) -> tuple[str, str]:
    """'(S/NF) Summary: ...' -> ('S/NF', 'Summary: ...')."""
    match = LEADING_MARKING.match(text[:SHORT_LINE])
    if not match:
        return "", text
    return marking_of(match), text[match.end() :]


def numbered_paragraphs(lines: list[str], starts: list[_Start]) -> list[ParsedParagraph]:
    paragraphs: list[ParsedParagraph] = []
    intro = lines[: starts[0].index]
    heading = ""
    found = heading_at_end(intro, 0)
    if found:
        intro, heading = intro[: found[0]], found[1]
    paragraphs.extend(intro_paragraph(intro))
    for position, start in enumerate(starts):
        stop = starts[position + 1].index if position + 1 < len(starts) else len(lines)
        segment = [start.text, *lines[start.index + 1 : stop]]
        next_heading = ""
        if position + 1 < len(starts):
            found = heading_at_end(segment, 1)
            if found:
                segment, next_heading = segment[: found[0]], found[1]
        text = paragraph_text(segment)
        paragraphs.append(ParsedParagraph(start.number, text, start.marking, heading))
        heading = next_heading
    return paragraphs


def intro_paragraph(lines: list[str]) -> list[ParsedParagraph]:
    """Text between the preamble and paragraph 1 (an unnumbered summary): paragraph 0."""
    heading = ""
    found = heading_at_start(lines)
    if found:
        lines, heading = lines[found[0] :], found[1]
    text = paragraph_text(lines)
    if not text:
        return []
    marking, text = split_marking(text)
    return [ParsedParagraph(0, text, marking, heading, numbered_by=ARCHIVE)]


def text_blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if is_separator(line):
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def unnumbered_paragraphs(lines: list[str]) -> list[ParsedParagraph]:
    """A cable without paragraph numbers: its blank-line blocks, numbered 1..n."""
    paragraphs: list[ParsedParagraph] = []
    heading = ""
    blocks = text_blocks(lines)
    for position, block in enumerate(blocks):
        text = heading_text(block) if _block_lines_ok(block) else ""
        if position + 1 < len(blocks) and looks_like_heading(text, framed=False):
            heading = text
            continue
        marking, body = split_marking(paragraph_text(block))
        paragraphs.append(ParsedParagraph(len(paragraphs) + 1, body, marking, heading, numbered_by=ARCHIVE))
        heading = ""
    return paragraphs


def split_paragraphs(lines: list[str], warnings: list[str]) -> tuple[list[ParsedParagraph], str]:
    starts = paragraph_starts(lines, warnings)
    signature = signature_at_end(lines, starts[-1].index + 1 if starts else 0)
    if signature:
        lines = lines[: signature.index] + ([signature.remainder] if signature.remainder else [])
        if starts and starts[-1].index == signature.index:
            match = PARAGRAPH_START.match(lines[-1])
            starts[-1].text = lines[-1][match.end() :].strip() if match else lines[-1].strip()
    if starts:
        paragraphs = numbered_paragraphs(lines, starts)
    else:
        paragraphs = unnumbered_paragraphs(lines)
        if paragraphs:
            warnings.append("no numbered paragraphs; numbered the text's blocks 1..n")
    return paragraphs, signature.name if signature else ""


# --- Cleaning the body -------------------------------------------------------------------
def _drop_section_markers(lines: list[str]) -> list[str]:
    """Remove "STATE 00156011 002 OF 002" lines and the page break around them.

    One blank line is kept when the text before the break ended a sentence or the text
    after it is a list item; otherwise the sentence simply runs on.
    """
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if len(line) > SHORT_LINE or not SECTION_MARKER.fullmatch(line):
            kept.append(line)
            index += 1
            continue
        had_blank = bool(kept) and is_blank(kept[-1])
        while kept and is_blank(kept[-1]):
            kept.pop()
        index += 1
        while index < len(lines) and is_blank(lines[index]):
            index += 1
        following = lines[index].lstrip() if index < len(lines) else ""
        if kept and (ends_sentence(kept[-1]) or (had_blank and following.startswith(("-", "o ", "*")))):
            kept.append("")
    return kept


def _drop_duplicated_lines(lines: list[str], warnings: list[str]) -> list[str]:
    """Drop 'Q'-prefixed repeats of the line before, an artefact of the original release."""
    kept: list[str] = []
    dropped = 0
    for line in lines:
        if kept and line.startswith("Q") and line[1:].strip() == kept[-1].strip() and kept[-1].strip():
            dropped += 1
            continue
        kept.append(line)
    if dropped:
        warnings.append(f"dropped {dropped} repeated line(s) prefixed with 'Q'")
    return kept


def _from_banner(lines: list[str], warnings: list[str]) -> tuple[list[str], list[str]]:
    """The body from its classification banner on, and the lines before it (the site's date
    line aside), which belong to the header."""
    for index, line in enumerate(lines):
        if PARAGRAPH_START.match(line):
            break  # the text has begun: there is no banner to find
        if is_banner(line):
            before = [
                x.strip() for x in lines[:index] if x.strip() and not SITE_DATE.fullmatch(x[:SHORT_LINE])
            ]
            return [line.lstrip('\t ",'), *lines[index + 1 :]], before
    warnings.append("no classification banner")
    return [line for line in lines if len(line) > SHORT_LINE or not SITE_DATE.fullmatch(line)], []


def _drop_cut_marks(lines: list[str], warnings: list[str]) -> list[str]:
    """A partial extract ends with '...'; the release's tools added '===CABLE ENDS==='."""
    end = len(lines)
    while end and is_blank(lines[end - 1]):
        end -= 1
    if end and lines[end - 1].strip() in {"...", "…"}:
        warnings.append("the text is cut off ('...'): a partial extract")
        end -= 1
    return [line for line in lines[:end] if len(line) > SHORT_LINE or not CABLE_ENDS.fullmatch(line)]


_TRAILING_SECTION_MARKER = re.compile(
    r"[ \t]{2,}[A-Za-z][A-Za-z .'-]{0,40}[ \t]\d{5,9}"
    r"[ \t]+\d{3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{3}[ \t]*$",
    re.IGNORECASE,
)


def _drop_trailing_section_markers(lines: list[str]) -> list[str]:
    """'... to meet Muhammad.   TRIPOLI 00000047  002 OF 002': a section break run into text."""
    kept = []
    for line in lines:
        tail_at = max(len(line) - 90, 0)
        match = _TRAILING_SECTION_MARKER.search(line[tail_at:])
        kept.append(line[: tail_at + match.start()] if match and (tail_at or match.start()) else line)
    return kept


# Reflowed cables run paragraphs together: "... End Summary.  2. (SBU) Ambassador called ..."
# or "... that they had. Cruz del Sur ------------ 5. (SBU) Ambassador ...".
_RUN_IN_START = re.compile(
    r"(?:(?<=[.!?\"”)])[ \t]{1,3}|(?P<rule>(?<!-)-{3,})[ \t]{1,3})"
    r"(?=\d{1,2}[ \t]?\.[ \t]?\(" + MARKING + r"\)[ \t])",
    re.IGNORECASE,
)
_TRAILING_RULE = re.compile(r"(?<!-)-{3,}[ \t]*$")


def _text_then_heading(text: str) -> list[str]:
    """'... they had. Cruz del Sur' -> ['... they had.', '', 'Cruz del Sur'] for a heading."""
    stripped = text.rstrip()
    for index in range(len(stripped) - 1, max(len(stripped) - MAX_HEADING_CHARS - 2, -1), -1):
        if stripped[index] in '.!?"”)' and stripped[index + 1 : index + 2] in {" ", "\t"}:
            heading = stripped[index + 1 :].strip()
            if looks_like_heading(heading, framed=True):
                return [stripped[: index + 1], "", heading]
            break
    return [stripped]


def _unflow_line(line: str) -> list[str]:
    pieces: list[str] = []
    last = 0
    for match in _RUN_IN_START.finditer(line):
        before = line[last : match.start()]
        if match["rule"]:
            pieces.extend([*_text_then_heading(before), match["rule"]] if before.strip() else [match["rule"]])
        else:
            pieces.append(before.rstrip())
        last = match.end()
    rest = line[last:]
    tail_at = max(len(rest) - SHORT_LINE, 0)
    rule = _TRAILING_RULE.search(rest[tail_at:])
    if rule and rest[: tail_at + rule.start()].strip():
        pieces.extend([*_text_then_heading(rest[: tail_at + rule.start()]), rule.group().strip()])
    else:
        pieces.append(rest)
    return pieces


def _unflow(lines: list[str]) -> list[str]:
    """Give run-together paragraphs and their headings lines of their own (long lines only)."""
    result: list[str] = []
    for line in lines:
        run_in = len(line) > SHORT_LINE or line.lstrip().startswith("---")
        pieces = _unflow_line(line) if run_in else [line]
        if pieces and is_rule(pieces[0]) and result and len(result[-1]) > SHORT_LINE:
            result[-1:] = _text_then_heading(result[-1])  # "... Training and Reform" / "-------"
        result.extend(pieces)
    return result


def body_lines(lines: list[str], warnings: list[str]) -> tuple[list[str], list[str]]:
    """The body's lines with site and release artefacts out, and the lines found before its
    classification banner."""
    lines = _drop_duplicated_lines(lines, warnings)
    lines = _drop_section_markers(_drop_trailing_section_markers(lines))
    lines = _unflow(lines)
    lines, before_banner = _from_banner(lines, warnings)
    return _drop_cut_marks(lines, warnings), before_banner


def raw_lines(body: str) -> list[str]:
    # Trailing spaces stay: a line that fills the width with no space after was wrapped mid-word.
    return [_without_backslash(line) for line in normalize_newlines(body).split("\n")]


def _without_backslash(line: str) -> str:
    """09BERN350 ends every line with a backslash (an escaped newline in its source)."""
    stripped = line.rstrip()
    return stripped[:-1] + line[len(stripped) :] if stripped.endswith("\\") else line


# --- Header block ------------------------------------------------------------------------
def clean_address(line: str) -> str:
    """'RUEHC/SECSTATE WASHDC IMMEDIATE 4691' -> 'SECSTATE WASHDC'."""
    text = collapse_spaces(line)
    match = ROUTING_INDICATOR.match(text)
    if match:
        text = text[match.end() :]
    for _ in range(3):
        text = ADDRESS_TAIL.sub("", text)
    return text.strip()


def parse_header(header: str) -> CableHeader:
    result = CableHeader()
    lines = [line.rstrip().removesuffix("\\").rstrip() for line in normalize_newlines(header).split("\n")]
    start = 0
    for index, line in enumerate(lines):
        match = DTG.match(line[:SHORT_LINE])
        if match:
            result.dtg = collapse_spaces(match["dtg"])
            result.precedence = PRECEDENCES[match["precedence"]]
            start = index + 1
            break
    target: list[str] | None = None
    for line in lines[start:]:
        stripped = line.strip()[: 2 * SHORT_LINE]
        word = stripped.split(" ", 1)[0] if stripped else ""
        rest = stripped[len(word) :]
        if word == "FM" and not result.from_:
            result.from_ = clean_address(rest)
        elif word == "TO" and result.from_:
            target = result.to
            _add_address(target, rest)
        elif word == "INFO" and result.from_:
            target = result.info
            _add_address(target, rest)
        elif not stripped or word in {"BT", "XMT"} or is_banner(stripped):
            if result.from_ and (result.to or result.info):
                break
        elif target is not None:
            _add_address(target, stripped)
    return result


def _add_address(addresses: list[str], text: str) -> None:
    address = clean_address(text)
    if address and address not in addresses:
        addresses.append(address)


def dtg_datetime(dtg: str) -> dt.datetime | None:
    """'171704Z OCT 07' -> 2007-10-17 17:04 UTC."""
    match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})Z (\w{3}) (\d{2})", dtg)
    if not match or match[4] not in MONTHS:
        return None
    year = int(match[5]) + (1900 if int(match[5]) > 60 else 2000)
    try:
        return dt.datetime(year, MONTHS[match[4]], int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


# --- A release record in the body ---------------------------------------------------------
def _has_cable_text(lines: list[str]) -> bool:
    return any(is_banner(line) or PARAGRAPH_START.match(line) for line in lines[:400])


def text_around_record(lines: list[str], record: ReleaseRecord) -> tuple[list[str], bool]:
    """The cable's text where a release record sits in the body, and whether it is whole.

    The text after a record is the whole cable; what the page showed before it was, at
    most, a partial extract of the same cable, which the whole text holds.
    """
    after = record.body_lines if record.body_lines is not None else lines[record.end :]
    if _has_cable_text(after):
        return after, True
    return lines[: record.start], False


def _take_record(doc: ParsedDocument, record: ReleaseRecord) -> None:
    """Fill a cable from the release record of its own reference ID."""
    if record.created and record.has_time:
        doc.created = record.created
        doc.date = record.created.date()
    header = parse_header(record.header)
    if header.dtg or header.from_:
        doc.header = header
    listed = [identifier for identifier in record.references if identifier != doc.identifier]
    doc.references = with_record_references(doc.references, listed)


# --- The cable -----------------------------------------------------------------------------
def parse_cable(
    header: str,
    body: str,
    *,
    identifier: str,
    created: dt.datetime | None,
    released: dt.datetime | None,
    classification: str,
    origin: str,
    source: str = SOURCE,
    format: str = "cablegate",
    partial_extract: bool = False,
) -> ParsedDocument:
    """One cable from its header block and body text (plain text, "\\n" newlines).

    `partial_extract`: the page said its text is a partial extract of the cable.
    """
    identifier = collapse_spaces(identifier or "").upper()
    if not identifier:
        raise ParseError("not a cable: no reference ID")
    warnings: list[str] = []
    lines = raw_lines(body or "")
    header_parts: list[str] = []
    record = find_record(lines)
    whole = False
    if record is not None:
        lines, whole = text_around_record(lines, record)
        header_parts.append(record.text)
        warnings.append(
            f"read a release record pasted into the body ({record.layout}); kept it as header text"
        )
    lines, before_banner = body_lines(lines, warnings)
    header_parts.extend(before_banner)
    preamble = read_preamble(lines, warnings, identifier)
    header_parts.extend(preamble.header_lines)
    # SIPDIS and the like, alone on a line, are distribution captions wherever they stand.
    text = [line for line in preamble.lines[preamble.end :] if not is_caveat_line(line)]
    paragraphs, signature = split_paragraphs(text, warnings)
    if not preamble.subject:
        warnings.append("no SUBJECT line")
    if not paragraphs:
        warnings.append("no text after the preamble")
    doc = ParsedDocument(
        type=CABLE,
        title=preamble.subject or identifier,
        source=source,
        format=format,
        identifier=identifier,
        date=created.date() if created else None,
        subject=preamble.subject,
        created=created,
        released=released,
        classification=collapse_spaces(classification or ""),
        origin=collapse_spaces(origin or ""),
        header=parse_header(header or ""),
        header_text="\n".join(part.rstrip() for part in header_parts if part.strip()),
        partial_extract=partial_extract and not whole,
        declassify_on=preamble.declassify_on,
        declassification=preamble.declassification,
        classified_by=preamble.classified_by,
        references=preamble.references,
        signature=signature,
        tags=preamble.tags,
        paragraphs=paragraphs,
        warnings=warnings,
    )
    if record is not None and record.reference_id == identifier:
        _take_record(doc, record)
    elif record is not None:
        warnings.append(
            f"the body holds the release record of {record.reference_id}, not of {identifier}:"
            " kept in the header text, its fields not used"
        )
    return doc
