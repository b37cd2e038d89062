"""The status pages in Chromium, in English and in French (the browser's language): the page of
a client held by the guessing limits (429) after links that do not exist and after failed
sign-ins, and the pages of a request refused before any route reads it: too large (413), with
text that cannot be stored (422), and one that someone else stored at the same moment (409).
Each comes with its status in the browser's language, passes axe (nothing serious or critical)
at every width audited, does not scroll sideways at 320 px, and is kept as a screenshot at 375
and 1280 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import Response as PlaywrightResponse
from sqlmodel import Session, select

from api.http.guard import MAX_BODY_BYTES
from api.services import accounts, collection
from api.services.access import TOKEN_PREFIX, authenticate, init_organisation, new_secret
from api.services.accounts import AccountCreate
from api.services.org_chart import UnitImportRow
from api.settings import get_settings
from api.store import repositories
from api.store.models import (
    Account,
    InvitationCreate,
    OrganisationCreate,
    Role,
)
from api.web.console.routes import SESSION_COOKIE
from api.web.i18n import Translator, catalogue
from tests.api.conftest import stage_campaign
from tests.web.conftest import (
    DEFAULT_HEIGHT,
    PHONE_WIDTH,
    LiveServer,
    NewPage,
    audit_widths,
    axe_audit,
)

LOCALES = {"en": "en-GB", "fr": "fr-FR"}
"""The browser's language (``Accept-Language``) for each language of the pages."""
OTHER = {"en": "fr", "fr": "en"}
PASSWORD = "a long enough passphrase"
HR = "hr@acme.example"
TAKEN = "ada@acme.example"
"""An address another HR admin adds at the same moment (the conflict)."""
TOKENS_LIMIT = 3
SIGN_INS_LIMIT = 3

Shooter = Callable[[Page, str], Path]


@dataclass(frozen=True)
class Scenery:
    """An open campaign with a respondent's link, and an HR admin who signs in."""

    server: LiveServer
    token: str

    def url(self, path: str) -> str:
        return f"{self.server.url}{path}"


@pytest.fixture
def scenery(live_server: LiveServer) -> Scenery:
    with Session(live_server.engine, expire_on_commit=False) as session:
        made, key = init_organisation(session, OrganisationCreate(name="Acme Care"))
    assert made.id is not None
    staged = stage_campaign(
        live_server.engine,
        made.id,
        chart=[
            UnitImportRow(external_id="org", name="Acme Care", kind="organisation"),
            UnitImportRow(external_id="t", name="Night ward", parent_external_id="org"),
        ],
        teams=["t"],
        name="Spring 2027",
        languages=["en", "fr"],
    )
    with Session(live_server.engine, expire_on_commit=False) as session:
        token = collection.issue_invitations(
            session,
            principal=authenticate(session, key=key.key),
            campaign_id=staged.campaign_id,
            data=InvitationCreate(unit_id=staged.units["t"], count=1),
        )[0]
        for email in (HR, TAKEN):
            accounts.create_account(
                session,
                organisation_id=made.id,
                data=AccountCreate(email=email, name="Hana", role=Role.admin, password=PASSWORD),
                actor="test",
            )
    return Scenery(live_server, token)


