"""A cable's front matter: everything between its classification banner and paragraph 1.

The front matter holds labelled fields (E.O./DECL, TAGS, SUBJECT, REF, Classified By) and
lines no field holds (the banner, SIPDIS and other captions, routing and "FOR" lines, a
release record). `read_preamble` gives every field its value and keeps every other line
verbatim in `header_lines`, so that no header material is left in the text before ¶1.

Pages reflowed by the site glue these lines together ("…SANAA 001352SIPDISE.O. 12958: DECL:
05/21/2015TAGS: PREL…"), and drafters wrap a field over several lines ("Classified By: … for
reasons 1.4" / "(b) and (d)."), so the reader first gives each glued label a line of its
own, then reads each field with the continuation its kind allows.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .cable_references import CitedCable, cited_cables
from .cable_text import (
    LEADING_MARKING,
    MARKING,
    PARAGRAPH_START,
    SHORT_LINE,
    collapse_spaces,
    is_banner,
    is_blank,
    is_caveat_line,
    is_separator,
    without_leading_caveats,
)

# How far the front matter may reach: fields are looked for up to the first paragraph, at
# most this many lines down.
MAX_FRONT_LINES = 150
# A line without a label is header material when a field follows it within this many lines.
MAX_LINES_BEFORE_FIELD = 15
MAX_SUBJECT_LINES = 4
MAX_CLASSIFIED_BY_LINES = 6
MAX_TAGS = 60

EO = re.compile(r"(?:E\.?[ \t]?O\.?)[ \t]?\d{4,5}\b", re.IGNORECASE)
DECL = re.compile(r"DECL\b", re.IGNORECASE)
TAGS = re.compile(r"TAGS?[ \t]*:[ \t]*|TAGS?[ \t]+(?=[A-Za-z]{2})", re.IGNORECASE)
SUBJECT = re.compile(r"SUBJ(?:ECT)?[ \t]*:[ \t]*", re.IGNORECASE)
# "REF:", "Refs:", "Reftel:"; without a colon only in capitals before an item ("REF A. STATE 1"),
# since "Ref. B, Costa Rica remains …" and "REF A nonpaper …" open sentences.
REF = re.compile(
    r"(?i:REFS?|REFTELS?|REFERENCES?)[ \t]*:[ \t]*"
    r"|(?:REFS?|REFTELS?)[ \t]+"
    r"(?=\(?[A-Z][.)][ \t]*(?:\d{2}[ \t]+)?[A-Z]{3,}|(?:\d{2}[ \t]+)?[A-Z]{3,}[ \t]+\d)"
)
CLASSIFIED_BY = re.compile(r"CLASSIFIED[ \t]+BY\b[ \t]*:?[ \t]*", re.IGNORECASE)
REASON = re.compile(r"[ \t]*(?:FOR[ \t]+)?REASONS?\b", re.IGNORECASE)
INLINE_TAGS = re.compile(r"\bTAGS\b")
INLINE_SUBJECT = re.compile(r"\bSUBJ(?:ECT)?[ \t]*:")
TAG_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}(?:-[A-Z0-9]{1,9})?")
REF_LETTER = re.compile(r"[ \t]*(?:¶[ \t]?)?\(?[A-Za-z][.):](?:\s|[A-Z(])")
# A SUBJECT ending in one of these was cut by a blank line ("... AMBITIONS AND THE").
CONNECTORS = frozenset("AND THE OF TO IN FOR ON WITH A AN BY AT OR FROM".split())

# Where a label glued to the text before it begins: "001352SIPDISE.O. 12958: DECL:
# 05/21/2015TAGS: PREL", "…MEETINGS REF: STATE 16112 Classified By: EconCouns…".
_GLUED_LABEL = re.compile(
    r"(?<=\S)(?=E\.[ \t]?O\.[ \t]?1[23]\d{3}\b)"
    r"|(?<=[\s\d.,;)])(?=TAGS?[ \t]*:)"
    r"|(?<=\d)(?=TAGS\b)"
    r"|(?<=\s)(?=SUBJ(?:ECT)?[ \t]*:)"
    r"|(?<=\s)(?=REF(?:S|TELS?)?[ \t]*:)"
    r"|(?<=\s)(?=Classified[ \t]+By\b)|(?<=\s)(?=CLASSIFIED[ \t]+BY\b)"
    r"|(?<=[\dA-Z])(?=SIPDIS)|(?<=\d)[ \t]+(?=SIPDIS\b)"
    r"|(?<=SIPDIS)(?=[A-Z])|(?<=SIPDIS)[ \t]+(?=\S)"
    r"|(?<=\d)(?=(?:SENSITIVE|NOFORN)\b)"
    r"|(?<=Cable dated:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})",
    re.IGNORECASE,
)
# Distribution lines: "DEPT FOR EUR/WE", "AMEMBASSY OTTAWA PASS TO AMCONSUL QUEBEC", "NSC FOR JWOOD".
_ROUTING = re.compile(r"[A-Z][A-Z0-9 ./,&'()-]{0,80}\b(?:FOR|PASS(?:[ \t]+TO)?|ALSO[ \t]+FOR)\b[ \t]+\S")
_HEADER_LIKE = re.compile(
    r"[ \t]*(?:Cable dated:|VZCZC|[A-Z]{2}[ \t]+RUE[A-Z]{2}|DE[ \t]+RUE|ZN[RY][ \t]|FM[ \t]+[A-Z]"
    r"|TO[ \t]+R[A-Z]{3,}/|INFO[ \t]+(?:R[A-Z]{3,}/|LOG-)|[OPRZ]{1,2}[ \t]+\d{6}Z[ \t]|R[A-Z]{3,7}/[A-Z]"
    r"|-{3,}[ \t]*header ends)"
)
# The reasons of a "Classified By" line: "1.4 (b) and (d)", "1.5(b,d)", "1.4 b/d".
_REASONS_CITED = re.compile(r"1[ \t]?[./][ \t]?[45]", re.I)
# What a "Classified By" line that looks complete may still continue with: "and (d).",
# "4(b) and (d)." after "reasons 1.", a lone "." or "REASON: 1.4 (b)".
_REASONS_TAIL = re.compile(
    r"[ \t]*(?:(?:and|nd|&|,|or)[ \t]*\(?[a-hA-H]\b|\)?\.?[ \t]*$|\(?[a-hA-H]\)[ \t]*(?:,|and|&|\.|$)"
    r"|REASONS?\b|1[ \t]?\.[ \t]?[45]\b|[45][ \t]?\(?[a-hA-H]\b)",
    re.I,
)


# After the reasons, a rule or a heading run into the line: "…(D)  ---", "…(d).  Summary".
# or the next paragraph: "…(d). (C) During the course of a meeting …", "…(d).  1. (C) …".
_RUN_ON_AFTER_REASONS = re.compile(
    r"(?<=[).\]])[ \t]+(?=-{3,}|={3,}|(?:BEGIN[ \t]+)?SUMMARY\b|Summary\b"
    r"|\((?:" + MARKING + r")\)[ \t]|(?:¶[ \t]?)?\d{1,2}[ \t]?\.[ \t]?\((?:" + MARKING + r")\))"
)


@dataclass
class Preamble:
    subject: str = ""
    tags: list[str] = field(default_factory=list)
    declassification: str = ""
    declassify_on: dt.date | None = None
    classified_by: str = ""
    references: list[CitedCable] = field(default_factory=list)
    header_lines: list[str] = field(default_factory=list)  # front matter no field holds, verbatim
    lines: list[str] = field(default_factory=list)  # the body's lines, glued labels split
    end: int = 0  # index in `lines` of the first line after the front matter


def label_of(line: str) -> str | None:
    text = _without_marking(without_leading_caveats(line[: 2 * SHORT_LINE]))
    for name, pattern in (
        ("eo", EO),
        ("decl", DECL),
        ("tags", TAGS),
        ("subject", SUBJECT),
        ("ref", REF),
        ("classified", CLASSIFIED_BY),
    ):
        match = pattern.match(text)
        if not match:
            continue
        if name == "decl" and ":" not in text[:12]:
            continue
        if name == "tags" and not _tags_label(text, match):
            continue
        return name
    return None


def _tags_label(text: str, match: re.Match[str]) -> bool:
    """'TAGS: …', 'TAGS PREL …', 'tags parm, …'; not a sentence beginning 'Tag teams …'."""
    if ":" in match.group():
        return True
    rest = text[match.end() :].split()
    return bool(rest) and all(_is_code_token(token) for token in rest[:3])


def _without_marking(text: str) -> str:
    """'(U) Classified by …' -> 'Classified by …'."""
    match = LEADING_MARKING.match(text)
    return text[match.end() :] if match else text


def is_paragraph_start(line: str) -> bool:
    return PARAGRAPH_START.match(line) is not None


def stops_continuation(line: str) -> bool:
    return is_separator(line) or label_of(line) is not None or is_paragraph_start(line)


def split_glued_labels(line: str) -> list[str]:
    """One line per label: '…001352SIPDISE.O. 12958: …' -> ['…001352', 'SIPDIS', 'E.O. 12958: …']."""
    if len(line) > 20 * SHORT_LINE:
        return [line]
    pieces, last = [], 0
    for match in _GLUED_LABEL.finditer(line):
        if match.start() > last and line[last : match.start()].strip():
            pieces.append(line[last : match.start()].rstrip())
            last = match.end()
    pieces.append(line[last:])
    # "Classified By: CLASSIFIED BY POLITICAL COUNSELOR …": a label repeated is one field.
    merged: list[str] = []
    for piece in pieces:
        if (
            merged
            and CLASSIFIED_BY.fullmatch(merged[-1].strip() + " ")
            and CLASSIFIED_BY.match(piece.strip())
        ):
            merged[-1] = f"{merged[-1].rstrip()} {piece.strip()}"
        else:
            merged.append(piece)
    return merged


def first_paragraph_line(lines: list[str]) -> int:
    """Where the text proper begins: ¶1, or a marked paragraph; else the front matter's limit."""
    for index, line in enumerate(lines[:MAX_FRONT_LINES]):
        match = PARAGRAPH_START.match(line)
        if match and (match["number"] == "1" or match["marking"]):
            return index
    return min(len(lines), MAX_FRONT_LINES)


