"""The search time budget (archive.search.budget): what it stops, and what it leaves alone."""

from __future__ import annotations

import pytest

from archive.search.budget import SearchTimedOut, check, checked, time_budget
from tests.search_fixtures import *  # noqa: F403

SPENT = 1e-9  # a budget spent before anything can run


def test_outside_a_budget_nothing_is_stopped():
    check()
    assert list(checked(range(1000))) == list(range(1000))


def test_a_spent_budget_stops_a_loop_before_its_first_item():
    with time_budget(SPENT), pytest.raises(SearchTimedOut):
        next(checked(range(1000)))


def test_an_inner_budget_never_outlasts_the_one_around_it():
    with time_budget(SPENT), time_budget(3600), pytest.raises(SearchTimedOut):
        check()


def test_an_inner_budget_ends_before_the_one_around_it_if_shorter():
    with time_budget(3600):
        with time_budget(SPENT), pytest.raises(SearchTimedOut):
            check()
        check()  # the outer budget is not spent


@pytest.mark.django_db
def test_document_pages_are_not_held_to_the_search_budget(client_with_index, settings):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = SPENT

    response = client_with_index.get("/documents/07LIMA3429/", {"hl": "VRAE"})

    assert response.status_code == 200
    assert "<mark>VRAE</mark>" in response.content.decode()
