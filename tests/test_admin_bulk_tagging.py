"""Bulk tag edits in the admin: add and remove on a selection, merge and delete tags, tag a
search's results. Each shows its page, applies, says what it did and leaves history."""

from __future__ import annotations

import pytest
from admin_support import (
    CHANGELIST,
    PASSWORD,
    TAG_CHANGELIST,
    TAG_SEARCH_RESULTS,
    action_post,
    apply_post,
    make_document,
    make_superuser,
    make_tag,
    make_tagger,
    messages_of,
    plain_static_files,  # noqa: F401 (an autouse fixture)
    tag_names,
)
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from archive.adminviews import views
from archive.models import Document, Tag
from tests.search_fixtures import corpus, search_index  # noqa: F401 (fixtures: the real search engine)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cables():
    vrae = make_tag("VRAE", description="Valley of the Apurímac, Ene and Mantaro rivers.")
    return [
        make_document("07LIMA3429", "MOD BRIEFS SECRETARY GATES", tags=(vrae,)),
        make_document("07LIMA3430", "RIVERINE PLANS"),
        make_document("09BOGOTA123", "PLAN COLOMBIA REVIEW", origin="Embassy Bogota"),
    ]


@pytest.fixture
def editor(client):
    user = make_superuser()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def tagger(client):
    user = make_tagger()
    client.force_login(user)
    client.user = user
    return client


def history(document: Document) -> list[str]:
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=str(document.pk)
    )
    return [entry.get_change_message() for entry in entries.order_by("id")]


# Add tags


def test_add_tags_first_shows_the_selection_and_a_form(editor, cables):
    response = editor.post(CHANGELIST, action_post("add_tags", cables[:2]))
    assert response.status_code == 200
    assert response.templates[0].name == "admin/archive/document/tag_documents.html"
    page = response.content.decode()
    assert "2 documents selected" in page
    assert "07LIMA3429" in page and "07LIMA3430" in page and "09BOGOTA123" not in page
    assert 'value="Add to 2 documents"' in page
    assert 'data-field-name="tags"' in page  # the admin's tag autocomplete
    assert Tag.objects.filter(name="VRAE").get().documents.count() == 1


