"""Sources and the glossary of cable TAGS codes, from fixtures/.

Loaded by a data migration and by `manage.py load_reference_data`. Upserts by
name and never touches staff-written descriptions of tags that are not codes.

Each glossary entry names where its description comes from (`source`): "TAGS" for the
State Department's subject and program codes (the TAGS/Terms handbook, 5 FAH-3), "FIPS 10-4"
for country codes by name, "ISO 3166-1" for the few ISO country codes drafters used instead
(RU for RS, Russia), "acronym" for organisations and agreements tagged by their own acronym.
Tokens that are not codes (WITH, AMBASSADOR, VTPREL) get no description: `glossary_report`
lists them, with the codes in use that still have none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Subject and program codes have four letters, country codes two; longer codes are
# organisations, which the glossary names. A longer tag it does not name is a word or a name
# that a TAGS line ran into ("MEETINGS WITH AMBASSADOR", "OVIP (CLINTON, HILLARY)").
LONGEST_CODE = 4
# Words a drafter wrote on a TAGS line that no code spells (IN is India and TO Togo: not here).
WORDS = frozenset({"AND", "FOR", "FROM", "OF", "ON", "OR", "THE", "WITH"})


def read_fixture(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load_sources(source_model) -> int:
    for entry in read_fixture("sources.json"):
        source_model.objects.update_or_create(
            name=entry["name"],
            defaults={k: entry[k] for k in ("slug", "homepage", "kind", "description")},
        )
    return source_model.objects.count()


def load_tag_glossary(tag_model) -> int:
    from django.utils.text import slugify

    entries = read_fixture("tag_glossary.json")
    for entry in entries:
        code = entry["code"].strip().upper()
        tag, created = tag_model.objects.get_or_create(
            name=code,
            defaults={"slug": slugify(code), "kind": "subject", "description": entry["description"]},
        )
        if not created and tag.kind == "subject" and not tag.description:
            tag.description = entry["description"]
            tag.save(update_fields=["description"])
    return len(entries)


@cache
def glossary_codes() -> frozenset[str]:
    return frozenset(entry["code"].strip().upper() for entry in read_fixture("tag_glossary.json"))


def not_a_code(name: str, codes: frozenset[str]) -> str:
    """Why a tag the glossary does not know is no TAGS code, or "" when it may well be one."""
    token = name.upper()
    if token in codes:
        return ""
    if token in WORDS:
        return "a word"
    if len(token) > LONGEST_CODE:
        parts = run_together(token, codes)
        return f"codes run together ({' '.join(parts)})" if parts else "a word or a name"
    return ""


def run_together(token: str, codes: frozenset[str]) -> list[str]:
    """The glossary codes token is made of ("VTPREL" → VT, PREL), with a subject code among
    them; [] if none. Country codes alone would spell words: POLITICS is PO LI TI CS."""
    splits: dict[int, list[str]] = {0: []}
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 8), end):
            if start in splits and token[start:end] in codes:
                splits[end] = [*splits[start], token[start:end]]
                break
    parts = splits.get(len(token), [])
    if len(parts) > 1 and any(len(part) > 2 for part in parts):
        return parts
    return []


@dataclass(frozen=True)
class TagInUse:
    name: str
    documents: int
    reason: str = ""


@dataclass
class GlossaryReport:
    """Subject tags on documents that are not TAGS codes, and codes that have no description."""

    not_codes: list[TagInUse] = field(default_factory=list)
    undescribed: list[TagInUse] = field(default_factory=list)


def glossary_report(tag_model) -> GlossaryReport:
    from django.db.models import Count

    codes = glossary_codes()
    report = GlossaryReport()
    in_use = (
        tag_model.objects.filter(kind="subject")
        .annotate(n=Count("documents"))
        .filter(n__gt=0)
        .order_by("-n", "name")
    )
    for tag in in_use:
        reason = not_a_code(tag.name, codes)
        if reason:
            report.not_codes.append(TagInUse(tag.name, tag.n, reason))
        elif not tag.description:
            report.undescribed.append(TagInUse(tag.name, tag.n))
    return report
