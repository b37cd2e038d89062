"""Signing in and the pages behind it, as plain HTML (the browser's checks are in tests/web):
the sign-in form and its refusals, the session cookie, signing out, and what each role's pages
show and hide. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import Role
from api.web.i18n import catalogue
from api.web.pages import CONTENT_SECURITY_POLICY
from tests.api.conftest import Org, stage_campaign

PASSWORD = "a long enough passphrase"
EN = catalogue("en")


@pytest.fixture
def browser(engine: Engine) -> Iterator[TestClient]:
    """A client over https, as the session cookie is Secure."""
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        yield client


@pytest.fixture
def people(org: Org, engine: Engine) -> dict[str, Any]:
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
                    name=email.split("@")[0],
                    role=role,
                    unit_id=unit,
                    password=PASSWORD,
                ),
                actor="test",
            )
    return {"staged": staged, "accounts": made}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _sign_in(
    client: TestClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    form = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf": _csrf(form.text), "email": email, "password": password, **extra},
        follow_redirects=False,
    )


def test_the_root_leads_to_the_sign_in_form_then_home_by_role(
    browser: TestClient, people: dict[str, Any]
) -> None:
    assert browser.get("/", follow_redirects=False).headers["location"] == "/signin"
    for email, home in (
        ("hr@acme.example", "/console"),
        ("works@acme.example", "/console"),
        ("lead@acme.example", "/portal"),
    ):
        browser.cookies.clear()
        signed = _sign_in(browser, email)
        assert signed.status_code == 303
        assert signed.headers["location"] == home
        assert browser.get("/", follow_redirects=False).headers["location"] == home


def test_the_session_cookie_is_host_only_httponly_secure_and_lax(
    browser: TestClient, people: dict[str, Any]
) -> None:
    signed = _sign_in(browser, "hr@acme.example")
    cookie = next(
        c
        for c in signed.headers.get_list("set-cookie")
        if c.startswith("__Host-transversal-session=")
    ).lower()
    for flag in ("httponly", "secure", "samesite=lax", "path=/"):
        assert flag in cookie
    assert "domain=" not in cookie


def test_a_refused_sign_in_keeps_the_address_and_tells_nothing_more(
    browser: TestClient, people: dict[str, Any]
) -> None:
    empty = _sign_in(browser, "", "")
    assert empty.status_code == 422
    assert re.findall(r'<li><a href="#(\w+)">', empty.text) == ["email", "password"]
    wrong = _sign_in(browser, "hr@acme.example", "not the password")
    unknown = _sign_in(browser, "who@acme.example", "not the password")
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    message = EN["signin.refused"].format(
        tries=accounts.MAX_FAILURES, minutes=accounts.LOCK_MINUTES
    )
    assert message in _text(wrong.text)
    assert _text(wrong.text).replace("hr@acme", "who@acme") == _text(unknown.text).replace(
        _csrf(unknown.text), _csrf(wrong.text)
    ), "the same page for a known and an unknown address"
    assert 'value="hr@acme.example"' in wrong.text
    assert "not the password" not in wrong.text


def test_a_sign_in_posted_from_elsewhere_is_refused(
    browser: TestClient, people: dict[str, Any]
) -> None:
    form = browser.get("/signin")
    browser.cookies.clear()
    refused = browser.post(
        "/signin",
        data={"csrf": _csrf(form.text), "email": "hr@acme.example", "password": PASSWORD},
    )
    assert refused.status_code == 403
    again = browser.get("/signin")
    crossed = browser.post(
        "/signin",
        data={"csrf": _csrf(again.text), "email": "hr@acme.example", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert crossed.status_code == 403


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/console/audit", "/console/audit"),
        ("//evil.example/x", "/console"),
        ("https://evil.example/", "/console"),
        ("/\\evil.example", "/console"),
    ],
)
def test_after_signing_in_only_a_page_of_ours_is_followed(
    browser: TestClient, people: dict[str, Any], target: str, lands: str
) -> None:
    signed = _sign_in(browser, "hr@acme.example", next=target)
    assert signed.headers["location"] == lands


def test_a_page_asked_for_signed_out_comes_back_after_signing_in(
    browser: TestClient, people: dict[str, Any]
) -> None:
    asked = browser.get("/console/audit", follow_redirects=False)
    assert asked.headers["location"] == "/signin?next=/console/audit"
    form = browser.get(asked.headers["location"])
    assert 'name="next" value="/console/audit"' in form.text


def test_signing_out_ends_the_session_for_good(browser: TestClient, people: dict[str, Any]) -> None:
    _sign_in(browser, "hr@acme.example")
    page = browser.get("/console")
    token = browser.cookies.get("__Host-transversal-session")
    assert browser.post("/signout", data={"csrf": "forged"}).status_code == 403
    out = browser.post("/signout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert out.headers["location"] == "/signin?signed_out=1"
    browser.cookies.set("__Host-transversal-session", token or "")
    assert browser.get("/console", follow_redirects=False).status_code == 303


def test_hr_sees_campaigns_with_their_progress_and_the_audit_log(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _sign_in(browser, "hr@acme.example")
    home = browser.get("/console")
    assert home.status_code == 200
    text = _text(home.text)
    assert "Spring" in text
    assert EN["console.answers"] in text
    campaign = people["staged"].campaign_id
    page = browser.get(f"/console/campaigns/{campaign}")
    assert page.status_code == 200
    assert "Night ward" in _text(page.text)
    assert "Day ward" in _text(page.text)
    audit = browser.get("/console/audit?lang=fr")
    assert '<html lang="fr">' in audit.text
    assert catalogue("fr")["audit_action.signed_in"] in _text(audit.text)
    assert browser.get("/console/campaigns/999999").status_code == 404
    assert browser.get("/console/campaigns/x").status_code == 404


def test_an_auditor_sees_settings_and_the_log_never_a_count_or_result(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _sign_in(browser, "works@acme.example")
    home = browser.get("/console")
    assert home.status_code == 200
    assert EN["console.answers"] not in _text(home.text)
    assert EN["console.minimum"] in _text(home.text)
    assert browser.get("/console/audit").status_code == 200
    campaign = people["staged"].campaign_id
    assert browser.get(f"/console/campaigns/{campaign}").status_code == 404
    assert browser.get("/portal").status_code == 404


def test_a_leader_sees_their_own_units_only(browser: TestClient, people: dict[str, Any]) -> None:
    _sign_in(browser, "lead@acme.example")
    portal = browser.get("/portal")
    assert portal.status_code == 200
    assert "Night ward" in _text(portal.text)
    assert "Day ward" not in _text(portal.text)
    campaign = people["staged"].campaign_id
    for path in ("/console", "/console/audit", f"/console/campaigns/{campaign}"):
        assert browser.get(path).status_code == 404, path


def test_every_console_page_has_the_pages_headers(
    browser: TestClient, people: dict[str, Any]
) -> None:
    pages = ["/signin"]
    _sign_in(browser, "hr@acme.example")
    pages += ["/console", "/console/audit", f"/console/campaigns/{people['staged'].campaign_id}"]
    for path in pages:
        page = browser.get(path)
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
        for address in re.findall(r'(?:src|href|action)="([^"]*)"', page.text):
            assert address.startswith(("/", "#")), address


# What each role gets on each page: 200, 404 (as for a page that does not exist), or 303 to
# the sign-in form for nobody signed in.
MATRIX = {
    "/console": {"": 303, "hr": 200, "works": 200, "lead": 404},
    "/console/audit": {"": 303, "hr": 200, "works": 200, "lead": 404},
    "/console/campaigns/{campaign}": {"": 303, "hr": 200, "works": 404, "lead": 404},
    "/console/campaigns/999999": {"": 303, "hr": 404, "works": 404, "lead": 404},
    "/portal": {"": 303, "hr": 404, "works": 404, "lead": 200},
}


@pytest.mark.parametrize("who", ["", "hr", "works", "lead"])
def test_the_route_by_role_matrix_of_the_pages(
    browser: TestClient, people: dict[str, Any], who: str
) -> None:
    if who:
        _sign_in(browser, f"{who}@acme.example")
    campaign = people["staged"].campaign_id
    seen = {
        path: browser.get(path.format(campaign=campaign), follow_redirects=False).status_code
        for path in MATRIX
    }
    assert seen == {path: statuses[who] for path, statuses in MATRIX.items()}
