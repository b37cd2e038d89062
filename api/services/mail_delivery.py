"""Sending what ``api.services.mail`` queued, for the queue's jobs (``api.jobs.mail``): the
shared sending rate, taking the next message with what it must say, recording how it went,
the reminders whose time has come, and the leaders' notices.

Each step is its own short transaction, so that a message taken, sent or failed is on record
before the next, and a worker killed mid-way loses at most the message it held: its lease runs
out and another worker sends it (at least once: a worker killed between the server's "accepted"
and the record may leave it to be sent again, with the same Message-ID).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from api.services.campaigns import aware, require_campaign
from api.services.errors import NotFound
from api.services.mail import (
    MAIL_LANGUAGES,
    invitation_token,
    mail_key,
    message_row,
)
from api.store import mail as store
from api.store import repositories as repo
from api.store.models import (
    Campaign,
    CampaignStatus,
    MailKind,
    MailMessage,
    MailStatus,
    utc_now,
)

THROTTLE = "smtp"
_ADDRESS = re.compile(r"<?[^\s<>()\[\]@\"',;:]+@[^\s<>()\[\]@\"',;:]+>?")


@dataclass(frozen=True)
class Outgoing:
    """A message taken to be sent, with everything it says, as plain values."""

    message_id: int
    campaign_id: int
    kind: MailKind
    to: str
    language: str
    organisation: str
    campaign: str
    unit: str
    closes_at: datetime | None
    min_group_size: int
    link_path: str
    """The link's path: ``/r/<token>?lang=..`` or the portal's page of the campaign."""
    link_base: str | None
    key: str
    """The message's key (``MailMessage.key``), for a Message-ID that stays across tries."""


def reserve_slot(
    session: Session, *, run: str, interval: timedelta, lease: timedelta
) -> datetime | None:
    """The time the run may send its next message, taken from the rate shared by every worker
    (one message per ``interval``), and the run made the one that sends for ``lease`` more;
    None while another run sends. A guarded update on the rate's row: of two workers, one wins
    and the other reads again."""
    while True:
        with session.begin():
            now = utc_now()
            row = store.throttle(session, name=THROTTLE, now=now)
            holder_until = aware(row.sender_until)
            if row.sender not in (None, run) and holder_until is not None and holder_until > now:
                return None
            start = max(aware(row.next_slot_at) or now, now)
            if store.move_throttle(
                session,
                seen=row,
                next_slot_at=start + interval,
                sender=run,
                sender_until=start + lease,
            ):
                return start


def release_sender(session: Session, *, run: str) -> None:
    """The run stops sending: another may start at once."""
    with session.begin():
        row = store.throttle(session, name=THROTTLE, now=utc_now())
        if row.sender == run:
            store.move_throttle(session, seen=row, sender=None, sender_until=None)


def claim_next(session: Session, *, lease: timedelta) -> Outgoing | None:
    """The next message due, taken until ``lease`` has passed; None when none is due. Messages
    that must not leave any more are settled on the way: cancelled once their campaign has
    closed or their person has answered, put off until a draft campaign opens."""
    while True:
        with session.begin():
            now = utc_now()
            message = store.next_due_message(session, now=now)
            if message is None:
                return None
            campaign = require_campaign(session, message.campaign_id)
            session.refresh(message)  # closing the campaign may have cancelled it
            if message.status not in (MailStatus.queued, MailStatus.sending):
                continue
            outgoing = _outgoing(session, message, campaign, now=now)
            if outgoing is None:
                continue
            if store.claim_message(session, message=message, lease_until=now + lease, now=now):
                return outgoing


def _outgoing(
    session: Session, message: MailMessage, campaign: Campaign, *, now: datetime
) -> Outgoing | None:
    """What the message says; None if it is not to be sent now (and it is settled so)."""
    assert message.id is not None
    found = _addressee(session, message, campaign, now=now)
    if found is None:
        return None
    to, language, unit_id, link_path = found
    organisation = repo.get_organisation(session, organisation_id=campaign.organisation_id)
    return Outgoing(
        message_id=message.id,
        campaign_id=campaign.id or 0,
        kind=MailKind(message.kind),
        to=to,
        language=language,
        organisation=organisation.name if organisation else "",
        campaign=campaign.name,
        unit=_unit_name(session, unit_id),
        closes_at=aware(campaign.closes_at),
        min_group_size=campaign.min_group_size,
        link_path=link_path,
        link_base=message.link_base,
        key=message.key,
    )


