"""Bring every document's count of citing cables up to date with the references stored."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from archive.references import relink
from archive.search.queue import deferred_indexing


class Command(BaseCommand):
    help = (
        "Recount, for every document, the cables of the archive that cite it, and queue the "
        "documents whose count changed for the search index. Imports do this for what they touch; "
        "run it after changing references by other means."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        with deferred_indexing(), transaction.atomic():
            changed = relink()
        self.stdout.write(
            f"{len(changed)} documents' citation counts changed ({time.perf_counter() - started:.1f} s)"
        )
