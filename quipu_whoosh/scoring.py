"""BM25F relevance computed term-at-a-time over whole posting blocks, ranked once per reader.

Whoosh scores a match by walking its matcher tree one document at a time (~2 µs a posting
for one word, more for phrases): a common word at 250,000 cables is ~75,000 postings.
Its block-quality skipping does not help here (every block holds a document good enough
to stay in the top 20). This module reads each segment's posting blocks as arrays and
applies the same formula (Whoosh's BM25F, the same floating-point operations in the
same order, so the same scores and the same top results: docs/search-engine.md,
"Term-at-a-time scoring"), then keeps the whole ranking
per reader: the next page, or the same words under another filter, is a walk down it.

Only the shapes whose Whoosh score is a plain sum are handled here: a word, a phrase
(the sum of its words' scores over the documents that hold the phrase), `a AND b`,
`a AND NOT b`. Anything else returns None and Whoosh's collector does the work.
"""

from __future__ import annotations

from collections import OrderedDict
from operator import itemgetter

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from archive.search import budget
from quipu_whoosh import column_store
from quipu_whoosh.bitsets import bits_of

# Cached rankings and word scores, by entries held (a (docnum, score) pair costs ~100 bytes):
# at 250,000 cables a common word's ranking is ~150,000 entries, so 64 of them could hold ~1 GB.
MAX_CACHED_RANKING_ENTRIES = 1_500_000
MAX_CACHED_TERM_ENTRIES = 1_500_000


