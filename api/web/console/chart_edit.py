"""Editing one unit of the organisation chart in HR's console: rename it, give it another kind,
move it under another unit or set the language of its team report (``org_chart.update_unit``),
or archive it once a page has said what archiving does (``org_chart.archive_unit``). Nothing is
stored until the chart's rules hold; their reasons are shown beside the fields, in the page's
language (``chart_reasons``). The services write the audit log. Admins only: for anyone else,
as for a unit that is not the organisation's, the page does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.services import campaigns as campaign_services
from api.services import collection, org_chart
from api.services.accounts import Visit
from api.services.chart_rules import under
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.store.models import (
    CampaignStatus,
    Unit,
    UnitKind,
    UnitUpdate,
    report_language_choices,
)
from api.web.console.chart import CHART_PAGE, _require_admin
from api.web.console.chart_reasons import (
    FORM_FIELDS,
    Problem,
    archive_problem,
    edit_problem,
    roots,
)
from api.web.console.routes import VisitDep, _check_csrf, _language, _page
from api.web.i18n import LANGUAGES, Translator
from api.web.pages import PageError, SessionDep, check_same_origin, digits, read_form

router = APIRouter(include_in_schema=False)

UNIT_PAGE = CHART_PAGE + "/units/{unit_id}"
ARCHIVE_PAGE = UNIT_PAGE + "/archive"
MAX_NAME = 200
"""As ``UnitBase.name``."""
MAX_ID_DIGITS = 15
"""Longer is no unit's id (and would overflow the database's integer)."""
FIELDS = (*FORM_FIELDS, "report_language")
"""The form's fields, in the order of the page: the chart's, then the report's language
(``""``: the language most of its respondents answered in)."""


def _id(text: str) -> int | None:
    return int(text) if digits(text) and len(text) <= MAX_ID_DIGITS else None


def _chart_units(session: Session, visit: Visit) -> list[Unit]:
    return org_chart.list_units(
        session, organisation_id=visit.principal.organisation_id, archived=True
    )


def _unit(units: Sequence[Unit], unit_id: str, *, archived: bool = False) -> Unit:
    """The organisation's unit; a missing one, another organisation's, or (unless
    ``archived``) an archived one has no page."""
    wanted = _id(unit_id)
    unit = next((u for u in units if wanted is not None and u.id == wanted), None)
    if unit is None or (unit.archived_at is not None and not archived):
        raise PageError(404, "not_found")
    return unit


async def _posted(request: Request, visit: Visit) -> dict[str, str]:
    """The posted form, once the post is same-origin, with the session's anti-forgery token,
    from an admin."""
    check_same_origin(request)
    fields = await read_form(request)
    _check_csrf(visit, fields)
    _require_admin(visit)
    return fields


def _chart_url(request: Request, **done: int | None) -> str:
    """The chart page, in the language asked for, saying what was done."""
    asked = request.query_params.get("lang")
    query = {"lang": asked} if asked in LANGUAGES else {}
    return f"{CHART_PAGE}?{urlencode({**query, **done})}"


def _in_tree_order(units: Sequence[Unit]) -> list[tuple[Unit, list[str]]]:
    """The units not archived, each after its parent and with its path from the root (names),
    siblings in name order."""
    live = [u for u in units if u.archived_at is None]
    known = {u.id for u in live}
    children: dict[int | None, list[Unit]] = {}
    for unit in sorted(live, key=lambda u: (u.name.casefold(), u.id or 0)):
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[Unit, list[str]]] = []
    stack = [(u, [u.name]) for u in reversed(children.get(None, []))]
    while stack:
        unit, path = stack.pop()
        ordered.append((unit, path))
        stack += [(c, [*path, c.name]) for c in reversed(children.get(unit.id, []))]
    return ordered


def _parents(units: Sequence[Unit], unit: Unit, *, typed: str) -> list[dict[str, Any]]:
    """The units ``unit`` may go under: not itself nor a unit under it, not a team (a team has
    no units under it); and the one typed, whatever it is, so that the form keeps it."""
    parents = {u.id: u.parent_id for u in units if u.id is not None and u.archived_at is None}
    below = under(parents, unit.id or 0) | {unit.id}
    return [
        {"value": str(u.id), "path": path, "kind": str(u.kind)}
        for u, path in _in_tree_order(units)
        if str(u.id) == typed or (u.id not in below and u.kind != UnitKind.team)
    ]


def _unit_view(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "name": unit.name,
        "kind": str(unit.kind),
        "external_id": unit.external_id,
    }


def _unit_page(
    request: Request,
    visit: Visit,
    units: Sequence[Unit],
    unit: Unit,
    *,
    typed: dict[str, str],
    problems: list[Problem],
) -> Response:
    # The top of the chart is offered where it may be chosen: while no other organisation holds
    # it, and to the unit at the top now (a chart from before the rules may have two).
    root_free = not [u for u in roots(units) if u.id != unit.id]
    problems = sorted(problems, key=lambda p: FIELDS.index(p.field))
    return _page(
        request,
        visit,
        "console/chart_unit.html",
        status=422 if problems else 200,
        unit=_unit_view(unit),
        typed=typed,
        kinds=[str(k) for k in UnitKind],
        report_languages=list(report_language_choices()),
        parents=_parents(units, unit, typed=typed["parent"]),
        root_option=root_free or unit.parent_id is None or typed["parent"] == "",
        problems=problems,
        errors=problems,
        field_errors={p.field: p for p in problems},
    )


@router.get(UNIT_PAGE)
def unit_form(unit_id: str, request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    units = _chart_units(session, visit)
    unit = _unit(units, unit_id)
    typed = {
        "name": unit.name,
        "kind": str(unit.kind),
        "parent": "" if unit.parent_id is None else str(unit.parent_id),
        "report_language": unit.report_language or "",
    }
    return _unit_page(request, visit, units, unit, typed=typed, problems=[])


def _form_problems(typed: dict[str, str], *, texts: Translator) -> list[Problem]:
    """What the form itself refuses, before the chart's rules are asked."""
    problems = []
    if not typed["name"]:
        problems.append(Problem("name", texts("chart_edit.error_name_missing")))
    elif len(typed["name"]) > MAX_NAME:
        problems.append(Problem("name", texts("chart_edit.error_name_long", most=MAX_NAME)))
    if typed["kind"] not in [str(k) for k in UnitKind]:
        problems.append(Problem("kind", texts("chart_edit.error_kind_missing")))
    if typed["parent"] and _id(typed["parent"]) is None:
        problems.append(Problem("parent", texts("chart_edit.error_no_parent")))
    if typed["report_language"] and typed["report_language"] not in report_language_choices():
        problems.append(Problem("report_language", texts("chart_edit.error_report_language")))
    return problems


