"""HR's people and keys in the console: the organisation's accounts and API keys, a new account
(its first password made by the server and shown once), a new password for an account (shown
once; the account is unlocked and signed out everywhere), and API keys created, revoked (after
a confirmation page) and rotated, each new secret shown once. Admins only: anyone else gets the
page of a page that does not exist. The services audit every change, naming the admin's
account and never a password or a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.services import access, accounts, org_chart
from api.services.accounts import AccountCreate, Visit
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.store.models import Account, ApiKeyCreate, ApiKeyIssued, ApiKeyPublic, Role, Unit
from api.web.console.routes import VisitDep, _check_csrf, _language, _page
from api.web.i18n import LANGUAGES, Translator
from api.web.pages import PageError, SessionDep, check_same_origin, digits, read_form

router = APIRouter(include_in_schema=False)

PEOPLE_PAGE = "/console/people"
ROLES = tuple(str(role) for role in (Role.admin, Role.leader, Role.auditor))
PERSON_FORM = "console/people_new.html"
KEY_FORM = "console/keys_new.html"


def _require_admin(visit: Visit) -> None:
    if not visit.principal.is_admin:
        raise PageError(404, "not_found")


async def _posted(request: Request, visit: Visit) -> dict[str, str]:
    """The posted form, once the post is same-origin, from an admin (anyone else gets the
    404 of a missing page), with the session's anti-forgery token."""
    check_same_origin(request)
    fields = await read_form(request)
    _require_admin(visit)
    _check_csrf(visit, fields)
    return fields


def _lang_suffix(request: Request, sep: str = "?") -> str:
    asked = request.query_params.get("lang")
    return f"{sep}lang={asked}" if asked in LANGUAGES else ""


def _back(request: Request) -> Response:
    return RedirectResponse(PEOPLE_PAGE + _lang_suffix(request), status_code=303)


def _id(text: str) -> int:
    if not digits(text) or len(text) > 12:
        raise PageError(404, "not_found")
    return int(text)


def _units(session: Session, visit: Visit) -> list[Unit]:
    return org_chart.list_units(session, organisation_id=visit.principal.organisation_id)


def _unit_choices(units: list[Unit]) -> list[dict[str, str]]:
    """The units a leader may be given, each named by its path from the top of the chart (two
    teams may share a name), in the chart's order."""
    by_id = {u.id: u for u in units}

    def path(unit: Unit) -> list[str]:
        names, seen = [unit.name], {unit.id}
        parent = by_id.get(unit.parent_id)
        while parent is not None and parent.id not in seen:
            names.insert(0, parent.name)
            seen.add(parent.id)
            parent = by_id.get(parent.parent_id)
        return names

    paths = [(path(u), u) for u in units if u.archived_at is None]
    return [
        {"id": str(u.id), "label": " / ".join(names)}
        for names, u in sorted(paths, key=lambda p: [n.casefold() for n in p[0]])
    ]


def _unit_names(session: Session, visit: Visit) -> dict[int, str]:
    return {u.id: u.name for u in _units(session, visit) if u.id is not None}


def _form_page(
    request: Request,
    session: Session,
    visit: Visit,
    template: str,
    *,
    typed: dict[str, str],
    problems: list[tuple[str, str]],
) -> Response:
    """A new person's or a new key's form, with what was typed and its problems by field."""
    return _page(
        request,
        visit,
        template,
        status=422 if problems else 200,
        active="people",
        typed=typed,
        problems=problems,
        units=_unit_choices(_units(session, visit)),
        roles=ROLES,
    )


def _role_problems(
    typed: dict[str, str], *, unit_ids: set[str], texts: Translator
) -> list[tuple[str, str]]:
    """A role, and for a leader one of the chart's units (for anyone else it is left out)."""
    if typed["role"] not in ROLES:
        return [("role", texts("people.role_missing"))]
    if typed["role"] == Role.leader and typed["unit"] not in unit_ids:
        return [("unit", texts("people.unit_missing"))]
    return []


def _key_view(key: ApiKeyPublic, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": key.id,
        "prefix": key.prefix,
        "role": str(key.role),
        "unit": names.get(key.unit_id) if key.unit_id is not None else None,
        "created_at": key.created_at,
        "revoked": key.revoked,
    }


