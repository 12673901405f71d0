"""One document, many files: which document a file belongs to, and which file is current.

Identity comes from what a file says, never from where it lies: a cable is its reference
ID; an article is its source and its identifier (date and title). Every file's bytes are
kept as a SourceFile of its document; the current one, whose text the document shows and
search finds, is chosen by rule:

- for a cable, the newest release first; within one release the richer rendition (more
  header fields read, then more paragraphs, then the site's HTML page over saved text);
- for an article, the file imported last (a corrected or re-scraped copy).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils.text import slugify

from archive.importers.base import ParsedDocument
from archive.models import Document, SourceFile

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
HTML_FORMAT = "cablegate-html"
RENDITION, EARLIER_VERSION, LATER_VERSION = "rendition", "earlier version", "later version"


class NotTheSameDocument(ValueError):
    """An explicit --replace that names a document the file cannot be a version of."""


def richness(parsed: ParsedDocument) -> int:
    """How many header fields a reading filled: a rendition with more of them is preferred."""
    header = parsed.header
    values = [
        header.dtg,
        header.precedence,
        header.from_,
        header.to,
        header.info,
        parsed.subject,
        parsed.declassification,
        parsed.classified_by,
        parsed.references,
        parsed.tags,
        parsed.signature,
    ]
    return sum(1 for value in values if value)


def rank(file: SourceFile, document_type: str) -> tuple:
    if document_type == Document.Type.ARTICLE:
        return (file.number,)
    return (
        file.released or EARLIEST,
        file.header_fields,
        file.paragraph_count,
        file.format == HTML_FORMAT,
        file.number,
    )


def best_file(files: list[SourceFile], document_type: str) -> SourceFile:
    return max(files, key=lambda file: rank(file, document_type))


def role(file: SourceFile, current: SourceFile) -> str:
    """How a file stands to the current one: another rendition of its release, or a version."""
    if file.released == current.released or file.released is None or current.released is None:
        return RENDITION
    return EARLIER_VERSION if file.released < current.released else LATER_VERSION


def summarise(file: SourceFile, parsed: ParsedDocument) -> None:
    file.released = parsed.released
    file.header_fields = richness(parsed)
    file.paragraph_count = len(parsed.paragraphs)
    file.format = parsed.format


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def known_file(sha256: str) -> SourceFile | None:
    """The source file holding these bytes already, whatever document it belongs to."""
    return SourceFile.objects.without_data().filter(sha256=sha256).select_related("document").first()


# --- Identity ------------------------------------------------------------------------------------
def owner(parsed: ParsedDocument, identifier: str, replace: str | None = None) -> Document | None:
    """The document this file is a rendition or version of, or None for a new document."""
    if replace:
        document = Document.objects.by_identifier(replace)
        if document is None:
            raise NotTheSameDocument(f"there is no document {replace!r} to replace")
        if document.type != parsed.type:
            raise NotTheSameDocument(
                f"{document.identifier} is {document.get_type_display().lower()}, the file not"
            )
        return document
    if parsed.type == Document.Type.CABLE:
        return Document.objects.filter(identifier=identifier).first()
    for candidate in article_identifiers(identifier, parsed.source):
        found = Document.objects.filter(identifier=candidate).select_related("source").first()
        if found is None:
            return None
        if found.type == Document.Type.ARTICLE and found.source.name == parsed.source:
            return found
    return None


def article_identifiers(identifier: str, source: str):
    """Where an article of `source` with this date and title may live: its plain identifier,
    else, when another source's article has it, the identifier with its source's name."""
    yield identifier
    suffix = slugify(source)[:40].strip("-") or "source"
    yield f"{identifier}-{suffix}"
    for n in range(2, 100):
        yield f"{identifier}-{suffix}-{n}"


def free_identifier(parsed: ParsedDocument, identifier: str) -> str:
    """A new document's identifier: its own, or with its source's name when that is taken."""
    if parsed.type == Document.Type.CABLE:
        return identifier
    for candidate in article_identifiers(identifier, parsed.source):
        if not Document.objects.filter(identifier=candidate).exists():
            return candidate
    raise NotTheSameDocument(f"too many articles named {identifier!r}")
