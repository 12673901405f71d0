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
from archive.search.highlighting import Highlighter, could_match, highlight_words

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
    words it holds, then how often they occur, then the earlier paragraph: rough_score); the best
    SHOWN_PARAGRAPHS are shown best first. With `markings` (the marking facet's chosen
    values) only paragraphs so marked are hits."""
    by_pk = {document.pk: document for document in documents}
    if tree is None or not by_pk:
        return {}
    highlighter = Highlighter.for_query(tree)
    if not highlighter:
        return {}
    words = highlight_words(tree)
    found: dict[int, list[tuple]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=by_pk).order_by("document_id", "number")
    needles = highlighter.needles()
    fields = ("document_id", "number", "anchor", "heading", "text", "marking", "numbered_by")
    for paragraph in budget.checked(paragraphs.only(*fields), every=16):
        if markings and marking_value(paragraph.marking) not in markings:
            continue
        text = f"{paragraph.heading}: {paragraph.text}" if paragraph.heading else paragraph.text
        # Only as far as the first match: analysing every word of every paragraph of a page
        # cost 300 ms at 50,000 cables. Snippets are made for the best three alone.
        if could_match(text, needles) and highlighter.matches(text, needles):
            score = (*rough_score(text, needles, highlighter), -paragraph.number)
            found.setdefault(paragraph.document_id, []).append((score, paragraph, text))
    return {
        pk: best_hits(by_pk[pk], candidates, highlighter, needles, words, markings)
        for pk, candidates in found.items()
    }


def rough_score(text: str, needles: list[set[str]] | None, highlighter: Highlighter) -> tuple[int, int]:
    """(how many of the query's words a matching paragraph holds, how often they occur),
    counted by their needles (letters every form of a word contains) rather than by analysing
    the text; from its matched spans when the query has words without needles (fuzzy)."""
    if needles is None:
        spans = highlighter.matched_spans(text)
        return len({text[a:b].lower() for a, b in spans}), len(spans)
    lowered = text.lower()
    present = [group for group in needles if all(n in lowered for n in group)]
    return len(present), sum(lowered.count(n) for group in present for n in group)


def best_hits(document, candidates: list[tuple], highlighter, needles, words, markings) -> DocumentHits:
    """The best SHOWN_PARAGRAPHS of a document's matching paragraphs, best first, with their
    snippets; the others counted, and linked from the first in the document's order."""
    first = min(candidates, key=lambda candidate: candidate[1].number)[1]
    ranked = sorted(candidates, key=lambda candidate: candidate[0], reverse=True)
    shown = [
        ParagraphHit(
            paragraph.number,
            paragraph_url(document, paragraph.anchor, words, markings),
            highlighter.snippet(text, needles),
            paragraph.numbered_by,
            score,
        )
        for score, paragraph, text in ranked[:SHOWN_PARAGRAPHS]
    ]
    more_url = f"{document_url(document, words, markings)}#{first.anchor}"
    return DocumentHits(shown, max(0, len(candidates) - SHOWN_PARAGRAPHS), more_url)
