"""`manage.py benchmark`: build an archive from a generated corpus and time it end to end.

The parent process never touches the archive's own database or index: each phase runs as a
subprocess with ARCHIVE_DATA_DIR pointing at a throw-away data directory, so the settings
give it its own SQLite file and Whoosh index. Phases:

    generate_corpus (cables, and one article per 100) → migrate → import the articles
    → import_documents --no-index → rebuild_index → relink
    → queries (Django's test Client over the fixed mix below)
    [--compare-stock: the same documents in haystack's stock Whoosh backend, the same mix]
    [--peers tantivy,fts5: the same documents in the peers, the same mix, interleaved
     (tools.peer_benchmark)]

Peak memory is each phase's ru_maxrss (the process and the children it waited for).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from tools import quote_benchmark, web_benchmark

STOCK_ENGINE = "haystack.backends.whoosh_backend.WhooshEngine"
STOCK_DIR = "whoosh-stock"
MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
# The fixed mix: kind → the search parameters of each variant (top_origin is filled in).
QUERY_MIX = {
    "common": [{"q": "terrorism"}, {"q": "security"}],
    "rare": [{"q": "demining"}, {"q": "riverine"}],
    "phrase": [{"q": '"drug trafficking"'}, {"q": '"Shining Path"'}],
    "boolean": [{"q": "coca AND eradication NOT Colombia"}],
    "facet_filter": [{"origin": "{top_origin}"}, {"classification": "SECRET"}],
    "date_range": [{"date_from": "2008", "date_to": "2009"}],
    "browse": [{}],
    "no_hit": [{"q": "zyxwvutsrq"}],
}
PAGES = ("search", "api", "document", "paragraph", "search (cached)", "api (cached)")


# Measuring one phase


@dataclass
class Phase:
    name: str
    seconds: float
    max_rss_mb: float


def run_phase(name: str, args: list[str], env: dict, log) -> Phase:
    """Run `manage.py args` with this environment; its wall time and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, MANAGE, *args], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"benchmark phase {name!r} failed with exit code {process.returncode}")
    phase = Phase(name, round(seconds, 2), round(usage.ru_maxrss / 1024, 1))
    log(f"{name:<14} {phase.seconds:>9.1f} s   peak {phase.max_rss_mb:>7.0f} MB")
    return phase


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def phase_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(ARCHIVE_DATA_DIR=str(data_dir), SEARCH_URL="", DATABASE_URL="", PYTHONUNBUFFERED="1")
    return env


@dataclass
class Options:
    count: int
    seed: int = 1
    data_dir: Path | None = None
    compare_stock: bool = False
    queries_per_kind: int = 20
    index_while_importing: bool = False
    reuse: bool = False  # data_dir already holds the archive (and its index): only run the queries
    peers: list[str] = field(default_factory=list)  # tools.peers.PEERS names
    peer_dir: Path | None = None  # where the peers' indexes go (default: data_dir/peers)


@dataclass
class Report:
    figures: dict = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)


