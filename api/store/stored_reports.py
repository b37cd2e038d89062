"""Data access for the reports rendered at close (``ReportRun``, ``StoredAnalysis``,
``StoredReport``). As in ``repositories``, functions never commit; the services and jobs that
call them own the transaction.

Rows are inserted with ``ON CONFLICT DO NOTHING`` and state moves by guarded updates, so two
workers (or a worker and a reader) doing the same thing at once store one row, on both
databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from api.store.models import (
    Campaign,
    CampaignSnapshot,
    CampaignStatus,
    RenderClaim,
    ReportRun,
    ReportRunStatus,
    StoredAnalysis,
    StoredReport,
)

_ID_RANGE = range(-(2**31), 2**31)
_ACTIVE = (ReportRunStatus.analysing, ReportRunStatus.rendering)
StoredKey = tuple[str, int, str, str]
"""A stored report's kind, unit id (``ORGANISATION_UNIT`` for the organisation), language
and format."""


def _insert_ignoring(session: Session, model: Any, rows: list[dict[str, Any]]) -> Any:
    table = cast("Any", model).__table__
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table).values(rows).on_conflict_do_nothing()
    return sqlite_insert(table).values(rows).on_conflict_do_nothing()


def insert_run(session: Session, *, row: dict[str, Any]) -> int | None:
    """Insert the snapshot's run unless it has one: its id, or None if it had one."""
    table = cast("Any", ReportRun).__table__
    statement = _insert_ignoring(session, ReportRun, [row]).returning(table.c.id)
    inserted: int | None = session.execute(statement).scalar_one_or_none()
    return inserted


def get_run(session: Session, *, run_id: int) -> ReportRun | None:
    if run_id not in _ID_RANGE:
        return None
    return session.get(ReportRun, run_id)


def run_of(session: Session, *, campaign_id: int, snapshot: str) -> ReportRun | None:
    statement = select(ReportRun).where(
        ReportRun.campaign_id == campaign_id, ReportRun.snapshot == snapshot
    )
    return session.exec(statement).first()


def snapshots_without_run(session: Session) -> list[tuple[int, int, str]]:
    """Closed campaigns whose snapshot has no run yet: (organisation, campaign, fingerprint)."""
    has_run = (
        select(ReportRun.id)
        .where(
            ReportRun.campaign_id == CampaignSnapshot.campaign_id,
            ReportRun.snapshot == CampaignSnapshot.fingerprint,
        )
        .exists()
    )
    statement = (
        select(Campaign.organisation_id, CampaignSnapshot.campaign_id, CampaignSnapshot.fingerprint)
        .join(Campaign, col(Campaign.id) == CampaignSnapshot.campaign_id)
        .where(Campaign.status == CampaignStatus.closed, ~has_run)
        .order_by(col(CampaignSnapshot.closed_at))
    )
    return [(int(o), int(c), str(f)) for o, c, f in session.exec(statement)]


def due_campaigns(session: Session, *, now: datetime) -> list[Campaign]:
    """Drafts and open campaigns whose opening or closing time has passed."""
    statement = select(Campaign).where(
        col(Campaign.status).in_((CampaignStatus.draft, CampaignStatus.open)),
        or_(
            col(Campaign.closes_at) <= now,
            and_(col(Campaign.status) == CampaignStatus.draft, col(Campaign.opens_at) <= now),
        ),
    )
    return list(session.exec(statement))


