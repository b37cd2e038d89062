"""E-mailing a campaign's invitations and reminders: the invitations queued for the list of
addresses (``api.services.mail_roster``), the times of the reminders, and the send log HR reads.
The queue's jobs send the messages (``api.jobs.mail``, with ``api.services.mail_delivery``).

What stays private:

- An address is kept only while its campaign is open: closing it, by HR or by its schedule,
  deletes the campaign's addresses in the closing transaction (``store.mail.forget_addresses``).
  No response is stored with or linked to an address, or to an invitation.
- The token of an e-mailed invitation is never stored nor shown: it is derived, each time a
  message is written, from the address's random ``seed`` with a key of the installation (HMAC
  SHA-256), and only its digest is kept, as for every invitation. No route, page or log shows it.
- The send log shows counts, and the reasons of the failures; an address only to admins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session

from api.services.access import TOKEN_PREFIX, Principal, digest
from api.services.campaigns import aware
from api.services.collection import audit_invitations, visible_campaign
from api.services.errors import Conflict, FieldError, ValidationFailed
from api.store import mail as store
from api.store import repositories as repo
from api.store.models import (
    Campaign,
    CampaignStatus,
    MailKind,
    MailRecipient,
    MailStatus,
    utc_now,
)

MAIL_LANGUAGES = ("en", "fr")
"""The languages the messages are written in (``api/jobs/mail_templates``)."""
MAIL_KEY = "mail-invitations"
"""The installation's key the tokens of e-mailed invitations are derived with."""
MAX_REMINDERS = 10
MAX_PROBLEMS = 200


class InvitationsQueued(BaseModel):
    campaign_id: int
    queued: int = Field(description="Invitations queued now: one per address not yet invited.")
    sends_from: datetime = Field(description="When they start to leave (a draft: when it opens).")


class ReminderPublic(BaseModel):
    id: int
    send_at: datetime
    planned_at: datetime | None = Field(
        description="When its messages were queued; none while it waits for its time."
    )
    planned: int = Field(description="Messages queued: to those who had not answered then.")


class StatusCounts(BaseModel):
    """Messages by where they stand."""

    queued: int = 0
    retrying: int = Field(default=0, description="Queued again after a temporary failure.")
    sending: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = Field(
        default=0, description="Not sent: the campaign closed, or the person answered first."
    )


class ReminderLog(BaseModel):
    id: int
    send_at: datetime
    planned_at: datetime | None
    messages: StatusCounts


class MailProblem(BaseModel):
    """A message that failed, or waits to be tried again, and the server's reason."""

    message_id: int
    kind: MailKind
    status: MailStatus
    attempts: int
    error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="For one that waits: its next try.")
    email: str | None = Field(
        default=None, description="The address, to admins only, while the campaign keeps it."
    )


class MailLog(BaseModel):
    campaign_id: int
    addresses: int = Field(description="Addresses on the list (none once the campaign closed).")
    invitations: StatusCounts
    reminders: list[ReminderLog]
    notices: StatusCounts = Field(description="Leaders' notices that their report is ready.")
    problems: list[MailProblem] = Field(description=f"The latest {MAX_PROBLEMS} at most.")
    problems_total: int


def require_listing(session: Session, campaign: Campaign) -> None:
    if campaign.status == CampaignStatus.closed:
        raise Conflict(
            f"campaign {campaign.id} is closed: its addresses were deleted when it closed,"
            " and it sends no more messages"
        )
    if store.addresses_forgotten(session, campaign_id=campaign.id or 0):
        raise Conflict(
            f"campaign {campaign.id} was closed after its invitations were e-mailed, and its"
            " addresses were deleted then: new invitations would give a second link to people"
            " who answered. Hand out links for newcomers (invitations) instead"
        )


# -- invitations ----------------------------------------------------------------------------------


def invitation_token(key: bytes, recipient: MailRecipient) -> str:
    """The token of an address's invitation: HMAC-SHA-256 of the campaign and the address's
    seed under the installation's key, 192 bits, shaped as every invitation token."""
    message = f"invitation\x1f{recipient.campaign_id}\x1f{recipient.seed}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()[:24]
    return TOKEN_PREFIX + base64.urlsafe_b64encode(mac).decode()


def mail_key(session: Session) -> bytes:
    """The installation's key for tokens, in the caller's transaction (made on first use)."""
    value = repo.instance_secret(session, name=MAIL_KEY, make=lambda: secrets.token_hex(32))
    return bytes.fromhex(value)


