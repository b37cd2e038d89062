r"""A unit above a team (a department, a division, a leader's subtree) against the rest.

The figures of a subtree pool exactly the respondents the campaign's disclosure decision
lets them pool (``Decision.in_group``): the atoms formed in the subtree, scale by scale. The
rest of the organisation pools every other atom (``Decision.published`` minus the subtree's).
Both are unions of whole atoms, so neither figure, nor their difference, nor any of them
beside a team's figures, can single out a group of fewer than the minimum group size
(``docs/confidentiality.md``). Nothing here decides what may be shown: it reads the decision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.aggregation import compare_to_rest, team_statistics
from analysis.campaign import REST_FIGURES, TEAM, CampaignAnalysis
from analysis.confidentiality import Decision, UnknownUnitError

SUBTREE_COLUMNS = (
    "scale",
    "n",
    "mean",
    "sd",
    "ci_low",
    "ci_high",
    "rest_n",
    "rest_mean",
    "rest_ci_low",
    "rest_ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "cohens_d",
    "shown",
)
"""The columns of ``subtree_figures``, in order."""
GROUP_FIGURES = ("mean", "sd", "ci_low", "ci_high")
_INSIDE, _OUTSIDE = "subtree", "rest"


def subtree_figures(analysis: CampaignAnalysis, *, unit: str, ci: float = 0.95) -> pd.DataFrame:
    r"""The figures of ``unit``'s subtree on every scale and composite, against the rest.

    Parameters
    ----------
    analysis : CampaignAnalysis
        The campaign's analysis: its ``scores`` and its disclosure ``decision``.
    unit : str
        A unit of the decision's organisation chart (a department, the organisation, or any
        unit, a team included).
    ci : float
        Coverage of the intervals.

    Returns
    -------
    DataFrame
        One row per scale and composite, in the order of ``analysis.scores``: the columns
        ``SUBTREE_COLUMNS``. ``n`` counts the respondents the subtree's figure pools on the
        scale (``decision.in_group(unit, scale)``), ``rest_n`` those of the rest of the
        organisation (``decision.published(scale)`` outside the subtree); both are ints and
        always given (counts, not answers). Where ``n`` is below the minimum group size,
        ``shown`` is False and every other figure is NaN; where ``rest_n`` is, the rest's
        figures, the difference and Cohen's d are NaN (the root of the chart has no rest).

    Raises
    ------
    UnknownUnitError
        ``unit`` is not a unit of the decision's chart.

    Notes
    -----
    With :math:`G` the subtree's group on a scale and :math:`R` the rest, the mean of
    :math:`G` has Student's interval :math:`\bar y_G \pm t_{(1+c)/2,\,n_G-1}\,s_G/\sqrt{n_G}`
    (``team_statistics``), as has the rest's. The difference
    :math:`d = \bar y_G - \bar y_R` has Welch's interval

    .. math:: d \pm t_{(1+c)/2,\,\nu}\sqrt{s_G^2/n_G + s_R^2/n_R}, \qquad
              \nu = \frac{(s_G^2/n_G + s_R^2/n_R)^2}
                         {\frac{(s_G^2/n_G)^2}{n_G-1} + \frac{(s_R^2/n_R)^2}{n_R-1}},

    and Cohen's d divides :math:`d` by the pooled standard deviation
    :math:`\sqrt{((n_G-1)s_G^2 + (n_R-1)s_R^2)/(n_G+n_R-2)}` (``compare_to_rest``): R's
    ``t.test(g, r)$conf.int`` (Welch 1947; Cohen 1988).

    :math:`G` and :math:`R` are unions of whole atoms of the decision, each of at least
    :math:`k` respondents with a score, so :math:`n_G` and :math:`n_R` are 0 or at least
    :math:`k`, and so is any group reached by adding and subtracting these figures and the
    teams' (``analysis.confidentiality``).

    References
    ----------
    Welch, B. L. (1947). The generalization of Student's problem when several different
    population variances are involved. Biometrika, 34, 28-35.
    Cohen, J. (1988). Statistical power analysis for the behavioral sciences (2nd ed.).
    Hillsdale, NJ: Erlbaum.

    Examples
    --------
    >>> from analysis import analyse_campaign  # doctest: +SKIP
    >>> figures = subtree_figures(analyse_campaign(...), unit="care")  # doctest: +SKIP
    >>> figures.set_index("scale").loc["HA", ["n", "mean", "diff"]]  # doctest: +SKIP
    """
    decision = analysis.decision
    _check_unit(decision, unit)
    scores = analysis.scores.drop(columns=[TEAM], errors="ignore")
    rows = [
        _scale_figures(scores[scale], decision=decision, unit=unit, ci=ci)
        for scale in scores.columns
    ]
    frame = pd.DataFrame(rows, columns=list(SUBTREE_COLUMNS))
    frame = frame.astype({"scale": object, "n": np.int64, "rest_n": np.int64})
    figures = [c for c in SUBTREE_COLUMNS if c not in ("scale", "n", "rest_n", "shown")]
    frame[figures] = frame[figures].astype(np.float64)
    k = analysis.min_group_size
    frame["shown"] = (frame["n"] >= k) & (frame["n"] > 0)
    rest_figures = [c for c in REST_FIGURES if c != "rest_n"]
    frame.loc[frame["rest_n"] < k, rest_figures] = np.nan
    frame.loc[~frame["shown"], [*GROUP_FIGURES, *rest_figures]] = np.nan
    return frame


def subtree_respondents(analysis: CampaignAnalysis, *, unit: str) -> int:
    """How many respondents the figures of ``unit``'s subtree pool: the ``published`` count
    of the decision's ``to_frame()`` for the unit (0 when its subtree forms no atom, and a
    report of it is refused).

    Raises
    ------
    UnknownUnitError
        ``unit`` is not a unit of the decision's chart.
    """
    decision = analysis.decision
    _check_unit(decision, unit)
    units = decision.to_frame()
    published = units.loc[units["unit"] == unit, "published"]
    return int(published.iloc[0])


def _check_unit(decision: Decision, unit: str) -> None:
    if unit not in decision.parents:
        raise UnknownUnitError(unit)


def _scale_figures(
    values: pd.Series, *, decision: Decision, unit: str, ci: float
) -> dict[str, object]:
    """One row of ``subtree_figures``, before the minimum group size is applied."""
    scale = str(values.name)
    if scale not in decision.scales:
        # Not decided on: no figure may pool anybody.
        empty = np.zeros(len(values), dtype=bool)
        inside, published = empty, empty
    else:
        inside = decision.in_group(unit, scale)
        published = decision.published(scale)
    pooled = values.where(published).to_frame(scale)
    groups = pd.Series(np.where(inside, _INSIDE, _OUTSIDE), index=values.index)
    own = team_statistics(pooled, teams=groups, ci=ci).set_index(TEAM)
    against = compare_to_rest(pooled, teams=groups, ci=ci).set_index(TEAM)
    row: dict[str, object] = dict.fromkeys(SUBTREE_COLUMNS, np.nan)
    row["scale"] = scale
    if _INSIDE in own.index:
        row.update({c: own.at[_INSIDE, c] for c in GROUP_FIGURES})
        row.update({c: against.at[_INSIDE, c] for c in REST_FIGURES})
    row["n"] = int(np.count_nonzero(inside & pooled[scale].notna().to_numpy()))
    row["rest_n"] = int(np.count_nonzero(published & ~inside & pooled[scale].notna().to_numpy()))
    return row
