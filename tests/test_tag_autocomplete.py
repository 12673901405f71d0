"""The admin's tag autocomplete: what is typed as a code finds that code first.

Typing "SNA" and pressing Enter picks the first suggestion, so a tag whose description merely
contains the letters (MAR's text once named the cable 09USNATO334) must not come before SNAR.
"""

from __future__ import annotations

import pytest
from admin_support import (
    make_superuser,
    make_tag,
    make_tagger,
    plain_static_files,  # noqa: F401 (an autouse fixture)
)

from archive.models import Tag

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = "/admin/autocomplete/"


@pytest.fixture
def editor(client):
    client.force_login(make_superuser())
    return client


@pytest.fixture
def tags():
    """Subject codes from the glossary, plus tags whose descriptions mention other codes' letters."""
    return {
        "MAR": make_tag("MAR", Tag.Kind.SUBJECT, "As written in one cable (09USNATO334)."),
        "MARR": make_tag("MARR", Tag.Kind.SUBJECT),
        "SNAR": make_tag("SNAR", Tag.Kind.SUBJECT),
        "Marines": make_tag("Marines"),
        "Riverine": make_tag("Riverine", description="Patrols of the navy and the marines."),
    }


def suggestions(client, term: str) -> list[str]:
    response = client.get(
        AUTOCOMPLETE,
        {"term": term, "app_label": "archive", "model_name": "document", "field_name": "tags"},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_a_code_prefix_comes_before_a_description_that_contains_it(editor, tags):
    found = suggestions(editor, "SNA")
    assert found[0] == "SNAR"
    assert found.index("SNAR") < found.index("MAR")


def test_the_exact_code_comes_first_then_codes_it_begins(editor, tags):
    found = suggestions(editor, "mar")
    assert found[:3] == ["MAR", "Marines", "MARR"]  # letter case aside
    assert found.index("MARR") < found.index("Riverine")


def test_the_ranking_serves_taggers_too(client, tags):
    client.force_login(make_tagger())
    assert suggestions(client, "SNA")[0] == "SNAR"


def test_prefix_matches_are_in_alphabetical_order(editor, tags):
    for name in ["MARZ", "MARA"]:
        make_tag(name, Tag.Kind.SUBJECT)
    found = suggestions(editor, "MAR")
    prefixed = [name for name in found if name.upper().startswith("MAR") and name != "MAR"]
    assert prefixed == sorted(prefixed, key=str.upper)
    assert found[0] == "MAR"
