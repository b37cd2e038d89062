"""Every refusal of the collection API over HTTP, on SQLite and on PostgreSQL: the status, the
fields and reasons it names, and a database left exactly as it was before the request."""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text, update
from sqlmodel import Session, SQLModel, col

from api.app import create_app
from api.http.organisation import parse_unit_csv
from api.services import campaigns as services
from api.services import org_chart
from api.services.access import authenticate, digest, init_organisation, issue_key
from api.services.collection import issue_invitations
from api.store import repositories
from api.store.models import (
    ApiKey,
    ApiKeyCreate,
    Campaign,
    CampaignCreate,
    Invitation,
    InvitationCreate,
    OrganisationCreate,
    Role,
    UnitCreate,
)
from api.store.submissions import AsyncSubmissionTransaction, SubmissionTransaction
from instrument import load_builtin
from tests.api.conftest import COUNTERS, INSTRUMENT, Org, table_counts
from tests.conftest import migrated_database

API = "/api/v1"
MISSING = 999_999
"""An id no row has."""

ITEMS = load_builtin(INSTRUMENT).item_ids
COMPLETE = dict.fromkeys(ITEMS, 4)
REQUIRED = "is required: answer it, or choose 'does not apply'"
NOT_AN_INTEGER = "Input should be a valid integer"

CHART = """\
external_id,name,parent_external_id,kind
acme,Acme,,organisation
ops,Operations,acme,department
night,Night shift,ops,team
day,Day shift,ops,team
sales,Sales,acme,department
north,North desk,sales,team
"""

OPENS, CLOSES = "2020-01-01T08:00:00", "2099-12-31T18:00:00"


@dataclass(frozen=True)
class World:
    """Acme's units, three campaigns, a leader of Operations and unused invitations.

    ``spring`` is open (from ``OPENS`` to ``CLOSES``) over the night shift, the day shift and
    the North desk; ``draft`` is not open yet, over the two shifts; ``sales`` is open over the
    North desk only, so it has none of the leader's units.
    """

    org: Org
    units: dict[str, int]
    spring: int
    draft: int
    sales: int
    leader_key: str
    tokens: list[str]

    @property
    def client(self) -> TestClient:
        return self.org.client

    @property
    def admin(self) -> dict[str, str]:
        return self.org.headers()

    @property
    def leader(self) -> dict[str, str]:
        return self.org.headers(self.leader_key)


@dataclass(frozen=True)
class Call:
    """One request, with everything it needs but the key."""

    method: str
    path: str
    json: Any = None
    content: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, client: TestClient, headers: dict[str, str]) -> httpx.Response:
        # Typed here: mypy takes the test client's answers for Any (starlette imports httpx
        # under one of two names).
        response: httpx.Response = client.request(
            self.method,
            API + self.path,
            json=self.json,
            content=self.content,
            headers={**self.headers, **headers},
        )
        return response


def _created(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def _campaign(org: Org, unit_ids: list[int], **fields: Any) -> int:
    body = {"name": "Campaign", "instrument": INSTRUMENT, "unit_ids": unit_ids, **fields}
    return int(
        _created(org.client.post(f"{API}/campaigns", json=body, headers=org.headers()))["id"]
    )


def _open(org: Org, campaign_id: int) -> None:
    _created(org.client.post(f"{API}/campaigns/{campaign_id}/open", headers=org.headers()))


def _invite(org: Org, campaign_id: int, unit_id: int, count: int = 1) -> list[str]:
    response = org.client.post(
        f"{API}/campaigns/{campaign_id}/invitations",
        json={"unit_id": unit_id, "count": count},
        headers=org.headers(),
    )
    return list(_created(response)["tokens"])


def _stage_campaign(
    session: Session, organisation_id: int, unit_ids: list[int], *, open_it: bool, **dates: str
) -> int:
    campaign = services.create_campaign(
        session,
        organisation_id=organisation_id,
        data=CampaignCreate.model_validate(
            {"name": "Campaign", "instrument": INSTRUMENT, "unit_ids": unit_ids, **dates}
        ),
    )
    assert campaign.id is not None
    if open_it:
        services.open_campaign(session, campaign_id=campaign.id)
    return campaign.id


# -- fixtures -----------------------------------------------------------------------------------
#
# Migrating a database and starting an app took most of this module's time when each test had
# its own: here each kind of database is migrated once, with one app on it, for the whole module
# (``engine``, ``client`` and ``org`` override the per-test fixtures of tests/conftest.py and
# tests/api/conftest.py). Tests stay apart by organisation instead: a test that changes anything,
# even by a request that succeeds on the way, gets an organisation of its own (``world``); a test
# whose requests are all refused or read only uses ``shared_world``, staged once, and the
# database is then checked unchanged, whole, after it (so a shared test that changed it fails
# itself, rather than the tests after it). "The database unchanged" compares whole-table
# snapshots taken inside the test (``unchanged``), which holds on a database other tests wrote
# to before; rows are counted before and after, never expected to be the test's alone.


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database of each kind for the module's tests."""
    with migrated_database(request.param, tmp_path_factory.mktemp("db")) as made:
        yield made


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    """One app on that database for the module's tests."""
    with TestClient(create_app(engine)) as test_client:
        yield test_client


_ORGANISATIONS = itertools.count(1)


def _new_org(client: TestClient, engine: Engine, name: str) -> Org:
    with Session(engine, expire_on_commit=False) as session:
        organisation, key = init_organisation(session, OrganisationCreate(name=name))
    assert organisation.id is not None
    return Org(client=client, organisation_id=organisation.id, admin_key=key.key)


@pytest.fixture
def org(client: TestClient, engine: Engine) -> Org:
    """A new organisation, with a name of its own (two organisations cannot share one)."""
    return _new_org(client, engine, f"Acme {next(_ORGANISATIONS)}")


def _stage_world(org: Org, engine: Engine) -> World:
    # Staged through the services rather than over HTTP: it is the scenery of these tests,
    # not their subject, and building it over HTTP for each of them is markedly slower.
    with Session(engine, expire_on_commit=False) as session:
        created = org_chart.import_units(
            session, organisation_id=org.organisation_id, rows=parse_unit_csv(CHART)
        )
        units = {u.external_id or "": u.id or 0 for u in created}
        shifts = [units["night"], units["day"]]
        stage = functools.partial(_stage_campaign, session, org.organisation_id)
        spring = stage(
            [*shifts, units["north"]], open_it=True, opens_at=OPENS + "Z", closes_at=CLOSES + "Z"
        )
        draft = stage(shifts, open_it=False)
        sales = stage([units["north"]], open_it=True)
        leader = issue_key(
            session,
            organisation_id=org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=units["ops"]),
        )
        tokens = issue_invitations(
            session,
            principal=authenticate(session, key=org.admin_key),
            campaign_id=spring,
            data=InvitationCreate(unit_id=units["night"], count=3),
        )
    return World(
        org=org,
        units=units,
        spring=spring,
        draft=draft,
        sales=sales,
        leader_key=leader.key,
        tokens=tokens,
    )