def with_labels_apart(lines: list[str]) -> list[str]:
    """The body's lines with every glued label in the front matter on a line of its own."""
    front = first_paragraph_line(lines)
    split: list[str] = []
    for line in lines[:front]:
        split.extend(split_glued_labels(line))
    return split + lines[front:]


class _PreambleReader:
    """Reads the front matter's fields in any order, keeping the lines no field holds."""

    def __init__(self, lines: list[str], warnings: list[str], identifier: str):
        self.lines = with_labels_apart(lines)
        self.warnings = warnings
        self.identifier = identifier
        self.result = Preamble(lines=self.lines)
        self.index = 0
        self.front = first_paragraph_line(self.lines)
        self.field_lines = [i for i in range(self.front) if label_of(self.lines[i])]
        self.ref_text: list[str] = []

    def read(self) -> Preamble:
        while self.index < len(self.lines):
            line = self.lines[self.index]
            label = label_of(line)
            if label:
                getattr(self, f"_read_{label}")(_without_marking(without_leading_caveats(line)))
            elif is_blank(line):
                self.index += 1
            elif _is_reference_item(line):
                self.ref_text.append(line.strip())  # "(B) Sao Paulo 215;" whose "REF:" line is lost
                self.index += 1
            elif self._is_header_line(line):
                self.result.header_lines.append(line.strip())
                self.index += 1
            else:
                break
        self.result.end = self.index
        self.result.references = cited_cables(" ; ".join(self.ref_text), self.identifier)
        return self.result

    def _is_header_line(self, line: str) -> bool:
        if self.index == 0 and is_banner(line):
            return True
        if is_caveat_line(line) or _HEADER_LIKE.match(line[:SHORT_LINE]) or is_banner(line):
            return True
        if self.index >= self.front:
            return False
        next_field = next((i for i in self.field_lines if i > self.index), None)
        if next_field is not None and next_field - self.index <= MAX_LINES_BEFORE_FIELD:
            return True  # routing and "FOR" lines, notes between the banner and the fields
        stripped = line.strip()
        return (
            len(stripped) < SHORT_LINE
            and not any(c.islower() for c in stripped)
            and bool(_ROUTING.fullmatch(stripped) or _ROUTING.match(stripped))
        )

    def _continuation(self, accept) -> list[str]:
        """Following lines for which accept(line, lines_so_far) holds."""
        taken: list[str] = []
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if stops_continuation(line) or len(line) > 4 * SHORT_LINE or not accept(line, taken):
                break
            taken.append(line)
            self.index += 1
        return taken

    # --- E.O. and DECL -------------------------------------------------------------------
    def _read_eo(self, line: str) -> None:
        self.index += 1
        tags_at = INLINE_TAGS.search(line)
        eo_text, tags_text = (line[: tags_at.start()], line[tags_at.start() :]) if tags_at else (line, "")
        eo_text = collapse_spaces(eo_text)
        prefix = EO.match(eo_text)
        has_value = bool(eo_text[prefix.end() :].strip(" :")) if prefix else True
        if not has_value and self.index < len(self.lines) and label_of(self.lines[self.index]) == "decl":
            # "E.O. 12958:" with "DECL: 5/11/2017" on the next line
            eo_text = f"{eo_text} {collapse_spaces(self.lines[self.index])}"
            self.index += 1
        self._set_declassification(eo_text)
        if tags_text:
            self._take_tags(TAGS.sub("", tags_text, count=1))

    def _read_decl(self, line: str) -> None:
        self.index += 1
        self._set_declassification(collapse_spaces(line))

    def _set_declassification(self, text: str) -> None:
        self.result.declassification = text[:300]
        self.result.declassify_on = declassify_date(text)

    # --- TAGS ------------------------------------------------------------------------------
    def _read_tags(self, line: str) -> None:
        self.index += 1
        text = TAGS.sub("", line, count=1)
        more = self._continuation(
            lambda next_line, taken: _continues_tags(taken[-1] if taken else text, next_line)
        )
        self._take_tags(" ".join([text, *more]))

    def _take_tags(self, text: str) -> None:
        subject_at = INLINE_SUBJECT.search(text)
        if subject_at:
            self._set_subject([text[subject_at.end() :]])
            text = text[: subject_at.start()]
        for token in re.split(r"[\s,;]+", text):
            token = token.strip(".:").upper()
            if not token or len(self.result.tags) >= MAX_TAGS:
                continue
            if not TAG_CODE.fullmatch(token):
                self.warnings.append(f"unusual TAGS entry {token[:40]!r} kept")
            if token not in self.result.tags:
                self.result.tags.append(token[:100])

    # --- SUBJECT -------------------------------------------------------------------------
    def _read_subject(self, line: str) -> None:
        self.index += 1
        first = SUBJECT.sub("", line, count=1).strip()
        if not first:  # "SUBJECT:" with the subject on a later line
            while self.index < len(self.lines) and is_blank(self.lines[self.index]):
                self.index += 1
            if self.index < len(self.lines) and not stops_continuation(self.lines[self.index]):
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
        if not words or words[-1].upper() not in CONNECTORS:
            return False
        following = self.index + 1
        return (
            following < len(self.lines)
            and is_blank(self.lines[self.index])
            and not stops_continuation(self.lines[following])
            and len(self.lines[following]) < SHORT_LINE
        )

    def _set_subject(self, parts: list[str]) -> None:
        self.result.subject = collapse_spaces(" ".join(parts))

    # --- REF ---------------------------------------------------------------------------------
    def _read_ref(self, line: str) -> None:
        self.index += 1
        parts = [REF.sub("", line, count=1), *self._ref_lines()]
        # Items may follow a blank line: "REF: (A) SECSTATE 155973" / "" / "(B) SAN JOSE 1549".
        while self._ref_item_after_blank():
            more = self._ref_lines()
            if not more:
                break
            parts.extend(more)
        self.ref_text.append(" ".join(parts))

    def _ref_lines(self) -> list[str]:
        return self._continuation(lambda next_line, taken: _looks_like_ref_line(next_line))

    def _ref_item_after_blank(self) -> bool:
        """Skip blank lines when a lettered reference item follows them."""
        following = self.index
        while following < len(self.lines) and is_blank(self.lines[following]):
            following += 1
        if following == self.index or following >= len(self.lines):
            return False
        next_line = self.lines[following]
        if not REF_LETTER.match(next_line) or not _looks_like_ref_line(next_line):
            return False
        if stops_continuation(next_line):
            return False
        self.index = following
        return True

    # --- Classified By ---------------------------------------------------------------------
    def _read_classified(self, line: str) -> None:
        """'Classified By: …' and its wrapped continuation ('(d' / ').', 'REASON: 1.4 (b)')."""
        physical = self.lines[self.index]
        self.index += 1
        # "Classified By: CLASSIFIED BY POLITICAL COUNSELOR …": the label printed twice.
        text = CLASSIFIED_BY.sub("", CLASSIFIED_BY.sub("", line, count=1).lstrip(), count=1)
        text = self._without_run_on(text.rstrip())
        for _ in range(MAX_CLASSIFIED_BY_LINES):
            following_at = self._next_classified_line(text)
            if following_at is None:
                break
            following = self.lines[following_at]
            text = _join_wrapped(text, physical, following)
            physical = following
            self.index = following_at + 1
        self.result.classified_by = collapse_spaces(text)

    def _without_run_on(self, text: str) -> str:
        """'… 1.4 (b) and (d).  Summary' or '… (D)  ---': a reflowed page ran the next line
        into this one; it gets its line back."""
        match = _RUN_ON_AFTER_REASONS.search(text)
        if not match or not _classified_by_complete(text[: match.start()]):
            return text
        self.lines.insert(self.index, text[match.start() :].strip())
        return text[: match.start()].rstrip()

    def _next_classified_line(self, text: str) -> int | None:
        """The line continuing a 'Classified By', across one blank line when it is unfinished."""
        complete = _classified_by_complete(text)
        at = self.index
        if at < len(self.lines) and is_blank(self.lines[at]) and not complete:
            at += 1
        if at >= len(self.lines):
            return None
        following = self.lines[at]
        if stops_continuation(following) and not (not complete and _REASONS_TAIL.match(following)):
            return None
        if len(following) > SHORT_LINE:
            return None
        if complete or at > self.index or at >= self.front:
            return at if _REASONS_TAIL.match(following) else None
        return at


