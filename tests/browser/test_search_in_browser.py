"""Searching as an analyst does, in a real browser at 1280 px and 390 px: facet values as
checkboxes (two sources ORed by clicking), the full list of a facet narrowed as you type, the
filters opened on a phone, the best paragraph hits first, an archive-numbered paragraph."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def source_link(page, source: str):
    return page.locator("#facet-source a.facet-link", has_text=source)


def test_two_sources_are_ored_by_clicking_and_the_others_stay(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(DESKTOP)
    page.goto(f"{site}/search/")
    source_link(page, "Andina").click()
    page.wait_for_load_state()

    dialogo = page.locator("#facet-source li").filter(has_text="Diálogo")
    expect(dialogo.locator(".count")).to_have_text("1")
    source_link(page, "Diálogo").click()
    page.wait_for_load_state()

    expect(page).to_have_url(re.compile("source=Andina.*source=Di%C3%A1logo"))
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^2 results"))
    expect(page.locator(".search-chips .chip")).to_have_count(2)
    expect(page.locator("#facet-source li.is-selected")).to_have_count(2)
    assert page.locator("#facet-source li").count() == 4  # the unchosen sources are still offered
    page.screenshot(path=screenshot_dir / "search-two-sources.png", full_page=True)

    source_link(page, "Andina").click()  # a chosen value unchooses itself
    page.wait_for_load_state()
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^1 result"))
    assert page.console_errors == []


def test_the_list_of_all_values_narrows_as_you_type(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(DESKTOP)
    page.goto(f"{site}/search/?more=source")
    every = page.locator(".facet-list--all li")
    total = every.count()

    page.locator("#facet-filter").press_sequentially("dialogo")  # as typed, without the accent

    shown = page.locator(".facet-list--all li:visible")
    expect(shown).to_have_count(1)
    expect(shown.first).to_contain_text("Diálogo")
    assert every.count() == total > 1  # narrowed in the page, not fetched again
    page.screenshot(path=screenshot_dir / "search-all-sources-typed.png")
    shown.first.locator("a").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile("source=Di%C3%A1logo"))
    assert page.console_errors == []


def test_on_a_phone_the_results_come_first_and_filters_open_at_the_top(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(PHONE)
    page.goto(f"{site}/search/?q=security")

    toggle = page.locator(".filters-toggle")
    expect(toggle).to_be_in_viewport()
    expect(page.locator("#search-filters")).to_be_hidden()
    assert page.locator(".search-hit").first.bounding_box()["y"] < PHONE["height"]

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    facets = page.locator("#search-filters")
    expect(facets).to_be_visible()
    assert facets.bounding_box()["y"] < page.locator(".search-results").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "search-phone-filters-open.png")

    page.locator("#facet-type a.facet-link", has_text="Article").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile("type=article"))
    assert page.console_errors == []


def test_on_a_phone_without_javascript_filters_is_a_link_down_to_them(site, new_page):
    call_command("update_index", verbosity=0)
    page = new_page(PHONE, java_script_enabled=False)
    page.goto(f"{site}/search/?q=security")

    page.locator(".filters-toggle").click()

    expect(page.locator("#search-filters")).to_be_in_viewport()
    expect(page).to_have_url(re.compile("#search-filters$"))


def test_tap_targets_of_the_facets_are_at_least_24_pixels_high(site, new_page):
    call_command("update_index", verbosity=0)
    page = new_page(PHONE)
    page.goto(f"{site}/search/?q=security")
    page.locator(".filters-toggle").click()

    heights = page.locator("#search-filters a").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 24


def test_the_best_paragraph_hits_come_first(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(DESKTOP)
    page.goto(f"{site}/search/?q=VRAE")

    hits = page.locator(".search-hit__paragraphs a.para-hit")
    expect(hits).to_have_text(["¶2", "¶1", "¶5"])
    more = page.locator(".search-hit__more a")
    expect(more).to_have_text("2 more paragraphs match")
    page.screenshot(path=screenshot_dir / "search-best-paragraphs.png")

    more.click()
    page.wait_for_load_state()
    expect(page.locator("mark").first).to_have_text("VRAE")
    assert page.console_errors == []


def test_an_archive_numbered_paragraph_is_marked_as_such(site, seeds, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(DESKTOP)
    page.goto(f"{site}/search/?q=Gates")

    hit = page.locator("a.para-hit--archive").first
    expect(hit).to_have_text(re.compile(r"^\[\d+\]$"))
    expect(hit).to_have_attribute("title", re.compile("numbered by the archive"))
    hit.click()
    page.wait_for_load_state()
    anchor = page.evaluate("location.hash")
    number = page.locator(f"{anchor} .para__num")
    expect(number).to_have_class(re.compile("para__num--archive"))
    expect(page.locator(f"{anchor} .para__cite-text")).to_contain_text("(numbered by the archive)")
    page.screenshot(path=screenshot_dir / "article-archive-numbered-paragraph.png")


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_counts_and_badges_never_wrap(site, new_page, width):
    call_command("update_index", verbosity=0)
    page = new_page({"width": width, "height": 900})
    page.goto(f"{site}/search/?q=security")
    if page.locator(".filters-toggle").is_visible():
        page.locator(".filters-toggle").click()

    lines = page.locator(".count, .level-tag").evaluate_all(
        """els => els.filter(e => e.offsetParent).map(e => {
            const style = getComputedStyle(e);
            const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
            return [e.textContent, Math.round(e.getBoundingClientRect().height / lineHeight)];
        })"""
    )
    assert lines and [line for line in lines if line[1] > 1] == []
