"""Editing the org chart over HTTP, on SQLite and on PostgreSQL: the chart's rules on every
write, a re-import as an update with its preview, renaming, moving and changing a unit's kind,
and archiving; every refusal with its fields and reasons, and the database left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from api.services import campaigns as services
from api.services import org_chart
from api.services.access import init_organisation, issue_key
from api.services.org_chart import UnitImportRow
from api.store.models import (
    ApiKeyCreate,
    CampaignCreate,
    OrganisationCreate,
    Role,
    UnitCreate,
    UnitKind,
)
from tests.api.conftest import INSTRUMENT, Org

API = "/api/v1"
MISSING = 999_999
CSV = {"Content-Type": "text/csv"}
HEADER = "external_id,name,parent_external_id,kind\n"
NEEDS_A_PARENT = "a {kind} needs a parent: only the organisation, at the root, has none"
NOT_NULL = "cannot be null: leave the field out to keep its value"
IS_A_TEAM = "{} is a team: a team has no units under it"
HAS_UNITS = "a team has no units under it, and {} under this unit"
NO_PARENT = "an organisation is the root of the chart: it has no parent"
PARENT = "rows[2].parent_external_id"
OWN = "a unit cannot move under one of its own units"
UNKNOWN_KIND = "Input should be 'organisation', 'department' or 'team'"

# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


@dataclass(frozen=True)
class Chart:
    """Acme: Operations (the night and day shifts) and Sales (the North desk)."""

    org: Org
    units: dict[str, int]

    def __getitem__(self, external_id: str) -> int:
        return self.units[external_id]

    def label(self, external_id: str, name: str) -> str:
        """How a reason names a stored unit."""
        return f"{name!r} (unit {self.units[external_id]})"


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


def _rows(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
        }


@contextmanager
def unchanged(engine: Engine) -> Iterator[None]:
    """The block leaves every row of every table as it found it."""
    before = _rows(engine)
    yield
    assert _rows(engine) == before


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in response.json()["errors"]]


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _import(org: Org, text: str, *, dry_run: bool = False) -> httpx.Response:
    params = {"dry_run": "true"} if dry_run else {}
    return org.client.post(
        f"{API}/units/import", content=text, params=params, headers={**org.headers(), **CSV}
    )


def _patch(org: Org, unit_id: int, body: dict[str, Any]) -> httpx.Response:
    return org.client.patch(f"{API}/units/{unit_id}", json=body, headers=org.headers())


def _archive(org: Org, unit_id: int) -> httpx.Response:
    return org.client.post(f"{API}/units/{unit_id}/archive", headers=org.headers())


def _audit(org: Org) -> list[tuple[str, int | None]]:
    """The unit events of the audit log: action and unit."""
    log = _ok(org.client.get(f"{API}/audit", headers=org.headers()))
    return [(e["action"], e["unit_id"]) for e in log if e["action"].startswith("unit_")]


def _listed(org: Org, **params: str) -> dict[str, dict[str, Any]]:
    units = _ok(org.client.get(f"{API}/units", params=params, headers=org.headers()))
    return {u["external_id"]: u for u in units}


def _campaign(engine: Engine, organisation_id: int, unit_ids: list[int], **fields: Any) -> int:
    with Session(engine, expire_on_commit=False) as session:
        campaign = services.create_campaign(
            session,
            organisation_id=organisation_id,
            data=CampaignCreate.model_validate(
                {"name": "Spring", "instrument": INSTRUMENT, "unit_ids": unit_ids, **fields}
            ),
        )
    assert campaign.id is not None
    return campaign.id


# -- the rules, on creating a unit ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": "Globex", "kind": "organisation"},
            ("parent_id", "the chart has its root already, {acme}: an organisation has one"),
        ),
        ({"name": "Late shift"}, ("parent_id", NEEDS_A_PARENT.format(kind="team"))),
        (
            {"name": "Logistics", "kind": "department"},
            (
                "parent_id",
                "a department needs a parent: only the organisation, at the root, has none",
            ),
        ),
        (
            {"name": "Sub-team", "kind": "department", "parent": "night"},
            ("parent_id", "{night} is a team: a team has no units under it"),
        ),
        (
            {"name": "Late shift", "parent": "north"},
            ("parent_id", "{north} is a team: a team has no units under it"),
        ),
        (
            {"name": "Branch", "kind": "organisation", "parent": "ops"},
            ("parent_id", "an organisation is the root of the chart: it has no parent"),
        ),
        (
            {"name": "Late shift", "parent": MISSING},
            ("parent_id", f"unit {MISSING} does not exist"),
        ),
    ],
    ids=[
        "second-root",
        "team-without-parent",
        "department-without-parent",
        "department-under-a-team",
        "team-under-a-team",
        "organisation-under-a-unit",
        "unknown-parent",
    ],
)
def test_a_unit_breaking_the_charts_rules_is_not_created(
    chart: Chart, engine: Engine, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    parent = body.pop("parent", None)
    if parent is not None:
        body["parent_id"] = chart[parent] if isinstance(parent, str) else parent
    labels = {
        "acme": chart.label("acme", "Acme"),
        "night": chart.label("night", "Night shift"),
        "north": chart.label("north", "North desk"),
    }
    with unchanged(engine):
        refused = chart.org.client.post(f"{API}/units", json=body, headers=chart.org.headers())
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == [(expected[0], expected[1].format(**labels))]


def test_units_in_the_kinds_order_are_created(chart: Chart) -> None:
    made = {
        name: _ok(
            chart.org.client.post(
                f"{API}/units", json={"name": name, **body}, headers=chart.org.headers()
            ),
            201,
        )
        for name, body in {
            "Logistics": {"kind": "department", "parent_id": chart["ops"]},
            "Late shift": {"parent_id": chart["ops"]},
            "Front desk": {"parent_id": chart["acme"]},
        }.items()
    }
    assert made["Logistics"]["kind"] == "department"
    assert (made["Late shift"]["kind"], made["Late shift"]["archived_at"]) == ("team", None)


def test_a_lone_team_is_a_chart_and_grows_once_an_organisation_is_at_its_root(
    org: Org, engine: Engine
) -> None:
    """The decision for charts made before the rules (and the tests' one-team fixture): a
    chart of a single unit may be a team; an organisation may then be added at the root beside
    it, and the team moved under it."""
    lab = _ok(org.client.post(f"{API}/units", json={"name": "Lab"}, headers=org.headers()), 201)
    with unchanged(engine):
        refused = org.client.post(
            f"{API}/units", json={"name": "Bench", "parent_id": lab["id"]}, headers=org.headers()
        )
    assert _errors(refused) == [
        ("parent_id", f"'Lab' (unit {lab['id']}) is a team: a team has no units under it")
    ]
    root = _ok(
        org.client.post(
            f"{API}/units", json={"name": "Acme", "kind": "organisation"}, headers=org.headers()
        ),
        201,
    )
    moved = _ok(_patch(org, lab["id"], {"parent_id": root["id"]}))
    assert moved["parent_id"] == root["id"]


# -- importing as an update ---------------------------------------------------------------------


UPDATE = (
    HEADER
    + "acme,Acme,,organisation\n"
    + "ops,Operations & Logistics,acme,department\n"
    + "night,Night shift,sales,\n"
    + "day,Day shift,ops,department\n"
    + "late,Late shift,ops,team\n"
    + "eve,Evening,day,\n"
    + "sales,Sales,acme,\n"
)
"""Renames Operations, moves the night shift to Sales, makes the day shift a department with
a new team under it, adds the late shift; says nothing of the North desk."""

UPDATE_COUNTS = {
    "added": 2,
    "renamed": 1,
    "moved": 1,
    "kind_changed": 1,
    "report_language_changed": 0,
    "unchanged": 2,
    "left_alone": 1,
}


def test_a_chart_imported_again_updates_its_units_adds_new_ones_and_leaves_the_rest(
    chart: Chart,
) -> None:
    answer = _ok(_import(chart.org, UPDATE), 201)
    assert answer["stored"] is True
    assert answer["counts"] == UPDATE_COUNTS
    assert [x["external_id"] for x in answer["added"]] == ["late", "eve"]
    assert [(x["row"], x["before"]["name"], x["name"]) for x in answer["renamed"]] == [
        (3, "Operations", "Operations & Logistics")
    ]
    assert [(x["external_id"], x["before"]["parent_external_id"]) for x in answer["moved"]] == [
        ("night", "ops")
    ]
    assert [(x["before"]["kind"], x["kind"]) for x in answer["kind_changed"]] == [
        ("team", "department")
    ]
    assert [x["external_id"] for x in answer["unchanged"]] == ["acme", "sales"]
    assert [u["external_id"] for u in answer["left_alone"]] == ["north"]
    assert answer["errors"] == []
    assert [u["external_id"] for u in answer["units"]] == [
        "acme", "ops", "night", "day", "late", "eve", "sales",
    ]  # fmt: skip
    assert all(x["unit_id"] is not None for x in answer["added"])

    units = _listed(chart.org)
    assert units["ops"]["name"] == "Operations & Logistics"
    assert units["night"]["parent_id"] == chart["sales"]
    assert units["day"]["kind"] == "department"
    assert units["eve"]["parent_id"] == units["day"]["id"]
    assert units["north"]["parent_id"] == chart["sales"], "left alone"
    assert [u["id"] for u in answer["units"]][:4] == [
        chart[u] for u in ("acme", "ops", "night", "day")
    ]
    assert sorted(_audit(chart.org)) == sorted(
        [
            ("unit_renamed", chart["ops"]),
            ("unit_moved", chart["night"]),
            ("unit_kind_changed", chart["day"]),
        ]
    )


def test_a_preview_says_what_an_import_would_change_and_stores_nothing(
    chart: Chart, engine: Engine
) -> None:
    with unchanged(engine):
        preview = _ok(_import(chart.org, UPDATE, dry_run=True))
    assert (preview["stored"], preview["counts"], preview["units"]) == (False, UPDATE_COUNTS, [])
    assert [(x["external_id"], x["unit_id"]) for x in preview["added"]] == [
        ("late", None),
        ("eve", None),
    ]
    stored = _ok(_import(chart.org, UPDATE), 201)
    assert {k: v for k, v in stored.items() if k not in ("stored", "units", "added")} == {
        k: v for k, v in preview.items() if k not in ("stored", "units", "added")
    }


def test_importing_the_same_chart_again_changes_nothing(chart: Chart, engine: Engine) -> None:
    _ok(_import(chart.org, UPDATE), 201)
    with unchanged(engine):
        again = _ok(_import(chart.org, UPDATE), 201)
    assert again["counts"] == {**dict.fromkeys(UPDATE_COUNTS, 0), "unchanged": 7, "left_alone": 1}


BROKEN = (
    HEADER
    + "globex,Globex,,organisation\n"
    + "sub,Sub-team,night,department\n"
    + "ops,Operations,acme,team\n"
    + "x,X,nowhere,\n"
)


def test_a_preview_lists_every_problem_by_row_and_the_import_refuses_them_all(
    chart: Chart, engine: Engine
) -> None:
    expected = [
        (PARENT, "the chart has its root already, 'acme': an organisation has one"),
        ("rows[3].parent_external_id", IS_A_TEAM.format("'night'")),
        ("rows[4].kind", HAS_UNITS.format("'night', 'day' are")),
        ("rows[5].parent_external_id", "unknown parent 'nowhere'"),
    ]
    with unchanged(engine):
        preview = _ok(_import(chart.org, BROKEN, dry_run=True))
        refused = _import(chart.org, BROKEN)
    assert [(e["field"], e["reason"]) for e in preview["errors"]] == expected
    assert preview["counts"]["added"] == 3
    assert [x["external_id"] for x in preview["kind_changed"]] == ["ops"]
    assert refused.status_code == 422
    assert _errors(refused) == expected


def test_a_problem_names_the_files_line_past_blank_lines(chart: Chart, engine: Engine) -> None:
    """Blank lines are skipped, not counted out: each problem names the line a spreadsheet
    shows it on, as a bad value's does (the rows were numbered by place, two lines short)."""
    lines = BROKEN.splitlines(keepends=True)
    spaced = "".join([lines[0], "\n", lines[1], lines[2], "\n", *lines[3:]])
    with unchanged(engine):
        preview = _ok(_import(chart.org, spaced, dry_run=True))
    assert [e["field"] for e in preview["errors"]] == [
        "rows[3].parent_external_id",
        "rows[4].parent_external_id",
        "rows[6].kind",
        "rows[7].parent_external_id",
    ]
    assert spaced.splitlines()[6].startswith("x,X,nowhere")  # line 7
    bad_value = _import(chart.org, spaced.replace("x,X,nowhere,", "x,X,nowhere,tribe"))
    assert [f for f, _ in _errors(bad_value)] == ["rows[7].kind"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            "ops,Operations,night,department\n",
            [("rows", "rows 2 form a cycle: ops -> night -> ops")],
        ),
        ("branch,Branch,ops,organisation\n", [(PARENT, NO_PARENT)]),
        ("ops,Operations,,department\n", [(PARENT, NEEDS_A_PARENT.format(kind="department"))]),
        ("acme,Acme,,department\n", [(PARENT, NEEDS_A_PARENT.format(kind="department"))]),
        ("sales,Sales,acme,team\n", [("rows[2].kind", HAS_UNITS.format("'north' is"))]),
    ],
    ids=[
        "cycle-through-the-stored-chart",
        "organisation-under-a-unit",
        "second-root",
        "root-not-an-organisation",
        "team-over-a-team",
    ],
)
def test_a_row_that_would_break_the_stored_chart_is_refused(
    chart: Chart, engine: Engine, rows: str, expected: list[tuple[str, str]]
) -> None:
    with unchanged(engine):
        refused = _import(chart.org, HEADER + rows)
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == expected


