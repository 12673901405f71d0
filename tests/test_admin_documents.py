"""The document list and form in the admin: columns, filters, search, counts, provenance."""

from __future__ import annotations

import datetime

import pytest
from admin_support import (
    CHANGELIST,
    make_document,
    make_source,
    make_superuser,
    make_tag,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.adminviews import changelist
from archive.adminviews.changelist import LargeTablePaginator
from archive.models import Document, Paragraph, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(make_superuser())
    return client


@pytest.fixture
def archive():
    """Two cables and an article, from two sources, three years, two origins, a few tags."""
    vrae, pgov = make_tag("VRAE"), make_tag("PGOV", Tag.Kind.SUBJECT)
    andina = make_source("Andina", "andina")
    return {
        "lima": make_document(
            "07LIMA3429",
            "MOD BRIEFS SECRETARY GATES ON PLANS",
            text="Riverine patrols in the VRAE.",
            tags=(vrae, pgov),
        ),
        "bogota": make_document(
            "09BOGOTA123",
            "PLAN COLOMBIA REVIEW",
            origin="Embassy Bogota",
            classification="SECRET",
            date=datetime.date(2009, 2, 1),
            tags=(pgov,),
        ),
        "article": make_document(
            "2022-10-06-peru-united-states-work-together",
            "Peru, United States work together",
            type=Document.Type.ARTICLE,
            origin="",
            classification="",
            source=andina,
            date=datetime.date(2022, 10, 6),
            text="Drug trafficking and migration.",
        ),
    }


def list_filter(response, parameter: str):
    specs = response.context["cl"].filter_specs
    return next(spec for spec in specs if getattr(spec, "parameter_name", "") == parameter)


def listed(response) -> set[str]:
    return {document.identifier for document in response.context["cl"].result_list}


def test_the_list_shows_the_columns_that_fit_a_laptop_screen(editor, archive):
    response = editor.get(CHANGELIST)
    assert response.context["cl"].list_display == [
        "action_checkbox",
        "identifier",
        "short_title",
        "date",
        "origin",
        "tag_list",
    ]


def test_a_long_title_is_cut_with_all_of_it_on_hover(editor, archive):
    title = "SCENESETTER FOR THE VISIT OF THE SECRETARY: " + "SECURITY COOPERATION, " * 6
    make_document("07LIMA9999", title)
    response = editor.get(CHANGELIST)
    assert f'<span title="{title}">{title[:89]}…</span>' in response.content.decode()


def test_the_list_shows_the_columns_and_tags_as_filter_links(editor, archive):
    response = editor.get(CHANGELIST)
    assert response.status_code == 200
    for text in [
        "07LIMA3429",
        "MOD BRIEFS SECRETARY GATES ON PLANS",
        "Embassy Lima",
        "CONFIDENTIAL",
        "Andina",
    ]:
        assert text in response.content.decode()
    assert '<a href="?tag=vrae">VRAE</a>' in response.content.decode()


def test_the_list_page_makes_as_many_queries_for_fifty_rows_as_for_three(editor, archive):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert editor.get(CHANGELIST).status_code == 200
        return len(context.captured_queries)

    few = queries()
    tags = [make_tag(f"Topic {n}") for n in range(5)]
    for n in range(47):
        origin, some_tags = f"Embassy {n % 7}", tuple(tags[: n % 5])
        make_document(f"08LIMA{n:04d}", f"Cable {n}", origin=origin, tags=some_tags)
    assert Document.objects.count() == 50
    assert queries() == few


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type__exact=article", {"article"}),
        ("type__exact=cable", {"lima", "bogota"}),
        ("source__id__exact={andina}", {"article"}),
        ("classification=SECRET", {"bogota"}),
        ("origin=Embassy+Lima", {"lima"}),
        ("tag=vrae", {"lima"}),
        ("tag=pgov", {"lima", "bogota"}),
        ("year=2009", {"bogota"}),
        ("year=2009&classification=SECRET&tag=pgov", {"bogota"}),
        ("year=2007&origin=Embassy+Bogota", set()),
    ],
)
def test_filters_narrow_the_list(editor, archive, query, expected):
    andina = archive["article"].source.pk
    response = editor.get(f"{CHANGELIST}?{query.format(andina=andina)}")
    assert response.status_code == 200
    assert listed(response) == {archive[name].identifier for name in expected}


