"""haystack's Whoosh backend with the traps of HAYSTACK-WHOOSH.md fixed.

- Facet fields are exact: one whole term per value (archive.search.fields), facet counts are
  read from columns, filters match whole values.
- A query that matches everything is `*:*` (Every), not the `*` wildcard that expands every term.
- No `django_ct` narrowing scan when the index holds only registered models (always, here).
- Narrowing queries are applied as one filter, not one full search each.
- One searcher per backend instance (haystack keeps one backend per thread), refreshed only
  when the index has changed.
- Highlighting uses the terms the parsed query really matched, with <mark>, HTML-escaped.
- Fuzzy terms expand against the stemmed words (archive.search.whoosh_terms).
- Spelling suggestions look only at words sharing the first letter (cheap).
- Every write goes through archive.search.queue, which holds the index's write lock.
"""

from __future__ import annotations

import itertools

from django.utils.encoding import force_str
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, FUZZY_WHOOSH_MIN_PREFIX, ID
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, highlight
from whoosh.qparser import QueryParser
from whoosh.sorting import Count, FieldFacet

from archive.search import writing
from archive.search.schema import build_schema
from archive.search.spelling import suggest_word
from archive.search.whoosh_terms import MarkFormatter, WordFuzzyPlugin

# A prefix or fuzzy term that expands to more words than this is refused (it would be slow).
MAX_EXPANSIONS = 2000
SNIPPET_FRAGMENTS = 2
SNIPPET_CHARS = 220


class QueryTooBroad(SearchBackendError):
    """A prefix or fuzzy term matches too many different words."""

    def __init__(self, term: str):
        super().__init__(f"{term!r} matches too many different words")
        self.term = term


