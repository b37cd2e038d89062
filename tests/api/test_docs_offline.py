"""The API's own pages work offline: /docs (Swagger UI) and /redoc (ReDoc) name no other site,
and every script, style and icon they load is served by the app itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

DOC_PAGES = ("/docs", "/redoc")


class _References(HTMLParser):
    """The resources a page loads: ``(tag, rel, address)`` of every ``<script src>``,
    ``<link href>`` and ``<img src>``, and the spec ReDoc reads (``<redoc spec-url>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {name: value or "" for name, value in attrs}
        attribute = {"script": "src", "img": "src", "link": "href", "redoc": "spec-url"}.get(tag)
        if attribute is not None and attribute in named:
            self.found.append((tag, named.get("rel", ""), named[attribute]))


def references(page: str) -> list[tuple[str, str, str]]:
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser.found


def expected_content_type(tag: str, rel: str) -> str:
    if tag == "script":
        return "javascript"
    if tag == "img" or "icon" in rel:
        return "image/"
    if tag == "redoc":
        return "application/json"
    return "text/css"


@pytest.mark.parametrize("path", DOC_PAGES)
def test_the_doc_page_is_html_that_names_no_other_site(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "http" not in response.text.lower()
    assert "transversal" in response.text


@pytest.mark.parametrize("path", DOC_PAGES)
def test_every_asset_of_the_doc_page_is_served_by_the_app(client: TestClient, path: str) -> None:
    found = references(client.get(path).text)

    tags = {tag for tag, _, _ in found}
    assert {"script", "link"} <= tags, found
    for tag, rel, address in found:
        assert address.startswith("/"), (tag, address)
        assert not address.startswith("//"), (tag, address)  # another host, scheme-relative
        asset = client.get(address)
        assert asset.status_code == 200, address
        assert expected_content_type(tag, rel) in asset.headers["content-type"], (
            address,
            asset.headers["content-type"],
        )
        assert asset.content, address


@pytest.mark.parametrize("path", DOC_PAGES)
def test_the_doc_page_lets_the_browser_load_nothing_from_another_site(
    client: TestClient, path: str
) -> None:
    policy = client.get(path).headers["content-security-policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "'self' data:"
    for sources in directives.values():
        assert set(sources.split()) <= {"'none'", "'self'", "'unsafe-inline'", "data:", "blob:"}


def test_swagger_ui_reads_the_spec_from_the_app(client: TestClient) -> None:
    page = client.get("/docs").text

    assert re.findall(r"\burl: '([^']*)'", page) == ["/openapi.json"]
    # Its validator badge would send the spec's address to validator.swagger.io.
    assert '"validatorUrl": null' in page


def test_the_styles_of_the_doc_pages_load_nothing_from_elsewhere(client: TestClient) -> None:
    styles = [
        address
        for path in DOC_PAGES
        for tag, rel, address in references(client.get(path).text)
        if tag == "link" and rel == "stylesheet"
    ]

    assert styles
    for address in styles:
        css = client.get(address).text
        loaded = re.findall(r"""url\(\s*["']?([^"')\s]+)""", css)
        assert all(url.startswith("data:") for url in loaded), address
        assert "@import" not in css, address


def test_the_openapi_description_is_served_with_the_app_title(client: TestClient) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    info = response.json()["info"]
    assert info["title"] == "transversal"
    assert info["version"] == "0.1.0"
    assert info["summary"].startswith("Surveys of horizontal and vertical accountability")
    assert "/api/v1/units" in response.json()["paths"]
