"""haystack's Whoosh backend with the traps of docs/haystack-whoosh.md fixed.

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
- Every search stops when its time budget is spent (archive.search.budget), and prefix and
  fuzzy terms may expand to ARCHIVE_SEARCH_MAX_EXPANSIONS words in all.
- Every write goes through archive.search.queue, which holds the index's write lock.
"""

from __future__ import annotations

import heapq
import itertools
from contextlib import contextmanager

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, FUZZY_WHOOSH_MIN_PREFIX, ID
from haystack.exceptions import SearchBackendError
from haystack.inputs import Exact
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import classify
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, highlight
from whoosh.qparser import QueryParser
from whoosh.sorting import FieldFacet

from archive.search import budget, whoosh_fixes, writing
from archive.search.bitsets import BitsetIds, ReaderBitsets, docnums_of
from archive.search.paragraphs import could_match, needle
from archive.search.schema import build_schema
from archive.search.scoring import Scorer, Unsupported
from archive.search.spelling import suggest_word
from archive.search.whoosh_terms import MarkFormatter, WordFuzzyPlugin, search_within_budget

whoosh_fixes.apply()

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


class QueryTooBroad(SearchBackendError):
    """A prefix or fuzzy term matches too many different words, alone or with the others."""

    def __init__(self, term: str, fuzzy: bool = False, together: bool = False):
        super().__init__(f"{term!r} matches too many different words{' with the others' if together else ''}")
        self.term = term
        self.fuzzy = fuzzy
        self.together = together


# Key terms come from the opening of a document: re-analysing a whole 6 KB cable on every
# document page cost ~70 ms of its ~100 ms (profile at 10,000 cables).
SIMILARITY_PROFILE_CHARS = 1500
RELATED_CACHE_SIZE = 2000
# Key terms of "related documents": the most distinctive words of the profile (Whoosh's Bo1
# model), leaving out words held by more than this share of the archive, as Lucene's
# MoreLikeThis does with maxDocFreqPct: they say little about a document and their long
# posting lists cost the most to score.
KEY_TERMS = 5
KEY_TERM_MAX_DOC_SHARE = 0.05
KEY_TERM_MIN_DOC_CAP = 50
# ... and more than this many documents: at 250,000 cables 5 % is 12,500 postings a word.
KEY_TERM_MAX_DOCS = 2500
MAX_CACHED_WORDS = 200_000


def similarity_profile(document) -> str | None:
    """Title, subject and the opening paragraphs: what a document is about, cheaply."""
    paragraphs = getattr(document, "paragraphs", None)
    if paragraphs is None:
        return None
    parts = [getattr(document, "title", ""), getattr(document, "subject", "")]
    size = 0
    for paragraph in paragraphs.all():
        parts.append(paragraph.text)
        size += len(paragraph.text)
        if size >= SIMILARITY_PROFILE_CHARS:
            break
    return "\n".join(part for part in parts if part)[: SIMILARITY_PROFILE_CHARS * 2] or None


