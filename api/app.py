"""The HTTP API: every route under ``/api/v1``, OpenAPI at ``/openapi.json`` with Swagger UI at
``/docs`` and ReDoc at ``/redoc`` (their scripts, styles and icon served by the app, from
``/static/docs``: no CDN, so they work offline), errors as JSON that name the field and the
reason."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.collector import tune_for_serving
from api.http.access_log import install_redaction
from api.http.guard import RequestGuard
from api.http.rate_limit import RateLimit

if TYPE_CHECKING:
    from api.jobs.queue import Jobs
from api.services.access import Forbidden, Unauthenticated
from api.services.errors import (
    Conflict,
    FieldError,
    NotFound,
    ServiceError,
    ValidationFailed,
    model_reason,
)
from api.store.submissions import close_loop_connections

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DOCS_STATIC_PATH = "/static/docs"
"""Where the assets of ``/docs`` and ``/redoc`` (Swagger UI, ReDoc, the icon) are served from."""
DOCS_PAGES = ("/docs", "/redoc")

# ReDoc's bundle shows the Redocly logo from cdn.redoc.ly, and no option turns it off: with this
# policy the browser loads nothing from another site (the logo hides itself when it cannot
# load). 'unsafe-inline': FastAPI starts Swagger UI with an inline script, and both UIs set
# inline styles; neither page holds a secret or anyone's input.
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def create_app(
    engine: Engine | None = None, *, jobs: Jobs | None = None, served: bool = False
) -> FastAPI:
    """The application; without an engine it opens ``DATABASE_URL`` at start-up, migrates it
    and queues its jobs on the queue the settings name. ``jobs``: the queue the app's pages
    and routes queue work on (closing a campaign queues its reports), if any. ``served``: the
    app is the process' own (``transversal serve``), whose collector it tunes once started
    (``api.collector``); not for an app among others, as in tests."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # After the server has configured its logging: tokens never reach the access log.
        install_redaction()
        if engine is None:
            from api.settings import get_settings
            from api.store.db import make_engine, upgrade_database

            app.state.engine = make_engine(get_settings().database_url)
            upgrade_database(app.state.engine)
            if jobs is None:
                from api.jobs.queue import Jobs

                app.state.jobs = Jobs.from_settings(app.state.engine, get_settings())
        else:
            app.state.engine = engine
        if served:
            tune_for_serving()
        try:
            yield
        finally:
            # The connections the submissions kept on this loop (PostgreSQL's).
            await close_loop_connections(app.state.engine)

    # FastAPI's own /docs and /redoc load their scripts from a CDN: fastapi-offline serves the
    # same pages with the assets it ships, so they also work on a machine without internet.
    app = FastAPIOffline(
        title="transversal",
        summary="Surveys of horizontal and vertical accountability, with team reports.",
        version="0.1.0",
        lifespan=lifespan,
        static_url=DOCS_STATIC_PATH,
        # Swagger UI's validator badge would ask validator.swagger.io about the spec.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.add_middleware(DocsPolicy)
    app.add_middleware(RateLimit)
    _add_request_guard(app)
    if engine is not None:
        app.state.engine = engine
    if jobs is not None:
        app.state.jobs = jobs
    _add_error_handlers(app)
    from api.http import departments, exchange, keys, mail, organisation, respond, results

    # The respondents' routes first: the router tries routes in order, and a submission, the
    # request that comes by the thousand, then matches at once instead of after thirty others.
    for module in (respond, keys, organisation, results, departments, exchange, mail):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(results.assets, prefix=API_PREFIX)
    from api import web

    web.mount(app)
    return app


class DocsPolicy:
    """Sends ``/docs`` and ``/redoc`` with ``DOCS_CONTENT_SECURITY_POLICY``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in DOCS_PAGES:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", DOCS_CONTENT_SECURITY_POLICY.encode()),
                ]
            await send(message)

        await self.app(scope, receive, send_with_policy)


MAX_ERRORS = 100
"""The most problems an error body lists; ``detail`` counts them all. A request with 100,000
bad values gets an answer of a few kilobytes, not one as large as itself."""


def served_app() -> FastAPI:
    """The app of one of ``transversal serve --workers``' processes (uvicorn's factory): the
    settings' database and queue, its collector tuned once started."""
    return create_app(served=True)


