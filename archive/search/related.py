"""Related documents: what the search engine finds like a document's words, ranked again by
what the document's own record says.

Words alone made the related documents of a cable on Peruvian parties a Taipei vetting cable,
the Beijing Olympics and The Hague. An analyst expects the cables of the same post, on the same
TAGS, from the same months, citing the same cables. So:

1. Candidates: the engine's more_like_this (haystack's public API, so any engine serves it),
   once over the whole archive and once among the documents sharing the document's origin or
   one of its distinctive tags; the cables linked to it by references (it cites them, they cite
   it, or they cite what it cites), from the database; and where all these hold too few
   sharing a distinctive tag or the origin, the nearest in time that do.
2. Each candidate is scored by its text likeness (the engine's score, relative to the best),
   the tags and origin it shares (each weighted by how rare it is, as TF-IDF weighs words: the
   engine's document_frequencies), the time between the two, and the references they share.

The ranking is the same for every engine; an engine with a better more_like_this (Quipu's
Whoosh backend scores it term at a time and keeps it per document) gives better candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from haystack.inputs import Exact
from haystack.query import SQ, SearchQuerySet

from archive.models import Document, Reference
from archive.search.engine import search_engine
from archive.search.facets import BY_NAME

RELATED_SHOWN = 5
# haystack's Whoosh backend answers more_like_this with at most 20 documents.
TEXT_CANDIDATES = 20
# Cables linked by references, at most: a much cited cable has hundreds.
REFERENCE_CANDIDATES = 30
# A document cites a handful of cables; past this many, the rest are left out of the ranking.
MAX_REFERENCES_USED = 30
# A tag or an origin held by more than this share of the archive (PREL, PGOV) says too little
# to narrow the candidates by; it still counts, lightly, in the score.
DISTINCTIVE_SHARE = 0.1

# How much each kind of likeness counts. Text is scaled to 0–1 (1: the engine's best
# candidate), and so is each of the others. The shared tags and origin weigh most: they are
# the archive's own statement of what a cable is about and where it comes from.
TEXT_WEIGHT = 1.0
SHARED_WEIGHT = 2.0
PERIOD_WEIGHT = 0.3
REFERENCE_WEIGHT = 1.0
# Two cables this many days apart count half as close in time as two of the same day.
PERIOD_HALF_LIFE_DAYS = 180
# The nearest in time are found among the holders of the rarest distinctive features, at most
# this many documents in all: the database reads every holder to sort them by date.
NEIGHBOUR_HOLDERS_READ = 5000
# Each cable cited by both counts this much; citing each other counts fully.
SHARED_REFERENCE_SCORE = 0.5


Feature = tuple[str, str]  # ("tag", "PE"), ("origin", "Embassy Lima")


def feature_fields() -> dict[str, str]:
    """The search index field of each kind of feature: the facets' (archive.search.facets)."""
    return {"tag": BY_NAME["tag"].field, "origin": BY_NAME["origin"].field}


def features_of(document: Document) -> frozenset[Feature]:
    """What a document's record says it is about and where it comes from: tags and origin."""
    values = {("tag", tag.name) for tag in document.tags.all()}
    if document.origin:
        values.add(("origin", document.origin))
    return frozenset(values)


@dataclass(frozen=True)
class Weights:
    """Each feature's weight: log(archive size / documents holding it), like a word's IDF."""

    of: dict[Feature, float]
    distinctive: frozenset[Feature]
    holders: dict[Feature, int]  # how many documents hold each

    def rarest(self, most: int) -> frozenset[Feature]:
        """The rarest distinctive features whose holders number at most `most` in all."""
        chosen, total = set(), 0
        for feature in sorted(self.distinctive, key=lambda f: (self.holders[f], f)):
            total += self.holders[feature]
            if total > most:
                break
            chosen.add(feature)
        return frozenset(chosen)

    def shared(self, own: frozenset[Feature], other: frozenset[Feature]) -> float:
        """How much of the document's record the other shares: the square root of the weighted
        share of its features the other holds (0–1; one rare tag in common already counts)."""
        total = sum(self.of.get(feature, 0.0) for feature in own)
        if not total:
            return 0.0
        return math.sqrt(sum(self.of.get(feature, 0.0) for feature in own & other) / total)


