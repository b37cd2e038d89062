"""HR's whole campaign in Chromium, as the people who run it do, on a fresh database with only
an organisation and three accounts: HR signs in, pastes a chart with a mistake, reads the
problem by row, fixes it and applies it; creates a campaign over a department, opens it and
downloads the invitation links; respondents answer through the form at those links; HR closes
the campaign, reads its progress, downloads the exports and the whole set of reports. Then the
department's leader signs in, reads a team's report and the department's, and is refused a unit
outside their subtree; the auditor reads the audit log and finds no result."""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from analysis.simulate import simulate_organisation
from api.jobs.queue import Jobs, embedded_consumer
from api.services import accounts, org_chart
from api.services.access import init_organisation
from api.services.accounts import AccountCreate
from api.settings import get_settings
from api.store.models import OrganisationCreate, Role
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.web.conftest import LiveServer, NewPage

PASSWORD = "a long enough passphrase"
EN = catalogue("en")

CHART_WITH_A_MISTAKE = """\
external_id,name,parent_external_id,kind
acme,Acme Care,,organisation
nursing,Nursing,acme,department
night,Night ward,nursing,team
day,Day ward,nursign,team
kitchen,Kitchen,acme,team
"""
ANSWERING = {"Night ward": 6, "Day ward": 5}


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """The settings are read again after the test, without its data folder."""
    yield
    get_settings.cache_clear()


def _people(server: LiveServer) -> int:
    with Session(server.engine, expire_on_commit=False) as session:
        made, _ = init_organisation(session, OrganisationCreate(name="Acme Care"))
        assert made.id is not None
        for email, role in (
            ("hr@acme.example", Role.admin),
            ("works@acme.example", Role.auditor),
        ):
            accounts.create_account(
                session,
                organisation_id=made.id,
                data=AccountCreate(
                    email=email, name=email.split("@")[0].title(), role=role, password=PASSWORD
                ),
                actor="test",
            )
    return made.id


def _unit_id(server: LiveServer, organisation_id: int, name: str) -> int:
    with Session(server.engine, expire_on_commit=False) as session:
        units = org_chart.list_units(session, organisation_id=organisation_id)
    return next(u.id or 0 for u in units if u.name == name)


def _leader(server: LiveServer, organisation_id: int, unit_name: str) -> None:
    """The department's leader gets an account once the chart exists (as HR would add it)."""
    with Session(server.engine, expire_on_commit=False) as session:
        accounts.create_account(
            session,
            organisation_id=organisation_id,
            data=AccountCreate(
                email="lead@acme.example",
                name="Lead",
                role=Role.leader,
                unit_id=_unit_id(server, organisation_id, unit_name),
                password=PASSWORD,
            ),
            actor="test",
        )