def _addressee(
    session: Session, message: MailMessage, campaign: Campaign, *, now: datetime
) -> tuple[str, str, int | None, str] | None:
    """(address, language, unit id, link path) of a message to send now; None if it is not
    to be sent now, and it is settled so (cancelled, or put off until its campaign opens)."""
    if message.kind == MailKind.report_ready:
        account = store.get_account(session, account_id=message.account_id)
        if account is None or account.disabled_at is not None:
            _settle(session, message, MailStatus.cancelled, "not sent: the account is disabled")
            return None
        language = account.language if account.language in MAIL_LANGUAGES else message.language
        return account.email, language, account.unit_id, f"/portal/campaigns/{campaign.id}"
    recipient = store.get_recipient(session, recipient_id=message.recipient_id)
    if recipient is None or campaign.status == CampaignStatus.closed:
        _settle(session, message, MailStatus.cancelled, "not sent: the campaign closed first")
        return None
    if campaign.status == CampaignStatus.draft:
        opens_at = aware(campaign.opens_at)
        later = max(opens_at, now + timedelta(minutes=1)) if opens_at else now + timedelta(hours=1)
        store.update_message(
            session,
            message_id=message.id or 0,
            status=MailStatus.queued,
            next_attempt_at=later,
            lease_until=None,
        )
        return None
    if store.invitation_used(session, invitation_id=recipient.invitation_id):
        _settle(session, message, MailStatus.cancelled, "not sent: answered already")
        return None
    token = invitation_token(mail_key(session), recipient)
    return (
        recipient.email,
        recipient.language,
        recipient.unit_id,
        f"/r/{token}?lang={recipient.language}",
    )


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = repo.units_by_id(session, unit_ids=[unit_id] if unit_id is not None else []).get(
        unit_id or 0
    )
    return unit.name if unit else ""


def _settle(session: Session, message: MailMessage, status: MailStatus, reason: str) -> None:
    store.update_message(
        session, message_id=message.id or 0, status=status, error=reason, lease_until=None
    )


def record_sent(session: Session, *, message_id: int) -> None:
    """The server took the message (recorded even if its campaign closed meanwhile: it left)."""
    with session.begin():
        store.update_message(
            session,
            message_id=message_id,
            status=MailStatus.sent,
            sent_at=utc_now(),
            lease_until=None,
            error=None,
        )


def record_failure(
    session: Session,
    *,
    message_id: int,
    reason: str,
    permanent: bool,
    retry_seconds: float,
    max_attempts: int,
) -> MailStatus:
    """A try that failed, with the server's reason (any address in it masked): the message is
    failed for good if ``permanent`` or out of attempts, else queued again after a wait that
    doubles with each try. Returns where it stands."""
    with session.begin():
        message = session.get(MailMessage, message_id, populate_existing=True)
        if message is None or message.status != MailStatus.sending:
            return MailStatus(message.status) if message else MailStatus.cancelled
        error = _ADDRESS.sub("<address>", reason)[:1000]
        if permanent or message.attempts >= max_attempts:
            status, later = MailStatus.failed, message.next_attempt_at
        else:
            status = MailStatus.queued
            later = utc_now() + timedelta(seconds=retry_seconds * 2 ** (message.attempts - 1))
        store.update_message(
            session,
            message_id=message_id,
            only_if=MailStatus.sending,
            status=status,
            error=error,
            next_attempt_at=later,
            lease_until=None,
        )
        return status


def has_due_messages(session: Session) -> bool:
    with session.begin():
        return store.has_due_messages(session, now=utc_now())


# -- the minute's chores --------------------------------------------------------------------------


def settle_campaigns(session: Session) -> None:
    """Open and close the campaigns that hold addresses by their schedule, though nobody reads
    them: a campaign past its closing time loses its addresses then."""
    with session.begin():
        found = store.campaigns_with_addresses(session)
    for campaign_id in found:
        with session.begin():
            require_campaign(session, campaign_id)


def plan_due_reminders(session: Session, *, now: datetime | None = None) -> int:
    """Queue the reminders whose time has come, each once, to the addresses whose invitation
    was sent and not used; a reminder of a campaign no longer open sends nothing. How many
    messages were queued."""
    now = now or utc_now()
    with session.begin():
        due = [(r.id or 0, r.campaign_id) for r in store.due_reminders(session, now=now)]
    queued = 0
    for reminder_id, campaign_id in due:
        with session.begin():
            campaign = require_campaign(session, campaign_id)
            if not store.mark_reminder_planned(session, reminder_id=reminder_id, at=now):
                continue
            if campaign.status != CampaignStatus.open:
                continue
            made_now = store.queue_reminders(
                session, campaign_id=campaign_id, reminder_id=reminder_id, now=utc_now()
            )
            store.set_reminder_planned(session, reminder_id=reminder_id, planned=made_now)
            queued += made_now
    return queued


def plan_report_ready(
    session: Session, *, campaign_id: int, unit_id: int, link_base: str | None = None
) -> int:
    """A notice to each working leader account bound to the unit that its report for the
    campaign is in the portal, once per campaign and account however often asked; how many
    were queued now."""
    with session.begin():
        campaign = repo.get_campaign(session, campaign_id=campaign_id)
        if campaign is None:
            raise NotFound("campaign", campaign_id)
        now = utc_now()
        return store.insert_messages(
            session,
            rows=[
                message_row(
                    campaign_id=campaign_id,
                    kind=MailKind.report_ready,
                    key=f"report_ready:{campaign_id}:{account.id}",
                    language=account.language if account.language in MAIL_LANGUAGES else "en",
                    at=now,
                    now=now,
                    account_id=account.id,
                    link_base=link_base,
                )
                for account in store.leaders_of(session, unit_id=unit_id)
                if account.organisation_id == campaign.organisation_id
            ],
        )
