"""Related documents on real cables (the development-set pages and the corpus pages of
tests/data): ranked by their words and by the cable's own record, so that a cable's first
related documents share its TAGS or its origin, and never the cable itself. The page's own
behaviour (nothing related, a broken index) is in test_document_pages."""

from __future__ import annotations

import json

import pytest

from archive.models import Document
from archive.search.related import related_documents
from tests.conftest import DEV, corpus_pages
from tests.search_fixtures import imported_for_the_module, using_index

pytestmark = pytest.mark.django_db

DEV_CABLES = [
    json.loads(line)["reference_id"]
    for line in (DEV / "manifest.jsonl").read_text().splitlines()
    if line.strip()
]
FIRST = 5
SHARING_AT_LEAST = 3


@pytest.fixture(scope="module")
def archive_index(django_db_setup, django_db_blocker, dev_pages, tmp_path_factory):
    """The development-set and corpus cables imported and indexed, rolled back after the module."""
    index_dir = tmp_path_factory.mktemp("related-index")
    pages = sorted(dev_pages.rglob("*.html")) + corpus_pages()
    with imported_for_the_module(django_db_blocker, pages, index_dir):
        yield index_dir


@pytest.fixture
def archive(archive_index, db):
    with using_index(archive_index) as backend:
        yield backend


def cable(identifier: str) -> Document:
    return Document.objects.for_document_page().get(identifier=identifier)


def shares_tags_or_origin(document: Document, other: Document) -> bool:
    tags = {tag.name for tag in document.tags.all()}
    return bool(tags & {tag.name for tag in other.tags.all()}) or (
        bool(document.origin) and other.origin == document.origin
    )


@pytest.mark.parametrize("identifier", DEV_CABLES)
def test_most_of_a_cables_first_related_documents_share_its_tags_or_origin(archive, identifier):
    document = cable(identifier)
    first = related_documents(document)[:FIRST]
    sharing = [other.identifier for other in first if shares_tags_or_origin(document, other)]
    assert len(sharing) >= SHARING_AT_LEAST, [
        (other.identifier, other.origin, sorted(t.name for t in other.tags.all())) for other in first
    ]


def test_a_cable_citing_another_of_the_archive_has_it_first_among_its_related(archive):
    # 09MONTERREY318's REF line cites 09MONTERREY284: same consulate, same TAGS, a month apart.
    assert [other.identifier for other in related_documents(cable("09MONTERREY318"))][:1] == [
        "09MONTERREY284"
    ]
    assert [other.identifier for other in related_documents(cable("09MONTERREY284"))][:1] == [
        "09MONTERREY318"
    ]


def test_a_document_is_never_among_its_own_related_documents_and_none_comes_twice(archive):
    documents = list(Document.objects.for_document_page())
    assert len(documents) > 60
    for document in documents:
        related = related_documents(document)
        assert document.pk not in {other.pk for other in related}, document.identifier
        assert len({other.pk for other in related}) == len(related), document.identifier


def test_a_cable_page_links_its_related_documents(archive, client):
    document = cable("07LIMA2129")
    html = client.get(document.get_absolute_url()).content.decode()
    assert 'class="panel related"' in html
    for other in related_documents(document):
        assert f'href="{other.get_absolute_url()}"' in html


def test_the_engine_counts_the_documents_holding_a_tag_or_origin_as_the_database_does(archive):
    from django.db.models import Count

    from archive.models import Tag
    from archive.search.engine import PlainExtensions, search_engine

    tags = dict(Tag.objects.annotate(n=Count("documents")).filter(n__gt=0).values_list("name", "n")[:40])
    origins = dict(
        Document.objects.exclude(origin="")
        .values("origin")
        .annotate(n=Count("id"))
        .values_list("origin", "n")
    )
    asked = {"tags": sorted(tags), "origin": sorted(origins)}
    expected = (
        Document.objects.count(),
        {**{("tags", t): n for t, n in tags.items()}, **{("origin", o): n for o, n in origins.items()}},
    )

    assert search_engine().document_frequencies(asked) == expected
    assert PlainExtensions(archive).document_frequencies(asked) == expected
