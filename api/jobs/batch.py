"""Every team report of a campaign, rendered in parallel into a folder, resumably.

The campaign is loaded and analysed once, here; worker processes receive the analysis and the
names once, through the pool's initializer, and each task only builds one view and renders it.
Every file is written under a temporary name and renamed, so a run killed midway never leaves
half a report under a report's name. ``index.json`` records, after every finished unit, what
was written (with the file's SHA-256), suppressed (with the analysis' reason) or failed (with
the error), under a fingerprint of everything that determines the reports: a second run with
the same fingerprint skips the files still on disk unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import CampaignAnalysis
from api import collector
from api.jobs.batch_index import (
    DEPARTMENT,
    INDEX_PAGE,
    ORGANISATION,
    Kind,
    Manifest,
    ReportEntry,
    Status,
    write_atomically,
)
from api.services.errors import FieldError, ValidationFailed
from instrument import load_builtin
from reports import (
    DepartmentReportView,
    OrganisationReportView,
    PaddingEvent,
    SuppressedTeamError,
    TeamReportView,
    UnitInfo,
    build_department_view,
    build_organisation_view,
    build_team_view,
    render_department_html,
    render_department_pdf,
    render_organisation_html,
    render_organisation_pdf,
    render_team_html,
    render_team_pdf,
)
from reports.standalone import standalone_html, write_assets

if TYPE_CHECKING:
    # Not imported at run time: the workers import this module and need no database code.
    from sqlalchemy import Engine

    from api.services.campaigns import CampaignData
    from api.store.models import StoredReport

ASSETS = "assets"
"""The folder, beside the HTML reports, that holds the fonts they share (written once)."""
Progress = Callable[[int, int, str], None]
"""Told after each report: how many are done, of how many, and the last one's name."""


class ReportFormat(StrEnum):
    pdf = "pdf"
    html = "html"


@dataclass(frozen=True)
class BatchSummary:
    campaign_id: int
    out_dir: Path
    fingerprint: str
    entries: tuple[ReportEntry, ...]
    """The teams first, by name, then the organisation report when there is one."""
    rendered: int
    resumed: int
    """Reports already on disk, unchanged, from a run with the same fingerprint: skipped."""
    stored: int = 0
    """Reports copied as the jobs at close stored them, not rendered again."""

    @property
    def index(self) -> Path:
        return self.out_dir / INDEX_PAGE

    def with_status(self, status: Status) -> tuple[ReportEntry, ...]:
        return tuple(e for e in self.entries if e.status == status)


@dataclass(frozen=True)
class _RenderContext:
    """What every worker needs, sent once per worker: never a database connection."""

    analysis: CampaignAnalysis
    instrument_ref: str
    units: dict[str, UnitInfo]
    invited: dict[str, int]
    organisation_name: str
    campaign_name: str
    language: str
    generated_at: datetime
    fmt: ReportFormat
    out_dir: Path
    fingerprint: str
    snapshot: str | None = None
    """The fingerprint of the closed campaign's snapshot, printed in every report."""
    imported: dict[str, int] = dataclasses.field(default_factory=dict)
    """Responses imported per team (paper forms), counted apart from the invited."""
    padding: tuple[PaddingEvent, ...] = ()
    """Invitations added after opening and answers imported, for the organisation report."""
    previous: pd.DataFrame | None = None
    """Each team's change since the previous wave (``CampaignData.trend_from``), or None."""
    invariance: pd.DataFrame | None = None
    """Whether each scale's means may be compared between teams
    (``CampaignData.invariance_across_departments``)."""


@dataclass(frozen=True)
class _Task:
    key: str
    """The manifest's key: a team's unit id as the analysis knows it, ``department-<id>`` for
    a department report, or ``ORGANISATION``."""
    name: str
    file: str
    kind: Kind = "team"
    language: str | None = None
    """The report's language; None: the run's (``_RenderContext.language``)."""

    @property
    def unit(self) -> str:
        """The unit id as the analysis knows it (the organisation's key for its report)."""
        return self.key.removeprefix(f"{DEPARTMENT}-")

    @property
    def unit_id(self) -> int | None:
        return None if self.kind == "organisation" else int(self.unit)