class ArchiveWhooshSearchBackend(WhooshSearchBackend):
    matching_all = "*:*"

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_version = None
        self.multi_valued_fields = set()

    # Schema and setup

    def build_schema(self, fields):
        content_field_name, schema, multi_valued = build_schema(fields)
        self.multi_valued_fields = multi_valued
        return content_field_name, schema

    def setup(self):
        super().setup()
        self.parser = QueryParser(self.content_field_name, schema=self.schema)
        self.parser.add_plugins([WordFuzzyPlugin()])
        self.reset_searcher()

    def reset_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None

    def searcher(self):
        """The cached searcher, reopened when the index on disk has changed.

        Not Searcher.refresh(): it reuses the old segment readers, which keep seeing
        documents deleted since (an update deletes and re-adds). The version is the
        generation and the time of the table of contents: a cleared index starts again at
        generation 0, so the generation alone can come round to an old value.
        """
        if not self.setup_complete:
            self.setup()
        version = self.index_version()
        if self._searcher is not None and (version is None or version != self._searcher_version):
            self.reset_searcher()
        if self._searcher is None:
            self._searcher = self.index.searcher()
            self._searcher_version = version
        return self._searcher

    def index_version(self):
        try:
            return self.index.latest_generation(), self.index.last_modified()
        except OSError:  # a commit replaced the table of contents meanwhile
            return None

    def build_models_list(self):
        # The index holds only documents of registered models: restricting a search to them
        # is a full scan that changes nothing (HAYSTACK-WHOOSH.md, "Speed").
        return []

    # Searching

    def parse(self, query_string: str):
        parsed = self.parser.parse(force_str(query_string))
        self.check_expansions(parsed)
        return parsed

    def check_expansions(self, parsed) -> None:
        reader = self.searcher().reader()
        for leaf in parsed.leaves():
            if isinstance(leaf, wq.MultiTerm) and leaf.field() in self.schema:
                words = itertools.islice(leaf._btexts(reader), MAX_EXPANSIONS + 1)
                if sum(1 for _ in words) > MAX_EXPANSIONS:
                    raise QueryTooBroad(str(leaf.text))

    def narrowing_filter(self, narrow_queries, models):
        parts = [self.parse(q) for q in narrow_queries or ()]
        registered = set(self.connections_models())
        if models and set(models) != registered:
            parts.append(wq.Or([wq.Term(DJANGO_CT, get_model_ct(m)) for m in models]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def connections_models(self):
        from haystack import connections

        return connections[self.connection_alias].get_unified_index().get_indexed_models()

    def facet_groups(self, facets) -> list[FieldFacet]:
        return [
            FieldFacet(name, allow_overlap=name in self.multi_valued_fields, maptype=Count)
            for name in facets or ()
        ]

    def sorting(self, sort_by):
        if not sort_by:
            return None
        return [FieldFacet(field.lstrip("-"), reverse=field.startswith("-")) for field in sort_by]

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        models=None,
        result_class=None,
        **kwargs,
    ):
        if date_facets or query_facets:
            raise SearchBackendError("date and query facets are not supported: facet on `year`")
        query_string = force_str(query_string).strip()
        empty = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        if not query_string:
            return empty
        searcher = self.searcher()
        if not searcher.doc_count():
            return empty
        parsed = self.parse(query_string)
        if parsed is None or parsed is wq.NullQuery:
            return empty
        start = start_offset or 0
        limit = None if end_offset is None else max(end_offset, start + 1)
        results = searcher.search(
            parsed,
            limit=limit,
            filter=self.narrowing_filter(narrow_queries, models),
            sortedby=self.sorting(sort_by),
            groupedby=self.facet_groups(facets) or None,
        )
        terms = self.highlight_terms(parsed, searcher) if highlight else None
        return {
            "results": self.build_results(results[start:limit], terms, result_class),
            "hits": len(results),
            "facets": {"fields": self.facet_counts(results, facets), "dates": {}, "queries": {}},
            "spelling_suggestion": self.spelling(spelling_query or query_string),
        }

    def spelling(self, query_string: str):
        if not self.include_spelling:
            return None
        return self.create_spelling_suggestion(query_string)

    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        models=None,
        result_class=None,
        **kwargs,
    ):
        """Documents whose text shares the most distinctive words with this one's."""
        empty = {"results": [], "hits": 0}
        searcher = self.searcher()
        docnum = searcher.document_number(**{ID: get_identifier(model_instance)})
        if docnum is None:
            return empty
        query = force_str(additional_query_string or "").strip()
        narrow = self.parse(query) if query and query != self.matching_all else None
        filters = [f for f in (narrow, self.narrowing_filter(None, models)) if f is not None]
        similar = searcher.more_like(
            docnum,
            self.content_field_name,
            top=end_offset or 20,
            filter=wq.And(filters) if filters else None,
        )
        return {
            "results": self.build_results(similar[start_offset or 0 : end_offset], None, result_class),
            "hits": len(similar),
        }

    # Results

    def facet_counts(self, results, facets) -> dict[str, list[tuple]]:
        counts = {}
        for name in facets or ():
            groups = results.groups(name)
            pairs = []
            for key, count in groups.items():
                value = key.decode("utf-8") if isinstance(key, bytes) else key
                if value not in (None, "") and not self.is_missing_number(value):
                    pairs.append((value, count))
            counts[name] = sorted(pairs, key=lambda pair: (-pair[1], str(pair[0])))
        return counts

    @staticmethod
    def is_missing_number(value) -> bool:
        # A document without a value gets the numeric column's default (the type's maximum).
        return isinstance(value, int) and value >= 2**31 - 1

    def highlight_terms(self, parsed, searcher) -> frozenset[str]:
        field = self.content_field_name
        pairs = parsed.existing_terms(searcher.reader(), phrases=True, expand=True)
        return frozenset(force_str(text) for name, text in pairs if name == field)

    def highlight(self, text: str, terms) -> str:
        if not text or not terms:
            return ""
        return highlight(
            text,
            terms,
            self.schema[self.content_field_name].analyzer,
            ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
            MarkFormatter(),
            top=SNIPPET_FRAGMENTS,
        )

    def build_results(self, hits, terms, result_class) -> list[SearchResult]:
        result_class = result_class or SearchResult
        built = []
        for hit in hits:
            stored = dict(hit.fields())
            app_label, model_name = stored.pop(DJANGO_CT).split(".")
            model = haystack_get_model(app_label, model_name)
            if model is None:  # an entry left by a model no longer indexed
                continue
            pk = stored.pop(DJANGO_ID)
            values = self.convert_stored(model, stored)
            values.update({DJANGO_CT: f"{app_label}.{model_name}", DJANGO_ID: pk})  # for values_list()
            if terms is not None:
                snippet = self.highlight(stored.get(self.content_field_name, ""), terms)
                values["highlighted"] = {self.content_field_name: [snippet] if snippet else []}
            built.append(result_class(app_label, model_name, pk, hit.score or 0, **values))
        return built

    def convert_stored(self, model, stored: dict) -> dict:
        from haystack import connections

        index = connections[self.connection_alias].get_unified_index().get_index(model)
        values = {}
        for key, value in stored.items():
            field = index.fields.get(key)
            if field is None or value is None:
                values[key] = value
            elif field.field_type == "date" and hasattr(value, "date"):
                values[key] = value.date()
            else:
                values[key] = field.convert(value)
        return values

    # Spelling

    def create_spelling_suggestion(self, query_string):
        words = [w for w in force_str(query_string).split() if w.isalpha()]
        suggestions = self.suggest_words(words)
        return " ".join(suggestions.get(w, w) for w in words) or None

    def suggest_words(self, words) -> dict[str, str]:
        """Index words close to each word the index does not know: {word: suggestion}."""
        reader = self.searcher().reader()
        field = self.schema[self.content_field_name]
        found = {}
        for word in words:
            suggestion = suggest_word(reader, self.content_field_name, field, word)
            if suggestion:
                found[word] = suggestion
        return found

    # Writing: only ever through archive.search.queue, which holds the lock.

    def update(self, index, iterable, commit=True):
        writing.update(self, index, iterable)

    def remove(self, obj_or_string, commit=True):
        writing.remove(self, obj_or_string)

    def clear(self, models=None, commit=True):
        writing.clear(self, models)


