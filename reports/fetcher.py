"""The only URLs a report may load: packaged static files and the charts it embeds.

WeasyPrint's default fetcher opens ``file://`` paths and the network. This one serves
``reports-static:<name>`` from the package's ``static`` folder (read with importlib.resources)
and ``data:image/svg+xml;base64,`` charts, which carry their content in the URL; it refuses every
other URL, and any refusal stops the rendering rather than print a page without it.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Mapping
from importlib import resources

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "reports-static"
CHART_PREFIX = "data:image/svg+xml;base64,"
_STATIC_NAME = re.compile(
    r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)*(?:/[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)*)*$"
)


class StaticURLRefused(ValueError):
    """A report asked for a URL other than a packaged file or an embedded chart."""


def chart_uri(svg: str) -> str:
    """An SVG chart as a ``data:`` URI for an ``<img>``: the chart stays a vector, and unlike
    inline SVG its hundreds of elements stay out of the HTML document's style cascade."""
    return CHART_PREFIX + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class PackagedFilesFetcher(URLFetcher):  # type: ignore[misc]
    """Serves packaged static files and embedded SVG charts; raises ``StaticURLRefused`` for
    anything else (``file:``, ``http:``, other ``data:``, names climbing out of the folder)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME, "data"), fail_on_errors=True)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(CHART_PREFIX):
            return URLFetcherResponse(url, _decoded(url), {"Content-Type": "image/svg+xml"})
        scheme, _, name = url.partition(":")
        if scheme != STATIC_SCHEME or not _STATIC_NAME.match(name):
            raise StaticURLRefused(f"{url[:80]}: reports load only packaged files and charts")
        resource = resources.files("reports").joinpath("static", *name.split("/"))
        if not resource.is_file():
            raise StaticURLRefused(f"{url}: no such packaged file")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, resource.read_bytes(), {"Content-Type": content_type})


def _decoded(url: str) -> bytes:
    try:
        return base64.b64decode(url.removeprefix(CHART_PREFIX), validate=True)
    except binascii.Error:
        raise StaticURLRefused(f"{url[:80]}: not a base64 chart") from None
