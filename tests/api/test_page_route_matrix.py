"""The route × role matrix of everything the app serves outside ``/api/v1``: HR's console, the
leader's portal, the respondent's pages, signing in and out, the pages' and the API docs'
static files, ``/docs``, ``/redoc`` and ``/openapi.json``; every role of
``tests.api.matrix_support.ROLES``, on both databases, against one staged world.

The roles with an account come as a signed-in browser (the session cookie) and post forms
with their own session's anti-forgery token. The others send what they hold as a page would
receive it: the bad key and the respondent's token as the session cookie and as a bearer key;
on the respondent's pages, whose credential is the link's token in the path, the bad key's
caller holds a well-formed token that is no link's.

``EXPECTED`` gives each cell's outcome: its status and the kind of answer (the page itself,
a file, the sign-in redirect, a redirect elsewhere, the 404 page). The list of routes comes
from the app's route table, so a page added without a row fails
``test_every_page_route_is_in_the_table``.

Posts are harmless, as in tests/api/test_api_route_matrix.py: a refused caller sends, with a
valid form token of its own session, a form that would change something if it were let
through; the admin sends one the page refuses after its access check, or one whose change is
named in ``STORES``. A cell changes the row count of no table but those of ``STORES`` (and the
guessing limits' counts of failures, ``tests.api.matrix_support.COUNTERS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import urlencode

import httpx
import pytest
from huey import MemoryHuey
from sqlmodel import Session

from api.app import API_PREFIX, create_app
from api.jobs.queue import Jobs
from api.jobs.report_batch import run_report_batch
from api.services import report_batches
from api.services.access import authenticate
from api.web.console.mail_upload import FILE_FIELD, pack
from api.web.console.routes import SESSION_COOKIE, SIGNIN_COOKIE
from tests.api.matrix_support import (
    DATABASES,
    EMAILS,
    ROLES,
    SIGNED_IN,
    World,
    app_routes,
    changed_tables,
    fill,
    row_counts,
    staged_world,
)
from tests.api.pages import form_token, page_text, sign_in

ROSTER = "email,unit,language\nsomeone@acme.example,{bench},en\n"


@dataclass(frozen=True)
class Browser:
    """A signed-in role's session cookie and its forms' token; a second session of its own,
    for signing out."""

    cookie: str
    csrf: str
    spare_cookie: str
    spare_csrf: str


@dataclass(frozen=True)
class Pages:
    """The world, the browsers of the roles that sign in, the form token of the respondent's
    link, and the texts of the 404 pages (HR's and the leader's; the respondent's for an
    address under a link, and for a link that does not exist)."""

    world: World
    browsers: dict[str, Browser]
    link_csrf: str
    not_found: str
    link_not_found: frozenset[str]


def _session(client: Any, email: str) -> tuple[str, str]:
    csrf = sign_in(client, email)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return cookie, csrf


def _stage_pages(world: World, folder: Path) -> Pages:
    """Beside the shared world: the app's queue (not running its jobs), an address listed and
    a reminder waiting for the open campaign, a finished set of HTML reports for the closed
    one, and a session (two) for every role with an account."""
    client, ids = world.client, world.ids
    client.app.state.jobs = Jobs(  # type: ignore[attr-defined]
        MemoryHuey("matrix"), engine=world.engine, reports_dir=folder, render_workers=1
    )
    admin = {"Authorization": f"Bearer {world.keys['admin']}"}
    listed = client.post(
        f"{API_PREFIX}/campaigns/{ids['open']}/roster",
        content=ROSTER.format(bench=ids["bench"]),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert listed.is_success, listed.text
    assert listed.json()["added"] == 1
    reminded = client.put(
        f"{API_PREFIX}/campaigns/{ids['open']}/mail/reminders",
        json={"times": ["2100-01-01T09:00:00+00:00"]},
        headers=admin,
    )
    assert reminded.is_success, reminded.text
    ids["reminder"] = reminded.json()[0]["id"]
    with Session(world.engine, expire_on_commit=False) as session:
        principal = authenticate(session, key=world.keys["admin"])
        started = report_batches.start_report_batch(
            session, principal=principal, campaign_id=ids["closed"], fmt="html", language="en"
        )
    assert started.batch.id is not None
    ids["batch"] = started.batch.id
    run_report_batch(world.engine, batch_id=started.batch.id, reports_dir=folder, workers=1)
    browsers = {}
    for role in SIGNED_IN:
        cookie, csrf = _session(client, EMAILS[role])
        spare_cookie, spare_csrf = _session(client, EMAILS[role])
        browsers[role] = Browser(cookie, csrf, spare_cookie, spare_csrf)
    client.cookies.clear()
    link_csrf = form_token(client.get(f"/r/{ids['token']}/p/1").text)
    not_found = page_text(client.get("/console/nowhere").text)
    # The same page as for a unit that does not exist.
    missing_unit = client.get(
        "/console/chart/units/999999999",
        headers={"Cookie": f"{SESSION_COOKIE}={browsers['admin'].cookie}"},
    )
    assert missing_unit.status_code == 404
    assert page_text(missing_unit.text) == not_found
    link_not_found = frozenset(
        page_text(client.get(path).text)
        for path in (f"/r/{ids['token']}/nowhere", f"/r/{ids['bad_token']}")
    )
    client.cookies.clear()
    return Pages(world, browsers, link_csrf, not_found, link_not_found)


@pytest.fixture(scope="module", params=DATABASES)
def pages(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pages]:
    """One staged world per database, over https (the session cookie is Secure), shared by
    every (route, role) cell."""
    for world in staged_world(
        request, tmp_path_factory.mktemp("db"), base_url="https://testserver"
    ):
        yield _stage_pages(world, tmp_path_factory.mktemp("reports"))


# -- how each route is called -------------------------------------------------------------------

Form = Callable[[World, str], dict[str, str]]
"""The posted fields, given the world and the form token the role sends."""
Token = Literal["session", "spare", "link", "signin"]


@dataclass(frozen=True)
class Probe:
    """A request on a route: its path parameters as names of ``World.ids`` (``params``) or as
    they are (``fixed``), its posted form and file, and which form token it carries: the
    session's (``spare``: the role's second session's), the respondent's link's, or a fresh
    sign-in form's. ``admin``: the admin's request instead."""

    params: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)
    form: Form | None = None
    upload: Callable[[World], bytes] | None = None
    token: Token = "session"
    admin: Probe | None = None


def _roster(w: World) -> bytes:
    return ROSTER.format(bench=w.ids["bench"]).encode()


def _sealed(campaign: str) -> Form:
    """The confirmation of a previewed list of addresses, sealed with the sender's own token:
    what the preview page would carry."""
    return lambda w, csrf: pack(_roster(w), key=csrf, campaign_id=w.ids[campaign])


NOTHING: Form = lambda w, c: {}  # noqa: E731
CLOSED = {"campaign_id": "closed"}
OPEN = {"campaign_id": "open"}
UNREAD = {"campaign_id": "unread"}
LINK = {"token": "token"}
NEW_CAMPAIGN: Form = lambda w, c: {  # noqa: E731
    "name": "New",
    "units": str(w.ids["north"]),
    "languages": "en",
    "minimum": "5",
}
CHART_CSV: Form = lambda w, c: {  # noqa: E731
    "csv": "external_id,name,parent_external_id\nnewteam,New team,ops\n"
}
UNIT_FORM: Form = lambda w, c: {"name": "Renamed", "kind": "team", "parent": str(w.ids["ops"])}  # noqa: E731
NEW_PERSON: Form = lambda w, c: {  # noqa: E731
    "name": "Newcomer",
    "email": "new@acme.example",
    "role": "leader",
    "unit": str(w.ids["night"]),
    "language": "en",
}

PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/"): Probe(),
    ("GET", "/signin"): Probe(),
    # Each role's own address (or nobody's) with a wrong password.
    ("POST", "/signin"): Probe(token="signin", form=lambda w, c: {"password": "wrong password"}),
    ("POST", "/signout"): Probe(token="spare", form=NOTHING),
    ("GET", "/console"): Probe(),
    ("GET", "/console/audit"): Probe(),
    ("GET", "/console/campaigns/new"): Probe(),
    ("POST", "/console/campaigns/new"): Probe(
        form=NEW_CAMPAIGN, admin=Probe(form=lambda w, c: {**NEW_CAMPAIGN(w, c), "name": ""})
    ),
    ("GET", "/console/campaigns/{campaign_id}"): Probe(params=CLOSED),
    # Links for the open campaign's bench would be stored; none for a closed campaign.
    ("POST", "/console/campaigns/{campaign_id}/{action}"): Probe(
        params=OPEN,
        fixed={"action": "invitations"},
        form=lambda w, c: {"unit": str(w.ids["bench"]), "count": "1", "language": "en"},
        admin=Probe(
            params=CLOSED,
            fixed={"action": "invitations"},
            form=lambda w, c: {"unit": str(w.ids["night"]), "count": "1", "language": "en"},
        ),
    ),
    ("GET", "/console/campaigns/{campaign_id}/answers.csv"): Probe(params=CLOSED),
    ("GET", "/console/campaigns/{campaign_id}/answers.sav"): Probe(params=CLOSED),
    ("GET", "/console/campaigns/{campaign_id}/codebook.csv"): Probe(params=CLOSED),
    # The validity report's analysis takes seconds: the admin asks for that of the campaign
    # nobody answered, refused once let in (409); the others, for the answered one's.
    ("GET", "/console/campaigns/{campaign_id}/validity.pdf"): Probe(
        params=CLOSED, admin=Probe(params=UNREAD)
    ),
    ("GET", "/console/campaigns/{campaign_id}/validity.html"): Probe(
        params=CLOSED, admin=Probe(params=UNREAD)
    ),
    ("GET", "/console/campaigns/{campaign_id}/reports"): Probe(params=CLOSED),
    ("POST", "/console/campaigns/{campaign_id}/reports/new"): Probe(
        params=UNREAD,
        form=lambda w, c: {"format": "html", "language": "en"},
        admin=Probe(params=CLOSED, form=lambda w, c: {"format": "doc", "language": "en"}),
    ),
    ("GET", "/console/campaigns/{campaign_id}/reports/{batch_id}"): Probe(
        params={**CLOSED, "batch_id": "batch"}
    ),
    ("GET", "/console/campaigns/{campaign_id}/reports/{batch_id}/download"): Probe(
        params={**CLOSED, "batch_id": "batch"}
    ),
    ("GET", "/console/campaigns/{campaign_id}/mail"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/template.csv"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/preview"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/add"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/clear"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/send"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/retry"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/reminders"): Probe(params=OPEN),
    ("GET", "/console/campaigns/{campaign_id}/mail/reminders/remove"): Probe(params=OPEN),
    # A preview stores nothing, whoever sends it.
    ("POST", "/console/campaigns/{campaign_id}/mail/preview"): Probe(
        params=OPEN, form=NOTHING, upload=_roster
    ),
    ("POST", "/console/campaigns/{campaign_id}/mail/add"): Probe(
        params=OPEN, form=_sealed("open"), admin=Probe(params=CLOSED, form=_sealed("closed"))
    ),
    # The open campaign's address, not invited yet, would be taken off (or invited); the
    # closed campaign's list was deleted when it closed: nothing to take off.
    ("POST", "/console/campaigns/{campaign_id}/mail/clear"): Probe(
        params=OPEN, form=NOTHING, admin=Probe(params=CLOSED, form=NOTHING)
    ),
    ("POST", "/console/campaigns/{campaign_id}/mail/send"): Probe(
        params=OPEN, form=NOTHING, admin=Probe(params=CLOSED, form=NOTHING)
    ),
    # No message has failed: nothing to queue again, even for the admin.
    ("POST", "/console/campaigns/{campaign_id}/mail/retry"): Probe(params=OPEN, form=NOTHING),
    ("POST", "/console/campaigns/{campaign_id}/mail/reminders"): Probe(
        params=OPEN,
        form=lambda w, c: {"send_at": "2100-06-01T09:00"},
        admin=Probe(params=CLOSED, form=lambda w, c: {"send_at": "2100-06-01T09:00"}),
    ),
    ("POST", "/console/campaigns/{campaign_id}/mail/reminders/remove"): Probe(
        params=OPEN,
        form=lambda w, c: {"reminder": str(w.ids["reminder"])},
        admin=Probe(params=CLOSED, form=lambda w, c: {"reminder": str(w.ids["reminder"])}),
    ),
    ("GET", "/console/chart"): Probe(),
    ("GET", "/console/chart/preview"): Probe(),
    ("GET", "/console/chart/import"): Probe(),
    # A preview stores nothing, whoever sends it.
    ("POST", "/console/chart/preview"): Probe(form=CHART_CSV),
    ("POST", "/console/chart/import"): Probe(
        form=CHART_CSV,
        # A team under a team breaks the chart's rules.
        admin=Probe(
            form=lambda w, c: {"csv": "external_id,name,parent_external_id\nnewteam,New,night\n"}
        ),
    ),
    ("GET", "/console/chart/units/{unit_id}"): Probe(params={"unit_id": "night"}),
    ("POST", "/console/chart/units/{unit_id}"): Probe(
        params={"unit_id": "night"},
        form=UNIT_FORM,
        admin=Probe(
            params={"unit_id": "night"},
            form=lambda w, c: {**UNIT_FORM(w, c), "parent": str(w.ids["night"])},
        ),
    ),
    ("GET", "/console/chart/units/{unit_id}/archive"): Probe(params={"unit_id": "south"}),
    ("POST", "/console/chart/units/{unit_id}/archive"): Probe(
        params={"unit_id": "south"},
        form=NOTHING,
        admin=Probe(params={"unit_id": "ops"}, form=NOTHING),
    ),
    ("GET", "/console/people"): Probe(),
    ("GET", "/console/people/new"): Probe(),
    ("POST", "/console/people/new"): Probe(
        form=NEW_PERSON,
        admin=Probe(form=lambda w, c: {**NEW_PERSON(w, c), "email": EMAILS["auditor"]}),
    ),
    ("GET", "/console/people/{account_id}/password"): Probe(params={"account_id": "spare_account"}),
    # The admin resets the spare leader's password: the one change of the matrix's posts.
    ("POST", "/console/people/{account_id}/password"): Probe(
        params={"account_id": "spare_account"}, form=NOTHING
    ),
    ("GET", "/console/people/keys/new"): Probe(),
    ("POST", "/console/people/keys/new"): Probe(
        form=lambda w, c: {"role": "leader", "unit": str(w.ids["night"])},
        admin=Probe(form=lambda w, c: {"role": "leader", "unit": ""}),
    ),
    ("GET", "/console/people/keys/{key_id}/revoke"): Probe(params={"key_id": "spare_key"}),
    ("POST", "/console/people/keys/{key_id}/revoke"): Probe(
        params={"key_id": "spare_key"},
        form=NOTHING,
        # The organisation's last working admin key.
        admin=Probe(params={"key_id": "admin_key"}, form=NOTHING),
    ),
    ("GET", "/console/people/keys/{key_id}/rotate"): Probe(params={"key_id": "spare_key"}),
    ("POST", "/console/people/keys/{key_id}/rotate"): Probe(
        params={"key_id": "spare_key"},
        form=NOTHING,
        admin=Probe(params={"key_id": "revoked_key"}, form=NOTHING),
    ),
    ("GET", "/portal"): Probe(),
    ("GET", "/portal/campaigns/{campaign_id}"): Probe(params=CLOSED),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report"): Probe(
        params={**CLOSED, "unit_id": "night"}
    ),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report.pdf"): Probe(
        params={**CLOSED, "unit_id": "night"}
    ),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report"): Probe(
        params={**CLOSED, "unit_id": "ops"}
    ),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"): Probe(
        params={**CLOSED, "unit_id": "ops"}
    ),
    ("GET", "/r"): Probe(),
    ("POST", "/r"): Probe(token="link", form=NOTHING),
    ("GET", "/r/"): Probe(),
    ("POST", "/r/"): Probe(token="link", form=NOTHING),
    ("GET", "/r/{token}"): Probe(params=LINK),
    ("GET", "/r/{token}/p/{number}"): Probe(params=LINK, fixed={"number": "1"}),
    # No answer, and "later": the draft stays as it was.
    ("POST", "/r/{token}/p/{number}"): Probe(
        params=LINK, fixed={"number": "1"}, token="link", form=lambda w, c: {"action": "later"}
    ),
    ("GET", "/r/{token}/review"): Probe(params=LINK),
    # Every statement needs an answer: refused, the link is not used up.
    ("POST", "/r/{token}/review"): Probe(
        params=LINK, token="link", form=lambda w, c: {"action": "send"}
    ),
    ("GET", "/r/{token}/saved"): Probe(params=LINK),
    ("GET", "/r/{token}/thanks"): Probe(params=LINK),
    ("GET", "/r/{token}/{rest}"): Probe(params=LINK, fixed={"rest": "nowhere"}),
    ("POST", "/r/{token}/{rest}"): Probe(
        params=LINK, fixed={"rest": "nowhere"}, token="link", form=NOTHING
    ),
    ("GET", "/docs"): Probe(),
    ("GET", "/docs/oauth2-redirect"): Probe(),
    ("GET", "/redoc"): Probe(),
    ("GET", "/openapi.json"): Probe(),
    ("GET", "/static/docs/{path}"): Probe(fixed={"path": "swagger-ui.css"}),
    ("GET", "/static/web/{path}"): Probe(fixed={"path": "console.css"}),
}


# -- what each role gets ------------------------------------------------------------------------


class Row(NamedTuple):
    """The outcome per role (``ROLES``): ``"<status>"`` for a page of ours (HTML) with that
    status, the 404 page for 404; ``"200 file"`` for anything else served (a download, an
    asset, JSON); ``"303 signin"`` for the sign-in redirect that comes back to the page;
    ``"303 <path>"`` for a redirect to ``<path>`` (its start)."""

    none: str
    bad_key: str
    respondent: str
    leader_in: str
    leader_out: str
    other_admin: str
    admin: str
    auditor: str


S = "303 signin"
N = "404"
P = "200"
F = "200 file"
HOME = "303 /console"
PORTAL = "303 /portal"
TO_SIGNIN = "303 /signin"
LINK_PAGE = "303 /r/"
CAMPAIGN = "303 /console/campaigns/"
CHART_BACK = "303 /console/chart"
PEOPLE_BACK = "303 /console/people"
ADMIN_ONLY = Row(S, S, S, N, N, N, P, N)
"""An admin's page about this organisation: for everyone else the 404 page."""
ADMIN_FILE = Row(S, S, S, N, N, N, F, N)
EVERYONE = Row(P, P, P, P, P, P, P, P)
EVERY_FILE = Row(F, F, F, F, F, F, F, F)
NOWHERE = Row(N, N, N, N, N, N, N, N)
LINK_ROW = Row(P, N, P, P, P, P, P, P)
"""A respondent's page: whoever holds the link, signed in or not; nobody without it."""


