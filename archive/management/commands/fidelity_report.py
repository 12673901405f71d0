"""How faithfully the importer reads real Cablegate pages: figures against a manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.importers.fidelity import format_report, read_export, read_manifest, score_pages


class Command(BaseCommand):
    help = (
        "Import the Cablegate pages of PAGES_DIR into a throw-away data directory and print, against "
        "MANIFEST (JSON Lines of ground truth, one object per page), the share of pages read right: "
        "metadata, tags, ¶ numbering, clean ¶0 and references, with the first misses of each."
    )

    def add_arguments(self, parser):
        parser.add_argument("manifest", type=Path, help="manifest.jsonl: one JSON object per page")
        parser.add_argument("pages", type=Path, help="the directory the manifest's local_path values are in")
        parser.add_argument("--misses", type=int, default=5, help="misses shown per figure (default 5)")
        parser.add_argument("--json", type=Path, help="also write the figures and every miss to this file")

    def handle(self, *args, **options):
        manifest_path, pages = options["manifest"], options["pages"]
        if not manifest_path.is_file():
            raise CommandError(f"no manifest at {manifest_path}")
        if not pages.is_dir():
            raise CommandError(f"{pages} is not a directory")
        try:
            manifest = [row for row in read_manifest(manifest_path) if (pages / row["local_path"]).is_file()]
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{manifest_path} is not a page manifest: {exc}") from None
        if not manifest:
            raise CommandError(f"none of the manifest's pages is under {pages}")
        with tempfile.TemporaryDirectory(prefix="quipu-fidelity-") as data_dir:
            documents = self.import_pages(pages, [row["local_path"] for row in manifest], Path(data_dir))
        report = score_pages(manifest, documents)
        for line in format_report(report, options["misses"]):
            self.stdout.write(line)
        if options["json"]:
            figures = {
                f.name: {
                    "percent": round(f.percent, 2),
                    "passed": f.passed,
                    "total": f.total,
                    "misses": f.misses,
                }
                for f in report.figures
            }
            options["json"].write_text(json.dumps({"pages": report.pages, "figures": figures}, indent=1))

    def import_pages(self, pages: Path, local_paths: list[str], data_dir: Path) -> dict[str, dict]:
        """Migrate a fresh archive in `data_dir`, import the pages, and read them back as exported."""
        environment = {**os.environ, "ARCHIVE_DATA_DIR": str(data_dir)}
        for name in ("DATABASE_URL", "SEARCH_URL"):
            environment.pop(name, None)
        export = data_dir / "export.jsonl"
        files = [str(pages / path) for path in local_paths]
        self.manage(environment, "migrate", "--noinput", "--verbosity", "0")
        self.manage(environment, "import_documents", "--verbosity", "0", *files, tolerate_failures=True)
        self.manage(environment, "export_archive", str(export))
        with export.open(encoding="utf-8") as handle:
            return read_export(handle)

    def manage(self, environment: dict, *arguments: str, tolerate_failures: bool = False) -> None:
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments]
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        # import_documents exits 1 when a page fails; the report lists pages not imported.
        if done.returncode and not (tolerate_failures and done.returncode == 1):
            raise CommandError(
                f"manage.py {arguments[0]} failed: {(done.stderr or done.stdout).strip()[-500:]}"
            )
