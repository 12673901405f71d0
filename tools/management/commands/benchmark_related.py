"""`manage.py benchmark_related`: the cost of related documents per document page.

    ARCHIVE_DATA_DIR=/tmp/bench15k manage.py benchmark_related --documents 100

The work lives in tools.related_benchmark.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tools import related_benchmark


class Command(BaseCommand):
    help = (
        "Time related documents on the first visit of --documents documents of this archive "
        "(read-only), and the engine's more_like_this alone on as many others: p50/p95/max, "
        "wall and CPU."
    )

    def add_arguments(self, parser):
        parser.add_argument("--documents", type=int, default=100, help="documents to time (default 100)")

    def handle(self, *args, **options):
        if options["documents"] < 1:
            raise CommandError("--documents must be at least 1")
        self.stdout.write(related_benchmark.table(related_benchmark.run(options["documents"])))