def test_a_file_that_cannot_be_read_is_refused_by_the_preview_too(
    chart: Chart, engine: Engine
) -> None:
    with unchanged(engine):
        refused = _import(chart.org, "external_id,name\nx,X\n", dry_run=True)
    assert refused.status_code == 422
    assert _errors(refused) == [("header", "missing column(s): parent_external_id")]


# -- renaming, moving, changing the kind ---------------------------------------------------------


def test_a_unit_is_renamed_moved_and_given_another_kind_each_change_audited(
    chart: Chart, engine: Engine
) -> None:
    renamed = _ok(_patch(chart.org, chart["night"], {"name": "Nights"}))
    assert (renamed["name"], renamed["parent_id"]) == ("Nights", chart["ops"])
    moved = _ok(_patch(chart.org, chart["night"], {"parent_id": chart["sales"]}))
    assert (moved["name"], moved["parent_id"]) == ("Nights", chart["sales"])
    both = _ok(_patch(chart.org, chart["day"], {"name": "Days", "kind": "department"}))
    assert (both["name"], both["kind"]) == ("Days", "department")
    with unchanged(engine):
        _ok(_patch(chart.org, chart["day"], {"name": "Days", "parent_id": chart["ops"]}))
    assert _audit(chart.org) == [
        ("unit_renamed", chart["night"]),
        ("unit_moved", chart["night"]),
        ("unit_renamed", chart["day"]),
        ("unit_kind_changed", chart["day"]),
    ]
    log = _ok(chart.org.client.get(f"{API}/audit", headers=chart.org.headers()))
    actors = {e["actor"] for e in log if e["action"].startswith("unit_")}
    assert len(actors) == 1
    assert actors.pop().startswith("admin key ")


