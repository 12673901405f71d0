"""Related documents (haystack's more_like_this): the documents sharing the most distinctive
words of this one's opening, scored term at a time (quipu_whoosh.scoring), cached until the
index changes (docs/search-engine.md, "Term-at-a-time scoring").
"""

from __future__ import annotations

import heapq

from django.utils.encoding import force_str
from haystack.constants import ID
from haystack.utils import get_identifier
from whoosh import classify
from whoosh import query as wq

from quipu_whoosh.scoring import Unsupported

# Key terms come from the opening of a document: re-analysing a whole 6 KB cable on every
# document page cost ~70 ms of its ~100 ms (profile at 10,000 cables).
SIMILARITY_PROFILE_CHARS = 1500
RELATED_CACHE_SIZE = 2000
# Key terms of "related documents": the most distinctive words of the profile (Whoosh's Bo1
# model), leaving out words held by more than this share of the archive, as Lucene's
# MoreLikeThis does with maxDocFreqPct: they say little about a document and their long
# posting lists cost the most to score.
KEY_TERMS = 5
KEY_TERM_MAX_DOC_SHARE = 0.05
KEY_TERM_MIN_DOC_CAP = 50
# ... and more than this many documents: at 250,000 cables 5 % is 12,500 postings a word.
KEY_TERM_MAX_DOCS = 2500
MAX_CACHED_WORDS = 200_000


def similarity_profile(document) -> str | None:
    """Title, subject and the opening paragraphs: what a document is about, cheaply."""
    paragraphs = getattr(document, "paragraphs", None)
    if paragraphs is None:
        return None
    parts = [getattr(document, "title", ""), getattr(document, "subject", "")]
    size = 0
    for paragraph in paragraphs.all():
        parts.append(paragraph.text)
        size += len(paragraph.text)
        if size >= SIMILARITY_PROFILE_CHARS:
            break
    return "\n".join(part for part in parts if part)[: SIMILARITY_PROFILE_CHARS * 2] or None


