# ruff: noqa: F811 (the fixture imported from test_console_browser is a parameter here)
"""Editing a unit of the org chart in Chromium: reached from the tree by a link named after the
unit, refused with the error summary and the field's error (axe finds nothing serious, in
either language, at a phone's width too), then saved; archiving refused with its reason. With
JavaScript off: the pages are plain forms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from api.web.i18n import catalogue
from tests.web.conftest import PHONE_WIDTH, LiveServer, NewPage, axe_audit
from tests.web.test_console_browser import _sign_in, organisation  # noqa: F401 (the fixture)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_hr_changes_a_unit_from_the_tree_and_reads_the_rules_refusals(
    organisation: LiveServer,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    texts = catalogue(lang)
    problems: list[str] = []
    for width in (1280, PHONE_WIDTH):
        page = new_page(width=width, javascript=False)
        _sign_in(page, organisation, "hr@acme.example", lang)
        page.goto(f"{organisation.url}/console/chart?lang={lang}")
        with page.expect_navigation():
            page.get_by_role("link", name=f"{texts['chart_edit.change']} Nursing").click()
        assert page.url.endswith(f"/console/chart/units/2?lang={lang}")
        # A team, though two teams are under it.
        page.get_by_label(texts["chart_edit.kind_team"], exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name=texts["chart_edit.save_button"]).click()
        assert page.locator(".error-summary").is_visible()
        assert page.locator("#kind-error").is_visible()
        found = axe_audit(page)
        if found:
            problems.append(f"refused at {width} ({lang}): {found.summary()}")
        screenshot(page, f"chart-unit-refused-{lang}-{width}")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{width} px: {scroll} px wide"
        page.context.close()
    assert not problems, "\n".join(problems)


def test_a_unit_is_renamed_and_an_archive_refused_without_javascript(
    organisation: LiveServer,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
) -> None:
    texts = catalogue("en")
    page = new_page(javascript=False)
    _sign_in(page, organisation, "hr@acme.example")
    page.goto(f"{organisation.url}/console/chart/units/2")
    page.get_by_label(texts["chart_edit.name_label"]).fill("Nursing care")
    with page.expect_navigation():
        page.get_by_role("button", name=texts["chart_edit.save_button"]).click()
    assert "/console/chart?" in page.url
    notice = texts["chart_edit.notice_saved"].format(name="Nursing care")
    assert page.get_by_role("status").inner_text() == notice
    screenshot(page, "chart-saved")
    page.goto(f"{organisation.url}/console/chart/units/3/archive")
    with page.expect_navigation():
        page.get_by_role(
            "button", name=texts["chart_edit.archive_button"].format(name="Night ward")
        ).click()
    assert page.locator(".error-summary").is_visible()
    assert "Spring 2027" in page.locator(".error-summary").inner_text()
    found = axe_audit(page)
    assert not found, found.summary()
    screenshot(page, "chart-archive-refused")
