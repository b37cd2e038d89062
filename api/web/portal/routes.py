"""The reports of a closed campaign for the people who sign in: a leader reads those of the
units of their subtree, HR (an admin) those of every unit; an auditor never reads one.

A report's web page is the report's own HTML, the same document as the PDF's (one template,
one set of figures), with the portal's bar of links put in front of it. Its styles are inline
and its charts ``data:`` images, so it is sent with a policy of its own that allows inline
styles and ``data:`` images and still no script at all. Anything a reader may not see, or that
does not exist, is the same 404 page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlmodel import Session

from api.services import collection, department_reports, results
from api.services.accounts import Visit
from api.services.collection import get_visible_campaign
from api.services.errors import Conflict, NotFound, ServiceError, ValidationFailed
from api.store.models import Campaign, Role
from api.web.console.routes import VisitDep, _page
from api.web.i18n import LANGUAGES, Translator
from api.web.pages import PageError, SessionDep, environment, static_url

router = APIRouter(include_in_schema=False)

REPORT_ASSETS = "/api/v1/report-assets/"
"""Where the app serves the fonts the reports' web pages name (``api.http.results``)."""

REPORT_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'none'",
        # The report's stylesheet is inlined into its page, and its tables colour their cells
        # with style attributes; every text in it is escaped, and no script may run.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

Kind = Literal["team", "department"]
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def _reader(visit: Visit) -> None:
    """Admins and leaders read reports; anyone else sees the page does not exist."""
    if visit.principal.role not in (Role.admin, Role.leader):
        raise PageError(404, "not_found")


def _campaign(session: Session, visit: Visit, campaign_id: int) -> Campaign:
    try:
        return get_visible_campaign(session, principal=visit.principal, campaign_id=campaign_id)
    except NotFound:
        raise PageError(404, "not_found") from None


def _report_language(request: Request, visit: Visit, campaign: Campaign) -> str:
    """``?lang=`` if the campaign has it, else the reader's own language if the campaign has
    it, else the campaign's first."""
    for wanted in (request.query_params.get("lang"), visit.account.language):
        if wanted in campaign.languages:
            assert wanted is not None
            return wanted
    return campaign.languages[0]


@router.get("/portal")
def portal_home(request: Request, session: SessionDep, visit: VisitDep) -> Response:
    """A leader's campaigns with their progress, and the reports of those closed."""
    principal = visit.principal
    if principal.role != Role.leader:
        raise PageError(404, "not_found")
    rows = []
    for campaign in collection.visible_campaigns(session, principal=principal):
        assert campaign.id is not None
        progress = collection.campaign_progress(
            session, principal=principal, campaign_id=campaign.id
        )
        rows.append({"campaign": campaign, "progress": progress})
    return _page(request, visit, "portal/home.html", rows=rows)


