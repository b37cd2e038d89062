"""The files of a closed campaign in HR's console: the answers as CSV and as SPSS, their codebook,
and the instrument's validity report (PDF and HTML). Admins only: anyone else gets the 404 page
of a page that does not exist, as for a campaign they may not see. An open or draft campaign has
no results yet: a 409, as on the JSON API, shown as a page.

The files are those of the JSON API for the same snapshot, written by the same functions
(``api.services.export_files``); reading one is recorded by the services as the API's reads
are, so that a campaign whose results were read can no longer be reopened.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.services import collection, exchange, export_files, results
from api.services.access import Principal
from api.services.accounts import Visit
from api.services.errors import Conflict, NotFound
from api.web.console.routes import VisitDep, _language, _page
from api.web.pages import PageError, SessionDep, digits

router = APIRouter(include_in_schema=False)

PREFIX = "/console/campaigns/{campaign_id}"
HTML_MEDIA_TYPE = "text/html; charset=utf-8"


class File(NamedTuple):
    """A file of the campaign: its content and media type, and the snapshot it is made of."""

    content: bytes
    media_type: str
    snapshot: str


Make = Callable[[Session, Principal, int, str], File]
"""Writes one file: session, the admin, the campaign's id and the page's language."""


@router.get(f"{PREFIX}/answers.csv")
def answers_csv(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _download(request, session, visit, campaign_id, _answers_csv, name="answers.csv")


@router.get(f"{PREFIX}/answers.sav")
def answers_sav(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _download(request, session, visit, campaign_id, _answers_sav, name="answers.sav")


@router.get(f"{PREFIX}/codebook.csv")
def codebook_csv(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _download(request, session, visit, campaign_id, _codebook_csv, name="codebook.csv")


@router.get(f"{PREFIX}/validity.pdf")
def validity_pdf(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _download(request, session, visit, campaign_id, _validity_pdf, name="validity.pdf")


@router.get(f"{PREFIX}/validity.html")
def validity_html(
    campaign_id: str, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _download(request, session, visit, campaign_id, _validity_html, name="validity.html")


def _download(
    request: Request, session: Session, visit: Visit, campaign_id: str, make: Make, *, name: str
) -> Response:
    """The file ``make`` writes, as an attachment named after the campaign; the page saying
    why not when the campaign has no results (409)."""
    if not visit.principal.is_admin or not digits(campaign_id):
        raise PageError(404, "not_found")
    try:
        campaign = collection.get_visible_campaign(
            session, principal=visit.principal, campaign_id=int(campaign_id)
        )
    except NotFound:
        raise PageError(404, "not_found") from None
    assert campaign.id is not None
    try:
        file = make(session, visit.principal, campaign.id, _language(request, visit))
    except Conflict as refused:
        return _page(
            request,
            visit,
            "console/results_refused.html",
            status=409,
            campaign=campaign,
            detail=str(refused),
        )
    filename = file_name(campaign.name, campaign_id=campaign.id, snapshot=file.snapshot, name=name)
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def file_name(campaign_name: str, *, campaign_id: int, snapshot: str, name: str) -> str:
    """``spring-2027-campaign-3-0a1b2c3d4e5f-answers.csv``: the campaign's name in ASCII, its
    id (names repeat from one year to the next) and its snapshot's fingerprint."""
    ascii_name = unicodedata.normalize("NFKD", campaign_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower())[:60].strip("-")
    parts = (slug, f"campaign-{campaign_id}", snapshot[:12], name)
    return "-".join(part for part in parts if part)


def _answers_csv(session: Session, principal: Principal, campaign_id: int, _: str) -> File:
    export = exchange.export_answers(session, principal=principal, campaign_id=campaign_id)
    content = export_files.answers_csv(export).encode("utf-8")
    return File(content, f"{export_files.CSV_MEDIA_TYPE}; charset=utf-8", export.snapshot)


def _answers_sav(session: Session, principal: Principal, campaign_id: int, _: str) -> File:
    export = exchange.export_answers(session, principal=principal, campaign_id=campaign_id)
    return File(export_files.answers_sav(export), export_files.SAV_MEDIA_TYPE, export.snapshot)


def _codebook_csv(session: Session, principal: Principal, campaign_id: int, _: str) -> File:
    export = exchange.export_answers(session, principal=principal, campaign_id=campaign_id)
    content = export_files.codebook_csv(export_files.build_codebook(export)).encode("utf-8")
    return File(content, f"{export_files.CSV_MEDIA_TYPE}; charset=utf-8", export.snapshot)


def _validity_pdf(session: Session, principal: Principal, campaign_id: int, language: str) -> File:
    report = results.validity_report_pdf(
        session, principal=principal, campaign_id=campaign_id, language=language
    )
    return File(report.content, "application/pdf", report.snapshot)


def _validity_html(session: Session, principal: Principal, campaign_id: int, language: str) -> File:
    report = results.validity_report_html(
        session, principal=principal, campaign_id=campaign_id, language=language
    )
    return File(report.content, HTML_MEDIA_TYPE, report.snapshot)
