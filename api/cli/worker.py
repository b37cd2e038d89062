"""``transversal worker``: run the queue's jobs (the batches of reports), beside ``transversal
serve`` on one machine, or on as many machines as needed with ``QUEUE_URL=redis://...``; and
the jobs ``transversal serve`` runs itself when the queue is the SQLite file.

Ctrl-C (SIGINT) lets the running jobs finish, a second one stops at once; SIGTERM stops at
once. A job stopped midway runs again, from where it stopped, once its lease runs out
(``api.services.report_batches.LEASE``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from api.settings import Settings

if TYPE_CHECKING:
    from api.jobs.queue import Jobs


def worker(
    threads: Annotated[
        int, typer.Option(min=1, max=64, help="Jobs run at once (threads of this process).")
    ] = 1,
) -> None:
    """Run the jobs of the queue that QUEUE_URL names (by default the SQLite file in DATA_DIR)
    until stopped."""
    from api.cli import _migrated_engine, console
    from api.jobs.queue import Jobs
    from api.settings import get_settings

    settings = get_settings()
    jobs = Jobs.from_settings(_migrated_engine(), settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per page laid out
    console.print(
        f"running the jobs queued in {_where(settings)}, {threads} at a time (Ctrl-C stops)",
        soft_wrap=True,
    )
    consumer = jobs.huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    # At once rather than at the next minute: the work of a worker that was killed (once its
    # lease has run out) and the reports of campaigns that closed while none ran.
    jobs.reports.enqueue_sweep()
    consumer.run()


@contextmanager
def served_jobs(jobs: Jobs, *, run: bool) -> Iterator[bool]:
    """For ``transversal serve``: the queue's jobs consumed in a thread of the server's process
    for the time of the block, when ``run`` and the queue is the SQLite file; whether they are."""
    from api.jobs.queue import embedded_consumer, is_embedded

    if not run or not is_embedded(jobs.settings):
        yield False
        return
    with embedded_consumer(jobs):
        jobs.reports.enqueue_sweep()
        yield True


def _where(settings: Settings) -> str:
    """The queue, named without the password a URL may hold."""
    if not settings.queue_url:
        return f"SQLite in {settings.data_folder()}"
    parts = urlsplit(settings.queue_url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
