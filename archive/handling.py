"""How a cable was handled, in values an analyst can filter on.

A cable prints its markings, routing and declassification in many hands: "(S/NF)", "(S//NF)"
and "(S NOFORN)" are one marking; "SECDEF WASHINGTON DC" and "SECDEF WASHDC PRIORITY" one
office; "Amb.", "AMBASSADOR" and "COM" the same desk. The document keeps what was printed;
these functions give the one value each form stands for, for facets, filters and chips.
"""

import datetime as dt
import re

# --- Portion markings -------------------------------------------------------------------
CLASSIFICATION_LEVELS = ("TS", "S", "C", "SBU", "LOU", "U", "FOUO")
CAVEATS = {"NF": "NF", "NOFORN": "NF", "NOFOR": "NF", "OC": "ORCON", "ORCON": "ORCON", "FOUO": "FOUO"}


def marking_value(raw: str) -> str:
    """'(S/NF)', 'S//NF', 'S NF', 'S/NOFORN' -> 'S//NF'; 'S/REL TO UK, PAKISTAN' -> 'S//REL'.

    Unknown caveats are kept as printed, so nothing is silently merged into a wrong value.
    """
    text = re.sub(r"\s+", " ", raw.strip().strip("()").upper()).strip()
    if not text:
        return ""
    head, _, rest = text.partition("/") if "/" in text else text.partition(" ")
    level = head.strip()
    if level not in CLASSIFICATION_LEVELS:
        return text
    caveats = []
    for part in re.split(r"\s*/+\s*", rest.strip(" /")) if rest.strip(" /") else []:
        caveat = _caveat(part)
        if caveat and caveat not in caveats:
            caveats.append(caveat)
    return "//".join([level, "/".join(caveats)]) if caveats else level


def _caveat(part: str) -> str:
    word = part.strip()
    if word.startswith("REL"):
        return "REL"
    return CAVEATS.get(word, word)


# --- Precedence -------------------------------------------------------------------------
PRECEDENCE_ORDER = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")


def precedence_value(raw: str) -> str:
    word = raw.strip().upper()
    return word if word in PRECEDENCE_ORDER else ""


# --- Offices: the FM, TO and INFO lines ------------------------------------------------------
_WASHINGTON = re.compile(r"\bWASHINGTON,? D\.? ?C\.?$|\bWASH DC$")
# What follows an office on its routing line: its precedence and the message's serial numbers.
_ROUTING_TAIL = re.compile(r"(?:\s+(?:FLASH|NIACT|IMMEDIATE|PRIORITY|ROUTINE|[0-9][0-9-]*))+$")
# An office's sub-address ("JOINT STAFF WASHDC//J-3/J-5//") names a desk inside it.
_SUB_ADDRESS = re.compile(r"\s*//.*$")
# The release printed some La Paz lines with a month glued on: "AMEMBASSY LA PAZ JAN MONTEVIDEO".
_MONTH_AND_AFTER = re.compile(r"(?<=\w) (?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(?: .*)?$")
# Page furniture that can land among the addressees of a reflowed header.
_NOT_AN_OFFICE = re.compile(r"^(?:PAGE \d|SECTION \d|ZEN\b|BT$)|\d{6}Z")


def office_name(raw: str) -> str:
    """'RUEHC/SECSTATE WASHDC IMMEDIATE 3751' -> 'SECSTATE WASHDC'; 'SECDEF WASHINGTON DC' ->
    'SECDEF WASHDC'. Empty when the line is no office at all."""
    text = re.sub(r"\s+", " ", raw.strip().upper())
    text = re.sub(r"^[A-Z0-9]{5,8}/", "", text)  # the routing indicator: "RUEHC/"
    text = _SUB_ADDRESS.sub("", text)
    text = _ROUTING_TAIL.sub("", text)
    text = _MONTH_AND_AFTER.sub("", text).strip(" ,.")
    text = _WASHINGTON.sub("WASHDC", text)
    if not text or _NOT_AN_OFFICE.search(text) or not re.search(r"[A-Z]{2}", text):
        return ""
    return text


def office_names(raw_offices: list[str]) -> list[str]:
    names: list[str] = []
    for raw in raw_offices:
        name = office_name(raw)
        if name and name not in names:
            names.append(name)
    return names


# --- The signature ------------------------------------------------------------------------
def signer_name(raw: str) -> str:
    """'Murphy' and 'MURPHY' sign the same cables."""
    return re.sub(r"\s+", " ", raw.strip(" .,")).upper()


