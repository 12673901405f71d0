"""Differences between two source files of one document, paragraph by paragraph.

A cable released twice may differ by a name un-redacted, a word changed, or only by the
way its lines were wrapped. Paragraphs are paired by their number (the cable's own ¶
numbers, stable across versions); within a pair the words are compared, so a change of
line breaks or spacing shows as such and not as new text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

SAME, CHANGED, WHITESPACE, ONLY_OLD, ONLY_NEW = "same", "changed", "whitespace", "only-old", "only-new"
_WORD = re.compile(r"\S+")
# Two texts of this many words or more are compared with autojunk off only when short
# enough to stay fast: difflib is quadratic in the worst case.
MAX_DIFF_WORDS = 20_000


@dataclass
class Piece:
    """A run of words: unchanged ("equal"), removed ("delete") or added ("insert")."""

    kind: str
    text: str


@dataclass
class ParagraphDiff:
    number: int
    status: str
    pieces: list[Piece] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status != SAME


@dataclass
class FieldChange:
    name: str
    old: str
    new: str


def words(text: str) -> list[str]:
    return _WORD.findall(text or "")


def word_diff(old: str, new: str) -> list[Piece]:
    """The words of `new` against those of `old`, as runs kept, removed and added."""
    a, b = words(old), words(new)
    if len(a) + len(b) > MAX_DIFF_WORDS:
        return [Piece("delete", " ".join(a)), Piece("insert", " ".join(b))]
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("insert", " ".join(b[j1:j2])))
    return pieces


def paragraph_diff(number: int, old: str | None, new: str | None) -> ParagraphDiff:
    if old is None:
        return ParagraphDiff(number, ONLY_NEW, [Piece("insert", " ".join(words(new or "")))])
    if new is None:
        return ParagraphDiff(number, ONLY_OLD, [Piece("delete", " ".join(words(old)))])
    if old == new:
        return ParagraphDiff(number, SAME, [Piece("equal", " ".join(words(new)))])
    if words(old) == words(new):
        return ParagraphDiff(number, WHITESPACE, [Piece("equal", " ".join(words(new)))])
    return ParagraphDiff(number, CHANGED, word_diff(old, new))


def paragraphs_diff(old: dict[int, str], new: dict[int, str]) -> list[ParagraphDiff]:
    """Every paragraph number of either side, in order, paired by number."""
    return [
        paragraph_diff(number, old.get(number), new.get(number)) for number in sorted(old.keys() | new.keys())
    ]


def field_changes(old: dict[str, str], new: dict[str, str]) -> list[FieldChange]:
    names = list(dict.fromkeys([*old, *new]))
    return [
        FieldChange(name, old.get(name) or "", new.get(name) or "")
        for name in names
        if (old.get(name) or "") != (new.get(name) or "")
    ]
