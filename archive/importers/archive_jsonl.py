"""Backup and restore: the whole archive as JSON Lines, one document a line.

Each line carries every source file (base64), every extracted field, the paragraphs
with their numbers and anchors, the references, the tags (with kind, description and
origin) and the analyst note, so a restore into an empty archive gives the same
identifiers, permalinks and tags on any database.

The record ↔ model mapping is the field lists below plus document_record() (export) and
document_from_record() (restore), side by side. To add a Document field, name it in
SCALAR_FIELDS, DATE_FIELDS or DATETIME_FIELDS: a backup written before it existed
restores with the field's default. A restore checks every record as an import would
(identifier, types, lengths) and writes RESTORE_BATCH records per transaction, indexed
through one bulk session.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, models, transaction
from django.utils.dateparse import parse_date, parse_datetime

from archive.importers.loader import ImportProblem, check_fits
from archive.models import Document, Paragraph, Reference, Source, SourceFile, Tag, unique_slug
from archive.references import relink

FORMAT = "archive-jsonl"
# Version 2 added header_text, partial_extract, parser_version, file_tags, references as
# objects and each tag's origin; version 3 every source file of a document in place of its
# one original. Backups of every version restore.
VERSION = 3
READABLE_VERSIONS = {1, 2, 3}
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
    "header_text",
    "partial_extract",
    "parser_version",
    "reported_by",
    "created_precision",
    "released_precision",
]
DATE_FIELDS = ["date", "declassify_on"]
DATETIME_FIELDS = ["created", "released", "imported_at", "updated_at"]
REQUIRED = ["identifier", "type", "title", "source"]  # the rest has a default
SOURCE_FIELDS = ["name", "slug", "homepage", "kind", "description"]
TAG_FIELDS = ["name", "slug", "kind", "description"]
PARAGRAPH_FIELDS = ["number", "anchor", "marking", "heading", "text", "numbered_by"]
REFERENCE_FIELDS = ["text", "reference_id", "note"]
FILE_FIELDS = ["number", "file_name", "format", "encoding", "sha256", "header_fields", "paragraph_count"]
# Before version 3, a record held its document's one file: these fields and original_base64.
ORIGINAL_FIELDS = {
    "original_encoding": "encoding",
    "sha256": "sha256",
    "file_name": "file_name",
    "format": "format",
}
_REFERENCE_ID = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")
# What an import gives: a cable's reference ID (letters, digits, hyphens) or an article's
# date-and-title slug. Anything else breaks the document's URLs (/documents/BAD/ID/ is a 500).
IDENTIFIER = re.compile(r"[\w-]+")
SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # what a /tags/<slug>/ URL accepts
RESTORE_BATCH = 200  # records per transaction


def iso(value) -> str | None:
    return value.isoformat() if value else None


def document_record(document: Document) -> dict:
    record = {"quipu": FORMAT, "version": VERSION}
    record.update({name: getattr(document, name) for name in SCALAR_FIELDS})
    record.update({name: iso(getattr(document, name)) for name in DATE_FIELDS + DATETIME_FIELDS})
    record["file_tags"] = list(document.file_tags or [])
    record["source"] = {name: getattr(document.source, name) for name in SOURCE_FIELDS}
    file_tags = set(record["file_tags"])
    record["tags"] = [
        {
            **{name: getattr(t, name) for name in TAG_FIELDS},
            "origin": "file" if t.name in file_tags else "staff",
        }
        for t in document.tags.all()
    ]
    record["paragraphs"] = [
        {name: getattr(p, name) for name in PARAGRAPH_FIELDS} for p in document.paragraphs.all()
    ]
    record["references"] = [
        {"text": r.text or None, "reference_id": r.reference_id or None, "note": r.note}
        for r in document.references.all()
    ]
    record["source_files"] = [
        {
            **{name: getattr(f, name) for name in FILE_FIELDS},
            "current": f.is_current,
            "released": iso(f.released),
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

    def fail(self, line: int, reason: str) -> None:
        self.failed += 1
        self.problems.append((line, reason))


class RecordError(ValueError):
    pass


def decode_record(line: bytes) -> dict:
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RecordError(f"not UTF-8 (bad byte at column {exc.start + 1})") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise RecordError("not JSON we can read (nested too deeply)") from None
    if not isinstance(record, dict) or record.get("quipu") != FORMAT:
        raise RecordError("not a Quipu archive record")
    if record.get("version") not in READABLE_VERSIONS:
        raise RecordError(f"unsupported archive version {record.get('version')!r}")
    return record


# A record, checked, as unsaved model instances


@dataclass
class Restored:
    line: int
    document: Document
    source: Source
    tags: list[Tag]
    paragraphs: list[Paragraph]
    references: list[Reference]
    files: list[SourceFile]


def document_from_record(record: dict, line: int = 0) -> Restored:
    """The record as unsaved models, every value checked as an import would; RecordError if not."""
    missing = [name for name in REQUIRED if name not in record]
    if missing:
        raise RecordError(f"incomplete record (no {', '.join(missing)})")
    document = Document(**{name: field_value(Document, name, record) for name in SCALAR_FIELDS})
    for name in DATE_FIELDS + DATETIME_FIELDS:
        setattr(document, name, typed_value(name, record.get(name)))
    tags = items(record, "tags")
    document.file_tags = (
        field_value(Document, "file_tags", record) if "file_tags" in record else file_tag_names(tags)
    )
    restored = Restored(
        line,
        document,
        Source(**{name: field_value(Source, name, item(record, "source")) for name in SOURCE_FIELDS}),
        [Tag(**{name: field_value(Tag, name, tag) for name in TAG_FIELDS}) for tag in tags],
        [paragraph_from(p, document) for p in items(record, "paragraphs")],
        [
            Reference(
                position=position, **{name: field_value(Reference, name, r) for name in REFERENCE_FIELDS}
            )
            for position, r in enumerate(references_of(record))
        ],
        source_files_of(record),
    )
    check(restored)
    return restored


def paragraph_from(data: dict, document: Document) -> Paragraph:
    paragraph = Paragraph(**{name: field_value(Paragraph, name, data) for name in PARAGRAPH_FIELDS})
    if "numbered_by" not in data and (paragraph.number == 0 or document.type == Document.Type.ARTICLE):
        paragraph.numbered_by = "archive"  # a backup from before the field: the archive numbered these
    return paragraph


def file_tag_names(tags: list[dict]) -> list[str]:
    """The tags a document's file gave; before version 2, the subject tags were the file's."""
    names = []
    for tag in tags:
        origin = tag.get("origin") or ("file" if tag.get("kind") == Tag.Kind.SUBJECT else "staff")
        if origin == "file" and isinstance(tag.get("name"), str):
            names.append(tag["name"])
    return names


def references_of(record: dict) -> list[dict]:
    """Version 2 objects (null for absent values); version 1 strings, an ID or text as printed."""
    value = record.get("references", [])
    if not isinstance(value, list):
        raise RecordError("references is not a list")
    found = []
    for entry in value:
        if isinstance(entry, str):
            identifier = entry.strip().upper() if _REFERENCE_ID.fullmatch(entry.strip().upper()) else ""
            found.append({"text": entry, "reference_id": identifier, "note": ""})
        elif isinstance(entry, dict):
            found.append({name: entry.get(name) or "" for name in REFERENCE_FIELDS})
        else:
            raise RecordError("references is not a list of text or objects")
    return found


def source_files_of(record: dict) -> list[SourceFile]:
    """Version 3's source files, or an older record's one original as file 1, the current one."""
    if "source_files" in record:
        return [source_file(entry) for entry in items(record, "source_files")]
    if "original_base64" not in record:
        raise RecordError("incomplete record (no source_files, no original_base64)")
    entry = {new: record[old] for old, new in ORIGINAL_FIELDS.items() if old in record}
    entry.update(
        number=1, current=True, released=record.get("released"), data_base64=record["original_base64"]
    )
    entry.setdefault("sha256", "")
    entry.setdefault("imported_at", record.get("imported_at"))
    return [source_file(entry)]


def source_file(entry: dict) -> SourceFile:
    file = SourceFile(**{name: field_value(SourceFile, name, entry) for name in FILE_FIELDS if name in entry})
    file.is_current = entry.get("current") is True
    file.released = typed_value("released", entry.get("released"))
    file.imported_at = typed_value("imported_at", entry.get("imported_at"))
    try:
        file.data = base64.b64decode(text(entry, "data_base64"), validate=True)
    except ValueError:
        raise RecordError("a source file's data is not base64") from None
    if not file.sha256:
        file.sha256 = hashlib.sha256(file.data).hexdigest()
    return file


def field_value(model, name: str, data: dict):
    """data[name] if it has the model field's type; the field's default if absent (older backups)."""
    model_field = model._meta.get_field(name)
    if name not in data:
        return model_field.get_default()
    value = data[name]
    if isinstance(model_field, models.JSONField):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RecordError(f"{name} is not a list of text")
    elif isinstance(model_field, models.BooleanField):
        if not isinstance(value, bool):
            raise RecordError(f"{name} {value!r} is not true or false")
    elif isinstance(model_field, (models.PositiveIntegerField, models.PositiveSmallIntegerField)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RecordError(f"{model._meta.verbose_name} {name} {value!r} is not a whole number ≥ 0")
    elif not isinstance(value, str):
        raise RecordError(f"{name} is not text")
    if model_field.choices and value not in dict(model_field.choices):
        raise RecordError(f"{name} {value!r} is not one of {', '.join(dict(model_field.choices))}")
    return value


def text(data: dict, name: str) -> str:
    if not isinstance(data.get(name), str):
        raise RecordError(f"{name} is not text")
    return data[name]


def item(record: dict, name: str) -> dict:
    if not isinstance(record.get(name), dict):
        raise RecordError(f"{name} is not an object")
    return record[name]


def items(record: dict, name: str) -> list[dict]:
    value = record.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise RecordError(f"{name} is not a list of objects")
    return value


def typed_value(name: str, value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{name} {value!r} is not ISO 8601")
    try:
        parsed = parse_date(value) if name in DATE_FIELDS else parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise RecordError(f"{name} {value!r} is not ISO 8601")
    return parsed


def check(restored: Restored) -> None:
    """What an import would refuse, or what would break the site's pages once stored."""
    document = restored.document
    if not IDENTIFIER.fullmatch(document.identifier):
        raise RecordError(f"identifier {document.identifier[:60]!r} is not a document identifier")
    if not document.title.strip() or not restored.source.name.strip():
        raise RecordError("the title or the source name is empty")
    if not all(tag.name.strip() for tag in restored.tags):
        raise RecordError("a tag has no name")
    check_files(restored.files)
    numbers = [p.number for p in restored.paragraphs]
    if len(numbers) != len(set(numbers)):
        raise RecordError("duplicate paragraph numbers")
    try:
        check_fits(
            value
            for instance in [
                document,
                restored.source,
                *restored.tags,
                *restored.paragraphs,
                *restored.references,
                *restored.files,
            ]
            for value in column_values(instance)
        )
    except ImportProblem as exc:
        raise RecordError(str(exc)) from None