def _error(status: int, detail: str, errors: list[FieldError] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if errors is not None:
        body["errors"] = [
            {"field": e.field[:200], "reason": e.reason[:1000]} for e in errors[:MAX_ERRORS]
        ]
        if len(errors) > MAX_ERRORS:
            body["detail"] = f"{detail} (the first {MAX_ERRORS} of {len(errors)} listed)"
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(status_code=status, content=body, headers=headers)


def _field(error: Mapping[str, Any]) -> str:
    """The path of the input an error is about (``languages[1]``, ``answers.HA1``); ``body``
    for the body as a whole."""
    if error["type"] == "json_invalid":
        # Its location is ("body", character offset): the offset is no field.
        return "body"
    field = ""
    for part in error["loc"]:
        if part == "body" and not field:
            continue
        # Indices as the services write them: ``unit_ids[3]``, ``answers.HA1``.
        field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else str(part)
    return field or "body"


_UNIQUE_FIELDS = {"external_id": "external_id", "email": "email"}
"""The unique keys a request can race on, by a column of theirs, and the field they come from."""
_RACE_STATES = ("23505", "23503")
"""PostgreSQL's unique and foreign key violations: what two requests at once can cause."""


def _is_race(exc: IntegrityError) -> bool:
    """Whether a write was refused for a key another request stored or removed meanwhile (a
    unique or a foreign key), rather than for a rule no request should break."""
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return state in _RACE_STATES
    message = str(exc.orig)
    return message.startswith(("UNIQUE constraint failed", "FOREIGN KEY constraint failed"))


def _unique_field(exc: IntegrityError) -> str | None:
    """The field of the unique key a write broke, where the database's message names it."""
    message = str(exc.orig)
    for column, field in _UNIQUE_FIELDS.items():
        if re.search(rf"\b{column}\b", message):
            return field
    return None


def _add_request_guard(app: FastAPI) -> None:
    from api.web import error_page
    from api.web.pages import is_page

    async def page_response(scope: Scope, status: int, kind: str) -> Response:
        return error_page(Request(scope), status, kind)

    app.add_middleware(RequestGuard, is_page=is_page, page_response=page_response)


def _add_error_handlers(app: FastAPI) -> None:
    from api.web import error_page
    from api.web.pages import is_page

    statuses: dict[type[ServiceError], int] = {
        Unauthenticated: 401,
        Forbidden: 403,
        NotFound: 404,
        Conflict: 409,
    }

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        if isinstance(exc, ValidationFailed):
            return _error(422, str(exc), list(exc.errors))
        return _error(statuses.get(type(exc), 400), str(exc))

    @app.exception_handler(IntegrityError)
    async def concurrent_write(request: Request, exc: IntegrityError) -> Response:
        # Two requests stored the same key at once: the rules checked before writing let both
        # through, the database's unique key refused the second. Nothing of it was stored.
        if not _is_race(exc):
            logger.error("a write broke the database's rules", exc_info=exc)
            if is_page(request.url.path):
                return error_page(request, 500, "error")
            return JSONResponse(status_code=500, content={"detail": "internal server error"})
        field = _unique_field(exc)
        if is_page(request.url.path):
            return error_page(request, 409, "conflict")
        return _error(
            409,
            "another request stored the same thing at the same moment: nothing of this one was"
            " stored; send it again to see why it is refused",
            [FieldError(field, "is already used")] if field else None,
        )

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(_field(e), model_reason(e)) for e in exc.errors()]
        return _error(422, f"{len(errors)} problem(s) with the request", errors)
