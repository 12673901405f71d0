"""Each segment's facet and sort columns as arrays, written beside the segment at commit.

Whoosh reads a column one document at a time; grouping every facet column into value sets
before a new process's first search took 2.4 s at 50,000 cables and 2.9–6.7 s at 250,000,
paid by every gunicorn worker after each restart. Here the arrays are built once, when a
commit writes the segment, into one file beside the segment's own files. Its name
(`<index>_<segment id>.columns`) is one Whoosh's clean-up counts as the segment's, so it
is deleted with the segment. A new worker maps the file (the pages are shared with the
other workers through the page cache) and counts a facet with one `numpy.bincount`.

Per facet field: `codes`, each document's value as an index into `values` (for a
multi-valued field one entry per value held, with `docs` saying whose). Per numeric or
date column: `numbers` (dates as Whoosh's column numbers, microseconds since year 1) and
`present` (0 where the document has no value). Layout of the file: the length of a JSON
header (8 bytes, little-endian), the header, padding to 8 bytes, then the arrays the
header places.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import mmap
import os
import tempfile

import numpy as np
from whoosh import columns
from whoosh.fields import DATETIME

FORMAT = 1
EXTENSION = "columns"


class ColumnStore:
    """One segment's arrays, read from its file or built from its Whoosh columns."""

    def __init__(self, facets: dict, numbers: dict, size: int):
        self.facets = facets  # {name: Facet}
        self.numbers = numbers  # {name: Numbers}
        self.size = size


class Facet:
    def __init__(self, values: list, codes: np.ndarray, docs: np.ndarray | None):
        self.values = values
        self.codes = codes
        self.docs = docs  # None: one value a document, codes[docnum]


class Numbers:
    def __init__(self, numbers: np.ndarray, present: np.ndarray):
        self.numbers = numbers
        self.present = present


# Building


def build(reader, schema, facet_names, number_names) -> ColumnStore:
    size = reader.doc_count_all()
    facets = {}
    numbers = {}
    for name in number_names:
        if name in schema and reader.has_column(name):
            numbers[name] = read_numbers(reader, schema[name], name, size)
    for name in facet_names:
        if name not in schema or not reader.has_column(name):
            continue
        if name in numbers:
            facets[name] = facet_of_numbers(numbers[name])
        else:
            facets[name] = read_facet(reader, schema[name], name, size)
    return ColumnStore(facets, numbers, size)


def read_facet(reader, field, name: str, size: int) -> Facet:
    raw = reader.column_reader(name, translate=False)
    is_list = isinstance(raw, columns.VarBytesListColumn.Reader)
    items = bulk_bytes(raw._child if is_list else raw)
    if items is None:
        items = list(raw)
    index: dict[bytes, int] = {}
    if not is_list:
        codes = np.fromiter((index.setdefault(item, len(index)) for item in items), np.int32, size)
        return Facet(translated(field, index), codes, None)
    docs, codes = [], []
    for docnum, data in enumerate(items):
        for item in decode_list(data) if isinstance(data, bytes) else data:
            docs.append(docnum)
            codes.append(index.setdefault(item, len(index)))
    values = [field.from_column_value(value) if isinstance(value, bytes) else value for value in index]
    return Facet(values, np.array(codes, np.int32), np.array(docs, np.int32))


def translated(field, index: dict) -> list:
    return [field.from_column_value(value) for value in index]


def read_numbers(reader, field, name: str, size: int) -> Numbers:
    raw = reader.column_reader(name, translate=False)
    values = bulk_numbers(raw, size)
    if values is None:
        values = np.array(list(raw), np.int64 if isinstance(field, DATETIME) else None)
    if isinstance(field, DATETIME):
        # Whoosh's column number for a date; 0 (and anything before year 2): no date.
        values = values.astype(np.int64)
        return Numbers(values, (values >= YEAR_TWO).astype(np.uint8))
    distinct, inverse = np.unique(values, return_inverse=True)
    meaning = [
        field.from_column_value(int(value) if value.dtype.kind in "iu" else value) for value in distinct
    ]
    kind = np.float64 if any(isinstance(value, float) for value in meaning) else np.int64
    numbers = np.array(meaning, kind)[inverse] if len(meaning) else np.zeros(size, kind)
    absent = np.array([missing_number(value) for value in meaning], bool)
    present = ~absent[inverse] if len(meaning) else np.zeros(size, bool)
    return Numbers(numbers.reshape(size), present.reshape(size).astype(np.uint8))


YEAR_TWO = (dt.datetime(2, 1, 1) - dt.datetime.min) // dt.timedelta(microseconds=1)


