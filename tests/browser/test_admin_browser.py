"""The admin in a real browser: a tagger adds a tag, and the public search finds the
document through that tag's facet."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.admin_support import PASSWORD, make_tag, make_tagger

pytestmark = pytest.mark.browser

CABLE = "07LIMA3429"


def log_in(page, site: str, username: str, next_path: str) -> None:
    page.goto(f"{site}/admin/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}{next_path}")


def test_a_tag_added_in_the_admin_is_a_facet_finding_it(site, seeds, new_page, screenshot_dir):
    make_tagger()
    make_tag("VRAE")
    cable = seeds["cable"]
    change_path = f"/admin/archive/document/{cable.pk}/change/"
    page = new_page()
    log_in(page, site, "tagger", change_path)

    # The tag box is the admin's autocomplete: type, pick, save.
    page.locator(".field-tags .select2-selection").click()
    page.locator(".select2-search__field").fill("VRA")
    page.locator(".select2-results__option", has_text="VRAE").click()
    page.screenshot(path=screenshot_dir / "admin-tagger-adds-vrae.png")
    # The admin's scripts (select2 and all) run under the site's strict Content-Security-Policy.
    assert [error for error in page.console_errors if "Content Security Policy" in error] == []
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(CABLE)

    page.goto(f"{site}/search/?q=Gates")
    page.locator("#facet-tag a", has_text="VRAE").click()
    expect(page.locator(".search-count")).to_have_text("1 result for “Gates”")
    hit = page.locator(".search-hits a.doc-list__title")
    expect(hit).to_have_attribute("href", f"/documents/{CABLE}/")
