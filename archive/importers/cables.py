"""Cable parser: WikiLeaks Cablegate cables -> ParsedDocument.

A cable is two texts: the header block (routing lines, date-time group, FM/TO/INFO)
and the body (classification banner, E.O. line, TAGS, SUBJECT, REF, Classified By,
numbered paragraphs, signature). `parse_cable` reads that pair -- the pair the
release's cables.csv holds in its header and body columns -- and the page parsers
only find it, with the page's metadata table, in a Cablegate page saved as HTML or
as text.

Everything works line by line and every regex is anchored or bounded, so a parse is
linear in the size of the text: no pattern here can backtrack over a long line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .base import CABLE, CableHeader, ParsedDocument, ParsedParagraph, ParseError

SOURCE = "WikiLeaks Cablegate"
UTC = dt.UTC

# A cable may skip a few paragraph numbers ("4." then "6."); a bigger jump is a year,
# an amount or a list item at the start of a line, not a paragraph.
MAX_SKIPPED_NUMBERS = 3
# Where no paragraph has been seen yet, a first number up to this opens the numbering.
MAX_FIRST_NUMBER = 20
# A heading is a short line (or a title wrapped onto two or three lines).
MAX_HEADING_LINES = 3
MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 16
# Lines longer than this are never headings, names or labels: skip the costly tests.
SHORT_LINE = 200

PRECEDENCES = {"Z": "FLASH", "O": "IMMEDIATE", "P": "PRIORITY", "R": "ROUTINE"}
MONTHS = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}

# --- Patterns -------------------------------------------------------------------------
# Portion markings: (C) (SBU) (U) (S/NF) (C//NF) (S//REL TO USA, ACGU) (U//FOUO) ...
_MARKING = r"(?:TS|S|C|U|SBU|LOU|FOUO)(?:\s?/{1,2}\s?[A-Z][A-Z0-9 ,./-]{0,40}?)?"
_PARAGRAPH_START = re.compile(
    r"[ \t]{0,20}(?P<pilcrow>¶[ \t]?)?(?P<number>\d{1,4})[ \t]?\.(?=[\s(]|$)[ \t]{0,10}"
    r"(?:\((?P<marking>" + _MARKING + r")\)[ \t]{0,10})?",
    re.IGNORECASE,
)
_LEADING_MARKING = re.compile(r"[ \t]{0,10}\((?P<marking>" + _MARKING + r")\)[ \t]{0,10}", re.IGNORECASE)
# The classification banner opening a body: "C O N F I D E N T I A L LIMA 003429",
# "UNCLAS SECTION 01 OF 03 SAO PAULO 000165". Plain words need the serial number too, so
# that an addressee such as "SECRET SERVICE WASHDC" is no banner.
_SPACED_BANNER = re.compile(r"[\s\",]{0,10}(?:T O P )?(?:S E C R E T|C O N F I D E N T I A L)\b")
_WORD_BANNER = re.compile(
    r"[\s\",]{0,10}(?:UNCLAS|UNCLASSIFIED|LIMITED OFFICIAL USE|CONFIDENTIAL|SECRET|TOP SECRET)\b"
)
_SERIAL = re.compile(r"\b\d{4,7}\b")
# "VATICAN 00000141 001.2 OF 002": where a multi-section cable's next section begins.
_SECTION_MARKER = re.compile(
    r"[ \t]{0,10}[A-Za-z][A-Za-z .'-]{0,40}[ \t]\d{5,9}"
    r"[ \t]+\d{3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{3}[ \t]*",
    re.IGNORECASE,
)
# "Friday, 28 December 2007, 16:40": added by the site above some cables.
_SITE_DATE = re.compile(
    r"[ \t]*(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, "
    r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}[ \t]*"
)
# A database record pasted into the body ahead of a second copy of the cable.
_CSV_RECORD = re.compile(r"\d{1,7},\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2},")
_TSV_RECORD = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?\t")
_CABLE_ENDS = re.compile(r"[ \t]*=+[ \t]*CABLE ENDS[ \t]*=+[ \t]*")
_END_OF_MESSAGE = re.compile(r"\s+NNNN\b")

_CAVEAT_WORD = r"(?:SIPDIS|NOFORN|SENSITIVE|ENSITIVE|EXDIS|LIMDIS|NODIS|STADIS|NOCONTRACT|ORCON|PROPIN)"
_CAVEATS = re.compile(r"(?:" + _CAVEAT_WORD + r"\b[\s,;]{0,5})+", re.IGNORECASE)
_EO = re.compile(r"(?:E\.?[ \t]?O\.?)[ \t]?\d{4,5}\b", re.IGNORECASE)
_DECL = re.compile(r"DECL\b", re.IGNORECASE)
_TAGS = re.compile(r"TAGS\b[ \t]*:?[ \t]*", re.IGNORECASE)
_SUBJECT = re.compile(r"SUBJ(?:ECT)?[ \t]*:[ \t]*", re.IGNORECASE)
_REF = re.compile(r"(?:REFS?|REFTELS?)\b[ \t]*:?[ \t]*|REFERENCES?[ \t]*:[ \t]*", re.IGNORECASE)
_CLASSIFIED_BY = re.compile(r"CLASSIFIED[ \t]+BY\b[ \t]*:?[ \t]*", re.IGNORECASE)
_REASON = re.compile(r"[ \t]*REASONS?\b", re.IGNORECASE)
_INLINE_TAGS = re.compile(r"\bTAGS\b")
_INLINE_SUBJECT = re.compile(r"\bSUBJ(?:ECT)?[ \t]*:")

_TAG_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
_REF_LETTER = re.compile(r"[ \t]*\(?[A-Za-z][.)](?:\s|[A-Z])")
_REF_SPLIT = re.compile(r"[ \t]*;[ \t]*|(?:^|(?<=[\s,;]))\(?[A-Za-z][.)](?=\s|[A-Z]|$)[ \t]*")
_REF_CABLE_ID = re.compile(
    r"(?:19|20)?(?P<year>\d{2})[ \t]?(?P<place>[A-Z][A-Z .'-]{0,40}?)[ \t]?0*(?P<serial>\d{1,7})"
    r"(?:[ \t]*\([^)]{0,40}\))?"
)
_DTG = re.compile(
    r"[ \t]*(?P<precedence>[OPRZ])(?:[ \t]+[OPRZ])?[ \t]+"
    r"(?P<dtg>\d{6}Z[ \t]+[A-Z]{3}[ \t]+\d{2})\b"
)
_ROUTING_INDICATOR = re.compile(r"R[A-Z0-9]{3,7}/(?=\S)")
_ADDRESS_TAIL = re.compile(r"[ \t]+(?:\d{4}|(?:NIACT[ \t]+)?(?:IMMEDIATE|PRIORITY|ROUTINE|FLASH))$")

_UPPER_NAME = re.compile(r"[A-Z][A-Z.'-]{1,30}(?:[ /][A-Z][A-Z.'-]{0,30}){0,3}")
_TITLE_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}")
# "... End Comment.  WAYNE", "... Classified Website: XXXXXXXXXXXX TUTTLE"
_INLINE_SIGNATURE = re.compile(r"(?:(?<=[.!?\"”)*])|(?<=XXXX))[ \t]+(?P<name>[A-Z][A-Z'-]{2,30})[ \t]*$")
_NOT_NAMES = frozenset(
    "END COMMENT SUMMARY TEXT NOTE BT NNNN SIPDIS NOFORN QUOTE UNQUOTE UNCLASSIFIED UNCLAS"
    " CONFIDENTIAL SECRET SENSITIVE ACTION".split()
)
_HEADING_BULLETS = ("-", "*", "•", "·", "o ", "+", "=", "_")
_ABBREVIATION_END = re.compile(r"(?:^|\s)(?:[A-Z]\.){2,}$")
_BEGIN_END = re.compile(r"(?:BEGIN|END)\b", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "'", "’", ")")
# A SUBJECT ending in one of these was cut by a blank line ("... AMBITIONS AND THE").
_CONNECTORS = frozenset("AND THE OF TO IN FOR ON WITH A AN BY AT OR FROM".split())

_RULE_CHARS = "-=_*~"
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


# --- Small text helpers ----------------------------------------------------------------
def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").translate(_LINE_BREAKS)


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def is_blank(line: str) -> bool:
    return not line.strip()


def is_rule(line: str) -> bool:
    """A line drawn with dashes, equals signs or stars ("-------", "- - - -")."""
    stripped = line.strip()
    return len(stripped.replace(" ", "")) >= 3 and not stripped.strip(_RULE_CHARS + " \t")


def is_separator(line: str) -> bool:
    return is_blank(line) or is_rule(line)


def ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(_SENTENCE_END)


def strip_rules(text: str) -> str:
    """'------- SUMMARY -------' -> 'SUMMARY'; a single '-' (a list bullet) stays."""
    text = text.strip()
    left = text.lstrip(_RULE_CHARS + " \t")
    if sum(char in _RULE_CHARS for char in text[: len(text) - len(left)]) >= 3:
        text = left
    right = text.rstrip(_RULE_CHARS + " \t")
    if sum(char in _RULE_CHARS for char in text[len(right) :]) >= 3:
        text = right
    return text


def is_banner(line: str) -> bool:
    head = line[:SHORT_LINE]
    if _SPACED_BANNER.match(head):
        return True
    return bool(_WORD_BANNER.match(head)) and _SERIAL.search(head) is not None


def is_caveat_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped) < SHORT_LINE and _CAVEATS.fullmatch(stripped) is not None


def without_leading_caveats(line: str) -> str:
    """'SIPDIS E.O. 12958: ...' -> 'E.O. 12958: ...' (a reflowed preamble)."""
    stripped = line.strip()
    match = _CAVEATS.match(stripped[:SHORT_LINE])
    return stripped[match.end() :] if match else stripped


def marking_of(match: re.Match[str]) -> str:
    marking = match.group("marking") or ""
    return collapse_spaces(marking).upper()


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
        match = _PARAGRAPH_START.match(line)
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
    if text.endswith(".") and not _ABBREVIATION_END.search(text[-12:]):
        return False  # a sentence; "The Opportunity for the U.S." is still a heading
    if text.endswith(("?", "!")) and not framed:
        return False
    if text.startswith(_HEADING_BULLETS) or text[0].isdigit():
        return False
    if text.startswith("(") and not _LEADING_MARKING.match(text):
        return False
    lowered = text.lower()
    return (
        "http" not in lowered
        and "www." not in lowered
        and not _BEGIN_END.match(text)
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
    if len(text) > 60 or not _UPPER_NAME.fullmatch(text):
        return False
    return not any(word.strip(".") in _NOT_NAMES for word in re.split(r"[ /]", text))


def is_title_name(text: str) -> bool:
    return len(text) <= 40 and bool(_TITLE_NAME.fullmatch(text)) and text.split()[0] not in {"End", "Comment"}


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
    cut = _END_OF_MESSAGE.search(text)  # "HALL NNNN 2004ROME02926 - Classification: ..."
    text = (text[: cut.start()] if cut else text).rstrip()
    candidate = text.strip()
    if not prefix and index >= max(floor, 1):
        previous = lines[index - 1]
        if is_upper_name(candidate):
            return _Signature(index, candidate)
        if is_title_name(candidate) and (is_blank(previous) or ends_sentence(previous)):
            return _Signature(index, candidate)
    inline = _INLINE_SIGNATURE.search(text)
    if inline and inline["name"] not in _NOT_NAMES and set(inline["name"]) != {"X"}:
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
    match = _LEADING_MARKING.match(text[:SHORT_LINE])
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
    return [ParsedParagraph(0, text, marking, heading)]


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
        paragraphs.append(ParsedParagraph(len(paragraphs) + 1, body, marking, heading))
        heading = ""
    return paragraphs


def split_paragraphs(lines: list[str], warnings: list[str]) -> tuple[list[ParsedParagraph], str]:
    starts = paragraph_starts(lines, warnings)
    signature = signature_at_end(lines, starts[-1].index + 1 if starts else 0)
    if signature:
        lines = lines[: signature.index] + ([signature.remainder] if signature.remainder else [])
        if starts and starts[-1].index == signature.index:
            match = _PARAGRAPH_START.match(lines[-1])
            starts[-1].text = lines[-1][match.end() :].strip() if match else lines[-1].strip()
    if starts:
        paragraphs = numbered_paragraphs(lines, starts)
    else:
        paragraphs = unnumbered_paragraphs(lines)
        if paragraphs:
            warnings.append("no numbered paragraphs; numbered the text's blocks 1..n")
    return paragraphs, signature.name if signature else ""


# --- Cleaning the body -------------------------------------------------------------------
def _drop_embedded_record(lines: list[str], warnings: list[str]) -> list[str]:
    """Keep only the copy of the cable that follows a pasted database record (09THEHAGUE92)."""
    for index, line in enumerate(lines):
        comma = _CSV_RECORD.match(line)
        if not comma and not _TSV_RECORD.match(line):
            continue
        for banner_index in range(index + 1, len(lines)):
            if is_banner(lines[banner_index]):
                warnings.append("skipped a duplicated header block (a database record pasted into the body)")
                rest = [lines[banner_index].lstrip('\t ",'), *lines[banner_index + 1 :]]
                return _unquote_csv(rest) if comma else rest
        return lines
    return lines


def _unquote_csv(lines: list[str]) -> list[str]:
    """The second copy sat in a quoted CSV field: undouble its quotes, drop the closing one."""
    lines = [line.replace('""', '"') for line in lines]
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            if lines[index].rstrip().endswith('"') and lines[index].count('"') % 2 == 1:
                lines[index] = lines[index].rstrip()[:-1]
            break
    return lines


def _drop_section_markers(lines: list[str]) -> list[str]:
    """Remove "STATE 00156011 002 OF 002" lines and the page break around them.

    One blank line is kept when the text before the break ended a sentence or the text
    after it is a list item; otherwise the sentence simply runs on.
    """
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if len(line) > SHORT_LINE or not _SECTION_MARKER.fullmatch(line):
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


def _from_banner(lines: list[str], warnings: list[str]) -> list[str]:
    """Start the body at its classification banner, dropping the site's date line before it."""
    for index, line in enumerate(lines):
        if _is_paragraph_start(line):
            break  # the text has begun: there is no banner to find
        if is_banner(line):
            dropped = [x for x in lines[:index] if x.strip() and not _SITE_DATE.fullmatch(x[:SHORT_LINE])]
            if dropped:
                warnings.append(f"dropped {len(dropped)} line(s) before the classification banner")
            return [line.lstrip('\t ",'), *lines[index + 1 :]]
    warnings.append("no classification banner")
    return [line for line in lines if len(line) > SHORT_LINE or not _SITE_DATE.fullmatch(line)]


