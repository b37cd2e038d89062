"""Department reports: a unit above the teams, over the respondents of the teams below it that
the disclosure decision pools into its figure. For admins, and for leaders within their
subtree (any other unit: 404, as for a unit that does not exist)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.http.deps import SNAPSHOT_HEADER, PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.http.results import assets_path
from api.services import department_reports

router = APIRouter(
    prefix="/campaigns/{campaign_id}",
    tags=["results"],
    responses=error_responses(401, 404, 409, 422, 429),
)


@router.get(
    "/units/{unit_id}/department-report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def department_report(
    campaign_id: int,
    unit_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    language: str | None = None,
) -> Response:
    """The PDF report of a unit above the teams: its scales against the rest of the
    organisation, its teams side by side where each may be shown, the methods. 404 for a team
    or a unit outside the caller's subtree; 409 with the reason when its figure pools nobody."""
    report = department_reports.department_report_pdf(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )
    return Response(
        content=report.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'inline; filename="department-report-{campaign_id}-{unit_id}.pdf"'
            ),
            SNAPSHOT_HEADER: report.snapshot,
        },
    )


@router.get(
    "/units/{unit_id}/department-report.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def department_report_html(
    campaign_id: int,
    unit_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    language: str | None = None,
) -> Response:
    """The department report as an HTML page with the PDF's content; its fonts come from
    ``/report-assets/``."""
    report = department_reports.department_report_html(
        session,
        principal=principal,
        campaign_id=campaign_id,
        unit_id=unit_id,
        language=language,
        assets=assets_path(request),
    )
    return Response(
        content=report.content,
        media_type="text/html; charset=utf-8",
        headers={SNAPSHOT_HEADER: report.snapshot},
    )
