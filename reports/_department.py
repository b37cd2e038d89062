"""Building the department (subtree) report's view: a unit above the teams against the rest
of the organisation, its teams side by side, and the team report's methods appendix.

Every figure follows the campaign's disclosure decision: the unit's and the rest's come from
``analysis.subtree.subtree_figures``, the teams' from ``analysis.teams`` (their ``shown``
flag), and where a small team's respondents are counted from ``Decision.row_atom``. Like
:mod:`reports.build`, this never rounds; a figure that does not exist is ``None``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import pandas as pd

from analysis.campaign import CampaignAnalysis
from analysis.confidentiality import Decision, UnknownUnitError
from analysis.subtree import subtree_figures, subtree_respondents
from instrument.model import Instrument
from reports import _frames
from reports import _organisation_sections as organisation_sections
from reports import _team_sections as sections
from reports import _verdicts as verdicts
from reports._lookups import (
    axis_names,
    estimate,
    plane_points,
    quality_rows,
    response_range,
    response_rate,
    scale_catalogue,
    unit_name,
)
from reports.build import _heat_rows, _profile_counts
from reports.formatting import format_number
from reports.i18n import texts_for
from reports.views import (
    Conventions,
    DepartmentReportView,
    DepartmentScore,
    QualityRow,
    ScaleInfo,
    SuppressedDepartmentError,
    TeamParticipation,
    UnitInfo,
)

Texts = Mapping[str, str]


def build_department_view(
    analysis: CampaignAnalysis,
    *,
    instrument: Instrument,
    unit_id: str,
    units: Mapping[str, UnitInfo],
    organisation_name: str,
    campaign_name: str,
    language: str,
    generated_at: datetime,
    invited: Mapping[str, int] | None,
    invariance: pd.DataFrame | None = None,
    snapshot: str | None = None,
    imported: Mapping[str, int] | None = None,
) -> DepartmentReportView:
    """The report of ``unit_id``'s subtree: its scales against the rest of the organisation,
    its teams side by side where each may be shown, participation and the methods appendix.

    ``invited`` and ``imported`` are keyed by team id, as for the other reports;
    ``invariance`` as for ``build_team_view``. Raises ``SuppressedDepartmentError`` (a
    ``SuppressedTeamError``) with the reason in the report's language when the unit's figures
    pool nobody, and ``UnknownUnitError`` for a unit the analysis' chart does not hold.
    """
    t = texts_for(language)
    catalogue = scale_catalogue(instrument, language=language, analysis=analysis)
    decision = analysis.decision
    name = unit_name(units, unit_id)
    team_ids = _subtree_teams(decision, unit_id, invited=invited or {})
    participation = _participation(
        analysis,
        unit_id,
        team_ids=team_ids,
        units=units,
        invited=invited,
        imported=imported or {},
        t=t,
    )
    respondents = sum(team.respondents for team in participation)
    pooled = subtree_respondents(analysis, unit=unit_id)
    if pooled == 0:
        key = "dept_refused_few" if respondents < analysis.min_group_size else "dept_refused_above"
        reason = t[key].format(respondents=respondents, n=analysis.min_group_size)
        raise SuppressedDepartmentError(unit_id, reason)
    conventions = Conventions()
    shown_teams = {team.team_id for team in participation if team.eligible}
    team_rows = _frames.by_key(
        _frames.records(
            analysis.teams[analysis.teams["team"].astype(str).isin(shown_teams)], name="teams"
        ),
        "team",
        "scale",
    )
    quality = quality_rows(analysis, catalogue, rwg=_median_rwg(team_rows.values()))
    heat_scales = tuple(s for s in catalogue.values() if any(k[1] == s.scale_id for k in team_rows))
    profiles = [
        row
        for row in _frames.records(analysis.profiles, name="profiles")
        if str(row["team"]) in shown_teams
    ]
    heat = _heat_rows(
        participation, heat_scales, team_rows, profiles, quality=quality, t=t, language=language
    )
    invited_total = (
        None
        if not participation or any(team.invited is None for team in participation)
        else sum(team.invited or 0 for team in participation)
    )
    paper = sum(team.imported for team in participation)
    comparable = sections.comparable_scales(invariance)
    parent = decision.parents.get(unit_id)
    return DepartmentReportView(
        organisation_name=organisation_name,
        campaign_name=campaign_name,
        unit_id=unit_id,
        unit_name=name,
        unit_kind=t.get(f"kind.{units[unit_id].kind}", units[unit_id].kind),
        parent_name=units[parent].name if parent is not None and parent in units else None,
        language=language,
        generated_at=generated_at,
        instrument_ref=analysis.instrument_ref,
        n_respondents=respondents,
        n_pooled=pooled,
        invited=invited_total,
        response_rate=response_rate(respondents, invited_total, paper),
        min_group_size=analysis.min_group_size,
        response_range=response_range(instrument),
        axis_names=axis_names(instrument, language),
        scales=_scores(
            subtree_figures(analysis, unit=unit_id),
            catalogue,
            quality=quality,
            comparable=comparable,
            k=analysis.min_group_size,
            t=t,
            language=language,
        ),
        participation=participation,
        heat_scales=heat_scales,
        heat=heat,
        profiles=_profile_counts(profiles),
        team_points=plane_points(profiles),
        quality=quality,
        conventions=conventions,
        methods=sections.methods(
            analysis,
            invariance=comparable,
            groups=sections.invariance_groups(invariance),
            catalogue=catalogue,
            t=t,
        ),
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
        snapshot=snapshot,
        imported=paper,
    )


def _subtree_teams(decision: Decision, unit_id: str, *, invited: Mapping[str, int]) -> list[str]:
    """The units of ``unit_id``'s subtree (itself included) that answered or were invited:
    the teams whose respondents the report counts, in the chart's order."""
    if unit_id not in decision.parents:
        raise UnknownUnitError(unit_id)
    children: dict[str, list[str]] = {}
    for child, parent in decision.parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    cells = set(decision.cells.unique()) | set(invited)
    found, stack = [], [unit_id]
    while stack:
        unit = stack.pop()
        if unit in cells:
            found.append(unit)
        stack.extend(sorted(children.get(unit, ()), reverse=True))
    return found


