"""The peers of `manage.py benchmark --peers tantivy,fts5`: the archive's documents in tantivy and
in SQLite FTS5, and the benchmark's searches translated to each.

Each peer indexes what Quipu's search index holds for a document (its text field, built by the
same `prepare_text`, plus the facets the benchmark filters on and the date) and answers a search
with (hit count, identifiers of the page asked for). A peer does what a plain application on that
engine would do: no facet counts, no highlighting, no paragraphs. What a peer cannot express
raises Unsupported, and the benchmark reports it instead of timing a different search.

tantivy is a benchmark-only dependency (requirements-bench.txt) and is imported only when asked
for; FTS5 comes with Python's sqlite3.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from archive.search.forms import DEFAULT_PAGE_SIZE, parse_partial_date
from archive.search.query import Group, Not, Phrase, Term, parse

INSTALL_HINT = "pip install -r requirements-bench.txt"
# Where both peers' analysis differs from Quipu's (quipu_whoosh/words.py).
ANALYSIS_NOTES = (
    'stop words kept: a phrase with one ("the embassy") needs it, Quipu drops it',
    "counter-terrorism and U.S. split into parts; Quipu also finds counterterrorism for them",
)
# The facets the benchmark filters on: a peer keeps them as whole values.
FILTER_FIELDS = ("origin", "classification")


class PeerUnavailable(RuntimeError):
    """A peer's library is not installed (or the name is unknown)."""


class Unsupported(ValueError):
    """A search the peer's query language cannot express."""


# The documents


@dataclass(frozen=True)
class PeerDocument:
    pk: int
    identifier: str
    text: str
    origin: str
    classification: str
    date: dt.date | None


def peer_documents(batch_size: int = 500) -> Iterator[list[PeerDocument]]:
    """Every indexed document, in batches, with the text Quipu's index holds."""
    from archive.models import Document
    from archive.search.indexes import DocumentIndex

    prepare_text = DocumentIndex().prepare_text
    documents = Document.objects.for_indexing().order_by("pk")
    batch = []
    for document in documents.iterator(chunk_size=batch_size):
        batch.append(
            PeerDocument(
                document.pk,
                document.identifier,
                prepare_text(document),
                document.origin,
                document.classification,
                document.date,
            )
        )
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


# The searches


@dataclass
class PeerQuery:
    """One benchmark search: the parsed words, whole-value filters, a date range and a page."""

    tree: object | None = None
    filters: dict[str, str] = field(default_factory=dict)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    offset: int = 0
    limit: int = DEFAULT_PAGE_SIZE

    @property
    def newest_first(self) -> bool:
        # The search page's default order: relevance with words, newest first without.
        return self.tree is None


def peer_query(params: dict[str, str]) -> PeerQuery:
    """The search page's GET parameters (as the benchmark sends them) → a PeerQuery."""
    query = PeerQuery()
    for name, value in params.items():
        if name == "q":
            query.tree = parse(value) if value.strip() else None
        elif name in FILTER_FIELDS:
            query.filters[name] = value
        elif name == "date_from":
            query.date_from = parse_partial_date(value, end=False)
        elif name == "date_to":
            query.date_to = parse_partial_date(value, end=True)
        elif name == "page":
            query.offset = (int(value) - 1) * query.limit
        else:
            raise Unsupported(f"the {name} parameter")
    return query


def split_field_terms(tree) -> tuple[object | None, dict[str, str]]:
    """origin:"Embassy Lima" in the words → a filter, when the whole query is an AND of it."""
    leaves = tree.children if isinstance(tree, Group) and tree.operator == "AND" else [tree]
    filters, rest = {}, []
    for leaf in leaves:
        if isinstance(leaf, (Term, Phrase)) and leaf.field in FILTER_FIELDS and not is_pattern(leaf):
            filters[leaf.field] = leaf.text
        else:
            rest.append(leaf)
    if not rest:
        return None, filters
    return (rest[0] if len(rest) == 1 else Group("AND", rest)), filters


def is_pattern(leaf) -> bool:
    return isinstance(leaf, Term) and (leaf.prefix or leaf.fuzzy)


def check_text_field(leaf) -> None:
    if leaf.field:
        raise Unsupported(f"the field {leaf.field}: (only the text and {', '.join(FILTER_FIELDS)})")


# SQLite FTS5