class ArchiveWhooshSearchBackend(WhooshSearchBackend):
    matching_all = "*:*"

    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_version = None
        self._pinned = None
        self._related_cache = {}
        self._bitsets = None
        self._scorer = None
        self._segment_columns = {}  # archive.search.bitsets.SegmentColumns by segment, kept across commits
        self.multi_valued_fields = set()
        self.bulk_session = None  # archive.search.writing.BulkSession while one is open
        self._word_statistics = {}  # key_terms' cache, for one searcher (under the key None)

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
            self._bitsets = ReaderBitsets(searcher, self.schema, self._segment_columns)
        return self._bitsets

    def scorer(self, searcher, bitsets) -> Scorer:
        """Term-at-a-time BM25F rankings of the current searcher (archive.search.scoring)."""
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
            if len(sort_by) == 1 and self.schema[name].column_type is not None:
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

    def more_like_this(self, model_instance, *args, **kwargs):
        with self.one_generation():
            # Readers revisit documents: keep each one's related list until the index changes.
            key = (
                get_identifier(model_instance),
                self._searcher_version,
                repr(args),
                repr(sorted(kwargs.items())),
            )
            cache = self._related_cache
            if cache.get("version") != self._searcher_version:
                cache.clear()
                cache["version"] = self._searcher_version
            if key not in cache:
                if len(cache) > RELATED_CACHE_SIZE:
                    cache.clear()
                    cache["version"] = self._searcher_version
                cache[key] = self.more_like_this_one_generation(model_instance, *args, **kwargs)
            return cache[key]

    def more_like_this_one_generation(
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
        hits = self.similar_documents(
            searcher,
            docnum,
            similarity_profile(model_instance),
            wq.And(filters) if filters else None,
            end_offset or 20,
        )
        return {
            "results": self.build_results(searcher, hits[start_offset or 0 : end_offset], None, result_class),
            "hits": len(hits),
        }

    def key_terms(self, searcher, docnum: int, text: str | None) -> list[tuple[str, float]]:
        """[(word, weight)] that best tell this document from the rest (see KEY_TERMS).

        Whoosh's Expander.expanded_terms with the Bo1 model, the words' statistics cached per
        searcher (a document page asks for ~200 words, most of them asked before).
        """
        field = self.content_field_name
        reader = searcher.reader()
        expander = classify.Expander(reader, field, model=classify.Bo1Model)
        if text:
            expander.add_text(text)
        elif reader.has_vector(docnum, field):
            expander.add(reader.vector_as("weight", docnum, field))
        else:
            return searcher.key_terms([docnum], field, numterms=KEY_TERMS, normalize=False)
        cap = self.key_term_doc_cap(searcher)
        statistics = self.word_statistics(searcher)
        scored, best = [], 0.0
        for word, weight in expander.topN_weight.items():
            found = statistics(word)
            if found is None:
                continue
            collection_frequency, doc_frequency = found
            score = expander.model.score(weight, collection_frequency, expander.top_total)
            best = max(best, score)
            if doc_frequency <= cap:
                scored.append((score, word))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(word, score / best) for score, word in scored[:KEY_TERMS]]

    @staticmethod
    def key_term_doc_cap(searcher) -> int:
        share = int(searcher.doc_count() * KEY_TERM_MAX_DOC_SHARE)
        return min(KEY_TERM_MAX_DOCS, max(KEY_TERM_MIN_DOC_CAP, share))

    def word_statistics(self, searcher):
        """word → (collection frequency, document frequency) in the text field, or None; cached."""
        if self._word_statistics.get(None) is not searcher or len(self._word_statistics) > MAX_CACHED_WORDS:
            self._word_statistics = {None: searcher}
        cache, reader = self._word_statistics, searcher.reader()
        field, to_bytes = self.content_field_name, self.schema[self.content_field_name].to_bytes

        def lookup(word: str):
            if word not in cache:
                text = to_bytes(word)
                present = (field, text) in reader
                cache[word] = (
                    (reader.frequency(field, text), reader.doc_frequency(field, text)) if present else None
                )
            return cache[word]

        return lookup

    def similar_documents(self, searcher, docnum: int, text, filter_query, top: int) -> list:
        """[(docnum, score)] of the `top` documents scoring best on the key terms, this one left out.

        Whoosh's score for an OR of words is the sum of the words' scores: the term-at-a-time
        scorer gives each word's scores from its posting blocks (archive.search.scoring).
        """
        terms = [
            wq.Term(self.content_field_name, word, boost=weight)
            for word, weight in self.key_terms(searcher, docnum, text)
        ]
        if not terms:
            return []
        bitsets = self.bitsets()
        scorer = self.scorer(searcher, bitsets)
        allowed = bitsets.matches(filter_query) if filter_query is not None else None
        try:
            if not scorer.supported:
                raise Unsupported("weighting")
            totals: dict[int, float] = {}
            for term in terms:
                for other, score in scorer.term_scores(term).items():
                    totals[other] = totals.get(other, 0.0) + score
        except Unsupported:  # a weighting or a posting format the scorer does not read
            results = searcher.search(wq.Or(terms), limit=top, filter=filter_query, mask={docnum})
            return [(hit.docnum, hit.score or 0.0) for hit in results]
        totals.pop(docnum, None)
        if allowed is not None:
            data = scorer.bytes_of(allowed)
            totals = {d: s for d, s in totals.items() if data[d >> 3] >> (d & 7) & 1}
        # Best first; equal scores in document order, as Whoosh's collector gives them.
        return heapq.nsmallest(top, totals.items(), key=lambda item: (-item[1], item[0]))

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
                snippet = self.highlight(stored.get(self.content_field_name, ""), terms)
                values["highlighted"] = {self.content_field_name: [snippet] if snippet else []}
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