def _is_code_token(token: str) -> bool:
    return bool(TAG_CODE.fullmatch(token.strip(".,;:").upper())) and len(token.strip(".,;:")) <= 10


def _continues_tags(previous: str, line: str) -> bool:
    """'TAGS: PREL, PGOV,' / 'EUN, RU': a TAGS line ending in a comma goes on.

    A line of codes after a TAGS line without one stays header text: the site linked only
    the TAGS line itself, and such a line may as well be routing.
    """
    return previous.rstrip().endswith(",") and len(line.strip()) <= SHORT_LINE


def _subject_continues(line: str, taken: list[str]) -> bool:
    """A SUBJECT wraps onto a line or three, never into a marked paragraph."""
    return len(taken) < MAX_SUBJECT_LINES - 1 and len(line.strip()) <= 120 and not LEADING_MARKING.match(line)


_CABLE_CITED = re.compile(r"(?:\d{2}(?:\d{2})?[ \t]?)?[A-Za-z][A-Za-z .'-]{1,40}[ \t]?\d{1,7}\b")


def _is_reference_item(line: str) -> bool:
    """'(B) Sao Paulo 215;', 'C. 05 SAO PAULO 975': a lettered item citing a cable."""
    match = REF_LETTER.match(line)
    return (
        bool(match)
        and len(line) < 120
        and bool(_CABLE_CITED.fullmatch(line[match.end() - 1 :].strip(" ;,.")))
    )


