"""haystack discovers search indexes in each app's `search_indexes` module; ours live in
archive.search.indexes."""

from archive.search.indexes import DocumentIndex

__all__ = ["DocumentIndex"]