@pytest.fixture
def small_limits() -> Iterator[None]:
    """Guessing limits of a few attempts, read by the app's limiter, made on its first request
    to a link or to sign-in (the autouse ``_generous_rate_limits`` set a million)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RATE_LIMIT_TOKENS", str(TOKENS_LIMIT))
        patch.setenv("RATE_LIMIT_SIGN_INS_PER_CLIENT", str(SIGN_INS_LIMIT))
        patch.setenv("RATE_LIMIT_SIGN_INS_PER_ACCOUNT", str(SIGN_INS_LIMIT))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


# -- checks -------------------------------------------------------------------------------------


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    view = page.evaluate("window.innerWidth")
    assert width <= view, f"{page.url}: {width} px of content in a {view} px window"


def _in_language(page: Page, lang: str, title: str, *phrases: str) -> None:
    """The page is in ``lang``: its ``lang``, its heading and title, the phrases in its main
    part, and nothing marked as in the other language but the language switch."""
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == title
    assert page.title().startswith(title)
    shown = page.locator("main").inner_text()
    for phrase in phrases:
        assert phrase in shown, f"{phrase!r} not in {shown!r}"
    other = OTHER[lang]
    assert (
        page.locator(f"[lang='{other}']").count()
        == page.locator(f".languages [lang='{other}']").count()
    ), "only the language switch is in the other language"


def _audit(page: Page, screenshot: Shooter, name: str) -> None:
    """The status page ``page`` shows, at each width of ``audit_widths()`` in turn: axe finds
    nothing serious or critical, nothing scrolls sideways at 320 px; screenshots at 1280 and
    375 px."""
    lang = page.locator("html").get_attribute("lang")
    problems: list[str] = []
    for width in audit_widths():
        page.set_viewport_size({"width": width, "height": DEFAULT_HEIGHT})
        if width == 320:
            _no_horizontal_scroll(page)
        found = axe_audit(page)
        if found:
            problems.append(f"{name} ({lang}, {width} px): {found.summary()}")
        if width in (1280, PHONE_WIDTH):
            screenshot(page, f"{name}-{lang}-{width}")
    assert not problems, "\n".join(problems)


def _submit(page: Page, button: str) -> PlaywrightResponse:
    """Presses the form's button named ``button``: the response that loads the next page."""
    with page.expect_navigation() as loaded:
        page.get_by_role("button", name=button, exact=True).click()
    answered = loaded.value
    assert answered is not None
    return answered


def _sign_in(page: Page, scenery: Scenery, email: str, password: str) -> PlaywrightResponse:
    """The sign-in form, in the browser's language, filled in and sent."""
    page.goto(scenery.url("/signin"))
    lang = page.locator("html").get_attribute("lang") or "en"
    texts = catalogue(lang)
    page.get_by_label(texts["signin.email"]).fill(email)
    page.get_by_label(texts["signin.password"]).fill(password)
    return _submit(page, texts["signin.submit"])


def _goto(page: Page, url: str) -> PlaywrightResponse:
    answered = page.goto(url)
    assert answered is not None
    return answered


# -- 429: held by the guessing limits ------------------------------------------------------------


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("lang", list(LOCALES))
def test_a_client_that_tried_links_that_do_not_exist_is_held_in_its_language(
    scenery: Scenery, new_page: NewPage, screenshot: Shooter, lang: str
) -> None:
    texts = Translator(lang)
    page = new_page(locale=LOCALES[lang])
    for _ in range(TOKENS_LIMIT):
        assert _goto(page, scenery.url(f"/r/{new_secret(TOKEN_PREFIX)}")).status == 404
    held = _goto(page, scenery.url(f"/r/{new_secret(TOKEN_PREFIX)}"))
    assert held.status == 429
    assert 0 < int(held.headers["retry-after"]) <= 300
    _in_language(
        page,
        lang,
        texts("ratelimit.title"),
        texts("ratelimit.token_body"),
        texts.plural("ratelimit.wait", 5),
    )
    _audit(page, screenshot, "held-link")

    # The right link is held too; the page's own language switch leads to the other language.
    page.set_viewport_size({"width": 1280, "height": DEFAULT_HEIGHT})
    assert _goto(page, scenery.url(f"/r/{scenery.token}")).status == 429
    other = OTHER[lang]
    with page.expect_navigation() as switched:
        page.locator(f".languages a[hreflang='{other}']").click()
    assert switched.value is not None
    assert switched.value.status == 429
    _in_language(page, other, catalogue(other)["ratelimit.title"])


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("lang", list(LOCALES))
def test_a_client_whose_sign_ins_failed_is_held_in_its_language(
    scenery: Scenery, new_page: NewPage, screenshot: Shooter, lang: str
) -> None:
    texts = Translator(lang)
    page = new_page(locale=LOCALES[lang])
    for n in range(SIGN_INS_LIMIT):
        assert _sign_in(page, scenery, HR, f"wrong guess {n}").status == 401
    held = _sign_in(page, scenery, HR, PASSWORD)  # the right password: held all the same
    assert held.status == 429
    assert 0 < int(held.headers["retry-after"]) <= 900
    assert SESSION_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
    _in_language(
        page,
        lang,
        texts("ratelimit.title"),
        texts("ratelimit.sign_in_body"),
        texts.plural("ratelimit.wait", 15),
    )
    _audit(page, screenshot, "held-sign-in")