def move_run(
    session: Session,
    *,
    run_id: int,
    before: tuple[ReportRunStatus, ...],
    values: dict[str, Any],
) -> bool:
    """Change the run if its status is one of ``before``; whether it was changed."""
    statement = (
        update(ReportRun)
        .where(col(ReportRun.id) == run_id, col(ReportRun.status).in_(before))
        .values(**values)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount == 1


def take_stalled(session: Session, *, run_id: int, now: datetime, stale_before: datetime) -> bool:
    """Claim a silent run for requeueing (its heartbeat moved to ``now``): of two sweepers at
    once, one gets it."""
    statement = (
        update(ReportRun)
        .where(
            col(ReportRun.id) == run_id,
            col(ReportRun.status).in_(_ACTIVE),
            col(ReportRun.heartbeat_at) < stale_before,
        )
        .values(heartbeat_at=now)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount == 1


def stalled_runs(session: Session, *, stale_before: datetime) -> list[ReportRun]:
    statement = select(ReportRun).where(
        col(ReportRun.status).in_(_ACTIVE), col(ReportRun.heartbeat_at) < stale_before
    )
    return list(session.exec(statement))


def latest_run(session: Session, *, campaign_id: int) -> ReportRun | None:
    statement = (
        select(ReportRun)
        .where(ReportRun.campaign_id == campaign_id)
        .order_by(col(ReportRun.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def insert_analysis(session: Session, *, campaign_id: int, snapshot: str, content: bytes) -> None:
    row = {"snapshot": snapshot, "campaign_id": campaign_id, "content": content}
    session.execute(_insert_ignoring(session, StoredAnalysis, [row]))


def analysis_content(session: Session, *, snapshot: str) -> bytes | None:
    found = session.get(StoredAnalysis, snapshot)
    return None if found is None else found.content


def insert_reports(session: Session, *, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(_insert_ignoring(session, StoredReport, rows))


def find_report(
    session: Session, *, campaign_id: int, snapshot: str, key: StoredKey
) -> StoredReport | None:
    kind, unit_id, language, fmt = key
    statement = select(StoredReport).where(
        StoredReport.campaign_id == campaign_id,
        StoredReport.snapshot == snapshot,
        StoredReport.kind == kind,
        StoredReport.unit_id == unit_id,
        StoredReport.language == language,
        StoredReport.format == fmt,
    )
    return session.exec(statement).first()


def stored_keys(session: Session, *, campaign_id: int, snapshot: str) -> set[StoredKey]:
    statement = select(
        StoredReport.kind, StoredReport.unit_id, StoredReport.language, StoredReport.format
    ).where(StoredReport.campaign_id == campaign_id, StoredReport.snapshot == snapshot)
    return {(str(k), int(u), str(la), str(f)) for k, u, la, f in session.exec(statement)}


def reports_in(
    session: Session, *, campaign_id: int, snapshot: str, language: str, fmt: str
) -> list[StoredReport]:
    """The snapshot's stored reports in one language and format."""
    statement = select(StoredReport).where(
        StoredReport.campaign_id == campaign_id,
        StoredReport.snapshot == snapshot,
        StoredReport.language == language,
        StoredReport.format == fmt,
    )
    return list(session.exec(statement))


def count_reports(session: Session, *, campaign_id: int, snapshot: str, fmt: str) -> int:
    """Reports (unit and language) of the snapshot stored in ``fmt``."""
    statement = select(func.count()).where(
        StoredReport.campaign_id == campaign_id,
        StoredReport.snapshot == snapshot,
        StoredReport.format == fmt,
    )
    return int(session.exec(statement).one())


def claim_unit(session: Session, *, run_id: int, kind: str, unit_id: int, now: datetime) -> int:
    """Say a job renders the unit's reports now: how many jobs have started on it."""
    table = cast("Any", RenderClaim).__table__
    row = {"run_id": run_id, "kind": kind, "unit_id": unit_id, "claimed_at": now, "attempts": 1}
    renewed = {"claimed_at": now, "attempts": table.c.attempts + 1}
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = pg_insert(table).values(row)
    else:
        statement = sqlite_insert(table).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=["run_id", "kind", "unit_id"], set_=renewed
    ).returning(table.c.attempts)
    return int(session.execute(statement).scalar_one())


def release_unit(session: Session, *, run_id: int, kind: str, unit_id: int) -> None:
    table = cast("Any", RenderClaim).__table__
    session.execute(
        delete(table).where(
            table.c.run_id == run_id, table.c.kind == kind, table.c.unit_id == unit_id
        )
    )


def stale_claims(session: Session, *, stale_before: datetime) -> list[RenderClaim]:
    """Claims older than ``stale_before`` of runs still rendering: jobs whose worker died."""
    statement = (
        select(RenderClaim)
        .join(ReportRun, col(ReportRun.id) == RenderClaim.run_id)
        .where(
            ReportRun.status == ReportRunStatus.rendering,
            col(RenderClaim.claimed_at) < stale_before,
        )
    )
    return list(session.exec(statement))


def renew_claim(
    session: Session, *, claim: RenderClaim, now: datetime, stale_before: datetime
) -> bool:
    """Take a stale claim to queue its unit again: of two sweepers at once, one gets it."""
    statement = (
        update(RenderClaim)
        .where(
            col(RenderClaim.run_id) == claim.run_id,
            col(RenderClaim.kind) == claim.kind,
            col(RenderClaim.unit_id) == claim.unit_id,
            col(RenderClaim.claimed_at) < stale_before,
        )
        .values(claimed_at=now)
    )
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount == 1


def delete_other_snapshots(session: Session, *, campaign_id: int, keep: str | None) -> int:
    """Forget what was stored for the campaign's earlier snapshots (reopened and closed again,
    or reopened): the reports, the analyses and the runs; how many reports went."""
    gone = 0
    runs = select(ReportRun.id).where(ReportRun.campaign_id == campaign_id)
    if keep is not None:
        runs = runs.where(ReportRun.snapshot != keep)
    claims = cast("Any", RenderClaim).__table__
    session.execute(delete(claims).where(claims.c.run_id.in_(runs)))
    for model in (StoredReport, StoredAnalysis, ReportRun):
        table = cast("Any", model).__table__
        condition = table.c.campaign_id == campaign_id
        if keep is not None:
            condition = condition & (table.c.snapshot != keep)
        result = cast("CursorResult[Any]", session.execute(delete(table).where(condition)))
        if model is StoredReport:
            gone = result.rowcount
    return gone


def campaigns_with_stale_snapshots(session: Session) -> list[tuple[int, str | None]]:
    """Campaigns with a run whose snapshot is no longer theirs, with their current one."""
    statement = (
        select(ReportRun.campaign_id, CampaignSnapshot.fingerprint)
        .join(
            CampaignSnapshot,
            col(CampaignSnapshot.campaign_id) == ReportRun.campaign_id,
            isouter=True,
        )
        .where(
            (col(CampaignSnapshot.fingerprint).is_(None))
            | (col(CampaignSnapshot.fingerprint) != ReportRun.snapshot)
        )
        .distinct()
    )
    return [(int(c), None if f is None else str(f)) for c, f in session.exec(statement)]
