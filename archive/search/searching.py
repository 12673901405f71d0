"""One search, start to finish: checked parameters → SearchQuerySet → a page of results.

Shared by the search page and the JSON API. Only haystack's public API is used
(filter, facet, order_by, highlight, load_all), so another haystack backend would do.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import unescape

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.query import SQ, SearchQuerySet

from archive.models import Document, Paragraph, Reference
from archive.rendering import reveal_controls
from archive.search import budget
from archive.search import query as query_language
from archive.search.engine import QueryTooBroad, search_engine
from archive.search.facets import BY_NAME, FACET_FIELDS
from archive.search.highlighting import highlight_words
from archive.search.paragraphs import ParagraphHit, paragraph_hits
from archive.search.reference_forms import spelled_reference
from archive.search.translate import facet_sq, to_sq

SUGGEST_BELOW = 3  # hits: fewer than this and we look for a better spelling
SNIPPET_WORDS = 40
MARK_TAGS = re.compile(r"(</?(?:mark|em|b|strong)>)")


class SearchTooSlow(query_language.QueryProblem):
    """The search used up its time budget (ARCHIVE_SEARCH_TIME_BUDGET) and was stopped."""

    def __init__(self):
        super().__init__(
            f"This search took too long (over {settings.ARCHIVE_SEARCH_TIME_BUDGET:g} seconds) and was "
            "stopped. Narrow it: fewer prefix* and fuzzy~ terms, more distinctive words, or a filter."
        )


@dataclass
class Result:
    document: Document
    snippet: SafeString
    paragraphs: list[ParagraphHit] = field(default_factory=list)  # the best, best first
    more_paragraphs: int = 0  # further paragraphs that match
    more_paragraphs_url: str = ""  # the document, every match highlighted


@dataclass
class Outcome:
    results: list[Result]
    count: int
    page: int
    pages: int
    page_size: int
    facets: dict[str, list[tuple]]
    words: list[str]  # the query's words, for ?hl= links
    suggestion: str = ""


def reference_id(q: str) -> str | None:
    """The cable reference ID q spells (07LIMA3429, 07 LIMA 3429, Lima 3429 of 2007, any case),
    or None."""
    return spelled_reference(q)


def parse_query(q: str):
    """The query's tree (archive.search.query.parse) within the configured wildcard limit; a
    query made only of stop words becomes a phrase of them (the index keeps them apart)."""
    tree = query_language.parse(q or "", max_wildcards=settings.ARCHIVE_SEARCH_MAX_WILDCARD_TERMS)
    return query_language.stop_words_as_phrase(tree, search_engine().analysis().indexed)


@contextmanager
def engine_problems(q: str):
    """The engine's refusals (a term too broad, no time left) as QueryProblems to show."""
    try:
        yield
    except budget.SearchTimedOut:
        raise SearchTooSlow() from None
    except QueryTooBroad as exc:
        raise too_broad(exc, q) from None
    except SearchBackendError:
        raise query_language.QueryProblem("The search engine could not run this query.") from None


def too_broad(exc: QueryTooBroad, q: str) -> query_language.QueryProblem:
    """A prefix or fuzzy term that expands to too many words, with the query to try instead:
    that term as a plain word."""
    term = exc.term
    if not term:
        return query_language.QueryProblem("The search engine could not run this query.")
    if exc.fuzzy:
        plain = re.sub(rf"(?<![\w:]){re.escape(term)}~[0-9.]*", term, q)
        message = f"{term}~ is close to too many different words: search for {term} itself."
    else:
        plain = q.replace(f"{term}*", term)
        message = f"{term}* matches too many different words: add letters before the *."
    if exc.together:
        message = (
            "The prefix* and fuzzy~ terms together match more than "
            f"{settings.ARCHIVE_SEARCH_MAX_EXPANSIONS:,} different words: use fewer of them, "
            "or add letters before the *."
        )
    return query_language.QueryProblem(
        message, query_language.repair(plain, settings.ARCHIVE_SEARCH_MAX_WILDCARD_TERMS)
    )


def base_queryset() -> SearchQuerySet:
    return SearchQuerySet().models(Document).load_all()


def filtered_queryset(tree, filters: dict[str, list[str]], ranges=None, citations=None):
    """`ranges`: {date index field: (first day or None, last day or None)} (SearchForm.date_ranges);
    `citations`: {"cites" or "cited_by": reference ID} (SearchForm.citations)."""
    sqs = base_queryset()
    for name, reference_id in (citations or {}).items():
        sqs = sqs.filter(citation_sq(name, reference_id))
    if tree is not None:
        sqs = sqs.filter(to_sq(tree)).highlight()
    for name, values in filters.items():
        sqs = sqs.filter(facet_sq(FACET_FIELDS[name], values))
    for index_field, (start, end) in (ranges or {}).items():
        if start:
            sqs = sqs.filter(**{f"{index_field}__gte": start})
        if end:
            sqs = sqs.filter(**{f"{index_field}__lte": end})
    return sqs


