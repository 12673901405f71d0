"""haystack's update_index (and so rebuild_index), through one bulk session per run.

With an engine that has bulk sessions (quipu_whoosh), every batch that haystack hands the
backend goes into one parallel writer, committed once at the end
(archive.search.indexing.bulk_session) instead of a commit and a segment merge per batch.
Other backends run haystack's command as it is.
"""

from __future__ import annotations

from haystack import connections
from haystack.management.commands.update_index import Command as HaystackUpdateIndex
from haystack.utils.app_loading import haystack_get_models

from archive.search import indexing
from archive.search.engine import extensions


class Command(HaystackUpdateIndex):
    def update_backend(self, label, using):
        backend = connections[using].get_backend()
        if self.workers or not extensions(backend).has_bulk_sessions:
            return super().update_backend(label, using)
        expected = self.documents_to_index(label, using)
        with indexing.bulk_session(backend, expected=expected):
            return super().update_backend(label, using)

    def documents_to_index(self, label, using) -> int:
        """How many documents haystack will hand over (each indexing process takes a share)."""
        unified = connections[using].get_unified_index()
        total = 0
        for model in haystack_get_models(label):
            if model in unified.get_indexed_models():
                index = unified.get_index(model)
                queryset = index.build_queryset(
                    using=using, start_date=self.start_date, end_date=self.end_date
                )
                total += queryset.count()
        return total
