"""Results of a campaign for the people allowed to see them, and the report of a unit (PDF or HTML).

Figures come from ``analysis.analyse_campaign``; units under the campaign's minimum group size
appear only as suppressed, with the reason, and never with a number.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime
from typing import NamedTuple

import pandas as pd
from pydantic import BaseModel
from sqlmodel import Session

from analysis import CampaignAnalysis
from analysis.validity import ValidityAssessment, assess_validity
from api.services import campaigns as services
from api.services import stored_reports
from api.services.access import Principal
from api.services.analysis_cache import ANALYSES, OUTPUTS
from api.services.collection import get_visible_campaign
from api.services.errors import Conflict, FieldError, NotFound, ValidationFailed
from api.store.models import Campaign
from reports import (
    SuppressedTeamError,
    TeamReportView,
    build_team_view,
    render_team_html,
    render_team_pdf,
)
from reports.standalone import standalone_html
from reports.validity import (
    ValidityReportView,
    build_validity_view,
    render_validity_html,
    render_validity_pdf,
)


class ScaleQuality(BaseModel):
    scale: str
    k: int | None
    n: int | None
    alpha: float | None
    alpha_ci_low: float | None
    alpha_ci_high: float | None
    omega: float | None
    icc1: float | None
    icc2: float | None


class ScaleScore(BaseModel):
    scale: str
    shown: bool
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    rwg_j: float | None
    diff: float | None
    diff_ci_low: float | None
    diff_ci_high: float | None


class UnitResult(BaseModel):
    unit_id: int
    name: str
    respondents: int
    """Responses received from the unit."""
    analysed: int | None
    """The n behind the unit's figures: every response received, since careless ones are left
    out of the reliability only (None for a suppressed unit)."""
    suppressed: bool
    reason: str | None
    profile: str | None
    scores: list[ScaleScore]


class CampaignResults(BaseModel):
    campaign_id: int
    snapshot: str
    """The fingerprint of the closed campaign's snapshot these results are made of."""
    instrument: str
    min_group_size: int
    excluded: int
    """Respondents excluded as careless, organisation-wide, among those in a group of at
    least the minimum (the rows an export carries, whose ``careless`` flags add up to it):
    withheld respondents are in no count (the policy: the validity report)."""
    scales: list[ScaleQuality]
    units: list[UnitResult]


def campaign_results(
    session: Session, *, principal: Principal, campaign_id: int
) -> CampaignResults:
    get_visible_campaign(session, principal=principal, campaign_id=campaign_id)
    every = OUTPUTS.get(
        ("results", campaign_id, _fingerprint(session, campaign_id=campaign_id)),
        lambda: _every_unit_results(session, campaign_id=campaign_id),
    )
    services.record_read(session, campaign_id=campaign_id)
    return every.model_copy(update={"units": [u for u in every.units if principal.sees(u.unit_id)]})


def _fingerprint(session: Session, *, campaign_id: int) -> str:
    """The fingerprint of the closed campaign's snapshot, read without its responses
    (``Conflict`` for a campaign that is not closed, as ``load_snapshot``)."""
    with session.begin():
        campaign = services.require_campaign(session, campaign_id)
        return services.read_snapshot(session, campaign=campaign).fingerprint


def _every_unit_results(session: Session, *, campaign_id: int) -> CampaignResults:
    """The results of every unit of the closed campaign (each principal sees some of them)."""
    data = services.load_snapshot(session, campaign_id=campaign_id)
    analysis = ANALYSES.analysis(data)
    names = {u.id: u.name for u in data.units if u.id is not None}
    units = [
        _unit_result(analysis, unit_id=unit_id, name=names[unit_id])
        for unit_id in sorted(data.invited, key=lambda u: names[u])
    ]
    assert data.fingerprint is not None
    return CampaignResults(
        campaign_id=campaign_id,
        snapshot=data.fingerprint,
        instrument=data.instrument.ref,
        min_group_size=data.min_group_size,
        excluded=analysis.n_excluded,
        scales=_quality(analysis),
        units=units,
    )


