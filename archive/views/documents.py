"""The reading side of the archive: home page, document pages, permalinks, originals, tags."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from archive import citations as citations_format
from archive.handling import marking_value
from archive.importers import loader, source_files
from archive.models import Document, Source, Tag
from archive.news_links import article_spans, discussion_of_article, discussion_of_cable
from archive.references import CITED_BY_SHOWN, citing, is_reference_id, neighbourhood, resolve
from archive.rendering import highlight_terms, highlight_with_links, reveal_controls
from archive.search import related
from archive.search.highlighting import Highlighter
from archive.timeline import layout

logger = logging.getLogger(__name__)

LATEST_ON_HOME = 10
BROWSE_LIMIT = 20
RELATED_LIMIT = 5
TAG_PAGE_SIZE = 25
# Paragraphs a document page shows: every real cable fits one page (they have fewer than 200).
DOCUMENT_PAGE_PARAGRAPHS = 200
MAX_SHOWN_IDENTIFIER = 120
MAX_MARKINGS_SHOWN = 10

# The original is text, whatever it once was: nothing in it may run or load.
ORIGINAL_CSP = "default-src 'none'; sandbox"


def not_found(request, message: str, *, search_for: str = "", document: Document | None = None):
    context = {"message": message, "search_for": search_for, "document": document}
    return render(request, "404.html", context, status=404)


def shown(identifier: str) -> str:
    """An identifier from the URL, cut to a length a page can show."""
    identifier = reveal_controls(identifier)
    if len(identifier) > MAX_SHOWN_IDENTIFIER:
        return identifier[:MAX_SHOWN_IDENTIFIER] + "…"
    return identifier


def find_document(identifier: str):
    return Document.objects.for_document_page().by_identifier(identifier)


@require_safe
def home(request):
    documents = Document.objects.order_by()
    type_counts = dict(documents.values_list("type").annotate(n=Count("id")))
    context = {
        "total": sum(type_counts.values()),
        "type_counts": [
            {"value": value, "label": label, "count": type_counts.get(value, 0)}
            for value, label in Document.Type.choices
        ],
        "source_counts": Source.objects.annotate(n=Count("documents")).filter(n__gt=0).order_by("-n", "name"),
        "latest": Document.objects.for_listing().newest_first()[:LATEST_ON_HOME],
        "origins": documents.exclude(origin="")
        .values("origin")
        .annotate(n=Count("id"))
        .order_by("-n", "origin")[:BROWSE_LIMIT],
        "tags": Tag.objects.annotate(n=Count("documents"))
        .filter(n__gt=0)
        .order_by("-n", "name")[:BROWSE_LIMIT],
        "classifications": documents.exclude(classification="")
        .values("classification")
        .annotate(n=Count("id"))
        .order_by("-n", "classification")[:BROWSE_LIMIT],
        "years": [
            {
                "year": row["year"],
                "n": row["n"],
                "date_from": f"{row['year']:04d}-01-01",
                "date_to": f"{row['year']:04d}-12-31",
            }
            for row in documents.filter(date__isnull=False)
            .annotate(year=ExtractYear("date"))
            .values("year")
            .annotate(n=Count("id"))
            .order_by("-year")
        ],
        "browse_limit": BROWSE_LIMIT,
    }
    return render(request, "archive/home.html", context)


def related_documents(document: Document) -> list[Document] | None:
    """Up to five documents most like this one in words and record; None when the search
    index cannot say (the page is shown without them)."""
    try:
        return related.related_documents(document, RELATED_LIMIT)
    except Exception as exc:  # an absent or broken index must not cost the page
        logger.warning(
            "related documents for %s unavailable: %s: %s",
            document.identifier,
            type(exc).__name__,
            exc,
        )
        return None


def citation(document: Document) -> str:
    """`Embassy Lima, "SUBJECT", cable 07LIMA3429, 17 October 2007`; the caller adds ¶ and link."""
    title = " ".join((document.subject or document.title).split())
    day = document.created.date() if document.created else document.date
    when = f"{day.day} {day:%B %Y}" if day else "undated"
    if document.is_cable:
        parts = [
            document.origin or document.source.name,
            f'"{title}"',
            f"cable {document.identifier}",
            when,
        ]
    else:
        source = f"{document.source.name} ({document.venue})" if document.venue else document.source.name
        parts = [document.byline, f'"{title}"', source, when]
    return reveal_controls(", ".join(p for p in parts if p))


@require_safe
def document(request, identifier: str):
    found = find_document(identifier)
    if found is None and is_reference_id(identifier.upper()):
        return cable_not_held(request, identifier.upper())
    if found is None:
        return not_found(
            request,
            f"There is no document “{shown(identifier)}” in the archive.",
            search_for=identifier[:MAX_SHOWN_IDENTIFIER],
        )
    if found.identifier != identifier:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(found.get_absolute_url() + (f"?{query}" if query else ""))

    files = list(found.source_files.without_data())
    version = None
    if "version" in request.GET:
        version = requested_file(found, request.GET["version"])
        if version is None:
            return not_found(
                request, f"{found.identifier} has no source file {shown(request.GET['version'])}."
            )
        version = None if version.is_current else version
    shown_paragraphs = found.paragraphs.all() if version is None else version_paragraphs(found, version)
    if shown_paragraphs is None:
        return not_found(
            request, f"Source file {version.number} of {found.identifier} can no longer be read."
        )

    terms = highlight_terms(request.GET.get("hl", ""))
    only_markings = chosen_markings(request.GET.getlist("marking"))
    # The words a search matched, as its result's snippet and paragraph hits mark them.
    highlighter = Highlighter.for_words(terms)
    cite = citation(found)
    document_url = request.build_absolute_uri(found.get_absolute_url())
    part = Paginator(shown_paragraphs, DOCUMENT_PAGE_PARAGRAPHS).get_page(request.GET.get("page"))
    paragraphs, matches, first_match, marked = [], 0, "", 0
    talk = news_context(found)
    spans = talk.get("spans", {}) if version is None else {}
    quoted = talk["discussion"].quoted_paragraphs if version is None and "discussion" in talk else {}
    for paragraph in part.object_list:
        text, text_matches = highlight_with_links(paragraph.text, spans.get(paragraph.number), highlighter)
        heading, heading_matches = highlighter.mark(paragraph.heading)
        if text_matches + heading_matches and not first_match:
            first_match = paragraph.anchor
        matches += text_matches + heading_matches
        dimmed = bool(only_markings) and marking_value(paragraph.marking) not in only_markings
        marked += bool(only_markings) and not dimmed
        paragraphs.append(
            {
                "number": paragraph.number,
                "anchor": paragraph.anchor,
                "marking": paragraph.marking,
                "dimmed": dimmed,
                "numbered_by": paragraph.numbered_by,
                "heading": heading if paragraph.heading else "",
                "text": text,
                "permalink": request.build_absolute_uri(
                    reverse("paragraph", args=[found.identifier, paragraph.number])
                ),
                "quoted_in": quoted.get(paragraph.number, []),
            }
        )
    tags = list(found.tags.all())
    references = resolve(list(found.references.all()))
    context = {
        "document": found,
        "paragraphs": paragraphs,
        "subject_tags": [t for t in tags if t.kind == Tag.Kind.SUBJECT],
        "topic_tags": [t for t in tags if t.kind == Tag.Kind.TOPIC],
        "references": references,
        "references_held": any(reference.in_archive for reference in references),
        "related": related_documents(found),
        "highlight_terms": terms,
        "highlight_matches": matches,
        "first_match": first_match,
        "only_markings": only_markings,
        "marked_paragraphs": marked,
        "all_paragraphs_url": without_parameter(request, "marking"),
        # The subject printed in the cable, when the title does not already say it all.
        "show_subject": found.is_cable
        and bool(found.subject)
        and " ".join(found.subject.split()) != " ".join(found.title.split()),
        "citation": cite,
        "document_url": document_url,
        "highwire": citations_format.highwire(found, document_url),
        "source_files": described_files(files),
        **citations(found),
        **talk,
        "version": version,
        "part": part,  # highlighting counts the matches of this page only
    }
    return render(request, "archive/document.html", context)


def chosen_markings(values: list[str]) -> list[str]:
    """?marking=S//NF (as the search's marking facet links it), any printed form, at most a few."""
    markings = []
    for value in values[:MAX_MARKINGS_SHOWN]:
        marking = marking_value(value[:40])
        if marking and marking not in markings:
            markings.append(marking)
    return markings


