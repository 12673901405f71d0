"""The CSV dialect of the Cablegate release's cables.csv: the importer reads it, the corpus
generator (tools) writes it."""

from __future__ import annotations

import csv


class CablesDialect(csv.Dialect):
    """The dialect of the release's cables.csv (the corpus generator writes it too): every field
    quoted, backslash escapes, newlines kept inside fields."""

    delimiter = ","
    quotechar = '"'
    escapechar = "\\"
    doublequote = False
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_ALL
    strict = False