@pytest.mark.parametrize(
    ("unit", "body", "expected"),
    [
        ("ops", {"parent_id": "night"}, ("parent_id", "unit {night} is under unit {ops}: " + OWN)),
        ("ops", {"parent_id": "ops"}, ("parent_id", "a unit cannot be its own parent")),
        ("ops", {"kind": "team"}, ("kind", HAS_UNITS.format("{night_label}, {day_label} are"))),
        ("ops", {"parent_id": "north"}, ("parent_id", IS_A_TEAM.format("{north_label}"))),
        ("acme", {"kind": "department"}, ("parent_id", NEEDS_A_PARENT.format(kind="department"))),
        ("night", {"parent_id": None}, ("parent_id", NEEDS_A_PARENT.format(kind="team"))),
        ("night", {"kind": "organisation"}, ("parent_id", NO_PARENT)),
        ("night", {"parent_id": MISSING}, ("parent_id", f"unit {MISSING} does not exist")),
        ("night", {"name": None}, ("name", NOT_NULL)),
        ("night", {"kind": None}, ("kind", NOT_NULL)),
        ("night", {"kind": "squad"}, ("kind", UNKNOWN_KIND)),
    ],
    ids=[
        "under-its-own-unit",
        "its-own-parent",
        "team-with-units",
        "under-a-team",
        "root-not-an-organisation",
        "second-root",
        "organisation-under-a-unit",
        "unknown-parent",
        "null-name",
        "null-kind",
        "unknown-kind",
    ],
)
def test_a_change_breaking_the_chart_is_refused_naming_the_field(
    chart: Chart, engine: Engine, unit: str, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    sent = {k: chart[v] if k == "parent_id" and isinstance(v, str) else v for k, v in body.items()}
    labels = {
        **chart.units,
        "night_label": chart.label("night", "Night shift"),
        "day_label": chart.label("day", "Day shift"),
        "north_label": chart.label("north", "North desk"),
    }
    with unchanged(engine):
        refused = _patch(chart.org, chart[unit], sent)
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == [(expected[0], expected[1].format(**labels))]


# -- archiving ----------------------------------------------------------------------------------


def test_an_archived_unit_leaves_the_list_and_stays_for_the_asking(chart: Chart) -> None:
    archived = _ok(_archive(chart.org, chart["north"]))
    assert archived["archived_at"] is not None
    assert "north" not in _listed(chart.org)
    every = _listed(chart.org, archived="true")
    assert every["north"]["archived_at"] == archived["archived_at"]
    assert len(every) == 6
    assert _audit(chart.org) == [("unit_archived", chart["north"])]


def test_archiving_twice_changes_nothing(chart: Chart, engine: Engine) -> None:
    first = _ok(_archive(chart.org, chart["north"]))
    with unchanged(engine):
        again = _ok(_archive(chart.org, chart["north"]))
    assert again == first


def test_a_unit_with_units_under_it_is_archived_only_after_them(
    chart: Chart, engine: Engine
) -> None:
    with unchanged(engine):
        refused = _archive(chart.org, chart["ops"])
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"unit {chart['ops']} has units under it that are not archived:"
        f" {chart.label('night', 'Night shift')}, {chart.label('day', 'Day shift')};"
        " archive them or move them elsewhere first"
    }
    _ok(_archive(chart.org, chart["night"]))
    _ok(_patch(chart.org, chart["day"], {"parent_id": chart["sales"]}))
    _ok(_archive(chart.org, chart["ops"]))


