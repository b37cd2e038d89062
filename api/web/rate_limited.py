"""The page of a client, or of an account, held by the guessing limits
(``api.http.rate_limit``): status 429, ``Retry-After``, and how long to wait in the language the
request asks for."""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.responses import Response

from api.web.i18n import LANGUAGES, negotiate
from api.web.pages import Scope, render, status_layout

KINDS = ("token", "sign_in")
"""What was tried: a respondent link, or a sign-in."""


def rate_limited_page(scope: Scope, kind: str, retry_after: int) -> Response:
    """The page for a request held for ``retry_after`` more seconds (``?lang=``, else the
    browser's language)."""
    request = Request(scope)
    asked = request.query_params.get("lang")
    language = (
        asked
        if asked in LANGUAGES
        else negotiate(request.headers.get("accept-language"), LANGUAGES) or LANGUAGES[0]
    )
    response = render(
        "respond/rate_limited.html",
        language=language,
        status=429,
        kind=kind if kind in KINDS else KINDS[0],
        minutes=max(1, math.ceil(retry_after / 60)),
        languages=list(LANGUAGES),
        language_url=lambda lang: request.url.path + f"?lang={lang}",
        **status_layout(request.url.path),
    )
    response.headers["Retry-After"] = str(retry_after)
    return response
