"""What the "Invitations by e-mail" section of a campaign's console page shows, and the send
log page: the list of addresses counted by unit and language (never an address), whether the
invitations can leave and when, the reminders, and the send log's counts and failures.

Everything comes from ``api.services.mail`` and ``api.services.mail_roster``, as plain values
for the templates. The routes that act on it are in ``api.web.console.mail``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from api.services import collection, mail, mail_roster
from api.services.access import Principal
from api.services.collection import CampaignProgress
from api.services.mail import MailLog, StatusCounts
from api.settings import get_settings
from api.store.models import CampaignStatus, MailStatus
from api.web.console.mail_reminders import ReminderLimits
from api.web.console.mail_upload import FILE_FIELD, MAX_FILE_BYTES

NOTICES = ("listed", "sent", "reminders", "retried", "cleared")
"""What an action just did (``?mail=<notice>`` on the campaign page), to say so."""
SHOWN_PROBLEMS = 10
"""Failures listed on the campaign page; the send log page lists them all."""
COLUMNS = mail_roster.COLUMNS


@dataclass(frozen=True)
class UnitAddresses:
    unit_id: int
    name: str
    addresses: int
    invited: int


@dataclass(frozen=True)
class LogLine:
    """One row of the send log: the invitations, a reminder, or the leaders' notices."""

    kind: str
    """``invitations``, ``reminder`` or ``notices``."""
    when: datetime | None
    waiting: int
    sent: int
    failed: int
    cancelled: int


@dataclass(frozen=True)
class Problem:
    kind: str
    failed: bool
    """Failed for good; otherwise it waits for its next try (``next_at``)."""
    attempts: int
    reason: str
    last_at: datetime | None
    next_at: datetime | None
    email: str | None
    """To admins only, while the campaign keeps its addresses."""


@dataclass(frozen=True)
class Reminder:
    id: int
    send_at: datetime
    planned_at: datetime | None
    messages: int


@dataclass(frozen=True)
class SendLog:
    lines: tuple[LogLine, ...]
    problems: tuple[Problem, ...]
    problems_total: int
    failed: int
    invitations: int
    """Invitation messages of any status: some were e-mailed."""

    @property
    def with_addresses(self) -> bool:
        """Whether the failures name their addresses (to admins, while the campaign keeps
        them)."""
        return any(p.email for p in self.problems)


@dataclass(frozen=True)
class MailSection:
    campaign_id: int
    status: str
    notice: str | None
    forgotten: bool
    """Reopened after a close that deleted its addresses: no more e-mailed invitations."""
    units: tuple[UnitAddresses, ...]
    languages: tuple[tuple[str, int], ...]
    addresses: int
    invited: int
    reminders: tuple[Reminder, ...]
    limits: ReminderLimits
    log: SendLog
    rate: int
    """Messages a minute at most (``MAIL_RATE_PER_MINUTE``)."""
    columns: tuple[str, ...] = COLUMNS
    file_field: str = FILE_FIELD
    max_megabytes: int = MAX_FILE_BYTES >> 20

    @property
    def opens_at(self) -> datetime | None:
        return self.limits.opens_at

    @property
    def can_list(self) -> bool:
        return self.status != CampaignStatus.closed and not self.forgotten

    @property
    def to_invite(self) -> int:
        return self.addresses - self.invited

    @property
    def can_send(self) -> bool:
        """A draft's invitations leave when it opens: it needs an opening time."""
        waits = self.status == CampaignStatus.draft and self.opens_at is None
        return self.can_list and self.to_invite > 0 and not waits

    @property
    def minutes_to_send(self) -> int:
        return -(-self.to_invite // self.rate)

    @property
    def can_remind(self) -> bool:
        return self.status != CampaignStatus.closed

    @property
    def has_messages(self) -> bool:
        return any(
            line.waiting + line.sent + line.failed + line.cancelled for line in self.log.lines
        )


def mail_section(
    session: Session,
    *,
    principal: Principal,
    progress: CampaignProgress,
    notice: str = "",
) -> MailSection:
    """The section of an admin's page of the campaign whose ``progress`` (its units, counted)
    is given. The campaign is read again: an object of the page's session may have expired
    with a refused use case before, and reading it would begin a transaction unawares."""
    campaign_id = progress.campaign_id
    campaign = collection.get_visible_campaign(
        session, principal=principal, campaign_id=campaign_id
    )
    roster = mail_roster.roster(session, principal=principal, campaign_id=campaign_id)
    sent_log = mail.mail_log(session, principal=principal, campaign_id=campaign_id)
    listed = {u.unit_id: u for u in roster.units}
    units = [
        UnitAddresses(
            unit_id=u.unit_id,
            name=u.name,
            addresses=listed[u.unit_id].addresses if u.unit_id in listed else 0,
            invited=listed[u.unit_id].invited if u.unit_id in listed else 0,
        )
        for u in progress.units
    ]
    # Units that left the campaign after their addresses were listed still count.
    units += [
        UnitAddresses(unit_id=u.unit_id, name=u.name, addresses=u.addresses, invited=u.invited)
        for u in roster.units
        if u.unit_id not in {p.unit_id for p in progress.units}
    ]
    view = send_log(sent_log, limit=SHOWN_PROBLEMS)
    return MailSection(
        campaign_id=campaign_id,
        status=str(campaign.status),
        notice=notice if notice in NOTICES else None,
        forgotten=campaign.status != CampaignStatus.closed
        and roster.addresses == 0
        and view.invitations > 0,
        units=tuple(units),
        languages=tuple(roster.languages.items()),
        addresses=roster.addresses,
        invited=roster.invited,
        reminders=tuple(
            Reminder(
                id=r.id,
                send_at=r.send_at,
                planned_at=r.planned_at,
                messages=_total(r.messages),
            )
            for r in sent_log.reminders
        ),
        limits=ReminderLimits.of(campaign),
        log=view,
        rate=get_settings().mail_rate_per_minute,
    )


def send_log(found: MailLog, *, limit: int | None = None) -> SendLog:
    """The send log as the pages show it: a line per kind of message (a reminder's once it
    was queued), and the failures, ``limit`` at most."""
    lines = [_line("invitations", None, found.invitations)]
    lines += [_line("reminder", r.send_at, r.messages) for r in found.reminders if r.planned_at]
    if _total(found.notices):
        lines.append(_line("notices", None, found.notices))
    problems = [
        Problem(
            kind=str(p.kind),
            failed=p.status == MailStatus.failed,
            attempts=p.attempts,
            reason=p.error,
            last_at=p.last_attempt_at,
            next_at=p.next_attempt_at,
            email=p.email,
        )
        for p in found.problems
    ]
    return SendLog(
        lines=tuple(lines),
        problems=tuple(problems[:limit] if limit is not None else problems),
        problems_total=found.problems_total,
        failed=sum(line.failed for line in lines),
        invitations=_total(found.invitations),
    )


def _line(kind: str, when: datetime | None, counts: StatusCounts) -> LogLine:
    return LogLine(
        kind=kind,
        when=when,
        waiting=counts.queued + counts.retrying + counts.sending,
        sent=counts.sent,
        failed=counts.failed,
        cancelled=counts.cancelled,
    )


def _total(counts: StatusCounts) -> int:
    return sum(counts.model_dump().values())
