"""Whoosh field types for values that must come back exactly as they went in.

haystack's Whoosh backend indexes facet values as stemmed TEXT ("Embassy Lima" comes back as
"embassi", "lima") and multi-valued fields as comma-separated keywords ("Lima, Peru" splits in
two). These fields keep every value whole (see docs/haystack-whoosh.md, "Faceting").
"""

from __future__ import annotations

from collections import defaultdict

from whoosh import columns, formats
from whoosh.analysis import (
    CompositeAnalyzer,
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, TEXT, FieldType

from quipu_whoosh.words import CompoundFilter, joined_form


def exact_field(stored: bool = True) -> ID:
    """One value per document, indexed and faceted whole: "SECRET//NOFORN", "Diálogo"."""
    return ID(stored=stored, sortable=True)


class ValueListColumn(columns.VarBytesListColumn):
    """Whoosh's list column, with the default a segment without the column needs."""

    def default_value(self, reverse=False):
        return []


class ValueListField(FieldType):
    """Several whole values per document (tags, paragraph markings, references).

    The value is a list of strings. Each string is one term, never split on commas or
    spaces; a list column lets facet counting read each matching document's values
    directly instead of scanning the whole lexicon. With ``lowercase=True`` matching is
    case-insensitive (for `tag:marr` queries); the facet variant keeps the case.
    """

    def __init__(self, lowercase: bool = False, stored: bool = False):
        analyzer = IDTokenizer()
        if lowercase:
            analyzer = analyzer | LowercaseFilter()
        super().__init__(
            format=formats.Existence(),
            analyzer=analyzer,
            stored=stored,
            sortable=ValueListColumn(),
        )
        self.lowercase = lowercase

    def values(self, value) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        cleaned = {str(v).strip() for v in value if v is not None and str(v).strip()}
        if self.lowercase:
            cleaned = {v.lower() for v in cleaned}
        return sorted(cleaned)

    def index(self, value, **kwargs):
        for term in self.values(value):
            yield term.encode("utf-8"), 1, 1.0, b""

    def to_column_value(self, value) -> list[bytes]:
        return [term.encode("utf-8") for term in self.values(value)]

    def from_column_value(self, value):
        if isinstance(value, (list, tuple)):
            return [v.decode("utf-8") for v in value]
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def to_bytes(self, value) -> bytes:
        if isinstance(value, (list, tuple)):
            value = value[0]
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def sortable_terms(self, ixreader, fieldname):
        return ixreader.lexicon(fieldname)


class DirectAnalysis:
    """The text field's analyzer (quipu_whoosh.words) for indexing, as one loop instead of a
    chain of generators.

    The chain (tokenizer, lowercase, stop words, compounds, stemmer) builds and passes on a
    Token object per word: ~60 % of the time of indexing a 6 KB cable. This loop reads the same
    settings from the analyzer's own parts and gives the same words, positions and frequencies
    (tests/engine/test_search_indexing.py compares both on every seed and generated cable).
    """

    def __init__(self, tokenizer: RegexTokenizer, stop: StopFilter, stemmer: StemFilter):
        self.finditer = tokenizer.expression.finditer
        self.stops, self.minsize, self.maxsize = stop.stops, stop.min, stop.max
        self.stemfn, self.ignore = stemmer.stemfn, stemmer.ignore or frozenset()
        self.stems: dict[str, str] = {}

    @classmethod
    def of(cls, analyzer) -> DirectAnalysis | None:
        """The loop for this analyzer, or None unless it is exactly quipu_whoosh.words's."""
        items = list(getattr(analyzer, "items", ()))
        kinds = [type(item) for item in items]
        if kinds != [RegexTokenizer, LowercaseFilter, StopFilter, CompoundFilter, StemFilter]:
            return None
        tokenizer, _, stop, compounds, stemmer = items
        if tokenizer.gaps or stemmer.lang or not stop.renumber:
            return None
        if (compounds.stops, compounds.min, compounds.max) != (stop.stops, stop.min, stop.max):
            return None
        return cls(tokenizer, stop, stemmer)

    def kept(self, word: str) -> bool:
        size = len(word)
        return (
            size >= self.minsize and (self.maxsize is None or size <= self.maxsize) and word not in self.stops
        )

    def stem(self, word: str) -> str:
        if word in self.ignore:
            return word
        stem = self.stems.get(word)
        if stem is None:
            stem = self.stems[word] = self.stemfn(word)
        return stem

    def positions(self, text: str) -> tuple[dict[str, list[int]], set[str]]:
        """({stemmed word: [positions]}, unstemmed words) as the analyzer's index mode gives them."""
        kept, stem = self.kept, self.stem
        found = defaultdict(list)
        words = set()
        position = None  # the last position taken
        for raw_position, match in enumerate(self.finditer(text)):
            word = match.group(0).lower()
            if not kept(word):
                continue
            # A stop word takes no position: the first kept word keeps its own, the next follow.
            first = raw_position if position is None else position + 1
            if "-" not in word:
                position = first
                words.add(word)
                found[stem(word)].append(position)
                continue
            joined = joined_form(word)
            if joined and not kept(joined):
                joined = None
            if joined:
                words.add(joined)
                found[stem(joined)].append(first)
            parts = [part for part in word.split("-") if kept(part)]
            for number, part in enumerate(parts):
                words.add(part)
                found[stem(part)].append(first + number)
            if joined and len(parts) > 1:
                found[stem(joined)].append(first + len(parts) - 1)
            # The positions the compound takes (quipu_whoosh.words.CompoundFilter): maybe none.
            position = first + (max(len(parts), 1) if joined else len(parts)) - 1
        return found, words


class DocumentText(TEXT):
    """The document field: stemmed words with positions, analysed once per document.

    Whoosh's TEXT(spelling=True) analyses each text twice (stemmed for the index, unstemmed
    for the spelling words) and adds a spelling posting for every distinct word of every
    document. Here one pass yields both, and each word goes to the spelling list once per
    writer (``start_batch``): the list only needs each word once, not once per document.
    """

    def __init__(self, analyzer, field_boost: float = 1.0, stored: bool = True):
        super().__init__(analyzer=analyzer, stored=stored, field_boost=field_boost, spelling=True)
        items = list(getattr(analyzer, "items", [analyzer]))
        self._stemmer = items[-1] if isinstance(items[-1], StemFilter) else None
        self._unstemmed = CompositeAnalyzer(*items[:-1]) if self._stemmer else analyzer
        self._words: set[str] = set()
        self._seen: set[str] = set()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.update(_words=set(), _seen=set())
        state.pop("_direct", None)
        return state

    @property
    def direct(self) -> DirectAnalysis | None:
        if "_direct" not in self.__dict__:
            supported = type(self.format) is formats.Positions
            self._direct = DirectAnalysis.of(self.analyzer) if supported else None
        return self._direct

    def start_batch(self) -> None:
        """A new writer: its segment needs every spelling word again."""
        self._seen = set()

    def _analyse(self, value, **kwargs):
        words = self._words
        tokens = self._unstemmed(value, **kwargs)

        def recorded():
            for token in tokens:
                if not token.stopped:
                    words.add(token.text)
                yield token

        return self._stemmer(recorded()) if self._stemmer else recorded()

    def index(self, value, **kwargs):
        direct = self.direct
        if direct is not None and isinstance(value, str):
            return self.index_directly(direct, value)
        self._words = set()
        values = self.format.word_values(value, self._analyse, mode="index", **kwargs)
        return [(word.encode("utf-8"), freq, weight, vbytes) for word, freq, weight, vbytes in values]

    def index_directly(self, direct: DirectAnalysis, value: str) -> list[tuple]:
        """What Positions.word_values over the analyzer gives, from DirectAnalysis."""
        found, self._words = direct.positions(value)
        encode, boost = self.format.encode, self.format.field_boost
        return [
            (word.encode("utf-8"), len(positions), len(positions) * boost, encode(positions))
            for word, positions in found.items()
        ]

    def spellable_words(self, value):
        fresh = self._words - self._seen
        self._seen |= fresh
        self._words = set()
        return iter(sorted(fresh))