def render_campaign_reports(
    engine: Engine,
    *,
    campaign_id: int,
    out_dir: Path,
    units: Sequence[int] | None = None,
    fmt: ReportFormat = ReportFormat.pdf,
    workers: int | None = None,
    language: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> BatchSummary:
    """Render the reports of the campaign's teams (or of ``units`` only, then without the
    organisation report) into ``out_dir``, with its ``index.json`` and ``index.html``.

    Every report is in ``language`` when one is given. Otherwise each team's report is in the
    team's own language (``api.services.stored_reports.report_languages``: the one set on its
    unit, else the one most of its respondents answered in), each department's in the one set
    on its unit (``department_languages``), and the others in the campaign's first.

    Refuses, before writing anything, a campaign that does not exist (``NotFound``), a unit
    that is not one of the campaign's or a language the campaign lacks (``ValidationFailed``).
    """
    data, previous = load_waves(engine, campaign_id)
    chosen_language = _checked_language(data, language)
    own = {} if language else own_languages(engine, campaign_id)
    tasks = _tasks(data, units, fmt=fmt, languages=own)
    _record_read(engine, campaign_id)
    fingerprint = input_fingerprint(
        data, language=chosen_language, fmt=fmt, previous=previous, team_languages=own
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == ReportFormat.html:
        write_assets(out_dir / ASSETS)
    for leftover in out_dir.glob(".*.part"):
        leftover.unlink(missing_ok=True)
    manifest = Manifest.load(out_dir, campaign_id=campaign_id, fingerprint=fingerprint)
    if force:
        manifest.generated_at = datetime.now(UTC)
    pending = tasks if force else [t for t in tasks if not manifest.is_done(t.key, t.file)]
    waiting = set(pending)
    skipped = [manifest.entries[t.key] for t in tasks if t not in waiting]
    done, told = len(skipped), progress or (lambda _done, _total, _name: None)
    told(done, len(tasks), "resumed")
    copied: dict[str, ReportEntry] = {}
    if pending and not force:  # what the jobs at close stored is written, not rendered again
        copied = _copied_from_store(engine, data, pending, language=chosen_language, fmt=fmt,
                                    out_dir=out_dir, fingerprint=fingerprint)  # fmt: skip
        for entry in copied.values():
            manifest.record(entry)
            done += 1
            told(done, len(tasks), entry.name)
        pending = [t for t in pending if t.key not in copied]
    if pending:  # the analysis only when there is something to render
        context = _context_for(
            data, previous=previous, language=chosen_language, fmt=fmt, out_dir=out_dir,
            fingerprint=fingerprint, generated_at=manifest.generated_at,
        )  # fmt: skip
        # The organisation report of a large campaign is the largest single layout (1,000
        # teams: some 40 s and 0.85 GB): rendered here once the pool has ended, its memory
        # never adds to the workers'.
        teams = [t for t in pending if t.key != ORGANISATION]
        organisation = [t for t in pending if t.key == ORGANISATION]
        rounds = ((teams, workers or os.cpu_count() or 1), (organisation, 1))
        for chosen, processes in rounds:
            for entry in _rendered(chosen, context, workers=processes):
                manifest.record(entry)
                done += 1
                told(done, len(tasks), entry.name)
    manifest.write_index_page(data.campaign_name)
    return BatchSummary(
        campaign_id=campaign_id,
        out_dir=out_dir,
        fingerprint=fingerprint,
        entries=tuple(manifest.entries[t.key] for t in tasks),
        rendered=len(pending),
        resumed=sum(e.status == "written" for e in skipped),
        stored=len(copied),
    )


def _context_for(
    data: CampaignData,
    *,
    previous: CampaignData | None,
    language: str,
    fmt: ReportFormat,
    out_dir: Path,
    fingerprint: str,
    generated_at: datetime,
) -> _RenderContext:
    analysis = data.analyse()
    return _RenderContext(
        analysis=analysis,
        instrument_ref=data.instrument.ref,
        units=data.report_units(),
        invited=data.invited_by_team(),
        organisation_name=data.organisation_name,
        campaign_name=data.campaign_name,
        language=language,
        generated_at=generated_at,
        fmt=fmt,
        out_dir=out_dir,
        fingerprint=fingerprint,
        snapshot=data.fingerprint,
        imported=data.imported_by_team(),
        padding=data.padding,
        previous=data.trend_from(
            previous,
            analysis=analysis,
            previous_analysis=None if previous is None else previous.analyse(),
        ),
        invariance=data.invariance_across_departments(analysis),
    )


def load_waves(engine: Engine, campaign_id: int) -> tuple[CampaignData, CampaignData | None]:
    """The campaign and the wave before it (None when it has none)."""
    from api.services import campaigns as services
    from api.store.db import session_scope

    with session_scope(engine) as session:
        data = services.load_snapshot(session, campaign_id=campaign_id)
        previous = services.load_previous_wave(session, campaign_id=campaign_id)
    return data, previous


def own_languages(engine: Engine, campaign_id: int) -> dict[str, str]:
    """The language of each team's report, by its id as the analysis knows it, and of each
    department's, by its report's key (``department-<id>``), by the rules every output reads
    (``stored_reports.report_languages`` and ``department_languages``); a report left out is
    in the campaign's first."""
    from api.services import stored_reports
    from api.store.db import session_scope

    with session_scope(engine) as session:
        teams = stored_reports.report_languages(session, campaign_id=campaign_id)
        departments = stored_reports.department_languages(session, campaign_id=campaign_id)
    return {
        **{str(unit): language for unit, language in teams.items()},
        **{f"{DEPARTMENT}-{unit}": language for unit, language in departments.items()},
    }


def _copied_from_store(
    engine: Engine,
    data: CampaignData,
    tasks: Sequence[_Task],
    *,
    language: str,
    fmt: ReportFormat,
    out_dir: Path,
    fingerprint: str,
) -> dict[str, ReportEntry]:
    """The tasks whose report the jobs at close stored for the snapshot, written into
    ``out_dir`` as stored (an HTML page with its fonts linked from ``ASSETS``), by key."""
    from api.services import stored_reports
    from api.store.db import session_scope

    if data.fingerprint is None:
        return {}
    stored: dict[tuple[str, str, int], StoredReport] = {}
    with session_scope(engine) as session:
        for wanted in {task.language or language for task in tasks}:
            found_in = stored_reports.stored_in(
                session, campaign_id=data.campaign_id, snapshot=data.fingerprint,
                language=wanted, fmt=str(fmt),
            )  # fmt: skip
            stored.update({(wanted, *key): report for key, report in found_in.items()})
    copied = {}
    for task in tasks:
        written_in = task.language or language
        found = stored.get((written_in, task.kind, task.unit_id or 0))
        if found is None:
            continue
        if found.content is None:
            copied[task.key] = ReportEntry(
                task.unit_id, task.name, "suppressed", None, None, found.reason, None,
                fingerprint, task.kind, written_in,
            )  # fmt: skip
            continue
        content = found.content
        if fmt == ReportFormat.html:
            page = standalone_html(content.decode("utf-8"), assets=f"{ASSETS}/")
            content = page.encode("utf-8")
        write_atomically(out_dir / task.file, content)
        copied[task.key] = ReportEntry(
            task.unit_id, task.name, "written", task.file, hashlib.sha256(content).hexdigest(),
            None, None, fingerprint, task.kind, written_in,
        )  # fmt: skip
    return copied


def _record_read(engine: Engine, campaign_id: int) -> None:
    from api.services import campaigns as services
    from api.store.db import session_scope

    with session_scope(engine) as session:
        services.record_read(session, campaign_id=campaign_id)


def _tasks(
    data: CampaignData,
    units: Sequence[int] | None,
    *,
    fmt: ReportFormat,
    languages: dict[str, str] | None = None,
) -> list[_Task]:
    """A report per chosen team, by name, in its language of ``languages`` (by team id; a team
    left out: the run's); then a department report per chosen unit above the teams but the
    chart's root (whose report is the organisation's), by name; the organisation's last,
    unless units were chosen."""
    own = languages or {}
    names = {str(u.id): u.name for u in data.units}
    chosen = _chosen_teams(data, units)
    chart = data.chart()
    above = [u for u in data.above_teams() if chart.get(u) is not None]
    answered = set(data.responses["team"].astype(str))
    invited = data.invited_by_team()
    tasks = [
        _Task(
            team_id,
            names[team_id],
            _file_name(team_id, names[team_id], fmt),
            language=own.get(team_id),
        )
        for team_id in chosen
        # A department taking part for its own staff has a team report of them; with no one
        # of its own invited or answering, it has its department report only.
        if team_id not in above or team_id in answered or invited.get(team_id)
    ]
    departments = above if units is None else [u for u in chosen if u in above]
    tasks += [
        _Task(
            f"{DEPARTMENT}-{unit}",
            names[unit],
            _file_name(f"{DEPARTMENT}-{unit}", names[unit], fmt),
            kind=DEPARTMENT,
            language=own.get(f"{DEPARTMENT}-{unit}"),
        )
        for unit in sorted(departments, key=lambda u: (names[u], int(u)))
    ]
    if units is None:
        tasks.append(
            _Task(ORGANISATION, data.organisation_name, f"{ORGANISATION}.{fmt}", "organisation")
        )
    return tasks


def _checked_language(data: CampaignData, language: str | None) -> str:
    chosen = language or data.languages[0]
    if chosen not in data.languages:
        raise ValidationFailed(
            [FieldError("language", f"{chosen!r} is not a language of the campaign")]
        )
    return chosen


def _chosen_teams(data: CampaignData, units: Sequence[int] | None) -> list[str]:
    """The campaign's units to report on, as the analysis' team ids, by name."""
    names = {u.id: u.name for u in data.units}
    if units is None:
        chosen = list(data.invited)
    else:
        errors = [
            FieldError(f"units[{i}]", f"unit {u} is not part of campaign {data.campaign_id}")
            for i, u in enumerate(units)
            if u not in data.invited
        ]
        if errors:
            raise ValidationFailed(errors)
        chosen = list(dict.fromkeys(units))
    return [str(u) for u in sorted(chosen, key=lambda u: (names[u], u))]


def input_fingerprint(
    data: CampaignData,
    *,
    language: str,
    fmt: ReportFormat,
    previous: CampaignData | None = None,
    team_languages: dict[str, str] | None = None,
) -> str:
    """SHA-256 of everything the reports are made of: the campaign's settings, the answers
    (in any row order: the store does not keep one), the units' names and places, the invited
    counts, the language, each team's own language where it has one (``team_languages``: a
    unit given another report language changes what is rendered), the format, the version of
    transversal, and the previous wave's campaign and answers (the reports print the change
    since it)."""
    settings = {
        "campaign": [data.campaign_id, data.campaign_name, data.organisation_name],
        "instrument": data.instrument.ref,
        "min_group_size": data.min_group_size,
        "language": language,
        "team_languages": sorted((team_languages or {}).items()),
        "format": str(fmt),
        "version": _version(),
        "columns": [str(c) for c in data.responses.columns],
        "units": sorted([u.id, u.name, u.parent_id, str(u.kind)] for u in data.units),
        "invited": sorted(data.invited.items()),
        "previous": None if previous is None else previous.campaign_id,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for wave in (data, previous):
        if wave is not None:
            rows = pd.util.hash_pandas_object(wave.responses, index=False).to_numpy()
            rows.sort()
            digest.update(rows.tobytes())
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("transversal")
    except metadata.PackageNotFoundError:
        return "unknown"


def _file_name(team_id: str, name: str, fmt: ReportFormat) -> str:
    return f"{team_id}-{slugify(name)}.{fmt}"


def slugify(name: str) -> str:
    """A file-name-safe, lower-case ASCII form of a unit name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "unit"


# -- the workers -----------------------------------------------------------------------------

_context: _RenderContext | None = None


def _start_worker(context: _RenderContext | None) -> None:
    global _context
    _context = context


def _start_pool_worker(context: _RenderContext) -> None:
    _start_worker(context)
    collector.tune_for_rendering()


def _rendered(
    tasks: Sequence[_Task], context: _RenderContext, *, workers: int
) -> Iterator[ReportEntry]:
    """The tasks' entries as they finish: in this process for one worker, else in a pool of
    spawned processes (no copy of this process' threads, connections or open files)."""
    if not tasks:
        return
    if workers == 1:
        _start_worker(context)
        try:
            with collector.rendering():
                yield from map(_render, tasks)
        finally:
            _start_worker(None)
        return
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=get_context("spawn"),
        initializer=_start_pool_worker,
        initargs=(context,),
    )
    try:
        futures: dict[Future[ReportEntry], _Task] = {pool.submit(_render, t): t for t in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # a worker died: the task fails, the others go on
                yield _failed(futures[future], exc, context.fingerprint, context.language)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _render(task: _Task) -> ReportEntry:
    """Build and render one report into its file; never raises."""
    context = _context
    assert context is not None, "the worker was not started"
    try:
        content = _report(task, context)
        write_atomically(context.out_dir / task.file, content)
    except SuppressedTeamError as refused:
        return ReportEntry(
            task.unit_id, task.name, "suppressed", None, None, refused.reason, None,
            context.fingerprint, task.kind, task.language or context.language,
        )  # fmt: skip
    except Exception as exc:  # one team's failure must not stop the others
        return _failed(task, exc, context.fingerprint, context.language)
    return ReportEntry(
        task.unit_id, task.name, "written", task.file, hashlib.sha256(content).hexdigest(),
        None, None, context.fingerprint, task.kind, task.language or context.language,
    )  # fmt: skip


def _report(task: _Task, context: _RenderContext) -> bytes:
    view = _view(task, context)
    html = context.fmt == ReportFormat.html
    if isinstance(view, OrganisationReportView):
        page = render_organisation_html(view) if html else render_organisation_pdf(view)
    elif isinstance(view, DepartmentReportView):
        page = render_department_html(view) if html else render_department_pdf(view)
    else:
        page = render_team_html(view) if html else render_team_pdf(view)
    if isinstance(page, str):
        return standalone_html(page, assets=f"{ASSETS}/").encode("utf-8")
    return page


def _view(
    task: _Task, context: _RenderContext
) -> TeamReportView | DepartmentReportView | OrganisationReportView:
    shared: dict[str, Any] = {
        "instrument": load_builtin(context.instrument_ref),
        "units": context.units,
        "organisation_name": context.organisation_name,
        "campaign_name": context.campaign_name,
        "language": task.language or context.language,
        "generated_at": context.generated_at,
        "invited": context.invited,
        "snapshot": context.snapshot,
        "imported": context.imported,
    }
    if task.key == ORGANISATION:
        return build_organisation_view(context.analysis, padding=context.padding, **shared)
    if task.kind == DEPARTMENT:
        return build_department_view(
            context.analysis, unit_id=task.unit, invariance=context.invariance, **shared
        )
    return build_team_view(
        context.analysis,
        team_id=task.key,
        previous=context.previous,
        invariance=context.invariance,
        **shared,
    )


# -- one report at a time, for the jobs that render at close ---------------------------------


def analysis_context(
    data: CampaignData, *, previous: CampaignData | None, generated_at: datetime
) -> _RenderContext:
    """Everything the snapshot's reports are built from, in any language or format: the
    analysis, the invariance, the change since the previous wave, the names (picklable, to
    be stored once and read by every job that renders one of its reports)."""
    assert data.fingerprint is not None, "only a closed campaign's snapshot is reported on"
    return _context_for(
        data, previous=previous, language=data.languages[0], fmt=ReportFormat.pdf,
        out_dir=Path(), fingerprint=data.fingerprint, generated_at=generated_at,
    )  # fmt: skip


def planned_reports(data: CampaignData) -> list[tuple[Kind, int]]:
    """The reports the snapshot may have, as (kind, unit id), the organisation's (unit 0)
    last: a team report per unit of the campaign, a department report per unit above the
    teams but the root, and the organisation's."""
    return [(t.kind, t.unit_id or 0) for t in _tasks(data, None, fmt=ReportFormat.pdf)]


def render_both(
    kind: Kind, unit_id: int, context: _RenderContext, *, language: str
) -> tuple[bytes, str]:
    """One report as a PDF and as an HTML page (before its fonts are linked, see
    ``reports.standalone``); ``SuppressedTeamError`` when the unit may have none."""
    key = {ORGANISATION: ORGANISATION, DEPARTMENT: f"{DEPARTMENT}-{unit_id}"}.get(
        kind, str(unit_id)
    )
    task = _Task(key, "", "", kind)
    view = _view(task, dataclasses.replace(context, language=language))
    if isinstance(view, OrganisationReportView):
        return render_organisation_pdf(view), render_organisation_html(view)
    if isinstance(view, DepartmentReportView):
        return render_department_pdf(view), render_department_html(view)
    return render_team_pdf(view), render_team_html(view)


def _failed(task: _Task, exc: BaseException, fingerprint: str, language: str) -> ReportEntry:
    error = f"{type(exc).__name__}: {exc}"
    return ReportEntry(
        task.unit_id, task.name, "failed", None, None, None, error, fingerprint, task.kind,
        task.language or language,
    )  # fmt: skip