@pytest.fixture
def world(org: Org, engine: Engine) -> World:
    """An organisation of the test's own, for a test that changes something."""
    return _stage_world(org, engine)


@pytest.fixture(scope="module")
def _shared(client: TestClient, engine: Engine) -> World:
    shared = _stage_world(_new_org(client, engine, "Acme"), engine)
    # The draft ``_save_a_draft`` saves, saved already: saving it again changes nothing.
    _save_a_draft(shared)
    return shared


@pytest.fixture
def shared_world(_shared: World, engine: Engine) -> Iterator[World]:
    """The organisation of the tests whose requests are all refused or only read: the whole
    database is the same after the test as before it."""
    before = _table_rows(engine)
    yield _shared
    assert _table_rows(engine) == before, "a test on the shared organisation changed it"


@dataclass(frozen=True)
class Elsewhere:
    """Another organisation's unit and open campaign."""

    unit: int
    campaign: int


@pytest.fixture(scope="module")
def elsewhere(engine: Engine) -> Elsewhere:
    with Session(engine, expire_on_commit=False) as session:
        organisation, _ = init_organisation(session, OrganisationCreate(name="Globex"))
        assert organisation.id is not None
        unit = org_chart.create_unit(
            session, organisation_id=organisation.id, data=UnitCreate(name="Lab")
        )
        assert unit.id is not None
        campaign = _stage_campaign(session, organisation.id, [unit.id], open_it=True)
    return Elsewhere(unit=unit.id, campaign=campaign)


def _table_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, sorted: updates show here even where counts do not move."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
            if table.name not in COUNTERS
        }


@contextmanager
def unchanged(engine: Engine) -> Iterator[None]:
    """The block leaves the database as it found it: the same rows, holding the same values."""
    counts, rows = table_counts(engine), _table_rows(engine)
    yield
    assert table_counts(engine) == counts
    assert _table_rows(engine) == rows


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(e["field"], e["reason"]) for e in response.json()["errors"]]


def _as_if(response: httpx.Response, identifier: int) -> Any:
    """The body with ``MISSING`` written as ``identifier``: to compare two refusals."""
    return json.loads(response.text.replace(str(MISSING), str(identifier)))


# -- 401 ----------------------------------------------------------------------------------------


NO_KEY = "send an API key as 'Authorization: Bearer <key>'"
BAD_AUTHORIZATIONS: dict[str, tuple[str | None, str]] = {
    "no header": (None, NO_KEY),
    "another scheme": ("Basic YWRtaW46c2VjcmV0", NO_KEY),
    "the scheme alone": ("Bearer", NO_KEY),
    "a blank key": ("Bearer ", NO_KEY),
    "the key without its scheme": ("{admin_key}", NO_KEY),
    "a key that does not exist": ("Bearer tvk_not-a-key", "the API key is not valid"),
}


def test_a_request_without_a_valid_key_is_refused_with_401(
    shared_world: World, engine: Engine
) -> None:
    for case, (authorization, detail) in BAD_AUTHORIZATIONS.items():
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization.format(admin_key=shared_world.org.admin_key)
        with unchanged(engine):
            refused = shared_world.client.post(
                f"{API}/units",
                json={"name": "Late shift", "parent_id": shared_world.units["ops"]},
                headers=headers,
            )
        assert refused.status_code == 401, case
        assert refused.headers["WWW-Authenticate"] == "Bearer", case
        assert refused.json() == {"detail": detail}, case


def test_a_revoked_key_is_refused_with_401(world: World, engine: Engine) -> None:
    assert world.client.get(f"{API}/units", headers=world.leader).status_code == 200
    with engine.begin() as connection:
        connection.execute(
            update(ApiKey)
            .where(
                col(ApiKey.organisation_id) == world.org.organisation_id,
                col(ApiKey.role) == Role.leader,
            )
            .values(revoked=True)
        )
    with unchanged(engine):
        response = world.client.get(f"{API}/units", headers=world.leader)
    assert response.status_code == 401
    assert response.json() == {"detail": "the API key is not valid"}


def _authenticated_calls(w: World) -> list[Call]:
    night = w.units["night"]
    return [
        Call("POST", "/keys", {"role": "admin"}),
        Call("GET", "/units"),
        Call("POST", "/units", {"name": "Late shift"}),
        Call("POST", "/units/import", content="external_id,name,parent_external_id\nx,X,\n"),
        Call("GET", "/campaigns"),
        Call("POST", "/campaigns", {"name": "C", "instrument": INSTRUMENT, "unit_ids": [night]}),
        Call("GET", f"/campaigns/{w.spring}"),
        Call("PATCH", f"/campaigns/{w.draft}", {"name": "Renamed"}),
        Call("POST", f"/campaigns/{w.draft}/open"),
        Call("POST", f"/campaigns/{w.spring}/close"),
        Call("POST", f"/campaigns/{w.spring}/invitations", {"unit_id": night, "count": 1}),
        Call("GET", f"/campaigns/{w.spring}/progress"),
        Call("GET", f"/campaigns/{w.spring}/results"),
        Call("GET", f"/campaigns/{w.spring}/units/{night}/report.pdf"),
    ]


def test_every_route_but_responding_needs_a_key(shared_world: World, engine: Engine) -> None:
    with unchanged(engine):
        for call in _authenticated_calls(shared_world):
            response = call.send(shared_world.client, {})
            assert response.status_code == 401, f"{call.method} {call.path}: {response.text}"


