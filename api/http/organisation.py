"""HR's routes: units, campaigns, invitations, progress and the audit log (keys: ``keys``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Request, status
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from api.http.deps import PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.jobs.queue import kick_reports_at_close
from api.services import access, collection, org_chart
from api.services import campaigns as services
from api.services.chart_csv import read_chart_csv
from api.services.chart_import import UnitImport
from api.services.csv_text import write_csv
from api.services.errors import NotFound
from api.store.models import (
    AuditEventPublic,
    Campaign,
    CampaignCreate,
    CampaignPublic,
    CampaignUnitPublic,
    CampaignUpdate,
    InvitationCreate,
    UnitCreate,
    UnitPublic,
    UnitUpdate,
)

router = APIRouter(responses=error_responses(401, 429))

CSV_MEDIA_TYPE = "text/csv"
_CAMPAIGN_CHANGE = error_responses(403, 404, 409, 422)
"""What an admin's change of a campaign's state can be refused with."""


class InvitationsIssued(BaseModel):
    campaign_id: int
    unit_id: int
    tokens: list[str]
    respond_paths: list[str] = Field(
        description="The respondents' links, relative to the service's address: the form's"
        " pages (``/r/{token}``), to send as they are."
    )


@router.post(
    "/units",
    status_code=status.HTTP_201_CREATED,
    tags=["units"],
    responses=error_responses(400, 403, 413, 422),
)
def create_unit(data: UnitCreate, principal: PrincipalDep, session: SessionDep) -> UnitPublic:
    principal.require_admin()
    unit = org_chart.create_unit(session, organisation_id=principal.organisation_id, data=data)
    return UnitPublic.model_validate(unit, from_attributes=True)


@router.get("/units", tags=["units"], responses=error_responses(422))
def list_units(
    principal: PrincipalDep, session: SessionDep, archived: bool = False
) -> list[UnitPublic]:
    """The organisation's units; a leader sees their unit and everything under it. Archived
    units only with ``?archived=true``."""
    units = org_chart.list_units(
        session, organisation_id=principal.organisation_id, archived=archived
    )
    return [
        UnitPublic.model_validate(u, from_attributes=True)
        for u in units
        if u.id is not None and principal.sees(u.id)
    ]


@router.post(
    "/units/import",
    status_code=status.HTTP_201_CREATED,
    tags=["units"],
    responses={
        200: {"model": UnitImport, "description": "A preview (``dry_run``)"},
        **error_responses(400, 403, 413, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def import_units(
    principal: PrincipalDep,
    session: SessionDep,
    body: Annotated[str, Body(media_type=CSV_MEDIA_TYPE)],
    response: Response,
    dry_run: bool = False,
) -> UnitImport:
    """An org chart as CSV with the header ``external_id,name,parent_external_id`` (and the
    optional ``kind`` and ``report_language``), as an update of the stored chart: a row whose
    ``external_id`` is a unit's already changes its name, kind (left blank: kept), parent
    (blank: the root) and report language (blank: kept; a new unit's: its respondents' own);
    other rows add units; units the file does not name are left as they are (``left_alone``).
    Rows are numbered as in a spreadsheet; any bad row refuses the file (422), nothing stored.
    Cells are separated by commas or semicolons, lines end with CR LF, LF or CR; at most
    100,000 rows and 10,000 characters a cell (``api.services.csv_text``).

    With ``?dry_run=true``, a preview: what the file would add and change, and every problem by
    row, with nothing stored (200). A file that cannot be read (an unclosed quote, a NUL
    character, a limit passed, a missing column, no row under the header, a bad value) is
    refused with its rows either way."""
    principal.require_admin()
    rows = parse_unit_csv(body)
    outcome = org_chart.import_chart(
        session,
        organisation_id=principal.organisation_id,
        rows=rows,
        first_row=2,
        dry_run=dry_run,
        actor=principal.actor,
    )
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return outcome


@router.patch(
    "/units/{unit_id}", tags=["units"], responses=error_responses(400, 403, 404, 409, 413, 422)
)
def update_unit(
    unit_id: int, data: UnitUpdate, principal: PrincipalDep, session: SessionDep
) -> UnitPublic:
    """Rename a unit, move it (``parent_id``; null: the root), change its kind or set the
    language of its team report (``report_language``, one of the instruments' languages; null:
    the language most of its respondents answered in; left out: kept), keeping the chart's
    rules: one root, the organisation; organisation > department > team, a team with
    no units under it; never under itself, one of its own units or an archived unit (422).
    An archived unit no longer changes (409). Each change is in the audit log."""
    principal.require_admin()
    unit = org_chart.update_unit(
        session,
        organisation_id=principal.organisation_id,
        unit_id=unit_id,
        data=data,
        actor=principal.actor,
    )
    return UnitPublic.model_validate(unit, from_attributes=True)


@router.post(
    "/units/{unit_id}/archive", tags=["units"], responses=error_responses(403, 404, 409, 422)
)
def archive_unit(unit_id: int, principal: PrincipalDep, session: SessionDep) -> UnitPublic:
    """Take a unit out of the chart: hidden from ``GET /units`` (unless ``?archived=true``),
    in no new campaign and no new invitation, kept in the campaigns it took part in. Refused
    (409) while units under it are not archived, or while a draft or open campaign has it.
    Archiving it again changes nothing."""
    principal.require_admin()
    unit = org_chart.archive_unit(
        session, organisation_id=principal.organisation_id, unit_id=unit_id, actor=principal.actor
    )
    return UnitPublic.model_validate(unit, from_attributes=True)


def parse_unit_csv(text: str) -> list[org_chart.UnitImportRow]:
    """The rows of a chart CSV, or 422 naming the line and the column of every problem."""
    return read_chart_csv(text)


@router.post(
    "/campaigns",
    status_code=status.HTTP_201_CREATED,
    tags=["campaigns"],
    responses=error_responses(400, 403, 413, 422),
)
def create_campaign(
    data: CampaignCreate, principal: PrincipalDep, session: SessionDep
) -> CampaignPublic:
    principal.require_admin()
    campaign = services.create_campaign(
        session, organisation_id=principal.organisation_id, data=data
    )
    return _public(session, campaign)


@router.get("/campaigns", tags=["campaigns"])
def list_campaigns(principal: PrincipalDep, session: SessionDep) -> list[CampaignPublic]:
    campaigns = collection.visible_campaigns(session, principal=principal)
    return [_public(session, c, principal) for c in campaigns]


@router.get("/campaigns/{campaign_id}", tags=["campaigns"], responses=error_responses(404, 422))
def get_campaign(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> CampaignPublic:
    campaign = collection.get_visible_campaign(
        session, principal=principal, campaign_id=campaign_id, audit=True
    )
    return _public(session, campaign, principal)


@router.patch(
    "/campaigns/{campaign_id}",
    tags=["campaigns"],
    responses=error_responses(400, 403, 404, 409, 413, 422),
)
def update_campaign(
    campaign_id: int, data: CampaignUpdate, principal: PrincipalDep, session: SessionDep
) -> CampaignPublic:
    """Change a campaign; its instrument, units and minimum group size only while in draft."""
    principal.require_admin()
    _require_own_campaign(principal, session, campaign_id)
    campaign = services.update_campaign(session, campaign_id=campaign_id, data=data)
    return _public(session, campaign)


@router.delete(
    "/campaigns/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["campaigns"],
    responses=_CAMPAIGN_CHANGE,
)
def delete_campaign(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> None:
    """Delete a draft campaign with its units and invitations (their links stop working), in
    one transaction; 409 once it has opened, or while a later campaign names it as its previous
    wave. The audit log keeps its id."""
    principal.require_admin()
    _require_own_campaign(principal, session, campaign_id)
    services.delete_campaign(session, campaign_id=campaign_id, actor=principal.actor)


@router.post("/campaigns/{campaign_id}/open", tags=["campaigns"], responses=_CAMPAIGN_CHANGE)
def open_campaign(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> CampaignPublic:
    principal.require_admin()
    _require_own_campaign(principal, session, campaign_id)
    campaign = services.open_campaign(session, campaign_id=campaign_id, actor=principal.actor)
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/close", tags=["campaigns"], responses=_CAMPAIGN_CHANGE)
def close_campaign(
    campaign_id: int, principal: PrincipalDep, session: SessionDep, request: Request
) -> CampaignPublic:
    """Close the campaign and freeze its snapshot; its reports are then rendered by the
    queue's workers and served as stored."""
    principal.require_admin()
    _require_own_campaign(principal, session, campaign_id)
    campaign = services.close_campaign(session, campaign_id=campaign_id, actor=principal.actor)
    kick_reports_at_close(request.app.state)
    return _public(session, campaign)