@router.get("/portal/campaigns/{campaign_id}")
def campaign_reports(
    campaign_id: int, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    """The units of the campaign the reader sees, each with its reports or why it has none."""
    _reader(visit)
    campaign = _campaign(session, visit, campaign_id)
    try:
        units = department_reports.campaign_reports(
            session, principal=visit.principal, campaign_id=campaign_id
        )
    except Conflict:
        units = None
    language = _report_language(request, visit, campaign)
    return _page(
        request,
        visit,
        "portal/campaign.html",
        campaign=campaign,
        units=units,
        report_language=language,
        active="portal",
    )


@router.get("/portal/campaigns/{campaign_id}/units/{unit_id}/report")
def team_report_page(
    campaign_id: int, unit_id: int, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _report_page(request, session, visit, campaign_id, unit_id, kind="team")


@router.get("/portal/campaigns/{campaign_id}/units/{unit_id}/department-report")
def department_report_page(
    campaign_id: int, unit_id: int, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _report_page(request, session, visit, campaign_id, unit_id, kind="department")


@router.get("/portal/campaigns/{campaign_id}/units/{unit_id}/report.pdf")
def team_report_pdf(
    campaign_id: int, unit_id: int, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _report_pdf(request, session, visit, campaign_id, unit_id, kind="team")


@router.get("/portal/campaigns/{campaign_id}/units/{unit_id}/department-report.pdf")
def department_report_pdf(
    campaign_id: int, unit_id: int, request: Request, session: SessionDep, visit: VisitDep
) -> Response:
    return _report_pdf(request, session, visit, campaign_id, unit_id, kind="department")


def _report_page(
    request: Request, session: Session, visit: Visit, campaign_id: int, unit_id: int, *, kind: Kind
) -> Response:
    _reader(visit)
    campaign = _campaign(session, visit, campaign_id)
    language = _report_language(request, visit, campaign)
    render_html = (
        results.unit_report_html if kind == "team" else department_reports.department_report_html
    )
    report = _served(
        request,
        visit,
        campaign,
        lambda: render_html(
            session,
            principal=visit.principal,
            campaign_id=campaign_id,
            unit_id=unit_id,
            language=language,
            assets=REPORT_ASSETS,
        ),
    )
    if isinstance(report, Response):
        return report
    page = _with_bar(
        report.content.decode("utf-8"),
        _bar(request, visit, campaign, unit_id, kind=kind, language=language),
    )
    return Response(
        page,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": REPORT_CONTENT_SECURITY_POLICY},
    )


def _report_pdf(
    request: Request, session: Session, visit: Visit, campaign_id: int, unit_id: int, *, kind: Kind
) -> Response:
    _reader(visit)
    campaign = _campaign(session, visit, campaign_id)
    language = _report_language(request, visit, campaign)
    render_pdf = (
        results.unit_report_pdf if kind == "team" else department_reports.department_report_pdf
    )
    report = _served(
        request,
        visit,
        campaign,
        lambda: render_pdf(
            session,
            principal=visit.principal,
            campaign_id=campaign_id,
            unit_id=unit_id,
            language=language,
        ),
    )
    if isinstance(report, Response):
        return report
    stem = "report" if kind == "team" else "department-report"
    name = f"{stem}-{campaign_id}-{unit_id}-{language}.pdf"
    return Response(
        report.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _served(
    request: Request,
    visit: Visit,
    campaign: Campaign,
    make: Callable[[], results.RenderedReport],
) -> results.RenderedReport | Response:
    """The report ``make`` renders, or the page saying why there is none: 404 for a unit the
    reader may not see or that has no report of this kind, 409 with the reason otherwise."""
    try:
        return make()
    except (NotFound, ValidationFailed):
        raise PageError(404, "not_found") from None
    except Conflict as refused:
        return _page(
            request,
            visit,
            "portal/no_report.html",
            status=409,
            campaign=campaign,
            closed=campaign.status == "closed",
            reason=str(refused),
            active="portal",
        )
    except ServiceError:
        raise PageError(404, "not_found") from None


def _bar(
    request: Request, visit: Visit, campaign: Campaign, unit_id: int, *, kind: Kind, language: str
) -> str:
    """The portal's links above a report: back to the campaign's reports, the PDF, the other
    languages of the campaign."""
    t = Translator(_page_language(request, visit))
    path = request.url.path
    return (
        environment()
        .get_template("portal/_bar.html")
        .render(
            t=t,
            lang=t.language,
            campaign=campaign,
            kind=kind,
            report_language=language,
            back=f"/portal/campaigns/{campaign.id}?lang={language}",
            pdf=f"{path}.pdf?lang={language}",
            other_languages=[
                (code, f"{path}?lang={code}") for code in campaign.languages if code != language
            ],
            csrf=visit.csrf,
        )
    )


def _page_language(request: Request, visit: Visit) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        assert asked is not None
        return asked
    return visit.account.language if visit.account.language in LANGUAGES else LANGUAGES[0]


def _with_bar(report: str, bar: str) -> str:
    """The report's page with ``bar`` (already escaped markup) first in its body, and the
    bar's stylesheet in its head."""
    found = _BODY.search(report)
    if found is None:
        raise ValueError("a report's HTML has no <body>")
    link = str(Markup('<link rel="stylesheet" href="{}">').format(static_url("portal-bar.css")))
    head_end = report.lower().index("</head>")
    report = report[:head_end] + link + report[head_end:]
    found = _BODY.search(report)
    assert found is not None
    return report[: found.end()] + bar + report[found.end() :]
