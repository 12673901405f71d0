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
`a AND NOT b`, and a query of words ORed (`a OR b OR c`, as the quote finder asks), added in
the order Whoosh adds them. Anything else returns None and Whoosh's collector does the work.
"""

from __future__ import annotations

import itertools
import pickle
from array import array
from bisect import bisect_right
from collections import OrderedDict

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from archive.search import budget
from quipu_whoosh import column_store
from quipu_whoosh.bitsets import bits_from_mask

# Whoosh's Or adds the words' scores of a segment of at most so many documents in an array,
# word after word (PreloadedOr); of a larger segment, along a tree (DefaultOr).
OR_ARRAY_MAX_DOCS = 5000
OR_TOO_MANY_CLAUSES = wq.Or.TOO_MANY_CLAUSES

# Cached rankings and word scores, by entries held (a document number and its score, 16 bytes
# in arrays): at 250,000 cables a common word's ranking is ~150,000 entries, 2.4 MB.
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


class Scores:
    """{docnum: score} as two arrays: document numbers in increasing order, and their scores."""

    def __init__(self, docs: np.ndarray, values: np.ndarray):
        self.docs = docs
        self.values = values

    def __len__(self) -> int:
        return len(self.docs)

    def items(self):
        return zip(self.docs.tolist(), self.values.tolist(), strict=True)

    def scores_at(self, docs: np.ndarray) -> np.ndarray:
        """The scores of these documents (each one of ours)."""
        return self.values[np.searchsorted(self.docs, docs)]

    def where(self, keep: np.ndarray) -> Scores:
        return Scores(self.docs[keep], self.values[keep])

    def between(self, first: int, end: int) -> Scores:
        """The documents numbered from `first` up to `end` (one segment's)."""
        start, stop = np.searchsorted(self.docs, [first, end])
        return Scores(self.docs[start:stop], self.values[start:stop])


def union(a: Scores, b: Scores) -> Scores:
    """Whoosh's UnionMatcher: a document in both scores a + b, in one the score it has there."""
    docs = np.union1d(a.docs, b.docs)
    values = np.zeros(len(docs), np.float64)
    values[np.searchsorted(docs, a.docs)] = a.values
    values[np.searchsorted(docs, b.docs)] += b.values
    return Scores(docs, values)


def weighted_union(sizes: list[int], parts: list[Scores]) -> Scores:
    """The union along Whoosh's make_weighted_tree: the two smallest (by estimated size, ties in
    query order) joined first, and the join put back after the parts of the same size."""
    nodes = sorted(zip(sizes, parts, strict=True), key=lambda node: node[0])
    while len(nodes) > 1:
        (size_a, a), (size_b, b) = nodes.pop(0), nodes.pop(0)
        size = size_a + size_b
        nodes.insert(bisect_right([node[0] for node in nodes], size), (size, union(a, b)))
    return nodes[0][1]


def list_union(parts: list[Scores]) -> Scores:
    """Whoosh's ArrayUnionMatcher: each part's scores added in turn, from 0."""
    found = parts[0]
    for part in parts[1:]:
        found = union(found, part)
    return found


def concatenated(pieces: list[Scores]) -> Scores:
    if not pieces:
        return NO_SCORES
    return Scores(np.concatenate([p.docs for p in pieces]), np.concatenate([p.values for p in pieces]))


NO_SCORES = Scores(np.zeros(0, np.int64), np.zeros(0, np.float64))


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

    def forget(self) -> None:
        """Drop the cached rankings and word scores (the lengths stay: they are the index's)."""
        self.rankings = SizedCache(MAX_CACHED_RANKING_ENTRIES)
        self.terms = SizedCache(MAX_CACHED_TERM_ENTRIES)

    def ranking(self, query) -> Scores | None:
        """Every document the query scores, by score then docnum; or None."""
        if not self.supported:
            return None
        key = repr(query)
        ranking = self.rankings.get(key)
        if ranking is not None:
            return ranking
        try:
            scores = self.or_scores(query) if type(query) is wq.Or else self.scores(query)
        except Unsupported:
            return None
        # Best first; equal scores keep increasing document numbers, as Whoosh's collector does.
        order = np.lexsort((scores.docs, -scores.values))
        ranking = Scores(scores.docs[order], scores.values[order])
        self.rankings.put(key, ranking)
        return ranking

    def top(self, query, allowed: int | None, count: int) -> list | None:
        """The best `count` [(docnum, score)] among `allowed` (a bitset; None: all); or None."""
        ranking = self.ranking(query)
        if ranking is None:
            return None
        if allowed is not None:
            ranking = ranking.where(self.bitsets.mask(allowed)[ranking.docs])
        return list(zip(ranking.docs[:count].tolist(), ranking.values[:count].tolist(), strict=True))

    def bytes_of(self, bits: int) -> bytes:
        return bits.to_bytes((self.bitsets.size >> 3) + 1, "little")

    # Scores, computed the way Whoosh's matchers compute them

    def scores(self, query) -> Scores:
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
                docs, mine, theirs = np.intersect1d(
                    scores.docs, b.docs, assume_unique=True, return_indices=True
                )
                return Scores(docs, scores.values[mine] + b.values[theirs])
            scores = self.without(scores, negative)
            return Scores(scores.docs, scores.values + 1.0) if negative else scores
        if isinstance(query, wq.AndNot) and query.boost == 1:
            return self.without(self.scores(query.a), [query.b])
        raise Unsupported(repr(query))

    def or_scores(self, query) -> Scores:
        """A top-level OR of words, scored per segment as Whoosh's Or would choose to: word after
        word in an array for a segment of at most OR_ARRAY_MAX_DOCS documents, else along a tree
        of the words' sizes in that segment; two words in either way. (Inside an AND, Whoosh
        needs the current document and always builds the tree: not handled here.)"""
        children = query.subqueries
        if query.boost != 1 or query.scale or query.minmatch:
            raise Unsupported(repr(query))
        if len(children) == 1:
            return self.scores(children[0])
        if len(children) >= OR_TOO_MANY_CLAUSES or any(type(child) is not wq.Term for child in children):
            raise Unsupported(repr(query))
        parts = [self.term_scores(child) for child in children]
        pieces = []
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            count = reader.doc_count_all()
            own = [part.between(offset, offset + count) for part in parts]
            if len(children) == 2 or count > OR_ARRAY_MAX_DOCS:
                pieces.append(weighted_union([child.estimate_size(reader) for child in children], own))
            else:
                pieces.append(list_union(own))
        return concatenated(pieces)

    def without(self, scores: Scores, queries) -> Scores:
        excluded = 0
        for query in queries:
            excluded |= self.bitsets.matches(query)
        if not excluded:
            return scores
        return scores.where(~self.bitsets.mask(excluded)[scores.docs])

    def norms(self) -> np.ndarray:
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
            self._norms = np.concatenate(parts) if parts else np.zeros(0)
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

    def term_scores(self, query) -> Scores:
        """The scores of one word (cached: a phrase, an AND and the match set reuse it)."""
        key = repr(query)
        scores = self.terms.get(key)
        if scores is None:
            scores = self.read_term_scores(query)
            self.terms.put(key, scores)
        return scores

    def read_term_scores(self, query) -> Scores:
        if query.fieldname != self.fieldname or getattr(query, "minquality", None):
            raise Unsupported(repr(query))
        field = self.searcher.schema[self.fieldname]
        if not field.scorable:
            raise Unsupported(repr(query))
        try:
            text = field.to_bytes(query.text)
        except ValueError:
            return NO_SCORES
        docs, frequencies = [], []
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            if (self.fieldname, text) not in reader:
                continue
            found = posting_arrays(reader, self.fieldname, text, offset, frequencies=True)
            if found is None:
                raise Unsupported(repr(query))
            docs.append(found[0])
            frequencies.append(found[1])
        if not docs:
            return NO_SCORES
        docs, tf = np.concatenate(docs), np.concatenate(frequencies)
        norms = self.norms()[docs]
        idf = self.searcher.idf(self.fieldname, text)
        # BM25F: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))), the same
        # operations in the same order as Whoosh's Python floats, so the same scores.
        values = idf * ((tf * (self.K1 + 1)) / (tf + norms))
        if query.boost != 1.0:
            values = values * query.boost
        return Scores(docs, values)

    def term_bits(self, query) -> int | None:
        """The bitset of the documents holding this word (from its postings), or None."""
        if isinstance(query, wq.MultiTerm):
            return self.expansion_bits(query)
        if type(query) is wq.Phrase and query.fieldname == self.fieldname and query.slop == 1:
            return self.phrase_bits(query)
        if type(query) is not wq.Term or getattr(query, "minquality", None):
            return None
        if query.fieldname == self.fieldname and self.supported:
            try:
                return self.bits_of_docs(self.term_scores(query).docs)
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
            docnums.append(found)
        return self.bits_of_docs(np.concatenate(docnums)) if docnums else 0

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
                found = segment_docnums(reader, fieldname, text, offset) if text else None
                if text and found is None:
                    return None
                if found is not None:
                    docnums.append(found)
        return self.bits_of_docs(np.concatenate(docnums)) if docnums else 0

    def bits_of_docs(self, docs: np.ndarray) -> int:
        mask = np.zeros(self.bitsets.size, bool)
        mask[docs] = True
        return bits_from_mask(mask)

    def phrase_bits(self, query) -> int | None:
        """A phrase's documents: those holding every word (the posting lists intersected as
        arrays), then each checked for the words at consecutive positions, as Whoosh's phrase
        (slop 1) matches them, without its matcher's per-document walk. None: not readable."""
        field = self.searcher.schema[self.fieldname]
        if not query.words or not field.format.supports("positions"):
            return None
        try:
            texts = [field.to_bytes(word) for word in query.words]
        except ValueError:
            return 0
        if type(field.format) is not Positions:
            return None
        found = []
        for subsearcher, offset in self.searcher.leaf_searchers():
            reader = subsearcher.reader()
            if any((self.fieldname, text) not in reader for text in texts):
                continue
            postings = [posting_values(reader, self.fieldname, text) for text in texts]
            if any(posting is None for posting in postings):
                return None
            common = postings[0][0]
            for docs, _values in postings[1:]:
                common = np.intersect1d(common, docs, assume_unique=True)
            # Keys (candidate, position) of the first word; kept where word k stands k later.
            starts = None
            for k, (docs, values) in enumerate(postings):
                rows = np.searchsorted(docs, common).tolist()
                keys = position_keys([values[row] for row in budget.checked(rows, every=1024)])
                starts = keys if starts is None else starts[np.isin(starts + k, keys)]
                if not starts.size:
                    break
            if starts is not None and starts.size:
                found.append(common[np.unique(starts >> POSITION_BITS)] + offset)
        return self.bits_of_docs(np.concatenate(found)) if found else 0

    def phrase_scores(self, query) -> Scores:
        if query.fieldname != self.fieldname or query.boost != 1 or not query.words:
            raise Unsupported(repr(query))
        matched = self.bitsets.matches(query)
        if not matched:
            return NO_SCORES
        parts = [self.term_scores(wq.Term(self.fieldname, word)) for word in query.words]
        first = parts[0].where(self.bitsets.mask(matched)[parts[0].docs])
        values = [first.values] + [part.scores_at(first.docs) for part in parts[1:]]
        return Scores(first.docs, tree_sum(values))


def tree_sum(values: list):
    """The sum of a phrase's word scores in the order Whoosh adds them: its phrase matcher
    intersects the words as a balanced binary tree (make_binary_tree), so three words add
    as s0 + (s1 + s2), four as (s0 + s1) + (s2 + s3)."""
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return tree_sum(values[:half]) + tree_sum(values[half:])


def block_postings(reader, fieldname: str, text: bytes):
    """(whoosh3's posting matcher of a word in one segment, the segment's deleted documents or
    None); None if the postings are not in whoosh3's block format."""
    matcher = reader.postings(fieldname, text)
    deleted = None
    if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
        deleted, matcher = reader.deleted_docs_set, matcher.child
    if not hasattr(matcher, "_read_data") or getattr(matcher, "_byteids", False):
        return None
    return matcher, deleted


def blocks(matcher):
    """Each posting block as (its document numbers in the segment, its data tuple: the gaps,
    the weights, the encoded values), read whole."""
    while matcher.is_active():
        budget.check()
        if matcher._data is None:
            matcher._read_data()
        yield np.cumsum(np.asarray(matcher._data[0], np.int64)), matcher._data  # delta-encoded
        matcher._next_block()


def posting_arrays(reader, fieldname: str, text: bytes, offset: int, frequencies: bool = False):
    """(top-level document numbers, term frequencies or None) of one segment's postings of a
    word, deleted documents left out; None if the postings are not in whoosh3's block format."""
    found = block_postings(reader, fieldname, text)
    if found is None:
        return None
    matcher, deleted = found
    ids, weights = [], []
    for block_ids, data in blocks(matcher):
        ids.append(block_ids)
        if frequencies:
            weights.append(block_weights(data[1], matcher._blocklength))
    if not ids:
        return np.zeros(0, np.int64), (np.zeros(0) if frequencies else None)
    docs = np.concatenate(ids)
    tf = np.concatenate(weights) if frequencies else None
    if deleted:
        keep = ~np.isin(docs, np.fromiter(deleted, np.int64, len(deleted)))
        docs, tf = docs[keep], (tf[keep] if frequencies else None)
    return docs + offset, tf


def posting_values(reader, fieldname: str, text: bytes):
    """(document numbers in the segment, each posting's encoded value: its positions) of a
    word, deleted documents included; None if the postings are not whoosh3's blocks of values."""
    found = block_postings(reader, fieldname, text)
    if found is None:
        return None
    ids, values = [], []
    for block_ids, data in blocks(found[0]):
        if not isinstance(data[2], (tuple, list)):
            return None
        ids.append(block_ids)
        values.extend(data[2])
    return (np.concatenate(ids) if ids else np.zeros(0, np.int64)), values


POSITION_BITS = 32


def position_keys(values: list[bytes]) -> np.ndarray:
    """candidate << 32 | position for every position of these postings (the i-th posting is
    candidate i). whoosh's Positions format: the count (4 bytes), then the pickled list of
    gaps between positions."""
    gaps = [decoded_gaps(value) for value in values]
    counts = np.fromiter(map(len, gaps), np.int64, len(gaps))
    flat = np.fromiter(itertools.chain.from_iterable(gaps), np.int64, int(counts.sum()))
    running = np.cumsum(flat)
    before = np.concatenate(([0], running))[np.cumsum(counts) - counts]  # the sum ahead of each
    positions = running - np.repeat(before, counts)
    owners = np.repeat(np.arange(len(gaps), dtype=np.int64), counts)
    return (owners << POSITION_BITS) | positions


def decoded_gaps(value: bytes) -> list[int]:
    try:
        return pickle.loads(value[4:])
    except pickle.UnpicklingError:  # written without the pickle's final "."
        return pickle.loads(value[4:] + b".")


def block_weights(weights, count: int) -> np.ndarray:
    """A block's weights as whoosh3's reader gives them: None is 1.0 each, one float is stored
    in a float32 array, a tuple keeps its floats."""
    if weights is None:
        return np.ones(count, np.float64)
    if isinstance(weights, float):
        return np.full(count, np.float32(weights), np.float64)
    if isinstance(weights, array):
        return np.frombuffer(weights, weights.typecode).astype(np.float64)
    return np.asarray(weights, np.float64)


def segment_docnums(reader, fieldname: str, text: bytes, offset: int) -> np.ndarray | None:
    """The top-level numbers of one segment's documents holding a word (deleted ones may be
    included: callers mask with the live bits); None if its postings cannot be read in blocks."""
    if (fieldname, text) not in reader:
        return np.zeros(0, np.int64)
    found = posting_arrays(reader, fieldname, text, offset)
    return None if found is None else found[0]
