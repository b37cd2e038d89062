"""The demo's collection phase, through the HTTP API as HR and respondents use it, and by e-mail.

HR imports the org chart as CSV, creates a campaign, lists the people's addresses and sends the
invitations, queued for the opening; the queue's job writes them into the mail folder. Each
simulated respondent reads their message and answers through its personal link, some saving a
draft first and resuming; a reminder goes to those who have not answered by then, and some of
them answer through it. It runs in process (no server to start), but every request goes through
the real routes, and every message through the real queue's job.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from analysis import SimulatedOrganisation
from api.app import API_PREFIX, create_app
from api.cli.demo_mail import (
    Letter,
    MailOutcome,
    Person,
    demo_people,
    demo_settings,
    make_jobs,
    read_mail,
    roster_csv,
    run_queued_jobs,
)
from api.jobs.queue import Jobs
from api.services.access import init_organisation
from api.store.db import session_scope
from api.store.models import OrganisationCreate
from instrument import Instrument

with warnings.catch_warnings():
    # Starlette's test client warns at import that it will move to httpx2; nothing to act on yet.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


DRAFT_SHARE = 0.3
"""Share of respondents who save half their answers, come back and finish."""
FORM_SHARE = 0.25
"""Share of respondents who answer through the form's pages (plain posts, as a browser without
JavaScript sends them), page by page, rather than through the JSON route."""
LATE_SHARE = 0.15
"""Share of respondents who answer only once reminded, through the reminder's link (the same as
their invitation's)."""
OPENING_LEAD = timedelta(seconds=1)
"""How far ahead HR sets the opening, so that the invitations are sent before it, as planned
ones are (sent to an open campaign, they would be listed as added while it ran)."""
REMINDER_LEAD = timedelta(seconds=2)
RUNS_FOR = timedelta(days=14)
"""The closing time the messages announce (HR closes the demo's campaign sooner, by hand)."""


class DemoRequestFailed(RuntimeError):
    """The API refused one of the demo's requests, or its mail went astray: a bug, since the
    demo's data are valid."""


@dataclass(frozen=True)
class Collected:
    campaign_id: int
    unit_ids: dict[str, int]
    """The database id of each unit, by its external id."""
    mail: MailOutcome


@dataclass(frozen=True)
class _Ballot:
    """A simulated respondent: their address, their answers, and how they send them."""

    person: Person
    answers: dict[str, int | None]
    path: float
    """Below ``FORM_SHARE``: the form's pages; below that plus ``DRAFT_SHARE``: a draft first."""
    late: bool
    """Answers only once reminded."""


def collect_over_http(
    engine: Engine,
    simulated: SimulatedOrganisation,
    *,
    instrument: Instrument,
    campaign_name: str,
    languages: dict[str, str],
    seed: int,
) -> tuple[int, dict[str, int]]:
    """A campaign collected as the demo's is, its queue and mail in a temporary folder, for
    tests and tools that need one; returns the campaign id and the database id of each unit."""
    with tempfile.TemporaryDirectory(prefix="transversal-mail-") as folder:
        settings = demo_settings(data=Path(folder), mail=Path(folder) / "mail", sender="HR")
        jobs = make_jobs(engine, settings)
        try:
            collected = collect(
                engine,
                simulated,
                instrument=instrument,
                campaign_name=campaign_name,
                languages=languages,
                seed=seed,
                jobs=jobs,
            )
        finally:
            jobs.huey.storage.close()
    return collected.campaign_id, collected.unit_ids


