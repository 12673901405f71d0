"""GET /healthz: 200 when the database and the search index can be read, 503 otherwise.

Both checks read something real: `SELECT 1` succeeds on an SQLite file that has just been
created empty in place of a lost database, and haystack's Whoosh backend quietly creates an
empty index where the index directory has gone (the engine's index_is_readable looks first).
"""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from archive.models import Document
from archive.search.engine import search_engine

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
        return bool(search_engine().index_is_readable())
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
