"""The results section of a closed campaign in HR's console, as plain HTML: the answers (CSV,
SPSS), the codebook and the validity report to download, the same files as the JSON API's for
the same snapshot; the units' reports, or why a unit has none; nothing for anyone but an admin,
and nothing before the campaign closes. On both databases."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.services import accounts
from api.services import campaigns as services
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import Campaign, CampaignSnapshot, CampaignStatus, ResponseCreate, Role
from api.web.i18n import Translator, catalogue
from instrument import load_builtin
from tests.api.conftest import INSTRUMENT, Org, stage_campaign, table_counts

PASSWORD = "a long enough passphrase"
EN = catalogue("en")
ITEMS = load_builtin(INSTRUMENT).item_ids
DOWNLOADS = ("answers.csv", "answers.sav", "codebook.csv", "validity.pdf", "validity.html")
SIZES = {"t1": 6, "t2": 7, "t3": 2, "t4": 3}
"""Answers per team, the minimum being 5: the two small teams are pooled at their department."""


@pytest.fixture
def browser(engine: Engine) -> Iterator[TestClient]:
    """A client over https, as the session cookie is Secure."""
    with TestClient(create_app(engine), base_url="https://testserver") as client:
        yield client


def _answers(seed: int) -> dict[str, int | None]:
    return {item: (seed * 5 + index * 3) % 7 + 1 for index, item in enumerate(ITEMS)}


@pytest.fixture
def people(org: Org, engine: Engine) -> dict[str, Any]:
    """An open campaign over four teams of a department, answered, and an admin, a leader of
    the first team and an auditor who sign in."""
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
            UnitImportRow(external_id="t3", name="Night pharmacy", parent_external_id="d"),
            UnitImportRow(external_id="t4", name="Day pharmacy", parent_external_id="d"),
        ],
        teams=list(SIZES),
        languages=["en", "fr"],
    )
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=staged.campaign_id,
            responses=[
                ResponseCreate(unit_id=staged.units[team], answers=_answers(seed))
                for team, count in SIZES.items()
                for seed in range(count)
            ],
        )
        for email, role, unit in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, staged.units["t1"]),
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
    return {"campaign": staged.campaign_id, "units": staged.units}


@pytest.fixture
def closed(people: dict[str, Any], engine: Engine) -> dict[str, Any]:
    with Session(engine, expire_on_commit=False) as session:
        services.close_campaign(session, campaign_id=people["campaign"])
    return people


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _sign_in(client: TestClient, email: str) -> None:
    form = client.get("/signin")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert found
    signed = client.post(
        "/signin",
        data={"csrf": found.group(1), "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303


def _first_read(engine: Engine, campaign: int) -> object:
    with Session(engine) as session:
        snapshot = session.get(CampaignSnapshot, campaign)
        assert snapshot is not None
        return snapshot.first_read_at


def _download(browser: TestClient, campaign: int | str, name: str) -> httpx.Response:
    return browser.get(f"/console/campaigns/{campaign}/{name}")


def test_the_console_hands_out_the_apis_files_byte_for_byte(
    browser: TestClient, org: Org, closed: dict[str, Any]
) -> None:
    campaign = closed["campaign"]
    _sign_in(browser, "hr@acme.example")
    api = f"/api/v1/campaigns/{campaign}"
    for console, json_api in (
        ("answers.csv", "export.csv"),
        ("answers.sav", "export.sav"),
        ("codebook.csv", "codebook?format=csv"),
    ):
        mine = _download(browser, campaign, console)
        theirs = org.client.get(f"{api}/{json_api}", headers=org.headers())
        assert mine.status_code == theirs.status_code == 200, mine.text
        snapshot = theirs.headers["x-transversal-snapshot"]
        if console.endswith(".sav"):
            # SPSS stamps each file with the time it is written: the rest is the same.
            assert _without_sav_stamp(mine.content) == _without_sav_stamp(theirs.content)
        else:
            assert mine.content == theirs.content, console
        disposition = mine.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert f"spring-campaign-{campaign}-{snapshot[:12]}-{console}" in disposition
        assert mine.headers["cache-control"] == "no-store"
    codebook = _download(browser, campaign, "codebook.csv").text
    assert "Night pharmacy into Nursing" in codebook


def _without_sav_stamp(content: bytes) -> bytes:
    """A .sav file without its creation date and time (9 and 8 bytes at offset 92 of the
    header record)."""
    assert content[:4] == b"$FL2"
    return content[:92] + content[109:]


def test_the_validity_report_comes_as_pdf_and_as_html_naming_the_campaign(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    campaign = closed["campaign"]
    _sign_in(browser, "hr@acme.example")
    pdf = _download(browser, campaign, "validity.pdf?lang=fr")
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert "validity.pdf" in pdf.headers["content-disposition"]
    first_page = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Spring" in first_page
    html = _download(browser, campaign, "validity.html")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.headers["content-disposition"].startswith("attachment;")
    assert "Spring" in _text(html.text)
    assert "reports-static:" not in html.text, "a file that opens from disk"


def test_the_results_section_links_every_file_and_each_units_report_or_says_why_not(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    campaign, units = closed["campaign"], closed["units"]
    _sign_in(browser, "hr@acme.example")
    page = browser.get(f"/console/campaigns/{campaign}")
    assert page.status_code == 200
    text = _text(page.text)
    assert EN["results.heading"] in text
    for name, label in (
        ("answers.csv", "results.answers_csv"),
        ("answers.sav", "results.answers_sav"),
        ("codebook.csv", "results.codebook_csv"),
        ("validity.pdf", "results.validity_pdf"),
        ("validity.html", "results.validity_html"),
    ):
        link = f'<a href="/console/campaigns/{campaign}/{name}?lang=en" download>{EN[label]}</a>'
        assert link in page.text
    rows = _unit_rows(page.text)
    assert set(rows) == {"Night ward", "Day ward", "Night pharmacy", "Day pharmacy"}
    for team in ("t1", "t2"):
        report = f"/portal/campaigns/{campaign}/units/{units[team]}/report"
        assert f'href="{report}?lang=en"' in page.text
        assert f'href="{report}.pdf?lang=en"' in page.text
    english = Translator("en")
    for team, name in (("t3", "Night pharmacy"), ("t4", "Day pharmacy")):
        assert f"/units/{units[team]}/report" not in page.text, "no link to a report it has not"
        reason = english.plural("results.too_few", SIZES[team], minimum=5)
        assert reason in rows[name]
        assert english("results.pooled_into", unit="Nursing") in rows[name]
    assert EN["results.report_html"] in rows["Night ward"]


def _unit_rows(html: str) -> dict[str, str]:
    """The units' table of the results section: each unit's name to its row's text."""
    table = html[html.index('id="unit-reports-caption"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, flags=re.S)
    return {unescape(name): _text(row) for name, row in rows}


def test_a_download_is_a_read_of_the_results_and_the_page_is_not(
    browser: TestClient, org: Org, closed: dict[str, Any], engine: Engine
) -> None:
    campaign = closed["campaign"]
    _sign_in(browser, "hr@acme.example")
    assert browser.get(f"/console/campaigns/{campaign}").status_code == 200
    assert _first_read(engine, campaign) is None, "the list of reports holds counts only"
    assert _download(browser, campaign, "answers.sav").status_code == 200
    assert _first_read(engine, campaign) is not None
    refused = org.client.post(f"/api/v1/campaigns/{campaign}/reopen", headers=org.headers())
    assert refused.status_code == 409
    assert "its results were first read" in refused.json()["detail"]


@pytest.mark.parametrize("name", ["answers.csv", "codebook.csv", "validity.html"])
def test_each_file_is_a_read_of_the_results(
    browser: TestClient, closed: dict[str, Any], engine: Engine, name: str
) -> None:
    campaign = closed["campaign"]
    _sign_in(browser, "hr@acme.example")
    assert _download(browser, campaign, name).status_code == 200
    assert _first_read(engine, campaign) is not None


@pytest.mark.parametrize("who", ["lead", "works"])
def test_only_an_admin_downloads_anything(
    browser: TestClient, closed: dict[str, Any], engine: Engine, who: str
) -> None:
    campaign = closed["campaign"]
    _sign_in(browser, f"{who}@acme.example")
    not_found = browser.get("/console/campaigns/999999").text
    before = table_counts(engine)
    for name in DOWNLOADS:
        refused = _download(browser, campaign, name)
        assert refused.status_code == 404, name
        assert "content-disposition" not in refused.headers
        same = refused.text.replace(
            f"/console/campaigns/{campaign}/{name}", "/console/campaigns/999999"
        )
        assert same == not_found, "the page of a page that does not exist"
    assert table_counts(engine) == before
    assert _first_read(engine, campaign) is None


def test_nobody_signed_in_is_sent_to_sign_in(browser: TestClient, closed: dict[str, Any]) -> None:
    campaign = closed["campaign"]
    for name in DOWNLOADS:
        sent = _download(browser, campaign, name)
        assert sent.status_code == 200
        assert sent.url.path == "/signin"


def test_another_campaign_or_none_is_a_missing_page(
    browser: TestClient, closed: dict[str, Any]
) -> None:
    _sign_in(browser, "hr@acme.example")
    for campaign in ("999999", "x"):
        for name in DOWNLOADS:
            assert _download(browser, campaign, name).status_code == 404


def test_an_open_campaign_says_results_come_once_it_is_closed(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    campaign = people["campaign"]
    _sign_in(browser, "hr@acme.example")
    page = browser.get(f"/console/campaigns/{campaign}")
    assert page.status_code == 200
    assert EN["results.not_yet"] in _text(page.text)
    assert f"/console/campaigns/{campaign}/answers" not in page.text
    assert "/report" not in page.text
    before = table_counts(engine)
    for name in DOWNLOADS:
        refused = _download(browser, campaign, name)
        assert refused.status_code == 409, name
        assert refused.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in refused.headers
        text = _text(refused.text)
        assert EN["results.not_closed_title"] in text
        assert EN["results.not_yet"] in text
        assert "Traceback" not in refused.text
    assert table_counts(engine) == before
    french = _download(browser, campaign, "answers.csv?lang=fr")
    assert _text(catalogue("fr")["results.not_yet"]) in _text(french.text)


def test_a_closed_campaign_whose_export_is_refused_says_why_on_a_page(
    browser: TestClient, org: Org, engine: Engine, people: dict[str, Any]
) -> None:
    """Every unit under the minimum, even pooled: the export would single people out."""
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="solo", name="Solo", parent_external_id="org")],
        teams=["solo"],
    )
    with Session(engine, expire_on_commit=False) as session:
        services.submit_responses(
            session,
            campaign_id=staged.campaign_id,
            responses=[ResponseCreate(unit_id=staged.units["solo"], answers=_answers(1))],
        )
        services.close_campaign(session, campaign_id=staged.campaign_id)
    _sign_in(browser, "hr@acme.example")
    page = browser.get(f"/console/campaigns/{staged.campaign_id}")
    rows = _unit_rows(page.text)
    assert Translator("en")("results.withheld") in rows["Solo"]
    refused = _download(browser, staged.campaign_id, "answers.csv")
    assert refused.status_code == 409
    assert EN["results.refused_title"] in _text(refused.text)
    assert "single out respondents" in _text(refused.text)


