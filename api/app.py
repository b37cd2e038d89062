"""The HTTP API: every route under ``/api/v1``, OpenAPI at ``/openapi.json`` with Swagger UI at
``/docs`` and ReDoc at ``/redoc`` (their scripts, styles and icon served by the app, from
``/static/docs``: no CDN, so they work offline), errors as JSON that name the field and the
reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.access_log import install_redaction

if TYPE_CHECKING:
    from api.jobs.queue import Jobs
from api.services.access import Forbidden, Unauthenticated
from api.services.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed

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


def create_app(engine: Engine | None = None, *, jobs: Jobs | None = None) -> FastAPI:
    """The application; without an engine it opens ``DATABASE_URL`` at start-up, migrates it
    and queues its jobs on the queue the settings name. ``jobs``: the queue the app's pages
    and routes queue work on (closing a campaign queues its reports), if any."""

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
        yield

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
    if engine is not None:
        app.state.engine = engine
    if jobs is not None:
        app.state.jobs = jobs
    _add_error_handlers(app)
    from api.http import departments, exchange, keys, mail, organisation, respond, results

    for module in (keys, organisation, respond, results, departments, exchange, mail):
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


def _error(status: int, detail: str, errors: list[FieldError] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if errors is not None:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(status_code=status, content=body, headers=headers)


def _field(error: Mapping[str, Any]) -> str:
    """The dotted path of the input an error is about; ``body`` for the body as a whole."""
    if error["type"] == "json_invalid":
        # Its location is ("body", character offset): the offset is no field.
        return "body"
    return ".".join(str(p) for p in error["loc"] if p != "body") or "body"


def _add_error_handlers(app: FastAPI) -> None:
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

    @app.exception_handler(RequestValidationError)
    async def request_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # A model's own rule says its reason in full; pydantic prefixes it with "Value error, ".
        errors = [
            FieldError(_field(e), str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()
        ]
        return _error(422, f"{len(errors)} problem(s) with the request", errors)
