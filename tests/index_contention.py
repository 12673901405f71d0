"""Processes that change and search one archive at the same time (tests/test_concurrency.py).

Each role runs in its own OS process against the archive named by the environment
(ARCHIVE_DATA_DIR, DATABASE_URL), as gunicorn workers and management commands would:

    python -m tests.index_contention writer 0 --writers 3 --rounds 8 --out w0.json
    python -m tests.index_contention searcher --stop-file stop --out s.json
    python -m tests.index_contention tagger --stop-file stop --out t.json
    python -m tests.index_contention snapshot          # the database and the index, as JSON

A writer times every change from its commit until a search through the Django test client
shows it. Every role reports the warnings and errors logged in its process.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
import traceback
from pathlib import Path

VISIBILITY_LIMIT = 15.0  # seconds a writer waits to see its change before calling it lost
POLL_INTERVAL = 0.05


class LogRecorder(logging.Handler):
    """Every warning and error logged in the process, with its traceback."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.problems.append(text)


def setup() -> LogRecorder:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    recorder = LogRecorder()
    logging.getLogger().addHandler(recorder)
    # django.request does not propagate (settings.LOGGING): a 5xx must not go unseen.
    logging.getLogger("django.request").addHandler(recorder)
    return recorder


def write_report(path: str, report: dict) -> None:
    Path(path).write_text(json.dumps(report, indent=1))


# Searching through the site, as a visitor would


class Site:
    def __init__(self):
        from django.test import Client

        self.client = Client(raise_request_exception=False)
        self.requests = 0
        self.failures: list[str] = []

    def get(self, path: str, params: dict | None = None):
        response = self.client.get(path, params or {})
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {path} {params}")
        return response

    def found(self, **params) -> set[str]:
        response = self.get("/api/search/", {"page_size": 100, **params})
        if response.status_code != 200:
            return set()
        return {result["identifier"] for result in response.json()["results"]}


# Roles


