"""The index's analysis, for the highlighter (archive.search.highlighting): what Whoosh calls a
word and which stem it indexes it under.

The text field is analysed by quipu_whoosh.words's analyzer (Whoosh's StemmingAnalyzer with
hyphenated compounds kept whole, then indexed joined and as parts). The same settings (its
tokenizer pattern, stop list, word sizes and stemmer) are read from it here, without
Whoosh's per-token generator chain (~4x faster): paragraphs and document pages are analysed
per request.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.support.levenshtein import distance

from archive.search.engine import Analysis
from quipu_whoosh.words import compound_parts, joined_form, word_analyzer


class StemmingAnalysis(Analysis):
    def __init__(self, analyzer):
        tokenizer, _lowercase, stop_filter, _compounds, stemmer = analyzer.items
        self.analyzer = analyzer
        self.token_pattern = tokenizer.expression
        self.stop_words = stop_filter.stops
        self.min_size, self.max_size = stop_filter.min, stop_filter.max
        self.stem = lru_cache(maxsize=100_000)(stemmer.stemfn)

    def indexed(self, word: str) -> bool:
        size = len(word)
        return (
            size >= self.min_size
            and (self.max_size is None or size <= self.max_size)
            and (word not in self.stop_words)
        )

    def stems(self, text: str) -> list[str]:
        return [token.text for token in self.analyzer(text, mode="query")]

    def tokens(self, text: str, begin: int = 0):
        indexed, stem = self.indexed, self.stem
        position = -1  # the last position taken
        for match in self.token_pattern.finditer(text, begin):
            word = match.group()
            lowered = word.lower()
            if "-" not in word:
                if indexed(lowered):
                    position += 1
                    yield stem(lowered), match.start(), match.end(), position
                continue
            # As quipu_whoosh.words.CompoundFilter: joined at the first part's position, the parts,
            # joined again at the last part's.
            first = position + 1
            joined = joined_form(lowered)
            if joined and not indexed(joined):
                joined = None
            if joined:
                yield stem(joined), match.start(), match.end(), first
            parts = [
                (part.lower(), start, end)
                for part, start, end in compound_parts(word, match.start())
                if indexed(part.lower())
            ]
            for number, (part, start, end) in enumerate(parts):
                yield stem(part), start, end, first + number
            if joined and len(parts) > 1:
                yield stem(joined), match.start(), match.end(), first + len(parts) - 1
            position = first + (max(len(parts), 1) if joined else len(parts)) - 1

    def distance(self, a: str, b: str, limit: int) -> int:
        return distance(a, b, limit=limit)  # the fuzzy terms' own (quipu_whoosh.terms)


WHOOSH_ANALYSIS = StemmingAnalysis(word_analyzer())