# --- The classifying official's office ------------------------------------------------------
# Leftmost match wins, so "CDA Ambassador Erdman" was classified by the chargé, and
# "Political Minister Counselor" is the political section, not a "Minister".
_OFFICES = [
    ("Chargé d'Affaires", r"\bCDA\b|\bCHARG\w*[’'`]?\s*D\s*[’'`]\s*AFFAIR|\bCHARGE\b"),
    ("Deputy Chief of Mission", r"\b(?:A/|ACTING )?D\.?C\.?M\b|\bADCM\b|DEPUTY CHIEF OF MISSION"),
    ("Chief of Mission", r"\bCOM\b|\bCHIEF OF MISSION\b"),
    ("Ambassador", r"\bAMB(?:ASS?ADOR)?\b\.?"),
    (
        "Political-Economic Counselor",
        r"\bPOL(?:ITICAL)?[-/ ]?E(?:CON(?:OMIC)?)?\b(?:\s+(?:MINISTER[- ])?COUNS|\s+CHIEF)"
        r"|\bPOLECON\b|\bE/?POL\b|\bECPO\b|\bECO(?:N)?/?POL\b"
        r"|\bPOLITICAL-ECONOMIC\b|\bECONOMIC-POLITICAL\b"
        r"|\bECONOMIC AND POLITICAL AFFAIRS\b|\bPOLITICAL AND ECONOMIC AFFAIRS\b",
    ),
    (
        "Political Counselor",
        r"\bPOL(?:ITICAL)?\s*(?:MINISTER[- ]?)?(?:M/C|COUNS|MIN(?:ISTER)?\s+COUNS|MINISTER\b)"
        r"|\bPOLCOUNS|\bPOLITICAL AFFAIRS\b|\bPOLITICAL SECTION CHIEF\b|\bPOL CHIEF\b",
    ),
    (
        "Economic Counselor",
        r"\bECON(?:OMIC)?\s*(?:MINISTER[- ]?)?(?:MC\b|COUNS|MIN(?:ISTER)?\s+COUNS)"
        r"|\bECONCOUNS|\bECONOMIC(?:S)? AFFAIRS\b",
    ),
    ("Consul General", r"\bCONSUL GENERAL\b|\bCG\b"),
    ("Principal Officer", r"\bPRINCIPAL OFFICER\b"),
    ("Political Officer", r"\bPOL(?:ITICAL)? OFFICER\b|\bPOLOFF\b"),
    ("Economic Officer", r"\bECON(?:OMIC)? OFFICER\b|\bECONOFF\b"),
    ("Public Affairs", r"\bPAS\b|\bPUBLIC AFFAIRS\b|\bPAO\b"),
    ("Deputy Assistant Secretary", r"\bP?DAS\b|DEPUTY ASSISTANT SECRETARY"),
    ("Assistant Secretary", r"\bA/S\b|\bASSISTANT SECRETARY\b"),
    ("Director", r"\bDIR(?:ECTOR)?\b\.?"),
]
_OFFICE_PATTERNS = [(name, re.compile(pattern)) for name, pattern in _OFFICES]
# Where the reasons begin, nothing more names the official.
_REASONS = re.compile(r"\b(?:FOR\s+)?REASONS?\b|\bPER\s+1\.|\bE\.?O\.? 1\d{4}", re.IGNORECASE)


def classifying_office(classified_by: str) -> str:
    """'DCM JAMES F. ENTWISTLE. REASON: 1.4 (B,D).' -> 'Deputy Chief of Mission'.

    Empty when the line names no office this table knows (a name alone, a redaction).
    """
    official = _REASONS.split(classified_by, maxsplit=1)[0].upper()
    found: list[tuple[int, int, str]] = []
    for name, pattern in _OFFICE_PATTERNS:
        match = pattern.search(official)
        if match:
            found.append((match.start(), -len(match[0]), name))
    return min(found)[2] if found else ""


# --- Declassification -------------------------------------------------------------------
_NUMBER_WORDS = {
    "ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "EIGHT": 8,
    "NINE": 9, "TEN": 10, "FIFTEEN": 15, "TWENTY": 20, "TWENTY-FIVE": 25, "TWENTY FIVE": 25,
    "THIRTY": 30,
}  # fmt: skip
_YEARS_RULE = re.compile(
    r"\b(?P<count>\d{1,2}|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")\s*(?:YEARS?|YRS?)\b"
)
_EXEMPTION = re.compile(r"\b(?:\d\.\d|25)?X(?P<number>[1-9])\b")
_NO_DATE_RULES = (("OADR", re.compile(r"\bOADR\b")), ("N/A", re.compile(r"\bN\s?/\s?A\b|\bNOT APPLICABLE\b")))


def declassification_due(printed: str, printed_date: dt.date | None, created: dt.date | None):
    """When the cable is due for declassification, and the rule it printed if no date.

    Returns (date or None, rule): a printed DECL date; a date computed from a rule that gives
    one ("TWENTY YEARS" from the cable's date); or None and the rule as a value of its own
    (OADR, X1-X8, N/A).
    """
    if printed_date:
        return printed_date, ""
    text = re.sub(r"\s+", " ", printed.upper())
    decl = text.split("DECL", 1)[1] if "DECL" in text else text
    years = _YEARS_RULE.search(decl)
    if years and created:
        count = years["count"]
        return _years_after(created, int(count) if count.isdigit() else _NUMBER_WORDS[count]), ""
    exemption = _EXEMPTION.search(decl)
    if exemption:
        return None, f"X{exemption['number']}"
    for rule, pattern in _NO_DATE_RULES:
        if pattern.search(text):
            return None, rule
    return None, ""


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
