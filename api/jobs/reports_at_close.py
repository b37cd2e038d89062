"""The jobs that have every report of a campaign ready when it closes.

- ``sweep`` (every minute on every consumer, at a worker's start, and queued when HR closes a
  campaign): moves the campaigns whose time has come, starts a run for every closed snapshot
  that has none and queues its analysis, and queues again the work of runs whose worker has
  fallen silent for longer than the lease.
- ``analyse``: analyses the snapshot once, stores what every report is built from, and
  queues one job per unit that may have a report, the organisation's last.
- ``render``: renders one unit's reports in every language of the campaign, as PDF and as
  HTML, and stores them in one transaction; tells the unit's leaders their report is ready.

Every job is safe to run twice or after a kill: a run is made once per snapshot, an analysis
and a report are inserted once (a second copy is dropped), and a job does only what is not
stored yet. A worker killed mid-render leaves nothing of the unit's reports; the sweep queues
them again once the run's lease has run out.
"""

from __future__ import annotations

import logging
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import Engine

from api import collector
from api.jobs import batch
from api.jobs.batch_index import Kind
from api.services import stored_reports as services
from api.services.errors import ServiceError
from api.store.db import session_scope
from api.store.models import ReportRun, ReportRunStatus
from reports import SuppressedTeamError

logger = logging.getLogger(__name__)

Notify = Callable[[int, int], None]
"""Told (campaign id, unit id) once a unit's report is stored, to tell its leaders."""


@dataclass(frozen=True)
class _Stored:
    """What a run's first job stores: the context every report is built from, the reports
    planned, and the campaign's languages."""

    context: Any
    plan: list[tuple[Kind, int]]
    languages: list[str]
    team_languages: tuple[tuple[int, str], ...] = ()
    """Each team's own language as the analysis was stored (``report_languages``: the one set
    on its unit, else the one most of its respondents answered in), rendered first; empty in
    an analysis stored before it was kept. Every language is stored either way: a unit given
    another language later is served it."""
    department_languages: tuple[tuple[int, str], ...] = ()
    """The language set on each department's unit (``department_languages``), rendered first
    for its department report."""

    def ordered(self, kind: Kind, unit_id: int) -> list[str]:
        """The campaign's languages with the unit's own first: a team's or a department's
        report in its own language is the one stored first."""
        by_kind = {"team": self.team_languages, "department": self.department_languages}
        own = dict(by_kind.get(kind, ())).get(unit_id)
        first = own if own in self.languages else self.languages[0]
        return [first, *(language for language in self.languages if language != first)]


def pack(stored: _Stored) -> bytes:
    return zlib.compress(pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL), 6)


def unpack(content: bytes) -> _Stored:
    loaded = pickle.loads(zlib.decompress(content))
    assert isinstance(loaded, _Stored)
    return loaded


class _Contexts:
    """The stored analyses read lately, kept in this process (a worker renders many reports
    of one snapshot in a row)."""

    def __init__(self, size: int = 2) -> None:
        self._size = size
        self._found: OrderedDict[str, _Stored] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: Engine, snapshot: str) -> _Stored | None:
        with self._lock:
            if snapshot in self._found:
                self._found.move_to_end(snapshot)
                return self._found[snapshot]
        with session_scope(engine) as session:
            content = services.analysis_content(session, snapshot=snapshot)
        if content is None:
            return None
        stored = unpack(content)
        with self._lock:
            self._found[snapshot] = stored
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return stored


_CONTEXTS = _Contexts()


