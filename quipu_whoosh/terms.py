"""Whoosh query pieces: fuzzy terms that work on a stemmed field, <mark> highlighting, and
Whoosh's collector held to the search's time budget."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.collectors import FilterCollector, WrappingCollector
from whoosh.highlight import HtmlFormatter
from whoosh.qparser import FuzzyTermPlugin, PhrasePlugin, QueryParser
from whoosh.support.levenshtein import distance

from archive.search import budget
from quipu_whoosh.words import STOP_WORDS_FIELD


class MarkFormatter(HtmlFormatter):
    """HTML-escaped text with only <mark> added (Whoosh escapes text and matches)."""

    template = "<%(tag)s>%(t)s</%(tag)s>"

    def __init__(self):
        super().__init__(tagname="mark", between=" … ")


def words_within(reader, fieldname: str, word: str, maxdist: int, prefix: int):
    """Indexed words within maxdist edits of word that share its first `prefix` letters."""
    for btext in budget.checked(reader.expand_prefix(fieldname, word[:prefix])):
        if distance(btext.decode("utf-8"), word, limit=maxdist) <= maxdist:
            yield btext


class WordFuzzyTerm(wq.FuzzyTerm):
    """A fuzzy term matched on words as written, then mapped to the index's stems.

    Whoosh stems the word first ("cooperaton" stays "cooperaton", far from the stem "cooper")
    and, in a single-segment index, compares it with the unstemmed spelling words: most
    fuzzy queries found nothing. Here the word is compared with both the stems and the
    unstemmed words; unstemmed matches count through their stems.
    """

    def _btexts(self, ixreader):
        field = ixreader.schema[self.fieldname]
        stem = next(iter(field.process_text(self.text, mode="query")), self.text)
        found = set(words_within(ixreader, self.fieldname, stem, self.maxdist, self.prefixlength))
        if field.separate_spelling():
            spelling = field.spelling_fieldname(self.fieldname)
            for btext in words_within(ixreader, spelling, self.text, self.maxdist, self.prefixlength):
                for word_stem in field.process_text(btext.decode("utf-8"), mode="query"):
                    if ixreader.doc_frequency(self.fieldname, word_stem):
                        found.add(word_stem.encode("utf-8"))
        return sorted(found)


class WordPrefix(wq.Prefix):
    """A prefix matched on words as written, then mapped to the index's stems.

    Whoosh matches a prefix against the stems: `cooperat*` found "cooperating" (stem
    cooperat) but not cooperation or cooperative (stem cooper). Here the prefix is matched
    against the unstemmed spelling words too ("cooperation", "cooperative"), and each one
    found counts through its stem, which the document field holds. Stems yielded one by one:
    the caller caps how many it reads (QuipuWhooshSearchBackend.check_expansions).
    """

    def _btexts(self, ixreader):
        field = ixreader.schema[self.fieldname]
        seen = set()
        for btext in budget.checked(ixreader.expand_prefix(self.fieldname, self.text)):
            seen.add(btext)
            yield btext
        if not field.separate_spelling():
            return
        spelling = field.spelling_fieldname(self.fieldname)
        for btext in budget.checked(ixreader.expand_prefix(spelling, self.text)):
            for stem in field.process_text(btext.decode("utf-8"), mode="query"):
                bstem = stem.encode("utf-8")
                if bstem not in seen and ixreader.doc_frequency(self.fieldname, stem):
                    seen.add(bstem)
                    yield bstem


class WordQueryParser(QueryParser):
    """Whoosh's parser with prefixes on words as written (WordPrefix) and phrases made only of
    stop words looked up where the index keeps them (quipu_whoosh.words.STOP_WORDS_FIELD)."""

    def __init__(self, fieldname, schema, **kwargs):
        super().__init__(fieldname, schema=schema, **kwargs)
        self.remove_plugin_class(PhrasePlugin)
        self.add_plugins([StopPhrasePlugin(), WordFuzzyPlugin()])

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        field = self.schema[fieldname] if self.schema and fieldname in self.schema else None
        if termclass is wq.Prefix and field is not None and field.separate_spelling():
            # The prefix as typed, lowercased, compounds joined: not stemmed.
            return WordPrefix(fieldname, text.strip("'").lower().replace("-", ""), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


class StopPhrasePlugin(PhrasePlugin):
    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            found = super().query(parser)
            fieldname = self.fieldname or parser.fieldname
            stop_words = parser.schema and STOP_WORDS_FIELD in parser.schema
            if (
                isinstance(found, wq.Phrase)
                and not found.words
                and fieldname == parser.fieldname
                and stop_words
            ):
                words = list(parser.schema[STOP_WORDS_FIELD].process_text(self.text, mode="query"))
                if words:
                    return wq.Phrase(STOP_WORDS_FIELD, words, slop=self.slop, boost=self.boost)
            return found

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            node = super().create(parser, match)
            return StopPhrasePlugin.PhraseNode(node.text, node.textstartchar, node.slop)


class WordFuzzyPlugin(FuzzyTermPlugin):
    class FuzzyTermNode(FuzzyTermPlugin.FuzzyTermNode):
        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            return WordFuzzyTerm(fieldname, self.text.lower(), self.boost, self.maxdist, self.prefixlength)


class BudgetCollector(WrappingCollector):
    """Checks the time budget between matches. (Whoosh's TimeLimitCollector uses a thread and
    an alarm signal, which can interrupt anything.)"""

    def matches(self):
        return budget.checked(self.child.matches())


def search_within_budget(searcher, query, limit: int, filter=None, sortedby=None):
    """searcher.search(query, limit=, filter=, sortedby=) that stops when the time budget is spent.

    The budget wraps Whoosh's own collector inside the filter, which reads the matches from
    its child, as Searcher.collector orders them (docs/search-engine.md, "Searching within a
    budget").
    """
    collector = BudgetCollector(searcher.collector(limit=limit, sortedby=sortedby))
    if filter:  # as Searcher.collector: an empty filter is no filter
        collector = FilterCollector(collector, filter)
    searcher.search_with_collector(query, collector)
    return collector.results()
