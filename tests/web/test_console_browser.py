"""Signing in and the console's pages in Chromium: the session cookie works over the loopback
(a secure context), the keyboard reaches everything, axe finds no serious or critical
violation on any page type in either language, and nothing scrolls sideways at 320 px."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from api.services import accounts, campaigns, collection, org_chart
from api.services.access import authenticate, init_organisation
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import (
    CampaignCreate,
    InvitationCreate,
    OrganisationCreate,
    ResponseCreate,
    Role,
)
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.web.conftest import (
    LiveServer,
    NewPage,
    at_width,
    audit_widths,
    axe_audit,
    check_every_width,
    keep_screenshot,
)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def organisation(live_server: LiveServer) -> LiveServer:
    """An organisation with a department of two teams, a campaign over them with invitations,
    and an admin, a leader and an auditor who can sign in."""
    with Session(live_server.engine, expire_on_commit=False) as session:
        made, key = init_organisation(session, OrganisationCreate(name="Acme Care"))
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
            ],
        )
        ids = {u.external_id or "": u.id or 0 for u in units}
        campaign = campaigns.create_campaign(
            session,
            organisation_id=made.id,
            data=CampaignCreate(
                name="Spring 2027",
                instrument=load_builtin().ref,
                unit_ids=[ids["t1"], ids["t2"]],
                languages=["en", "fr"],
            ),
        )
        assert campaign.id is not None
        campaigns.open_campaign(session, campaign_id=campaign.id)
        admin_key = authenticate(session, key=key.key)
        for team in ("t1", "t2"):
            collection.issue_invitations(
                session,
                principal=admin_key,
                campaign_id=campaign.id,
                data=InvitationCreate(unit_id=ids[team], count=8),
            )
        for email, role, unit_id in (
            ("hr@acme.example", Role.admin, None),
            ("lead@acme.example", Role.leader, ids["t1"]),
            ("works@acme.example", Role.auditor, None),
        ):
            accounts.create_account(
                session,
                organisation_id=made.id,
                data=AccountCreate(
                    email=email,
                    name=email.split("@")[0].title(),
                    role=role,
                    unit_id=unit_id,
                    password=PASSWORD,
                ),
                actor="test",
            )
        _closed_campaign(session, organisation_id=made.id, teams=[ids["t1"], ids["t2"]])
    return live_server


def _closed_campaign(session: Session, *, organisation_id: int, teams: list[int]) -> None:
    """Campaign 2, closed: 6 answers in the first team (a report), 2 in the second (none)."""
    items = load_builtin().item_ids
    closed = campaigns.create_campaign(
        session,
        organisation_id=organisation_id,
        data=CampaignCreate(
            name="Autumn 2026",
            instrument=load_builtin().ref,
            unit_ids=teams,
            languages=["en", "fr"],
        ),
    )
    assert closed.id is not None
    campaigns.open_campaign(session, campaign_id=closed.id)
    campaigns.submit_responses(
        session,
        campaign_id=closed.id,
        responses=[
            ResponseCreate(
                unit_id=unit, answers={item: (n + i) % 7 + 1 for i, item in enumerate(items)}
            )
            for unit, count in zip(teams, (6, 2), strict=True)
            for n in range(count)
        ],
    )
    campaigns.close_campaign(session, campaign_id=closed.id)


def _sign_in(page: Page, server: LiveServer, email: str, lang: str = "en") -> None:
    texts = catalogue(lang)
    page.goto(f"{server.url}/signin?lang={lang}")
    page.get_by_label(texts["signin.email"]).fill(email)
    page.get_by_label(texts["signin.password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["signin.submit"]).click()


def test_hr_signs_in_with_the_keyboard_and_out_again(
    organisation: LiveServer, new_page: NewPage
) -> None:
    page = new_page()
    en = catalogue("en")
    page.goto(f"{organisation.url}/")
    assert page.url.endswith("/signin")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the language switch
    page.keyboard.press("Tab")
    page.keyboard.type("hr@acme.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/console")
    assert page.get_by_role("link", name="Spring 2027").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=en["signin.signout"]).click()
    assert "/signin" in page.url
    page.goto(f"{organisation.url}/console")
    assert "/signin?next=/console" in page.url


PAGES: dict[str, tuple[str, str, int]] = {
    "signin": ("", "/signin", 200),
    "console": ("hr@acme.example", "/console", 200),
    "campaign": ("hr@acme.example", "/console/campaigns/1", 200),
    "closed-campaign": ("hr@acme.example", "/console/campaigns/2", 200),
    "audit": ("hr@acme.example", "/console/audit", 200),
    "chart": ("hr@acme.example", "/console/chart", 200),
    "chart-unit": ("hr@acme.example", "/console/chart/units/2", 200),
    "chart-archive": ("hr@acme.example", "/console/chart/units/2/archive", 200),
    "new-campaign": ("hr@acme.example", "/console/campaigns/new", 200),
    "auditor": ("works@acme.example", "/console", 200),
    "portal": ("lead@acme.example", "/portal", 200),
    "people": ("hr@acme.example", "/console/people", 200),
    "new-person": ("hr@acme.example", "/console/people/new", 200),
    "new-key": ("hr@acme.example", "/console/people/keys/new", 200),
    "revoke-key": ("hr@acme.example", "/console/people/keys/1/revoke", 200),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_console_page_passes_axe_and_reflows(
    organisation: LiveServer,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    problems: list[str] = []
    refused = new_page()
    refused.goto(f"{organisation.url}/signin?lang={lang}")
    with refused.expect_navigation():
        refused.get_by_role("button", name=catalogue(lang)["signin.submit"]).click()
    assert refused.locator(".error-summary").is_visible()
    found = axe_audit(refused)
    if found:
        problems.append(f"signin with problems ({lang}): {found.summary()}")
    keep_screenshot(screenshot, refused, f"signin-problems-{lang}")
    # One browser context per person, signed in once; each page is loaded once, checked at
    # every width of audit_widths() by resizing the window, and audited by axe at 1280 px.
    widths = sorted(audit_widths())
    assert 1280 in widths
    assert 320 in widths
    for email in dict.fromkeys(email for email, _, _ in PAGES.values()):
        page = new_page(width=widths[0])
        if email:
            _sign_in(page, organisation, email, lang)
        for name, (owner, path, status) in PAGES.items():
            if owner != email:
                continue
            at_width(page, widths[0])
            response = page.goto(f"{organisation.url}{path}?lang={lang}")
            assert response is not None
            assert response.status == status, name
            assert page.locator("html").get_attribute("lang") == lang
            check_every_width(page, f"{name}-{lang}", problems, screenshot)
        page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_console_form_with_problems_passes_axe_and_downloads_links_once_right(
    organisation: LiveServer, new_page: NewPage, lang: str
) -> None:
    texts = catalogue(lang)
    page = new_page()
    _sign_in(page, organisation, "hr@acme.example", lang)
    page.goto(f"{organisation.url}/console/campaigns/1?lang={lang}")
    with page.expect_navigation():
        page.get_by_role("button", name=texts["console.links_button"]).click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#count-error").is_visible()
    found = axe_audit(page)
    assert not found, found.summary()
    page.get_by_label(texts["console.links_count"]).fill("2")
    with page.expect_download() as download:
        page.get_by_role("button", name=texts["console.links_button"]).click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3
    assert rows[1].split(",")[3].startswith(f"{organisation.url}/r/tvi_")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_chart_preview_passes_axe_and_reflows(
    organisation: LiveServer,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    # A page reached only by posting a CSV: one with a unit renamed, one moved, one given a
    # report language and one added, then one with a problem by row.
    texts = catalogue(lang)
    header = "external_id,name,parent_external_id,kind,report_language\n"
    changed = (
        header
        + "org,Acme Care,,organisation,\n"
        + "n,Nursing and care,org,department,\n"
        + "t1,Night ward,org,,fr\n"
        + "t2,Day ward,n,,\n"
        + "t3,Pharmacy,n,,en\n"
    )
    mistaken = changed + "t4,Kitchen,nowhere,,de\n"
    page = new_page()
    _sign_in(page, organisation, "hr@acme.example", lang)
    problems: list[str] = []
    cases = (("chart-preview", changed, False), ("chart-refused", mistaken, True))
    for name, csv, refused in cases:
        page.goto(f"{organisation.url}/console/chart?lang={lang}")
        page.get_by_label(texts["chart.csv_label"]).fill(csv)
        with page.expect_navigation():
            page.get_by_role("button", name=texts["chart.preview_button"]).click()
        assert page.locator(".error-summary").is_visible() is refused
        assert (texts["chart.heading_report_language_changed"] in page.content()) is not refused
        check_every_width(page, f"{name}-{lang}", problems, screenshot)
    assert not problems, "\n".join(problems)
