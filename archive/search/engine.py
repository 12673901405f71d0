"""What Quipu asks of a search engine beyond haystack's backend API, declared in one place.

haystack's backend API (search, update, remove, clear, more_like_this) serves every page.
Quipu needs a few things more, each with a plain fallback here so that a haystack backend
that knows nothing of them (Elasticsearch, Solr) still serves every page:

    index_is_readable()      GET /healthz: can the index be read now?
    suggest_words(words)     "Did you mean": spelling candidates for unknown words
    analysis()               what the engine calls a word and its stem: the highlighter's
                             notion of a match (paragraph hits, ?hl= on document pages)
    write_lock()             the lock every index write holds (archive.search.indexing)
    write(...)               one batch of index changes, lock held
    open_bulk_session(...)   many batches in one writer, committed together (update_index,
                             imports)
    check_index(index)       `manage.py check_index`: the index compared with the database
    document_frequencies(…)  how many documents hold each of some facet values, and how many
                             documents there are: how rare a tag or an origin is (related
                             documents weigh what two documents share by it)
    word_frequencies(words)  how many documents hold each word: the rarest words of a pasted
                             passage are the ones to look it up by (the quote finder)
    open_for_serving()       what a first search needs, opened when a web worker starts
                             (archive.serving.prepare_worker)
    forget_results()         drop the results kept between searches (a benchmark's uncached
                             round)

A backend class that does better subclasses SearchEngineExtensions and overrides what it
does (quipu_whoosh.backend). Callers reach them through `extensions(backend)` or
`search_engine(using)`, never by probing a backend for attributes.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connections as db_connections
from haystack.exceptions import SearchBackendError

from archive.search.locking import AdvisoryLock, HolderLock


class UnsupportedBackend(Exception):
    """The configured search engine cannot do this."""


class QueryTooBroad(SearchBackendError):
    """Raised by an engine: a prefix or fuzzy term matches too many different words, alone or
    with the others (the search page offers the query with that term as a plain word)."""

    def __init__(self, term: str, fuzzy: bool = False, together: bool = False):
        super().__init__(f"{term!r} matches too many different words{' with the others' if together else ''}")
        self.term = term
        self.fuzzy = fuzzy
        self.together = together


class Analysis:
    """How an engine cuts text into the words it matches, and what it matches them by.

    The plain analysis: words as the query language spells them, any case, matched whole
    (no stemming, no stop words), fuzzy words by Levenshtein distance. An engine whose
    index analyses text otherwise returns its own (quipu_whoosh.analysis).
    """

    token_pattern = re.compile(r"\w+(?:\.\w+)*")

    def indexed(self, word: str) -> bool:
        """Whether the engine indexes this (lowercased) word at all."""
        return bool(word)

    def stem(self, word: str) -> str:
        """The form the index holds for this lowercased word."""
        return word

    def stems(self, text: str) -> list[str]:
        """The indexed forms of a query's words, as the engine analyses a query."""
        return [self.stem(word) for word in self.words(text)]

    def words(self, text: str) -> list[str]:
        return [w for m in self.token_pattern.finditer(text) if self.indexed(w := m.group().lower())]

    def tokens(self, text: str, begin: int = 0):
        """(stem, start, end, position) of each indexed word of the text from `begin`, as the
        index holds it: a phrase matches words at consecutive positions. (An engine may give two
        words one position: Whoosh's a compound's joined form and its first part.)"""
        position = -1
        for match in self.token_pattern.finditer(text, begin):
            word = match.group().lower()
            if self.indexed(word):
                position += 1
                yield self.stem(word), match.start(), match.end(), position

    def distance(self, a: str, b: str, limit: int) -> int:
        """Edits between a and b as the engine's fuzzy terms count them (more than `limit`: any
        number above it)."""
        return levenshtein(a, b, limit)


