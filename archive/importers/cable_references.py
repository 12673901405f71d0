"""A cable's REF line, item by item, with each item's reference ID in the release's form.

The REF line cites other cables as the drafter typed them: "BOGOTA 3101" (a cable of the
citing cable's own year), "08 MUNICH 35", "2008 MONTERREY 390", "A) THE HAGUE 1796 (NOTAL)".
The release names the same cables `02BOGOTA3101`, `08MUNICH35`, `08MONTERREY390`,
`04THEHAGUE1796`: two-digit year, the office code without spaces, the serial without leading
zeros. Items that cite no cable ("YOUR EMAIL OF 3/5", "MEMCON", "IIR 6 902 9698 06") keep
their text and get no ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Offices the release spells otherwise than drafters print them.
OFFICE_CODES = {
    "HAGUE": "THEHAGUE",
    "MEXICO CITY": "MEXICO",
    "PANAMA CITY": "PANAMA",
    "GUATEMALA CITY": "GUATEMALA",
    "KUWAIT CITY": "KUWAIT",
    "VATICAN CITY": "VATICAN",
    "USUN": "USUNNEWYORK",
    "USUN NY": "USUNNEWYORK",
    "USUN NEW YORK": "USUNNEWYORK",
}
# Words that name a kind of message, not an office: "DAO MADRID IIR 6 889", "SECDEF MSG DTG".
NOT_OFFICES = frozenset(
    "IIR TD TDX EMAIL EMAILS TELCON TELCONS MEMCON MEMCONS MSG DTG FAX LETTER NOTE PARA PARAS"
    " PARAGRAPH DATED MAIL".split()
)
MAX_ITEMS = 60

_MARKER = r"(?:\(?[A-Za-z]\)|[A-Za-z][.:](?=\s|[A-Za-z(])|\([A-Za-z]\))"
# "A. A) MEXICO 1716", "B. B: HAVANA 00697", "(A) SECSTATE 155973": item letters, once or twice.
_LEADING_MARKERS = re.compile(r"^(?:[¶\s]*" + _MARKER + r"[\s.]*){1,2}")
# Notes printed after an item: "(NOTAL)", "AND PREVIOUS", "ET AL.", a subject in brackets.
_NOTE = re.compile(
    r"\s*(\((?:[^()]|\([^()]*\))*\)|\bAND PREVIOUS(?: REFTELS?)?|\bET AL\.?|\bAND PREV\b)\s*$", re.I
)
_CABLE = re.compile(
    r"(?:(?P<year4>(?:19|20)\d{2})|(?P<year>\d{2}))?\s*"
    r"(?P<office>[A-Za-z][A-Za-z .'/-]{0,40}?)\s*"
    r"(?P<serial>\d{1,7})\.?"
)
# Where one item ends and the next begins: "; ", ", " before an office, or the next letter.
_ITEM_BREAK = re.compile(
    r"\s*;\s*|,\s+(?=(?:\d{2,4}\s+)?[A-Za-z])|"
    r"(?:^|(?<=\s)|(?<=[,;]))(?:¶\s*)?\(?[A-Za-z][.):](?=\s|[A-Z(]|$)\s*"
)
# "08MONTERREY390 09MONTERREY242", "10 CARACAS 147 10 CARACAS 193": items with no separator.
_SEPARATED_IDS = re.compile(r"\s+(?=\d{2}[A-Z]{3,}\d)|(?<=\d)\s+(?=(?:19|20)?\d{2}\s+[A-Za-z]{3})")


@dataclass(frozen=True)
class CitedCable:
    """One REF item: its text as printed (None when known only from a release record)."""

    text: str | None
    reference_id: str | None
    note: str = ""

    def as_record(self) -> dict:
        return {"text": self.text, "reference_id": self.reference_id, "note": self.note}


def split_items(text: str) -> list[str]:
    """'A. MOSCOW 5266 B. MOSCOW 4932' -> ['MOSCOW 5266', 'MOSCOW 4932']."""
    text = " ".join(text.split())
    pieces = [piece.strip(" ,;:.") for piece in _ITEM_BREAK.split(text) if piece and piece.strip(" ,;:.")]
    items: list[str] = []
    for piece in pieces:
        # "08MONTERREY390 09MONTERREY242": IDs written out, separated by spaces only.
        items.extend(part for part in _SEPARATED_IDS.split(piece) if part)
    return items[:MAX_ITEMS]


def office_code(printed: str) -> str | None:
    words = re.sub(r"[.'/-]", " ", printed.upper()).split()
    if not words or any(word in NOT_OFFICES for word in words):
        return None
    name = " ".join(words)
    return OFFICE_CODES.get(name, name.replace(" ", ""))


def reference_id(item: str, citing_year: str) -> tuple[str | None, str]:
    """The release's ID for one printed item, and the note printed after it.

    `citing_year` is the two-digit year of the citing cable, the year an item without one
    belongs to.
    """
    text = _LEADING_MARKERS.sub("", item.strip()).strip()
    notes: list[str] = []
    while True:
        match = _NOTE.search(text)
        if not match or match.start() == 0:
            break
        notes.insert(0, match.group(1).strip("() "))
        text = text[: match.start()].rstrip(" ,;.")
    note = "; ".join(notes)
    match = _CABLE.fullmatch(text)
    if not match:
        return None, note
    office = office_code(match["office"])
    if office is None or len(office) < 3:
        return None, note
    year = match["year4"][2:] if match["year4"] else (match["year"] or citing_year)
    return f"{year}{office}{int(match['serial'])}", note


def cited_cables(ref_text: str, citing_identifier: str) -> list[CitedCable]:
    """Every item of a printed REF line, in order, duplicates kept once."""
    citing_year = citing_identifier[:2] if citing_identifier[:2].isdigit() else ""
    found: list[CitedCable] = []
    seen: set[str] = set()
    for item in split_items(ref_text):
        identifier, note = reference_id(item, citing_year) if citing_year else (None, "")
        key = identifier or item
        if key not in seen:
            seen.add(key)
            found.append(CitedCable(item, identifier, note))
    return found


def with_record_references(printed: list[CitedCable], listed: list[str]) -> list[CitedCable]:
    """Add the IDs a release record lists that the printed REF line lacks."""
    known = {cable.reference_id for cable in printed if cable.reference_id}
    extra = [CitedCable(None, identifier) for identifier in listed if identifier not in known]
    return printed + list({cable.reference_id: cable for cable in extra}.values())