def _drop_cut_marks(lines: list[str], warnings: list[str]) -> list[str]:
    """A partial extract ends with '...'; the release's tools added '===CABLE ENDS==='."""
    end = len(lines)
    while end and is_blank(lines[end - 1]):
        end -= 1
    if end and lines[end - 1].strip() in {"...", "…"}:
        warnings.append("the text is cut off ('...'): a partial extract")
        end -= 1
    return [line for line in lines[:end] if len(line) > SHORT_LINE or not _CABLE_ENDS.fullmatch(line)]


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
    r"(?=\d{1,2}[ \t]?\.[ \t]?\(" + _MARKING + r"\)[ \t])",
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


def body_lines(body: str, warnings: list[str]) -> list[str]:
    """The body as lines: trailing blanks and backslashes gone, site and release artefacts out."""
    # Trailing spaces stay: a line that fills the width with no space after was wrapped mid-word.
    lines = [_without_backslash(line) for line in normalize_newlines(body).split("\n")]
    lines = _drop_embedded_record(lines, warnings)
    lines = _drop_duplicated_lines(lines, warnings)
    lines = _drop_section_markers(_drop_trailing_section_markers(lines))
    lines = _unflow(lines)
    lines = _from_banner(lines, warnings)
    lines = _drop_cut_marks(lines, warnings)
    # SIPDIS and the like, alone on a line, are distribution captions wherever they stand.
    return [lines[0], *(line for line in lines[1:] if not is_caveat_line(line))] if lines else lines


