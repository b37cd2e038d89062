"""Browser fixtures: Debian's Chromium driven by Playwright, the app served by uvicorn on a fresh
database, and helpers to audit a page with axe-core and to keep screenshots.

Playwright never downloads a browser here: it launches ``/usr/bin/chromium`` (the Debian
package, installed by ``make system-deps``). Without it the browser tests are skipped, and in CI
(``CI`` set) they fail instead, as the PostgreSQL tests do.

- ``browser`` (session): one headless Chromium for the whole run.
- ``live_server`` (function): the app on a fresh, migrated SQLite file in ``tmp_path``, served
  on 127.0.0.1 at a free port; ``.url`` is the base URL, ``.engine`` the database, to stage data
  through the services (e.g. ``tests.api.conftest.stage_campaign``) before opening a page.
- ``new_page`` (function): ``new_page(width=1280, height=800, javascript=True, locale=None,
  base_url=None)`` opens a page in a new browser context (375 wide for a phone, JavaScript off
  to test the pages without it); every context is closed after the test.
- ``page`` (function): ``new_page()``, 1280x800 with JavaScript.
- ``screenshot`` (function): ``screenshot(page, name)`` writes a full-page PNG and returns its
  path.
- ``axe_audit(page)``, a plain function: the serious and critical axe-core violations of the page
  as it is now; ``assert not found, found.summary()``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import Engine

from api.app import create_app
from tests.conftest import migrated_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1280, 800
PHONE_WIDTH = 375
"""The narrowest width the respondent pages are made for: ``new_page(width=PHONE_WIDTH)``."""
TIMEOUT_MS = 10_000
"""Playwright's waits (navigation, actions, expectations) give up after this, not after 30 s."""
SCREENSHOTS_ENV = "TRANSVERSAL_SCREENSHOTS"


def audit_widths() -> tuple[int, ...]:
    """The widths a page is checked at: 1280 (axe) and 320 (the reflow criterion of WCAG
    1.4.10), and 375 too when screenshots are kept (the README's phone pictures)."""
    return (1280, 320, PHONE_WIDTH) if os.environ.get(SCREENSHOTS_ENV) else (1280, 320)


SERVER_START_SECONDS = 20.0
BLOCKING_IMPACTS = ("serious", "critical")


def _chromium_unavailable(reason: str) -> None:
    # In CI the browser tests are required: a missing Chromium fails the suite, never skips it.
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is required in CI: {reason}")
    pytest.skip(f"Chromium not available: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the session (start-up: about 0.5 s, 1 s cold)."""
    if not CHROMIUM.exists():
        _chromium_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except PlaywrightError as exc:
        playwright.stop()
        _chromium_unavailable(f"{CHROMIUM} did not start: {str(exc).splitlines()[0]}")
    try:
        yield launched
    finally:
        launched.close()
        playwright.stop()


# -- the app, served -------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    """The app served over HTTP on a database of its own."""

    url: str
    """The base URL, ``http://127.0.0.1:PORT``, without a trailing slash."""
    engine: Engine
    """The server's database, migrated and empty at the start of the test."""


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app under uvicorn in a background thread, on a fresh SQLite file in ``tmp_path``.

    Function-scoped: each test has an empty database and nothing leaks from one test to the next
    (the migration and the start cost a fraction of a second). The socket is bound here, at a
    port the system chose, and handed to uvicorn: no window in which another process takes it.
    """
    with migrated_database("sqlite", tmp_path) as engine:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        config = uvicorn.Config(
            create_app(engine),
            host="127.0.0.1",
            port=port,
            lifespan="on",
            log_config=None,  # leave the logging as pytest set it up; records go to caplog
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [listener]}, name="live-server", daemon=True
        )
        thread.start()
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while not server.started:
                if not thread.is_alive():
                    pytest.fail("the live server stopped while starting (see the captured log)")
                if time.monotonic() > deadline:
                    pytest.fail(f"the live server did not start in {SERVER_START_SECONDS:.0f} s")
                time.sleep(0.01)
            yield LiveServer(url=f"http://127.0.0.1:{port}", engine=engine)
        finally:
            server.should_exit = True
            thread.join(timeout=SERVER_START_SECONDS)
            listener.close()


# -- pages ---------------------------------------------------------------------------------


class NewPage(Protocol):
    """The ``new_page`` fixture: a page in a browser context of its own."""

    def __call__(
        self,
        *,
        width: int = DEFAULT_WIDTH,
        height: int = DEFAULT_HEIGHT,
        javascript: bool = True,
        locale: str | None = None,
        base_url: str | None = None,
    ) -> Page: ...


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Opens pages, each in a new context (own cookies and storage); closes them all after.

    ``width``/``height``: the viewport (``PHONE_WIDTH`` is 375); ``javascript=False`` as a
    respondent whose browser runs no scripts; ``locale`` (e.g. ``"fr-FR"``) sets
    ``navigator.language`` and the ``Accept-Language`` header; ``base_url`` (e.g.
    ``live_server.url``) lets ``page.goto("/path")`` take a relative path.
    """
    contexts: list[BrowserContext] = []

    def make(
        *,
        width: int = DEFAULT_WIDTH,
        height: int = DEFAULT_HEIGHT,
        javascript: bool = True,
        locale: str | None = None,
        base_url: str | None = None,
    ) -> Page:
        options: dict[str, Any] = {
            "viewport": {"width": width, "height": height},
            "java_script_enabled": javascript,
        }
        if locale is not None:
            options["locale"] = locale
        if base_url is not None:
            options["base_url"] = base_url
        context = browser.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: NewPage) -> Page:
    """A 1280x800 page with JavaScript, in a context of its own."""
    return new_page()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: a full-page PNG of ``page``, its path returned.

    With ``TRANSVERSAL_SCREENSHOTS`` set, into that folder (created if need be) as
    ``<test name>--<name>.png``, to look at after the run; otherwise ``<name>.png`` in the
    test's ``tmp_path``.
    """
    folder_name = os.environ.get(SCREENSHOTS_ENV)

    def take(page: Page, name: str) -> Path:
        if folder_name:
            folder = Path(folder_name)
            stem = f"{_file_safe(request.node.name)}--{_file_safe(name)}"
        else:
            folder, stem = tmp_path, _file_safe(name)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "page"


# -- accessibility -------------------------------------------------------------------------

_AXE = Axe()
_SCRIPTING_ENABLED = """() => {
    // A <noscript> parses its content as text only when scripting is on (HTML's scripting flag).
    const probe = document.createElement("noscript");
    probe.innerHTML = "<p></p>";
    return probe.children.length === 0;
}"""


@dataclass(frozen=True)
class Violation:
    """One axe-core rule broken on the page, with the elements that break it."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = "; ".join(self.targets[:5]) + ("; ..." if len(self.targets) > 5 else "")
        return (
            f"{self.rule} ({self.impact}): {self.help}, {len(self.targets)} element(s): {where}"
            f" <{self.help_url}>"
        )


