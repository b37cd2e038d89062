"""Look-ups both report views share: scales in report order, units' names, estimates, the
plane of accountability and the reliability table.

Numbers arrive as raw floats with NaN for "does not exist"; they leave as floats or ``None``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping

from instrument.model import Instrument
from reports import _frames
from reports.formatting import format_number
from reports.i18n import PROFILES, texts_for
from reports.views import (
    CampaignResult,
    Conventions,
    Estimate,
    Placement,
    PlanePoint,
    QualityRow,
    ResponseRange,
    ScaleInfo,
    ScreeningRule,
    UnitInfo,
)

AXES = ("HA", "VA")
"""The scales that place a team on the plane of accountability: horizontal, then vertical."""


def scale_catalogue(
    instrument: Instrument, *, language: str, analysis: CampaignResult
) -> dict[str, ScaleInfo]:
    """Every scale and composite of the instrument in report order: a composite just before its
    first facet. Refuses an analysis of another instrument or a language either lacks."""
    texts_for(language)
    if analysis.instrument_ref != instrument.ref:
        raise ValueError(
            f"analysis of {analysis.instrument_ref} cannot be reported with {instrument.ref}"
        )
    if language not in instrument.languages:
        raise ValueError(f"language {language!r}: instrument {instrument.ref} has no text in it")
    composite_of = {facet: c for c in instrument.composites for facet in c.facets}
    catalogue: dict[str, ScaleInfo] = {}
    for scale in instrument.scales:
        composite = composite_of.get(scale.id)
        if composite is not None and composite.id not in catalogue:
            catalogue[composite.id] = ScaleInfo(
                scale_id=composite.id,
                name=composite.name[language],
                description=composite.description[language],
                level=scale.level,
                module=scale.module,
                is_composite=True,
                facet_of=None,
            )
        catalogue[scale.id] = ScaleInfo(
            scale_id=scale.id,
            name=scale.name[language],
            description=scale.description[language],
            level=scale.level,
            module=scale.module,
            is_composite=False,
            facet_of=composite.id if composite else None,
        )
    return catalogue


def quality_rows(
    analysis: CampaignResult,
    catalogue: Mapping[str, ScaleInfo],
    *,
    rwg: Mapping[str, float | None],
) -> tuple[QualityRow, ...]:
    """Reliability and agreement of each scale the analysis reports on, in report order. A
    team report sets ``team_mean_justified`` from its verdicts (``reports._verdicts``)."""
    conventions = Conventions()
    reliability = _frames.by_key(_frames.records(analysis.reliability, name="reliability"), "scale")
    icc = _frames.by_key(_frames.records(analysis.icc, name="icc"), "scale")
    rows = []
    for scale_id, scale in catalogue.items():
        alpha_row = reliability.get((scale_id,), {})
        icc_row = icc.get((scale_id,), {})
        if not alpha_row and not icc_row:
            continue
        alpha = estimate(alpha_row, "alpha", "alpha_ci_low", "alpha_ci_high")
        icc2 = _frames.number(icc_row, "icc2")
        rwg_j = rwg.get(scale_id)
        rows.append(
            QualityRow(
                scale=scale,
                k=_frames.count(alpha_row, "k"),
                n=_frames.count(alpha_row, "n"),
                alpha=alpha,
                omega=_frames.number(alpha_row, "omega"),
                icc1=_frames.number(icc_row, "icc1"),
                icc2=icc2,
                rwg_j=rwg_j,
                alpha_meets=_meets(alpha.value if alpha else None, conventions.alpha),
                icc2_meets=_meets(icc2, conventions.icc2),
                rwg_j_meets=_meets(rwg_j, conventions.rwg_j),
            )
        )
    return tuple(rows)


def median_rwg(analysis: CampaignResult) -> dict[str, float | None]:
    """Per scale, the median rwg(j) over the teams whose figures are shown."""
    values: dict[str, list[float]] = {}
    for row in _frames.records(analysis.teams, name="teams"):
        rwg_j = _frames.number(row, "rwg_j")
        if _frames.flag(row, "shown") and rwg_j is not None:
            values.setdefault(str(row["scale"]), []).append(rwg_j)
    return {scale: statistics.median(found) for scale, found in values.items()}


def _meets(value: float | None, threshold: float) -> bool | None:
    return None if value is None else value >= threshold


def estimate(row: _frames.Record, value: str, low: str, high: str) -> Estimate | None:
    """The estimate in columns ``value``, ``low``, ``high``; ``None`` when the value is NaN."""
    point = _frames.number(row, value)
    if point is None:
        return None
    return Estimate(point, _frames.number(row, low), _frames.number(row, high))


def placement(row: _frames.Record) -> Placement | None:
    """A team's place on the plane, or ``None`` when either axis is not shown."""
    ha = estimate(row, "ha", "ha_ci_low", "ha_ci_high")
    va = estimate(row, "va", "va_ci_low", "va_ci_high")
    if ha is None or va is None:
        return None
    profile = str(row["profile"])
    if profile not in PROFILES:
        raise ValueError(f"analysis frame 'profiles': unknown profile {profile!r}")
    return Placement(ha=ha, va=va, profile=profile, certain=_frames.flag(row, "certain"))


