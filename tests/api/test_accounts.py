"""Accounts and sessions: argon2id passwords, the lock after repeated failures, sessions that
end, the auditor who sees the audit trail and no result; on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from api.services import accounts
from api.services.accounts import AccountCreate, SignInRefused
from api.services.errors import NotFound, ValidationFailed
from api.services.org_chart import UnitImportRow
from api.store.models import Account, AuditEvent, Role, WebSession, utc_now
from tests.api.conftest import Org, stage_campaign

PASSWORD = "a long enough passphrase"


def _account(engine: Engine, org: Org, **fields: Any) -> Account:
    data = {"email": "hr@acme.example", "name": "Hana", "role": Role.admin, "password": PASSWORD}
    with Session(engine, expire_on_commit=False) as session:
        return accounts.create_account(
            session,
            organisation_id=org.organisation_id,
            data=AccountCreate.model_validate(data | fields),
            actor="test",
        )


def test_a_password_is_kept_only_as_an_argon2id_hash(org: Org, engine: Engine) -> None:
    account = _account(engine, org)
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    with Session(engine, expire_on_commit=False) as session:
        signed = accounts.sign_in(session, email=" HR@Acme.example", password=PASSWORD)
    assert signed.token.startswith("tvs_")
    with Session(engine, expire_on_commit=False) as session:
        stored = session.exec(select(WebSession)).one()
    assert stored.token_hash != signed.token, "the table keeps the token's digest only"
    assert signed.token not in stored.token_hash


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "password"),
        ({"role": Role.leader}, "unit_id"),
        ({"role": Role.auditor, "unit_id": 1}, "unit_id"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_account_data_is_refused_by_field(
    org: Org, engine: Engine, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _account(engine, org, **fields)
    assert field in {e.field for e in refused.value.errors}


def test_an_address_has_one_account(org: Org, engine: Engine) -> None:
    _account(engine, org)
    with pytest.raises(ValidationFailed, match="email"):
        _account(engine, org, email="HR@ACME.example")


def test_failed_sign_ins_lock_the_account_and_say_nothing_of_it(org: Org, engine: Engine) -> None:
    _account(engine, org)
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(accounts.MAX_FAILURES):
            with pytest.raises(SignInRefused):
                accounts.sign_in(session, email="hr@acme.example", password="wrong guess!!!")
        # Locked: even the right password is refused, with the same refusal as a wrong one.
        with pytest.raises(SignInRefused):
            accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
        with pytest.raises(SignInRefused):
            accounts.sign_in(session, email="nobody@acme.example", password=PASSWORD)
    with Session(engine, expire_on_commit=False) as session:
        locked = session.exec(select(Account)).one()
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert locked.locked_until is not None
    assert "account_locked" in actions
    # A new password from HR (or the CLI) unlocks it.
    with Session(engine, expire_on_commit=False) as session:
        accounts.reset_password(
            session, email="hr@acme.example", password="another long passphrase", actor="test"
        )
    with Session(engine, expire_on_commit=False) as session:
        assert accounts.sign_in(
            session, email="hr@acme.example", password="another long passphrase"
        ).token


def test_the_lock_does_not_hold_a_browser_trusted_for_the_account(org: Org, engine: Engine) -> None:
    _account(engine, org)
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(accounts.MAX_FAILURES):  # a guesser locks the account
            with pytest.raises(SignInRefused):
                accounts.sign_in(session, email="hr@acme.example", password="wrong guess!!!")
        with pytest.raises(SignInRefused):
            accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
        # The owner's browser, trusted since an earlier sign-in, is let in; a wrong password
        # from it is still refused.
        with pytest.raises(SignInRefused):
            accounts.sign_in(
                session, email="hr@acme.example", password="wrong guess!!!", trusted_device=True
            )
        assert accounts.sign_in(
            session, email="hr@acme.example", password=PASSWORD, trusted_device=True
        ).token


def test_a_session_ends_when_idle_too_long_or_signed_out(org: Org, engine: Engine) -> None:
    _account(engine, org)
    with Session(engine, expire_on_commit=False) as session:
        first = accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
        second = accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
    with Session(engine, expire_on_commit=False) as session:
        assert accounts.visit(session, token=first.token) is not None
        accounts.sign_out(session, token=first.token)
        assert accounts.visit(session, token=first.token) is None
        assert accounts.visit(session, token=second.token) is not None
        session.execute(
            update(WebSession).values(
                last_seen_at=utc_now() - timedelta(hours=accounts.IDLE_HOURS, minutes=1)
            )
        )
        session.commit()
        assert accounts.visit(session, token=second.token) is None
        assert accounts.visit(session, token="tvs_made_up") is None


def test_a_new_password_signs_the_account_out_everywhere(org: Org, engine: Engine) -> None:
    _account(engine, org)
    with Session(engine, expire_on_commit=False) as session:
        signed = accounts.sign_in(session, email="hr@acme.example", password=PASSWORD)
        accounts.reset_password(
            session, email="hr@acme.example", password="a brand new passphrase", actor="test"
        )
        assert accounts.visit(session, token=signed.token) is None
        with pytest.raises(NotFound):
            accounts.reset_password(
                session, email="who@acme.example", password="a brand new passphrase", actor="t"
            )


def test_a_leader_account_sees_its_subtree_as_its_key_would(org: Org, engine: Engine) -> None:
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="org", name="Acme", kind="organisation"),
            UnitImportRow(
                external_id="d", name="Dept", kind="department", parent_external_id="org"
            ),
            UnitImportRow(external_id="t1", name="One", parent_external_id="d"),
            UnitImportRow(external_id="t2", name="Two", parent_external_id="d"),
        ],
        teams=["t1", "t2"],
    )
    _account(engine, org, email="lead@acme.example", role=Role.leader, unit_id=staged.units["t1"])
    with Session(engine, expire_on_commit=False) as session:
        signed = accounts.sign_in(session, email="lead@acme.example", password=PASSWORD)
        visit = accounts.visit(session, token=signed.token)
    assert visit is not None
    assert visit.principal.units == {staged.units["t1"]}
    assert visit.principal.actor == f"leader account {signed.account.id}"


def test_an_auditor_key_sees_the_audit_trail_and_no_result(org: Org, engine: Engine) -> None:
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="t", name="Team")],
        teams=["t"],
    )
    campaign = staged.campaign_id
    made = org.client.post("/api/v1/keys", json={"role": "auditor"}, headers=org.headers())
    assert made.status_code == 201, made.text
    auditor = org.headers(made.json()["key"])
    client = org.client
    assert client.post(f"/api/v1/campaigns/{campaign}/close", headers=org.headers()).is_success
    assert client.get("/api/v1/audit", headers=auditor).status_code == 200
    assert client.get("/api/v1/campaigns", headers=auditor).json()[0]["id"] == campaign
    assert client.get(f"/api/v1/campaigns/{campaign}", headers=auditor).status_code == 200
    disclosure = client.get(f"/api/v1/campaigns/{campaign}/disclosure", headers=auditor)
    assert disclosure.status_code == 200
    unit = staged.units["t"]
    for path in (
        f"/campaigns/{campaign}/results",
        f"/campaigns/{campaign}/progress",
        f"/campaigns/{campaign}/units/{unit}/report.html",
        f"/campaigns/{campaign}/units/{unit}/report.pdf",
        f"/campaigns/{campaign}/export.csv",
        f"/campaigns/{campaign}/codebook.csv",
    ):
        answer = client.get(f"/api/v1{path}", headers=auditor)
        assert answer.status_code in (403, 404), (path, answer.status_code)
    for path in ("/units", f"/campaigns/{campaign}/invitations", "/keys"):
        answer = client.post(f"/api/v1{path}", json={}, headers=auditor)
        assert answer.status_code in (403, 422), (path, answer.status_code)
    with Session(engine, expire_on_commit=False) as session:
        read = session.exec(
            select(col(AuditEvent.action)).where(col(AuditEvent.campaign_id) == campaign)
        ).all()
    assert "campaign_closed" in read


def test_production_passwords_are_hashed_at_a_cost_owasp_accepts() -> None:
    # The suite hashes at the lowest cost (tests/conftest.py); the service's own hasher is
    # argon2id at no less than OWASP's minimum (19 MiB, 2 passes).
    from argon2 import Type

    hasher = accounts.PASSWORD_HASHER
    assert hasher.type is Type.ID
    assert hasher.memory_cost >= 19 * 1024
    assert hasher.time_cost >= 2
    assert hasher.hash("a long enough passphrase").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