def send_invitations(
    session: Session, *, principal: Principal, campaign_id: int, link_base: str | None = None
) -> InvitationsQueued:
    """An invitation for every address of the list not invited yet, and its message queued,
    in one transaction; the queue's job sends them (``api.jobs.mail``). A draft's leave when it
    opens, at its ``opens_at``. ``link_base``: the address the links start with when
    ``PUBLIC_URL`` is not set (the request's). Asking twice queues nothing more."""
    principal.require_admin()
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        require_listing(session, campaign)
        now = utc_now()
        sends_from = _sends_from(campaign, now)
        recipients = store.recipients_to_invite(session, campaign_id=campaign_id)
        _require_units(session, campaign, recipients)
        key = mail_key(session)
        invitation_ids = store.insert_invitations(
            session,
            campaign_id=campaign_id,
            rows=[(r.unit_id, digest(invitation_token(key, r))) for r in recipients],
        )
        store.link_invitations(
            session,
            links=[(r.id or 0, i) for r, i in zip(recipients, invitation_ids, strict=True)],
        )
        _count_invited(session, campaign, principal, Counter(r.unit_id for r in recipients))
        queued = store.queue_invitations(
            session, campaign_id=campaign_id, at=sends_from, now=now, link_base=link_base
        )
        return InvitationsQueued(campaign_id=campaign_id, queued=queued, sends_from=sends_from)


def message_row(
    *,
    campaign_id: int,
    kind: MailKind,
    key: str,
    language: str,
    at: datetime,
    now: datetime,
    recipient_id: int | None = None,
    reminder_id: int | None = None,
    account_id: int | None = None,
    link_base: str | None = None,
) -> dict[str, object]:
    """A message to queue, every column given (a bulk insert applies no model defaults)."""
    return {
        "campaign_id": campaign_id,
        "kind": kind,
        "key": key,
        "recipient_id": recipient_id,
        "reminder_id": reminder_id,
        "account_id": account_id,
        "language": language,
        "link_base": link_base,
        "status": MailStatus.queued,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": now,
    }


def _sends_from(campaign: Campaign, now: datetime) -> datetime:
    if campaign.status == CampaignStatus.open:
        return now
    opens_at = aware(campaign.opens_at)
    if opens_at is None:
        raise Conflict(
            f"campaign {campaign.id} is a draft with no opening time: open it, or set its"
            " opens_at, and its invitations leave when it opens"
        )
    return max(now, opens_at)


def _require_units(session: Session, campaign: Campaign, recipients: list[MailRecipient]) -> None:
    taking_part = {r.unit_id for r in repo.campaign_units(session, campaign_id=campaign.id or 0)}
    units = repo.units_by_id(session, unit_ids={r.unit_id for r in recipients})
    out = Counter(
        r.unit_id
        for r in recipients
        if r.unit_id not in taking_part or units[r.unit_id].archived_at is not None
    )
    if out:
        named = ", ".join(f"{units[u].name} ({n})" for u, n in sorted(out.items()))
        raise Conflict(
            f"addresses are listed in units that no longer take part or are archived: {named};"
            " take the addresses not invited off the list and list them again"
        )


def _count_invited(
    session: Session, campaign: Campaign, principal: Principal, added: Counter[int]
) -> None:
    """The invited counts and the audit log, as for links handed out
    (``collection.issue_invitations``)."""
    campaign_id = campaign.id or 0
    planned = {
        row.unit_id: row.invited for row in repo.campaign_units(session, campaign_id=campaign_id)
    }
    repo.set_campaign_units(
        session,
        campaign_id=campaign_id,
        invited={unit: planned.get(unit, 0) + n for unit, n in added.items()},
    )
    for unit, n in sorted(added.items()):
        audit_invitations(session, campaign=campaign, actor=principal.actor, unit_id=unit, count=n)


# -- reminders ------------------------------------------------------------------------------------


def set_reminders(
    session: Session, *, principal: Principal, campaign_id: int, times: Sequence[datetime]
) -> list[ReminderPublic]:
    """The times to remind those who have not answered: the reminders still to come are
    replaced by ``times``; those already queued stay. Each time is to come, after the campaign
    opens and before it closes."""
    principal.require_admin()
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        if campaign.status == CampaignStatus.closed:
            raise Conflict(f"campaign {campaign_id} is closed: it sends no more reminders")
        done = {
            aware(r.send_at)
            for r in store.reminders(session, campaign_id=campaign_id)
            if r.planned_at is not None
        }
        wanted = _reminder_times(campaign, times, now=utc_now())
        store.replace_unplanned_reminders(
            session,
            campaign_id=campaign_id,
            times=sorted(set(wanted) - done),
            now=utc_now(),
        )
        return _reminders_public(session, campaign_id)