class ArchiveWhooshSearchQuery(WhooshSearchQuery):
    def matching_all_fragment(self):
        # Parsed as Every(); `*` would be a wildcard over every term (haystack #1575).
        return ArchiveWhooshSearchBackend.matching_all

    def build_query_fragment(self, field, filter_type, value):
        if isinstance(value, Exact) and '"' in str(value.query_string):
            return self.double_quoted_value_fragment(field, str(value.query_string))
        distance = getattr(value, "max_edits", None)
        if filter_type == "fuzzy" and distance:
            return self.fuzzy_fragment(field, value, distance)
        return super().build_query_fragment(field, filter_type, value)

    def double_quoted_value_fragment(self, field: str, text: str) -> str:
        """Whoosh cannot escape a double quote inside "…"; single quotes can hold one."""
        from haystack import connections

        if "'" in text or field == "content":
            return f'{ID}:"__no_such_document__"'  # cannot be written: matches nothing
        name = connections[self._using].get_unified_index().get_index_fieldname(field)
        return f"{name}:'{text}'"

    def fuzzy_fragment(self, field, value, distance: int) -> str:
        from haystack import connections

        word = str(value.prepare(self)).strip()
        prefix = min(FUZZY_WHOOSH_MIN_PREFIX, len(word))
        if field == "content":
            return f"({word}~{distance}/{prefix})"
        name = connections[self._using].get_unified_index().get_index_fieldname(field)
        return f"{name}:({word}~{distance}/{prefix})"


class ArchiveWhooshEngine(WhooshEngine):
    backend = ArchiveWhooshSearchBackend
    query = ArchiveWhooshSearchQuery
