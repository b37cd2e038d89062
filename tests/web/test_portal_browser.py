"""The leader's portal in Chromium, on a closed campaign: the list of reports, a team's report
and a department's report as web pages, the page of a unit without a report and the page of a
unit outside the subtree. Each passes axe (no serious or critical violation) in both
languages, and none scrolls sideways at 320 px: the report reflows to the screen."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from analysis.simulate import simulate_organisation
from api.services import accounts, campaigns, org_chart
from api.services.access import init_organisation
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import CampaignCreate, OrganisationCreate, ResponseCreate, Role
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.web.conftest import (
    PHONE_WIDTH,
    LiveServer,
    NewPage,
    audit_widths,
    axe_audit,
)

PASSWORD = "a long enough passphrase"
ANSWERING = {"t1": 8, "t2": 9, "t3": 2}


@pytest.fixture
def closed(live_server: LiveServer) -> tuple[LiveServer, dict[str, int]]:
    """A closed campaign over a department of three wards (one under the minimum), a leader of
    the department and an auditor."""
    instrument = load_builtin()
    with Session(live_server.engine, expire_on_commit=False) as session:
        made, _ = init_organisation(session, OrganisationCreate(name="Acme Care"))
        assert made.id is not None
        units = org_chart.import_units(
            session,
            organisation_id=made.id,
            rows=[
                UnitImportRow(external_id="org", name="Acme Care", kind="organisation"),
                UnitImportRow(
                    external_id="n", name="Nursing", kind="department", parent_external_id="org"
                ),
                UnitImportRow(external_id="t1", name="Night ward", parent_external_id="n"),
                UnitImportRow(external_id="t2", name="Day ward", parent_external_id="n"),
                UnitImportRow(external_id="t3", name="Weekend ward", parent_external_id="n"),
            ],
        )
        ids = {u.external_id or "": u.id or 0 for u in units}
        campaign = campaigns.create_campaign(
            session,
            organisation_id=made.id,
            data=CampaignCreate(
                name="Spring 2027",
                instrument=instrument.ref,
                unit_ids=[ids["n"]],
                languages=["en", "fr"],
            ),
        )
        assert campaign.id is not None
        campaigns.open_campaign(session, campaign_id=campaign.id)
        simulated = simulate_organisation(
            instrument=instrument, team_sizes=list(ANSWERING.values()), seed=3
        ).responses
        responses = [
            ResponseCreate(
                unit_id=ids[team],
                answers={
                    i: None if math.isnan(row[i]) else int(row[i]) for i in instrument.item_ids
                },
            )
            for team, (_, rows) in zip(
                ANSWERING, simulated.groupby("team", sort=False), strict=True
            )
            for _, row in rows.iterrows()
        ]
        campaigns.submit_responses(session, campaign_id=campaign.id, responses=responses)
        campaigns.close_campaign(session, campaign_id=campaign.id)
        for email, role, unit in (
            ("lead@acme.example", Role.leader, ids["n"]),
            ("works@acme.example", Role.auditor, None),
        ):
            accounts.create_account(
                session,
                organisation_id=made.id,
                data=AccountCreate(
                    email=email,
                    name=email.split("@")[0].title(),
                    role=role,
                    unit_id=unit,
                    password=PASSWORD,
                    language="en",
                ),
                actor="test",
            )
    return live_server, {"campaign": campaign.id, **ids}


def _sign_in(page: Page, server: LiveServer, email: str) -> None:
    texts = catalogue("en")
    page.goto(f"{server.url}/signin")
    page.get_by_label(texts["signin.email"]).fill(email)
    page.get_by_label(texts["signin.password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["signin.submit"]).click()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_portal_page_passes_axe_and_reflows(
    closed: tuple[LiveServer, dict[str, int]],
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    server, ids = closed
    base = f"/portal/campaigns/{ids['campaign']}"
    pages = {
        "portal-home": ("/portal", 200),
        "portal-reports": (base, 200),
        "portal-team-report": (f"{base}/units/{ids['t1']}/report", 200),
        "portal-department-report": (f"{base}/units/{ids['n']}/department-report", 200),
        "portal-no-report": (f"{base}/units/{ids['t3']}/report", 409),
        "portal-not-found": (f"{base}/units/{ids['org']}/department-report", 404),
    }
    problems: list[str] = []
    widths = audit_widths()
    for width in widths:
        page = new_page(width=width)
        _sign_in(page, server, "lead@acme.example")
        for name, (path, status) in pages.items():
            response = page.goto(f"{server.url}{path}?lang={lang}")
            assert response is not None
            assert response.status == status, name
            assert page.locator("html").get_attribute("lang") == lang
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{name} at {width} px: {scroll} px wide")
            if width == 1280:
                found = axe_audit(page)
                if found:
                    problems.append(f"{name} ({lang}): {found.summary()}")
            if width != 320:
                screenshot(page, f"{name}-{lang}-{width}")
        page.context.close()
    assert not problems, "\n".join(problems)


def test_the_leader_follows_the_links_from_the_list_to_a_report_and_back(
    closed: tuple[LiveServer, dict[str, int]], new_page: NewPage
) -> None:
    server, ids = closed
    en = catalogue("en")
    page = new_page(width=PHONE_WIDTH, javascript=False)
    _sign_in(page, server, "lead@acme.example")
    with page.expect_navigation():
        page.get_by_role(
            "link", name=en["portal.open_reports"].format(campaign="Spring 2027")
        ).click()
    assert page.url.endswith(f"/portal/campaigns/{ids['campaign']}")
    team = en["portal.read"] + " " + en["portal.team_of"].format(unit="Night ward")
    with page.expect_navigation():
        page.get_by_role("link", name=team).click()
    assert f"/units/{ids['t1']}/report" in page.url
    assert page.get_by_role("heading", name="Night ward").first.is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=en["portal.download_team"]).click()
    assert download.value.suggested_filename.endswith(".pdf")
    with page.expect_navigation():
        page.get_by_role("link", name=en["portal.back"].format(campaign="Spring 2027")).click()
    assert page.url.endswith(f"/portal/campaigns/{ids['campaign']}?lang=en")


def test_an_auditor_finds_no_report(
    closed: tuple[LiveServer, dict[str, int]], new_page: NewPage
) -> None:
    server, ids = closed
    page = new_page()
    _sign_in(page, server, "works@acme.example")
    response = page.goto(
        f"{server.url}/portal/campaigns/{ids['campaign']}/units/{ids['t1']}/report"
    )
    assert response is not None
    assert response.status == 404
