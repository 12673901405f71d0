"""Citations of a document or one paragraph: a Chicago note, BibTeX, RIS, CSL-JSON, and the
Highwire meta tags reference managers read from the page."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

CABLE_NOTE = (
    'U.S. Embassy Lima, "MOD BRIEFS SECRETARY GATES ON PLANS TO ENHANCE INTERNAL SECURITY," '
    "cable 07LIMA3429, October 17, 2007, ¶5, WikiLeaks Cablegate, released August 30, 2011, "
    "http://testserver/documents/07LIMA3429/p/5/.\n"
)


def test_a_paragraph_is_cited_as_a_chicago_note(client, seeds):
    response = client.get("/documents/07LIMA3429/p/5/cite.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == CABLE_NOTE


def test_a_paragraph_the_archive_numbered_is_cited_as_such(client, import_file, dev_page):
    import_file(dev_page("05SANJOSE2795"))
    note = client.get("/documents/05SANJOSE2795/p/1/cite.txt").content.decode()
    assert ", paragraph 1 (numbered by the archive), " in note
    assert "¶1" not in note


def test_a_cable_is_cited_in_bibtex(client, seeds):
    response = client.get("/documents/07LIMA3429/p/5/cite.bib")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    entry = response.content.decode()
    assert entry.startswith("@techreport{07LIMA3429p5,\n")
    assert "  author = {{U.S. Embassy Lima}}" in entry
    assert "  number = {07LIMA3429}" in entry
    assert "  year = {2007}" in entry and "  month = {oct}" in entry
    assert "  url = {http://testserver/documents/07LIMA3429/p/5/}" in entry
    assert entry.count("{") == entry.count("}")


def test_a_cable_is_cited_in_ris(client, seeds):
    text = client.get("/documents/07LIMA3429/cite.ris").content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "TY  - GOVDOC"
    assert "AU  - U.S. Embassy Lima" in lines and "M1  - 07LIMA3429" in lines and "DA  - 2007/10/17" in lines
    assert lines[-2] == "ER  -"


def test_a_cable_is_cited_in_csl_json(client, seeds):
    response = client.get("/documents/07LIMA3429/p/5/cite.json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    (entry,) = json.loads(response.content)
    assert entry["type"] == "report"
    assert entry["number"] == "07LIMA3429"
    assert entry["issued"] == {"date-parts": [[2007, 10, 17]]}
    assert (entry["label"], entry["locator"]) == ("paragraph", "5")
    assert entry["author"] == [{"literal": "U.S. Embassy Lima"}]


def test_an_article_is_cited_with_its_byline_and_source(client, seeds):
    article = seeds["afps"]
    note = client.get(f"{article.get_absolute_url()}cite.txt").content.decode()
    assert note.startswith('Fred W. Baker III, "Gates Meets With Peruvian Leaders')
    assert "American Forces Press Service, October 6, 2007" in note


def test_the_document_page_carries_highwire_citation_tags(client, seeds):
    html = client.get("/documents/07LIMA3429/").content.decode()
    assert '<meta name="citation_technical_report_number" content="07LIMA3429">' in html
    assert '<meta name="citation_author" content="U.S. Embassy Lima">' in html
    assert '<meta name="citation_publication_date" content="2007/10/17">' in html
    assert re.search(r'<meta name="citation_title" content="MOD BRIEFS SECRETARY GATES[^"]*">', html)


def test_each_paragraph_offers_its_citation_formats(client, seeds):
    html = client.get("/documents/07LIMA3429/").content.decode()
    assert 'href="/documents/07LIMA3429/p/5/cite.bib">BibTeX</a>' in html
    assert 'href="/documents/07LIMA3429/cite.ris">RIS</a>' in html


@pytest.mark.parametrize(
    "url",
    [
        "/documents/07LIMA3429/cite.doc",
        "/documents/07LIMA3429/p/99/cite.txt",
        "/documents/99NOWHERE1/cite.txt",
    ],
)
def test_an_unknown_format_paragraph_or_document_is_a_clear_404(client, seeds, url):
    response = client.get(url)
    assert response.status_code == 404
