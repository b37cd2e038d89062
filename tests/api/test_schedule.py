"""A campaign's status follows its schedule wherever it is read: a draft opens at its
``opens_at`` and a campaign closes at its ``closes_at`` (snapshot and all), with no person or
job acting; of readers racing after the time, exactly one moves it. On both databases."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from api.services import campaigns
from api.services.org_chart import UnitImportRow
from api.store.models import AuditEvent, Campaign, CampaignSnapshot
from instrument import load_builtin
from tests.api.conftest import Org, stage_campaign

API = "/api/v1"
ANSWERS = dict.fromkeys(load_builtin().item_ids, 4)


def _stage(org: Org, engine: Engine, *, open_it: bool, **fields: Any) -> tuple[int, list[str]]:
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
        open_it=open_it,
        **fields,
    )
    with Session(engine) as session:
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == staged.campaign_id)
            .values(opens_at=None, closes_at=None)
        )
        session.commit()
    issued = org.client.post(
        f"{API}/campaigns/{staged.campaign_id}/invitations",
        json={"unit_id": staged.units["t"], "count": 2},
        headers=org.headers(),
    )
    return staged.campaign_id, issued.json()["tokens"]


def _set(engine: Engine, campaign_id: int, **times: datetime) -> None:
    """Set the campaign's times in the database, as if the clock had moved past them."""
    with Session(engine) as session:
        session.execute(update(Campaign).where(col(Campaign.id) == campaign_id).values(**times))
        session.commit()


def _audit(org: Org, campaign_id: int) -> list[tuple[str, str]]:
    events = org.client.get(f"{API}/audit?campaign_id={campaign_id}", headers=org.headers())
    return [(e["action"], e["actor"]) for e in events.json()]


def test_a_draft_opens_at_its_opening_time(org: Org, engine: Engine) -> None:
    campaign_id, (token, _other) = _stage(org, engine, open_it=False)
    assert org.client.get(f"{API}/respond/{token}").status_code == 200
    refused = org.client.post(f"{API}/respond/{token}", json={"answers": ANSWERS})
    assert refused.status_code == 409

    _set(engine, campaign_id, opens_at=datetime.now(UTC) - timedelta(minutes=1))
    read = org.client.get(f"{API}/campaigns/{campaign_id}", headers=org.headers())
    assert read.json()["status"] == "open"
    assert ("campaign_opened", "schedule") in _audit(org, campaign_id)
    assert org.client.post(f"{API}/respond/{token}", json={"answers": ANSWERS}).status_code == 204


def test_a_campaign_closes_at_its_closing_time_with_its_snapshot(org: Org, engine: Engine) -> None:
    campaign_id, (token, other) = _stage(org, engine, open_it=True)
    assert org.client.post(f"{API}/respond/{token}", json={"answers": ANSWERS}).status_code == 204
    _set(engine, campaign_id, closes_at=datetime.now(UTC) - timedelta(seconds=1))

    # The first to read it is a respondent with the other link: told it has closed.
    page = org.client.get(f"/r/{other}")
    assert page.status_code == 410
    read = org.client.get(f"{API}/campaigns/{campaign_id}", headers=org.headers())
    assert read.json()["status"] == "closed"
    assert read.json()["snapshot"], "frozen as HR's closing freezes it"
    assert _audit(org, campaign_id)[-1] == ("campaign_closed", "schedule")
    # Its outputs are there, and it can no longer change.
    progress = org.client.get(f"{API}/campaigns/{campaign_id}/progress", headers=org.headers())
    assert progress.json()["status"] == "closed"
    renamed = org.client.patch(
        f"{API}/campaigns/{campaign_id}", json={"name": "Renamed"}, headers=org.headers()
    )
    assert renamed.status_code == 409
    assert "closed" in renamed.json()["detail"]


def test_a_draft_past_both_times_opens_then_closes(org: Org, engine: Engine) -> None:
    campaign_id, _tokens = _stage(org, engine, open_it=False)
    now = datetime.now(UTC)
    _set(
        engine,
        campaign_id,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
    )
    read = org.client.get(f"{API}/campaigns", headers=org.headers())
    (listed,) = [c for c in read.json() if c["id"] == campaign_id]
    assert listed["status"] == "closed"
    assert _audit(org, campaign_id)[-2:] == [
        ("campaign_opened", "schedule"),
        ("campaign_closed", "schedule"),
    ]


def test_readers_racing_past_the_closing_time_close_it_once(org: Org, engine: Engine) -> None:
    campaign_id, (token, _other) = _stage(org, engine, open_it=True)
    assert org.client.post(f"{API}/respond/{token}", json={"answers": ANSWERS}).status_code == 204
    _set(engine, campaign_id, closes_at=datetime.now(UTC) - timedelta(seconds=1))
    start = threading.Barrier(6)
    seen: list[str] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                start.wait()
                campaign = campaigns.get_campaign(session, campaign_id=campaign_id)
                assert campaign is not None
                seen.append(str(campaign.status))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert seen == ["closed"] * 6
    with Session(engine) as session:
        snapshots = session.exec(
            select(func.count())
            .select_from(CampaignSnapshot)
            .where(CampaignSnapshot.campaign_id == campaign_id)
        ).one()
        closings = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.campaign_id == campaign_id, AuditEvent.action == "campaign_closed")
        ).one()
    assert (snapshots, closings) == (1, 1)
