"""A cable's reference ID as people type it: "07LIMA3429", "07 LIMA 3429", "07-LIMA-3429",
"Lima 3429 of 2007", any case; the press and the cables' own REF lines print all of them.

    spelled_reference("07 lima 3429")        → "07LIMA3429"  (the whole query is one)
    mentioned_reference("coca 07 LIMA 3429") → "07LIMA3429"  (the first one a query holds)
"""

from __future__ import annotations

import re

ORIGIN = r"[A-Za-z][A-Za-z0-9]*(?:[ -][A-Za-z][A-Za-z0-9]*){0,2}"  # LIMA, BUENOS AIRES, LA PAZ
# 07LIMA3429, 07 LIMA 3429, 07-LIMA-3429, 08 BUENOS AIRES 1305
YEAR_FIRST = re.compile(
    rf"(?<![\w-])(?P<year>\d{{2}})[ -]?(?P<origin>{ORIGIN}?)[ -]?(?P<number>\d{{1,7}})(?![\w-])"
)
# Lima 3429 of 2007, LIMA 3429 of 07
YEAR_LAST = re.compile(
    rf"(?<![\w-])(?P<origin>{ORIGIN}) (?P<number>\d{{1,7}}) of (?:\d\d)?(?P<year>\d{{2}})(?![\w-])",
    re.IGNORECASE,
)


def reference_of(match: re.Match) -> str:
    origin = re.sub(r"[ -]", "", match.group("origin")).upper()
    return f"{match.group('year')}{origin}{match.group('number')}"


def spelled_reference(q: str) -> str | None:
    """The reference ID the whole query spells, in any of its printed forms, or None."""
    q = " ".join(q.split())
    for pattern in (YEAR_FIRST, YEAR_LAST):
        match = pattern.fullmatch(q)
        if match and match.group("origin"):
            return reference_of(match)
    return None


def mentioned_reference(q: str) -> str | None:
    """The first reference ID written in the query, in any of its printed forms, or None."""
    q = " ".join(q.split())
    found = [m for pattern in (YEAR_FIRST, YEAR_LAST) for m in pattern.finditer(q) if m.group("origin")]
    return reference_of(min(found, key=lambda m: m.start())) if found else None
