"""The archive as `make run` serves it: gunicorn, whitenoise, production settings, health checks.

A gunicorn with two workers on 127.0.0.1 serves a data directory of its own, prepared as
`make data` does (seeds imported and indexed, static files collected with hashed names).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from pathlib import Path

import pytest
from django.urls import path

from archive.urls import urlpatterns as archive_urlpatterns
from tests.serving_support import Gunicorn, archive_environment, fetch, free_port, prepare_archive

FAR_FUTURE = "max-age=315360000, public, immutable"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("serving")
    prepare_archive(archive_environment(directory), static=True)
    return directory


@pytest.fixture(scope="module")
def server(data_dir):
    with Gunicorn(archive_environment(data_dir), workers=2) as gunicorn:
        yield gunicorn


def health(server) -> tuple[int, dict]:
    status, headers, body = fetch(server.url("/healthz"))
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)


def test_the_home_page_is_served_without_a_version_banner(server):
    status, headers, body = fetch(server.url("/"))

    assert status == 200
    assert b"Quipu" in body
    assert headers["Server"] == "gunicorn"  # no "gunicorn/<version>"
    assert "X-Powered-By" not in headers


def test_each_worker_opens_the_views_and_the_index_before_its_first_request(server):
    def workers_ready() -> set[str]:
        return set(re.findall(r"worker (\d+) ready in \d+\.\d+ s", server.log()))

    deadline = time.monotonic() + 30
    while len(workers_ready()) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)

    assert len(workers_ready()) == 2
    assert "could not prepare the worker" not in server.log()


def test_stylesheets_have_hashed_names_and_are_cached_for_ever(server):
    _, _, body = fetch(server.url("/"))
    stylesheet = re.search(rb'href="(/static/css/quipu\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "the home page links no hashed stylesheet"

    status, headers, css = fetch(server.url(stylesheet.group(1).decode()))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers["Cache-Control"] == FAR_FUTURE
    assert b"{" in css

    _, compressed, _ = fetch(server.url(stylesheet.group(1).decode()), headers={"Accept-Encoding": "gzip"})
    assert compressed["Content-Encoding"] == "gzip"


def test_an_unknown_url_gets_the_custom_404_page_not_a_debug_page(server):
    status, headers, body = fetch(server.url("/no/such/page/"))

    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"There is no page at /no/such/page/" in body
    for debug_marker in (b"Traceback", b"DEBUG = True", b"URLconf", b"Django tried these URL patterns"):
        assert debug_marker not in body


def test_health_check_is_ok_when_database_and_index_are_readable(server):
    status, report = health(server)

    assert status == 200
    assert report == {"status": "ok", "database": True, "search_index": True}
    assert "no-cache" in fetch(server.url("/healthz"))[1]["Cache-Control"]


def test_health_check_fails_while_the_search_index_is_missing(server, data_dir):
    index, moved = data_dir / "whoosh", data_dir / "whoosh-moved-away"
    index.rename(moved)
    try:
        reports = [health(server) for _ in range(6)]  # reach both workers
    finally:
        if index.exists():  # a worker's haystack setup may have created it again, empty
            shutil.rmtree(index)
        moved.rename(index)

    assert {status for status, _ in reports} == {503}
    assert all(r == {"status": "unavailable", "database": True, "search_index": False} for _, r in reports)
    assert health(server) == (200, {"status": "ok", "database": True, "search_index": True})


def test_health_check_fails_while_the_database_file_is_missing(server, data_dir):
    files = [data_dir / f"archive.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    aside = data_dir / "database-moved-away"
    aside.mkdir()
    for file in files:
        if file.exists():
            file.rename(aside / file.name)
    try:
        # SQLite opens a new, empty database in its place: no tables, so not healthy.
        reports = [health(server) for _ in range(6)]
    finally:
        for file in files:
            file.unlink(missing_ok=True)
        for file in aside.iterdir():
            file.rename(data_dir / file.name)
        aside.rmdir()

    assert {status for status, _ in reports} == {503}
    assert all(r["database"] is False for _, r in reports)
    assert health(server)[0] == 200


def test_a_database_outage_gives_503_health_and_the_custom_500_page(data_dir):
    unreachable = f"postgresql://quipu@127.0.0.1:{free_port()}/quipu"
    env = archive_environment(data_dir, database_url=unreachable)
    with Gunicorn(env, workers=1, log_path=data_dir / "outage.log") as outage:
        health_status, report = health(outage)
        status, headers, body = fetch(outage.url("/"))
        log = outage.log()

    assert (health_status, report) == (
        503,
        {"status": "unavailable", "database": False, "search_index": True},
    )
    assert status == 500
    assert headers["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in body
    assert b"Traceback" not in body and b"OperationalError" not in body
    assert "ERROR django.request: Internal Server Error: /" in log  # logged with the request's path
    assert "Traceback" in log


# The 500 page through Django's own handler, with a view that fails.


def failing_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("fails/", failing_view), *archive_urlpatterns]


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.mark.urls(__name__)
def test_an_unhandled_error_renders_the_custom_500_page_and_logs_the_request(client, db):
    records = Records()
    logger = logging.getLogger("django.request")  # does not propagate to the root (settings.LOGGING)
    logger.addHandler(records)
    client.raise_request_exception = False
    try:
        response = client.get("/fails/", {"q": "embassy"})
    finally:
        logger.removeHandler(records)

    assert response.status_code == 500
    assert [t.name for t in response.templates] == ["500.html"]
    assert b"Something went wrong" in response.content
    assert b"a bug in a view" not in response.content
    [record] = records.records
    assert record.levelname == "ERROR"
    assert record.status_code == 500
    assert record.request.get_full_path() == "/fails/?q=embassy"
    assert record.exc_info[0] is RuntimeError