def without_parameter(request, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    query = params.urlencode()
    return request.path + (f"?{query}" if query else "")


def news_context(document: Document) -> dict:
    """Articles and cables linked to this document: named, quoted, or reporting its event."""
    if document.is_cable:
        return {
            "discussion": discussion_of_cable(document),
            "reported_by": [
                {"url": url, "clickable": is_web_address(url)} for url in document.reported_by or []
            ],
        }
    return {"discussion": discussion_of_article(document), "spans": article_spans(document)}


def is_web_address(url: str) -> bool:
    """A link the page can offer: http(s) to a real host ("http://http://…" is not)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and host not in ("http", "https")


def citations(document: Document) -> dict:
    """The cables citing this one, and the picture of its neighbourhood (cables only)."""
    if not document.is_cable:
        return {}
    cited_by = list(citing(document.identifier)[: CITED_BY_SHOWN + 1])
    return {
        "cited_by": cited_by[:CITED_BY_SHOWN],
        "cited_by_more": len(cited_by) > CITED_BY_SHOWN,
        "cited_by_search": f"{reverse('search')}?cites={document.identifier}&sort=newest",
        "cites_search": f"{reverse('search')}?cited_by={document.identifier}&sort=newest",
        "timeline": layout(neighbourhood(document)),
    }


def cable_not_held(request, reference_id: str):
    """A well-formed reference ID the archive lacks: which of its cables cite it, if any."""
    cited_by = list(citing(reference_id)[: CITED_BY_SHOWN + 1])
    if not cited_by:
        return not_found(
            request, f"There is no document “{shown(reference_id)}” in the archive.", search_for=reference_id
        )
    context = {
        "reference_id": reference_id,
        "cited_by": cited_by[:CITED_BY_SHOWN],
        "cited_by_more": len(cited_by) > CITED_BY_SHOWN,
        "cited_by_search": f"{reverse('search')}?cites={reference_id}&sort=newest",
    }
    return render(request, "archive/cable_not_held.html", context, status=404)


MAX_FILE_NUMBER = 32767  # a PositiveSmallIntegerField


def source_file(document: Document, number: int):
    if not 1 <= number <= MAX_FILE_NUMBER:
        return None
    return document.source_files.filter(number=number).first()


def requested_file(document: Document, value: str):
    """The source file `?version=N` names, or None."""
    if not (value.isascii() and value.isdigit() and len(value) <= 5):
        return None
    return source_file(document, int(value))


def version_paragraphs(document: Document, file):
    """An earlier file's paragraphs, read again (they are not stored); None if unreadable."""
    try:
        parsed = loader.parse_text(file.text)
    except loader.ImportProblem:
        return None
    return loader.paragraph_rows(document.pk, parsed)


def described_files(files: list) -> list[dict]:
    """The document's source files, each with how it stands to the current one."""
    current = next((f for f in files if f.is_current), None)
    return [
        {
            "file": f,
            "role": "current" if f.is_current else source_files.role(f, current) if current else "",
        }
        for f in files
    ]


@require_safe
def paragraph_permalink(request, identifier: str, number: str):
    found = Document.objects.by_identifier(identifier)
    if found is None:
        return not_found(
            request,
            f"There is no document “{shown(identifier)}” in the archive.",
            search_for=identifier[:MAX_SHOWN_IDENTIFIER],
        )
    paragraph = None
    if number.isascii() and number.isdigit() and len(number) <= 9:
        paragraph = found.paragraphs.filter(number=int(number)).only("anchor", "number").first()
    if paragraph is None:
        message = f"{found.identifier} has no paragraph {shown(number)}."
        return not_found(request, message, document=found)
    before = found.paragraphs.filter(number__lt=paragraph.number).count()
    page = before // DOCUMENT_PAGE_PARAGRAPHS + 1
    query = f"?page={page}" if page > 1 else ""
    return HttpResponseRedirect(f"{found.get_absolute_url()}{query}#{paragraph.anchor}")


@require_safe
def original(request, identifier: str, number: int | None = None):
    """A source file exactly as imported: the current one, or file `number`."""
    found = Document.objects.by_identifier(identifier)
    if found is None:
        return not_found(
            request,
            f"There is no document “{shown(identifier)}” in the archive.",
            search_for=identifier[:MAX_SHOWN_IDENTIFIER],
        )
    if found.identifier != identifier:
        args = [found.identifier] if number is None else [found.identifier, number]
        return HttpResponsePermanentRedirect(
            reverse("original" if number is None else "original_file", args=args)
        )
    file = found.current_file if number is None else source_file(found, number)
    if file is None:
        return not_found(request, f"{found.identifier} has no source file {number}.", document=found)
    raw = bytes(file.data)
    if file.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raw = raw.decode(file.encoding, errors="replace").encode("utf-8")
    name = file.file_name or f"{found.identifier}.txt"
    if not name.lower().endswith(".txt"):
        name += ".txt"  # saved to disk, it opens as text too
    response = HttpResponse(raw, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = content_disposition_header(as_attachment=False, filename=name)
    response["Content-Security-Policy"] = ORIGINAL_CSP
    return response


@require_safe
def tag(request, slug: str):
    found = Tag.objects.filter(slug=slug).first()
    if found is None:
        return not_found(request, f"There is no tag “{shown(slug)}”.")
    documents = found.documents.for_listing().newest_first()
    page = Paginator(documents, TAG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "archive/tag.html", {"tag": found, "page": page})


@require_safe
def cite(request, identifier: str, fmt: str, number: str | None = None):
    """A citation of the document, or of its paragraph `number`, in `fmt` (txt, bib, ris, json)."""
    found = Document.objects.select_related("source").by_identifier(identifier)
    if found is None:
        return not_found(request, f"There is no document “{shown(identifier)}” in the archive.")
    if fmt not in citations_format.FORMATS:
        return not_found(request, f"There is no citation format “{shown(fmt)}”: use txt, bib, ris or json.")
    paragraph = None
    if number is not None:
        if number.isascii() and number.isdigit() and len(number) <= 9:
            paragraph = found.paragraphs.filter(number=int(number)).first()
        if paragraph is None:
            return not_found(request, f"{found.identifier} has no paragraph {shown(number)}.", document=found)
        url = reverse("paragraph", args=[found.identifier, paragraph.number])
    else:
        url = found.get_absolute_url()
    item = citations_format.Citable(found, request.build_absolute_uri(url), paragraph)
    response = HttpResponse(citations_format.render(item, fmt), content_type=citations_format.FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{item.key}.{fmt}"
    )
    return response
