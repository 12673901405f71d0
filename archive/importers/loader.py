"""From a file on disk to rows in the database, one transaction per file.

read_source_file() → decode() → parse_text() → store(): each step either
succeeds or raises ImportProblem with a one-line reason for the user.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from archive.importers import articles, cables
from archive.importers.base import ParsedDocument, ParseError
from archive.models import Document, Paragraph, Source, Tag, unique_slug

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
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
    """Not a regular file (a link, a FIFO, a device…): left alone, not read."""


@dataclass
class FileResult:
    path: str
    status: str
    identifier: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


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


def parse_text(text: str) -> ParsedDocument:
    """Detect the layout and parse it; an unknown layout becomes a generic article."""
    try:
        if cables.looks_like_cablegate_html(text):
            return cables.parse_cablegate_html(text)
        if cables.looks_like_cablegate_text(text):
            return cables.parse_cablegate_text(text)
        return articles.parse_article(text)
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
        (Document, "format", parsed.format),
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


def find_existing(identifier: str, parsed: ParsedDocument, file_name: str) -> Document | None:
    existing = Document.objects.filter(identifier=identifier).first()
    if existing is None and parsed.type == Document.Type.ARTICLE:
        # An article whose title was corrected keeps its identifier, so links stay valid.
        existing = Document.objects.filter(type=parsed.type, file_name=file_name).order_by("id").first()
    return existing


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
        "references": list(parsed.references),
        "signature": parsed.signature,
        "format": parsed.format,
    }


def replace_paragraphs(document: Document, parsed: ParsedDocument) -> None:
    document.paragraphs.all().delete()
    Paragraph.objects.bulk_create(
        Paragraph(
            document=document,
            number=p.number,
            anchor=p.anchor,
            marking=p.marking,
            heading=p.heading,
            text=p.text,
        )
        for p in parsed.paragraphs
    )


def replace_subject_tags(document: Document, codes: list[str]) -> None:
    """The cable's TAGS come from the file; the topics staff added stay."""
    staff_tags = list(document.tags.filter(kind=Tag.Kind.TOPIC))
    document.tags.set(staff_tags + subject_tags(codes))


def store(parsed: ParsedDocument, decoded: DecodedFile, file_name: str) -> tuple[Document, str]:
    validate(parsed)
    identifier = identifier_for(parsed)
    sha256 = hashlib.sha256(decoded.raw).hexdigest()
    with transaction.atomic():
        document = find_existing(identifier, parsed, file_name)
        if document is not None and document.sha256 == sha256:
            return document, UNCHANGED
        status = CREATED if document is None else UPDATED
        if document is None:
            document = Document(identifier=identifier)
        for name, value in document_fields(parsed).items():
            setattr(document, name, value)
        document.original = decoded.raw
        document.original_encoding = decoded.encoding
        document.sha256 = sha256
        document.file_name = file_name
        document.save()
        replace_paragraphs(document, parsed)
        replace_subject_tags(document, parsed.tags)
    return document, status


def import_file(path: Path, *, dry_run: bool = False, display_name: str | None = None) -> FileResult:
    name = display_name or str(path)
    try:
        decoded = decode(read_source_file(path))
        parsed = parse_text(decoded.text)
        warnings = decoded.warnings + list(parsed.warnings)
        if dry_run:
            validate(parsed)
            return FileResult(name, "parsed", identifier_for(parsed), warnings=warnings)
        document, status = store(parsed, decoded, path.name)
    except ImportSkipped as exc:
        return FileResult(name, SKIPPED, reason=str(exc))
    except ImportProblem as exc:
        return FileResult(name, FAILED, reason=str(exc))
    except Exception as exc:  # a parser bug must cost one file, not the whole run
        logger.exception("importing %s failed", name)
        return FileResult(name, FAILED, reason=f"could not be parsed ({type(exc).__name__}: {exc})"[:300])
    return FileResult(name, status, document.identifier, warnings=warnings)


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
