"""Match sets as Python integers (one bit per Whoosh document number), cached per reader.

Whoosh counts facets by walking every matching document in Python and looking up each
facet's value per document (docs/haystack-whoosh.md, "Faceting"): cost grows with the matches
times the facets. Here each segment's facet columns are arrays (quipu_whoosh.column_store,
written at commit), and a search's counts are one `numpy.bincount` of the matching
documents' values per facet. Filter clauses (facet values, date ranges) are bitsets,
cached by query, so a filter or a browse never walks its documents in Python again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import OrderedDict

import numpy as np
from whoosh import columns
from whoosh import query as wq
from whoosh.idsets import DocIdSet
from whoosh.util.times import datetime_to_long

from archive.search import budget
from quipu_whoosh import column_store

MAX_CACHED_QUERIES = 256

logger = logging.getLogger(__name__)


def bits_of(docnums, size: int) -> int:
    buffer = bytearray((size >> 3) + 1)
    for docnum in docnums:
        buffer[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(buffer, "little")


def docnums_of(bits: int):
    """The set bits' positions, in increasing order."""
    data = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            for offset in range(8):
                if byte >> offset & 1:
                    yield base + offset


class BitsetIds(DocIdSet):
    """A bitset as the allow-list Whoosh's collectors take (`filter=`): membership only."""

    def __init__(self, bits: int, size: int):
        self.bits = bits
        self.data = bits.to_bytes((size >> 3) + 1, "little")

    def __contains__(self, docnum) -> bool:
        return docnum >> 3 < len(self.data) and bool(self.data[docnum >> 3] >> (docnum & 7) & 1)

    def __len__(self) -> int:
        return self.bits.bit_count()

    def __bool__(self) -> bool:
        return bool(self.bits)

    def __iter__(self):
        return docnums_of(self.bits)


class SegmentColumns:
    """One segment's facet and sort columns (quipu_whoosh.column_store), in its own numbering.

    A segment's columns never change once written (deletions are kept apart), so this is
    cached per segment across reader generations: after a small commit only the new
    segment is read. The arrays come from the file written at commit; a segment without
    one (an index written before it existed) gets it built, and written for the next process.
    """

    def __init__(self, reader, facet_names, number_names):
        self.reader = reader
        self.size = reader.doc_count_all()
        self.facet_names = facet_names
        self.number_names = number_names
        self._store = None

    @property
    def store(self) -> column_store.ColumnStore:
        if self._store is None:
            self._store = self.stored() or self.built()
        return self._store

    def stored(self) -> column_store.ColumnStore | None:
        path = self.path()
        return column_store.load(path, self.stamp()) if path is not None else None

    def built(self) -> column_store.ColumnStore:
        store = column_store.build(self.reader, self.reader.schema, self.facet_names, self.number_names)
        path = self.path()
        if path is not None:
            try:
                column_store.save(store, path, self.stamp())
            except Exception:  # a read-only index, a full disk: every process builds its own
                logger.warning("could not save the columns of %s", path, exc_info=True)
        return store

    def stamp(self) -> dict:
        written_at = segment_written_at(self.reader, self.reader.segment())
        return column_store.stamp(self.size, written_at, self.facet_names, self.number_names)

    def path(self) -> str | None:
        segment = self.reader.segment() if hasattr(self.reader, "segment") else None
        folder = segment_folder(self.reader)
        if segment is None or folder is None:
            return None
        return column_store.path_of(folder, segment)


def segment_key(reader):
    """A key naming one written segment, whatever index it belongs to.

    Whoosh draws segment ids from the global `random`, which a seeded process (tests, a
    reseeded worker) can draw again: a new index could then reuse a cached segment of an
    old one. The segment files' creation time tells two such segments apart.
    """
    segment = reader.segment() if hasattr(reader, "segment") else None
    segid = getattr(segment, "segid", None)
    if segid is None:
        return None
    return (segid, reader.doc_count_all(), segment_written_at(reader, segment))


