"""Data access for e-mail: the campaign's list of addresses, its reminders, the messages with
their send log and the shared sending rate. The only code that touches a session for these
tables; functions never commit (the services own the transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    DateTime,
    Integer,
    String,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from api.store.models import (
    Account,
    Campaign,
    CampaignStatus,
    Invitation,
    MailKind,
    MailMessage,
    MailRecipient,
    MailReminder,
    MailStatus,
    MailThrottle,
    Role,
)

_CHUNK = 5_000
"""Rows per statement where a list of values is bound (SQLite allows 32,766 variables)."""


# -- the list of addresses ------------------------------------------------------------------------


def roster(session: Session, *, campaign_id: int) -> dict[str, tuple[int, int]]:
    """The campaign's addresses: address → (recipient id, unit id)."""
    statement = select(MailRecipient.email, MailRecipient.id, MailRecipient.unit_id).where(
        MailRecipient.campaign_id == campaign_id
    )
    return {email: (rid or 0, unit_id) for email, rid, unit_id in session.exec(statement)}


def insert_recipients(
    session: Session, *, campaign_id: int, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Add addresses (``email``, ``unit_id``, ``language``, ``seed``, ``created_at``) in one
    statement."""
    if rows:
        session.execute(
            insert(MailRecipient), [{"campaign_id": campaign_id, **row} for row in rows]
        )


def recipients_to_invite(session: Session, *, campaign_id: int) -> list[MailRecipient]:
    """The campaign's addresses that have no invitation yet, in the order they were listed."""
    statement = (
        select(MailRecipient)
        .where(MailRecipient.campaign_id == campaign_id, col(MailRecipient.invitation_id).is_(None))
        .order_by(col(MailRecipient.id))
    )
    return list(session.exec(statement))


def roster_counts(session: Session, *, campaign_id: int) -> list[tuple[int, str, bool, int]]:
    """(unit id, language, invited, addresses) over the campaign's list."""
    invited = col(MailRecipient.invitation_id).is_not(None)
    statement = (
        select(MailRecipient.unit_id, MailRecipient.language, invited, func.count())
        .where(MailRecipient.campaign_id == campaign_id)
        .group_by(col(MailRecipient.unit_id), col(MailRecipient.language), invited)
    )
    return [(u, lang, bool(i), n) for u, lang, i, n in session.exec(statement)]


def delete_uninvited(session: Session, *, campaign_id: int) -> int:
    """Remove the addresses not invited yet; how many went."""
    statement = delete(MailRecipient).where(
        col(MailRecipient.campaign_id) == campaign_id, col(MailRecipient.invitation_id).is_(None)
    )
    return _rows_changed(session, statement)


def insert_invitations(
    session: Session, *, campaign_id: int, rows: Sequence[tuple[int, str]]
) -> list[int]:
    """New invitations, (unit id, token digest) each; their ids, in the order given."""
    ids: list[int] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        statement = insert(Invitation).returning(col(Invitation.id), sort_by_parameter_order=True)
        result = session.execute(
            statement,
            [
                {"campaign_id": campaign_id, "unit_id": u, "token_hash": h, "used": False}
                for u, h in chunk
            ],
        )
        ids += [int(i) for i in result.scalars()]
    return ids


def link_invitations(session: Session, *, links: Sequence[tuple[int, int]]) -> None:
    """Bind each (recipient id, invitation id)."""
    if links:
        session.execute(
            update(MailRecipient),
            [{"id": recipient, "invitation_id": invitation} for recipient, invitation in links],
        )


def bring_forward(session: Session, *, campaign_id: int, now: datetime) -> int:
    """When a draft is opened before its ``opens_at``: the invitations waiting for it are due
    now. How many."""
    return _rows_changed(
        session,
        update(MailMessage)
        .where(
            col(MailMessage.campaign_id) == campaign_id,
            col(MailMessage.recipient_id).is_not(None),
            col(MailMessage.status) == MailStatus.queued,
            col(MailMessage.next_attempt_at) > now,
            col(MailMessage.attempts) == 0,
        )
        .values(next_attempt_at=now),
    )


def forget_addresses(session: Session, *, campaign_id: int) -> int:
    """At close: the campaign's addresses deleted, its messages not yet sent cancelled, and no
    message left pointing at an address. How many addresses went."""
    messages = col(MailMessage.campaign_id) == campaign_id
    session.execute(
        update(MailMessage)
        .where(
            messages,
            col(MailMessage.recipient_id).is_not(None),
            col(MailMessage.status).in_([MailStatus.queued, MailStatus.sending]),
        )
        .values(
            status=MailStatus.cancelled,
            lease_until=None,
            error="not sent: the campaign closed first",
        )
    )
    session.execute(
        update(MailMessage)
        .where(messages, col(MailMessage.recipient_id).is_not(None))
        .values(recipient_id=None)
    )
    return _rows_changed(
        session, delete(MailRecipient).where(col(MailRecipient.campaign_id) == campaign_id)
    )


def delete_campaign_mail(session: Session, *, campaign_id: int) -> None:
    """Everything of a campaign's e-mail, for a draft deleted with its invitations."""
    session.execute(delete(MailMessage).where(col(MailMessage.campaign_id) == campaign_id))
    session.execute(delete(MailReminder).where(col(MailReminder.campaign_id) == campaign_id))
    session.execute(delete(MailRecipient).where(col(MailRecipient.campaign_id) == campaign_id))


def addresses_forgotten(session: Session, *, campaign_id: int) -> bool:
    """Whether the campaign sent invitations to addresses since deleted at a close."""
    statement = select(func.count()).where(
        MailMessage.campaign_id == campaign_id,
        MailMessage.kind == MailKind.invitation,
        col(MailMessage.recipient_id).is_(None),
    )
    return session.exec(statement).one() > 0


def campaigns_with_addresses(session: Session) -> list[int]:
    """The campaigns, draft or open, that hold addresses."""
    statement = (
        select(Campaign.id)
        .where(
            col(Campaign.status).in_([CampaignStatus.draft, CampaignStatus.open]),
            select(MailRecipient.id).where(MailRecipient.campaign_id == Campaign.id).exists(),
        )
        .order_by(col(Campaign.id))
    )
    return [campaign_id for campaign_id in session.exec(statement) if campaign_id is not None]


def queue_invitations(
    session: Session, *, campaign_id: int, at: datetime, now: datetime, link_base: str | None
) -> int:
    """An invitation message, to leave at ``at``, for each address of the campaign that has an
    invitation and no message for it yet (one statement); how many were queued."""
    source = sa_select(
        col(MailRecipient.campaign_id),
        literal(str(MailKind.invitation)),
        literal("invitation:") + col(MailRecipient.seed),
        col(MailRecipient.id),
        col(MailRecipient.language),
        literal(link_base, String),
        literal(at, DateTime(timezone=True)),
    ).where(
        col(MailRecipient.campaign_id) == campaign_id,
        col(MailRecipient.invitation_id).is_not(None),
    )
    return _queue_from(session, source, now=now)


def queue_reminders(session: Session, *, campaign_id: int, reminder_id: int, now: datetime) -> int:
    """A reminder message for each address of the campaign whose invitation went out and has
    not been used to answer (one statement); how many were queued."""
    invitation: Any = aliased(MailMessage)  # its attributes are columns, not the model's types
    source = (
        sa_select(
            col(MailRecipient.campaign_id),
            literal(str(MailKind.reminder)),
            literal(f"reminder:{reminder_id}:") + col(MailRecipient.seed),
            col(MailRecipient.id),
            col(MailRecipient.language),
            invitation.link_base,
            literal(now, DateTime(timezone=True)),
        )
        .join(Invitation, col(Invitation.id) == col(MailRecipient.invitation_id))
        .join(
            invitation,
            and_(
                invitation.recipient_id == col(MailRecipient.id),
                invitation.kind == MailKind.invitation,
            ),
        )
        .where(
            col(MailRecipient.campaign_id) == campaign_id,
            col(Invitation.used).is_(False),
            invitation.status == MailStatus.sent,
        )
    )
    return _queue_from(session, source, now=now, reminder_id=reminder_id)


def _queue_from(
    session: Session, source: Any, *, now: datetime, reminder_id: int | None = None
) -> int:
    """Insert the messages ``source`` selects (campaign, kind, key, recipient, language, link
    base, time to leave), each once: a key that exists already is skipped."""
    table = cast("Any", MailMessage).__table__
    rows = source.add_columns(
        literal(reminder_id, Integer),
        literal(str(MailStatus.queued)),
        literal(0),
        literal(now, DateTime(timezone=True)),
    )
    columns = [
        "campaign_id", "kind", "key", "recipient_id", "language", "link_base", "next_attempt_at",
        "reminder_id", "status", "attempts", "created_at",
    ]  # fmt: skip
    insert_into = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert_into(table).from_select(columns, rows).on_conflict_do_nothing()
    # Counted by the rows it returns: a driver's row count is not to be trusted here.
    return len(session.execute(statement.returning(table.c.id)).all())


def invitation_used(session: Session, *, invitation_id: int | None) -> bool:
    if invitation_id is None:
        return False
    used = session.exec(select(Invitation.used).where(Invitation.id == invitation_id)).first()
    return bool(used)


def get_recipient(session: Session, *, recipient_id: int | None) -> MailRecipient | None:
    return None if recipient_id is None else session.get(MailRecipient, recipient_id)


# -- reminders ------------------------------------------------------------------------------------


def reminders(session: Session, *, campaign_id: int) -> list[MailReminder]:
    statement = (
        select(MailReminder)
        .where(MailReminder.campaign_id == campaign_id)
        .order_by(col(MailReminder.send_at))
    )
    return list(session.exec(statement))


def replace_unplanned_reminders(
    session: Session, *, campaign_id: int, times: Iterable[datetime], now: datetime
) -> None:
    """The reminders not yet planned replaced by ``times``."""
    session.execute(
        delete(MailReminder).where(
            col(MailReminder.campaign_id) == campaign_id, col(MailReminder.planned_at).is_(None)
        )
    )
    rows = [
        {"campaign_id": campaign_id, "send_at": t, "planned": 0, "created_at": now} for t in times
    ]
    if rows:
        session.execute(insert(MailReminder), rows)


def due_reminders(session: Session, *, now: datetime) -> list[MailReminder]:
    statement = (
        select(MailReminder)
        .where(col(MailReminder.planned_at).is_(None), col(MailReminder.send_at) <= now)
        .order_by(col(MailReminder.send_at), col(MailReminder.id))
    )
    return list(session.exec(statement))


def mark_reminder_planned(session: Session, *, reminder_id: int, at: datetime) -> bool:
    """Take the reminder for planning; False if another worker took it first."""
    statement = (
        update(MailReminder)
        .where(col(MailReminder.id) == reminder_id, col(MailReminder.planned_at).is_(None))
        .values(planned_at=at)
    )
    return _rows_changed(session, statement) == 1


def set_reminder_planned(session: Session, *, reminder_id: int, planned: int) -> None:
    session.execute(
        update(MailReminder).where(col(MailReminder.id) == reminder_id).values(planned=planned)
    )


# -- messages -------------------------------------------------------------------------------------


def insert_messages(session: Session, *, rows: Sequence[Mapping[str, Any]]) -> int:
    """Queue messages, each once: a row whose ``key`` exists already is skipped. How many
    were queued."""
    table = cast("Any", MailMessage).__table__
    made = 0
    for start in range(0, len(rows), _CHUNK):
        chunk = list(rows[start : start + _CHUNK])
        if session.get_bind().dialect.name == "postgresql":
            statement: Any = pg_insert(table).on_conflict_do_nothing(index_elements=["key"])
        else:
            statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=["key"])
        result = session.execute(statement.returning(table.c.id), chunk)
        made += len(result.all())
    return made


