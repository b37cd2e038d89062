"""Results and reports, for admins and for leaders within their units."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api import results
from api.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/campaigns/{campaign_id}", tags=["results"])


@router.get("/results")
def campaign_results(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> results.CampaignResults:
    """Reliability and agreement per scale; scores per unit with their intervals. A unit under
    the minimum group size appears only as suppressed, with the reason."""
    return results.campaign_results(session, principal=principal, campaign_id=campaign_id)


@router.get(
    "/units/{unit_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def unit_report(
    campaign_id: int,
    unit_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    language: str | None = None,
) -> Response:
    """The unit's PDF report (409 with the reason when the unit is under the minimum)."""
    pdf = results.unit_report_pdf(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="report-{campaign_id}-{unit_id}.pdf"'},
    )