def _people_page(
    request: Request,
    session: Session,
    visit: Visit,
    *,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    organisation_id = visit.principal.organisation_id
    names = _unit_names(session, visit)
    signed_in = accounts.last_sign_ins(session, organisation_id=organisation_id)
    people = [
        {
            "id": a.id,
            "name": a.name,
            "email": a.email,
            "role": str(a.role),
            "unit": names.get(a.unit_id) if a.unit_id is not None else None,
            "last_sign_in": signed_in.get(a.id),
            "state": "disabled" if a.disabled else "locked" if a.locked else "active",
        }
        for a in accounts.list_accounts(session, organisation_id=organisation_id)
    ]
    keys = [_key_view(k, names) for k in access.list_keys(session, organisation_id=organisation_id)]
    asked = request.query_params.get("revoked", "")
    revoked = next((k for k in keys if str(k["id"]) == asked and k["revoked"]), None)
    return _page(
        request,
        visit,
        "console/people.html",
        status=status,
        active="people",
        people=people,
        keys=keys,
        revoked=revoked,
        problems=problems or [],
    )


@router.get(PEOPLE_PAGE)
def people(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    return _people_page(request, session, visit)


# -- a new person -------------------------------------------------------------------------------


@router.get(f"{PEOPLE_PAGE}/new")
def new_person_form(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    typed = {"name": "", "email": "", "role": "", "unit": "", "language": visit.account.language}
    return _form_page(request, session, visit, PERSON_FORM, typed=typed, problems=[])


def _person_problems(
    typed: dict[str, str], *, unit_ids: set[str], texts: Translator
) -> list[tuple[str, str]]:
    """What is wrong with the form, field by field, in the form's order."""
    problems: list[tuple[str, str]] = []
    if not typed["name"]:
        problems.append(("name", texts("people.name_missing")))
    elif len(typed["name"]) > 200:
        problems.append(("name", texts("people.name_long")))
    if not typed["email"]:
        problems.append(("email", texts("people.email_missing")))
    elif len(typed["email"]) > 254 or not accounts.is_email_address(typed["email"]):
        problems.append(("email", texts("people.email_invalid")))
    problems += _role_problems(typed, unit_ids=unit_ids, texts=texts)
    if typed["language"] not in LANGUAGES:
        problems.append(("language", texts("people.language_missing")))
    return problems


# What ``create_account`` may still refuse once the form's own checks pass: the form's field
# and its message, by the service's field.
_REFUSED = {
    "email": ("email", "people.email_taken"),
    "unit_id": ("unit", "people.unit_missing"),
    "name": ("name", "people.name_missing"),
}


@router.post(f"{PEOPLE_PAGE}/new")
async def new_person(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    fields = await _posted(request, visit)
    texts = Translator(_language(request, visit))
    typed = {
        "name": fields.get("name", "").strip()[:300],
        "email": fields.get("email", "").strip()[:300],
        "role": fields.get("role", ""),
        "unit": fields.get("unit", ""),
        "language": fields.get("language", ""),
    }
    units = _unit_choices(_units(session, visit))
    problems = _person_problems(typed, unit_ids={u["id"] for u in units}, texts=texts)
    if problems:
        return _form_page(request, session, visit, PERSON_FORM, typed=typed, problems=problems)
    leader = typed["role"] == Role.leader
    password = accounts.new_password()
    try:
        account = accounts.create_account(
            session,
            organisation_id=visit.principal.organisation_id,
            data=AccountCreate(
                email=typed["email"],
                name=typed["name"],
                role=Role(typed["role"]),
                unit_id=int(typed["unit"]) if leader else None,
                language=typed["language"],
                password=password,
            ),
            actor=visit.principal.actor,
        )
    except ValidationFailed as refused:
        # The form's own checks passed: what is left is an address taken, or a unit archived
        # since the form was shown.
        refusals = dict(_REFUSED.get(e.field, _REFUSED["name"]) for e in refused.errors)
        problems = [(field, texts(key)) for field, key in refusals.items()]
        return _form_page(request, session, visit, PERSON_FORM, typed=typed, problems=problems)
    return _password_page(request, visit, account=account, password=password, made=True)


def _password_page(
    request: Request, visit: Visit, *, account: Account, password: str, made: bool
) -> Response:
    return _page(
        request,
        visit,
        "console/people_password.html",
        active="people",
        made=made,
        person={"name": account.name, "email": account.email},
        password=password,
    )


# -- a new password -------------------------------------------------------------------------------


@router.get(f"{PEOPLE_PAGE}/{{account_id}}/password")
@router.get(f"{PEOPLE_PAGE}/keys/{{key_id}}/rotate")
def one_time_back(request: Request, visit: VisitDep) -> Response:
    """A one-time page's address opened again (its language switch): the list, as the secret
    is not shown twice."""
    _require_admin(visit)
    return _back(request)


@router.post(f"{PEOPLE_PAGE}/{{account_id}}/password")
async def reset_password(
    account_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    await _posted(request, visit)
    password = accounts.new_password()
    try:
        account = accounts.reset_password_of(
            session,
            organisation_id=visit.principal.organisation_id,
            account_id=_id(account_id),
            password=password,
            actor=visit.principal.actor,
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    return _password_page(request, visit, account=account, password=password, made=False)


# -- API keys -------------------------------------------------------------------------------------

KEYS = f"{PEOPLE_PAGE}/keys"


@router.get(f"{KEYS}/new")
def new_key_form(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    typed = {"role": "", "unit": ""}
    return _form_page(request, session, visit, KEY_FORM, typed=typed, problems=[])


@router.post(f"{KEYS}/new")
async def new_key(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    fields = await _posted(request, visit)
    texts = Translator(_language(request, visit))
    typed = {"role": fields.get("role", ""), "unit": fields.get("unit", "")}
    units = {u["id"] for u in _unit_choices(_units(session, visit))}
    problems = _role_problems(typed, unit_ids=units, texts=texts)
    if problems:
        return _form_page(request, session, visit, KEY_FORM, typed=typed, problems=problems)
    leader = typed["role"] == Role.leader
    try:
        issued = access.issue_key(
            session,
            organisation_id=visit.principal.organisation_id,
            data=ApiKeyCreate(
                role=Role(typed["role"]), unit_id=int(typed["unit"]) if leader else None
            ),
            actor=visit.principal.actor,
        )
    except ValidationFailed:
        problems = [("unit", texts("people.unit_missing"))]
        return _form_page(request, session, visit, KEY_FORM, typed=typed, problems=problems)
    return _key_page(request, session, visit, issued=issued, replaced=None)


def _key_page(
    request: Request,
    session: Session,
    visit: Visit,
    *,
    issued: ApiKeyIssued,
    replaced: int | None,
) -> Response:
    names = _unit_names(session, visit)
    return _page(
        request,
        visit,
        "console/keys_secret.html",
        active="people",
        key=_key_view(issued, names),
        secret=issued.key,
        replaced=replaced,
    )


def _own_key(session: Session, visit: Visit, key_id: str) -> tuple[dict[str, Any], bool]:
    """The organisation's key as the pages show it, and whether it is the organisation's last
    working admin key; the 404 of a missing page for any other."""
    wanted = _id(key_id)
    names = _unit_names(session, visit)
    keys = access.list_keys(session, organisation_id=visit.principal.organisation_id)
    found = next((k for k in keys if k.id == wanted), None)
    if found is None:
        raise PageError(404, "not_found")
    admins = [k.id for k in keys if k.role == Role.admin and not k.revoked]
    return _key_view(found, names), admins == [wanted]


@router.get(f"{KEYS}/{{key_id}}/revoke")
def revoke_key_form(
    key_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """Asks before revoking: a revoked key cannot be restored."""
    _require_admin(visit)
    key, last_admin = _own_key(session, visit, key_id)
    if key["revoked"]:
        return _back(request)
    return _page(
        request,
        visit,
        "console/keys_revoke.html",
        active="people",
        key=key,
        last_admin=last_admin,
    )


@router.post(f"{KEYS}/{{key_id}}/revoke")
async def revoke_key(
    key_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    await _posted(request, visit)
    wanted = _id(key_id)
    texts = Translator(_language(request, visit))
    try:
        access.revoke_key(
            session,
            organisation_id=visit.principal.organisation_id,
            key_id=wanted,
            actor=visit.principal.actor,
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    except Conflict:
        problems = [("", texts("people.revoke_last_admin", id=wanted))]
        return _people_page(request, session, visit, problems=problems, status=409)
    return RedirectResponse(
        f"{PEOPLE_PAGE}?revoked={wanted}{_lang_suffix(request, '&')}", status_code=303
    )


@router.post(f"{KEYS}/{{key_id}}/rotate")
async def rotate_key(
    key_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    await _posted(request, visit)
    wanted = _id(key_id)
    texts = Translator(_language(request, visit))
    try:
        rotated = access.rotate_key(
            session,
            organisation_id=visit.principal.organisation_id,
            key_id=wanted,
            actor=visit.principal.actor,
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    except Conflict:
        problems = [("", texts("people.rotate_revoked", id=wanted))]
        return _people_page(request, session, visit, problems=problems, status=409)
    return _key_page(request, session, visit, issued=rotated, replaced=wanted)
