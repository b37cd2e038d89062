"""The HTTP API: every route under ``/api/v1``, OpenAPI at ``/docs``, errors as JSON that name
the field and the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from api.http.access_log import install_redaction
from api.services.access import Forbidden, Unauthenticated
from api.services.errors import Conflict, FieldError, NotFound, ServiceError, ValidationFailed

API_PREFIX = "/api/v1"


def create_app(engine: Engine | None = None) -> FastAPI:
    """The application; without an engine it opens ``DATABASE_URL`` at start-up and migrates it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # After the server has configured its logging: tokens never reach the access log.
        install_redaction()
        if engine is None:
            from api.settings import get_settings
            from api.store.db import make_engine, upgrade_database

            app.state.engine = make_engine(get_settings().database_url)
            upgrade_database(app.state.engine)
        else:
            app.state.engine = engine
        yield

    app = FastAPI(
        title="transversal",
        summary="Surveys of horizontal and vertical accountability, with team reports.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if engine is not None:
        app.state.engine = engine
    _add_error_handlers(app)
    from api.http import exchange, organisation, respond, results

    for module in (organisation, respond, results, exchange):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(results.assets, prefix=API_PREFIX)
    from api import web

    web.mount(app)
    return app


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
        errors = [FieldError(_field(e), e["msg"]) for e in exc.errors()]
        return _error(422, f"{len(errors)} problem(s) with the request", errors)
