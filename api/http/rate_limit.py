"""The guessing limits on the wire: which requests are attempts, which answers are failures, and
the 429 a held client gets (``api.services.rate_limits`` decides).

- ``/api/v1/respond/{token}…`` and the pages ``/r/{token}…``: a link (``token``), failed when
  answered 404 (no such link), counted per client;
- any other path under ``/api/`` sent with ``Authorization``: a key (``key``), failed when
  answered 401 (a wrong or revoked key), counted per client;
- ``POST /signin``: a sign-in (``sign-in``), failed when answered 401 (a wrong address or
  password, or a locked account), counted per client and per the address typed; or, from a
  browser whose cookie ``DEVICE_COOKIE`` marks it trusted for that address, per that browser.

A link that exists but was used, or whose campaign is closed, is no guess and is not counted;
nor is a request without a key. A held request is answered before any route runs: the API's
JSON error (``field``: ``token`` or ``Authorization``) or, for a page, the page of
``app.state.rate_limited_page`` (``api.web.rate_limited``), with ``Retry-After`` in seconds.

The client is ``scope["client"]``, the address the server reports. Uvicorn reports the one in
``X-Forwarded-For`` only from the proxies named by ``--forwarded-allow-ips``: behind a proxy that
is not named there, every client counts as the proxy, and one guesser holds everyone.

The limiter is ``app.state.rate_limiter``, made from the settings on the first request (the
tests set their own, with their own clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.services.rate_limits import (
    DEVICE_COOKIE,
    Attempt,
    Hold,
    Kind,
    RateLimiter,
    account_of,
    client_of,
    device_key,
    trusted_device,
)

API_PATHS = "/api/"
RESPOND_API = "/api/v1/respond/"
RESPOND_PAGES = "/r/"
SIGN_IN = "/signin"
MAX_SIGN_IN_BYTES = 64 * 1024
"""A sign-in form is a few hundred bytes; past this the account name is not looked for (the
form itself refuses such a body)."""

PagePresenter = Callable[[Scope, str, int], Response]
"""``app.state.rate_limited_page``: the page for a held request (scope, kind, seconds)."""


@dataclass(frozen=True)
class Guarded:
    """What a request is to the limits: its kind, the status that makes it a failure, the field
    an API error names, and whether it is a page."""

    kind: Kind
    failure: int
    field: str
    page: bool


def guarded(scope: Scope) -> Guarded | None:
    """The request's place in the table of the module; None for a request never limited."""
    path: str = scope["path"]
    if path.startswith(RESPOND_API):
        return Guarded(Kind.token, 404, "token", page=False)
    if path.startswith(RESPOND_PAGES):
        return Guarded(Kind.token, 404, "token", page=True)
    if path == SIGN_IN and scope["method"] == "POST":
        return Guarded(Kind.sign_in, 401, "email", page=True)
    if path.startswith(API_PATHS) and any(
        name == b"authorization" for name, _ in scope.get("headers", ())
    ):
        return Guarded(Kind.key, 401, "Authorization", page=False)
    return None


class RateLimit:
    """Refuses a held client's (or account's) attempts with 429 and counts failed ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard = guarded(scope) if scope["type"] == "http" else None
        limiter = _limiter(scope) if guard is not None else None
        if guard is None or limiter is None or not limiter.limits_kind(guard.kind):
            await self.app(scope, receive, send)
            return
        account = device = None
        if guard.kind == Kind.sign_in:
            account, receive = await _account_named(scope, receive)
            device = await _trusted_device(scope, account)
        client = scope.get("client")
        attempt = Attempt(guard.kind, client_of(client[0] if client else None), account, device)
        if limiter.claim_refresh():  # once a second at most: one read, off the event loop
            await run_in_threadpool(limiter.refresh)
        held = limiter.check(attempt, read=False)
        if held is not None:
            await _refusal(scope, guard, held)(scope, receive, send)
            return

        async def send_counting(message: Message) -> None:
            # Counted before the answer leaves: the client's next attempt sees this failure.
            if message["type"] == "http.response.start" and message["status"] == guard.failure:
                await run_in_threadpool(limiter.fail, attempt)
            await send(message)

        await self.app(scope, receive, send_counting)


def _limiter(scope: Scope) -> RateLimiter | None:
    """The app's limiter, made from the settings on first use; None before the app has a
    database (not yet started)."""
    state: Any = scope["app"].state
    limiter: RateLimiter | None = getattr(state, "rate_limiter", None)
    if limiter is None:
        engine = getattr(state, "engine", None)
        if engine is None:
            return None
        from api.services.rate_limits import rate_limiter
        from api.settings import get_settings

        limiter = rate_limiter(get_settings(), engine)
        state.rate_limiter = limiter
    return limiter


async def _trusted_device(scope: Scope, account: str | None) -> str | None:
    """The browser's id if its cookie marks it trusted for ``account`` (the installation's key
    read off the event loop, from the database the first time)."""
    headers = dict(scope.get("headers", ()))
    mark = cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get(DEVICE_COOKIE)
    if not account or not mark:
        return None
    key = await run_in_threadpool(device_key, scope["app"].state.engine)
    return trusted_device(key, mark, account=account, now=int(time.time()))


def _refusal(scope: Scope, guard: Guarded, held: Hold) -> Response:
    headers = {"Retry-After": str(held.retry_after)}
    if guard.page:
        present: PagePresenter | None = getattr(scope["app"].state, "rate_limited_page", None)
        kind = "sign_in" if guard.kind == Kind.sign_in else "token"
        if present is not None:
            return present(scope, kind, held.retry_after)
        return PlainTextResponse("Too many failed attempts", status_code=429, headers=headers)
    who = {"account": "this account", "device": "this browser"}.get(held.scope, "this client")
    reason = {
        Kind.token: f"too many links that do not exist were tried from {who}",
        Kind.key: f"too many wrong API keys were sent from {who}",
        Kind.sign_in: f"too many sign-ins failed for {who}",
    }[guard.kind]
    return JSONResponse(
        status_code=429,
        content={
            "detail": f"too many failed attempts: try again in {held.retry_after} seconds",
            "errors": [{"field": guard.field, "reason": reason}],
        },
        headers=headers,
    )


async def _account_named(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The account name a posted sign-in form gives, and ``receive`` for the app, which replays
    the body read here."""
    messages: list[Message] = []
    body = b""
    more = True
    while more and len(body) <= MAX_SIGN_IN_BYTES:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        more = message.get("more_body", False)

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
    form = content_type.split(b";")[0].strip().lower() == b"application/x-www-form-urlencoded"
    if more or not form:
        return None, replay
    fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    email = next((value for name, value in fields if name == "email"), "")
    return account_of(email) or None, replay