@dataclass
class Candidate:
    """A document that may be related, with what its ranking needs (not a whole Document)."""

    pk: int
    identifier: str
    origin: str
    date: date | None
    features: frozenset[Feature] = frozenset()
    text_score: float = 0.0  # the engine's more_like_this score; 0 if it did not offer it
    cites: frozenset[str] = frozenset()  # of the document and what it cites, what this cites


def related_documents(document: Document, shown: int = RELATED_SHOWN) -> list[Document]:
    """Up to `shown` documents most like this one in words and record, best first.

    Raises what the search engine raises: the caller decides what a page shows without it.
    """
    own = features_of(document)
    weights = feature_weights(document)
    cited = reference_ids(document)[:MAX_REFERENCES_USED]
    found = candidates(document, weights, cited, shown)
    best_text = max((c.text_score for c in found), default=0.0) or 1.0

    def score(other: Candidate) -> float:
        return (
            TEXT_WEIGHT * other.text_score / best_text
            + SHARED_WEIGHT * weights.shared(own, other.features)
            + PERIOD_WEIGHT * closeness(document.date, other.date)
            + REFERENCE_WEIGHT * reference_score(document.identifier, cited, other)
        )

    best = [c.pk for c in sorted(found, key=lambda other: (-score(other), other.pk))[:shown]]
    documents = Document.objects.for_listing().in_bulk(best)
    return [documents[pk] for pk in best if pk in documents]


def candidates(document: Document, weights: Weights, cited: list[str], shown: int) -> list[Candidate]:
    """The documents worth ranking: the engine's, the reference graph's and, where they hold
    too few sharing a distinctive tag or the origin, the nearest in time that do."""
    text_scores = engine_candidates(document, SearchQuerySet())
    narrowing = distinctive_filter(weights.distinctive)
    if narrowing is not None:
        text_scores.update(engine_candidates(document, SearchQuerySet().filter(narrowing)))
    links = reference_links(document, cited)
    wanted = Document.objects.filter(Q(pk__in={*text_scores, *links}) | Q(identifier__in=cited))
    found = candidate_rows(wanted.exclude(pk=document.pk))
    if sum(1 for c in found if c.features & weights.distinctive) < shown:
        seen = {document.pk, *(c.pk for c in found)}
        found += neighbours_in_time(document, weights.rarest(NEIGHBOUR_HOLDERS_READ), seen, shown)
    for candidate in found:
        candidate.text_score = text_scores.get(candidate.pk, 0.0)
        candidate.cites = frozenset(links.get(candidate.pk, ()))
    return found


def candidate_rows(documents) -> list[Candidate]:
    """Candidates for these documents, with their tags (two queries)."""
    return with_features([Candidate(*row) for row in documents.values_list(*CANDIDATE_FIELDS)])


CANDIDATE_FIELDS = ("pk", "identifier", "origin", "date")


def with_features(found: list[Candidate]) -> list[Candidate]:
    """The candidates, their tags and origin read (one query)."""
    if not found:
        return []
    tags: dict[int, set[Feature]] = {}
    through = Document.tags.through.objects.filter(document_id__in=[c.pk for c in found])
    for pk, name in through.values_list("document_id", "tag__name"):
        tags.setdefault(pk, set()).add(("tag", name))
    for candidate in found:
        origin = {("origin", candidate.origin)} if candidate.origin else set()
        candidate.features = frozenset(tags.get(candidate.pk, set()) | origin)
    return found


# --- Candidates -------------------------------------------------------------------------------


def engine_candidates(document: Document, searches: SearchQuerySet) -> dict[int, float]:
    """{pk: score} of the engine's more_like_this for the document, within `searches`."""
    found = {}
    for result in searches.more_like_this(document)[:TEXT_CANDIDATES]:
        if result is not None and str(result.pk) != str(document.pk):
            found[int(result.pk)] = max(float(result.score or 0.0), 0.0)
    return found


