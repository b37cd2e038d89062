"""The checks of a reminder's time typed on the campaign page, in the page's language, before
the service checks it again (``api.services.mail.set_reminders``, whose reasons are for the
JSON API): a time to come, while the campaign is open, not twice, not too many."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from api.services.campaigns import aware
from api.services.mail import MAX_REMINDERS, ReminderPublic
from api.store.models import Campaign, utc_now
from api.web.i18n import Translator


def reminder_problem(
    texts: Translator,
    campaign: Campaign | None,
    existing: Sequence[ReminderPublic],
    moment: datetime | None,
    *,
    removing: bool = False,
) -> str | None:
    """Why the reminders cannot change now (a reminder is being queued this minute: replacing
    those to come would drop it), or why ``moment`` (None: not a date and time) cannot be one;
    None when it can."""
    now = utc_now()
    if any(r.planned_at is None and r.send_at <= now for r in existing):
        return texts("mail.reminder_error_busy")
    if removing:
        return None
    if moment is None:
        return texts("mail.reminder_error_format")
    opens_at = aware(campaign.opens_at) if campaign else None
    closes_at = aware(campaign.closes_at) if campaign else None
    if moment <= now:
        return texts("mail.reminder_error_past", now=texts.moment(now))
    if opens_at is not None and moment <= opens_at:
        return texts("mail.reminder_error_before_open", opens=texts.moment(opens_at))
    if closes_at is not None and moment >= closes_at:
        return texts("mail.reminder_error_after_close", closes=texts.moment(closes_at))
    if any(r.send_at == moment for r in existing):
        return texts("mail.reminder_error_twice")
    if sum(r.planned_at is None for r in existing) >= MAX_REMINDERS:
        return texts("mail.reminder_error_many", most=MAX_REMINDERS)
    return None


@dataclass(frozen=True)
class ReminderLimits:
    """What the reminder's field says of the times it takes: now, the opening and the closing
    (UTC), and the same as the bounds of a ``datetime-local`` input."""

    now: datetime
    opens_at: datetime | None
    closes_at: datetime | None

    @classmethod
    def of(cls, campaign: Campaign) -> ReminderLimits:
        return cls(
            now=utc_now().replace(second=0, microsecond=0),
            opens_at=aware(campaign.opens_at),
            closes_at=aware(campaign.closes_at),
        )

    @property
    def earliest(self) -> str:
        return _local(max(self.now, self.opens_at) if self.opens_at else self.now)

    @property
    def latest(self) -> str:
        return _local(self.closes_at) if self.closes_at else ""


def _local(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
