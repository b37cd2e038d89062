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
from functools import cached_property

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis.aggregation import organisation_statistics, team_statistics
from analysis.cfa import CfaDataError, CfaModelError
from analysis.confidentiality import Decision, decide_flat
from analysis.invariance import Verdict
from analysis.invariance_scales import ScaleInvarianceResult, scale_invariance
from analysis.scoring import score_scales
from instrument.model import Instrument

WAVE = "__wave__"
SHIFTED = "the scale's meaning shifted between waves: means cannot be compared"
# Why a change is not shown, as codes a report words in its own language (``reason_code``).
FEW_PREVIOUS, FEW_CURRENT, FEW_BOTH = "few_previous", "few_current", "few_both"
SHIFTED_CODE, UNTESTED_CODE, FACETS_CODE = "shifted", "untested", "facets"
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
        sd_current, change, change_ci_low, change_ci_high, cohens_d, shown, reason,
        reason_code. A team present in one wave only, or that a wave's decision does not show,
        has n 0 in that wave. Where ``shown`` is false the change figures are NaN, ``reason``
        says why in English and ``reason_code`` names it for a report to word (``FEW_*``,
        ``SHIFTED_CODE``, ``UNTESTED_CODE``, ``FACETS_CODE``); otherwise both are None.
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
    previous_decision: Decision | None = None,
    current_decision: Decision | None = None,
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
        The least number of respondents with a score each wave needs for a change to be
        shown, for a wave whose decision is not given.
    previous_decision, current_decision : Decision, optional
        Each wave's own disclosure decision (``analysis.confidentiality.decide``, on the
        wave's rows in order, with its own chart and minimum): a wave's figure is shown only
        where its own decision shows it, and each wave's organisation pools what its decision
        publishes. By default, each team stands alone with ``min_group_size``.

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
    blocked = invariance.set_index("scale")[["reason", "code"]]
    before = score_scales(previous, instrument=instrument)
    after = score_scales(current, instrument=instrument)
    waves = (
        _Wave(before, previous[teams], previous_decision, min_group_size, "previous"),
        _Wave(after, current[teams], current_decision, min_group_size, "current"),
    )
    by_team = _merge(
        team_statistics(waves[0].team_scores(), teams=previous[teams], ci=ci),
        team_statistics(waves[1].team_scores(), teams=current[teams], ci=ci),
        keys=["team", "scale"],
    )
    # Each wave's organisation pools what its own decision publishes, as its own report did.
    overall = _merge(
        organisation_statistics(waves[0].published_scores(), ci=ci),
        organisation_statistics(waves[1].published_scores(), ci=ci),
        keys=["scale"],
    )
    return TrendResult(
        teams=_changes(by_team, blocked=blocked, waves=waves, ci=ci),
        organisation=_changes(overall, blocked=blocked, waves=waves, ci=ci),
        invariance=invariance.drop(columns="code"),
        min_group_size=min_group_size,
        ci=ci,
    )


@dataclass(frozen=True)
class _Wave:
    """One wave's scores and the decision its figures follow."""

    scores: pd.DataFrame
    teams: pd.Series
    given: Decision | None
    min_group_size: int
    name: str

    @cached_property
    def decision(self) -> Decision:
        if self.given is None:
            return decide_flat(self.scores, teams=self.teams, min_group_size=self.min_group_size)
        if not self.given.cells.index.equals(self.scores.index):
            raise ValueError(
                f"{self.name}_decision: not a decision on the {self.name} wave's respondents"
            )
        return self.given

    @property
    def k(self) -> int:
        return self.given.min_group_size if self.given is not None else self.min_group_size

    def team_scores(self) -> pd.DataFrame:
        """The scores of the teams' own figures where the wave shows them, NaN elsewhere."""
        return self.decision.team_scores(self.scores)

    def published_scores(self) -> pd.DataFrame:
        return self.decision.published_scores(self.scores)


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
    codes: dict[str, str] = {}
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
                codes[scale_id] = UNTESTED_CODE
    for scale_id, verdict in verdicts.items():
        if verdict is not None and verdict != "scalar":
            reasons[scale_id] = SHIFTED
            codes[scale_id] = SHIFTED_CODE
    for composite in instrument.composites:
        verdicts[composite.id] = None
        if any(reasons.get(facet) for facet in composite.facets):
            reasons[composite.id] = (
                "not every facet of this composite can be compared between waves"
            )
            codes[composite.id] = FACETS_CODE
    scales = list(verdicts)
    return pd.DataFrame(
        {
            "scale": scales,
            "verdict": [verdicts[s] for s in scales],
            "means_comparable": [reasons.get(s) is None for s in scales],
            "reason": [reasons.get(s) for s in scales],
            "code": [codes.get(s) for s in scales],
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
    rows: pd.DataFrame, *, blocked: pd.DataFrame, waves: tuple[_Wave, _Wave], ci: float
) -> pd.DataFrame:
    """Welch change, Cohen's d, shown, reason and reason_code for every row of merged wave
    figures; a wave's figures are those its own decision shows (n 0 where it shows none)."""
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
    k1, k2 = waves[0].k, waves[1].k
    small1, small2 = n1 < k1, n2 < k2
    few = "respondents with a score in"
    size_reason = np.select(
        [small1 & small2, small1, small2],
        [
            f"fewer than {k1} {few} the previous wave and fewer than {k2} in the current wave"
            if k1 != k2
            else f"fewer than {k1} {few} either wave",
            f"fewer than {k1} {few} the previous wave",
            f"fewer than {k2} {few} the current wave",
        ],
        default="",
    )
    size_code = np.select(
        [small1 & small2, small1, small2],
        [FEW_BOTH, FEW_PREVIOUS, FEW_CURRENT],
        default="",
    )
    scale_reason = rows["scale"].map(blocked["reason"]).fillna("").to_numpy(dtype=object)
    scale_code = rows["scale"].map(blocked["code"]).fillna("").to_numpy(dtype=object)
    reason = (
        pd.Series(size_reason, index=rows.index)
        .str.cat(pd.Series(scale_reason, index=rows.index), sep="; ")
        .str.strip("; ")
    )
    code = np.where(size_code != "", size_code, scale_code)
    shown = (reason == "").to_numpy(dtype=bool)
    table = rows.copy()
    # A wave that does not show a figure prints none here either: its mean and sd would
    # expose a group its own report withheld, whatever happens to the change.
    for wave, small in (("previous", small1), ("current", small2)):
        table.loc[small, [f"mean_{wave}", f"sd_{wave}"]] = np.nan
    figures = (change, change - half, change + half, cohens_d)
    for name, values in zip(CHANGE_COLUMNS, figures, strict=True):
        table[name] = np.where(shown, values, np.nan)
    table["shown"] = shown
    table["reason"] = reason.replace("", None)
    table["reason_code"] = pd.Series(code, index=rows.index, dtype=object).replace("", None)
    return table
