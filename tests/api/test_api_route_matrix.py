"""The route × role matrix of the JSON API: every route under ``/api/v1`` called by every kind
of caller, on both databases, against one staged organisation.

The callers: no key; the organisation's admin; its auditor (a works council: the audit log,
the campaigns, their disclosure decisions; never a result, an answer or an export; changes
nothing); the leader of a team inside the closed campaign; the leader of a team outside it;
the admin of another organisation; a caller with a well-formed key that is nobody's, and one
with a respondent's token for a key. ``EXPECTED`` gives the status each of them gets on each
route; a route added to the API without a row fails ``test_every_api_route_is_in_the_table``.

Writes are harmless: a refused caller sends a request that would succeed if it were let
through (so a missing check would show as a stored row), and the admin, who is let through,
sends one that the route refuses after its access check (a conflict, a broken chart rule, a
dry run), so nothing is ever stored. Every call, allowed or not, must leave the row counts of
every table as they were, but for a report rendered on request, kept for its next reader (and
the guessing limits' counts of failures, ``tests.api.matrix_support.COUNTERS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx
import pytest

from api.app import API_PREFIX, create_app
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT
from tests.api.matrix_support import (
    CHART,
    DATABASES,
    World,
    app_routes,
    changed_tables,
    fill,
    row_counts,
    staged_world,
)

CALLERS = (
    "none",
    "admin",
    "auditor",
    "leader_in",
    "leader_out",
    "other_admin",
    "bad_key",
    "respondent",
)
"""No key; this organisation's admin, auditor, the leader of a team of the closed campaign
(the night shift), the leader of a team outside every campaign of theirs (the north desk);
another organisation's admin; a well-formed key that is nobody's; a respondent's token sent as
a key (``tests.api.matrix_support.ROLES``). On the routes whose credential is the link's token
in the path, the bad key's caller holds a well-formed token that is no link's instead."""

REQUEST_ERROR = "problem(s) with the request"
"""How the app words a request FastAPI refused before the route ran (its body's schema)."""


@pytest.fixture(scope="module", params=DATABASES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One staged world per database, shared by every (route, caller) pair: no call changes it."""
    yield from staged_world(request, tmp_path_factory.mktemp("db"))


# -- how each route is called -------------------------------------------------------------------

Body = Callable[[World], Any]


@dataclass(frozen=True)
class Probe:
    """A request on a route: its path parameters as names of ``World.ids``, its query, a JSON or
    CSV body. ``admin``: the admin's request instead, one the route refuses after letting the
    admin in (the others' request would change something)."""

    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    json: Body | None = None
    csv: Body | None = None
    admin: Probe | None = None


def _units_csv(w: World) -> str:
    return "external_id,name,parent_external_id\nnewteam,New team,ops\n"


def _answers_csv(w: World) -> str:
    items = load_builtin(INSTRUMENT).item_ids
    return f"unit_id,{','.join(items)}\n{w.ids['bench']},{','.join('4' for _ in items)}\n"


def _roster_csv(w: World) -> str:
    return f"email,unit,language\nsomeone@acme.example,{w.ids['bench']},en\n"


def _reminders(_w: World) -> dict[str, Any]:
    return {"times": ["2999-01-01T09:00:00+00:00"]}


CLOSED = {"campaign_id": "closed"}
TEAM_REPORT = {"campaign_id": "closed", "unit_id": "night"}
DEPARTMENT_REPORT = {"campaign_id": "closed", "unit_id": "ops"}
EMPTY_ANSWERS: Body = lambda w: {"answers": {}}  # noqa: E731

PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/keys"): Probe(),
    ("POST", "/keys"): Probe(
        json=lambda w: {"role": "leader", "unit_id": w.ids["night"]},
        admin=Probe(json=lambda w: {"role": "admin", "unit_id": w.ids["night"]}),
    ),
    ("POST", "/keys/{key_id}/revoke"): Probe(
        params={"key_id": "spare_key"},
        # The organisation's last working admin key.
        admin=Probe(params={"key_id": "admin_key"}),
    ),
    ("POST", "/keys/{key_id}/rotate"): Probe(
        params={"key_id": "spare_key"}, admin=Probe(params={"key_id": "revoked_key"})
    ),
    ("POST", "/units"): Probe(
        json=lambda w: {"name": "New team", "parent_id": w.ids["ops"]},
        # A team under a team breaks the chart's rules.
        admin=Probe(json=lambda w: {"name": "New team", "parent_id": w.ids["night"]}),
    ),
    ("GET", "/units"): Probe(),
    ("POST", "/units/import"): Probe(
        csv=_units_csv, admin=Probe(csv=_units_csv, query={"dry_run": "true"})
    ),
    ("PATCH", "/units/{unit_id}"): Probe(
        params={"unit_id": "night"},
        json=lambda w: {"name": "Renamed"},
        admin=Probe(params={"unit_id": "night"}, json=lambda w: {"parent_id": w.ids["night"]}),
    ),
    ("POST", "/units/{unit_id}/archive"): Probe(
        params={"unit_id": "south"}, admin=Probe(params={"unit_id": "ops"})
    ),
    ("GET", "/campaigns"): Probe(),
    ("POST", "/campaigns"): Probe(
        json=lambda w: {"name": "New", "instrument": INSTRUMENT, "unit_ids": [w.ids["north"]]},
        admin=Probe(
            json=lambda w: {"name": "New", "instrument": "nope@9.9.9", "unit_ids": [w.ids["north"]]}
        ),
    ),
    ("GET", "/campaigns/{campaign_id}"): Probe(params=CLOSED),
    ("PATCH", "/campaigns/{campaign_id}"): Probe(
        params={"campaign_id": "draft"},
        json=lambda w: {"name": "Renamed"},
        admin=Probe(params=CLOSED, json=lambda w: {"name": "Renamed"}),
    ),
    ("DELETE", "/campaigns/{campaign_id}"): Probe(
        params={"campaign_id": "draft"}, admin=Probe(params=CLOSED)
    ),
    ("POST", "/campaigns/{campaign_id}/open"): Probe(
        params={"campaign_id": "draft"}, admin=Probe(params=CLOSED)
    ),
    ("POST", "/campaigns/{campaign_id}/close"): Probe(
        params={"campaign_id": "open"}, admin=Probe(params=CLOSED)
    ),
    ("POST", "/campaigns/{campaign_id}/reopen"): Probe(
        params={"campaign_id": "unread"}, admin=Probe(params={"campaign_id": "open"})
    ),
    ("POST", "/campaigns/{campaign_id}/invitations"): Probe(
        params={"campaign_id": "open"},
        json=lambda w: {"unit_id": w.ids["bench"], "count": 1},
        admin=Probe(params=CLOSED, json=lambda w: {"unit_id": w.ids["night"], "count": 1}),
    ),
    ("GET", "/audit"): Probe(),
    ("GET", "/campaigns/{campaign_id}/progress"): Probe(params=CLOSED),
    ("GET", "/respond/{token}"): Probe(params={"token": "token"}),
    # An empty draft over an empty draft: the token works, nothing changes.
    ("PUT", "/respond/{token}/draft"): Probe(params={"token": "token"}, json=EMPTY_ANSWERS),
    # Every item needs an answer: refused, the token is not used up.
    ("POST", "/respond/{token}"): Probe(params={"token": "token"}, json=EMPTY_ANSWERS),
    ("GET", "/campaigns/{campaign_id}/results"): Probe(params=CLOSED),
    ("GET", "/campaigns/{campaign_id}/disclosure"): Probe(params=CLOSED),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.pdf"): Probe(params=TEAM_REPORT),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.html"): Probe(params=TEAM_REPORT),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"): Probe(
        params=DEPARTMENT_REPORT
    ),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.html"): Probe(
        params=DEPARTMENT_REPORT
    ),
    ("GET", "/campaigns/{campaign_id}/export.csv"): Probe(params=CLOSED),
    ("GET", "/campaigns/{campaign_id}/export.sav"): Probe(params=CLOSED),
    ("GET", "/campaigns/{campaign_id}/codebook"): Probe(params=CLOSED),
    ("POST", "/campaigns/{campaign_id}/import"): Probe(
        params={"campaign_id": "open"},
        csv=_answers_csv,
        admin=Probe(params=CLOSED, csv=_answers_csv),
    ),
    ("GET", "/report-assets/{name}"): Probe(params={"name": "asset"}),
    # E-mail: a roster for the open campaign would be stored, one for the closed refused.
    ("POST", "/campaigns/{campaign_id}/roster"): Probe(
        params={"campaign_id": "open"},
        csv=_roster_csv,
        admin=Probe(params=CLOSED, csv=_roster_csv),
    ),
    ("GET", "/campaigns/{campaign_id}/roster"): Probe(params={"campaign_id": "open"}),
    ("DELETE", "/campaigns/{campaign_id}/roster"): Probe(params={"campaign_id": "open"}),
    ("POST", "/campaigns/{campaign_id}/mail/invitations"): Probe(
        params={"campaign_id": "open"}, admin=Probe(params=CLOSED)
    ),
    ("GET", "/campaigns/{campaign_id}/mail/reminders"): Probe(params={"campaign_id": "open"}),
    ("PUT", "/campaigns/{campaign_id}/mail/reminders"): Probe(
        params={"campaign_id": "open"}, json=_reminders, admin=Probe(params=CLOSED, json=_reminders)
    ),
    ("GET", "/campaigns/{campaign_id}/mail/log"): Probe(params={"campaign_id": "open"}),
    ("POST", "/campaigns/{campaign_id}/mail/retry"): Probe(params={"campaign_id": "open"}),
}


