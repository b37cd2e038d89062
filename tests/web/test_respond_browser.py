"""The respondent form in a real browser (Debian's Chromium driven by Playwright): the walk a
respondent takes, in French, leaving halfway and coming back on another device, with a
statement left out and caught at sending; with the mouse, with the keyboard only, on a
375 px phone, and with JavaScript off. Then axe-core on every page type in both languages, and
no horizontal scrolling at 320 px wide or at 200 % zoom."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from playwright.sync_api import Response as PlaywrightResponse
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.services import campaigns, collection, org_chart
from api.services.access import authenticate, init_organisation
from api.services.org_chart import UnitImportRow
from api.store.models import CampaignCreate, InvitationCreate, OrganisationCreate, Response
from api.web.i18n import catalogue
from instrument import load_builtin
from tests.web.conftest import (
    PHONE_WIDTH,
    LiveServer,
    NewPage,
    audit_widths,
    check_every_width,
)

INSTRUMENT = load_builtin()
PARTS = [scale.items for scale in INSTRUMENT.scales]
NA = "na"
FR = catalogue("fr")
EN = catalogue("en")


@dataclass(frozen=True)
class Stage:
    server: LiveServer
    tokens: list[str]

    def url(self, token: str, path: str = "") -> str:
        return f"{self.server.url}/r/{token}{path}"


def _stage(
    engine: Engine, *, count: int = 3, open_it: bool = True, close_it: bool = False, **fields: Any
) -> list[str]:
    """Invitations to a campaign in English and French, staged through the services."""
    with Session(engine, expire_on_commit=False) as session:
        # An organisation of its own for each campaign staged (names are unique).
        name = f"Acme {uuid.uuid4().hex[:8]}"
        organisation, key = init_organisation(session, OrganisationCreate(name=name))
        assert organisation.id is not None
        units = org_chart.import_units(
            session,
            organisation_id=organisation.id,
            rows=[
                UnitImportRow(external_id="org", name="Acme", kind="organisation"),
                UnitImportRow(external_id="t", name="Night ward", parent_external_id="org"),
            ],
        )
        team = next(u.id for u in units if u.external_id == "t")
        assert team is not None
        campaign = campaigns.create_campaign(
            session,
            organisation_id=organisation.id,
            data=CampaignCreate(
                name="Spring survey",
                instrument=INSTRUMENT.ref,
                unit_ids=[team],
                languages=["en", "fr"],
                **fields,
            ),
        )
        assert campaign.id is not None
        if open_it:
            campaigns.open_campaign(session, campaign_id=campaign.id)
        tokens = collection.issue_invitations(
            session,
            principal=authenticate(session, key=key.key),
            campaign_id=campaign.id,
            data=InvitationCreate(unit_id=team, count=count),
        )
        if close_it:
            campaigns.close_campaign(session, campaign_id=campaign.id)
    return tokens


def _stored(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with Session(engine) as session:
        return [(r.language, dict(r.answers)) for r in session.exec(select(Response))]


def _choices(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    return {
        item: rng.choice(["1", "2", "3", "4", "5", "6", "7", NA]) for item in INSTRUMENT.item_ids
    }


def _input_id(item: str, value: str) -> str:
    """The id the form gives a choice: the first choice has the item's own id (GOV.UK)."""
    return item if value == "1" else f"{item}-{value}"


class Respondent:
    """A person answering: with the mouse (clicking the labels, as on a touch screen) or with
    the keyboard only."""

    def __init__(self, page: Page, *, keyboard: bool) -> None:
        self.page = page
        self.keyboard = keyboard

    def activate(self, name: str, *, role: str = "button") -> None:
        """Follow the link or press the button called ``name``: a new page loads."""
        target = self.page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
        if self.keyboard:
            self.tab_to(target)
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        else:
            with self.page.expect_navigation():
                target.click()

    def tab_to(self, target: Any) -> None:
        handle = target.element_handle()
        for _ in range(200):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("e => document.activeElement === e", handle):
                return
        raise AssertionError(f"{target} cannot be reached with the Tab key")

    def answer(self, item: str, value: str) -> None:
        if not self.keyboard:
            self.page.locator(f"label[for='{_input_id(item, value)}']").click()
            return
        # Tab into the radio group (its first choice, none being checked yet), check it with
        # the space bar, then walk with the arrow keys: down for a higher value, up from the
        # first choice wraps round to "does not apply".
        first = self.page.locator(f"#{item}")
        self.tab_to(first)
        focused = self.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert focused != "none", "the focused choice shows where the focus is"
        self.page.keyboard.press("Space")
        if value == NA:
            self.page.keyboard.press("ArrowUp")
        else:
            for _ in range(int(value) - 1):
                self.page.keyboard.press("ArrowDown")
        assert self.page.locator(f"#{_input_id(item, value)}").is_checked()


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    view = page.evaluate("window.innerWidth")
    assert width <= view, f"{page.url}: {width} px of content in a {view} px window"


