"""A short load check: searches, facets, document pages and the JSON API under gunicorn while
another process tags documents. Prints the failures and the latency percentiles.

    .venv/bin/python -m tests.benchmarks.load_check                  # a temporary archive
    .venv/bin/python -m tests.benchmarks.load_check --requests 1000 --concurrency 16 --workers 3
    .venv/bin/python -m tests.benchmarks.load_check --url http://127.0.0.1:8000   # a running server

Without --url it prepares a temporary archive (the seeds and the corpus, indexed, static files
collected), serves it with gunicorn on 127.0.0.1 and runs a tagging process for the duration.
With --url it only sends the requests (no tagging). A failure is any answer outside 2xx/3xx,
or no answer. tests/test_load.py runs the same check and asserts that none failed.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.serving_support import PYTHON, ROOT, Gunicorn, archive_environment, fetch, prepare_archive

SEARCH_WORDS = ["embassy", "military", "security", "minister", "peru", "drug", "cooperation"]
FACETS = ["type", "origin", "classification", "tag"]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, one per request
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0

    def summary(self) -> str:
        count = len(self.latencies)
        return (
            f"{count} requests in {self.elapsed:.1f} s ({count / self.elapsed:.1f}/s), "
            f"{len(self.failures)} failed; latency p50 {self.percentile(0.5) * 1000:.0f} ms, "
            f"p95 {self.percentile(0.95) * 1000:.0f} ms, max {max(self.latencies, default=0) * 1000:.0f} ms"
        )


def request_mix(base_url: str) -> list[str]:
    """The paths to cycle through, built from what the archive holds."""
    _, _, body = fetch(f"{base_url}/api/documents/?page_size=100")
    identifiers = [document["identifier"] for document in json.loads(body)["results"]]
    _, _, body = fetch(f"{base_url}/api/search/?q=embassy")
    facets = json.loads(body)["facets"]
    paths = []
    for n, word in enumerate(SEARCH_WORDS):
        paths.append(f"/search/?{urlencode({'q': word})}")
        paths.append(f"/api/search/?{urlencode({'q': word, 'page': 1 + n % 2})}")
        facet = FACETS[n % len(FACETS)]
        for value, _count in facets.get(facet, [])[:2]:
            paths.append(f"/search/?{urlencode({'q': word, facet: value})}")
        paths.append(f"/documents/{identifiers[n % len(identifiers)]}/")
    paths += [f"/documents/{identifier}/" for identifier in identifiers[len(SEARCH_WORDS) :: 4]]
    paths += ["/", "/search/?sort=newest", "/api/search/?q=tag%3AMARR"]
    return paths


def run_load(base_url: str, paths: list[str], requests: int = 300, concurrency: int = 8) -> LoadResult:
    """Send `requests` GETs cycling through `paths`, `concurrency` at a time."""
    result = LoadResult()

    def one(path: str) -> None:
        started = time.perf_counter()
        try:
            status, _, _ = fetch(base_url + path, timeout=60)
        except OSError as error:
            status = f"no answer ({error})"
        result.latencies.append(time.perf_counter() - started)
        if not (isinstance(status, int) and 200 <= status < 400):
            result.failures.append(f"{status} {path}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, itertools.islice(itertools.cycle(paths), requests)))
    result.elapsed = time.perf_counter() - started
    return result


@contextlib.contextmanager
def tagging(env: dict[str, str], directory: Path):
    """A process adding and removing tags through the ORM until the block ends; yields its report."""
    stop, out, log = directory / "stop-tagging", directory / "tagger.json", directory / "tagger.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [PYTHON, "-m", "tests.index_contention", "tagger", "--stop-file", str(stop), "--out", str(out)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    report: dict = {}
    try:
        yield report
    finally:
        stop.touch()
        if process.wait(timeout=60) != 0:
            raise AssertionError(f"the tagging process failed:\n{log.read_text()}")
        report.update(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (without --url)")
    parser.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000 (no tagging then)")
    args = parser.parse_args(argv)

    if args.url:
        base = args.url.rstrip("/")
        result = run_load(base, request_mix(base), args.requests, args.concurrency)
        print(result.summary())
        return 1 if result.failures else 0

    with tempfile.TemporaryDirectory(prefix="quipu-load-") as tmp:
        env = archive_environment(Path(tmp))
        print("preparing an archive (seeds and corpus)…", file=sys.stderr)
        prepare_archive(env, corpus=True, static=True)
        with Gunicorn(env, workers=args.workers) as server:
            paths = request_mix(server.url(""))
            with tagging(env, Path(tmp)) as tagger:
                result = run_load(server.url(""), paths, args.requests, args.concurrency)
    print(result.summary())
    print(f"meanwhile {tagger['edits']} tag edits by another process, {len(tagger['errors'])} failed")
    for failure in result.failures[:20]:
        print("  failed:", failure)
    return 1 if result.failures or tagger["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
