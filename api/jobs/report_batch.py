"""The job that renders a batch of reports: every report of a closed campaign into the folder of
its snapshot (``api.jobs.report_sets``), with ``api.jobs.batch``, telling the batch's row how
far it has got.

Safe to run twice and to run again after a kill: the job claims its batch before it starts
(a second copy of the job finds it taken and returns), and the renderer skips the reports its
folder holds already, so a batch whose worker died resumes where it stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from api.jobs import batch as renderer
from api.jobs.report_sets import report_set
from api.services import report_batches as services
from api.services.campaigns import snapshot_fingerprint_of
from api.services.errors import ServiceError
from api.store.db import session_scope

logger = logging.getLogger(__name__)

_RENDERING = threading.Lock()
"""One batch renders at a time in a process: the renderer keeps the report being rendered in
a global of its module (for its worker processes), which two threads would share."""


def run_report_batch(
    engine: Engine, *, batch_id: int, reports_dir: Path, workers: int | None = None
) -> None:
    """Render the batch's reports, unless it is finished or another worker holds it."""
    with _RENDERING:
        with session_scope(engine) as session:
            batch = services.claim_report_batch(session, batch_id=batch_id)
        if batch is None:
            logger.info("report batch %s: finished, or running elsewhere", batch_id)
            return
        reports = report_set(
            reports_dir, campaign_id=batch.campaign_id, snapshot=batch.snapshot,
            fmt=batch.format, language=batch.language,
        )  # fmt: skip

        def told(done: int, total: int, _name: str) -> None:
            with session_scope(engine) as session:
                services.record_batch_progress(session, batch_id=batch_id, done=done, total=total)

        try:
            with _heartbeat(engine, batch_id):
                _check_snapshot(engine, campaign_id=batch.campaign_id, snapshot=batch.snapshot)
                summary = renderer.render_campaign_reports(
                    engine, campaign_id=batch.campaign_id, out_dir=reports.folder,
                    fmt=renderer.ReportFormat(batch.format), language=batch.language,
                    workers=workers, progress=told,
                )  # fmt: skip
        except ServiceError as refused:
            _fail(engine, batch_id, str(refused))
            return
        except Exception as exc:
            _fail(engine, batch_id, f"{type(exc).__name__}: {exc}")
            raise
        count = len(summary.entries)
        with session_scope(engine) as session:
            services.finish_report_batch(session, batch_id=batch_id, done=count, total=count)


def requeue_stalled(engine: Engine) -> list[int]:
    """The running batches whose worker has fallen silent, queued again: their ids, to queue."""
    with session_scope(engine) as session:
        found = services.requeue_stalled_batches(session)
    if found:
        logger.warning("report batches %s lost their worker: queued again", found)
    return found


class SnapshotChanged(ServiceError):
    """The campaign was reopened and closed again since the batch was asked for."""


def _check_snapshot(engine: Engine, *, campaign_id: int, snapshot: str) -> None:
    with session_scope(engine) as session:
        current = snapshot_fingerprint_of(session, campaign_id=campaign_id)
    if current != snapshot:
        raise SnapshotChanged(
            f"campaign {campaign_id} is no longer closed on the snapshot this batch was asked"
            " for: start the batch again"
        )


def _fail(engine: Engine, batch_id: int, error: str) -> None:
    logger.error("report batch %s failed: %s", batch_id, error)
    with session_scope(engine) as session:
        services.fail_report_batch(session, batch_id=batch_id, error=error)


@contextmanager
def _heartbeat(engine: Engine, batch_id: int) -> Iterator[None]:
    """Says the batch's worker is alive every ``HEARTBEAT`` while the block runs, however long
    one report or the analysis before the first takes."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(services.HEARTBEAT.total_seconds()):
            try:
                with session_scope(engine) as session:
                    services.beat_report_batch(session, batch_id=batch_id)
            except Exception:  # a missed beat is no failure; the lease allows for some
                logger.exception("report batch %s: heartbeat not recorded", batch_id)

    thread = threading.Thread(target=beat, name=f"report-batch-{batch_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
