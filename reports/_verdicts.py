"""The one place where the reports decide what the statistics support.

Every greyed figure and every sentence about a figure reads a verdict made here, so that the
summary, the scores table, the appendix, the organisation's heat table and its validity
summary cannot disagree:

- a scale's reliability (alpha) below the convention: its figures are noisy wherever they
  appear (team, department, organisation);
- its ICC(2) below the convention: team means are not reliably different from one another,
  so neither the heat table nor a team report compares a team with the others on it;
- a team's agreement (rwg(j)) below the convention on a team-level scale: its mean may not
  be a view the team shares;
- measurement invariance that does not allow comparing the scale's means between teams.

The reasons are worded in the report's language; numbers go through
:func:`reports.formatting.format_number`.
"""

from __future__ import annotations

from collections.abc import Mapping

from reports._lookups import below_convention
from reports.views import Conventions, Estimate, QualityRow, ScaleInfo, Verdict

Texts = Mapping[str, str]


def alpha_reason(
    row: QualityRow | None, *, conventions: Conventions, t: Texts, language: str
) -> str:
    """Why a scale's means carry more noise than convention allows, or '' when they do not."""
    if row is None or row.alpha is None or row.alpha_meets is not False:
        return ""
    return below_convention(
        t, "caveat_alpha", value=row.alpha.value, threshold=conventions.alpha, language=language
    )


def icc2_reason(
    row: QualityRow | None, *, conventions: Conventions, t: Texts, language: str, key: str
) -> str:
    """Why the team means of a scale do not reliably tell teams apart, or '': ``key`` is the
    wording (the heat table's column, or a team's comparison with the rest)."""
    if row is None or row.icc2 is None or row.icc2_meets is not False:
        return ""
    return below_convention(t, key, value=row.icc2, threshold=conventions.icc2, language=language)


def rwg_reason(
    scale: ScaleInfo, rwg_j: float | None, *, conventions: Conventions, t: Texts, language: str
) -> str:
    """Why a team's mean on a team-level scale may not be a view the team shares, or ''. On
    a scale about the person a team score is an average and need not reflect agreement."""
    if scale.level != "team" or rwg_j is None or rwg_j >= conventions.rwg_j:
        return ""
    return below_convention(
        t, "caveat_rwg", value=rwg_j, threshold=conventions.rwg_j, language=language
    )


def direction(difference: Estimate | None) -> int:
    """1 when the interval lies above zero, -1 below, 0 when it includes zero or is missing."""
    if difference is None or difference.ci_low is None or difference.ci_high is None:
        return 0
    if difference.ci_low > 0:
        return 1
    return -1 if difference.ci_high < 0 else 0


def team_verdict(
    scale: ScaleInfo,
    *,
    rwg_j: float | None,
    quality: QualityRow | None,
    difference: Estimate | None,
    rest: Estimate | None,
    comparable: bool,
    t: Texts,
    language: str,
) -> Verdict:
    """What the statistics support on one scale of one team. ``quality`` is the scale's row
    of the reliability table (alpha and ICC(2) are the organisation's, the same in every
    report); ``comparable`` whether invariance allows comparing the scale between teams.
    ``rest`` and ``difference`` are None when there is no rest to compare with."""
    conventions = Conventions()
    has_rest = rest is not None and difference is not None
    figure = (
        rwg_reason(scale, rwg_j, conventions=conventions, t=t, language=language),
        alpha_reason(quality, conventions=conventions, t=t, language=language),
    )
    comparison = (
        icc2_reason(quality, conventions=conventions, t=t, language=language, key="caveat_icc2"),
        "" if comparable else t["caveat_invariance"],
    )
    # Without a rest there is no comparison to withhold: its reasons would only be noise.
    return Verdict(
        figure=tuple(reason for reason in figure if reason),
        comparison=tuple(reason for reason in comparison if reason) if has_rest else (),
        direction=direction(difference),
        has_rest=has_rest,
    )


def justified(scale: ScaleInfo, verdict: Verdict | None) -> bool | None:
    """The appendix's 'team mean' column from the verdict: supported or not on a team-level
    scale; on a scale about the person, None (an average of persons) unless the figure is not
    supported; None where the scale is not shown."""
    if verdict is None:
        return None
    if scale.level == "team":
        return verdict.figure_supported
    return None if verdict.figure_supported else False
