"""What no request may bring, tried as an attacker would, on both databases: text PostgreSQL
cannot store (a NUL character, half a surrogate pair) in a body, a form, a query or a path;
bodies past their bound, with and without a length; errors past counting; two requests
storing the same key at once; a campaign over more units than a statement can name. Each gets
a 4xx naming the field and the reason, or the status page on a page's path, and nothing is
stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from api.http.guard import MAX_BODY_BYTES, MAX_UPLOAD_BYTES, json_problems
from api.services import org_chart
from api.store.models import MAX_CAMPAIGN_UNITS
from tests.api.conftest import INSTRUMENT, Org, table_counts
from tests.api.pages import page_text

API = "/api/v1"
TOKEN = "tvi_" + "x" * 32
UNSTORABLE = ["a\x00b", "\x00", "night\ud800", "\udfff ward"]
"""NUL (PostgreSQL refuses it, SQLite stores it) and lone halves of a surrogate pair (neither
database's driver can encode them)."""


def _raw(body: Any) -> bytes:
    """JSON as a client sends it, escapes included (``\\u0000``, ``\\ud800``)."""
    return json.dumps(body).encode()


def _refused(response: Any, status: int, field: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert field in errors, errors
    return errors


@pytest.mark.parametrize("text", UNSTORABLE)
def test_text_the_database_cannot_store_is_refused_in_every_field(
    org: Org, engine: Engine, text: str
) -> None:
    json_headers = {**org.headers(), "Content-Type": "application/json"}
    before = table_counts(engine)
    for url, body, field in (
        (f"{API}/units", {"name": text}, "name"),
        (f"{API}/units", {"name": "Ward", "external_id": text}, "external_id"),
        (f"{API}/campaigns", {"name": text, "instrument": INSTRUMENT, "unit_ids": [1]}, "name"),
        (f"{API}/campaigns", {"name": "S", "instrument": text, "unit_ids": [1]}, "instrument"),
        (f"{API}/campaigns", {"name": "S", "instrument": INSTRUMENT, "languages": [text]},
         "languages[0]"),
        (f"{API}/units", {"name": "Ward", text: "x"}, text.replace("\x00", "\\u0000")),
    ):  # fmt: skip
        refused = org.client.post(url, content=_raw(body), headers=json_headers)
        if "\ud800" in field or "\udfff" in field:
            field = field.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
        reason = _refused(refused, 422, field)[field]
        assert "cannot be stored" in reason or "no character" in reason
    assert table_counts(engine) == before


def test_a_respondents_answers_with_a_nul_are_refused_before_the_token_is_looked_up(
    org: Org,
) -> None:
    body = _raw({"answers": {"HA1\x00": 3}})
    refused = org.client.post(
        f"{API}/respond/{TOKEN}", content=body, headers={"Content-Type": "application/json"}
    )
    _refused(refused, 422, "answers.HA1\\u0000")


def _root(org: Org) -> int:
    made = org.client.post(
        f"{API}/units", json={"name": "Acme", "kind": "organisation"}, headers=org.headers()
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_escapes_that_are_text_are_let_through(org: Org) -> None:
    root = _root(org)
    # An escaped backslash before "u0000", a whole surrogate pair, French text escaped: text.
    for name in ("C:\\u0000", "Équipe de nuit 🌙", "\\ud800"):
        body = _raw({"name": name, "parent_id": root})
        assert json_problems(body) == []
        made = org.client.post(
            f"{API}/units",
            content=body,
            headers={**org.headers(), "Content-Type": "application/json"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["name"] == name


def test_a_nul_in_the_query_or_the_path(org: Org) -> None:
    refused = org.client.get(f"{API}/units?archived=%00", headers=org.headers())
    _refused(refused, 422, "archived")
    assert org.client.get(f"{API}/respond/tvi_ab%00cd").status_code == 404
    assert org.client.get(f"{API}/respond/tvi_ab%ED%A0%80cd").status_code == 404
    # On the pages: the status page, in the language asked for.
    page = org.client.get("/r/tvi_ab%00cd?lang=fr")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    page = org.client.get("/signin?lang=%00")
    assert page.status_code == 422
    assert "could not be stored" in page_text(page.text)


def test_a_nul_in_a_posted_form_gets_the_page(org: Org, engine: Engine) -> None:
    before = table_counts(engine)
    page = org.client.post(
        "/signin?lang=fr",
        content=b"email=hr%00%40acme.test&password=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert page.status_code == 422
    assert "pas pu être enregistré" in page_text(page.text)
    assert table_counts(engine) == before


def test_a_body_past_its_bound_is_refused_before_it_is_read(org: Org, engine: Engine) -> None:
    before = table_counts(engine)
    big = b'{"answers": {"x": "' + b"a" * MAX_BODY_BYTES + b'"}}'
    for headers in ({"Content-Type": "application/json"}, {"Content-Type": "text/csv"}):
        refused = org.client.post(f"{API}/respond/{TOKEN}", content=big, headers=headers)
        _refused(refused, 413, "body")
        assert len(refused.content) < 500

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the bound is kept while the body arrives.
        for _ in range(40):
            yield b" " * 65536

    refused = org.client.post(
        f"{API}/units",
        content=chunks(),
        headers={**org.headers(), "Content-Type": "application/json"},
    )
    _refused(refused, 413, "body")
    page = org.client.post(
        "/signin", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert page.status_code == 413
    assert "too large" in page_text(page.text)
    assert table_counts(engine) == before


def test_a_file_may_be_larger_than_a_json_body_up_to_its_own_bound(org: Org) -> None:
    header = b"external_id,name,kind,parent_external_id\n"
    rows = b"".join(b"u%d,Unit %d,team,\n" % (i, i) for i in range(100_000))
    assert MAX_BODY_BYTES < len(header + rows) < MAX_UPLOAD_BYTES
    csv_headers = {**org.headers(), "Content-Type": "text/csv"}
    read = org.client.post(
        f"{API}/units/import?dry_run=true", content=header + rows, headers=csv_headers
    )
    assert read.status_code != 413, read.text
    too_big = header + b"x" * MAX_UPLOAD_BYTES
    _refused(
        org.client.post(f"{API}/units/import", content=too_big, headers=csv_headers), 413, "body"
    )


def test_an_error_body_lists_at_most_a_hundred_problems(org: Org) -> None:
    body = {"name": "S", "instrument": INSTRUMENT, "unit_ids": ["x"] * 5_000}
    refused = org.client.post(f"{API}/campaigns", json=body, headers=org.headers())
    assert refused.status_code == 422
    assert len(refused.json()["errors"]) <= 100
    assert len(refused.content) < 20_000


def test_a_campaign_over_more_units_than_a_statement_can_name(org: Org, engine: Engine) -> None:
    before = table_counts(engine)
    body = {"name": "S", "instrument": INSTRUMENT, "unit_ids": list(range(1, 100_001))}
    refused = org.client.post(f"{API}/campaigns", json=body, headers=org.headers())
    reason = _refused(refused, 422, "unit_ids")["unit_ids"]
    assert f"{MAX_CAMPAIGN_UNITS}" in reason.replace(",", "")
    assert table_counts(engine) == before


def test_a_unit_stored_meanwhile_with_the_same_external_id_is_a_conflict(
    org: Org, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _root(org)
    night = {"name": "Night", "external_id": "night", "parent_id": root}
    made = org.client.post(f"{API}/units", json=night, headers=org.headers())
    assert made.status_code == 201
    before = table_counts(engine)
    # The second request checked the chart before the first one stored its unit.
    units = org_chart.repo.list_units
    monkeypatch.setattr(
        org_chart.repo,
        "list_units",
        lambda *a, **k: [u for u in units(*a, **k) if u.external_id != "night"],
    )
    refused = org.client.post(f"{API}/units", json=night, headers=org.headers())
    assert _refused(refused, 409, "external_id")["external_id"] == "is already used"
    assert "nothing of this one was stored" in refused.json()["detail"]
    assert table_counts(engine) == before


def test_units_posted_at_once_with_one_external_id_store_one(org: Org, engine: Engine) -> None:
    root = _root(org)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def post(i: int) -> None:
        start.wait()
        ward = {"name": f"Ward {i}", "external_id": "ward", "parent_id": root}
        answer = org.client.post(f"{API}/units", json=ward, headers=org.headers())
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 422}, statuses
    with Session(engine, expire_on_commit=False) as session:
        units = org_chart.list_units(session, organisation_id=org.organisation_id, archived=True)
    assert [u.external_id for u in units].count("ward") == 1
