"""The archive as a web: what a cable cites, what cites it, cables we do not have, the thread
drawn as a timeline. Real cables of the development set that cite each other:
09MONTERREY318 cites 09MONTERREY284 (and 09MONTERREY274, not held); 09MONTERREY284 cites
08MONTERREY390, 09MONTERREY242 and 09MONTERREY250, none of them held."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from archive.models import Document, Reference
from archive.references import MAX_NODES, neighbourhood
from tests.admin_support import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(import_file, dev_page):
    for identifier in ("09MONTERREY284", "09MONTERREY318"):
        assert import_file(dev_page(identifier)).status == "created"
    return Document.objects.get(identifier="09MONTERREY284")


def page(client, identifier: str) -> str:
    response = client.get(f"/documents/{identifier}/")
    assert response.status_code == 200
    return response.content.decode()


# --- Cites and cited by ---------------------------------------------------------------------------


def test_a_cable_page_lists_the_cables_that_cite_it(client, thread):
    html = page(client, "09MONTERREY284")
    cited_by = html[html.index('id="cited-by-title"') :]
    assert '<a class="ident" href="/documents/09MONTERREY318/">09MONTERREY318</a>' in cited_by


def test_a_cable_imported_later_appears_under_cited_by_without_reimporting(client, import_file, dev_page):
    import_file(dev_page("09MONTERREY284"))
    assert "No cable in the archive cites 09MONTERREY284" in page(client, "09MONTERREY284")
    import_file(dev_page("09MONTERREY318"))
    assert 'href="/documents/09MONTERREY318/"' in page(client, "09MONTERREY284")
    assert Document.objects.get(identifier="09MONTERREY284").cited_count == 1


def test_cites_links_held_cables_and_the_page_of_cables_not_held(client, thread):
    html = page(client, "09MONTERREY318")
    assert '<a class="ident" href="/documents/09MONTERREY284/">MONTERREY 284</a>' in html
    assert 'class="ident ref--missing" href="/documents/09MONTERREY274/"' in html


def test_the_api_lists_what_cites_a_cable(client, thread):
    body = client.get("/api/documents/09MONTERREY284/").json()
    assert body["cited_by"] == [
        {
            "identifier": "09MONTERREY318",
            "title": Document.objects.get(identifier="09MONTERREY318").title,
            "date": "2009-08-21",
            "url": "http://testserver/documents/09MONTERREY318/",
        }
    ]


def test_a_reference_to_a_cable_not_held_links_to_its_own_page(client, thread):
    references = client.get("/api/documents/09MONTERREY318/").json()["references"]
    not_held = next(r for r in references if r["reference_id"] == "09MONTERREY274")
    assert not_held["in_archive"] is False
    assert not_held["url"] == "http://testserver/documents/09MONTERREY274/"


# --- Cables we do not have ----------------------------------------------------------------------------


def test_a_cited_cable_the_archive_lacks_has_a_404_page_listing_its_citers(client, thread):
    response = client.get("/documents/09MONTERREY274/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "09MONTERREY274</span> is not in the archive" in html
    assert 'href="/documents/09MONTERREY318/"' in html


def test_a_reference_id_no_cable_cites_is_a_plain_404(client, thread):
    response = client.get("/documents/99NOWHERE1/")
    assert response.status_code == 404
    assert b"There is no document" in response.content


def test_the_reference_api_answers_for_any_well_formed_id(client, thread):
    body = client.get("/api/references/09MONTERREY274/").json()
    assert body["reference_id"] == "09MONTERREY274"
    assert body["in_archive"] is False
    assert body["url"] == "http://testserver/documents/09MONTERREY274/"
    assert [c["identifier"] for c in body["cited_by"]] == ["09MONTERREY318"]
    assert client.get("/api/references/09MONTERREY284/").json()["in_archive"] is True
    assert client.get("/api/references/99NOWHERE1/").json()["cited_by"] == []


def test_the_reference_api_refuses_a_malformed_id(client, thread):
    response = client.get("/api/references/not-a-cable/")
    assert response.status_code == 404
    assert "is not a cable reference ID" in response.json()["error"]


# --- Counts ------------------------------------------------------------------------------------------


def test_relink_recounts_the_cables_citing_each_document(thread):
    Document.objects.filter(identifier="09MONTERREY284").update(cited_count=7)
    out = io.StringIO()
    call_command("relink", stdout=out)
    assert "1 documents' citation counts changed" in out.getvalue()
    assert Document.objects.get(identifier="09MONTERREY284").cited_count == 1


# --- The thread as a timeline --------------------------------------------------------------------------


def test_the_cable_page_draws_its_thread_as_a_timeline(client, thread):
    html = page(client, "09MONTERREY284")
    svg = html[html.index('<svg class="timeline"') : html.index("</svg>")]
    assert 'viewBox="0 0 640 ' in svg
    for identifier in ("09MONTERREY318", "08MONTERREY390", "09MONTERREY242", "09MONTERREY250"):
        assert f'href="/documents/{identifier}/"' in svg
    assert "timeline__node is-center" in svg
    assert svg.count("is-missing") == 3


def test_the_timeline_orders_cables_by_date(client, thread):
    html = page(client, "09MONTERREY284")
    svg = html[html.index('<svg class="timeline"') : html.index("</svg>")]

    def x_of(identifier):
        node = svg[svg.index(f'href="/documents/{identifier}/"') :]
        return float(node.split('cx="', 1)[1].split('"', 1)[0])

    assert x_of("08MONTERREY390") < x_of("09MONTERREY284") < x_of("09MONTERREY318")


def test_a_large_neighbourhood_keeps_the_most_cited_cables():
    center = make_document(identifier="09LIMA100", title="Center")
    for n in range(60):
        citing = make_document(identifier=f"09LIMA{200 + n}", title=f"Citing {n}", date=dt.date(2009, 5, 1))
        Reference.objects.create(document=citing, position=0, text="LIMA 100", reference_id="09LIMA100")
    popular = Document.objects.get(identifier="09LIMA259")
    for n in range(5):
        later = make_document(identifier=f"10LIMA{n + 1}", title=f"Later {n}", date=dt.date(2010, 1, 1))
        Reference.objects.create(document=later, position=0, text="LIMA 259", reference_id=popular.identifier)
    found = neighbourhood(center)
    identifiers = [node.identifier for node in found.nodes]
    assert len(identifiers) == MAX_NODES
    assert identifiers[0] == "09LIMA100"
    assert "09LIMA259" in identifiers


# --- Search by citation ---------------------------------------------------------------------------


@pytest.fixture
def indexed_thread(thread):
    from archive.search.indexing import drain_queue

    drain_queue(wait=5)
    return thread


def found(client, **params) -> list[str]:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [result.document.identifier for result in response.context["outcome"].results]


def test_cites_finds_the_cables_that_cite_a_reference_held_or_not(client, indexed_thread):
    assert found(client, cites="09MONTERREY284") == ["09MONTERREY318"]
    assert found(client, cites="09monterrey274") == ["09MONTERREY318"]
    assert found(client, cites="08MONTERREY390") == ["09MONTERREY284"]


def test_cited_by_finds_the_cables_it_cites_that_the_archive_holds(client, indexed_thread):
    assert found(client, cited_by="09MONTERREY318") == ["09MONTERREY284"]
    assert found(client, cited_by="09MONTERREY284") == []  # it cites only cables not held


def test_citation_filters_combine_with_words_and_facets(client, indexed_thread):
    assert found(client, cites="09MONTERREY284", type="cable") == ["09MONTERREY318"]
    assert found(client, cites="09MONTERREY284", type="article") == []
    assert found(client, cites="09MONTERREY284", q="zyxwvut") == []


def test_citation_filters_are_chips_that_remove_themselves(client, indexed_thread):
    response = client.get("/search/", {"cites": "09MONTERREY284", "type": "cable"})

    chips = {(chip.label, chip.value): chip.remove_url for chip in response.context["chips"]}
    assert chips[("Cites", "09MONTERREY284")] == "/search/?type=cable"
    assert response.context["clear_url"] == "/search/"


def test_a_malformed_citation_filter_is_reported_and_ignored(client, indexed_thread):
    response = client.get("/search/", {"cites": "not an id"})

    assert "cites: NOT AN ID is not a cable reference ID such as 07LIMA3429." in response.context["messages_"]
    assert response.context["outcome"].count == 2


def test_most_cited_first_sorts_by_the_cables_citing_each(client, indexed_thread):
    assert found(client, sort="cited") == ["09MONTERREY284", "09MONTERREY318"]
    assert 'value="cited"' in client.get("/search/").content.decode()


def test_the_cable_page_links_to_the_search_of_its_citers_and_cited(client, indexed_thread):
    html = page(client, "09MONTERREY284")
    assert 'href="/search/?cites=09MONTERREY284&amp;sort=newest"' in html

    html = page(client, "09MONTERREY318")
    assert 'href="/search/?cited_by=09MONTERREY318&amp;sort=newest"' in html


def test_the_search_api_takes_the_citation_filters(client, indexed_thread):
    body = client.get("/api/search/", {"cites": "09MONTERREY284"}).json()

    assert [result["identifier"] for result in body["results"]] == ["09MONTERREY318"]
