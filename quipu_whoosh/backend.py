"""haystack's Whoosh backend with the traps of docs/haystack-whoosh.md fixed, and Quipu's
extension points (archive.search.engine) done the Whoosh way. docs/search-engine.md tells why.

- Facet fields are exact: one whole term per value (quipu_whoosh.fields), facet counts are
  read from columns, filters match whole values.
- A query that matches everything is `*:*` (Every), not the `*` wildcard that expands every term.
- No `django_ct` narrowing scan when the index holds only registered models (always, here).
- Narrowing queries are applied as one filter, not one full search each.
- One searcher per backend instance (haystack keeps one backend per thread), refreshed only
  when the index has changed.
- Highlighting uses the terms the parsed query really matched, with <mark>, HTML-escaped.
- Prefix and fuzzy terms expand against the words as written and their stems
  (quipu_whoosh.terms); a phrase of stop words alone is looked up among the stop words.
- Spelling suggestions look only at words sharing the first letter (cheap).
- Every search stops when its time budget is spent (archive.search.budget), and prefix and
  fuzzy terms may expand to ARCHIVE_SEARCH_MAX_EXPANSIONS words in all.
- Every write goes through archive.search.indexing, which holds the index's write lock.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Mapping
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, FUZZY_WHOOSH_MIN_PREFIX, ID
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import columns
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import ContextFragmenter, highlight
from whoosh.index import exists_in
from whoosh.sorting import FieldFacet

from archive.search import budget, indexing
from archive.search.engine import QueryTooBroad, SearchEngineExtensions
from archive.search.highlighting import could_match, needle
from archive.search.locking import HolderLock
from quipu_whoosh import patches, writing
from quipu_whoosh.analysis import WHOOSH_ANALYSIS
from quipu_whoosh.bitsets import BitsetIds, ReaderBitsets, docnums_of
from quipu_whoosh.related import RelatedDocuments
from quipu_whoosh.schema import build_schema
from quipu_whoosh.scoring import Scorer
from quipu_whoosh.spelling import suggest_word
from quipu_whoosh.terms import MarkFormatter, WordQueryParser, search_within_budget

patches.apply()

logger = logging.getLogger(__name__)

SNIPPET_FRAGMENTS = 2
SNIPPET_CHARS = 220


def likely_passages(text: str, terms, most: int = SNIPPET_FRAGMENTS + 1) -> str:
    """The first few paragraphs that may hold a matched word: only they are analysed.

    Highlighting analyses every word it is given (~13 ms for a 6 KB cable); the snippet
    shows two fragments, found in the first paragraphs that contain a term's letters.
    """
    needles = [{needle(term.lower())} for term in terms if term]
    found = []
    for passage in text.split("\n\n"):
        if could_match(passage, needles):
            found.append(passage)
            if len(found) >= most:
                break
    return "\n\n".join(found)


class LazySnippet(Mapping):
    """haystack's `highlighted` ({field: [snippet]}), the snippet made when it is first read.

    A result whose paragraphs match shows them instead (archive.search.searching): highlighting
    every result's text cost ~1.5 ms a result, mostly for snippets never shown."""

    def __init__(self, field: str, make):
        self.field = field
        self.make = make
        self.snippets = None

    def __getitem__(self, key):
        if key != self.field:
            raise KeyError(key)
        if self.snippets is None:
            snippet = self.make()
            self.snippets = [snippet] if snippet else []
        return self.snippets

    def __iter__(self):
        return iter((self.field,))

    def __len__(self) -> int:
        return 1


