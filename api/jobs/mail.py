"""The queue's e-mail jobs: invitations, reminders and leaders' notices sent at the configured
rate, through SMTP or into a folder of ``.eml`` files (``api.jobs.mail_transport``).

The database holds every message and its state (``api.services.mail_delivery``); the queue
carries only "there is mail to send". ``mail_deliver`` sends the messages due, one at a time
across every worker and machine (a run holds the sending, others leave it to it), spaced by the
rate shared in the database, for a slice of time, then queues itself again if more are due, so
that other jobs get their turn. ``mail_tick``, every minute, queues the reminders whose time has
come, opens and closes the campaigns holding addresses by their schedule (closing deletes the
addresses), and starts a delivery when messages are due (retries after their back-off
included).

A failure is recorded on its message with the server's reason: a refusal for good (5xx) fails
the message; a deferral (4xx) or a server down queues it again after a wait that doubles with
each try, up to ``MAIL_MAX_ATTEMPTS``; a server down also ends the run (the next minute tries
again), so that it costs one message a try, not all of them.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import Engine

from api.jobs.mail_render import render
from api.jobs.mail_transport import (
    DeliveryError,
    Refused,
    Transport,
    Unavailable,
    make_transport,
)
from api.services import mail_delivery as delivery
from api.services.mail_delivery import Outgoing
from api.settings import Settings
from api.store.db import session_scope
from api.store.models import MailStatus, utc_now

logger = logging.getLogger(__name__)

SLICE_SECONDS = 60.0
"""How long a delivery run sends before it makes way for other jobs (and queues itself)."""


@dataclass
class DeliveryRun:
    """What a run did: messages sent, failed for good, queued again, and why it stopped."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    stopped: str = "nothing more is due"


class MailTasks:
    """Registers the e-mail tasks on ``huey`` under fixed names."""

    def __init__(self, huey: Any, *, engine: Engine, settings: Settings) -> None:
        self.huey = huey
        self.engine = engine
        self.settings = settings
        self._deliver = huey.task(name="mail_deliver")(self._run_delivery)
        huey.periodic_task(crontab(), name="mail_tick")(self._run_tick)

    # -- what pages, routes and other jobs call ----------------------------------------------

    def enqueue_delivery(self) -> None:
        """Queue a delivery run (harmless when one is running: the second leaves it be)."""
        self._deliver()

    def enqueue_report_ready(self, campaign_id: int, unit_id: int) -> None:
        """Queue, for each working leader account bound to the unit, an e-mail in its language
        with a link to the campaign's page of the portal; once per campaign and account, however
        often called."""
        with session_scope(self.engine) as session:
            queued = delivery.plan_report_ready(session, campaign_id=campaign_id, unit_id=unit_id)
        if queued:
            self.enqueue_delivery()

    # -- the work ------------------------------------------------------------------------------

    def deliver(self, *, budget_seconds: float = SLICE_SECONDS) -> DeliveryRun:
        """Send the messages due, at the rate, for ``budget_seconds`` at most."""
        run = uuid.uuid4().hex
        outcome = DeliveryRun()
        transport = make_transport(self.settings)
        interval = timedelta(seconds=60 / self.settings.mail_rate_per_minute)
        # Long enough for the wait before a message, and its sending at the server's pace.
        lease = interval + timedelta(seconds=3 * self.settings.smtp_timeout + 60)
        started = time.monotonic()
        try:
            while True:
                if time.monotonic() - started >= budget_seconds:
                    outcome.stopped = "its time is up"
                    break
                with session_scope(self.engine) as session:
                    slot = delivery.reserve_slot(session, run=run, interval=interval, lease=lease)
                if slot is None:
                    outcome.stopped = "another run is sending"
                    break
                with session_scope(self.engine) as session:
                    outgoing = delivery.claim_next(session, lease=lease)
                if outgoing is None:
                    break
                if not self._send(transport, outgoing, outcome, at=slot):
                    outcome.stopped = "the server cannot be used now"
                    break
        finally:
            transport.close()
            with session_scope(self.engine) as session:
                delivery.release_sender(session, run=run)
        if outcome.stopped == "its time is up":
            self.enqueue_delivery()
        logger.info(
            "mail: %s sent, %s failed, %s to try again; stopped: %s",
            outcome.sent, outcome.failed, outcome.retrying, outcome.stopped,
        )  # fmt: skip
        return outcome

    def _send(
        self, transport: Transport, outgoing: Outgoing, outcome: DeliveryRun, *, at: datetime
    ) -> bool:
        """Send one message at its slot ``at`` and record how it went; False if the run should
        stop. The message is written before the wait, so that it leaves on time."""
        try:
            message = render(outgoing, settings=self.settings)
            name = f"{outgoing.campaign_id:05d}-{outgoing.kind}-{outgoing.message_id:08d}"
            _wait_until(at)
            transport.send(message, name=name)
        except DeliveryError as failure:
            status = self._record_failure(outgoing, failure.reason, isinstance(failure, Refused))
            outcome.failed += status == MailStatus.failed
            outcome.retrying += status == MailStatus.queued
            return not isinstance(failure, Unavailable)
        except Exception as exc:  # a bug or a broken template: recorded, not lost, then raised
            self._record_failure(outgoing, f"{type(exc).__name__}: {exc}", False)
            raise
        with session_scope(self.engine) as session:
            delivery.record_sent(session, message_id=outgoing.message_id)
        outcome.sent += 1
        return True

    def _record_failure(self, outgoing: Outgoing, reason: str, permanent: bool) -> MailStatus:
        logger.warning("mail message %s: %s", outgoing.message_id, reason)
        with session_scope(self.engine) as session:
            return delivery.record_failure(
                session,
                message_id=outgoing.message_id,
                reason=reason,
                permanent=permanent,
                retry_seconds=self.settings.mail_retry_seconds,
                max_attempts=self.settings.mail_max_attempts,
            )

    def tick(self, *, now: datetime | None = None) -> int:
        """The minute's chores: campaigns settled by their schedule, the reminders due queued,
        and a delivery started if anything is due. Returns the reminder messages queued."""
        with session_scope(self.engine) as session:
            delivery.settle_campaigns(session)
            queued = delivery.plan_due_reminders(session, now=now)
            due = delivery.has_due_messages(session)
        if due:
            self.enqueue_delivery()
        return queued

    def _run_delivery(self) -> None:
        self.deliver()

    def _run_tick(self) -> None:
        self.tick()


def _wait_until(moment: datetime) -> None:
    wait = (moment - utc_now()).total_seconds()
    if wait > 0:
        time.sleep(wait)
