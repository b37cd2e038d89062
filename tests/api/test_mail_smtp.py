"""Sending through a server that refuses, defers or is down, and the sending rate: a refusal
for good fails the message with the server's reason; a deferral or a server down is tried
again after a wait that doubles; nothing is lost or sent twice; the rate holds across workers
sending at once. Against a real SMTP server on loopback (aiosmtpd), on both databases."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from huey import MemoryHuey
from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from api.jobs import mail as mail_jobs
from api.jobs.mail import MailTasks
from api.jobs.mail_transport import Transport, make_transport
from api.jobs.queue import Jobs
from api.services import mail_delivery
from api.settings import Settings
from api.store.db import make_engine
from api.store.models import MailMessage, MailStatus
from tests.api.conftest import Org, database_url_of
from tests.api.mail_support import (
    API,
    Inbox,
    free_port,
    immediate_jobs,
    log,
    mail_settings,
    send,
    smtp_server,
    stage,
    upload,
)

ADDRESSES = [f"p{i}@acme.example" for i in range(8)]


def _campaign(org: Org, engine: Engine, addresses: list[str]) -> int:
    campaign_id = stage(org, engine).campaign_id
    csv = "email,unit\n" + "".join(f"{a},night\n" for a in addresses)
    assert upload(org, campaign_id, csv).status_code == 201
    return campaign_id


def _messages(engine: Engine) -> list[MailMessage]:
    with Session(engine) as session:
        return list(session.exec(select(MailMessage).order_by(col(MailMessage.id))))


def _once_each(inbox: Inbox, addresses: list[str]) -> None:
    assert Counter(m["To"] for m in inbox.messages) == Counter(addresses)


def test_a_refused_address_fails_at_once_with_the_reason_and_leaves_once_when_put_right(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    inbox = Inbox(refuse={"p3@acme.example": "550 5.1.1 Mailbox unavailable"})
    with smtp_server(inbox) as port:
        jobs = immediate_jobs(engine, mail_settings(tmp_path, port), tmp_path)
        org.client.app.state.jobs = jobs  # type: ignore[attr-defined]
        campaign_id = _campaign(org, engine, ADDRESSES[:4])
        send(org, campaign_id)
        assert jobs.mail.deliver().sent == 0  # nothing more to send, nothing twice
        _once_each(inbox, ADDRESSES[:3])
        seen = log(org, campaign_id).json()
        assert seen["invitations"]["failed"] == 1
        (problem,) = seen["problems"]
        assert problem["error"] == "the server refused the recipient: 550 5.1.1 Mailbox unavailable"
        assert problem["attempts"] == 1  # a refusal for good is not tried again
        assert problem["email"] == "p3@acme.example"

        inbox.refuse.clear()
        retried = org.client.post(
            f"{API}/campaigns/{campaign_id}/mail/retry", headers=org.headers()
        )
        assert retried.json() == {"queued": 1}
        _once_each(inbox, ADDRESSES[:4])
        assert log(org, campaign_id).json()["problems"] == []


def test_a_deferral_is_tried_again_after_a_wait_and_delivered_once(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    inbox = Inbox(refuse={"p1@acme.example": "451 4.7.1 Greylisted, try again later"})
    with smtp_server(inbox) as port:
        jobs = immediate_jobs(engine, mail_settings(tmp_path, port), tmp_path)
        org.client.app.state.jobs = jobs  # type: ignore[attr-defined]
        campaign_id = _campaign(org, engine, ADDRESSES[:3])
        send(org, campaign_id)
        seen = log(org, campaign_id).json()
        assert seen["invitations"]["sent"] == 2
        assert seen["invitations"]["retrying"] == 1
        (problem,) = seen["problems"]
        assert "451 4.7.1 Greylisted" in problem["error"]
        assert problem["next_attempt_at"] is not None
        assert jobs.mail.deliver().sent == 0  # not due before its wait is over

        inbox.refuse.clear()
        time.sleep(0.25)
        assert jobs.mail.deliver().sent == 1
        _once_each(inbox, ADDRESSES[:3])


def test_a_server_down_is_tried_again_and_nothing_is_lost_or_sent_twice(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet
    jobs = immediate_jobs(engine, mail_settings(tmp_path, port), tmp_path)
    org.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    campaign_id = _campaign(org, engine, ADDRESSES[:4])
    assert send(org, campaign_id).status_code == 202
    seen = log(org, campaign_id).json()
    # The run stopped at the first failure: one message spent a try, three wait untouched.
    assert seen["invitations"] | {"retrying": 1, "queued": 3} == seen["invitations"]
    (problem,) = seen["problems"]
    assert problem["error"].startswith(f"cannot reach the SMTP server 127.0.0.1:{port}")

    inbox = Inbox()
    with smtp_server(inbox, port):
        time.sleep(0.25)
        jobs.mail.tick()  # the minute's tick finds them due and sends them
        _once_each(inbox, ADDRESSES[:4])
        assert jobs.mail.deliver().sent == 0
    assert log(org, campaign_id).json()["invitations"]["sent"] == 4


def test_the_wait_doubles_with_each_try_until_the_message_fails(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    port = free_port()
    jobs = immediate_jobs(engine, mail_settings(tmp_path, port, mail_retry_seconds=0.5), tmp_path)
    org.client.app.state.jobs = jobs  # type: ignore[attr-defined]
    campaign_id = _campaign(org, engine, ADDRESSES[:1])
    send(org, campaign_id)
    waits = []
    for attempt in (1, 2):
        (message,) = _messages(engine)
        assert (message.status, message.attempts) == (MailStatus.queued, attempt)
        due = message.next_attempt_at.replace(tzinfo=UTC)
        waits.append((due - datetime.now(UTC)).total_seconds())
        time.sleep(waits[-1] + 0.05)
        jobs.mail.deliver()
    # The wait after the first try, then twice as long (less the time the test took to look).
    assert 0.25 < waits[0] <= 0.5
    assert 0.75 < waits[1] <= 1.0
    (message,) = _messages(engine)
    assert (message.status, message.attempts) == (MailStatus.failed, 3)  # MAIL_MAX_ATTEMPTS
    assert "cannot reach the SMTP server" in (message.error or "")

    inbox = Inbox()
    with smtp_server(inbox, port):
        org.client.post(f"{API}/campaigns/{campaign_id}/mail/retry", headers=org.headers())
        _once_each(inbox, ADDRESSES[:1])


def test_a_message_whose_worker_died_is_sent_by_another(
    org: Org, engine: Engine, tmp_path: Path
) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        held = Jobs(
            MemoryHuey("held", immediate=False),
            engine=engine,
            reports_dir=tmp_path / "reports",
            settings=mail_settings(tmp_path, port),
        )
        org.client.app.state.jobs = held  # type: ignore[attr-defined]
        campaign_id = _campaign(org, engine, ADDRESSES[:2])
        send(org, campaign_id)
        with Session(engine) as session:  # a worker took the first, then was killed
            session.execute(
                update(MailMessage)
                .where(col(MailMessage.id) == _messages(engine)[0].id)
                .values(status=MailStatus.sending, attempts=1, lease_until=datetime.now(UTC))
            )
            session.commit()
        assert held.mail.deliver().sent == 2
        _once_each(inbox, ADDRESSES[:2])
        assert log(org, campaign_id).json()["invitations"]["sent"] == 2


def test_the_rate_holds_across_workers_sending_at_once(
    org: Org, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[float] = []

    def timed(settings: Settings) -> Transport:
        transport = make_transport(settings)
        send = transport.send

        def send_timed(message: EmailMessage, *, name: str) -> None:
            started.append(time.monotonic())
            send(message, name=name)

        transport.send = send_timed  # type: ignore[method-assign]
        return transport

    monkeypatch.setattr(mail_jobs, "make_transport", timed)
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings = mail_settings(tmp_path, port, mail_rate_per_minute=600)  # one per 0.1 s
        held = Jobs(
            MemoryHuey("held", immediate=False),
            engine=engine,
            reports_dir=tmp_path / "reports",
            settings=settings,
        )
        org.client.app.state.jobs = held  # type: ignore[attr-defined]
        campaign_id = _campaign(org, engine, ADDRESSES)
        send(org, campaign_id)
        # Two workers, each with its own engine as a process would have, each sending in
        # slices shorter than the whole, so that the sending passes from one to the other.
        engines = [make_engine(database_url_of(engine)) for _ in range(2)]
        workers = [
            MailTasks(MemoryHuey(f"w{i}"), engine=e, settings=settings)
            for i, e in enumerate(engines)
        ]

        def work(tasks: MailTasks) -> None:
            deadline = time.monotonic() + 10
            while len(inbox.messages) < len(ADDRESSES) and time.monotonic() < deadline:
                if tasks.deliver(budget_seconds=0.25).stopped == "another run is sending":
                    time.sleep(0.05)  # as a worker's next job would come later

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for made in engines:
            made.dispose()
    _once_each(inbox, ADDRESSES)
    started.sort()
    # Each message leaves at its slot, or later if it took longer to write (the first one,
    # its templates compiled): never two within a slot, so never more than the rate allows.
    slot = 0.1 * 0.98  # sleep() may wake a little early
    for (i, a), (j, b) in itertools.combinations(enumerate(started), 2):
        assert b - a >= (j - i - 1) * slot, started
    assert started[-1] - started[0] >= (len(started) - 2) * slot


def test_slots_taken_at_once_are_spaced_by_the_rate(engine: Engine) -> None:
    interval = timedelta(milliseconds=50)
    slots: list[datetime] = []

    def take() -> None:
        with Session(engine, expire_on_commit=False) as session:
            for _ in range(10):
                slot = mail_delivery.reserve_slot(
                    session, run="shared", interval=interval, lease=timedelta(minutes=1)
                )
                assert slot is not None
                slots.append(slot)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(slots)
    assert len(set(ordered)) == 40
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= interval
    with Session(engine, expire_on_commit=False) as session:
        other = mail_delivery.reserve_slot(
            session, run="other", interval=interval, lease=timedelta(minutes=1)
        )
    assert other is None  # "shared" holds the sending


def test_settings_refuse_a_password_in_clear_and_a_sender_without_an_address() -> None:
    with pytest.raises(ValidationError, match="in clear"):
        Settings(smtp_host="mail.acme.example", smtp_security="none", smtp_username="hr")
    Settings(smtp_host="127.0.0.1", smtp_security="none", smtp_username="hr")
    with pytest.raises(ValidationError, match="MAIL_FROM"):
        Settings(mail_from="Acme HR")
    assert Settings(smtp_security="tls").smtp_port_or_default() == 465
    assert Settings(data_dir=Path("/srv/t")).mail_folder() == Path("/srv/t/mail")
