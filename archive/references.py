"""The reference graph: which cables a cable cites, which cite it, and its neighbourhood.

References are stored with the reference ID of the cable they cite (`Reference`), not with a
link to it: a cable imported later resolves every reference to it at once, without the
citing cables being read again. `relink` keeps each document's count of citing cables
(`Document.cited_count`, which search can sort by) true to the references stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from archive.models import Document, Reference

# A cable's reference ID as the release writes it: "07LIMA3429", "09SECSTATE93374".
REFERENCE_ID = re.compile(r"[0-9]{2}[A-Z][A-Z0-9-]{1,40}[0-9]")
CITED_BY_SHOWN = 50  # on a cable's page; the rest are a search away
CITED_BY_LISTED = 1000  # in the API


def is_reference_id(text: str) -> bool:
    return bool(REFERENCE_ID.fullmatch(text))


@dataclass(frozen=True)
class ResolvedReference:
    text: str | None  # as printed; None when only the release record lists it
    reference_id: str | None
    note: str
    in_archive: bool

    @property
    def url(self) -> str | None:
        """The cited cable's page, or the page of a cable the archive does not hold."""
        return reverse("document", args=[self.reference_id]) if self.reference_id else None

    @property
    def label(self) -> str:
        return self.text or self.reference_id or ""


def resolve(references: list[Reference]) -> list[ResolvedReference]:
    """A cable's references with which of the cited cables the archive holds (one query)."""
    wanted = {r.reference_id for r in references if r.reference_id}
    present = set(Document.objects.filter(identifier__in=wanted).values_list("identifier", flat=True))
    return [
        ResolvedReference(
            text=r.text or None,
            reference_id=r.reference_id or None,
            note=r.note,
            in_archive=r.reference_id in present,
        )
        for r in references
    ]


def citing(reference_id: str):
    """The archive's cables that cite `reference_id`, newest first."""
    citing_pks = Reference.objects.filter(reference_id=reference_id).values("document_id")
    return Document.objects.for_listing().filter(pk__in=citing_pks).newest_first()


# --- Keeping the counts -----------------------------------------------------------------------
def counts_of(identifiers: Iterable[str]) -> dict[str, int]:
    """How many cables cite each of these reference IDs (those cited by none are left out)."""
    rows = (
        Reference.objects.filter(reference_id__in=list(identifiers))
        .values("reference_id")
        .annotate(n=Count("document", distinct=True))
        .values_list("reference_id", "n")
    )
    return dict(rows)


def relink(identifiers: Iterable[str] | None = None, queue: bool = True) -> list[int]:
    """Bring `cited_count` up to date for these documents (all when None); returns the pks of
    the documents whose count changed, queued for the search index unless `queue` is False
    (a bulk import that indexes them itself, or not at all)."""
    from archive.search.indexing import record_changes

    documents = (
        Document.objects.all()
        if identifiers is None
        else Document.objects.filter(identifier__in=list(set(identifiers)))
    )
    changed: list[Document] = []
    for chunk in chunked(documents.values_list("pk", "identifier", "cited_count").iterator(), 5000):
        counts = counts_of(identifier for _, identifier, _ in chunk)
        for pk, identifier, stored in chunk:
            if counts.get(identifier, 0) != stored:
                changed.append(Document(pk=pk, cited_count=counts.get(identifier, 0)))
    Document.objects.bulk_update(changed, ["cited_count"], batch_size=2000)
    if queue:
        record_changes(document.pk for document in changed)
    return [document.pk for document in changed]


def chunked(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- The neighbourhood, for the graph -----------------------------------------------------------
MAX_NODES = 40


@dataclass
class Node:
    identifier: str
    document: Document | None  # None: a cable the archive does not hold
    cited_count: int
    step: int  # 0 the cable itself, 1 cites or is cited by it, 2 one further

    @property
    def url(self) -> str:
        return reverse("document", args=[self.identifier])


@dataclass
class Neighbourhood:
    nodes: list[Node]
    edges: list[tuple[str, str]]  # (citing, cited) reference IDs

    def __bool__(self) -> bool:
        return len(self.nodes) > 1


def cites_of(identifiers: set[str]) -> dict[str, set[str]]:
    """The reference IDs each of these cables cites (one query)."""
    cited: dict[str, set[str]] = {}
    rows = Reference.objects.filter(document__identifier__in=identifiers).exclude(reference_id="")
    for citing_id, cited_id in rows.values_list("document__identifier", "reference_id"):
        cited.setdefault(citing_id, set()).add(cited_id)
    return cited


def cited_by_of(identifiers: set[str]) -> dict[str, set[str]]:
    """The cables of the archive citing each of these reference IDs (one query)."""
    citing_ids: dict[str, set[str]] = {}
    rows = Reference.objects.filter(reference_id__in=identifiers)
    for cited_id, citing_id in rows.values_list("reference_id", "document__identifier"):
        citing_ids.setdefault(cited_id, set()).add(citing_id)
    return citing_ids


def neighbourhood(document: Document, max_nodes: int = MAX_NODES) -> Neighbourhood:
    """The cable, what it cites and what cites it, two steps out; the most cited kept.

    Cables the archive does not hold appear one step out only (what this cable cites).
    """
    center = document.identifier
    edges: set[tuple[str, str]] = set()
    step: dict[str, int] = {center: 0}
    frontier = {center}
    for distance in (1, 2):
        if not frontier:
            break
        cites, cited_by = cites_of(frontier), cited_by_of(frontier)
        reached = set()
        for citing_id, cited_ids in cites.items():
            for cited_id in cited_ids:
                edges.add((citing_id, cited_id))
                reached.add(cited_id)
        for cited_id, citing_ids in cited_by.items():
            for citing_id in citing_ids:
                edges.add((citing_id, cited_id))
                reached.add(citing_id)
        frontier = {identifier for identifier in reached if identifier not in step}
        for identifier in frontier:
            step[identifier] = distance
    if len(step) == 1:
        return Neighbourhood([Node(center, document, 0, 0)], [])
    held = {d.identifier: d for d in Document.objects.for_listing().filter(identifier__in=step)}
    # A cable not in the archive is kept only as what this cable cites: further ones are noise.
    kept = [i for i in step if i in held or (step[i] == 1 and (center, i) in edges)]
    counts = counts_of(kept)
    kept.sort(key=lambda i: (step[i], -counts.get(i, 0), i))
    kept = kept[:max_nodes]
    chosen = set(kept)
    nodes = [Node(i, held.get(i), counts.get(i, 0), step[i]) for i in kept]
    return Neighbourhood(nodes, sorted(e for e in edges if e[0] in chosen and e[1] in chosen))