def test_add_tags_applies_existing_and_new_tags_and_says_so(editor, cables):
    vrae = Tag.objects.get(name="VRAE")
    new = "Plan Colombia, riverine ops"
    post = apply_post("add_tags", cables[:2], tags=[str(vrae.pk)], new_tags=new)
    response = editor.post(CHANGELIST, post, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    added = "Added VRAE, Plan Colombia, riverine ops to 2 documents."
    assert messages_of(response) == [f"{added} Created tags: Plan Colombia, riverine ops."]
    assert tag_names(cables[0]) == {"VRAE", "Plan Colombia", "riverine ops"}
    assert tag_names(cables[1]) == {"VRAE", "Plan Colombia", "riverine ops"}
    assert tag_names(cables[2]) == set()
    assert Tag.objects.get(name="Plan Colombia").kind == Tag.Kind.TOPIC


def test_added_tags_are_in_each_documents_history(editor, cables):
    vrae = Tag.objects.get(name="VRAE")
    editor.post(
        CHANGELIST,
        apply_post("add_tags", cables[:2], tags=[str(vrae.pk)], new_tags="Plan Colombia"),
    )
    assert history(cables[0]) == ["Added tags: Plan Colombia. (bulk action)"]
    assert history(cables[1]) == ["Added tags: VRAE, Plan Colombia. (bulk action)"]
    entry = LogEntry.objects.get(object_id=str(cables[1].pk))
    assert (entry.user, entry.action_flag) == (editor.user, CHANGE)
    tag_type = ContentType.objects.get_for_model(Tag)
    created = LogEntry.objects.get(content_type=tag_type, action_flag=ADDITION)
    assert created.object_repr == "Plan Colombia"


def test_a_typed_name_reuses_the_tag_in_any_letter_case(editor, cables):
    response = editor.post(
        CHANGELIST, apply_post("add_tags", cables[1:2], new_tags="vrae, Vrae ,VRAE"), follow=True
    )
    assert messages_of(response) == ["Added VRAE to 1 document."]
    assert Tag.objects.filter(name__iexact="vrae").count() == 1
    assert tag_names(cables[1]) == {"VRAE"}


def test_documents_that_already_have_the_tag_are_counted_apart(editor, cables):
    vrae = Tag.objects.get(name="VRAE")
    post = apply_post("add_tags", cables, tags=[str(vrae.pk)])
    response = editor.post(CHANGELIST, post, follow=True)
    assert messages_of(response) == ["Added VRAE to 2 documents; 1 document already had it."]
    assert history(cables[0]) == []


def test_adding_nothing_is_refused_with_the_form_shown_again(editor, cables):
    response = editor.post(CHANGELIST, apply_post("add_tags", cables[:1], new_tags=" , "))
    assert response.status_code == 200
    assert "Pick at least one tag, or type the name of a new one." in response.content.decode()
    assert LogEntry.objects.count() == 0


def test_select_all_applies_to_the_filtered_list_only(editor, cables):
    post = apply_post("add_tags", cables[:1], select_across=True, new_tags="Peru")
    response = editor.post(f"{CHANGELIST}?origin=Embassy+Lima", post, follow=True)
    assert messages_of(response) == ["Added Peru to 2 documents. Created tag: Peru."]
    assert [tag_names(c) for c in cables] == [{"VRAE", "Peru"}, {"Peru"}, set()]


def test_more_documents_than_the_limit_are_refused(editor, cables, settings):
    settings.ARCHIVE_ADMIN_BULK_LIMIT = 2
    post = action_post("add_tags", cables[:1], select_across=True)
    response = editor.post(CHANGELIST, post, follow=True)
    assert messages_of(response) == [
        "More than 2 documents are selected; nothing was changed. "
        "Narrow the list with filters or a search, then try again."
    ]
    assert Tag.objects.get(name="VRAE").documents.count() == 1


def test_a_tagger_adds_tags_and_creates_topics(tagger, cables):
    response = tagger.post(
        CHANGELIST, apply_post("add_tags", cables[1:], new_tags="Narco-terrorism"), follow=True
    )
    assert messages_of(response) == [
        "Added Narco-terrorism to 2 documents. Created tag: Narco-terrorism.",
    ]
    entry = LogEntry.objects.get(object_id=str(cables[1].pk))
    assert entry.user == tagger.user


def test_staff_who_may_not_add_tags_pick_existing_ones_only(client, cables):
    user = User.objects.create_user("reader", password=PASSWORD, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_document", "change_document", "view_tag"])
    )
    client.force_login(user)
    response = client.post(CHANGELIST, action_post("add_tags", cables[1:2]))
    assert "new_tags" not in response.context["form"].fields
    client.post(CHANGELIST, apply_post("add_tags", cables[1:2], new_tags="Sneaky"))
    assert not Tag.objects.filter(name="Sneaky").exists()


# Remove tags


def test_remove_tags_offers_the_tags_of_the_selection_with_counts(editor, cables):
    Tag.objects.get(name="VRAE").documents.add(cables[1])
    make_tag("Unused")
    response = editor.post(CHANGELIST, action_post("remove_tags", cables))
    choices = [label for _, label in response.context["form"].fields["tags"].choices]
    assert choices == ["VRAE (2)"]


def test_remove_tags_removes_them_and_records_it(editor, cables):
    vrae = Tag.objects.get(name="VRAE")
    post = apply_post("remove_tags", cables, tags=[str(vrae.pk)])
    response = editor.post(CHANGELIST, post, follow=True)
    assert messages_of(response) == ["Removed VRAE from 1 document."]
    assert tag_names(cables[0]) == set()
    assert history(cables[0]) == ["Removed tags: VRAE. (bulk action)"]
    assert history(cables[1]) == []


def test_remove_tags_on_untagged_documents_says_there_is_nothing_to_remove(editor, cables):
    response = editor.post(CHANGELIST, action_post("remove_tags", cables[1:]), follow=True)
    assert messages_of(response) == ["The selected documents have no tags to remove."]


# Merge


@pytest.fixture
def duplicates(cables):
    vraem = make_tag("VRAEM")
    vraem.documents.add(cables[0], cables[1])
    return Tag.objects.get(name="VRAE"), vraem


def test_merge_shows_the_tags_to_merge_and_asks_for_the_target(editor, duplicates):
    vrae, vraem = duplicates
    response = editor.post(TAG_CHANGELIST, action_post("merge_tags", [vraem]))
    assert response.status_code == 200
    assert "VRAEM (Topic (added by staff), 2 documents)" in response.content.decode()


def test_merge_moves_documents_deletes_the_tag_keeps_the_description(editor, cables, duplicates):
    vrae, vraem = duplicates
    response = editor.post(
        TAG_CHANGELIST, apply_post("merge_tags", [vraem], target=str(vrae.pk)), follow=True
    )
    assert messages_of(response) == ["Merged VRAEM into VRAE: 2 documents moved, 1 tag deleted."]
    assert not Tag.objects.filter(name="VRAEM").exists()
    vrae.refresh_from_db()
    assert vrae.description == "Valley of the Apurímac, Ene and Mantaro rivers."
    assert set(vrae.documents.values_list("identifier", flat=True)) == {"07LIMA3429", "07LIMA3430"}
    assert history(cables[0]) == ["Removed tags: VRAEM. (merged into VRAE)"]
    assert history(cables[1]) == ["Added tags: VRAE. Removed tags: VRAEM. (merged into VRAE)"]
    tag_type = ContentType.objects.get_for_model(Tag)
    assert LogEntry.objects.get(content_type=tag_type, action_flag=DELETION).object_repr == "VRAEM"


def test_merge_keeps_the_target_when_it_is_among_the_selected(editor, duplicates):
    vrae, vraem = duplicates
    editor.post(TAG_CHANGELIST, apply_post("merge_tags", [vrae, vraem], target=str(vrae.pk)))
    remaining = Tag.objects.filter(name__startswith="VRAE").values_list("name", flat=True)
    assert list(remaining) == ["VRAE"]


def test_merging_a_tag_into_itself_is_refused(editor, duplicates):
    vrae, _ = duplicates
    response = editor.post(TAG_CHANGELIST, apply_post("merge_tags", [vrae], target=str(vrae.pk)))
    assert response.status_code == 200
    assert "A tag cannot be merged into itself." in response.content.decode()
    assert Tag.objects.filter(pk=vrae.pk).exists()
    assert LogEntry.objects.count() == 0


def test_merging_subject_tags_warns_that_imports_bring_them_back(editor):
    pgov = Tag.objects.get(name="PGOV")
    response = editor.post(TAG_CHANGELIST, action_post("merge_tags", [pgov]))
    assert "PGOV is a subject tag, read from the cables" in response.content.decode()


def test_a_tagger_cannot_merge_even_by_posting(tagger, duplicates):
    vrae, vraem = duplicates
    tagger.post(TAG_CHANGELIST, apply_post("merge_tags", [vraem], target=str(vrae.pk)))
    assert Tag.objects.filter(name="VRAEM").get().documents.count() == 2
    assert LogEntry.objects.count() == 0


# Delete a tag


def test_deleting_a_tag_detaches_it_from_its_documents_with_history(editor, cables, duplicates):
    _, vraem = duplicates
    response = editor.post(f"{TAG_CHANGELIST}{vraem.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Tag.objects.filter(name="VRAEM").exists()
    assert history(cables[1]) == ["Removed tags: VRAEM. (tag deleted)"]


def test_the_delete_confirmation_counts_documents_instead_of_listing_links(editor, duplicates):
    _, vraem = duplicates
    page = editor.get(f"{TAG_CHANGELIST}{vraem.pk}/delete/").content.decode()
    assert "VRAEM (removed from 2 documents)" in page
    assert "relationship" not in page


def test_deleting_tags_from_the_list_detaches_them_too(editor, cables, duplicates):
    vrae, vraem = duplicates
    editor.post(TAG_CHANGELIST, apply_post("delete_selected", [vrae, vraem], post="yes"))
    assert tag_names(cables[0]) == set()
    assert history(cables[0]) == ["Removed tags: VRAE, VRAEM. (tag deleted)"]


def test_the_tag_list_counts_documents_and_sorts_by_the_count(editor, duplicates):
    response = editor.get(TAG_CHANGELIST, {"q": "VRAE", "o": "-4"})
    rows = [(tag.name, tag.document_count) for tag in response.context["cl"].result_list]
    assert rows == [("VRAEM", 2), ("VRAE", 1)]
    assert '<a href="/admin/archive/document/?tag=vraem">2</a>' in response.content.decode()


def test_the_tag_list_makes_as_many_queries_for_thirty_tags_as_for_one(editor, cables):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert editor.get(TAG_CHANGELIST, {"kind__exact": "topic"}).status_code == 200
        return len(context.captured_queries)

    one = queries()
    for n in range(30):
        make_tag(f"Topic {n}").documents.add(*cables)
    assert queries() == one


# Tag all results of a search


@pytest.fixture
def search_finds(monkeypatch):
    """Stand in for the search engine: the test says which documents a search finds."""
    found: dict = {"pks": [], "criteria": None}

    def fake(criteria: QueryDict, limit: int) -> tuple[int, list[int]]:
        found["criteria"] = criteria
        pks = found["pks"]
        return len(pks), (pks if len(pks) <= limit else [])

    monkeypatch.setattr(views, "public_search", fake)
    return found


def test_the_search_page_is_linked_from_the_document_list(editor):
    assert f'href="{TAG_SEARCH_RESULTS}"' in editor.get(CHANGELIST).content.decode()


def test_a_pasted_search_url_shows_the_count_and_a_sample(editor, cables, search_finds):
    search_finds["pks"] = [cables[1].pk, cables[0].pk]
    url = "http://127.0.0.1:8000/search/?q=VRAE&origin=Embassy+Lima&page=3&sort="
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert response.status_code == 200
    assert search_finds["criteria"].dict() == {"q": "VRAE", "origin": "Embassy Lima"}
    page = response.content.decode()
    assert "The search q=VRAE&amp;origin=Embassy Lima finds 2 documents" in page
    assert page.index("07LIMA3430") < page.index("07LIMA3429")  # in the search's order
    assert 'value="Add to all 2 documents"' in page


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:8000/documents/07LIMA3429/", "That is not a search address"),
        ("http://127.0.0.1:8000/search/", "That search has no criteria"),
        ("http://127.0.0.1:8000/search/?q=+&page=2", "That search has no criteria"),
    ],
)
def test_a_url_that_is_not_a_search_is_refused(editor, search_finds, url, error):
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert error in response.content.decode()
    assert search_finds["criteria"] is None


