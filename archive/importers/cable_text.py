"""What every part of the cable parser shares: limits, patterns and small text tests.

Every regex is anchored or bounded, so a parse is linear in the size of the text: no
pattern here can backtrack over a long line.
"""

from __future__ import annotations

import datetime as dt
import re

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
# Portion markings: (C) (SBU) (U) (S/NF) (C//NF) (S//REL TO USA, ACGU) (U//FOUO) (S NF) ...
MARKING = r"(?:TS|S|C|U|SBU|LOU|FOUO)(?:\s?/{1,2}\s?[A-Z][A-Z0-9 ,./-]{0,40}?|[ ](?:NF|NOFORN))?"
PARAGRAPH_START = re.compile(
    r"[ \t]{0,20}(?P<pilcrow>¶[ \t]?)?(?P<number>\d{1,4})[ \t]?\.(?=[\s(]|$)[ \t]{0,10}"
    r"(?:\((?P<marking>" + MARKING + r")\)[ \t]{0,10})?",
    re.IGNORECASE,
)
LEADING_MARKING = re.compile(r"[ \t]{0,10}\((?P<marking>" + MARKING + r")\)[ \t]{0,10}", re.IGNORECASE)
# The classification banner opening a body: "C O N F I D E N T I A L LIMA 003429",
# "UNCLAS SECTION 01 OF 03 SAO PAULO 000165". Plain words need the serial number too, so
# that an addressee such as "SECRET SERVICE WASHDC" is no banner.
# Letter-spaced banners come in any case ("C o n f i d e n t i a l section 01 of 03 tashkent").
SPACED_BANNER = re.compile(
    r"[\s\",]{0,10}(?:T O P )?(?:S E C R E T|C O N F I D E N T I A L|U N C L A S S I F I E D)(?=\W|[A-Z]|$)",
    re.IGNORECASE,
)
WORD_BANNER = re.compile(
    r"[\s\",]{0,10}(?:UNCLAS|UNCLASSIFIED|LIMITED OFFICIAL USE|CONFIDENTIAL|SECRET|TOP SECRET)\b",
    re.IGNORECASE,
)
SERIAL = re.compile(r"\b\d{4,7}\b")
# "VATICAN 00000141 001.2 OF 002": where a multi-section cable's next section begins.
SECTION_MARKER = re.compile(
    r"[ \t]{0,10}[A-Za-z][A-Za-z .'-]{0,40}[ \t]\d{5,9}"
    r"[ \t]+\d{3}(?:\.\d{1,2})?[ \t]+OF[ \t]+\d{3}[ \t]*",
    re.IGNORECASE,
)
# "Friday, 28 December 2007, 16:40": added by the site above some cables.
SITE_DATE = re.compile(
    r"[ \t]*(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, "
    r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}[ \t]*"
)
# A database record pasted into the body ahead of a second copy of the cable.
CABLE_ENDS = re.compile(r"[ \t]*=+[ \t]*CABLE ENDS[ \t]*=+[ \t]*")
END_OF_MESSAGE = re.compile(r"\s+NNNN\b")

CAVEAT_WORD = r"(?:SIPDIS|NOFORN|SENSITIVE|ENSITIVE|EXDIS|LIMDIS|NODIS|STADIS|NOCONTRACT|ORCON|PROPIN)"
CAVEATS = re.compile(r"(?:" + CAVEAT_WORD + r"\b[\s,;]{0,5})+", re.IGNORECASE)

DTG = re.compile(
    r"[ \t]*(?P<precedence>[OPRZ])(?:[ \t]+[OPRZ])?[ \t]+"
    r"(?P<dtg>\d{6}Z[ \t]+[A-Z]{3}[ \t]+\d{2})\b"
)
ROUTING_INDICATOR = re.compile(r"R[A-Z0-9]{3,7}/(?=\S)")
ADDRESS_TAIL = re.compile(r"[ \t]+(?:\d{4}|(?:NIACT[ \t]+)?(?:IMMEDIATE|PRIORITY|ROUTINE|FLASH))$")

UPPER_NAME = re.compile(r"[A-Z][A-Z.'-]{1,30}(?:[ /][A-Z][A-Z.'-]{0,30}){0,3}")
TITLE_NAME = re.compile(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}")
# "... End Comment.  WAYNE", "... Classified Website: XXXXXXXXXXXX TUTTLE"
INLINE_SIGNATURE = re.compile(r"(?:(?<=[.!?\"”)*])|(?<=XXXX))[ \t]+(?P<name>[A-Z][A-Z'-]{2,30})[ \t]*$")
NOT_NAMES = frozenset(
    "END COMMENT SUMMARY TEXT NOTE BT NNNN SIPDIS NOFORN QUOTE UNQUOTE UNCLASSIFIED UNCLAS"
    " CONFIDENTIAL SECRET SENSITIVE ACTION".split()
)
HEADING_BULLETS = ("-", "*", "•", "·", "o ", "+", "=", "_")
ABBREVIATION_END = re.compile(r"(?:^|\s)(?:[A-Z]\.){2,}$")
BEGIN_END = re.compile(r"(?:BEGIN|END)\b", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", ":", ";", '"', "”", "'", "’", ")")

RULE_CHARS = "-=_*~"
RARE_LINE_BREAKS = ("\r", "\u2028", "\u2029", "\x85")
LINE_BREAKS = str.maketrans(dict.fromkeys(RARE_LINE_BREAKS, "\n"))


# --- Small text helpers ----------------------------------------------------------------
def normalize_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n")
    # str.translate walks every character: only pay for it when a rare break is there.
    if any(mark in text for mark in RARE_LINE_BREAKS):
        text = text.translate(LINE_BREAKS)
    return text


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def is_blank(line: str) -> bool:
    return not line.strip()


def is_rule(line: str) -> bool:
    """A line drawn with dashes, equals signs or stars ("-------", "- - - -")."""
    stripped = line.strip()
    return len(stripped.replace(" ", "")) >= 3 and not stripped.strip(RULE_CHARS + " \t")


def is_separator(line: str) -> bool:
    return is_blank(line) or is_rule(line)


def ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(SENTENCE_END)


def strip_rules(text: str) -> str:
    """'------- SUMMARY -------' -> 'SUMMARY'; a single '-' (a list bullet) stays."""
    text = text.strip()
    left = text.lstrip(RULE_CHARS + " \t")
    if sum(char in RULE_CHARS for char in text[: len(text) - len(left)]) >= 3:
        text = left
    right = text.rstrip(RULE_CHARS + " \t")
    if sum(char in RULE_CHARS for char in text[len(right) :]) >= 3:
        text = right
    return text


def is_banner(line: str) -> bool:
    head = line[:SHORT_LINE]
    if SPACED_BANNER.match(head):
        return True
    return bool(WORD_BANNER.match(head)) and SERIAL.search(head) is not None


def is_caveat_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped) < SHORT_LINE and CAVEATS.fullmatch(stripped) is not None


def without_leading_caveats(line: str) -> str:
    """'SIPDIS E.O. 12958: ...' -> 'E.O. 12958: ...' (a reflowed preamble)."""
    stripped = line.strip()
    match = CAVEATS.match(stripped[:SHORT_LINE])
    return stripped[match.end() :] if match else stripped


def marking_of(match: re.Match[str]) -> str:
    marking = match.group("marking") or ""
    return collapse_spaces(marking).upper()
