"""The template of a campaign's list of addresses, to fill in: its columns, and a row for
each unit of the campaign with the text that names it in the file."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlmodel import Session

from api.services import collection, org_chart
from api.services.accounts import Visit
from api.services.csv_text import spreadsheet_safe, write_csv
from api.store.models import Campaign, Unit
from api.web.console.mail_section import COLUMNS
from api.web.console.routes import VisitDep, _admin_campaign
from api.web.pages import SessionDep

router = APIRouter(include_in_schema=False)


@router.get("/console/campaigns/{campaign_id}/mail/template.csv")
def roster_template(campaign_id: str, session: SessionDep, visit: VisitDep) -> Response:
    """A CSV to fill in: the header, and a row per unit of the campaign with the unit's id and
    the campaign's first language, the address left blank."""
    found = _admin_campaign(session, visit, campaign_id)
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=found
    )
    rows = [
        ["", file_text(unit), campaign.languages[0]]
        for unit in campaign_units(session, visit, campaign)
    ]
    return Response(
        write_csv(COLUMNS, rows).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="addresses-{found}.csv"'},
    )


def campaign_units(session: Session, visit: Visit, campaign: Campaign) -> list[Unit]:
    """The campaign's units, by name."""
    assert campaign.id is not None
    taking_part = {
        u.unit_id
        for u in collection.campaign_progress(
            session, principal=visit.principal, campaign_id=campaign.id
        ).units
    }
    units = org_chart.list_units(
        session, organisation_id=visit.principal.organisation_id, archived=True
    )
    return sorted(
        (u for u in units if u.id in taking_part), key=lambda u: (u.name.casefold(), u.id or 0)
    )


def file_text(unit: Unit) -> str:
    """What names the unit in a file: its external id, or its id where the external id would
    read as a formula in a spreadsheet."""
    ext = unit.external_id
    return ext if ext and spreadsheet_safe(ext) == ext else str(unit.id)