def _admin(outcome: str, *, other: str = N) -> Row:
    """An admin's page or post: ``outcome`` for the admin, ``other`` for another
    organisation's, the 404 page for the other roles with an account."""
    return Row(S, S, S, N, N, other, outcome, N)


# fmt: off
EXPECTED: dict[tuple[str, str], Row] = {
    ("GET", "/"):                Row(TO_SIGNIN, TO_SIGNIN, TO_SIGNIN, PORTAL, PORTAL, HOME, HOME,
                                     HOME),
    ("GET", "/signin"):          Row(P, P, P, PORTAL, PORTAL, HOME, HOME, HOME),
    ("POST", "/signin"):         Row("401", "401", "401", "401", "401", "401", "401", "401"),
    ("POST", "/signout"):        Row(TO_SIGNIN, TO_SIGNIN, TO_SIGNIN, TO_SIGNIN, TO_SIGNIN,
                                     TO_SIGNIN, TO_SIGNIN, TO_SIGNIN),
    # Another organisation's admin: their own console, with nothing of this organisation's.
    ("GET", "/console"):                        Row(S, S, S, N, N, P, P, P),
    ("GET", "/console/audit"):                  Row(S, S, S, N, N, P, P, P),
    ("GET", "/console/campaigns/new"):          Row(S, S, S, N, N, P, P, N),
    ("POST", "/console/campaigns/new"):         _admin("422", other="422"),
    ("GET", "/console/campaigns/{campaign_id}"): ADMIN_ONLY,
    ("POST", "/console/campaigns/{campaign_id}/{action}"): _admin("422"),
    ("GET", "/console/campaigns/{campaign_id}/answers.csv"): ADMIN_FILE,
    ("GET", "/console/campaigns/{campaign_id}/answers.sav"): ADMIN_FILE,
    ("GET", "/console/campaigns/{campaign_id}/codebook.csv"): ADMIN_FILE,
    ("GET", "/console/campaigns/{campaign_id}/validity.pdf"): _admin("409"),
    ("GET", "/console/campaigns/{campaign_id}/validity.html"): _admin("409"),
    ("GET", "/console/campaigns/{campaign_id}/reports"): ADMIN_ONLY,
    ("POST", "/console/campaigns/{campaign_id}/reports/new"): _admin("422"),
    ("GET", "/console/campaigns/{campaign_id}/reports/{batch_id}"): ADMIN_ONLY,
    ("GET", "/console/campaigns/{campaign_id}/reports/{batch_id}/download"): ADMIN_FILE,
    # A works council sees how many invitations went out and failed, never an address.
    ("GET", "/console/campaigns/{campaign_id}/mail"): Row(S, S, S, N, N, N, P, P),
    ("GET", "/console/campaigns/{campaign_id}/mail/template.csv"): ADMIN_FILE,
    ("GET", "/console/campaigns/{campaign_id}/mail/preview"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/add"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/clear"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/send"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/retry"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/reminders"): _admin(CAMPAIGN),
    ("GET", "/console/campaigns/{campaign_id}/mail/reminders/remove"): _admin(CAMPAIGN),
    ("POST", "/console/campaigns/{campaign_id}/mail/preview"): ADMIN_ONLY,
    ("POST", "/console/campaigns/{campaign_id}/mail/add"): _admin("422"),
    ("POST", "/console/campaigns/{campaign_id}/mail/clear"): _admin(CAMPAIGN),
    ("POST", "/console/campaigns/{campaign_id}/mail/send"): _admin("422"),
    ("POST", "/console/campaigns/{campaign_id}/mail/retry"): _admin(CAMPAIGN),
    ("POST", "/console/campaigns/{campaign_id}/mail/reminders"): _admin("422"),
    ("POST", "/console/campaigns/{campaign_id}/mail/reminders/remove"): _admin(CAMPAIGN),
    # Another organisation's admin on their own (empty) chart.
    ("GET", "/console/chart"):                  _admin(P, other=P),
    ("GET", "/console/chart/preview"):          _admin(CHART_BACK, other=CHART_BACK),
    ("GET", "/console/chart/import"):           _admin(CHART_BACK, other=CHART_BACK),
    ("POST", "/console/chart/preview"):         _admin(P, other="422"),
    ("POST", "/console/chart/import"):          _admin("422", other="422"),
    ("GET", "/console/chart/units/{unit_id}"):  ADMIN_ONLY,
    ("POST", "/console/chart/units/{unit_id}"): _admin("422"),
    ("GET", "/console/chart/units/{unit_id}/archive"): ADMIN_ONLY,
    ("POST", "/console/chart/units/{unit_id}/archive"): _admin("409"),
    ("GET", "/console/people"):                 _admin(P, other=P),
    ("GET", "/console/people/new"):             _admin(P, other=P),
    ("POST", "/console/people/new"):            _admin("422", other="422"),
    ("GET", "/console/people/{account_id}/password"): _admin(PEOPLE_BACK, other=PEOPLE_BACK),
    ("POST", "/console/people/{account_id}/password"): ADMIN_ONLY,
    ("GET", "/console/people/keys/new"):        _admin(P, other=P),
    ("POST", "/console/people/keys/new"):       _admin("422", other="422"),
    ("GET", "/console/people/keys/{key_id}/revoke"): ADMIN_ONLY,
    ("POST", "/console/people/keys/{key_id}/revoke"): _admin("409"),
    ("GET", "/console/people/keys/{key_id}/rotate"): _admin(PEOPLE_BACK, other=PEOPLE_BACK),
    ("POST", "/console/people/keys/{key_id}/rotate"): _admin("409"),
    ("GET", "/portal"):                         Row(S, S, S, P, P, N, N, N),
    # The night shift's leader reads the closed campaign's reports of their team; the north
    # desk's leader takes no part in it; Operations is above the night shift.
    ("GET", "/portal/campaigns/{campaign_id}"): Row(S, S, S, P, N, N, P, N),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report"):
                                                Row(S, S, S, P, N, N, P, N),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report.pdf"):
                                                Row(S, S, S, F, N, N, F, N),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report"):
                                                Row(S, S, S, N, N, N, P, N),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"):
                                                Row(S, S, S, N, N, N, F, N),
    ("GET", "/r"):                              NOWHERE,
    ("POST", "/r"):                             NOWHERE,
    ("GET", "/r/"):                             NOWHERE,
    ("POST", "/r/"):                            NOWHERE,
    ("GET", "/r/{token}"):                      LINK_ROW,
    ("GET", "/r/{token}/p/{number}"):           LINK_ROW,
    ("POST", "/r/{token}/p/{number}"):          Row(LINK_PAGE, N, LINK_PAGE, LINK_PAGE, LINK_PAGE,
                                                    LINK_PAGE, LINK_PAGE, LINK_PAGE),
    ("GET", "/r/{token}/review"):               LINK_ROW,
    ("POST", "/r/{token}/review"):              Row("422", N, "422", "422", "422", "422", "422",
                                                    "422"),
    ("GET", "/r/{token}/saved"):                LINK_ROW,
    # Not sent yet: back to the welcome page.
    ("GET", "/r/{token}/thanks"):               Row(LINK_PAGE, N, LINK_PAGE, LINK_PAGE, LINK_PAGE,
                                                    LINK_PAGE, LINK_PAGE, LINK_PAGE),
    ("GET", "/r/{token}/{rest}"):               NOWHERE,
    ("POST", "/r/{token}/{rest}"):              NOWHERE,
    ("GET", "/docs"):                           EVERYONE,
    ("GET", "/docs/oauth2-redirect"):           EVERYONE,
    ("GET", "/redoc"):                          EVERYONE,
    ("GET", "/openapi.json"):                   EVERY_FILE,
    ("GET", "/static/docs/{path}"):             EVERY_FILE,
    ("GET", "/static/web/{path}"):              EVERY_FILE,
}
# fmt: on

STORES: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/signout"): frozenset({"websession"}),
    ("POST", "/console/people/{account_id}/password"): frozenset({"auditevent"}),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report"): frozenset({"storedreport"}),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/report.pdf"): frozenset(
        {"storedreport"}
    ),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report"): frozenset(
        {"storedreport"}
    ),
    ("GET", "/portal/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf"): frozenset(
        {"storedreport"}
    ),
}
"""The tables a cell that is let through (2xx, or a redirect other than to the sign-in) may
change: a session ended by signing out, the audit event of a password reset, a report kept
for its next reader."""

