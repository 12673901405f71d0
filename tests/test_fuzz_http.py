"""Hostile query strings and URLs: never a 500, never a traceback, never slow.

Hypothesis throws random and adversarial text — control characters, query syntax (`"`, `(`,
`*`, `~`, `field:`, AND OR NOT), 5,000-character pastes, percent-encoding tricks, `../`, NUL —
at every search parameter of /search/ and /api/search/, at document identifiers and
paragraph numbers, and at page numbers. Every response must be a 2xx, 3xx or 4xx without a
traceback, in under RESPONSE_SECONDS; the JSON endpoints answer JSON. Queries that would
expand to too many words are refused with a message.

Examples per test: QUIPU_FUZZ_EXAMPLES (default 60).
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.db import DataError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from archive.models import Document
from tests.search_fixtures import *  # noqa: F403

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ_EXAMPLES = int(os.environ.get("QUIPU_FUZZ_EXAMPLES", "60"))
fuzz = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
RESPONSE_SECONDS = 5.0
SEARCH_PARAMETERS = [
    "q",
    "source",
    "type",
    "classification",
    "origin",
    "tag",
    "marking",
    "date_from",
    "date_to",
    "sort",
    "page",
    "page_size",
    "more",
    "more_filter",
]

ADVERSARIAL = [
    '"',
    '""',
    '"unclosed phrase',
    "(",
    ")",
    "((((((((((peru))))))))))",
    "*",
    "**",
    "?",
    "?*",
    "*a",
    "a*",
    "p*",
    "pe*",
    "a?c*",
    "~",
    "peru~",
    "peru~9",
    "peru~0.5",
    "peru~-1",
    "field:",
    "title:",
    "tag:",
    "tag:(",
    "tag:(MARR OR",
    "origin:*",
    "content:peru",
    "id:archive.document.1",
    "django_ct:*",
    "AND",
    "AND OR NOT",
    "NOT NOT NOT",
    "- - -",
    "-peru",
    "+peru",
    "peru AND",
    "OR peru",
    "\\",
    "\\*",
    "../",
    "../../../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%00",
    "%2e%2e%2f",
    "%252e%252e%252f",
    "%ff%fe",
    "\x00",
    "peru\x00",
    "\x1b[31m",
    "\u202eperu",
    "\ufeff",
    "\u3000",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "${7*7}",
    "1e309",
    "9" * 40,
    "-1",
    "0",
    "１",  # a full-width digit
    "x" * 5000,
    "peru " * 1000,
    "peru~2 " * 60,
    "pe* " * 60,
    " ".join(f"w{n}*" for n in range(50)),
]
PAGE_NUMBERS = ["0", "-1", "1", "2", "3", str(10**30), "abc", "1.5", " 1", "１", "", "99999", "100001", "1e3"]

WORDS = [
    "peru",
    "lima",
    "security",
    "coca",
    "narcotics",
    "MARR",
    "tag:PGOV",
    "title:gates",
    '"vrae plan"',
    "07LIMA3429",
]

hostile = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.lists(st.sampled_from(WORDS + ADVERSARIAL[:40]), min_size=1, max_size=8).map(" ".join),
    st.text(max_size=60),
    st.text(st.characters(codec="utf-8"), min_size=100, max_size=6000),
    st.lists(st.sampled_from(ADVERSARIAL), min_size=2, max_size=6).map(" ".join),
    st.lists(st.one_of(st.sampled_from(ADVERSARIAL), st.text(max_size=10)), min_size=2, max_size=8).map(
        "".join
    ),
)
parameter_values = st.one_of(hostile, st.sampled_from(PAGE_NUMBERS))
search_parameters = st.dictionaries(
    st.sampled_from(SEARCH_PARAMETERS),
    st.one_of(parameter_values, st.lists(parameter_values, min_size=2, max_size=25)),
    min_size=1,
    max_size=6,
)


@pytest.fixture
def browser(search_index, plain_static) -> Client:
    """A client that shows a server error as a 500 response instead of raising it."""
    return Client(raise_request_exception=False)


@pytest.fixture
def nul_parameters():
    """Query parameters holding a NUL that reached the database (PostgreSQL refuses them)."""
    seen: list[str] = []

    def watch(execute, sql, params, many, context):
        values = [v for group in (params or []) for v in (group if many else [group])]
        seen.extend(v for v in values if isinstance(v, str) and "\x00" in v)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield seen


def fetch(client: Client, url: str):
    started = time.monotonic()
    response = client.get(url)
    elapsed = time.monotonic() - started
    body = response.content
    assert response.status_code < 500, f"{response.status_code} for {url[:300]!r}"
    assert b"Traceback" not in body and b"traceback" not in body.lower(), url[:300]
    assert elapsed < RESPONSE_SECONDS, f"{elapsed:.1f} s for {url[:300]!r}"
    return response


def fetch_json(client: Client, url: str):
    response = fetch(client, url)
    assert response["Content-Type"].startswith("application/json"), (url[:300], response["Content-Type"])
    return response.json()


def query_string(parameters: dict) -> str:
    return urlencode(parameters, doseq=True)


def path_segment(text: str) -> str:
    return quote(text, safe="")


# Search parameters -----------------------------------------------------------------------------------


@fuzz
@given(parameters=search_parameters)
def test_hostile_search_parameters_never_break_the_search_page(browser, nul_parameters, parameters):
    fetch(browser, f"/search/?{query_string(parameters)}")
    assert nul_parameters == []


@fuzz
@given(parameters=search_parameters)
def test_hostile_search_parameters_get_json_answers_from_the_api(browser, nul_parameters, parameters):
    response = fetch(browser, f"/api/search/?{query_string(parameters)}")
    event(f"API status {response.status_code}")
    assert nul_parameters == []
    assert response.status_code in (200, 400)
    body = response.json()
    assert ("results" in body) if response.status_code == 200 else body["error"]
    if response.status_code == 200:
        assert len(body["results"]) <= 100


@fuzz
@given(
    q=hostile,
    filters=st.dictionaries(
        st.sampled_from(["tag", "origin", "type"]),
        st.sampled_from(["PGOV", "Embassy Lima", "cable", "MARR"]),
        max_size=2,
    ),
)
def test_hostile_queries_reach_the_search_engine_safely(browser, nul_parameters, q, filters):
    """Only q is hostile, so the API runs the search instead of refusing another parameter."""
    response = fetch(browser, f"/api/search/?{query_string({'q': q, **filters})}")
    event(f"API status {response.status_code}")
    assert response.status_code in (200, 400)
    assert nul_parameters == []


@fuzz
@given(raw=st.lists(st.sampled_from(ADVERSARIAL + ["&", "=", "%", "%%", "%e9", "%c3", "+", ";"]), max_size=8))
def test_raw_query_strings_with_broken_percent_encoding_are_read_safely(browser, raw):
    """Bytes that are not UTF-8, lone '%', doubled encodings: straight into QUERY_STRING."""
    for name in ("q", "tag", "date_from", "page"):
        text = "".join(raw).replace("#", "%23")
        fetch(browser, f"/search/?{name}={text}")
        fetch_json(browser, f"/api/search/?{name}={text}")


WIDE_QUERIES = {
    "*": "would match everything",
    "?*": "would match everything",
    "a*": "at least 2 letters",
    "*a": "Only a * at the end",
    "a?c*": "at least 2 letters",
    "peru~9": "1 or 2 differences",
    "x" * 5000: "the limit is 500",
    "((((((((((peru))))))))))": "nested more than",
    " ".join(f"w{n}" for n in range(50)): "more than 40 terms",
}


@pytest.mark.parametrize("q", list(WIDE_QUERIES), ids=[q[:20] for q in WIDE_QUERIES])
def test_queries_that_would_match_too_much_are_refused_with_a_message(browser, q):
    body = fetch_json(browser, f"/api/search/?{query_string({'q': q})}")
    assert WIDE_QUERIES[q] in body["error"]
    page = fetch(browser, f"/search/?{query_string({'q': q})}")
    assert page.status_code == 200
    assert WIDE_QUERIES[q] in page.content.decode()


@pytest.mark.parametrize("q", ["pe*", "co*", "narcotics~2", "se~1"])
def test_a_prefix_or_fuzzy_term_expanding_to_too_many_words_is_refused(browser, settings, q):
    settings.ARCHIVE_SEARCH_MAX_EXPANSIONS = 3
    body = fetch_json(browser, f"/api/search/?{query_string({'q': q})}")
    assert "too many different words" in body["error"]


def test_a_fuzzy_term_refused_as_too_broad_is_explained_as_fuzzy(browser, settings):
    settings.ARCHIVE_SEARCH_MAX_EXPANSIONS = 3
    body = fetch_json(browser, f"/api/search/?{query_string({'q': 'narcotics~2'})}")
    assert "*" not in body["error"]
    assert body["suggestion"] != "narcotics~2"


@pytest.mark.parametrize("size", ["101", "1000", str(10**30)])
def test_a_page_size_above_the_cap_is_refused(browser, size):
    body = fetch_json(browser, f"/api/search/?page_size={size}")
    assert "page_size" in body["error"]
    page = fetch(browser, f"/search/?page_size={size}")
    assert len(page.context["outcome"].results) <= 100


# Identifiers, paragraph numbers, page numbers --------------------------------------------------------

identifiers = st.one_of(
    hostile,
    st.sampled_from(["07LIMA3429", "07lima3429", "07LIMA3429 ", "07LIMA3429/", "07LIMA3429%00", "."]),
)


@fuzz
@given(identifier=identifiers, number=st.one_of(hostile, st.sampled_from(PAGE_NUMBERS)))
def test_hostile_identifiers_and_paragraph_numbers_get_a_page_or_a_not_found(browser, identifier, number):
    segment = path_segment(identifier)
    for url in (
        f"/documents/{segment}/",
        f"/documents/{segment}/original/",
        f"/documents/{segment}/p/1/",
        f"/documents/07LIMA3429/p/{path_segment(number)}/",
        f"/tags/{segment}/",
    ):
        fetch(browser, url)
    if identifier and "/" not in identifier:
        response = fetch(browser, f"/api/documents/{segment}/")
        assert response.status_code in (200, 301, 404)
        if response.status_code != 301:
            assert response["Content-Type"].startswith("application/json")


RAW_PATHS = [
    "/documents/%00/",
    "/documents/%ff%fe/",
    "/documents/%ed%a0%80/",
    "/documents/..%2f..%2fetc%2fpasswd/",
    "/documents/%2e%2e/",
    "/documents/../admin/",
    "/documents/07LIMA3429/p/%00/",
    "/documents/07LIMA3429/p/-1/",
    "/documents/07LIMA3429/p/0/",
    f"/documents/07LIMA3429/p/{10**30}/",
    "/documents/07LIMA3429/p/%ef%bc%91/",  # a full-width 1
    "/documents/07LIMA3429/original/%00",
    "/api/documents/%00/",
    "/api/documents/%ff/",
    "/api/documents/" + "x" * 5000 + "/",
    "/documents/" + "%41" * 3000 + "/",
    "/tags/%00/",
    "/tags/" + "a" * 5000 + "/",
]


@pytest.mark.parametrize("url", RAW_PATHS, ids=[u[:40] for u in RAW_PATHS])
def test_hostile_raw_paths_get_a_page_or_a_not_found(browser, url):
    fetch(browser, url)


@pytest.mark.parametrize("number", PAGE_NUMBERS)
def test_any_page_number_gets_a_page_or_a_clear_error(browser, number):
    listing = fetch(browser, f"/api/documents/?{query_string({'page': number})}")
    assert listing.status_code in (200, 400, 404)
    assert listing["Content-Type"].startswith("application/json")
    fetch(browser, f"/search/?{query_string({'page': number, 'q': 'peru'})}")
    fetch_json(browser, f"/api/search/?{query_string({'page': number})}")
    fetch(browser, f"/tags/pgov/?{query_string({'page': number})}")
    fetch(browser, f"/?{query_string({'page': number})}")


def test_the_document_list_api_is_paginated(browser):
    body = fetch_json(browser, "/api/documents/?page_size=10")
    assert (body["count"], body["pages"], len(body["results"]), body["previous"]) == (43, 5, 10, None)
    assert parse_qs(urlsplit(body["next"]).query) == {"page_size": ["10"], "page": ["2"]}
    last = fetch_json(browser, "/api/documents/?page_size=10&page=5")
    assert (len(last["results"]), last["next"]) == (3, None)
    assert "page_size" in fetch_json(browser, "/api/documents/?page_size=101")["error"]


NUL_URLS = [
    "/documents/07LIMA3429%00/",
    "/documents/07LIMA3429%00/original/",
    "/documents/07LIMA3429%00/p/1/",
    "/api/documents/07LIMA3429%00/",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_no_identifier_sends_a_nul_to_the_database(browser, nul_parameters, url):
    fetch(browser, url)
    assert nul_parameters == []


def test_the_nul_watch_sees_what_reaches_the_database(browser, nul_parameters):
    fetch(browser, "/documents/07LIMA3429/")
    assert nul_parameters == []
    try:
        with transaction.atomic():
            Document.objects.filter(identifier="07LIMA3429\x00").exists()
    except DataError:  # PostgreSQL refuses the NUL itself: the watch has seen it first
        pass
    assert nul_parameters == ["07LIMA3429\x00"]
