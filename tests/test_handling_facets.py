"""How a cable was handled, as facets and filters: paragraph markings made exact, routing
(precedence, action and info addressees, signer, classifying office), three date axes and the
year histogram. Seeds and corpus pages; counts checked against the database in
test_search_facets, the values themselves in test_handling."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from archive import handling
from archive.models import Document
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

SNF_FORMS = {"S/NF", "S//NF", "S NF", "S/NOFORN", "S//NOFORN"}


def page(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def facet_counts(response, name) -> dict:
    return dict(response.context["outcome"].facets[name])


def found(response) -> set[str]:
    return {r.document.identifier for r in response.context["outcome"].results}


def identifiers(documents) -> set[str]:
    return set(documents.values_list("identifier", flat=True))


def chips(response) -> dict[tuple[str, str], str]:
    return {(c.label, c.value): c.remove_url for c in response.context["chips"]}


# Paragraph markings


def test_printed_forms_of_one_marking_are_one_facet_value(client_with_index):
    markings = facet_counts(page(client_with_index), "marking")

    assert "S/NF" not in markings and "C/NF" not in markings
    printed_snf = Document.objects.filter(paragraphs__marking__in=SNF_FORMS).distinct()
    assert markings["S//NF"] == printed_snf.count() > 0


def test_a_marking_keeps_documents_with_such_a_paragraph(client_with_index):
    response = page(client_with_index, marking="S//NF", page_size=100)

    assert found(response) == identifiers(Document.objects.filter(paragraphs__marking__in=SNF_FORMS))
    assert chips(response) == {("Paragraph markings", "S//NF"): "/search/?page_size=100"}


def test_a_printed_form_of_a_marking_in_the_url_or_query_means_its_value(client_with_index):
    exact = found(page(client_with_index, marking="S//NF", page_size=100))

    assert found(page(client_with_index, marking="S/NF", page_size=100)) == exact
    assert found(page(client_with_index, q='marking:"S NOFORN"', page_size=100)) == exact
    assert found(page(client_with_index, q="marking:s/nf", page_size=100)) == exact


def test_with_words_and_a_marking_only_paragraphs_so_marked_are_hits(client_with_index):
    everywhere = page(client_with_index, q="government", page_size=100).context["outcome"].results
    marked = page(client_with_index, q="government", marking="C", page_size=100).context["outcome"].results

    hits = {r.document.pk: {h.number for h in r.paragraphs} for r in marked}
    assert any(hits.values())
    for result in marked:
        markings = dict(result.document.paragraphs.values_list("number", "marking"))
        assert all(markings[number] == "C" for number in hits[result.document.pk])
        assert all("marking=C" in hit.url for hit in result.paragraphs)
    unfiltered = {r.document.pk: {h.number for h in r.paragraphs} for r in everywhere}
    assert any(hits[pk] < unfiltered[pk] for pk in hits), "some unmarked hits were left out"


def test_the_document_page_dims_the_paragraphs_without_the_chosen_marking(client_with_index):
    cable = Document.objects.filter(paragraphs__marking="S/NF").distinct().first()
    html = client_with_index.get(cable.get_absolute_url(), {"marking": "S//NF"}).content.decode()

    marked = cable.paragraphs.filter(marking="S/NF").count()
    others = cable.paragraphs.exclude(marking="S/NF").count()
    assert "Showing only paragraphs marked <strong>S//NF</strong>" in html
    assert f"{marked} of {marked + others}; the others are dimmed" in html
    assert html.count('class="para para--dimmed"') == others
    assert f'href="{cable.get_absolute_url()}">Show all paragraphs</a>' in html


def test_the_document_page_without_a_marking_dims_nothing(client_with_index):
    cable = Document.objects.filter(paragraphs__marking="S/NF").distinct().first()
    html = client_with_index.get(cable.get_absolute_url()).content.decode()

    assert "para--dimmed" not in html and "Showing only paragraphs marked" not in html


# Routing


def test_precedence_is_one_of_the_four_and_filters(client_with_index):
    precedence = facet_counts(page(client_with_index), "precedence")
    assert set(precedence) <= {"FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"}

    response = page(client_with_index, precedence="IMMEDIATE", page_size=100)
    assert found(response) == identifiers(Document.objects.filter(header_precedence__iexact="IMMEDIATE"))
    assert response.context["outcome"].count == precedence["IMMEDIATE"] > 0


def test_addressees_are_office_names_without_routing_codes(client_with_index):
    response = page(client_with_index)
    to, info = facet_counts(response, "to"), facet_counts(response, "info")

    assert to["SECSTATE WASHDC"] > 0 and info["CIA WASHDC"] > 0
    for office in (*to, *info):
        assert not re.search(r"^[A-Z0-9]{5,8}/|\b(IMMEDIATE|PRIORITY|ROUTINE)\b|\d{3,}$", office), office


def test_action_and_info_addressees_filter_separately(client_with_index):
    to_nsc = found(page(client_with_index, to="NSC WASHDC", page_size=100))
    info_nsc = found(page(client_with_index, info="NSC WASHDC", page_size=100))

    assert to_nsc and info_nsc and not (to_nsc & info_nsc)
    for identifier in info_nsc:
        header_info = Document.objects.get(identifier=identifier).header_info
        assert "NSC WASHDC" in handling.office_names(header_info), header_info


def test_routing_facets_are_chips_with_their_labels(client_with_index):
    response = page(
        client_with_index, to="SECSTATE WASHDC", classified_by="Ambassador", precedence="PRIORITY"
    )

    labels = set(chips(response))
    assert labels == {
        ("Action to", "SECSTATE WASHDC"),
        ("Classified by", "Ambassador"),
        ("Precedence", "PRIORITY"),
    }
    assert response.context["outcome"].count > 0


def test_the_classifying_office_is_read_from_the_classified_by_line(client_with_index):
    response = page(client_with_index, classified_by="Deputy Chief of Mission", page_size=100)

    lines = Document.objects.filter(identifier__in=found(response)).values_list("classified_by", flat=True)
    assert lines and all(re.search(r"\bD\.?C\.?M\b|DEPUTY CHIEF", line.upper()) for line in lines)


def test_the_signer_facet_has_a_filter_box_for_its_many_values(client_with_index):
    response = page(client_with_index, more="signer", more_filter="cre")

    assert [v.value for v in response.context["more_values"]] == ["CRETZ"]


def test_routing_fields_in_the_query_language(client_with_index):
    response = page(client_with_index, q='precedence:immediate to:"SECSTATE WASHDC"', page_size=100)

    expected = identifiers(Document.objects.filter(header_precedence__iexact="IMMEDIATE"))
    assert found(response) and found(response) <= expected


def test_the_api_counts_the_routing_facets(client_with_index):
    data = client_with_index.get("/api/search/", {"to": "SECSTATE WASHDC", "page_size": 1}).json()

    assert dict(map(tuple, data["facets"]["to"]))["SECSTATE WASHDC"] == data["count"] > 0
    assert {"precedence", "info", "signer", "classified_by", "declass_rule"} <= set(data["facets"])


# Three date axes


def test_released_dates_filter_on_the_release(client_with_index):
    response = page(client_with_index, released_from="2011-01-01", released_to="2011-12-31", page_size=100)

    released_2011 = Document.objects.filter(released__year=2011)
    assert found(response) == identifiers(released_2011) and released_2011.exists()
    assert chips(response)[("Released from", "2011-01-01")] == "/search/?released_to=2011-12-31&page_size=100"


def test_declassification_dates_filter_on_the_decl_date(client_with_index):
    response = page(client_with_index, declass_to="2017", page_size=100)

    due_by_2017 = Document.objects.filter(declassify_on__lte=dt.date(2017, 12, 31))
    assert identifiers(due_by_2017) <= found(response) and due_by_2017.exists()
    assert ("Due for declassification to", "2017") in chips(response)


def test_a_rule_in_place_of_a_date_is_a_facet_value(client_with_index):
    response = page(client_with_index, declass_rule="N/A", page_size=100)

    documents = Document.objects.filter(identifier__in=found(response))
    assert documents and all(d.declassify_on is None for d in documents)
    assert all("N/A" in d.declassification.upper() for d in documents)


def test_a_bad_declassification_date_is_reported_and_ignored(client_with_index):
    response = page(client_with_index, declass_from="2017-13")

    assert response.context["outcome"].count == Document.objects.count()
    assert any("declass from" in message for message in response.context["messages_"])


# The histogram


def test_the_histogram_draws_the_document_years_with_links_to_each(client_with_index):
    response = page(client_with_index, q="security")
    histogram = response.context["histogram"]

    assert histogram.axis == "date"
    bars = {bar.year: bar for bar in histogram.bars if bar.count}
    assert {year: bar.count for year, bar in bars.items()} == facet_counts(response, "year")
    assert bars[2007].url == "/search/?q=security&date_from=2007&date_to=2007"
    html = response.content.decode()
    assert '<svg class="histogram__chart"' in html and 'href="/search/?q=security&amp;date_from=2007' in html


def test_the_histogram_switches_to_the_release_and_declassification_years(client_with_index):
    released = page(client_with_index, axis="released").context["histogram"]
    declass = page(client_with_index, axis="declass").context["histogram"]

    assert {b.year for b in released.bars if b.count} == {2010, 2011}
    assert released.bars[-1].url == "/search/?axis=released&released_from=2011&released_to=2011"
    assert declass.first.year == 2009 and declass.label == "Due for declassification"
    switch = {a.name: a for a in declass.axes}
    assert switch["declass"].selected and switch["date"].url == "/search/"


def test_a_year_bar_narrows_to_that_year(client_with_index):
    url = page(client_with_index, axis="released").context["histogram"].bars[-1].url

    response = client_with_index.get(url)
    assert response.context["outcome"].count == Document.objects.filter(released__year=2011).count()
