"""HR's e-mail pages for a campaign: the list of addresses uploaded as a CSV file, previewed (a
dry run: what it would add, or every problem by row) and added on confirmation; the
invitations queued; the reminders' times; the failed messages queued again; the send log.

The campaign page's section (``console/_mail.html``, built by ``mail_section``) holds the
forms. The services (``api.services.mail``, ``api.services.mail_roster``) check and store and
write the audit log; the queue's job sends (``api.jobs.mail``): nothing here sends a message.
Only admins act; an auditor reads the send log, without addresses, as the JSON API lets them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.jobs.queue import app_jobs
from api.services import collection, mail, mail_roster
from api.services.accounts import Visit
from api.services.errors import Conflict, NotFound, ValidationFailed
from api.services.exchange import UnreadableCsv, read_csv_table
from api.store.models import Campaign
from api.web.console import mail_upload as upload
from api.web.console.mail_reminders import ReminderLimits, reminder_problem
from api.web.console.mail_section import COLUMNS, send_log
from api.web.console.mail_template import campaign_units
from api.web.console.mail_template import router as template_router
from api.web.console.routes import (
    VisitDep,
    _admin_campaign,
    _campaign_page,
    _check_csrf,
    _language,
    _page,
    _utc_moment,
    public_base_url,
)
from api.web.i18n import LANGUAGES, Translator
from api.web.pages import PageError, SessionDep, check_same_origin, digits, read_form

router = APIRouter(include_in_schema=False)
router.include_router(template_router)
logger = logging.getLogger(__name__)

PATH = "/console/campaigns/{campaign_id}/mail"
FILE_FIELD = upload.FILE_FIELD


def _back(request: Request, campaign_id: int, notice: str = "") -> Response:
    """To the campaign page's e-mail section, saying what was just done."""
    asked = request.query_params.get("lang")
    query = [f"lang={asked}"] if asked in LANGUAGES else []
    query += [f"mail={notice}"] if notice else []
    url = f"/console/campaigns/{campaign_id}" + ("?" + "&".join(query) if query else "")
    return RedirectResponse(url + "#mail", status_code=303)


def _refused(
    request: Request, session: Session, visit: Visit, campaign_id: int, anchor: str, exc: Exception
) -> Response:
    """The campaign page with the service's reason in its error summary."""
    return _campaign_page(request, session, visit, campaign_id, problems=[(anchor, str(exc))])


def _start_delivery(request: Request) -> None:
    # The messages are stored: if the queue cannot take the job now, the minute's tick will.
    try:
        app_jobs(request.app.state).mail.enqueue_delivery()
    except Exception:
        logger.exception("mail: the delivery job could not be queued; the next tick will")


# -- the list of addresses -----------------------------------------------------------------------


@router.get(PATH + "/preview")
@router.get(PATH + "/add")
@router.get(PATH + "/clear")
@router.get(PATH + "/send")
@router.get(PATH + "/retry")
@router.get(PATH + "/reminders")
@router.get(PATH + "/reminders/remove")
def mail_back(campaign_id: str, request: Request, session: SessionDep, visit: VisitDep) -> Response:
    """A form's address opened again (the language switch of the page a post answered with):
    the campaign page."""
    return _back(request, _admin_campaign(session, visit, campaign_id))


@router.post(PATH + "/preview")
async def roster_preview(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The uploaded file checked, nothing stored: what it would add, or every problem."""
    check_same_origin(request)
    posted = await upload.read_upload(request, file_field=FILE_FIELD)
    _check_csrf(visit, posted.fields)
    found = _admin_campaign(session, visit, campaign_id)
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=found
    )
    problem = _file_problem(posted)
    if problem is not None:
        return _preview_page(request, visit, campaign, filename=posted.filename, errors=[problem])
    assert posted.content is not None
    try:
        return await run_in_threadpool(
            _checked, request, session, visit, campaign, posted.content, posted.filename
        )
    except Conflict as refused:  # the campaign's objects expired with the rollback: ids only
        return _refused(request, session, visit, found, "mail-addresses", refused)


@router.post(PATH + "/add")
async def roster_add(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The previewed file added to the list, all or none."""
    check_same_origin(request)
    fields = await upload.read_sealed_form(request)
    _check_csrf(visit, fields)
    found = _admin_campaign(session, visit, campaign_id)
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=found
    )
    content = upload.unpack(fields, key=visit.csrf, campaign_id=found)
    filename = fields.get("filename", "")[:200]
    try:
        return await run_in_threadpool(
            _checked, request, session, visit, campaign, content, filename, store=True
        )
    except Conflict as refused:  # the campaign's objects expired with the rollback: ids only
        return _refused(request, session, visit, found, "mail-addresses", refused)


