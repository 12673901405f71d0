"""Playwright fixtures: Debian's chromium, headless, against pytest-django's live server.

Missing chromium skips these tests on a workstation, but fails them in CI (CI=true),
where it must be installed (`apt-get install chromium`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent.parent
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(condition: bool, message: str) -> None:
    if condition:
        return
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("ARCHIVE_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per module.

    While Playwright runs, Django sees an event loop in this thread and refuses ORM calls
    (SynchronousOnlyOperation), though the tests' calls between page actions are synchronous
    and safe; the permission is granted only while the browser is open.
    """
    require(CHROMIUM.exists(), "chromium not installed: apt-get install chromium (CI installs it)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def axe_script() -> Path:
    require(AXE.exists(), "axe-core not installed: npm ci --prefix tests/browser")
    return AXE


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # {% static %} without a collectstatic manifest; the live server serves from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def site(live_server, seeds):
    """The live server's base URL, with the seed documents imported."""
    return live_server.url


@pytest.fixture
def new_page(browser):
    """new_page(viewport=…, **context options) → a page whose console errors are collected."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