# -- 403 ----------------------------------------------------------------------------------------


def _admin_only_calls(w: World) -> dict[str, Call]:
    night, ops = w.units["night"], w.units["ops"]
    return {
        "issue-key": Call("POST", "/keys", {"role": "leader", "unit_id": night}),
        "create-unit": Call("POST", "/units", {"name": "Late shift", "parent_id": ops}),
        "import-units": Call(
            "POST",
            "/units/import",
            content="external_id,name,parent_external_id\nlate,Late shift,ops\n",
            headers={"Content-Type": "text/csv"},
        ),
        "create-campaign": Call(
            "POST", "/campaigns", {"name": "Autumn", "instrument": INSTRUMENT, "unit_ids": [night]}
        ),
        "open-campaign": Call("POST", f"/campaigns/{w.draft}/open"),
        "close-campaign": Call("POST", f"/campaigns/{w.spring}/close"),
        "update-campaign": Call("PATCH", f"/campaigns/{w.draft}", {"name": "Renamed"}),
        "issue-invitations": Call(
            "POST", f"/campaigns/{w.spring}/invitations", {"unit_id": night, "count": 2}
        ),
    }


ADMIN_ONLY = [
    "issue-key",
    "create-unit",
    "import-units",
    "create-campaign",
    "open-campaign",
    "close-campaign",
    "update-campaign",
    "issue-invitations",
]


@pytest.mark.parametrize("name", ADMIN_ONLY)
def test_a_leader_calling_an_admin_route_is_refused_with_403(
    world: World, engine: Engine, name: str
) -> None:
    call = _admin_only_calls(world)[name]
    with unchanged(engine):
        refused = call.send(world.client, world.leader)
    assert refused.status_code == 403, refused.text
    assert refused.json() == {"detail": "this needs an admin key"}
    # The same request is fine for an admin: the role alone was refused.
    assert call.send(world.client, world.admin).status_code in (200, 201)


def test_a_leaders_403_says_nothing_about_whether_the_campaign_exists(
    shared_world: World, engine: Engine
) -> None:
    with unchanged(engine):
        answers = [
            shared_world.client.post(
                f"{API}/campaigns/{campaign}/close", headers=shared_world.leader
            )
            for campaign in (shared_world.spring, shared_world.sales, MISSING)
        ]
    assert {(a.status_code, a.text) for a in answers} == {
        (403, '{"detail":"this needs an admin key"}')
    }


# -- 404: out of scope, another organisation, unknown ids ----------------------------------------


@pytest.mark.parametrize(
    "suffix",
    ["", "/results", "/progress", "/units/{north}/report.pdf", "/units/{north}/report.html"],
    ids=lambda s: s or "get",
)
def test_a_leader_gets_404_for_a_campaign_without_any_of_their_units(
    shared_world: World, engine: Engine, suffix: str
) -> None:
    path = suffix.format(north=shared_world.units["north"])
    with unchanged(engine):
        hidden = shared_world.client.get(
            f"{API}/campaigns/{shared_world.sales}{path}", headers=shared_world.leader
        )
        missing = shared_world.client.get(
            f"{API}/campaigns/{MISSING}{path}", headers=shared_world.leader
        )
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json() == {"detail": f"campaign {shared_world.sales} does not exist"}
    assert hidden.json() == _as_if(missing, shared_world.sales)
    # The admin sees the same campaign.
    assert (
        shared_world.client.get(
            f"{API}/campaigns/{shared_world.sales}", headers=shared_world.admin
        ).status_code
        == 200
    )


@pytest.mark.parametrize("report", ["report.pdf", "report.html"])
def test_a_leader_gets_the_404_of_a_missing_unit_for_a_report_outside_their_subtree(
    shared_world: World, engine: Engine, report: str
) -> None:
    north = shared_world.units["north"]
    base = f"{API}/campaigns/{shared_world.spring}/units"
    with unchanged(engine):
        outside = shared_world.client.get(f"{base}/{north}/{report}", headers=shared_world.leader)
        missing = shared_world.client.get(f"{base}/{MISSING}/{report}", headers=shared_world.leader)
    assert (outside.status_code, missing.status_code) == (404, 404)
    assert outside.headers["content-type"] == missing.headers["content-type"]
    assert outside.json() == {"detail": f"unit {north} does not exist"}
    assert outside.json() == _as_if(missing, north)


def test_a_leader_lists_only_their_subtree_and_their_campaigns(shared_world: World) -> None:
    units = shared_world.client.get(f"{API}/units", headers=shared_world.leader).json()
    assert {u["id"] for u in units} == {shared_world.units[u] for u in ("ops", "night", "day")}
    campaigns = shared_world.client.get(f"{API}/campaigns", headers=shared_world.leader).json()
    assert {c["id"] for c in campaigns} == {shared_world.spring, shared_world.draft}
    everything = shared_world.client.get(f"{API}/campaigns", headers=shared_world.admin).json()
    assert {c["id"] for c in everything} == {
        shared_world.spring,
        shared_world.draft,
        shared_world.sales,
    }


def _foreign_campaign_calls(campaign: int, unit: int) -> dict[str, Call]:
    return {
        "get": Call("GET", f"/campaigns/{campaign}"),
        "results": Call("GET", f"/campaigns/{campaign}/results"),
        "progress": Call("GET", f"/campaigns/{campaign}/progress"),
        "report": Call("GET", f"/campaigns/{campaign}/units/{unit}/report.pdf"),
        "open": Call("POST", f"/campaigns/{campaign}/open"),
        "close": Call("POST", f"/campaigns/{campaign}/close"),
        "update": Call("PATCH", f"/campaigns/{campaign}", {"name": "Mine now"}),
        "invite": Call("POST", f"/campaigns/{campaign}/invitations", {"unit_id": unit, "count": 1}),
    }


