"""The index follows the database at once, through one queue, without losing updates."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.db import transaction

from archive.models import Document, Paragraph, PendingIndexUpdate, Tag
from archive.search import indexing as queue
from archive.search import searching
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def found(q: str = "", **filters) -> set[str]:
    outcome = searching.search(q, filters, page_size=100)
    return {result.document.identifier for result in outcome.results}


def facet(name: str) -> dict:
    return dict(searching.search("", {}, page_size=1).facets[name])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block, then the on-commit callbacks as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_adding_and_removing_a_tag_reaches_the_index_without_a_rebuild(search_index, committed):
    cable = Document.objects.get(identifier="09BERN350")
    tag = Tag.objects.get(name="MARR")
    with committed():
        cable.tags.add(tag)

    assert "09BERN350" in found("tag:MARR")
    assert "09BERN350" in found(tag=["MARR"])
    assert facet("tag")["MARR"] == 4

    with committed():
        cable.tags.remove(tag)

    assert "09BERN350" not in found("tag:MARR")
    assert facet("tag")["MARR"] == 3
    assert not PendingIndexUpdate.objects.exists()


def test_tagging_from_the_tag_side_and_clearing_reach_the_index(search_index, committed):
    topic = Tag.objects.create(name="Andean security", kind=Tag.Kind.TOPIC)
    with committed():
        topic.documents.add(*Document.objects.filter(identifier__in=["07LIMA3429", "09LAPAZ635"]))
    assert found(tag=["Andean security"]) == {"07LIMA3429", "09LAPAZ635"}

    with committed():
        topic.documents.clear()
    assert found(tag=["Andean security"]) == set()


def test_renaming_or_deleting_a_tag_updates_every_document_with_it(search_index, committed):
    marr = Tag.objects.get(name="MARR")
    marr.name = "MARR-RENAMED"
    with committed():
        marr.save()
    assert facet("tag").get("MARR-RENAMED") == 3 and "MARR" not in facet("tag")

    with committed():
        marr.delete()
    assert "MARR-RENAMED" not in facet("tag")
    assert found("tag:marr-renamed") == set()


def test_deleting_a_document_removes_it_from_the_index(search_index, committed):
    before = search_index.searcher().doc_count()
    with committed():
        Document.objects.get(identifier="07LIMA3429").delete()

    assert "07LIMA3429" not in found("VRAE")
    assert searching.search("", {}).count == 42
    assert search_index.searcher().doc_count() == before - 1
    assert "Embassy Lima" not in facet("origin")


def test_editing_a_paragraph_or_a_title_reaches_the_index(search_index, committed):
    paragraph = Paragraph.objects.get(document__identifier="09BERN350", number=1)
    paragraph.text += " Zyxwvut appears here."
    paragraph.marking = "TS"
    with committed():
        paragraph.save()
    assert found("zyxwvut") == {"09BERN350"}
    assert found(marking=["TS"]) == {"09BERN350"}

    document = paragraph.document
    document.title = "Quokka diplomacy"
    with committed():
        document.save()
    assert found("title:quokka") == {"09BERN350"}


def test_changes_in_one_transaction_queue_each_document_once(search_index):
    cable = Document.objects.get(identifier="09BERN350")
    with transaction.atomic():
        for paragraph in cable.paragraphs.all():
            paragraph.save()
        cable.tags.add(Tag.objects.get(name="PGOV"))
        cable.save()
        rows = list(PendingIndexUpdate.objects.values_list("document_pk", "action"))

    assert rows == [(cable.pk, "update")]


def test_a_rolled_back_savepoint_does_not_stop_the_next_change_being_queued(search_index):
    cable = Document.objects.get(identifier="09BERN350")
    with transaction.atomic():
        try:
            with transaction.atomic():
                cable.save()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert not PendingIndexUpdate.objects.exists()
        cable.save()
        assert PendingIndexUpdate.objects.filter(document_pk=cable.pk).count() == 1


def test_a_held_lock_leaves_the_change_queued_and_the_request_unharmed(search_index, committed, monkeypatch):
    monkeypatch.setattr(queue, "REQUEST_WAIT", 0.3)
    other_process = search_index.storage.lock(queue.LOCK_NAME)
    assert other_process.acquire(blocking=False)
    try:
        cable = Document.objects.get(identifier="09BERN350")
        started = time.monotonic()
        with committed():
            cable.tags.add(Tag.objects.get(name="MARR"))
        assert time.monotonic() - started < 1.5
        assert PendingIndexUpdate.objects.filter(document_pk=cable.pk).exists()
        assert "09BERN350" not in found("tag:MARR")
    finally:
        other_process.release()

    call_command("process_index_queue", verbosity=0)

    assert not PendingIndexUpdate.objects.exists()
    assert "09BERN350" in found("tag:MARR")


def test_the_lock_holder_drains_rows_queued_while_it_worked(search_index):
    cable = Document.objects.get(identifier="09BERN350")

    def work():
        cable.tags.add(Tag.objects.get(name="MARR"))  # queued by another request meanwhile
        assert PendingIndexUpdate.objects.exists()

    queue.run_locked(search_index, work, wait=1)

    assert not PendingIndexUpdate.objects.exists()
    assert "09BERN350" in found("tag:MARR")


def test_a_failing_index_write_keeps_the_rows_and_does_not_raise(search_index, committed, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("quipu_whoosh.writing.write", broken)
    cable = Document.objects.get(identifier="09BERN350")
    with committed():
        cable.save()

    assert PendingIndexUpdate.objects.filter(document_pk=cable.pk).exists()
    monkeypatch.undo()
    assert queue.drain_queue() == 1


def test_documents_created_without_signals_are_indexed_on_request(search_index):
    cable = Document.objects.get(identifier="09BERN350")
    Document.objects.filter(pk=cable.pk).update(title="Platypus summit")

    queue.index_documents_now([cable.pk], wait=1)

    assert found("platypus") == {"09BERN350"}


def test_rebuild_and_update_index_commands_still_work(search_index):
    call_command("clear_index", interactive=False, verbosity=0)
    assert searching.search("", {}).count == 0

    call_command("update_index", verbosity=0)
    assert searching.search("", {}).count == 43

    call_command("rebuild_index", interactive=False, verbosity=0)
    assert searching.search("", {}).count == 43
    assert found("VRAE") == {"07LIMA3429"}


def test_process_index_queue_reports_what_it_applied(search_index, capsys):
    cable = Document.objects.get(identifier="09BERN350")
    cable.save()  # inside the test transaction: queued, not yet applied

    call_command("process_index_queue")

    assert "1 queued update(s) applied, 0 left in the queue" in capsys.readouterr().out
