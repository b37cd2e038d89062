"""The main job, end to end: invitations e-mailed into the demo's mail folder, simulated
answers sent through their links, and a PDF per team."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, col, select

from analysis import simulate_organisation
from api.app import create_app
from api.cli.demo import DemoSummary, run_demo, team_languages
from api.cli.demo_mail import PUBLIC_URL
from api.services.access import digest
from api.store.db import make_engine
from api.store.models import (
    AuditAction,
    AuditEvent,
    Invitation,
    MailMessage,
    MailRecipient,
    MailStatus,
    Response,
    Unit,
)
from api.web.i18n import catalogue
from instrument import load_builtin

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TEAMS, SEED = 10, 3
LINK = re.compile(re.escape(PUBLIC_URL) + r"(/r/(tvi_[A-Za-z0-9_\-]+)\?lang=(\w\w))")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return run_demo(teams=TEAMS, seed=SEED, out=tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo_engine(demo: DemoSummary) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{demo.database}")
    yield engine
    engine.dispose()


def _mail(demo: DemoSummary, kind: str) -> dict[str, EmailMessage]:
    """The messages of ``kind`` in the demo's mail folder, by address."""
    found = {}
    for file in demo.mail.folder.glob(f"*-{kind}-*.eml"):
        message = message_from_bytes(file.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        found[str(message["To"])] = message
    return found


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def _link(message: EmailMessage) -> tuple[str, str, str]:
    """(path, token, language) of the personal link in the message's text."""
    found = LINK.search(_part(message, "plain"))
    assert found, _part(message, "plain")
    return found.group(1), found.group(2), found.group(3)


def _text(pdf: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_every_eligible_team_gets_a_pdf_naming_the_team_and_every_scale(demo: DemoSummary) -> None:
    instrument = load_builtin()
    written = [t for t in demo.teams if t.report is not None]
    assert written, "the demo wrote no team report"
    for team in written:
        assert team.report is not None
        assert team.report.exists()
        text = _text(team.report)
        assert team.team in text
        for scale in instrument.scales:
            assert scale.name[team.language] in text, f"{scale.id} missing from {team.report.name}"


def test_a_team_under_the_minimum_gets_no_pdf_and_a_reason(demo: DemoSummary) -> None:
    suppressed = [t for t in demo.teams if t.report is None]
    assert suppressed, "the demo organisation should include a team under the minimum"
    for team in suppressed:
        assert team.respondents < 5
        assert team.reason is not None
        assert "minimum" in team.reason
    names = {p.name for p in demo.database.parent.glob("team-*.pdf")}
    assert len(names) == sum(t.report is not None for t in demo.teams)


def test_french_teams_get_their_report_in_french(demo: DemoSummary) -> None:
    languages = {t.language for t in demo.teams if t.report is not None}
    assert languages == {"en", "fr"}


def test_the_organisation_report_is_written(demo: DemoSummary) -> None:
    assert demo.organisation_report.exists()
    assert len(PdfReader(demo.organisation_report).pages) >= 1


def test_the_demos_people_can_sign_in_and_see_what_their_role_allows(
    demo: DemoSummary,
) -> None:
    from sqlmodel import Session

    from api.services import accounts
    from api.store.db import make_engine

    assert [email for email, _ in demo.accounts] == [
        "hr@demo.example",
        "lead@demo.example",
        "works@demo.example",
    ]
    engine = make_engine(f"sqlite:///{demo.database}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            for email, _ in demo.accounts:
                signed = accounts.sign_in(session, email=email, password=demo.password)
                visit = accounts.visit(session, token=signed.token)
                assert visit is not None
        lead = dict(demo.accounts)["lead@demo.example"]
        assert lead.startswith("leader of ")
    finally:
        engine.dispose()


# -- e-mail -----------------------------------------------------------------------------------


def test_each_person_invited_gets_an_eml_file_in_their_teams_language(demo: DemoSummary) -> None:
    invitations = _mail(demo, "invitation")
    assert demo.mail.folder == demo.database.parent / "mail"
    assert len(invitations) == demo.mail.invitations == sum(t.invited for t in demo.teams)
    assert len(list(demo.mail.folder.glob("*.eml"))) == demo.mail.invitations + demo.mail.reminders
    assert all(re.fullmatch(r"person-\d{4}@demo\.example", to) for to in invitations)
    assert {m["Content-Language"] for m in invitations.values()} == {"en", "fr"}
    for team in demo.teams:
        member = {
            "en": f"as a member of {team.team}.",
            "fr": f"membre de l'unité «\u202f{team.team}\u202f».",
        }[team.language]
        theirs = [m for m in invitations.values() if member in _part(m, "plain")]
        assert len(theirs) == team.invited, team.team
        assert {m["Content-Language"] for m in theirs} == {team.language}
    for message in invitations.values():
        path, _, language = _link(message)
        assert language == message["Content-Language"]
        assert f'href="{PUBLIC_URL}{path}"' in _part(message, "html").replace("&amp;", "&")


def test_the_respondents_answered_through_their_links_and_the_others_left_them_unused(
    demo: DemoSummary, demo_engine: Engine
) -> None:
    links = {to: _link(m) for to, m in _mail(demo, "invitation").items()}
    with Session(demo_engine) as session:
        used = dict(session.exec(select(Invitation.token_hash, Invitation.used)).all())
    assert len(used) == len(links)  # every invitation was e-mailed, none handed out otherwise
    assert sum(used[digest(token)] for _, token, _ in links.values()) == demo.respondents
    # The campaign has closed: a link that was used says so, one that was not says it closed;
    # a made-up one leads nowhere.
    with TestClient(create_app(demo_engine)) as client:
        for path, token, language in links.values():
            page = client.get(path)
            title = catalogue(language)[
                "status.used_title" if used[digest(token)] else "status.closed_title"
            ]
            assert page.status_code == 410, path
            assert title in unescape(page.text), path
        assert client.get("/r/tvi_" + "A" * 32 + "?lang=en").status_code == 404


def test_the_reminder_went_to_those_whose_link_was_unused_with_the_same_link(
    demo: DemoSummary, demo_engine: Engine
) -> None:
    links = {to: _link(m) for to, m in _mail(demo, "invitation").items()}
    reminders = _mail(demo, "reminder")
    assert 0 < len(reminders) == demo.mail.reminders
    assert 0 < demo.mail.answered_after_reminder < demo.respondents
    on_time = demo.respondents - demo.mail.answered_after_reminder
    assert demo.mail.reminders == demo.mail.invitations - on_time
    with Session(demo_engine) as session:
        used = dict(session.exec(select(Invitation.token_hash, Invitation.used)).all())
    for to, message in reminders.items():
        assert _link(message) == links[to]
        assert message["Subject"].startswith(("Reminder", "Rappel"))
    answered_late = sum(used[digest(_link(m)[1])] for m in reminders.values())
    assert answered_late == demo.mail.answered_after_reminder
    not_reminded = [link for to, link in links.items() if to not in reminders]
    assert all(used[digest(token)] for _, token, _ in not_reminded)


def test_the_stored_responses_are_the_answers_sent_through_the_links(
    demo: DemoSummary, demo_engine: Engine
) -> None:
    instrument = load_builtin()
    simulated = simulate_organisation(instrument=instrument, n_teams=TEAMS, seed=SEED)
    teams = simulated.units.loc[simulated.units["kind"] == "team", "unit_id"].astype(str)
    languages = team_languages(list(teams), seed=SEED)
    items = list(instrument.item_ids)
    sent = Counter(
        (
            team,
            languages[team],
            json.dumps([None if np.isnan(v) else int(v) for v in row]),
        )
        for row, team in zip(
            simulated.responses[items].to_numpy(),
            simulated.responses["team"].astype(str),
            strict=True,
        )
    )
    with Session(demo_engine) as session:
        rows = session.exec(
            select(Unit.external_id, Response.language, Response.answers).join(
                Unit, col(Unit.id) == col(Response.unit_id)
            )
        ).all()
    stored = Counter(
        (str(team), language, json.dumps([answers.get(i) for i in items]))
        for team, language, answers in rows
    )
    assert stored == sent


def test_after_close_no_address_remains_and_no_token_is_stored_in_clear(
    demo: DemoSummary, demo_engine: Engine
) -> None:
    messages = {**_mail(demo, "invitation"), **_mail(demo, "reminder")}
    tokens = {_link(m)[1] for m in messages.values()}
    addresses = set(messages)
    with Session(demo_engine) as session:
        assert session.exec(select(func.count()).select_from(MailRecipient)).one() == 0
        sent = session.exec(select(MailMessage.kind, MailMessage.status, MailMessage.recipient_id))
        assert Counter(sent.all()) == {
            ("invitation", MailStatus.sent, None): demo.mail.invitations,
            ("reminder", MailStatus.sent, None): demo.mail.reminders,
        }
        actions = Counter(session.exec(select(AuditEvent.action, AuditEvent.actor)).all())
    # Sent before the opening, as planned invitations: none counts as added while it ran.
    assert not any(action == AuditAction.invitations_added for action, _ in actions)
    assert actions[(AuditAction.campaign_opened, "schedule")] == 1
    rows: list[str] = []
    with demo_engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows += [str(row) for row in connection.execute(table.select())]
    everything = "\n".join(rows)
    assert "person-" not in everything
    assert not any(address in everything for address in addresses)
    assert not any(token in everything for token in tokens)
    assert all(digest(token) in everything for token in tokens)