def missing_number(value) -> bool:
    # A document without a value gets the numeric column's default (the type's maximum).
    return isinstance(value, int) and value >= 2**31 - 1


def facet_of_numbers(numbers: Numbers) -> Facet:
    distinct, inverse = np.unique(numbers.numbers, return_inverse=True)
    values = [value.item() for value in distinct]
    return Facet(values, inverse.astype(np.int32).reshape(-1), None)


def bulk_bytes(varbytes) -> list[bytes] | None:
    """A bytes column's values, read in one piece (Whoosh reads one document at a time,
    ~3 µs each). None for other column types."""
    if not isinstance(varbytes, columns.VarBytesColumn.Reader):
        return None
    lengths, offsets = varbytes._lengths, varbytes._offsets
    end = max((offset + length for offset, length in zip(offsets, lengths, strict=True)), default=0)
    blob = varbytes._dbfile.get(varbytes._basepos, end) if end else b""
    return [blob[offset : offset + length] for offset, length in zip(offsets, lengths, strict=True)]


def bulk_numbers(raw, size: int) -> np.ndarray | None:
    """A numeric column read in one piece: big-endian numbers, the default after the last."""
    if not isinstance(raw, columns.NumericColumn.Reader):
        return None
    dtype = np.dtype(">" + raw._typecode)
    count = min(raw._count, size)
    data = raw._dbfile.get(raw._basepos, count * dtype.itemsize) if count else b""
    values = np.full(size, raw._default, dtype.newbyteorder("="))
    values[:count] = np.frombuffer(data, dtype, count)
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


# The file


def path_of(folder: str, segment) -> str:
    return os.path.join(folder, f"{segment.segment_id()}.{EXTENSION}")


def stamp(size: int, written_at: int | None, facet_names, number_names) -> dict:
    """What makes a file this segment's, for these fields: its document count and the time its
    files were written (Whoosh draws segment ids from `random`, which a seeded process can draw
    again), and the fields asked for (a process with other facets builds its own)."""
    return {
        "format": FORMAT,
        "size": size,
        "written_at": written_at,
        "facets": sorted(facet_names),
        "numbers": sorted(number_names),
    }


def save(store: ColumnStore, path: str, stamped: dict) -> None:
    """Write the file whole under a temporary name, synced, then rename it: a reader never
    sees half of one. The temporary name is the segment's too, so Whoosh's clean-up deletes
    one left by a killed process with the segment."""
    arrays = {}
    header = {"stamp": stamped, "facets": {}, "numbers": []}
    for name, facet in store.facets.items():
        header["facets"][name] = {"values": facet.values, "list": facet.docs is not None}
        arrays[f"{name}:codes"] = facet.codes
        if facet.docs is not None:
            arrays[f"{name}:docs"] = facet.docs
    for name, numbers in store.numbers.items():
        header["numbers"].append(name)
        arrays[f"{name}:numbers"] = numbers.numbers
        arrays[f"{name}:present"] = numbers.present.astype(np.uint8)
    places = {}
    offset = 0
    for key, array in arrays.items():
        places[key] = [offset, array.dtype.str, len(array)]
        offset += aligned(array.nbytes)
    header["arrays"] = places
    encoded = json.dumps(header, separators=(",", ":")).encode()
    start = aligned(8 + len(encoded))
    folder = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f"{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(len(encoded).to_bytes(8, "little"))
            out.write(encoded)
            out.write(b"\0" * (start - 8 - len(encoded)))
            for array in arrays.values():
                data = np.ascontiguousarray(array).tobytes()
                out.write(data)
                out.write(b"\0" * (aligned(len(data)) - len(data)))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from workers run as another user
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def load(path: str, stamped: dict) -> ColumnStore | None:
    """The segment's arrays, mapped from its file; None if there is none, or if it is not
    stamped as this segment's for these fields (another index drew the same segment id, another
    version wrote it)."""
    try:
        with open(path, "rb") as handle:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        length = int.from_bytes(mapped[:8], "little")
        header = json.loads(mapped[8 : 8 + length])
        if header.get("stamp") != stamped:
            return None
        start = aligned(8 + length)

        def array(key):
            offset, dtype, count = header["arrays"][key]
            return np.frombuffer(mapped, np.dtype(dtype), count, start + offset)

        facets = {
            name: Facet(
                about["values"], array(f"{name}:codes"), array(f"{name}:docs") if about["list"] else None
            )
            for name, about in header["facets"].items()
        }
        numbers = {
            name: Numbers(array(f"{name}:numbers"), array(f"{name}:present")) for name in header["numbers"]
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return ColumnStore(facets, numbers, stamped["size"])


def aligned(length: int) -> int:
    return -(-length // 8) * 8