@pytest.mark.parametrize("status", ["draft", "open"])
def test_a_unit_in_a_campaign_not_closed_is_not_archived(
    chart: Chart, engine: Engine, status: str
) -> None:
    campaign = _campaign(engine, chart.org.organisation_id, [chart["night"]])
    if status == "open":
        with Session(engine) as session:
            services.open_campaign(session, campaign_id=campaign)
    with unchanged(engine):
        refused = _archive(chart.org, chart["night"])
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"unit {chart['night']} takes part in campaigns not closed yet: {campaign}"
        f" ('Spring', {status}); archive it once they have closed, or take it out of the drafts"
    }


def test_an_archived_unit_keeps_its_history_and_takes_part_in_nothing_new(
    chart: Chart, engine: Engine
) -> None:
    night = chart["night"]
    campaign = _campaign(engine, chart.org.organisation_id, [night, chart["day"]])
    with Session(engine, expire_on_commit=False) as session:
        services.open_campaign(session, campaign_id=campaign)
        services.close_campaign(session, campaign_id=campaign)
    _ok(_archive(chart.org, night))
    admin = chart.org.headers()

    with Session(engine, expire_on_commit=False) as session:
        snapshot = services.load_snapshot(session, campaign_id=campaign)
    assert {u.id: u.name for u in snapshot.units}[night] == "Night shift"
    shown = _ok(chart.org.client.get(f"{API}/campaigns/{campaign}", headers=admin))
    assert night in [u["id"] for u in shown["units"]]

    body = {"name": "Autumn", "instrument": INSTRUMENT, "unit_ids": [night]}
    with unchanged(engine):
        no_campaign = chart.org.client.post(f"{API}/campaigns", json=body, headers=admin)
        no_child = chart.org.client.post(
            f"{API}/units", json={"name": "Late", "parent_id": night}, headers=admin
        )
        no_change = _patch(chart.org, night, {"name": "Nights"})
        no_row = _import(chart.org, HEADER + "night,Nights,ops,\nlate,Late,night,\n")
    assert _errors(no_campaign) == [
        ("unit_ids[0]", f"unit {night} is archived: it takes part in no new campaign")
    ]
    assert _errors(no_child) == [("parent_id", f"unit {night} is archived: no unit goes under it")]
    assert (no_change.status_code, no_change.json()) == (
        409,
        {"detail": f"unit {night} is archived: it no longer changes"},
    )
    assert _errors(no_row) == [
        (
            "rows[2].external_id",
            f"'night' is the id of unit {night}, archived: an archived unit does not change;"
            " give a new unit an id of its own",
        ),
        ("rows[3].parent_external_id", "'night' is archived: no unit goes under an archived unit"),
    ]

    # A campaign reopened (its results unread) invites nobody more in the archived unit.
    _ok(chart.org.client.post(f"{API}/campaigns/{campaign}/reopen", headers=admin))
    with unchanged(engine):
        refused = chart.org.client.post(
            f"{API}/campaigns/{campaign}/invitations",
            json={"unit_id": night, "count": 1},
            headers=admin,
        )
    assert (refused.status_code, refused.json()) == (
        409,
        {"detail": f"unit {night} is archived: it receives no invitations"},
    )


