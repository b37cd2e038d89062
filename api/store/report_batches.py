"""Data access for the batches of reports (``ReportBatch``). As in ``repositories``, functions
never commit; the services that call them own the transaction.

Every change of a batch's state is one guarded update: the condition is in the ``WHERE``, so
that of two workers (or two requests) racing for a batch, one changes the row and the other
changes nothing, on both databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.store.models import ReportBatch, ReportBatchStatus

_ID_RANGE = range(-(2**31), 2**31)
_ACTIVE = (ReportBatchStatus.queued, ReportBatchStatus.running)


def insert_unless_active(session: Session, *, row: dict[str, Any]) -> int | None:
    """Insert a queued batch unless its campaign has one still to finish: its id, or None if
    the campaign had one.

    The partial unique index ``uq_reportbatch_active_campaign`` decides: two requests at once
    insert one row, and the other request's insert is skipped."""
    table = cast("Any", ReportBatch).__table__
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = pg_insert(table).values(row).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(table).values(row).on_conflict_do_nothing()
    inserted: int | None = session.execute(statement.returning(table.c.id)).scalar_one_or_none()
    return inserted


def active_batch(session: Session, *, campaign_id: int) -> ReportBatch | None:
    """The campaign's batch still to finish (queued or running), if any."""
    statement = select(ReportBatch).where(
        ReportBatch.campaign_id == campaign_id, col(ReportBatch.status).in_(_ACTIVE)
    )
    return session.exec(statement).first()


def get_batch(session: Session, *, batch_id: int) -> ReportBatch | None:
    if batch_id not in _ID_RANGE:
        return None
    return session.get(ReportBatch, batch_id)


def campaign_batches(session: Session, *, campaign_id: int) -> list[ReportBatch]:
    """The campaign's batches, the latest first."""
    statement = (
        select(ReportBatch)
        .where(ReportBatch.campaign_id == campaign_id)
        .order_by(col(ReportBatch.id).desc())
    )
    return list(session.exec(statement))


def claim(session: Session, *, batch_id: int, now: datetime, stale_before: datetime) -> bool:
    """Mark a queued batch, or a running one whose worker fell silent before ``stale_before``,
    running from ``now``; False if it is finished or another worker holds it."""
    statement = (
        update(ReportBatch)
        .where(
            col(ReportBatch.id) == batch_id,
            (col(ReportBatch.status) == ReportBatchStatus.queued)
            | (
                (col(ReportBatch.status) == ReportBatchStatus.running)
                & (col(ReportBatch.heartbeat_at) < stale_before)
            ),
        )
        .values(status=ReportBatchStatus.running, heartbeat_at=now, error=None)
    )
    return _rows_changed(session, statement) == 1


def requeue(session: Session, *, batch_id: int, now: datetime, stale_before: datetime) -> bool:
    """Queue again a batch still to finish that nobody has spoken for since ``stale_before``;
    False if it is finished or was heard from since."""
    statement = (
        update(ReportBatch)
        .where(
            col(ReportBatch.id) == batch_id,
            col(ReportBatch.status).in_(_ACTIVE),
            col(ReportBatch.heartbeat_at) < stale_before,
        )
        .values(status=ReportBatchStatus.queued, heartbeat_at=now)
    )
    return _rows_changed(session, statement) == 1


def stalled_batches(session: Session, *, stale_before: datetime) -> list[int]:
    """Running batches whose worker has said nothing since ``stale_before``."""
    statement = select(ReportBatch.id).where(
        ReportBatch.status == ReportBatchStatus.running,
        col(ReportBatch.heartbeat_at) < stale_before,
    )
    return [batch_id for batch_id in session.exec(statement) if batch_id is not None]


def update_batch(
    session: Session,
    *,
    batch_id: int,
    values: dict[str, Any],
    statuses: tuple[ReportBatchStatus, ...] = (ReportBatchStatus.running,),
) -> bool:
    """Set ``values`` on a batch in one of ``statuses``; False if it is in none (any more)."""
    statement = (
        update(ReportBatch)
        .where(col(ReportBatch.id) == batch_id, col(ReportBatch.status).in_(statuses))
        .values(**values)
    )
    return _rows_changed(session, statement) == 1


def _rows_changed(session: Session, statement: Any) -> int:
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