class RelatedDocuments:
    """more_like_this for QuipuWhooshSearchBackend (it provides searcher(), bitsets(), scorer())."""

    def more_like_this(self, model_instance, *args, **kwargs):
        with self.one_generation():
            # Readers revisit documents: keep each one's related list until the index changes.
            key = (
                get_identifier(model_instance),
                self._searcher_version,
                repr(args),
                repr(sorted(kwargs.items())),
            )
            cache = self._related_cache
            if cache.get("version") != self._searcher_version:
                cache.clear()
                cache["version"] = self._searcher_version
            if key not in cache:
                if len(cache) > RELATED_CACHE_SIZE:
                    cache.clear()
                    cache["version"] = self._searcher_version
                cache[key] = self.more_like_this_one_generation(model_instance, *args, **kwargs)
            return cache[key]

    def more_like_this_one_generation(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        models=None,
        result_class=None,
        **kwargs,
    ):
        """Documents whose text shares the most distinctive words with this one's."""
        empty = {"results": [], "hits": 0}
        searcher = self.searcher()
        docnum = searcher.document_number(**{ID: get_identifier(model_instance)})
        if docnum is None:
            return empty
        query = force_str(additional_query_string or "").strip()
        narrow = self.parse(query) if query and query != self.matching_all else None
        filters = [f for f in (narrow, self.narrowing_filter(None, models)) if f is not None]
        hits = self.similar_documents(
            searcher,
            docnum,
            similarity_profile(model_instance),
            wq.And(filters) if filters else None,
            end_offset or 20,
        )
        return {
            "results": self.build_results(searcher, hits[start_offset or 0 : end_offset], None, result_class),
            "hits": len(hits),
        }

    def key_terms(self, searcher, docnum: int, text: str | None) -> list[tuple[str, float]]:
        """[(word, weight)] that best tell this document from the rest (see KEY_TERMS).

        Whoosh's Expander.expanded_terms with the Bo1 model, the words' statistics cached per
        searcher (a document page asks for ~200 words, most of them asked before).
        """
        field = self.content_field_name
        reader = searcher.reader()
        expander = classify.Expander(reader, field, model=classify.Bo1Model)
        if text:
            expander.add_text(text)
        elif reader.has_vector(docnum, field):
            expander.add(reader.vector_as("weight", docnum, field))
        else:
            return searcher.key_terms([docnum], field, numterms=KEY_TERMS, normalize=False)
        cap = self.key_term_doc_cap(searcher)
        statistics = self.word_statistics(searcher)
        scored, best = [], 0.0
        for word, weight in expander.topN_weight.items():
            found = statistics(word)
            if found is None:
                continue
            collection_frequency, doc_frequency = found
            score = expander.model.score(weight, collection_frequency, expander.top_total)
            best = max(best, score)
            if doc_frequency <= cap:
                scored.append((score, word))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(word, score / best) for score, word in scored[:KEY_TERMS]]

    def document_key_terms(self, searcher, docnum: int, text: str | None) -> list[tuple[str, float]]:
        """key_terms, kept per searcher: a document page asks again with a narrowing filter
        (archive.search.related), and analysing the text is most of the cost."""
        if self._key_terms.get(None) is not searcher or len(self._key_terms) > RELATED_CACHE_SIZE:
            self._key_terms = {None: searcher}
        if docnum not in self._key_terms:
            self._key_terms[docnum] = self.key_terms(searcher, docnum, text)
        return self._key_terms[docnum]

    @staticmethod
    def key_term_doc_cap(searcher) -> int:
        share = int(searcher.doc_count() * KEY_TERM_MAX_DOC_SHARE)
        return min(KEY_TERM_MAX_DOCS, max(KEY_TERM_MIN_DOC_CAP, share))

    def word_statistics(self, searcher):
        """word → (collection frequency, document frequency) in the text field, or None; cached."""
        if self._word_statistics.get(None) is not searcher or len(self._word_statistics) > MAX_CACHED_WORDS:
            self._word_statistics = {None: searcher}
        cache, reader = self._word_statistics, searcher.reader()
        field, to_bytes = self.content_field_name, self.schema[self.content_field_name].to_bytes

        def lookup(word: str):
            if word not in cache:
                text = to_bytes(word)
                present = (field, text) in reader
                cache[word] = (
                    (reader.frequency(field, text), reader.doc_frequency(field, text)) if present else None
                )
            return cache[word]

        return lookup

    def similar_documents(self, searcher, docnum: int, text, filter_query, top: int) -> list:
        """[(docnum, score)] of the `top` documents scoring best on the key terms, this one left out.

        Whoosh's score for an OR of words is the sum of the words' scores: the term-at-a-time
        scorer gives each word's scores from its posting blocks (quipu_whoosh.scoring).
        """
        terms = [
            wq.Term(self.content_field_name, word, boost=weight)
            for word, weight in self.document_key_terms(searcher, docnum, text)
        ]
        if not terms:
            return []
        bitsets = self.bitsets()
        scorer = self.scorer(searcher, bitsets)
        allowed = bitsets.matches(filter_query) if filter_query is not None else None
        try:
            if not scorer.supported:
                raise Unsupported("weighting")
            totals: dict[int, float] = {}
            for term in terms:
                for other, score in scorer.term_scores(term).items():
                    totals[other] = totals.get(other, 0.0) + score
        except Unsupported:  # a weighting or a posting format the scorer does not read
            results = searcher.search(wq.Or(terms), limit=top, filter=filter_query, mask={docnum})
            return [(hit.docnum, hit.score or 0.0) for hit in results]
        totals.pop(docnum, None)
        if allowed is not None:
            data = scorer.bytes_of(allowed)
            totals = {d: s for d, s in totals.items() if data[d >> 3] >> (d & 7) & 1}
        # Best first; equal scores in document order, as Whoosh's collector gives them.
        return heapq.nsmallest(top, totals.items(), key=lambda item: (-item[1], item[0]))