@router.post(UNIT_PAGE)
async def save_unit(
    unit_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    fields = await _posted(request, visit)
    units = _chart_units(session, visit)
    unit = _unit(units, unit_id)
    texts = Translator(_language(request, visit))
    typed = {name: fields.get(name, "").strip() for name in FIELDS}
    problems = _form_problems(typed, texts=texts)
    if not problems:
        parent_id = _id(typed["parent"])
        changes: dict[str, object] = {
            "name": typed["name"],
            "kind": UnitKind(typed["kind"]),
            "parent_id": parent_id,
        }
        # A form without the field (a page from before it) keeps the unit's language.
        if "report_language" in fields:
            changes["report_language"] = typed["report_language"] or None
        try:
            org_chart.update_unit(
                session,
                organisation_id=visit.principal.organisation_id,
                unit_id=unit.id or 0,
                data=UnitUpdate.model_validate(changes),
                actor=visit.principal.actor,
            )
        except ValidationFailed as refused:
            problems = [
                edit_problem(e, texts=texts, units=units, unit=unit, parent_id=parent_id)
                for e in refused.errors
            ]
        except (NotFound, Conflict) as gone:
            # Archived, or gone, since the page was read.
            raise PageError(404, "not_found") from gone
        else:
            return RedirectResponse(_chart_url(request, saved=unit.id), status_code=303)
    return _unit_page(request, visit, units, unit, typed=typed, problems=problems)


def _archive_page(
    request: Request, visit: Visit, unit: Unit, *, problems: list[Problem]
) -> Response:
    return _page(
        request,
        visit,
        "console/chart_archive.html",
        status=409 if problems else 200,
        unit=_unit_view(unit),
        problems=problems,
        errors=problems,
    )


@router.get(ARCHIVE_PAGE)
def archive_form(unit_id: str, request: Request, session: SessionDep, visit: VisitDep) -> Response:
    _require_admin(visit)
    unit = _unit(_chart_units(session, visit), unit_id)
    return _archive_page(request, visit, unit, problems=[])


def _running_campaigns(session: Session, visit: Visit, unit_id: int) -> list[str]:
    """The names of the campaigns not closed yet (drafts, open) that the unit takes part in."""
    return [
        c.name
        for c in collection.visible_campaigns(session, principal=visit.principal)
        if c.status in (CampaignStatus.draft, CampaignStatus.open)
        and c.id is not None
        and unit_id in campaign_services.campaign_unit_ids(session, campaign_id=c.id)
    ]


@router.post(ARCHIVE_PAGE)
async def archive(unit_id: str, request: Request, session: SessionDep, visit: VisitDep) -> Response:
    await _posted(request, visit)
    units = _chart_units(session, visit)
    # Archived already (the button pressed twice): the service changes nothing, and says so.
    unit = _unit(units, unit_id, archived=True)
    archived = unit.id or 0
    try:
        org_chart.archive_unit(
            session,
            organisation_id=visit.principal.organisation_id,
            unit_id=archived,
            actor=visit.principal.actor,
        )
    except NotFound as gone:
        raise PageError(404, "not_found") from gone
    except Conflict as refused:
        # The refused transaction has expired what the session had read: the campaigns are
        # asked for first, in a transaction of their own, then the units are read again.
        campaigns = _running_campaigns(session, visit, archived)
        problem = archive_problem(
            str(refused),
            texts=Translator(_language(request, visit)),
            units=units,
            unit=unit,
            campaigns=campaigns,
        )
        return _archive_page(request, visit, unit, problems=[problem])
    return RedirectResponse(_chart_url(request, archived=archived), status_code=303)
