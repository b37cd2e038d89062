"""A corpus of hostile input in every text field of the JSON API, and wrong types in every
field, on both databases: SQL and template injection, markup, unicode's edge cases, text the
database cannot store, lengths past the bound, JSON nested past the parser's depth. Nothing
gets a 5xx; what is refused names its field and stores nothing; what is stored reads back
exactly as sent and shows on a page as text, never as markup or as an evaluated template."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services.accounts import AccountCreate
from api.store.models import Role
from tests.api.conftest import INSTRUMENT, Org, table_counts
from tests.api.pages import PASSWORD, page_text, sign_in

API = "/api/v1"

STORABLE = [
    "'; DROP TABLE unit; --",
    '" OR 1=1 --',
    "x' UNION SELECT secret_hash FROM apikey --",
    "Robert'); DELETE FROM campaign;--",
    "{{7*7}}",
    "{% for x in range(9) %}{{x}}{% endfor %}",
    "${7*7}",
    "#{7*7}",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "\u202eevil\u202c",  # right-to-left override
    "zero\u200bwidth\u200djoin",
    "e\u0301\u0301\u0301 combining",
    "👩‍👩‍👧‍👦 family",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral",
    "\ufeffbyte order mark",
    "line\u2028separator",
    "noncharacter \uffff",
    "tab\tand\nnewline",
    "ß" * 200,
]
"""Text a unit or campaign may be named: stored and shown exactly as given (white space at the
ends aside)."""

REFUSED = [
    ("a\x00b", "cannot be stored"),
    ("half \ud83d", "surrogate"),
    ("   ", "white space"),
    ("", "at least 1"),
    ("x" * 201, "at most 200"),
    ("y" * 10_000, "at most 200"),
]

WRONG_TYPES: list[Any] = [1, 1.5, True, [], {}, ["x"], {"a": 1}]

# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def engine(emptied_database: Engine) -> Engine:
    """The module's database, migrated once and emptied before each test (tests/conftest.py)."""
    return emptied_database


def _post(org: Org, url: str, body: Any) -> Any:
    """``body`` as JSON with every character escaped, as many clients send it: a lone half of
    a surrogate pair can only travel so."""
    headers = {**org.headers(), "Content-Type": "application/json"}
    return org.client.post(url, content=json.dumps(body).encode(), headers=headers)


def _root(org: Org) -> int:
    made = org.client.post(
        f"{API}/units", json={"name": "Acme", "kind": "organisation"}, headers=org.headers()
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_every_text_a_unit_or_campaign_may_be_named_is_stored_and_shown_as_text(
    org: Org, engine: Engine
) -> None:
    root = _root(org)
    for i, text in enumerate(STORABLE):
        unit = org.client.post(
            f"{API}/units",
            json={"name": text, "external_id": f"{text[:90]}#{i}", "parent_id": root},
            headers=org.headers(),
        )
        assert unit.status_code == 201, (text, unit.text)
        unit_id = unit.json()["id"]
        listed = org.client.get(f"{API}/units", headers=org.headers()).json()
        stored = next(u for u in listed if u["id"] == unit_id)
        assert stored["name"] == text.strip(), text
        assert stored["external_id"] == f"{text[:90]}#{i}".strip()
        campaign = org.client.post(
            f"{API}/campaigns",
            json={"name": text, "instrument": INSTRUMENT, "unit_ids": [unit_id]},
            headers=org.headers(),
        )
        assert campaign.status_code == 201, (text, campaign.text)
        assert campaign.json()["name"] == text.strip()
    # Every table is still there, and holds what was made: no statement ran from a name.
    counts = table_counts(engine)
    assert counts["unit"] == len(STORABLE) + 1
    assert counts["campaign"] == len(STORABLE)
    assert counts["apikey"] == 1


@pytest.mark.parametrize("field", ["name", "external_id"])
@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_a_unit_named_with_hostile_text_is_refused_naming_the_field(
    org: Org, engine: Engine, field: str, text: str, reason: str
) -> None:
    body = {"name": "Ward", field: text}
    before = table_counts(engine)
    refused = _post(org, f"{API}/units", body)
    if field == "external_id" and text in ("", "   "):
        # No external id: the unit is the organisation's only one, at the root.
        assert refused.status_code in (201, 422), refused.text
        return
    assert refused.status_code == 422, refused.text
    errors = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert field in errors, errors
    if field == "name" or "cannot" in reason or "surrogate" in reason:
        assert reason in errors[field], errors
    assert table_counts(engine) == before


@pytest.mark.parametrize("value", [*WRONG_TYPES, None])
def test_wrong_types_in_every_field_are_refused_naming_the_field(
    org: Org, engine: Engine, value: Any
) -> None:
    root = _root(org)
    unit = org.client.post(
        f"{API}/units", json={"name": "Ward", "parent_id": root}, headers=org.headers()
    ).json()["id"]
    campaign = {"name": "Spring", "instrument": INSTRUMENT, "unit_ids": [unit]}
    before = table_counts(engine)
    made: list[str] = []
    for url, body, field in (
        (f"{API}/units", {"name": "Ward"}, "name"),
        (f"{API}/units", {"name": "Ward", "parent_id": root}, "external_id"),
        (f"{API}/units", {"name": "Ward", "parent_id": root}, "kind"),
        (f"{API}/units", {"name": "Ward"}, "parent_id"),
        (f"{API}/campaigns", campaign, "name"),
        (f"{API}/campaigns", campaign, "instrument"),
        (f"{API}/campaigns", campaign, "unit_ids"),
        (f"{API}/campaigns", campaign, "languages"),
        (f"{API}/campaigns", campaign, "min_group_size"),
        (f"{API}/campaigns", campaign, "opens_at"),
        (f"{API}/keys", {"role": "leader", "unit_id": unit}, "role"),
        (f"{API}/keys", {"role": "leader", "unit_id": unit}, "unit_id"),
    ):
        sent = {**body, field: value}
        answer = _post(org, url, sent)
        assert answer.status_code < 500, (url, sent, answer.text)
        if isinstance(value, (list, dict)) != (field in ("unit_ids", "languages")):
            # A list where one value goes, or the reverse: refused, naming the field. (Lax
            # readings, such as true for 1, are pydantic's and may be let through.)
            assert answer.status_code == 422, (url, sent, answer.text)
        if answer.status_code == 422:
            fields = {re.split(r"[.\[]", e["field"])[0] for e in answer.json()["errors"]}
            assert field in fields, (sent, answer.json())
        elif answer.status_code < 300:
            made.append(url)
    counts = table_counts(engine)
    assert counts["unit"] == before["unit"] + made.count(f"{API}/units")
    assert counts["campaign"] == before["campaign"] + made.count(f"{API}/campaigns")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name":' * 50_000 + b'"x"' + b"}" * 50_000,
        b'{"name": "Ward"',
        b"\xff\xfe{\x00}",
        b'{"name": "\xc3\x28"}',
        b"null",
        b'"Ward"',
        b"",
    ],
)
def test_a_body_that_is_not_the_json_asked_for_is_refused(
    org: Org, engine: Engine, body: bytes
) -> None:
    before = table_counts(engine)
    headers = {**org.headers(), "Content-Type": "application/json"}
    for url in (f"{API}/units", f"{API}/campaigns", "/api/v1/respond/tvi_" + "x" * 32):
        refused = org.client.post(url, content=body, headers=headers)
        assert refused.status_code in (404, 422), (url, body[:40], refused.text)
        if refused.status_code == 422:
            assert refused.json()["errors"], refused.text
    assert table_counts(engine) == before