def levenshtein(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


PLAIN_ANALYSIS = Analysis()


class BulkSession:
    """Writes held together and committed at once (a bulk session of archive.search.indexing).

    The engine's own session subclasses this. `handed_up_to` is the index queue's: the last
    queue row whose change this session holds.
    """

    handed_up_to = 0

    def write(self, index, objects, delete_ids) -> None:
        raise NotImplementedError

    def after_commit(self, callback) -> None:
        """Run callback once what was written so far is committed (the queue's row deletions)."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        """Drop what was written since the last commit, and stop any helper process."""
        raise NotImplementedError


class SearchEngineExtensions:
    """The extension points, with their plain fallbacks (see the module's docstring).

    Mixed into a haystack backend class, `self` is the backend; for any other backend,
    PlainExtensions wraps it. The fallbacks use only haystack's public API.
    """

    # Whether open_bulk_session gives a BulkSession; and the one open in this process, while
    # archive.search.indexing.bulk_session runs.
    has_bulk_sessions = False
    bulk_session: BulkSession | None = None

    @property
    def haystack_backend(self):
        return self

    def index_is_readable(self) -> bool:
        """Whether the index answers a real query now (raises or returns False when not)."""
        from haystack.query import SearchQuerySet

        from archive.models import Document

        list(SearchQuerySet(using=self.haystack_backend.connection_alias).models(Document)[:1])
        return True

    def suggest_words(self, words: list[str]) -> dict[str, str]:
        """{word: a better-known spelling} for the words the index does not know. Plain: none."""
        return {}

    def analysis(self) -> Analysis:
        return PLAIN_ANALYSIS

    def open_for_serving(self) -> None:
        """Open what a first search needs, when a web worker starts. Plain: nothing (a
        search server is already open)."""

    def forget_results(self) -> None:
        """Drop the results this process keeps between searches (rankings, match sets), as a
        benchmark's uncached round needs. Plain: nothing kept."""

    def known_words(self, words: list[str]) -> set[str]:
        """The words some document of the index holds. Plain: all of them (a search for a word
        no document holds finds nothing, at a little cost)."""
        return set(words)

    def word_frequencies(self, words: list[str]) -> dict[str, int] | None:
        """{word: how many documents hold it} from the index's statistics, or None. Plain: None
        (unknown; callers keep their own order of the words)."""
        return None

    def write_lock(self):
        """The lock every index write holds, released by the system if its holder dies.

        A search server takes concurrent writes, but two drains writing the same document out
        of order would leave the older version: a PostgreSQL advisory lock shared by every
        host, or with SQLite (one host) a lock file in the data directory.
        """
        if db_connections["default"].vendor == "postgresql":
            return AdvisoryLock()
        return HolderLock(str(settings.DATA_DIR / "search-index.lock"))

    def write(self, index, objects, delete_ids) -> None:
        """Replace these objects' entries and delete these ids (lock held). An error raises,
        so that the queue keeps its rows."""
        backend = self.haystack_backend
        silently_fail, backend.silently_fail = backend.silently_fail, False
        try:
            if objects:
                backend.update(index, objects)
            for identifier in delete_ids:
                backend.remove(identifier)
        finally:
            backend.silently_fail = silently_fail

    def open_bulk_session(self, commit_every: int | None = None, expected: int | None = None):
        """A BulkSession for the writes to come (has_bulk_sessions), or None: each batch is
        written as it comes."""
        return None

    def import_commit_every(self) -> int | None:
        """How many documents an import's bulk session writes between commits (None: at the end)."""
        return None

    def check_index(self, index):
        """archive.index_check.CheckResult for this index. Plain: not supported."""
        raise UnsupportedBackend("check_index works with the embedded Whoosh index only")

    def document_frequencies(self, values: dict[str, list[str]]) -> tuple[int, dict[tuple[str, str], int]]:
        """(documents in the index, {(field, value): how many of them hold it}) for these values
        of faceted fields ({"tags": ["PE", "PREL"], "origin": ["Embassy Lima"]}).

        Plain: a count of everything and one of each value's filter, as the facets filter
        (a search server answers counts from its own statistics).
        """
        from haystack.inputs import Exact
        from haystack.query import SearchQuerySet

        searches = SearchQuerySet(using=self.haystack_backend.connection_alias)
        held = {
            (field, value): searches.filter(**{f"{field}_exact": Exact(value)}).count()
            for field, field_values in values.items()
            for value in field_values
        }
        return searches.count(), held


class PlainExtensions(SearchEngineExtensions):
    """The fallbacks, for a haystack backend that does not declare the extension points."""

    def __init__(self, backend):
        self.backend = backend

    @property
    def haystack_backend(self):
        return self.backend


def extensions(backend) -> SearchEngineExtensions:
    """A haystack backend's extension points: its own if it declares them, else the plain ones."""
    return backend if isinstance(backend, SearchEngineExtensions) else PlainExtensions(backend)


def search_engine(using: str = "default") -> SearchEngineExtensions:
    """The extension points of the configured search engine."""
    from haystack import connections

    return extensions(connections[using].get_backend())