def collect(
    engine: Engine,
    simulated: SimulatedOrganisation,
    *,
    instrument: Instrument,
    campaign_name: str,
    languages: dict[str, str],
    seed: int,
    jobs: Jobs,
) -> Collected:
    """Run the campaign over HTTP and e-mail, its messages written into the mail folder of
    ``jobs``' settings; returns the campaign, the units' ids and what was e-mailed."""
    units = simulated.units
    root = str(units.loc[units["kind"] == "organisation", "name"].iat[0])
    with session_scope(engine) as session:
        _organisation, key = init_organisation(session, OrganisationCreate(name=root))
    app = create_app(engine, jobs=jobs)
    client = TestClient(app, headers={"Authorization": f"Bearer {key.key}"})
    with client:
        unit_ids = _import_chart(client, units)
        team_keys = [str(t) for t in units.loc[units["kind"] == "team", "unit_id"]]
        campaign = _call(
            client,
            "POST",
            "/campaigns",
            json={
                "name": campaign_name,
                "instrument": instrument.ref,
                "unit_ids": [unit_ids[t] for t in team_keys],
                "languages": list(instrument.languages),
            },
        )
        campaign_id = int(campaign["id"])
        invited = _invited(simulated.responses, team_keys, seed=seed)
        people = demo_people(invited, languages=languages)
        _call(
            client,
            "POST",
            f"/campaigns/{campaign_id}/roster",
            content=roster_csv(people),
            headers={"Content-Type": "text/csv"},
        )
        folder = jobs.settings.mail_folder()
        invitations = _email_invitations(client, jobs, campaign_id, expected=len(people))
        ballots = _ballots(simulated.responses, people, instrument=instrument, seed=seed)
        # The reminder is set for a moment later: it is due once the first answers are in.
        remind_at = datetime.now(UTC) + REMINDER_LEAD
        times = {"times": [remind_at.isoformat()]}
        _call(client, "PUT", f"/campaigns/{campaign_id}/mail/reminders", json=times)
        on_time = [b for b in ballots if not b.late]
        _answer(client, on_time, read_mail(folder, kind="invitation"), instrument=instrument)
        reminders = _send_reminder(jobs, at=remind_at, expected=len(people) - len(on_time))
        late = [b for b in ballots if b.late]
        _answer(client, late, read_mail(folder, kind="reminder"), instrument=instrument)
        _close(client, campaign_id)
    return Collected(
        campaign_id=campaign_id,
        unit_ids=unit_ids,
        mail=MailOutcome(
            folder=folder,
            invitations=invitations,
            reminders=reminders,
            answered_after_reminder=len(late),
        ),
    )


def _import_chart(client: TestClient, units: pd.DataFrame) -> dict[str, int]:
    """HR imports the organisation chart; the database id of each unit by its external id."""
    created = _call(
        client,
        "POST",
        "/units/import",
        content=_chart_csv(units),
        headers={"Content-Type": "text/csv"},
    )
    return {str(u["external_id"]): int(u["id"]) for u in created["units"]}


def _close(client: TestClient, campaign_id: int) -> None:
    """HR closes the campaign, which deletes its addresses."""
    _call(client, "POST", f"/campaigns/{campaign_id}/close")
    kept = _call(client, "GET", f"/campaigns/{campaign_id}/mail/log")["addresses"]
    if kept:
        raise DemoRequestFailed(f"the campaign closed and kept {kept} addresses")


def _chart_csv(units: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["external_id", "name", "parent_external_id", "kind"])
    for unit in units.itertuples():
        parent = "" if pd.isna(unit.parent_id) else str(unit.parent_id)
        writer.writerow([unit.unit_id, unit.name, parent, unit.kind])
    return out.getvalue()


def _invited(responses: pd.DataFrame, team_keys: list[str], *, seed: int) -> dict[str, int]:
    """People invited per team: its respondents over a plausible response rate (55-95 %)."""
    rng = np.random.default_rng(seed + 1)
    counts = responses["team"].astype(str).value_counts()
    return {
        team: int(np.ceil(counts.get(team, 0) / rng.uniform(0.55, 0.95))) or 3 for team in team_keys
    }


