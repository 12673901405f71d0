"""`manage.py generate_corpus`: a synthetic cables.csv in the Cablegate release's format."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.corpus_generator import generate_file


class Command(BaseCommand):
    help = (
        "Write a synthetic cables.csv in the exact format of the Cablegate release (8 quoted "
        "columns, backslash escapes, no header row) for load tests. The same seed always gives "
        "the same file; rows are streamed, so memory stays flat for 250,000 cables."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=250_000, help="cables (default 250000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")

    def handle(self, *args, **options):
        count, seed, out = options["count"], options["seed"], options["out"]
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not out.parent.is_dir():
            raise CommandError(f"no such directory: {out.parent}")
        show = options["verbosity"] > 1 or (options["verbosity"] > 0 and sys.stderr.isatty())
        progress = self.progress(count) if show else None
        summary = generate_file(out, count, seed, on_progress=progress)
        if show:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Wrote {summary.count:,} cables to {out}: {summary.megabytes:,.1f} MB in "
            f"{summary.seconds:,.1f} s ({summary.rate:,.0f} cables/s, "
            f"{summary.megabytes / max(summary.seconds, 1e-9):,.1f} MB/s, seed {seed})."
        )

    @staticmethod
    def progress(count: int):
        def report(done: int) -> None:
            sys.stderr.write(f"\r{done:,} / {count:,} cables")
            sys.stderr.flush()

        return report
