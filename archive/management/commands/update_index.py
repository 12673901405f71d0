"""haystack's update_index (and so rebuild_index), through one bulk writer per run.

With Whoosh, every batch that haystack hands the backend goes into one parallel writer,
committed once at the end (archive.search.writing.bulk_session) instead of a commit and a
segment merge per batch. Other backends run haystack's command as it is.
"""

from __future__ import annotations

from haystack import connections
from haystack.backends.whoosh_backend import WhooshSearchBackend
from haystack.management.commands.update_index import Command as HaystackUpdateIndex

from archive.search import writing


class Command(HaystackUpdateIndex):
    def update_backend(self, label, using):
        backend = connections[using].get_backend()
        if not isinstance(backend, WhooshSearchBackend) or self.workers:
            return super().update_backend(label, using)
        with writing.bulk_session(backend):
            return super().update_backend(label, using)