class Fts5Peer:
    """A contentless FTS5 table over the text (porter stemmer, like Quipu's Porter stemmer) and a
    plain table of the filter fields, with the indexes a filter or a date order needs."""

    name = "fts5"
    notes = (
        "Porter stemmer of the unicode61 tokenizer, grouping words unlike Quipu's: organization and "
        "generalized find more",
        *ANALYSIS_NOTES,
        "no fuzzy word~, no NOT alone or inside OR, no field:value but origin and classification",
    )

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "fts5.sqlite3"
        self.db = sqlite3.connect(self.path)

    def create(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            """
            CREATE TABLE documents (
                id INTEGER PRIMARY KEY, identifier TEXT, origin TEXT, classification TEXT, date TEXT
            );
            -- the facet filter of the benchmark and the newest-first order of a browse
            CREATE INDEX documents_origin ON documents (origin, date);
            CREATE INDEX documents_classification ON documents (classification, date);
            CREATE INDEX documents_date ON documents (date);
            CREATE VIRTUAL TABLE text_index USING fts5 (
                text, content='', tokenize='porter unicode61 remove_diacritics 2'
            );
            """
        )

    def index(self, documents: Iterable[PeerDocument]) -> None:
        self.create()
        self.add(documents)
        self.commit()

    def add(self, documents: Iterable[PeerDocument]) -> None:
        documents = list(documents)
        self.db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
            [
                (d.pk, d.identifier, d.origin, d.classification, d.date.isoformat() if d.date else None)
                for d in documents
            ],
        )
        self.db.executemany(
            "INSERT INTO text_index (rowid, text) VALUES (?, ?)", [(d.pk, d.text) for d in documents]
        )

    def commit(self) -> None:
        self.db.commit()
        self.db.execute("INSERT INTO text_index (text_index) VALUES ('optimize')")
        self.db.commit()

    def search(self, query: PeerQuery) -> tuple[int, list[str]]:
        sql_from, where, args = self.translate(query)
        count = self.db.execute(f"SELECT count(*) FROM {sql_from} WHERE {where}", args).fetchone()[0]
        order = "documents.date DESC, documents.id" if "text_index" not in sql_from else "text_index.rank"
        rows = self.db.execute(
            f"SELECT documents.identifier FROM {sql_from} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, query.limit, query.offset],
        )
        return count, [row[0] for row in rows]

    def translate(self, query: PeerQuery) -> tuple[str, str, list]:
        tree, filters = split_field_terms(query.tree) if query.tree else (None, {})
        conditions, args = [], []
        sql_from = "documents"
        if tree is not None:
            sql_from = "text_index JOIN documents ON documents.id = text_index.rowid"
            conditions.append("text_index MATCH ?")
            args.append(fts5_match(tree))
        for name, value in {**query.filters, **filters}.items():
            conditions.append(f"documents.{name} = ?")
            args.append(value)
        if query.date_from:
            conditions.append("documents.date >= ?")
            args.append(query.date_from.isoformat())
        if query.date_to:
            conditions.append("documents.date <= ?")
            args.append(query.date_to.isoformat())
        return sql_from, " AND ".join(conditions) or "1", args

    def size_mb(self) -> float:
        return round(self.path.stat().st_size / 2**20, 1)


def fts5_quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5_match(node) -> str:
    """A parsed query → an FTS5 MATCH expression (implicit AND, NOT binary, prefix "word" *)."""
    if isinstance(node, Term):
        check_text_field(node)
        if node.fuzzy:
            raise Unsupported("fuzzy words (word~)")
        return fts5_quoted(node.text) + (" *" if node.prefix else "")
    if isinstance(node, Phrase):
        check_text_field(node)
        return fts5_quoted(node.text)
    if isinstance(node, Not):
        raise Unsupported("NOT without a word to subtract from")
    wanted = [child for child in node.children if not isinstance(child, Not)]
    unwanted = [child.child for child in node.children if isinstance(child, Not)]
    if node.operator == "OR":
        if unwanted:
            raise Unsupported("NOT inside OR")
        return "(" + " OR ".join(fts5_match(child) for child in wanted) + ")"
    if not wanted:
        raise Unsupported("NOT without a word to subtract from")
    expression = "(" + " AND ".join(fts5_match(child) for child in wanted) + ")"
    for child in unwanted:
        expression += " NOT " + fts5_match(child)
    return expression


# tantivy


def import_tantivy():
    try:
        import tantivy
    except ImportError:
        raise PeerUnavailable(f"the tantivy peer needs the tantivy package: {INSTALL_HINT}") from None
    return tantivy