def test_another_organisations_campaign_does_not_exist_for_an_admin(
    shared_world: World, elsewhere: Elsewhere, engine: Engine
) -> None:
    theirs = _foreign_campaign_calls(elsewhere.campaign, elsewhere.unit)
    missing = _foreign_campaign_calls(MISSING, elsewhere.unit)
    for name, call in theirs.items():
        with unchanged(engine):
            refused = call.send(shared_world.client, shared_world.admin)
            absent = missing[name].send(shared_world.client, shared_world.admin)
        assert (refused.status_code, absent.status_code) == (404, 404), f"{name}: {refused.text}"
        assert refused.json() == {"detail": f"campaign {elsewhere.campaign} does not exist"}, name
        assert refused.json() == _as_if(absent, elsewhere.campaign), name


def _unit_calls(w: World, unit: int) -> dict[str, Call]:
    return {
        "campaign-units": Call(
            "POST", "/campaigns", {"name": "C", "instrument": INSTRUMENT, "unit_ids": [unit]}
        ),
        "leader-key": Call("POST", "/keys", {"role": "leader", "unit_id": unit}),
        "parent": Call("POST", "/units", {"name": "Late shift", "parent_id": unit}),
        "report": Call("GET", f"/campaigns/{w.spring}/units/{unit}/report.pdf"),
        "invite": Call("POST", f"/campaigns/{w.spring}/invitations", {"unit_id": unit, "count": 1}),
        "move-campaign": Call("PATCH", f"/campaigns/{w.draft}", {"unit_ids": [unit]}),
    }


def test_another_organisations_unit_is_answered_like_a_unit_that_does_not_exist(
    shared_world: World, elsewhere: Elsewhere, engine: Engine
) -> None:
    missing = _unit_calls(shared_world, MISSING)
    for name, call in _unit_calls(shared_world, elsewhere.unit).items():
        with unchanged(engine):
            refused = call.send(shared_world.client, shared_world.admin)
            absent = missing[name].send(shared_world.client, shared_world.admin)
        status = 404 if name == "report" else 422
        assert (refused.status_code, absent.status_code) == (status, status), refused.text
        assert refused.json() == _as_if(absent, elsewhere.unit), name
        assert f"unit {elsewhere.unit} " in refused.json()["detail"], name


@pytest.mark.parametrize("identifier", [2**31, 2**63], ids=["int32-overflow", "int64-overflow"])
def test_an_id_too_large_for_the_database_is_an_id_that_does_not_exist(
    shared_world: World, engine: Engine, identifier: int
) -> None:
    with unchanged(engine):
        campaign = shared_world.client.get(
            f"{API}/campaigns/{identifier}", headers=shared_world.admin
        )
        results = shared_world.client.get(
            f"{API}/campaigns/{identifier}/results", headers=shared_world.leader
        )
        calls = _unit_calls(shared_world, identifier)
        units = {
            n: calls[n].send(shared_world.client, shared_world.admin)
            for n in ("campaign-units", "parent", "leader-key")
        }
    assert campaign.json() == {"detail": f"campaign {identifier} does not exist"}
    assert (campaign.status_code, results.status_code) == (404, 404)
    assert _errors(units["campaign-units"]) == [
        ("unit_ids[0]", f"unit {identifier} does not exist")
    ]
    assert _errors(units["parent"]) == [("parent_id", f"unit {identifier} does not exist")]
    assert _errors(units["leader-key"]) == [("unit_id", f"unit {identifier} does not exist")]


def _respond_call(method: str, token: str) -> Call:
    return {
        "GET": Call("GET", f"/respond/{token}"),
        "PUT": Call("PUT", f"/respond/{token}/draft", {"answers": {"HA01": 4}}),
        "POST": Call("POST", f"/respond/{token}", {"answers": COMPLETE}),
    }[method]


def test_an_unknown_token_is_not_found(world: World, engine: Engine) -> None:
    real = world.tokens[0]
    mangled = real[:-1] + ("A" if real[-1] != "A" else "B")
    for method in ("GET", "PUT", "POST"):
        for token in ("tvi_no-such-invitation", mangled, real.removeprefix("tvi_")):
            with unchanged(engine):
                refused = _respond_call(method, token).send(world.client, {})
            assert refused.status_code == 404, f"{method} {token}: {refused.text}"
            assert refused.json() == {"detail": "invitation for this token does not exist"}
    # The real token still works, for each of the three.
    assert [
        _respond_call(m, real).send(world.client, {}).status_code for m in ("GET", "PUT", "POST")
    ] == [200, 200, 204]


# -- 409 ----------------------------------------------------------------------------------------


def test_submitting_twice_is_refused_and_the_token_is_then_spent(
    world: World, engine: Engine
) -> None:
    token = world.tokens[0]
    assert (
        world.client.post(f"{API}/respond/{token}", json={"answers": COMPLETE}).status_code == 204
    )
    with unchanged(engine):
        for method in ("POST", "PUT", "GET"):
            again = _respond_call(method, token).send(world.client, {})
            assert again.status_code == 409, f"{method}: {again.text}"
            assert again.json() == {
                "detail": "this invitation has already been used to submit answers"
            }


def _slow_lookups(monkeypatch: pytest.MonkeyPatch, *delays: float) -> None:
    """The n-th invitation lookup waits ``delays[n]`` seconds after reading the row, so that
    concurrent requests overlap in the order the delays set."""
    lookup = repositories.invitation_by_hash
    waits = iter(delays)

    def slow(session: Session, **options: Any) -> Any:
        found = lookup(session, **options)
        time.sleep(next(waits, 0.0))
        return found

    monkeypatch.setattr(repositories, "invitation_by_hash", slow)