def test_a_bare_query_string_is_accepted(editor, search_finds):
    editor.get(TAG_SEARCH_RESULTS, {"url": "q=VRAE&tag=PGOV&tag=SNAR"})
    assert search_finds["criteria"].getlist("tag") == ["PGOV", "SNAR"]


def test_tagging_the_results_tags_every_match_and_records_the_search(editor, cables, search_finds):
    search_finds["pks"] = [cables[1].pk, cables[2].pk]
    url = "http://127.0.0.1:8000/search/?q=plans"
    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Riverine"}, follow=True)
    assert response.redirect_chain[-1][0] == CHANGELIST
    assert messages_of(response) == ["Added Riverine to 2 documents. Created tag: Riverine."]
    assert [tag_names(c) for c in cables] == [{"VRAE"}, {"Riverine"}, {"Riverine"}]
    assert history(cables[2]) == ["Added tags: Riverine. (from the search q=plans)"]


def test_a_search_finding_more_than_the_limit_tags_nothing(editor, cables, search_finds, settings):
    settings.ARCHIVE_ADMIN_BULK_LIMIT = 2
    search_finds["pks"] = [c.pk for c in cables]
    url = "/search/?origin=Embassy+Lima"
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert "That is more than 2, the most one change may tag." in response.content.decode()
    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Everything"})
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Everything").exists()