def _without_backslash(line: str) -> str:
    """09BERN350 ends every line with a backslash (an escaped newline in its source)."""
    stripped = line.rstrip()
    return stripped[:-1] + line[len(stripped) :] if stripped.endswith("\\") else line


# --- Preamble ------------------------------------------------------------------------------
@dataclass
class Preamble:
    subject: str = ""
    tags: list[str] = field(default_factory=list)
    declassification: str = ""
    declassify_on: dt.date | None = None
    classified_by: str = ""
    references: list[str] = field(default_factory=list)
    end: int = 0  # index of the first line after the preamble


def _label_of(line: str) -> str | None:
    text = without_leading_caveats(line[: 2 * SHORT_LINE])
    for name, pattern in (
        ("eo", _EO),
        ("decl", _DECL),
        ("tags", _TAGS),
        ("subject", _SUBJECT),
        ("ref", _REF),
        ("classified", _CLASSIFIED_BY),
    ):
        match = pattern.match(text)
        if match and (name != "decl" or ":" in text[:12]):
            return name
    return None


def _is_paragraph_start(line: str) -> bool:
    return _PARAGRAPH_START.match(line) is not None


def _stops_continuation(line: str) -> bool:
    return is_separator(line) or _label_of(line) is not None or _is_paragraph_start(line)