KNOWN_BUGS: dict[tuple[tuple[str, str], str], str] = {}
"""(route, role) cells where the code breaks the rule ``EXPECTED`` states: xfail, strict."""


# -- what a page may show -----------------------------------------------------------------------

ACME_NAMES = ("Spring", "Pulse", "Unread", "Night shift", "Operations", "hr@acme.example")
"""What another organisation's admin must never read on their own pages."""

CHECKS: dict[tuple[tuple[str, str], str], Callable[[Pages, httpx.Response], None]] = {
    **{
        (route, "other_admin"): lambda p, r: _check(not any(n in r.text for n in ACME_NAMES))
        for route in (
            ("GET", "/console"),
            ("GET", "/console/audit"),
            ("GET", "/console/campaigns/new"),
            ("GET", "/console/chart"),
            ("GET", "/console/people"),
            ("GET", "/console/people/new"),
            ("GET", "/console/people/keys/new"),
            ("POST", "/console/campaigns/new"),
            ("POST", "/console/chart/preview"),
            ("POST", "/console/chart/import"),
            ("POST", "/console/people/new"),
            ("POST", "/console/people/keys/new"),
        )
    },
    # The night shift's leader: their team's reports, none of the day shift's.
    (("GET", "/portal/campaigns/{campaign_id}"), "leader_in"): (
        lambda p, r: _check("Night shift" in r.text and "Day shift" not in r.text)
    ),
    (("GET", "/portal"), "leader_out"): lambda p, r: _check("Spring" not in r.text),
}


