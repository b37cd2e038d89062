"""HR's people and keys in Chromium, with JavaScript off (the pages work as plain forms): a
person added through the form signs in with the password shown once; a form with problems, the
pages that show a secret once and the revoke confirmation pass axe in both languages and do not
scroll sideways at 320 px. Screenshots at 375 and 1280 px."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlmodel import Session

from api.services import accounts, org_chart
from api.services.access import init_organisation
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.store.models import OrganisationCreate, Role
from api.web.i18n import catalogue
from tests.web.conftest import PHONE_WIDTH, LiveServer, NewPage, axe_audit

PASSWORD = "a long enough passphrase"


@pytest.fixture
def organisation(live_server: LiveServer) -> LiveServer:
    """An organisation with a department of two teams and an HR admin who signs in."""
    with Session(live_server.engine, expire_on_commit=False) as session:
        made, _key = init_organisation(session, OrganisationCreate(name="Acme Care"))
        assert made.id is not None
        org_chart.import_units(
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
        accounts.create_account(
            session,
            organisation_id=made.id,
            data=AccountCreate(
                email="hr@acme.example", name="Hana Reyes", role=Role.admin, password=PASSWORD
            ),
            actor="test",
        )
    return live_server


def _sign_in(page: Page, server: LiveServer, email: str, password: str, lang: str) -> None:
    texts = catalogue(lang)
    page.goto(f"{server.url}/signin?lang={lang}")
    page.get_by_label(texts["signin.email"]).fill(email)
    page.get_by_label(texts["signin.password"]).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["signin.submit"]).click()


def _check(
    page: Page, name: str, problems: list[str], screenshot: Callable[[Page, str], Path]
) -> None:
    """axe at 1280 px, no sideways scroll at 375 and 320 px, screenshots at 1280 and 375 px."""
    found = axe_audit(page)
    if found:
        problems.append(f"{name}: {found.summary()}")
    screenshot(page, f"{name}-1280")
    for width in (PHONE_WIDTH, 320):
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name} at {width} px: {scroll} px wide")
        if width == PHONE_WIDTH:
            screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_hr_adds_a_leader_who_signs_in_and_every_step_passes_axe(
    organisation: LiveServer,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    texts = catalogue(lang)
    problems: list[str] = []
    page = new_page(javascript=False)
    _sign_in(page, organisation, "hr@acme.example", PASSWORD, lang)
    page.goto(f"{organisation.url}/console/people?lang={lang}")
    _check(page, f"people-{lang}", problems, screenshot)

    with page.expect_navigation():
        page.get_by_role("button", name=texts["people.add_person"]).click()
    page.get_by_label(texts["people.name"]).fill("Ada Lovelace")
    page.get_by_label(texts["people.email"]).fill("ada-at-acme")
    page.get_by_label(texts["console.role_leader"], exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=texts["people.add_button"]).click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#email-error").is_visible()
    assert page.locator("#unit-error").is_visible()
    assert page.get_by_label(texts["people.name"]).input_value() == "Ada Lovelace"
    assert page.get_by_label(texts["console.role_leader"], exact=True).is_checked()
    _check(page, f"new-person-problems-{lang}", problems, screenshot)

    page.get_by_role("link", name=texts["people.unit_missing"]).click()
    assert page.evaluate("document.activeElement.id") == "unit", "the summary leads to the field"
    page.get_by_label(texts["people.unit"], exact=True).select_option(
        label="Acme Care / Nursing / Day ward"
    )
    page.get_by_label(texts["people.email"]).fill("ada@acme.example")
    with page.expect_navigation():
        page.get_by_role("button", name=texts["people.add_button"]).click()
    assert page.locator("h1").inner_text() == texts["people.password_made_title"]
    password = page.locator("code.secret").inner_text()
    _check(page, f"person-password-{lang}", problems, screenshot)

    ada = new_page(javascript=False)
    _sign_in(ada, organisation, "ada@acme.example", password, lang)
    assert ada.url.endswith("/portal")

    page.goto(f"{organisation.url}/console/people/keys/new?lang={lang}")
    page.get_by_label(texts["console.role_admin"], exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=texts["people.key_create_button"]).click()
    assert page.locator("code.secret").inner_text().startswith("tvk_")
    _check(page, f"key-secret-{lang}", problems, screenshot)

    page.goto(f"{organisation.url}/console/people/keys/1/revoke?lang={lang}")
    _check(page, f"revoke-key-{lang}", problems, screenshot)
    with page.expect_navigation():
        page.get_by_role("button", name=texts["people.revoke_button"]).click()
    assert page.url.endswith(f"/console/people?revoked=1&lang={lang}")
    assert page.get_by_role("status").is_visible()
    _check(page, f"people-revoked-{lang}", problems, screenshot)
    assert not problems, "\n".join(problems)