def writer(args) -> dict:
    """Tag, untag and retitle documents; writer 0 also deletes and re-imports documents."""
    from django.db import transaction

    from archive.importers.loader import import_file
    from archive.models import Document, Tag

    site = Site()
    rng = random.Random(args.number)
    reserved = set(args.reserved)
    stable = list(Document.objects.exclude(pk__in=reserved).order_by("pk").values_list("pk", flat=True))
    mine = stable[args.number :: args.writers]
    changes: list[dict] = []
    errors: list[str] = []

    def change(description: str, apply, visible) -> None:
        with transaction.atomic():
            apply()
            committing = time.monotonic()
        returned = time.monotonic()
        while not visible():
            if time.monotonic() - committing > VISIBILITY_LIMIT:
                errors.append(f"never visible in search: {description}")
                break
            time.sleep(POLL_INTERVAL)
        changes.append(
            {
                "change": description,
                "seconds_to_visible": round(time.monotonic() - committing, 3),
                "seconds_in_commit": round(returned - committing, 3),
            }
        )

    tagged: list[tuple[Document, Tag]] = []
    for n in range(args.rounds):
        try:
            document = Document.objects.get(pk=rng.choice(stable))
            tag = Tag.objects.create(name=f"Contention {args.number}-{n}")
            change(
                f"tag {tag.name!r} added to {document.identifier}",
                lambda d=document, t=tag: d.tags.add(t),
                lambda d=document, t=tag: d.identifier in site.found(tag=t.name),
            )
            tagged.append((document, tag))

            document = Document.objects.get(pk=mine[n % len(mine)])
            word = f"quipuconc{args.number}x{n}"
            document.title = f"{document.title.split(' quipuconc')[0]} {word}"
            change(
                f"{document.identifier} retitled with {word!r}",
                lambda d=document: d.save(),
                lambda d=document, w=word: d.identifier in site.found(q=w),
            )

            if len(tagged) > 1:
                document, tag = tagged.pop(0)
                change(
                    f"tag {tag.name!r} removed from {document.identifier}",
                    lambda d=document, t=tag: d.tags.remove(t),
                    lambda d=document, t=tag: d.identifier not in site.found(tag=t.name),
                )

            if args.number == 0 and reserved and n % 2 == 0:
                document = Document.objects.get(pk=sorted(reserved)[(n // 2) % len(reserved)])
                identifier = document.identifier
                source = next(Path(args.files_dir).rglob(document.current_file.file_name))
                change(
                    f"{identifier} deleted",
                    document.delete,
                    lambda i=identifier: i not in site.found(q=i),
                )
                change(
                    f"{identifier} re-imported",
                    lambda s=source: import_file(s),
                    lambda i=identifier: i in site.found(q=i),
                )
                reserved = (reserved - {document.pk}) | {Document.objects.get(identifier=identifier).pk}
        except Exception:
            errors.append(traceback.format_exc())
    return {"changes": changes, "errors": errors + site.failures, "requests": site.requests}


SEARCHES = [
    ("/search/", {"q": "embassy"}),
    ("/search/", {"q": "military", "type": "cable"}),
    ("/search/", {"q": "peru OR colombia", "sort": "newest"}),
    ("/api/search/", {"q": "security"}),
    ("/api/search/", {"q": "minister", "classification": "CONFIDENTIAL"}),
    ("/search/", {"q": 'tag:"Contention 0-1"'}),
    ("/", {}),
]


def searcher(args) -> dict:
    """Search, filter and read documents until the stop file appears."""
    from archive.models import Document

    site = Site()
    identifiers = list(Document.objects.order_by("pk").values_list("identifier", flat=True)[:20])
    deadline = time.monotonic() + args.max_seconds
    n = 0
    while not Path(args.stop_file).exists() and time.monotonic() < deadline:
        path, params = SEARCHES[n % len(SEARCHES)]
        try:
            site.get(path, params)
            site.get(f"/documents/{identifiers[n % len(identifiers)]}/")
        except Exception:
            site.failures.append(traceback.format_exc())
        n += 1
    return {"errors": site.failures, "requests": site.requests}


def tagger(args) -> dict:
    """Add and remove tags through the ORM (so through the signals) until the stop file appears."""
    from django.db import transaction

    from archive.models import Document, Tag

    rng = random.Random(args.seed)
    pks = list(Document.objects.values_list("pk", flat=True))
    tags = [Tag.objects.get_or_create(name=f"Load tag {i}")[0] for i in range(5)]
    deadline = time.monotonic() + args.max_seconds
    edits, errors = 0, []
    while not Path(args.stop_file).exists() and time.monotonic() < deadline:
        try:
            document = Document.objects.get(pk=rng.choice(pks))
            tag = rng.choice(tags)
            with transaction.atomic():
                if document.tags.filter(pk=tag.pk).exists():
                    document.tags.remove(tag)
                else:
                    document.tags.add(tag)
            edits += 1
        except Exception:
            errors.append(traceback.format_exc())
        time.sleep(args.pause)
    return {"edits": edits, "errors": errors}


def snapshot(args) -> dict:
    """Every document's title and tags, in the database and in the search index."""
    from archive.models import Document, PendingIndexUpdate
    from archive.search.indexing import search_backend

    database = {
        str(document.pk): {
            "identifier": document.identifier,
            "title": document.title,
            "tags": sorted(tag.name for tag in document.tags.all()),
        }
        for document in Document.objects.prefetch_related("tags")
    }
    backend = search_backend()
    index = {}
    with backend.index.reader() as reader:
        tags = reader.column_reader("tags_exact")
        for docnum, stored in reader.iter_docs():
            index[stored["django_id"]] = {"title": stored["title"], "tags": sorted(tags[docnum])}
    return {"database": database, "index": index, "pending": PendingIndexUpdate.objects.count()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    roles = parser.add_subparsers(dest="role", required=True)
    w = roles.add_parser("writer")
    w.add_argument("number", type=int)
    w.add_argument("--writers", type=int, default=3)
    w.add_argument("--rounds", type=int, default=8)
    w.add_argument("--reserved", type=int, nargs="*", default=[], help="documents only writer 0 deletes")
    w.add_argument("--files-dir", default=".", help="where the imported files are, for re-imports")
    for name in ("searcher", "tagger"):
        role = roles.add_parser(name)
        role.add_argument("--stop-file", required=True)
        role.add_argument("--max-seconds", type=float, default=120)
        role.add_argument("--seed", type=int, default=0)
        role.add_argument("--pause", type=float, default=0.05)
    roles.add_parser("snapshot")
    for role in roles.choices.values():
        role.add_argument("--out", help="write the JSON report here (default: stdout)")
    args = parser.parse_args(argv)

    recorder = setup()
    report = {"writer": writer, "searcher": searcher, "tagger": tagger, "snapshot": snapshot}[args.role](args)
    report["logged_problems"] = recorder.problems
    if args.out:
        write_report(args.out, report)
    else:
        json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