# -- what each caller gets ----------------------------------------------------------------------


class Row(NamedTuple):
    """The status per caller (``CALLERS``)."""

    none: int
    admin: int
    auditor: int
    leader_in: int
    leader_out: int
    other_admin: int
    bad_key: int
    respondent: int


# fmt: off
EXPECTED: dict[tuple[str, str], Row] = {
    #                                                  none admin aud  in   out  other bad  resp
    ("GET", "/keys"):                                  Row(401, 200, 403, 403, 403, 200, 401, 401),
    ("POST", "/keys"):                                 Row(401, 422, 403, 403, 403, 422, 401, 401),
    ("POST", "/keys/{key_id}/revoke"):                 Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/keys/{key_id}/rotate"):                 Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/units"):                                Row(401, 422, 403, 403, 403, 422, 401, 401),
    ("GET", "/units"):                                 Row(401, 200, 200, 200, 200, 200, 401, 401),
    ("POST", "/units/import"):                         Row(401, 200, 403, 403, 403, 422, 401, 401),
    ("PATCH", "/units/{unit_id}"):                     Row(401, 422, 403, 403, 403, 404, 401, 401),
    ("POST", "/units/{unit_id}/archive"):              Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("GET", "/campaigns"):                             Row(401, 200, 200, 200, 200, 200, 401, 401),
    ("POST", "/campaigns"):                            Row(401, 422, 403, 403, 403, 422, 401, 401),
    ("GET", "/campaigns/{campaign_id}"):               Row(401, 200, 200, 200, 404, 404, 401, 401),
    ("PATCH", "/campaigns/{campaign_id}"):             Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("DELETE", "/campaigns/{campaign_id}"):            Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/open"):         Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/close"):        Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/reopen"):       Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/invitations"):  Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("GET", "/audit"):                                 Row(401, 200, 200, 403, 403, 200, 401, 401),
    ("GET", "/campaigns/{campaign_id}/progress"):      Row(401, 200, 404, 200, 404, 404, 401, 401),
    ("GET", "/respond/{token}"):                       Row(200, 200, 200, 200, 200, 200, 404, 200),
    ("PUT", "/respond/{token}/draft"):                 Row(200, 200, 200, 200, 200, 200, 404, 200),
    ("POST", "/respond/{token}"):                      Row(422, 422, 422, 422, 422, 422, 404, 422),
    ("GET", "/campaigns/{campaign_id}/results"):       Row(401, 200, 404, 200, 404, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/disclosure"):    Row(401, 200, 200, 403, 403, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.pdf"):
                                                       Row(401, 200, 404, 200, 404, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.html"):
                                                       Row(401, 200, 404, 200, 404, 404, 401, 401),
    # The night shift's leader: Operations is above their team, outside their subtree.
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"):
                                                       Row(401, 200, 404, 404, 404, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.html"):
                                                       Row(401, 200, 404, 404, 404, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/export.csv"):    Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/export.sav"):    Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/codebook"):      Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/import"):       Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("GET", "/report-assets/{name}"):                  Row(200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/campaigns/{campaign_id}/roster"):       Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/roster"):        Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("DELETE", "/campaigns/{campaign_id}/roster"):     Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/mail/invitations"):
                                                       Row(401, 409, 403, 403, 403, 404, 401, 401),
    ("GET", "/campaigns/{campaign_id}/mail/reminders"):
                                                       Row(401, 200, 403, 403, 403, 404, 401, 401),
    ("PUT", "/campaigns/{campaign_id}/mail/reminders"):
                                                       Row(401, 409, 403, 403, 403, 404, 401, 401),
    # A works council may see how many invitations went out and failed, never an address.
    ("GET", "/campaigns/{campaign_id}/mail/log"):      Row(401, 200, 200, 403, 403, 404, 401, 401),
    ("POST", "/campaigns/{campaign_id}/mail/retry"):   Row(401, 202, 403, 403, 403, 404, 401, 401),
}
# fmt: on