def _reminder_times(
    campaign: Campaign, times: Sequence[datetime], *, now: datetime
) -> list[datetime]:
    errors: list[FieldError] = []
    if len(times) > MAX_REMINDERS:
        errors.append(FieldError("times", f"at most {MAX_REMINDERS} reminders a campaign"))
    opens_at, closes_at = aware(campaign.opens_at), aware(campaign.closes_at)
    seen: dict[datetime, int] = {}
    for index, time in enumerate(times):
        where = f"times[{index}]"
        if time.tzinfo is None:
            errors.append(FieldError(where, "needs a time zone offset, e.g. +00:00"))
            continue
        moment = time.astimezone(UTC).replace(microsecond=0)
        if moment <= now:
            errors.append(FieldError(where, "is past: a reminder is set for a time to come"))
        elif closes_at is not None and moment >= closes_at:
            errors.append(
                FieldError(where, f"is after the campaign closes ({closes_at.isoformat()})")
            )
        elif opens_at is not None and moment <= opens_at:
            errors.append(
                FieldError(where, f"is before the campaign opens ({opens_at.isoformat()})")
            )
        elif moment in seen:
            errors.append(FieldError(where, f"is the time of times[{seen[moment]}] too"))
        seen.setdefault(moment, index)
    if errors:
        raise ValidationFailed(errors)
    return list(seen)


def reminders(session: Session, *, principal: Principal, campaign_id: int) -> list[ReminderPublic]:
    """The campaign's reminders, by time. Admins only."""
    principal.require_admin()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        return _reminders_public(session, campaign_id)


def _reminders_public(session: Session, campaign_id: int) -> list[ReminderPublic]:
    return [
        ReminderPublic(
            id=r.id or 0,
            send_at=aware(r.send_at) or r.send_at,
            planned_at=aware(r.planned_at),
            planned=r.planned,
        )
        for r in store.reminders(session, campaign_id=campaign_id)
    ]


# -- the send log ---------------------------------------------------------------------------------


def mail_log(session: Session, *, principal: Principal, campaign_id: int) -> MailLog:
    """Messages counted by kind and status, and the failures with the server's reasons.
    Admins and auditors; the addresses of failed messages to admins only."""
    principal.require_admin_or_auditor()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id, audit=True)
        counts = store.message_counts(session, campaign_id=campaign_id)
        planned = store.reminders(session, campaign_id=campaign_id)
        problems, total = store.problem_messages(
            session, campaign_id=campaign_id, limit=MAX_PROBLEMS
        )
        addresses = sum(n for *_, n in store.roster_counts(session, campaign_id=campaign_id))
    invitations, notices = StatusCounts(), StatusCounts()
    by_reminder = {r.id: StatusCounts() for r in planned}
    for kind, reminder_id, status, tried, n in counts:
        target = {MailKind.invitation: invitations, MailKind.report_ready: notices}.get(
            MailKind(kind)
        ) or by_reminder.setdefault(reminder_id, StatusCounts())
        field = "retrying" if status == MailStatus.queued and tried else str(status)
        setattr(target, field, getattr(target, field) + n)
    return MailLog(
        campaign_id=campaign_id,
        addresses=addresses,
        invitations=invitations,
        reminders=[
            ReminderLog(
                id=r.id or 0,
                send_at=aware(r.send_at) or r.send_at,
                planned_at=aware(r.planned_at),
                messages=by_reminder[r.id],
            )
            for r in planned
        ],
        notices=notices,
        problems=[
            MailProblem(
                message_id=m.id or 0,
                kind=MailKind(m.kind),
                status=MailStatus(m.status),
                attempts=m.attempts,
                error=m.error or "",
                last_attempt_at=aware(m.last_attempt_at),
                next_attempt_at=aware(m.next_attempt_at) if m.status == MailStatus.queued else None,
                email=email if principal.is_admin else None,
            )
            for m, email in problems
        ],
        problems_total=total,
    )


def retry_failed(session: Session, *, principal: Principal, campaign_id: int) -> int:
    """Queue the campaign's failed messages again (once the server or the address is put
    right), with a fresh count of attempts; how many. Messages to addresses deleted at close
    stay failed."""
    principal.require_admin()
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        return store.requeue_failed(session, campaign_id=campaign_id, now=utc_now())
