"""Indexing: the direct analysis, the bulk writer of update_index and rebuild_index.

The fast paths must give the index Whoosh itself would build: the same words, positions,
frequencies and spelling words, every document once, nothing half-committed.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from haystack import connections
from whoosh.analysis import StandardAnalyzer
from whoosh.codec import whoosh3
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from archive.models import Document, PendingIndexUpdate
from archive.search import indexing as queue
from archive.search import searching
from quipu_whoosh import backend as _applies_whoosh_fixes  # noqa: F401
from quipu_whoosh import writing
from quipu_whoosh.fields import DocumentText
from quipu_whoosh.words import word_analyzer
from tests.conftest import SEED_FILES, corpus_pages
from tools.corpus_generator import generate_file

EDGE_CASES = [
    "",
    "the and of a",  # stop words only
    "İstanbul ÉTÉ Straße ΣΊΣΥΦΟΣ ﬁre",  # lower() changes length or letters
    "U.S. e.g. 3.5 foo*bar x I 07LIMA3429 ¶5. 15.",
    "the the security the",  # the first kept word keeps its own position
    "Runs running ran RUNS",
    # compounds: joined and as parts; numbers alone, stop words and single letters among them
    "US counter-terrorism co-operation 2007-10-17 of-the F-16 state-of-the-art 1-2 a-b x word--word -x x-",
    "1-2 the next",  # a compound that takes no position
]


def whoosh_analysis(field: DocumentText, text: str):
    """What Whoosh's own chain of generators gives for this text."""
    field._words = set()
    values = field.format.word_values(text, field._analyse, mode="index")
    return sorted((word.encode("utf-8"), f, w, v) for word, f, w, v in values), field._words


def direct_analysis(field: DocumentText, text: str):
    return sorted(field.index(text)), field._words


def texts_to_compare(tmp_path) -> list[str]:
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in SEED_FILES.values()]
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in corpus_pages()[:10]]
    corpus = tmp_path / "cables.csv"
    generate_file(corpus, 60, 3)
    texts.append(corpus.read_text(encoding="utf-8"))
    return texts + EDGE_CASES


def test_direct_analysis_gives_whooshs_words_positions_and_spelling_words(tmp_path):
    field = DocumentText(word_analyzer())
    assert field.direct is not None
    for text in texts_to_compare(tmp_path):
        assert direct_analysis(field, text) == whoosh_analysis(field, text), text[:60]


def test_another_analyzer_is_left_to_whoosh():
    field = DocumentText(StandardAnalyzer())
    assert field.direct is None
    assert direct_analysis(field, "Running embassies") == whoosh_analysis(field, "Running embassies")


def test_the_direct_analysis_survives_the_schema_being_pickled():
    import pickle

    field = pickle.loads(pickle.dumps(DocumentText(word_analyzer())))
    assert field.direct is not None
    assert direct_analysis(field, "embassies in Lima") == whoosh_analysis(field, "embassies in Lima")


def test_a_field_without_lengths_is_looked_up_on_disk_once(monkeypatch):
    schema = Schema(key=ID(stored=True), body=TEXT)
    ix = RamStorage().create_index(schema)
    writer = ix.writer()
    writer.add_document(key="a", body="one two")
    writer.commit()
    reader = ix.reader()
    looked_up = []
    original = whoosh3.W3PerDocReader.has_column
    monkeypatch.setattr(
        whoosh3.W3PerDocReader,
        "has_column",
        lambda self, name: looked_up.append(name) or original(self, name),
    )
    per_document = reader._perdoc
    for _ in range(3):
        assert per_document.doc_field_length(0, "key") == 0
    assert per_document.doc_field_length(0, "body") == 2
    assert looked_up.count("_key_len") == 1


def postings_of(ix) -> list[tuple]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        return [
            (field, term, list(reader.postings(field, term).all_items()))
            for field, term in reader.all_terms()
        ]


def test_postings_sorted_in_runs_on_disk_come_back_whole_and_in_order(monkeypatch):
    from quipu_whoosh import patches

    monkeypatch.setattr(patches, "RUN_CHUNK", 7)  # runs of several chunks, and a chunk cut short
    schema = Schema(key=ID(stored=True), body=TEXT)
    bodies = [f"cable {n} reports talks {n % 7} in lima and bogota" for n in range(300)]
    in_memory, on_disk = RamStorage().create_index(schema), RamStorage().create_index(schema)
    for ix, limit in ((in_memory, 128), (on_disk, 0.001)):  # megabytes of postings held in memory
        writer = ix.writer(limitmb=limit)
        for n, body in enumerate(bodies):
            writer.add_document(key=str(n), body=body)
        spilled = len(writer.pool.runs)
        writer.commit()
        assert (spilled > 1) == (ix is on_disk)
    assert postings_of(on_disk) == postings_of(in_memory)


# The bulk writer


@pytest.fixture
def cables(db, tmp_path):
    corpus = tmp_path / "cables.csv"
    generate_file(corpus, 240, 5)
    call_command("import_documents", str(corpus), format="cablegate-csv", no_index=True, verbosity=0)
    return Document.objects.count()


