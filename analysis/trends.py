"""Trends across survey waves: how each team's scores changed from one campaign to the next.

Two campaigns of the same instrument are compared team by team and for the organisation as
a whole. A change is shown only where both waves have enough respondents and where
measurement invariance across the waves says the scale's mean means the same thing in both:
if the items of a scale weigh or sit differently in the second wave, a difference of means
mixes a change of the teams with a change of the scale, and is withheld.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis.aggregation import organisation_statistics, team_statistics
from analysis.cfa import CfaDataError, CfaModelError
from analysis.confidentiality import published_scores, shown_cells
from analysis.invariance import Verdict
from analysis.invariance_scales import ScaleInvarianceResult, scale_invariance
from analysis.scoring import score_scales
from instrument.model import Instrument

WAVE = "__wave__"
SHIFTED = "the scale's meaning shifted between waves: means cannot be compared"
FIGURES = ("n", "mean", "sd")
CHANGE_COLUMNS = ("change", "change_ci_low", "change_ci_high", "cohens_d")


@dataclass(frozen=True)
class TrendResult:
    """The change of every team and of the organisation on every score between two waves.

    Attributes
    ----------
    teams : DataFrame
        One row per (team, scale), teams sorted, scales and composites in the instrument's
        order: team, scale, n_previous, mean_previous, sd_previous, n_current, mean_current,
        sd_current, change, change_ci_low, change_ci_high, cohens_d, shown, reason. A team
        present in one wave only has n 0 in the other. Where ``shown`` is false the change
        figures are NaN and ``reason`` says why; otherwise ``reason`` is None.
    organisation : DataFrame
        The same columns without team, one row per scale: each wave's organisation pools the
        scores of its shown teams only (``analysis.confidentiality.published_scores``).
    invariance : DataFrame
        One row per scale and composite: scale, verdict (None when not tested),
        means_comparable, reason (None when comparable).
    min_group_size : int
        The smallest number of respondents with a score a wave needs for a change to be shown.
    ci : float
        Coverage of the intervals.
    """

    teams: pd.DataFrame
    organisation: pd.DataFrame
    invariance: pd.DataFrame
    min_group_size: int
    ci: float

    def to_frame(self) -> pd.DataFrame:
        """The per-team table, ``teams``, as a new frame."""
        return self.teams.copy()


def compare_waves(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    instrument: Instrument,
    teams: str = "team",
    group_invariance: ScaleInvarianceResult | Mapping[str, Verdict] | None = None,
    ci: float = 0.95,
    min_group_size: int = 5,
) -> TrendResult:
    r"""Change of each team's and the organisation's scores from one wave to the next.

    Parameters
    ----------
    previous, current : DataFrame
        Raw answers of the two campaigns, one row per respondent, one column per item id,
        and the ``teams`` column of unit ids (the same ids in both waves).
    instrument : Instrument
        The instrument both campaigns used.
    teams : str
        The column naming each respondent's team.
    group_invariance : ScaleInvarianceResult or mapping of scale id to verdict, optional
        Invariance across the two waves computed beforehand; by default ``scale_invariance``
        is run on the two waves stacked, with the wave as the group.
    ci : float
        Coverage of the intervals.
    min_group_size : int
        The least number of respondents with a score each wave needs for a change to be shown.

    Returns
    -------
    TrendResult

    Raises
    ------
    ValueError
        The waves do not have the same item columns (the message names the difference), a
        ``teams`` column is missing, ``group_invariance`` lacks a scale, or an argument is
        out of range.

    Notes
    -----
    Anonymous answers cannot be linked from one wave to the next, so the waves are treated
    as independent samples even where the same people answered twice (a paired design would
    give narrower intervals; this one is conservative when answers correlate over time).
    The change is :math:`\bar y_2 - \bar y_1` with Welch's interval
    :math:`\pm t_{(1+c)/2,\,\nu}\sqrt{s_1^2/n_1 + s_2^2/n_2}`, Welch-Satterthwaite
    :math:`\nu`, and Cohen's d its ratio to the pooled standard deviation (Cohen 1988).
    A change is shown when both waves have at least ``min_group_size`` respondents with a
    score and scalar invariance across the waves holds (Meredith 1993): loadings and
    intercepts equal in both waves, so that the difference of means is a difference of the
    construct. A composite is comparable when all its facets are. A scale whose invariance
    cannot be tested (too few complete answers, a constant item) is withheld with the error.

    References
    ----------
    Welch, B. L. (1947). Biometrika, 34, 28-35. Meredith, W. (1993). Measurement invariance,
    factor analysis and factorial invariance. Psychometrika, 58, 525-543.

    Examples
    --------
    One simulated organisation's respondents split into two waves at random:

    >>> import numpy as np
    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> responses = simulate_organisation(instrument=instrument, n_teams=30, seed=5).responses
    >>> second = np.random.default_rng(5).random(len(responses)) < 0.5
    >>> trend = compare_waves(responses[~second], responses[second], instrument=instrument)
    >>> table = trend.to_frame()
    >>> list(table.columns[:4]), len(table) == 30 * 15
    (['team', 'scale', 'n_previous', 'mean_previous'], True)
    >>> bool((table["shown"] == table["reason"].isna()).all())
    True
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, is {min_group_size}")
    _check_waves(previous, current, teams=teams)
    invariance = _invariance(previous, current, instrument=instrument, given=group_invariance)
    blocked = dict(zip(invariance["scale"], invariance["reason"], strict=True))
    before = score_scales(previous, instrument=instrument)
    after = score_scales(current, instrument=instrument)
    by_team = _merge(
        team_statistics(before, teams=previous[teams], ci=ci),
        team_statistics(after, teams=current[teams], ci=ci),
        keys=["team", "scale"],
    )
    # Each wave's organisation pools its shown teams only, as the campaign's figures do
    # (analysis.confidentiality.published_scores): else it would give a hidden team away.
    overall = _merge(
        organisation_statistics(_published(before, previous[teams], min_group_size), ci=ci),
        organisation_statistics(_published(after, current[teams], min_group_size), ci=ci),
        keys=["scale"],
    )
    return TrendResult(
        teams=_changes(by_team, blocked=blocked, min_group_size=min_group_size, ci=ci),
        organisation=_changes(overall, blocked=blocked, min_group_size=min_group_size, ci=ci),
        invariance=invariance,
        min_group_size=min_group_size,
        ci=ci,
    )