def check_files(files: list[SourceFile]) -> None:
    if not files or sum(1 for f in files if f.is_current) != 1:
        raise RecordError("a document needs its source files, exactly one of them current")
    if len({f.number for f in files}) != len(files) or not all(f.number >= 1 for f in files):
        raise RecordError("source file numbers are not 1, 2, … once each")
    for file in files:
        try:
            codecs.lookup(file.encoding)
        except LookupError:
            raise RecordError(f"encoding {file.encoding[:20]!r} is not an encoding") from None
        if file.sha256 != hashlib.sha256(file.data).hexdigest():
            raise RecordError(f"sha256 does not match source file {file.number}")


def column_values(instance) -> list[tuple]:
    """(model, field name, value) of each of the instance's length-limited text columns."""
    model = type(instance)
    return [
        (model, f.name, getattr(instance, f.attname))
        for f in model._meta.concrete_fields
        if f.max_length and isinstance(getattr(instance, f.attname), str)
    ]


# Writing


class Restorer:
    """Writes checked records in batches; sources and tags are looked up once per name."""

    def __init__(self):
        self.sources: dict[str, Source] = {}
        self.tags: dict[str, Tag] = {}

    def write_batch(self, batch: list[Restored], report: RestoreReport) -> None:
        with transaction.atomic():
            identifiers = [restored.document.identifier for restored in batch]
            found = Document.objects.filter(identifier__in=identifiers).values_list("identifier", "pk")
            existing = dict(found)
            for restored in batch:
                identifier = restored.document.identifier
                try:
                    with transaction.atomic():  # a record the database refuses costs only itself
                        self.write(restored, existing.get(identifier))
                except DatabaseError as exc:
                    report.fail(restored.line, f"could not be stored ({type(exc).__name__}: {exc})"[:300])
                    self.sources.clear()  # what the savepoint rolled back may be cached
                    self.tags.clear()
                    continue
                if identifier in existing:
                    report.updated += 1
                else:
                    report.created += 1
                    existing[identifier] = restored.document.pk

    def write(self, restored: Restored, existing_pk: int | None) -> None:
        """Store the document, over the one with this pk if there is one."""
        document = restored.document
        document.pk = existing_pk
        document.source = self.source(restored.source)
        # auto_now/auto_now_add overwrite the times on save; put the archive's own back.
        now = dt.datetime.now(dt.UTC)
        times = {"imported_at": document.imported_at or now, "updated_at": document.updated_at or now}
        document.save(force_insert=existing_pk is None)
        Document.objects.filter(pk=document.pk).update(**times)
        if existing_pk is not None:
            document.paragraphs.all().delete()
            document.references.all().delete()
            document.source_files.all().delete()
        for child in [*restored.paragraphs, *restored.references, *restored.files]:
            child.document = document
        Paragraph.objects.bulk_create(restored.paragraphs)
        Reference.objects.bulk_create(restored.references)
        times = {file.number: file.imported_at for file in restored.files}
        SourceFile.objects.bulk_create(restored.files)  # auto_now_add: the backup's times go back
        for number, imported_at in times.items():
            if imported_at:
                document.source_files.filter(number=number).update(imported_at=imported_at)
        tags = {tag.pk: tag for tag in map(self.tag, restored.tags)}
        if existing_pk is not None:
            document.tags.set(tags.values())
        else:  # a new document: no links to compare with, and its save queued it for the index
            Through = Document.tags.through
            Through.objects.bulk_create(Through(document_id=document.pk, tag_id=pk) for pk in tags)

    def source(self, restored: Source) -> Source:
        """The source of that name, its details as the backup has them."""
        source = self.sources.get(restored.name) or Source.objects.filter(name=restored.name).first()
        if source is None:
            source = Source(name=restored.name)
        changed = [
            name
            for name in ("homepage", "kind", "description")
            if getattr(source, name) != getattr(restored, name)
        ]
        for name in changed:
            setattr(source, name, getattr(restored, name))
        if source.pk is None:
            source.slug = free_slug(Source, restored.slug, restored.name, max_length=200)
            source.save()
        elif changed:
            source.save(update_fields=changed)
        self.sources[source.name] = source
        return source

    def tag(self, restored: Tag) -> Tag:
        """The tag of that name, or a new one; a description missing here is taken from the backup."""
        tag = self.tags.get(restored.name) or Tag.objects.filter(name=restored.name).first()
        if tag is None:
            tag = Tag(name=restored.name, kind=restored.kind, description=restored.description)
            tag.slug = free_slug(Tag, restored.slug, restored.name, max_length=100)
            tag.save()
        elif restored.description and not tag.description:
            tag.description = restored.description
            tag.save(update_fields=["description"])
        self.tags[tag.name] = tag
        return tag


def free_slug(model, slug: str, name: str, max_length: int) -> str:
    """The backup's slug, unless a URL cannot hold it or another row of the archive has it."""
    if SLUG.fullmatch(slug) and not model.objects.filter(slug=slug).exists():
        return slug
    return unique_slug(model, name, max_length=max_length)


def restore_file(path: Path, on_line=None) -> RestoreReport:
    """Restore a backup; records that fail their checks are reported by line, the rest written.

    Indexed as it goes through one bulk session (archive.search.indexing), committed at the end.
    """
    from archive.search.indexing import bulk_import_session, drain_queue

    report = RestoreReport()
    restorer = Restorer()
    with bulk_import_session():
        for batch in checked_batches(path, report, on_line):
            restorer.write_batch(batch, report)
            drain_queue()
        # Counts of citing cables follow the references restored (a backup of part of an archive).
        with transaction.atomic():
            relink()
        drain_queue()
    return report


def checked_batches(path: Path, report: RestoreReport, on_line=None):
    batch: list[Restored] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                batch.append(document_from_record(decode_record(line), number))
            except RecordError as exc:
                report.fail(number, str(exc))
            if on_line:
                on_line(report)
            if len(batch) >= RESTORE_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch
