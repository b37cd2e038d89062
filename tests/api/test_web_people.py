"""HR's people and keys in the console, as plain HTML, on both databases: the lists, a new
person whose password is shown once and works, a password reset, API keys created, revoked
(after asking) and rotated, each secret shown once and working on the API as it should; every
refusal (another role, no token, another site, a form with problems) changing nothing, and
every change in the audit log with no secret in it."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from html import unescape
from importlib import resources
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, col, select

from api.app import create_app
from api.services import accounts
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import Account, AuditEvent, Role
from api.web.i18n import catalogue
from api.web.pages import CONTENT_SECURITY_POLICY
from tests.api.conftest import Org, stage_campaign, table_counts

PASSWORD = "a long enough passphrase"
EN = catalogue("en")
FR = catalogue("fr")
API = "/api/v1"

# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


@pytest.fixture
def browser(engine: Engine) -> Iterator[TestClient]:
    """A client over https, as the session cookie is Secure."""
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        yield client


@pytest.fixture
def people(org: Org, engine: Engine) -> dict[str, Any]:
    """A chart (Acme > Nursing > Night ward, Day ward) and an admin, a leader of the night ward
    and an auditor who sign in with ``PASSWORD``."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[
            UnitImportRow(external_id="org", name="Acme", kind="organisation"),
            UnitImportRow(
                external_id="d", name="Nursing", kind="department", parent_external_id="org"
            ),
            UnitImportRow(external_id="t1", name="Night ward", parent_external_id="d"),
            UnitImportRow(external_id="t2", name="Day ward", parent_external_id="d"),
        ],
        teams=["t1", "t2"],
    )
    made = {}
    with Session(engine, expire_on_commit=False) as session:
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, staged.units["t1"]),
            ("works@acme.example", Role.auditor, None),
        ):
            made[str(role)] = accounts.create_account(
                session,
                organisation_id=org.organisation_id,
                data=AccountCreate(
                    email=email,
                    name=email.split("@")[0].title(),
                    role=role,
                    unit_id=unit,
                    password=PASSWORD,
                ),
                actor="test",
            )
    return {"units": staged.units, "accounts": made}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    form = client.get("/signin")
    signed: httpx.Response = client.post(
        "/signin",
        data={"csrf": _csrf(form.text), "email": email, "password": password},
        follow_redirects=False,
    )
    return signed


def _as_hr(browser: TestClient) -> str:
    """Signs HR in; the anti-forgery token of their forms."""
    assert _sign_in(browser, "hr@acme.example").status_code == 303
    page = browser.get("/console/people")
    assert page.status_code == 200
    return _csrf(page.text)


def _secret(html: str) -> str:
    found = re.findall(r'<code class="secret">([^<]+)</code>', html)
    assert len(found) == 1, "one secret on the page"
    return unescape(found[0])


def _summary(html: str) -> list[str]:
    return re.findall(r'<li><a href="#(\w+)">', html)


def _audit(engine: Engine) -> list[tuple[str, str, int | None, int | None]]:
    with Session(engine) as session:
        return [
            (str(e.action), e.actor, e.account_id, e.key_id)
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))
        ]


def _stored_rows(engine: Engine) -> str:
    with engine.connect() as connection:
        return repr(
            [
                list(connection.execute(table.select()))
                for table in SQLModel.metadata.sorted_tables
                if table.name == "auditevent"
            ]
        )


def _works(org: Org, key: str) -> int:
    """The status of a plain read with ``key`` on the JSON API: 200 while it works, 401 once
    revoked."""
    status: int = org.client.get(f"{API}/units", headers=org.headers(key)).status_code
    return status


def _new_person(browser: TestClient, csrf: str, **fields: str) -> httpx.Response:
    posted: httpx.Response = browser.post("/console/people/new", data={"csrf": csrf, **fields})
    return posted


