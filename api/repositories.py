"""Data access: the only module that touches the session. Functions never commit; the
services that call them own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from api.models import Campaign, CampaignUnit, Organisation, Response, Unit


def add(session: Session, row: Organisation | Unit | Campaign) -> None:
    """Stage a row and flush it, so its database id is known."""
    session.add(row)
    session.flush()


def get_organisation(session: Session, *, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def get_campaign(session: Session, *, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def list_units(session: Session, *, organisation_id: int) -> list[Unit]:
    statement = select(Unit).where(Unit.organisation_id == organisation_id).order_by(col(Unit.id))
    return list(session.exec(statement))


def units_by_id(session: Session, *, unit_ids: Iterable[int]) -> dict[int, Unit]:
    statement = select(Unit).where(col(Unit.id).in_(list(unit_ids)))
    return {unit.id: unit for unit in session.exec(statement) if unit.id is not None}


def set_campaign_units(session: Session, *, campaign_id: int, invited: Mapping[int, int]) -> None:
    existing = {
        row.unit_id: row
        for row in session.exec(select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id))
    }
    for unit_id, count in invited.items():
        row = existing.get(unit_id) or CampaignUnit(campaign_id=campaign_id, unit_id=unit_id)
        row.invited = count
        session.add(row)
    session.flush()


def campaign_units(session: Session, *, campaign_id: int) -> list[CampaignUnit]:
    statement = select(CampaignUnit).where(CampaignUnit.campaign_id == campaign_id)
    return list(session.exec(statement))


def insert_responses(session: Session, *, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many responses in one statement per batch (executemany)."""
    if rows:
        session.execute(insert(Response), list(rows))


def response_answers(session: Session, *, campaign_id: int) -> list[tuple[int, dict[str, Any]]]:
    """(unit id, answers) of every response to a campaign."""
    statement = select(Response.unit_id, Response.answers).where(
        Response.campaign_id == campaign_id
    )
    return [(unit_id, dict(answers)) for unit_id, answers in session.exec(statement)]


def count_responses(session: Session, *, campaign_id: int) -> dict[int, int]:
    statement = (
        select(Response.unit_id, func.count())
        .where(Response.campaign_id == campaign_id)
        .group_by(col(Response.unit_id))
    )
    return dict(session.exec(statement).all())
