"""What the index calls a word: Whoosh's StemmingAnalyzer, plus compounds and stop words.

- A hyphenated compound ("counter-terrorism", "CO-OPERATION", "F-16") is indexed as its
  parts, at consecutive positions as before, and also joined ("counterterrorism") at the
  positions of its first and of its last part: `counterterrorism` then finds both
  spellings, `terrorism` still finds the hyphenated one, and the phrases "US
  counterterrorism" and "counterterrorism cooperation" both find "US counter-terrorism
  cooperation" (Whoosh has no token spanning two positions). A query word with hyphens is
  looked up joined only. Numbers alone ("2007-10-17") are not joined: they would only
  swell the word list.
- Stop words ("the", "to be or not to be") are left out of the text field, as before, but
  kept, at their real positions, in a field of their own (STOP_WORDS_FIELD): a query made
  only of stop words is searched there as a phrase instead of finding nothing.

The index must be rebuilt when this changes (quipu_whoosh.index_check.analysis_differences).
"""

from __future__ import annotations

import re

from whoosh.analysis import (
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT

# Whoosh's word pattern (\w+(\.?\w+)*), with words joined by single hyphens kept whole.
WORD_PATTERN = r"\w+(?:[.-]?\w+)*"
STOP_WORDS_FIELD = "stop_words"
MIN_SIZE = 2


def is_compound(word: str) -> bool:
    return "-" in word


def joined_form(word: str) -> str | None:
    """ "counter-terrorism" → "counterterrorism"; None for numbers alone ("2007-10-17")."""
    joined = word.replace("-", "")
    return joined if any(not ch.isdigit() and ch != "." for ch in joined) else None


class CompoundFilter(Filter):
    """After the stop filter: a compound token becomes its joined form (index and query) and its
    parts (index only), the parts that are not stop words at consecutive positions."""

    def __init__(self, stops=STOP_WORDS, minsize: int = MIN_SIZE, maxsize=None):
        self.stops = frozenset(stops)
        self.min = minsize
        self.max = maxsize

    def __eq__(self, other):
        return (
            other
            and self.__class__ is other.__class__
            and (self.stops, self.min, self.max) == (other.stops, other.min, other.max)
        )

    def kept(self, word: str) -> bool:
        size = len(word)
        return size >= self.min and (self.max is None or size <= self.max) and word not in self.stops

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            if t.positions:
                t.pos += shift
            if "-" not in t.text:
                yield t
                continue
            compound = t.text
            pos = t.pos if t.positions else 0
            start, end = (t.startchar, t.endchar) if t.chars else (0, 0)
            joined = joined_form(compound)
            if joined and not self.kept(joined):
                joined = None
            if joined:
                t.text = joined
                yield t
                if t.mode == "query":
                    continue
            kept = [part for part in compound_parts(compound, start) if self.kept(part[0])]
            for number, (part, part_start, part_end) in enumerate(kept):
                t.text = part
                if t.positions:
                    t.pos = pos + number
                if t.chars:
                    t.startchar, t.endchar = part_start, part_end
                yield t
            if joined and len(kept) > 1:  # again at the last part's: see the module's docstring
                t.text = joined
                if t.positions:
                    t.pos = pos + len(kept) - 1
                if t.chars:
                    t.startchar, t.endchar = start, end
                yield t
            # The positions the compound takes: its parts, or one for the joined form alone.
            shift += (max(len(kept), 1) if joined else len(kept)) - 1


def compound_parts(word: str, offset: int = 0):
    """(part, start, end) of each part of a compound, as character offsets from `offset`."""
    position = 0
    for part in word.split("-"):
        yield part, offset + position, offset + position + len(part)
        position += len(part) + 1


def word_analyzer():
    """The text and title fields' analyzer."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | StopFilter(minsize=MIN_SIZE)
        | CompoundFilter(minsize=MIN_SIZE)
        | StemFilter()
    )


def stop_words_field() -> TEXT:
    """Only the stop words of the text, each at its real position among all its words."""
    analyzer = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | OnlyStopWords()
    return TEXT(analyzer=analyzer, phrase=True, stored=False)


class OnlyStopWords(Filter):
    def __init__(self, stops=STOP_WORDS):
        self.stops = frozenset(stops)

    def __eq__(self, other):
        return other and self.__class__ is other.__class__ and self.stops == other.stops

    def __call__(self, tokens):
        stops = self.stops
        for t in tokens:
            if t.text in stops:
                yield t


WORD = re.compile(WORD_PATTERN)
