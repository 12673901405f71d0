"""The quote finder in `manage.py benchmark`: passages drawn from the archive's cable
paragraphs as an analyst pastes them from a news story (fifteen words, lower case, no
punctuation, every other one with a word dropped), how many find their paragraph among the
first three answers, and how long `GET /api/quote/` takes.

Generated cables are built from sentence templates, so a passage drawn from one often stands
word for word in others: a passage not found whose first answer is another paragraph matching
it at least as well as its own is counted apart ("equally in others"), not as missed.
"""

from __future__ import annotations

import random
import time
from urllib.parse import urlencode

from archive.text_match import words

PASSAGES = 100
PASSAGE_WORDS = 15
MIN_PARAGRAPH_WORDS = 30  # room to draw fifteen words from more than one place
TOP = 3
PAGE = "quote finder"


def mangled_passage(chance: random.Random, paragraph_words: list[str], trial: int) -> str:
    """Fifteen consecutive words of a paragraph, one of them dropped on odd trials."""
    start = chance.randrange(len(paragraph_words) - PASSAGE_WORDS)
    passage = paragraph_words[start : start + PASSAGE_WORDS]
    if trial % 2:
        del passage[chance.randrange(1, PASSAGE_WORDS - 1)]
    return " ".join(passage)


def drawn_paragraphs(chance: random.Random, count: int) -> list[tuple[str, int, list[str]]]:
    """(identifier, number, words) of `count` cable paragraphs of at least MIN_PARAGRAPH_WORDS
    words, drawn at random by primary key (the whole release holds millions of paragraphs)."""
    from archive.models import Paragraph

    cables = Paragraph.objects.filter(document__type="cable")
    ids = sorted(cables.values_list("pk", flat=True).order_by("pk")[:1]) + sorted(
        cables.values_list("pk", flat=True).order_by("-pk")[:1]
    )
    if not ids:
        return []
    lowest, highest = ids[0], ids[-1]
    drawn: dict[int, tuple[str, int, list[str]]] = {}
    for _attempt in range(20):
        wanted = {chance.randint(lowest, highest) for _ in range(count * 2)} - set(drawn)
        rows = cables.filter(pk__in=wanted).values_list("pk", "document__identifier", "number", "text")
        for pk, identifier, number, text in sorted(rows):
            paragraph_words = words(text)
            if len(paragraph_words) >= MIN_PARAGRAPH_WORDS and len(drawn) < count:
                drawn[pk] = (identifier, number, paragraph_words)
        if len(drawn) >= count:
            break
    return list(drawn.values())


def quote_samples(client, passages: int = PASSAGES, seed: int = 1) -> dict:
    """{"ms": [per passage], "found": among the first TOP answers, "equally_in_others": see the
    module's doc, "passages": n}."""
    chance = random.Random(seed)
    elapsed, found, elsewhere = [], 0, 0
    drawn = drawn_paragraphs(chance, passages)
    for trial, (identifier, number, paragraph_words) in enumerate(drawn):
        passage = mangled_passage(chance, paragraph_words, trial)
        url = "/api/quote/?" + urlencode({"text": passage})
        started = time.perf_counter()
        response = client.get(url)
        elapsed.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}, expected 200")
        matches = response.json()["matches"][:TOP]
        if (identifier, number) in [(m["identifier"], m["paragraph"]) for m in matches]:
            found += 1
        elif matches and matches[0]["score"] >= own_score(passage, identifier, number):
            elsewhere += 1
    return {"ms": elapsed, "found": found, "equally_in_others": elsewhere, "passages": len(drawn)}


def own_score(passage: str, identifier: str, number: int) -> float:
    """The quote finder's score for the paragraph the passage was drawn from."""
    from archive.models import Paragraph
    from archive.quotes import aligned

    paragraph = Paragraph.objects.select_related("document").get(
        document__identifier=identifier, number=number
    )
    match = aligned(words(passage), paragraph)
    return match.score if match else 0.0
