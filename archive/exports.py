"""A search's documents as CSV and JSON Lines, streamed a batch at a time.

The rows come in the search's order (archive.search.searching.found_keys gives the keys a
batch at a time, each with its own time budget); each batch is read from the database in one
query with its tags. When the search finds more than ARCHIVE_EXPORT_MAX_ROWS, or the engine
stops, the last line says so: a download is never silently short.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings

from archive.models import Document
from archive.search import searching
from archive.search.query import QueryProblem

CSV_COLUMNS = [
    "identifier",
    "title",
    "type",
    "date",
    "created",
    "released",
    "classification",
    "origin",
    "source",
    "tags",
    "url",
]
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_cell(value) -> str:
    """The cell as text no spreadsheet evaluates: a leading ' before a formula character."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def iso(value) -> str:
    return value.isoformat() if value else ""


def csv_row(document: Document, url: str) -> list[str]:
    values = [
        document.identifier,
        document.title,
        document.type,
        iso(document.date),
        iso(document.created),
        iso(document.released),
        document.classification,
        document.origin,
        document.source.name,
        "; ".join(tag.name for tag in document.tags.all()),
        url,
    ]
    return [inert_cell(value) for value in values]


def documents_in_order(keys: list[int]) -> list[Document]:
    found = Document.objects.filter(pk__in=keys).select_related("source").prefetch_related("tags")
    by_key = {document.pk: document for document in found}
    return [by_key[key] for key in keys if key in by_key]  # one deleted since it was indexed: skipped


def search_documents(criteria: dict, limit: int) -> tuple[int, Iterator[list[Document]]]:
    """(documents found, batches of the first `limit` of them); criteria as found_keys takes them."""
    count, batches = searching.found_keys(**criteria, limit=limit)
    return count, (documents_in_order(keys) for keys in batches)


def ending(count: int, written: int, stopped: str) -> str:
    """What the last line says, or "" when the export holds every document found."""
    if stopped:
        return f"Export stopped after {written:,} of {count:,} documents: {stopped}"
    if written < count:
        return (
            f"Export cut at {written:,} of {count:,} documents (the limit is "
            f"{settings.ARCHIVE_EXPORT_MAX_ROWS:,}): narrow the search to export the rest."
        )
    return ""


def stream(criteria, write_header: Callable[[], str], write_batch, write_note) -> Iterator[str]:
    """The export's text: header, each batch of documents, and a last line when it is short."""
    count, batches = search_documents(criteria, settings.ARCHIVE_EXPORT_MAX_ROWS)
    yield write_header()
    written, stopped = 0, ""
    try:
        for documents in batches:
            yield write_batch(documents)
            written += len(documents)
    except QueryProblem as problem:  # the engine's budget for one batch was spent
        stopped = problem.message
    note = ending(count, written, stopped)
    if note:
        yield write_note(note)


def csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def csv_stream(criteria, absolute_url: Callable[[str], str]) -> Iterator[str]:
    return stream(
        criteria,
        lambda: csv_text([CSV_COLUMNS]),
        lambda documents: csv_text(csv_row(d, absolute_url(d.get_absolute_url())) for d in documents),
        lambda note: csv_text([[f"# {note}"]]),
    )


def jsonl_stream(criteria, document_form: Callable[[Document], dict]) -> Iterator[str]:
    return stream(
        criteria,
        lambda: "",
        lambda documents: "".join(json_line(document_form(d)) for d in documents),
        lambda note: json_line({"export_note": note}),
    )


def json_line(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"
