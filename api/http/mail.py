"""HR's routes for e-mail: the campaign's list of addresses, its invitations and reminders
sent by e-mail, and the send log.

The rules are those of ``api.services.mail``: an address is kept only while its campaign is
open; the tokens of e-mailed invitations are never shown; the send log gives counts and the
reasons of failures, with their addresses to admins only. Sending is the queue's work
(``api.jobs.mail``): these routes store and queue, and answer at once.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from api.http.deps import PrincipalDep, SessionDep
from api.http.errors import error_responses
from api.jobs.queue import app_jobs
from api.services import mail, mail_roster
from api.services.exchange import read_csv_table
from api.services.export_files import CSV_MEDIA_TYPE
from api.settings import get_settings

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/campaigns/{campaign_id}",
    tags=["mail"],
    responses=error_responses(401, 403, 404, 409, 422, 429),
)


class RosterCleared(BaseModel):
    removed: int = Field(description="Addresses not invited yet, taken off the list.")


class RemindersIn(BaseModel):
    times: list[AwareDatetime] = Field(
        max_length=mail.MAX_REMINDERS,
        description="When to remind those who have not answered, each with its offset. The"
        " reminders still to come are replaced; those already sent stay.",
    )


class Requeued(BaseModel):
    queued: int


@router.post(
    "/roster",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def upload_roster(
    campaign_id: int,
    principal: PrincipalDep,
    session: SessionDep,
    body: Annotated[str, Body(media_type=CSV_MEDIA_TYPE)],
    response: Response,
    dry_run: bool = False,
) -> mail_roster.RosterImport:
    """Addresses to invite by e-mail: a CSV with the columns ``email``, ``unit`` (the unit's id
    or external id) and ``language`` (optional: the campaign's first), comma- or
    semicolon-separated. Every bad row is listed (``rows[<line>].<column>``, the header being
    line 1) and refuses the file: nothing is stored. An address on the list already is
    skipped. ``dry_run``: check only (200). Admins only, while the campaign is not closed."""
    principal.require_admin()
    found = mail_roster.import_roster(
        session,
        principal=principal,
        campaign_id=campaign_id,
        table=read_csv_table(body),
        dry_run=dry_run,
    )
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return found


@router.get("/roster")
def get_roster(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> mail_roster.Roster:
    """The list counted by unit and language, and how many are invited: never an address."""
    return mail_roster.roster(session, principal=principal, campaign_id=campaign_id)


@router.delete("/roster")
def clear_roster(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> RosterCleared:
    """Take the addresses not invited yet off the list, to list them again corrected."""
    removed = mail_roster.remove_uninvited(session, principal=principal, campaign_id=campaign_id)
    return RosterCleared(removed=removed)


@router.post("/mail/invitations", status_code=status.HTTP_202_ACCEPTED)
def send_invitations(
    campaign_id: int,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
) -> mail.InvitationsQueued:
    """E-mail an invitation to every address of the list not invited yet, at the configured
    rate; a draft's leave when it opens. The links are never shown. Asking again queues only
    the addresses added since."""
    base = get_settings().public_url or f"{request.url.scheme}://{request.url.netloc}"
    queued = mail.send_invitations(
        session, principal=principal, campaign_id=campaign_id, link_base=base
    )
    _start_delivery(request)
    return queued


@router.get("/mail/reminders")
def get_reminders(
    campaign_id: int, principal: PrincipalDep, session: SessionDep
) -> list[mail.ReminderPublic]:
    return mail.reminders(session, principal=principal, campaign_id=campaign_id)


@router.put("/mail/reminders", responses=error_responses(400, 413))
def set_reminders(
    campaign_id: int, data: RemindersIn, principal: PrincipalDep, session: SessionDep
) -> list[mail.ReminderPublic]:
    """When to remind, by e-mail, those whose invitation was sent and who have not answered:
    times to come, after the campaign opens and before it closes."""
    return mail.set_reminders(
        session, principal=principal, campaign_id=campaign_id, times=data.times
    )


@router.get("/mail/log")
def get_mail_log(campaign_id: int, principal: PrincipalDep, session: SessionDep) -> mail.MailLog:
    """Messages counted by kind and status, and those that failed or wait to be tried again
    with the server's reason; their addresses to admins only. Admins and auditors."""
    return mail.mail_log(session, principal=principal, campaign_id=campaign_id)


@router.post("/mail/retry", status_code=status.HTTP_202_ACCEPTED)
def retry_failed(
    campaign_id: int, request: Request, principal: PrincipalDep, session: SessionDep
) -> Requeued:
    """Send the failed messages again, once the server or the addresses are put right."""
    queued = mail.retry_failed(session, principal=principal, campaign_id=campaign_id)
    if queued:
        _start_delivery(request)
    return Requeued(queued=queued)


def _start_delivery(request: Request) -> None:
    # The messages are stored: if the queue cannot take the job now, the minute's tick will.
    try:
        app_jobs(request.app.state).mail.enqueue_delivery()
    except Exception:
        logger.exception("mail: the delivery job could not be queued; the next tick will")
