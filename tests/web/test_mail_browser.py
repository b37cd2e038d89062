"""HR's e-mail pages in Chromium, in English and French: the campaign page's "Invitations by
e-mail" section (addresses counted, the upload form, reminders, a send log with a failure),
the preview of an uploaded list, the page of a list refused row by row, the reminder refused
and the send log page pass axe at every width ``audit_widths()`` gives and do not scroll
sideways at 320 px; with JavaScript off, a list goes from the file to the campaign's counts
through the preview. Screenshots at 375 and 1280 px, of the pages and of the section alone.

The messages are sent before the pages open, by the queue's job run here against an SMTP
server on loopback that refuses one address; the live server makes its own queue from the
settings (``DATA_DIR`` in the test's folder), which nothing consumes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from api.services import accounts, mail, mail_roster, org_chart
from api.services import campaigns as services
from api.services.access import Principal
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store.models import CampaignCreate, OrganisationCreate, Role
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.api.mail_support import Inbox, immediate_jobs, mail_settings, smtp_server
from tests.web.conftest import LiveServer, NewPage, audit_widths, axe_audit

PASSWORD = "a long enough passphrase"
CLOSES = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
LISTED = [
    ["email", "unit", "language"],
    ["ann@acme.example", "t1", "en"],
    ["bob@acme.example", "t1", "fr"],
    ["cleo@acme.example", "t2", ""],
    ["dan@acme.example", "t2", "fr"],
]
NEW_LIST = "email;unit;language\neve@acme.example;t1;en\nfay@acme.example;t2;fr\n"
BAD_LIST = (
    "email,unit,language\n"
    "gus@acme.example,t1,en\n"
    "not-an-address,t1,en\n"
    "hal@acme.example,nowhere,en\n"
    "ivy@acme.example,t2,de\n"
)


@dataclass(frozen=True)
class Mailing:
    server: LiveServer
    campaign_id: int
    folder: Path


@pytest.fixture
def mailing(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Mailing]:
    """An open bilingual campaign of two wards; four addresses listed and invited, one refused
    for good by the server; a reminder to come; an HR admin."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QUEUE_URL", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    get_settings.cache_clear()
    engine = live_server.engine
    with Session(engine, expire_on_commit=False) as session:
        made = services.create_organisation(session, OrganisationCreate(name="Acme Care"))
        assert made.id is not None
        units = org_chart.import_units(
            session,
            organisation_id=made.id,
            rows=[
                UnitImportRow(external_id="org", name="Acme Care", kind="organisation"),
                UnitImportRow(external_id="t1", name="Night ward", parent_external_id="org"),
                UnitImportRow(external_id="t2", name="Day ward", parent_external_id="org"),
            ],
        )
        ids = [u.id or 0 for u in units if u.external_id != "org"]
        campaign = services.create_campaign(
            session,
            organisation_id=made.id,
            data=CampaignCreate(
                name="Spring 2027", instrument=load_builtin().ref, unit_ids=ids,
                languages=["en", "fr"], closes_at=CLOSES,
            ),
        )  # fmt: skip
        assert campaign.id is not None
        services.open_campaign(session, campaign_id=campaign.id)
        account = accounts.create_account(
            session,
            organisation_id=made.id,
            data=AccountCreate(
                email="hr@acme.example", name="Hana Reyes", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
        admin = Principal(
            key_id=0, organisation_id=made.id, role=Role.admin, unit_id=None,
            units=frozenset(ids), account_id=account.id,
        )  # fmt: skip
        mail_roster.import_roster(session, principal=admin, campaign_id=campaign.id, table=LISTED)
        mail.send_invitations(session, principal=admin, campaign_id=campaign.id)
        mail.set_reminders(
            session, principal=admin, campaign_id=campaign.id,
            times=[CLOSES - timedelta(days=7)],
        )  # fmt: skip
    inbox = Inbox(refuse={"dan@acme.example": "550 5.1.1 <dan@acme.example>: Mailbox unknown"})
    with smtp_server(inbox) as port:
        jobs = immediate_jobs(engine, mail_settings(tmp_path, port), tmp_path)
        assert jobs.mail.deliver().sent == 3
    yield Mailing(live_server, campaign.id, tmp_path)
    get_settings.cache_clear()


def _sign_in(page: Page, server: LiveServer, lang: str) -> None:
    texts = catalogue(lang)
    page.goto(f"{server.url}/signin?lang={lang}")
    page.get_by_label(texts["signin.email"]).fill("hr@acme.example")
    page.get_by_label(texts["signin.password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["signin.submit"]).click()


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _upload(page: Page, lang: str, path: Path) -> None:
    texts = catalogue(lang)
    page.get_by_label(texts["mail.file_label"]).set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name=texts["mail.preview_button"]).click()


def _check(
    page: Page,
    name: str,
    problems: list[str],
    screenshot: Callable[[Page, str], Path],
    *,
    section: bool = False,
) -> None:
    """axe and the page's width at each of ``audit_widths()``; screenshots but at 320 px,
    of the e-mail section alone too (``section``)."""
    for width in audit_widths():
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name} at {width} px: {scroll} px wide")
        found = axe_audit(page)
        if found:
            problems.append(f"{name} at {width} px: {found.summary()}")
        if width != 320:
            path = screenshot(page, f"{name}-{width}")
            if section:
                page.locator("section.mail").screenshot(
                    path=str(path.with_name(f"{path.stem}-section.png"))
                )
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_mail_pages_pass_axe_and_reflow(
    mailing: Mailing,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    texts = catalogue(lang)
    server = mailing.server
    campaign = f"{server.url}/console/campaigns/{mailing.campaign_id}?lang={lang}"
    problems: list[str] = []
    page = new_page()
    _sign_in(page, server, lang)
    page.goto(campaign)
    section = page.locator("section.mail")
    assert texts["mail.heading"] in section.inner_text()
    assert "Mailbox unknown" in section.inner_text()
    _check(page, "campaign", problems, screenshot, section=True)

    _upload(page, lang, _file(mailing.folder, "new.csv", NEW_LIST))
    assert page.get_by_role("heading", level=1).inner_text() == texts["mail.preview_title"]
    _check(page, "preview", problems, screenshot)

    page.goto(campaign)
    _upload(page, lang, _file(mailing.folder, "bad.csv", BAD_LIST))
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").count() == 3
    _check(page, "errors", problems, screenshot)
    summary.get_by_role("link").first.click()
    assert page.evaluate("location.hash") == "#mail-file"

    page.goto(campaign)
    page.get_by_label(texts["mail.reminder_label"]).fill("2001-01-01T09:00")
    with page.expect_navigation():
        page.get_by_role("button", name=texts["mail.reminder_button"]).click()
    assert page.locator(".error-summary").is_visible()
    _check(page, "reminder-refused", problems, screenshot)

    page.goto(f"{server.url}/console/campaigns/{mailing.campaign_id}/mail?lang={lang}")
    _check(page, "send-log", problems, screenshot)
    assert not problems, "\n".join(problems)


def test_without_javascript_a_list_goes_from_the_file_to_the_counts(
    mailing: Mailing, new_page: NewPage, screenshot: Callable[[Page, str], Path]
) -> None:
    en = catalogue("en")
    server = mailing.server
    page = new_page(javascript=False)
    _sign_in(page, server, "en")
    page.goto(f"{server.url}/console/campaigns/{mailing.campaign_id}?lang=en")
    _upload(page, "en", _file(mailing.folder, "new.csv", NEW_LIST))
    assert "2" in page.locator(".summary-list").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name=en["mail.add_button.other"].format(n=2)).click()
    assert page.url.endswith("&mail=listed#mail")
    assert page.get_by_role("status").inner_text() == en["mail.notice_listed"]
    counts = page.locator("section.mail").inner_text()
    assert en["mail.addresses_count.other"].format(n=6, invited=4) in counts
    assert "eve@acme.example" not in page.content()
    screenshot(page, "listed-1280")
    with page.expect_navigation():
        page.get_by_role("button", name=en["mail.send_button.other"].format(n=2)).click()
    assert page.get_by_role("status").inner_text() == en["mail.notice_sent"]
