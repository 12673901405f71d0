from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.importers.archive_jsonl import export_lines


class Command(BaseCommand):
    help = (
        "Write every document (original file, metadata, paragraphs, tags, note) to a JSON Lines file; "
        "restore it with `import_documents --format archive-jsonl FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="output file, e.g. backup.jsonl")

    def handle(self, *args, **options):
        target: Path = options["file"]
        partial = target.with_name(target.name + ".partial")
        try:
            count = 0
            # Written beside the target and renamed at the end: a crash never leaves half a backup.
            with partial.open("w", encoding="utf-8") as handle:
                for line in export_lines():
                    handle.write(line + "\n")
                    count += 1
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.stdout.write(f"{count} documents written to {target}")
