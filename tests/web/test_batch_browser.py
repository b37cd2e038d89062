"""HR's batch of reports in Chromium: the campaign page's "All reports" section, the progress
page while the batch waits, while it is made and once it is done, and the list of batches pass
axe in both languages and reflow at 320 px; where scripts run, the progress page follows the
batch in place and says when it is done.

The live server makes its queue from the settings (``DATA_DIR`` in the test's folder); the job
is run here, by hand, as a worker would run it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from analysis import simulate_organisation
from api.jobs.queue import REPORTS_FOLDER
from api.jobs.report_batch import run_report_batch
from api.services import accounts, org_chart, report_batches
from api.services import campaigns as services
from api.services.access import Principal
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store.models import CampaignCreate, OrganisationCreate, ResponseCreate, Role
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.web.conftest import (
    LiveServer,
    NewPage,
    check_every_width,
)

PASSWORD = "a long enough passphrase"


@dataclass(frozen=True)
class Batches:
    server: LiveServer
    campaign_id: int
    done: int
    """A batch whose reports are made."""
    running: int
    """A batch being made: 1 of 4 reports."""
    admin: Principal


@pytest.fixture
def batches(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Batches]:
    """A closed campaign of two teams answered and one under the minimum, in English and
    French; an admin; a batch of its HTML reports done and a second one being made."""
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QUEUE_URL", raising=False)
    get_settings.cache_clear()
    engine = live_server.engine
    instrument = load_builtin()
    with Session(engine, expire_on_commit=False) as session:
        made = services.create_organisation(session, OrganisationCreate(name="Acme Care"))
        assert made.id is not None
        rows = [UnitImportRow(external_id="org", name="Acme Care", kind="organisation")]
        rows += [
            UnitImportRow(external_id=f"t{i}", name=name, parent_external_id="org")
            for i, name in enumerate(("Night ward", "Day ward", "Small ward"), start=1)
        ]
        units = org_chart.import_units(session, organisation_id=made.id, rows=rows)
        ids = [u.id or 0 for u in units if u.external_id != "org"]
        campaign = services.create_campaign(
            session,
            organisation_id=made.id,
            data=CampaignCreate(
                name="Spring 2027", instrument=instrument.ref, unit_ids=ids,
                languages=["en", "fr"],
            ),
        )  # fmt: skip
        assert campaign.id is not None
        services.open_campaign(session, campaign_id=campaign.id)
        simulated = simulate_organisation(
            instrument=instrument, team_sizes=[6, 5, 2], seed=3, careless_share=0.0
        )
        to_unit = dict(zip(sorted(simulated.responses["team"].unique()), ids, strict=True))
        answers = [
            ResponseCreate(
                unit_id=to_unit[row["team"]],
                answers={i: int(row[i]) for i in instrument.item_ids if not np.isnan(row[i])},
            )
            for row in simulated.responses.to_dict("records")
        ]
        services.submit_responses(
            session, campaign_id=campaign.id, responses=answers, submitted_on=date(2027, 3, 4)
        )
        services.close_campaign(session, campaign_id=campaign.id)
        account = accounts.create_account(
            session,
            organisation_id=made.id,
            data=AccountCreate(
                email="hr@acme.example", name="Hr", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    admin = Principal(
        key_id=0, organisation_id=made.id, role=Role.admin, unit_id=None,
        units=frozenset(ids), account_id=account.id,
    )  # fmt: skip
    done = _start(live_server, admin, campaign.id)
    run_report_batch(
        engine, batch_id=done, reports_dir=tmp_path / "data" / REPORTS_FOLDER, workers=1
    )
    running = _start(live_server, admin, campaign.id)
    with Session(engine, expire_on_commit=False) as session:
        assert report_batches.claim_report_batch(session, batch_id=running) is not None
        report_batches.record_batch_progress(session, batch_id=running, done=1, total=4)
    yield Batches(live_server, campaign.id, done, running, admin)
    get_settings.cache_clear()


def _start(server: LiveServer, admin: Principal, campaign_id: int) -> int:
    with Session(server.engine, expire_on_commit=False) as session:
        started = report_batches.start_report_batch(
            session, principal=admin, campaign_id=campaign_id, fmt="html", language="en"
        )
    assert started.batch.id is not None
    return started.batch.id


def _sign_in(page: Page, server: LiveServer, lang: str) -> None:
    texts = catalogue(lang)
    page.goto(f"{server.url}/signin?lang={lang}")
    page.get_by_label(texts["signin.email"]).fill("hr@acme.example")
    page.get_by_label(texts["signin.password"]).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["signin.submit"]).click()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_batch_pages_pass_axe_and_reflow(
    batches: Batches,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    base = f"/console/campaigns/{batches.campaign_id}"
    pages = {
        "campaign": base,
        "batch-done": f"{base}/reports/{batches.done}",
        "batch-running": f"{base}/reports/{batches.running}",
        "batches": f"{base}/reports",
    }
    problems: list[str] = []
    page = new_page()
    _sign_in(page, batches.server, lang)
    for name, path in pages.items():
        response = page.goto(f"{batches.server.url}{path}?lang={lang}")
        assert response is not None
        assert response.status == 200, name
        check_every_width(page, f"{name}-{lang}", problems, screenshot)
    assert not problems, "\n".join(problems)


def test_the_progress_page_follows_the_batch_in_place_and_says_when_it_is_done(
    batches: Batches, new_page: NewPage
) -> None:
    en = catalogue("en")
    page = new_page()
    _sign_in(page, batches.server, "en")
    page.goto(f"{batches.server.url}/console/campaigns/{batches.campaign_id}/reports/"
              f"{batches.running}?lang=en")  # fmt: skip
    assert page.locator("#batch-count").inner_text() == "1 of 4 reports"
    link = page.get_by_role("link", name=en["batch.check_again"])
    link.focus()
    with Session(batches.server.engine, expire_on_commit=False) as session:
        report_batches.record_batch_progress(session, batch_id=batches.running, done=3, total=4)
    page.wait_for_function(
        "() => document.getElementById('batch-count').textContent === '3 of 4 reports'"
    )
    assert page.locator("#batch-progress").get_attribute("value") == "3"
    assert page.evaluate("document.activeElement.textContent") == en["batch.check_again"]
    with Session(batches.server.engine, expire_on_commit=False) as session:
        report_batches.finish_report_batch(session, batch_id=batches.running, done=4, total=4)
    page.wait_for_function(
        "(text) => document.getElementById('batch-live').textContent === text",
        arg=en["batch.announce_done"],
    )
    assert page.get_by_role("button", name=en["batch.download"]).is_visible()
    assert page.evaluate("document.activeElement.id") == "batch"
    assert page.get_by_role("status").inner_text() == en["batch.announce_done"]
