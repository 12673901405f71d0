"""`manage.py generate_corpus`: a synthetic cables.csv in the Cablegate release's format."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.article_generator import ArticleWriter, default_count
from tools.corpus_generator import generate_file


class Command(BaseCommand):
    help = (
        "Write a synthetic cables.csv in the exact format of the Cablegate release (8 quoted "
        "columns, backslash escapes, no header row) for load tests. The same seed always gives "
        "the same file; rows are streamed, so memory stays flat for 250,000 cables. With "
        "--articles-dir, also news articles (one per 100 cables unless --articles says) that name "
        "generated cables as the press does (07LIMA3429, 07 LIMA 3429) or quote their paragraphs, "
        "one text file each in the AFPS or Diálogo layout, for import_documents."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=250_000, help="cables (default 250000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
        parser.add_argument(
            "--articles-dir",
            type=Path,
            help="also write news articles naming or quoting generated cables into this directory",
        )
        parser.add_argument(
            "--articles",
            type=int,
            help="how many articles (default: one per 100 cables; needs --articles-dir)",
        )

    def handle(self, *args, **options):
        count, seed, out = options["count"], options["seed"], options["out"]
        if count < 1:
            raise CommandError("--count must be at least 1")
        if not out.parent.is_dir():
            raise CommandError(f"no such directory: {out.parent}")
        articles = self.article_writer(options, count, seed)
        show = options["verbosity"] > 1 or (options["verbosity"] > 0 and sys.stderr.isatty())
        progress = self.progress(count) if show else None
        summary = generate_file(out, count, seed, on_progress=progress, on_cable=articles and articles.see)
        if show:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Wrote {summary.count:,} cables to {out}: {summary.megabytes:,.1f} MB in "
            f"{summary.seconds:,.1f} s ({summary.rate:,.0f} cables/s, "
            f"{summary.megabytes / max(summary.seconds, 1e-9):,.1f} MB/s, seed {seed})."
        )
        if articles:
            self.stdout.write(f"Wrote {articles.written:,} articles to {articles.directory}.")

    @staticmethod
    def article_writer(options, count: int, seed: int) -> ArticleWriter | None:
        directory, wanted = options["articles_dir"], options["articles"]
        if directory is None:
            if wanted is not None:
                raise CommandError("--articles needs --articles-dir: where to write them")
            return None
        if wanted is not None and wanted < 0:
            raise CommandError("--articles must be 0 or more")
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"not a directory: {directory}")
        if not directory.parent.is_dir():
            raise CommandError(f"no such directory: {directory.parent}")
        return ArticleWriter(directory, default_count(count) if wanted is None else wanted, count, seed)

    @staticmethod
    def progress(count: int):
        def report(done: int) -> None:
            sys.stderr.write(f"\r{done:,} / {count:,} cables")
            sys.stderr.flush()

        return report
