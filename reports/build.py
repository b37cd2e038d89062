"""Building the report views from a campaign analysis, the instrument and the units' names.

The builders do the look-ups (names in the report's language, a team's department), the
NaN-to-``None`` conversion and the suppression rules; they never round. A team report is refused
with ``SuppressedTeamError`` for a team that is not eligible, and a scale the analysis did not
show for a team carries no figure at all, whatever the frame holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import pandas as pd

from instrument.model import Instrument
from reports import _frames
from reports import _organisation_sections as organisation_sections
from reports import _team_sections as sections
from reports import _verdicts as verdicts
from reports._lookups import (
    axis_names,
    department_name,
    estimate,
    median_rwg,
    placement,
    plane_points,
    quality_rows,
    response_range,
    response_rate,
    scale_catalogue,
    unit_name,
)
from reports.formatting import format_number
from reports.i18n import PROFILES, texts_for
from reports.views import (
    CampaignResult,
    Conventions,
    HeatRow,
    OrganisationReportView,
    OrganisationScore,
    PaddingEvent,
    ProfileCount,
    QualityRow,
    ScaleInfo,
    ScaleScore,
    SuppressedTeamError,
    TeamParticipation,
    TeamReportView,
    UnitInfo,
)


def build_team_view(
    analysis: CampaignResult,
    *,
    instrument: Instrument,
    team_id: str,
    units: Mapping[str, UnitInfo],
    organisation_name: str,
    campaign_name: str,
    language: str,
    generated_at: datetime,
    invited: Mapping[str, int] | None,
    previous: pd.DataFrame | None = None,
    invariance: pd.DataFrame | None = None,
    snapshot: str | None = None,
    imported: Mapping[str, int] | None = None,
) -> TeamReportView:
    """The team report of ``team_id``; ``SuppressedTeamError`` if the team is not eligible.

    ``previous`` holds this team's rows of ``analysis.trends.compare_waves(...).teams`` (rows of
    other teams are ignored), or None when there is no previous wave. ``invariance`` has a row
    per scale with columns scale and means_comparable (whether measurement invariance allows
    comparing the scale's means between teams), or is None when it was not assessed.
    """
    catalogue = scale_catalogue(instrument, language=language, analysis=analysis)
    respondents = _eligible_respondents(analysis, team_id, language=language)
    t = texts_for(language)
    rows = _frames.by_key(
        _frames.records(_frames.of_team(analysis.teams, team_id), name="teams"), "team", "scale"
    )
    hidden = t["hidden_reason"].format(n=analysis.min_group_size)
    comparable = sections.comparable_scales(invariance)
    trends = sections.trend_rows(previous, team_id)
    scored = [
        _scale_score(rows[(team_id, scale.scale_id)], scale, hidden_reason=hidden)
        for scale in catalogue.values()
        if (team_id, scale.scale_id) in rows
    ]
    quality = quality_rows(analysis, catalogue, rwg={s.scale.scale_id: s.rwg_j for s in scored})
    by_scale = {row.scale.scale_id: row for row in quality}
    scales = []
    for score in scored:
        if score.shown:
            # The one verdict on this (team, scale): every greying and sentence reads it.
            verdict = verdicts.team_verdict(
                score.scale,
                rwg_j=score.rwg_j,
                quality=by_scale.get(score.scale.scale_id),
                difference=score.difference,
                rest=score.rest,
                comparable=comparable.get(score.scale.scale_id, True),
                t=t,
                language=language,
            )
            score = replace(
                score,
                caveats=verdict.reasons,
                comparable=not verdict.comparison,
                verdict=verdict,
            )
        scales.append(replace(score, trend=sections.trend(score, trends, t=t)))
    judged = {s.scale.scale_id: s.verdict for s in scales}
    quality = tuple(
        replace(
            row, team_mean_justified=verdicts.justified(row.scale, judged.get(row.scale.scale_id))
        )
        for row in quality
    )
    profiles = _frames.records(analysis.profiles, name="profiles")
    own = [row for row in profiles if str(row["team"]) == team_id]
    place = placement(own[0]) if own else None
    invited_count = None if invited is None else invited.get(team_id)
    paper = (imported or {}).get(team_id, 0)
    rate = response_rate(respondents, invited_count, paper)
    answers = response_range(instrument)
    return TeamReportView(
        snapshot=snapshot,
        imported=paper,
        organisation_name=organisation_name,
        campaign_name=campaign_name,
        team_id=team_id,
        team_name=unit_name(units, team_id),
        department_name=department_name(units, team_id),
        language=language,
        generated_at=generated_at,
        instrument_ref=analysis.instrument_ref,
        n_respondents=respondents,
        invited=invited_count,
        response_rate=rate,
        min_group_size=analysis.min_group_size,
        response_range=answers,
        axis_names=axis_names(instrument, language),
        scales=tuple(scales),
        placement=place,
        other_teams=plane_points(row for row in profiles if str(row["team"]) != team_id),
        quality=quality,
        conventions=Conventions(),
        summary=sections.summary(
            scales,
            placement=place,
            n_respondents=respondents,
            response_rate=rate,
            low=answers.low,
            high=answers.high,
            t=t,
            language=language,
        ),
        option_labels=tuple(instrument.response_scale.labels[language]),
        items=sections.item_groups(
            analysis,
            instrument=instrument,
            team_id=team_id,
            scales=scales,
            language=language,
            t=t,
        ),
        meanings=sections.meanings(catalogue, language=language),
        questions=sections.questions(scales, placement=place, t=t, language=language),
        methods=sections.methods(
            analysis,
            invariance=comparable,
            groups=sections.invariance_groups(invariance),
            catalogue=catalogue,
            t=t,
        ),
        has_previous=previous is not None,
    )


def _eligible_respondents(analysis: CampaignResult, team_id: str, *, language: str) -> int:
    """How many of the team answered (the cover's figure and the response rate's numerator),
    or ``SuppressedTeamError`` saying why it has no report."""
    suppressed = _frames.by_key(
        _frames.records(_frames.of_team(analysis.suppressed, team_id), name="suppressed"), "team"
    )
    if (team_id,) in suppressed:
        raise SuppressedTeamError(team_id, str(suppressed[(team_id,)]["reason"]))
    sizes = _frames.by_key(
        _frames.records(_frames.of_team(analysis.team_sizes, team_id), name="team_sizes"), "team"
    )
    size = sizes.get((team_id,), {})
    answered = _frames.answered(size)
    if not _frames.flag(size, "eligible"):
        reason = _withheld_reason(answered, None, analysis, language=language)
        raise SuppressedTeamError(team_id, reason)
    return answered


def _scale_score(row: _frames.Record, scale: ScaleInfo, *, hidden_reason: str) -> ScaleScore:
    if not _frames.flag(row, "shown"):
        # Whatever the frame holds, a hidden scale prints no figure: the rest-of-organisation
        # mean and the difference would give the team's mean away.
        return ScaleScore(scale, False, hidden_reason, None, None, None, None, None, None, None)
    return ScaleScore(
        scale=scale,
        shown=True,
        hidden_reason=None,
        n=_frames.count(row, "n"),
        team=estimate(row, "mean", "ci_low", "ci_high"),
        sd=_frames.number(row, "sd"),
        rest=estimate(row, "rest_mean", "rest_ci_low", "rest_ci_high"),
        difference=estimate(row, "diff", "diff_ci_low", "diff_ci_high"),
        cohens_d=_frames.number(row, "cohens_d"),
        rwg_j=_frames.number(row, "rwg_j"),
    )


# -- the organisation report ---------------------------------------------------------------------


def build_organisation_view(
    analysis: CampaignResult,
    *,
    instrument: Instrument,
    units: Mapping[str, UnitInfo],
    organisation_name: str,
    campaign_name: str,
    language: str,
    generated_at: datetime,
    invited: Mapping[str, int] | None,
    snapshot: str | None = None,
    imported: Mapping[str, int] | None = None,
    padding: Sequence[PaddingEvent] = (),
) -> OrganisationReportView:
    """The organisation report: participation, team means, organisation means, profiles and the
    validity summary. The organisation's figures come from the analysis, which pools the shown
    teams only; greyed figures carry their reasons in the report's language."""
    t = texts_for(language)
    conventions = Conventions()
    catalogue = scale_catalogue(instrument, language=language, analysis=analysis)
    participation = _participation(
        analysis, units=units, invited=invited, imported=imported or {}, language=language
    )
    team_rows = _frames.by_key(_frames.records(analysis.teams, name="teams"), "team", "scale")
    heat_scales = tuple(s for s in catalogue.values() if any(k[1] == s.scale_id for k in team_rows))
    profiles = _frames.records(analysis.profiles, name="profiles")
    quality = quality_rows(analysis, catalogue, rwg=median_rwg(analysis))
    respondents = sum(team.respondents for team in participation)
    invited_total = (
        None
        if any(team.invited is None for team in participation)
        else sum(team.invited or 0 for team in participation)
    )
    heat = _heat_rows(
        participation, heat_scales, team_rows, profiles, quality=quality, t=t, language=language
    )
    paper = sum(team.imported for team in participation)
    return OrganisationReportView(
        snapshot=snapshot,
        imported=paper,
        padding=tuple(padding),
        organisation_name=organisation_name,
        campaign_name=campaign_name,
        language=language,
        generated_at=generated_at,
        instrument_ref=analysis.instrument_ref,
        min_group_size=analysis.min_group_size,
        response_range=response_range(instrument),
        axis_names=axis_names(instrument, language),
        n_respondents=respondents,
        invited=invited_total,
        response_rate=response_rate(respondents, invited_total, paper),
        participation=participation,
        scales=heat_scales,
        heat=heat,
        organisation=_organisation_scores(
            analysis, catalogue, quality=quality, t=t, language=language
        ),
        quality=quality,
        profiles=_profile_counts(profiles),
        team_points=plane_points(profiles),
        conventions=conventions,
        heat_caveats=organisation_sections.heat_caveats(
            heat_scales, quality, conventions=conventions, t=t, language=language
        ),
        heat_groups=organisation_sections.heat_groups(heat_scales, t=t),
        heat_notes=organisation_sections.heat_notes(
            heat_scales, quality, conventions=conventions, t=t, language=language
        ),
        heat_cell_note=(
            t["org_heat_note_cells"].format(
                threshold=format_number(conventions.rwg_j, language=language)
            )
            if any(any(row.unsupported) for row in heat)
            else None
        ),
        unplaced=sum(row.profile is None for row in heat),
        validity=organisation_sections.validity(
            analysis, quality, conventions=conventions, t=t, language=language
        ),
    )


def _participation(
    analysis: CampaignResult,
    *,
    units: Mapping[str, UnitInfo],
    invited: Mapping[str, int] | None,
    imported: Mapping[str, int],
    language: str,
) -> tuple[TeamParticipation, ...]:
    """Every team that answered or was invited, by department then name."""
    sizes = _frames.by_key(_frames.records(analysis.team_sizes, name="team_sizes"), "team")
    reasons = _frames.by_key(_frames.records(analysis.suppressed, name="suppressed"), "team")
    invited = invited or {}
    team_ids = [key[0] for key in sizes] + [t for t in invited if (t,) not in sizes]
    teams = []
    for team_id in team_ids:
        size = sizes.get((team_id,), {})
        # Responses received: every figure counts them all, careless ones included, so that
        # no team's count tells how many of its members were flagged.
        respondents = _frames.answered(size)
        eligible = _frames.flag(size, "eligible") and (team_id,) not in reasons
        reason = _withheld_reason(
            respondents, reasons.get((team_id,), {}).get("reason"), analysis, language=language
        )
        teams.append(
            TeamParticipation(
                team_id=team_id,
                team_name=unit_name(units, team_id),
                department_name=department_name(units, team_id),
                respondents=respondents,
                invited=invited.get(team_id),
                response_rate=response_rate(
                    respondents, invited.get(team_id), imported.get(team_id, 0)
                ),
                eligible=eligible,
                suppressed_reason=None if eligible else reason,
                imported=imported.get(team_id, 0),
            )
        )
    return tuple(sorted(teams, key=lambda t: (t.department_name or "", t.team_name, t.team_id)))


def _withheld_reason(
    respondents: int, reason: object, analysis: CampaignResult, *, language: str
) -> str:
    """Why a team has no report, in the report's language when it is the size rule (the
    analysis words its reasons in English)."""
    if respondents < analysis.min_group_size or reason is None:
        return texts_for(language)["suppressed_too_few"].format(
            respondents=respondents, n=analysis.min_group_size
        )
    return str(reason)


def _heat_rows(
    participation: Iterable[TeamParticipation],
    scales: Iterable[ScaleInfo],
    team_rows: Mapping[tuple[str, ...], _frames.Record],
    profiles: Iterable[_frames.Record],
    *,
    quality: Iterable[QualityRow],
    t: Mapping[str, str],
    language: str,
) -> tuple[HeatRow, ...]:
    """The eligible teams' means; a cell is greyed where the team's verdict does not support
    its figure, as its own report greys it (the columns' reasons are ``heat_caveats``)."""
    places = {str(row["team"]): placement(row) for row in profiles}
    scales = tuple(scales)
    by_scale = {row.scale.scale_id: row for row in quality}
    rows = []
    for team in participation:
        if not team.eligible:
            continue
        means: list[float | None] = []
        unsupported = []
        for scale in scales:
            row = team_rows.get((team.team_id, scale.scale_id), {})
            shown = _frames.flag(row, "shown")
            means.append(_frames.number(row, "mean") if shown else None)
            verdict = verdicts.team_verdict(
                scale,
                rwg_j=_frames.number(row, "rwg_j"),
                quality=by_scale.get(scale.scale_id),
                difference=None,
                rest=None,
                comparable=True,
                t=t,
                language=language,
            )
            unsupported.append(shown and not verdict.figure_supported)
        place = places.get(team.team_id)
        rows.append(
            HeatRow(
                team_id=team.team_id,
                team_name=team.team_name,
                department_name=team.department_name,
                respondents=team.respondents,
                means=tuple(means),
                profile=place.profile if place else None,
                certain=place.certain if place else None,
                unsupported=tuple(unsupported),
            )
        )
    return tuple(rows)


def _organisation_scores(
    analysis: CampaignResult,
    catalogue: Mapping[str, ScaleInfo],
    *,
    quality: Iterable[QualityRow],
    t: Mapping[str, str],
    language: str,
) -> tuple[OrganisationScore, ...]:
    rows = _frames.by_key(_frames.records(analysis.organisation, name="organisation"), "scale")
    reliability = {row.scale.scale_id: row for row in quality}
    scores = []
    for scale_id, scale in catalogue.items():
        if (scale_id,) not in rows:
            continue
        reason = verdicts.alpha_reason(
            reliability.get(scale_id), conventions=Conventions(), t=t, language=language
        )
        scores.append(
            OrganisationScore(
                scale=scale,
                n=_frames.count(rows[(scale_id,)], "n"),
                mean=estimate(rows[(scale_id,)], "mean", "ci_low", "ci_high"),
                sd=_frames.number(rows[(scale_id,)], "sd"),
                caveats=(reason,) if reason else (),
            )
        )
    return tuple(scores)


def _profile_counts(profiles: Iterable[_frames.Record]) -> tuple[ProfileCount, ...]:
    places = [place for place in map(placement, profiles) if place is not None]
    return tuple(
        ProfileCount(
            profile=profile,
            teams=sum(place.profile == profile for place in places),
            uncertain=sum(place.profile == profile and not place.certain for place in places),
        )
        for profile in PROFILES
    )
