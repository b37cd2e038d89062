"""Server-rendered pages: the respondent's form today (``respond/``), the HR console and the
leaders' portal next. Every page is plain HTML that works without JavaScript, with its texts
from the message catalogues in ``messages/`` and its styles and scripts from ``static/``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web.console.routes import SignInNeeded, sign_in_redirect
from api.web.i18n import LANGUAGES, negotiate
from api.web.pages import (
    STATIC_PATH,
    PageError,
    PageHeaders,
    is_page,
    is_respondent_page,
    render,
    status_layout,
)
from api.web.rate_limited import rate_limited_page
from api.web.respond.routes import StatePage, state_page


def mount(app: FastAPI) -> None:
    """Serve the pages, their assets and their error pages from ``app``."""
    from importlib import resources

    from api.web.console import router as console
    from api.web.console.batch import router as batch
    from api.web.console.chart import router as chart
    from api.web.console.chart_edit import router as chart_edit
    from api.web.console.mail import router as mail
    from api.web.console.people import router as people
    from api.web.console.results import router as results
    from api.web.portal import router as portal
    from api.web.respond import router

    app.include_router(router)
    app.include_router(console)
    app.include_router(chart)
    app.include_router(chart_edit)
    app.include_router(people)
    app.include_router(results)
    app.include_router(batch)
    app.include_router(mail)
    app.include_router(portal)
    static = resources.files("api.web") / "static"
    app.mount(STATIC_PATH, StaticFiles(directory=str(static)), name="web-static")
    app.add_middleware(PageHeaders)
    # The guessing limits' page (api.http.rate_limit cannot import the pages).
    app.state.rate_limited_page = rate_limited_page

    @app.exception_handler(StatePage)
    async def link_state(_request: Request, exc: StatePage) -> Response:
        return state_page(exc.form)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(_request: Request, exc: SignInNeeded) -> Response:
        return sign_in_redirect(exc)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        return error_page(request, exc.status, exc.kind)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # A path under the pages that no route serves gets the page, not the API's JSON.
        if exc.status_code == 404 and is_page(request.url.path):
            return error_page(request, 404, "not_found")
        if exc.status_code == 400 and not is_page(request.url.path):
            # FastAPI could not parse the body at all (JSON nested past the parser's depth, a
            # form that is not one): a problem with the body, said as every other one is.
            reason = "could not be parsed: nested too deeply, or not JSON"
            return JSONResponse(
                status_code=422,
                content={
                    "detail": "1 problem(s) with the request",
                    "errors": [{"field": "body", "reason": reason}],
                },
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def server_error(request: Request, _exc: Exception) -> Response:
        # The server logs the exception; the person sees a page (or JSON), never a traceback.
        if is_page(request.url.path):
            return error_page(request, 500, "error")
        return JSONResponse(status_code=500, content={"detail": "internal server error"})


def error_page(request: Request, status: int, kind: str) -> Response:
    """A status page in the language the request asks for (``?lang=``, else the browser's)."""
    asked = request.query_params.get("lang")
    language = (
        asked
        if asked in LANGUAGES
        else negotiate(request.headers.get("accept-language"), LANGUAGES) or LANGUAGES[0]
    )
    if kind == "not_found" and not is_respondent_page(request.url.path):
        # The respondent's text sends people back to their invitation: not for HR or a leader.
        kind = "console_not_found"
    return render(
        "respond/state.html",
        language=language,
        status=status,
        state=kind,
        when=None,
        languages=list(LANGUAGES),
        language_url=lambda lang: request.url.path + f"?lang={lang}",
        start_url=None,
        **status_layout(request.url.path),
    )
