"""What the access matrices (tests/api/test_api_route_matrix.py for the JSON API,
tests/api/test_page_route_matrix.py for the pages) share: the app's route table, the callers,
and one staged world per database that every (route, caller) cell runs against.

The world: Acme, with an org chart, four campaigns (closed with answers, open with a
respondent's link, closed unread, draft), API keys and accounts for its admin, its auditor and
two leaders (one inside the closed campaign, one outside it); Globex, another organisation
with its admin's key and account."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel
from starlette.routing import Mount

from analysis.simulate import simulate_organisation
from api.app import API_PREFIX, create_app
from api.services import accounts, org_chart
from api.services import campaigns as services
from api.services.access import (
    KEY_PREFIX,
    TOKEN_PREFIX,
    init_organisation,
    issue_key,
    new_secret,
    revoke_key,
)
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store.models import ApiKeyCreate, CampaignCreate, OrganisationCreate, ResponseCreate, Role
from instrument import load_builtin
from tests.api.conftest import COUNTERS, INSTRUMENT
from tests.api.pages import PASSWORD
from tests.conftest import migrated_database

ROLES = (
    "none",
    "bad_key",
    "respondent",
    "leader_in",
    "leader_out",
    "other_admin",
    "admin",
    "auditor",
)
"""Every kind of caller: no credential; a well-formed API key that is nobody's; the token of
a respondent's link (a campaign of Acme's); the leader of a team of the closed campaign (the
night shift) and the leader of a team outside every campaign of theirs (the north desk);
Globex's admin; Acme's admin and auditor."""

SIGNED_IN = ("leader_in", "leader_out", "other_admin", "admin", "auditor")
"""The roles with an account: they sign in to the pages."""

EMAILS = {
    "admin": "hr@acme.example",
    "auditor": "works@acme.example",
    "leader_in": "night@acme.example",
    "leader_out": "north@acme.example",
    "other_admin": "hr@globex.example",
}
SPARE_EMAIL = "spare@acme.example"
"""A leader of the south desk who never signs in: the account whose password HR may reset."""

CHART = [
    UnitImportRow(external_id="acme", name="Acme", kind="organisation"),
    UnitImportRow(
        external_id="ops", name="Operations", parent_external_id="acme", kind="department"
    ),
    UnitImportRow(external_id="night", name="Night shift", parent_external_id="ops"),
    UnitImportRow(external_id="day", name="Day shift", parent_external_id="ops"),
    UnitImportRow(external_id="weekend", name="Weekend crew", parent_external_id="ops"),
    UnitImportRow(external_id="sales", name="Sales", parent_external_id="acme", kind="department"),
    UnitImportRow(external_id="north", name="North desk", parent_external_id="sales"),
    UnitImportRow(external_id="south", name="South desk", parent_external_id="sales"),
    UnitImportRow(external_id="lab", name="Lab", parent_external_id="acme", kind="department"),
    UnitImportRow(external_id="bench", name="Bench", parent_external_id="lab"),
    UnitImportRow(external_id="solo", name="Solo", parent_external_id="lab"),
    UnitImportRow(external_id="spare", name="Spare", parent_external_id="lab"),
]
ANSWERING = {"night": 9, "day": 10, "weekend": 3}
"""The closed campaign's answers: the night and day shifts have reports, the weekend crew is
under the minimum group size."""
ASSET = "fonts/DejaVuSans.ttf"

RATE_LIMITS = (
    "RATE_LIMIT_TOKENS",
    "RATE_LIMIT_KEYS",
    "RATE_LIMIT_SIGN_INS_PER_ACCOUNT",
    "RATE_LIMIT_SIGN_INS_PER_CLIENT",
)
"""The settings of the guessing limits (``api.settings``): the matrices send hundreds of wrong
keys, tokens and passwords from one client, and set them out of reach."""

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""The params of a module's ``world`` fixture: one world per database."""


@dataclass(frozen=True)
class World:
    """The staged organisations on a running app: ``ids`` by name (units by external id,
    campaigns, keys, accounts, the respondent's token and a token that is nobody's), the API
    key or token each role sends (``None``: nothing)."""

    client: TestClient
    engine: Engine
    ids: dict[str, Any]
    keys: dict[str, str | None]


def _campaign(
    session: Session, organisation_id: int, name: str, unit_ids: list[int], *, open_it: bool
) -> int:
    campaign = services.create_campaign(
        session,
        organisation_id=organisation_id,
        data=CampaignCreate(name=name, instrument=INSTRUMENT, unit_ids=unit_ids),
    )
    assert campaign.id is not None
    if open_it:
        services.open_campaign(session, campaign_id=campaign.id)
    return campaign.id


def _account(
    session: Session, organisation_id: int, email: str, role: Role, unit: int | None
) -> int:
    made = accounts.create_account(
        session,
        organisation_id=organisation_id,
        data=AccountCreate(
            email=email, name=email.split("@")[0], role=role, unit_id=unit, password=PASSWORD
        ),
        actor="test",
    )
    assert made.id is not None
    return made.id