def _published(scores: pd.DataFrame, teams: pd.Series, min_group_size: int) -> pd.DataFrame:
    shown = shown_cells(scores, teams=teams, min_group_size=min_group_size)
    return published_scores(scores, teams=teams, shown=shown)


def _check_waves(previous: pd.DataFrame, current: pd.DataFrame, *, teams: str) -> None:
    for name, wave in (("previous", previous), ("current", current)):
        if teams not in wave.columns:
            raise ValueError(f"the {name} wave has no team column {teams!r}")
        if WAVE in wave.columns:
            raise ValueError(f"the {name} wave has a column {WAVE!r}, a name reserved here")
    items_before = set(previous.columns) - {teams}
    items_after = set(current.columns) - {teams}
    if items_before != items_after:
        dropped, added = sorted(items_before - items_after), sorted(items_after - items_before)
        raise ValueError(
            "the waves must use the same instrument with the same items:"
            f" only the previous wave has {', '.join(dropped) or 'nothing more'};"
            f" only the current wave has {', '.join(added) or 'nothing more'}"
        )


def _invariance(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    instrument: Instrument,
    given: ScaleInvarianceResult | Mapping[str, Verdict] | None,
) -> pd.DataFrame:
    """Per scale and composite: verdict, means_comparable, reason."""
    if isinstance(given, ScaleInvarianceResult):
        given = given.verdicts
    verdicts: dict[str, Verdict | None] = {}
    reasons: dict[str, str | None] = {}
    if given is not None:
        missing = [scale_id for scale_id in instrument.scale_ids if scale_id not in given]
        if missing:
            raise ValueError(f"group_invariance has no verdict for {', '.join(missing)}")
        verdicts = {scale_id: given[scale_id] for scale_id in instrument.scale_ids}
    else:
        stacked = pd.concat(
            [previous.assign(**{WAVE: "previous"}), current.assign(**{WAVE: "current"})],
            ignore_index=True,
        )
        for scale_id in instrument.scale_ids:
            try:
                result = scale_invariance(
                    stacked, instrument=instrument, group=WAVE, scales=[scale_id]
                )
                verdicts[scale_id] = result.verdicts[scale_id]
            except (CfaDataError, CfaModelError) as error:
                verdicts[scale_id] = None
                reasons[scale_id] = f"invariance between waves could not be tested: {error}"
    for scale_id, verdict in verdicts.items():
        if verdict is not None and verdict != "scalar":
            reasons[scale_id] = SHIFTED
    for composite in instrument.composites:
        verdicts[composite.id] = None
        if any(reasons.get(facet) for facet in composite.facets):
            reasons[composite.id] = (
                "not every facet of this composite can be compared between waves"
            )
    scales = list(verdicts)
    return pd.DataFrame(
        {
            "scale": scales,
            "verdict": [verdicts[s] for s in scales],
            "means_comparable": [reasons.get(s) is None for s in scales],
            "reason": [reasons.get(s) for s in scales],
        }
    )