class _PreambleReader:
    """Reads the banner's fields: E.O., TAGS, SUBJECT, REF, Classified By (any order)."""

    def __init__(self, lines: list[str], warnings: list[str]):
        self.lines = lines
        self.warnings = warnings
        self.result = Preamble()
        self.index = 1 if lines and is_banner(lines[0]) else 0

    def read(self) -> Preamble:
        fields_at = self._first_field_line()
        while self.index < len(self.lines):
            line = self.lines[self.index]
            label = _label_of(line)
            if label:
                getattr(self, f"_read_{label}")(without_leading_caveats(line))
            elif is_blank(line) or is_caveat_line(line):
                self.index += 1
            elif fields_at is not None and self.index < fields_at:
                self.index += 1  # "STATE FOR EUR/WE", "PASS TO ...": routing before the E.O. line
            else:
                break
        self.result.end = self.index
        return self.result

    def _first_field_line(self) -> int | None:
        for index in range(self.index, min(len(self.lines), self.index + 60)):
            line = self.lines[index]
            if _is_paragraph_start(line):
                return None
            if _label_of(line) in {"eo", "decl", "tags", "subject"}:
                return index
        return None

    def _continuation(self, accept) -> list[str]:
        """Following lines for which accept(line, lines_so_far) holds."""
        taken: list[str] = []
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if _stops_continuation(line) or len(line) > 4 * SHORT_LINE or not accept(line, taken):
                break
            taken.append(line)
            self.index += 1
        return taken

    def _read_eo(self, line: str) -> None:
        self.index += 1
        tags_at = _INLINE_TAGS.search(line)
        eo_text, tags_text = (line[: tags_at.start()], line[tags_at.start() :]) if tags_at else (line, "")
        eo_text = collapse_spaces(eo_text)
        prefix = _EO.match(eo_text)
        has_value = bool(eo_text[prefix.end() :].strip(" :")) if prefix else True
        if not has_value and self.index < len(self.lines) and _label_of(self.lines[self.index]) == "decl":
            # "E.O. 12958:" with "DECL: 5/11/2017" on the next line
            eo_text = f"{eo_text} {collapse_spaces(self.lines[self.index])}"
            self.index += 1
        self._set_declassification(eo_text)
        if tags_text:
            self._take_tags(_TAGS.sub("", tags_text, count=1))

    def _read_decl(self, line: str) -> None:
        self.index += 1
        self._set_declassification(collapse_spaces(line))

    def _set_declassification(self, text: str) -> None:
        self.result.declassification = text[:300]
        self.result.declassify_on = declassify_date(text)

    def _read_tags(self, line: str) -> None:
        self.index += 1
        text = _TAGS.sub("", line, count=1)
        more = self._continuation(
            lambda next_line, taken: (taken[-1] if taken else text).rstrip().endswith(",")
        )
        self._take_tags(" ".join([text, *more]))

    def _take_tags(self, text: str) -> None:
        subject_at = _INLINE_SUBJECT.search(text)
        if subject_at:
            self._set_subject([text[subject_at.end() :]])
            text = text[: subject_at.start()]
        for token in re.split(r"[\s,;]+", text):
            token = token.strip(".:")
            if not token:
                continue
            if not _TAG_CODE.fullmatch(token):
                self.warnings.append(f"unusual TAGS entry {token[:40]!r} kept")
            if token not in self.result.tags:
                self.result.tags.append(token[:100])

    def _read_subject(self, line: str) -> None:
        self.index += 1
        first = _SUBJECT.sub("", line, count=1).strip()
        if not first:  # "SUBJECT:" with the subject on a later line
            while self.index < len(self.lines) and is_blank(self.lines[self.index]):
                self.index += 1
            if self.index < len(self.lines) and not _stops_continuation(self.lines[self.index]):
                first = self.lines[self.index].strip()
                self.index += 1
        parts = [first, *self._continuation(_subject_continues)]
        while self._subject_runs_on(parts):
            self.index += 1
            parts.extend(self._continuation(_subject_continues))
        self._set_subject(parts)

    def _subject_runs_on(self, parts: list[str]) -> bool:
        """'... AMBITIONS AND THE' / blank line / 'REFORM PROCESS': a title broken by a blank."""
        words = collapse_spaces(" ".join(parts)).split()
        if not words or words[-1].upper() not in _CONNECTORS:
            return False
        following = self.index + 1
        return (
            following < len(self.lines)
            and is_blank(self.lines[self.index])
            and not _stops_continuation(self.lines[following])
            and len(self.lines[following]) < SHORT_LINE
        )

    def _set_subject(self, parts: list[str]) -> None:
        self.result.subject = collapse_spaces(" ".join(parts))

    def _read_ref(self, line: str) -> None:
        self.index += 1
        parts = [_REF.sub("", line, count=1), *self._ref_lines()]
        # Items may follow a blank line: "REF: (A) SECSTATE 155973" / "" / "(B) SAN JOSE 1549".
        while self._ref_item_after_blank():
            more = self._ref_lines()
            if not more:
                break
            parts.extend(more)
        for item in reference_items(" ".join(parts)):
            if item not in self.result.references:
                self.result.references.append(item)

    def _ref_lines(self) -> list[str]:
        return self._continuation(lambda next_line, taken: _looks_like_ref_item(next_line))

    def _ref_item_after_blank(self) -> bool:
        """Skip blank lines when a lettered reference item follows them."""
        following = self.index
        while following < len(self.lines) and is_blank(self.lines[following]):
            following += 1
        if following == self.index or following >= len(self.lines):
            return False
        next_line = self.lines[following]
        if not _REF_LETTER.match(next_line) or not _looks_like_ref_item(next_line):
            return False
        if _stops_continuation(next_line):
            return False
        self.index = following
        return True

    def _read_classified(self, line: str) -> None:
        """'Classified By: ...' and its wrapped continuation ('(d' / ').', 'REASON: 1.4 (b)')."""
        physical = self.lines[self.index]
        self.index += 1
        text = _CLASSIFIED_BY.sub("", line, count=1).rstrip()
        for _ in range(3):
            if self.index >= len(self.lines):
                break
            following = self.lines[self.index]
            if _stops_continuation(following) or len(following) > SHORT_LINE:
                break
            if _classified_by_complete(text) and not _REASON.match(following):
                break
            text = _join_wrapped(text, physical, following)
            physical = following
            self.index += 1
        self.result.classified_by = collapse_spaces(text)


