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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from archive.models import Document, Paragraph, Reference, Source, Tag

FORMAT = "archive-jsonl"
# Version 2 added header_text, partial_extract, parser_version, references as objects and
# each tag's origin (file or staff); version 1 backups still restore.
VERSION = 2
READABLE_VERSIONS = {1, 2}
_IDENTIFIER = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")
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
    "signature",
    "note",
    "original_encoding",
    "sha256",
    "file_name",
    "format",
]
# Fields later versions added, with the value a record from before them gets.
ADDED_FIELDS = {"header_text": "", "partial_extract": False, "parser_version": 0, "file_tags": None}
DATE_FIELDS = ["date", "declassify_on"]
DATETIME_FIELDS = ["created", "released", "imported_at", "updated_at"]


def iso(value) -> str | None:
    return value.isoformat() if value else None


def document_record(document: Document) -> dict:
    record = {"quipu": FORMAT, "version": VERSION}
    record.update({name: getattr(document, name) for name in [*SCALAR_FIELDS, *ADDED_FIELDS]})
    record.update({name: iso(getattr(document, name)) for name in DATE_FIELDS + DATETIME_FIELDS})
    source = document.source
    record["source"] = {
        "name": source.name,
        "slug": source.slug,
        "homepage": source.homepage,
        "kind": source.kind,
        "description": source.description,
    }
    file_tags = set(document.file_tags or [])
    record["tags"] = [
        {
            "name": t.name,
            "slug": t.slug,
            "kind": t.kind,
            "description": t.description,
            "origin": "file" if t.name in file_tags else "staff",
        }
        for t in document.tags.all()
    ]
    record["references"] = [
        {"text": r.text or None, "reference_id": r.reference_id or None, "note": r.note}
        for r in document.references.all()
    ]
    record["paragraphs"] = [
        {"number": p.number, "anchor": p.anchor, "marking": p.marking, "heading": p.heading, "text": p.text}
        for p in document.paragraphs.all()
    ]
    record["original_base64"] = base64.b64encode(bytes(document.original)).decode("ascii")
    return record


def export_lines(queryset=None, chunk_size: int = 500) -> Iterator[str]:
    documents = (queryset if queryset is not None else Document.objects.all()).order_by("pk")
    documents = documents.select_related("source").prefetch_related("tags", "paragraphs", "references")
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
    if record.get("version") not in READABLE_VERSIONS:
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


def file_tag_names(items: list[dict]) -> list[str]:
    """The tags a document's file gave; before version 2, the subject tags were the file's."""
    return [
        item["name"]
        for item in items
        if item.get("origin", "file" if item["kind"] == Tag.Kind.SUBJECT else "staff") == "file"
    ]


def restored_references(items: list) -> list[dict]:
    """Version 2 objects as they are; version 1 strings: a reference ID, or text as printed."""
    restored = []
    for item in items:
        if isinstance(item, str):
            identifier = item.strip().upper() if _IDENTIFIER.fullmatch(item.strip().upper()) else ""
            restored.append({"text": item, "reference_id": identifier, "note": ""})
        else:
            restored.append(
                {
                    "text": item.get("text") or "",
                    "reference_id": item.get("reference_id") or "",
                    "note": item.get("note") or "",
                }
            )
    return restored


def restore_record(record: dict) -> str:
    try:
        with transaction.atomic():
            document = Document.objects.filter(identifier=record["identifier"]).first()
            status = "updated" if document else "created"
            document = document or Document(identifier=record["identifier"])
            for name in SCALAR_FIELDS:
                setattr(document, name, record[name])
            for name, default in ADDED_FIELDS.items():
                setattr(document, name, record.get(name, default))
            if document.file_tags is None:
                document.file_tags = file_tag_names(record["tags"])
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
            document.references.all().delete()
            Reference.objects.bulk_create(
                Reference(document=document, position=position, **item)
                for position, item in enumerate(restored_references(record.get("references") or []))
            )
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
