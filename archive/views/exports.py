"""Any search, taken away: CSV, JSON Lines, an Atom feed of what is new, and the OpenSearch
description that lets a browser add the archive as a search engine.

Exports and feeds take the search page's parameters and count against a per-client limit
(archive.ratelimit).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from archive import exports, ratelimit
from archive.models import Document
from archive.search import links, searching
from archive.search.forms import SearchForm
from archive.search.query import QueryProblem
from archive.views.api import document_detail

FEED_ENTRIES = 50
SUMMARY_WORDS = 60


def checked_criteria(request) -> tuple[dict | None, HttpResponse | None]:
    """(the search's criteria as searching.found_keys takes them, None) for a valid search,
    or (None, a 400 saying why)."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        return None, plain_error(" ".join(form.error_messages()))
    data = form.cleaned_data
    try:
        searching.parse_query(data.get("q") or "")
    except QueryProblem as problem:
        return None, plain_error(problem.message)
    criteria = {
        "q": data.get("q") or "",
        "filters": form.filters(),
        "ranges": form.date_ranges(),
        "sort": form.sort_order(),
        "citations": form.citations(),
    }
    return criteria, None


def plain_error(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def run_export(request, render_stream, content_type: str, extension: str):
    if (response := ratelimit.too_many(request)) is not None:
        return response
    criteria, problem = checked_criteria(request)
    if problem is not None:
        return problem
    try:
        body = render_stream(criteria)
        first = next(body)  # the count and the first engine call happen here, inside the budget
    except QueryProblem as exc:
        return plain_error(exc.message, 503 if isinstance(exc, searching.SearchTooSlow) else 400)
    response = StreamingHttpResponse(chain_first(first, body), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="quipu-search.{extension}"'
    return response


def chain_first(first, rest):
    yield first
    yield from rest


@require_GET
def export_csv(request):
    return run_export(
        request,
        lambda criteria: exports.csv_stream(criteria, request.build_absolute_uri),
        "text/csv; charset=utf-8",
        "csv",
    )


@require_GET
def export_jsonl(request):
    return run_export(
        request,
        lambda criteria: exports.jsonl_stream(criteria, lambda document: document_detail(request, document)),
        "application/jsonl; charset=utf-8",
        "jsonl",
    )


class SearchFeed(Feed):
    """The newest documents (by import) a search finds: subscribe to a search, see what arrives."""

    feed_type = Atom1Feed

    def get_object(self, request):
        self.request = request
        criteria, _ = checked_criteria(request)
        return criteria

    def title(self, criteria):
        q = criteria["q"]
        described = f"“{q}”" if q else "everything"
        narrowed = " (filtered)" if criteria["filters"] or criteria["ranges"] or criteria["citations"] else ""
        return f"Quipu: new documents matching {described}{narrowed}"

    def subtitle(self, criteria):
        return f"The {FEED_ENTRIES} documents most recently added to the archive that this search finds."

    def link(self, criteria):
        return links.search_url(reverse("search"), self.request.GET)

    def feed_url(self, criteria):
        return self.request.get_full_path()

    def items(self, criteria):
        newest = {**criteria, "sort": "imported"}
        _, batches = searching.found_keys(**newest, limit=FEED_ENTRIES, batch=FEED_ENTRIES)
        return [document for keys in batches for document in exports.documents_in_order(keys)]

    def item_title(self, document: Document):
        return document.title

    def item_description(self, document: Document):
        if document.is_cable and document.subject:
            return document.subject
        first = document.paragraphs.order_by("number").values_list("text", flat=True).first() or ""
        return Truncator(" ".join(first.split())).words(SUMMARY_WORDS)

    def item_link(self, document: Document):
        return document.get_absolute_url()

    def item_author_name(self, document: Document):
        return document.origin or document.source.name

    def item_pubdate(self, document: Document):
        if document.created:
            return document.created
        if document.date:
            return dt.datetime.combine(document.date, dt.time(), tzinfo=dt.UTC)
        return None

    def item_updateddate(self, document: Document):
        return document.imported_at

    def item_categories(self, document: Document):
        return [tag.name for tag in document.tags.all()]


@require_GET
def search_feed(request):
    if (response := ratelimit.too_many(request)) is not None:
        return response
    _, problem = checked_criteria(request)
    if problem is not None:
        return problem
    try:
        return SearchFeed()(request)
    except QueryProblem as exc:
        return plain_error(exc.message, 503 if isinstance(exc, searching.SearchTooSlow) else 400)


@require_GET
def opensearch(request):
    return render(
        request,
        "opensearch.xml",
        {"base": request.build_absolute_uri("/").rstrip("/")},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
