"""The search engine sits behind one seam: the product never imports Whoosh, and a haystack
backend without Quipu's extension points gets their plain fallbacks."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from haystack.backends import BaseSearchBackend

from archive.search.engine import (
    PLAIN_ANALYSIS,
    PlainExtensions,
    SearchEngineExtensions,
    UnsupportedBackend,
    extensions,
    search_engine,
)
from tests.conftest import ROOT

LOAD_THE_SITE = """
import sys
import django
django.setup()
from django.urls import resolve, reverse
import archive.admin, archive.urls, archive.views.api, archive.views.documents
import archive.views.health, archive.views.search
for name in ("home", "search", "api_search", "healthz"):
    resolve(reverse(name))
resolve("/documents/07LIMA3429/")
resolve("/admin/archive/document/")
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("whoosh", "quipu_whoosh"))
print(loaded)
"""


def whoosh_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "whoosh"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("whoosh_backend"):
            found.append(node.module)
    return found


def test_no_module_of_the_product_imports_whoosh():
    offenders = {
        str(path.relative_to(ROOT)): imports
        for path in sorted((ROOT / "archive").rglob("*.py"))
        if (imports := whoosh_imports(path))
    }
    assert offenders == {}


def test_the_site_loads_without_whoosh_when_the_engine_is_elasticsearch(tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "SEARCH_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="archive.settings",
        ARCHIVE_DATA_DIR=str(tmp_path / "data"),
        SEARCH_URL="elasticsearch://127.0.0.1:9200/quipu",  # no server needed: nothing is searched
    )
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THE_SITE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class BareBackend(BaseSearchBackend):
    """A haystack backend that declares none of Quipu's extension points (like Elasticsearch's)."""

    def __init__(self):
        super().__init__("default")
        self.updated, self.removed = [], []

    def update(self, index, iterable, commit=True):
        assert not self.silently_fail  # an error must reach the index queue
        self.updated += list(iterable)

    def remove(self, obj_or_string, commit=True):
        self.removed.append(obj_or_string)


def test_a_backend_without_extension_points_gets_the_plain_fallbacks():
    backend = BareBackend()
    engine = extensions(backend)

    assert isinstance(engine, PlainExtensions) and engine.haystack_backend is backend
    assert engine.suggest_words(["embasy"]) == {}
    assert engine.analysis() is PLAIN_ANALYSIS
    assert not engine.has_bulk_sessions and engine.open_bulk_session() is None
    with pytest.raises(UnsupportedBackend):
        engine.check_index(None)


def test_the_plain_write_goes_through_haystacks_api_and_restores_silent_failure():
    backend = BareBackend()

    extensions(backend).write(None, ["a document"], ["archive.document.7"])

    assert backend.updated == ["a document"] and backend.removed == ["archive.document.7"]
    assert backend.silently_fail  # as it was, for searches


@pytest.mark.django_db
def test_the_whoosh_engine_declares_its_own_extension_points():
    engine = search_engine()

    assert isinstance(engine, SearchEngineExtensions) and not isinstance(engine, PlainExtensions)
    assert engine.has_bulk_sessions
    assert engine.analysis().stem("embassies") == engine.analysis().stem("Embassy".lower())