def _sign_in(page: Page, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/")
    page.get_by_label(EN["signin.email"]).fill(email)
    page.get_by_label(EN["signin.password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=EN["signin.submit"]).click()


def _download(page: Page, link: str, folder: Path, role: str = "link") -> Path:
    with page.expect_download() as started:
        page.get_by_role(role, name=link).first.click()  # type: ignore[arg-type]
    target = folder / started.value.suggested_filename
    started.value.save_as(target)
    return target


def _answer_through_the_form(base: str, link: str, answers: dict[str, int | None]) -> None:
    """A respondent's browser without JavaScript: the welcome page, each page of statements
    posted with its token, the review, the send (plain posts, as the form sends them)."""
    instrument = load_builtin()
    path = link.removeprefix(base).split("?")[0]
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        assert client.get(path).status_code == 200
        for number, scale in enumerate(instrument.scales, start=1):
            page = client.get(f"{path}/p/{number}")
            token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
            assert token, page.text[:300]
            fields = {i: "na" if answers[i] is None else str(answers[i]) for i in scale.items}
            posted = client.post(
                f"{path}/p/{number}",
                data={"csrf": token.group(1), "lang": "en", "action": "next", **fields},
            )
            assert posted.status_code == 200
        review = client.get(f"{path}/review")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', review.text)
        assert token
        sent = client.post(
            f"{path}/review", data={"csrf": token.group(1), "lang": "en", "action": "send"}
        )
        assert sent.status_code == 200
        assert "/thanks" in str(sent.url)


def test_hr_runs_a_whole_campaign_and_the_leader_reads_the_reports(
    live_server: LiveServer,
    new_page: NewPage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = live_server
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QUEUE_URL", raising=False)
    get_settings.cache_clear()
    organisation_id = _people(server)
    hr = new_page()
    _sign_in(hr, server, "hr@acme.example")
    assert hr.url.endswith("/console")

    # The chart, with a mistake: a parent that does not exist, shown by row; nothing stored.
    hr.get_by_role("link", name=EN["chart.menu"]).click()
    hr.get_by_label(EN["chart.csv_label"]).fill(CHART_WITH_A_MISTAKE)
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["chart.preview_button"]).click()
    summary = hr.locator(".error-summary")
    assert summary.is_visible()
    assert "Row 5" in summary.inner_text()
    hr.get_by_label(EN["chart.csv_label"]).fill(CHART_WITH_A_MISTAKE.replace("nursign", "nursing"))
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["chart.preview_button"]).click()
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["chart.apply_button"]).click()
    assert hr.get_by_text("Night ward").first.is_visible()
    _leader(server, organisation_id, "Nursing")

    # A campaign over the department (its two wards come with it) and the kitchen.
    hr.goto(f"{server.url}/console/campaigns/new")
    hr.get_by_label(EN["console.new_name"]).fill("Spring 2027")
    hr.get_by_label("Nursing").check()
    hr.get_by_label("Kitchen").check()
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["console.new_button"]).click()
    assert hr.get_by_role("heading", name="Spring 2027").is_visible()
    campaign_url = hr.url
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["console.open_button"]).click()

    # Links per ward, as the mail-merge file; respondents answer through the form.
    instrument = load_builtin()
    simulated = simulate_organisation(
        instrument=instrument, team_sizes=list(ANSWERING.values()), seed=8
    ).responses
    by_team = list(simulated.groupby("team", sort=False))
    for (ward, count), (_, rows) in zip(ANSWERING.items(), by_team, strict=True):
        hr.get_by_label(EN["console.links_unit"], exact=True).select_option(label=ward)
        hr.get_by_label(EN["console.links_count"]).fill(str(count + 1))
        with hr.expect_download() as started:
            hr.get_by_role("button", name=EN["console.links_button"]).click()
        table = started.value.path().read_text(encoding="utf-8-sig")
        links = [row["link"] for row in csv.DictReader(io.StringIO(table))]
        assert len(links) == count + 1
        for link, (_, row) in zip(links, rows.iterrows(), strict=False):
            answers = {i: None if math.isnan(row[i]) else int(row[i]) for i in instrument.item_ids}
            _answer_through_the_form(server.url, link, answers)

    # Close, read the progress, download the exports and the reports.
    hr.goto(campaign_url)
    with hr.expect_navigation():
        hr.get_by_role("button", name=EN["console.close_button"]).click()
    progress = hr.locator("table").first.inner_text()
    assert "Night ward" in progress
    assert "Day ward" in progress
    answers_csv = _download(hr, EN["results.answers_csv"], tmp_path)
    assert len(answers_csv.read_text(encoding="utf-8-sig").splitlines()) == 1 + sum(
        ANSWERING.values()
    )
    codebook = _download(hr, EN["results.codebook_csv"], tmp_path)
    assert "HA01" in codebook.read_text(encoding="utf-8-sig")
    # The whole set of reports, made by a worker while HR watches the progress page.
    hr.get_by_role("button", name=EN["batch.start_pdf"]).click()
    hr.wait_for_url(re.compile(r"/reports/\d+"))
    jobs = Jobs.from_settings(server.engine, get_settings())
    with embedded_consumer(jobs):
        for _ in range(120):
            link = hr.get_by_role("button", name=EN["batch.download"])
            if link.count():
                break
            hr.wait_for_timeout(1000)
            hr.reload()
    reports = _download(hr, EN["batch.download"], tmp_path, role="button")
    with zipfile.ZipFile(reports) as bundle:
        names = [name.split("/", 1)[1] for name in bundle.namelist()]
    assert "index.html" in names
    assert any(re.fullmatch(r"\d+-night-ward\.pdf", n) for n in names), names
    assert any(re.fullmatch(r"department-\d+-nursing\.pdf", n) for n in names), names
    assert "organisation.pdf" in names

    # The department's leader: a team's report and the department's; nothing outside.
    lead = new_page(width=375)
    _sign_in(lead, server, "lead@acme.example")
    assert lead.url.endswith("/portal")
    with lead.expect_navigation():
        lead.get_by_role(
            "link", name=EN["portal.open_reports"].format(campaign="Spring 2027")
        ).click()
    reports_url = lead.url
    night = EN["portal.read"] + " " + EN["portal.team_of"].format(unit="Night ward")
    with lead.expect_navigation():
        lead.get_by_role("link", name=night).click()
    assert lead.get_by_role("heading", name="Night ward").first.is_visible()
    lead.goto(reports_url)
    department = EN["portal.read"] + " " + EN["portal.department_of"].format(unit="Nursing")
    with lead.expect_navigation():
        lead.get_by_role("link", name=department).click()
    assert lead.get_by_role("heading", name="Nursing").first.is_visible()
    campaign_id = campaign_url.rstrip("/").split("/")[-1]
    kitchen = _unit_id(server, organisation_id, "Kitchen")
    for outside in (f"units/{kitchen}/report", f"units/{kitchen}/report.pdf"):
        refused = lead.goto(f"{server.url}/portal/campaigns/{campaign_id}/{outside}")
        assert refused is not None
        assert refused.status == 404

    # The auditor: the audit log, and no result anywhere.
    works = new_page()
    _sign_in(works, server, "works@acme.example")
    works.get_by_role("link", name=EN["console.audit"]).click()
    log = works.locator("main").inner_text()
    assert "Spring 2027" in log or "campaign" in log.lower()
    for path in (
        campaign_url,
        f"{server.url}/portal/campaigns/{campaign_id}",
        f"{server.url}/console/campaigns/{campaign_id}/answers.csv",
    ):
        answer = works.goto(path)
        assert answer is not None
        assert answer.status == 404, path
