"""Sign-in, sign-out and the pages of the people who sign in: HR's console (campaigns and
their progress, the audit log), the auditor's views (campaigns and their confidentiality
settings, the audit log; never a result) and the leader's portal.

A session is an HttpOnly, Secure, SameSite=Lax cookie holding a random token
(``api.services.accounts``); every form posts the session's anti-forgery token, and the
sign-in form a token it set in a cookie of its own (a double submit: a form on another site
can neither read nor set it)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.services import accounts, collection
from api.services import campaigns as campaign_services
from api.services.accounts import SignInRefused, Visit
from api.services.errors import NotFound
from api.store.models import Role
from api.web.i18n import LANGUAGES, negotiate
from api.web.pages import PageError, check_same_origin, read_form, render

router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "__Host-transversal-session"
SIGNIN_COOKIE = "__Host-transversal-signin"
HOMES = {Role.admin: "/console", Role.auditor: "/console", Role.leader: "/portal"}


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _session(engine: Annotated[Engine, Depends(_engine)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to the sign-in form, and back after."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def sign_in_redirect(exc: SignInNeeded) -> Response:
    return RedirectResponse(f"/signin?next={exc.path}", status_code=303)


def _visit(request: Request, session: SessionDep) -> Visit:
    visit = accounts.visit(session, token=request.cookies.get(SESSION_COOKIE))
    if visit is None:
        raise SignInNeeded(request.url.path)
    return visit


VisitDep = Annotated[Visit, Depends(_visit)]


def _language(request: Request, visit: Visit | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        assert asked is not None
        return asked
    if visit is not None and visit.account.language in LANGUAGES:
        return visit.account.language
    return negotiate(request.headers.get("accept-language"), LANGUAGES) or LANGUAGES[0]


def _page(
    request: Request, visit: Visit, template: str, *, status: int = 200, **context: Any
) -> Response:
    return render(
        template,
        language=_language(request, visit),
        status=status,
        visit=visit,
        role=str(visit.account.role),
        languages=list(LANGUAGES),
        language_url=lambda lang: request.url.path + f"?lang={lang}",
        **context,
    )


def _check_csrf(visit: Visit, fields: dict[str, str]) -> None:
    sent = fields.get("csrf", "")
    if not secrets.compare_digest(sent.encode(), visit.csrf.encode()):
        raise PageError(403, "forbidden")


# -- signing in and out -----------------------------------------------------------------------


@router.get("/")
def root(request: Request, session: SessionDep) -> Response:
    visit = accounts.visit(session, token=request.cookies.get(SESSION_COOKIE))
    if visit is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(HOMES[Role(visit.account.role)], status_code=303)


@router.get("/signin")
def signin_form(request: Request, session: SessionDep) -> Response:
    visit = accounts.visit(session, token=request.cookies.get(SESSION_COOKIE))
    if visit is not None:
        return RedirectResponse(_next(request.query_params.get("next"), visit), status_code=303)
    return _signin_page(request, email="", errors=[], status=200)


def _signin_page(
    request: Request, *, email: str, errors: list[dict[str, str]], status: int
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        "console/signin.html",
        language=_language(request, None),
        status=status,
        visit=None,
        role="",
        languages=list(LANGUAGES),
        language_url=lambda lang: f"/signin?lang={lang}",
        csrf=token,
        email=email,
        errors=errors,
        next=request.query_params.get("next", ""),
        signed_out=request.query_params.get("signed_out") == "1",
        tries=accounts.MAX_FAILURES,
        minutes=accounts.LOCK_MINUTES,
    )
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, secure=True, samesite="strict", path="/"
    )
    return response


@router.post("/signin")
async def signin(request: Request, session: SessionDep) -> Response:
    check_same_origin(request)
    fields = await read_form(request)
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    sent = fields.get("csrf", "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        raise PageError(403, "forbidden")
    email = fields.get("email", "").strip()[:254]
    password = fields.get("password", "")[:1000]
    errors = []
    if not email:
        errors.append({"id": "email", "key": "signin.missing_email"})
    if not password:
        errors.append({"id": "password", "key": "signin.missing_password"})
    if errors:
        return _signin_page(request, email=email, errors=errors, status=422)
    try:
        signed = accounts.sign_in(session, email=email, password=password)
    except SignInRefused:
        errors = [{"id": "email", "key": "signin.refused"}]
        return _signin_page(request, email=email, errors=errors, status=401)
    target = fields.get("next") or ""
    visit_role = Role(signed.account.role)
    response = RedirectResponse(_next_for(target, visit_role), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=accounts.ABSOLUTE_HOURS * 3600,
        httponly=True,
        secure=True,
        samesite="lax",
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/", secure=True, httponly=True)
    return response


def _next(target: str | None, visit: Visit) -> str:
    return _next_for(target or "", Role(visit.account.role))


def _next_for(target: str, role: Role) -> str:
    """Where to go after signing in: the page asked for, if it is one of ours, else home."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOMES[role]


@router.post("/signout")
async def signout(request: Request, session: SessionDep) -> Response:
    check_same_origin(request)
    fields = await read_form(request)
    visit = accounts.visit(session, token=request.cookies.get(SESSION_COOKIE))
    if visit is not None:
        _check_csrf(visit, fields)
        accounts.sign_out(session, token=request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True)
    return response


# -- HR's console and the auditor's views -------------------------------------------------------


@router.get("/console")
def console_home(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    principal = visit.principal
    if not (principal.is_admin or principal.is_auditor):
        raise PageError(404, "not_found")
    found = collection.visible_campaigns(session, principal=principal)
    rows = []
    for campaign in sorted(found, key=lambda c: c.id or 0, reverse=True):
        assert campaign.id is not None
        progress = (
            collection.campaign_progress(session, principal=principal, campaign_id=campaign.id)
            if principal.is_admin
            else None
        )
        rows.append({"campaign": campaign, "progress": progress})
    organisation = campaign_services.get_organisation(
        session, organisation_id=principal.organisation_id
    )
    return _page(
        request,
        visit,
        "console/campaigns.html",
        rows=rows,
        organisation=organisation.name if organisation else "",
    )


@router.get("/console/campaigns/{campaign_id}")
def console_campaign(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    principal = visit.principal
    if not principal.is_admin or not campaign_id.isdigit():
        raise PageError(404, "not_found")
    try:
        campaign = collection.get_visible_campaign(
            session, principal=principal, campaign_id=int(campaign_id)
        )
        progress = collection.campaign_progress(
            session, principal=principal, campaign_id=int(campaign_id)
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    return _page(request, visit, "console/campaign.html", campaign=campaign, progress=progress)


@router.get("/console/audit")
def console_audit(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    principal = visit.principal
    if not (principal.is_admin or principal.is_auditor):
        raise PageError(404, "not_found")
    events = campaign_services.audit_log(
        session, organisation_id=principal.organisation_id, campaign_id=None
    )
    return _page(request, visit, "console/audit.html", events=list(reversed(events)))


# -- the leader's portal ------------------------------------------------------------------------


@router.get("/portal")
def portal_home(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    principal = visit.principal
    if principal.role != Role.leader:
        raise PageError(404, "not_found")
    rows = []
    for campaign in collection.visible_campaigns(session, principal=principal):
        assert campaign.id is not None
        progress = collection.campaign_progress(
            session, principal=principal, campaign_id=campaign.id
        )
        rows.append({"campaign": campaign, "progress": progress})
    return _page(request, visit, "console/portal.html", rows=rows)