def _looks_like_ref_line(line: str) -> bool:
    """'B. 08 THE HAGUE 0728', '(B) SAN JOSE 1549', 'B. NEW DELHI 3199   C. NEW DELHI 2561'."""
    stripped = line.strip()
    if len(stripped) > 2 * SHORT_LINE or not re.search(r"\d", stripped) or is_banner(stripped):
        return False
    lower_words = sum(1 for word in stripped.split() if any(char.islower() for char in word))
    return lower_words <= max(2, len(stripped.split()) // 4)


def _classified_by_complete(text: str) -> bool:
    """'… for reasons 1.4 (b) and (d).' is complete; '… reasons 1.' and '… 1.4 (b' are not."""
    text = text.rstrip()
    if not _REASONS_CITED.search(text) or re.search(r"(?:\b1[ \t]?\.|\(|\([a-hA-H]|\band|&|,)$", text, re.I):
        return False
    return text.endswith((")", ".", "]")) or bool(re.search(r"\b[a-hA-H]$", text))


def _join_wrapped(text: str, previous_line: str, following: str) -> str:
    """Cable lines wrap at about 70 columns, sometimes inside a word ('FO' / 'R REASONS')."""
    full_width = len(previous_line) >= 69 and previous_line == previous_line.rstrip()
    if full_width and following[:1].strip() and not REASON.match(following):
        return text.rstrip() + following.strip()
    return f"{text.rstrip()} {following.strip()}"


def read_preamble(lines: list[str], warnings: list[str], identifier: str = "") -> Preamble:
    return _PreambleReader(lines, warnings, identifier).read()


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