def _subject_continues(line: str, taken: list[str]) -> bool:
    """A SUBJECT wraps onto a line or two, never into a marked paragraph."""
    return len(taken) < 3 and len(line.strip()) <= 120 and not _LEADING_MARKING.match(line)


def _looks_like_ref_item(line: str) -> bool:
    """'B. 08 THE HAGUE 0728', '(B) SAN JOSE 1549': short, numbered, not a sentence."""
    stripped = line.strip()
    if len(stripped) > 80 or not re.search(r"\d", stripped):
        return False
    return sum(1 for word in stripped.split() if any(char.islower() for char in word)) <= 2


def _classified_by_complete(text: str) -> bool:
    return text.rstrip().endswith((")", ".", "]"))


def _join_wrapped(text: str, previous_line: str, following: str) -> str:
    """Cable lines wrap at about 70 columns, sometimes inside a word ('FO' / 'R REASONS')."""
    full_width = len(previous_line) >= 69 and previous_line == previous_line.rstrip()
    if full_width and following[:1].strip():
        return text.rstrip() + following.strip()
    return f"{text.rstrip()} {following.strip()}"


def read_preamble(lines: list[str], warnings: list[str]) -> Preamble:
    return _PreambleReader(lines, warnings).read()


def declassify_date(text: str) -> dt.date | None:
    """'DECL: 03/22/2017' (month first) or 'DECL: 2020/02/10' -> a date."""
    text = text[:SHORT_LINE]
    match = re.search(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})", text)
    if match:
        return _date_or_none(int(match[1]), int(match[2]), int(match[3]))
    match = re.search(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:
        month, day, year = int(match[1]), int(match[2]), int(match[3])
        return _date_or_none(year, month, day) or _date_or_none(year, day, month)
    return None


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def reference_items(text: str) -> list[str]:
    """'A. 06 MOSCOW 1306 B. ROME 2873 (NOTAL)' -> ['06MOSCOW1306', 'ROME 2873 (NOTAL)']."""
    items: list[str] = []
    for piece in _REF_SPLIT.split(collapse_spaces(text)[: 20 * SHORT_LINE]):
        piece = piece.strip(" ,.;:") if piece else ""
        if not piece:
            continue
        parts = [part.strip(" ,.;:") for part in piece.split(",")]
        if len(parts) > 1 and all(re.search(r"[A-Za-z].*\d", part) for part in parts if part):
            items.extend(part for part in parts if part)
        else:
            items.append(piece)
    return [cable_reference(item) for item in items]


def cable_reference(item: str) -> str:
    """'07 THE HAGUE 2025' -> '07THEHAGUE2025'; an item without a two-digit year stays as is."""
    match = _REF_CABLE_ID.fullmatch(item)
    if not match:
        return item
    place = match["place"].replace(" ", "")
    place = "STATE" if place == "SECSTATE" else place
    return f"{match['year']}{place}{int(match['serial'])}"


# --- Header block ------------------------------------------------------------------------
def clean_address(line: str) -> str:
    """'RUEHC/SECSTATE WASHDC IMMEDIATE 4691' -> 'SECSTATE WASHDC'."""
    text = collapse_spaces(line)
    match = _ROUTING_INDICATOR.match(text)
    if match:
        text = text[match.end() :]
    for _ in range(3):
        text = _ADDRESS_TAIL.sub("", text)
    return text.strip()


def parse_header(header: str) -> CableHeader:
    result = CableHeader()
    lines = [line.rstrip().removesuffix("\\").rstrip() for line in normalize_newlines(header).split("\n")]
    start = 0
    for index, line in enumerate(lines):
        match = _DTG.match(line[:SHORT_LINE])
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
) -> ParsedDocument:
    """One cable from its header block and body text (plain text, "\\n" newlines)."""
    identifier = collapse_spaces(identifier or "").upper()
    if not identifier:
        raise ParseError("not a cable: no reference ID")
    warnings: list[str] = []
    lines = body_lines(body or "", warnings)
    preamble = read_preamble(lines, warnings)
    paragraphs, signature = split_paragraphs(lines[preamble.end :], warnings)
    if not preamble.subject:
        warnings.append("no SUBJECT line")
    if not paragraphs:
        warnings.append("no text after the preamble")
    return ParsedDocument(
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
        declassify_on=preamble.declassify_on,
        declassification=preamble.declassification,
        classified_by=preamble.classified_by,
        references=preamble.references,
        signature=signature,
        tags=preamble.tags,
        paragraphs=paragraphs,
        warnings=warnings,
    )