def _new_key(browser: TestClient, csrf: str, **fields: str) -> httpx.Response:
    posted: httpx.Response = browser.post("/console/people/keys/new", data={"csrf": csrf, **fields})
    return posted


def _newest_key(browser: TestClient) -> int:
    """The id of the newest working key the list offers to rotate."""
    listed = browser.get("/console/people").text
    return max(int(k) for k in re.findall(r"/console/people/keys/(\d+)/rotate", listed))


def _account(engine: Engine, email: str) -> Account:
    with Session(engine) as session:
        return session.exec(select(Account).where(Account.email == email)).one()


# -- the lists ----------------------------------------------------------------------------------


def test_hr_sees_the_organisations_people_and_keys(
    browser: TestClient, people: dict[str, Any], org: Org
) -> None:
    _as_hr(browser)
    page = browser.get("/console/people")
    text = _text(page.text)
    for shown in (
        "Hr",
        "hr@acme.example",
        "lead@acme.example",
        "works@acme.example",
        "Night ward",
        EN["console.role_leader"],
        EN["console.role_auditor"],
        EN["people.unit_admin"],
        EN["people.never"],
        EN["people.state_active"],
        EN["people.key_name"].format(id=1),
        org.admin_key[:8],
        EN["people.key_working"],
    ):
        assert shown in text, shown
    assert org.admin_key not in page.text, "never a key, only its first characters"
    assert page.text.count("<caption") == 2
    assert page.text.count('<th scope="col">') >= 11
    assert '<th scope="row">Lead</th>' in page.text
    assert 'aria-current="page">' + EN["console.people_menu"] in page.text
    assert 'href="/console/people/new?lang=en"' in page.text
    assert 'href="/console/people/keys/new?lang=en"' in page.text
    assert 'href="/console/people/keys/1/revoke?lang=en"' in page.text
    assert 'action="/console/people/keys/1/rotate?lang=en"' in page.text
    for account in people["accounts"].values():
        assert f'action="/console/people/{account.id}/password?lang=en"' in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["cache-control"] == "no-store"
    hr_row = re.search(r"<th scope=\"row\">Hr</th>(.*?)</tr>", page.text, re.S)
    assert hr_row
    assert EN["people.never"] not in _text(hr_row.group(1)), "HR signed in"