def _slow_lookups_in(monkeypatch: pytest.MonkeyPatch, **delays: float) -> None:
    """An invitation lookup made inside the service function named by a keyword waits that
    many seconds after reading the row: the overlap holds however the threads are scheduled
    (delays by order of arrival do not, on a loaded machine)."""
    for lookup_name in ("invitation_by_hash", "invitation_and_campaign"):
        lookup = getattr(repositories, lookup_name)

        def slow(session: Session, *, lookup: Any = lookup, **options: Any) -> Any:
            found = lookup(session, **options)
            callers = {frame.function for frame in inspect.stack(context=0)}
            time.sleep(sum(delay for name, delay in delays.items() if name in callers))
            return found

        monkeypatch.setattr(repositories, lookup_name, slow)
    # The API's submissions read on the pool's connection, without a session.
    read = SubmissionTransaction.invitation_and_campaign

    def slow_read(transaction: SubmissionTransaction, **options: Any) -> Any:
        found = read(transaction, **options)
        callers = {frame.function for frame in inspect.stack(context=0)}
        time.sleep(sum(delay for name, delay in delays.items() if name in callers))
        return found

    monkeypatch.setattr(SubmissionTransaction, "invitation_and_campaign", slow_read)
    # On PostgreSQL they are awaited on the event loop: the wait too.
    read_on_loop = AsyncSubmissionTransaction.invitation_and_campaign

    async def slow_read_on_loop(transaction: AsyncSubmissionTransaction, **options: Any) -> Any:
        found = await read_on_loop(transaction, **options)
        callers = {frame.function for frame in inspect.stack(context=0)}
        await asyncio.sleep(sum(delay for name, delay in delays.items() if name in callers))
        return found

    monkeypatch.setattr(AsyncSubmissionTransaction, "invitation_and_campaign", slow_read_on_loop)


def _concurrently(*requests: Callable[[], httpx.Response]) -> list[int]:
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda r=r: statuses.append(r().status_code)) for r in requests
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _invitation_state(engine: Engine, campaign_id: int) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT used, draft FROM invitation WHERE campaign_id = :c ORDER BY id"),
            {"c": campaign_id},
        )
        return [(bool(used), draft) for used, draft in rows]


def test_two_submissions_at_once_with_one_token_store_one_response(
    world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_lookups(monkeypatch, 0.2, 0.2)
    responses = table_counts(engine)["response"]
    path = f"{API}/respond/{world.tokens[0]}"
    statuses = _concurrently(
        lambda: world.client.post(path, json={"answers": COMPLETE}),
        lambda: world.client.post(path, json={"answers": COMPLETE}),
    )
    assert statuses == [204, 409]
    assert table_counts(engine)["response"] == responses + 1


def test_a_draft_saved_while_the_answers_are_submitted_is_not_kept(
    world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The draft reads the invitation first and would write last. The submission takes no row
    # lock (on PostgreSQL its statements run in autocommit, the guard on ``used`` being in the
    # one statement that stores): it goes through meanwhile, and the draft is refused as too
    # late. On PostgreSQL the draft's read may lock the row first: the submission's write then
    # waits for the draft to be saved, and drops it as it stores the answers.
    _slow_lookups_in(monkeypatch, save_draft=0.6, submit_with=0.1, submit_on_loop=0.1)
    responses = table_counts(engine)["response"]
    path = f"{API}/respond/{world.tokens[0]}"
    statuses = _concurrently(
        lambda: world.client.put(f"{path}/draft", json={"answers": {"HA01": 2}}),
        lambda: world.client.post(path, json={"answers": COMPLETE}),
    )
    if engine.dialect.name == "postgresql" and statuses == [200, 204]:
        pass  # saved first under its row lock, then dropped by the submission
    else:
        assert statuses == [204, 409]
    assert table_counts(engine)["response"] == responses + 1
    assert _invitation_state(engine, world.spring)[0] == (True, None), (
        "a used invitation holds no draft"
    )


def _draft_and_submit(client: TestClient, token: str) -> list[httpx.Response]:
    return [
        client.put(f"{API}/respond/{token}/draft", json={"answers": {"HA01": 4}}),
        client.post(f"{API}/respond/{token}", json={"answers": COMPLETE}),
    ]


def test_a_closed_campaign_refuses_drafts_and_answers_and_gives_its_dates(
    world: World, engine: Engine
) -> None:
    _created(world.client.post(f"{API}/campaigns/{world.spring}/close", headers=world.admin))
    with unchanged(engine):
        refusals = _draft_and_submit(world.client, world.tokens[0])
    for refused in refusals:
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert detail.startswith("the campaign is closed, not open")
        assert OPENS in detail
        assert CLOSES in detail


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        (("2099-01-01T08:00:00", "2099-02-01T18:00:00"), "the campaign has not opened yet"),
        (("2020-01-01T08:00:00", "2021-01-01T18:00:00"), "the campaign is closed"),
    ],
    ids=["before-opening", "after-closing"],
)
def test_answers_outside_the_campaigns_dates_are_refused_with_the_dates(
    world: World, engine: Engine, window: tuple[str, str], reason: str
) -> None:
    opens, closes = window
    late = closes.startswith("2021")
    dates = (
        {"opens_at": opens + "Z"} if late else {"opens_at": opens + "Z", "closes_at": closes + "Z"}
    )
    campaign = _campaign(world.org, [world.units["night"]], **dates)
    _open(world.org, campaign)
    (token,) = _invite(world.org, campaign, world.units["night"])
    # Its closing time set once the invitation is out, as if the time had passed since.
    with Session(engine) as session:
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign)
            .values(closes_at=datetime.fromisoformat(closes + "+00:00"))
        )
        session.commit()
    # The first read after its closing time closes it (its snapshot included).
    read = world.client.get(f"{API}/campaigns/{campaign}", headers=world.admin)
    assert read.json()["status"] == ("closed" if late else "open")
    with unchanged(engine):
        refusals = _draft_and_submit(world.client, token)
    for refused in refusals:
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert detail.startswith(reason)
        assert opens in detail
        assert closes in detail


def test_a_campaign_still_in_draft_refuses_answers(world: World, engine: Engine) -> None:
    (token,) = _invite(world.org, world.draft, world.units["night"])
    with unchanged(engine):
        refusals = _draft_and_submit(world.client, token)
    assert [r.status_code for r in refusals] == [409, 409]
    assert all(r.json()["detail"].startswith("the campaign is draft, not open") for r in refusals)


def test_a_draft_cannot_be_closed(shared_world: World, engine: Engine) -> None:
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/campaigns/{shared_world.draft}/close", headers=shared_world.admin
        )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(f"campaign {shared_world.draft} is draft;")


def test_opening_an_open_campaign_changes_nothing(shared_world: World, engine: Engine) -> None:
    # As when its schedule opened it before HR pressed the button: no second opening.
    with unchanged(engine):
        again = shared_world.client.post(
            f"{API}/campaigns/{shared_world.spring}/open", headers=shared_world.admin
        )
    assert again.status_code == 200
    assert again.json()["status"] == "open"


