"""Sources and the glossary of cable TAGS codes, from fixtures/.

Loaded by a data migration and by `manage.py load_reference_data`. Upserts by
name and never touches staff-written descriptions of tags that are not codes.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


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