def _participation(
    analysis: CampaignAnalysis,
    unit_id: str,
    *,
    team_ids: Sequence[str],
    units: Mapping[str, UnitInfo],
    invited: Mapping[str, int] | None,
    imported: Mapping[str, int],
    t: Texts,
) -> tuple[TeamParticipation, ...]:
    """Every team of the subtree that answered or was invited, by the unit it lies in below
    this one, then name; a team without a report says where its respondents count."""
    sizes = _frames.by_key(_frames.records(analysis.team_sizes, name="team_sizes"), "team")
    decision = analysis.decision
    teams = []
    for team_id in team_ids:
        size = sizes.get((team_id,), {})
        respondents = _frames.answered(size)
        eligible = decision.is_team_shown(team_id)
        count = None if invited is None else invited.get(team_id)
        paper = imported.get(team_id, 0)
        teams.append(
            TeamParticipation(
                team_id=team_id,
                team_name=unit_name(units, team_id),
                department_name=_between(decision, unit_id, team_id, units=units),
                respondents=respondents,
                invited=count,
                response_rate=response_rate(respondents, count, paper),
                eligible=eligible,
                suppressed_reason=None
                if eligible
                else _where_counted(analysis, unit_id, team_id, respondents, units=units, t=t),
                imported=paper,
            )
        )
    return tuple(sorted(teams, key=lambda t: (t.department_name or "", t.team_name, t.team_id)))


