"""Sign-in, sign-out and the pages of the people who sign in: HR's console (campaigns and
their progress, the audit log), the auditor's views (campaigns and their confidentiality
settings, the audit log; never a result) and the leader's portal.

A session is an HttpOnly, Secure, SameSite=Lax cookie holding a random token
(``api.services.accounts``); every form posts the session's anti-forgery token, and the
sign-in form a token it set in a cookie of its own (a double submit: a form on another site
can neither read nor set it)."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlmodel import Session

from api.jobs.queue import kick_reports_at_close
from api.services import accounts, collection, org_chart, rate_limits
from api.services import campaigns as campaign_services
from api.services.accounts import SignInRefused, Visit
from api.services.csv_text import write_csv
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.settings import get_settings
from api.store.models import CampaignCreate, InvitationCreate, Role
from api.web.console.mail_section import mail_section
from api.web.console.results_section import results_section
from api.web.i18n import LANGUAGES, Translator, negotiate
from api.web.pages import (
    PageError,
    SessionDep,
    check_same_origin,
    digits,
    read_form,
    read_form_pairs,
    render,
)
from instrument import load_builtin

router = APIRouter(include_in_schema=False)

SESSION_COOKIE = "__Host-transversal-session"
SIGNIN_COOKIE = "__Host-transversal-signin"
HOMES = {Role.admin: "/console", Role.auditor: "/console", Role.leader: "/portal"}


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
    account = rate_limits.account_of(email)
    key = rate_limits.device_key(request.app.state.engine)
    mark = request.cookies.get(rate_limits.DEVICE_COOKIE)
    now = int(time.time())
    trusted = rate_limits.trusted_device(key, mark, account=account, now=now) is not None
    try:
        signed = accounts.sign_in(session, email=email, password=password, trusted_device=trusted)
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
    # This browser is trusted for the account from now on: nobody's guesses hold it out.
    response.set_cookie(
        rate_limits.DEVICE_COOKIE,
        rate_limits.device_marks(key, mark, account=account, now=now),
        max_age=rate_limits.DEVICE_DAYS * 86_400,
        httponly=True,
        secure=True,
        samesite="strict",
        path="/",
    )
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


# -- a new campaign -------------------------------------------------------------------------------

# The form's fields by the names the campaign's rules give their problems.
_CAMPAIGN_FIELDS = {
    "name": "name",
    "unit_ids": "units",
    "languages": "languages",
    "min_group_size": "minimum",
    "opens_at": "opens",
    "closes_at": "closes",
    "previous_campaign_id": "name",
    "instrument": "name",
}


@router.get("/console/campaigns/new")
def new_campaign_form(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    if not visit.principal.is_admin:
        raise PageError(404, "not_found")
    typed = {
        "name": "",
        "units": [],
        "languages": ["en"],
        "minimum": "5",
        "opens": "",
        "closes": "",
    }
    return _new_campaign_page(request, session, visit, typed=typed, problems=[])


def _new_campaign_page(
    request: Request,
    session: Session,
    visit: Visit,
    *,
    typed: dict[str, Any],
    problems: list[tuple[str, str]],
) -> Response:
    units = org_chart.list_units(session, organisation_id=visit.principal.organisation_id)
    children: dict[int | None, list[Any]] = {}
    for unit in sorted(units, key=lambda u: u.name.lower()):
        children.setdefault(unit.parent_id, []).append(unit)
    known = {u.id for u in units}
    roots = [u for u in units if u.parent_id is None or u.parent_id not in known]
    return _page(
        request,
        visit,
        "console/new_campaign.html",
        status=422 if problems else 200,
        active="campaigns",
        roots=sorted(roots, key=lambda u: u.name.lower()),
        children=children,
        typed=typed,
        problems=problems,
        instrument=load_builtin().ref,
    )


@router.post("/console/campaigns/new")
async def new_campaign(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    check_same_origin(request)
    pairs = await read_form_pairs(request)
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    _check_csrf(visit, fields)
    if not visit.principal.is_admin:
        raise PageError(404, "not_found")
    texts = Translator(_language(request, visit))
    typed: dict[str, Any] = {
        "name": fields.get("name", "").strip()[:200],
        "units": [v for n, v in pairs if n == "units" and digits(v)],
        "languages": [v for n, v in pairs if n == "languages" and v in LANGUAGES],
        "minimum": fields.get("minimum", "").strip()[:6],
        "opens": fields.get("opens", "").strip()[:16],
        "closes": fields.get("closes", "").strip()[:16],
    }
    problems: list[tuple[str, str]] = []
    if not typed["name"]:
        problems.append(("name", texts("console.new_name_missing")))
    if not typed["units"]:
        problems.append(("units", texts("console.new_units_missing")))
    if not typed["languages"]:
        problems.append(("languages", texts("console.new_languages_missing")))
    if not digits(typed["minimum"]) or not 3 <= int(typed["minimum"]) <= 100:
        problems.append(("minimum", texts("console.new_minimum_error")))
    moments: dict[str, datetime | None] = {}
    for field in ("opens", "closes"):
        moments[field] = _utc_moment(typed[field])
        if typed[field] and moments[field] is None:
            problems.append((field, texts("console.new_moment_error")))
    if problems:
        return _new_campaign_page(request, session, visit, typed=typed, problems=problems)
    try:
        data = CampaignCreate(
            name=typed["name"],
            instrument=load_builtin().ref,
            unit_ids=[int(u) for u in typed["units"]],
            languages=typed["languages"],
            min_group_size=int(typed["minimum"]),
            opens_at=moments["opens"],
            closes_at=moments["closes"],
        )
        campaign = campaign_services.create_campaign(
            session, organisation_id=visit.principal.organisation_id, data=data
        )
    except ValidationFailed as refused:
        problems = [
            (_CAMPAIGN_FIELDS.get(e.field.split(".")[0], "name"), f"{e.field}: {e.reason}")
            for e in refused.errors
        ]
        return _new_campaign_page(request, session, visit, typed=typed, problems=problems)
    except PydanticValidationError as refused:
        problems = [
            (_CAMPAIGN_FIELDS.get(str(e["loc"][0]), "name"), f"{e['loc'][0]}: {e['msg']}")
            for e in refused.errors()
        ]
        return _new_campaign_page(request, session, visit, typed=typed, problems=problems)
    return RedirectResponse(f"/console/campaigns/{campaign.id}", status_code=303)


def _utc_moment(typed: str) -> datetime | None:
    """A ``datetime-local`` value (``2027-03-01T09:00``) read as UTC, or None."""
    if not typed:
        return None
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        return None
    if moment.tzinfo is not None or not 2000 <= moment.year <= 2200:
        return None
    return moment.replace(tzinfo=UTC)


@router.get("/console/campaigns/{campaign_id}")
def console_campaign(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    principal = visit.principal
    if not principal.is_admin or not digits(campaign_id):
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
    return _page(
        request,
        visit,
        "console/campaign.html",
        campaign=campaign,
        progress=progress,
        problems=[],
        max_links=MAX_LINKS,
        mail=mail_section(
            session,
            principal=principal,
            progress=progress,
            notice=request.query_params.get("mail", ""),
        ),
        results=results_section(session, principal=principal, campaign=campaign),
    )


@router.get("/console/audit")
def console_audit(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    principal = visit.principal
    if not (principal.is_admin or principal.is_auditor):
        raise PageError(404, "not_found")
    events = campaign_services.audit_log(
        session, organisation_id=principal.organisation_id, campaign_id=None
    )
    return _page(request, visit, "console/audit.html", events=list(reversed(events)))


# -- HR's actions on a campaign -----------------------------------------------------------------


def _admin_campaign(session: Session, visit: Visit, campaign_id: str) -> int:
    """The campaign's id, once it is one the admin may act on; else the 404 of a missing page."""
    if not visit.principal.is_admin or not digits(campaign_id):
        raise PageError(404, "not_found")
    try:
        collection.get_visible_campaign(
            session, principal=visit.principal, campaign_id=int(campaign_id)
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    return int(campaign_id)


@router.post("/console/campaigns/{campaign_id}/{action}")
async def console_campaign_action(
    campaign_id: str, action: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """Open or close the campaign, or hand out invitation links for a unit as a mail-merge
    CSV (the links are shown this once: the file is the only copy)."""
    check_same_origin(request)
    fields = await read_form(request)
    _check_csrf(visit, fields)
    found = _admin_campaign(session, visit, campaign_id)
    page = f"/console/campaigns/{found}"
    if request.query_params.get("lang") in LANGUAGES:
        page += f"?lang={request.query_params['lang']}"
    actor = visit.principal.actor
    try:
        if action == "open":
            campaign_services.open_campaign(session, campaign_id=found, actor=actor)
        elif action == "close":
            campaign_services.close_campaign(session, campaign_id=found, actor=actor)
            kick_reports_at_close(request.app.state)
        elif action == "invitations":
            return _invitations(request, session, visit, found, fields)
        else:
            raise PageError(404, "not_found")
    except Conflict as refused:
        return _campaign_page(request, session, visit, found, problems=[("", str(refused))])
    return RedirectResponse(page, status_code=303)


def _invitations(
    request: Request, session: Session, visit: Visit, campaign_id: int, fields: dict[str, str]
) -> Response:
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=campaign_id
    )
    unit = fields.get("unit", "")
    count = fields.get("count", "").strip()
    language = fields.get("language", "")
    problems: list[tuple[str, str]] = []
    texts = Translator(_language(request, visit))
    if not digits(count) or not 1 <= int(count) <= MAX_LINKS:
        problems.append(("count", texts("console.links_count_error", most=MAX_LINKS)))
    if language not in campaign.languages:
        problems.append(("language", texts("console.links_language_error")))
    if not digits(unit):
        problems.append(("unit", texts("console.links_unit_error")))
    if problems:
        return _campaign_page(request, session, visit, campaign_id, problems=problems)
    try:
        tokens = collection.issue_invitations(
            session,
            principal=visit.principal,
            campaign_id=campaign_id,
            data=InvitationCreate(unit_id=int(unit), count=int(count)),
        )
    except (Conflict, ValidationFailed) as refused:
        return _campaign_page(request, session, visit, campaign_id, problems=[("", str(refused))])
    names = {
        u.unit_id: u.name
        for u in collection.campaign_progress(
            session, principal=visit.principal, campaign_id=campaign_id
        ).units
    }
    base = public_base_url(request)
    links = [
        [unit, names.get(int(unit), ""), language, f"{base}/r/{token}?lang={language}"]
        for token in tokens
    ]
    content = write_csv(("unit_id", "unit", "language", "link"), links)
    filename = f"invitations-{campaign_id}-{unit}-{language}.csv"
    return Response(
        content.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


MAX_LINKS = 10_000


def public_base_url(request: Request) -> str:
    """The address respondents open: ``PUBLIC_URL`` when set (behind a proxy), else this
    request's own scheme and host."""
    configured = get_settings().public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def _campaign_page(
    request: Request,
    session: Session,
    visit: Visit,
    campaign_id: int,
    *,
    problems: list[tuple[str, str]],
) -> Response:
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=campaign_id
    )
    progress = collection.campaign_progress(
        session, principal=visit.principal, campaign_id=campaign_id
    )
    return _page(
        request,
        visit,
        "console/campaign.html",
        status=422 if problems else 200,
        campaign=campaign,
        progress=progress,
        problems=problems,
        max_links=MAX_LINKS,
        mail=mail_section(
            session,
            principal=visit.principal,
            progress=progress,
            notice=request.query_params.get("mail", ""),
        ),
        results=results_section(session, principal=visit.principal, campaign=campaign),
    )
