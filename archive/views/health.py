"""GET /healthz: 200 when the database and the search index can be read, 503 otherwise.

Both checks read something real: `SELECT 1` succeeds on an SQLite file that has just been
created empty in place of a lost database, and haystack's Whoosh backend quietly creates an
empty index where the index directory has gone.
"""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from haystack import connections as search_connections
from haystack.query import SearchQuerySet

from archive.models import Document

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        Document.objects.order_by().values_list("pk").first()
        return True
    except Exception:
        logger.exception("health check: database unreadable")
        return False


def search_index_ok() -> bool:
    try:
        backend = search_connections["default"].get_backend()
        if hasattr(backend, "index_is_readable"):
            return bool(backend.index_is_readable())
        if getattr(backend, "use_file_storage", False):  # Whoosh on disk
            return whoosh_index_readable(backend)
        list(SearchQuerySet().models(Document)[:1])  # Elasticsearch, Solr: one real query
        return True
    except Exception:
        logger.exception("health check: search index unreadable")
        return False


def whoosh_index_readable(backend) -> bool:
    from whoosh.index import exists_in

    # Before the backend's setup(), which would create a missing index empty.
    if not exists_in(backend.path):
        logger.error("health check: no search index in %s", backend.path)
        return False
    if not backend.setup_complete:
        backend.setup()
    with backend.index.reader() as reader:  # opens every segment of the latest generation
        reader.doc_count()
    return True


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "search_index": search_index_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
