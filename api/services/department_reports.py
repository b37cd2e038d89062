"""The report of a unit above the teams (a department, a leader's subtree, the organisation),
over every respondent of the teams below it that the campaign's disclosure decision pools into
the unit's figure.

Which units have one: a unit of the campaign's snapshot with an invited unit below it, seen by
the principal (an admin: every unit; a leader: their subtree). Any other id gets the same 404 as
a unit that does not exist, so a leader learns nothing of the chart outside their subtree."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import Session

from api.services import campaigns as services
from api.services import stored_reports
from api.services.access import Principal
from api.services.analysis_cache import ANALYSES
from api.services.collection import get_visible_campaign
from api.services.errors import Conflict, NotFound
from api.services.results import RenderedReport, linked_page, report_language
from reports import (
    DepartmentReportView,
    SuppressedTeamError,
    build_department_view,
    render_department_html,
    render_department_pdf,
)


class UnitReports(BaseModel):
    """Which reports one unit of a closed campaign has, for the people who may read them:
    structure and counts of responses, never a figure."""

    unit_id: int
    name: str
    kind: str
    depth: int
    """Levels below the highest unit the reader sees (0 for it)."""
    respondents: int
    """Responses received from the unit itself."""
    team_report: bool
    """Its own respondents are a group of their own: it has a team report."""
    pooled_into: str | None
    """Where its own respondents count when they are too few for a report of their own: the
    name of the unit whose figures pool them; None when they count nowhere (or have one)."""
    above_teams: bool
    """It is above a unit that took part: a department report covers it."""
    department_report: bool
    """It is above the teams and its figure pools someone: it has a department report."""
    department_respondents: int
    """Respondents its department report pools (0 for a team)."""


def campaign_reports(
    session: Session, *, principal: Principal, campaign_id: int
) -> list[UnitReports]:
    """The units of the closed campaign's snapshot that the principal sees and that took part
    or are above a unit that did, depth first, with the reports each has (409 while the
    campaign is open). Counts only, as the campaign's progress shows them: no read of results."""
    get_visible_campaign(session, principal=principal, campaign_id=campaign_id)
    data = services.load_snapshot(session, campaign_id=campaign_id)
    decision = ANALYSES.analysis(data).decision
    names = {str(u.id): u.name for u in data.units}
    kinds = {str(u.id): str(u.kind) for u in data.units}
    invited = data.invited_by_team()
    above_teams = data.above_teams()
    frame = decision.to_frame()
    depths: dict[str, int] = {}
    found = []
    for row in frame.to_dict("records"):
        unit, parent = str(row["unit"]), row["parent"]
        above = unit in above_teams
        if not principal.sees(int(unit)) or (unit not in invited and not above):
            continue
        depth = depths[unit] = depths.get(str(parent), -1) + 1 if parent is not None else 0
        atom = decision.row_atom(unit) if int(row["own"]) else None
        shown = bool(row["team_shown"])
        found.append(
            UnitReports(
                unit_id=int(unit),
                name=names.get(unit, unit),
                kind=kinds.get(unit, "team"),
                depth=depth,
                respondents=int(row["own"]),
                team_report=shown,
                pooled_into=None if shown or atom is None else names.get(atom.unit, atom.unit),
                above_teams=above,
                department_report=above and int(row["published"]) > 0,
                department_respondents=int(row["published"]) if above else 0,
            )
        )
    return found


def department_report_view(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> DepartmentReportView:
    """What the unit's department report shows, once access, the unit and the language are
    checked, in that order (404, 422), then that the campaign is closed (409) and that the
    unit's figure pools anyone (409 with the reason)."""
    chosen = _checked(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )
    data = services.load_snapshot(session, campaign_id=campaign_id)
    analysis, invariance = ANALYSES.with_invariance(data)
    unit = str(unit_id)
    if unit not in data.above_teams():
        raise NotFound("unit", unit_id)
    try:
        view = build_department_view(
            analysis,
            instrument=data.instrument,
            unit_id=unit,
            units=data.report_units(),
            organisation_name=data.organisation_name,
            campaign_name=data.campaign_name,
            language=chosen,
            generated_at=datetime.now(UTC),
            invited=data.invited_by_team(),
            invariance=invariance,
            snapshot=data.fingerprint,
            imported=data.imported_by_team(),
        )
    except SuppressedTeamError as refused:
        raise Conflict(f"no report for unit {unit_id}: {refused.reason}") from None
    services.record_read(session, campaign_id=campaign_id)
    return view


def _checked(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> str:
    """The language of the unit's department report, once access and the unit (404) and the
    language (422) are checked, in that order; with none asked, the one set on its unit."""
    campaign = get_visible_campaign(session, principal=principal, campaign_id=campaign_id)
    if not principal.sees(unit_id):
        raise NotFound("unit", unit_id)
    if language is None:
        return stored_reports.default_language(
            session, campaign=campaign, kind="department", unit_id=unit_id
        )
    return report_language(campaign, language)


def department_report_pdf(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> RenderedReport:
    """The unit's department report as a PDF, for an admin or a leader whose subtree holds it:
    as it was stored at close, or rendered now (and stored)."""
    return RenderedReport(
        *_department_report(
            session, principal=principal, campaign_id=campaign_id, unit_id=unit_id,
            language=language, fmt="pdf",
        )
    )  # fmt: skip


def department_report_html(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    unit_id: int,
    language: str | None,
    assets: str,
) -> RenderedReport:
    """The unit's department report as one HTML page with the PDF's content; its fonts are
    fetched from ``assets`` (a path ending in "/")."""
    page, snapshot = _department_report(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id,
        language=language, fmt="html",
    )  # fmt: skip
    return RenderedReport(linked_page(page, assets=assets), snapshot)


def _department_report(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    unit_id: int,
    language: str | None,
    fmt: str,
) -> tuple[bytes, str]:
    chosen = _checked(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )

    def render() -> tuple[bytes, str]:
        view = department_report_view(
            session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=chosen
        )
        content = (
            render_department_pdf(view) if fmt == "pdf" else render_department_html(view).encode()
        )
        return content, view.snapshot or ""

    key = ("department", unit_id, chosen, fmt)
    return stored_reports.served(session, campaign_id=campaign_id, key=key, render=render)
