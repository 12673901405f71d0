"""A per-client limit on the expensive anonymous requests: exports and feeds.

A fixed window (ARCHIVE_EXPORT_WINDOW_SECONDS) and a count per client address
(archive.client_address, so a trusted proxy's X-Forwarded-For is honoured) kept in the
database, so every gunicorn worker counts the same requests. Past the limit the view answers
429 Too Many Requests with a Retry-After and a plain message.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse

from archive.client_address import client_address
from archive.models import ClientRequestCount


def window_start(now: float | None = None) -> int:
    seconds = settings.ARCHIVE_EXPORT_WINDOW_SECONDS
    now = time.time() if now is None else now
    return int(now // seconds * seconds)


def count_request(client: str, window: int) -> int:
    """Add one request of `client` to `window`; return its count so far."""
    counts = ClientRequestCount.objects.filter(client=client, window=window)
    if not counts.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                ClientRequestCount.objects.create(client=client, window=window, count=1)
            ClientRequestCount.objects.filter(window__lt=window).delete()  # windows gone by
            return 1
        except IntegrityError:  # another worker created it first
            counts.update(count=F("count") + 1)
    return counts.values_list("count", flat=True).first() or 1


def too_many(request) -> HttpResponse | None:
    """A 429 response when this client has used up its exports for now, else None (counted)."""
    limit = settings.ARCHIVE_EXPORTS_PER_WINDOW
    if not limit:
        return None
    window = window_start()
    client = client_address(request)[:64] or "unknown"
    if count_request(client, window) <= limit:
        return None
    retry_after = max(1, window + settings.ARCHIVE_EXPORT_WINDOW_SECONDS - int(time.time()))
    minutes = max(1, round(settings.ARCHIVE_EXPORT_WINDOW_SECONDS / 60))
    response = HttpResponse(
        f"Too many exports: at most {limit} exports and feed requests every {minutes} minutes "
        f"from one address. Try again in {retry_after} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    return response
