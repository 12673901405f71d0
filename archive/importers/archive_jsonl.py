"""Backup and restore: the whole archive as JSON Lines, one document a line.

Each line carries every source file (base64), every extracted field, the
paragraphs with their numbers and anchors, the tags (with kind and
description) and the analyst note, so a restore into an empty archive gives
the same identifiers, permalinks and tags on any database.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from archive.models import Document, Paragraph, Reference, Source, SourceFile, Tag

FORMAT = "archive-jsonl"
# Version 2 added header_text, partial_extract, parser_version, references as objects and
# each tag's origin (file or staff); version 3 every source file of a document in place of
# its one original. Backups of every version restore.
VERSION = 3
READABLE_VERSIONS = {1, 2, 3}
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
]
# Before version 3, a record's one file: these fields and original_base64.
ORIGINAL_FIELDS = {"original_encoding": "utf-8", "sha256": "", "file_name": "", "format": ""}
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
    record["source_files"] = [
        {
            "number": f.number,
            "current": f.is_current,
            "file_name": f.file_name,
            "format": f.format,
            "encoding": f.encoding,
            "sha256": f.sha256,
            "released": iso(f.released),
            "header_fields": f.header_fields,
            "paragraph_count": f.paragraph_count,
            "imported_at": iso(f.imported_at),
            "data_base64": base64.b64encode(bytes(f.data)).decode("ascii"),
        }
        for f in document.source_files.all()
    ]
    return record


def export_lines(queryset=None, chunk_size: int = 500) -> Iterator[str]:
    documents = (queryset if queryset is not None else Document.objects.all()).order_by("pk")
    documents = documents.select_related("source").prefetch_related(
        "tags", "paragraphs", "references", "source_files"
    )
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


def restore_source_files(document: Document, record: dict) -> None:
    """Version 3's source files, or the one original of an older backup as file 1."""
    items = record.get("source_files")
    if items is None:
        raw = base64.b64decode(record["original_base64"], validate=True)
        old = {name: record.get(name) or default for name, default in ORIGINAL_FIELDS.items()}
        items = [
            {
                "number": 1,
                "current": True,
                "file_name": old["file_name"],
                "format": old["format"],
                "encoding": old["original_encoding"],
                "sha256": old["sha256"] or hashlib.sha256(raw).hexdigest(),
                "released": record.get("released"),
                "imported_at": record.get("imported_at"),
                "data": raw,
            }
        ]
    document.source_files.all().delete()
    files = []
    for item in items:
        data = item["data"] if "data" in item else base64.b64decode(item["data_base64"], validate=True)
        files.append(
            SourceFile(
                document=document,
                number=item["number"],
                is_current=bool(item["current"]),
                data=data,
                encoding=item.get("encoding") or "utf-8",
                sha256=item.get("sha256") or hashlib.sha256(data).hexdigest(),
                file_name=item.get("file_name") or "",
                format=item.get("format") or "",
                released=typed_value("released", item.get("released")),
                header_fields=item.get("header_fields") or 0,
                paragraph_count=item.get("paragraph_count") or 0,
            )
        )
    if sum(1 for f in files if f.is_current) != 1:
        raise RecordError("a document needs exactly one current source file")
    SourceFile.objects.bulk_create(files)
    for file in files:
        imported = typed_value(
            "imported_at", next(i for i in items if i["number"] == file.number).get("imported_at")
        )
        if imported:
            SourceFile.objects.filter(pk=file.pk).update(imported_at=imported)


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
            document.save()
            restore_source_files(document, record)
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