def run_benchmark(options: Options, log=print) -> dict:
    keep = options.data_dir is not None
    data_dir = Path(options.data_dir or tempfile.mkdtemp(prefix="quipu-benchmark-")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = phase_env(data_dir)
    corpus = data_dir / "cables.csv"
    count, k = options.count, options.queries_per_kind
    phases = {}
    if options.reuse:
        return reuse_benchmark(options, data_dir, env, log)
    try:
        phases["generate"] = run_phase(
            "generate",
            ["generate_corpus", "--count", str(count), "--seed", str(options.seed), "--out", str(corpus)]
            + web_benchmark.generate_args(data_dir),
            env,
            log,
        )
        phases["migrate"] = run_phase("migrate", ["migrate", "--noinput", "-v", "0"], env, log)
        # Articles first: each is linked as it arrives, which is cheap while there are no cables.
        phases["articles"] = run_phase("articles", web_benchmark.import_articles_args(data_dir), env, log)
        import_args = ["import_documents", "--format", "cablegate-csv", str(corpus), "-v", "0"]
        if options.index_while_importing:
            phases["import"] = run_phase("import+index", import_args, env, log)
        else:
            phases["import"] = run_phase("import", [*import_args, "--no-index"], env, log)
            phases["index"] = run_phase("index", ["rebuild_index", "--noinput", "-v", "0"], env, log)
        phases["relink"] = run_phase("relink", ["relink"], env, log)
        results_file = data_dir / "queries.json"
        phases["queries"] = run_phase(
            "queries",
            ["benchmark", "--phase", "queries", "--queries-per-kind", str(k), "--json", str(results_file)],
            env,
            log,
        )
        queries = json.loads(results_file.read_text())
        figures = build_figures(options, phases, queries, data_dir)
        figures.update(web_benchmark.figures(phases, data_dir))
        if options.compare_stock:
            stock_file = data_dir / "queries-stock.json"
            phases["stock_index"] = run_phase(
                "stock index", ["benchmark", "--phase", "stock-index"], env, log
            )
            phases["stock_queries"] = run_phase(
                "stock queries",
                [
                    "benchmark",
                    *("--phase", "queries", "--engine", "stock", "--queries-per-kind", str(k)),
                    *("--json", str(stock_file)),
                ],
                env,
                log,
            )
            stock = json.loads(stock_file.read_text())
            figures["stock"] = stock_figures(phases, stock, queries, data_dir, count)
        if options.peers:
            figures["peers"] = run_peers_phase(options, data_dir, env, phases, log)
    finally:
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    figures["phases"] = {name: vars(phase) for name, phase in phases.items()}
    figures["peak_memory_mb"] = peak_memory_mb(phases)
    return figures


def reuse_benchmark(options: Options, data_dir: Path, env: dict, log) -> dict:
    """The query phases only, over an archive an earlier run left in data_dir."""
    if not (data_dir / "archive.sqlite3").is_file() or not (data_dir / "whoosh").is_dir():
        raise RuntimeError(f"{data_dir} holds no archive and index to reuse")
    k, phases = options.queries_per_kind, {}
    results_file = data_dir / "queries-reuse.json"  # the first run's own files are kept
    query_args = ["benchmark", "--phase", "queries", "--queries-per-kind", str(k)]
    phases["queries"] = run_phase("queries", [*query_args, "--json", str(results_file)], env, log)
    queries = json.loads(results_file.read_text())
    figures = {
        "count": queries["documents"],
        "seed": options.seed,
        "documents": queries["documents"],
        "queries_per_kind": k,
        "reused": str(data_dir),
        "latency_ms": queries["latency_ms"],
        "latency_by_kind_ms": queries["latency_by_kind_ms"],
        "first_request_ms": queries["first_request_ms"],
        "search_cpu_ms": queries.get("search_cpu_ms"),
        "quote_finder": queries.get("quote_finder"),
    }
    if options.compare_stock:
        if not (data_dir / STOCK_DIR).is_dir():
            phases["stock_index"] = run_phase(
                "stock index", ["benchmark", "--phase", "stock-index"], env, log
            )
        stock_file = data_dir / "queries-stock-reuse.json"
        phases["stock_queries"] = run_phase(
            "stock queries", [*query_args, "--engine", "stock", "--json", str(stock_file)], env, log
        )
        phases.setdefault("stock_index", Phase("stock index (reused)", 0.0, 0.0))
        stock = json.loads(stock_file.read_text())
        figures["stock"] = stock_figures(phases, stock, queries, data_dir, figures["count"])
    if options.peers:
        figures["peers"] = run_peers_phase(options, data_dir, env, phases, log)
    figures["phases"] = {name: vars(phase) for name, phase in phases.items()}
    figures["peak_memory_mb"] = peak_memory_mb(phases)
    return figures


def run_peers_phase(options: Options, data_dir: Path, env: dict, phases: dict, log) -> dict:
    """The peers' indexes and the interleaved queries; their results file beside their indexes, so
    that a reused archive's directory gets nothing new."""
    peer_dir = Path(options.peer_dir or data_dir / "peers").resolve()
    peer_dir.mkdir(parents=True, exist_ok=True)
    results_file = peer_dir / "queries-peers.json"
    args = ["benchmark", "--phase", "peers", "--peers", ",".join(options.peers)]
    args += ["--peer-dir", str(peer_dir), "--queries-per-kind", str(options.queries_per_kind)]
    args += ["--json", str(results_file)] + (["--reuse"] if options.reuse else [])
    phases["peers"] = run_phase("peers", args, env, log)
    return json.loads(results_file.read_text())


def peak_memory_mb(phases: dict) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(max([own] + [phase.max_rss_mb for phase in phases.values()]), 1)


def build_figures(options: Options, phases: dict, queries: dict, data_dir: Path) -> dict:
    count = options.count
    import_seconds = phases["import"].seconds
    index_seconds = phases["index"].seconds if "index" in phases else 0.0
    return {
        "count": count,
        "seed": options.seed,
        "documents": queries["documents"],
        "queries_per_kind": options.queries_per_kind,
        "import_seconds": import_seconds,
        "index_seconds": index_seconds,
        "import_and_index_seconds": round(import_seconds + index_seconds, 2),
        "import_rate": round(count / import_seconds, 1),
        # With --index-while-importing the import phase includes the indexing.
        "index_rate": round(count / (index_seconds or import_seconds), 1),
        "index_mb": directory_mb(data_dir / "whoosh"),
        "database_mb": round((data_dir / "archive.sqlite3").stat().st_size / 2**20, 1),
        "latency_ms": queries["latency_ms"],
        "latency_by_kind_ms": queries["latency_by_kind_ms"],
        "first_request_ms": queries["first_request_ms"],
        "search_cpu_ms": queries.get("search_cpu_ms"),
        "quote_finder": queries.get("quote_finder"),
    }


def stock_figures(phases: dict, stock: dict, ours: dict, data_dir: Path, count: int) -> dict:
    differences = compare_results(ours["results"], stock["results"])
    ratios = {}
    for page in ("search", "api"):
        ours_p50, stock_p50 = ours["latency_ms"][page]["p50"], stock["latency_ms"][page]["p50"]
        ratios[page] = round(stock_p50 / ours_p50, 1) if ours_p50 else None
    faceted = [kind for kind in QUERY_MIX if kind != "browse"]
    ours_kinds = [ours["latency_by_kind_ms"]["search"][kind]["p50"] for kind in faceted]
    stock_kinds = [stock["latency_by_kind_ms"]["search"][kind]["p50"] for kind in faceted]
    return {
        "index_seconds": phases["stock_index"].seconds,
        "index_rate": round(count / phases["stock_index"].seconds, 1)
        if phases["stock_index"].seconds
        else 0.0,
        "index_mb": directory_mb(data_dir / STOCK_DIR),
        "latency_ms": stock["latency_ms"],
        "latency_by_kind_ms": stock["latency_by_kind_ms"],
        "speedup_p50": ratios,
        # Faceted searches only (every kind but browse): median of the per-kind ratios.
        "speedup_faceted_search_p50": round(
            statistics.median(s / o for s, o in zip(stock_kinds, ours_kinds, strict=True) if o), 1
        ),
        "queries_compared": len(ours["results"]),
        "differences": differences,
    }


def compare_results(ours: dict, stock: dict) -> list[dict]:
    """Queries whose hit count, result identifiers or facet counts differ between the engines."""
    found = []
    for key, mine in ours.items():
        theirs = stock.get(key)
        if theirs is None:
            continue
        for part in ("count", "identifiers", "facets"):
            if mine[part] != theirs[part]:
                found.append({"query": key, "part": part, **facet_difference(part, mine, theirs)})
    return found


def facet_difference(part: str, mine: dict, theirs: dict) -> dict:
    if part == "count":
        return {"ours": mine["count"], "stock": theirs["count"]}
    if part == "identifiers":
        return {
            "only_ours": sorted(set(mine["identifiers"]) - set(theirs["identifiers"]))[:5],
            "only_stock": sorted(set(theirs["identifiers"]) - set(mine["identifiers"]))[:5],
            "same_set": set(mine["identifiers"]) == set(theirs["identifiers"]),
        }
    facets = {}
    for name in sorted(set(mine["facets"]) | set(theirs["facets"])):
        a, b = (
            dict(map(tuple, mine["facets"].get(name, []))),
            dict(map(tuple, theirs["facets"].get(name, []))),
        )
        if a != b:
            facets[name] = {"ours": list(a.items())[:3], "stock": list(b.items())[:3]}
    return {"facets": facets}


# The query phase (runs inside the benchmark's data directory)


def use_stock_engine(data_dir: Path) -> None:
    from haystack import connections

    info = connections.connections_info["default"]
    info.clear()
    info.update(ENGINE=STOCK_ENGINE, PATH=str(data_dir / STOCK_DIR))
    connections.reload("default")


def build_stock_index(batch: int = 1000) -> None:
    """Every document into haystack's stock Whoosh index: its schema and value conversion.

    Stock `update()` writes through AsyncWriter.update_document, which opens a searcher per
    document (whoosh #531; ~30 minutes for 10,000 cables). The index is new, so a plain
    writer's add_document gives the same index; only the writer is swapped.
    """
    from haystack import connections
    from haystack.backends import whoosh_backend

    from archive.models import Document

    use_stock_engine(Path(settings.DATA_DIR))
    backend = connections["default"].get_backend()
    backend.setup()
    backend.clear()
    backend.setup()
    index = connections["default"].get_unified_index().get_index(Document)

    class AddingWriter:
        ident = None

        def __init__(self, ix):
            self.writer = ix.writer(limitmb=256)
            self.update_document = self.writer.add_document

        def commit(self):
            self.writer.commit()

    whoosh_backend.AsyncWriter = AddingWriter
    pks = list(index.index_queryset().order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        backend.update(index, list(index.index_queryset().filter(pk__in=pks[start : start + batch])))


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0, "p50": None, "p95": None, "max": None}

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))], 1)

    return {"n": len(ordered), "p50": at(0.5), "p95": at(0.95), "max": round(ordered[-1], 1)}


