"""What every page shares: the Jinja2 environment, the security headers, the anti-forgery
tokens and the reading of a posted form."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from functools import cache
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from sqlmodel import Session

from api.web.i18n import Translator

STATIC_PATH = "/static/web"
"""Where the pages' own styles and scripts are served from."""

PAGE_PREFIXES = ("/r/", f"{STATIC_PATH}/", "/console/", "/portal/")
"""The paths of pages and page assets: see ``is_page``."""
PAGE_PATHS = frozenset({"/", "/r", "/signin", "/signout", "/console", "/portal"})


def is_page(path: str) -> bool:
    return path in PAGE_PATHS or path.startswith(PAGE_PREFIXES)


def is_respondent_page(path: str) -> bool:
    """A page of a respondent's link (``/r/{token}…``), spoken to a respondent."""
    return path.startswith("/r/")


def status_layout(path: str) -> dict[str, Any]:
    """The layout of a status page (an error, a held client) answered on ``path``, and what
    it needs: a respondent's link keeps the respondent's, whose footer promises them
    confidentiality; any other page (the sign-in, HR's console, the leaders' portal) gets
    the console's, without its menu (the page does not know who is signed in)."""
    if is_respondent_page(path):
        return {"layout": "respond/layout.html"}
    return {"layout": "console/layout.html", "visit": None, "role": "", "active": ""}


MAX_FORM_BYTES = 64 * 1024
"""A page of the form posts a few hundred bytes; anything much larger is not from a page."""

MAX_FORM_FIELDS = 200


def digits(text: str) -> bool:
    """Whether a form's or a path's text is a whole number ``int()`` reads and the database
    stores: ASCII digits only (``str.isdigit`` also takes "²"), at most 18 of them."""
    return text.isascii() and text.isdigit() and len(text) <= 18


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

_PAGE_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"x-robots-tag", b"noindex, nofollow"),
]
_NO_STORE = (b"cache-control", b"no-store")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _session(engine: Annotated[Engine, Depends(_engine)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
"""A database session for one page request."""


class PageError(Exception):
    """A request a page cannot serve: shown as a status page with ``status``."""

    def __init__(self, status: int, kind: str) -> None:
        super().__init__(kind)
        self.status = status
        self.kind = kind


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class PageHeaders:
    """Adds the pages' security headers to every page and page asset: a strict
    Content-Security-Policy (no inline script or style, nothing from elsewhere), no referrer
    (the respondent's link holds its secret), and no caching of pages at all."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not is_page(path):
            await self.app(scope, receive, send)
            return
        asset = path.startswith(STATIC_PATH)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if asset or k.lower() != b"cache-control"
                ]
                present = {k.lower() for k, _ in headers}
                headers += [h for h in _PAGE_HEADERS if h[0] not in present]
                if not asset:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["static"] = static_url
    return env


@cache
def _asset_versions() -> dict[str, str]:
    folder = resources.files("api.web") / "static"
    return {
        entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()[:12]
        for entry in folder.iterdir()
        if entry.is_file()
    }


def static_url(name: str) -> str:
    """The URL of a static file, with its content's hash so that a new release is fetched."""
    return f"{STATIC_PATH}/{name}?v={_asset_versions()[name]}"


def render(template: str, *, language: str, status: int = 200, **context: Any) -> HTMLResponse:
    t = Translator(language)
    html = environment().get_template(template).render(t=t, lang=language, **context)
    # The headers are set here too: a page for a server error is sent from outside the
    # middleware that sets them on every other page.
    headers = {k.decode(): v.decode() for k, v in (*_PAGE_HEADERS, _NO_STORE)}
    return HTMLResponse(html, status_code=status, headers=headers)


def form_token(key: bytes, subject: str) -> str:
    """The anti-forgery token of the forms about ``subject`` (for a respondent, the digest of
    their link): only pages this installation served carry it."""
    return hmac.new(key, f"form:{subject}".encode(), hashlib.sha256).hexdigest()


def check_form_token(key: bytes, subject: str, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(form_token(key, subject), sent):
        raise PageError(403, "forbidden")


def check_same_origin(request: Request) -> None:
    """Refuse a post that the browser says came from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise PageError(403, "forbidden")
    # The host alone is compared: behind a proxy that ends TLS the scheme seen here is http.
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PageError(403, "forbidden")


async def read_form(request: Request) -> dict[str, str]:
    """A posted ``application/x-www-form-urlencoded`` form, read up to ``MAX_FORM_BYTES``;
    for a name given twice, the first value."""
    fields: dict[str, str] = {}
    for name, value in await read_form_pairs(request):
        fields.setdefault(name, value)
    return fields


async def read_form_pairs(request: Request) -> list[tuple[str, str]]:
    """The posted form's names and values in order, each name as often as it was sent (the
    checked boxes of a group)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise PageError(400, "bad_request")
    declared = request.headers.get("content-length")
    if declared is not None and (not digits(declared) or int(declared) > MAX_FORM_BYTES):
        raise PageError(413, "bad_request")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageError(413, "bad_request")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError(400, "bad_request") from exc
    return pairs
