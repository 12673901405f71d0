"""The analyst's workbench in a real browser: a marking facet and a routing facet, the year
histogram's axes, a CSV export, a paragraph citation copied."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIMA = "/documents/07LIMA3429/"


def test_marking_and_routing_facets_narrow_the_search_and_the_paragraphs(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(reduced_motion="reduce")
    page.goto(f"{site}/search/?q=wagner")

    page.locator("#facet-marking a.facet-link", has_text=re.compile(r"^C$")).click()
    page.wait_for_load_state()
    page.locator("#facet-to a.facet-link", has_text="SECSTATE WASHDC").click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile(r"marking=C.*to=SECSTATE\+WASHDC"))
    chips = page.locator(".search-chips .chip")
    expect(chips).to_have_count(2)
    expect(chips.first).to_contain_text("Paragraph markings: C")
    hit = page.locator(f'a.para-hit[href*="{LIMA}"]').first
    expect(hit).to_have_attribute("href", re.compile(r"marking=C"))
    page.screenshot(path=screenshot_dir / "search-marking-and-routing.png", full_page=True)

    hit.click()
    page.wait_for_load_state()
    expect(page.locator(".marking-notice")).to_contain_text("Showing only paragraphs marked C")
    assert page.console_errors == []


def test_the_histogram_switches_axis_and_a_bar_narrows_to_its_year(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page()
    page.goto(f"{site}/search/?q=peru")
    caption = page.locator("#histogram-caption")
    expect(caption.locator("strong")).to_have_text("Date")

    caption.get_by_role("link", name="Released").click()
    page.wait_for_load_state()
    expect(caption.locator("strong")).to_have_text("Released")
    page.screenshot(path=screenshot_dir / "search-histogram-released.png")

    page.locator(".histogram__chart a").first.click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"released_from=(\d{4})&released_to=\1"))
    expect(page.locator(".search-chips")).to_contain_text("Released from")


def test_the_csv_export_downloads_the_search(site, new_page):
    call_command("update_index", verbosity=0)
    page = new_page(accept_downloads=True)
    page.goto(f"{site}/search/?q=lima")
    count = int(re.match(r"\d+", page.locator("#results-heading").inner_text()).group())

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))

    assert download.value.suggested_filename == "quipu-search.csv"
    assert rows[0][:3] == ["identifier", "title", "type"]
    assert len(rows) == 1 + count


def test_a_paragraph_citation_is_copied_to_the_clipboard(site, new_page):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{site}{LIMA}#p5")
    paragraph = page.locator("#p5")
    paragraph.get_by_role("button", name="Copy citation of paragraph 5").click()

    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(rf"cable 07LIMA3429, .*¶5, {re.escape(site)}{LIMA}p/5/$", copied), copied
