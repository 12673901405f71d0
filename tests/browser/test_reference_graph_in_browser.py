"""Following the thread of correspondence in a real browser, on two development-set cables
(09MONTERREY318 cites 09MONTERREY284 and 09MONTERREY274, which the archive lacks): from a
search hit to "Cited by", to a REF the archive does not hold, and back; the graph at 360 and
1280 px without sideways scrolling; axe finds no serious violation."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CITED, CITING, MISSING = "09MONTERREY284", "09MONTERREY318", "09MONTERREY274"


@pytest.fixture
def thread_site(live_server, import_file, dev_page):
    for identifier in (CITED, CITING):
        import_file(dev_page(identifier))
    call_command("update_index", verbosity=0)
    return live_server.url


def serious_violations(page, axe_script) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_from_a_hit_through_cited_by_to_a_missing_reference_and_back(
    thread_site, new_page, screenshot_dir, axe_script
):
    page = new_page(DESKTOP, reduced_motion="reduce", bypass_csp=True)  # axe is an inline script
    page.goto(f"{thread_site}/search/?q={CITED}+Monterrey")
    page.locator(f'a.result-link[href="/documents/{CITED}/"]').click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(re.escape(f"{thread_site}/documents/{CITED}/")))

    page.locator(".citations .cited-by a", has_text=CITING).click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{thread_site}/documents/{CITING}/")
    expect(page.locator(".refs a.ident", has_text=re.compile("MONTERREY 284"))).to_have_attribute(
        "href", f"/documents/{CITED}/"
    )
    page.screenshot(path=screenshot_dir / "thread-citing-cable.png", full_page=True)

    page.locator(".refs a.ref--missing", has_text=re.compile("MONTERREY 274")).click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text(f"{MISSING} is not in the archive")
    assert serious_violations(page, axe_script) == []
    page.locator(".cited-by a", has_text=CITING).click()
    page.wait_for_load_state()
    expect(page).to_have_url(f"{thread_site}/documents/{CITING}/")

    page.go_back()  # the browser's back button retraces the thread
    expect(page.locator("h1")).to_contain_text(f"{MISSING} is not in the archive")
    page.go_back()
    expect(page).to_have_url(f"{thread_site}/documents/{CITING}/")
    expect(page.locator(".citations")).to_be_visible()
    # The page of a cable the archive lacks answers 404 by design; nothing else may fail.
    assert [e for e in page.console_errors if "status of 404" not in e] == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_the_thread_graph_fits_the_screen(thread_site, new_page, screenshot_dir, axe_script, viewport):
    page = new_page(viewport, reduced_motion="reduce", bypass_csp=True)  # axe is an inline script
    page.goto(f"{thread_site}/documents/{CITING}/")

    graph = page.locator("svg.timeline")
    graph.scroll_into_view_if_needed()
    expect(graph).to_be_visible()
    expect(graph.locator("a.timeline__node")).to_have_count(3)
    expect(graph.locator("a.timeline__node.is-missing")).to_have_count(1)
    assert graph.bounding_box()["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert serious_violations(page, axe_script) == []
    graph.screenshot(path=screenshot_dir / f"thread-graph-{viewport['width']}px.png")