class UnitDisclosure(BaseModel):
    """What the disclosure decision does with one unit of the chart: counts, never a figure."""

    unit_id: int
    name: str
    parent_id: int | None
    own: int
    """Respondents invited in the unit itself."""
    total: int
    """Respondents in the unit and everything below it."""
    team_shown: bool
    """Whether the unit's own respondents are a group of their own: a report of its own."""
    export_unit_id: int | None
    """The unit its own respondents' rows carry in an export; None: withheld from it."""
    export_pooled: bool | None
    """Whether those rows are part of a pool of units under the minimum."""
    pooled_here: int
    """Respondents of smaller units pooled into a group at this unit."""
    published: int
    """Respondents the figure of the unit's whole subtree pools."""


class CampaignDisclosure(BaseModel):
    """The one disclosure decision of a closed campaign's snapshot, unit by unit, for HR and
    for a works council to check (``docs/confidentiality.md``)."""

    campaign_id: int
    snapshot: str
    min_group_size: int
    units: list[UnitDisclosure]


def campaign_disclosure(
    session: Session, *, principal: Principal, campaign_id: int
) -> CampaignDisclosure:
    """The decision every output of the closed campaign follows (admins and auditors only);
    counts only, so reading it is no read of the results."""
    principal.require_admin_or_auditor()
    get_visible_campaign(session, principal=principal, campaign_id=campaign_id, audit=True)
    return OUTPUTS.get(
        ("disclosure", campaign_id, _fingerprint(session, campaign_id=campaign_id)),
        lambda: _disclosure(session, campaign_id=campaign_id),
    )


def _disclosure(session: Session, *, campaign_id: int) -> CampaignDisclosure:
    data = services.load_snapshot(session, campaign_id=campaign_id)
    decision = ANALYSES.analysis(data).decision
    names = {str(u.id): u.name for u in data.units}
    units = []
    for row in decision.to_frame().to_dict("records"):
        unit = str(row["unit"])
        atom = decision.row_atom(unit)
        units.append(
            UnitDisclosure(
                unit_id=int(unit),
                name=names.get(unit, unit),
                parent_id=None if row["parent"] is None else int(row["parent"]),
                own=int(row["own"]),
                total=int(row["total"]),
                team_shown=bool(row["team_shown"]),
                export_unit_id=None if atom is None else int(atom.unit),
                export_pooled=None if atom is None else atom.kind == "pooled",
                pooled_here=int(row["pooled"]),
                published=int(row["published"]),
            )
        )
    return CampaignDisclosure(
        campaign_id=campaign_id,
        snapshot=data.fingerprint or "",
        min_group_size=data.min_group_size,
        units=units,
    )


def _quality(analysis: CampaignAnalysis) -> list[ScaleQuality]:
    icc = analysis.icc.set_index("scale")
    rows = []
    for row in analysis.reliability.to_dict("records"):
        scale = str(row["scale"])
        agreement = icc.loc[scale] if scale in icc.index else None
        rows.append(
            ScaleQuality(
                scale=scale,
                k=_int(row.get("k")),
                n=_int(row.get("n")),
                alpha=_float(row.get("alpha")),
                alpha_ci_low=_float(row.get("alpha_ci_low")),
                alpha_ci_high=_float(row.get("alpha_ci_high")),
                omega=_float(row.get("omega")),
                icc1=_float(agreement["icc1"]) if agreement is not None else None,
                icc2=_float(agreement["icc2"]) if agreement is not None else None,
            )
        )
    return rows


def _unit_result(analysis: CampaignAnalysis, *, unit_id: int, name: str) -> UnitResult:
    team = str(unit_id)
    sizes = analysis.team_sizes.set_index("team")
    analysed = int(sizes["respondents"].get(team, 0))
    suppressed = analysis.suppressed.set_index("team")["reason"]
    if team in suppressed.index or analysed < analysis.min_group_size:
        reason = (
            str(suppressed[team])
            if team in suppressed.index
            else f"{analysed} respondents, fewer than the minimum of {analysis.min_group_size}"
        )
        return UnitResult(
            unit_id=unit_id,
            name=name,
            respondents=int(sizes["answered"].get(team, analysed)),
            analysed=None,
            suppressed=True,
            reason=reason,
            profile=None,
            scores=[],
        )
    rows = analysis.teams[analysis.teams["team"] == team].to_dict("records")
    profiles = analysis.profiles.set_index("team")["profile"]
    return UnitResult(
        unit_id=unit_id,
        name=name,
        respondents=int(sizes["answered"].get(team, analysed)),
        analysed=analysed,
        suppressed=False,
        reason=None,
        profile=str(profiles[team]) if team in profiles.index else None,
        scores=[_score(row) for row in rows],
    )