def test_the_pages_follow_the_language_asked_for(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _as_hr(browser)
    for path in ("/console/people", "/console/people/new", "/console/people/keys/new"):
        page = browser.get(f"{path}?lang=fr")
        assert '<html lang="fr">' in page.text
        assert FR["people.title"] in _text(page.text)


# -- who may ------------------------------------------------------------------------------------

PAGES = [
    "/console/people",
    "/console/people/new",
    "/console/people/keys/new",
    "/console/people/keys/1/revoke",
]
POSTS = [
    "/console/people/new",
    "/console/people/{account}/password",
    "/console/people/keys/new",
    "/console/people/keys/1/revoke",
    "/console/people/keys/1/rotate",
]


@pytest.mark.parametrize("who", ["lead", "works"])
def test_a_leader_or_an_auditor_gets_the_missing_page_everywhere_and_changes_nothing(
    browser: TestClient, people: dict[str, Any], engine: Engine, who: str
) -> None:
    _sign_in(browser, f"{who}@acme.example")
    own = browser.get("/portal" if who == "lead" else "/console")
    assert EN["console.people_menu"] not in _text(own.text)
    missing = browser.get("/console/campaigns/999999")
    for path in PAGES:
        refused = browser.get(path)
        assert refused.status_code == 404, path
        assert _text(refused.text) == _text(missing.text), "the same page as a missing one"
    before = table_counts(engine)
    account = people["accounts"]["admin"].id
    for path in POSTS:
        refused = browser.post(
            path.format(account=account),
            data={
                "csrf": _csrf(own.text),
                "name": "Mallory",
                "email": "mallory@acme.example",
                "role": "admin",
                "language": "en",
            },
        )
        assert refused.status_code == 404, path
    assert table_counts(engine) == before


def test_nobody_signed_in_is_sent_to_the_sign_in_form(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    for path in PAGES:
        sent = browser.get(path, follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/signin?next={path}"
    before = table_counts(engine)
    for path in POSTS:
        sent = browser.post(path.format(account=1), data={"csrf": "x"}, follow_redirects=False)
        assert sent.status_code == 303, path
    assert table_counts(engine) == before


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_a_post_without_the_sessions_token_is_refused_and_changes_nothing(
    browser: TestClient, people: dict[str, Any], engine: Engine, token: str | None
) -> None:
    _as_hr(browser)
    before = table_counts(engine)
    account = people["accounts"]["leader"].id
    for path in POSTS:
        fields = {"name": "Mallory", "email": "m@acme.example", "role": "admin", "language": "en"}
        if token is not None:
            fields["csrf"] = token
        refused = browser.post(path.format(account=account), data=fields)
        assert refused.status_code == 403, path
    assert table_counts(engine) == before
    lead = TestClient(browser.app, base_url="https://testserver")
    assert _sign_in(lead, "lead@acme.example").status_code == 303, "the password is unchanged"


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}],
    ids=["fetch-metadata", "origin"],
)
def test_a_post_from_another_site_is_refused_and_changes_nothing(
    browser: TestClient, people: dict[str, Any], engine: Engine, headers: dict[str, str]
) -> None:
    csrf = _as_hr(browser)
    before = table_counts(engine)
    account = people["accounts"]["leader"].id
    for path in POSTS:
        fields = {"csrf": csrf, "name": "M", "email": "m@acme.example", "role": "admin"}
        refused = browser.post(path.format(account=account), data=fields, headers=headers)
        assert refused.status_code == 403, path
    assert table_counts(engine) == before


@pytest.mark.parametrize(
    "path",
    [
        "/console/people/999999/password",
        "/console/people/x/password",
        "/console/people/keys/999999/rotate",
        "/console/people/keys/999999/revoke",
        "/console/people/keys/x/revoke",
    ],
)
def test_what_does_not_exist_is_the_missing_page(
    browser: TestClient, people: dict[str, Any], engine: Engine, path: str
) -> None:
    csrf = _as_hr(browser)
    before = table_counts(engine)
    assert browser.post(path, data={"csrf": csrf}).status_code == 404
    assert table_counts(engine) == before
    if path.endswith("revoke"):
        assert browser.get(path).status_code == 404