def plane_points(rows: Iterable[_frames.Record]) -> tuple[PlanePoint, ...]:
    """Teams as anonymous points, sorted by position so their order gives no name away."""
    points = []
    for row in rows:
        ha, va = _frames.number(row, "ha"), _frames.number(row, "va")
        if ha is not None and va is not None:
            points.append(PlanePoint(ha=ha, va=va))
    return tuple(sorted(points, key=lambda point: (point.ha, point.va)))


def response_range(instrument: Instrument) -> ResponseRange:
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return ResponseRange(low=low, high=high, midpoint=(low + high) / 2)


def axis_names(instrument: Instrument, language: str) -> tuple[str, str]:
    """The names of the horizontal and vertical accountability scales, for the plane's axes."""
    names = {scale.id: scale.name[language] for scale in instrument.scales}
    return (names.get(AXES[0], AXES[0]), names.get(AXES[1], AXES[1]))


def response_rate(respondents: int, invited: int | None, imported: int = 0) -> float | None:
    """The share of the invited who answered online: imported answers (paper forms) were not
    invited through the service, so they count apart and never push a rate over 100 %."""
    return (respondents - imported) / invited if invited else None


def unit_name(units: Mapping[str, UnitInfo], unit_id: str) -> str:
    unit = units.get(unit_id)
    if unit is None:
        raise ValueError(f"team {unit_id}: not among the units given to the report")
    return unit.name


def department_name(units: Mapping[str, UnitInfo], unit_id: str) -> str | None:
    """The name of the unit's nearest ancestor of kind department, if it has one."""
    seen = {unit_id}
    parent_id = units[unit_id].parent_id if unit_id in units else None
    while parent_id is not None and parent_id in units and parent_id not in seen:
        parent = units[parent_id]
        if parent.kind == "department":
            return parent.name
        seen.add(parent_id)
        parent_id = parent.parent_id
    return None


def screening_rules(analysis: CampaignResult, *, t: Mapping[str, str]) -> tuple[ScreeningRule, ...]:
    """The careless-response screening of the whole organisation, rule by rule, in the
    report's language (both reports print it; never per team)."""
    return tuple(
        ScreeningRule(
            rule=t.get(f"validity_rule.{row['rule']}", str(row["rule"])),
            threshold=_frames.number(row, "threshold"),
            action=t.get(f"validity_action.{row['action']}", str(row["action"])),
            excluded_by=_frames.count(row, "excluded_by"),
        )
        for row in analysis.screening.to_dict("records")
    )


def below_convention(
    t: Mapping[str, str], key: str, *, value: float, threshold: float, language: str
) -> str:
    """The text ``key`` saying that a statistic (``value``) falls below its conventional
    ``threshold``, both numbers formatted in ``language``."""
    return t[key].format(
        value=format_number(value, language=language),
        threshold=format_number(threshold, language=language),
    )