def _walk(
    server: LiveServer,
    new_page: NewPage,
    *,
    keyboard: bool = False,
    width: int = 1280,
    javascript: bool = True,
) -> None:
    """Answers every statement in French, over two visits; leaves one out, is told at sending
    with every answer kept, answers it there and sends. Checks what was stored."""
    token = _stage(server.engine)[0]
    chosen = _choices(width + keyboard + javascript)
    skipped = PARTS[9][1]
    half = len(PARTS) // 2

    # First visit, on a browser in English: switch to French, answer half the pages.
    first = new_page(width=width, javascript=javascript, locale="en-GB")
    person = Respondent(first, keyboard=keyboard)
    first.goto(f"{server.url}/r/{token}")
    assert first.locator("html").get_attribute("lang") == "en"
    person.activate(f"{EN['common.read_in']} Français", role="link")
    assert first.locator("html").get_attribute("lang") == "fr"
    person.activate(FR["welcome.start"])
    for number in range(1, half + 1):
        assert first.locator("html").get_attribute("lang") == "fr"
        for item in PARTS[number - 1]:
            person.answer(item, chosen[item])
        if width <= PHONE_WIDTH:
            _no_horizontal_scroll(first)
        if keyboard and number == 1:
            # Enter on a choice sends the page as "continue", never as a language switch.
            with first.expect_navigation():
                first.keyboard.press("Enter")
            assert "/p/2?lang=fr" in first.url
        else:
            person.activate(FR["page.continue"])
    first.context.close()

    # Second visit, another device (a fresh browser context), the same link.
    second = new_page(width=width, javascript=javascript)
    person = Respondent(second, keyboard=keyboard)
    second.goto(f"{server.url}/r/{token}")
    assert second.locator("html").get_attribute("lang") == "fr", "the draft's language"
    person.activate(FR["welcome.resume"])
    assert f"/p/{half + 1}?" in second.url, "resumes where the respondent stopped"
    for number in range(half + 1, len(PARTS) + 1):
        for item in PARTS[number - 1]:
            if item != skipped:
                person.answer(item, chosen[item])
        last = number == len(PARTS)
        person.activate(FR["page.to_review"] if last else FR["page.continue"])

    # The review lists the statement left out; sending anyway brings it back, with its
    # problem beside it and every other answer kept.
    assert second.get_by_role("heading", name=FR["review.unanswered_heading"]).is_visible()
    person.activate(FR["review.send"])
    summary = second.locator(".error-summary")
    assert summary.is_visible()
    assert second.evaluate("document.activeElement.classList.contains('error-summary')")
    assert second.locator(f"#{skipped}-error").is_visible()
    assert _stored(server.engine) == []
    if keyboard:
        # The summary's link leads to the statement.
        person.tab_to(summary.get_by_role("link"))
        second.keyboard.press("Enter")
        second.wait_for_url(f"**#{skipped}")
    person.answer(skipped, chosen[skipped])
    person.activate(FR["review.send"])
    thanks = second.get_by_role("heading", name=FR["thanks.title"])
    assert thanks.is_visible(), second.inner_text("main")[:600]

    expected = {k: None if v == NA else int(v) for k, v in chosen.items()}
    assert _stored(server.engine) == [("fr", expected)]


def test_a_respondent_answers_in_french_with_the_mouse_over_two_visits(
    live_server: LiveServer, new_page: NewPage
) -> None:
    _walk(live_server, new_page)


def test_the_same_walk_with_the_keyboard_only(live_server: LiveServer, new_page: NewPage) -> None:
    _walk(live_server, new_page, keyboard=True)


def test_the_same_walk_on_a_phone_375_px_wide(live_server: LiveServer, new_page: NewPage) -> None:
    _walk(live_server, new_page, width=PHONE_WIDTH)


def test_the_same_walk_with_javascript_off(live_server: LiveServer, new_page: NewPage) -> None:
    _walk(live_server, new_page, javascript=False)


def test_the_script_saves_each_answer_as_it_is_given(
    live_server: LiveServer, new_page: NewPage
) -> None:
    token = _stage(live_server.engine)[0]
    page = new_page()
    page.goto(f"{live_server.url}/r/{token}/p/1")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.locator("label[for='HA01-6']").click()
    assert saved.value.status == 204
    assert page.locator("#autosave-status").inner_text() == EN["page.saved"]
    # Gone from this page without pressing a button: the answer waits on the next visit.
    other = new_page()
    other.goto(f"{live_server.url}/r/{token}/p/1")
    assert other.locator("#HA01-6").is_checked()


# -- every page type: axe, reflow, and screenshots ---------------------------------------------


