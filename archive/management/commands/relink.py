"""Bring every document's count of citing cables up to date with the references stored."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from archive.news_links import relink_all
from archive.references import relink
from archive.search.indexing import deferred_indexing


class Command(BaseCommand):
    help = (
        "Recount, for every document, the cables of the archive that cite it (queueing the documents "
        "whose count changed for the search index), and find again every article's links to cables: "
        "the cables it names, quotes, or reports the event of. Imports do this for what they touch."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        with deferred_indexing(), transaction.atomic():
            changed = relink()
        counted = time.perf_counter()
        self.stdout.write(f"{len(changed)} documents' citation counts changed ({counted - started:.1f} s)")
        links = relink_all()
        self.stdout.write(
            f"{links} links between articles and cables ({time.perf_counter() - counted:.1f} s)"
        )