def test_closing_twice_is_refused(world: World, engine: Engine) -> None:
    path = f"{API}/campaigns/{world.spring}/close"
    assert world.client.post(path, headers=world.admin).status_code == 200
    with unchanged(engine):
        again = world.client.post(path, headers=world.admin)
    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"campaign {world.spring} is closed;")


@pytest.mark.parametrize(
    ("change", "frozen"),
    [
        ({"instrument": INSTRUMENT}, "instrument"),
        ({"unit_ids": ["night"]}, "unit_ids"),
        ({"min_group_size": 7}, "min_group_size"),
        (
            {"name": "Renamed", "unit_ids": ["night"], "instrument": INSTRUMENT},
            "instrument, unit_ids",
        ),
    ],
    ids=["instrument", "unit_ids", "min_group_size", "with-other-fields"],
)
def test_an_open_campaign_keeps_its_instrument_units_and_minimum(
    world: World, engine: Engine, change: dict[str, Any], frozen: str
) -> None:
    if "unit_ids" in change:
        change = {**change, "unit_ids": [world.units[u] for u in change["unit_ids"]]}
    path = f"{API}/campaigns/{world.spring}"
    with unchanged(engine):
        refused = world.client.patch(path, json=change, headers=world.admin)
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"campaign {world.spring} is open: its {frozen} can no longer change"
    }
    # The same change is fine while the campaign is in draft.
    assert (
        world.client.patch(
            f"{API}/campaigns/{world.draft}", json=change, headers=world.admin
        ).status_code
        == 200
    )


def test_an_open_campaign_can_still_be_renamed_and_moved_in_time(world: World) -> None:
    changed = world.client.patch(
        f"{API}/campaigns/{world.spring}",
        json={"name": "Spring, extended", "closes_at": "2100-01-31T18:00:00Z"},
        headers=world.admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Spring, extended"
    assert changed.json()["closes_at"].startswith("2100-01-31T18:00:00")


def test_no_invitations_for_a_closed_campaign(world: World, engine: Engine) -> None:
    _created(world.client.post(f"{API}/campaigns/{world.spring}/close", headers=world.admin))
    with unchanged(engine):
        refused = world.client.post(
            f"{API}/campaigns/{world.spring}/invitations",
            json={"unit_id": world.units["night"], "count": 1},
            headers=world.admin,
        )
    assert refused.status_code == 409
    assert refused.json() == {"detail": f"campaign {world.spring} is closed"}


# Analysing a single respondent makes numpy warn (no variance); that is not the subject here.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_no_report_for_a_team_under_the_minimum(world: World, engine: Engine) -> None:
    token = world.tokens[0]
    assert (
        world.client.post(f"{API}/respond/{token}", json={"answers": COMPLETE}).status_code == 204
    )
    _created(world.client.post(f"{API}/campaigns/{world.spring}/close", headers=world.admin))
    path = f"{API}/campaigns/{world.spring}/units/{world.units['night']}/report.pdf"
    with unchanged(engine):
        refused = world.client.get(path, headers=world.leader)
    night = world.units["night"]
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"no report for unit {night}: 1 respondent, fewer than the minimum of 5"
    }


# -- 422: answers -------------------------------------------------------------------------------


def _save_a_draft(world: World) -> str:
    """The last token, with a draft: refused requests must leave the draft as it was. (The
    shared organisation's holds this draft from the start; its first token never has one.)"""
    token = world.tokens[-1]
    saved = world.client.put(
        f"{API}/respond/{token}/draft", json={"answers": {"HA01": 5, "HA02": None}}
    )
    assert saved.status_code == 200, saved.text
    return token


def _send_answers(
    world: World, route: str, token: str, answers: dict[str, Any], **extra: Any
) -> httpx.Response:
    response: httpx.Response
    if route == "draft":
        response = world.client.put(
            f"{API}/respond/{token}/draft", json={"answers": answers, **extra}
        )
    else:
        response = world.client.post(
            f"{API}/respond/{token}", json={"answers": {**COMPLETE, **answers}, **extra}
        )
    return response


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"ZZ99": 4}, [("answers.ZZ99", "unknown item")]),
        (
            {"HA03": 0, "HA04": 8},
            [
                ("answers.HA03", "0 is outside the scale 1..7"),
                ("answers.HA04", "8 is outside the scale 1..7"),
            ],
        ),
        ({"HA03": -3}, [("answers.HA03", "-3 is outside the scale 1..7")]),
        ({"HA03": 3.5}, [("answers.HA03", NOT_AN_INTEGER)]),
        ({"HA03": "seven"}, [("answers.HA03", NOT_AN_INTEGER)]),
        ({"HA03": "7"}, [("answers.HA03", NOT_AN_INTEGER)]),
        ({"HA03": 7.0}, [("answers.HA03", NOT_AN_INTEGER)]),
        ({"HA03": True}, [("answers.HA03", NOT_AN_INTEGER)]),
        ({"HA03": [4]}, [("answers.HA03", NOT_AN_INTEGER)]),
    ],
    ids=[
        "unknown-item",
        "out-of-range",
        "negative",
        "fraction",
        "word",
        "digit-string",
        "float",
        "boolean",
        "list",
    ],
)
def test_a_bad_answer_is_refused_naming_the_item_and_the_reason(
    shared_world: World, engine: Engine, answers: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    token = _save_a_draft(shared_world)
    for route in ("draft", "submit"):
        with unchanged(engine):
            refused = _send_answers(shared_world, route, token, answers)
        assert refused.status_code == 422, route
        assert _errors(refused) == expected, route


def test_every_missing_item_is_listed_and_the_draft_counts_as_answered(
    shared_world: World, engine: Engine
) -> None:
    token = _save_a_draft(shared_world)  # HA01 and HA02 (the latter 'does not apply')
    sent = dict.fromkeys(ITEMS[10:50], 4)
    with unchanged(engine):
        refused = shared_world.client.post(f"{API}/respond/{token}", json={"answers": sent})
    assert refused.status_code == 422
    assert _errors(refused) == [
        (f"answers.{i}", REQUIRED) for i in ITEMS if i not in {"HA01", "HA02", *sent}
    ]
    assert len(_errors(refused)) == 60 - 2 - 40


def test_every_problem_with_the_answers_is_listed_at_once(
    shared_world: World, engine: Engine
) -> None:
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/respond/{shared_world.tokens[0]}", json={"answers": {"ZZ99": 4, "HA01": 9}}
        )
    assert refused.status_code == 422
    errors = _errors(refused)
    assert errors[:2] == [
        ("answers.ZZ99", "unknown item"),
        ("answers.HA01", "9 is outside the scale 1..7"),
    ]
    assert errors[2:] == [(f"answers.{i}", REQUIRED) for i in ITEMS if i != "HA01"]


