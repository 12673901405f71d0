"""Reading pages in a real browser: permalinks, copying, phones, print, accessibility, search."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIMA = "/documents/07LIMA3429/"


def article_url(seeds) -> str:
    return seeds["afps"].get_absolute_url()


def test_paragraph_permalink_lands_on_the_highlighted_paragraph(site, new_page, screenshot_dir):
    page = new_page(reduced_motion="reduce")
    page.goto(f"{site}{LIMA}p/5/")
    assert page.url == f"{site}{LIMA}#p5"
    target, neighbour = page.locator("#p5"), page.locator("#p4")
    expect(target).to_be_in_viewport()
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background != neighbour.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    expect(target.locator(".para__cite")).to_be_visible()
    expect(neighbour.locator(".para__cite")).to_be_hidden()
    page.screenshot(path=screenshot_dir / "cable-p5-desktop.png")
    assert page.console_errors == []


def test_cite_box_names_the_targeted_paragraph(site, new_page):
    page = new_page()
    page.goto(f"{site}{LIMA}p/5/")
    expect(page.locator("#cite-text")).to_have_text(
        re.compile(rf"cable 07LIMA3429, .*¶5, {re.escape(site)}{LIMA}p/5/$")
    )
    page.goto(f"{site}{LIMA}#p3")
    expect(page.locator("#cite-text")).to_have_text(re.compile(rf"¶3, {re.escape(site)}{LIMA}p/3/$"))
    page.goto(f"{site}{LIMA}")
    expect(page.locator("#cite-text")).to_have_text(re.compile(rf"17 October 2007, {re.escape(site)}{LIMA}$"))


def test_copy_link_puts_the_paragraph_url_on_the_clipboard(site, new_page):
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{site}{LIMA}?hl=vrae")
    paragraph = page.locator("#p5")
    paragraph.hover()
    paragraph.get_by_role("button", name="Copy link to paragraph 5").click()
    expect(paragraph.locator("button.copy-link")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{site}{LIMA}#p5"


def test_highlighted_words_are_marked(site, new_page):
    page = new_page()
    page.goto(f"{site}{LIMA}?hl=VRAE")
    marks = page.locator(".doc-text mark")
    assert marks.count() > 3
    assert {text.lower() for text in marks.all_inner_texts()} == {"vrae"}


@pytest.mark.parametrize("name", ["home", "search", "cable", "article"])
def test_pages_fit_a_360px_phone_without_sideways_scrolling(site, seeds, new_page, screenshot_dir, name):
    url = {
        "home": "/",
        "search": "/search/?q=security",
        "cable": f"{LIMA}p/5/",
        "article": article_url(seeds),
    }[name]
    page = new_page(viewport=PHONE)
    page.goto(site + url)
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    page.screenshot(path=screenshot_dir / f"{name}-phone.png", full_page=True)
    assert scroll_width <= client_width, f"{url} is {scroll_width}px wide on a {client_width}px screen"


@pytest.mark.parametrize("name", ["home", "cable", "article"])
def test_desktop_screenshots_and_assets_load(site, seeds, new_page, screenshot_dir, name):
    url = {"home": "/", "cable": LIMA, "article": article_url(seeds)}[name]
    page = new_page(viewport=DESKTOP)
    page.goto(site + url)
    # The stylesheet applied (sans-serif chrome, a dark header) and the script ran (buttons shown).
    assert (
        page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
        != "rgba(0, 0, 0, 0)"
    )
    if name != "home":
        expect(page.locator("button.copy-cite")).to_be_visible()
    page.screenshot(path=screenshot_dir / f"{name}-desktop.png", full_page=True)
    assert page.console_errors == []


def test_document_page_works_without_javascript(site, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(f"{site}{LIMA}p/5/")
    expect(page.locator("#p5 .para__text")).to_contain_text("Sendero Luminoso")
    expect(page.locator("#p5 .para__cite")).to_be_visible()
    expect(page.locator("button.copy-link").first).to_be_hidden()
    assert page.locator("#p1").count() == 1


def test_keyboard_users_can_skip_to_the_content(site, new_page):
    page = new_page()
    page.goto(site + LIMA)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_print_stylesheet_hides_navigation_and_shows_link_targets(site, new_page):
    page = new_page()
    page.goto(site + LIMA)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".copy-cite")).to_be_hidden()
    after = page.locator(".original a").evaluate("el => getComputedStyle(el, '::after').content")
    assert "/original/" in after


@pytest.mark.parametrize(
    "name", ["home", "search", "search-released", "cable", "cable-marking", "article", "tag"]
)
def test_no_serious_accessibility_violations(site, seeds, new_page, axe_script, name):
    from archive.models import Tag

    url = {
        "home": "/",
        "search": "/search/?q=security",
        "search-released": "/search/?q=peru&axis=released&precedence=ROUTINE",
        "cable": f"{LIMA}?hl=vrae",
        "cable-marking": f"{LIMA}?marking=U",
        "article": article_url(seeds),
        "tag": Tag.objects.get(name="PGOV").get_absolute_url(),
    }[name]
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    page.goto(site + url)
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{url}: " + "; ".join(serious)


def test_search_then_facet_then_result_lands_on_the_highlighted_paragraph(site, new_page, screenshot_dir):
    call_command("update_index", verbosity=0)
    page = new_page(reduced_motion="reduce")
    page.goto(f"{site}/search/?q=riverine")
    page.locator('a.facet-link[href*="origin=Embassy"]').first.click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile("origin=Embassy"))
    page.locator(f'a.para-hit[href*="{LIMA}"]').first.click()
    expect(page).to_have_url(re.compile(re.escape(f"{site}{LIMA}")))
    anchor = page.evaluate("location.hash")
    assert re.fullmatch(r"#p\d+", anchor), page.url
    target = page.locator(anchor)
    expect(target).to_be_in_viewport()
    expect(target.locator("mark").first).to_have_text(re.compile("riverine", re.IGNORECASE))
    assert target.evaluate("el => el.matches(':target')")
    page.screenshot(path=screenshot_dir / "search-to-paragraph.png")