REPORTS = {
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.pdf"),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/report.html"),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"),
    ("GET", "/campaigns/{campaign_id}/units/{unit_id}/department-report.html"),
}
"""The routes whose report, rendered on a first request, is stored for the next."""

PUBLIC = {
    ("GET", "/respond/{token}"),
    ("PUT", "/respond/{token}/draft"),
    ("POST", "/respond/{token}"),
    ("GET", "/report-assets/{name}"),
}
"""The routes that take no key: the respondent's (the token is the credential) and the fonts
of the HTML reports."""

KNOWN_BUGS: dict[tuple[tuple[str, str], str], str] = {}
"""(route, caller) pairs where the code breaks the rule ``EXPECTED`` states: xfail, strict."""


# -- what a 200 may show ------------------------------------------------------------------------


def _ids(response: httpx.Response) -> set[int]:
    return {row["id"] for row in response.json()}


def _unit_ids(response: httpx.Response) -> set[int]:
    return {row["unit_id"] for row in response.json()["units"]}


def _acme_units(w: World) -> set[int]:
    return {w.ids[row.external_id] for row in CHART}


def _campaigns(w: World) -> set[int]:
    return {w.ids[name] for name in ("closed", "open", "unread", "draft")}


CHECKS: dict[tuple[tuple[str, str], str], Callable[[World, httpx.Response], None]] = {
    (("GET", "/keys"), "admin"): lambda w, r: _check(_ids(r) == w.ids["acme_keys"]),
    (("GET", "/keys"), "other_admin"): lambda w, r: _check(not _ids(r) & w.ids["acme_keys"]),
    (("GET", "/units"), "admin"): lambda w, r: _check(_ids(r) == _acme_units(w)),
    (("GET", "/units"), "auditor"): lambda w, r: _check(r.json() == []),
    (("GET", "/units"), "leader_in"): lambda w, r: _check(_ids(r) == {w.ids["night"]}),
    (("GET", "/units"), "leader_out"): lambda w, r: _check(_ids(r) == {w.ids["north"]}),
    (("GET", "/units"), "other_admin"): lambda w, r: _check(not _ids(r) & _acme_units(w)),
    (("GET", "/campaigns"), "admin"): lambda w, r: _check(_ids(r) == _campaigns(w)),
    (("GET", "/campaigns"), "auditor"): lambda w, r: _check(_ids(r) == _campaigns(w)),
    (("GET", "/campaigns"), "leader_in"): lambda w, r: _check(_ids(r) == {w.ids["closed"]}),
    (("GET", "/campaigns"), "leader_out"): lambda w, r: _check(r.json() == []),
    (("GET", "/campaigns"), "other_admin"): lambda w, r: _check(r.json() == []),
    (("GET", "/campaigns/{campaign_id}"), "leader_in"): (
        lambda w, r: _check(_ids_of(r.json()["units"]) == {w.ids["night"]})
    ),
    (("GET", "/campaigns/{campaign_id}/progress"), "leader_in"): (
        lambda w, r: _check(_unit_ids(r) == {w.ids["night"]})
    ),
    (("GET", "/campaigns/{campaign_id}/results"), "leader_in"): (
        lambda w, r: _check(_unit_ids(r) == {w.ids["night"]})
    ),
    # Another organisation's admin naming this one's units: as units that do not exist.
    (("POST", "/keys"), "other_admin"): lambda w, r: _check("does not exist" in r.text),
    (("POST", "/units"), "other_admin"): lambda w, r: _check("does not exist" in r.text),
    (("POST", "/campaigns"), "other_admin"): lambda w, r: _check("does not exist" in r.text),
    (("POST", "/units/import"), "other_admin"): lambda w, r: _check("unknown parent" in r.text),
    (("GET", "/audit"), "other_admin"): lambda w, r: _check(
        not {e["campaign_id"] for e in r.json()} & _campaigns(w)
        and not {e["key_id"] for e in r.json()} & w.ids["acme_keys"]
    ),
}