def distinctive_filter(features: frozenset[Feature]) -> SQ | None:
    """Documents holding any of these features (their exact values, as the facets filter)."""
    fields = feature_fields()
    parts = [SQ(**{f"{fields[kind]}_exact": Exact(value)}) for kind, value in sorted(features)]
    if not parts:
        return None
    either = parts[0]
    for part in parts[1:]:
        either |= part
    return either


def reference_ids(document: Document) -> list[str]:
    """The reference IDs the document cites, in its order (prefetched on a document page)."""
    return [r.reference_id for r in document.references.all() if r.reference_id]


def reference_links(document: Document, cited: list[str]) -> dict[int, set[str]]:
    """{pk: the reference IDs it cites among this document's and the document itself} of the
    cables citing the document or what it cites (one query; the most recently imported first)."""
    wanted = [*cited, document.identifier] if document.is_cable else cited
    if not wanted:
        return {}
    links: dict[int, set[str]] = {}
    rows = (
        Reference.objects.filter(reference_id__in=wanted)
        .exclude(document_id=document.pk)
        .order_by("-document_id")
        .values_list("document_id", "reference_id")
    )
    for pk, reference_id in rows[: REFERENCE_CANDIDATES * 4]:
        if pk in links or len(links) < REFERENCE_CANDIDATES:
            links.setdefault(pk, set()).add(reference_id)
    return links


def neighbours_in_time(
    document: Document, features: frozenset[Feature], exclude: set[int], count: int
) -> list[Candidate]:
    """The documents nearest in time before and after this one that hold one of these features:
    candidates where the engine found too few (a small archive, a cable of few words)."""
    tag_ids = [tag.pk for tag in document.tags.all() if ("tag", tag.name) in features]
    holding = Q()
    if tag_ids:
        holding |= Q(pk__in=Document.tags.through.objects.filter(tag_id__in=tag_ids).values("document_id"))
    if ("origin", document.origin) in features:
        holding |= Q(origin=document.origin)
    if not holding:
        return []
    sharing = Document.objects.filter(holding).exclude(pk__in=exclude)
    if document.date is None:
        nearest = [sharing.newest_first()]
    else:
        nearest = [
            sharing.filter(date__gte=document.date).order_by("date", "pk"),
            sharing.filter(date__lt=document.date).order_by("-date", "-pk"),
        ]
    rows = [row for side in nearest for row in side.values_list(*CANDIDATE_FIELDS)[:count]]
    return with_features([Candidate(*row) for row in rows])


# --- Scores -----------------------------------------------------------------------------------


def feature_weights(document: Document) -> Weights:
    """The weights of the document's features, from how many documents of the index hold each
    (the engine's statistics: counting PREL's documents in the database at 250,000 cables
    would cost more than the rest of the page)."""
    tags = sorted(tag.name for tag in document.tags.all())
    origins = [document.origin] if document.origin else []
    fields = feature_fields()
    size, held = search_engine().document_frequencies({fields["tag"]: tags, fields["origin"]: origins})
    holding = {
        **{("tag", tag): held.get((fields["tag"], tag), 0) for tag in tags},
        **{("origin", origin): held.get((fields["origin"], origin), 0) for origin in origins},
    }
    weights = {feature: max(0.0, math.log((size + 1) / (count + 1))) for feature, count in holding.items()}
    distinctive = frozenset(f for f, count in holding.items() if count <= max(1, size * DISTINCTIVE_SHARE))
    return Weights(weights, distinctive, holding)


def closeness(day: date | None, other: date | None) -> float:
    """1 on the same day, halving every PERIOD_HALF_LIFE_DAYS; 0 when either date is unknown."""
    if day is None or other is None:
        return 0.0
    return 0.5 ** (abs((day - other).days) / PERIOD_HALF_LIFE_DAYS)


def reference_score(identifier: str, cited: list[str], other: Candidate) -> float:
    """1 when one cites the other; SHARED_REFERENCE_SCORE for each cable both cite, at most 1."""
    if identifier in other.cites or other.identifier in cited:
        return 1.0
    return min(1.0, SHARED_REFERENCE_SCORE * len(other.cites & set(cited)))
