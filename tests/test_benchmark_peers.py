"""`manage.py benchmark --peers`: Quipu beside tantivy and SQLite FTS5 on the same documents."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import ROOT

ENGINES = {"page", "api", "tantivy", "fts5"}


@pytest.mark.slow
def test_the_peers_run_end_to_end_and_print_a_table_per_engine(tmp_path):
    pytest.importorskip("tantivy", reason="tantivy is benchmark-only: pip install -r requirements-bench.txt")
    out = tmp_path / "figures.json"
    completed = subprocess.run(
        [sys.executable, "manage.py", "benchmark", "--count", "200", "--queries-per-kind", "2"]
        + ["--peers", "tantivy,fts5", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(out.read_text())
    peers = figures["peers"]
    assert set(peers["latency_ms"]) == ENGINES
    for name in ENGINES:
        stats = peers["latency_ms"][name]
        assert stats["n"] == 16 and 0 < stats["p50"] <= stats["p95"], name
    assert peers["ratio_to_tantivy"]["tantivy"] == {"p50": 1.0, "p95": 1.0}
    for name in ("tantivy", "fts5"):
        # The generated cables and the articles that quote them: all that Quipu's index holds.
        assert peers["index"][name]["documents"] == peers["documents"] == figures["documents"] > 200
        assert peers["agreement"][name]["compared"] == 16
    for line in ("Quipu page", "Quipu API", "p95 ×tantivy", "hit counts agreeing"):
        assert line in completed.stdout, line


def test_a_missing_peer_library_names_the_requirements_file(monkeypatch):
    monkeypatch.setitem(sys.modules, "tantivy", None)  # what an environment without it gives
    with pytest.raises(CommandError, match="pip install -r requirements-bench.txt"):
        call_command("benchmark", peers="tantivy,fts5")


def test_an_unknown_peer_is_refused_with_the_choices():
    with pytest.raises(CommandError, match="unknown peer lucene: choose from tantivy, fts5"):
        call_command("benchmark", peers="lucene")