def top_origin() -> str:
    from django.db.models import Count

    from archive.models import Document

    row = Document.objects.values("origin").annotate(n=Count("id")).order_by("-n", "origin").first()
    return row["origin"] if row else ""


def query_plan(per_kind: int) -> list[tuple[str, str, dict]]:
    """(kind, key, GET parameters) for every search request, in a fixed order."""
    origin = top_origin()
    plan = []
    for kind, variants in QUERY_MIX.items():
        for i in range(per_kind):
            params = {k: v.format(top_origin=origin) for k, v in variants[i % len(variants)].items()}
            page = 1 + i // len(variants)
            if page > 1:
                params["page"] = str(page)
            key = f"{kind}: " + "&".join(f"{k}={v}" for k, v in params.items())
            plan.append((kind, key, params))
    return plan


def document_targets(total: int) -> list[tuple[str, int]]:
    """(identifier, paragraph number) of `total` documents spread over the archive."""
    from archive.models import Document, Paragraph

    pks = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    if not pks:
        return []
    chosen = [pks[(i * 7919) % len(pks)] for i in range(total)]
    identifiers = dict(Document.objects.filter(pk__in=chosen).values_list("pk", "identifier"))
    numbers = {}
    for document_id, number in (
        Paragraph.objects.filter(document_id__in=chosen)
        .order_by("-number")
        .values_list("document_id", "number")
    ):
        numbers.setdefault(document_id, number)
    return [(identifiers[pk], max(1, numbers.get(pk, 1) // 2 + 1)) for pk in chosen]


def timed_get(client, url: str, expect: int) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != expect:
        raise RuntimeError(f"GET {url} answered {response.status_code}, expected {expect}")
    return elapsed


WORKER_START = """
import time
started = time.perf_counter()
import archive.wsgi
from archive.serving import prepare_worker
prepare_worker()
print(time.perf_counter() - started)
"""


def worker_start_seconds() -> float | None:
    """What a new gunicorn worker does before its first request (load the application, then
    gunicorn.conf.py's post_worker_init), timed in a process of its own; None if it failed."""
    completed = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        return float(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def run_queries(per_kind: int, engine: str = "ours") -> dict:
    from urllib.parse import quote, urlencode

    from django.test import Client
    from haystack import connections

    from archive.models import Document
    from archive.search.engine import search_engine
    from archive.serving import prepare_worker

    if engine == "stock":
        use_stock_engine(Path(settings.DATA_DIR))
    # As a new gunicorn worker: it prepares (gunicorn.conf.py), then answers its first requests.
    started = worker_start_seconds()
    prepared = prepare_worker()
    first = {"worker start": (started or prepared) * 1000, "worker prepare": prepared * 1000}
    connections["default"].get_backend()
    client = Client()
    plan = query_plan(per_kind)
    targets = document_targets(per_kind * len(QUERY_MIX))
    first |= {
        "search": timed_get(client, "/search/?q=embassy", 200),
        "api": timed_get(client, "/api/search/?q=embassy", 200),
    }
    if targets:
        identifier, number = targets[0]
        first["document"] = timed_get(client, f"/documents/{quote(identifier)}/", 200)
        first["paragraph"] = timed_get(client, f"/documents/{quote(identifier)}/p/{number}/", 302)
    samples = {page: [] for page in PAGES}
    by_kind = {page: {kind: [] for kind in QUERY_MIX} for page in ("search", "api")}
    # CPU time of this process per search page: the wall time on a shared machine includes
    # waiting for a core.
    cpu = {kind: [] for kind in QUERY_MIX}
    results = {}
    engine_extensions = search_engine()
    for kind, key, params in plan:
        query = urlencode(params)
        # Uncached: each request finds no ranking or match set left by an earlier one.
        engine_extensions.forget_results()
        cpu_started = time.process_time()
        elapsed = timed_get(client, f"/search/?{query}", 200)
        cpu[kind].append((time.process_time() - cpu_started) * 1000)
        samples["search"].append(elapsed)
        by_kind["search"][kind].append(elapsed)
        engine_extensions.forget_results()
        started = time.perf_counter()
        response = client.get(f"/api/search/?{query}")
        elapsed = (time.perf_counter() - started) * 1000
        samples["api"].append(elapsed)
        by_kind["api"][kind].append(elapsed)
        body = response.json()
        results[key] = {
            "count": body.get("count"),
            "identifiers": [r["identifier"] for r in body.get("results", [])],
            "facets": body.get("facets", {}),
        }
    # Cached: the same requests again, as a busy site answers its common searches.
    for _kind, _key, params in plan:
        query = urlencode(params)
        samples["search (cached)"].append(timed_get(client, f"/search/?{query}", 200))
        samples["api (cached)"].append(timed_get(client, f"/api/search/?{query}", 200))
    for identifier, number in targets:
        samples["document"].append(timed_get(client, f"/documents/{quote(identifier)}/", 200))
        samples["paragraph"].append(timed_get(client, f"/documents/{quote(identifier)}/p/{number}/", 302))
    samples.update(web_benchmark.cited_page_samples(client, len(targets), timed_get))
    quotes = quote_benchmark.quote_samples(client)
    samples[quote_benchmark.PAGE] = quotes.pop("ms")
    return {
        "engine": engine,
        "documents": Document.objects.count(),
        "first_request_ms": {page: round(ms, 1) for page, ms in first.items()},
        "latency_ms": {page: percentiles(values) for page, values in samples.items()},
        "latency_by_kind_ms": {
            page: {kind: percentiles(values) for kind, values in kinds.items()}
            for page, kinds in by_kind.items()
        },
        "search_cpu_ms": {
            "all": percentiles([ms for values in cpu.values() for ms in values]),
            "by_kind": {kind: percentiles(values) for kind, values in cpu.items()},
        },
        "results": results,
        "quote_finder": quotes,
    }


# Printing


def table(figures: dict) -> str:
    lines = [
        f"Benchmark: {figures['count']:,} generated cables (seed {figures['seed']}), "
        f"{figures['queries_per_kind']} queries per kind",
    ]
    if "reused" in figures:
        lines[0] += f" (queries only, over {figures['reused']})"
    else:
        lines += build_lines(figures) + web_benchmark.lines(figures)
    lines += latency_lines(figures)
    if "peers" in figures:
        from tools.peer_benchmark import peer_lines

        lines += peer_lines(figures["peers"])
    return "\n".join(lines)


def build_lines(figures: dict) -> list[str]:
    return [
        f"  import            {figures['import_seconds']:>9.1f} s   {figures['import_rate']:>8.1f} cables/s",
        f"  index             {figures['index_seconds']:>9.1f} s   {figures['index_rate']:>8.1f} cables/s",
        f"  import + index    {figures['import_and_index_seconds']:>9.1f} s",
        f"  index size        {figures['index_mb']:>9.1f} MB  (database {figures['database_mb']:.1f} MB)",
        f"  peak memory       {figures['peak_memory_mb']:>9.1f} MB",
    ]


def latency_lines(figures: dict) -> list[str]:
    lines = ["  latency (ms)          n      p50      p95      max"]
    for page, stats in figures["latency_ms"].items():
        lines.append(
            f"  {page:<16} {stats['n']:>6} {fmt(stats['p50'])} {fmt(stats['p95'])} {fmt(stats['max'])}"
        )
    first = figures.get("first_request_ms") or {}
    if "worker start" in first:
        lines.append(
            f"  new worker: start {first['worker start']:.0f} ms (loading the application, then "
            f"opening views, templates and index {first.get('worker prepare', 0):.0f} ms), "
            f"first search page {first['search']:.0f} ms, first API search {first['api']:.0f} ms"
        )
    quotes = figures.get("quote_finder")
    if quotes:
        lines.append(
            f"  quote finder: of {quotes['passages']} mangled passages, {quotes['found']} found their "
            f"paragraph among the first {quote_benchmark.TOP} answers, "
            f"{quotes.get('equally_in_others', 0)} were matched as well by other paragraphs"
        )
    cpu = figures.get("search_cpu_ms")
    if cpu:
        stats = cpu["all"]
        lines.append(
            f"  search (CPU ms)  {stats['n']:>6} {fmt(stats['p50'])} {fmt(stats['p95'])} {fmt(stats['max'])}"
        )
    lines.append("  search page by kind (ms)  p50      p95" + ("   CPU p50  CPU p95" if cpu else ""))
    for kind, stats in figures["latency_by_kind_ms"]["search"].items():
        line = f"    {kind:<20} {fmt(stats['p50'])} {fmt(stats['p95'])}"
        if cpu:
            line += f" {fmt(cpu['by_kind'][kind]['p50'])} {fmt(cpu['by_kind'][kind]['p95'])}"
        lines.append(line)
    stock = figures.get("stock")
    if stock:
        lines.append(
            f"  stock Whoosh: index {stock['index_seconds']:.1f} s ({stock['index_rate']:.1f} cables/s, "
            f"{stock['index_mb']:.1f} MB)"
        )
        for page in ("search", "api"):
            s = stock["latency_ms"][page]
            lines.append(
                f"    {page:<14} p50 {fmt(s['p50'])} p95 {fmt(s['p95'])}  "
                f"ours is {stock['speedup_p50'][page]}x faster (p50)"
            )
        lines.append(
            f"    faceted searches (median per-kind p50 ratio): {stock['speedup_faceted_search_p50']}x faster"
        )
        lines.append(
            f"    results compared: {stock['queries_compared']} queries, "
            f"{len(stock['differences'])} differences (see JSON)"
        )
    return lines


def fmt(value) -> str:
    return f"{value:>8.1f}" if value is not None else "       -"
