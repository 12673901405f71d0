"""The search page, its help page and the JSON API, on the seeds and corpus."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import Document
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

MALFORMED = [
    ('"unclosed', "quotation mark is not closed"),
    ("AND OR (", "AND needs a search term"),
    ("x" * 5000, "the limit is 500"),
    ("peru\x00\x07", "control characters"),
    ("*", "would match everything"),
    ("a*", "at least 2 letters"),
    ("coca~5", "1 or 2 differences"),
]


# One anonymous URL that used to hold a worker for ~50 s at 20,000 cables (review, issue 13).
FORTY_PREFIXES = " OR ".join(
    f"{prefix}*"
    for prefix in (
        "se co re pr de in st ca ma pa po di mi ge ha tr fo ex an ch "
        "pe go el su wo ac ar bo cl fi gr na of op pl ra sp te un ve"
    ).split()
)
# Queries that reach each part of the engine: words, phrases, prefixes, fuzzy words, filters, browsing.
ENGINE_PATHS = [
    {"q": "security"},
    {"q": '"shining path"'},
    {"q": "narco* OR secur*"},
    {"q": "cooperaton~"},
    {"q": "security", "tag": "PREL", "date_from": "2007"},
    {"sort": "newest"},
]


def page(client, **params):
    return client.get("/search/", params)


# The page


def test_an_empty_search_lists_everything_newest_first_with_facets(client_with_index):
    response = page(client_with_index)

    assert response.status_code == 200
    assert response.context["outcome"].count == 43
    html = response.content.decode()
    assert "43 results" in html
    dates = [result.document.date for result in response.context["outcome"].results]
    assert dates == sorted(dates, reverse=True) and len(dates) == 20
    assert html.index("Peru, United States work together") < html.index("Venezuela: Italian Ambassador")
    assert 'id="facet-origin"' in html and 'id="facet-tag"' in html


def test_results_show_title_identifier_type_date_origin_classification_and_paragraphs(client_with_index):
    response = page(client_with_index, q="VRAE")

    html = response.content.decode()
    assert "MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL SECURITY" in html
    assert '<span class="ident">07LIMA3429</span>' in html
    assert "17 Oct 2007" in html and "Embassy Lima" in html and "CONFIDENTIAL" in html
    assert "<mark>VRAE</mark>" in html
    assert 'href="/documents/07LIMA3429/?hl=VRAE#p2" title="Paragraph 2">¶2</a>' in html
    assert 'href="/documents/07LIMA3429/?hl=VRAE#p1" title="Paragraph 1">¶1</a>' in html


def test_a_reference_id_goes_straight_to_the_cable(client_with_index):
    for q in ("07LIMA3429", "07lima3429", " 07Lima3429 "):
        response = page(client_with_index, q=q)
        assert response.status_code == 302
        assert response["Location"] == "/documents/07LIMA3429/"


def test_an_unknown_reference_id_is_searched_for(client_with_index):
    response = page(client_with_index, q="99NOWHERE1")

    assert response.status_code == 200
    assert response.context["outcome"].count == 0


@pytest.mark.parametrize("q, message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_a_malformed_query_gets_a_plain_message_not_an_error(client_with_index, q, message):
    response = page(client_with_index, q=q)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["problem"] is not None
    assert "Traceback" not in response.content.decode()


def test_a_query_with_too_many_prefixes_is_refused_with_a_shorter_one_to_try(client_with_index):
    response = page(client_with_index, q=FORTY_PREFIXES)

    assert response.status_code == 200
    problem = response.context["problem"]
    assert "more than 5 prefix* and fuzzy~ terms" in problem.message
    assert problem.suggestion == "se* OR co* OR re* OR pr* OR de*"
    assert "Try: <a href=" in response.content.decode()


def test_the_wildcard_limit_is_a_setting(client_with_index, settings):
    settings.ARCHIVE_SEARCH_MAX_WILDCARD_TERMS = 1

    assert page(client_with_index, q="narco*").context["problem"] is None
    assert "more than 1 prefix*" in page(client_with_index, q="narco* OR secur*").context["problem"].message


@pytest.mark.parametrize(
    "params", ENGINE_PATHS, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items())
)
def test_a_search_out_of_time_stops_and_says_so(client_with_index, settings, params):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9  # spent before the engine starts

    response = page(client_with_index, **params)

    assert response.status_code == 503
    assert response.context["outcome"] is None
    assert "took too long" in response.context["problem"].message
    assert "took too long" in response.content.decode()


def test_a_search_out_of_time_leaves_nothing_half_done_for_the_next(
    client_with_index, search_index, settings
):
    queries = ["security", '"shining path"', "narco* OR secur*", "cooperaton~", "peru -lima"]

    def results() -> dict:
        pages = {q: page(client_with_index, q=q).context["outcome"] for q in queries}
        return {q: (o.count, [r.document.identifier for r in o.results]) for q, o in pages.items()}

    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9
    assert {page(client_with_index, q=q).status_code for q in queries} == {503}
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 60
    after_the_timeouts = results()
    search_index.reset_searcher()  # a new searcher computes everything again

    assert after_the_timeouts == results()


def test_a_malformed_query_offers_a_repaired_query(client_with_index):
    response = page(client_with_index, q='"shining path')

    assert 'Try: <a href="?q=%22shining+path%22">&quot;shining path&quot;</a>' in response.content.decode()


def test_a_misspelt_word_gets_a_did_you_mean_from_the_index(client_with_index):
    response = page(client_with_index, q="terorism")

    assert response.context["outcome"].suggestion == "terrorism"
    assert 'Did you mean <a href="?q=terrorism">terrorism</a>?' in response.content.decode()


def test_a_query_that_finds_plenty_gets_no_suggestion(client_with_index):
    assert page(client_with_index, q="security").context["outcome"].suggestion == ""


def test_facet_links_add_a_value_and_keep_the_rest_of_the_search(client_with_index):
    response = page(client_with_index, q="security", tag="PREL", sort="newest", page="2")

    origin = next(f for f in response.context["facets"] if f.name == "tag")
    pgov = next(v for v in origin.values if v.value == "PGOV")
    assert pgov.url == "/search/?q=security&tag=PREL&tag=PGOV&sort=newest"
    prel = next(v for v in origin.values if v.value == "PREL")
    assert prel.selected and prel.url == "/search/?q=security&sort=newest"


def test_choosing_a_value_keeps_the_other_values_of_its_facet_with_their_counts(client_with_index):
    everything = page(client_with_index).context["facets"]
    response = page(client_with_index, origin="Embassy Lima")

    origins = next(f for f in response.context["facets"] if f.name == "origin")
    before = next(f for f in everything if f.name == "origin")
    assert [(v.value, v.count) for v in origins.values] == [(v.value, v.count) for v in before.values]
    assert [v.value for v in origins.values if v.selected] == ["Embassy Lima"]
    assert response.context["outcome"].count == 1


def test_a_second_value_of_a_facet_is_ored_with_the_first(client_with_index):
    response = page(client_with_index, origin="Embassy Lima")
    origins = next(f for f in response.context["facets"] if f.name == "origin")
    bogota = next(v for v in origins.values if v.value == "Embassy Bogota")

    assert bogota.url == "/search/?origin=Embassy+Lima&origin=Embassy+Bogota"
    both = client_with_index.get(bogota.url)
    assert both.context["outcome"].count == 1 + bogota.count
    chips = {(c.label, c.value) for c in both.context["chips"]}
    assert chips == {("Origin", "Embassy Lima"), ("Origin", "Embassy Bogota")}


def test_other_facets_count_only_the_documents_the_choice_keeps(client_with_index):
    response = page(client_with_index, origin="Embassy Lima")

    types = next(f for f in response.context["facets"] if f.name == "type")
    assert [(v.value, v.count) for v in types.values] == [("cable", 1)]


def test_a_chosen_value_is_listed_even_beyond_the_first_ten(client_with_index):
    rare = next(f for f in page(client_with_index).context["facets"] if f.name == "origin").values[-1]
    response = page(client_with_index, origin=rare.value)

    origins = next(f for f in response.context["facets"] if f.name == "origin")
    assert rare.value in [v.value for v in origins.shown if v.selected]


def test_a_chosen_year_keeps_the_other_years_and_unchooses_itself(client_with_index):
    response = page(client_with_index, date_from="2007", date_to="2007")

    years = next(f for f in response.context["facets"] if f.name == "year")
    assert len(years.values) > 1
    chosen = next(v for v in years.values if v.selected)
    assert chosen.value == 2007 and chosen.url == "/search/"


def test_active_filters_are_chips_that_remove_themselves(client_with_index):
    response = page(client_with_index, q="peru", origin="Embassy Lima", tag=["MARR", "PE"], date_from="2007")

    chips = {(c.label, c.value): c.remove_url for c in response.context["chips"]}
    assert chips[("Tags", "MARR")] == "/search/?q=peru&origin=Embassy+Lima&tag=PE&date_from=2007"
    assert chips[("Origin", "Embassy Lima")] == "/search/?q=peru&tag=MARR&tag=PE&date_from=2007"
    assert chips[("From", "2007")] == "/search/?q=peru&origin=Embassy+Lima&tag=MARR&tag=PE"
    assert response.context["clear_url"] == "/search/?q=peru"
    assert "Clear all" in response.content.decode()


def test_an_unknown_facet_value_gives_no_results_and_keeps_its_chip(client_with_index):
    response = page(client_with_index, origin="Embassy Atlantis", tag='bad"value')

    assert response.status_code == 200
    assert response.context["outcome"].count == 0
    labels = {(c.label, c.value) for c in response.context["chips"]}
    assert labels == {("Origin", "Embassy Atlantis"), ("Tags", 'bad"value')}
    assert "Embassy Atlantis" in response.content.decode()


def test_long_facet_lists_show_ten_and_link_to_all_values(client_with_index):
    response = page(client_with_index)

    origins = next(f for f in response.context["facets"] if f.name == "origin")
    assert len(origins.values) == 39 and len(origins.shown) == 10  # 38 corpus origins and Lima
    assert origins.more_url == "/search/?more=origin#facet-origin"


def test_the_all_values_page_filters_the_list_without_javascript(client_with_index):
    response = page(client_with_index, more="origin", more_filter="BUEN")

    values = [v.label for v in response.context["more_values"]]
    assert values == ["Embassy Buenos Aires"]
    html = response.content.decode()
    assert 'name="more_filter"' in html and '<input type="hidden" name="more" value="origin">' in html


def test_the_all_values_filter_ignores_accents(client_with_index):
    response = page(client_with_index, more="source", more_filter="dialogo")

    assert [v.label for v in response.context["more_values"]] == ["Diálogo"]


def test_page_numbers_say_page_n_of_m_and_keep_the_search(client_with_index):
    response = page(client_with_index, q="security", page="2")

    html = response.content.decode()
    assert "Page 2 of 2" in html
    assert 'href="?q=security&amp;page=1"' in html


def test_a_page_past_the_end_shows_the_last_page(client_with_index):
    response = page(client_with_index, page="999")

    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome.page == outcome.pages == 3 and len(outcome.results) == 3


def test_bad_dates_and_pages_are_reported_and_ignored(client_with_index):
    response = page(client_with_index, date_from="2007-13", page="zero", sort="random")

    assert response.status_code == 200
    messages = " ".join(response.context["messages_"])
    assert "date from" in messages and "page" in messages and "sort" in messages
    assert response.context["outcome"].count == 43


OLD_DATES = [{"date_to": "0999"}, {"date_to": "0001"}, {"date_from": "0500-03"}, {"date_from": "0999-12-31"}]


@pytest.mark.parametrize("dates", OLD_DATES, ids=lambda dates: "&".join(f"{k}={v}" for k, v in dates.items()))
def test_a_year_before_1000_is_reported_and_ignored(client_with_index, dates):
    response = page(client_with_index, **dates)

    assert response.status_code == 200
    assert "Use a year from 1000 to 9999" in " ".join(response.context["messages_"])
    assert response.context["outcome"].count == 43


def test_the_search_page_costs_few_database_queries(client_with_index):
    with CaptureQueriesContext(connection) as queries:
        page(client_with_index, q="security")
    # the documents on the page, and their paragraphs
    assert len(queries) <= 3


@pytest.mark.parametrize(
    "params",
    [
        {"origin": "Embassy Lima"},
        {"q": "security", "tag": ["PREL", "PGOV"]},
        {"date_from": "2007", "date_to": "2007"},
    ],
)
def test_no_search_of_a_page_asks_the_engine_for_every_hit(client_with_index, monkeypatch, params):
    # A facet recount that asked for every hit read all 50,000 stored documents: 8 s a page.
    from haystack.backends import BaseSearchQuery

    run, limits = BaseSearchQuery.run, []

    def recorded(query, *args, **kwargs):
        limits.append(query.end_offset)
        return run(query, *args, **kwargs)

    monkeypatch.setattr(BaseSearchQuery, "run", recorded)
    assert page(client_with_index, **params).status_code == 200
    assert limits and None not in limits


def test_the_help_page_documents_the_query_language(client_with_index):
    response = client_with_index.get("/search/help/")

    html = response.content.decode()
    for example in (
        '"shining path"',
        "coca OR cocaine",
        "cooperat*",
        "counter-terrorism",
        "07 LIMA 3429",
        "terrorsim~",
        "tag:MARR",
        'origin:"Embassy Lima"',
        "classification:SECRET",
        "ref:07LIMA3429",
        "title:gates",
        "type:article",
        "source:andina",
        "marking:S/NF",
        "peru -gates",
    ):
        assert f"<code>{example}</code>" in html, example


def test_the_search_form_links_to_the_help(client_with_index):
    assert 'href="/search/help/"' in page(client_with_index).content.decode()


# The API


def test_the_api_returns_results_paragraphs_facets_and_counts(client_with_index):
    data = client_with_index.get("/api/search/", {"q": "VRAE", "page_size": 5}).json()

    assert data["count"] == 1 and data["page"] == 1 and data["pages"] == 1
    result = data["results"][0]
    assert result["identifier"] == "07LIMA3429" and result["type"] == "cable"
    assert result["date"] == "2007-10-17"
    assert result["url"] == "http://testserver/documents/07LIMA3429/"
    assert "<mark>VRAE</mark>" in result["snippet"]
    assert result["paragraphs"][0] == {
        "number": 2,
        "numbered_by": "source",
        "url": "http://testserver/documents/07LIMA3429/?hl=VRAE#p2",
        "snippet": result["paragraphs"][0]["snippet"],
    }
    assert result["more_paragraphs"] == 2
    assert data["facets"]["origin"] == [["Embassy Lima", 1]]
    assert data["suggestion"] is None


def test_the_api_takes_the_same_filters_as_the_page(client_with_index):
    data = client_with_index.get(
        "/api/search/", {"classification": ["SECRET", "SECRET//NOFORN"], "tag": "PTER", "page_size": 100}
    ).json()

    expected = Document.objects.filter(
        classification__in=["SECRET", "SECRET//NOFORN"], tags__name="PTER"
    ).count()
    assert data["count"] == len(data["results"]) == expected


def test_the_api_pages_are_capped_at_the_maximum_page_size(client_with_index):
    assert client_with_index.get("/api/search/", {"page_size": 100}).status_code == 200
    response = client_with_index.get("/api/search/", {"page_size": 101})

    assert response.status_code == 400
    assert "at most 100" in response.json()["error"]


@pytest.mark.parametrize("q, message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_the_api_answers_a_malformed_query_with_400(client_with_index, q, message):
    response = client_with_index.get("/api/search/", {"q": q})

    assert response.status_code == 400
    assert message in response.json()["error"]


@pytest.mark.parametrize("dates", OLD_DATES, ids=lambda dates: "&".join(f"{k}={v}" for k, v in dates.items()))
def test_the_api_answers_a_year_before_1000_with_400(client_with_index, dates):
    response = client_with_index.get("/api/search/", dates)

    assert response.status_code == 400
    assert "Use a year from 1000 to 9999" in response.json()["error"]


def test_the_api_answers_too_many_prefixes_with_400_and_a_suggestion(client_with_index):
    response = client_with_index.get("/api/search/", {"q": FORTY_PREFIXES})

    assert response.status_code == 400
    body = response.json()
    assert "more than 5 prefix* and fuzzy~ terms" in body["error"]
    assert body["suggestion"] == "se* OR co* OR re* OR pr* OR de*"


@pytest.mark.parametrize(
    "params", ENGINE_PATHS, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items())
)
def test_the_api_answers_a_search_out_of_time_with_503(client_with_index, settings, params):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9

    response = client_with_index.get("/api/search/", params)

    assert response.status_code == 503
    assert "took too long" in response.json()["error"]


def test_the_api_suggests_a_spelling(client_with_index):
    assert client_with_index.get("/api/search/", {"q": "terorism"}).json()["suggestion"] == "terrorism"


def test_the_api_gives_the_last_page_past_the_end(client_with_index):
    data = client_with_index.get("/api/search/", {"page": 50, "page_size": 20}).json()

    assert data["page"] == data["pages"] == 3 and len(data["results"]) == 3
