"""GET /healthz: 200 when the database and the search index can be read, 503 otherwise."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from haystack import connections as search_connections
from haystack.query import SearchQuerySet

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database unreadable")
        return False


def search_index_ok() -> bool:
    try:
        backend = search_connections["default"].get_backend()
        if hasattr(backend, "index_is_readable"):
            return backend.index_is_readable()
        SearchQuerySet().filter(identifier="healthz")[:1].count()
        return True
    except Exception:
        logger.exception("health check: search index unreadable")
        return False


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "search_index": search_index_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
