"""Reports ready when a campaign closes: what is rendered for a closed snapshot, how far its run
has got, and the reports served as they were stored.

Closing a campaign (by HR, or by its ``closes_at`` when first read or swept) leaves a snapshot;
a sweep of the queue (``api.jobs.reports_at_close``) starts one run per snapshot, whose first
job stores the analysis and whose next jobs each store one unit's reports, in every language
of the campaign, as PDF and as HTML. The API, the portal and ``transversal report`` read what
is stored and render only what is missing. A service never queues anything itself: it returns
what the caller must queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from api.services.campaigns import record_read, settle, snapshot_fingerprint_of
from api.services.errors import Conflict
from api.store import repositories as core
from api.store import stored_reports as repo
from api.store.models import (
    Campaign,
    CampaignUnit,
    ReportRun,
    ReportRunStatus,
    Response,
    StoredReport,
    Unit,
    utc_now,
)
from api.store.stored_reports import StoredKey
from reports.languages import department_language, team_language

FORMATS = ("pdf", "html")
WRITTEN = "written"
SUPPRESSED = "suppressed"
MAX_ERROR = 2000


@dataclass(frozen=True)
class RunProgress:
    """How far the reports of a campaign's current snapshot have got, for HR."""

    status: ReportRunStatus
    planned: int
    """Reports to render (units that may have one, times the campaign's languages); 0 while
    the analysis runs."""
    done: int
    error: str | None


def start_runs(session: Session) -> list[int]:
    """Moves the campaigns whose time has come (as their first reader would), forgets what was
    stored for snapshots no longer current, and starts a run for every closed snapshot that has
    none: the new runs' ids, whose analysis the caller queues."""
    with session.begin():
        for campaign in repo.due_campaigns(session, now=utc_now()):
            settle(session, campaign)
    with session.begin():
        for campaign_id, current in repo.campaigns_with_stale_snapshots(session):
            repo.delete_other_snapshots(session, campaign_id=campaign_id, keep=current)
    started = []
    with session.begin():
        for organisation_id, campaign_id, snapshot in repo.snapshots_without_run(session):
            now = utc_now()
            row = {
                "organisation_id": organisation_id,
                "campaign_id": campaign_id,
                "snapshot": snapshot,
                "status": ReportRunStatus.analysing,
                "planned": 0,
                "created_at": now,
                "heartbeat_at": now,
            }
            run_id = repo.insert_run(session, row=row)
            if run_id is not None:
                started.append(run_id)
    return started


def take_stalled_runs(session: Session, *, lease: timedelta) -> list[ReportRun]:
    """The runs silent for longer than ``lease`` (their worker killed, or its machine gone),
    each claimed by this caller, to queue its work again."""
    now = utc_now()
    stale_before = now - lease
    taken = []
    with session.begin():
        for run in repo.stalled_runs(session, stale_before=stale_before):
            assert run.id is not None
            if repo.take_stalled(session, run_id=run.id, now=now, stale_before=stale_before):
                taken.append(run)
    return taken


MAX_ATTEMPTS = 3
"""Jobs started on one unit of a run (huey's retries and the sweep's requeues together)
before the run is failed with the unit named."""


def take_stale_claims(session: Session, *, lease: timedelta) -> list[tuple[int, str, int]]:
    """The units whose job started longer than ``lease`` ago and stored nothing (its worker
    killed, or its machine gone), each taken by this caller to queue again: (run, kind,
    unit). A unit tried ``MAX_ATTEMPTS`` times fails its run instead, naming it."""
    now = utc_now()
    stale_before = now - lease
    taken = []
    with session.begin():
        for claim in repo.stale_claims(session, stale_before=stale_before):
            if claim.attempts >= MAX_ATTEMPTS:
                _fail(
                    session,
                    run_id=claim.run_id,
                    error=(
                        f"the {claim.kind} report of unit {claim.unit_id} could not be"
                        f" rendered in {claim.attempts} attempts: see the workers' logs"
                    ),
                )
                continue
            if repo.renew_claim(session, claim=claim, now=now, stale_before=stale_before):
                taken.append((claim.run_id, claim.kind, claim.unit_id))
    return taken


def claim_unit(session: Session, *, run: ReportRun, kind: str, unit_id: int) -> int:
    """Say a job renders the unit's reports now; how many jobs have started on it."""
    assert run.id is not None
    with session.begin():
        return repo.claim_unit(session, run_id=run.id, kind=kind, unit_id=unit_id, now=utc_now())


def run_to_work_on(session: Session, *, run_id: int) -> ReportRun | None:
    """The run, if it still has work (analysing or rendering) and its snapshot is the
    campaign's current one; a run whose campaign was reopened is marked failed."""
    with session.begin():
        run = repo.get_run(session, run_id=run_id)
        if run is None or run.status not in (ReportRunStatus.analysing, ReportRunStatus.rendering):
            return None
        current = core.get_snapshot(session, campaign_id=run.campaign_id)
        if current is None or current.fingerprint != run.snapshot:
            _fail(
                session,
                run_id=run_id,
                error="the campaign was reopened: its snapshot is no longer current",
            )
            return None
        return run


