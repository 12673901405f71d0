"""Words ORed are scored as arrays with Whoosh's own sums: the same scores, the same ranking.

Whoosh adds the words' scores of a segment of more than 5,000 documents along a tree of the
words' sizes, and of a smaller segment word after word; the index here has one of each.
"""

from __future__ import annotations

import random

import pytest
from whoosh import query as wq
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from quipu_whoosh.bitsets import ReaderBitsets
from quipu_whoosh.scoring import OR_ARRAY_MAX_DOCS, Scorer

# Word frequencies from common to rare, some of them equal: the tree's ties are kept in order.
WORDS = {"embassy": 0.5, "minister": 0.3, "police": 0.3, "coca": 0.1, "border": 0.1, "huallaga": 0.01}


@pytest.fixture(scope="module")
def index():
    chance = random.Random(7)
    ix = RamStorage().create_index(Schema(key=ID(stored=True), content=TEXT))
    for count in (OR_ARRAY_MAX_DOCS + 1000, 300):  # a large segment, then a small one
        writer = ix.writer()
        for n in range(count):
            words = [
                w
                for w, share in WORDS.items()
                for _ in range(chance.randint(1, 3))
                if chance.random() < share
            ]
            writer.add_document(key=str(n), content=" ".join(words + ["cable"] * chance.randint(1, 40)))
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert [s.doc_count_all() for s, _ in searcher.leaf_searchers()] == [OR_ARRAY_MAX_DOCS + 1000, 300]
        yield searcher


@pytest.mark.parametrize(
    "words",
    [
        ["coca", "border"],
        ["embassy", "minister", "police"],
        ["huallaga", "coca", "border", "minister", "embassy"],
        ["police", "minister", "nowhere", "huallaga"],
    ],
)
def test_an_or_of_words_ranks_every_match_with_whooshs_scores(index, words):
    query = wq.Or([wq.Term("content", word) for word in words])
    scorer = Scorer(index, ReaderBitsets(index, index.schema), "content")
    ranking = scorer.ranking(query)
    assert ranking is not None
    wanted = [(hit.docnum, hit.score) for hit in index.search(query, limit=None)]
    assert list(ranking.items()) == wanted


def test_an_or_inside_an_and_is_left_to_whoosh(index):
    query = wq.And(
        [wq.Or([wq.Term("content", "coca"), wq.Term("content", "border")]), wq.Term("content", "police")]
    )
    scorer = Scorer(index, ReaderBitsets(index, index.schema), "content")
    assert scorer.ranking(query) is None
