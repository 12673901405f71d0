"""A short load check (tests/benchmarks/load_check.py): no request fails under gunicorn while
another process tags documents, and the index still matches the database afterwards."""

from __future__ import annotations

import pytest

from tests.benchmarks.load_check import request_mix, run_load, tagging
from tests.serving_support import (
    Gunicorn,
    archive_environment,
    fresh_postgres_database,
    indexed_as_stored,
    manage,
    postgres_url,
    prepare_archive,
    snapshot,
)

pytestmark = pytest.mark.slow

REQUESTS = 300
CONCURRENCY = 8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, tmp_path_factory):
    """The seeds and the corpus, indexed, static files collected; the archive's environment."""
    data_dir = tmp_path_factory.mktemp(f"load-{request.param}")
    if request.param == "sqlite":
        env = archive_environment(data_dir)
        prepare_archive(env, corpus=True, static=True)
        yield env
        return
    url = postgres_url()
    if not url:
        pytest.skip("PostgreSQL variant: DATABASE_URL names no PostgreSQL server")
    with fresh_postgres_database(url, prefix="quipu_load") as database_url:
        env = archive_environment(data_dir, database_url)
        prepare_archive(env, corpus=True, static=True)
        yield env


def test_no_request_fails_under_load_while_documents_are_tagged(archive, tmp_path):
    with Gunicorn(archive, workers=2) as server:
        paths = request_mix(server.url(""))
        with tagging(archive, tmp_path) as tagger:
            result = run_load(server.url(""), paths, REQUESTS, CONCURRENCY)
        server_log = server.log()
    print(f"\n{result.summary()}; meanwhile {tagger['edits']} tag edits by another process")

    assert len(result.latencies) == REQUESTS
    assert result.failures == []
    assert tagger["edits"] > 0
    assert tagger["errors"] == [] and tagger["logged_problems"] == []
    assert "Traceback" not in server_log

    manage(archive, "process_index_queue", "--wait", "30")
    after = snapshot(archive)
    assert after["pending"] == 0
    assert indexed_as_stored(after)