def analysis_content(session: Session, *, snapshot: str) -> bytes | None:
    with session.begin():
        return repo.analysis_content(session, snapshot=snapshot)


def store_analysis(session: Session, *, run: ReportRun, content: bytes, planned: int) -> None:
    """Keep the snapshot's analysis and move the run on to rendering its ``planned`` reports."""
    assert run.id is not None
    with session.begin():
        repo.insert_analysis(
            session, campaign_id=run.campaign_id, snapshot=run.snapshot, content=content
        )
        repo.move_run(
            session,
            run_id=run.id,
            before=(ReportRunStatus.analysing,),
            values={
                "status": ReportRunStatus.rendering,
                "planned": planned,
                "heartbeat_at": utc_now(),
            },
        )


def fail_run(session: Session, *, run_id: int, error: str) -> None:
    with session.begin():
        _fail(session, run_id=run_id, error=error)


def _fail(session: Session, *, run_id: int, error: str) -> None:
    """Mark the run failed with ``error``, if it still had work, in the caller's transaction."""
    repo.move_run(
        session,
        run_id=run_id,
        before=(ReportRunStatus.analysing, ReportRunStatus.rendering),
        values={
            "status": ReportRunStatus.failed,
            "error": error[:MAX_ERROR],
            "finished_at": utc_now(),
        },
    )


def stored_keys(session: Session, *, run: ReportRun) -> set[StoredKey]:
    with session.begin():
        return repo.stored_keys(session, campaign_id=run.campaign_id, snapshot=run.snapshot)


@dataclass(frozen=True)
class Rendered:
    """One report rendered by a job: its content, or the reason the unit has none."""

    key: StoredKey
    content: bytes | None
    reason: str | None = None


def store_reports(
    session: Session, *, run: ReportRun, kind: str, unit_id: int, rendered: list[Rendered]
) -> bool:
    """Keep one unit's reports (all its languages and formats, in one transaction: a worker
    killed before leaves nothing of them) and release its claim, tell the run it moves, and
    finish it once every planned report is stored; whether it finished now."""
    assert run.id is not None
    with session.begin():
        repo.insert_reports(
            session,
            rows=[_row(run.campaign_id, run.snapshot, r) for r in rendered],
        )
        repo.release_unit(session, run_id=run.id, kind=kind, unit_id=unit_id)
        now = utc_now()
        repo.move_run(
            session,
            run_id=run.id,
            before=(ReportRunStatus.rendering,),
            values={"heartbeat_at": now},
        )
        current = repo.get_run(session, run_id=run.id)
        if current is None or current.status != ReportRunStatus.rendering:
            return False
        done = repo.count_reports(
            session, campaign_id=run.campaign_id, snapshot=run.snapshot, fmt=FORMATS[0]
        )
        if done < current.planned:
            return False
        return repo.move_run(
            session,
            run_id=run.id,
            before=(ReportRunStatus.rendering,),
            values={"status": ReportRunStatus.done, "finished_at": now},
        )


def store_one(session: Session, *, campaign_id: int, snapshot: str, rendered: Rendered) -> None:
    """Keep a report rendered on request, for the next reader (a first copy stays)."""
    with session.begin():
        repo.insert_reports(session, rows=[_row(campaign_id, snapshot, rendered)])


def _row(campaign_id: int, snapshot: str, rendered: Rendered) -> dict[str, Any]:
    kind, unit_id, language, fmt = rendered.key
    content = rendered.content
    return {
        "campaign_id": campaign_id,
        "snapshot": snapshot,
        "kind": kind,
        "unit_id": unit_id,
        "language": language,
        "format": fmt,
        "status": WRITTEN if content is not None else SUPPRESSED,
        "reason": None if rendered.reason is None else rendered.reason[:MAX_ERROR],
        "content": content,
        "sha256": None if content is None else hashlib.sha256(content).hexdigest(),
        "created_at": utc_now(),
    }


def find_stored(
    session: Session, *, campaign_id: int, snapshot: str, key: StoredKey
) -> StoredReport | None:
    """The stored report under ``key`` of the snapshot, if one was stored."""
    with session.begin():
        return repo.find_report(session, campaign_id=campaign_id, snapshot=snapshot, key=key)


def stored_in(
    session: Session, *, campaign_id: int, snapshot: str, language: str, fmt: str
) -> dict[tuple[str, int], StoredReport]:
    """The snapshot's stored reports in one language and format, by kind and unit."""
    with session.begin():
        found = repo.reports_in(
            session, campaign_id=campaign_id, snapshot=snapshot, language=language, fmt=fmt
        )
        return {(r.kind, r.unit_id): r for r in found}


def run_progress(session: Session, *, campaign_id: int) -> RunProgress | None:
    """How far the reports of the campaign's current snapshot have got; None before a run
    has started (not closed yet, or closed less than a sweep ago)."""
    with session.begin():
        snapshot = core.get_snapshot(session, campaign_id=campaign_id)
        if snapshot is None:
            return None
        run = repo.run_of(session, campaign_id=campaign_id, snapshot=snapshot.fingerprint)
        if run is None:
            return None
        done = repo.count_reports(
            session, campaign_id=campaign_id, snapshot=snapshot.fingerprint, fmt=FORMATS[0]
        )
        return RunProgress(
            status=run.status, planned=run.planned, done=min(done, run.planned), error=run.error
        )