def citation_sq(name: str, reference_id: str) -> SQ:
    """cites: the cables whose references hold it (the index's ref field); cited_by: the
    archive's cables that it cites (a handful, read from the database)."""
    if name == "cites":
        return SQ(ref=Exact(reference_id.lower()))
    cited = cited_documents(reference_id)
    return SQ(django_id__in=cited) if cited else SQ(django_id=Exact("0"))  # pks start at 1


def cited_documents(reference_id: str) -> list[int]:
    references = Reference.objects.filter(document__identifier=reference_id).exclude(reference_id="")
    identifiers = references.values_list("reference_id", flat=True)
    return list(Document.objects.filter(identifier__in=identifiers).values_list("pk", flat=True))


def ordered(sqs, sort: str):
    if sort == "newest":
        return sqs.order_by("-date")
    if sort == "oldest":
        return sqs.order_by("date")
    if sort == "cited":
        return sqs.order_by("-cited_count", "-date")
    if sort == "imported":  # the feed's order: what arrived last
        return sqs.order_by("-imported_at")
    return sqs


def found_keys(q: str, filters, ranges=None, sort="relevance", limit=1000, batch=5000, citations=None):
    """(how many documents the search finds, batches of the keys of the first `limit`, in the
    search's order).

    The count is taken at once; the keys are fetched `batch` at a time as the iterator is
    read, each engine call with a time budget of its own (a long export is many short
    searches, not one long one). Raises QueryProblem like search().
    """
    tree = parse_query(q)
    found = ordered(filtered_queryset(tree, filters, ranges, citations), sort)
    found.query.highlight = False  # keys only: no snippets for thousands of hits
    with budget.time_budget(settings.ARCHIVE_SEARCH_TIME_BUDGET), engine_problems(q):
        count = found.count()

    def key_batches():
        for start in range(0, min(count, limit), batch):
            with budget.time_budget(settings.ARCHIVE_SEARCH_TIME_BUDGET), engine_problems(q):
                page = found.values_list("django_id", flat=True)[start : min(start + batch, limit)]
                yield [int(pk) for pk in page]

    return count, key_batches()


def with_facets(sqs):
    for name in FACET_FIELDS.values():
        sqs = sqs.facet(name)
    return sqs


def fetch_page(sqs, number: int, size: int) -> tuple[list, int, int]:
    """(results, page number, hit count); a page past the end becomes the last page."""
    results = list(sqs[(number - 1) * size : number * size])
    count = sqs.count()
    last = max(1, math.ceil(count / size))
    if number > last:
        number = last
        results = list(sqs[(number - 1) * size : number * size])
    return results, number, count


def facet_counts(sqs) -> dict[str, list[tuple]]:
    fields = sqs.facet_counts().get("fields", {})
    return {name: list(fields.get(index_field, [])) for name, index_field in FACET_FIELDS.items()}


def counts_beside_choices(tree, filters, ranges, citations) -> dict[str, list[tuple]]:
    """Multi-select facets, as in Blacklight: a facet with chosen values is counted as if none
    of its own values were chosen (every other filter applies), so its other values stay in
    view with the number of documents each would add. One facet query per such facet."""
    ranges = ranges or {}
    recounted = {}
    for name, values in filters.items():
        if values:
            others = {other: chosen for other, chosen in filters.items() if other != name}
            recounted[name] = one_facet_counts(name, filtered_queryset(tree, others, ranges, citations))
    if chosen_year(ranges.get("date")):
        without_year = {field: span for field, span in ranges.items() if field != "date"}
        recounted["year"] = one_facet_counts(
            "year", filtered_queryset(tree, filters, without_year, citations)
        )
    return recounted


def one_facet_counts(name: str, sqs) -> list[tuple]:
    index_field = FACET_FIELDS[name]
    sqs = sqs.facet(index_field)
    sqs.query.highlight = False
    # Run it for one hit: facet_counts() on a search not yet run asks for every hit (50,000
    # stored documents read to count one facet: 8 s at 50,000 cables).
    list(sqs[:1])
    return list(sqs.facet_counts().get("fields", {}).get(index_field, []))


def chosen_year(span) -> int | None:
    """The year a date range is exactly (1 January to 31 December), as the year facet chooses."""
    if not span or not span[0] or not span[1]:
        return None
    start, end = span
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return start.year
    return None


