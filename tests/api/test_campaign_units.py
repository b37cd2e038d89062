"""A campaign's units over HTTP, on SQLite and on PostgreSQL: a department or the organisation
brings every team under it, the campaign shows its units, and a draft can be deleted with its
units and invitations, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from api.services import org_chart
from api.services.access import init_organisation, issue_key
from api.services.org_chart import UnitImportRow
from api.store import repositories
from api.store.models import ApiKeyCreate, OrganisationCreate, Role, UnitCreate, UnitKind
from tests.api.conftest import INSTRUMENT, Org, table_counts

API = "/api/v1"
MISSING = 999_999


@dataclass(frozen=True)
class Chart:
    """Acme: Operations (the night and day shifts) and Sales (the North desk)."""

    org: Org
    units: dict[str, int]

    def __getitem__(self, external_id: str) -> int:
        return self.units[external_id]

    def ids(self, *external_ids: str) -> list[int]:
        return [self.units[e] for e in external_ids]


@pytest.fixture
def chart(org: Org, engine: Engine) -> Chart:
    rows = [
        UnitImportRow(external_id="acme", name="Acme", kind=UnitKind.organisation),
        UnitImportRow(
            external_id="ops", name="Operations", parent_external_id="acme", kind="department"
        ),
        UnitImportRow(external_id="night", name="Night shift", parent_external_id="ops"),
        UnitImportRow(external_id="day", name="Day shift", parent_external_id="ops"),
        UnitImportRow(
            external_id="sales", name="Sales", parent_external_id="acme", kind="department"
        ),
        UnitImportRow(external_id="north", name="North desk", parent_external_id="sales"),
    ]
    with Session(engine, expire_on_commit=False) as session:
        made = org_chart.import_units(session, organisation_id=org.organisation_id, rows=rows)
    return Chart(org=org, units={u.external_id or "": u.id or 0 for u in made})


@contextmanager
def unchanged(engine: Engine) -> Iterator[None]:
    """The block leaves every row of every table as it found it."""

    def rows() -> dict[str, list[str]]:
        with engine.connect() as connection:
            return {
                table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for table in SQLModel.metadata.sorted_tables
            }

    before = rows()
    yield
    assert rows() == before


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _create(chart: Chart, *units: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "Spring", "instrument": INSTRUMENT, "unit_ids": chart.ids(*units), **fields}
    created: dict[str, Any] = _ok(
        chart.org.client.post(f"{API}/campaigns", json=body, headers=chart.org.headers()), 201
    )
    return created


def _units(campaign: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    return [(u["external_id"], u["name"], u["kind"]) for u in campaign["units"]]


def _delete(chart: Chart, campaign_id: int, key: str | None = None) -> httpx.Response:
    return chart.org.client.delete(f"{API}/campaigns/{campaign_id}", headers=chart.org.headers(key))


# -- the units a campaign takes part with -------------------------------------------------------


def test_a_campaign_over_the_organisation_takes_every_team_and_shows_its_units(
    chart: Chart,
) -> None:
    created = _create(chart, "acme")
    assert _units(created) == [
        ("acme", "Acme", "organisation"),
        ("night", "Night shift", "team"),
        ("day", "Day shift", "team"),
        ("north", "North desk", "team"),
    ]
    assert [u["parent_id"] for u in created["units"]] == [None, *chart.ids("ops", "ops", "sales")]
    shown = _ok(
        chart.org.client.get(f"{API}/campaigns/{created['id']}", headers=chart.org.headers())
    )
    assert shown["units"] == created["units"]
    listed = _ok(chart.org.client.get(f"{API}/campaigns", headers=chart.org.headers()))
    assert listed[0]["units"] == created["units"]


def test_a_department_brings_its_teams_and_a_team_comes_alone(chart: Chart) -> None:
    assert [u[0] for u in _units(_create(chart, "ops"))] == ["ops", "night", "day"]
    assert [u[0] for u in _units(_create(chart, "north"))] == ["north"]
    assert [u[0] for u in _units(_create(chart, "night", "sales"))] == ["night", "sales", "north"]


def test_changing_a_drafts_units_brings_the_teams_too(chart: Chart) -> None:
    draft = _create(chart, "night")
    changed = _ok(
        chart.org.client.patch(
            f"{API}/campaigns/{draft['id']}",
            json={"unit_ids": chart.ids("sales")},
            headers=chart.org.headers(),
        )
    )
    assert [u[0] for u in _units(changed)] == ["sales", "north"]


def test_archived_teams_are_left_out(chart: Chart) -> None:
    _ok(chart.org.client.post(f"{API}/units/{chart['north']}/archive", headers=chart.org.headers()))
    assert [u[0] for u in _units(_create(chart, "acme"))] == ["acme", "night", "day"]


def test_a_leader_sees_the_campaigns_units_of_their_subtree(chart: Chart, engine: Engine) -> None:
    campaign = _create(chart, "acme")
    with Session(engine) as session:
        leader = issue_key(
            session,
            organisation_id=chart.org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=chart["ops"]),
        )
    shown = _ok(
        chart.org.client.get(
            f"{API}/campaigns/{campaign['id']}", headers=chart.org.headers(leader.key)
        )
    )
    assert [u[0] for u in _units(shown)] == ["night", "day"]


# -- deleting a draft ---------------------------------------------------------------------------


def test_a_draft_is_deleted_with_its_units_and_invitations_and_the_log_keeps_its_id(
    chart: Chart, engine: Engine
) -> None:
    kept = _create(chart, "north")
    draft = _create(chart, "ops")
    tokens = _ok(
        chart.org.client.post(
            f"{API}/campaigns/{draft['id']}/invitations",
            json={"unit_id": chart["night"], "count": 3},
            headers=chart.org.headers(),
        ),
        201,
    )["tokens"]
    before = table_counts(engine)

    deleted = _delete(chart, draft["id"])
    assert (deleted.status_code, deleted.content) == (204, b"")
    after = table_counts(engine)
    assert (after["campaign"], after["campaignunit"], after["invitation"]) == (
        before["campaign"] - 1,
        before["campaignunit"] - 3,
        0,
    )
    gone = chart.org.client.get(f"{API}/campaigns/{draft['id']}", headers=chart.org.headers())
    assert (gone.status_code, gone.json()) == (
        404,
        {"detail": f"campaign {draft['id']} does not exist"},
    )
    assert chart.org.client.get(f"{API}/respond/{tokens[0]}").status_code == 404
    log = _ok(
        chart.org.client.get(
            f"{API}/audit", params={"campaign_id": draft["id"]}, headers=chart.org.headers()
        )
    )
    assert [(e["action"], e["count"]) for e in log] == [
        ("invitations_issued", 3),
        ("campaign_deleted", 3),
    ]
    assert log[-1]["actor"].startswith("admin key ")
    listed = _ok(chart.org.client.get(f"{API}/campaigns", headers=chart.org.headers()))
    assert [c["id"] for c in listed] == [kept["id"]]


def test_only_a_draft_is_deleted(chart: Chart, engine: Engine) -> None:
    opened = _create(chart, "night")
    _ok(chart.org.client.post(f"{API}/campaigns/{opened['id']}/open", headers=chart.org.headers()))
    closed = _create(chart, "day")
    for path in ("open", "close"):
        _ok(
            chart.org.client.post(
                f"{API}/campaigns/{closed['id']}/{path}", headers=chart.org.headers()
            )
        )
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    scheduled = _create(chart, "north", opens_at=past)
    for campaign, status in ((opened, "open"), (closed, "closed"), (scheduled, "open")):
        if campaign is scheduled:
            # Its schedule opened it: the first read moves it (and writes the opening).
            chart.org.client.get(f"{API}/campaigns/{campaign['id']}", headers=chart.org.headers())
        with unchanged(engine):
            refused = _delete(chart, campaign["id"])
        assert (refused.status_code, refused.json()) == (
            409,
            {"detail": f"campaign {campaign['id']} is {status}: only a draft can be deleted"},
        )


def test_a_draft_named_as_a_previous_wave_is_not_deleted(chart: Chart, engine: Engine) -> None:
    first = _create(chart, "night")
    second = _create(chart, "night", previous_campaign_id=first["id"])
    with unchanged(engine):
        refused = _delete(chart, first["id"])
    assert (refused.status_code, refused.json()) == (
        409,
        {
            "detail": f"campaign {first['id']} is the previous wave of campaign(s) {second['id']}:"
            " name another previous wave there first"
        },
    )


def test_another_organisations_draft_is_answered_like_a_missing_one(
    chart: Chart, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        globex, globex_key = init_organisation(session, OrganisationCreate(name="Globex"))
        assert globex.id is not None
        lab = org_chart.create_unit(session, organisation_id=globex.id, data=UnitCreate(name="Lab"))
    theirs = _ok(
        chart.org.client.post(
            f"{API}/campaigns",
            json={"name": "Theirs", "instrument": INSTRUMENT, "unit_ids": [lab.id]},
            headers=chart.org.headers(globex_key.key),
        ),
        201,
    )
    with unchanged(engine):
        refused = _delete(chart, theirs["id"])
        absent = _delete(chart, MISSING)
    assert (refused.status_code, absent.status_code) == (404, 404)
    assert refused.json() == {"detail": f"campaign {theirs['id']} does not exist"}
    assert absent.json() == {"detail": f"campaign {MISSING} does not exist"}


def test_a_leader_cannot_delete_a_draft(chart: Chart, engine: Engine) -> None:
    draft = _create(chart, "ops")
    with Session(engine) as session:
        leader = issue_key(
            session,
            organisation_id=chart.org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=chart["ops"]),
        )
    with unchanged(engine):
        refused = _delete(chart, draft["id"], leader.key)
    assert (refused.status_code, refused.json()) == (403, {"detail": "this needs an admin key"})


def test_a_failure_while_deleting_keeps_the_draft_whole(
    chart: Chart, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = _create(chart, "ops")
    _ok(
        chart.org.client.post(
            f"{API}/campaigns/{draft['id']}/invitations",
            json={"unit_id": chart["day"], "count": 2},
            headers=chart.org.headers(),
        ),
        201,
    )

    def fail(*_args: Any, **_options: Any) -> None:
        raise RuntimeError("the server stopped")

    monkeypatch.setattr(repositories, "add_audit_event", fail)
    with unchanged(engine), pytest.raises(RuntimeError, match="the server stopped"):
        _delete(chart, draft["id"])
    monkeypatch.undo()
    assert _delete(chart, draft["id"]).status_code == 204