class Violations(list[Violation]):
    """The violations axe found; ``summary()`` reads well in an assertion message."""

    @property
    def rules(self) -> set[str]:
        return {violation.rule for violation in self}

    def summary(self) -> str:
        if not self:
            return "no serious or critical accessibility violation"
        lines = [f"{len(self)} serious or critical accessibility violation(s):"]
        lines += [f"  - {violation}" for violation in self]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def axe_audit(
    page: Page,
    *,
    impacts: Sequence[str] = BLOCKING_IMPACTS,
    context: str | None = None,
) -> Violations:
    """The violations of ``impacts`` (by default serious and critical) on ``page`` as it is now.

    axe-core (bundled with axe-playwright-python) is injected into the page and run on the whole
    document, or on the elements the CSS selector ``context`` names. It works on a page opened
    with ``javascript=False`` too, and leaves its JavaScript off.
    """
    if page.evaluate(_SCRIPTING_ENABLED):
        results = _AXE.run(page, context=context)
    else:
        # With JavaScript off, Chromium runs no timer, and axe waits on timers: its run would
        # never end. Scripts are let run for the audit only, through a DevTools session of our
        # own (the page's own scripts were skipped when it was parsed, and stay so). The session
        # stays attached: detaching it would let scripts run again on the page.
        devtools = page.context.new_cdp_session(page)
        devtools.send("Emulation.setScriptExecutionDisabled", {"value": True})
        devtools.send("Emulation.setScriptExecutionDisabled", {"value": False})
        try:
            results = _AXE.run(page, context=context)
        finally:
            devtools.send("Emulation.setScriptExecutionDisabled", {"value": True})
    found = Violations()
    for violation in results.response["violations"]:
        if violation.get("impact") not in impacts:
            continue
        found.append(
            Violation(
                rule=violation["id"],
                impact=violation["impact"],
                help=violation["help"],
                help_url=violation["helpUrl"],
                targets=tuple(
                    " ".join(str(part) for part in node["target"]) for node in violation["nodes"]
                ),
            )
        )
    return found


def keep_screenshot(screenshot: Callable[[Page, str], Path], page: Page, name: str) -> None:
    """A screenshot, when they are kept to be looked at (``TRANSVERSAL_SCREENSHOTS``): one in
    the test's temporary folder would be deleted unseen, and each costs a full-page capture."""
    if os.environ.get(SCREENSHOTS_ENV):
        screenshot(page, name)


def at_width(page: Page, width: int) -> None:
    """Lays ``page`` out again at ``width`` (the height kept), as a window of that width.

    The pages' layout depends on the window's width through CSS alone (no script reads it), so
    this gives the layout a load at that width gives, without loading the page again."""
    viewport = page.viewport_size
    assert viewport is not None
    if viewport["width"] != width:
        page.set_viewport_size({"width": width, "height": viewport["height"]})
    assert page.evaluate("window.innerWidth") == width


def check_every_width(
    page: Page, name: str, problems: list[str], screenshot: Callable[[Page, str], Path]
) -> None:
    """``page`` as it is now at each of ``audit_widths()``, narrowest first: no sideways scroll
    (asserted), axe at 1280 px (its findings added to ``problems``, named ``name``), a kept
    screenshot at every width but 320 px."""
    for width in sorted(audit_widths()):
        at_width(page, width)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} at {width} px: {scroll} px wide"
        if width == 1280:
            found = axe_audit(page)
            if found:
                problems.append(f"{name}: {found.summary()}")
        if width != 320:
            keep_screenshot(screenshot, page, f"{name}-{width}")