class QuipuWhooshSearchBackend(SearchEngineExtensions, RelatedDocuments, WhooshSearchBackend):
    matching_all = "*:*"
    has_bulk_sessions = True

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_version = None
        self._pinned = None
        self._related_cache = {}
        self._bitsets = None
        self._scorer = None
        self._segment_columns = {}  # quipu_whoosh.bitsets.SegmentColumns by segment, kept across commits
        self.multi_valued_fields = set()
        self.facet_fields = frozenset()
        self.bulk_session = None  # quipu_whoosh.writing.BulkSession while one is open
        self._word_statistics = {}  # key_terms' cache, for one searcher (under the key None)
        self._key_terms = {}  # each document's key terms, for one searcher (under the key None)

    # Schema and setup

    def build_schema(self, fields):
        content_field_name, schema, multi_valued = build_schema(fields)
        self.multi_valued_fields = multi_valued
        self.facet_fields = frozenset(
            field.index_fieldname for field in fields.values() if hasattr(field, "facet_for")
        )
        return content_field_name, schema

    def setup(self):
        super().setup()
        self.parser = WordQueryParser(self.content_field_name, schema=self.schema)
        self.reset_searcher()

    def reset_searcher(self):
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._bitsets = None
        self._scorer = None

    def searcher(self):
        """The cached searcher, reopened when the index on disk has changed.

        Not Searcher.refresh(): it reuses the old segment readers, which keep seeing
        documents deleted since (an update deletes and re-adds). The version is the
        generation and the time of the table of contents: a cleared index starts again at
        generation 0, so the generation alone can come round to an old value.
        """
        if self._pinned is not None:  # inside one search: the searcher it started with
            return self._pinned
        if not self.setup_complete:
            self.setup()
        version = self.index_version()
        if self._searcher is not None and (version is None or version != self._searcher_version):
            self.reset_searcher()
        if self._searcher is None:
            self._searcher = self.index.searcher()
            self._searcher_version = version
        return self._searcher

    @contextmanager
    def one_generation(self):
        """Every searcher() call in the block returns the same searcher.

        Another process may commit in the middle of a search: refreshing then would close the
        searcher the search is reading (ReaderClosed) or mix document numbers of two generations.
        """
        if self._pinned is not None:
            yield self._pinned
            return
        self._pinned = self.searcher()
        try:
            yield self._pinned
        finally:
            self._pinned = None

    def index_version(self):
        try:
            return self.index.latest_generation(), self.index.last_modified()
        except OSError:  # a commit replaced the table of contents meanwhile
            return None

    def build_models_list(self):
        # The index holds only documents of registered models: restricting a search to them
        # is a full scan that changes nothing (docs/haystack-whoosh.md, "Speed").
        return []

    # Searching

    def parse(self, query_string: str):
        parsed = self.parser.parse(force_str(query_string))
        self.check_expansions(parsed)
        return parsed

    def check_expansions(self, parsed) -> None:
        """Refuse prefix and fuzzy terms that expand to too many index words, alone or together:
        each word is one more posting list to read and score."""
        reader = self.searcher().reader()
        limit, total = settings.ARCHIVE_SEARCH_MAX_EXPANSIONS, 0
        for leaf in parsed.leaves():
            if isinstance(leaf, wq.MultiTerm) and leaf.field() in self.schema:
                words = sum(1 for _ in itertools.islice(budget.checked(leaf._btexts(reader)), limit + 1))
                total += words
                if total > limit:
                    fuzzy = isinstance(leaf, wq.FuzzyTerm)
                    raise QueryTooBroad(str(leaf.text), fuzzy=fuzzy, together=words <= limit)

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

    def sorting(self, sort_by):
        if not sort_by:
            return None
        return [FieldFacet(field.lstrip("-"), reverse=field.startswith("-")) for field in sort_by]

    def search(self, *args, **kwargs):
        # Each call has a budget of its own (one batch of a long listing), ending no later
        # than the request's if there is one (archive.search.searching: the whole page).
        with budget.time_budget(settings.ARCHIVE_SEARCH_TIME_BUDGET), self.one_generation():
            return self.search_one_generation(*args, **kwargs)

    def search_one_generation(
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
        bitsets = self.bitsets()
        self.scorer(searcher, bitsets)  # words' match sets come from the postings it reads
        matches = bitsets.matches(parsed)
        narrowing = self.narrowing_filter(narrow_queries, models)
        if narrowing is not None:
            matches &= bitsets.matches(narrowing)
        count = matches.bit_count()
        budget.check()  # between the phases too: a browse or a filter has no long loop of its own
        start = start_offset or 0
        stop = count if end_offset is None else max(end_offset, start + 1)
        top = self.top_documents(searcher, bitsets, parsed, matches, narrowing, sort_by, stop)
        terms = self.highlight_terms(parsed, searcher) if highlight else None
        return {
            "results": self.build_results(searcher, top[start:stop], terms, result_class),
            "hits": count,
            "facets": {"fields": self.facet_counts(bitsets, matches, facets), "dates": {}, "queries": {}},
            "spelling_suggestion": self.spelling(spelling_query or query_string),
        }

    def bitsets(self) -> ReaderBitsets:
        """Facet and filter bitsets of the current searcher (rebuilt when it is reopened)."""
        searcher = self.searcher()
        if self._bitsets is None or self._bitsets.searcher is not searcher:
            self._bitsets = ReaderBitsets(searcher, self.schema, self._segment_columns, self.facet_fields)
        return self._bitsets

    def open_for_serving(self) -> None:
        """Open the searcher and map the segments' stored columns (quipu_whoosh.column_store)
        and the text lengths: milliseconds when the commit wrote them."""
        bitsets = self.bitsets()
        bitsets.ensure_stored()
        if self.content_field_name:
            self.scorer(bitsets.searcher, bitsets).norms()

    def forget_results(self) -> None:
        """Rankings, word scores, match sets and related documents go; the mapped columns stay
        (they are the index's, not a search's)."""
        if self._scorer is not None:
            self._scorer.forget()
        if self._bitsets is not None:
            self._bitsets.queries.clear()
        self._related_cache.clear()

    def store_columns(self) -> None:
        """After a commit: write the new segments' facet and sort columns beside them, so a
        new process maps them instead of reading Whoosh's columns (quipu_whoosh.column_store).

        The commit stands whatever happens here: a segment without its file gets it built at
        its first search."""
        self.reset_searcher()
        try:
            self.bitsets().ensure_stored()
        except Exception:
            logger.exception("could not write the columns of the segments just committed")
            self.reset_searcher()

    def scorer(self, searcher, bitsets) -> Scorer:
        """Term-at-a-time BM25F rankings of the current searcher (quipu_whoosh.scoring)."""
        if self._scorer is None or self._scorer.searcher is not searcher:
            self._scorer = Scorer(searcher, bitsets, self.content_field_name)
            bitsets.term_bits = self._scorer.term_bits
        return self._scorer

    def top_documents(self, searcher, bitsets, parsed, matches, narrowing, sort_by, count) -> list:
        """[(docnum, score)] of the first `count` matches, best (or first in sort order) first."""
        if not matches or count <= 0:
            return []
        allowed = BitsetIds(matches, bitsets.size)
        if sort_by:
            name = sort_by[0].lstrip("-")
            # Dates and numbers are sorted from the stored columns; text by Whoosh's own sort.
            if len(sort_by) == 1 and isinstance(self.schema[name].column_type, columns.NumericColumn):
                order = bitsets.sorted_docnums(name, reverse=sort_by[0].startswith("-"))
                return [(docnum, 0.0) for docnum in bitsets.first(order, matches, count)]
            results = search_within_budget(
                searcher, parsed, limit=count, filter=allowed, sortedby=self.sorting(sort_by)
            )
            return [(hit.docnum, hit.score or 0.0) for hit in results]
        scoring = self.scoring_query(parsed)
        if scoring is None:  # only filters (or everything): every match scores the same
            return [(docnum, 0.0) for docnum in itertools.islice(docnums_of(matches), count)]
        restricted = scoring is not parsed or narrowing is not None
        fast = self.scorer(searcher, bitsets).top(scoring, matches if restricted else None, count)
        if fast is not None:
            return fast
        results = search_within_budget(searcher, scoring, limit=count, filter=allowed if restricted else None)
        return [(hit.docnum, hit.score or 0.0) for hit in results]

    def scoring_query(self, parsed):
        """The part of the query that ranks: its clauses on the text field (filters only restrict)."""
        content = self.content_field_name

        def ranks(query) -> bool:
            return any(leaf.field() == content for leaf in query.leaves() if hasattr(leaf, "field"))

        if isinstance(parsed, wq.Every):
            return None
        if isinstance(parsed, wq.And):
            kept = [child for child in parsed.subqueries if ranks(child)]
            if len(kept) == len(parsed.subqueries):
                return parsed
            return (kept[0] if len(kept) == 1 else wq.And(kept)) if kept else None
        return parsed if ranks(parsed) else None

    def spelling(self, query_string: str):
        if not self.include_spelling:
            return None
        return self.create_spelling_suggestion(query_string)

    # Results

    def facet_counts(self, bitsets, matches: int, facets) -> dict[str, list[tuple]]:
        counts = {}
        for name in facets or ():
            pairs = [
                (value, count)
                for value, count in bitsets.facet_counts(name, matches).items()
                if value not in (None, "") and not self.is_missing_number(value)
            ]
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
        text = likely_passages(text, terms)
        if not text:
            return ""
        return highlight(
            text,
            terms,
            self.schema[self.content_field_name].analyzer,
            ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
            MarkFormatter(),
            top=SNIPPET_FRAGMENTS,
        )

    def build_results(self, searcher, hits, terms, result_class) -> list[SearchResult]:
        """SearchResults for [(docnum, score)] hits."""
        result_class = result_class or SearchResult
        built = []
        for docnum, score in budget.checked(hits, every=16):
            stored = dict(searcher.stored_fields(docnum))
            app_label, model_name = stored.pop(DJANGO_CT).split(".")
            model = haystack_get_model(app_label, model_name)
            if model is None:  # an entry left by a model no longer indexed
                continue
            pk = stored.pop(DJANGO_ID)
            values = self.convert_stored(model, stored)
            values.update({DJANGO_CT: f"{app_label}.{model_name}", DJANGO_ID: pk})  # for values_list()
            if terms is not None:
                text = stored.get(self.content_field_name, "")
                values["highlighted"] = LazySnippet(
                    self.content_field_name, partial(self.highlight, text, terms)
                )
            built.append(result_class(app_label, model_name, pk, score, **values))
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
        for word in budget.checked(words, every=1):
            suggestion = suggest_word(reader, self.content_field_name, field, word)
            if suggestion:
                found[word] = suggestion
        return found

    # Health

    def index_is_readable(self) -> bool:
        """The index exists and every segment of its latest generation opens.

        haystack's setup() would create a missing index empty: look before it.
        """
        if not self.use_file_storage:  # an index in memory: a real query, as for a search server
            return super().index_is_readable()
        if not exists_in(self.path):
            logger.error("health check: no search index in %s", self.path)
            return False
        if not self.setup_complete:
            self.setup()
        with self.index.reader() as reader:  # opens every segment of the latest generation
            reader.doc_count()
        return True

    # Highlighting: the index's own analysis (its text field's StemmingAnalyzer)

    def analysis(self):
        return WHOOSH_ANALYSIS

    # Writing: only ever through archive.search.indexing, which holds the lock.

    def write_lock(self):
        """A lock file in the index (one host); taken over from a holder that is gone."""
        if not self.setup_complete:
            self.setup()
        if not isinstance(self.storage, FileStorage):
            return self.storage.lock(indexing.LOCK_NAME)  # an index in memory: one process
        folder = self.storage.folder
        # Whoosh's own writer lock is only ever taken under ours: a stale holder of ours holds both.
        writer_lock = os.path.join(folder, f"{self.index.indexname}_WRITELOCK")
        return HolderLock(os.path.join(folder, indexing.LOCK_NAME), companions=(writer_lock,))

    def write(self, index, objects, delete_ids) -> None:
        writing.write(self, index, objects, delete_ids)

    def open_bulk_session(self, commit_every=None, expected=None):
        return writing.BulkSession(self, commit_every, expected)

    def import_commit_every(self) -> int:
        return writing.IMPORT_COMMIT_DOCUMENTS

    def check_index(self, index):
        from quipu_whoosh.index_check import check_index

        return check_index(self, index)

    def known_words(self, words) -> set[str]:
        """From the index's term statistics: a word is known when one of its stems is."""
        analysis = self.analysis()
        with self.one_generation() as searcher:
            reader = searcher.reader()
            field = self.content_field_name
            return {
                word
                for word in words
                if any(reader.doc_frequency(field, stem) for stem in analysis.stems(word))
            }

    def word_frequencies(self, words) -> dict[str, int]:
        """From the index's term statistics: a word counts the documents of its commonest stem."""
        analysis = self.analysis()
        with self.one_generation() as searcher:
            reader = searcher.reader()
            field = self.content_field_name
            return {
                word: max((reader.doc_frequency(field, stem) for stem in analysis.stems(word)), default=0)
                for word in words
            }

    def document_frequencies(self, values):
        """From the index's term statistics: no search (a document page asks for each of its
        tags). Until segments merge, a deleted document still counts: close enough for weights."""
        with self.one_generation() as searcher:
            reader = searcher.reader()
            held = {}
            for field, field_values in values.items():
                name = f"{field}_exact"
                to_bytes = self.schema[name].to_bytes
                for value in field_values:
                    held[(field, value)] = reader.doc_frequency(name, to_bytes(value))
            return searcher.doc_count(), held

    # haystack's write API (update_index, rebuild_index, clear_index), under the index lock.

    def update(self, index, iterable, commit=True):
        objects = list(iterable)
        if objects:
            indexing.locked(self, lambda: indexing.write(self, index, objects))

    def remove(self, obj_or_string, commit=True):
        identifier = get_identifier(obj_or_string)
        indexing.locked(self, lambda: indexing.write(self, None, (), [identifier]))

    def clear(self, models=None, commit=True):
        writing.clear(self, models)


class QuipuWhooshSearchQuery(WhooshSearchQuery):
    def matching_all_fragment(self):
        # Parsed as Every(); `*` would be a wildcard over every term (haystack #1575).
        return QuipuWhooshSearchBackend.matching_all

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


class QuipuWhooshEngine(WhooshEngine):
    backend = QuipuWhooshSearchBackend
    query = QuipuWhooshSearchQuery
