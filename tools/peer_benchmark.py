"""`manage.py benchmark --peers tantivy,fts5`: Quipu beside tantivy and SQLite FTS5, interleaved.

A phase of its own, run inside the benchmark's data directory after the usual query phase. It
indexes the archive's documents into each peer (tools.peers, timed per engine), then sends the
benchmark's query plan (tools.benchmark.query_plan) to every engine in turn: query 1 on each,
then query 2 on each, the engine that goes first rotating, so that a busy moment of a shared
machine falls on all of them alike. Quipu is measured twice, as its search page and as its
JSON API, through Django's test client like the query phase. Hit counts are compared with
Quipu's (the API's count).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode

from tools.benchmark import QUERY_MIX, percentiles, query_plan
from tools.peers import Unsupported, make_peers, peer_documents, peer_query

QUIPU_ENGINES = ("page", "api")
# Hit counts agree when they differ by at most this share of the larger (or by one).
AGREEMENT_TOLERANCE = 0.02
WARM_UP = {"q": "embassy"}


# Indexing


def build_peer_indexes(peers: list, log) -> dict:
    """Every document into every peer; each engine's own seconds (reading the database is not
    counted) and index size."""
    seconds = {peer.name: 0.0 for peer in peers}
    for peer in peers:
        peer.create()
    documents = 0
    for batch in peer_documents():
        documents += len(batch)
        for peer in peers:
            started = time.perf_counter()
            peer.add(batch)
            seconds[peer.name] += time.perf_counter() - started
    figures = {}
    for peer in peers:
        started = time.perf_counter()
        peer.commit()
        seconds[peer.name] += time.perf_counter() - started
        figures[peer.name] = {
            "documents": documents,
            "seconds": round(seconds[peer.name], 2),
            "rate": round(documents / seconds[peer.name], 1) if seconds[peer.name] else None,
            "mb": peer.size_mb(),
        }
        built = figures[peer.name]
        log(f"peer index {peer.name:<8} {built['seconds']:>7.1f} s  {built['mb']:>7.1f} MB")
    return figures


# Searching


class Quipu:
    """Quipu's search page or JSON API through the test client, as the query phase measures it."""

    def __init__(self, client, page: str):
        self.client, self.name = client, page
        self.path = "/search/" if page == "page" else "/api/search/"

    def forget(self) -> None:
        """Uncached, as the query phase measures: no ranking or match set of an earlier search."""
        from archive.search.engine import search_engine

        search_engine().forget_results()

    def search(self, params: dict, _query) -> int | None:
        response = self.client.get(f"{self.path}?{urlencode(params)}")
        if response.status_code != 200:
            raise RuntimeError(f"GET {self.path}?{urlencode(params)} answered {response.status_code}")
        return response.json()["count"] if self.name == "api" else None


class Peer:
    def __init__(self, peer):
        self.peer, self.name = peer, peer.name

    def forget(self) -> None:
        pass  # a peer keeps no results between searches

    def search(self, _params: dict, query) -> int:
        return self.peer.search(query)[0]


def rotated(engines: list, turn: int) -> list:
    start = turn % len(engines)
    return engines[start:] + engines[:start]


def run_interleaved(engines: list, per_kind: int) -> dict:
    samples = {engine.name: [] for engine in engines}
    by_kind = {engine.name: {kind: [] for kind in QUERY_MIX} for engine in engines}
    first_ms, counts, kinds, unsupported = {}, {}, {}, {}
    for engine in engines:
        started = time.perf_counter()
        engine.search(WARM_UP, peer_query(WARM_UP))
        first_ms[engine.name] = round((time.perf_counter() - started) * 1000, 1)
    for turn, (kind, key, params) in enumerate(query_plan(per_kind)):
        query = peer_query(params)
        kinds[key], counts[key] = kind, {}
        for engine in rotated(engines, turn):
            engine.forget()
            started = time.perf_counter()
            try:
                count = engine.search(params, query)
            except Unsupported as problem:
                unsupported.setdefault(engine.name, {})[key] = str(problem)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            samples[engine.name].append(elapsed)
            by_kind[engine.name][kind].append(elapsed)
            if count is not None:
                counts[key][engine.name] = count
    return {
        "first_ms": first_ms,
        "latency_ms": {name: percentiles(values) for name, values in samples.items()},
        "latency_by_kind_ms": {
            name: {kind: percentiles(values) for kind, values in per.items()} for name, per in by_kind.items()
        },
        "counts": counts,
        "kinds": kinds,
        "unsupported": unsupported,
    }


