"""HR's batch of reports: every report of a closed campaign made by a job of the queue, its
progress, and the whole set as one ZIP.

The campaign page's "All reports" section (``console/_batch.html``) posts the request; the
job runs elsewhere (``api.jobs.report_batch``), and the progress page reads the batch's row.
The page works as plain HTML (a link checks again); ``static/batch.js`` brings the figures up
to date in place where scripts run. Only admins see any of it: for anyone else each page is
the 404 of a page that does not exist.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.jobs.queue import Jobs, app_jobs, reports_folder
from api.jobs.report_sets import ReportSet, report_set, zip_chunks
from api.services import collection
from api.services import report_batches as services
from api.services.accounts import Visit
from api.services.campaigns import aware
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.settings import get_settings
from api.store.models import Campaign, ReportBatch
from api.web.console.routes import (
    VisitDep,
    _admin_campaign,
    _campaign_page,
    _check_csrf,
    _page,
)
from api.web.i18n import LANGUAGES
from api.web.pages import PageError, SessionDep, check_same_origin, digits, read_form

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)


def _jobs(request: Request) -> Jobs:
    """The app's queue, made from the settings when a job is first queued."""
    return app_jobs(request.app.state)


def _enqueue(request: Request, batch_id: int) -> None:
    _jobs(request).enqueue_report_batch(batch_id)


def _reports_dir(request: Request) -> Path:
    """Where the jobs render the sets of reports; reading them needs no queue."""
    jobs: Jobs | None = getattr(request.app.state, "jobs", None)
    return jobs.reports_dir if jobs is not None else reports_folder(get_settings())


ReportsDirDep = Annotated[Path, Depends(_reports_dir)]


@router.post("/console/campaigns/{campaign_id}/reports/new")
async def start_batch(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """Queue the batch, or show the one still running; either way, its progress page."""
    check_same_origin(request)
    fields = await read_form(request)
    _check_csrf(visit, fields)
    found = _admin_campaign(session, visit, campaign_id)
    try:
        started = services.start_report_batch(
            session,
            principal=visit.principal,
            campaign_id=found,
            fmt=fields.get("format", ""),
            language=fields.get("language", ""),
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    except (Conflict, ValidationFailed) as refused:
        return _campaign_page(request, session, visit, found, problems=[("", str(refused))])
    batch_id = started.batch.id
    assert batch_id is not None
    if started.enqueue:
        try:
            await run_in_threadpool(_enqueue, request, batch_id)
        except Exception as exc:  # the queue's store is out of reach: the batch says so
            logger.exception("report batch %s could not be queued", batch_id)
            reason = f"the job queue could not be reached ({type(exc).__name__})"
            services.fail_report_batch(session, batch_id=batch_id, error=reason)
    return RedirectResponse(_batch_url(found, batch_id, request), status_code=303)


@router.get("/console/campaigns/{campaign_id}/reports")
def batches_page(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The campaign's batches, the latest first, each with a link to its page."""
    campaign = _campaign(session, visit, campaign_id)
    assert campaign.id is not None
    batches = services.list_report_batches(
        session, principal=visit.principal, campaign_id=campaign.id
    )
    return _page(
        request,
        visit,
        "console/batches.html",
        active="campaigns",
        campaign=campaign,
        batches=[_view(b) for b in batches],
    )


@router.get("/console/campaigns/{campaign_id}/reports/{batch_id}")
def batch_page(
    campaign_id: str, batch_id: str, request: Request, session: SessionDep, visit: VisitDep,
    reports_dir: ReportsDirDep,
) -> Response:  # fmt: skip
    """How far the batch has got; once done, the download and the units without a report."""
    campaign, batch = _batch(session, visit, campaign_id, batch_id)
    missing: list[dict[str, Any]] = []
    if batch.status == "done":
        missing = [
            {"name": e.name, "status": e.status, "reason": e.reason or e.error or ""}
            for e in _set_of(reports_dir, batch).entries()
            if e.status != "written"
        ]
    assert campaign.id is not None
    assert batch.id is not None
    return _page(
        request,
        visit,
        "console/batch.html",
        active="campaigns",
        campaign=campaign,
        batch=_view(batch),
        missing=missing,
        page_url=_batch_url(campaign.id, batch.id, request),
    )


@router.get("/console/campaigns/{campaign_id}/reports/{batch_id}/download")
def download_batch(
    campaign_id: str, batch_id: str, session: SessionDep, visit: VisitDep,
    reports_dir: ReportsDirDep,
) -> Response:  # fmt: skip
    """The whole set as one ZIP, streamed from its folder: the reports, the index and, beside
    HTML reports, the fonts they share."""
    _, batch = _batch(session, visit, campaign_id, batch_id)
    if batch.status != "done":
        raise PageError(404, "not_found")
    reports = _set_of(reports_dir, batch)
    try:
        files = reports.files()
    except FileNotFoundError:
        logger.exception("report batch %s: its set is no longer whole", batch.id)
        raise PageError(404, "not_found") from None
    root = reports.archive_name
    return StreamingResponse(
        zip_chunks(files, root=root),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{root}.zip"'},
    )


def _campaign(session: Session, visit: Visit, campaign_id: str) -> Campaign:
    found = _admin_campaign(session, visit, campaign_id)
    return collection.get_visible_campaign(session, principal=visit.principal, campaign_id=found)


def _batch(
    session: Session, visit: Visit, campaign_id: str, batch_id: str
) -> tuple[Campaign, ReportBatch]:
    """The campaign and its batch, for an admin; else the 404 of a missing page."""
    campaign = _campaign(session, visit, campaign_id)
    if not digits(batch_id) or campaign.id is None:
        raise PageError(404, "not_found")
    try:
        batch = services.get_report_batch(
            session, principal=visit.principal, campaign_id=campaign.id, batch_id=int(batch_id)
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    return campaign, batch


def _set_of(reports_dir: Path, batch: ReportBatch) -> ReportSet:
    return report_set(
        reports_dir, campaign_id=batch.campaign_id, snapshot=batch.snapshot,
        fmt=batch.format, language=batch.language,
    )  # fmt: skip


def _batch_url(campaign_id: int, batch_id: int, request: Request) -> str:
    url = f"/console/campaigns/{campaign_id}/reports/{batch_id}"
    asked = request.query_params.get("lang")
    return f"{url}?lang={asked}" if asked in LANGUAGES else url


def _view(batch: ReportBatch) -> dict[str, Any]:
    """The batch as the templates show it: plain values."""
    return {
        "id": batch.id,
        "status": str(batch.status),
        "format": batch.format,
        "language": batch.language,
        "done": batch.done,
        "total": batch.total,
        "error": batch.error or "",
        "created_at": aware(batch.created_at),
        "finished_at": aware(batch.finished_at),
    }