def test_another_organisations_account_and_key_do_not_exist_here(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    from api.services.access import init_organisation
    from api.store.models import OrganisationCreate

    with Session(engine, expire_on_commit=False) as session:
        other, key = init_organisation(session, OrganisationCreate(name="Other"))
        assert other.id is not None
        stranger = accounts.create_account(
            session,
            organisation_id=other.id,
            data=AccountCreate(
                email="x@other.example", name="X", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    csrf = _as_hr(browser)
    before = table_counts(engine)
    for path in (
        f"/console/people/{stranger.id}/password",
        f"/console/people/keys/{key.id}/revoke",
        f"/console/people/keys/{key.id}/rotate",
    ):
        assert browser.post(path, data={"csrf": csrf}).status_code == 404, path
    assert browser.get(f"/console/people/keys/{key.id}/revoke").status_code == 404
    assert table_counts(engine) == before
    assert "x@other.example" not in browser.get("/console/people").text


# -- a new person -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, ["name", "email", "role", "language"]),
        (
            {"name": "Ada", "email": "ada-at-acme", "role": "leader", "language": "fr"},
            ["email", "unit"],
        ),
        (
            {"name": "A" * 201, "email": "ada@acme.example", "role": "boss", "language": "de"},
            ["name", "role", "language"],
        ),
        (
            {"name": "  ", "email": "ada@acme.example", "role": "leader", "unit": "999999"},
            ["name", "unit", "language"],
        ),
    ],
)
def test_a_new_person_with_problems_is_shown_them_by_field_keeping_what_was_typed(
    browser: TestClient,
    people: dict[str, Any],
    engine: Engine,
    fields: dict[str, str],
    problems: list[str],
) -> None:
    csrf = _as_hr(browser)
    before = table_counts(engine)
    refused = _new_person(browser, csrf, **fields)
    assert refused.status_code == 422
    assert _summary(refused.text) == problems
    for field in problems:
        assert f'id="{field}-error"' in refused.text, field
        assert f'id="{field}"' in refused.text, "the summary's link has somewhere to go"
    if fields.get("name", "").strip():
        assert f'value="{fields["name"]}"' in refused.text
    if fields.get("email"):
        assert f'value="{fields["email"]}"' in refused.text
    if fields.get("role") in ("leader", "admin", "auditor"):
        assert re.search(
            rf'value="{fields["role"]}" aria-describedby="[\w-]+" checked', refused.text
        )
    if fields.get("language") in ("en", "fr"):
        assert f'value="{fields["language"]}" checked' in refused.text
    assert refused.text.startswith("<!doctype html>")
    assert "<title>" + EN["common.title_error_prefix"] in refused.text
    assert table_counts(engine) == before


def test_an_address_that_has_an_account_is_refused_beside_the_address(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _as_hr(browser)
    before = table_counts(engine)
    refused = _new_person(
        browser, csrf, name="Twin", email=" LEAD@acme.example ", role="auditor", language="en"
    )
    assert refused.status_code == 422
    assert _summary(refused.text) == ["email"]
    assert EN["people.email_taken"] in _text(refused.text)
    assert 'value="LEAD@acme.example"' in refused.text
    assert 'value="Twin"' in refused.text
    assert table_counts(engine) == before


def test_a_new_leader_signs_in_with_the_password_shown_once(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _as_hr(browser)
    day_ward = people["units"]["t2"]
    form = browser.get("/console/people/new")
    assert f'<option value="{day_ward}">Acme / Nursing / Day ward</option>' in form.text
    made = _new_person(
        browser,
        csrf,
        name="Ada Lovelace",
        email="Ada@Acme.example",
        role="leader",
        unit=str(day_ward),
        language="fr",
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    password = _secret(made.text)
    assert len(password) >= accounts.MIN_PASSWORD
    assert not accounts.password_errors(password)
    assert EN["people.shown_once"] in _text(made.text)
    assert "ada@acme.example" in _text(made.text)
    stored = _account(engine, "ada@acme.example")
    assert (stored.role, stored.unit_id, stored.language) == ("leader", day_ward, "fr")
    assert password not in stored.password_hash
    assert "Ada Lovelace" in _text(browser.get("/console/people").text)

    ada = TestClient(browser.app, base_url="https://testserver")
    signed = _sign_in(ada, "ada@acme.example", password)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/portal"
    portal = ada.get("/portal")
    assert '<html lang="fr">' in portal.text
    assert "Day ward" in _text(portal.text)
    assert "Night ward" not in _text(portal.text)

    hr = people["accounts"]["admin"].id
    assert ("account_created", f"admin account {hr}", stored.id, None) in _audit(engine)
    assert password not in _stored_rows(engine)


def test_an_admin_or_an_auditor_has_no_unit_whatever_the_form_sent(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    csrf = _as_hr(browser)
    made = _new_person(
        browser,
        csrf,
        name="Grace",
        email="grace@acme.example",
        role="auditor",
        unit=str(people["units"]["t1"]),
        language="en",
    )
    assert made.status_code == 200
    stored = _account(engine, "grace@acme.example")
    assert (stored.role, stored.unit_id) == ("auditor", None)


def test_a_one_time_page_opened_again_shows_the_list_and_no_secret(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _as_hr(browser)
    lead = people["accounts"]["leader"].id
    for path in (f"/console/people/{lead}/password?lang=fr", "/console/people/keys/1/rotate"):
        again = browser.get(path, follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/console/people")
    assert (
        browser.get(f"/console/people/{lead}/password?lang=fr", follow_redirects=False).headers[
            "location"
        ]
        == "/console/people?lang=fr"
    )


# -- a new password -----------------------------------------------------------------------------


def test_a_reset_password_works_the_old_one_does_not_and_the_account_is_unlocked(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    lead = TestClient(browser.app, base_url="https://testserver")
    assert _sign_in(lead, "lead@acme.example").status_code == 303
    assert lead.get("/portal").status_code == 200
    for _ in range(accounts.MAX_FAILURES):
        _sign_in(TestClient(browser.app, base_url="https://testserver"), "lead@acme.example", "no")
    csrf = _as_hr(browser)
    listed = browser.get("/console/people")
    assert EN["people.state_locked"] in _text(listed.text)

    account = people["accounts"]["leader"].id
    reset = browser.post(f"/console/people/{account}/password", data={"csrf": csrf})
    assert reset.status_code == 200
    assert reset.headers["cache-control"] == "no-store"
    password = _secret(reset.text)
    assert EN["people.password_reset_title"] in _text(reset.text)
    assert lead.get("/portal", follow_redirects=False).status_code == 303, "signed out"

    again = TestClient(browser.app, base_url="https://testserver")
    assert _sign_in(again, "lead@acme.example", PASSWORD).status_code == 401
    assert _sign_in(again, "lead@acme.example", password).status_code == 303
    assert EN["people.state_locked"] not in _text(browser.get("/console/people").text)

    hr = people["accounts"]["admin"].id
    assert ("password_reset", f"admin account {hr}", account, None) in _audit(engine)
    assert password not in _stored_rows(engine)


# -- API keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problems"),
    [({}, ["role"]), ({"role": "leader"}, ["unit"]), ({"role": "leader", "unit": "x"}, ["unit"])],
)
def test_a_new_key_with_problems_is_shown_them_by_field_and_nothing_is_made(
    browser: TestClient,
    people: dict[str, Any],
    engine: Engine,
    fields: dict[str, str],
    problems: list[str],
) -> None:
    csrf = _as_hr(browser)
    before = table_counts(engine)
    refused = _new_key(browser, csrf, **fields)
    assert refused.status_code == 422
    assert _summary(refused.text) == problems
    for field in problems:
        assert f'id="{field}-error"' in refused.text
    if fields.get("role"):
        assert 'value="leader" aria-describedby="role-leader-hint" checked' in refused.text
    assert table_counts(engine) == before


def test_a_key_made_in_the_console_works_once_revoked_it_is_refused(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _as_hr(browser)
    night = people["units"]["t1"]
    made = _new_key(browser, csrf, role="leader", unit=str(night))
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    key = _secret(made.text)
    assert key.startswith("tvk_")
    assert "Night ward" in _text(made.text)
    assert _works(org, key) == 200
    seen = org.client.get(f"{API}/units", headers=org.headers(key)).json()
    assert [u["id"] for u in seen] == [night]

    key_id = _newest_key(browser)
    assert key not in browser.get("/console/people").text
    ask = browser.get(f"/console/people/keys/{key_id}/revoke")
    assert ask.status_code == 200
    assert EN["people.revoke_title"].format(id=key_id) in _text(ask.text)
    assert f'action="/console/people/keys/{key_id}/revoke?lang=en"' in ask.text
    assert _works(org, key) == 200, "asking changes nothing"

    revoked = browser.post(
        f"/console/people/keys/{key_id}/revoke", data={"csrf": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/console/people?revoked={key_id}"
    banner = browser.get(revoked.headers["location"])
    assert EN["people.revoked_banner"].format(id=key_id, prefix=key[:8]) in _text(banner.text)
    assert _works(org, key) == 401
    assert (
        browser.get(f"/console/people/keys/{key_id}/revoke", follow_redirects=False).headers[
            "location"
        ]
        == "/console/people"
    )

    hr = f"admin account {people['accounts']['admin'].id}"
    log = _audit(engine)
    assert ("key_created", hr, None, key_id) in log
    assert ("key_revoked", hr, None, key_id) in log
    assert key not in _stored_rows(engine)
    assert hashlib.sha256(key.encode()).hexdigest() not in _stored_rows(engine)


def test_a_rotated_key_is_refused_and_its_replacement_works(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _as_hr(browser)
    made = _new_key(browser, csrf, role="admin", unit=str(people["units"]["t1"]))
    old = _secret(made.text)
    old_id = _newest_key(browser)
    rotated = browser.post(f"/console/people/keys/{old_id}/rotate", data={"csrf": csrf})
    assert rotated.status_code == 200
    new = _secret(rotated.text)
    assert new != old
    assert EN["people.key_rotated_title"] in _text(rotated.text)
    assert _works(org, old) == 401
    assert _works(org, new) == 200
    assert org.client.get(f"{API}/keys", headers=org.headers(new)).status_code == 200, "admin"

    again = browser.post(f"/console/people/keys/{old_id}/rotate", data={"csrf": csrf})
    assert again.status_code == 409
    assert EN["people.rotate_revoked"].format(id=old_id) in _text(again.text)

    hr = f"admin account {people['accounts']['admin'].id}"
    assert ("key_rotated", hr, None, old_id) in _audit(engine)
    for secret in (old, new):
        assert secret not in _stored_rows(engine)


def test_the_last_working_admin_key_is_not_revoked(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Org
) -> None:
    csrf = _as_hr(browser)
    ask = browser.get("/console/people/keys/1/revoke")
    assert ask.status_code == 200
    assert EN["people.revoke_last_admin"].format(id=1) in _text(ask.text)
    assert 'action="/console/people/keys/1/revoke' not in ask.text, "nothing to confirm"
    before = table_counts(engine)
    refused = browser.post("/console/people/keys/1/revoke", data={"csrf": csrf})
    assert refused.status_code == 409
    assert EN["people.revoke_last_admin"].format(id=1) in _text(refused.text)
    assert table_counts(engine) == before
    assert _works(org, org.admin_key) == 200

    _new_key(browser, csrf, role="admin")
    now = browser.post("/console/people/keys/1/revoke", data={"csrf": csrf})
    assert now.status_code == 200, "with another admin key, it may go"
    assert _works(org, org.admin_key) == 401


def test_the_console_shows_its_own_changes_in_the_audit_log(
    browser: TestClient, people: dict[str, Any]
) -> None:
    csrf = _as_hr(browser)
    lead = people["accounts"]["leader"].id
    password = _secret(browser.post(f"/console/people/{lead}/password", data={"csrf": csrf}).text)
    key = _secret(_new_key(browser, csrf, role="auditor").text)
    log = _text(browser.get("/console/audit").text)
    for action in ("password_reset", "key_created"):
        assert EN[f"audit_action.{action}"] in log
    assert password not in log
    assert key not in log


# -- the catalogues -----------------------------------------------------------------------------


def test_the_french_texts_put_a_narrow_no_break_space_before_high_punctuation() -> None:
    folder = resources.files("api.web") / "messages"
    texts = tomllib.loads((folder / "people.fr.toml").read_text("utf-8"))["people"]
    english = tomllib.loads((folder / "people.en.toml").read_text("utf-8"))["people"]
    assert set(texts) == set(english)
    for key, text in texts.items():
        assert not re.search(r"[ \u00a0][:;?!»]|«[ \u00a0]", text), key
        assert not re.search(r"\w[;?!»]|«\w", text), key
