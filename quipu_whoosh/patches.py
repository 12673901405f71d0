"""Two fixes to Whoosh 2.7 itself, applied when the backend is imported (docs/search-engine.md,
"Indexing").

- Writing a segment asks, for every posting, the length of its document's field
  (W3PerDocumentReader.doc_field_length). For a field that stores no lengths (ids, facets,
  tags) the reader does not remember that the column is missing and asks the file system
  again: one stat() per posting, ~10 % of the time of indexing a cable.
- A writer sorts its postings in runs on disk, and Whoosh wrote and read each posting with
  its own marshal call: about 30 % of an indexing process's time. A run is now written and
  read in chunks of postings, one marshal call and one file read each.
"""

from __future__ import annotations

import marshal
import struct
from itertools import islice

from whoosh import writing
from whoosh.codec import whoosh3

_MISSING = object()
RUN_CHUNK = 8192  # postings per chunk of a sorting run
_SIZE = struct.Struct("<I")


def _cached_reader(self, fieldname, column):
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
    return reader


def _write_run(self, f, items):
    """A sorted run as length-prefixed marshalled chunks (`items` may be a merge of runs)."""
    iterator = iter(items)
    try:
        while chunk := list(islice(iterator, RUN_CHUNK)):
            data = marshal.dumps(chunk, 2)
            f.write(_SIZE.pack(len(data)))
            f.write(data)
    finally:
        f.close()


def _read_run(self, path):
    f = self._open_run(path)
    try:
        while header := f.read(_SIZE.size):
            (size,) = _SIZE.unpack(header)
            yield from marshal.loads(f.read(size))
    finally:
        f.close()
        self._remove_run(path)


def apply() -> None:
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    writing.PostingPool._write_run = _write_run
    writing.PostingPool._read_run = _read_run
