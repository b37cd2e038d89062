"""The queue of jobs, on huey: work that takes time runs here, never on a request a person
waits for.

Where the queue lives (``QUEUE_URL``):

- empty: a SQLite file in the data folder (``DATA_DIR``). Nothing else runs: ``transversal
  serve`` consumes the jobs itself, in threads beside the server (``embedded_consumer``), or
  ``transversal worker`` does, beside it.
- ``redis://``: Redis. ``transversal worker`` consumes the jobs, on as many machines as needed.

The queue carries only what a job is about (a batch's id); the database holds its state. Each
process makes its own ``Jobs`` (the web app, every worker) and registers the tasks on its huey
under fixed names, so a job queued by one process runs in another.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import Engine

from api.jobs.mail import MailTasks
from api.jobs.report_batch import requeue_stalled, run_report_batch
from api.jobs.reports_at_close import ReportsAtClose
from api.settings import Settings, get_settings

logger = logging.getLogger(__name__)

QUEUE_NAME = "transversal"
QUEUE_FILE = "queue.sqlite"
REPORTS_FOLDER = "reports"


class Jobs:
    """The queue and what its tasks need: the database and the folder of the rendered reports.

    ``huey``: a ``SqliteHuey`` or ``RedisHuey`` (``make_huey``), or one in immediate mode, whose
    jobs run as they are queued, in the caller's thread (for tests of what a page shows)."""

    def __init__(
        self,
        huey: Any,
        *,
        engine: Engine,
        reports_dir: Path,
        render_workers: int | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.huey = huey
        self.engine = engine
        self.reports_dir = reports_dir
        self.render_workers = render_workers
        self.settings = settings if settings is not None else Settings()
        self.mail = MailTasks(huey, engine=engine, settings=self.settings)
        self.reports = ReportsAtClose(
            huey,
            engine=engine,
            lease=timedelta(seconds=self.settings.job_lease_seconds),
            notify=self.mail.enqueue_report_ready,
        )
        self._report_batch = huey.task(name="report_batch")(self._run_report_batch)
        # Every minute, from the scheduler of every consumer: a batch whose worker was killed
        # runs again (two consumers queueing it twice is harmless: one job claims it).
        huey.periodic_task(crontab(), name="requeue_stalled_batches")(self._requeue_stalled)

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings) -> Jobs:
        return cls(
            make_huey(settings),
            engine=engine,
            reports_dir=reports_folder(settings),
            render_workers=settings.report_workers,
            settings=settings,
        )

    def enqueue_report_batch(self, batch_id: int) -> None:
        """Queue the job that renders the batch (``api.jobs.report_batch``)."""
        self._report_batch(batch_id)

    def _run_report_batch(self, batch_id: int) -> None:
        run_report_batch(
            self.engine,
            batch_id=batch_id,
            reports_dir=self.reports_dir,
            workers=self.render_workers,
        )

    def _requeue_stalled(self) -> None:
        for batch_id in requeue_stalled(self.engine):
            self.enqueue_report_batch(batch_id)


def app_jobs(state: Any) -> Jobs:
    """The app's queue (``state.jobs``), made from the settings when first needed: only once
    there is something to queue, so that a refused request touches no queue."""
    jobs: Jobs | None = getattr(state, "jobs", None)
    if jobs is None:
        jobs = Jobs.from_settings(state.engine, get_settings())
        state.jobs = jobs
    return jobs


def kick_reports_at_close(state: Any) -> None:
    """After HR closed a campaign: the app's queue (``state.jobs``, when it has one) sweeps
    now, so its reports start at once rather than at the next minute's sweep. A queue that
    cannot be reached is no failure of the close: the next sweep of any worker does it."""
    jobs: Jobs | None = getattr(state, "jobs", None)
    if jobs is None:
        return
    try:
        jobs.reports.enqueue_sweep()
    except Exception:
        logger.exception("the reports of a closed campaign could not be queued now")


def reports_folder(settings: Settings) -> Path:
    """Where the sets of reports are rendered (``api.jobs.report_sets``): in the data folder."""
    return settings.data_folder() / REPORTS_FOLDER


def make_huey(settings: Settings) -> Any:
    """The queue ``QUEUE_URL`` names: Redis, or (empty) a SQLite file in the data folder,
    created when needed. Results are not kept: a job's outcome is in the database."""
    if settings.queue_url:
        return RedisHuey(QUEUE_NAME, url=settings.queue_url, results=False)
    folder = settings.data_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(folder / QUEUE_FILE), results=False)


def is_embedded(settings: Settings) -> bool:
    """Whether the queue is the SQLite file that ``transversal serve`` consumes itself."""
    return not settings.queue_url


class _QuietConsumer(Consumer):  # type: ignore[misc]
    """A consumer that leaves the process' signals alone: the server beside it handles them."""

    def _set_signal_handlers(self) -> None:
        pass


@contextmanager
def embedded_consumer(jobs: Jobs, *, workers: int = 1) -> Iterator[Any]:
    """Consume ``jobs`` in threads of this process for the time of the block.

    On leaving, a job still running is abandoned with the process: its batch, silent, is
    queued again by the next consumer once the lease has run out."""
    consumer = _QuietConsumer(jobs.huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    logger.info("consuming jobs in %s thread(s)", workers)
    try:
        yield consumer
    finally:
        consumer.stop(graceful=False)
