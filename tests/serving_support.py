"""A real archive outside the test process: its own data directory, database and gunicorn.

Used by the multi-process tests (test_concurrency, test_serving, test_load) and by
tests/benchmarks/load_check.py. Everything listens on 127.0.0.1 only.

    env = archive_environment(tmp_path)
    prepare_archive(env, corpus=True)           # migrate, import, rebuild_index, collectstatic
    with Gunicorn(env, workers=2) as server:    # a free port, waits until it answers
        status, headers, body = fetch(server.url("/healthz"))
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT / "tests" / "data" / "corpus"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET_KEY = "multi-process-tests-only-" + "k" * 40


def archive_environment(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a separate archive: none of the caller's archive settings leak in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_", "ARCHIVE_", "WEB_CONCURRENCY", "GUNICORN_"))
    }
    env.update(
        ARCHIVE_DATA_DIR=str(data_dir),
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="archive.settings",
        ARCHIVE_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run a management command; its output, or an AssertionError with it."""
    completed = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def prepare_archive(env: dict[str, str], corpus: bool = False, static: bool = False) -> None:
    """What `make data` does: migrate, import the seeds (and the corpus), build the index."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    sources = [str(SEEDS)] + ([str(CORPUS)] if corpus else [])
    manage(env, "import_documents", *sources, "--verbosity", "0")
    manage(env, "rebuild_index", "--noinput", "--verbosity", "0")
    if static:
        manage({**env, "ARCHIVE_HASHED_STATIC": "1"}, "collectstatic", "--noinput", "--verbosity", "0")


def snapshot(env: dict[str, str]) -> dict:
    """Every document's title and tags in the database and in the index, and the queue's length."""
    completed = subprocess.run(
        [PYTHON, "-m", "tests.index_contention", "snapshot"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if completed.returncode != 0:
        raise AssertionError(f"snapshot failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout)


def indexed_as_stored(snapshot: dict) -> bool:
    """The index holds exactly the database's documents, with their titles and tags."""
    database = {pk: {"title": d["title"], "tags": d["tags"]} for pk, d in snapshot["database"].items()}
    return snapshot["index"] == database


# PostgreSQL: a throw-away database next to the one DATABASE_URL names.


def postgres_url() -> str:
    """DATABASE_URL when it names a PostgreSQL server, else ""."""
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"} else ""


@contextlib.contextmanager
def fresh_postgres_database(url: str, prefix: str = "quipu_multiprocess") -> Iterator[str]:
    """CREATE a new, empty database on the server `url` points to; yields its URL; DROPs it."""
    import psycopg

    parts = urlsplit(url)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# HTTP


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def fetch(url: str, timeout: float = 30, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; 4xx, 5xx and redirects are answers, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


class Gunicorn:
    """gunicorn serving archive.wsgi on 127.0.0.1 and a free port, with gunicorn.conf.py.

    Its log (access and error) goes to `log_path`. No control socket: several test servers,
    or a developer's `make run`, would otherwise share $HOME/.gunicorn/gunicorn.ctl.
    """

    def __init__(self, env: dict[str, str], workers: int = 2, log_path: Path | None = None):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.log_path = log_path or Path(env["ARCHIVE_DATA_DIR"]) / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Gunicorn:
        command = [
            GUNICORN,
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--no-control-socket",
            "archive.wsgi",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self.wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wait_until_serving(self, timeout: float = 30) -> None:
        """Until every worker has booted and the port answers with our own app."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            booted = self.log().count("Booting worker")
            if booted >= self.workers:
                try:
                    status, headers, _ = fetch(self.url("/healthz"), timeout=5)
                except OSError:
                    status, headers = 0, {}
                if status and headers.get("Server") == "gunicorn":
                    return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
