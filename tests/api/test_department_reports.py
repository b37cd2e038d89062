"""Department reports and the leader's portal, over the JSON API and as pages, on both
databases: a department's report pools its teams as the disclosure decision allows, a leader
reads the reports of their subtree and nothing else (the same 404 as for a unit that does not
exist), an auditor reads none, and a report's web page is the report with the portal's links."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session

from analysis.simulate import simulate_organisation
from api.app import create_app
from api.jobs import batch
from api.jobs.reports_at_close import _Stored
from api.services import accounts, department_reports, stored_reports
from api.services import campaigns as services
from api.services.access import issue_key
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import ApiKeyCreate, ResponseCreate, Role
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

API = "/api/v1"
PASSWORD = "a long enough passphrase"
EN = catalogue("en")
FR = catalogue("fr")

CHART = [
    UnitImportRow(external_id="acme", name="Acme", kind="organisation"),
    UnitImportRow(
        external_id="ops", name="Operations", parent_external_id="acme", kind="department"
    ),
    UnitImportRow(external_id="night", name="Night shift", parent_external_id="ops"),
    UnitImportRow(external_id="day", name="Day shift", parent_external_id="ops"),
    UnitImportRow(external_id="weekend", name="Weekend crew", parent_external_id="ops"),
    UnitImportRow(external_id="sales", name="Sales", parent_external_id="acme", kind="department"),
    UnitImportRow(external_id="north", name="North desk", parent_external_id="sales"),
    UnitImportRow(external_id="south", name="South desk", parent_external_id="sales"),
]
ANSWERING = {"night": 9, "day": 10, "weekend": 3, "north": 8, "south": 2}
"""The weekend crew (3) waits at Operations, too few there to pool; the south desk (2) too."""


@pytest.fixture
def closed(org: Org, engine: Engine) -> dict[str, Any]:
    """A closed campaign over both departments, with a leader of Operations, a leader of the
    night shift, an auditor (signing in) and leader keys of the same units (the API)."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=CHART,
        teams=["ops", "sales"],
        languages=["en", "fr"],
    )
    units = staged.units
    instrument = load_builtin(INSTRUMENT)
    teams = list(ANSWERING)
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=[ANSWERING[t] for t in teams], seed=5
    ).responses
    responses = []
    for team, (_, rows) in zip(teams, simulated.groupby("team", sort=False), strict=True):
        for _, row in rows.iterrows():
            answers = {i: None if math.isnan(row[i]) else int(row[i]) for i in instrument.item_ids}
            responses.append(ResponseCreate(unit_id=units[team], answers=answers))
    made: dict[str, Any] = {}
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(session, campaign_id=staged.campaign_id, responses=responses)
        services.close_campaign(session, campaign_id=staged.campaign_id)
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("ops@acme.example", Role.leader, units["ops"]),
            ("night@acme.example", Role.leader, units["night"]),
            ("works@acme.example", Role.auditor, None),
        ):
            accounts.create_account(
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
        for name in ("ops", "night"):
            made[f"{name}_key"] = issue_key(
                session,
                organisation_id=org.organisation_id,
                data=ApiKeyCreate(role=Role.leader, unit_id=units[name]),
            ).key
    return {"id": staged.campaign_id, "units": units, **made}


@pytest.fixture
def browser(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        yield client


def _sign_in(client: TestClient, email: str) -> None:
    form = client.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    signed = client.post(
        "/signin",
        data={"csrf": token.group(1), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _api(org: Org, path: str, key: str | None = None) -> httpx.Response:
    return org.client.get(f"{API}{path}", headers=org.headers(key))


# -- the JSON API -------------------------------------------------------------------------------


def test_a_department_report_names_the_department_and_pools_its_teams(
    org: Org, closed: dict[str, Any]
) -> None:
    ops = closed["units"]["ops"]
    pdf = _api(org, f"/campaigns/{closed['id']}/units/{ops}/department-report.pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-transversal-snapshot"]
    text = _pdf_text(pdf.content)
    assert "Operations" in text
    page = _api(org, f"/campaigns/{closed['id']}/units/{ops}/department-report.html?language=fr")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "Operations" in page.text


def test_a_department_report_read_without_a_language_is_in_the_one_set_on_its_unit(
    org: Org, closed: dict[str, Any], engine: Engine
) -> None:
    """Operations sets French, Sales sets nothing: read without a language, the API gives
    Operations' report in French and Sales' in the campaign's first (English); a language
    asked for still wins. The batch and the jobs at close read the same rule."""
    ops, sales = closed["units"]["ops"], closed["units"]["sales"]
    base = f"/campaigns/{closed['id']}/units"

    def language_of(unit: int, query: str = "") -> str:
        page = _api(org, f"{base}/{unit}/department-report.html{query}")
        assert page.status_code == 200, page.text
        found = re.search(r'<html lang="(\w+)"', page.text)
        assert found
        return found.group(1)

    assert language_of(ops) == "en"
    changed = org.client.patch(
        f"{API}/units/{ops}", json={"report_language": "fr"}, headers=org.headers()
    )
    assert changed.status_code == 200, changed.text
    assert (language_of(ops), language_of(sales)) == ("fr", "en")
    assert language_of(ops, "?language=en") == "en"
    with Session(engine) as session:
        assert stored_reports.department_languages(session, campaign_id=closed["id"]) == {ops: "fr"}
    own = batch.own_languages(engine, closed["id"])
    assert own[f"department-{ops}"] == "fr"
    assert f"department-{sales}" not in own
    data = batch.load_waves(engine, closed["id"])[0]
    planned = batch._tasks(data, None, fmt=batch.ReportFormat.pdf, languages=own)
    tasks = {t.key: t.language for t in planned}
    assert (tasks[f"department-{ops}"], tasks[f"department-{sales}"]) == ("fr", None)
    stored = _Stored(
        context=None,
        plan=[],
        languages=["en", "fr"],
        team_languages=((ops, "en"),),
        department_languages=((ops, "fr"),),
    )
    assert stored.ordered("department", ops) == ["fr", "en"]
    assert stored.ordered("team", ops) == ["en", "fr"]
    assert stored.ordered("department", sales) == ["en", "fr"]


def test_a_leader_reads_their_department_and_nothing_outside_it(
    org: Org, closed: dict[str, Any]
) -> None:
    units, campaign = closed["units"], closed["id"]
    key = closed["ops_key"]
    mine = _api(org, f"/campaigns/{campaign}/units/{units['ops']}/department-report.html", key)
    assert mine.status_code == 200
    missing = _api(org, f"/campaigns/{campaign}/units/999999/department-report.html", key)
    for outside in ("sales", "acme"):
        refused = _api(
            org, f"/campaigns/{campaign}/units/{units[outside]}/department-report.html", key
        )
        assert refused.status_code == 404
        assert refused.json()["detail"].replace(str(units[outside]), "N") == missing.json()[
            "detail"
        ].replace("999999", "N")
    team_leader = _api(
        org,
        f"/campaigns/{campaign}/units/{units['ops']}/department-report.pdf",
        closed["night_key"],
    )
    assert team_leader.status_code == 404


def test_a_team_has_no_department_report(org: Org, closed: dict[str, Any]) -> None:
    night = closed["units"]["night"]
    refused = _api(org, f"/campaigns/{closed['id']}/units/{night}/department-report.pdf")
    assert refused.status_code == 404


def test_an_open_campaign_and_an_unknown_language_are_refused(
    org: Org, engine: Engine, closed: dict[str, Any]
) -> None:
    ops = closed["units"]["ops"]
    wrong = _api(org, f"/campaigns/{closed['id']}/units/{ops}/department-report.pdf?language=de")
    assert wrong.status_code == 422
    assert "language" in wrong.text
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="solo", name="Solo team", parent_external_id="acme")],
        teams=["solo"],
    )
    before = table_counts(engine)
    early = _api(
        org, f"/campaigns/{staged.campaign_id}/units/{staged.units['solo']}/department-report.pdf"
    )
    assert early.status_code in (404, 409)
    assert table_counts(engine) == before


def test_the_organisation_report_of_the_root_pools_what_the_decision_publishes(
    org: Org, engine: Engine, closed: dict[str, Any]
) -> None:
    with Session(engine) as session:
        rows = department_reports.campaign_reports(
            session,
            principal=_admin(engine, org),
            campaign_id=closed["id"],
        )
    by_name = {row.name: row for row in rows}
    assert next(row.name for row in rows) == "Acme"
    assert by_name["Acme"].depth == 0
    assert by_name["Night shift"].depth == 2
    # 9 + 10 + 8 pool as teams; the weekend crew (3) waits at Operations and the south desk
    # (2) at Sales, each too small alone; at Acme they make 5 and pool there.
    assert by_name["Operations"].department_respondents == 19
    assert by_name["Sales"].department_respondents == 8
    assert by_name["Acme"].department_respondents == 32
    assert by_name["Weekend crew"].team_report is False
    assert by_name["Weekend crew"].pooled_into == "Acme"
    assert by_name["Night shift"].team_report
    assert not by_name["Night shift"].above_teams


def _admin(engine: Engine, org: Org) -> Any:
    from api.services.access import authenticate

    with Session(engine) as session:
        return authenticate(session, key=org.admin_key)


# -- the portal ---------------------------------------------------------------------------------


def test_the_leader_lists_the_reports_of_their_subtree_only(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "ops@acme.example")
    page = browser.get(f"/portal/campaigns/{closed['id']}")
    assert page.status_code == 200
    for name in ("Operations", "Night shift", "Day shift", "Weekend crew"):
        assert name in page.text
    for name in ("Sales", "North desk", "South desk"):
        assert name not in page.text
    units = closed["units"]
    assert f"/units/{units['acme']}/" not in page.text
    # Pools form upwards only: where the weekend crew's answers count is an ancestor, a unit
    # the leader knows of anyway.
    assert EN["portal.pooled"].format(k=5, unit="Acme") in page.text
    assert f"/units/{units['ops']}/department-report?" in page.text
    assert f"/units/{units['night']}/report?" in page.text
    assert f"/units/{units['weekend']}/report" not in page.text
    home = browser.get("/portal")
    assert f"/portal/campaigns/{closed['id']}" in home.text


def test_a_report_page_is_the_report_with_the_portal_links_and_no_script(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "ops@acme.example")
    base = f"/portal/campaigns/{closed['id']}/units/{closed['units']['night']}/report"
    page = browser.get(base)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'none'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script" not in page.text.lower()
    assert 'class="portal-bar"' in page.text
    assert "Night shift" in page.text
    assert f'href="{base}.pdf?lang=en"' in page.text
    pdf = browser.get(f"{base}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert "Night shift" in _pdf_text(pdf.content)
    french = browser.get(f"{base}?lang=fr")
    assert '<html lang="fr"' in french.text


def test_the_department_report_page_and_its_pdf(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "ops@acme.example")
    base = f"/portal/campaigns/{closed['id']}/units/{closed['units']['ops']}/department-report"
    page = browser.get(base)
    assert page.status_code == 200, page.text
    assert "Operations" in page.text
    pdf = browser.get(f"{base}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    [
        "units/{sales}/department-report",
        "units/{north}/report",
        "units/{acme}/department-report.pdf",
        "units/{north}/report.pdf",
        "units/999999/report",
    ],
)
def test_a_leader_typing_a_unit_outside_their_subtree_gets_the_page_not_found(
    browser: TestClient, closed: dict[str, Any], path: str
) -> None:
    _sign_in(browser, "ops@acme.example")
    typed = f"/portal/campaigns/{closed['id']}/" + path.format(**closed["units"])
    refused = browser.get(typed)
    unknown = f"/portal/campaigns/{closed['id']}/units/999999/report"
    missing = browser.get(unknown)
    assert refused.status_code == 404
    assert refused.headers["content-type"].startswith("text/html")
    assert EN["status.console_not_found_title"] in refused.text
    assert refused.text.replace(typed, "PATH") == missing.text.replace(unknown, "PATH")


def test_a_team_under_the_minimum_gets_a_page_saying_why_not_a_report(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "ops@acme.example")
    weekend = closed["units"]["weekend"]
    page = browser.get(f"/portal/campaigns/{closed['id']}/units/{weekend}/report")
    assert page.status_code == 409
    assert EN["portal.no_report_title"] in page.text
    assert "Traceback" not in page.text


def test_an_auditor_reads_no_report(browser: TestClient, closed: dict[str, Any]) -> None:
    _sign_in(browser, "works@acme.example")
    units = closed["units"]
    for path in (
        "",
        f"/units/{units['night']}/report",
        f"/units/{units['ops']}/department-report.pdf",
    ):
        refused = browser.get(f"/portal/campaigns/{closed['id']}{path}")
        assert refused.status_code == 404, path


def test_hr_reads_every_unit_report_from_the_portal_pages(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "hr@acme.example")
    units = closed["units"]
    for path in (f"/units/{units['north']}/report", f"/units/{units['acme']}/department-report"):
        assert browser.get(f"/portal/campaigns/{closed['id']}{path}").status_code == 200
    listing = browser.get(f"/portal/campaigns/{closed['id']}")
    assert "Acme" in listing.text
    assert "South desk" in listing.text


def test_reports_wait_for_the_campaign_to_close(
    browser: TestClient, org: Org, engine: Engine, closed: dict[str, Any]
) -> None:
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="solo", name="Solo team", parent_external_id="acme")],
        teams=["solo"],
    )
    _sign_in(browser, "hr@acme.example")
    listing = browser.get(f"/portal/campaigns/{staged.campaign_id}")
    assert listing.status_code == 200
    assert EN["portal.not_closed"] in listing.text
    report = browser.get(
        f"/portal/campaigns/{staged.campaign_id}/units/{staged.units['solo']}/report"
    )
    assert report.status_code == 409
    assert EN["portal.not_closed"] in report.text
    assert (
        FR["portal.not_closed"]
        in browser.get(f"/portal/campaigns/{staged.campaign_id}?lang=fr").text
    )


def test_an_address_no_page_serves_gets_the_page_not_found_not_json(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "ops@acme.example")
    for path in ("/portal/campaigns/x/y", "/console/nothing/here"):
        missing = browser.get(path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert EN["status.console_not_found_title"] in missing.text
    assert browser.get("/api/v1/nothing").json() == {"detail": "Not Found"}