def _check(ok: bool) -> None:
    assert ok


# -- the tests ----------------------------------------------------------------------------------


def test_every_page_route_is_in_the_table() -> None:
    routes = {
        route for route in app_routes(create_app()) if not route[1].startswith(f"{API_PREFIX}/")
    }
    assert set(EXPECTED) == routes
    assert set(PROBES) == routes
    assert {route for route, _role in [*KNOWN_BUGS, *CHECKS]} <= routes
    assert set(STORES) <= routes


def _cells() -> Iterator[Any]:
    for route, row in EXPECTED.items():
        for role in ROLES:
            reason = KNOWN_BUGS.get((route, role))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(
                route, role, getattr(row, role), id=f"{route[0]} {route[1]} {role}", marks=marks
            )


def _request(pages: Pages, route: tuple[str, str], role: str) -> tuple[str, httpx.Response]:
    """The role's request on the route: the path it asked for and the answer."""
    world, client = pages.world, pages.world.client
    method, template = route
    probe = PROBES[route]
    if role == "admin" and probe.admin is not None:
        probe = probe.admin
    refs = dict(probe.params)
    if role == "bad_key" and "token" in refs:
        # The link's token is the credential of the respondent's pages: the wrong one.
        refs["token"] = "bad_token"
    path = fill(
        template, {name: str(world.ids[ref]) for name, ref in refs.items()} | dict(probe.fixed)
    )
    cookies: dict[str, str] = {}
    headers: dict[str, str] = {}
    browser = pages.browsers.get(role)
    held = world.keys[role] if browser is None else None
    if browser is not None:
        cookies[SESSION_COOKIE] = browser.spare_cookie if probe.token == "spare" else browser.cookie
    elif held is not None:
        cookies[SESSION_COOKIE] = held
        headers["Authorization"] = f"Bearer {held}"
    fields: dict[str, str] | None = None
    if probe.form is not None:
        csrf = ""
        if probe.token == "link":
            csrf = pages.link_csrf
        elif probe.token == "signin":
            client.cookies.clear()
            csrf = form_token(client.get("/signin").text)
            cookies[SIGNIN_COOKIE] = client.cookies[SIGNIN_COOKIE]
        elif browser is not None:
            csrf = browser.spare_csrf if probe.token == "spare" else browser.csrf
        fields = probe.form(world, csrf)
        if probe.token == "signin":
            fields["email"] = EMAILS.get(role, "nobody@acme.example")
        if csrf:
            fields["csrf"] = csrf
    files = None
    if probe.upload is not None:
        files = {FILE_FIELD: ("addresses.csv", probe.upload(world), "text/csv")}
    client.cookies.clear()
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    if files is not None:
        response = client.request(
            method, path, headers=headers, data=fields, files=files, follow_redirects=False
        )
    else:
        if fields is not None:
            # As a browser posts a form, even one without a field.
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        response = client.request(
            method,
            path,
            headers=headers,
            content=None if fields is None else urlencode(fields),
            follow_redirects=False,
        )
    client.cookies.clear()
    return path, response


