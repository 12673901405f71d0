"""Every admin change reaches the public search by the next request: results and facet counts.

These tests commit (transaction=True) so that the index queue drains after each commit, as
it does in production.
"""

from __future__ import annotations

import pytest
from admin_support import (
    CHANGELIST,
    TAG_CHANGELIST,
    TAG_SEARCH_RESULTS,
    apply_post,
    change_form_post,
    make_superuser,
    make_tag,
    make_tagger,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)
from django.test import Client

from archive.models import PendingIndexUpdate, Source, Tag

pytestmark = pytest.mark.django_db(transaction=True)

CABLE = "07LIMA3429"


@pytest.fixture
def public():
    return Client()


@pytest.fixture
def editor(client):
    client.force_login(make_superuser())
    return client


@pytest.fixture
def tagger(client):
    client.force_login(make_tagger())
    return client


def found(public, **params) -> set[str]:
    """The identifiers the public search page lists (one page is enough for the seeds)."""
    response = public.get("/search/", params)
    assert response.status_code == 200
    return {result.document.identifier for result in response.context["outcome"].results}


def facet(public, name: str, **params) -> dict:
    """{value: count} of one facet of the public search page."""
    response = public.get("/search/", params)
    return dict(response.context["outcome"].facets[name])


def articles(seeds) -> list:
    return [seeds[name] for name in ("afps", "dod", "andina", "dialogo")]


def test_the_seeds_are_searchable_before_any_admin_change(public, seeds):
    assert CABLE in found(public, q="Gates")
    assert facet(public, "tag", q="Gates").get("PGOV") == 1
    assert PendingIndexUpdate.objects.count() == 0


def test_a_taggers_edit_of_one_document_is_searchable_at_once(tagger, public, seeds):
    vrae = make_tag("VRAE")
    cable = seeds["cable"]
    url = f"{CHANGELIST}{cable.pk}/change/"
    tags = [str(pk) for pk in cable.tags.values_list("pk", flat=True)] + [str(vrae.pk)]
    assert tagger.post(url, change_form_post(tagger.get(url), tags=tags)).status_code == 302
    assert found(public, tag="VRAE") == {CABLE}
    assert facet(public, "tag")["VRAE"] == 1


def test_bulk_added_and_removed_tags_are_searchable_at_once(editor, public, seeds):
    post = apply_post("add_tags", articles(seeds), new_tags="Plan Colombia")
    editor.post(CHANGELIST, post)
    expected = {seeds[name].identifier for name in ("afps", "dod", "andina", "dialogo")}
    assert found(public, tag="Plan Colombia") == expected
    assert facet(public, "tag")["Plan Colombia"] == 4

    plan = Tag.objects.get(name="Plan Colombia")
    editor.post(CHANGELIST, apply_post("remove_tags", articles(seeds)[:3], tags=[str(plan.pk)]))
    assert found(public, tag="Plan Colombia") == {seeds["dialogo"].identifier}
    assert facet(public, "tag")["Plan Colombia"] == 1


def test_tagging_all_results_of_a_search_tags_what_the_search_finds(editor, public, seeds):
    matches = found(public, q="Gates")
    assert CABLE in matches
    url = "http://127.0.0.1:8000/search/?q=Gates"
    preview = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert preview.context["count"] == len(matches)
    editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Gates visits"})
    assert found(public, tag="Gates visits") == matches
    assert facet(public, "tag", q="Gates")["Gates visits"] == len(matches)


def test_a_merge_moves_the_documents_in_the_search_too(editor, public, seeds):
    vrae, vraem = make_tag("VRAE"), make_tag("VRAEM")
    vrae.documents.add(seeds["cable"])
    vraem.documents.add(seeds["dialogo"], seeds["cable"])
    editor.post(TAG_CHANGELIST, apply_post("merge_tags", [vraem], target=str(vrae.pk)))
    assert found(public, tag="VRAE") == {CABLE, seeds["dialogo"].identifier}
    assert found(public, tag="VRAEM") == set()
    tags = facet(public, "tag")
    assert (tags.get("VRAE"), tags.get("VRAEM")) == (2, None)


def test_a_deleted_tag_leaves_the_search(editor, public, seeds):
    pgov = Tag.objects.get(name="PGOV")
    assert editor.post(f"{TAG_CHANGELIST}{pgov.pk}/delete/", {"post": "yes"}).status_code == 302
    assert found(public, tag="PGOV") == set()
    assert "PGOV" not in facet(public, "tag")
    assert CABLE in found(public, q="Gates")


def test_a_renamed_tag_is_found_by_its_new_name(editor, public, seeds):
    pgov = Tag.objects.get(name="PGOV")
    url = f"{TAG_CHANGELIST}{pgov.pk}/change/"
    editor.post(url, change_form_post(editor.get(url), name="Internal politics"))
    assert found(public, tag="Internal politics") == {CABLE}
    assert found(public, tag="PGOV") == set()


def test_a_renamed_source_is_its_new_name_in_the_source_facet(editor, public, seeds):
    source = Source.objects.get(name="Andina")
    url = f"/admin/archive/source/{source.pk}/change/"
    response = editor.post(url, change_form_post(editor.get(url), name="Agencia Andina"))
    assert response.status_code == 302
    sources = facet(public, "source")
    assert (sources.get("Agencia Andina"), sources.get("Andina")) == (1, None)


def test_a_sources_new_kind_is_its_kind_in_the_source_kind_facet(editor, public, seeds):
    before = facet(public, "source_kind")
    source = Source.objects.get(name="Andina")
    old_kind, moved = source.kind, source.documents.count()
    url = f"/admin/archive/source/{source.pk}/change/"
    response = editor.post(url, change_form_post(editor.get(url), kind=Source.Kind.GOVERNMENT_NEWS))
    assert response.status_code == 302
    after = facet(public, "source_kind")
    assert after["government-news"] == before.get("government-news", 0) + moved
    assert after.get(old_kind, 0) == before[old_kind] - moved


def test_a_superusers_title_edit_is_searchable(editor, public, seeds):
    cable = seeds["cable"]
    url = f"{CHANGELIST}{cable.pk}/change/"
    post = change_form_post(editor.get(url), title="Riverine plans briefed, operation Xylophone")
    assert editor.post(url, post).status_code == 302
    assert found(public, q="xylophone") == {CABLE}


def test_a_deleted_document_leaves_the_search(editor, public, seeds):
    cable = seeds["cable"]
    response = editor.post(f"{CHANGELIST}{cable.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert CABLE not in found(public, q="Gates")
    assert "PGOV" not in facet(public, "tag")


def test_documents_deleted_from_the_list_leave_the_search(editor, public, seeds):
    post = apply_post("delete_selected", articles(seeds)[:2], post="yes")
    editor.post(CHANGELIST, post)
    remaining = found(public, q="Peru")
    assert seeds["afps"].identifier not in remaining
    assert seeds["dod"].identifier not in remaining