@pytest.mark.parametrize(
    ("language", "length_rule"),
    [("de", None), ("english", "String should have at most 2 characters")],
)
def test_a_language_the_campaign_does_not_offer_is_refused(
    shared_world: World, engine: Engine, language: str, length_rule: str | None
) -> None:
    token = shared_world.tokens[0]
    report = f"{API}/campaigns/{shared_world.spring}/units/{shared_world.units['night']}/report.pdf"
    requests: dict[str, Callable[[], httpx.Response]] = {
        "form": lambda: shared_world.client.get(
            f"{API}/respond/{token}", params={"language": language}
        ),
        "report": lambda: shared_world.client.get(
            report, params={"language": language}, headers=shared_world.admin
        ),
        "draft": lambda: _send_answers(shared_world, "draft", token, {}, language=language),
        "submit": lambda: _send_answers(shared_world, "submit", token, {}, language=language),
    }
    # In a body the language is checked for its form first; a query parameter is only looked
    # up among the campaign's languages.
    for route, request in requests.items():
        with unchanged(engine):
            refused = request()
        assert refused.status_code == 422, f"{route}: {refused.text}"
        reason = length_rule if length_rule and route in ("draft", "submit") else None
        expected = reason or f"{language!r} is not a language of the campaign"
        assert _errors(refused) == [("language", expected)], route


def test_a_body_that_is_not_json_is_refused(shared_world: World, engine: Engine) -> None:
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/respond/{shared_world.tokens[0]}",
            content=b'{"answers": {"HA01": 4',
            headers={"Content-Type": "application/json"},
        )
    assert refused.status_code == 422
    assert _errors(refused) == [("body", "JSON decode error")]


# -- 422: campaigns, invitations, keys ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"min_group_size": 2}, [("min_group_size", "Input should be greater than or equal to 3")]),
        (
            {"instrument": "transversal-core@9.9.9"},
            [("instrument", "is not a packaged instrument (known: transversal-core@1.0.0)")],
        ),
        (
            {"instrument": "no version"},
            [("instrument", "is not a packaged instrument (known: transversal-core@1.0.0)")],
        ),
        (
            {"opens_at": "2099-01-01T08:00:00"},
            [("opens_at", "Input should have timezone info")],
        ),
        (
            {"unit_ids": []},
            [("unit_ids", "List should have at least 1 item after validation, not 0")],
        ),
        (
            {
                "languages": ["en", "de"],
                "unit_ids": ["night", MISSING],
                "opens_at": "2099-02-01T08:00:00Z",
                "closes_at": "2099-01-01T08:00:00Z",
            },
            [
                ("languages[1]", "'de' is not a language of transversal-core@1.0.0"),
                ("unit_ids[1]", f"unit {MISSING} does not exist"),
                ("closes_at", "must be after opens_at"),
            ],
        ),
    ],
    ids=[
        "min-group-size-2",
        "unknown-version",
        "not-an-id-at-version",
        "naive-time",
        "no-units",
        "several",
    ],
)
def test_a_bad_campaign_is_refused_naming_each_field(
    shared_world: World, engine: Engine, fields: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    units = [
        shared_world.units[u] if isinstance(u, str) else u
        for u in fields.get("unit_ids", ["night"])
    ]
    body = {"name": "Autumn", "instrument": INSTRUMENT, **fields, "unit_ids": units}
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/campaigns", json=body, headers=shared_world.admin
        )
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"min_group_size": 2}, ("min_group_size", "Input should be greater than or equal to 3")),
        (
            {"instrument": "transversal-core@9.9.9"},
            ("instrument", "is not a packaged instrument (known: transversal-core@1.0.0)"),
        ),
        ({"closes_at": "2000-01-01T00:00:00"}, ("closes_at", "Input should have timezone info")),
        (
            {"name": None},
            ("name", "cannot be null: leave the field out to keep its value"),
        ),
        (
            {"min_group_size": None},
            (
                "min_group_size",
                "cannot be null: leave the field out to keep its value",
            ),
        ),
        (
            {"instrument": None},
            ("instrument", "cannot be null: leave the field out to keep its value"),
        ),
        (
            {"unit_ids": None},
            ("unit_ids", "cannot be null: leave the field out to keep its value"),
        ),
    ],
    ids=[
        "min-group-size-2",
        "unknown-instrument",
        "naive-time",
        "null-name",
        "null-minimum",
        "null-instrument",
        "null-units",
    ],
)
def test_a_bad_change_to_a_draft_campaign_is_refused(
    shared_world: World, engine: Engine, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    with unchanged(engine):
        refused = shared_world.client.patch(
            f"{API}/campaigns/{shared_world.draft}", json=change, headers=shared_world.admin
        )
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == [expected]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"unit_id": "ops", "count": 1}, ("unit_id", "unit {ops} is not part of the campaign")),
        ({"unit_id": "night", "count": 0}, ("count", "Input should be greater than or equal to 1")),
        (
            {"unit_id": "night", "count": 10_001},
            ("count", "Input should be less than or equal to 10000"),
        ),
    ],
    ids=["unit-outside-the-campaign", "none", "too-many"],
)
def test_bad_invitations_are_refused(
    shared_world: World, engine: Engine, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    sent = {**body, "unit_id": shared_world.units[body["unit_id"]]}
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/campaigns/{shared_world.spring}/invitations",
            json=sent,
            headers=shared_world.admin,
        )
    assert refused.status_code == 422
    assert _errors(refused) == [(expected[0], expected[1].format(ops=shared_world.units["ops"]))]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"role": "leader"}, ("unit_id", "a leader key needs the leader's unit")),
        (
            {"role": "admin", "unit_id": "ops"},
            ("unit_id", "an admin key covers the whole organisation; give no unit"),
        ),
        ({"role": "owner"}, ("role", "Input should be 'admin', 'leader' or 'auditor'")),
    ],
    ids=["leader-without-unit", "admin-with-unit", "unknown-role"],
)
def test_bad_keys_are_refused(
    shared_world: World, engine: Engine, body: dict[str, Any], expected: tuple[str, str]
) -> None:
    sent = {
        **body,
        **({"unit_id": shared_world.units[body["unit_id"]]} if "unit_id" in body else {}),
    }
    with unchanged(engine):
        refused = shared_world.client.post(f"{API}/keys", json=sent, headers=shared_world.admin)
    assert refused.status_code == 422
    assert _errors(refused) == [expected]