def _assert_outcome(pages: Pages, path: str, response: httpx.Response, expected: str) -> None:
    status, _, kind = expected.partition(" ")
    assert response.status_code == int(status), response.text[:300]
    html = response.headers.get("content-type", "").startswith("text/html")
    attachment = response.headers.get("content-disposition", "").startswith("attachment")
    if kind == "signin":
        assert response.headers["location"] == f"/signin?next={path}"
    elif kind.startswith("/"):
        assert response.headers["location"].startswith(kind), response.headers["location"]
    elif kind == "file":
        assert attachment or not html, response.headers
    else:
        assert html, response.headers
        assert not attachment, response.headers
    if status == "404":
        text = page_text(response.text)
        if path.startswith("/r/"):
            assert text in pages.link_not_found, text
        else:
            # The same page as for a unit that does not exist.
            assert text == pages.not_found, text


@pytest.mark.parametrize(("route", "role", "expected"), list(_cells()))
def test_page_and_role(pages: Pages, route: tuple[str, str], role: str, expected: str) -> None:
    before = row_counts(pages.world.engine)
    path, response = _request(pages, route, role)
    _assert_outcome(pages, path, response, expected)
    changed = changed_tables(pages.world.engine, before)
    # Only a cell let through (not refused, not sent to sign in) may change what ``STORES``
    # names.
    let_through = int(expected[:3]) < 400 and expected != S
    assert changed <= (STORES.get(route, frozenset()) if let_through else set())
    if (route, role) in CHECKS:
        CHECKS[route, role](pages, response)
