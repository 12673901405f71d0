import sys

from django.core.management.base import BaseCommand, CommandError

from archive import index_check
from archive.search import indexing

DEFAULT_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: documents missing from the index, entries "
        "whose indexed values differ from their document (stale) and entries whose document is "
        "gone (orphaned). Exits 0 when they agree, 1 when they do not. --repair reindexes the "
        "missing and stale documents and removes the orphans, through the index indexing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="fix what differs, then check again")
        parser.add_argument(
            "--show",
            type=int,
            default=DEFAULT_SHOWN,
            metavar="N",
            help=f"identifiers to list for each kind of difference (default {DEFAULT_SHOWN})",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=indexing.COMMAND_WAIT,
            help=f"--repair: seconds to wait for the index write lock (default {indexing.COMMAND_WAIT:g})",
        )

    def handle(self, *args, **options):
        if options["show"] < 0 or options["wait"] < 0:
            raise CommandError("--show and --wait must be 0 or more")
        self.shown = options["show"]
        result = self.run_check()
        if options["repair"] and result.outdated:
            raise CommandError(f"{result.outdated}: --repair cannot fix that; run manage.py rebuild_index")
        if options["repair"] and not result.consistent:
            count = index_check.repair(result, wait=options["wait"])
            self.stdout.write(f"repair: {count} entr{'y' if count == 1 else 'ies'} reindexed or removed")
            result = self.run_check()
        if not result.consistent:
            sys.exit(1)

    def run_check(self) -> index_check.CheckResult:
        try:
            result = index_check.check_index()
        except index_check.UnsupportedBackend as exc:
            raise CommandError(str(exc)) from None
        if self.verbosity >= 1:
            self.report(result)
        return result

    def report(self, result: index_check.CheckResult) -> None:
        write = self.stdout.write
        write(f"{result.documents} documents in the database, {result.entries} entries in the search index")
        if self.verbosity >= 2:
            write(f"compared: {', '.join(result.compared)}")
        if result.missing:
            write(f"missing:  {len(result.missing)} (in the database, not in the index)")
            self.list_some([result.identifiers[pk] for pk in result.missing])
        if result.stale:
            write(f"stale:    {len(result.stale)} (indexed values differ from the database)")
            self.list_some(
                [f"{result.identifiers[pk]} ({', '.join(fields)})" for pk, fields in result.stale.items()]
            )
        if result.orphaned:
            write(f"orphaned: {len(result.orphaned)} (in the index, not in the database)")
            self.list_some(
                [f"{result.orphan_identifiers.get(entry) or '?'} ({entry})" for entry in result.orphaned]
            )
        if result.outdated:
            write(self.style.ERROR(f"outdated:  {result.outdated}: run manage.py rebuild_index"))
        if result.queued:
            write(f"{result.queued} index update(s) queued (manage.py process_index_queue applies them)")
        if result.consistent:
            write(self.style.SUCCESS("the search index matches the database"))
        else:
            write(self.style.ERROR("the search index does not match the database (--repair fixes it)"))

    def list_some(self, items: list[str]) -> None:
        for item in items[: self.shown]:
            self.stdout.write(f"  {item}")
        if len(items) > self.shown:
            self.stdout.write(f"  … and {len(items) - self.shown} more")

    def execute(self, *args, **options):
        self.verbosity = options.get("verbosity", 1)
        return super().execute(*args, **options)