def test_a_campaign_over_a_department_leaves_its_archived_teams_out(
    chart: Chart, engine: Engine
) -> None:
    _ok(_archive(chart.org, chart["night"]))
    campaign = _campaign(engine, chart.org.organisation_id, [chart["ops"]])
    with Session(engine) as session:
        assert services.campaign_unit_ids(session, campaign_id=campaign) == {
            chart["ops"],
            chart["day"],
        }


# -- who may: 403 for a leader, 404 for another organisation's unit -----------------------------


def _calls(unit_id: int) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    return {
        "patch": ("PATCH", f"/units/{unit_id}", {"name": "Mine now"}),
        "archive": ("POST", f"/units/{unit_id}/archive", None),
    }


def test_a_leader_cannot_edit_the_chart(chart: Chart, engine: Engine) -> None:
    with Session(engine) as session:
        leader = issue_key(
            session,
            organisation_id=chart.org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=chart["ops"]),
        )
    headers = chart.org.headers(leader.key)
    with unchanged(engine):
        answers = [
            chart.org.client.request(method, API + path, json=body, headers=headers)
            for method, path, body in _calls(chart["night"]).values()
        ] + [
            chart.org.client.post(
                f"{API}/units/import",
                content=UPDATE,
                params={"dry_run": "true"},
                headers={**headers, **CSV},
            )
        ]
    assert {(a.status_code, a.text) for a in answers} == {
        (403, '{"detail":"this needs an admin key"}')
    }


def test_another_organisations_unit_is_answered_like_a_missing_one(
    chart: Chart, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        globex, _ = init_organisation(session, OrganisationCreate(name="Globex"))
        assert globex.id is not None
        lab = org_chart.create_unit(session, organisation_id=globex.id, data=UnitCreate(name="Lab"))
    assert lab.id is not None
    theirs, missing = _calls(lab.id), _calls(MISSING)
    for name, (method, path, body) in theirs.items():
        with unchanged(engine):
            refused = chart.org.client.request(
                method, API + path, json=body, headers=chart.org.headers()
            )
            absent = chart.org.client.request(
                method, API + missing[name][1], json=body, headers=chart.org.headers()
            )
        assert (refused.status_code, absent.status_code) == (404, 404), name
        assert refused.json() == {"detail": f"unit {lab.id} does not exist"}
        assert absent.json() == {"detail": f"unit {MISSING} does not exist"}
    with unchanged(engine):
        under_theirs = chart.org.client.post(
            f"{API}/units", json={"name": "X", "parent_id": lab.id}, headers=chart.org.headers()
        )
    assert _errors(under_theirs) == [("parent_id", f"unit {lab.id} does not exist")]
