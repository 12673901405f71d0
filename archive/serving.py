"""What a web worker opens when it starts, so that its first request costs what any other does.

Django imports the views on the first request (the URLconf, ~0.2 s) and compiles each
template on first use; the search engine opens its index then too. gunicorn calls
prepare_worker once per worker, after the application is loaded (gunicorn.conf.py,
`post_worker_init`). It computes nothing that depends on the archive's size: the engine maps
what the index's last commit wrote (quipu_whoosh.column_store).

The objects loaded by then (modules, views, templates: ~60,000) are frozen out of the garbage
collector's sweeps, which a request would otherwise pay for; the index is opened after, as its
readers and caches are replaced when it changes.
"""

from __future__ import annotations

import gc
import logging
import time

from django.template.loader import get_template
from django.urls import get_resolver

from archive.search.engine import search_engine

logger = logging.getLogger(__name__)

FIRST_PAGES = ("archive/search.html", "archive/document.html", "archive/home.html")


def prepare_worker() -> float:
    """Import the views, compile the main templates and open the search index; the seconds
    it took. A failure is logged, never raised: the worker then opens them on first use."""
    started = time.perf_counter()
    try:
        get_resolver().url_patterns  # noqa: B018 (imports every view)
        for name in FIRST_PAGES:
            get_template(name)
    except Exception:
        logger.exception("could not prepare the worker; its first request will")
    # Frozen before the index opens: the index's readers and caches are replaced when it
    # changes, and frozen objects are never collected.
    gc.collect()
    gc.freeze()
    try:
        search_engine().open_for_serving()
    except Exception:
        logger.exception("could not prepare the worker; its first request will")
    return time.perf_counter() - started
