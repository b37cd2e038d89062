# ruff: noqa: F811 (the fixtures imported from test_web_console are parameters here)
"""HR's organisation chart in the console: the tree, a pasted CSV previewed with its problems by
row (nothing stored) or its changes, then applied; admins only, every post with the session's
anti-forgery token. On both databases."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.services import org_chart
from api.web.i18n import catalogue
from api.web.pages import MAX_FORM_BYTES
from tests.api.conftest import table_counts
from tests.api.test_web_console import (  # noqa: F401 (the fixtures)
    _csrf,
    _sign_in,
    _text,
    browser,
    people,
)

EN = catalogue("en")
HEADER = "external_id,name,parent_external_id,kind\n"


def _hr(client: TestClient) -> str:
    """Sign HR in; the session's anti-forgery token."""
    _sign_in(client, "hr@acme.example")
    return _csrf(client.get("/console/chart").text)


def _units(engine: Engine, organisation_id: int) -> dict[str, tuple[str, str, str | None]]:
    """The units by external id: name, kind and the parent's external id."""
    with Session(engine, expire_on_commit=False) as session:
        units = org_chart.list_units(session, organisation_id=organisation_id)
    ids = {u.id: u.external_id for u in units}
    return {
        str(u.external_id): (u.name, str(u.kind), ids.get(u.parent_id) if u.parent_id else None)
        for u in units
    }


def test_the_chart_shows_every_unit_in_its_place_and_is_in_hrs_menu(
    browser: TestClient,
    people: dict[str, Any],
) -> None:
    _sign_in(browser, "hr@acme.example")
    page = browser.get("/console/chart")
    assert page.status_code == 200
    assert 'href="/console/chart" aria-current="page"' in page.text
    text = _text(page.text)
    for name in ("Acme", "Nursing", "Night ward", "Day ward"):
        assert name in text
    assert "department, id d" in text
    # Nested: the teams in a list inside the department's item, inside the organisation's.
    tree = page.text[page.text.index("<strong>Acme</strong>") :]
    nursing = tree.index("<strong>Nursing</strong>")
    assert tree[:nursing].count("<ul") == 1
    for team in ("Night ward", "Day ward"):
        assert tree[nursing : tree.index(f"<strong>{team}</strong>")].count("<ul") == 1
    assert re.search(r'<textarea[^>]+id="csv"[^>]+name="csv"', page.text)
    assert 'action="/console/chart/preview?lang=en"' in page.text


def test_a_csv_with_mistakes_is_shown_by_row_and_nothing_is_stored(
    browser: TestClient,
    people: dict[str, Any],
    engine: Engine,
) -> None:
    csrf = _hr(browser)
    pasted = HEADER + "t3,Pharmacy,t1,team\nt4,Kitchen,nowhere,\n"
    before = table_counts(engine)
    preview = browser.post("/console/chart/preview", data={"csrf": csrf, "csv": pasted})
    assert preview.status_code == 422
    summary = preview.text[: preview.text.index("<h1")]
    assert re.findall(r'<li><a href="#(\w+)">', summary) == ["csv", "csv"]
    text = _text(summary)
    assert "Row 2, column parent_external_id: " in text
    assert "is a team: a team has no units under it" in text
    assert "Row 3, column parent_external_id: unknown parent 'nowhere'" in text
    assert "Apply these changes" not in preview.text
    # The pasted text is kept in the textarea, and described by the error.
    assert "t4,Kitchen,nowhere," in _text(preview.text)
    assert 'aria-describedby="csv-hint csv-error"' in preview.text
    assert table_counts(engine) == before
    # A file that cannot be read, and an empty one, come back on the chart page.
    for bad, message in (
        ("id,name\nx,y\n", "missing column(s): external_id, parent_external_id"),
        ("", EN["chart.error_empty"]),
        (HEADER + "t5,,d,squad\n", "Row 2, column name:"),
    ):
        refused = browser.post("/console/chart/preview", data={"csrf": csrf, "csv": bad})
        assert refused.status_code == 422
        assert message in _text(refused.text)
    assert table_counts(engine) == before