def test_the_year_filter_offers_the_years_that_have_documents(editor, archive):
    response = editor.get(CHANGELIST)
    year_filter = list_filter(response, "year")
    assert [value for value, _ in year_filter.lookup_choices] == ["2022", "2009", "2007"]


def test_the_origin_filter_offers_top_origins_and_the_chosen_one(editor, archive, monkeypatch):
    make_document("07LIMA9999", "Another Lima cable")
    monkeypatch.setattr(changelist, "TOP_ORIGINS", 1)
    response = editor.get(f"{CHANGELIST}?origin=Embassy+Bogota")
    origin_filter = list_filter(response, "origin")
    assert origin_filter.lookup_choices == [
        ("Embassy Lima", "Embassy Lima (2)"),
        ("Embassy Bogota", "Embassy Bogota"),
    ]
    assert listed(response) == {"09BOGOTA123"}


def test_the_tag_filter_lists_topics_and_any_tag_chosen(editor, archive):
    response = editor.get(f"{CHANGELIST}?tag=pgov")
    tag_filter = list_filter(response, "tag")
    assert tag_filter.lookup_choices == [("pgov", "PGOV"), ("vrae", "VRAE")]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("07LIMA3429", {"lima"}),
        ("07lima3429", {"lima"}),
        ("09BOG", {"bogota"}),
        ("plan colombia", {"bogota"}),
        ("riverine", {"lima"}),
        ("trafficking migration", {"article"}),
        ('"drug trafficking"', {"article"}),
        ("nowhere", set()),
    ],
)
def test_search_finds_reference_ids_titles_and_paragraph_text(editor, archive, term, expected):
    response = editor.get(CHANGELIST, {"q": term})
    assert listed(response) == {archive[name].identifier for name in expected}


def test_a_document_matching_in_several_paragraphs_is_listed_once(editor, archive):
    lima = archive["lima"]
    Paragraph.objects.create(document=lima, number=2, anchor="p2", text="More riverine plans.")
    response = editor.get(CHANGELIST, {"q": "riverine"})
    assert [d.identifier for d in response.context["cl"].result_list] == ["07LIMA3429"]


def test_a_filtered_list_is_counted_only_up_to_the_limit(editor, archive, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "count_limit", 1)
    response = editor.get(f"{CHANGELIST}?tag=pgov")
    assert response.context["cl"].paginator.count_kind == "at least"
    assert "more than 1 documents" in response.content.decode()
    response = editor.get(f"{CHANGELIST}?tag=vrae")
    assert response.context["cl"].paginator.count_kind == "exact"
    assert "1 document\n" in response.content.decode()


def test_the_list_never_counts_the_whole_table_twice(editor, archive):
    with CaptureQueriesContext(connection) as context:
        editor.get(f"{CHANGELIST}?type__exact=cable")
    sqls = [query["sql"].upper() for query in context.captured_queries]
    counts = [sql for sql in sqls if sql.startswith("SELECT COUNT(")]
    assert len(counts) == 1
    assert "LIMIT" in counts[0].upper()


def test_the_form_shows_the_original_file_escaped_and_the_provenance(editor):
    document = make_document("07LIMA1", "A cable", text="<script>alert(1)</script> ¶1. (C) Text.")
    response = editor.get(f"{CHANGELIST}{document.pk}/change/")
    page = response.content.decode()
    escaped = "07LIMA1\nA cable\n\n&lt;script&gt;alert(1)&lt;/script&gt; ¶1. (C) Text.\n"
    assert f'<pre class="quipu-original">{escaped}</pre>' in page
    assert document.current_file.sha256 in page
    assert "07LIMA1.txt" in page


def test_admin_facet_counts_are_never_computed(editor, archive):
    response = editor.get(f"{CHANGELIST}?_facets=1")
    assert response.status_code == 200
    assert response.context["cl"].add_facets is False