# --- Cablegate pages: shared --------------------------------------------------------------
_IDENTIFIER = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")  # ASCII digits: \d takes "٠٧" too
_PARTIAL_EXTRACT = "This record is a partial extract"


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
) -> dt.datetime | None:
    """The table's date with the time of the date-time group when both name the same day."""
    sent = dtg_datetime(dtg) if dtg else None
    if table_value is None:
        return sent
    if sent and sent.date() == table_value.date():
        return table_value.replace(hour=sent.hour, minute=sent.minute)
    if site_slip and has_hour_in_minutes(table_value):
        warnings.append("created time: the site's minutes are unreliable and no date-time group agrees")
        return table_value.replace(minute=0)
    return table_value


def _finish_page(
    doc: ParsedDocument, table: _PageTable, page_title: str, partial: bool, site_slip: bool
) -> ParsedDocument:
    doc.created = created_time(table_datetime(table.created), doc.header.dtg, doc.warnings, site_slip)
    doc.date = doc.created.date() if doc.created else None
    if not doc.subject and page_title:
        doc.title = page_title
    if partial:
        doc.warnings.append("partial extract: the site had no header block for this cable")
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
        released=_site_released(table.released),
        classification=table.classification,
        origin=table.origin,
        format="cablegate-html",
    )
    return _finish_page(doc, table, _viewing_title(page.viewing, table.identifier), partial, site_slip=True)


def _table_values(cells: list[str]) -> list[str]:
    """The five values under 'Reference ID', 'Created', ... whatever the cells around them."""
    names = [collapse_spaces(cell) for cell in cells]
    if "Reference ID" not in names:
        raise ParseError("not a Cablegate cable page: no 'Reference ID' table")
    start = names.index("Reference ID")
    return cells[start + 5 : start + 10]


def _site_released(text: str) -> dt.datetime | None:
    """The HTML site's release times carry the same hour-as-minutes slip as its Created times."""
    value = table_datetime(text)
    return value.replace(minute=0) if value and has_hour_in_minutes(value) else value


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
    )
    viewing = next((line for line in lines[:table_at] if line.startswith("Viewing cable")), "")
    return _finish_page(doc, table, _viewing_title(viewing, table.identifier), partial, site_slip=False)


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
