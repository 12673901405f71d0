"""The highlighter: which words of a text a search matched, by the engine's own analysis.

One notion of a match for the paragraphs of a result (archive.search.paragraphs) and for a
document page opened from a result (`?hl=`): a word matches when the engine would index it
under a stem the query looks for (archive.search.engine.Analysis: Whoosh's stemmer here),
so "embassies" marks "Embassy" and "embassies" in both, as the result's snippet does.
Prefixes match a word as written or its stem; fuzzy words within their edits; phrases
where their words follow one another. A compound ("counter-terrorism") is matched as the
index holds it: joined ("counterterrorism", the whole compound marked) and as its parts; a
word or phrase also matches its other spellings (archive.search.query.alternatives). A
phrase of stop words alone matches those words in sequence, as the engine's stop-word
field does.

    highlighter = Highlighter.for_query(tree)      # or Highlighter.for_words(["embassies"])
    highlighter.mark(text)        → (escaped HTML with every match in <mark>, matches)
    highlighter.snippet(text)     → escaped text around the first match, or "" if none
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from archive.rendering import reveal_controls
from archive.search.engine import Analysis, search_engine
from archive.search.query import Group, Not, Phrase, Term, alternatives

CONTEXT_CHARS = 100  # shown before the first match; twice as much after it
FUZZY_SHARED_PREFIX = 3
_TOKEN_CHAR = re.compile(r"[\w*.-]")  # a character that can be part of a token


@dataclass
class Matchers:
    words: set[str]  # stems
    prefixes: list[str]
    fuzzy: list[tuple[str, str, int]]  # (word, its stem, edits)
    phrases: list[list[str]]  # stems in order
    stop_phrases: list[list[str]] = field(default_factory=list)  # stop words in order, lowercased

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.fuzzy or self.phrases or self.stop_phrases)


def positive_leaves(node, negated: bool = False):
    """The words and phrases the query looks for in the text (not under NOT, no field)."""
    if isinstance(node, Group):
        for child in node.children:
            yield from positive_leaves(child, negated)
    elif isinstance(node, Not):
        yield from positive_leaves(node.child, not negated)
    elif isinstance(node, (Term, Phrase)) and not negated and not node.field:
        yield node


def highlight_words(tree) -> list[str]:
    """The query's own words, for the document page's ?hl= parameter."""
    return [leaf.text for leaf in positive_leaves(tree)] if tree is not None else []


def needle(stem: str) -> str:
    """Letters every word with this stem contains: stemming rewrites only a word's last letter
    or so (embassy → embassi), so the stem less its last letter is in the word as written."""
    return stem[: max(3, len(stem) - 1)]


def could_match(text: str, groups: list[set[str]] | None) -> bool:
    if groups is None:
        return True
    lowered = text.lower()
    if any(all(n in lowered for n in group) for group in groups):
        return True
    # A compound's joined form: "counterterro" is in "counter-terrorism" less its hyphens.
    joined = lowered.replace("-", "") if "-" in lowered else ""
    return bool(joined) and any(all(n in joined for n in group) for group in groups)


def shown(text: str) -> str:
    """Document text made inert: HTML-escaped, invisible direction controls spelt out."""
    return escape(reveal_controls(text))


class Highlighter:
    def __init__(self, matchers: Matchers, analysis: Analysis):
        self.matchers = matchers
        self.analysis = analysis

    @classmethod
    def for_query(cls, tree, analysis: Analysis | None = None) -> Highlighter:
        analysis = analysis or search_engine().analysis()
        matchers = Matchers(set(), [], [], [])
        leaves = list(positive_leaves(tree)) if tree is not None else []
        leaves += [other for found in leaves for other in alternatives(found)]
        for leaf in leaves:
            if isinstance(leaf, Phrase):
                stems = analysis.stems(leaf.text)
                if stems:
                    matchers.phrases.append(stems)
                else:  # stop words alone (archive.search.query.stop_words_as_phrase)
                    words = [w.lower() for w in analysis.token_pattern.findall(leaf.text)]
                    matchers.stop_phrases += [words] if words else []
            elif leaf.prefix:
                matchers.prefixes.append(leaf.text.lower().replace("-", ""))  # as the index joins
            elif leaf.fuzzy:
                word = leaf.text.lower()
                matchers.fuzzy += [(word, stem, leaf.fuzzy) for stem in analysis.stems(word) or [word]]
            else:
                matchers.words.update(analysis.stems(leaf.text))
        matchers.phrases = [phrase for phrase in matchers.phrases if phrase]
        return cls(matchers, analysis)

    @classmethod
    def for_words(cls, words: list[str], analysis: Analysis | None = None) -> Highlighter:
        """The words of a ?hl= parameter, each matched as a search for it would match it (stop
        words alone as their phrase, as searching for them does)."""
        analysis = analysis or search_engine().analysis()
        if words and not any(analysis.stems(word) for word in words):
            return cls.for_query(Phrase(" ".join(words)), analysis)
        return cls.for_query(Group("OR", [Term(word) for word in words]) if words else None, analysis)

    def __bool__(self) -> bool:
        return bool(self.matchers)

    # Matching

    def tokens(self, text: str, begin: int = 0):
        """(stem, start, end, position) of each indexed word of the text from `begin`, as the
        engine analyses it."""
        return self.analysis.tokens(text, begin)

    def token_matches(self, stem: str, original: str) -> bool:
        matchers = self.matchers
        if stem in matchers.words:
            return True
        joined = original.replace("-", "") if "-" in original else original
        if any(joined.startswith(p) or stem.startswith(p) for p in matchers.prefixes):
            return True
        return any(
            self.close(original, word, edits) or self.close(stem, word_stem, edits)
            for word, word_stem, edits in matchers.fuzzy
        )

    def close(self, a: str, b: str, edits: int) -> bool:
        """Within `edits` edits, sharing the first letters (as the engine's fuzzy terms do)."""
        return (
            a[:FUZZY_SHARED_PREFIX] == b[:FUZZY_SHARED_PREFIX]
            and self.analysis.distance(a, b, edits) <= edits
        )

    def matched_spans(self, text: str) -> list[tuple[int, int]]:
        return self.spans_in(text, list(self.tokens(text)))

    def spans_in(self, text: str, tokens: list[tuple[str, int, int, int]]) -> list[tuple[int, int]]:
        spans = [
            (start, end)
            for stem, start, end, _ in tokens
            if self.token_matches(stem, text[start:end].lower())
        ]
        for phrase in self.matchers.phrases:
            spans += phrase_spans(tokens, phrase)
        for words in self.matchers.stop_phrases:
            spans += stop_phrase_spans(text, self.analysis.token_pattern, words)
        return outermost(spans)

    def needles(self) -> list[set[str]] | None:
        """Groups of letters: a text can match only if it contains every needle of a group.

        None when we cannot tell (fuzzy words can differ anywhere).
        """
        matchers = self.matchers
        if matchers.fuzzy or matchers.stop_phrases:
            return None
        groups = [{needle(stem)} for stem in matchers.words if stem]
        groups += [{prefix} for prefix in matchers.prefixes]
        groups += [{needle(stem) for stem in phrase if stem} for phrase in matchers.phrases]
        return [group for group in groups if group]

    def shown_spans(self, text: str, needles: list[set[str]] | None) -> list[tuple[int, int]]:
        """The matched spans a snippet can show: matched_spans(text) from the first match to the
        end of the snippet's window (and a phrase's length beyond), without analysing the rest.

        Analysis starts at the first needle (every matching word contains its needle) and stops
        past the window around the first match: snippet() gives the same text as with every span.
        """
        if needles is None or len(text.lower()) != len(text):
            return self.matched_spans(text)
        begin = first_needle(text, needles)
        if begin is None:
            return []
        phrases = self.matchers.phrases
        slack = max((len(phrase) for phrase in phrases), default=0)
        tokens, limit, after = [], None, 0
        for token in self.tokens(text, begin):
            if limit is not None and token[1] > limit:
                after += 1
                if after > slack:
                    break
            tokens.append(token)
            if limit is None and (
                self.token_matches(token[0], text[token[1] : token[2]].lower())
                or phrase_ends(tokens, phrases)
            ):
                limit = window_end(text, token[2])
        return self.spans_in(text, tokens) if limit is not None else []

    def matches(self, text: str, needles: list[set[str]] | None) -> bool:
        """Whether the text matches, analysing it from the first needle only as far as the first
        match (a paragraph's rank needs no snippet)."""
        if needles is None or len(text.lower()) != len(text):
            return bool(self.matched_spans(text))
        begin = first_needle(text, needles)
        if begin is None:
            return False
        phrases, tokens = self.matchers.phrases, []
        for token in self.tokens(text, begin):
            tokens.append(token)
            if self.token_matches(token[0], text[token[1] : token[2]].lower()) or phrase_ends(
                tokens, phrases
            ):
                return True
        return False

    # Showing

    def snippet(self, text: str, needles: list[set[str]] | None = None) -> SafeString:
        """Escaped text around the first match, every match in it in <mark>; "" if none."""
        if not could_match(text, needles):
            return mark_safe("")
        spans = self.shown_spans(text, needles)
        return snippet(text, spans) if spans else mark_safe("")

    def mark(self, text: str) -> tuple[SafeString, int]:
        """The whole text escaped, every match in <mark>; (html, number of matches).

        The text is matched before escaping, so a match can never fall inside an entity such
        as &amp;, and every piece is escaped on its way out.
        """
        text = reveal_controls(text)
        spans = self.matched_spans(text) if self.matchers else []
        pieces, position = [], 0
        for start, end in spans:
            pieces += [escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>"]
            position = end
        pieces.append(escape(text[position:]))
        return mark_safe("".join(pieces)), len(spans)


def phrase_spans(tokens: list[tuple[str, int, int, int]], phrase: list[str]) -> list[tuple[int, int]]:
    """The spans of the phrase's words wherever they stand at consecutive positions (a
    compound's joined form shares its first part's position, as in the index)."""
    at: dict[tuple[int, str], tuple[int, int]] = {}
    for stem, start, end, position in tokens:
        at.setdefault((position, stem), (start, end))
    spans = []
    for stem, start, end, position in tokens:
        if stem != phrase[0]:
            continue
        rest = [at.get((position + offset, word)) for offset, word in enumerate(phrase[1:], 1)]
        if all(rest):
            spans += [(start, end), *rest]
    return spans


def phrase_ends(tokens: list[tuple[str, int, int, int]], phrases: list[list[str]]) -> bool:
    """Whether the last token read ends one of the phrases."""
    if not tokens:
        return False
    last = tokens[-1]
    return any(
        phrase[-1] == last[0]
        and any(span[1] == last[2] for span in phrase_spans(tokens[-2 * len(phrase) - 2 :], phrase))
        for phrase in phrases
    )


def stop_phrase_spans(text: str, token_pattern, words: list[str]) -> list[tuple[int, int]]:
    """The spans of these words where they follow one another in the text, every word counted."""
    found = [(m.group().lower(), m.start(), m.end()) for m in token_pattern.finditer(text)]
    spans = []
    for i in range(len(found) - len(words) + 1):
        if [word for word, _, _ in found[i : i + len(words)]] == words:
            spans += [(start, end) for _, start, end in found[i : i + len(words)]]
    return spans


def outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans without those inside another (a compound's part inside the compound)."""
    kept: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda span: (span[0], -span[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def window_end(text: str, first_end: int) -> int:
    """Where snippet() ends its text when the first match ends at `first_end`."""
    end = min(len(text), first_end + 2 * CONTEXT_CHARS)
    stop = text.find(" ", end)
    return len(text) if stop == -1 or end == len(text) else stop


def first_needle(text: str, needles: list[set[str]]) -> int | None:
    """Where analysis of the text must start to find every match: at the first needle, moved
    back to a character no token holds (tokens from there are the text's own); None when no
    needle is in it."""
    lowered = text.lower()
    positions = [p for group in needles for n in group if (p := lowered.find(n)) >= 0]
    if "-" in lowered and any(n not in lowered for group in needles for n in group):
        positions.append(0)  # a needle of a compound's joined form: look from the start
    if not positions:
        return None
    begin = min(positions)
    while begin and _TOKEN_CHAR.match(text, begin - 1):
        begin -= 1
    return begin


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
