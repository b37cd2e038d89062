"""An organisation's API keys over HTTP, on SQLite and on PostgreSQL: admins list, revoke and
rotate them; a revoked key is refused; the last working admin key stays; another
organisation's keys do not exist; every change is in the audit log, and no secret anywhere."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from api.services import access
from api.services.access import init_organisation
from api.services.errors import Conflict, ServiceError
from api.store import repositories
from api.store.models import OrganisationCreate
from tests.api.conftest import Org

API = "/api/v1"
MISSING = 999_999
ADMIN_ONLY = {"detail": "this needs an admin key"}
LAST_ADMIN = "is the organisation's last working admin key"


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _unit(org: Org, name: str = "Ward 3") -> int:
    return int(
        _ok(org.client.post(f"{API}/units", json={"name": name}, headers=org.headers()), 201)["id"]
    )


def _issue(org: Org, role: str, unit_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"role": role, "unit_id": unit_id}
    issued: dict[str, Any] = _ok(
        org.client.post(f"{API}/keys", json=body, headers=org.headers()), 201
    )
    return issued


def _keys(org: Org, key: str | None = None) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = _ok(org.client.get(f"{API}/keys", headers=org.headers(key)))
    return listed


def _admin_key_id(org: Org) -> int:
    return int(next(k["id"] for k in _keys(org) if k["role"] == "admin"))


def _works(org: Org, key: str) -> int:
    """The status of a plain read with ``key``: 200 while it works, 401 once revoked."""
    return org.client.get(f"{API}/units", headers=org.headers(key)).status_code


def _revoke(org: Org, key_id: int, key: str | None = None) -> httpx.Response:
    return org.client.post(f"{API}/keys/{key_id}/revoke", headers=org.headers(key))


def _rotate(org: Org, key_id: int, key: str | None = None) -> httpx.Response:
    return org.client.post(f"{API}/keys/{key_id}/rotate", headers=org.headers(key))


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


def test_the_list_shows_every_key_with_its_state_and_never_a_secret_or_its_hash(
    org: Org,
) -> None:
    unit = _unit(org)
    leader = _issue(org, "leader", unit)
    admin = _issue(org, "admin")
    _ok(_revoke(org, admin["id"]))

    response = org.client.get(f"{API}/keys", headers=org.headers())
    listed = _ok(response)
    assert [(k["role"], k["unit_id"], k["revoked"]) for k in listed] == [
        ("admin", None, False),
        ("leader", unit, False),
        ("admin", None, True),
    ]
    assert all(
        set(k) == {"id", "organisation_id", "role", "unit_id", "prefix", "created_at", "revoked"}
        for k in listed
    )
    assert [k["prefix"] for k in listed[1:]] == [leader["key"][:8], admin["key"][:8]]
    for secret in (org.admin_key, leader["key"], admin["key"]):
        assert secret not in response.text
        assert secret.removeprefix("tvk_") not in response.text
        assert _sha256(secret) not in response.text


def test_a_revoked_key_is_refused_with_401_and_revoking_it_again_changes_nothing(
    org: Org, engine: Engine
) -> None:
    leader = _issue(org, "leader", _unit(org))
    assert _works(org, leader["key"]) == 200

    revoked = _ok(_revoke(org, leader["id"]))
    assert (revoked["id"], revoked["revoked"]) == (leader["id"], True)
    refused = org.client.get(f"{API}/units", headers=org.headers(leader["key"]))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "the API key is not valid"}

    with unchanged(engine):
        again = _revoke(org, leader["id"])
    assert _ok(again) == revoked, "idempotent: the key as it is, no second audit event"


def test_rotating_gives_a_working_key_for_the_same_unit_and_the_old_one_is_refused(
    org: Org, engine: Engine
) -> None:
    unit = _unit(org)
    leader = _issue(org, "leader", unit)
    rotated = _ok(_rotate(org, leader["id"]), 201)

    assert rotated["replaced_key_id"] == leader["id"]
    assert rotated["id"] != leader["id"]
    assert (rotated["role"], rotated["unit_id"], rotated["revoked"]) == ("leader", unit, False)
    assert rotated["key"].startswith("tvk_")
    assert rotated["key"] != leader["key"]
    assert rotated["prefix"] == rotated["key"][:8]
    assert _works(org, rotated["key"]) == 200
    assert _works(org, leader["key"]) == 401
    seen = org.client.get(f"{API}/units", headers=org.headers(rotated["key"])).json()
    assert [u["id"] for u in seen] == [unit], "the same unit and nothing more"

    with unchanged(engine):
        again = _rotate(org, leader["id"])
    assert again.status_code == 409
    assert "revoked" in again.json()["detail"]


def test_rotating_the_last_admin_key_hands_the_organisation_to_its_replacement(org: Org) -> None:
    own = _admin_key_id(org)
    rotated = _ok(_rotate(org, own), 201)
    assert (rotated["role"], rotated["replaced_key_id"]) == ("admin", own)
    assert _works(org, org.admin_key) == 401
    assert [(k["id"], k["revoked"]) for k in _keys(org, rotated["key"])] == [
        (own, True),
        (rotated["id"], False),
    ]


def test_the_last_working_admin_key_cannot_be_revoked(org: Org, engine: Engine) -> None:
    first = _admin_key_id(org)
    leader = _issue(org, "leader", _unit(org))

    with unchanged(engine):
        refused = _revoke(org, first)
    assert refused.status_code == 409
    assert LAST_ADMIN in refused.json()["detail"]
    assert "lock the organisation out" in refused.json()["detail"]
    assert _works(org, org.admin_key) == 200, "a leader key does not count as an admin"

    second = _issue(org, "admin")
    # With another admin key working, an admin may revoke even the key it calls with.
    assert _ok(_revoke(org, first))["revoked"] is True
    assert _works(org, org.admin_key) == 401

    with unchanged(engine):
        last = _revoke(org, second["id"], second["key"])
    assert last.status_code == 409
    assert LAST_ADMIN in last.json()["detail"]
    assert _ok(_revoke(org, leader["id"], second["key"]))["revoked"] is True


def test_the_last_admin_key_is_kept_by_the_update_itself(org: Org, engine: Engine) -> None:
    """Two admins revoking the last two admin keys at once: whichever update comes second
    finds no other working admin key and changes nothing, whatever its own check read."""
    second = _issue(org, "admin")
    first = _admin_key_id(org)
    with Session(engine) as session, session.begin():
        assert repositories.revoke_api_key(
            session, key_id=first, organisation_id=org.organisation_id
        )
        assert not repositories.revoke_api_key(
            session, key_id=second["id"], organisation_id=org.organisation_id
        )
    assert _works(org, second["key"]) == 200


def test_of_two_admins_revoking_the_last_two_admin_keys_at_once_one_is_refused(
    org: Org, engine: Engine
) -> None:
    second = _issue(org, "admin")
    first = _admin_key_id(org)
    outcome: list[BaseException | None] = []

    def revoke_second() -> None:
        with Session(engine) as session:
            try:
                access.revoke_key(
                    session, organisation_id=org.organisation_id, key_id=second["id"], actor="b"
                )
            except ServiceError as exc:
                outcome.append(exc)
            else:
                outcome.append(None)

    # The first revocation holds its transaction open while the second one starts: on
    # PostgreSQL the second waits for the admin keys' rows, on SQLite for the write lock.
    with Session(engine) as session, session.begin():
        assert repositories.working_admin_keys(
            session, organisation_id=org.organisation_id
        ) == sorted([first, second["id"]])
        assert repositories.revoke_api_key(
            session, key_id=first, organisation_id=org.organisation_id
        )
        racing = threading.Thread(target=revoke_second)
        racing.start()
        time.sleep(0.5)
    racing.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], Conflict)
    assert LAST_ADMIN in str(outcome[0])
    assert _works(org, second["key"]) == 200


def test_a_rotation_that_cannot_revoke_the_old_key_stores_nothing(
    org: Org, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    leader = _issue(org, "leader", _unit(org))
    monkeypatch.setattr(repositories, "revoke_api_key", lambda *_a, **_k: False)
    with unchanged(engine):
        refused = _rotate(org, leader["id"])
    assert refused.status_code == 409
    assert _works(org, leader["key"]) == 200


def test_another_organisations_key_is_answered_as_one_that_does_not_exist(
    org: Org, engine: Engine
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        _, theirs = init_organisation(session, OrganisationCreate(name="Globex"))
    answers = {}
    with unchanged(engine):
        for key_id in (theirs.id, MISSING, 2**40):
            for action in ("revoke", "rotate"):
                response = org.client.post(f"{API}/keys/{key_id}/{action}", headers=org.headers())
                assert response.status_code == 404, response.text
                answers[(key_id, action)] = response.json()["detail"].replace(str(key_id), "N")
    assert set(answers.values()) == {"API key N does not exist"}
    assert theirs.id not in [k["id"] for k in _keys(org)]
    assert _works(org, theirs.key) == 200


def test_a_leader_key_may_not_list_revoke_rotate_or_create_keys(org: Org, engine: Engine) -> None:
    leader = _issue(org, "leader", _unit(org))
    admin = _admin_key_id(org)
    calls = [
        ("GET", "/keys", None),
        ("POST", "/keys", {"role": "admin"}),
        ("POST", f"/keys/{admin}/revoke", None),
        ("POST", f"/keys/{admin}/rotate", None),
        ("POST", f"/keys/{leader['id']}/rotate", None),
        ("POST", f"/keys/{MISSING}/revoke", None),
    ]
    with unchanged(engine):
        for method, path, body in calls:
            response = org.client.request(
                method, API + path, json=body, headers=org.headers(leader["key"])
            )
            assert (response.status_code, response.json()) == (403, ADMIN_ONLY), path
            anonymous = org.client.request(method, API + path, json=body)
            assert anonymous.status_code == 401, path


def test_every_key_change_is_in_the_audit_log_with_its_actor_and_no_secret(
    org: Org, engine: Engine
) -> None:
    unit = _unit(org)
    first = _admin_key_id(org)
    leader = _issue(org, "leader", unit)
    _ok(_revoke(org, leader["id"]))
    _ok(_revoke(org, leader["id"]))  # changes nothing, so logs nothing
    admin = _issue(org, "admin")
    rotated = _ok(_rotate(org, admin["id"]), 201)

    response = org.client.get(f"{API}/audit", headers=org.headers(rotated["key"]))
    log = _ok(response)
    assert [(e["action"], e["key_id"], e["unit_id"], e["actor"]) for e in log] == [
        ("key_created", first, None, access.SYSTEM),
        ("key_created", leader["id"], unit, f"admin key {first}"),
        ("key_revoked", leader["id"], unit, f"admin key {first}"),
        ("key_created", admin["id"], None, f"admin key {first}"),
        ("key_rotated", admin["id"], None, f"admin key {first}"),
        ("key_created", rotated["id"], None, f"admin key {first}"),
    ]
    assert all(e["at"] and e["campaign_id"] is None and e["count"] is None for e in log)
    stored = repr(_rows(engine)["auditevent"])
    for secret in (org.admin_key, leader["key"], admin["key"], rotated["key"]):
        for text in (response.text, stored):
            assert secret not in text
            assert _sha256(secret) not in text


def test_the_key_routes_are_described_under_access(org: Org) -> None:
    spec = _ok(org.client.get("/openapi.json"))
    routes = {
        ("post", "/api/v1/keys"),
        ("get", "/api/v1/keys"),
        ("post", "/api/v1/keys/{key_id}/revoke"),
        ("post", "/api/v1/keys/{key_id}/rotate"),
    }
    for method, path in routes:
        assert spec["paths"][path][method]["tags"] == ["access"], path
    listed = spec["components"]["schemas"]["ApiKeyPublic"]["properties"]
    assert all(field.get("description") for field in listed.values())
    rotated = spec["components"]["schemas"]["ApiKeyRotated"]["properties"]
    assert {"key", "replaced_key_id"} <= set(rotated)