def next_due_message(session: Session, *, now: datetime) -> MailMessage | None:
    """The message to send next: the longest due of those queued, or one whose worker has
    fallen silent past its lease. On PostgreSQL a row another worker holds is skipped."""
    statement = (
        select(MailMessage)
        .where(
            or_(
                and_(
                    col(MailMessage.status) == MailStatus.queued,
                    col(MailMessage.next_attempt_at) <= now,
                ),
                and_(
                    col(MailMessage.status) == MailStatus.sending,
                    col(MailMessage.lease_until) < now,
                ),
            )
        )
        .order_by(col(MailMessage.next_attempt_at), col(MailMessage.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.exec(statement).first()


def has_due_messages(session: Session, *, now: datetime) -> bool:
    statement = select(MailMessage.id).where(
        or_(
            and_(
                col(MailMessage.status) == MailStatus.queued,
                col(MailMessage.next_attempt_at) <= now,
            ),
            and_(col(MailMessage.status) == MailStatus.sending, col(MailMessage.lease_until) < now),
        )
    )
    return session.exec(statement.limit(1)).first() is not None


def claim_message(
    session: Session, *, message: MailMessage, lease_until: datetime, now: datetime
) -> bool:
    """Take the message to send it, if it is still as it was read (the update is the guard,
    on both databases)."""
    statement = (
        update(MailMessage)
        .where(
            col(MailMessage.id) == message.id,
            col(MailMessage.status) == message.status,
            col(MailMessage.attempts) == message.attempts,
        )
        .values(
            status=MailStatus.sending,
            lease_until=lease_until,
            attempts=message.attempts + 1,
            last_attempt_at=now,
        )
    )
    return _rows_changed(session, statement) == 1


def update_message(
    session: Session, *, message_id: int, only_if: MailStatus | None = None, **values: Any
) -> bool:
    """Set the message's fields; with ``only_if``, only while it has that status."""
    statement = update(MailMessage).where(col(MailMessage.id) == message_id)
    if only_if is not None:
        statement = statement.where(col(MailMessage.status) == only_if)
    return _rows_changed(session, statement.values(**values)) == 1


def message_counts(
    session: Session, *, campaign_id: int
) -> list[tuple[str, int | None, str, bool, int]]:
    """(kind, reminder id, status, tried before, messages) over the campaign's messages."""
    tried = col(MailMessage.attempts) > 0
    columns = (col(MailMessage.kind), col(MailMessage.reminder_id), col(MailMessage.status))
    statement = (
        sa_select(*columns, tried, func.count())
        .where(col(MailMessage.campaign_id) == campaign_id)
        .group_by(*columns, tried)
    )
    return [(k, r, s, bool(t), n) for k, r, s, t, n in session.execute(statement).all()]


def problem_messages(
    session: Session, *, campaign_id: int, limit: int
) -> tuple[list[tuple[MailMessage, str | None]], int]:
    """The campaign's messages that failed, or wait to be tried again, with their address
    while it is kept, latest first (at most ``limit``), and how many there are."""
    problem = and_(
        col(MailMessage.campaign_id) == campaign_id,
        col(MailMessage.error).is_not(None),
        col(MailMessage.status).in_([MailStatus.failed, MailStatus.queued, MailStatus.sending]),
    )
    total = session.exec(select(func.count()).select_from(MailMessage).where(problem)).one()
    statement = (
        select(MailMessage, MailRecipient.email)
        .outerjoin(MailRecipient, col(MailRecipient.id) == col(MailMessage.recipient_id))
        .where(problem)
        .order_by(col(MailMessage.last_attempt_at).desc(), col(MailMessage.id).desc())
        .limit(limit)
    )
    return [(message, email) for message, email in session.exec(statement)], total


def requeue_failed(session: Session, *, campaign_id: int, now: datetime) -> int:
    """The campaign's failed messages to people still on its list queued again, with a fresh
    count of attempts; how many."""
    statement = (
        update(MailMessage)
        .where(
            col(MailMessage.campaign_id) == campaign_id,
            col(MailMessage.status) == MailStatus.failed,
            or_(
                col(MailMessage.recipient_id).is_not(None),
                col(MailMessage.kind) == MailKind.report_ready,
            ),
        )
        .values(status=MailStatus.queued, attempts=0, next_attempt_at=now, lease_until=None)
    )
    return _rows_changed(session, statement)


# -- leaders --------------------------------------------------------------------------------------


def leaders_of(session: Session, *, unit_id: int) -> list[Account]:
    """The working leader accounts bound to the unit."""
    statement = (
        select(Account)
        .where(
            Account.role == Role.leader,
            Account.unit_id == unit_id,
            col(Account.disabled_at).is_(None),
        )
        .order_by(col(Account.id))
    )
    return list(session.exec(statement))


def get_account(session: Session, *, account_id: int | None) -> Account | None:
    return None if account_id is None else session.get(Account, account_id)


# -- the sending rate -----------------------------------------------------------------------------


def throttle(session: Session, *, name: str, now: datetime) -> MailThrottle:
    """The row of the sending rate called ``name``, made the first time (two workers making it
    at once store one)."""
    found = session.get(MailThrottle, name, populate_existing=True)
    if found is not None:
        return found
    table = cast("Any", MailThrottle).__table__
    row = {"name": name, "next_slot_at": now, "version": 0}
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = pg_insert(table).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(table).values(row).on_conflict_do_nothing()
    session.execute(statement)
    session.flush()
    made = session.get(MailThrottle, name, populate_existing=True)
    assert made is not None
    return made


def move_throttle(session: Session, *, seen: MailThrottle, **values: Any) -> bool:
    """Change the rate's row if no other worker has since ``seen`` (its version)."""
    statement = (
        update(MailThrottle)
        .where(col(MailThrottle.name) == seen.name, col(MailThrottle.version) == seen.version)
        .values(version=seen.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return _rows_changed(session, statement) == 1


def _rows_changed(session: Session, statement: Any) -> int:
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
