"""`manage.py benchmark_related`: what related documents cost a document page, in this archive.

Each document is measured once, on its first visit: the engine keeps each document's
more_like_this until the index changes, so a second visit measures a cache. Half the sample
times the engine's more_like_this alone (what the page asked for before related documents
were ranked by the cable's record too), the other half the whole ranking
(archive.search.related), over different documents so that neither warms the other's cache.
Read-only: point ARCHIVE_DATA_DIR at a benchmark's data directory (manage.py benchmark
--data-dir) to measure a generated archive.
"""

from __future__ import annotations

import time

from haystack import connections
from haystack.query import SearchQuerySet

from archive.models import Document
from archive.search import related
from tools.benchmark import percentiles


def sample(total: int) -> list[int]:
    pks = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    if not pks:
        return []
    return [pks[(i * 7919) % len(pks)] for i in range(min(total, len(pks)))]


def timed(work, document) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) of work(document)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work(document)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def text_only(document: Document) -> None:
    list(SearchQuerySet().more_like_this(document)[: related.RELATED_SHOWN + 1])


def run(documents: int) -> dict:
    connections["default"].get_backend().searcher()  # opening the index is not a page's cost
    chosen = sample(documents * 2)
    figures = {"documents": Document.objects.count()}
    for name, work, pks in (
        ("more_like_this alone", text_only, chosen[0::2]),
        ("related documents", related.related_documents, chosen[1::2]),
    ):
        wall, cpu = [], []
        for pk in pks:
            document = Document.objects.for_document_page().get(pk=pk)
            ms, cpu_ms = timed(work, document)
            wall.append(ms)
            cpu.append(cpu_ms)
        figures[name] = {"wall_ms": percentiles(wall), "cpu_ms": percentiles(cpu)}
    return figures


def table(figures: dict) -> str:
    lines = [f"Related documents, first visit of each document, {figures['documents']:,} documents"]
    for name in ("more_like_this alone", "related documents"):
        for kind in ("wall_ms", "cpu_ms"):
            p = figures[name][kind]
            lines.append(
                f"  {name:<22} {kind[:-3]:<5} n={p['n']:<4} "
                f"p50 {p['p50']} ms  p95 {p['p95']} ms  max {p['max']} ms"
            )
    return "\n".join(lines)
