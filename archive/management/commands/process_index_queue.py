import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from archive.search import indexing

FOLLOW_INTERVAL = 1.0  # seconds between looks at an empty queue


class Command(BaseCommand):
    help = (
        "Apply the queued search-index updates (PendingIndexUpdate rows). A request applies "
        "only its share of the queue after its commit (ARCHIVE_INDEX_DRAIN_PER_REQUEST); rows "
        "also stay queued when another process held the index's write lock or indexing failed. "
        "Waits for the lock up to --wait seconds. With --follow, keeps applying rows as they "
        "arrive until stopped with SIGTERM or SIGINT (make run starts it beside gunicorn)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=indexing.COMMAND_WAIT,
            help=f"seconds to wait for the index write lock (default {indexing.COMMAND_WAIT:g})",
        )
        parser.add_argument(
            "--follow",
            action="store_true",
            help="keep running: apply rows as they are queued, until SIGTERM or SIGINT",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        if options["wait"] < 0:
            raise CommandError("--wait must be 0 or more seconds")
        if options["follow"]:
            return self.follow()
        processed = indexing.drain_queue(wait=options["wait"])
        left = indexing.PendingIndexUpdate.objects.count()
        if self.verbosity >= 1:
            self.stdout.write(f"{processed} queued update(s) applied, {left} left in the queue")
        if left:
            raise CommandError(f"{left} update(s) still queued: the index is busy, try again")

    def follow(self) -> None:
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        # The batch being written is finished and committed; then the loop ends.
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            if self.verbosity >= 1:
                self.stdout.write("following the index queue (stop with SIGTERM or Ctrl-C)")
            while not stopping.is_set():
                # Waits for the lock at most one interval: a holder drains what is queued anyway.
                processed = indexing.drain_queue(wait=FOLLOW_INTERVAL, stop=stopping.is_set)
                if processed and self.verbosity >= 1:
                    self.stdout.write(f"{processed} queued update(s) applied")
                if not processed:
                    stopping.wait(FOLLOW_INTERVAL)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        left = indexing.PendingIndexUpdate.objects.count()
        if self.verbosity >= 1:
            self.stdout.write(f"stopped; {left} update(s) left in the queue")
