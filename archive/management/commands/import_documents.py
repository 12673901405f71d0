from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.importers import loader

PROGRESS_THRESHOLD = 20  # files; below this a bar is noise


class Command(BaseCommand):
    help = (
        "Import documents from files or directories (recursively). Each file is detected and parsed: "
        "Cablegate site pages (HTML or saved text), news articles (AFPS, DoD News, Andina, Diálogo) "
        "or, failing those, a generic article. One transaction per file; exits 1 if any file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="files or directories")
        parser.add_argument("--dry-run", action="store_true", help="parse and report, write nothing")
        parser.add_argument(
            "--format", default="auto", choices=["auto"],
            help="input format (default: detect per file)",
        )

    def handle(self, *paths: Path, **options):
        paths = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        files = list(loader.iter_files(paths))
        counts = Counter()
        for result in self.progress(files):
            counts[result.status] += 1
            self.report(result)
        self.summarise(counts, options["dry_run"])
        if counts[loader.FAILED]:
            sys.exit(1)

    def progress(self, files):
        options = self._options
        show_bar = len(files) >= PROGRESS_THRESHOLD and self.stdout.isatty() and options["verbosity"] > 0
        bar = None
        if show_bar:
            from tqdm import tqdm

            bar = tqdm(total=len(files), unit="file", file=sys.stderr)
        try:
            for path in files:
                yield loader.import_file(path, dry_run=options["dry_run"])
                if bar:
                    bar.update()
        finally:
            if bar:
                bar.close()

    def execute(self, *args, **options):
        self._options = options
        return super().execute(*args, **options)

    def report(self, result: loader.FileResult) -> None:
        verbosity = self._options["verbosity"]
        if result.status == loader.FAILED:
            self.stderr.write(f"failed     {result.path}: {result.reason}")
            return
        if verbosity >= 1:
            self.stdout.write(f"{result.status:<10} {result.path} → {result.identifier}")
        for warning in result.warnings:
            if verbosity >= 1:
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))

    def summarise(self, counts: Counter, dry_run: bool) -> None:
        if dry_run:
            line = f"dry run: {counts['parsed']} parsed, {counts[loader.FAILED]} failed; nothing written"
        else:
            line = ", ".join(
                f"{counts[s]} {s}" for s in (loader.CREATED, loader.UPDATED, loader.UNCHANGED, loader.FAILED)
            )
        self.stdout.write(line)