def _email_invitations(client: TestClient, jobs: Jobs, campaign_id: int, *, expected: int) -> int:
    """HR sets the opening a moment ahead and sends the invitations, queued for it. The
    opening comes: the worker's minute opens the campaign and starts the delivery, and the
    queue's job writes the messages. How many were sent."""
    opens_at = datetime.now(UTC) + OPENING_LEAD
    closes_at = (opens_at + RUNS_FOR).replace(hour=17, minute=0, second=0, microsecond=0)
    _call(
        client,
        "PATCH",
        f"/campaigns/{campaign_id}",
        json={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
    )
    queued = int(_call(client, "POST", f"/campaigns/{campaign_id}/mail/invitations")["queued"])
    _sleep_until(opens_at)
    jobs.mail.tick()
    run_queued_jobs(jobs)
    sent = _call(client, "GET", f"/campaigns/{campaign_id}/mail/log")["invitations"]
    if not queued == sent["sent"] == expected:
        raise DemoRequestFailed(f"{expected} people listed, {queued} invitations queued: {sent}")
    return queued


def _send_reminder(jobs: Jobs, *, at: datetime, expected: int) -> int:
    """The reminder's time comes: the worker's minute queues it to those whose invitation has
    not been used, and the queue's job writes the messages. How many were queued."""
    _sleep_until(at)
    queued = jobs.mail.tick()
    run_queued_jobs(jobs)
    if queued != expected:
        raise DemoRequestFailed(f"{expected} people had not answered, {queued} were reminded")
    return queued


def _sleep_until(moment: datetime) -> None:
    wait = (moment - datetime.now(UTC)).total_seconds()
    if wait > 0:
        time.sleep(wait + 0.05)


def _ballots(
    responses: pd.DataFrame, people: list[Person], *, instrument: Instrument, seed: int
) -> list[_Ballot]:
    """Each simulated respondent, as the next person of their team; an unanswered item is
    sent as 'does not apply', as the web form requires one or the other. The team's people
    left over do not answer: their messages stay unused."""
    paths = np.random.default_rng(seed + 3)
    lateness = np.random.default_rng(seed + 4)
    by_team: dict[str, list[Person]] = {}
    for person in people:
        by_team.setdefault(person.team, []).append(person)
    items = list(instrument.item_ids)
    ballots = []
    for row, team in zip(responses[items].to_numpy(), responses["team"].astype(str), strict=True):
        answers = {
            item: None if np.isnan(value) else int(value)
            for item, value in zip(items, row, strict=True)
        }
        ballots.append(
            _Ballot(
                person=by_team[team].pop(0),
                answers=answers,
                path=float(paths.random()),
                late=bool(lateness.random() < LATE_SHARE),
            )
        )
    return ballots


def _answer(
    client: TestClient,
    ballots: list[_Ballot],
    letters: dict[str, Letter],
    *,
    instrument: Instrument,
) -> None:
    """Each respondent opens their message and answers with its link's token, in its
    language."""
    for ballot in ballots:
        letter = letters.get(ballot.person.email)
        if letter is None:
            raise DemoRequestFailed(f"no message to {ballot.person.email} in the mail folder")
        token, language, answers = letter.token, letter.language, ballot.answers
        if ballot.path < FORM_SHARE:
            _answer_in_pages(client, letter, answers, instrument=instrument)
            continue
        _call(client, "GET", f"/respond/{token}", params={"language": language})
        if ballot.path < FORM_SHARE + DRAFT_SHARE:
            half = dict(list(answers.items())[: len(answers) // 2])
            _call(
                client,
                "PUT",
                f"/respond/{token}/draft",
                json={"answers": half, "language": language},
            )
            resumed = _call(client, "GET", f"/respond/{token}")
            rest = {k: v for k, v in answers.items() if k not in resumed["answers"]}
            _call(client, "POST", f"/respond/{token}", json={"answers": rest})
        else:
            _call(
                client, "POST", f"/respond/{token}", json={"answers": answers, "language": language}
            )


def _answer_in_pages(
    client: TestClient,
    letter: Letter,
    answers: dict[str, int | None],
    *,
    instrument: Instrument,
) -> None:
    """Answer as a person does on the form: the link to the welcome page, each page of
    statements posted with its anti-forgery token, the review, and the send."""
    token, language = letter.token, letter.language
    _page(client, "GET", letter.path)
    for number, scale in enumerate(instrument.scales, start=1):
        page = _page(client, "GET", f"/r/{token}/p/{number}?lang={language}")
        fields = {i: "na" if answers[i] is None else str(answers[i]) for i in scale.items}
        _page(
            client,
            "POST",
            f"/r/{token}/p/{number}",
            data={"csrf": _form_token(page), "lang": language, "action": "next", **fields},
        )
    review = _page(client, "GET", f"/r/{token}/review?lang={language}")
    sent = _page(
        client,
        "POST",
        f"/r/{token}/review",
        data={"csrf": _form_token(review), "lang": language, "action": "send"},
    )
    if "/thanks" not in sent:
        raise DemoRequestFailed(f"the form did not send the answers of a respondent: {sent}")


def _page(client: TestClient, method: str, path: str, **options: Any) -> str:
    """A page of the form (a post is followed to the page it redirects to)."""
    response = client.request(method, path, follow_redirects=False, **options)
    if response.status_code == 303:
        location = response.headers["location"]
        response = client.get(location)
        if response.status_code >= 400:
            raise DemoRequestFailed(f"GET {location} -> {response.status_code}")
        return f"{location}\n{response.text}"
    if response.status_code >= 400:
        raise DemoRequestFailed(f"{method} {path} -> {response.status_code}")
    return str(response.text)


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    if found is None:
        raise DemoRequestFailed("a page of the form came without its anti-forgery token")
    return found.group(1)


def _call(client: TestClient, method: str, path: str, **options: Any) -> Any:
    response = client.request(method, API_PREFIX + path, **options)
    if response.status_code >= 400:
        raise DemoRequestFailed(f"{method} {path} -> {response.status_code}: {response.text}")
    return response.json() if response.content else None
