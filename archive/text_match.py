"""Words as a quotation sees them: the same passage whatever its case, punctuation, hyphenation
or line breaks, and the runs of words two texts share.

Shared by the news links (an article quoting a cable) and the quote finder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A word, with apostrophes and hyphens inside it, and a hyphen that broke it over a line.
_TOKEN = re.compile(r"[^\W_]+(?:(?:['’‘-]|-[ \t]*\n[ \t]*)[^\W_]+)*")
_JOINERS = re.compile(r"['’‘-]|-[ \t]*\n[ \t]*")
QUOTE_WORDS = 12  # consecutive words that make a quotation
# Words too common to find a passage by (English function words and cable boilerplate).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor
    not now of off on once only or other our ours out over own same she should so some such than that the
    their theirs them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your said says say also per mr ms
    """.split()
)


@dataclass(frozen=True)
class Token:
    word: str  # lower case, apostrophes and hyphens out: "counter-terrorism" -> "counterterrorism"
    start: int  # where it is in the text
    end: int


def normal(word: str) -> str:
    if "-" in word or "'" in word or "’" in word or "‘" in word:
        return _JOINERS.sub("", word).lower()
    return word.lower()


def tokens(text: str) -> list[Token]:
    return [Token(normal(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text or "")]


def words(text: str) -> list[str]:
    return [normal(word) for word in _TOKEN.findall(text or "")]


def distinctive(words_: list[str], limit: int = 12, numbers: bool = False) -> list[str]:
    """The words to look a passage up by: not function words (nor numbers, unless asked),
    longest first (rarer, as a rule)."""
    kept = list(
        dict.fromkeys(w for w in words_ if w not in STOPWORDS and len(w) > 2 and (numbers or not w.isdigit()))
    )
    return sorted(kept, key=len, reverse=True)[:limit]


@dataclass(frozen=True)
class SharedRun:
    """`length` words that stand at `a_start` in one text and at `b_start` in the other."""

    a_start: int
    b_start: int
    length: int


def shared_runs(a: list[str], b: list[str], at_least: int = QUOTE_WORDS) -> list[SharedRun]:
    """The runs of at least `at_least` consecutive words that `a` and `b` share, longest first."""
    if len(a) < at_least or len(b) < at_least:
        return []
    starts: dict[tuple[str, ...], list[int]] = {}
    for index in range(len(b) - at_least + 1):
        starts.setdefault(tuple(b[index : index + at_least]), []).append(index)
    runs: list[SharedRun] = []
    covered: set[int] = set()
    index = 0
    while index <= len(a) - at_least:
        found = starts.get(tuple(a[index : index + at_least]))
        if not found or index in covered:
            index += 1
            continue
        best = max((_extend(a, b, index, start) for start in found), key=lambda run: run.length)
        runs.append(best)
        covered.update(range(best.a_start, best.a_start + best.length))
        index = best.a_start + best.length
    return sorted(runs, key=lambda run: -run.length)


def _extend(a: list[str], b: list[str], a_start: int, b_start: int) -> SharedRun:
    length = 0
    while (
        a_start + length < len(a) and b_start + length < len(b) and a[a_start + length] == b[b_start + length]
    ):
        length += 1
    return SharedRun(a_start, b_start, length)


# --- Run hashes: finding shared runs across many texts at once ----------------------------------
def run_hashes(some_words: list[str]) -> set[int]:
    """The hashes of every QUOTE_WORDS consecutive words of a text.

    Two texts share a run of QUOTE_WORDS words or more exactly when they share one of these, so
    a lookup finds only the pairs that do (winnowed shorter shingles also matched every pair
    sharing a stock phrase of eight words, thousands per phrase in a release of templates).
    Hashes are Python's own: comparable within one process only.
    """
    return {hash(tuple(some_words[i : i + QUOTE_WORDS])) for i in range(len(some_words) - QUOTE_WORDS + 1)}
