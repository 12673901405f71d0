"""The paragraphs of each result that match the query, found at query time.

Paragraphs are not indexed on their own (indexing cost at 250,000 cables). For the
documents on the page shown, one database query fetches their paragraphs; each is
matched by the highlighter (archive.search.highlighting: the engine's analysis) against
the query's positive words, phrases, prefixes and fuzzy words, scored and highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.safestring import SafeString

from archive.handling import marking_value
from archive.models import Paragraph
from archive.search import budget
from archive.search.highlighting import Highlighter, could_match, highlight_words, snippet

SHOWN_PARAGRAPHS = 3  # per result, best first; the rest are counted and linked


@dataclass
class ParagraphHit:
    number: int
    url: str
    snippet: SafeString
    numbered_by: str = "source"  # "archive": the source printed no number here
    score: tuple[int, int, int] = field(default=(0, 0, 0), compare=False, repr=False)


@dataclass
class DocumentHits:
    """A result's best paragraph hits, and how many more paragraphs match."""

    shown: list[ParagraphHit]
    more: int
    more_url: str


def paragraph_url(document, anchor: str, words: list[str], markings=()) -> str:
    """The paragraph on its document's page, the search's words highlighted and, when the search
    chose paragraph markings, the paragraphs without them dimmed."""
    return f"{document_url(document, words, markings)}#{anchor}"


def document_url(document, words: list[str], markings=()) -> str:
    params = ([("hl", " ".join(words))] if words else []) + [("marking", m) for m in markings]
    query = f"?{urlencode(params)}" if params else ""
    return f"{document.get_absolute_url()}{query}"


def paragraph_hits(documents, tree, markings=()) -> dict[int, DocumentHits]:
    """{document pk: its best matching paragraphs}, cables and articles alike. One query.

    Every paragraph of the page's documents that matches is scored (how many of the query's
    words it holds, then how often they occur, then the earlier paragraph); the best
    SHOWN_PARAGRAPHS are shown best first. With `markings` (the marking facet's chosen
    values) only paragraphs so marked are hits."""
    by_pk = {document.pk: document for document in documents}
    if tree is None or not by_pk:
        return {}
    highlighter = Highlighter.for_query(tree)
    if not highlighter:
        return {}
    words = highlight_words(tree)
    found: dict[int, list[ParagraphHit]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=by_pk).order_by("document_id", "number")
    needles = highlighter.needles()
    fields = ("document_id", "number", "anchor", "heading", "text", "marking", "numbered_by")
    for paragraph in budget.checked(paragraphs.only(*fields), every=16):
        if markings and marking_value(paragraph.marking) not in markings:
            continue
        text = f"{paragraph.heading}: {paragraph.text}" if paragraph.heading else paragraph.text
        if not could_match(text, needles):
            continue
        spans = highlighter.matched_spans(text)
        if spans:
            url = paragraph_url(by_pk[paragraph.document_id], paragraph.anchor, words, markings)
            score = (len({text[a:b].lower() for a, b in spans}), len(spans), -paragraph.number)
            hit = ParagraphHit(paragraph.number, url, snippet(text, spans), paragraph.numbered_by, score)
            found.setdefault(paragraph.document_id, []).append(hit)
    return {
        pk: best_hits(hits, document_url(by_pk[pk], words, markings) + f"#{hits[0].url.rpartition('#')[2]}")
        for pk, hits in found.items()
    }


def best_hits(hits: list[ParagraphHit], more_url: str) -> DocumentHits:
    ranked = sorted(hits, key=lambda hit: hit.score, reverse=True)
    return DocumentHits(ranked[:SHOWN_PARAGRAPHS], max(0, len(hits) - SHOWN_PARAGRAPHS), more_url)