PageMaker = Callable[[Page, Stage, str], None]


def _welcome(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[0], f"?lang={lang}"))


def _part(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[0], f"/p/1?lang={lang}"))


def _part_with_problem(page: Page, stage: Stage, lang: str) -> None:
    # A value no choice has (as a tampered or stale page would send): the page comes back.
    _part(page, stage, lang)
    page.evaluate("document.getElementById('HA01').value = '9'")
    page.locator("label[for='HA01']").click()
    with page.expect_navigation():
        page.get_by_role("button", name=catalogue(lang)["page.continue"], exact=True).click()


def _review(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[0], f"/review?lang={lang}"))


def _review_with_problems(page: Page, stage: Stage, lang: str) -> None:
    _review(page, stage, lang)
    with page.expect_navigation():
        page.get_by_role("button", name=catalogue(lang)["review.send"], exact=True).click()


def _saved(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[0], f"/saved?lang={lang}"))


def _thanks(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[1], f"/thanks?lang={lang}"))


def _used(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[1], f"?lang={lang}"))


def _closed(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[2], f"?lang={lang}"))


def _not_open(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url(stage.tokens[3], f"?lang={lang}"))


def _unknown(page: Page, stage: Stage, lang: str) -> None:
    page.goto(stage.url("tvi_no_such_link", f"?lang={lang}"))


def _forbidden(page: Page, stage: Stage, lang: str) -> None:
    _part(page, stage, lang)
    page.evaluate("document.querySelector('[name=csrf]').value = 'forged'")
    with page.expect_navigation():
        page.get_by_role("button", name=catalogue(lang)["page.continue"], exact=True).click()


PAGES: dict[str, tuple[PageMaker, int]] = {
    "welcome": (_welcome, 200),
    "part": (_part, 200),
    "part-problem": (_part_with_problem, 422),
    "review": (_review, 200),
    "review-problems": (_review_with_problems, 422),
    "saved": (_saved, 200),
    "thanks": (_thanks, 200),
    "used": (_used, 410),
    "closed": (_closed, 410),
    "not-open": (_not_open, 409),
    "unknown": (_unknown, 404),
    "forbidden": (_forbidden, 403),
}


@pytest.fixture
def every_state(live_server: LiveServer) -> Stage:
    """Links in every state: open (0), used (1), in a closed campaign (2), in a campaign not
    open yet (3)."""
    engine = live_server.engine
    open_links = _stage(engine, count=2)
    answers = dict.fromkeys(INSTRUMENT.item_ids, 4)
    with Session(engine, expire_on_commit=False) as session:
        collection.submit(session, token=open_links[1], data=collection.AnswersIn(answers=answers))
    closed = _stage(engine, count=1, close_it=True)
    not_open = _stage(engine, count=1, open_it=False)
    return Stage(live_server, open_links + closed + not_open)


def _navigations(page: Page) -> list[PlaywrightResponse]:
    """The responses that will load a document in ``page``, as they come."""
    seen: list[PlaywrightResponse] = []

    def record(response: PlaywrightResponse) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            seen.append(response)

    page.on("response", record)
    return seen


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_type_passes_axe_and_reflows_in_both_languages(
    every_state: Stage,
    new_page: NewPage,
    screenshot: Callable[[Page, str], Path],
    lang: str,
) -> None:
    # Each page type is loaded once, in a new tab with no cookie (the respondent's pages set
    # none, and keep nothing in the browser's storage: a new browser context each time is not
    # needed), at the narrowest width; it is then checked at every width of audit_widths() by
    # resizing the window, and audited by axe at 1280 px.
    widths = sorted(audit_widths())
    assert 1280 in widths
    assert 320 in widths
    context = new_page(width=widths[0]).context
    problems: list[str] = []
    for name, (make, status) in PAGES.items():
        context.clear_cookies()
        page = context.new_page()
        loaded = _navigations(page)
        make(page, every_state, lang)
        page.wait_for_load_state()
        assert loaded, name
        assert loaded[-1].status == status, name
        assert page.locator("html").get_attribute("lang") == lang, name
        check_every_width(page, f"{name}-{lang}", problems, screenshot)
        page.close()
    assert not problems, "\n".join(problems)


def test_a_page_at_200_percent_zoom_needs_no_horizontal_scrolling(
    every_state: Stage, new_page: NewPage
) -> None:
    # 200 % zoom on a 1280 px window lays the page out in 640 CSS pixels at twice the size.
    page = new_page(width=640, height=400)
    page.goto(every_state.url(every_state.tokens[0], "/review"))
    _no_horizontal_scroll(page)
    page.goto(every_state.url(every_state.tokens[0], "/p/1"))
    _no_horizontal_scroll(page)
    assert page.evaluate("getComputedStyle(document.querySelector('legend')).fontSize") == "20px"
