"""Related documents: the distinctive words of a document, scored as Whoosh scores their OR."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from haystack import connections
from haystack.query import SearchQuerySet
from whoosh import query as wq

from archive.models import Document
from quipu_whoosh import related as search_backend
from quipu_whoosh.related import similarity_profile
from tools.corpus_generator import generate_file

pytestmark = pytest.mark.django_db

TOP = 5


@pytest.fixture
def indexed(db, tmp_path):
    corpus = tmp_path / "cables.csv"
    generate_file(corpus, 300, 7)
    call_command("import_documents", str(corpus), format="cablegate-csv", no_index=True, verbosity=0)
    call_command("rebuild_index", interactive=False, verbosity=0)
    found = connections["default"].get_backend()
    return found, found.searcher()


def sample_documents(step: int = 37):
    return list(Document.objects.for_document_page().order_by("pk")[::step])


def docnum_of(searcher, document) -> int:
    return searcher.document_number(id=f"archive.document.{document.pk}")


def test_related_documents_rank_as_whooshs_own_search_for_the_key_terms(indexed):
    backend, searcher = indexed
    for document in sample_documents():
        docnum = docnum_of(searcher, document)
        profile = similarity_profile(document)
        terms = [wq.Term("text", w, boost=b) for w, b in backend.key_terms(searcher, docnum, profile)]
        whoosh = searcher.search(wq.Or(terms), limit=TOP, mask={docnum})
        ours = backend.similar_documents(searcher, docnum, profile, None, TOP)
        assert [d for d, _ in ours] == [hit.docnum for hit in whoosh], document.identifier
        assert [s for _, s in ours] == pytest.approx([hit.score for hit in whoosh])


def test_key_terms_leave_out_words_most_of_the_archive_holds(indexed):
    backend, searcher = indexed
    cap = backend.key_term_doc_cap(searcher)
    assert cap < searcher.doc_count()
    reader = searcher.reader()
    for document in sample_documents():
        terms = backend.key_terms(searcher, docnum_of(searcher, document), similarity_profile(document))
        assert 0 < len(terms) <= search_backend.KEY_TERMS
        assert all(reader.doc_frequency("text", word.encode()) <= cap for word, _ in terms)


def test_a_document_is_never_related_to_itself(indexed):
    for document in sample_documents():
        related = list(SearchQuerySet().more_like_this(document)[:TOP])
        assert related
        assert str(document.pk) not in {str(result.pk) for result in related}


def test_related_documents_can_be_narrowed_by_a_query(indexed):
    backend, searcher = indexed
    document = sample_documents()[0]
    docnum = docnum_of(searcher, document)
    narrowing = backend.parse("classification:SECRET")
    allowed = backend.bitsets().matches(narrowing)
    hits = backend.similar_documents(searcher, docnum, similarity_profile(document), narrowing, TOP)
    assert hits
    assert all(allowed >> d & 1 for d, _ in hits)
