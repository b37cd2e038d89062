"""What the results section of a campaign's console page lists: for a closed campaign, every
unit taking part with its team report, or why it has none.

Whether a unit has a report is the campaign's one disclosure decision
(``api.services.results.campaign_disclosure``); nothing here counts against the minimum itself.
The decision holds counts only, so listing it is no read of the results: the downloads and the
reports the section links to are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from api.services import campaigns as campaign_services
from api.services import results, stored_reports
from api.services.access import Principal
from api.services.errors import Conflict
from api.services.stored_reports import RunProgress
from api.store.models import Campaign, CampaignStatus


@dataclass(frozen=True)
class UnitReport:
    """One unit of the campaign in the list of team reports."""

    unit_id: int
    name: str
    has_report: bool
    answers: int
    """Answers from the unit's own people."""
    pooled_into: str | None
    """Without a report of its own: the unit whose figures pool its answers, when another."""
    withheld: bool
    """Without a report of its own: its answers are in no figure at all (too few even pooled
    up the chart)."""


@dataclass(frozen=True)
class ResultsSection:
    closed: bool
    ready: bool
    """Closed, with a snapshot its outputs are made of (a campaign closed before snapshots
    existed has none until it is reopened and closed again)."""
    min_group_size: int
    units: tuple[UnitReport, ...] = ()
    prepared: RunProgress | None = None
    """How far the reports rendered at close have got (None: not started yet)."""


def results_section(
    session: Session, *, principal: Principal, campaign: Campaign
) -> ResultsSection:
    """The results section of an admin's page of ``campaign``."""
    assert campaign.id is not None
    closed = campaign.status == CampaignStatus.closed
    # Read before a service's rollback expires the object (reading it then would begin a
    # transaction that the next service's own would collide with).
    minimum = campaign.min_group_size
    if not closed or not principal.is_admin:
        return ResultsSection(closed=closed, ready=False, min_group_size=minimum)
    try:
        decision = results.campaign_disclosure(
            session, principal=principal, campaign_id=campaign.id
        )
    except Conflict:
        return ResultsSection(closed=True, ready=False, min_group_size=minimum)
    taking_part = campaign_services.campaign_unit_ids(session, campaign_id=campaign.id)
    names = {unit.unit_id: unit.name for unit in decision.units}
    units = [
        UnitReport(
            unit_id=unit.unit_id,
            name=unit.name,
            has_report=unit.team_shown,
            answers=unit.own,
            pooled_into=(
                names.get(unit.export_unit_id, str(unit.export_unit_id))
                if not unit.team_shown
                and unit.export_unit_id is not None
                and unit.export_unit_id != unit.unit_id
                else None
            ),
            withheld=not unit.team_shown and unit.export_unit_id is None,
        )
        for unit in decision.units
        if unit.unit_id in taking_part
    ]
    return ResultsSection(
        closed=True,
        ready=True,
        min_group_size=decision.min_group_size,
        units=tuple(sorted(units, key=lambda u: (u.name.casefold(), u.unit_id))),
        prepared=stored_reports.run_progress(session, campaign_id=campaign.id),
    )
