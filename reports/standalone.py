"""A report's HTML as one file a leader can open from disk, with nothing left to fetch.

The rendered HTML names its packaged files as ``reports-static:<name>``, a scheme only the PDF
renderer's fetcher understands. Here every stylesheet link becomes an inline ``<style>`` with the
file's CSS, and every other packaged file the page or its CSS names (a font, an image) becomes a
``data:`` URI. Files are loaded through :class:`reports.fetcher.PackagedFilesFetcher`, so the
HTML obeys the PDF's rules: packaged files only, and a name climbing out of the folder is refused
with ``StaticURLRefused``. The charts already are ``data:`` URIs.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

from reports.fetcher import STATIC_SCHEME, PackagedFilesFetcher

_STYLESHEET = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""\b(rel|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_CSS_URL = re.compile(
    rf"""url\(\s*(?P<quote>["']?)(?P<url>{STATIC_SCHEME}:[^"')\s]*)(?P=quote)\s*\)"""
)
_ATTRIBUTE_URL = re.compile(rf"""(?P<quote>["'])(?P<url>{STATIC_SCHEME}:[^"']*)(?P=quote)""")


def standalone_html(html: str, *, assets: str | None = None) -> str:
    """``html`` with its packaged stylesheets inlined and its packaged files as ``data:`` URIs.

    With ``assets`` (a relative URL ending in "/"), the files a stylesheet names (the fonts,
    about 2.7 MB) are referenced under it instead of embedded: a folder of many reports then
    holds them once, written by ``write_assets``. Raises ``reports.fetcher.StaticURLRefused``
    for a name that is not a packaged file, and ``ValueError`` if a ``reports-static:``
    reference is left in a form it does not know.
    """
    if assets is not None and (not assets.endswith("/") or ":" in assets or "\\" in assets):
        raise ValueError(f"assets must be a relative URL ending in '/', is {assets!r}")
    fetcher = PackagedFilesFetcher()
    inlined = _STYLESHEET.sub(
        lambda link: _inline_stylesheet(link.group(0), fetcher, assets=assets), html
    )
    inlined = _CSS_URL.sub(
        lambda found: _css_url(found.group("url"), fetcher, assets=assets), inlined
    )
    inlined = _ATTRIBUTE_URL.sub(
        lambda found: f'"{_data_uri(found.group("url"), fetcher)}"', inlined
    )
    if f"{STATIC_SCHEME}:" in inlined:
        at = inlined.index(f"{STATIC_SCHEME}:")
        raise ValueError(f"a packaged file is referenced in an unknown form: {inlined[at:][:80]}")
    return inlined


REPORT_STYLESHEETS = ("fonts.css", "report.css")
"""The packaged stylesheets every report links."""


def write_assets(folder: Path, *, stylesheets: tuple[str, ...] = REPORT_STYLESHEETS) -> list[Path]:
    """Copy the packaged files that ``stylesheets`` name (the fonts) into ``folder``, under
    their packaged names, for pages made with ``standalone_html(..., assets=...)``."""
    written = []
    for name in asset_names(stylesheets):
        target = folder.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read_asset(name, stylesheets=stylesheets)[0])
        written.append(target)
    return written


@cache
def asset_names(stylesheets: tuple[str, ...] = REPORT_STYLESHEETS) -> tuple[str, ...]:
    """The packaged files that ``stylesheets`` name (the fonts), as ``assets`` must serve them:
    ``fonts/DejaVuSans.ttf`` and so on."""
    fetcher = PackagedFilesFetcher()
    css = "".join(
        _fetched(f"{STATIC_SCHEME}:{name}", fetcher)[0].decode("utf-8") for name in stylesheets
    )
    urls = dict.fromkeys(found.group("url") for found in _CSS_URL.finditer(css))
    return tuple(url.removeprefix(f"{STATIC_SCHEME}:") for url in urls)


def read_asset(
    name: str, *, stylesheets: tuple[str, ...] = REPORT_STYLESHEETS
) -> tuple[bytes, str]:
    """The content and MIME type of the asset ``name``; ``KeyError`` for any other name, so a
    server handing these out serves the fonts and nothing else of the package."""
    if name not in asset_names(stylesheets):
        raise KeyError(name)
    return _fetched(f"{STATIC_SCHEME}:{name}", PackagedFilesFetcher())


def _inline_stylesheet(
    link: str, fetcher: PackagedFilesFetcher, *, assets: str | None = None
) -> str:
    attributes = {
        name.lower(): next(v for v in values if v is not None)
        for name, *values in _ATTRIBUTE.findall(link)
    }
    href = attributes.get("href", "")
    if attributes.get("rel", "").lower() != "stylesheet" or not href.startswith(
        f"{STATIC_SCHEME}:"
    ):
        return link
    css = _fetched(href, fetcher)[0].decode("utf-8")
    css = _CSS_URL.sub(lambda found: _css_url(found.group("url"), fetcher, assets=assets), css)
    # The CSS ends at the first "</style" whatever surrounds it; "\/" reads as "/" in CSS.
    css = re.sub(r"</(?=style)", r"<\\/", css, flags=re.IGNORECASE)
    return f"<style>\n{css}\n</style>"


def _css_url(url: str, fetcher: PackagedFilesFetcher, *, assets: str | None = None) -> str:
    if assets is not None:
        _fetched(url, fetcher)  # the same checks: a packaged file, not climbing out
        return f'url("{assets}{url.removeprefix(f"{STATIC_SCHEME}:")}")'
    return f'url("{_data_uri(url, fetcher)}")'


def _data_uri(url: str, fetcher: PackagedFilesFetcher) -> str:
    body, content_type = _fetched(url, fetcher)
    return f"data:{content_type};base64,{base64.b64encode(body).decode('ascii')}"


def _fetched(url: str, fetcher: PackagedFilesFetcher) -> tuple[bytes, str]:
    """The packaged file's content and its MIME type."""
    response = fetcher.fetch(url)
    try:
        body: bytes = response.read()
        return body, str(response.headers.get_content_type())
    finally:
        response.close()