@pytest.mark.parametrize(
    "params",
    [
        "page_size=20",
        "more=tag",
        "hl=x",
        "utm_source=x",
        "q=&tag=%01&page_size=20",
        "page_size=100&more=origin&more_filter=lima&hl=peru&utm_source=mail&sort=newest&page=2",
    ],
)
@pytest.mark.usefixtures("search_index")
def test_a_search_url_without_words_or_filters_tags_nothing(editor, params):
    url = f"http://127.0.0.1:8000/search/?{params}"
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert "That search has no criteria" in response.content.decode()
    assert "count" not in response.context

    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Everything"})
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Everything").exists()


@pytest.mark.usefixtures("search_index")
def test_display_parameters_are_left_out_of_the_search_that_is_tagged(editor):
    url = "http://127.0.0.1:8000/search/?q=VRAE&page_size=20&more=tag&hl=x&utm_source=x"
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert response.context["criteria"] == "q=VRAE"
    assert response.context["count"] == 1


@pytest.mark.parametrize("dates", ["date_to=0999", "date_to=0001", "date_from=0500-03"])
@pytest.mark.usefixtures("search_index")
def test_a_pasted_search_with_a_year_before_1000_is_reported_and_tags_nothing(editor, dates):
    url = f"http://127.0.0.1:8000/search/?q=gates&{dates}"
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert response.status_code == 200
    assert "Use a year from 1000 to 9999" in response.content.decode()

    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Old"})
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Old").exists()


@pytest.mark.usefixtures("search_index")
def test_a_pasted_search_with_too_many_prefixes_is_refused_and_tags_nothing(editor):
    url = "/search/?q=" + "+OR+".join(f"{prefix}*" for prefix in "se co re pr de in st ca".split())
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert "more than 5 prefix* and fuzzy~ terms" in response.content.decode()

    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Everything"})
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Everything").exists()


@pytest.mark.usefixtures("search_index")
def test_a_pasted_search_out_of_time_says_so_and_tags_nothing(editor, settings):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9
    url = "/search/?q=narco*+OR+secur*"
    response = editor.get(TAG_SEARCH_RESULTS, {"url": url})
    assert response.status_code == 200
    assert "took too long" in response.content.decode()

    response = editor.post(TAG_SEARCH_RESULTS, {"url": url, "new_tags": "Slow"})
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Slow").exists()


def test_taggers_may_tag_search_results_viewers_may_not(client, search_finds):
    client.force_login(make_tagger())
    assert client.get(TAG_SEARCH_RESULTS).status_code == 200
    viewer = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_document"))
    client.force_login(viewer)
    assert client.get(TAG_SEARCH_RESULTS).status_code == 403
    assert f'href="{TAG_SEARCH_RESULTS}"' not in client.get(CHANGELIST).content.decode()
