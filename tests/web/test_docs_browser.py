"""The API's own pages in a real browser cut off from every other site: Swagger UI at /docs and
ReDoc at /redoc render our API from the app's own assets, and ask nothing of any other host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Route, expect

from tests.web.conftest import LiveServer, NewPage

LOCAL_HOST = "127.0.0.1"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's bundle always shows this logo; the pages' Content-Security-Policy keeps the browser
from asking for it (and the logo hides itself)."""


@dataclass
class Offline:
    """A page whose requests to any host but the live server's are aborted, and counted."""

    page: Page
    local: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """What the page's Content-Security-Policy stopped before it became a request."""

    def __post_init__(self) -> None:
        self.page.route("**/*", self._answer)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._note)

    def _note(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def _answer(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == LOCAL_HOST:
            self.local.append(url)
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(live_server: LiveServer, new_page: NewPage) -> Iterator[Offline]:
    cut_off = Offline(new_page(base_url=live_server.url))
    yield cut_off
    # Nothing the page did after its checks may have left the machine either.
    assert cut_off.elsewhere == []


def test_swagger_ui_renders_our_operations_offline(offline: Offline) -> None:
    response = offline.page.goto("/docs")

    assert response is not None
    assert response.status == 200
    # Swagger UI writes each path with zero-width spaces before its slashes: match the attribute.
    units = offline.page.locator('.opblock-summary-path[data-path="/api/v1/units"]')
    expect(units.first).to_be_visible()
    expect(offline.page.get_by_text("List Units", exact=True)).to_be_visible()
    expect(offline.page.get_by_role("heading", name=re.compile(r"^transversal"))).to_be_visible()
    offline.page.wait_for_load_state("networkidle")

    assert offline.elsewhere == []
    assert offline.errors == []
    assert offline.refused == []
    assert any(url.endswith("/openapi.json") for url in offline.local)
    assert any("/static/docs/swagger-ui-bundle.js" in url for url in offline.local)


def test_redoc_renders_our_api_offline(offline: Offline) -> None:
    response = offline.page.goto("/redoc")

    assert response is not None
    assert response.status == 200
    title = offline.page.get_by_role("heading", name=re.compile(r"^transversal"), level=1)
    expect(title).to_be_visible()
    expect(offline.page.get_by_text("List Units", exact=True).first).to_be_attached()
    offline.page.wait_for_load_state("networkidle")

    assert offline.elsewhere == []
    assert offline.errors == []
    assert all(REDOCLY_LOGO in refusal for refusal in offline.refused), offline.refused
    assert any(url.endswith("/openapi.json") for url in offline.local)
    assert any("/static/docs/redoc.standalone.js" in url for url in offline.local)