# -- 422: the org chart -------------------------------------------------------------------------


HEADER = "external_id,name,parent_external_id\n"


@pytest.mark.parametrize(
    ("chart", "expected"),
    [
        (
            HEADER + "late,Late shift,\nb,B,c\nc,C,b\n",
            [
                (
                    "rows[2].parent_external_id",
                    "a team needs a parent: only the organisation, at the root, has none",
                ),
                ("rows", "rows 3, 4 form a cycle: b -> c -> b"),
            ],
        ),
        (HEADER + "late,Late shift,late\n", [("rows", "rows 2 form a cycle: late -> late")]),
        (
            HEADER + "late,Late shift,ops\nearly,Early shift,nowhere\n",
            [("rows[3].parent_external_id", "unknown parent 'nowhere'")],
        ),
        (
            HEADER + "late,Late shift,ops\nlate,Later shift,ops\n",
            [("rows[3].external_id", "'late' is already used by row 2")],
        ),
        (
            # A stored unit's row updates it: here it would move a team under a team.
            HEADER + "late,Late shift,ops\nnight,Night shift,north\n",
            [("rows[3].parent_external_id", "'north' is a team: a team has no units under it")],
        ),
        (
            HEADER + "late,Late shift,ops\nlate,Later shift,ops\nearly,Early,nowhere\n",
            [
                ("rows[3].external_id", "'late' is already used by row 2"),
                ("rows[4].parent_external_id", "unknown parent 'nowhere'"),
            ],
        ),
        (
            "external_id,name\nlate,Late shift\n",
            [("header", "missing column(s): parent_external_id")],
        ),
        ("", [("body", "Field required")]),
        (
            HEADER.replace("\n", ",kind\n") + "late,Late shift,ops,squad\n",
            [("rows[2].kind", "Input should be 'organisation', 'department' or 'team'")],
        ),
        (
            HEADER + "late,Late shift,ops\nearly,,ops\n",
            [("rows[3].name", "String should have at least 1 character")],
        ),
    ],
    ids=[
        "cycle",
        "own-parent",
        "unknown-parent",
        "duplicate-in-file",
        "a-unit-moved-under-a-team",
        "several",
        "missing-column",
        "empty",
        "unknown-kind",
        "empty-name",
    ],
)
def test_a_bad_org_chart_is_refused_whole_with_its_row_numbers(
    shared_world: World, engine: Engine, chart: str, expected: list[tuple[str, str]]
) -> None:
    with unchanged(engine):
        refused = shared_world.client.post(
            f"{API}/units/import",
            content=chart,
            headers={**shared_world.admin, "Content-Type": "text/csv"},
        )
    assert refused.status_code == 422, refused.text
    assert _errors(refused) == expected


# -- one transaction ----------------------------------------------------------------------------


def test_a_failure_after_storing_the_answers_keeps_neither_the_response_nor_a_spent_token(
    world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SubmissionTransaction.store
    store_on_loop = AsyncSubmissionTransaction.store

    def store_then_fail(transaction: SubmissionTransaction, **options: Any) -> bool:
        assert store(transaction, **options), "the invitation is used up and the response stored"
        raise RuntimeError("the server stopped")

    async def store_on_loop_then_fail(
        transaction: AsyncSubmissionTransaction, **options: Any
    ) -> bool:
        stored = await store_on_loop(transaction, **options)
        assert stored, "the invitation is used up and the response stored"
        raise RuntimeError("the server stopped")

    monkeypatch.setattr(SubmissionTransaction, "store", store_then_fail)
    monkeypatch.setattr(AsyncSubmissionTransaction, "store", store_on_loop_then_fail)
    token = _save_a_draft(world)
    path = f"{API}/respond/{token}"
    before = table_counts(engine)
    if engine.dialect.name == "postgresql":
        # One statement uses the token up and stores the response, kept as soon as it ran
        # (``submission_transaction``): a failure after it keeps both, never one of them.
        with pytest.raises(RuntimeError, match="the server stopped"):
            world.client.post(path, json={"answers": COMPLETE})
        monkeypatch.undo()
        assert table_counts(engine)["response"] == before["response"] + 1
        with Session(engine) as session:
            spent = session.scalar(
                select(col(Invitation.used)).where(col(Invitation.token_hash) == digest(token))
            )
        assert spent is True
        assert world.client.post(path, json={"answers": COMPLETE}).status_code == 409
        return
    with unchanged(engine), pytest.raises(RuntimeError, match="the server stopped"):
        world.client.post(path, json={"answers": COMPLETE})
    monkeypatch.undo()
    assert world.client.post(path, json={"answers": COMPLETE}).status_code == 204


@pytest.mark.parametrize(
    "name", ["report.css", "fonts.css", "fonts/../report.css", "../pyproject.toml", "fonts/", ""]
)
def test_report_assets_serve_the_fonts_and_nothing_else_of_the_package(
    client: TestClient, name: str
) -> None:
    font = client.get(f"{API}/report-assets/fonts/DejaVuSans.ttf")
    assert font.status_code == 200
    assert font.content[:4] == b"\x00\x01\x00\x00", "a TrueType font"
    refused = client.get(f"{API}/report-assets/{name}")
    assert refused.status_code == 404
