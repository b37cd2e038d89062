"""The browser tests' own infrastructure: Chromium reaches the live server, axe finds what it
should, screenshots land where they are asked for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page

from tests.web.conftest import PHONE_WIDTH, LiveServer, NewPage, axe_audit

BROKEN = (
    "<html lang='en'><head><title>t</title></head>"
    "<body><main><h1>Hello</h1><img src='x.png'></main></body></html>"
)
SCRIPTED = (
    "<html lang='en'><head><title>t</title></head><body><main>"
    "<noscript>no script ran</noscript>"
    "<script>document.currentScript.replaceWith('a script ran')</script>"
    "</main></body></html>"
)
FIXED = BROKEN.replace("<img src='x.png'>", "<img src='x.png' alt='A greeting'>")


def test_the_browser_reaches_the_live_server(
    live_server: LiveServer, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    response = page.goto(f"{live_server.url}/openapi.json")

    assert response is not None
    assert response.status == 200
    assert '"title":"transversal"' in page.inner_text("body").replace(" ", "")
    # A page of a person's size to photograph: the description, one long line of JSON, makes
    # a full-page screenshot of thousands of wrapped lines.
    page.goto(f"{live_server.url}/signin")
    assert screenshot(page, "signin").stat().st_size > 0


def test_axe_reports_an_image_without_alt_text(page: Page) -> None:
    page.set_content(BROKEN)

    found = axe_audit(page)

    assert found.rules == {"image-alt"}, found.summary()
    assert found[0].impact == "critical"
    assert "img" in found[0].targets[0]
    assert "image-alt (critical)" in found.summary()


def test_axe_passes_the_page_once_fixed(page: Page) -> None:
    page.set_content(FIXED)

    found = axe_audit(page)

    assert not found, found.summary()


def test_axe_runs_on_a_phone_without_javascript(new_page: NewPage) -> None:
    phone = new_page(width=PHONE_WIDTH, javascript=False)
    phone.set_content(BROKEN)

    assert phone.viewport_size == {"width": PHONE_WIDTH, "height": 800}
    assert phone.evaluate("window.innerWidth") == PHONE_WIDTH
    assert axe_audit(phone).rules == {"image-alt"}

    # The audit let scripts run for itself only: the page's JavaScript is still off.
    phone.set_content(SCRIPTED)
    assert phone.locator("main").inner_text() == "no script ran"


def test_javascript_runs_by_default(page: Page) -> None:
    page.set_content(SCRIPTED)

    assert page.locator("main").inner_text() == "a script ran"
