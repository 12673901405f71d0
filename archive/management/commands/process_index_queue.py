from django.core.management.base import BaseCommand, CommandError

from archive.search import queue


class Command(BaseCommand):
    help = (
        "Apply the queued search-index updates (PendingIndexUpdate rows). Each change is "
        "normally applied right after its commit; rows stay queued when another process held "
        "the index's write lock or indexing failed. Waits for the lock up to --wait seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=queue.COMMAND_WAIT,
            help=f"seconds to wait for the index write lock (default {queue.COMMAND_WAIT:g})",
        )

    def handle(self, *args, **options):
        if options["wait"] < 0:
            raise CommandError("--wait must be 0 or more seconds")
        processed = queue.drain_queue(wait=options["wait"])
        left = queue.PendingIndexUpdate.objects.count()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{processed} queued update(s) applied, {left} left in the queue")
        if left:
            raise CommandError(f"{left} update(s) still queued: the index is busy, try again")