def _merge(before: pd.DataFrame, after: pd.DataFrame, *, keys: list[str]) -> pd.DataFrame:
    """The two waves' n, mean and sd side by side; n is 0 where a unit is in one wave only."""
    columns = [*keys, *FIGURES]
    merged = before[columns].merge(
        after[columns], on=keys, how="outer", suffixes=("_previous", "_current"), sort=False
    )
    for wave in ("previous", "current"):
        merged[f"n_{wave}"] = merged[f"n_{wave}"].fillna(0).astype(np.int64)
    # The outer join sorts scales by name: restore the instrument's order.
    order = pd.Categorical(merged["scale"], categories=pd.unique(before["scale"]))
    by = [*keys[:-1], "_order"]
    return merged.assign(_order=order).sort_values(by).drop(columns="_order").reset_index(drop=True)


def _changes(
    rows: pd.DataFrame, *, blocked: Mapping[str, str | None], min_group_size: int, ci: float
) -> pd.DataFrame:
    """Welch change, Cohen's d, shown and reason for every row of merged wave figures."""
    n1, n2 = rows["n_previous"].to_numpy(np.float64), rows["n_current"].to_numpy(np.float64)
    m1, m2 = rows["mean_previous"].to_numpy(np.float64), rows["mean_current"].to_numpy(np.float64)
    v1 = rows["sd_previous"].to_numpy(np.float64) ** 2
    v2 = rows["sd_current"].to_numpy(np.float64) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        change = m2 - m1
        part1, part2 = v1 / n1, v2 / n2
        df = (part1 + part2) ** 2 / (part1**2 / (n1 - 1) + part2**2 / (n2 - 1))
        half = _adapters.t_quantile((1 + ci) / 2, df) * np.sqrt(part1 + part2)
        pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
        cohens_d = change / pooled
    few = f"fewer than {min_group_size} respondents with a score in"
    small1, small2 = n1 < min_group_size, n2 < min_group_size
    size_reason = pd.Series(
        np.select(
            [small1 & small2, small1, small2],
            [f"{few} either wave", f"{few} the previous wave", f"{few} the current wave"],
            default="",
        ),
        index=rows.index,
    )
    scale_reason = rows["scale"].map(blocked).fillna("")
    reason = (size_reason + "; " + scale_reason).str.strip("; ")
    shown = (reason == "").to_numpy(dtype=bool)
    table = rows.copy()
    # A wave under the minimum shows no figure of its own either: its mean and sd would expose
    # a group smaller than the minimum, whatever happens to the change.
    for wave, small in (("previous", small1), ("current", small2)):
        table.loc[small, [f"mean_{wave}", f"sd_{wave}"]] = np.nan
    figures = (change, change - half, change + half, cohens_d)
    for name, values in zip(CHANGE_COLUMNS, figures, strict=True):
        table[name] = np.where(shown, values, np.nan)
    table["shown"] = shown
    table["reason"] = reason.replace("", None)
    return table