def _between(
    decision: Decision, unit_id: str, team_id: str, *, units: Mapping[str, UnitInfo]
) -> str | None:
    """The name of the unit right below ``unit_id`` on the way down to ``team_id``, when the
    team is not itself right below it (or the unit itself)."""
    step: str | None = team_id
    below: str | None = None
    while step is not None and step != unit_id:
        below, step = step, decision.parents.get(step)
    if below is None or below == team_id:
        return None
    return units[below].name if below in units else None


def _where_counted(
    analysis: CampaignAnalysis,
    unit_id: str,
    team_id: str,
    respondents: int,
    *,
    units: Mapping[str, UnitInfo],
    t: Texts,
) -> str:
    """Why a team has no report, and which figures count its respondents: this unit's, a
    unit's above it (pooled with small teams outside it), or none."""
    k = analysis.min_group_size
    atom = analysis.decision.row_atom(team_id) if respondents else None
    if atom is None:
        where = t["dept_counted_nowhere"].format(n=k)
    elif _is_below(analysis.decision, atom.unit, unit_id):
        where = t["dept_counted_here"]
    else:
        where = t["dept_counted_above"].format(
            unit=units[atom.unit].name if atom.unit in units else atom.unit
        )
    reason = t["suppressed_too_few"].format(respondents=respondents, n=k)
    return t["dept_status"].format(reason=reason, where=where)


def _is_below(decision: Decision, unit: str, ancestor: str) -> bool:
    """Whether ``unit`` is ``ancestor`` or in its subtree."""
    step: str | None = unit
    while step is not None:
        if step == ancestor:
            return True
        step = decision.parents.get(step)
    return False


def _median_rwg(rows: Iterable[_frames.Record]) -> dict[str, float | None]:
    """Per scale, the median rwg(j) over the subtree's teams whose figure is shown."""
    values: dict[str, list[float]] = {}
    for row in rows:
        rwg_j = _frames.number(row, "rwg_j")
        if _frames.flag(row, "shown") and rwg_j is not None:
            values.setdefault(str(row["scale"]), []).append(rwg_j)
    return {scale: statistics.median(found) for scale, found in values.items()}


def _scores(
    figures: pd.DataFrame,
    catalogue: Mapping[str, ScaleInfo],
    *,
    quality: Sequence[QualityRow],
    comparable: Mapping[str, bool],
    k: int,
    t: Texts,
    language: str,
) -> tuple[DepartmentScore, ...]:
    """The unit's figures in report order; a scale not shown carries no figure at all."""
    rows = _frames.by_key(figures.to_dict("records"), "scale")
    alphas = {row.scale.scale_id: row for row in quality}
    scores = []
    for scale_id, scale in catalogue.items():
        row = rows.get((scale_id,))
        if row is None:
            continue
        if not _frames.flag(row, "shown"):
            hidden = t["dept_hidden_reason"].format(n=k)
            scores.append(
                DepartmentScore(scale, False, hidden, None, None, None, None, None, None, None)
            )
            continue
        rest = estimate(row, "rest_mean", "rest_ci_low", "rest_ci_high")
        allowed = comparable.get(scale_id, True)
        reasons = [
            verdicts.alpha_reason(
                alphas.get(scale_id), conventions=Conventions(), t=t, language=language
            ),
            "" if allowed or rest is None else t["caveat_invariance"],
        ]
        rest_n = _frames.count(row, "rest_n")
        scores.append(
            DepartmentScore(
                scale=scale,
                shown=True,
                hidden_reason=None,
                n=_frames.count(row, "n"),
                unit=estimate(row, "mean", "ci_low", "ci_high"),
                sd=_frames.number(row, "sd"),
                rest_n=rest_n,
                rest=rest,
                difference=estimate(row, "diff", "diff_ci_low", "diff_ci_high"),
                cohens_d=_frames.number(row, "cohens_d"),
                rest_reason=None
                if rest is not None
                else t["dept_no_rest" if not rest_n else "dept_rest_hidden"].format(n=k),
                caveats=tuple(reason for reason in reasons if reason),
                comparable=allowed,
            )
        )
    return tuple(scores)