def safe_snippet(html: str) -> SafeString:
    """Backend highlighting as escaped text with only <mark>, whatever the backend escaped."""
    parts = []
    for part in MARK_TAGS.split(html):
        if MARK_TAGS.fullmatch(part):
            parts.append("</mark>" if part.startswith("</") else "<mark>")
        else:
            parts.append(escape(reveal_controls(unescape(part))))
    return mark_safe(" ".join("".join(parts).split()))


def snippet_for(search_result, opening: str) -> SafeString:
    """The engine's highlighted passage, unless it only repeats the title (a match there); then,
    as for a browse, the opening of the document's first paragraph (a cable's ¶1, often its
    summary)."""
    highlighted = (getattr(search_result, "highlighted", None) or {}).get("text") or []
    if highlighted and highlighted[0] and not repeats_title(highlighted[0], search_result.object):
        return safe_snippet(highlighted[0])
    return plain_snippet(opening)


def plain_snippet(text: str) -> SafeString:
    return escape(reveal_controls(Truncator(" ".join(text.split())).words(SNIPPET_WORDS)))


def repeats_title(html: str, document) -> bool:
    shown = " ".join(MARK_TAGS.sub("", unescape(html)).split()).casefold()
    title = " ".join(document.title.split()).casefold()
    starts_with_identifier = bool(document.identifier) and shown.startswith(document.identifier.casefold())
    return starts_with_identifier or (len(title.split()) >= 3 and title in shown)


def openings(documents) -> dict[int, str]:
    """{document pk: the text of its first paragraph (¶1 where it has one)}. One query."""
    first: dict[int, tuple[int, str]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=[d.pk for d in documents], number__lte=1)
    for pk, number, text in paragraphs.values_list("document_id", "number", "text"):
        if pk not in first or number == 1:
            first[pk] = (number, text)
    fallback = {d.pk: d.subject or d.title for d in documents}
    return {pk: first[pk][1] if pk in first else fallback[pk] for pk in fallback}


def chosen_markings(filters) -> list[str]:
    """The marking facet's chosen values, as indexed: paragraph hits keep to them."""
    return [BY_NAME["marking"].normalised(value) for value in filters.get("marking", ())]


def build_results(search_results, tree, markings=()) -> list[Result]:
    # A hit whose document is gone from the database (deleted, its index update still queued)
    # comes back as None, or with no object: skip it rather than fail the page.
    found = [r for r in search_results if r is not None and r.object is not None]
    hits = paragraph_hits([r.object for r in found], tree, markings)
    first = openings([r.object for r in found if r.object.pk not in hits])
    return [result(r, hits.get(r.object.pk), first.get(r.object.pk, "")) for r in found]


def result(search_result, hits, opening: str) -> Result:
    """A result whose paragraphs match has the best one's passage as its snippet (the page shows
    the paragraphs in its place); one without, a passage of its text."""
    document = search_result.object
    if hits is None:
        return Result(document, snippet_for(search_result, opening))
    return Result(document, hits.shown[0].snippet, hits.shown, hits.more, hits.more_url)


def suggestion_for(tree, count: int) -> str:
    """A respelt query when this one finds little and the index knows better words."""
    if tree is None or count >= SUGGEST_BELOW:
        return ""
    words = [w for w in highlight_words(tree) if w.isalpha()]
    if not words:
        return ""
    better = search_engine().suggest_words(words)
    if not better:
        return ""
    suggested = query_language.render(tree)
    for word, replacement in better.items():
        suggested = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", replacement, suggested)
    return suggested


def search(q: str, filters, ranges=None, sort="relevance", page=1, page_size=20, citations=None) -> Outcome:
    """Run one search within the time budget. Raises QueryProblem for a query we cannot run,
    SearchTooSlow (a QueryProblem) when it ran out of time."""
    tree = parse_query(q)
    sqs = with_facets(ordered(filtered_queryset(tree, filters, ranges, citations), sort))
    # One budget for all the engine's work on this page: the results, the paragraphs that
    # match, a spelling suggestion.
    with budget.time_budget(settings.ARCHIVE_SEARCH_TIME_BUDGET), engine_problems(q):
        search_results, page, count = fetch_page(sqs, page, page_size)
        return Outcome(
            results=build_results(search_results, tree, chosen_markings(filters)),
            count=count,
            page=page,
            pages=max(1, math.ceil(count / page_size)),
            page_size=page_size,
            facets=facet_counts(sqs) | counts_beside_choices(tree, filters, ranges, citations),
            words=highlight_words(tree),
            suggestion=suggestion_for(tree, count),
        )
