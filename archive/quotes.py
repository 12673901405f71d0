"""The quote finder: paste a passage, get the cable paragraphs it comes from, best first.

A passage is compared as words (archive.text_match): case, punctuation, hyphenation, line
breaks and ¶ marks do not count, and a few words changed, dropped or added (a reporter's
edit, OCR damage) still find the paragraph, with a lower score. The search engine proposes
the cables that hold the passage's most distinctive words; each of their paragraphs is then
aligned with the passage word by word.

The engine is asked for the passage's rarest words, by its own statistics where it has them
(numbers too: "842 Mexican police" is found by 842): cables built from stock phrases share
the longest words of a passage, so those alone rank thousands of cables alike.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.conf import settings
from haystack.exceptions import SearchBackendError

from archive.models import Document, Paragraph
from archive.news_links import documents_with_words
from archive.search import budget
from archive.search.engine import search_engine
from archive.text_match import distinctive, tokens, words

MAX_CHARS = 2000
MIN_WORDS = 6
CANDIDATES = 10  # cables read per passage
MATCHES = 5  # paragraphs answered
MIN_SCORE = 0.5  # share of the passage's words found in order in the paragraph
LOOKUP_WORDS = 6  # the passage's rarest words the engine is asked for


class PassageProblem(ValueError):
    """A passage the finder cannot look up; the message says why."""

    status = 400  # the passage is at fault


class LookupProblem(PassageProblem):
    """The search engine could not look the passage up (out of time, or failing)."""

    status = 503


@dataclass
class PassageMatch:
    document: Document
    paragraph: Paragraph
    score: float
    exact: bool
    spans: list[tuple[int, int]]  # the matched words, as character spans of the paragraph's text

    @property
    def url(self) -> str:
        return f"{self.document.get_absolute_url()}#{self.paragraph.anchor}"


def passage_words(text: str) -> list[str]:
    text = (text or "").strip()
    if not text:
        raise PassageProblem("Paste a passage of a cable to find it.")
    if len(text) > MAX_CHARS:
        raise PassageProblem(f"The passage is {len(text):,} characters long; paste at most {MAX_CHARS:,}.")
    found = words(text)
    if len(found) < MIN_WORDS:
        raise PassageProblem(f"The passage has {len(found)} words; paste at least {MIN_WORDS} to find it.")
    return found


def find_passage(text: str, limit: int = MATCHES) -> list[PassageMatch]:
    """The cable paragraphs a passage comes from, best first. Raises PassageProblem."""
    passage = passage_words(text)
    pks = candidate_cables(passage)
    paragraphs = Paragraph.objects.filter(document_id__in=pks).select_related("document", "document__source")
    matches = [match for paragraph in paragraphs if (match := aligned(passage, paragraph))]
    rank = {pk: position for position, pk in enumerate(pks)}
    matches.sort(
        key=lambda m: (-m.score, not m.exact, rank.get(m.document.pk, len(rank)), m.paragraph.number)
    )
    return matches[:limit]


def candidate_cables(passage: list[str]) -> list[int]:
    """The CANDIDATES cables the engine ranks first for the passage's lookup words."""
    try:
        return documents_with_words(lookup_words(passage), Document.Type.CABLE, CANDIDATES)
    except budget.SearchTimedOut:
        raise LookupProblem(
            f"Looking this passage up took too long (over {settings.ARCHIVE_SEARCH_TIME_BUDGET:g} "
            "seconds) and was stopped. Try again, or paste a shorter, more distinctive passage."
        ) from None
    except SearchBackendError:
        raise LookupProblem("The search engine could not look this passage up. Try again later.") from None


def lookup_words(passage: list[str]) -> list[str]:
    """The LOOKUP_WORDS rarest words of the passage that the index holds; without the engine's
    statistics, its longest words."""
    candidates = distinctive(passage, limit=len(passage), numbers=True)
    frequencies = search_engine().word_frequencies(candidates)
    if frequencies is None:
        return distinctive(passage)
    held = sorted((word for word in candidates if frequencies.get(word)), key=frequencies.get)
    return held[:LOOKUP_WORDS] or distinctive(passage)


def aligned(passage: list[str], paragraph: Paragraph) -> PassageMatch | None:
    """How much of the passage the paragraph holds, in order; None below MIN_SCORE."""
    paragraph_tokens = tokens(paragraph.text)
    paragraph_words = [token.word for token in paragraph_tokens]
    matcher = difflib.SequenceMatcher(None, passage, paragraph_words, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size >= 2]
    matched = sum(block.size for block in blocks)
    score = round(matched / len(passage), 3)
    if score < MIN_SCORE:
        return None
    exact = any(block.size == len(passage) for block in blocks)
    spans = [
        (paragraph_tokens[block.b].start, paragraph_tokens[block.b + block.size - 1].end) for block in blocks
    ]
    return PassageMatch(paragraph.document, paragraph, score, exact, spans)
