"""Search: the page, its help, and the same search as JSON."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive.models import Document, Reference
from archive.search import histogram, links, searching, sidebar
from archive.search.facets import DATE_PARAMETERS, FILTER_FACETS
from archive.search.forms import CITATION_FILTERS, SORTS, SearchForm
from archive.search.query import MAX_QUERY_LENGTH, SHOWN_FIELD_NAMES, QueryProblem
from archive.search.reference_forms import mentioned_reference
from archive.text_match import QUOTE_WORDS, words


def run(form: SearchForm, page_size: int | None = None):
    data = form.cleaned_data
    return searching.search(
        data.get("q") or "",
        form.filters(),
        form.date_ranges(),
        sort=form.sort_order(),
        page=data.get("page") or 1,
        page_size=page_size or data.get("page_size") or 20,
        citations=form.citations(),
    )


def reference_redirect(form: SearchForm):
    """A query that is exactly a cable's reference ID, in any of its printed forms, goes to
    that cable."""
    identifier = searching.reference_id(form.cleaned_data.get("q") or "")
    if identifier and not form.filters():
        document = Document.objects.filter(identifier=identifier).only("identifier").first()
        if document is not None:
            return redirect(document)
    return None


@dataclass(frozen=True)
class ReferenceOffer:
    identifier: str
    url: str
    held: bool


def reference_offer(q: str) -> ReferenceOffer | None:
    """ "Did you mean cable 07LIMA3429?": a reference ID written in the query, when the archive
    holds that cable or cites it (its page then lists the cables citing it)."""
    identifier = mentioned_reference(q)
    if identifier is None:
        return None
    held = Document.objects.filter(identifier=identifier).exists()
    if not held and not Reference.objects.filter(reference_id=identifier).exists():
        return None
    return ReferenceOffer(identifier, reverse("document", args=[identifier]), held)


@require_GET
def search(request):
    form = SearchForm(request.GET)
    form.is_valid()  # invalid parameters are reported and left out; the rest still applies
    if (response := reference_redirect(form)) is not None:
        return response
    outcome, problem = None, None
    try:
        outcome = run(form)
    except QueryProblem as exc:
        problem = exc
    context = page_context(request, form, outcome, problem)
    return render(request, "archive/search.html", context, status=problem_status(problem, default=200))


def quoted_passage(q: str) -> str:
    """A query that is a passage in quotes, long enough to be a quotation: the quote finder's job."""
    q = q.strip()
    if len(q) > 2 and q[0] == q[-1] == '"' and len(words(q)) >= QUOTE_WORDS:
        return q[1:-1]
    return ""


def problem_status(problem, default: int) -> int:
    """503 for a search stopped by its time budget (it may pass when the server is less busy)."""
    return 503 if isinstance(problem, searching.SearchTooSlow) else default


def page_context(request, form: SearchForm, outcome, problem) -> dict:
    data, params, path = form.cleaned_data, request.GET, request.path
    facets = sidebar.build_facets(path, params, outcome.facets) if outcome else []
    more = next((f for f in facets if f.name == data.get("more")), None)
    return {
        "form": form,
        "q": data.get("q") or "",
        "outcome": outcome,
        "problem": problem,
        "messages_": form.error_messages(),
        "facets": facets,
        "more": more,
        "histogram": histogram.build_histogram(path, params, outcome.facets, form.histogram_axis())
        if outcome
        else None,
        "passage": quoted_passage(data.get("q") or ""),
        "reference_offer": reference_offer(data.get("q") or ""),
        "more_values": sidebar.filtered_values(more, data.get("more_filter") or "") if more else [],
        "more_filter": data.get("more_filter") or "",
        "chips": sidebar.build_chips(
            path,
            params,
            form.filters(),
            [name for name in DATE_PARAMETERS if data.get(name)],
            form.citations(),
        ),
        "clear_url": links.without_filters(path, params),
        "export_query": links.changed(params, axis=None).urlencode(),
        "export_limit": settings.ARCHIVE_EXPORT_MAX_ROWS,
        "sort": form.sort_order(),
        "sorts": SORTS,
        # The facet-values filter box resubmits everything; a new query keeps the filters.
        "hidden_params": [(k, v) for k, values in params.lists() if k != "more_filter" for v in values],
        "filter_params": [
            (k, v)
            for k, values in params.lists()
            if k in FILTER_FACETS or k in CITATION_FILTERS
            for v in values
        ],
    }


@require_GET
def search_help(request):
    return render(
        request,
        "archive/search_help.html",
        {
            "fields": SHOWN_FIELD_NAMES,
            "max_length": MAX_QUERY_LENGTH,
            "max_wildcards": settings.ARCHIVE_SEARCH_MAX_WILDCARD_TERMS,
            "time_budget": settings.ARCHIVE_SEARCH_TIME_BUDGET,
        },
    )


# JSON


def json_result(request, result) -> dict:
    document = result.document
    return {
        "identifier": document.identifier,
        "title": document.title,
        "type": document.type,
        "date": document.date.isoformat() if document.date else None,
        "url": request.build_absolute_uri(document.get_absolute_url()),
        "snippet": str(result.snippet),
        "paragraphs": [
            {
                "number": hit.number,
                "numbered_by": hit.numbered_by,
                "url": request.build_absolute_uri(hit.url),
                "snippet": str(hit.snippet),
            }
            for hit in result.paragraphs
        ],
        "more_paragraphs": result.more_paragraphs,
    }


def json_error(message: str, suggestion: str = "", status: int = 400) -> JsonResponse:
    body = {"error": message}
    if suggestion:
        body["suggestion"] = suggestion
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def api_search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return json_error(" ".join(form.error_messages()))
    try:
        outcome = run(form)
    except QueryProblem as problem:
        return json_error(problem.message, problem.suggestion, problem_status(problem, default=400))
    return JsonResponse(
        {
            "count": outcome.count,
            "page": outcome.page,
            "pages": outcome.pages,
            "results": [json_result(request, result) for result in outcome.results],
            "facets": {name: [list(pair) for pair in pairs] for name, pairs in outcome.facets.items()},
            "suggestion": outcome.suggestion or None,
        },
        json_dumps_params={"ensure_ascii": False},
    )