def run_peer_queries(per_kind: int, names: list[str], directory: Path, reuse: bool, log=print) -> dict:
    from django.test import Client

    from archive.models import Document

    peers = make_peers(names, directory)
    documents = Document.objects.count()
    marker = directory / "indexed-documents"
    if reuse and marker.is_file() and marker.read_text().strip() == str(documents):
        index = {peer.name: {"documents": documents, "reused": True, "mb": peer.size_mb()} for peer in peers}
    else:
        marker.unlink(missing_ok=True)
        index = build_peer_indexes(peers, log)
        marker.write_text(str(documents))
    client = Client()
    engines = [Quipu(client, page) for page in QUIPU_ENGINES] + [Peer(peer) for peer in peers]
    results = run_interleaved(engines, per_kind)
    return {
        "documents": documents,
        "queries_per_kind": per_kind,
        "index": index,
        **results,
        "ratio_to_tantivy": ratios(results["latency_ms"]),
        "agreement": {peer.name: agreement(results, peer.name) for peer in peers},
        "notes": {peer.name: list(peer.notes) for peer in peers},
    }


# Comparing


def ratios(latency: dict) -> dict:
    """Each engine's p50 and p95 over tantivy's."""
    if "tantivy" not in latency:
        return {}
    base = latency["tantivy"]
    return {
        name: {
            stat: round(stats[stat] / base[stat], 1) if stats[stat] and base[stat] else None
            for stat in ("p50", "p95")
        }
        for name, stats in latency.items()
    }


def counts_agree(a: int, b: int) -> bool:
    return abs(a - b) <= max(1, AGREEMENT_TOLERANCE * max(a, b))


def agreement(results: dict, name: str) -> dict:
    """How many queries' hit counts the peer shares with Quipu's API, and the widest gaps."""
    compared, gaps = 0, {}
    for key, counts in results["counts"].items():
        if "api" not in counts or name not in counts:
            continue
        compared += 1
        ours, theirs = counts["api"], counts[name]
        if not counts_agree(ours, theirs):
            gaps[key] = {"query": key, "kind": results["kinds"][key], "quipu": ours, name: theirs}
    # The plan repeats each search on later pages: one line per search is enough.
    distinct = {}
    for gap in gaps.values():
        distinct.setdefault(gap["query"].split("&page=")[0], gap)
    widest = sorted(
        distinct.values(), key=lambda gap: -abs(gap["quipu"] - gap[name]) / max(1, gap["quipu"], gap[name])
    )
    return {
        "compared": compared,
        "agreeing": compared - len(gaps),
        "share": round((compared - len(gaps)) / compared, 3) if compared else None,
        "disagreements": widest,
    }


# Printing


def engine_label(name: str) -> str:
    return {"page": "Quipu page", "api": "Quipu API"}.get(name, name)


def peer_lines(figures: dict) -> list[str]:
    engines = list(figures["latency_ms"])
    ratio = figures["ratio_to_tantivy"]
    lines = [
        f"  peers, interleaved over the same {figures['documents']:,} documents "
        f"({figures['queries_per_kind']} queries per kind; peers: hit count + top 20 ids, no facets)",
        "    engine          p50 ms   p95 ms   first ms" + ("   p50 ×tantivy  p95 ×tantivy" if ratio else ""),
    ]
    for name in engines:
        stats = figures["latency_ms"][name]
        first = figures["first_ms"][name]
        line = f"    {engine_label(name):<12} {fmt(stats['p50'])} {fmt(stats['p95'])} {fmt(first)}"
        if ratio:
            line += f"   {fmt(ratio[name]['p50'])}      {fmt(ratio[name]['p95'])}"
        lines.append(line)
    for name, built in figures["index"].items():
        how = "reused" if built.get("reused") else f"{built['seconds']:.1f} s ({built['rate']} docs/s)"
        lines.append(f"    {name} index: {how}, {built['mb']:.1f} MB")
    lines.append("    p50 / p95 by kind (ms)  " + "".join(f"{engine_label(name):>19}" for name in engines))
    for kind in QUERY_MIX:
        cells = []
        for name in engines:
            stats = figures["latency_by_kind_ms"][name][kind]
            cells.append(f"{cell(stats['p50'])} / {cell(stats['p95'])}".rjust(19))
        lines.append(f"      {kind:<20}" + "".join(cells))
    lines += agreement_lines(figures)
    return lines


def agreement_lines(figures: dict) -> list[str]:
    lines = [f"    hit counts agreeing with Quipu's (within {AGREEMENT_TOLERANCE:.0%} or 1):"]
    for name, agreed in figures["agreement"].items():
        share = f"{agreed['share']:.0%}" if agreed["share"] is not None else "-"
        lines.append(f"      {name}: {agreed['agreeing']} of {agreed['compared']} searches ({share})")
        for gap in agreed["disagreements"][:5]:
            lines.append(f"        {gap['query']}: Quipu {gap['quipu']:,}, {name} {gap[name]:,}")
        for note in figures["notes"][name]:
            lines.append(f"        ({note})")
        for key, problem in sorted(figures["unsupported"].get(name, {}).items())[:5]:
            lines.append(f"        not expressible, not timed: {key}: {problem}")
    return lines


def cell(value) -> str:
    return f"{value:.1f}" if value is not None else "-"


def fmt(value) -> str:
    return f"{value:>8.1f}" if value is not None else "       -"
