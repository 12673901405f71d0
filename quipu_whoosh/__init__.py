"""Quipu's embedded search engine: haystack's Whoosh backend made exact, fast and safe to write to.

Reached only through haystack's ENGINE setting (quipu_whoosh.backend.QuipuWhooshEngine) and
the extension points it implements (archive.search.engine). docs/search-engine.md explains
what it adds to Whoosh and why.
"""
