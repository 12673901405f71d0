"""`check_index`: finds what the search index lacks, holds stale or keeps for nothing; --repair fixes it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from haystack import connections
from haystack.query import SearchQuerySet

from archive import index_check
from archive.models import Document, Tag
from archive.search import indexing as queue
from quipu_whoosh.writing import whoosh_document
from tests.conftest import SEED_FILES

pytestmark = pytest.mark.django_db


def check(*args) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("check_index", *args, stdout=out)
    except SystemExit as exc:
        return out.getvalue(), exc.code
    return out.getvalue(), 0


@pytest.fixture
def indexed(seeds):
    """The seeds, imported and indexed (test transactions never commit, so drain by hand)."""
    queue.drain_queue(wait=5)
    return seeds


def backend_and_index():
    backend = queue.search_backend()
    return backend, connections["default"].get_unified_index().get_index(Document)


def test_an_index_built_from_the_database_matches_it(indexed):
    out, code = check()
    assert code == 0
    assert "5 documents in the database, 5 entries in the search index" in out
    assert "the search index matches the database" in out


def test_an_empty_archive_matches_an_empty_index(db):
    out, code = check()
    assert code == 0
    assert "0 documents in the database, 0 entries in the search index" in out


def test_it_lists_documents_missing_from_the_index(indexed, import_file):
    backend, _ = backend_and_index()
    backend.remove(queue.haystack_id(indexed["cable"].pk))
    out, code = check()
    assert code == 1
    assert "missing:  1 (in the database, not in the index)" in out
    assert "  07LIMA3429" in out


def test_an_import_whose_queue_was_never_drained_is_missing(indexed, tmp_path, import_file):
    copy = tmp_path / "copy.txt"
    copy.write_text(SEED_FILES["cable"].read_text().replace("07LIMA3429", "07LIMA3430"))
    import_file(copy)  # queued, not indexed: the process died before draining
    out, code = check()
    assert code == 1
    assert "07LIMA3430" in out
    assert "1 index update(s) queued" in out


def test_it_names_the_fields_of_a_stale_entry(indexed):
    Document.objects.filter(pk=indexed["cable"].pk).update(title="A corrected title")  # no signals
    indexed["andina"].tags.add(Tag.objects.create(name="Riverine", kind=Tag.Kind.TOPIC))
    out, code = check()
    assert code == 1
    assert "stale:    2 (indexed values differ from the database)" in out
    assert "  07LIMA3429 (title)" in out
    assert f"  {indexed['andina'].identifier} (tags)" in out


def test_a_changed_date_or_classification_is_stale(indexed):
    Document.objects.filter(pk=indexed["cable"].pk).update(classification="SECRET", date=None)
    result = index_check.check_index()
    assert result.stale == {indexed["cable"].pk: ["classification", "date"]}


def test_it_lists_orphaned_entries_with_their_indexed_identifier(indexed):
    pk = indexed["dod"].pk
    indexed["dod"].delete()  # queued for removal, never drained
    out, code = check()
    assert code == 1
    assert "orphaned: 1 (in the index, not in the database)" in out
    assert f"{indexed['dod'].identifier} (archive.document.{pk})" in out


def test_a_document_indexed_twice_is_stale(indexed):
    backend, index = backend_and_index()
    writer = backend.index.writer()
    writer.add_document(**whoosh_document(backend, index, indexed["cable"]))
    writer.commit()
    result = index_check.check_index()
    assert result.entries == 6
    assert result.stale == {indexed["cable"].pk: ["indexed more than once"]}


def test_an_entry_of_a_model_no_longer_indexed_is_orphaned(indexed):
    backend, _ = backend_and_index()
    writer = backend.index.writer()
    writer.add_document(id="archive.tag.1", django_ct="archive.tag", django_id="1")
    writer.commit()
    result = index_check.check_index()
    assert result.orphaned == ["archive.tag.1"]
    index_check.repair(result, wait=5)
    assert index_check.check_index().consistent


def test_repair_fixes_missing_stale_and_orphaned_entries(indexed):
    backend, _ = backend_and_index()
    backend.remove(queue.haystack_id(indexed["cable"].pk))
    Document.objects.filter(pk=indexed["andina"].pk).update(title="Quetzalcoatlus cooperation agreed")
    indexed["dod"].delete()
    out, code = check("--repair")
    assert code == 0
    assert "repair: 3 entries reindexed or removed" in out
    assert out.rstrip().endswith("the search index matches the database")
    assert check()[1] == 0
    hits = SearchQuerySet().models(Document).filter(content="quetzalcoatlus")
    assert [hit.identifier for hit in hits] == [indexed["andina"].identifier]


def test_repair_reindexes_only_the_documents_that_differ(indexed, monkeypatch):
    queued = []
    apply = queue.apply_updates

    def recording(backend, pks):
        queued.append(set(pks))
        apply(backend, pks)

    monkeypatch.setattr(queue, "apply_updates", recording)
    Document.objects.filter(pk=indexed["cable"].pk).update(title="A corrected title")
    _, code = check("--repair")
    assert code == 0
    assert queued == [{indexed["cable"].pk}]


def test_a_consistent_index_is_left_alone_by_repair(indexed, monkeypatch):
    monkeypatch.setattr(queue, "index_documents_now", lambda *a, **k: pytest.fail("nothing to repair"))
    out, code = check("--repair")
    assert code == 0
    assert "repair:" not in out


def test_show_limits_the_identifiers_listed(indexed):
    backend, _ = backend_and_index()
    for document in indexed.values():
        backend.remove(queue.haystack_id(document.pk))
    out, code = check("--show", "2")
    assert code == 1
    assert "missing:  5" in out
    assert "  … and 3 more" in out


def test_quiet_check_prints_nothing_and_still_fails(indexed):
    Document.objects.filter(pk=indexed["cable"].pk).update(title="A corrected title")
    out, code = check("--verbosity", "0")
    assert (out, code) == ("", 1)


def test_a_search_engine_other_than_whoosh_is_a_clear_error(db, monkeypatch):
    monkeypatch.setattr(queue, "search_backend", lambda using="default": object())
    with pytest.raises(CommandError, match="embedded Whoosh index only"):
        call_command("check_index", stdout=io.StringIO())


def test_a_reimport_that_changes_only_paragraph_text_is_stale(indexed, tmp_path, import_file):
    copy = tmp_path / SEED_FILES["cable"].name
    copy.write_text(SEED_FILES["cable"].read_text().replace("Like the VRAE", "Much like the VRAE"))
    assert import_file(copy).status == "updated"  # queued, never drained
    assert index_check.check_index().stale == {indexed["cable"].pk: ["updated_at"]}


def test_an_index_built_before_compounds_and_stop_words_must_be_rebuilt(indexed):
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import Schema

    from quipu_whoosh.fields import DocumentText
    from quipu_whoosh.words import STOP_WORDS_FIELD

    backend, _ = backend_and_index()
    fields = {name: backend.schema[name] for name in backend.schema.names() if name != STOP_WORDS_FIELD}
    fields[backend.content_field_name] = DocumentText(StemmingAnalyzer())
    fields = {name: field for name, field in fields.items() if not name.startswith("spell_")}
    backend.storage.create_index(Schema(**fields))  # as an older version wrote it

    out, code = check()
    assert code == 1
    assert "the index was built by an older version" in out and "run manage.py rebuild_index" in out
    with pytest.raises(CommandError, match="rebuild_index"):
        check("--repair")

    call_command("rebuild_index", interactive=False, verbosity=0)
    out, code = check()
    assert code == 0, out
