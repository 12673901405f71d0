"""The paragraphs of each result that match the query, found at query time.

Paragraphs are not indexed on their own (indexing cost at 250,000 cables). For the
documents on the page shown, one database query fetches their paragraphs; each is
analysed like the index analyses text (same stemmer), matched against the query's
positive words, phrases, prefixes and fuzzy words, and highlighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from whoosh.analysis import StemmingAnalyzer
from whoosh.support.levenshtein import distance

from archive.models import Paragraph
from archive.rendering import reveal_controls
from archive.search import budget
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


# The same analysis as ANALYZER (its own tokenizer pattern, stop list and stemmer), without
# Whoosh's per-token generator chain (~4x faster): paragraphs are analysed per request.
_TOKENIZER, _LOWERCASE, _STOPS, _STEMMER = ANALYZER.items
_TOKEN_PATTERN = _TOKENIZER.expression
_STOP_WORDS = _STOPS.stops
_MIN_SIZE, _MAX_SIZE = _STOPS.min, _STOPS.max
stem = lru_cache(maxsize=100_000)(_STEMMER.stemfn)


_TOKEN_CHAR = re.compile(r"[\w*.]")  # a character that can be part of a token


def indexed(word: str) -> bool:
    return (
        len(word) >= _MIN_SIZE and (_MAX_SIZE is None or len(word) <= _MAX_SIZE) and word not in _STOP_WORDS
    )


def analysed(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of each indexed word of the text, as ANALYZER(text, chars=True) gives."""
    found = []
    for match in _TOKEN_PATTERN.finditer(text):
        word = match.group().lower()
        if indexed(word):
            found.append((stem(word), match.start(), match.end()))
    return found


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
    return spans_in(text, analysed(text), matchers)


def spans_in(text: str, tokens: list[tuple[str, int, int]], matchers: Matchers) -> list[tuple[int, int]]:
    spans = [
        (start, end) for stem, start, end in tokens if token_matches(matchers, stem, text[start:end].lower())
    ]
    for phrase in matchers.phrases:
        for i in range(len(tokens) - len(phrase) + 1):
            if [stem for stem, _, _ in tokens[i : i + len(phrase)]] == phrase:
                spans += [(start, end) for _, start, end in tokens[i : i + len(phrase)]]
    return sorted(set(spans))


def shown_spans(text: str, matchers: Matchers, needles: list[set[str]] | None) -> list[tuple[int, int]]:
    """The matched spans the snippet can show: matched_spans(text) from the first match to the
    end of the snippet's window (and a phrase's length beyond), without analysing the rest.

    Analysis starts at the first needle (every matching word contains its needle) and stops
    past the window around the first match: snippet() gives the same text as with every span.
    """
    lowered = text.lower()
    if needles is None or len(lowered) != len(text):
        return matched_spans(text, matchers)
    positions = [p for group in needles for n in group if (p := lowered.find(n)) >= 0]
    if not positions:
        return []
    begin = min(positions)
    while begin and _TOKEN_CHAR.match(text, begin - 1):
        begin -= 1  # back to a character no token holds: tokens from there are the text's own
    slack = max((len(phrase) for phrase in matchers.phrases), default=0)
    tokens, limit, after = [], None, 0
    for match in _TOKEN_PATTERN.finditer(text, begin):
        word = match.group().lower()
        if not indexed(word):
            continue
        if limit is not None and match.start() > limit:
            after += 1
            if after > slack:
                break
        token = (stem(word), match.start(), match.end())
        tokens.append(token)
        if limit is None and (
            token_matches(matchers, token[0], word) or phrase_ends(tokens, matchers.phrases)
        ):
            limit = window_end(text, token[2])
    return spans_in(text, tokens, matchers) if limit is not None else []


def phrase_ends(tokens: list[tuple[str, int, int]], phrases: list[list[str]]) -> bool:
    return any(
        len(tokens) >= len(phrase) and [t[0] for t in tokens[-len(phrase) :]] == phrase for phrase in phrases
    )


def window_end(text: str, first_end: int) -> int:
    """Where snippet() ends its text when the first match ends at `first_end`."""
    end = min(len(text), first_end + 2 * CONTEXT_CHARS)
    stop = text.find(" ", end)
    return len(text) if stop == -1 or end == len(text) else stop


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


def needle(stem: str) -> str:
    """Letters every word with this stem contains: stemming rewrites only a word's last letter
    or so (embassy → embassi), so the stem less its last letter is in the word as written."""
    return stem[: max(3, len(stem) - 1)]


def needles_for(matchers: Matchers) -> list[set[str]] | None:
    """Groups of letters: a paragraph can match only if it contains every needle of a group.

    None when we cannot tell (fuzzy words can differ anywhere).
    """
    if matchers.fuzzy:
        return None
    groups = [{needle(stem)} for stem in matchers.words if stem]
    groups += [{prefix} for prefix in matchers.prefixes]
    groups += [{needle(stem) for stem in phrase if stem} for phrase in matchers.phrases]
    return [group for group in groups if group]


def could_match(text: str, groups: list[set[str]] | None) -> bool:
    if groups is None:
        return True
    lowered = text.lower()
    return any(all(n in lowered for n in group) for group in groups)


def paragraph_hits(documents, tree) -> dict[int, list[ParagraphHit]]:
    """{document pk: matching paragraphs} for cables among `documents`. One query."""
    matchers = matchers_for(tree)
    cables = {document.pk: document for document in documents if document.is_cable}
    if not matchers or not cables:
        return {}
    words = highlight_words(tree)
    hits: dict[int, list[ParagraphHit]] = {}
    paragraphs = Paragraph.objects.filter(document_id__in=cables).order_by("document_id", "number")
    needles = needles_for(matchers)
    fields = ("document_id", "number", "anchor", "heading", "text")
    for paragraph in budget.checked(paragraphs.only(*fields), every=16):
        found = hits.setdefault(paragraph.document_id, [])
        if len(found) >= MAX_PARAGRAPHS_PER_DOCUMENT:
            continue
        text = f"{paragraph.heading}: {paragraph.text}" if paragraph.heading else paragraph.text
        if not could_match(text, needles):
            continue  # cannot match: not worth analysing
        spans = shown_spans(text, matchers, needles)
        if spans:
            url = paragraph_url(cables[paragraph.document_id], paragraph.anchor, words)
            found.append(ParagraphHit(paragraph.number, url, snippet(text, spans)))
    return {pk: found for pk, found in hits.items() if found}