def segment_written_at(reader, segment) -> int | None:
    folder = segment_folder(reader)
    if folder is None:
        return None
    prefix = segment.segment_id()
    ours = f".{column_store.EXTENSION}"  # written later, by whoever reads the segment first
    try:
        with os.scandir(folder) as entries:
            return max(
                (
                    entry.stat().st_mtime_ns
                    for entry in entries
                    if entry.name.startswith(prefix) and ours not in entry.name
                ),
                default=None,
            )
    except OSError:
        return None


def segment_folder(reader) -> str | None:
    storage = getattr(reader, "_storage", None)
    # A compound segment is read through an overlay whose second storage is the index folder.
    return getattr(storage, "folder", None) or getattr(getattr(storage, "b", None), "folder", None)


class ReaderBitsets:
    """Bitsets over one searcher's documents: live documents, facet counts, query clauses.

    `segments` is a cache of SegmentColumns by segment, shared between generations; the
    entries of segments no longer in the index are dropped. `facet_names` are the fields
    counted as facets; every numeric or date column is kept for ranges and sorting.
    """

    def __init__(self, searcher, schema, segments: dict | None = None, facet_names=()):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = schema
        self.size = self.reader.doc_count_all()
        self.facets: dict[str, tuple] = {}
        self.numbers: dict[str, tuple] = {}
        self.orders: dict[str, np.ndarray] = {}
        self.queries: OrderedDict[str, int] = OrderedDict()
        self._mask = (None, None)
        self._counted = (None, None)
        self.facet_totals: dict[str, np.ndarray] = {}
        self.facet_offsets: dict[str, np.ndarray | None] = {}
        # A word's documents read from its postings while scoring it (quipu_whoosh.scoring).
        self.term_bits = None
        facet_names = frozenset(facet_names)
        number_names = self.number_names(schema)
        cache = {} if segments is None else segments
        self.leaves = []
        current = set()
        for reader, offset in self.reader.leaf_readers():
            key = segment_key(reader)
            part = cache.get(key) if key is not None else None
            if part is None:
                part = SegmentColumns(reader, facet_names, number_names)
                if key is not None:
                    cache[key] = part
            part.reader = reader  # the old generation's reader is closed
            current.add(key)
            self.leaves.append((part, offset))
        for key in [key for key in cache if key not in current]:
            del cache[key]
        self.live = self.live_bits()

    @staticmethod
    def number_names(schema) -> frozenset[str]:
        """The fields whose columns are kept for ranges and sorting: every number and date."""
        return frozenset(
            name for name, field in schema.items() if isinstance(field.column_type, columns.NumericColumn)
        )

    def live_bits(self) -> int:
        """Every document but the deleted ones, from the segments' deletion lists."""
        deleted = []
        for part, offset in self.leaves:
            segment = part.reader.segment() if hasattr(part.reader, "segment") else None
            if segment is None:
                return bits_of(self.reader.all_doc_ids(), self.size)
            deleted.extend(docnum + offset for docnum in segment.deleted_docs())
        return ((1 << self.size) - 1) & ~bits_of(deleted, self.size)

    def ensure_stored(self) -> None:
        """Read (or build and write) every segment's columns: run after a commit."""
        for part, _offset in self.leaves:
            part.store  # noqa: B018 (a property that loads)

    def mask(self, bits: int) -> np.ndarray:
        """A bitset as one bool per document (the last one asked is kept: a search asks it
        once per facet)."""
        if self._mask[0] is not bits:
            data = np.frombuffer(bits.to_bytes((self.size >> 3) + 1, "little"), np.uint8)
            self._mask = (bits, np.unpackbits(data, bitorder="little")[: self.size].view(bool))
        return self._mask[1]

    # Facets

    def facet(self, name: str) -> tuple[list, np.ndarray, np.ndarray | None]:
        """(values, each entry's value number, each entry's document or None: one a document)
        over the whole reader, the segments' value numbers made one."""
        if name not in self.facets:
            numbering: dict[object, int] = {}
            codes, docs = [], []
            single = True
            for part, offset in self.leaves:
                facet = part.store.facets.get(name)
                if facet is None:
                    single = False
                    continue
                renumber = np.array([numbering.setdefault(v, len(numbering)) for v in facet.values], np.int32)
                codes.append(renumber[facet.codes] if len(renumber) else facet.codes)
                if facet.docs is None:
                    docs.append(np.arange(offset, offset + part.size, dtype=np.int32))
                else:
                    single = False
                    docs.append(facet.docs + np.int32(offset))
            codes = np.concatenate(codes) if codes else np.zeros(0, np.int32)
            docs = None if single and codes.size == self.size else (np.concatenate(docs) if docs else codes)
            self.facets[name] = (list(numbering), codes, docs)
        return self.facets[name]

    def facet_counts(self, name: str, matches: int) -> dict:
        """{value: how many of the matches hold it}, the values none holds left out."""
        values, codes, docs = self.facet(name)
        if not values or not matches:
            return {}
        counted, are_matches = self.counted_docs(matches)
        if docs is None:
            held = codes[counted]
        else:
            entries = self.entries_of(name, counted)
            if entries is None:  # a facet's entries out of document order: read through the mask
                held, are_matches = codes[self.mask(matches)[docs]], True
            else:
                held = codes[entries]
        counts = np.bincount(held, minlength=len(values))
        if not are_matches:
            counts = self.facet_total(name) - counts
        return {values[code]: int(counts[code]) for code in np.flatnonzero(counts)}

    def counted_docs(self, bits: int) -> tuple[np.ndarray, bool]:
        """(document numbers, whether they are the matches): the matches, or when they are more
        than half the index the other documents. A common word matches most of the archive, and
        the totals less the others' values are the same counts for a fraction of the reading
        (16 facets at 250,000 cables: 29 ms a search, ~6 ms)."""
        if self._counted[0] is not bits:
            mask = self.mask(bits)
            if np.count_nonzero(mask) * 2 <= self.size:
                self._counted = (bits, (np.flatnonzero(mask), True))
            else:
                self._counted = (bits, (np.flatnonzero(~mask), False))
        return self._counted[1]

    def facet_total(self, name: str) -> np.ndarray:
        """How many documents of the whole reader hold each value, deleted ones included (the
        documents that are not matches include them)."""
        if name not in self.facet_totals:
            values, codes, _docs = self.facet(name)
            self.facet_totals[name] = np.bincount(codes, minlength=len(values))
        return self.facet_totals[name]

    def entries_of(self, name: str, counted: np.ndarray) -> np.ndarray | None:
        """Where the values of these documents stand in a multi-valued facet's entries; None
        if the entries are not in document order."""
        if name not in self.facet_offsets:
            _values, _codes, docs = self.facet(name)
            ordered = docs.size < 2 or bool(np.all(docs[1:] >= docs[:-1]))
            held = np.bincount(docs, minlength=self.size)[: self.size] if ordered else None
            self.facet_offsets[name] = np.concatenate(([0], np.cumsum(held))) if ordered else None
        offsets = self.facet_offsets[name]
        if offsets is None:
            return None
        starts = offsets[counted]
        lengths = offsets[counted + 1] - starts
        # Each document's run of entries, laid end to end: start + 0, 1, … length - 1.
        before = np.cumsum(lengths) - lengths
        return np.repeat(starts - before, lengths) + np.arange(int(lengths.sum()))

    def numbers_of(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(each document's number, whether it has one) for a numeric or date column."""
        if name not in self.numbers:
            numbers, present = [], []
            for part, _offset in self.leaves:
                column = part.store.numbers.get(name)
                if column is None:
                    numbers.append(np.zeros(part.size, np.int64))
                    present.append(np.zeros(part.size, bool))
                else:
                    numbers.append(column.numbers)
                    present.append(column.present.view(bool))
            if not numbers:
                self.numbers[name] = (np.zeros(0, np.int64), np.zeros(0, bool))
            else:
                self.numbers[name] = (np.concatenate(numbers), np.concatenate(present))
        return self.numbers[name]

    # Matching

    def matches(self, parsed) -> int:
        """The bitset of the live documents this query matches."""
        if isinstance(parsed, wq.Every) and not parsed.fieldname or parsed is wq.Every:
            return self.live
        if isinstance(parsed, wq.And):
            bits = self.live
            for child in parsed.subqueries:
                bits &= self.matches(child)
                if not bits:
                    break
            return bits
        if isinstance(parsed, wq.Or) and not isinstance(parsed, wq.DisjunctionMax):
            bits = 0
            for child in parsed.subqueries:
                bits |= self.matches(child)
            return bits
        if isinstance(parsed, wq.Not):
            return self.live & ~self.matches(parsed.query)
        if isinstance(parsed, wq.AndNot):
            return self.matches(parsed.a) & ~self.matches(parsed.b)
        if isinstance(parsed, wq.AndMaybe):
            return self.matches(parsed.a)
        if parsed is wq.NullQuery or isinstance(parsed, wq.NullQuery.__class__):
            return 0
        return self.cached(parsed)

    def cached(self, parsed) -> int:
        key = repr(parsed)
        bits = self.queries.get(key)
        if bits is None:
            bits = self.range_bits(parsed)
            if bits is None and self.term_bits is not None:
                bits = self.term_bits(parsed)
                bits = bits & self.live if bits is not None else None
            if bits is None:  # e.g. a phrase, matched one document at a time
                bits = bits_of(budget.checked(self.searcher.docs_for_query(parsed)), self.size) & self.live
            self.queries[key] = bits
            if len(self.queries) > MAX_CACHED_QUERIES:
                self.queries.popitem(last=False)
        else:
            self.queries.move_to_end(key)
        return bits

    def range_bits(self, parsed) -> int | None:
        """A date or number range read from its column (no walk over the range's terms)."""
        if not isinstance(parsed, wq.NumericRange) or not self.reader.has_column(parsed.fieldname):
            return None
        start, end = parsed.start, parsed.end
        if isinstance(parsed, wq.DateRange):
            # The column holds Whoosh's number for each date, as the range's start and end do.
            start, end = date_number(parsed.startdate), date_number(parsed.enddate)
        numbers, selected = self.numbers_of(parsed.fieldname)
        if start is not None:
            selected = selected & ((numbers > start) if parsed.startexcl else (numbers >= start))
        if end is not None:
            selected = selected & ((numbers < end) if parsed.endexcl else (numbers <= end))
        return bits_from_mask(selected) & self.live

    # Ordering

    def sorted_docnums(self, name: str, reverse: bool) -> np.ndarray:
        """Every document number ordered by this field's column (missing values last)."""
        key = f"{'-' if reverse else ''}{name}"
        if key not in self.orders:
            numbers, present = self.numbers_of(name)
            with_value = np.flatnonzero(present)
            keys = numbers[with_value]
            # A stable sort: equal values keep increasing document numbers, as Whoosh's sort does.
            order = np.argsort(-keys if reverse else keys, kind="stable")
            self.orders[key] = np.concatenate([with_value[order], np.flatnonzero(~present)])
        return self.orders[key]

    def first(self, order: np.ndarray, matches: int, count: int) -> list[int]:
        """The first `count` documents of `order` that are in `matches`."""
        return order[self.mask(matches)[order]][:count].tolist()


def bits_from_mask(mask: np.ndarray) -> int:
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def date_number(value) -> int | None:
    if value is None:
        return None
    return datetime_to_long(naive(value))


def naive(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value
