"""How long the broadest queries an anonymous visitor can send take, on an existing archive.

    ARCHIVE_DATA_DIR=DIR .venv/bin/python -m tests.benchmarks.broad_queries [--repeat 1]

Sends each query to the search page and the JSON API in this process (Django's test client,
no server) and prints, per request, the status code, the wall-clock and CPU seconds and the
first words of the answer's message. Build the archive first, e.g.

    manage.py generate_corpus --count 20000 --seed 1 --out cables.csv
    manage.py import_documents --format cablegate-csv cables.csv
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from urllib.parse import urlencode

# 40 two-letter prefixes of common words: each expands to fewer words than the per-term limit.
PREFIXES = (
    "se co re pr de in st ca ma pa po di mi ge ha tr fo ex an ch "
    "pe go el su wo ac ar bo cl fi gr na of op pl ra sp te un ve"
).split()
FUZZY_WORDS = "embassy minister police army trade".split()
QUERIES = {
    "40 prefixes": " OR ".join(f"{prefix}*" for prefix in PREFIXES),  # the review's URL
    "5 prefixes": " OR ".join(f"{prefix}*" for prefix in PREFIXES[:5]),  # the most allowed by default
    "1 prefix": "se*",
    "5 fuzzy words": " OR ".join(f"{word}~2" for word in FUZZY_WORDS),
    "one common word": "embassy",
}
PATHS = {"page": "/search/", "api": "/api/search/"}


def message_of(path: str, body: bytes) -> str:
    """The error the answer carries, shortened; "" for results."""
    text = body.decode("utf-8", "replace")
    if path.startswith("/api/"):
        try:
            return json.loads(text).get("error", "")[:70]
        except ValueError:
            return text[:70]
    found = re.search(r'class="search-problem"[^>]*>\s*<p>([^<]{0,70})', text)
    return found.group(1).strip() if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="times each request is sent")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    from django.test import Client
    from haystack import connections

    documents = connections["default"].get_backend().searcher().doc_count()
    client = Client()
    client.get("/search/", {"q": "embassy"})  # the first search builds the per-index caches
    print(f"{documents:,} documents in the index")
    for name, query in QUERIES.items():
        for kind, path in PATHS.items():
            for _ in range(options.repeat):
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(f"{path}?{urlencode({'q': query})}")
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                note = message_of(path, response.content) if response.status_code != 302 else ""
                print(f"{name:16} {kind:4} {response.status_code}  {wall:7.2f} s  (CPU {cpu:6.2f} s)  {note}")


if __name__ == "__main__":
    main()