def _ids_of(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


def _check(ok: bool) -> None:
    assert ok


# -- the tests ----------------------------------------------------------------------------------


def test_every_api_route_is_in_the_table() -> None:
    app = create_app()
    served = {
        (method, path.removeprefix(API_PREFIX))
        for method, path in app_routes(app)
        if path.startswith(f"{API_PREFIX}/")
    }
    documented = {
        (method.upper(), path.removeprefix(API_PREFIX))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(f"{API_PREFIX}/")
        for method in operations
    }
    # Every route the app serves, shown in OpenAPI or not, has its row.
    assert set(EXPECTED) == served
    assert documented == served
    assert set(PROBES) == served
    assert served >= PUBLIC
    assert {route for route, row in EXPECTED.items() if row.none != 401} == PUBLIC
    assert {route for route, _caller in [*KNOWN_BUGS, *CHECKS]} <= served


def _pairs() -> Iterator[Any]:
    for route, row in EXPECTED.items():
        for caller in CALLERS:
            reason = KNOWN_BUGS.get((route, caller))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(
                route,
                caller,
                getattr(row, caller),
                id=f"{route[0]} {route[1]} {caller}",
                marks=marks,
            )


def _request(world: World, route: tuple[str, str], caller: str) -> tuple[Probe, httpx.Response]:
    method, template = route
    probe = PROBES[route]
    if caller == "admin" and probe.admin is not None:
        probe = probe.admin
    refs = dict(probe.params)
    if caller == "bad_key" and "token" in refs:
        # The link's token is the credential of these routes: the wrong one is in the path.
        refs["token"] = "bad_token"
    path = fill(template, {name: str(world.ids[ref]) for name, ref in refs.items()})
    key = world.keys[caller]
    headers = {} if key is None else {"Authorization": f"Bearer {key}"}
    content: str | None = None
    if probe.csv is not None:
        content = probe.csv(world)
        headers["Content-Type"] = "text/csv"
    response = world.client.request(
        method,
        f"{API_PREFIX}{path}",
        headers=headers,
        params=dict(probe.query),
        json=None if probe.json is None else probe.json(world),
        content=content,
    )
    return probe, response


@pytest.mark.parametrize(("route", "caller", "status"), list(_pairs()))
def test_route_and_caller(world: World, route: tuple[str, str], caller: str, status: int) -> None:
    before = row_counts(world.engine)
    probe, response = _request(world, route, caller)
    assert response.status_code == status, response.text[:500]
    changed = changed_tables(world.engine, before)
    # A report served is kept for its next reader (``storedreport``, a cache of what the
    # snapshot renders); nothing else changes, and a refused call changes nothing at all.
    assert changed <= ({"storedreport"} if status == 200 and route in REPORTS else set())
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    elif status == 404 and route not in PUBLIC:
        # The same answer as for an id that does not exist.
        assert response.json()["detail"].endswith("does not exist"), response.text
    if caller == "admin" and probe is not PROBES[route]:
        # The admin's request was let in: the route, not FastAPI's schema, refused it.
        assert REQUEST_ERROR not in response.text
    if (route, caller) in CHECKS:
        CHECKS[route, caller](world, response)
