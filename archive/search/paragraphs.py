"""The paragraphs of each result that match the query, found at query time.

Paragraphs are not indexed on their own (indexing cost at 250,000 cables). For the
documents on the page shown, one database query fetches their paragraphs; each is
analysed like the index analyses text (same stemmer), matched against the query's
positive words, phrases, prefixes and fuzzy words, and highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh.analysis import StemmingAnalyzer
from whoosh.support.levenshtein import distance

from archive.models import Paragraph
from archive.rendering import reveal_controls
from archive.search.query import Group, Not, Phrase, Term

ANALYZER = StemmingAnalyzer()
MAX_PARAGRAPHS_PER_DOCUMENT = 5
CONTEXT_CHARS = 100  # shown before the first match; twice as much after it
FUZZY_SHARED_PREFIX = 3


@dataclass
class ParagraphHit:
    number: int
    url: str
    snippet: SafeString


@dataclass
class Matchers:
    words: set[str]  # stems
    prefixes: list[str]
    fuzzy: list[tuple[str, str, int]]  # (word, its stem, edits)
    phrases: list[list[str]]  # stems in order

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.fuzzy or self.phrases)


def stems(text: str) -> list[str]:
    return [token.text for token in ANALYZER(text, mode="query")]


def positive_leaves(node, negated: bool = False):
    """The words and phrases the query looks for in the text (not under NOT, no field)."""
    if isinstance(node, Group):
        for child in node.children:
            yield from positive_leaves(child, negated)
    elif isinstance(node, Not):
        yield from positive_leaves(node.child, not negated)
    elif isinstance(node, (Term, Phrase)) and not negated and not node.field:
        yield node


def matchers_for(tree) -> Matchers:
    matchers = Matchers(set(), [], [], [])
    for leaf in positive_leaves(tree) if tree is not None else ():
        if isinstance(leaf, Phrase):
            matchers.phrases.append(stems(leaf.text))
        elif leaf.prefix:
            matchers.prefixes.append(leaf.text.lower())
        elif leaf.fuzzy:
            word = leaf.text.lower()
            matchers.fuzzy += [(word, stem, leaf.fuzzy) for stem in stems(word) or [word]]
        else:
            matchers.words.update(stems(leaf.text))
    matchers.phrases = [phrase for phrase in matchers.phrases if phrase]
    return matchers


def highlight_words(tree) -> list[str]:
    """The query's own words, for the document page's ?hl= parameter."""
    return [leaf.text for leaf in positive_leaves(tree)] if tree is not None else []


def token_matches(matchers: Matchers, stem: str, original: str) -> bool:
    if stem in matchers.words:
        return True
    if any(original.startswith(p) or stem.startswith(p) for p in matchers.prefixes):
        return True
    return any(
        close(original, word, edits) or close(stem, word_stem, edits)
        for word, word_stem, edits in matchers.fuzzy
    )


def close(a: str, b: str, edits: int) -> bool:
    """Within `edits` edits, sharing the first letters (as the engine's fuzzy terms do)."""
    return a[:FUZZY_SHARED_PREFIX] == b[:FUZZY_SHARED_PREFIX] and distance(a, b, limit=edits) <= edits


def matched_spans(text: str, matchers: Matchers) -> list[tuple[int, int]]:
    tokens = [(t.text, t.startchar, t.endchar) for t in ANALYZER(text, chars=True, mode="query")]
    spans = [
        (start, end) for stem, start, end in tokens if token_matches(matchers, stem, text[start:end].lower())
    ]
    for phrase in matchers.phrases:
        for i in range(len(tokens) - len(phrase) + 1):
            if [stem for stem, _, _ in tokens[i : i + len(phrase)]] == phrase:
                spans += [(start, end) for _, start, end in tokens[i : i + len(phrase)]]
    return sorted(set(spans))


def snippet(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """Escaped text around the first match, with every match in it wrapped in <mark>."""
    start = max(0, spans[0][0] - CONTEXT_CHARS)
    end = min(len(text), spans[0][1] + 2 * CONTEXT_CHARS)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    stop = text.find(" ", end)
    end = len(text) if stop == -1 or end == len(text) else stop
    parts, position = ["…" if start else ""], start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        parts += [
            shown(text[position:span_start]),
            "<mark>",
            shown(text[span_start:span_end]),
            "</mark>",
        ]
        position = span_end
    parts += [shown(text[position:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(parts))


def shown(text: str) -> str:
    """Document text made inert: HTML-escaped, invisible direction controls spelt out."""
    return escape(reveal_controls(text))


def paragraph_url(document, anchor: str, words: list[str]) -> str:
    query = f"?{urlencode({'hl': ' '.join(words)})}" if words else ""
    return f"{document.get_absolute_url()}{query}#{anchor}"


def paragraph_hits(documents, tree) -> dict[int, list[ParagraphHit]]:
    """{document pk: matching paragraphs} for cables among `documents`. One query."""
    matchers = matchers_for(tree)
    cables = {document.pk: document for document in documents if document.is_cable}
    if not matchers or not cables:
        return {}
    words = highlight_words(tree)
    hits: dict[int, list[ParagraphHit]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=cables).order_by("document_id", "number")
    for paragraph in paragraphs.only("document_id", "number", "anchor", "heading", "text"):
        found = hits.setdefault(paragraph.document_id, [])
        if len(found) >= MAX_PARAGRAPHS_PER_DOCUMENT:
            continue
        text = f"{paragraph.heading}: {paragraph.text}" if paragraph.heading else paragraph.text
        spans = matched_spans(text, matchers)
        if spans:
            url = paragraph_url(cables[paragraph.document_id], paragraph.anchor, words)
            found.append(ParagraphHit(paragraph.number, url, snippet(text, spans)))
    return {pk: found for pk, found in hits.items() if found}
