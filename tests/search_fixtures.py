"""Search fixtures: the seeds and the sample corpus, imported once per test module.

Import them into a test module with `from tests.search_fixtures import *`
(pytest registers fixtures found in the module's namespace).

`corpus` imports the 5 seeds and the 38 corpus cables through the real importer
(archive.importers.loader.import_file) inside a transaction that is rolled back after
the module, like Django's setUpTestData, and builds their index by draining the queue
the signals filled. `search_index` gives each test its own copy of that index in a
temporary directory; `client_with_index` adds a test client rendering plain static files.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "seeds"
CORPUS_DIR = ROOT / "tests" / "data" / "corpus"

__all__ = ["corpus", "search_index", "client_with_index", "plain_static"]


@dataclass
class Corpus:
    index_dir: Path
    identifiers: list[str]


@contextmanager
def using_index(path: Path):
    """Point haystack's default connection at the Whoosh index in `path` (a fresh backend)."""
    from haystack import connections

    info = connections.connections_info["default"]
    original = info.get("PATH")
    info["PATH"] = str(path)
    backend = connections.reload("default").get_backend()
    backend.setup()
    try:
        yield backend
    finally:
        backend.reset_searcher()
        info["PATH"] = original
        connections.reload("default")


def corpus_files() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.txt")) + sorted(CORPUS_DIR.rglob("*.html"))


@contextmanager
def imported_for_the_module(django_db_blocker, files: list[Path], index_dir: Path):
    """Import `files` through the real importer and index them in `index_dir`, inside a
    transaction rolled back when the block ends (a module-scoped fixture's lifetime); yields
    the identifiers imported."""
    from archive.importers.loader import FAILED, import_file
    from archive.search.indexing import drain_queue

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with using_index(index_dir):
                results = [import_file(path) for path in files]
                failed = [r for r in results if r.status == FAILED]
                assert not failed, failed
                drain_queue(wait=5)
            yield [r.identifier for r in results]
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker, tmp_path_factory) -> Corpus:
    index_dir = tmp_path_factory.mktemp("corpus-index")
    with imported_for_the_module(django_db_blocker, corpus_files(), index_dir) as identifiers:
        yield Corpus(index_dir, identifiers)


@pytest.fixture
def search_index(corpus, db, tmp_path):
    """This test's own copy of the corpus index; haystack uses it for the test's duration."""
    path = tmp_path / "whoosh"
    shutil.copytree(corpus.index_dir, path)
    with using_index(path) as backend:
        yield backend


@pytest.fixture
def plain_static(settings):
    """Templates link static files without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def client_with_index(search_index, plain_static, client):
    return client
