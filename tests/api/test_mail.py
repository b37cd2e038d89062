"""E-mailed invitations, reminders and leaders' notices, delivered to a real SMTP server on
loopback (aiosmtpd) and read back: the list of addresses checked row by row, the messages in
English and French with a personal link that works, the reminder skipping those who answered,
the addresses deleted at close, tokens HR never sees, the ``.eml`` folder without a server.
On both databases. The server refusing, deferring or down, and the rate: test_mail_smtp.py."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from html import unescape
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from huey import MemoryHuey
from sqlalchemy import Engine, func, text, update
from sqlmodel import Session, SQLModel, col, select

from api.jobs.queue import Jobs
from api.services import mail_delivery
from api.services.access import digest, issue_key
from api.services.accounts import AccountCreate, create_account
from api.services.texts import flatten
from api.store.models import (
    Account,
    ApiKeyCreate,
    Campaign,
    CampaignStatus,
    Invitation,
    MailMessage,
    MailRecipient,
    Role,
)
from api.web.i18n import catalogue
from tests.api.conftest import Org, table_counts
from tests.api.mail_support import (
    API,
    Inbox,
    answer,
    html_of,
    immediate_jobs,
    link_of,
    log,
    mail_settings,
    send,
    smtp_server,
    stage,
    text_of,
    upload,
)

CLOSES = datetime(2031, 3, 14, 17, 30, tzinfo=UTC)
ROSTER = (
    "email,unit,language\n"
    "ann@acme.example,night,en\n"
    "Bob@Acme.example,{night},fr\n"
    "cleo@acme.example,day,\n"
    "dan@acme.example,day,fr\n"
)
EVERYONE = {"ann@acme.example", "bob@acme.example", "cleo@acme.example", "dan@acme.example"}


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def server(inbox: Inbox) -> Iterator[int]:
    with smtp_server(inbox) as port:
        yield port


@pytest.fixture
def jobs(org: Org, engine: Engine, server: int, tmp_path: Path) -> Jobs:
    made = immediate_jobs(engine, mail_settings(tmp_path, server), tmp_path)
    org.client.app.state.jobs = made  # type: ignore[attr-defined]
    return made


def _listed(org: Org, engine: Engine, **fields: Any) -> int:
    """A campaign closing on ``CLOSES`` with the four addresses of ``ROSTER`` listed."""
    fields.setdefault("closes_at", CLOSES.isoformat())
    staged = stage(org, engine, **fields)
    listed = upload(org, staged.campaign_id, ROSTER.format(night=staged.units["night"]))
    assert listed.status_code == 201, listed.text
    assert listed.json() == {"added": 4, "already_listed": 0, "addresses": 4, "dry_run": False}
    return staged.campaign_id


def _rows(engine: Engine, table: type[SQLModel]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


# -- the list of addresses ------------------------------------------------------------------------


def test_bad_rows_of_a_list_are_refused_one_by_one_and_nothing_is_stored(
    org: Org, engine: Engine, jobs: Jobs
) -> None:
    campaign_id = stage(org, engine).campaign_id
    before = table_counts(engine)
    refused = upload(
        org,
        campaign_id,
        "email,unit,language\n"
        "ann@acme.example,night,en\n"
        "not-an-address,night,en\n"
        "eve@acme.example,nowhere,en\n"
        "fay@acme.example,lab,en\n"
        "gus@acme.example,day,de\n"
        "ANN@acme.example,day,en\n"
        ",day,en\n"
        "hal@acme.example,day,en,extra\n",
    )
    assert refused.status_code == 422
    errors = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert errors == {
        "rows[3].email": "not an e-mail address: An email address must have an @-sign.",
        "rows[4].unit": "no unit has the id or the external id 'nowhere'",
        "rows[5].unit": "unit 'lab' (Lab) does not take part in the campaign",
        "rows[6].language": "'de' is not a language of the campaign's messages (en, fr)",
        "rows[7].email": "ann@acme.example is listed twice (row 2 too)",
        "rows[8].email": "is empty",
        "rows[9]": "has 4 cells; the header names 3 columns",
    }
    assert table_counts(engine) == before

    header = upload(org, campaign_id, "mail,unit\nann@acme.example,night\n")
    assert header.status_code == 422
    assert header.json()["errors"][0]["field"] == "columns"
    assert "unknown column 'mail'" in header.json()["errors"][0]["reason"]
    assert "column 'email' is missing" in header.json()["errors"][0]["reason"]
    assert table_counts(engine) == before


def test_a_list_in_a_french_spreadsheet_is_read_and_an_address_listed_twice_is_skipped(
    org: Org, engine: Engine, jobs: Jobs
) -> None:
    staged = stage(org, engine)
    french = "\ufeffemail;unit;language\nann@acme.example;night;FR\nbob@acme.example;day;\n"
    checked = upload(org, staged.campaign_id, french, dry_run="true")
    assert checked.status_code == 200
    assert checked.json() == {"added": 2, "already_listed": 0, "addresses": 0, "dry_run": True}
    assert _rows(engine, MailRecipient) == 0

    assert upload(org, staged.campaign_id, french).status_code == 201
    again = upload(org, staged.campaign_id, french + "cleo@acme.example;day;en\n")
    assert again.status_code == 201
    assert again.json() == {"added": 1, "already_listed": 2, "addresses": 3, "dry_run": False}
    moved = upload(org, staged.campaign_id, "email,unit\nANN@acme.example,day\n")
    assert moved.status_code == 422
    assert moved.json()["errors"] == [
        {
            "field": "rows[2].email",
            "reason": "ann@acme.example is on the list already, in unit 'Night shift':"
            " one address, one unit",
        }
    ]
    roster = org.client.get(f"{API}/campaigns/{staged.campaign_id}/roster", headers=org.headers())
    assert roster.json()["addresses"] == 3
    assert roster.json()["languages"] == {"en": 2, "fr": 1}
    assert "acme.example" not in roster.text


# -- invitations and reminders ----------------------------------------------------------------


def test_invitations_reach_the_server_in_english_and_french_with_a_personal_link_that_works(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine)
    queued = send(org, campaign_id)
    assert queued.status_code == 202, queued.text
    assert queued.json()["queued"] == 4
    assert {m["To"] for m in inbox.messages} == EVERYONE

    (ann,) = inbox.to("ann@acme.example")
    assert ann["Subject"] == "Acme: your invitation to the survey “Spring”"
    assert ann["From"] == "Acme HR <hr@acme.example>"
    assert ann["Auto-Submitted"] == "auto-generated"
    assert ann["Content-Language"] == "en"
    body = text_of(ann)
    assert (
        "Acme invites you to take part in the survey “Spring”, as a member of Night shift." in body
    )
    assert "The survey closes on 14 March 2031, 17:30 UTC." in body
    assert "Your answers are stored without your name, your e-mail address or this link" in body
    assert "groups of at least 5 people" in body
    path, token, language = link_of(ann)
    assert language == "en"
    assert f'href="http://testserver{path}"' in html_of(ann).replace("&amp;", "&")
    assert '<html lang="en">' in html_of(ann)
    welcome = org.client.get(path)
    assert welcome.status_code == 200
    assert "Spring" in welcome.text
    assert catalogue("en")["welcome.start"] in unescape(welcome.text)

    (bob,) = inbox.to("bob@acme.example")
    assert bob["Subject"] == "Acme\u202f: votre invitation à l'enquête «\u202fSpring\u202f»"
    body = text_of(bob)
    assert "en tant que membre de l'unité «\u202fNight shift\u202f»." in body
    assert "L'enquête se termine le 14 mars 2031 à 17:30 UTC." in body
    assert "Vos réponses sont enregistrées sans votre nom" in body
    path, _, language = link_of(bob)
    assert language == "fr"
    assert catalogue("fr")["welcome.start"] in unescape(org.client.get(path).text)

    (cleo,) = inbox.to("cleo@acme.example")
    assert cleo["Content-Language"] == "en"  # no language given: the campaign's first
    progress = org.client.get(f"{API}/campaigns/{campaign_id}/progress", headers=org.headers())
    assert progress.json()["invited"] == 4
    with Session(engine) as session:
        stored = session.exec(select(Invitation).where(Invitation.token_hash == digest(token)))
        assert stored.one().campaign_id == campaign_id

    again = send(org, campaign_id)
    assert again.json()["queued"] == 0
    assert len(inbox.messages) == 4
    counts = log(org, campaign_id).json()["invitations"]
    assert counts == {
        "queued": 0,
        "retrying": 0,
        "sending": 0,
        "sent": 4,
        "failed": 0,
        "cancelled": 0,
    }


def test_a_reminder_goes_only_to_those_who_have_not_answered(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine)
    send(org, campaign_id)
    links = {m["To"]: link_of(m) for m in inbox.messages}
    answer(org, links["ann@acme.example"][1])
    now = datetime.now(UTC)
    times = [(now + timedelta(hours=1)).isoformat(), (now + timedelta(days=2)).isoformat()]
    set_ = org.client.put(
        f"{API}/campaigns/{campaign_id}/mail/reminders",
        json={"times": times},
        headers=org.headers(),
    )
    assert set_.status_code == 200, set_.text
    assert [r["planned_at"] for r in set_.json()] == [None, None]

    # The first reminder's time comes: queued for the three who have not answered; one of
    # them answers before it leaves.
    with Session(engine, expire_on_commit=False) as session:
        queued = mail_delivery.plan_due_reminders(session, now=now + timedelta(hours=2))
    assert queued == 3
    answer(org, links["bob@acme.example"][1])
    jobs.mail.deliver()
    reminders = [m for m in inbox.messages if m["Subject"].startswith(("Reminder", "Rappel"))]
    assert {m["To"] for m in reminders} == {"cleo@acme.example", "dan@acme.example"}
    (dan,) = [m for m in reminders if m["To"] == "dan@acme.example"]
    assert dan["Subject"] == "Rappel\u202f: l'enquête «\u202fSpring\u202f»"
    assert "Votre lien n'a pas encore servi à envoyer des réponses" in text_of(dan)
    assert link_of(dan) == links["dan@acme.example"]
    (cleo,) = [m for m in reminders if m["To"] == "cleo@acme.example"]
    assert cleo["Subject"] == "Reminder: the survey “Spring”"

    assert jobs.mail.tick(now=now + timedelta(hours=3)) == 0  # each reminder once
    sent_log = log(org, campaign_id).json()
    first = sent_log["reminders"][0]
    assert first["messages"]["sent"] == 2
    assert first["messages"]["cancelled"] == 1
    assert sent_log["reminders"][1]["planned_at"] is None
    assert len(inbox.messages) == 6

    # The second one's time: only cleo and dan have still not answered.
    answer(org, links["cleo@acme.example"][1])
    assert jobs.mail.tick(now=now + timedelta(days=3)) == 1
    assert [m["To"] for m in inbox.messages[6:]] == ["dan@acme.example"]


def test_reminder_times_are_checked_one_by_one(org: Org, engine: Engine, jobs: Jobs) -> None:
    campaign_id = _listed(org, engine)
    soon = datetime.now(UTC) + timedelta(days=1)
    refused = org.client.put(
        f"{API}/campaigns/{campaign_id}/mail/reminders",
        json={
            "times": [
                "2001-01-01T09:00:00+00:00",
                (CLOSES + timedelta(hours=1)).isoformat(),
                soon.isoformat(),
                soon.astimezone(UTC).isoformat(),
                "2030-01-01T09:00:00",
            ]
        },
        headers=org.headers(),
    )
    assert refused.status_code == 422
    fields = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert fields == {"times[4]": "Input should have timezone info"}
    refused = org.client.put(
        f"{API}/campaigns/{campaign_id}/mail/reminders",
        json={"times": ["2001-01-01T09:00:00+00:00", (CLOSES + timedelta(hours=1)).isoformat(),
                        soon.isoformat(), soon.isoformat()]},
        headers=org.headers(),
    )  # fmt: skip
    fields = {e["field"]: e["reason"] for e in refused.json()["errors"]}
    assert fields == {
        "times[0]": "is past: a reminder is set for a time to come",
        "times[1]": "is after the campaign closes (2031-03-14T17:30:00+00:00)",
        "times[3]": "is the time of times[2] too",
    }


def test_a_draft_sends_its_invitations_when_it_opens(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine, open_it=False)
    refused = send(org, campaign_id)
    assert refused.status_code == 409
    assert "no opening time" in refused.json()["detail"]
    opens = datetime.now(UTC) + timedelta(days=1)
    org.client.patch(
        f"{API}/campaigns/{campaign_id}",
        json={"opens_at": opens.isoformat()},
        headers=org.headers(),
    )
    queued = send(org, campaign_id)
    assert queued.status_code == 202
    assert datetime.fromisoformat(queued.json()["sends_from"]) == opens
    assert inbox.messages == []
    # HR opens it a day early: the invitations leave now, not at the planned opening.
    org.client.post(f"{API}/campaigns/{campaign_id}/open", headers=org.headers())
    jobs.mail.tick()
    assert {m["To"] for m in inbox.messages} == EVERYONE


# -- privacy ----------------------------------------------------------------------------------


def test_closing_deletes_the_addresses_and_cancels_what_has_not_left(
    org: Org, engine: Engine, tmp_path: Path, server: int
) -> None:
    waiting = Jobs(
        MemoryHuey("held", immediate=False),
        engine=engine,
        reports_dir=tmp_path / "reports",
        settings=mail_settings(tmp_path, server),
    )
    org.client.app.state.jobs = waiting  # type: ignore[attr-defined]
    campaign_id = _listed(org, engine)
    send(org, campaign_id)  # queued, not sent: no worker consumes this queue
    closed = org.client.post(f"{API}/campaigns/{campaign_id}/close", headers=org.headers())
    assert closed.status_code == 200
    assert _rows(engine, MailRecipient) == 0
    with Session(engine) as session:
        messages = list(session.exec(select(MailMessage)))
    assert len(messages) == 4
    assert {(m.status, m.recipient_id) for m in messages} == {("cancelled", None)}
    after = log(org, campaign_id).json()
    assert after["addresses"] == 0
    assert after["invitations"]["cancelled"] == 4
    assert waiting.mail.deliver().sent == 0
    assert upload(org, campaign_id, "email,unit\nzoe@acme.example,night\n").status_code == 409


def test_a_campaign_closed_by_its_schedule_loses_its_addresses_though_nobody_reads_it(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine)
    send(org, campaign_id)
    with Session(engine) as session:
        session.execute(
            update(Campaign)
            .where(col(Campaign.id) == campaign_id)
            .values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()
    jobs.mail.tick()
    with Session(engine) as session:
        assert session.get(Campaign, campaign_id).status == CampaignStatus.closed  # type: ignore[union-attr]
        assert session.exec(select(func.count()).select_from(MailRecipient)).one() == 0
        assert (
            session.exec(
                select(func.count()).where(col(MailMessage.recipient_id).is_not(None))
            ).one()
            == 0
        )
    with Session(engine) as session:  # a later closing time, and HR reopens it
        session.execute(update(Campaign).values(closes_at=CLOSES))
        session.commit()
    reopened = org.client.post(f"{API}/campaigns/{campaign_id}/reopen", headers=org.headers())
    assert reopened.status_code == 200
    refused = upload(org, campaign_id, "email,unit\nann@acme.example,night\n")
    assert refused.status_code == 409
    assert "second link to people who answered" in refused.json()["detail"]


def test_hr_never_sees_the_token_of_an_emailed_invitation(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine)
    send(org, campaign_id)
    org.client.put(
        f"{API}/campaigns/{campaign_id}/mail/reminders",
        json={"times": [(datetime.now(UTC) + timedelta(hours=1)).isoformat()]},
        headers=org.headers(),
    )
    tokens = {link_of(m)[1] for m in inbox.messages}
    assert len(tokens) == 4
    seen = [
        org.client.get(f"{API}/campaigns/{campaign_id}{path}", headers=org.headers()).text
        for path in ("", "/roster", "/mail/log", "/mail/reminders", "/progress")
    ]
    seen.append(org.client.get(f"{API}/audit", headers=org.headers()).text)
    seen.append(send(org, campaign_id).text)
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            seen += [str(row) for row in connection.execute(table.select())]
    for token in tokens:
        assert not any(token in page for page in seen)
        assert any(digest(token) in row for row in seen)  # its digest, as for every invitation


def test_a_server_reply_naming_an_address_is_kept_without_it(
    org: Org, engine: Engine, jobs: Jobs, inbox: Inbox
) -> None:
    campaign_id = _listed(org, engine)
    inbox.refuse["dan@acme.example"] = "550 5.1.1 <dan@acme.example>: Recipient address rejected"
    send(org, campaign_id)
    problems = log(org, campaign_id).json()["problems"]
    assert [(p["status"], p["error"], p["email"]) for p in problems] == [
        (
            "failed",
            "the server refused the recipient: 550 5.1.1 <address>: Recipient address rejected",
            "dan@acme.example",
        )
    ]
    with Session(engine, expire_on_commit=False) as session:
        auditor = issue_key(
            session, organisation_id=org.organisation_id, data=ApiKeyCreate(role=Role.auditor)
        )
    seen = log(org, campaign_id, key=auditor.key).json()
    assert seen["problems"][0]["email"] is None  # addresses to admins only
    assert seen["invitations"]["failed"] == 1


# -- who may --------------------------------------------------------------------------------------


def test_only_admins_list_and_send_and_only_their_own_campaigns(
    org: Org, engine: Engine, jobs: Jobs
) -> None:
    staged = stage(org, engine)
    campaign_id = staged.campaign_id
    with Session(engine, expire_on_commit=False) as session:
        leader = issue_key(
            session,
            organisation_id=org.organisation_id,
            data=ApiKeyCreate(role=Role.leader, unit_id=staged.units["night"]),
        )
        auditor = issue_key(
            session, organisation_id=org.organisation_id, data=ApiKeyCreate(role=Role.auditor)
        )
    csv = "email,unit\nann@acme.example,night\n"
    before = table_counts(engine)
    for key in (leader.key, auditor.key):
        assert upload(org, campaign_id, csv, key=key).status_code == 403
        for method, path in (
            ("POST", "/mail/invitations"),
            ("GET", "/roster"),
            ("DELETE", "/roster"),
            ("POST", "/mail/retry"),
        ):
            answered = org.client.request(
                method, f"{API}/campaigns/{campaign_id}{path}", headers=org.headers(key)
            )
            assert answered.status_code == 403, (method, path)
    assert log(org, campaign_id, key=leader.key).status_code == 403
    assert log(org, campaign_id, key=auditor.key).status_code == 200
    assert upload(org, 999_999, csv).status_code == 404
    assert org.client.post(f"{API}/campaigns/{campaign_id}/roster", content=csv).status_code == 401
    assert table_counts(engine) == before


# -- leaders' notices -------------------------------------------------------------------------


def test_a_leader_is_told_once_in_their_language_that_the_report_is_ready(
    org: Org, engine: Engine, inbox: Inbox, server: int, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path, server, public_url="https://survey.acme.example")
    notices = immediate_jobs(engine, settings, tmp_path)
    staged = stage(org, engine)
    night, day = staged.units["night"], staged.units["day"]
    with Session(engine, expire_on_commit=False) as session:
        for email, unit, language in (
            ("lea@acme.example", night, "fr"),
            ("leo@acme.example", night, "en"),
            ("gone@acme.example", night, "en"),
            ("dia@acme.example", day, "en"),
        ):
            create_account(
                session,
                organisation_id=org.organisation_id,
                data=AccountCreate(
                    email=email,
                    name=email.split("@")[0],
                    role=Role.leader,
                    unit_id=unit,
                    language=language,
                    password="a long enough password 42",
                ),
                actor="test",
            )
        session.execute(
            update(Account)
            .where(col(Account.email) == "gone@acme.example")
            .values(disabled_at=datetime.now(UTC))
        )
        session.commit()
    notices.mail.enqueue_report_ready(staged.campaign_id, night)
    notices.mail.enqueue_report_ready(staged.campaign_id, night)
    assert sorted(m["To"] for m in inbox.messages) == ["lea@acme.example", "leo@acme.example"]
    (lea,) = inbox.to("lea@acme.example")
    assert lea["Subject"] == "Votre rapport est prêt\u202f: Spring, Night shift"
    link = f"https://survey.acme.example/portal/campaigns/{staged.campaign_id}"
    assert link in text_of(lea)
    assert f'href="{link}"' in html_of(lea)
    (leo,) = inbox.to("leo@acme.example")
    assert leo["Subject"] == "Your report is ready: Spring, Night shift"


# -- without a server -----------------------------------------------------------------------------


def test_without_an_smtp_server_messages_are_written_as_eml_files(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    settings = mail_settings(tmp_path)
    org.client.app.state.jobs = immediate_jobs(engine, settings, tmp_path)  # type: ignore[attr-defined]
    campaign_id = _listed(org, engine)
    assert send(org, campaign_id).json()["queued"] == 4
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 4
    messages = [message_from_bytes(f.read_bytes(), policy=default) for f in files]
    assert {m["To"] for m in messages} == EVERYONE
    path, _, _ = link_of(messages[0])
    assert org.client.get(path).status_code == 200
    org.client.post(f"{API}/campaigns/{campaign_id}/mail/retry", headers=org.headers())
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 4


def test_the_english_and_french_texts_hold_the_same_keys() -> None:
    folder = resources.files("api.jobs") / "mail_templates"
    keys = [
        set(flatten(tomllib.loads((folder / f"{lang}.toml").read_text("utf-8"))))
        for lang in ("en", "fr")
    ]
    assert keys[0] == keys[1]


def test_deleting_a_draft_deletes_its_list(org: Org, engine: Engine, jobs: Jobs) -> None:
    campaign_id = _listed(org, engine, open_it=False)
    deleted = org.client.delete(f"{API}/campaigns/{campaign_id}", headers=org.headers())
    assert deleted.status_code == 204
    assert _rows(engine, MailRecipient) == 0
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from campaign")).scalar_one() == 0
