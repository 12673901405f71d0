"""Match sets as Python integers (one bit per Whoosh document number), cached per reader.

Whoosh counts facets by walking every matching document in Python and looking up each
facet's value per document (docs/haystack-whoosh.md, "Faceting"): cost grows with the matches
times the facets. Here, once per reader generation, each facet value gets the bitset of
its documents; a search's counts are then `(matches & value).bit_count()`, done in C.
Filter clauses (facet values, date ranges) are bitsets too, cached by query, so a filter
or a browse never walks its documents in Python again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import OrderedDict

from whoosh import columns
from whoosh import query as wq
from whoosh.fields import DATETIME
from whoosh.idsets import DocIdSet

from archive.search import budget

MAX_CACHED_QUERIES = 256


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
    """One segment's column values and facet-value bitsets, in the segment's own numbering.

    A segment's columns never change once written (deletions are kept apart), so this is
    cached per segment across reader generations: after a small commit only the new
    segment is read.
    """

    def __init__(self, reader):
        self.reader = reader
        self.size = reader.doc_count_all()
        self.columns: dict[str, list] = {}
        self.values: dict[str, dict] = {}

    def column(self, name: str, translate: bool = True) -> list:
        """Every document's value (list values may be shared between documents: read only)."""
        key = name if translate else f"{name}:raw"
        if key not in self.columns:
            if not self.reader.has_column(name):
                self.columns[key] = [None] * self.size
            else:
                values = bulk_column(self.reader, name, translate)
                if values is None:
                    values = list(self.reader.column_reader(name, translate=translate))
                self.columns[key] = values
        return self.columns[key]

    def value_bits(self, name: str) -> dict:
        """{facet value: bitset of the segment's documents with it} (deleted ones included)."""
        if name not in self.values:
            groups: dict[object, list[int]] = {}
            for docnum, value in enumerate(self.column(name)):
                if isinstance(value, list):
                    for item in value:
                        groups.setdefault(item, []).append(docnum)
                elif value is not None:
                    groups.setdefault(value, []).append(docnum)
            self.values[name] = {value: bits_of(docnums, self.size) for value, docnums in groups.items()}
        return self.values[name]


def bulk_column(reader, name: str, translate: bool) -> list | None:
    """A bytes or bytes-list column read in one piece and decoded once per distinct value.

    Whoosh reads such a column one document at a time (a file read and, for lists, a
    BytesIO per document): ~3 µs a document, most of the first facet count's cost.
    None for other column types.
    """
    raw = reader.column_reader(name, translate=False)
    is_list = isinstance(raw, columns.VarBytesListColumn.Reader)
    varbytes = raw._child if is_list else raw
    if not isinstance(varbytes, columns.VarBytesColumn.Reader):
        return None
    lengths, offsets = varbytes._lengths, varbytes._offsets
    end = max((offset + length for offset, length in zip(offsets, lengths, strict=True)), default=0)
    blob = varbytes._dbfile.get(varbytes._basepos, end) if end else b""
    convert = reader.schema[name].from_column_value if translate else None
    memo: dict[bytes, object] = {}
    values = []
    for offset, length in zip(offsets, lengths, strict=True):
        data = blob[offset : offset + length]
        value = memo.get(data)
        if value is None:
            value = decode_list(data) if is_list else data
            if convert is not None:
                value = convert(value)
            memo[data] = value
        values.append(value)
    return values


def decode_list(data: bytes) -> list[bytes]:
    """VarBytesListColumn's encoding: a varint count, then a varint length before each value."""
    if not data:
        return []
    count, position = varint(data, 0)
    out = []
    for _ in range(count):
        length, position = varint(data, position)
        out.append(data[position : position + length])
        position += length
    return out


def varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


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
    storage = getattr(reader, "_storage", None)
    # A compound segment is read through an overlay whose second storage is the index folder.
    folder = getattr(storage, "folder", None) or getattr(getattr(storage, "b", None), "folder", None)
    if folder is None:
        return None
    prefix = segment.segment_id()
    try:
        with os.scandir(folder) as entries:
            return max(
                (entry.stat().st_mtime_ns for entry in entries if entry.name.startswith(prefix)),
                default=None,
            )
    except OSError:
        return None