def served(
    session: Session,
    *,
    campaign_id: int,
    key: StoredKey,
    render: Callable[[], tuple[bytes, str]],
) -> tuple[bytes, str]:
    """A report as it was stored for the campaign's current snapshot, or ``render()``-ed now
    and stored for the next reader: its content and the snapshot's fingerprint. The caller
    has checked who asks; ``Conflict`` when the unit has no report (stored as suppressed)."""
    snapshot = snapshot_fingerprint_of(session, campaign_id=campaign_id)
    if snapshot is not None:
        found = find_stored(session, campaign_id=campaign_id, snapshot=snapshot, key=key)
        if found is not None:
            if found.content is None:
                raise Conflict(f"no report for unit {key[1]}: {found.reason}")
            record_read(session, campaign_id=campaign_id)
            return found.content, snapshot
    content, made_of = render()
    if snapshot is not None and made_of == snapshot:
        store_one(
            session, campaign_id=campaign_id, snapshot=snapshot, rendered=Rendered(key, content)
        )
    return content, made_of


def report_languages(
    session: Session, *, campaign_id: int, unit_id: int | None = None
) -> dict[int, str]:
    """The language of the team report of each unit of the campaign that was answered or sets
    one (of ``unit_id`` alone, if given), by ``reports.languages.team_language``: the unit's
    own ``report_language`` when it sets one of the campaign's languages, else the language
    most of its respondents answered in, ties broken by the campaign's order of languages.
    A unit nobody answered that sets no language is in the campaign's first language; the
    departments' reports follow ``department_languages``, the organisation's is in the
    campaign's first."""
    with session.begin():
        languages, set_here = _languages_set(session, campaign_id=campaign_id, unit_id=unit_id)
        if not languages:
            return {}  # no such campaign
        if unit_id is not None and unit_id in set_here:
            return set_here  # the unit's own: its respondents' languages are not counted
        statement = (
            select(Response.unit_id, Response.language, func.count())
            .where(col(Response.campaign_id) == campaign_id)
            .group_by(col(Response.unit_id), col(Response.language))
        )
        if unit_id is not None:
            statement = statement.where(col(Response.unit_id) == unit_id)
        answered: dict[int, list[str]] = {}
        for unit, language, count in session.exec(statement).all():
            answered.setdefault(unit, []).extend([language] * count)
        return {
            unit: team_language(answered.get(unit, ()), languages, chosen=set_here.get(unit))
            for unit in sorted(answered.keys() | set_here.keys())
        }


def department_languages(
    session: Session, *, campaign_id: int, unit_id: int | None = None
) -> dict[int, str]:
    """The language set on each unit of the campaign (of ``unit_id`` alone, if given) that sets
    one of the campaign's languages: its department report's, by
    ``reports.languages.department_language`` (a department that sets none, or one the campaign
    lacks, is in the campaign's first)."""
    with session.begin():
        languages, set_here = _languages_set(session, campaign_id=campaign_id, unit_id=unit_id)
        return {
            unit: department_language(languages, chosen=language)
            for unit, language in set_here.items()
        }


def _languages_set(
    session: Session, *, campaign_id: int, unit_id: int | None
) -> tuple[list[str], dict[int, str]]:
    """The campaign's languages (none for a campaign that does not exist), and the language
    set on each of its units (of ``unit_id`` alone, if given) that sets one of them."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return [], {}
    languages = list(campaign.languages)
    chosen = _chosen_languages(session, campaign_id=campaign_id, unit_id=unit_id)
    return languages, {unit: language for unit, language in chosen.items() if language in languages}


def _chosen_languages(session: Session, *, campaign_id: int, unit_id: int | None) -> dict[int, str]:
    """The report language set on each unit of the campaign that sets one."""
    statement = (
        select(Unit.id, Unit.report_language)
        .join(CampaignUnit, col(CampaignUnit.unit_id) == col(Unit.id))
        .where(CampaignUnit.campaign_id == campaign_id, col(Unit.report_language).is_not(None))
    )
    if unit_id is not None:
        statement = statement.where(col(Unit.id) == unit_id)
    return {
        unit: language
        for unit, language in session.exec(statement).all()
        if unit is not None and language is not None
    }


def default_language(session: Session, *, campaign: Campaign, kind: str, unit_id: int) -> str:
    """The language a unit's report is read in when the reader names none: a team's own, by
    the rule of ``report_languages`` (the one set on its unit, else its respondents'); a
    department's by ``department_languages`` (the one set on its unit); the campaign's first
    for the organisation, and for a unit that has none of its own."""
    assert campaign.id is not None
    if kind == "team":
        own = report_languages(session, campaign_id=campaign.id, unit_id=unit_id)
    elif kind == "department":
        own = department_languages(session, campaign_id=campaign.id, unit_id=unit_id)
    else:
        own = {}
    return own.get(unit_id, campaign.languages[0])
