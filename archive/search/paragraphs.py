"""The paragraphs of each result that match the query, found at query time.

Paragraphs are not indexed on their own (indexing cost at 250,000 cables). For the
documents on the page shown, one database query fetches their paragraphs; each is
matched by the highlighter (archive.search.highlighting: the engine's analysis) against
the query's positive words, phrases, prefixes and fuzzy words, and highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.safestring import SafeString

from archive.handling import marking_value
from archive.models import Paragraph
from archive.search import budget
from archive.search.highlighting import Highlighter, highlight_words

MAX_PARAGRAPHS_PER_DOCUMENT = 5


@dataclass
class ParagraphHit:
    number: int
    url: str
    snippet: SafeString


def paragraph_url(document, anchor: str, words: list[str], markings=()) -> str:
    """The paragraph on its document's page, the search's words highlighted and, when the search
    chose paragraph markings, the paragraphs without them dimmed."""
    params = ([("hl", " ".join(words))] if words else []) + [("marking", m) for m in markings]
    query = f"?{urlencode(params)}" if params else ""
    return f"{document.get_absolute_url()}{query}#{anchor}"


def paragraph_hits(documents, tree, markings=()) -> dict[int, list[ParagraphHit]]:
    """{document pk: matching paragraphs} for cables among `documents`. One query.

    With `markings` (the marking facet's chosen values) only paragraphs so marked are hits."""
    cables = {document.pk: document for document in documents if document.is_cable}
    if tree is None or not cables:
        return {}
    highlighter = Highlighter.for_query(tree)
    if not highlighter:
        return {}
    words = highlight_words(tree)
    hits: dict[int, list[ParagraphHit]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=cables).order_by("document_id", "number")
    needles = highlighter.needles()
    fields = ("document_id", "number", "anchor", "heading", "text", "marking")
    for paragraph in budget.checked(paragraphs.only(*fields), every=16):
        found = hits.setdefault(paragraph.document_id, [])
        if len(found) >= MAX_PARAGRAPHS_PER_DOCUMENT:
            continue
        if markings and marking_value(paragraph.marking) not in markings:
            continue
        text = f"{paragraph.heading}: {paragraph.text}" if paragraph.heading else paragraph.text
        snippet = highlighter.snippet(text, needles)  # nothing when it cannot match: not analysed
        if snippet:
            url = paragraph_url(cables[paragraph.document_id], paragraph.anchor, words, markings)
            found.append(ParagraphHit(paragraph.number, url, snippet))
    return {pk: found for pk, found in hits.items() if found}
