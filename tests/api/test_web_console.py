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
from tests.api.conftest import Org, stage_campaign, table_counts

PASSWORD = "a long enough passphrase"
EN = catalogue("en")

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
        languages=["en", "fr"],
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


def test_a_status_page_speaks_to_the_person_on_it(
    browser: TestClient, people: dict[str, Any]
) -> None:
    """A respondent's link gets the respondent's footer (their answers are confidential); HR,
    a leader or someone signing in gets the console's, never the respondents' promise."""
    for page in (
        browser.get("/console/no-such-page"),
        browser.get("/signin?x=%00"),  # a NUL in a query
        browser.post(
            "/signin",
            content=b"x" * 100_000,
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
    ):
        assert page.status_code in (404, 413, 422), page.status_code
        assert EN["console.footer"] in _text(page.text), page.status_code
        assert EN["common.footer"] not in _text(page.text), page.status_code
    assert _sign_in(browser, "lead@acme.example").status_code == 303
    missing = browser.get("/portal/campaigns/999999")
    assert missing.status_code == 404
    assert EN["status.console_not_found_title"] in _text(missing.text)
    assert EN["console.footer"] in _text(missing.text)
    respondent = browser.get("/r/tr_no-such-link")
    assert respondent.status_code == 404
    assert EN["common.footer"] in _text(respondent.text)
    assert EN["console.footer"] not in _text(respondent.text)


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


def test_a_refused_sign_in_answers_in_the_language_the_form_was_read_in(
    browser: TestClient, people: dict[str, Any]
) -> None:
    """An English browser that chose French on the form gets its refusal in French: the form
    posts to the address of the language it was shown in."""
    english = {"Accept-Language": "en"}
    form = browser.get("/signin?lang=fr", headers=english)
    action = re.search(r'<form method="post" action="([^"]+)"', form.text)
    assert action is not None
    assert unescape(action.group(1)) == "/signin?lang=fr"
    wrong = browser.post(
        unescape(action.group(1)),
        data={"csrf": _csrf(form.text), "email": "hr@acme.example", "password": "not it"},
        headers=english,
        follow_redirects=False,
    )
    assert wrong.status_code == 401
    assert '<html lang="fr">' in wrong.text
    message = catalogue("fr")["signin.refused"].format(
        tries=accounts.MAX_FAILURES, minutes=accounts.LOCK_MINUTES
    )
    assert message in _text(wrong.text)


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
    "/console/campaigns/{campaign}/answers.csv": {"": 303, "hr": 409, "works": 404, "lead": 404},
    "/console/campaigns/{campaign}/answers.sav": {"": 303, "hr": 409, "works": 404, "lead": 404},
    "/console/campaigns/{campaign}/codebook.csv": {"": 303, "hr": 409, "works": 404, "lead": 404},
    "/console/campaigns/{campaign}/validity.pdf": {"": 303, "hr": 409, "works": 404, "lead": 404},
    "/console/campaigns/{campaign}/validity.html": {"": 303, "hr": 409, "works": 404, "lead": 404},
    "/console/campaigns/999999": {"": 303, "hr": 404, "works": 404, "lead": 404},
    "/portal": {"": 303, "hr": 404, "works": 404, "lead": 200},
    "/console/people": {"": 303, "hr": 200, "works": 404, "lead": 404},
    "/console/people/new": {"": 303, "hr": 200, "works": 404, "lead": 404},
    "/console/people/keys/new": {"": 303, "hr": 200, "works": 404, "lead": 404},
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


# -- HR's actions ---------------------------------------------------------------------------------


def _campaign_page(browser: TestClient, campaign: int) -> str:
    page = browser.get(f"/console/campaigns/{campaign}")
    assert page.status_code == 200
    return page.text


def test_hr_hands_out_links_as_a_mail_merge_file_that_works(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    _sign_in(browser, "hr@acme.example")
    staged = people["staged"]
    campaign, unit = staged.campaign_id, staged.units["t2"]
    html = _campaign_page(browser, campaign)
    issued = browser.post(
        f"/console/campaigns/{campaign}/invitations",
        data={"csrf": _csrf(html), "unit": str(unit), "count": "3", "language": "fr"},
    )
    assert issued.status_code == 200
    assert issued.headers["content-type"].startswith("text/csv")
    assert issued.headers["cache-control"] == "no-store"
    assert "attachment" in issued.headers["content-disposition"]
    rows = issued.content.decode("utf-8-sig").splitlines()
    assert rows[0] == "unit_id,unit,language,link"
    assert len(rows) == 4
    links = [row.split(",")[3] for row in rows[1:]]
    assert all(r.split(",")[:3] == [str(unit), "Day ward", "fr"] for r in rows[1:])
    assert all(re.fullmatch(r"https://testserver/r/tvi_[\w-]+\?lang=fr", link) for link in links)
    opened = browser.get(links[0].removeprefix("https://testserver"))
    assert opened.status_code == 200
    assert '<html lang="fr">' in opened.text
    log = browser.get("/console/audit")
    assert f"admin account {people['accounts']['admin'].id}" in _text(log.text)


def test_links_follow_the_public_address_when_one_is_set(
    browser: TestClient, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.settings import get_settings

    monkeypatch.setenv("PUBLIC_URL", "https://survey.acme.example/")
    get_settings.cache_clear()
    try:
        _sign_in(browser, "hr@acme.example")
        staged = people["staged"]
        html = _campaign_page(browser, staged.campaign_id)
        issued = browser.post(
            f"/console/campaigns/{staged.campaign_id}/invitations",
            data={
                "csrf": _csrf(html),
                "unit": str(staged.units["t1"]),
                "count": "1",
                "language": "en",
            },
        )
    finally:
        get_settings.cache_clear()
    link = issued.content.decode("utf-8-sig").splitlines()[1].split(",")[3]
    assert link.startswith("https://survey.acme.example/r/tvi_")


@pytest.mark.parametrize(
    ("count", "language", "field"),
    [
        ("0", "en", "count"),
        ("ten", "en", "count"),
        ("10001", "en", "count"),
        ("2", "de", "language"),
    ],
)
def test_bad_link_requests_come_back_with_the_problem_beside_the_field(
    browser: TestClient,
    people: dict[str, Any],
    engine: Engine,
    count: str,
    language: str,
    field: str,
) -> None:
    _sign_in(browser, "hr@acme.example")
    staged = people["staged"]
    html = _campaign_page(browser, staged.campaign_id)
    before = table_counts(engine)["invitation"]
    refused = browser.post(
        f"/console/campaigns/{staged.campaign_id}/invitations",
        data={
            "csrf": _csrf(html),
            "unit": str(staged.units["t1"]),
            "count": count,
            "language": language,
        },
    )
    assert refused.status_code == 422
    assert re.findall(r'<li><a href="#(\w+)">', refused.text) == [field]
    assert f'id="{field}-error"' in refused.text
    assert table_counts(engine)["invitation"] == before


def test_hr_closes_a_campaign_from_its_page_and_cannot_close_it_twice(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _sign_in(browser, "hr@acme.example")
    campaign = people["staged"].campaign_id
    html = _campaign_page(browser, campaign)
    closed = browser.post(
        f"/console/campaigns/{campaign}/close", data={"csrf": _csrf(html)}, follow_redirects=False
    )
    assert closed.headers["location"] == f"/console/campaigns/{campaign}"
    after = _campaign_page(browser, campaign)
    assert EN["console.status_closed"] in _text(after)
    again = browser.post(f"/console/campaigns/{campaign}/close", data={"csrf": _csrf(after)})
    assert again.status_code == 422
    assert "is closed" in _text(again.text)


@pytest.mark.parametrize("who", ["lead", "works"])
def test_only_hr_acts_on_a_campaign(browser: TestClient, people: dict[str, Any], who: str) -> None:
    _sign_in(browser, f"{who}@acme.example")
    page = browser.get("/portal" if who == "lead" else "/console")
    campaign = people["staged"].campaign_id
    for action in ("close", "open", "invitations"):
        refused = browser.post(
            f"/console/campaigns/{campaign}/{action}",
            data={"csrf": _csrf(page.text), "unit": "1", "count": "1", "language": "en"},
        )
        assert refused.status_code == 404


def test_an_action_without_the_sessions_token_changes_nothing(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    _sign_in(browser, "hr@acme.example")
    campaign = people["staged"].campaign_id
    before = table_counts(engine)
    refused = browser.post(f"/console/campaigns/{campaign}/close", data={"csrf": "nope"})
    assert refused.status_code == 403
    assert table_counts(engine) == before


def test_hr_creates_a_campaign_over_a_department_from_the_form(
    browser: TestClient, people: dict[str, Any]
) -> None:
    _sign_in(browser, "hr@acme.example")
    form = browser.get("/console/campaigns/new")
    assert form.status_code == 200
    nursing = people["staged"].units["d"]
    made = browser.post(
        "/console/campaigns/new",
        data={
            "csrf": _csrf(form.text),
            "name": "Autumn 2027",
            "units": [str(nursing)],
            "languages": ["en", "fr"],
            "minimum": "6",
            "opens": "2027-09-01T08:00",
            "closes": "2027-09-30T18:00",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, _text(made.text)
    page = browser.get(made.headers["location"])
    text = _text(page.text)
    assert "Autumn 2027" in text
    for team in ("Night ward", "Day ward"):
        assert team in text, "the department brought its teams"
    assert "1 September 2027, 08:00 UTC" in text


def test_a_new_campaign_with_problems_keeps_what_was_typed(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    _sign_in(browser, "hr@acme.example")
    form = browser.get("/console/campaigns/new")
    before = table_counts(engine)
    refused = browser.post(
        "/console/campaigns/new",
        data={
            "csrf": _csrf(form.text),
            "name": "",
            "languages": ["fr"],
            "minimum": "2",
            "opens": "tomorrow",
            "closes": "2027-09-30T18:00",
        },
    )
    assert refused.status_code == 422
    assert re.findall(r'<li><a href="#(\w+)">', refused.text) == [
        "name",
        "units",
        "minimum",
        "opens",
    ]
    assert 'value="2027-09-30T18:00"' in refused.text
    assert 'value="2"' in refused.text
    assert table_counts(engine) == before
    late = browser.post(
        "/console/campaigns/new",
        data={
            "csrf": _csrf(form.text),
            "name": "Backwards",
            "units": [str(people["staged"].units["t1"])],
            "languages": ["en"],
            "minimum": "5",
            "opens": "2027-09-30T18:00",
            "closes": "2027-09-01T08:00",
        },
    )
    assert late.status_code == 422
    assert "closes_at" in _text(late.text)
    assert table_counts(engine) == before
