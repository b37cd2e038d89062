"""Results only from closed campaigns: every output of a campaign is refused while it is open,
and made of the snapshot frozen at close once it is closed, whose fingerprint each output
carries. The first attack of issue 10 (a leader reading results before and after one more
person answers) is tried here and fails."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.services import campaigns as services
from api.services.access import issue_key
from api.services.org_chart import UnitImportRow
from api.store.models import (
    ApiKeyCreate,
    Campaign,
    CampaignStatus,
    Invitation,
    ResponseCreate,
    Role,
    Unit,
    UnitKind,
)
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
OUTPUTS = (
    "results",
    "units/{night}/report.pdf",
    "units/{night}/report.html",
    "export.csv",
    "export.sav",
    "codebook",
    "codebook?format=csv",
)
ITEMS = load_builtin(INSTRUMENT).item_ids


def _answers(seed: int) -> dict[str, int | None]:
    return {item: (seed * 5 + index * 3) % 7 + 1 for index, item in enumerate(ITEMS)}


@pytest.fixture
def campaign(org: Org, engine: Engine) -> dict[str, Any]:
    """An open campaign over two teams of 6 and 7, with a leader of the department."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="acme", name="Acme", kind="organisation"),
            UnitImportRow(
                external_id="ops", name="Operations", parent_external_id="acme", kind="department"
            ),
            UnitImportRow(external_id="night", name="Night shift", parent_external_id="ops"),
            UnitImportRow(external_id="day", name="Day shift", parent_external_id="ops"),
        ],
        teams=["night", "day"],
        languages=["en", "fr"],
    )
    units = staged.units
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=staged.campaign_id,
            responses=[
                ResponseCreate(unit_id=units[team], answers=_answers(seed))
                for team, count in (("night", 6), ("day", 7))
                for seed in range(count)
            ],
        )
        leader = issue_key(
            session,
            organisation_id=org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=units["ops"]),
        )
    return {"id": staged.campaign_id, "leader": leader.key, **units}


def _output(
    org: Org, campaign: dict[str, Any], path: str, key: str | None = None
) -> httpx.Response:
    filled = path.format(night=campaign["night"])
    return org.client.get(f"{API}/campaigns/{campaign['id']}/{filled}", headers=org.headers(key))


def _close(org: Org, campaign: dict[str, Any]) -> str:
    closed = org.client.post(f"{API}/campaigns/{campaign['id']}/close", headers=org.headers())
    assert closed.status_code == 200, closed.text
    snapshot: str = closed.json()["snapshot"]
    return snapshot


@pytest.mark.parametrize("path", OUTPUTS)
def test_an_open_campaign_has_no_results_reports_or_exports(
    org: Org, engine: Engine, campaign: dict[str, Any], path: str
) -> None:
    before = table_counts(engine)
    refused = _output(org, campaign, path)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert f"campaign {campaign['id']} is open" in detail
    assert "once it has closed" in detail
    assert table_counts(engine) == before
    progress = org.client.get(f"{API}/campaigns/{campaign['id']}/progress", headers=org.headers())
    assert progress.status_code == 200
    assert progress.json()["responses"] == 13, "progress still shows the counts"


def test_a_draft_campaign_has_no_results_either(org: Org, engine: Engine) -> None:
    draft = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
        open_it=False,
    ).campaign_id
    refused = org.client.get(f"{API}/campaigns/{draft}/results", headers=org.headers())
    assert refused.status_code == 409
    assert "is draft" in refused.json()["detail"]


def test_every_output_of_a_closed_campaign_carries_the_same_snapshot(
    org: Org, campaign: dict[str, Any]
) -> None:
    snapshot = _close(org, campaign)
    assert re.fullmatch(r"[0-9a-f]{64}", snapshot)
    shown = org.client.get(f"{API}/campaigns/{campaign['id']}", headers=org.headers())
    assert shown.json()["snapshot"] == snapshot

    results = _output(org, campaign, "results")
    assert results.json()["snapshot"] == snapshot
    pdf = _output(org, campaign, "units/{night}/report.pdf")
    assert pdf.headers["x-transversal-snapshot"] == snapshot
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert snapshot[:12] in text, "the report's cover names its snapshot"
    page = _output(org, campaign, "units/{night}/report.html")
    assert f'<meta name="transversal.snapshot" content="{snapshot}">' in page.text
    for path in ("export.csv", "export.sav", "codebook?format=csv"):
        answer = _output(org, campaign, path)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-transversal-snapshot"] == snapshot, path
        assert snapshot[:12] in answer.headers["content-disposition"], path
    assert _output(org, campaign, "codebook").json()["snapshot"] == snapshot
    assert f"snapshot: {snapshot}" in _output(org, campaign, "codebook?format=csv").text


