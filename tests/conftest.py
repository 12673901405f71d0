"""Shared test fixtures: real files, a real database, a real Whoosh index in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT / "tests" / "data" / "corpus"
# Pages of the development set, gzipped, with their ground truth (manifest.jsonl).
DEV = ROOT / "tests" / "data" / "dev"

SEED_FILES = {
    "afps": SEEDS / "000_f1a5bffcff5d95a5.txt",
    "dod": SEEDS / "001_d4d0137bfe0cad88.txt",
    "cable": SEEDS / "002_97bee5f77f2f9dbc.txt",
    "andina": SEEDS / "003_5cb318a38dddfc00.txt",
    "dialogo": SEEDS / "004_2d5634a3f7debac5.txt",
}


def corpus_pages() -> list[Path]:
    return sorted(CORPUS.rglob("*.html"))


def unpack_dev_pages(target: Path) -> Path:
    """The development-set pages as the site served them, under `target` (YYYY/MM/<ID>.html)."""
    import gzip
    import shutil

    for packed in DEV.rglob("*.html.gz"):
        page = target / packed.relative_to(DEV).with_suffix("")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(gzip.decompress(packed.read_bytes()))
    shutil.copy(DEV / "manifest.jsonl", target / "manifest.jsonl")
    return target


@pytest.fixture(scope="session")
def dev_pages(tmp_path_factory) -> Path:
    return unpack_dev_pages(tmp_path_factory.mktemp("dev"))


@pytest.fixture(scope="session")
def dev_page(dev_pages):
    """The path of one development-set page, by reference ID."""

    def find(identifier: str) -> Path:
        (page,) = dev_pages.rglob(f"{identifier}.html")
        return page

    return find


def django_configured() -> bool:
    try:
        from django.conf import settings

        return settings.configured
    except ImportError:
        return False


@pytest.fixture(scope="session", autouse=True)
def search_index_dir(tmp_path_factory):
    """Point the search engine at a throw-away index for the whole run.

    Haystack builds a connection per thread from `connections_info`, so changing
    it before the first search also covers the live server's thread.
    """
    path = tmp_path_factory.mktemp("whoosh")
    if not django_configured():  # plain parser tests run with `-p no:django`
        yield path
        return
    from haystack import connections

    info = connections.connections_info["default"]
    original = dict(info)
    if "whoosh" in info.get("ENGINE", "").lower() or info.get("ENGINE", "").startswith("archive."):
        info["PATH"] = str(path)
    connections.reload("default")
    yield path
    info.clear()
    info.update(original)


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def uses_database(request) -> bool:
    return bool(request.node.get_closest_marker("django_db")) or bool(
        DATABASE_FIXTURES & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def empty_search_index(request, search_index_dir):
    """Every database test starts from an empty index; pytest-django rolls the database back."""
    if not django_configured() or not uses_database(request):
        yield
        return
    from haystack import connections

    connections["default"].get_backend().clear()
    yield
    connections["default"].get_backend().clear()


@pytest.fixture
def import_file(db):
    """Import one real file through the same path as the command."""
    from archive.importers.loader import import_file as run_import

    def _import(path: Path, **kwargs):
        return run_import(Path(path), **kwargs)

    return _import


@pytest.fixture
def seeds(import_file):
    """All five seed documents, imported; returns {name: Document}."""
    from archive.models import Document

    results = {name: import_file(path) for name, path in SEED_FILES.items()}
    return {name: Document.objects.get(identifier=r.identifier) for name, r in results.items()}
