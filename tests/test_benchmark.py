"""`manage.py benchmark` at a size CI can afford: every figure is measured and reported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

PAGES = (
    *("search", "api", "search (cached)", "api (cached)"),
    *("document", "paragraph", "cited cable", "quote finder"),
)


def test_a_small_benchmark_reports_every_figure_as_json(tmp_path):
    out = tmp_path / "figures.json"
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "benchmark",
            "--count",
            "300",
            "--queries-per-kind",
            "2",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["count"] == 300
    assert figures["articles"] == 3  # one per hundred cables
    assert figures["documents"] == 303
    for name in (
        "import_rate",
        "index_rate",
        "index_mb",
        "peak_memory_mb",
        "import_and_index_seconds",
        "relink_seconds",
    ):
        assert figures[name] > 0, name
    for page in PAGES:
        stats = figures["latency_ms"][page]
        assert stats["n"] >= 2, page
        assert 0 < stats["p50"] <= stats["p95"] <= stats["max"], page
    assert set(figures["latency_by_kind_ms"]["search"]) == {
        "common",
        "rare",
        "phrase",
        "boolean",
        "facet_filter",
        "date_range",
        "browse",
        "no_hit",
    }
    first = figures["first_request_ms"]
    assert first["worker start"] > 0 and first["search"] > 0 and first["api"] > 0
    assert "import" in completed.stdout and "p95" in completed.stdout
    assert "new worker: start" in completed.stdout
    assert "search (cached)" in completed.stdout and "api (cached)" in completed.stdout
    assert "relink" in completed.stdout and "cited cable" in completed.stdout
    quotes = figures["quote_finder"]
    assert quotes["passages"] == 100
    assert 0 < quotes["found"] <= quotes["found"] + quotes["equally_in_others"] <= 100
    assert "quote finder: of 100 mangled passages" in completed.stdout
