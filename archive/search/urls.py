"""SEARCH_URL → a haystack connection.

    whoosh:///abs/path                      the embedded engine (default: <data dir>/whoosh)
    elasticsearch://host:9200/index         haystack's Elasticsearch 7 backend
    elasticsearch5://host:9200/index        haystack's Elasticsearch 5 backend
    solr://host:8983/solr/core              haystack's Solr backend

Only the Whoosh engine is ours (quipu_whoosh, a subclass of haystack's); the others are
haystack's own backends, unchanged, so scale-out is configuration.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

WHOOSH_ENGINE = "quipu_whoosh.backend.QuipuWhooshEngine"
ELASTICSEARCH_ENGINES = {
    "elasticsearch": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
    "elasticsearch7": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
    "elasticsearch5": "haystack.backends.elasticsearch5_backend.Elasticsearch5SearchEngine",
}
SOLR_ENGINE = "haystack.backends.solr_backend.SolrEngine"


def _fail(url: str, why: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"SEARCH_URL {url!r} {why}")


def search_connection_from_url(url: str, data_dir: Path) -> dict:
    if not url:
        return {"ENGINE": WHOOSH_ENGINE, "PATH": str(data_dir / "whoosh")}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "whoosh":
        if parts.netloc or not parts.path.startswith("/"):
            raise _fail(url, "must be whoosh:///absolute/path (three slashes)")
        return {"ENGINE": WHOOSH_ENGINE, "PATH": parts.path}
    if scheme in ELASTICSEARCH_ENGINES:
        index = parts.path.strip("/")
        if not parts.hostname or not index or "/" in index:
            raise _fail(url, "must be elasticsearch://host:port/index_name")
        return {
            "ENGINE": ELASTICSEARCH_ENGINES[scheme],
            "URL": f"http://{parts.netloc}/",
            "INDEX_NAME": index,
        }
    if scheme == "solr":
        if not parts.hostname or not parts.path.strip("/"):
            raise _fail(url, "must be solr://host:port/solr/core")
        return {"ENGINE": SOLR_ENGINE, "URL": f"http://{parts.netloc}{parts.path.rstrip('/')}"}
    raise _fail(url, "has an unknown scheme: use whoosh://, elasticsearch://, elasticsearch5:// or solr://")
