"""`manage.py benchmark`: import, index and search a generated archive of N cables, timed.

    manage.py benchmark --count 10000 --compare-stock --json /tmp/bench.json
    manage.py benchmark --reuse --data-dir /tmp/bench10k --queries-per-kind 10   # queries only
    manage.py benchmark --count 10000 --peers tantivy,fts5   # beside tantivy and SQLite FTS5

Runs in a temporary data directory (its own database and index); the archive's own data
is never touched. The work lives in tools.benchmark.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools import benchmark
from tools.peer_benchmark import run_peer_queries
from tools.peers import PeerUnavailable, parse_peer_names


class Command(BaseCommand):
    help = (
        "Build an archive from a generated corpus of --count cables in a temporary data directory "
        "and print import and index rates, index size, peak memory and p50/p95/max latency of the "
        "search page, the search API, the document page and paragraph permalinks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="cables to generate (default 1000)")
        parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
        parser.add_argument(
            "--data-dir", type=Path, help="keep the archive in this directory (default: a temporary one)"
        )
        parser.add_argument(
            "--compare-stock",
            action="store_true",
            help="also index into haystack's stock Whoosh backend and compare speed and results",
        )
        parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
        parser.add_argument(
            "--queries-per-kind", type=int, default=20, help="requests per query kind (default 20)"
        )
        parser.add_argument(
            "--index-while-importing",
            action="store_true",
            help="index during the import (after each batch) instead of rebuild_index afterwards",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="only run the queries over the archive an earlier run left in --data-dir",
        )
        parser.add_argument(
            "--peers",
            default="",
            help="also index into these engines and run the same queries on all, interleaved: "
            "tantivy, fts5 (needs: pip install -r requirements-bench.txt)",
        )
        parser.add_argument(
            "--peer-dir", type=Path, help="where the peers' indexes go (default: DATA_DIR/peers)"
        )
        # Internal: the phases that run inside the benchmark's data directory.
        parser.add_argument("--phase", choices=["queries", "stock-index", "peers"], help="(internal)")
        parser.add_argument("--engine", choices=["ours", "stock"], default="ours", help="(internal)")

    def handle(self, *args, **options):
        if options["phase"] == "stock-index":
            benchmark.build_stock_index()
            return
        if options["phase"] == "queries":
            results = benchmark.run_queries(max(1, options["queries_per_kind"]), options["engine"])
            options["json"].write_text(json.dumps(results, indent=1, ensure_ascii=False))
            return
        peers = self.peer_names(options["peers"])
        if options["phase"] == "peers":
            results = run_peer_queries(
                max(1, options["queries_per_kind"]),
                peers,
                options["peer_dir"],
                options["reuse"],
                log=self.stderr.write,
            )
            options["json"].write_text(json.dumps(results, indent=1, ensure_ascii=False))
            return
        if options["count"] < 1 or options["queries_per_kind"] < 1:
            raise CommandError("--count and --queries-per-kind must be at least 1")
        if options["reuse"] and not options["data_dir"]:
            raise CommandError("--reuse needs the --data-dir of an earlier run")
        figures = benchmark.run_benchmark(
            benchmark.Options(
                count=options["count"],
                seed=options["seed"],
                data_dir=options["data_dir"],
                compare_stock=options["compare_stock"],
                queries_per_kind=options["queries_per_kind"],
                index_while_importing=options["index_while_importing"],
                reuse=options["reuse"],
                peers=peers,
                peer_dir=options["peer_dir"],
            ),
            log=self.stderr.write,
        )
        self.stdout.write(benchmark.table(figures))
        text = json.dumps(figures, indent=1, ensure_ascii=False)
        self.stdout.write(text)
        if options["json"]:
            options["json"].write_text(text)

    def peer_names(self, text: str) -> list[str]:
        if not text:
            return []
        try:
            return parse_peer_names(text)
        except PeerUnavailable as problem:
            raise CommandError(str(problem)) from None
