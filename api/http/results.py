"""Results and reports, for admins and for leaders within their units."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.http.deps import SNAPSHOT_HEADER, PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.services import results
from api.services.errors import NotFound
from reports.standalone import read_asset

router = APIRouter(
    prefix="/campaigns/{campaign_id}",
    tags=["results"],
    responses=error_responses(401, 404, 409, 422, 429),
)
# 422: a query holding text the server refuses (a NUL character), as on every route.
assets = APIRouter(prefix="/report-assets", tags=["results"], responses=error_responses(404, 422))
"""The files the HTML reports fetch (the packaged fonts): public, the same for every report."""


@router.get("/results")
def campaign_results(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> results.CampaignResults:
    """Reliability and agreement per scale; scores per unit with their intervals. A unit under
    the minimum group size appears only as suppressed, with the reason."""
    return results.campaign_results(session, principal=principal, campaign_id=campaign_id)


@router.get("/disclosure", responses=error_responses(403))
def campaign_disclosure(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> results.CampaignDisclosure:
    """The disclosure decision of the closed campaign's snapshot, unit by unit: which units
    have a report, which are pooled where, what each subtree's figure pools, what an export
    carries. Counts only. Admins only; 409 while the campaign is open."""
    return results.campaign_disclosure(session, principal=principal, campaign_id=campaign_id)


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
    report = results.unit_report_pdf(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )
    return Response(
        content=report.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="report-{campaign_id}-{unit_id}.pdf"',
            SNAPSHOT_HEADER: report.snapshot,
        },
    )


@router.get(
    "/units/{unit_id}/report.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def unit_report_html(
    campaign_id: int,
    unit_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    language: str | None = None,
) -> Response:
    """The unit's report as an HTML page with the PDF's content (409 with the reason when the
    unit is under the minimum); its fonts come from ``/report-assets/``."""
    report = results.unit_report_html(
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


def assets_path(request: Request) -> str:
    """Where this server hands out the report assets, as a path ending in "/"."""
    asset = request.app.url_path_for("report_asset", name="-")
    return f"{request.scope.get('root_path', '')}{asset.removesuffix('-')}"


@assets.get(
    "/{name:path}",
    name="report_asset",
    response_class=Response,
    responses={200: {"content": {"font/ttf": {}}}},
)
def report_asset(name: str) -> Response:
    """A packaged file the HTML reports name (a font); 404 for anything else."""
    try:
        content, media_type = read_asset(name)
    except KeyError:
        raise NotFound("report asset", name) from None
    return Response(
        content=content,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
