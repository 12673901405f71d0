"""The index's analysis, for the highlighter (archive.search.highlighting): what Whoosh calls a
word and which stem it indexes it under.

The text field is analysed by Whoosh's StemmingAnalyzer (quipu_whoosh.schema). The same
settings (its tokenizer pattern, stop list, word sizes and stemmer) are read from it here,
without Whoosh's per-token generator chain (~4x faster): paragraphs and document pages are
analysed per request.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import StemmingAnalyzer
from whoosh.support.levenshtein import distance

from archive.search.engine import Analysis


class StemmingAnalysis(Analysis):
    def __init__(self, analyzer):
        tokenizer, _lowercase, stop_filter, stemmer = analyzer.items
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

    def distance(self, a: str, b: str, limit: int) -> int:
        return distance(a, b, limit=limit)  # the fuzzy terms' own (quipu_whoosh.terms)


WHOOSH_ANALYSIS = StemmingAnalysis(StemmingAnalyzer())