class TantivyPeer:
    """Text analysed by tantivy's en_stem (lower case, Snowball English stemmer), the filter fields
    as raw fast fields, the date as a fast date field for the newest-first order."""

    name = "tantivy"
    notes = (
        "Snowball English stemmer, grouping words unlike Quipu's: organization and generalized find more",
        *ANALYSIS_NOTES,
        "prefix* finds stems starting with the prefix's stem; no field:value but origin and classification",
    )

    def __init__(self, directory: Path, threads: int = 1):
        self.tantivy = import_tantivy()
        self.directory = directory / "tantivy"
        self.threads = threads
        self.schema = self.build_schema()
        self.index_ = None
        analyzer = self.tantivy.TextAnalyzerBuilder(self.tantivy.Tokenizer.simple())
        for step in (
            self.tantivy.Filter.remove_long(40),
            self.tantivy.Filter.lowercase(),
            self.tantivy.Filter.stemmer("english"),
        ):
            analyzer = analyzer.filter(step)
        self.analyzer = analyzer.build()  # what en_stem does to the indexed text
        if (self.directory / "meta.json").is_file():
            self.open()

    def build_schema(self):
        builder = self.tantivy.SchemaBuilder()
        builder.add_text_field("identifier", stored=True, tokenizer_name="raw")
        builder.add_text_field("text", tokenizer_name="en_stem")
        for name in FILTER_FIELDS:
            builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
        builder.add_date_field("date", indexed=True, fast=True)
        return builder.build()

    def open(self) -> None:
        self.index_ = self.tantivy.Index(self.schema, path=str(self.directory))
        self.searcher = self.index_.searcher()

    def create(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        self.index_ = self.tantivy.Index(self.schema, path=str(self.directory))
        self.writer = self.index_.writer(heap_size=256_000_000, num_threads=self.threads)

    def index(self, documents: Iterable[PeerDocument]) -> None:
        self.create()
        self.add(documents)
        self.commit()

    def add(self, documents: Iterable[PeerDocument]) -> None:
        for document in documents:
            entry = self.tantivy.Document()
            entry.add_text("identifier", document.identifier)
            entry.add_text("text", document.text)
            entry.add_text("origin", document.origin)
            entry.add_text("classification", document.classification)
            if document.date:
                entry.add_date("date", dt.datetime.combine(document.date, dt.time()))
            self.writer.add_document(entry)

    def commit(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.index_.reload()
        self.searcher = self.index_.searcher()

    def search(self, query: PeerQuery) -> tuple[int, list[str]]:
        order = {"order_by_field": "date", "order": self.tantivy.Order.Desc} if query.newest_first else {}
        found = self.searcher.search(
            self.translate(query), limit=query.limit, offset=query.offset, count=True, **order
        )
        return found.count, [self.searcher.doc(address)["identifier"][0] for _, address in found.hits]

    def translate(self, query: PeerQuery):
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        clauses = []
        if query.tree is not None:
            clauses.append((Occur.Must, self.words_query(query.tree)))
        for name, value in query.filters.items():
            clauses.append((Occur.Must, Query.term_query(self.schema, name, value)))
        if query.date_from or query.date_to:
            clauses.append((Occur.Must, self.date_query(query.date_from, query.date_to)))
        if not clauses:
            return Query.all_query()
        return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)

    def date_query(self, start: dt.date | None, end: dt.date | None):
        def moment(day):
            return dt.datetime.combine(day, dt.time()) if day else None

        return self.tantivy.Query.range_query(
            self.schema, "date", self.tantivy.FieldType.Date, moment(start), moment(end)
        )

    def words_query(self, node):
        Query, Occur = self.tantivy.Query, self.tantivy.Occur
        if isinstance(node, (Term, Phrase)):
            return self.leaf_query(node)
        if isinstance(node, Not):
            return Query.boolean_query(
                [(Occur.Must, Query.all_query()), (Occur.MustNot, self.words_query(node.child))]
            )
        clauses = []
        for child in node.children:
            if isinstance(child, Not) and node.operator == "AND":
                clauses.append((Occur.MustNot, self.words_query(child.child)))
            else:
                clauses.append(
                    (Occur.Should if node.operator == "OR" else Occur.Must, self.words_query(child))
                )
        if all(occur == Occur.MustNot for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)

    def leaf_query(self, leaf):
        Query = self.tantivy.Query
        if leaf.field in FILTER_FIELDS:
            if is_pattern(leaf):
                raise Unsupported(f"a prefix or fuzzy {leaf.field}: value")
            return Query.term_query(self.schema, leaf.field, leaf.text)
        check_text_field(leaf)
        words = self.analyzer.analyze(leaf.text)
        if isinstance(leaf, Term) and leaf.prefix:
            if len(words) != 1:
                raise Unsupported("a prefix of a word the analysis splits")
            # The index holds stems: security* looks for words starting with secur, as FTS5 does.
            return Query.regex_query(self.schema, "text", re.escape(words[0]) + ".*")
        if not words:
            return Query.empty_query()
        if isinstance(leaf, Term) and leaf.fuzzy:
            if len(words) > 1:
                raise Unsupported("a fuzzy compound word")
            return Query.fuzzy_term_query(self.schema, "text", words[0], distance=leaf.fuzzy)
        if len(words) == 1:
            return Query.term_query(self.schema, "text", words[0])
        return Query.phrase_query(self.schema, "text", words)

    def size_mb(self) -> float:
        return round(sum(f.stat().st_size for f in self.directory.rglob("*") if f.is_file()) / 2**20, 1)


PEERS = {"tantivy": TantivyPeer, "fts5": Fts5Peer}


def parse_peer_names(text: str) -> list[str]:
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(PEERS))
    if unknown or not names:
        raise PeerUnavailable(
            f"unknown peer {', '.join(unknown) or '(none)'}: choose from {', '.join(PEERS)}"
        )
    if "tantivy" in names:
        import_tantivy()
    return list(dict.fromkeys(names))


def make_peers(names: list[str], directory: Path) -> list:
    return [PEERS[name](directory) for name in names]