def test_a_campaign_closed_without_answers_lists_units_without_reports(
    browser: TestClient, org: Org, engine: Engine, people: dict[str, Any]
) -> None:
    staged = stage_campaign(
        engine,
        org.organisation_id,
        chart=[UnitImportRow(external_id="quiet", name="Quiet team", parent_external_id="org")],
        teams=["quiet"],
    )
    with Session(engine, expire_on_commit=False) as session:
        services.close_campaign(session, campaign_id=staged.campaign_id)
    _sign_in(browser, "hr@acme.example")
    page = browser.get(f"/console/campaigns/{staged.campaign_id}")
    assert page.status_code == 200
    assert _unit_rows(page.text) == {"Quiet team": EN["results.no_answers"]}


def test_a_campaign_closed_before_snapshots_existed_says_how_to_get_its_results(
    browser: TestClient, people: dict[str, Any], engine: Engine
) -> None:
    campaign = people["campaign"]
    with Session(engine, expire_on_commit=False) as session, session.begin():
        stored = session.get(Campaign, campaign)
        assert stored is not None
        stored.status = CampaignStatus.closed  # as a version before snapshots closed it
    _sign_in(browser, "hr@acme.example")
    page = browser.get(f"/console/campaigns/{campaign}")
    assert page.status_code == 200
    assert EN["results.unavailable"] in _text(page.text)
    assert f"/console/campaigns/{campaign}/answers.csv" not in page.text
    refused = _download(browser, campaign, "answers.csv")
    assert refused.status_code == 409
    assert "reopen it and close it again" in _text(refused.text)