class ReportsAtClose:
    """Registers the jobs on ``huey`` under fixed names, so a job queued by one process runs
    in another."""

    def __init__(
        self, huey: Any, *, engine: Engine, lease: timedelta, notify: Notify | None = None
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.notify = notify
        self._sweep = huey.task(name="reports_at_close_sweep")(self.sweep)
        self._analyse = huey.task(name="reports_at_close_analyse", retries=2, retry_delay=30)(
            self.analyse
        )
        self._render = huey.task(name="reports_at_close_render", retries=2, retry_delay=10)(
            self.render
        )
        huey.periodic_task(crontab(), name="reports_at_close_every_minute")(self.sweep)

    def enqueue_sweep(self) -> None:
        """Queue a sweep now (after HR closed a campaign; at a worker's start)."""
        self._sweep()

    # -- the jobs -------------------------------------------------------------------------

    def sweep(self) -> None:
        with session_scope(self.engine) as session:
            started = services.start_runs(session)
        for run_id in started:
            logger.info("reports at close: run %s started", run_id)
            self._analyse(run_id)
        with session_scope(self.engine) as session:
            lost = services.take_stale_claims(session, lease=self.lease)
        for run_id, kind, unit_id in lost:
            logger.warning(
                "reports at close: the %s report of unit %s (run %s) lost its worker, queued"
                " again", kind, unit_id, run_id,
            )  # fmt: skip
            self._render(run_id, kind, unit_id)
        with session_scope(self.engine) as session:
            stalled = services.take_stalled_runs(session, lease=self.lease)
        for run in stalled:
            logger.warning("reports at close: run %s lost its worker, queued again", run.id)
            assert run.id is not None
            if run.status == ReportRunStatus.analysing:
                self._analyse(run.id)
            else:
                self._queue_missing(run)

    def analyse(self, run_id: int) -> None:
        with session_scope(self.engine) as session:
            run = services.run_to_work_on(session, run_id=run_id)
        if run is None:
            return
        if run.status == ReportRunStatus.rendering:  # analysed already: queue what is missing
            self._queue_missing(run)
            return
        try:
            data, previous = batch.load_waves(self.engine, run.campaign_id)
            with session_scope(self.engine) as session:
                own = services.report_languages(session, campaign_id=run.campaign_id)
                departments = services.department_languages(session, campaign_id=run.campaign_id)
            if data.fingerprint != run.snapshot:
                raise ServiceError("the campaign was reopened: its snapshot is no longer current")
            stored = _Stored(
                context=batch.analysis_context(
                    data, previous=previous, generated_at=datetime.now(UTC)
                ),
                plan=batch.planned_reports(data),
                languages=list(data.languages),
                team_languages=tuple(sorted(own.items())),
                department_languages=tuple(sorted(departments.items())),
            )
        except ServiceError as refused:
            with session_scope(self.engine) as session:
                services.fail_run(session, run_id=run_id, error=str(refused))
            return
        with session_scope(self.engine) as session:
            services.store_analysis(
                session,
                run=run,
                content=pack(stored),
                planned=len(stored.plan) * len(stored.languages),
            )
        for kind, unit_id in stored.plan:
            self._render(run_id, kind, unit_id)

    def render(self, run_id: int, kind: Kind, unit_id: int) -> None:
        with session_scope(self.engine) as session:
            run = services.run_to_work_on(session, run_id=run_id)
            if run is None or run.status != ReportRunStatus.rendering:
                return
            have = services.stored_keys(session, run=run)
        stored = _CONTEXTS.get(self.engine, run.snapshot)
        if stored is None:  # the analysis is gone (reopened meanwhile): nothing to do
            return
        missing = [
            lang
            for lang in stored.ordered(kind, unit_id)
            if any((kind, unit_id, lang, fmt) not in have for fmt in services.FORMATS)
        ]
        if not missing:
            return
        with session_scope(self.engine) as session:
            services.claim_unit(session, run=run, kind=kind, unit_id=unit_id)
        rendered = []
        written = False
        with collector.rendering():
            for language in missing:
                try:
                    pdf, html = batch.render_both(kind, unit_id, stored.context, language=language)
                except SuppressedTeamError as refused:
                    rendered += [
                        services.Rendered((kind, unit_id, language, fmt), None, refused.reason)
                        for fmt in services.FORMATS
                    ]
                    continue
                written = True
                rendered += [
                    services.Rendered((kind, unit_id, language, "pdf"), pdf),
                    services.Rendered((kind, unit_id, language, "html"), html.encode("utf-8")),
                ]
        with session_scope(self.engine) as session:
            finished = services.store_reports(
                session, run=run, kind=kind, unit_id=unit_id, rendered=rendered
            )
        if finished:
            logger.info("reports at close: run %s done", run_id)
        if written and kind != "organisation" and self.notify is not None:
            self.notify(run.campaign_id, unit_id)

    def _queue_missing(self, run: ReportRun) -> None:
        assert run.id is not None
        stored = _CONTEXTS.get(self.engine, run.snapshot)
        if stored is None:
            self._analyse(run.id)
            return
        with session_scope(self.engine) as session:
            have = services.stored_keys(session, run=run)
        for kind, unit_id in stored.plan:
            wanted = {
                (kind, unit_id, lang, fmt) for lang in stored.languages for fmt in services.FORMATS
            }
            if not wanted <= have:
                self._render(run.id, kind, unit_id)