def stage(engine: Engine, client: TestClient) -> World:
    """Acme: a campaign over Operations, closed with answers ("closed"); an open one over the
    bench ("open") with a respondent's token; a closed one nobody answered nor read ("unread");
    a draft ("draft"). Keys: admin, auditor, two leaders, a spare leader key and a revoked one;
    accounts for the admin, the auditor, the two leaders and a spare leader. Globex: another
    organisation with its admin's key and account."""
    with Session(engine, expire_on_commit=False) as session:
        acme, admin = init_organisation(session, OrganisationCreate(name="Acme"))
        globex, other_admin = init_organisation(session, OrganisationCreate(name="Globex"))
        assert acme.id is not None
        assert globex.id is not None
        made = org_chart.import_units(session, organisation_id=acme.id, rows=CHART)
        ids: dict[str, Any] = {u.external_id or "": u.id for u in made}
        ids["closed"] = _campaign(session, acme.id, "Spring", [ids["ops"]], open_it=True)
        ids["open"] = _campaign(session, acme.id, "Pulse", [ids["bench"]], open_it=True)
        ids["unread"] = _campaign(session, acme.id, "Unread", [ids["solo"]], open_it=True)
        ids["draft"] = _campaign(session, acme.id, "Draft", [ids["spare"]], open_it=False)
        instrument = load_builtin(INSTRUMENT)
        simulated = simulate_organisation(
            instrument=instrument, team_sizes=list(ANSWERING.values()), seed=5
        ).responses
        responses = [
            ResponseCreate(
                unit_id=ids[team],
                answers={
                    i: None if math.isnan(row[i]) else int(row[i]) for i in instrument.item_ids
                },
            )
            for team, (_, rows) in zip(
                ANSWERING, simulated.groupby("team", sort=False), strict=True
            )
            for _, row in rows.iterrows()
        ]
        services.submit_responses(session, campaign_id=ids["closed"], responses=responses)
        services.close_campaign(session, campaign_id=ids["closed"])
        services.close_campaign(session, campaign_id=ids["unread"])

        def key(role: Role, unit: str | None = None) -> Any:
            data = ApiKeyCreate(role=role, unit_id=None if unit is None else ids[unit])
            return issue_key(session, organisation_id=acme.id or 0, data=data)

        auditor = key(Role.auditor)
        leader_in, leader_out = key(Role.leader, "night"), key(Role.leader, "north")
        spare, revoked = key(Role.leader, "south"), key(Role.leader, "south")
        revoke_key(session, organisation_id=acme.id, key_id=revoked.id, actor="test")
        ids |= {"admin_key": admin.id, "spare_key": spare.id, "revoked_key": revoked.id}
        ids["acme_keys"] = {admin.id, auditor.id, leader_in.id, leader_out.id, spare.id, revoked.id}
        units = {"leader_in": ids["night"], "leader_out": ids["north"]}
        for role, email in EMAILS.items():
            organisation = globex.id if role == "other_admin" else acme.id
            kind = Role.leader if role in units else Role(role.removeprefix("other_"))
            ids[f"{role}_account"] = _account(session, organisation, email, kind, units.get(role))
        ids["spare_account"] = _account(session, acme.id, SPARE_EMAIL, Role.leader, ids["south"])
    invited = client.post(
        f"{API_PREFIX}/campaigns/{ids['open']}/invitations",
        json={"unit_id": ids["bench"], "count": 1},
        headers={"Authorization": f"Bearer {admin.key}"},
    )
    assert invited.status_code == 201, invited.text
    ids["token"] = invited.json()["tokens"][0]
    # Well-formed, and nobody's.
    ids["bad_token"] = new_secret(TOKEN_PREFIX)
    ids["asset"] = ASSET
    keys = {
        "none": None,
        "bad_key": new_secret(KEY_PREFIX),
        "respondent": ids["token"],
        "admin": admin.key,
        "auditor": auditor.key,
        "leader_in": leader_in.key,
        "leader_out": leader_out.key,
        "other_admin": other_admin.key,
    }
    return World(client=client, engine=engine, ids=ids, keys=keys)


def staged_world(
    request: pytest.FixtureRequest, folder: Path, *, base_url: str = "http://testserver"
) -> Iterator[World]:
    """The body of a module's ``world`` fixture (params ``DATABASES``): the app on a fresh
    database of ``request.param`` with the world staged, its guessing limits out of reach."""
    with pytest.MonkeyPatch.context() as patch:
        for name in RATE_LIMITS:
            patch.setenv(name, "1000000")
        get_settings.cache_clear()
        try:
            with (
                migrated_database(request.param, folder) as engine,
                TestClient(create_app(engine), base_url=base_url) as client,
            ):
                yield stage(engine, client)
        finally:
            get_settings.cache_clear()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, as ``tests.api.conftest.table_counts`` counts them, in one statement:
    the matrices count before and after each of more than a thousand cells."""
    tables = SQLModel.metadata.sorted_tables
    query = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )
    with engine.connect() as connection:
        row = connection.execute(query).one()
    return {t.name: int(count) for t, count in zip(tables, row, strict=True)}


def changed_tables(engine: Engine, before: dict[str, int]) -> set[str]:
    """The tables whose row count (``row_counts``) is not ``before``'s, but for ``COUNTERS``."""
    after = row_counts(engine)
    return {t for t, count in after.items() if count != before.get(t) and t not in COUNTERS}


# -- the route table ----------------------------------------------------------------------------

_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from its route table: the routes of every router
    it includes (whether OpenAPI shows them or not) and, for a mounted app (static files), GET
    on ``<mount>/{path}``. Parameters are written as OpenAPI does, without their convertor
    (``{rest}`` for ``{rest:path}``); HEAD, which Starlette adds to every GET, is left out."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", f"{route.original_route.path}/{{path}}"))
            continue
        assert route.path is not None, route
        path = _PARAMETER.sub(lambda m: f"{{{m.group(1)}}}", route.path)
        found |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return found


def fill(template: str, values: dict[str, str]) -> str:
    """A route's path with its parameters (``{name}`` or ``{name:convertor}``) filled in."""
    return _PARAMETER.sub(lambda m: values[m.group(1)], template)
