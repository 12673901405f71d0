"""From a file on disk to rows in the database, one transaction per file.

read_source_file() → decode() → parse_text() → store(): each step either
succeeds or raises ImportProblem with a one-line reason for the user.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils.text import slugify

from archive import news_links, references
from archive.importers import articles, cablegate_pages, changes, source_files
from archive.importers.base import ParsedDocument, ParseError, cap_paragraphs
from archive.models import Document, Paragraph, Reference, Source, SourceFile, Tag, unique_slug

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
ADDED = "added"  # kept as another source file of its document; the current text stays
# Raised whenever the parsers read files differently: an unchanged file imported by an
# older version is read again on its next import, and `import_documents --reparse` re-reads
# every stored original.
PARSER_VERSION = 5
SKIPPED = "skipped"
SPECIAL_FILES = {
    stat.S_IFLNK: "is a symbolic link (not followed)",
    stat.S_IFIFO: "is a named pipe (FIFO)",
    stat.S_IFSOCK: "is a socket",
    stat.S_IFCHR: "is a device",
    stat.S_IFBLK: "is a device",
    stat.S_IFDIR: "is a directory",
}

# Bytes that never occur in text files: a NUL, or most of the C0 controls.
_BINARY_CONTROL_BYTES = bytes(range(0, 9)) + bytes([11, 12]) + bytes(range(14, 32))
# Byte-order marks of the Unicode encodings other than UTF-8. UTF-32's little-endian mark
# begins with UTF-16's, so it is tried first.
_UNICODE_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class ImportProblem(Exception):
    """A file that cannot be imported; str(exc) is the reason shown to the user."""


class ImportSkipped(ImportProblem):
    """Not a document: not a regular file (a link, a FIFO, a device…, left alone, not read), or
    data kept beside the documents (a JSON manifest)."""


@dataclass
class FileResult:
    path: str
    status: str
    identifier: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    detail: str = ""  # which source file of its document this one became


@dataclass
class DecodedFile:
    raw: bytes
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_source_file(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes; anything but a regular file is skipped without being opened.

    A link is never followed: a directory handed over for import must not publish what its
    links point to (the site's secret key, system files). A FIFO or a device is never opened:
    opening one can block or act on the device. O_NOFOLLOW and O_NONBLOCK cover a file
    swapped for one of them between the check and the opening.
    """
    limit = max_bytes if max_bytes is not None else settings.ARCHIVE_MAX_IMPORT_BYTES
    try:
        refuse_special_file(path.lstat().st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd, "rb") as handle:
            status = os.fstat(fd)
            refuse_special_file(status.st_mode)
            if status.st_size > limit:
                raise ImportProblem(
                    f"file is {status.st_size:,} bytes, above the {limit:,}-byte limit "
                    "(ARCHIVE_MAX_IMPORT_BYTES)"
                )
            return handle.read(limit + 1)
    except PermissionError:
        raise ImportProblem("file cannot be read: permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise ImportSkipped(SPECIAL_FILES[stat.S_IFLNK]) from None
        raise ImportProblem(f"file cannot be read: {exc.strerror or exc}") from None


def refuse_special_file(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise ImportSkipped(SPECIAL_FILES.get(stat.S_IFMT(mode), "is not a regular file"))


def looks_binary(raw: bytes) -> bool:
    # A NUL anywhere: text columns cannot hold one (PostgreSQL refuses it outright).
    if b"\x00" in raw:
        return True
    sample = raw[:65536]
    controls = sum(sample.count(bytes([b])) for b in _BINARY_CONTROL_BYTES)
    return controls > len(sample) * 0.01


def looks_like_utf16(raw: bytes) -> bool:
    """UTF-16 saved without a byte-order mark: a NUL beside most letters, and only there."""
    sample = raw[:4096]
    if len(sample) < 8:
        return False
    halves = sorted(half.count(0) / len(half) for half in (sample[0::2], sample[1::2]))
    return halves[0] < 0.05 and halves[1] > 0.8


def decode(raw: bytes) -> DecodedFile:
    if not raw.strip():
        raise ImportProblem("file is empty")
    decoded = decode_unicode(raw) or decode_8bit(raw)
    if not decoded.text.strip():
        raise ImportProblem("file is empty")
    return decoded


def decode_unicode(raw: bytes) -> DecodedFile | None:
    """A file opening with a UTF-16 or UTF-32 byte-order mark (Notepad's "Unicode")."""
    encoding = next((name for bom, name in _UNICODE_BOMS if raw.startswith(bom)), None)
    if encoding is None:
        return None
    label = encoding.upper()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportProblem(
            f"file starts with a {label} byte-order mark but is not {label} text "
            f"(bad bytes at offset {exc.start})"
        ) from None
    if looks_binary(text.encode("utf-8", errors="surrogatepass")):
        raise ImportProblem("file is binary, not text")
    return DecodedFile(raw, text, encoding)


def decode_8bit(raw: bytes) -> DecodedFile:
    if looks_binary(raw):
        if looks_like_utf16(raw):
            raise ImportProblem("file looks like UTF-16 text without a byte-order mark: save it as UTF-8")
        raise ImportProblem("file is binary, not text")
    try:
        return DecodedFile(raw, raw.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportProblem(
            f"file is neither UTF-8 nor Windows-1252 text (bad byte at offset {utf8_error.start})"
        ) from None
    return DecodedFile(
        raw, text, "cp1252", [f"not valid UTF-8 (offset {utf8_error.start}); read as Windows-1252"]
    )


def is_json_data(text: str) -> bool:
    """A JSON document or JSON Lines (a manifest, an export of records): data, not prose.

    An article never parses as JSON as a whole, nor line by line."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return False
    try:
        json.loads(stripped)
        return True
    except ValueError:
        pass
    lines = [line for line in stripped.splitlines() if line.strip()]
    try:
        return all(isinstance(json.loads(line), dict | list) for line in lines)
    except ValueError:
        return False


def parse_text(text: str) -> ParsedDocument:
    """Detect the layout and parse it; an unknown layout becomes a generic article.

    A document of more paragraphs than ARCHIVE_MAX_PARAGRAPHS gets them merged (cap_paragraphs).
    """
    if is_json_data(text):
        raise ImportSkipped("JSON data, not a document")
    try:
        if cablegate_pages.looks_like_cablegate_html(text):
            parsed = cablegate_pages.parse_cablegate_html(text)
        elif cablegate_pages.looks_like_cablegate_text(text):
            parsed = cablegate_pages.parse_cablegate_text(text)
        else:
            parsed = articles.parse_article(text)
        cap_paragraphs(parsed, settings.ARCHIVE_MAX_PARAGRAPHS)
        return parsed
    except ParseError as exc:
        raise ImportProblem(str(exc)) from None
    except RecursionError:
        raise ImportProblem("file is too deeply nested to parse") from None


def article_identifier(parsed: ParsedDocument) -> str:
    day = parsed.date.isoformat() if parsed.date else "undated"
    words = slugify(parsed.title)[:80].rstrip("-")
    if not words:
        # A title with no Latin letters or digits ("中文标题"): without the digest every such
        # article of a day would share one identifier, and each import would replace the last.
        words = "untitled-" + hashlib.sha256(parsed.title.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{day}-{words}"


def identifier_for(parsed: ParsedDocument) -> str:
    if parsed.type == Document.Type.CABLE:
        return parsed.identifier.strip().upper()
    return article_identifier(parsed)


def validate(parsed: ParsedDocument) -> None:
    if not parsed.paragraphs and not parsed.title.strip():
        raise ImportProblem("no text found to import")
    numbers = [p.number for p in parsed.paragraphs]
    if len(numbers) != len(set(numbers)):
        raise ImportProblem("parser produced duplicate paragraph numbers")
    check_lengths(parsed)


def check_lengths(parsed: ParsedDocument) -> None:
    """Every value fits its column: SQLite would store a 5,000-character classification,
    PostgreSQL refuses the whole file with an error no one can act on."""
    header = parsed.header
    values = [
        (Document, "identifier", identifier_for(parsed)),
        (Document, "venue", parsed.venue),
        (Document, "byline", parsed.byline),
        (Document, "dateline", parsed.dateline),
        (Document, "classification", parsed.classification),
        (Document, "origin", parsed.origin),
        (Document, "header_dtg", header.dtg),
        (Document, "header_precedence", header.precedence),
        (Document, "header_from", header.from_),
        (Document, "declassification", parsed.declassification),
        (Document, "signature", parsed.signature),
        *((Reference, "reference_id", r.reference_id or "") for r in parsed.references),
        *((Reference, "note", r.note) for r in parsed.references),
        (SourceFile, "format", parsed.format),
        (Source, "name", parsed.source),
        *((Tag, "name", tag) for tag in parsed.tags),
        *((Paragraph, "marking", p.marking) for p in parsed.paragraphs),
    ]
    check_fits(values)


def check_fits(values) -> None:
    """Each (model, field name, value) fits its column, or ImportProblem names the first that does not."""
    for model, name, value in values:
        limit = model._meta.get_field(name).max_length
        if len(value) > limit:
            label = model._meta.get_field(name).verbose_name
            if model is not Document:
                label = f"{model._meta.verbose_name} {label}"
            raise ImportProblem(f"the {label} is {len(value):,} characters long; at most {limit} fit")


def source_for(name: str) -> Source:
    source = Source.objects.filter(name=name).first()
    if source is None:
        # "Source: foo-bar" after "Source: Foo Bar": another name, the same slug.
        slug = unique_slug(Source, name if slugify(name) else "source", max_length=200)
        source = Source.objects.create(name=name, slug=slug)
    return source


def subject_tags(codes: list[str]) -> list[Tag]:
    found = {t.name: t for t in Tag.objects.filter(name__in=codes)}
    for code in codes:
        if code not in found:
            found[code] = Tag.objects.create(name=code, kind=Tag.Kind.SUBJECT)
    return [found[code] for code in codes]


def document_fields(parsed: ParsedDocument) -> dict:
    header = parsed.header
    return {
        "type": parsed.type,
        "title": parsed.title,
        "source": source_for(parsed.source),
        "venue": parsed.venue,
        "byline": parsed.byline,
        "dateline": parsed.dateline,
        "date": parsed.date,
        "subject": parsed.subject,
        "created": parsed.created,
        "released": parsed.released,
        "created_precision": parsed.created_precision,
        "released_precision": parsed.released_precision,
        "classification": parsed.classification,
        "origin": parsed.origin,
        "header_dtg": header.dtg,
        "header_precedence": header.precedence,
        "header_from": header.from_,
        "header_to": list(header.to),
        "header_info": list(header.info),
        "declassify_on": parsed.declassify_on,
        "declassification": parsed.declassification,
        "classified_by": parsed.classified_by,
        "header_text": parsed.header_text,
        "partial_extract": parsed.partial_extract,
        "reported_by": list(parsed.reported_by),
        "signature": parsed.signature,
        "parser_version": PARSER_VERSION,
    }


def paragraph_rows(document_pk: int | None, parsed: ParsedDocument) -> list[Paragraph]:
    """The parsed paragraphs as (unsaved) rows of the document."""
    return [
        Paragraph(
            document_id=document_pk,
            number=p.number,
            anchor=p.anchor,
            marking=p.marking,
            heading=p.heading,
            text=p.text,
            numbered_by=p.numbered_by,
        )
        for p in parsed.paragraphs
    ]


def replace_paragraphs(document: Document, parsed: ParsedDocument) -> None:
    document.paragraphs.all().delete()
    Paragraph.objects.bulk_create(paragraph_rows(document.pk, parsed))


def reference_rows(document_pk: int, parsed: ParsedDocument) -> list[Reference]:
    return [
        Reference(
            document_id=document_pk,
            position=position,
            text=cited.text or "",
            reference_id=cited.reference_id or "",
            note=cited.note,
        )
        for position, cited in enumerate(parsed.references)
    ]


def replace_references(document: Document, parsed: ParsedDocument) -> None:
    document.references.all().delete()
    Reference.objects.bulk_create(reference_rows(document.pk, parsed))


@dataclass
class TagChange:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def describe(self) -> str:
        return ", ".join([*(f"+{name}" for name in self.added), *(f"-{name}" for name in self.removed)])


def apply_file_tags(document: Document, codes: list[str]) -> TagChange:
    """Give a document the TAGS its file now has, leaving the tags staff added alone.

    Only what changed between the file's previous TAGS and its new ones is added or
    removed: a tag staff added stays, and so does the absence of one staff removed.
    """
    previous = list(document.file_tags or [])
    change = TagChange(
        added=[code for code in codes if code not in previous],
        removed=[code for code in previous if code not in codes],
    )
    if change.removed:
        document.tags.remove(*Tag.objects.filter(name__in=change.removed))
    if change.added:
        document.tags.add(*subject_tags(change.added))
    if previous != list(codes):
        document.file_tags = list(codes)
        Document.objects.filter(pk=document.pk).update(file_tags=document.file_tags)
    return change


@dataclass
class Stored:
    document: Document
    status: str
    file: SourceFile


def store(
    parsed: ParsedDocument, decoded: DecodedFile, file_name: str, *, replace: str | None = None
) -> Stored:
    """Keep the file as a source file of the document its identity names (a new one if none),
    and make it current when the rules say so (see source_files)."""
    validate(parsed)
    identifier = identifier_for(parsed)
    sha256 = source_files.sha256_of(decoded.raw)
    with transaction.atomic():
        known = source_files.known_file(sha256)
        if known is not None:
            return reread_if_stale(known, parsed)
        try:
            document = source_files.owner(parsed, identifier, replace)
            if document is None:
                document = Document(identifier=source_files.free_identifier(parsed, identifier))
        except source_files.NotTheSameDocument as exc:
            raise ImportProblem(str(exc)) from None
        is_new = document.pk is None
        if is_new:
            write_document(document, parsed)
            document.save()
        file = add_source_file(document, decoded, parsed, file_name)
        if is_new:
            make_current(document, file, parsed, why="")
            return Stored(document, CREATED, file)
        files = list(document.source_files.without_data())
        if source_files.best_file(files, document.type).pk != file.pk:
            return Stored(document, ADDED, file)
        make_current(document, file, parsed, why=f"File {file.number} ({file_name}) became its text")
        return Stored(document, UPDATED, file)


def add_source_file(
    document: Document, decoded: DecodedFile, parsed: ParsedDocument, file_name: str
) -> SourceFile:
    last = document.source_files.aggregate(last=models.Max("number"))["last"] or 0
    file = SourceFile(
        document=document,
        number=last + 1,
        data=decoded.raw,
        encoding=decoded.encoding,
        sha256=source_files.sha256_of(decoded.raw),
        file_name=file_name[:500],
    )
    source_files.summarise(file, parsed)
    file.save()
    return file


def make_current(document: Document, file: SourceFile, parsed: ParsedDocument, why: str) -> list[str]:
    """Give the document `file`'s text; `why` goes to the admin history with what changed."""
    before = changes.snapshot(document) if why else None
    document.source_files.exclude(pk=file.pk).filter(is_current=True).update(is_current=False)
    if not file.is_current:
        SourceFile.objects.filter(pk=file.pk).update(is_current=True)
        file.is_current = True
    cited_before = set(document.references.values_list("reference_id", flat=True))
    write_document(document, parsed)
    document.save()
    tag_change = replace_contents(document, parsed)
    document.__dict__.pop("current_file", None)
    # This cable's own count, and those of the cables it cites or cited, may have changed.
    cited_now = {r.reference_id for r in parsed.references if r.reference_id}
    references.relink({document.identifier} | cited_before | cited_now)
    link_news(document)
    return note_changes(document, before, tag_change, why) if before is not None else []


def link_news(document: Document) -> None:
    """Articles naming, quoting or reporting this document (or the cables it does)."""
    try:
        with transaction.atomic():
            news_links.link_document(document)
    except Exception:  # a search engine that cannot answer must not cost the import
        logger.warning("news links of %s not found; run manage.py relink", document.identifier, exc_info=True)


def reread_if_stale(known: SourceFile, parsed: ParsedDocument) -> Stored:
    """Bytes imported before: unchanged, unless they are the current text and an older
    version of the parsers read them."""
    document = known.document
    if not known.is_current or document.parser_version >= PARSER_VERSION:
        return Stored(document, UNCHANGED, known)
    source_files.summarise(known, parsed)
    known.save(update_fields=["released", "header_fields", "paragraph_count", "format"])
    make_current(document, known, parsed, why=f"Re-read file {known.number}")
    return Stored(document, UPDATED, known)


def note_changes(document: Document, before: dict, tag_change: TagChange, why: str) -> list[str]:
    """What changed, also written to the admin history; [] when nothing did."""
    changed = changes.changed_parts(before, changes.snapshot(document))
    if tag_change:
        changed.append(f"tags {tag_change.describe()}")
    if changed:
        changes.record_in_history(document, f"{why} (parser version {PARSER_VERSION}): {'; '.join(changed)}.")
    return changed


def reparse(document: Document) -> list[str]:
    """Read a document's stored files again with today's parsers; what changed.

    Every source file is read (which one is current may change with a better reading);
    the identifier stays, so permalinks do not move; tags staff added and the note are
    kept. Raises ImportProblem when the current file no longer parses.
    """
    with transaction.atomic():
        readings = {}
        files = list(document.source_files.all())
        for file in files:
            try:
                parsed = parse_text(file.text)
                validate(parsed)
            except ImportProblem:
                if file.is_current:
                    raise
                continue
            source_files.summarise(file, parsed)
            file.save(update_fields=["released", "header_fields", "paragraph_count", "format"])
            readings[file.pk] = parsed
        best = source_files.best_file([f for f in files if f.pk in readings], document.type)
        return make_current(
            document, best, readings[best.pk], why=f"Re-read its files (current: file {best.number})"
        )


def write_document(document: Document, parsed: ParsedDocument) -> None:
    for name, value in document_fields(parsed).items():
        setattr(document, name, value)


def replace_contents(document: Document, parsed: ParsedDocument) -> TagChange:
    """Paragraphs, references and file tags of a saved document, as `parsed` has them."""
    replace_paragraphs(document, parsed)
    replace_references(document, parsed)
    return apply_file_tags(document, parsed.tags)


def import_file(
    path: Path, *, dry_run: bool = False, display_name: str | None = None, replace: str | None = None
) -> FileResult:
    """Import one file; `replace`: the identifier of the document it is a new version of."""
    name = display_name or str(path)
    try:
        decoded = decode(read_source_file(path))
        parsed = parse_text(decoded.text)
        warnings = decoded.warnings + list(parsed.warnings)
        if dry_run:
            validate(parsed)
            return FileResult(name, "parsed", identifier_for(parsed), warnings=warnings)
        stored = store(parsed, decoded, path.name, replace=replace)
    except ImportSkipped as exc:
        return FileResult(name, SKIPPED, reason=str(exc))
    except ImportProblem as exc:
        return FileResult(name, FAILED, reason=str(exc))
    except Exception as exc:  # a parser bug must cost one file, not the whole run
        logger.exception("importing %s failed", name)
        return FileResult(name, FAILED, reason=f"could not be parsed ({type(exc).__name__}: {exc})"[:300])
    return FileResult(
        name, stored.status, stored.document.identifier, warnings=warnings, detail=describe(stored)
    )


def describe(stored: Stored) -> str:
    """Which of its document's files this one is, when it is not the only one."""
    if stored.file.number == 1 and stored.status == CREATED:
        return ""
    current = stored.document.current_file
    if current is None or current.pk == stored.file.pk:
        return f"file {stored.file.number}, its current text"
    return f"file {stored.file.number}, {source_files.role(stored.file, current)} of file {current.number}"


def is_collection_note(path: Path) -> bool:
    """A README beside the documents describes the collection; it is not one of them."""
    return path.name.lower().startswith("readme")


def iter_files(paths: list[Path]):
    """Files named, and files under directories named, in a stable order.

    Inside directories, hidden files and README files are left out; a file named explicitly is
    always tried. Links and other special files are yielded too, so that the import reports
    them skipped; a link to a directory is not entered (rglob does not follow links).
    """
    for path in paths:
        if is_real_directory(path):
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                hidden = any(part.startswith(".") for part in relative)
                if not is_real_directory(child) and not hidden and not is_collection_note(child):
                    yield child
        else:
            yield path


def is_real_directory(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()
