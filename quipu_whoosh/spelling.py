"""'Did you mean …': the index's own words closest to an unknown query word.

haystack's Whoosh suggestion costs ~2 s a word (it scans the whole word list and ranks
candidates by nothing useful). Here: only words sharing the first letter, edit distance 1
before 2, then the most common in the archive.
"""

from __future__ import annotations

from whoosh.support.levenshtein import distance

from archive.search import budget

MAX_DISTANCE = 2
SHARED_PREFIX = 1
MIN_WORD_LENGTH = 3


def candidate_words(reader, spelling_field: str, word: str):
    """Unstemmed index words within MAX_DISTANCE of word that share its first letter."""
    for btext in budget.checked(reader.expand_prefix(spelling_field, word[:SHARED_PREFIX])):
        candidate = btext.decode("utf-8")
        if abs(len(candidate) - len(word)) > MAX_DISTANCE or candidate == word:
            continue
        edits = distance(candidate, word, limit=MAX_DISTANCE)
        if edits <= MAX_DISTANCE:
            yield edits, candidate


def stem(field, word: str) -> str:
    return next(iter(field.process_text(word, mode="query")), "")


def suggest_word(reader, fieldname: str, field, word: str) -> str | None:
    """A better-known spelling of word, or None if the index knows word or nothing close."""
    word = word.lower()
    if len(word) < MIN_WORD_LENGTH or not word.isalpha():
        return None
    stemmed = stem(field, word)
    if not stemmed:  # a stop word: searched among the stop words, never misspelt
        return None
    if reader.doc_frequency(fieldname, stemmed):
        return None
    spelling_field = field.spelling_fieldname(fieldname)
    best = None
    for edits, candidate in candidate_words(reader, spelling_field, word):
        frequency = reader.doc_frequency(fieldname, stem(field, candidate))
        if frequency:
            rank = (edits, -frequency, candidate)
            best = min(best, rank) if best else rank
    return best[2] if best else None