@router.post("/campaigns/{campaign_id}/reopen", tags=["campaigns"], responses=_CAMPAIGN_CHANGE)
def reopen_campaign(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> CampaignPublic:
    """Open a closed campaign again, only while none of its results, reports or exports has
    been read (409 otherwise): reads before and after more answers would single out the
    people who answered in between."""
    principal.require_admin()
    _require_own_campaign(principal, session, campaign_id)
    campaign = services.reopen_campaign(session, campaign_id=campaign_id, actor=principal.actor)
    return _public(session, campaign)


@router.post(
    "/campaigns/{campaign_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    tags=["campaigns"],
    response_model=InvitationsIssued,
    responses={
        201: {"content": {CSV_MEDIA_TYPE: {}}},
        **error_responses(400, 403, 404, 409, 413, 422),
    },
)
def create_invitations(
    campaign_id: int,
    data: InvitationCreate,
    principal: PrincipalDep,
    session: SessionDep,
    accept: Annotated[str | None, Header()] = None,
) -> InvitationsIssued | Response:
    """New one-time tokens, shown this once: JSON, or CSV for a mail merge
    (``Accept: text/csv``)."""
    tokens = collection.issue_invitations(
        session, principal=principal, campaign_id=campaign_id, data=data
    )
    # The link a respondent opens is the form's page, never the JSON route.
    paths = [f"/r/{token}" for token in tokens]
    if accept and CSV_MEDIA_TYPE in accept:
        links = write_csv(
            ("campaign_id", "unit_id", "token", "respond_path"),
            ((campaign_id, data.unit_id, t, p) for t, p in zip(tokens, paths, strict=True)),
        )
        return PlainTextResponse(
            links,
            status_code=status.HTTP_201_CREATED,
            media_type=CSV_MEDIA_TYPE,
        )
    return InvitationsIssued(
        campaign_id=campaign_id, unit_id=data.unit_id, tokens=tokens, respond_paths=paths
    )


@router.get("/audit", tags=["access"], responses=error_responses(403, 422))
def audit_log(
    principal: PrincipalDep, session: SessionDep, campaign_id: int | None = None
) -> list[AuditEventPublic]:
    """The organisation's audit log, oldest first (or one campaign's): who issued
    invitations, imported answers, closed, reopened or deleted a campaign, created, revoked or
    rotated an API key, renamed, moved, changed the kind of or archived a unit, when, in which
    unit, which key and how many; never an answer, never a secret. Admins and auditors only."""
    principal.require_admin_or_auditor()
    events = services.audit_log(
        session, organisation_id=principal.organisation_id, campaign_id=campaign_id
    )
    return [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]


@router.get(
    "/campaigns/{campaign_id}/progress", tags=["campaigns"], responses=error_responses(404, 422)
)
def campaign_progress(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> collection.CampaignProgress:
    """Invitations and responses per unit, counts only."""
    return collection.campaign_progress(session, principal=principal, campaign_id=campaign_id)


def _public(
    session: SessionDep, campaign: Campaign, principal: access.Principal | None = None
) -> CampaignPublic:
    """The campaign with its snapshot's fingerprint and its units (a leader's, for a leader)."""
    public = CampaignPublic.model_validate(campaign, from_attributes=True)
    public.snapshot = services.snapshot_fingerprint_of(session, campaign_id=public.id)
    public.units = [
        CampaignUnitPublic.model_validate(u, from_attributes=True)
        for u in services.campaign_units(session, campaign_id=public.id)
        if principal is None
        or principal.is_admin
        or principal.is_auditor
        or principal.sees(u.id or 0)
    ]
    return public


def _require_own_campaign(
    principal: access.Principal, session: SessionDep, campaign_id: int
) -> None:
    campaign = services.get_campaign(session, campaign_id=campaign_id)
    if campaign is None or campaign.organisation_id != principal.organisation_id:
        raise NotFound("campaign", campaign_id)
