"""Real commits: the index is updated by the on-commit hook, with nothing left queued."""

from __future__ import annotations

import pytest
from django.db import transaction

from archive.importers.loader import import_file
from archive.models import Document, PendingIndexUpdate, Tag
from archive.search import searching
from tests.search_fixtures import ROOT, plain_static  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

SEED_CABLE = ROOT / "seeds" / "002_97bee5f77f2f9dbc.txt"
SEED_ARTICLE = ROOT / "seeds" / "004_2d5634a3f7debac5.txt"


def found(q: str) -> set[str]:
    return {result.document.identifier for result in searching.search(q, {}, page_size=100).results}


def test_an_imported_file_is_searchable_as_soon_as_its_transaction_commits():
    import_file(SEED_CABLE)
    import_file(SEED_ARTICLE)

    assert found("VRAE") == {"07LIMA3429"}
    assert len(found("VRAEM")) == 1
    assert not PendingIndexUpdate.objects.exists()


def test_a_tag_edit_in_a_transaction_reaches_the_index_after_the_commit():
    import_file(SEED_CABLE)
    cable = Document.objects.get(identifier="07LIMA3429")
    with transaction.atomic():
        cable.tags.set([Tag.objects.create(name="Plan VRAE", kind=Tag.Kind.TOPIC)])
        assert found('tag:"Plan VRAE"') == set()  # not before the commit

    assert found('tag:"Plan VRAE"') == {"07LIMA3429"}
    assert found("tag:MARR") == set()
    assert not PendingIndexUpdate.objects.exists()


def test_a_rolled_back_change_never_reaches_the_index():
    import_file(SEED_CABLE)
    cable = Document.objects.get(identifier="07LIMA3429")
    with pytest.raises(RuntimeError), transaction.atomic():
        cable.delete()
        raise RuntimeError("changed my mind")

    assert found("VRAE") == {"07LIMA3429"}
    assert not PendingIndexUpdate.objects.exists()


def test_the_search_page_finds_a_document_deleted_from_the_admin_no_more(client, plain_static):  # noqa: F811
    import_file(SEED_CABLE)
    assert client.get("/search/", {"q": "VRAE"}).context["outcome"].count == 1

    Document.objects.get(identifier="07LIMA3429").delete()

    assert client.get("/search/", {"q": "VRAE"}).context["outcome"].count == 0
