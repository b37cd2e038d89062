"""What every request must be before any route reads it: a body of bounded size, read no
further than its bound, and no text that the database cannot store.

A body longer than its bound is answered 413 as soon as its length is known (from
``Content-Length``, else while it arrives), before anything parses it. Text with a NUL
character, or half of a UTF-16 surrogate pair (``"\\ud800"`` in JSON), cannot be stored by
PostgreSQL (and the second not by SQLite either): it is refused with 422 naming the field, on
both databases alike, in a JSON body, a posted form or the query; a path holding one names
nothing and is answered 404. CSV files are read by ``api.services.exchange.read_csv_table``,
which refuses such text by line.

The API answers in its JSON error body; pages get their status page from ``page_response``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
"""A JSON body or a posted form: an answer set is a few kilobytes, a campaign of 10,000 units
about 60 KB."""
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""A CSV file (``text/csv``, or a ``multipart/form-data`` upload): the answers of 10,000
people to 60 items take about 2.5 MB, a chart of 10,000 units under 1 MB."""
RESPONDENT_PATHS = ("/api/v1/respond/", "/r/")
"""A respondent never uploads a file: these paths keep ``MAX_BODY_BYTES`` whatever the body
says it is."""
UPLOAD_TYPES = ("text/csv", "multipart/form-data")

PageResponse = Callable[[Scope, int, str], Awaitable[Response]]
"""The status page for a page's path: the scope, the status, and what went wrong
(``not_found``, ``too_large``, ``unreadable``)."""

# A JSON escape of NUL or of a surrogate: only then can the parsed body hold such text.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why the database cannot store ``text``, if it cannot."""
    if "\x00" in text:
        return "holds a NUL character, which cannot be stored: remove it"
    if _SURROGATE.search(text):
        return "holds half of a UTF-16 surrogate pair, which is no character: remove it"
    return None


def _unstorable_in(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """The fields of a parsed JSON value whose text (keys included) cannot be stored."""
    if isinstance(value, str):
        reason = unstorable(value)
        if reason:
            yield path or "body", reason
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            reason = unstorable(key)
            if reason:
                yield _printable(inner), f"the name of this field {reason}"
            yield from _unstorable_in(item, _printable(inner))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_in(item, f"{path}[{index}]")


def _printable(field: str) -> str:
    """A field's name as an error can show it: without the characters it is refused for."""
    return _SURROGATE.sub("\ufffd", field.replace("\x00", "\\u0000"))[:200]


def json_problems(body: bytes) -> list[tuple[str, str]]:
    """The fields of a JSON body holding text the database cannot store (none for a body that
    is not JSON: the route's own validation says so)."""
    if not _SUSPECT_ESCAPE.search(body):
        return []
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    return list(_unstorable_in(parsed, ""))


def form_problems(text: bytes) -> list[tuple[str, str]]:
    """The fields of a query string or a posted form holding a NUL character."""
    if b"%00" not in text and b"\x00" not in text:
        return []
    found = []
    for name, value in parse_qsl(text.decode("latin-1"), keep_blank_values=True):
        # parse_qsl decodes the %-escapes as UTF-8, invalid bytes replaced: only NUL remains.
        reason = unstorable(name) or unstorable(value)
        if reason:
            found.append((_printable(name) or "body", reason))
    return found


class RequestGuard:
    """Bounds every request's body and refuses text the database cannot store (see the
    module). ``is_page`` tells a page's path, answered by ``page_response``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        is_page: Callable[[str], bool],
        page_response: PageResponse,
        max_body: int = MAX_BODY_BYTES,
        max_upload: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.app = app
        self.is_page = is_page
        self.page_response = page_response
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if unstorable(path):
            await self._refuse(scope, receive, send, 404, "not_found", [])
            return
        query = form_problems(scope.get("query_string", b""))
        if query:
            await self._refuse(scope, receive, send, 422, "unreadable", query)
            return
        headers = dict(scope["headers"])
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode()
        limit = self._limit(path, media_type)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and length is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive, limit)
        except _ClientGone:
            return  # nobody to answer, and a body cut short is no request
        if body is None:
            await self._too_large(scope, receive, send, limit)
            return
        if media_type == "application/x-www-form-urlencoded":
            problems = form_problems(body)
        elif media_type in UPLOAD_TYPES:
            problems = []
        else:
            problems = json_problems(body)
        if problems:
            await self._refuse(scope, receive, send, 422, "unreadable", problems)
            return
        await self.app(scope, _replay(body, receive), send)

    def _limit(self, path: str, media_type: str) -> int:
        if media_type in UPLOAD_TYPES and not path.startswith(RESPONDENT_PATHS):
            return self.max_upload
        return self.max_body

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        reason = f"is over {limit:,} bytes, the most this request may send"
        await self._refuse(scope, receive, send, 413, "too_large", [("body", reason)])

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        kind: str,
        problems: list[tuple[str, str]],
    ) -> None:
        response: Response
        if self.is_page(scope["path"]):
            response = await self.page_response(scope, status, kind)
        elif status == 404:
            response = JSONResponse(status_code=404, content={"detail": "Not Found"})
        else:
            detail = (
                "the request is too large"
                if status == 413
                else f"{len(problems)} problem(s) with the request"
            )
            errors = [{"field": field, "reason": reason} for field, reason in problems[:100]]
            response = JSONResponse(
                status_code=status, content={"detail": detail, "errors": errors}
            )
        await response(scope, receive, send)


class _ClientGone(Exception):
    """The client left before the whole body arrived."""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is longer than ``limit`` (the rest unread);
    ``_ClientGone`` if the client leaves first."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the body read, once, then the server's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