def _file_problem(posted: upload.Upload) -> dict[str, Any] | None:
    if posted.too_big:
        return {"key": "mail.error_too_big", "values": {"size": upload.MAX_FILE_BYTES >> 20}}
    if posted.content is None:
        return {"key": "mail.error_no_file", "values": {}}
    if not posted.content.strip():
        return {"key": "mail.error_empty", "values": {}}
    return None


def _checked(
    request: Request,
    session: Session,
    visit: Visit,
    campaign: Campaign,
    content: bytes,
    filename: str,
    *,
    store: bool = False,
) -> Response:
    """Check the file (a dry run) and show what it would add; with ``store``, add it and go
    back to the campaign page. Either way, every problem on the preview page."""
    assert campaign.id is not None
    text = upload.decode(content)
    if text is None:
        problem = {"key": "mail.error_not_text", "values": {}}
        return _preview_page(request, visit, campaign, filename=filename, errors=[problem])
    try:
        table = read_csv_table(text)
        outcome = mail_roster.import_roster(
            session,
            principal=visit.principal,
            campaign_id=campaign.id,
            table=table,
            dry_run=not store,
        )
    except UnreadableCsv as bad:
        problem = {"key": "mail.error_csv", "values": {"row": bad.line, "reason": bad.reason}}
        return _preview_page(request, visit, campaign, filename=filename, errors=[problem])
    except ValidationFailed as refused:
        return _preview_page(
            request, visit, campaign, filename=filename,
            errors=upload.problem_views(refused.errors),
            more=upload.more_problems(refused.errors),
        )  # fmt: skip
    except NotFound:
        raise PageError(404, "not_found") from None
    if store:
        return _back(request, campaign.id, "listed")
    units = campaign_units(session, visit, campaign)
    names = {str(u.id): u.name for u in units}
    names |= {u.external_id: u.name for u in units if u.external_id}
    by_unit, by_language = upload.tally(table, units=names, default_language=campaign.languages[0])
    return _preview_page(
        request, visit, campaign, filename=filename, outcome=outcome,
        by_unit=by_unit, by_language=by_language,
        sealed=upload.pack(content, key=visit.csrf, campaign_id=campaign.id),
    )  # fmt: skip


def _preview_page(
    request: Request,
    visit: Visit,
    campaign: Campaign,
    *,
    filename: str,
    errors: list[dict[str, Any]] | None = None,
    more: int = 0,
    outcome: mail_roster.RosterImport | None = None,
    by_unit: list[tuple[str, int]] | None = None,
    by_language: list[tuple[str, int]] | None = None,
    sealed: dict[str, str] | None = None,
) -> Response:
    return _page(
        request,
        visit,
        "console/mail_preview.html",
        status=422 if errors else 200,
        active="campaigns",
        campaign=campaign,
        filename=filename,
        errors=errors or [],
        more=more,
        outcome=outcome,
        by_unit=by_unit or [],
        by_language=by_language or [],
        sealed=sealed,
        columns=COLUMNS,
        max_megabytes=upload.MAX_FILE_BYTES >> 20,
        file_field=FILE_FIELD,
    )


