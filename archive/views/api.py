"""JSON API: the archive as data, so an import can be checked from outside."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive.models import Document
from archive.news_links import discussion_of_article, discussion_of_cable
from archive.references import CITED_BY_LISTED, citing, is_reference_id, resolve

API_PAGE_SIZE = 50


def iso(value) -> str | None:
    return value.isoformat() if value else None


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def document_summary(request, document: Document) -> dict:
    return {
        "identifier": document.identifier,
        "title": document.title,
        "type": document.type,
        "date": iso(document.date),
        "url": absolute(request, document.get_absolute_url()),
    }


def document_detail(request, document: Document) -> dict:
    file_tags = set(document.file_tags or [])
    files = list(document.source_files.without_data())
    current = next((f for f in files if f.is_current), None)
    return {
        "identifier": document.identifier,
        "type": document.type,
        "title": document.title,
        "subject": document.subject or None,
        "source": document.source.name,
        "venue": document.venue or None,
        "byline": document.byline or None,
        "dateline": document.dateline or None,
        "date": iso(document.date),
        "created": iso(document.created),
        "released": iso(document.released),
        "created_precision": document.created_precision if document.created else None,
        "released_precision": document.released_precision if document.released else None,
        "classification": document.classification or None,
        "origin": document.origin or None,
        "tags": [
            {"name": tag.name, "kind": tag.kind, "origin": "file" if tag.name in file_tags else "staff"}
            for tag in document.tags.all()
        ],
        "header": {
            "dtg": document.header_dtg or None,
            "precedence": document.header_precedence or None,
            "from": document.header_from or None,
            "to": document.header_to or [],
            "info": document.header_info or [],
            "text": document.header_text or None,
        },
        "partial_extract": document.partial_extract,
        "declassify_on": iso(document.declassify_on),
        "declassification": document.declassification or None,
        "classified_by": document.classified_by or None,
        "references": [
            {
                "text": ref.text,
                "reference_id": ref.reference_id,
                "note": ref.note or None,
                "in_archive": ref.in_archive,
                "url": absolute(request, ref.url) if ref.url else None,
            }
            for ref in resolve(list(document.references.all()))
        ],
        "cited_by": cited_by(request, document.identifier) if document.is_cable else [],
        **news(request, document),
        "signature": document.signature or None,
        "url": absolute(request, document.get_absolute_url()),
        "original_url": absolute(request, f"{document.get_absolute_url()}original/"),
        "sha256": current.sha256 if current else None,
        "file_name": current.file_name if current else None,
        "source_files": [
            {
                "number": f.number,
                "current": f.is_current,
                "file_name": f.file_name,
                "format": f.format,
                "sha256": f.sha256,
                "released": iso(f.released),
                "imported_at": iso(f.imported_at),
                "url": absolute(request, f.get_absolute_url()),
            }
            for f in files
        ],
        "imported_at": iso(document.imported_at),
        "updated_at": iso(document.updated_at),
        "paragraphs": [
            {
                "number": p.number,
                "anchor": p.anchor,
                "marking": p.marking or None,
                "heading": p.heading or None,
                "text": p.text,
                "numbered_by": p.numbered_by,
            }
            for p in document.paragraphs.all()
        ],
    }


def cited_by(request, reference_id: str) -> list[dict]:
    """The archive's cables citing `reference_id`, newest first (at most CITED_BY_LISTED)."""
    return [
        {
            "identifier": doc.identifier,
            "title": doc.title,
            "date": iso(doc.date),
            "url": absolute(request, doc.get_absolute_url()),
        }
        for doc in citing(reference_id)
        .select_related(None)
        .only("identifier", "title", "date")[:CITED_BY_LISTED]
    ]


def news(request, document: Document) -> dict:
    """`discussed_in` (a cable) or `discusses` (an article), and `same_event` for both."""
    talk = discussion_of_cable(document) if document.is_cable else discussion_of_article(document)

    def listed(item) -> dict:
        return {
            "identifier": item.identifier,
            "url": absolute(request, item.url),
            "paragraphs": item.paragraphs,
        }

    certain = [listed(item) for item in talk.certain]
    return {
        ("discussed_in" if document.is_cable else "discusses"): certain,
        "same_event": [
            {
                "identifier": item.identifier,
                "url": absolute(request, item.url),
                "score": item.score,
                "shared": item.shared,
            }
            for item in talk.same_event
        ],
    }


@require_GET
def reference_detail(request, reference_id: str):
    """Any well-formed reference ID: whether the archive holds the cable, and what cites it."""
    reference_id = reference_id.upper()
    if not is_reference_id(reference_id):
        return error(f"{reference_id[:60]!r} is not a cable reference ID", 404)
    held = Document.objects.filter(identifier=reference_id).exists()
    return JsonResponse(
        {
            "reference_id": reference_id,
            "in_archive": held,
            "url": absolute(request, reverse("document", args=[reference_id])),
            "cited_by": cited_by(request, reference_id),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def page_number(request) -> int | None:
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def page_size(request) -> int | None:
    raw = request.GET.get("page_size", str(API_PAGE_SIZE))
    try:
        size = int(raw)
    except (TypeError, ValueError):
        return None
    return size if 1 <= size <= settings.ARCHIVE_MAX_PAGE_SIZE else None


@require_GET
def document_list(request):
    number, size = page_number(request), page_size(request)
    if number is None:
        return error("page must be a positive integer", 400)
    if size is None:
        return error(f"page_size must be an integer from 1 to {settings.ARCHIVE_MAX_PAGE_SIZE}", 400)
    documents = (
        Document.objects.for_listing()
        .only("identifier", "title", "type", "date", "source__name")
        .order_by("identifier")
    )
    paginator = Paginator(documents, size)
    try:
        page = paginator.page(number)
    except (EmptyPage, PageNotAnInteger):
        return error(f"no such page: there are {paginator.num_pages} pages", 404)

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = n
        return absolute(request, f"{request.path}?{query.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [document_summary(request, d) for d in page.object_list],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def document_detail_view(request, identifier: str):
    document = Document.objects.for_document_page().by_identifier(identifier)
    if document is None:
        return error(f"no document with identifier {identifier[:200]!r}", 404)
    return JsonResponse(document_detail(request, document), json_dumps_params={"ensure_ascii": False})