# -- 413, 422, 409: refused before a route, or by the database ----------------------------------


@pytest.mark.parametrize("lang", list(LOCALES))
def test_answers_too_large_get_the_page_in_the_browsers_language(
    scenery: Scenery, new_page: NewPage, screenshot: Shooter, lang: str
) -> None:
    texts = Translator(lang)
    page = new_page(locale=LOCALES[lang])
    _goto(page, scenery.url(f"/r/{scenery.token}/p/1"))
    # An answer longer than any body a page may send (as a page changed in the browser would).
    page.evaluate(
        "size => { const choice = document.getElementById('HA01');"
        " choice.value = 'x'.repeat(size); choice.checked = true; }",
        MAX_BODY_BYTES,
    )
    assert _submit(page, texts("page.continue")).status == 413
    _in_language(page, lang, texts("status.too_large_title"), texts("status.too_large_body"))
    _audit(page, screenshot, "too-large")


@pytest.mark.parametrize("lang", list(LOCALES))
def test_a_nul_character_pasted_into_a_form_gets_the_page_in_the_browsers_language(
    scenery: Scenery, new_page: NewPage, screenshot: Shooter, lang: str
) -> None:
    texts = Translator(lang)
    page = new_page(locale=LOCALES[lang])
    assert _sign_in(page, scenery, HR, f"{PASSWORD}\x00").status == 422
    _in_language(page, lang, texts("status.unreadable_title"), texts("status.unreadable_body"))
    _audit(page, screenshot, "unreadable")

    # In a page's query too (a link pasted with one): the same page.
    assert _goto(page, scenery.url(f"/r/{scenery.token}/p/1?note=a%00b")).status == 422
    _in_language(page, lang, texts("status.unreadable_title"))


@pytest.mark.parametrize("lang", list(LOCALES))
def test_a_person_added_by_two_admins_at_once_gets_the_conflict_page_in_its_language(
    scenery: Scenery,
    new_page: NewPage,
    screenshot: Shooter,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    # The other admin's account for the address was stored after this request checked that
    # the address was free: the database's unique key refuses this one.
    by_email = repositories.account_by_email

    def not_yet(session: Session, *, email: str) -> Account | None:
        return None if email == TAKEN else by_email(session, email=email)

    monkeypatch.setattr(repositories, "account_by_email", not_yet)
    texts = Translator(lang)
    page = new_page(locale=LOCALES[lang])
    assert _sign_in(page, scenery, HR, PASSWORD).status == 200
    _goto(page, scenery.url(f"/console/people/new?lang={lang}"))
    page.get_by_label(texts("people.name")).fill("Ada Lovelace")
    page.get_by_label(texts("people.email")).fill(TAKEN)
    page.get_by_label(texts("console.role_admin"), exact=True).check()
    assert _submit(page, texts("people.add_button")).status == 409
    _in_language(page, lang, texts("status.conflict_title"), texts("status.conflict_body"))
    _audit(page, screenshot, "conflict")
    with Session(scenery.server.engine) as session:
        assert len(session.exec(select(Account).where(Account.email == TAKEN)).all()) == 1
