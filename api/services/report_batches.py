"""Batches of reports: HR asks for every report of a closed campaign, a job renders them
(``api.jobs.report_batch``), and the batch's row tells how far it has got.

The row is the truth about a batch, not the queue: the queue only carries the batch's id. A
job claims its batch with a guarded update, so a batch queued twice is rendered once; it says
it is alive every ``HEARTBEAT``, and a running batch silent for longer than ``LEASE`` has
lost its worker (killed, or its machine gone) and is queued again, to resume where it stopped.
A service never queues anything itself: it says what the caller must queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from api.services.access import Principal
from api.services.campaigns import read_snapshot
from api.services.collection import visible_campaign
from api.services.errors import FieldError, NotFound, ValidationFailed
from api.store import report_batches as repo
from api.store.models import ReportBatch, ReportBatchStatus, utc_now

FORMATS = ("pdf", "html")
HEARTBEAT = timedelta(seconds=30)
"""How often a running job says it is alive."""
LEASE = timedelta(minutes=5)
"""How long a batch may stay unheard of before it is taken to have lost its worker."""
MAX_ERROR = 2000


@dataclass(frozen=True)
class BatchStart:
    """The batch a request to start one leads to, and whether the caller must queue its job
    (a new batch, or one that had lost its worker)."""

    batch: ReportBatch
    enqueue: bool


def start_report_batch(
    session: Session, *, principal: Principal, campaign_id: int, fmt: str, language: str
) -> BatchStart:
    """The campaign's batch still to finish if it has one, whatever its format, else a new
    batch queued in ``fmt`` and ``language``. An admin's only (``NotFound`` for anyone else);
    ``Conflict`` for a campaign that is not closed."""
    with session.begin():
        campaign = visible_campaign(session, principal=principal, campaign_id=campaign_id)
        if not principal.is_admin:
            raise NotFound("campaign", campaign_id)
        snapshot = read_snapshot(session, campaign=campaign)
        errors = []
        if fmt not in FORMATS:
            errors.append(FieldError("format", f"{fmt!r} is neither pdf nor html"))
        if language not in campaign.languages:
            errors.append(FieldError("language", f"{language!r} is not a language of the campaign"))
        if errors:
            raise ValidationFailed(errors)
        now = utc_now()
        row = {
            "organisation_id": campaign.organisation_id,
            "campaign_id": campaign_id,
            "snapshot": snapshot.fingerprint,
            "format": fmt,
            "language": language,
            "status": ReportBatchStatus.queued,
            "done": 0,
            "total": 0,
            "requested_by": principal.account_id,
            "created_at": now,
            "heartbeat_at": now,
        }
        inserted = repo.insert_unless_active(session, row=row) is not None
        batch = repo.active_batch(session, campaign_id=campaign_id)
        assert batch is not None, "inserted, or there was one"
        assert batch.id is not None
        requeued = not inserted and repo.requeue(
            session, batch_id=batch.id, now=now, stale_before=now - LEASE
        )
        if requeued:
            session.refresh(batch)
        return BatchStart(batch=batch, enqueue=inserted or requeued)


def get_report_batch(
    session: Session, *, principal: Principal, campaign_id: int, batch_id: int
) -> ReportBatch:
    """One of the campaign's batches; ``NotFound`` for anyone but an admin of its organisation."""
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        batch = repo.get_batch(session, batch_id=batch_id)
        if not principal.is_admin or batch is None or batch.campaign_id != campaign_id:
            raise NotFound("report batch", batch_id)
        return batch


def list_report_batches(
    session: Session, *, principal: Principal, campaign_id: int
) -> list[ReportBatch]:
    """The campaign's batches, the latest first; ``NotFound`` for anyone but an admin."""
    with session.begin():
        visible_campaign(session, principal=principal, campaign_id=campaign_id)
        if not principal.is_admin:
            raise NotFound("campaign", campaign_id)
        return repo.campaign_batches(session, campaign_id=campaign_id)


# -- what the job does with its batch ---------------------------------------------------------


def claim_report_batch(session: Session, *, batch_id: int) -> ReportBatch | None:
    """Mark the batch running for the caller: a queued batch, or a running one whose worker
    fell silent. None when there is nothing to do: it is finished, or another worker holds
    it (a job queued twice renders once)."""
    with session.begin():
        now = utc_now()
        if not repo.claim(session, batch_id=batch_id, now=now, stale_before=now - LEASE):
            return None
        batch = repo.get_batch(session, batch_id=batch_id)
        assert batch is not None
        session.refresh(batch)
        return batch


def record_batch_progress(session: Session, *, batch_id: int, done: int, total: int) -> None:
    """How many of the batch's reports are done, of how many; it also says the job is alive."""
    with session.begin():
        values = {"done": done, "total": total, "heartbeat_at": utc_now()}
        repo.update_batch(session, batch_id=batch_id, values=values)


def beat_report_batch(session: Session, *, batch_id: int) -> None:
    """The job running the batch is alive."""
    with session.begin():
        repo.update_batch(session, batch_id=batch_id, values={"heartbeat_at": utc_now()})


def finish_report_batch(session: Session, *, batch_id: int, done: int, total: int) -> None:
    with session.begin():
        now = utc_now()
        values = {
            "status": ReportBatchStatus.done,
            "done": done,
            "total": total,
            "heartbeat_at": now,
            "finished_at": now,
        }
        repo.update_batch(session, batch_id=batch_id, values=values)


def fail_report_batch(session: Session, *, batch_id: int, error: str) -> None:
    """The batch stopped (or, queued, could not be queued), for ``error``; the reports written
    so far stay in its folder for the next batch."""
    with session.begin():
        now = utc_now()
        values = {
            "status": ReportBatchStatus.failed,
            "error": error[:MAX_ERROR],
            "heartbeat_at": now,
            "finished_at": now,
        }
        active = (ReportBatchStatus.queued, ReportBatchStatus.running)
        repo.update_batch(session, batch_id=batch_id, values=values, statuses=active)


def requeue_stalled_batches(session: Session) -> list[int]:
    """Queue again the running batches whose worker has fallen silent; their ids, to queue."""
    with session.begin():
        now = utc_now()
        stale_before = now - LEASE
        return [
            batch_id
            for batch_id in repo.stalled_batches(session, stale_before=stale_before)
            if repo.requeue(session, batch_id=batch_id, now=now, stale_before=stale_before)
        ]
