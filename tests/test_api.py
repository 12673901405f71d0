"""The JSON API shows exactly what the importer extracted."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_document_list_pages_through_every_document(client, seeds):
    body = client.get("/api/documents/").json()
    assert body["count"] == 5
    assert body["next"] is None
    assert {r["identifier"] for r in body["results"]} == {d.identifier for d in seeds.values()}
    first = body["results"][0]
    assert set(first) == {"identifier", "title", "type", "date", "url"}


def test_document_list_links_to_the_next_page(client, seeds):
    body = client.get("/api/documents/?page_size=2").json()
    assert (body["count"], body["pages"], len(body["results"])) == (5, 3, 2)
    assert body["next"].endswith("/api/documents/?page_size=2&page=2")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999"])
def test_bad_or_missing_pages_are_client_errors(client, seeds, page):
    response = client.get(f"/api/documents/?page={page}")
    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_cable_detail_has_every_field(client, seeds):
    body = client.get("/api/documents/07LIMA3429/").json()
    assert body["type"] == "cable"
    assert body["identifier"] == "07LIMA3429"
    assert body["source"] == "WikiLeaks Cablegate"
    assert body["created"] == "2007-10-17T17:04:00+00:00"
    assert body["released"] == "2011-08-30T01:44:00+00:00"
    assert body["date"] == "2007-10-17"
    assert body["classification"] == "CONFIDENTIAL"
    assert body["origin"] == "Embassy Lima"
    assert body["header"]["from"] == "AMEMBASSY LIMA"
    assert body["header"]["to"] == ["SECSTATE WASHDC"]
    assert "SECDEF WASHDC" in body["header"]["info"]
    assert body["declassify_on"] == "2017-03-22"
    assert body["signature"] == "NEALON"
    assert {"name": "PGOV", "kind": "subject", "origin": "file"} in body["tags"]
    assert body["url"] == "http://testserver/documents/07LIMA3429/"
    assert body["original_url"] == "http://testserver/documents/07LIMA3429/original/"
    assert [p["number"] for p in body["paragraphs"]] == list(range(1, 9))
    assert body["paragraphs"][4]["anchor"] == "p5"
    assert body["paragraphs"][4]["marking"] == "C"
    assert body["paragraphs"][4]["text"].startswith("Like the VRAE")


def test_article_detail_uses_null_for_absent_values(client, seeds):
    body = client.get(f"/api/documents/{seeds['andina'].identifier}/").json()
    assert body["type"] == "article"
    assert body["byline"] is None
    assert body["dateline"] == "Lima"
    assert body["created"] is None
    assert body["classification"] is None
    assert body["header"]["dtg"] is None
    assert len(body["paragraphs"]) == 16


def test_cable_identifiers_are_case_insensitive(client, seeds):
    assert client.get("/api/documents/07lima3429/").json()["identifier"] == "07LIMA3429"


def test_unknown_document_is_a_json_404(client, seeds):
    response = client.get("/api/documents/99NOWHERE1/")
    assert response.status_code == 404
    assert response.json() == {"error": "no document with identifier '99NOWHERE1'"}