def test_the_fingerprint_is_that_of_the_responses_and_the_chart_at_close(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    snapshot = _close(org, campaign)
    with Session(engine, expire_on_commit=False) as session:
        stored = services.load_snapshot(session, campaign_id=campaign["id"])
    assert stored.fingerprint == snapshot
    assert len(stored.responses) == 13


def test_a_leader_reading_results_before_and_after_one_more_answer_learns_nothing(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    """The attack: results read, one more person answers, results read again; the difference
    of n times the mean would be the newcomer's scores. Open, there is nothing to read;
    closed, nobody can answer any more, so every read is the same."""
    token = org.client.post(
        f"{API}/campaigns/{campaign['id']}/invitations",
        json={"unit_id": campaign["night"], "count": 1},
        headers=org.headers(),
    ).json()["tokens"][0]
    before = _output(org, campaign, "results", campaign["leader"])
    assert before.status_code == 409
    _close(org, campaign)
    first = _output(org, campaign, "results", campaign["leader"])
    assert first.status_code == 200
    late = org.client.post(f"{API}/respond/{token}", json={"answers": _answers(99)})
    assert late.status_code == 409
    second = _output(org, campaign, "results", campaign["leader"])
    assert second.json() == first.json()


def test_a_unit_renamed_after_close_keeps_its_name_in_every_output(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    snapshot = _close(org, campaign)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        unit = session.get(Unit, campaign["night"])
        assert unit is not None
        unit.name = "Renamed"
    results = _output(org, campaign, "results").json()
    assert {u["name"] for u in results["units"]} == {"Night shift", "Day shift"}
    assert results["snapshot"] == snapshot
    assert "Renamed" not in _output(org, campaign, "export.csv").text


def test_a_campaign_can_be_reopened_until_an_output_is_read(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    path = f"{API}/campaigns/{campaign['id']}"
    first = _close(org, campaign)
    reopened = org.client.post(f"{path}/reopen", headers=org.headers())
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "open"
    assert reopened.json()["snapshot"] is None
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=campaign["id"],
            responses=[ResponseCreate(unit_id=campaign["day"], answers=_answers(50))],
        )
    second = _close(org, campaign)
    assert second != first, "one more response makes another snapshot"

    assert _output(org, campaign, "results").status_code == 200
    before = table_counts(engine)
    refused = org.client.post(f"{path}/reopen", headers=org.headers())
    assert refused.status_code == 409
    assert "cannot be reopened: its results were first read" in refused.json()["detail"]
    assert table_counts(engine) == before
    assert org.client.get(path, headers=org.headers()).json()["status"] == "closed"


def test_a_refused_report_is_not_a_read(org: Org, campaign: dict[str, Any]) -> None:
    _close(org, campaign)
    refused = _output(org, campaign, "units/{night}/report.pdf?language=de")
    assert refused.status_code == 422
    reopened = org.client.post(f"{API}/campaigns/{campaign['id']}/reopen", headers=org.headers())
    assert reopened.status_code == 200


def test_a_leader_cannot_reopen_a_campaign(org: Org, campaign: dict[str, Any]) -> None:
    _close(org, campaign)
    refused = org.client.post(
        f"{API}/campaigns/{campaign['id']}/reopen", headers=org.headers(campaign["leader"])
    )
    assert refused.status_code == 403


def test_drafts_are_deleted_when_the_campaign_closes(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    token = org.client.post(
        f"{API}/campaigns/{campaign['id']}/invitations",
        json={"unit_id": campaign["night"], "count": 1},
        headers=org.headers(),
    ).json()["tokens"][0]
    saved = org.client.put(f"{API}/respond/{token}/draft", json={"answers": {"HA01": 3}})
    assert saved.status_code == 200
    _close(org, campaign)
    with Session(engine) as session:
        drafts = session.exec(select(Invitation.draft, Invitation.draft_language)).all()
    assert all(draft is None and language is None for draft, language in drafts)


def test_the_disclosure_decision_is_there_to_check_unit_by_unit(org: Org, engine: Engine) -> None:
    """The worked example of docs/confidentiality.md, through the API."""
    sizes = {"org": 2, "finance": 11, "hr": 6, "it": 6, "ward1": 12, "ward2": 9, "ward3": 3}
    parents = {
        "org": None, "admin": "org", "finance": "admin", "hr": "admin", "it": "admin",
        "care": "org", "ward1": "care", "ward2": "care", "ward3": "care",
    }  # fmt: skip
    kinds = {"org": UnitKind.organisation} | dict.fromkeys(("admin", "care"), UnitKind.department)
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(
                external_id=unit,
                name=unit.title(),
                parent_external_id=parent,
                kind=kinds.get(unit, UnitKind.team),
            )
            for unit, parent in parents.items()
        ],
        teams=list(sizes),
    )
    ids = staged.units
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=staged.campaign_id,
            responses=[
                ResponseCreate(unit_id=ids[unit], answers=_answers(seed))
                for unit, count in sizes.items()
                for seed in range(count)
            ],
        )
    path = f"{API}/campaigns/{staged.campaign_id}/disclosure"
    assert org.client.get(path, headers=org.headers()).status_code == 409
    _close(org, {"id": staged.campaign_id})
    answer = org.client.get(path, headers=org.headers())
    assert answer.status_code == 200, answer.text
    rows = {row["name"]: row for row in answer.json()["units"]}
    expected = {
        # name: own, total, team shown, export under, pooled, pooled here, published
        "Org": (2, 49, False, "Org", True, 5, 49),
        "Admin": (0, 23, False, None, None, 0, 23),
        "Finance": (11, 11, True, "Finance", False, 0, 11),
        "Care": (0, 24, False, None, None, 0, 21),
        "Ward2": (9, 9, True, "Ward2", False, 0, 9),
        "Ward3": (3, 3, False, "Org", True, 0, 0),
    }
    names = {row["unit_id"]: row["name"] for row in rows.values()}
    for name, (own, total, shown, under, pooled, here, published) in expected.items():
        row = rows[name]
        assert (row["own"], row["total"], row["team_shown"]) == (own, total, shown), name
        exported = None if row["export_unit_id"] is None else names[row["export_unit_id"]]
        assert (exported, row["export_pooled"]) == (under, pooled), name
        assert (row["pooled_here"], row["published"]) == (here, published), name
    # Counts only: reading the decision is no read of the results.
    reopened = org.client.post(
        f"{API}/campaigns/{staged.campaign_id}/reopen", headers=org.headers()
    )
    assert reopened.status_code == 200


def test_a_leader_may_not_read_the_disclosure_decision(org: Org, campaign: dict[str, Any]) -> None:
    _close(org, campaign)
    path = f"{API}/campaigns/{campaign['id']}/disclosure"
    assert org.client.get(path, headers=org.headers(campaign["leader"])).status_code == 403


def test_a_campaign_closed_before_snapshots_existed_is_reopened_and_closed_again(
    org: Org, engine: Engine, campaign: dict[str, Any]
) -> None:
    """A database upgraded from before migration 0003 holds closed campaigns without a
    snapshot: their outputs say how to get one, and reopening then closing freezes it."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        stored = session.get(Campaign, campaign["id"])
        assert stored is not None
        stored.status = CampaignStatus.closed  # as the earlier version closed a campaign
    refused = _output(org, campaign, "results")
    assert refused.status_code == 409
    assert "reopen it and close it again" in refused.json()["detail"]
    reopened = org.client.post(f"{API}/campaigns/{campaign['id']}/reopen", headers=org.headers())
    assert reopened.status_code == 200, reopened.text
    _close(org, campaign)
    assert _output(org, campaign, "results").json()["units"]