class SizedCache:
    """Least recently used first out, bounded by the entries its values hold, not their number."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.items: OrderedDict = OrderedDict()
        self.entries = 0

    def get(self, key):
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        if key in self.items:
            self.entries -= len(self.items.pop(key))
        self.items[key] = value
        self.entries += len(value)
        # The newest value stays even if it is alone over the bound: it is in use.
        while self.entries > self.max_entries and len(self.items) > 1:
            _, oldest = self.items.popitem(last=False)
            self.entries -= len(oldest)

    def __len__(self) -> int:
        return len(self.items)


LENGTHS_ARRAY = np.array([byte_to_length(b) for b in range(256)], np.float64)


class Unsupported(Exception):
    pass


class Scorer:
    """Rankings of one searcher (one reader generation): [(docnum, score)], best first."""

    def __init__(self, searcher, bitsets, fieldname: str):
        self.searcher = searcher
        self.bitsets = bitsets
        self.fieldname = fieldname
        self.rankings = SizedCache(MAX_CACHED_RANKING_ENTRIES)
        self.terms = SizedCache(MAX_CACHED_TERM_ENTRIES)
        self._norms = None
        weighting = searcher.weighting
        self.supported = type(weighting) is BM25F and not weighting.use_final
        if self.supported:
            self.B = weighting._field_B.get(fieldname, weighting.B)
            self.K1 = weighting.K1
            self.avgfl = searcher.avg_field_length(fieldname) or 1

    def ranking(self, query) -> list | None:
        """Every document the query scores, as [(docnum, score)] by score then docnum; or None."""
        if not self.supported:
            return None
        key = repr(query)
        ranking = self.rankings.get(key)
        if ranking is not None:
            return ranking
        try:
            scores = self.scores(query)
        except Unsupported:
            return None
        # By score, best first; equal scores keep increasing document numbers (the dicts are
        # built in document order and a reversed sort is stable), as Whoosh's collector orders them.
        ranking = sorted(scores.items(), key=itemgetter(1), reverse=True)
        self.rankings.put(key, ranking)
        return ranking

    def top(self, query, allowed: int | None, count: int) -> list | None:
        """The best `count` [(docnum, score)] among `allowed` (a bitset; None: all); or None."""
        ranking = self.ranking(query)
        if ranking is None:
            return None
        if allowed is None:
            return ranking[:count]
        data = self.bytes_of(allowed)
        found = []
        for item in ranking:
            docnum = item[0]
            if data[docnum >> 3] >> (docnum & 7) & 1:
                found.append(item)
                if len(found) >= count:
                    break
        return found

    def bytes_of(self, bits: int) -> bytes:
        return bits.to_bytes((self.bitsets.size >> 3) + 1, "little")

    # Scores: {docnum: score}, computed the way Whoosh's matchers compute them

    def scores(self, query) -> dict:
        if type(query) is wq.Term:
            return self.term_scores(query)
        if type(query) is wq.Phrase:
            return self.phrase_scores(query)
        if isinstance(query, wq.And) and query.boost == 1:
            # Whoosh intersects the positive clauses (their scores add up) and drops the NOTs.
            positive = [child for child in query.subqueries if not isinstance(child, wq.Not)]
            negative = [child.query for child in query.subqueries if isinstance(child, wq.Not)]
            # Whoosh adds the clauses' scores in a tree ordered by their sizes, a NOT adding its
            # weight (1.0): only shapes where the order cannot change a float are done here.
            if not (len(positive) == 2 and not negative or len(positive) == 1 and len(negative) <= 1):
                raise Unsupported(repr(query))
            if any(child.boost != 1 for child in query.subqueries if isinstance(child, wq.Not)):
                raise Unsupported(repr(query))
            scores = self.scores(positive[0])
            if len(positive) == 2:
                b = self.scores(positive[1])
                return {docnum: score + b[docnum] for docnum, score in scores.items() if docnum in b}
            scores = self.without(scores, negative)
            return {docnum: score + 1.0 for docnum, score in scores.items()} if negative else scores
        if isinstance(query, wq.AndNot) and query.boost == 1:
            return self.without(self.scores(query.a), [query.b])
        raise Unsupported(repr(query))

    def without(self, scores: dict, queries) -> dict:
        excluded = 0
        for query in queries:
            excluded |= self.bitsets.matches(query)
        if not excluded:
            return scores
        data = self.bytes_of(excluded)
        return {d: s for d, s in scores.items() if not data[d >> 3] >> (d & 7) & 1}

    def norms(self) -> list:
        """Per top-level document number: K1 * ((1 - B) + B * length / average length).

        Computed over whole arrays with the same operations in the same order as the Python
        expression, so each value is the same float; NaN for a document without the field."""
        if self._norms is None:
            K1, B, avgfl = self.K1, self.B, self.avgfl
            parts = []
            for subsearcher, _offset in self.searcher.leaf_searchers():
                reader = subsearcher.reader()
                count = reader.doc_count_all()
                codes = self.length_codes(reader, count)
                if codes is not None:
                    lengths = np.where(codes > 0, LENGTHS_ARRAY[codes], np.nan)
                else:
                    lengths = np.array(
                        [reader.doc_field_length(d, self.fieldname, 1) for d in range(count)], np.float64
                    )
                parts.append(K1 * ((1 - B) + B * lengths / avgfl))
            self._norms = np.concatenate(parts).tolist() if parts else []
        return self._norms

    def length_codes(self, reader, count: int):
        """whoosh3's one-byte-a-document field lengths of this segment, read whole, or None."""
        perdoc = getattr(reader, "_perdoc", None)
        try:
            column = perdoc._cached_reader(f"_{self.fieldname}_len", LENGTHS_COLUMN)
        except AttributeError:
            return None
        if column is None:
            return None
        return column_store.bulk_numbers(column, count)

    def term_scores(self, query) -> dict:
        """{docnum: score} of one word (cached: a phrase, an AND and the match set reuse it)."""
        key = repr(query)
        scores = self.terms.get(key)
        if scores is None:
            scores = self.read_term_scores(query)
            self.terms.put(key, scores)
        return scores

    def read_term_scores(self, query) -> dict:
        if query.fieldname != self.fieldname or getattr(query, "minquality", None):
            raise Unsupported(repr(query))
        field = self.searcher.schema[self.fieldname]
        if not field.scorable:
            raise Unsupported(repr(query))
        try:
            text = field.to_bytes(query.text)
        except ValueError:
            return {}
        norms = self.norms()
        K1 = self.K1
        K1_plus_1 = K1 + 1
        idf = self.searcher.idf(self.fieldname, text)
        boost = query.boost
        scores = {}
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            if (self.fieldname, text) not in reader:
                continue
            matcher = reader.postings(self.fieldname, text)
            deleted = None
            if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
                deleted, matcher = reader.deleted_docs_set, matcher.child
            if not hasattr(matcher, "_read_weights"):
                raise Unsupported(repr(query))
            while matcher.is_active():
                budget.check()
                matcher._read_ids()
                matcher._read_weights()
                for docnum, tf in zip(matcher._ids, matcher._weights, strict=True):
                    if deleted is not None and docnum in deleted:
                        continue
                    docnum += offset
                    # BM25F: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
                    score = idf * ((tf * K1_plus_1) / (tf + norms[docnum]))
                    scores[docnum] = score * boost if boost != 1.0 else score
                matcher._next_block()
        return scores

    def term_bits(self, query) -> int | None:
        """The bitset of the documents holding this word (from its postings), or None."""
        if isinstance(query, wq.MultiTerm):
            return self.expansion_bits(query)
        if type(query) is not wq.Term or getattr(query, "minquality", None):
            return None
        if query.fieldname == self.fieldname and self.supported:
            try:
                return bits_of(self.term_scores(query), self.bitsets.size)
            except Unsupported:
                return None
        return self.posting_bits(query)

    def posting_bits(self, query) -> int | None:
        """A filter word's documents (a facet value, an identifier), read a block at a time."""
        if query.fieldname not in self.searcher.schema:
            return None
        field = self.searcher.schema[query.fieldname]
        try:
            text = field.to_bytes(query.text)
        except ValueError:
            return 0
        docnums = []
        for subsearcher, offset in self.searcher.leaf_searchers():
            found = segment_docnums(subsearcher.reader(), query.fieldname, text, offset)
            if found is None:
                return None
            docnums += found
        return bits_of(docnums, self.bitsets.size)

    def expansion_bits(self, query) -> int | None:
        """A prefix or fuzzy term's documents: those of the words it expands to in each segment
        (as Whoosh's matcher for it finds them), read a block at a time instead of one
        document at a time through an OR of up to thousands of words."""
        fieldname = query.field()
        if fieldname not in self.searcher.schema:
            return None
        docnums = []
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            for text in budget.checked(query._btexts(reader), every=16):
                found = segment_docnums(reader, fieldname, text, offset) if text else []
                if found is None:
                    return None
                docnums += found
        return bits_of(docnums, self.bitsets.size)

    def phrase_scores(self, query) -> dict:
        if query.fieldname != self.fieldname or query.boost != 1 or not query.words:
            raise Unsupported(repr(query))
        matched = self.bitsets.matches(query)
        if not matched:
            return {}
        parts = [self.term_scores(wq.Term(self.fieldname, word)) for word in query.words]
        first, rest = parts[0], parts[1:]
        data = self.bytes_of(matched)
        scores = {}
        for docnum, score in first.items():
            if data[docnum >> 3] >> (docnum & 7) & 1:
                for part in rest:
                    score = score + part[docnum]
                scores[docnum] = score
        return scores


def segment_docnums(reader, fieldname: str, text: bytes, offset: int) -> list[int] | None:
    """The top-level numbers of one segment's documents holding a word, deleted ones included
    (callers mask with the live bits); None if its postings cannot be read in blocks."""
    if (fieldname, text) not in reader:
        return []
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the segment has deleted documents
    if not hasattr(matcher, "_read_ids"):
        return None
    docnums = []
    while matcher.is_active():
        budget.check()
        matcher._read_ids()
        docnums += [docnum + offset for docnum in matcher._ids] if offset else matcher._ids
        matcher._next_block()
    return docnums
