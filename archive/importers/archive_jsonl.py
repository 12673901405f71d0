"""Backup and restore: the whole archive as JSON Lines, one document a line.

Each line carries the original file (base64), every extracted field, the
paragraphs with their numbers and anchors, the tags (with kind and
description) and the analyst note, so a restore into an empty archive gives
the same identifiers, permalinks and tags on any database.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from archive.models import Document, Paragraph, Source, Tag

FORMAT = "archive-jsonl"
VERSION = 1
SCALAR_FIELDS = [
    "identifier",
    "type",
    "title",
    "venue",
    "byline",
    "dateline",
    "subject",
    "classification",
    "origin",
    "header_dtg",
    "header_precedence",
    "header_from",
    "header_to",
    "header_info",
    "declassification",
    "classified_by",
    "references",
    "signature",
    "note",
    "original_encoding",
    "sha256",
    "file_name",
    "format",
]
DATE_FIELDS = ["date", "declassify_on"]
DATETIME_FIELDS = ["created", "released", "imported_at", "updated_at"]


def iso(value) -> str | None:
    return value.isoformat() if value else None


def document_record(document: Document) -> dict:
    record = {"quipu": FORMAT, "version": VERSION}
    record.update({name: getattr(document, name) for name in SCALAR_FIELDS})
    record.update({name: iso(getattr(document, name)) for name in DATE_FIELDS + DATETIME_FIELDS})
    source = document.source
    record["source"] = {
        "name": source.name,
        "slug": source.slug,
        "homepage": source.homepage,
        "kind": source.kind,
        "description": source.description,
    }
    record["tags"] = [
        {"name": t.name, "slug": t.slug, "kind": t.kind, "description": t.description}
        for t in document.tags.all()
    ]
    record["paragraphs"] = [
        {"number": p.number, "anchor": p.anchor, "marking": p.marking, "heading": p.heading, "text": p.text}
        for p in document.paragraphs.all()
    ]
    record["original_base64"] = base64.b64encode(bytes(document.original)).decode("ascii")
    return record


def export_lines(queryset=None, chunk_size: int = 500) -> Iterator[str]:
    documents = (queryset if queryset is not None else Document.objects.all()).order_by("pk")
    documents = documents.select_related("source").prefetch_related("tags", "paragraphs")
    for document in documents.iterator(chunk_size=chunk_size):
        yield json.dumps(document_record(document), ensure_ascii=False)


@dataclass
class RestoreReport:
    created: int = 0
    updated: int = 0
    failed: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


class RecordError(ValueError):
    pass


def decode_record(line: str) -> dict:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict) or record.get("quipu") != FORMAT:
        raise RecordError("not a Quipu archive record")
    if record.get("version") != VERSION:
        raise RecordError(f"unsupported archive version {record.get('version')!r}")
    return record


def typed_value(name: str, value):
    if value is None:
        return None
    if name in DATE_FIELDS:
        parsed = parse_date(value)
    elif name in DATETIME_FIELDS:
        parsed = parse_datetime(value)
    else:
        return value
    if parsed is None:
        raise RecordError(f"{name} {value!r} is not ISO 8601")
    return parsed


def restore_source(data: dict) -> Source:
    source, _ = Source.objects.update_or_create(
        name=data["name"],
        defaults={k: data.get(k, "") for k in ("homepage", "kind", "description")} | {"slug": data["slug"]},
    )
    return source


def restore_tags(items: list[dict]) -> list[Tag]:
    tags = []
    for item in items:
        tag, created = Tag.objects.get_or_create(
            name=item["name"],
            defaults={"slug": item["slug"], "kind": item["kind"], "description": item.get("description", "")},
        )
        if not created and item.get("description") and not tag.description:
            tag.description = item["description"]
            tag.save(update_fields=["description"])
        tags.append(tag)
    return tags


def restore_record(record: dict) -> str:
    try:
        with transaction.atomic():
            document = Document.objects.filter(identifier=record["identifier"]).first()
            status = "updated" if document else "created"
            document = document or Document(identifier=record["identifier"])
            for name in SCALAR_FIELDS:
                setattr(document, name, record[name])
            for name in DATE_FIELDS + DATETIME_FIELDS:
                setattr(document, name, typed_value(name, record.get(name)))
            document.source = restore_source(record["source"])
            document.original = base64.b64decode(record["original_base64"], validate=True)
            document.save()
            # auto_now/auto_now_add overwrite the times on save; put the archive's own back.
            times = {
                n: typed_value(n, record.get(n)) or dt.datetime.now(dt.UTC)
                for n in ("imported_at", "updated_at")
            }
            Document.objects.filter(pk=document.pk).update(**times)
            document.paragraphs.all().delete()
            Paragraph.objects.bulk_create(Paragraph(document=document, **p) for p in record["paragraphs"])
            document.tags.set(restore_tags(record["tags"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"incomplete record ({type(exc).__name__}: {exc})"[:300]) from None
    return status


def restore_file(path: Path, on_line=None) -> RestoreReport:
    report = RestoreReport()
    with path.open("r", encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                status = restore_record(decode_record(line))
            except RecordError as exc:
                report.failed += 1
                report.problems.append((number, str(exc)))
            else:
                setattr(report, status, getattr(report, status) + 1)
            if on_line:
                on_line(report)
    return report