def backend():
    found = connections["default"].get_backend()
    found.setup()
    return found


def segment_sizes() -> list[int]:
    return sorted(segment.doc_count() for segment in backend().index._segments())


def test_update_index_commits_once_with_at_most_one_segment_per_process(cables):
    call_command("clear_index", interactive=False, verbosity=0)
    generation = backend().index.latest_generation()
    call_command("update_index", batchsize=50, verbosity=0)  # five batches from haystack
    assert backend().index.latest_generation() == generation + 1
    sizes = segment_sizes()
    assert sum(sizes) == cables
    assert len(sizes) <= writing.BULK_PROCESSES
    assert searching.search("", {}, page_size=1).count == cables


def test_update_index_over_an_index_replaces_entries_instead_of_adding_them(cables):
    call_command("rebuild_index", interactive=False, verbosity=0)
    call_command("update_index", verbosity=0)
    assert sum(segment.doc_count() for segment in backend().index._segments()) == cables
    assert backend().searcher().doc_count() == cables


def test_an_error_in_a_bulk_session_commits_nothing_and_frees_the_lock(cables):
    index = connections["default"].get_unified_index().get_index(Document)
    with pytest.raises(RuntimeError), queue.bulk_session(backend()):
        backend().update(index, list(index.index_queryset()[:50]))
        raise RuntimeError("interrupted")
    assert backend().searcher().doc_count() == 0
    with queue.index_lock(backend(), wait=0):  # free: taken at once
        pass


def test_changes_queued_during_a_bulk_session_are_applied_when_it_ends(cables):
    first = Document.objects.order_by("pk").first()
    with queue.bulk_session(backend()):
        queue.insert_rows({(first.pk, PendingIndexUpdate.Action.UPDATE)}, "default")
    assert not PendingIndexUpdate.objects.exists()
    assert backend().searcher().doc_count() == 1


def import_indexed(corpus, **options):
    call_command("import_documents", str(corpus), format="cablegate-csv", verbosity=0, **options)


@pytest.fixture
def corpus_csv(tmp_path):
    corpus = tmp_path / "cables.csv"
    generate_file(corpus, 240, 5)
    return corpus


def test_an_indexed_csv_import_commits_every_so_many_documents(db, corpus_csv, monkeypatch):
    monkeypatch.setattr(writing, "IMPORT_COMMIT_DOCUMENTS", 100)
    commit, sizes = writing.BulkSession.commit, []

    def counted(session):
        sizes.append(session.documents)
        commit(session)

    monkeypatch.setattr(writing.BulkSession, "commit", counted)
    generation = backend().index.latest_generation()
    import_indexed(corpus_csv, batch_size=50)
    # At 100 and 200 documents, then the rest; recounting the citations at the end rewrites
    # cited cables, and rewriting one not yet committed commits first.
    assert sizes[:2] == [100, 100]
    assert sum(sizes) >= 240
    assert backend().index.latest_generation() == generation + len([n for n in sizes if n])
    assert backend().searcher().doc_count() == 240
    assert not PendingIndexUpdate.objects.exists()


def test_an_import_stopped_mid_way_leaves_what_it_did_not_commit_queued(db, corpus_csv, monkeypatch):
    monkeypatch.setattr(writing, "IMPORT_COMMIT_DOCUMENTS", 100)
    drain, batches = queue.drain_queue, []

    def stopped_after_three_batches(**kwargs):
        drain(**kwargs)
        batches.append(kwargs)
        if len(batches) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(queue, "drain_queue", stopped_after_three_batches)
    with pytest.raises(SystemExit) as stopped:
        import_indexed(corpus_csv, batch_size=50)
    assert stopped.value.code == 130
    assert Document.objects.count() == 150
    assert backend().searcher().doc_count() == 100  # the first commit
    assert PendingIndexUpdate.objects.count() == 50
    call_command("process_index_queue", verbosity=0)
    assert backend().searcher().doc_count() == 150
    assert not PendingIndexUpdate.objects.exists()


def test_a_document_written_twice_in_one_session_is_indexed_once(cables):
    index = connections["default"].get_unified_index().get_index(Document)
    first = list(index.index_queryset().order_by("pk")[:10])
    with queue.bulk_session(backend()):
        backend().update(index, first)
        backend().update(index, first[:3])
    assert backend().searcher().doc_count() == 10


def test_rebuild_index_keeps_the_documents_in_database_order(cables):
    # Equal scores and unsorted listings follow document numbers: they must follow the database.
    call_command("rebuild_index", interactive=False, verbosity=0)
    searcher = backend().searcher()
    pks = [int(searcher.stored_fields(docnum)["django_id"]) for docnum in range(searcher.doc_count_all())]
    assert pks == sorted(pks)
    assert len(segment_sizes()) == writing.BULK_PROCESSES


def test_segments_are_written_as_separate_files_not_one_compound_file(cables):
    # A reader copies each part of a compound segment file into memory.
    call_command("rebuild_index", interactive=False, verbosity=0)
    names = list(backend().storage.list())
    assert not [name for name in names if name.endswith(".seg")]
    assert all(not segment.is_compound() for segment in backend().index._segments())
