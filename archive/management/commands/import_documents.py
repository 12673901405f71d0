from __future__ import annotations

import os
import sys
from collections import Counter
from contextlib import nullcontext
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from archive.importers import loader
from archive.importers.archive_jsonl import FORMAT as JSONL_FORMAT
from archive.importers.cablegate_csv import FORMAT as CSV_FORMAT
from archive.models import Document
from archive.search.indexing import deferred_indexing

PROGRESS_THRESHOLD = 20  # files; below this a bar is noise
REPARSE_BATCH = 200  # documents loaded at a time: memory stays flat over the whole release


def batched(items, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class Command(BaseCommand):
    help = (
        "Import documents from files or directories (recursively). Each file is detected and parsed: "
        "Cablegate site pages (HTML or saved text), news articles (AFPS, DoD News, Andina, Diálogo) "
        "or, failing those, a generic article. One transaction per file; exits 1 if any file failed. "
        "Links, FIFOs, sockets and devices are skipped, not followed or opened."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="files or directories")
        parser.add_argument("--dry-run", action="store_true", help="parse and report, write nothing")
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", CSV_FORMAT, JSONL_FORMAT],
            help=(
                "auto (default): detect each file; cablegate-csv: the release's cables.csv, streamed in "
                "batches and resumable; archive-jsonl: a backup written by export_archive"
            ),
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per transaction (cablegate-csv)"
        )
        parser.add_argument(
            "--replace",
            metavar="IDENTIFIER",
            help=(
                "the one file given is a new version of this document (an article whose title was "
                "corrected, say): kept as its source file, whatever the file's own identity says"
            ),
        )
        parser.add_argument(
            "--reparse",
            action="store_true",
            help=(
                "read every stored original again with this version's parsers (no files needed) and "
                "report what changed; staff tags and notes are kept"
            ),
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="cablegate-csv: do not index while importing (run rebuild_index afterwards)",
        )

    def handle(self, *paths: Path, **options):
        paths = options["paths"]
        if options["reparse"]:
            if paths:
                raise CommandError("--reparse reads the stored originals: give no paths")
            return self.reparse(options)
        if not paths:
            raise CommandError("give files or directories to import, or --reparse")
        if options["replace"] and (len(paths) != 1 or not paths[0].is_file()):
            raise CommandError("--replace takes exactly one file")
        missing = [str(p) for p in paths if not os.path.lexists(p)]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        if options["format"] == CSV_FORMAT:
            return self.import_csv(paths, options)
        if options["format"] == JSONL_FORMAT:
            return self.import_jsonl(paths, options)
        files = list(loader.iter_files(paths))
        counts = Counter()
        # Index once at the end (in batches) rather than one index commit per file.
        with deferred_indexing():
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
                yield loader.import_file(path, dry_run=options["dry_run"], replace=options["replace"])
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
        if result.status == loader.SKIPPED:
            if verbosity >= 1:
                self.stdout.write(self.style.WARNING(f"skipped    {result.path}: {result.reason}"))
            return
        if verbosity >= 1:
            detail = f" ({result.detail})" if result.detail else ""
            self.stdout.write(f"{result.status:<10} {result.path} → {result.identifier}{detail}")
        for warning in result.warnings:
            if verbosity >= 1:
                self.stdout.write(self.style.WARNING(f"  warning: {warning}"))

    def summarise(self, counts: Counter, dry_run: bool) -> None:
        skipped = f", {counts[loader.SKIPPED]} skipped" if counts[loader.SKIPPED] else ""
        if dry_run:
            parsed, failed = counts["parsed"], counts[loader.FAILED]
            line = f"dry run: {parsed} parsed, {failed} failed{skipped}; nothing written"
        else:
            line = ", ".join(
                f"{counts[s]} {s}"
                for s in (loader.CREATED, loader.UPDATED, loader.ADDED, loader.UNCHANGED, loader.FAILED)
            )
            line += skipped
        self.stdout.write(line)

    def reparse(self, options) -> None:
        documents = Document.objects.order_by("pk")
        total = documents.count()
        bar = None
        if self.stdout.isatty() and options["verbosity"] > 0 and total >= PROGRESS_THRESHOLD:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="doc", file=sys.stderr)
        counts = Counter()
        try:
            with deferred_indexing():
                for pks in batched(documents.values_list("pk", flat=True).iterator(), REPARSE_BATCH):
                    for document in Document.objects.filter(pk__in=pks).order_by("pk"):
                        counts[self.reparse_one(document, options["verbosity"])] += 1
                        if bar:
                            bar.update()
        finally:
            if bar:
                bar.close()
        self.stdout.write(
            f"{total} documents re-read: {counts[loader.UPDATED]} changed, "
            f"{counts[loader.UNCHANGED]} unchanged, {counts[loader.FAILED]} failed"
        )
        if counts[loader.FAILED]:
            sys.exit(1)

    def reparse_one(self, document: Document, verbosity: int) -> str:
        try:
            changed = loader.reparse(document)
        except loader.ImportProblem as exc:
            self.stderr.write(f"failed     {document.identifier}: {exc}")
            return loader.FAILED
        if changed and verbosity >= 1:
            self.stdout.write(f"changed    {document.identifier}: {'; '.join(changed)}")
        elif verbosity >= 2:
            self.stdout.write(f"unchanged  {document.identifier}")
        return loader.UPDATED if changed else loader.UNCHANGED

    def single_file(self, paths: list[Path], name: str) -> Path:
        if len(paths) != 1 or not paths[0].is_file() or paths[0].is_symlink():
            raise CommandError(f"--format {name} takes exactly one file (not a link)")
        return paths[0]

    def import_csv(self, paths: list[Path], options) -> None:
        from archive.importers.cablegate_csv import CsvImporter
        from archive.search.indexing import bulk_import_session, drain_queue

        path = self.single_file(paths, CSV_FORMAT)
        index = not options["dry_run"] and not options["no_index"]
        bar = self.byte_progress(path)
        importer = CsvImporter(
            path,
            batch_size=max(1, options["batch_size"]),
            dry_run=options["dry_run"],
            queue_for_index=index,
            on_batch=(lambda pks: drain_queue()) if index else None,
            on_row=lambda report: bar and self.advance(bar, importer, report),
        )
        try:
            with bulk_import_session() if index else nullcontext():
                report = importer.run()
                if report.created and not options["dry_run"]:
                    self.recount_citations(index)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except KeyboardInterrupt:
            # Ctrl-C: the batch being written was rolled back, the workers are stopped, and
            # what the index has not committed stays queued (process_index_queue applies it).
            self.report_csv(path, importer.report, options, interrupted=True)
            sys.exit(130)
        finally:
            if bar:
                bar.close()
        self.report_csv(path, report, options)
        if report.created and not options["dry_run"] and Document.objects.articles().exists():
            from archive.news_links import relink_all

            # The cables of the release are linked to the articles in one pass, not one by one.
            self.stdout.write(f"{relink_all()} links between articles and cables")
        if report.failed:
            sys.exit(1)

    def recount_citations(self, index: bool) -> None:
        """The release's cables cite each other: count the citations once, after the last batch."""
        from archive.references import relink
        from archive.search.indexing import drain_queue

        with transaction.atomic():
            relink(queue=index)
        if index:
            drain_queue()

    def report_csv(self, path: Path, report, options, interrupted: bool = False) -> None:
        for problem in report.problems:
            self.stderr.write(f"failed     {path}:{problem.line}: {problem.reason}")
        verb = "parsed" if options["dry_run"] else "created"
        line = f"{report.created} {verb}, {report.skipped} already imported, {report.failed} failed"
        if interrupted:
            self.stderr.write(
                f"interrupted: {line}; the batches written are kept and queued for the search index. "
                "Run the same command again to go on."
            )
        else:
            self.stdout.write(f"{line} ({report.rows} rows)")

    def byte_progress(self, path: Path):
        if not self.stdout.isatty() or self._options["verbosity"] == 0:
            return None
        from tqdm import tqdm

        return tqdm(total=path.stat().st_size, unit="B", unit_scale=True, file=sys.stderr, smoothing=0.05)

    def advance(self, bar, importer, report) -> None:
        bar.update(importer.bytes_read - bar.n)
        if report.rows % 100 == 0:
            bar.set_postfix(created=report.created, skipped=report.skipped, failed=report.failed)

    def import_jsonl(self, paths: list[Path], options) -> None:
        from archive.importers.archive_jsonl import restore_file

        path = self.single_file(paths, JSONL_FORMAT)
        if options["dry_run"]:
            raise CommandError("--dry-run is not supported for archive-jsonl")
        try:
            report = restore_file(path)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        for line, reason in report.problems:
            self.stderr.write(f"failed     {path}:{line}: {reason}")
        self.stdout.write(f"{report.created} created, {report.updated} updated, {report.failed} failed")
        if report.failed:
            sys.exit(1)