class ReaderBitsets:
    """Bitsets over one searcher's documents: live documents, facet values, query clauses.

    `segments` is a cache of SegmentColumns by segment, shared between generations; the
    entries of segments no longer in the index are dropped.
    """

    def __init__(self, searcher, schema, segments: dict | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = schema
        self.size = self.reader.doc_count_all()
        self.live = bits_of(self.reader.all_doc_ids(), self.size)
        self.values: dict[str, dict] = {}
        self.columns: dict[str, list] = {}
        self.orders: dict[str, list[int]] = {}
        self.queries: OrderedDict[str, int] = OrderedDict()
        # A word's documents read from its postings while scoring it (quipu_whoosh.scoring).
        self.term_bits = None
        cache = {} if segments is None else segments
        self.leaves = []
        current = set()
        for reader, offset in self.reader.leaf_readers():
            key = segment_key(reader)
            part = cache.get(key) if key is not None else None
            if part is None:
                part = SegmentColumns(reader)
                if key is not None:
                    cache[key] = part
            part.reader = reader  # the old generation's reader is closed
            current.add(key)
            self.leaves.append((part, offset))
        for key in [key for key in cache if key not in current]:
            del cache[key]

    # Facets

    def column(self, name: str, translate: bool = True) -> list:
        key = name if translate else f"{name}:raw"
        if key not in self.columns:
            values = []
            for part, _offset in self.leaves:
                values += part.column(name, translate)
            self.columns[key] = values
        return self.columns[key]

    def value_bits(self, name: str) -> dict:
        """{facet value: bitset of its live documents} for one facet field."""
        if name not in self.values:
            combined: dict[object, int] = {}
            for part, offset in self.leaves:
                for value, bits in part.value_bits(name).items():
                    combined[value] = combined.get(value, 0) | (bits << offset)
            live = self.live
            self.values[name] = {value: found for value, bits in combined.items() if (found := bits & live)}
        return self.values[name]

    def facet_counts(self, name: str, matches: int) -> dict:
        counts = {}
        for value, bits in self.value_bits(name).items():
            count = (bits & matches).bit_count()
            if count:
                counts[value] = count
        return counts

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
        raw = False
        if isinstance(parsed, wq.DateRange):
            start, end = naive(parsed.startdate), naive(parsed.enddate)
            values = self.column(parsed.fieldname)
        elif isinstance(self.schema[parsed.fieldname], DATETIME):
            values = self.column(parsed.fieldname, translate=False)  # the same numbers as the range
            values = [None if value == 0 else value for value in values]  # 0: no date
            raw = True
        else:
            values = self.column(parsed.fieldname)
        selected = []
        for docnum, value in enumerate(values):
            if value is None or (not raw and missing(value)):
                continue
            if start is not None and (value < start or (parsed.startexcl and value == start)):
                continue
            if end is not None and (value > end or (parsed.endexcl and value == end)):
                continue
            selected.append(docnum)
        return bits_of(selected, self.size) & self.live

    # Ordering

    def sorted_docnums(self, name: str, reverse: bool) -> list[int]:
        """Every document number ordered by this field's column (missing values last)."""
        key = f"{'-' if reverse else ''}{name}"
        if key not in self.orders:
            values = self.column(name)
            present = [d for d, v in enumerate(values) if v is not None and not missing(v)]
            absent = [d for d, v in enumerate(values) if v is None or missing(v)]
            # A stable sort: equal values keep increasing document numbers, as Whoosh's sort does.
            present.sort(key=values.__getitem__, reverse=reverse)
            self.orders[key] = present + absent
        return self.orders[key]

    def first(self, order: list[int], matches: int, count: int) -> list[int]:
        """The first `count` documents of `order` that are in `matches`."""
        data = matches.to_bytes((self.size >> 3) + 1, "little")
        found = []
        for docnum in order:
            if data[docnum >> 3] >> (docnum & 7) & 1:
                found.append(docnum)
                if len(found) >= count:
                    break
        return found


def missing(value) -> bool:
    if isinstance(value, dt.datetime):
        return value.year <= 1
    return isinstance(value, int) and value >= 2**31 - 1


def naive(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value