def test_hostile_names_show_as_text_on_the_console(org: Org, engine: Engine) -> None:
    root = _root(org)
    for text in STORABLE[:11]:
        made = org.client.post(
            f"{API}/units", json={"name": text, "parent_id": root}, headers=org.headers()
        )
        assert made.status_code == 201
    with Session(engine, expire_on_commit=False) as session:
        accounts.create_account(
            session,
            organisation_id=org.organisation_id,
            data=AccountCreate(
                email="hr@acme.example", name="HR", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    with TestClient(create_app(engine), base_url="https://testserver") as browser:
        sign_in(browser, "hr@acme.example")
        page = browser.get("/console/chart")
        # Ids that str.isdigit takes and int() does not, or the database cannot hold.
        for odd in ("%C2%B2", "9" * 5000, "99999999999999999999", "%D9%A3"):
            missing = browser.get(f"/console/campaigns/{odd}")
            assert missing.status_code == 404, (odd, missing.text[:200])
            assert "text/html" in missing.headers["content-type"]
    assert page.status_code == 200, page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "<img src=x" not in page.text
    shown = page_text(page.text)
    for text in STORABLE[:11]:
        assert text in shown, text


def test_ids_past_what_the_database_holds_find_nothing(org: Org) -> None:
    for url in (
        f"{API}/audit?campaign_id=2147483648",
        f"{API}/audit?campaign_id=-9223372036854775809",
    ):
        answer = org.client.get(url, headers=org.headers())
        assert answer.status_code in (200, 404), (url, answer.text)
        if answer.status_code == 200:
            assert answer.json() == []
    for url in (f"{API}/campaigns/2147483648", f"{API}/campaigns/99999999999999999999"):
        assert org.client.get(url, headers=org.headers()).status_code == 404


def test_a_respondents_query_language_of_any_length_is_refused_naming_it(
    org: Org, engine: Engine
) -> None:
    from tests.api.load_support import stage_tokens

    (token,) = stage_tokens(engine, 1, organisation="Respondents' employer")
    before = table_counts(engine)
    for language in ("null", "x", "english", "%00"):
        for method, path in (("POST", ""), ("PUT", "/draft")):
            refused = org.client.request(
                method, f"{API}/respond/{token}{path}?language={language}", json={"answers": {}}
            )
            assert refused.status_code == 422, (language, method, refused.text)
            assert "language" in {e["field"] for e in refused.json()["errors"]}
    assert table_counts(engine) == before