def test_a_good_csv_is_previewed_then_applied(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Any
) -> None:
    csrf = _hr(browser)
    pasted = (
        HEADER
        + "org,Acme,,organisation\n"
        + "t1,Night shift,d,\n"  # renamed
        + "d2,Pharmacy,org,department\n"  # added
        + "t2,Day ward,d2,\n"  # moved
    )
    before = table_counts(engine)
    preview = browser.post("/console/chart/preview", data={"csrf": csrf, "csv": pasted})
    assert preview.status_code == 200
    text = _text(preview.text)
    assert "error-summary" not in preview.text
    counts = dict(re.findall(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>(\d+)</dd>", preview.text))
    assert counts[EN["chart.count_added"]] == "1"
    assert counts[EN["chart.count_renamed"]] == "1"
    assert counts[EN["chart.count_moved"]] == "1"
    assert counts[EN["chart.count_kind_changed"]] == "0"
    assert counts[EN["chart.count_unchanged"]] == "1"
    assert counts[EN["chart.count_left_alone"]] == "1"
    assert "Night ward → Night shift" in text
    assert "d → d2" in text
    assert table_counts(engine) == before
    hidden = re.search(r'<input type="hidden" name="csv" value="([^"]*)"', preview.text)
    assert hidden
    assert unescape(hidden.group(1)) == pasted
    applied = browser.post(
        "/console/chart/import",
        data={"csrf": csrf, "csv": unescape(hidden.group(1))},
        follow_redirects=False,
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == "/console/chart"
    units = _units(engine, org.organisation_id)
    assert units["t1"] == ("Night shift", "team", "d")
    assert units["d2"] == ("Pharmacy", "department", "org")
    assert units["t2"] == ("Day ward", "team", "d2")
    assert "Pharmacy" in _text(browser.get("/console/chart").text)


def test_a_preview_shows_each_unit_given_another_report_language(
    browser: TestClient, people: dict[str, Any], engine: Engine, org: Any
) -> None:
    csrf = _hr(browser)
    pasted = (
        "external_id,name,parent_external_id,kind,report_language\n"
        "t1,Night ward,d,,fr\n"  # set
        "t2,Day ward,d,,\n"  # a blank cell keeps it
    )
    preview = browser.post("/console/chart/preview", data={"csrf": csrf, "csv": pasted})
    assert preview.status_code == 200
    counts = dict(re.findall(r"<dt[^>]*>([^<]+)</dt><dd[^>]*>(\d+)</dd>", preview.text))
    assert counts[EN["chart.count_report_language_changed"]] == "1"
    assert counts[EN["chart.count_unchanged"]] == "1"
    assert EN["chart.heading_report_language_changed"] in preview.text
    majority = EN["chart_edit.report_language_majority"]
    assert f"{majority} → {EN['language.fr']}" in unescape(_text(preview.text))


@pytest.mark.parametrize("who", ["lead", "works"])
def test_only_hr_sees_or_imports_the_chart(
    browser: TestClient,
    people: dict[str, Any],
    who: str,
) -> None:
    _sign_in(browser, f"{who}@acme.example")
    page = browser.get("/portal" if who == "lead" else "/console")
    assert 'href="/console/chart"' not in page.text
    assert browser.get("/console/chart").status_code == 404
    for action in ("preview", "import"):
        refused = browser.post(
            f"/console/chart/{action}", data={"csrf": _csrf(page.text), "csv": HEADER}
        )
        assert refused.status_code == 404


def test_signed_out_the_chart_leads_to_the_sign_in_form(
    browser: TestClient,
    people: dict[str, Any],
) -> None:
    asked = browser.get("/console/chart", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == "/signin?next=/console/chart"


def test_a_post_without_the_sessions_token_or_too_large_changes_nothing(
    browser: TestClient,
    people: dict[str, Any],
    engine: Engine,
) -> None:
    csrf = _hr(browser)
    pasted = HEADER + "d2,Pharmacy,org,department\n"
    before = table_counts(engine)
    for action in ("preview", "import"):
        assert browser.post(f"/console/chart/{action}", data={"csv": pasted}).status_code == 403
        forged = browser.post(f"/console/chart/{action}", data={"csrf": "nope", "csv": pasted})
        assert forged.status_code == 403
        crossed = browser.post(
            f"/console/chart/{action}",
            data={"csrf": csrf, "csv": pasted},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert crossed.status_code == 403
    huge = HEADER + "x,y,org,team\n" * (MAX_FORM_BYTES // 10)
    too_large = browser.post("/console/chart/import", data={"csrf": csrf, "csv": huge})
    assert too_large.status_code == 413
    assert table_counts(engine) == before