def _score(row: dict[object, object]) -> ScaleScore:
    shown = bool(row["shown"])
    figures = ("mean", "sd", "ci_low", "ci_high", "rwg_j", "diff", "diff_ci_low", "diff_ci_high")
    values = {f: (_float(row.get(f)) if shown else None) for f in figures}
    return ScaleScore(
        scale=str(row["scale"]), shown=shown, n=_int(row.get("n")) if shown else None, **values
    )


class RenderedReport(NamedTuple):
    """A unit's report in one format, with the snapshot it is made of."""

    content: bytes
    snapshot: str


def unit_report_pdf(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> RenderedReport:
    """The unit's PDF report, for an admin or a leader whose subtree holds the unit: as it
    was stored at close, or rendered now (and stored)."""
    return RenderedReport(
        *_team_report(
            session, principal=principal, campaign_id=campaign_id, unit_id=unit_id,
            language=language, fmt="pdf",
        )
    )  # fmt: skip


def unit_report_html(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    unit_id: int,
    language: str | None,
    assets: str,
) -> RenderedReport:
    """The unit's report as one HTML page with the PDF's content, for the same readers; its
    fonts are fetched from ``assets`` (a path ending in "/")."""
    page, snapshot = _team_report(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id,
        language=language, fmt="html",
    )  # fmt: skip
    return RenderedReport(linked_page(page, assets=assets), snapshot)


def linked_page(page: bytes, *, assets: str) -> bytes:
    """A report's page as stored, with its stylesheets inlined and its fonts under ``assets``."""
    return standalone_html(page.decode("utf-8"), assets=assets).encode("utf-8")


def _team_report(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    unit_id: int,
    language: str | None,
    fmt: str,
) -> tuple[bytes, str]:
    chosen = _checked_unit(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )

    def render() -> tuple[bytes, str]:
        view = unit_report_view(
            session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=chosen
        )
        content = render_team_pdf(view) if fmt == "pdf" else render_team_html(view).encode()
        return content, view.snapshot or ""

    key = ("team", unit_id, chosen, fmt)
    return stored_reports.served(session, campaign_id=campaign_id, key=key, render=render)


def unit_report_view(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> TeamReportView:
    """What the unit's report shows, once access, the unit and the language are checked, in
    that order (404, 422), then that the campaign is closed (409)."""
    chosen = _checked_unit(
        session, principal=principal, campaign_id=campaign_id, unit_id=unit_id, language=language
    )
    data = services.load_snapshot(session, campaign_id=campaign_id)
    previous = services.load_previous_wave(session, campaign_id=campaign_id)
    try:
        analysis, invariance = ANALYSES.with_invariance(data)
        view = build_team_view(
            analysis,
            instrument=data.instrument,
            team_id=str(unit_id),
            units=data.report_units(),
            organisation_name=data.organisation_name,
            campaign_name=data.campaign_name,
            language=chosen,
            generated_at=datetime.now(UTC),
            invited=data.invited_by_team(),
            previous=data.trend_from(
                previous,
                analysis=analysis,
                previous_analysis=None if previous is None else ANALYSES.analysis(previous),
            ),
            invariance=invariance,
            snapshot=data.fingerprint,
            imported=data.imported_by_team(),
        )
    except SuppressedTeamError as refused:
        raise Conflict(f"no report for unit {unit_id}: {refused.reason}") from None
    services.record_read(session, campaign_id=campaign_id)
    return view


def _checked_unit(
    session: Session, *, principal: Principal, campaign_id: int, unit_id: int, language: str | None
) -> str:
    """The language of the unit's report, once access and the unit (404) and the language
    (422) are checked, in that order."""
    campaign = get_visible_campaign(session, principal=principal, campaign_id=campaign_id)
    if not principal.sees(unit_id) or unit_id not in services.campaign_unit_ids(
        session, campaign_id=campaign_id
    ):
        raise NotFound("unit", unit_id)
    if language is None:
        # The team's own language: the one set on its unit, else its respondents' majority.
        return stored_reports.default_language(
            session, campaign=campaign, kind="team", unit_id=unit_id
        )
    return report_language(campaign, language)


def report_language(campaign: Campaign, language: str | None) -> str:
    """The language a report of the campaign is asked in, the campaign's first by default;
    ``ValidationFailed`` for one the campaign does not have."""
    chosen = language or campaign.languages[0]
    if chosen not in campaign.languages:
        raise ValidationFailed(
            [FieldError("language", f"{chosen!r} is not a language of the campaign")]
        )
    return chosen


def _float(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _int(value: object) -> int | None:
    number = _float(value)
    return None if number is None else round(number)


# -- the instrument's validity report -----------------------------------------------------------


def validity_report_pdf(
    session: Session, *, principal: Principal, campaign_id: int, language: str | None
) -> RenderedReport:
    """The closed campaign's instrument validity report as a PDF, for an admin."""
    view = validity_report_view(
        session, principal=principal, campaign_id=campaign_id, language=language
    )
    return RenderedReport(render_validity_pdf(view), view.snapshot or "")


def validity_report_html(
    session: Session, *, principal: Principal, campaign_id: int, language: str | None
) -> RenderedReport:
    """The validity report as one HTML file with the PDF's content and nothing left to fetch
    (its styles and fonts inlined), to be saved and opened from disk."""
    view = validity_report_view(
        session, principal=principal, campaign_id=campaign_id, language=language
    )
    page = standalone_html(render_validity_html(view))
    return RenderedReport(page.encode("utf-8"), view.snapshot or "")


def validity_report_view(
    session: Session, *, principal: Principal, campaign_id: int, language: str | None
) -> ValidityReportView:
    """Whether the instrument measured what it intends to in the closed campaign's snapshot
    (the checks of ``transversal validate --campaign``), for an admin; access, that the
    campaign is closed and the language (one of the instrument's, the campaign's first by
    default) are checked in that order (404 or 403, 409, 422)."""
    principal.require_admin()
    campaign = get_visible_campaign(session, principal=principal, campaign_id=campaign_id)
    chosen = language or campaign.languages[0]
    data = services.load_snapshot(session, campaign_id=campaign_id)
    if chosen not in data.instrument.languages:
        raise ValidationFailed(
            [FieldError("language", f"{chosen!r} is not a language of {data.instrument.ref}")]
        )
    if data.responses.empty:
        raise Conflict(f"campaign {campaign_id} closed without answers: there is nothing to assess")
    disclosed = disclosed_responses(data)
    if disclosed.empty:
        raise Conflict(
            f"campaign {campaign_id} has no group of at least {data.min_group_size} respondents,"
            " even pooled up the organisation chart: there is nothing to assess"
        )
    assessment = _validity_assessment(data, disclosed)
    fingerprint = data.fingerprint or ""
    view = build_validity_view(
        assessment,
        instrument=data.instrument,
        language=chosen,
        generated_at=datetime.now(UTC),
        source=f"{data.organisation_name} · {data.campaign_name} · {fingerprint[:12]}",
    )
    services.record_read(session, campaign_id=campaign_id)
    return replace(view, snapshot=fingerprint)


_VALIDITY_KEPT = 4
_validity: OrderedDict[str, ValidityAssessment] = OrderedDict()
_validity_lock = threading.Lock()


def disclosed_responses(data: services.CampaignData) -> pd.DataFrame:
    """The snapshot's responses in a group of at least the minimum (the rows an export
    carries): the validity report assesses them only. Its counts of careless respondents,
    over every response, less the exported flags would tell how many of the withheld ones
    the screening caught."""
    decision = ANALYSES.analysis(data).decision
    teams = data.responses["team"]
    in_atom = {unit: decision.row_atom(str(unit)) is not None for unit in set(teams)}
    return data.responses.loc[teams.map(in_atom).to_numpy(dtype=bool)]


def _validity_assessment(
    data: services.CampaignData, responses: pd.DataFrame
) -> ValidityAssessment:
    """``assess_validity`` of the snapshot's disclosed ``responses`` (seconds of factor
    analyses), once per fingerprint for the last few campaigns asked for: the PDF and the HTML
    of a snapshot share it."""
    key = data.fingerprint or ""
    with _validity_lock:
        found = _validity.get(key)
        if found is not None:
            _validity.move_to_end(key)
            return found
    assessment = assess_validity(
        responses, instrument=data.instrument, min_group_size=data.min_group_size
    )
    with _validity_lock:
        _validity[key] = assessment
        while len(_validity) > _VALIDITY_KEPT:
            _validity.popitem(last=False)
    return assessment