@router.post(PATH + "/clear")
async def roster_clear(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The addresses not invited yet taken off the list, to list them again corrected."""
    found, _ = await _admin_form(request, session, visit, campaign_id)
    try:
        mail_roster.remove_uninvited(session, principal=visit.principal, campaign_id=found)
    except Conflict as refused:
        return _refused(request, session, visit, found, "mail-addresses", refused)
    return _back(request, found, "cleared")


async def _admin_form(
    request: Request, session: Session, visit: Visit, campaign_id: str
) -> tuple[int, dict[str, str]]:
    """A small form's post, same-origin, with the session's token, from an admin: the
    campaign's id and the fields."""
    check_same_origin(request)
    fields = await read_form(request)
    _check_csrf(visit, fields)
    return _admin_campaign(session, visit, campaign_id), fields


# -- invitations, reminders, retries -------------------------------------------------------------


@router.post(PATH + "/send")
async def invitations_send(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """An invitation queued for every address not invited yet; the queue's job sends them."""
    found, _ = await _admin_form(request, session, visit, campaign_id)
    try:
        await run_in_threadpool(
            mail.send_invitations,
            session,
            principal=visit.principal,
            campaign_id=found,
            link_base=public_base_url(request),
        )
    except (Conflict, ValidationFailed) as refused:
        return _refused(request, session, visit, found, "mail-send", refused)
    await run_in_threadpool(_start_delivery, request)
    return _back(request, found, "sent")


@router.post(PATH + "/retry")
async def messages_retry(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The failed messages queued again, once the server or the addresses are put right."""
    found, _ = await _admin_form(request, session, visit, campaign_id)
    queued = mail.retry_failed(session, principal=visit.principal, campaign_id=found)
    if queued:
        await run_in_threadpool(_start_delivery, request)
    return _back(request, found, "retried")


@router.post(PATH + "/reminders")
async def reminder_add(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """A reminder at the time typed (UTC), to those invited who have not answered."""
    found, fields = await _admin_form(request, session, visit, campaign_id)
    typed = fields.get("send_at", "").strip()[:16]
    texts = Translator(_language(request, visit))
    campaign = collection.get_visible_campaign(
        session, principal=visit.principal, campaign_id=found
    )
    existing = mail.reminders(session, principal=visit.principal, campaign_id=found)
    moment = _utc_moment(typed)
    problem = reminder_problem(texts, campaign, existing, moment)
    if problem is None:
        assert moment is not None
        times = [r.send_at for r in existing if r.planned_at is None] + [moment]
        problem = _set_reminders(session, visit, found, times)
    if problem is None:
        return _back(request, found, "reminders")
    return _page(
        request, visit, "console/mail_reminder.html", status=422, active="campaigns",
        campaign=campaign, typed=typed, errors=[("mail-send-at", problem)],
        limits=ReminderLimits.of(campaign),
    )  # fmt: skip


@router.post(PATH + "/reminders/remove")
async def reminder_remove(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """A reminder still to come taken off (one already sent stays in the log)."""
    found, fields = await _admin_form(request, session, visit, campaign_id)
    chosen = fields.get("reminder", "")
    texts = Translator(_language(request, visit))
    existing = mail.reminders(session, principal=visit.principal, campaign_id=found)
    waiting = [r for r in existing if r.planned_at is None]
    if not any(str(r.id) == chosen for r in waiting):
        return _back(request, found)  # sent meanwhile, or taken off already
    problem = reminder_problem(texts, None, existing, None, removing=True)
    if problem is None:
        times = [r.send_at for r in waiting if str(r.id) != chosen]
        problem = _set_reminders(session, visit, found, times)
    if problem is not None:
        return _campaign_page(
            request, session, visit, found, problems=[("mail-reminders", problem)]
        )
    return _back(request, found, "reminders")


def _set_reminders(
    session: Session, visit: Visit, campaign_id: int, times: list[datetime]
) -> str | None:
    """Store the reminders to come; the service's reason if it refuses them."""
    try:
        mail.set_reminders(session, principal=visit.principal, campaign_id=campaign_id, times=times)
    except (Conflict, ValidationFailed) as refused:
        return str(refused)
    return None


# -- the send log ----------------------------------------------------------------------------------


@router.get(PATH)
def mail_log_page(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """Every kind of message counted by status, and every failure with the server's reason:
    for admins, with the addresses; for auditors, without."""
    principal = visit.principal
    if not (principal.is_admin or principal.is_auditor) or not digits(campaign_id):
        raise PageError(404, "not_found")
    try:
        campaign = collection.get_visible_campaign(
            session, principal=principal, campaign_id=int(campaign_id), audit=True
        )
        found = mail.mail_log(session, principal=principal, campaign_id=int(campaign_id))
    except NotFound:
        raise PageError(404, "not_found") from None
    return _page(
        request,
        visit,
        "console/mail_log.html",
        active="campaigns",
        campaign=campaign,
        log=send_log(found),
        addresses=found.addresses,
    )
