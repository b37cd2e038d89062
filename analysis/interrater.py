"""Interrater agreement within teams: rwg and rwg(j), awg and AD_M, with ICC(1) and ICC(2).

Agreement is what justifies reading a team mean as a property of the team (a referent-shift
composition, Chan 1998). Every function works on all teams at once from group moments; there is
no loop over teams. ``teams`` is a Series of team ids on the same index as the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis._adapters import FloatArray
from analysis.aggregation import _check_alignment, icc
from analysis.scoring import reverse_key
from instrument.model import Instrument

MissingRule = Literal["available", "listwise"]
"""How agreement treats skipped answers: ``"available"`` uses every answer given (each item's
variance on the members who answered it); ``"listwise"`` first leaves out every respondent who
skipped any item of the scale, as R multilevel's ``rwg.j`` does.

``"available"`` is the default. A team is small (often 5 to 15 people), and agreement is read
on the team as it answered: with 5 % of answers skipped on a 6-item scale, about one member in
four skipped something, and listwise deletion would judge a team of 8 on 6 of them, on a
variance that rests on fewer people than each item's own. The item variances are then those
of the members who answered each item, which is what rwg(j)'s mean item variance and awg's and
AD_M's item-by-item definitions ask for. Choose ``"listwise"`` to reproduce multilevel's
figures, or where skipping is suspected to go with disagreement (then say so)."""
MISSING_RULES: tuple[MissingRule, ...] = ("available", "listwise")


def _apply_rule(
    items: pd.DataFrame, teams: pd.Series, missing: MissingRule
) -> tuple[pd.DataFrame, pd.Series]:
    if missing not in MISSING_RULES:
        raise ValueError(f"missing must be one of {', '.join(MISSING_RULES)}, is {missing!r}")
    if missing == "available":
        return items, teams
    complete = items.notna().all(axis=1)
    return items[complete], teams[complete]


def rwg_j(
    items: pd.DataFrame, *, teams: pd.Series, options: int, missing: MissingRule = "available"
) -> pd.DataFrame:
    r"""Within-team agreement rwg(j) on a set of items (rwg for a single item).

    Parameters
    ----------
    items : DataFrame
        One column per item, reverse-keyed; NaN for missing answers.
    teams : Series
        The team of each respondent, on the index of ``items``.
    options : int
        The number of response options A.
    missing : {"available", "listwise"}
        Every answer given (the default), or only respondents who answered every item, as R
        multilevel does (see ``MissingRule``).

    Returns
    -------
    DataFrame
        One row per team (sorted): team, n (members who answered at least one item; under
        ``"listwise"``, every item), rwg_j. NaN for teams with n < 2.

    Notes
    -----
    With :math:`\sigma^2_{EU} = (A^2-1)/12`, the variance of a uniform answer over A options,
    and :math:`\bar s^2` the mean over the :math:`J` items of the team's item variances
    (divisor :math:`n-1`, on the members who answered the item; items answered by fewer than
    two members are left out of the mean and of J), truncated at :math:`\sigma^2_{EU}`,

    .. math:: r_{wg(j)} = \frac{J(1 - \bar s^2/\sigma^2_{EU})}
              {J(1 - \bar s^2/\sigma^2_{EU}) + \bar s^2/\sigma^2_{EU}},

    which is :math:`1 - s^2/\sigma^2_{EU}` for one item and lies in [0, 1]. On complete data
    this is R multilevel's ``rwg.j(x, grpid, ranvar = (A^2 - 1)/12)``. multilevel deletes
    respondents listwise first; this function uses every answer unless ``missing`` is
    ``"listwise"``, which equals multilevel with skipped answers too.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. Journal of Applied Psychology, 69, 85-98.
    """
    if options < 2:
        raise ValueError(f"options must be at least 2, is {options}")
    _check_alignment(items, teams)
    every_team = teams.groupby(teams, sort=True).size().index if missing == "listwise" else None
    items, teams = _apply_rule(items, teams, missing)
    expected = (options**2 - 1) / 12
    values = items.astype(np.float64)
    variances = values.groupby(teams, sort=True).var(ddof=1)
    members = values.notna().any(axis=1).astype(np.int64).groupby(teams, sort=True).sum()
    ratio = np.minimum(variances.mean(axis=1, skipna=True), expected) / expected
    j = variances.notna().sum(axis=1)
    agreement = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    agreement = agreement.where((members >= 2) & (j >= 1))
    if every_team is not None:
        # A team every member of which skipped something keeps its row: n is 0.
        members = members.reindex(every_team, fill_value=0)
        agreement = agreement.reindex(every_team)
    return pd.DataFrame(
        {
            "team": agreement.index.to_numpy(),
            "n": members.to_numpy(dtype=np.int64),
            "rwg_j": agreement.to_numpy(dtype=np.float64),
        }
    )


@dataclass(frozen=True)
class AgreementResult:
    """Within-team agreement on one scale, and the reliability of its team means.

    Attributes
    ----------
    teams : DataFrame
        One row per team (sorted), the columns ``AGREEMENT_COLUMNS``: team, n (members who
        answered at least one item), mean (of the members' scale means), rwg_j, awg, adm.
    icc1, icc2, f, p : float
        ICC(1), ICC(2), and the F test of equal team means, of the respondents' scale means
        (see ``icc``).
    n, n_teams : int
        Respondents with a scale mean and a team; teams with at least one of them.
    options, low : int
        The number of response options and the lowest option.
    """

    teams: pd.DataFrame
    icc1: float
    icc2: float
    f: float
    p: float
    n: int
    n_teams: int
    options: int
    low: int

    def to_frame(self) -> pd.DataFrame:
        """The per-team figures (a copy of ``teams``)."""
        return self.teams.copy()


AGREEMENT_COLUMNS = ("team", "n", "mean", "rwg_j", "awg", "adm")


def agreement(
    items: pd.DataFrame,
    *,
    teams: pd.Series,
    options: int,
    low: int = 1,
    missing: MissingRule = "available",
) -> AgreementResult:
    r"""ICC(1), ICC(2) and each team's rwg(j), awg and AD_M on a scale's items.

    Parameters
    ----------
    items : DataFrame
        One column per item of the scale, reverse-keyed; NaN for missing answers.
    teams : Series
        The team of each respondent, on the index of ``items``.
    options : int
        The number of response options A (``low`` .. ``low + A - 1``).
    low : int
        The lowest response option L; the highest is :math:`H = L + A - 1`.
    missing : {"available", "listwise"}
        Every answer given (the default), or only respondents who answered every item, for
        every index and the ICCs alike (see ``MissingRule``).

    Returns
    -------
    AgreementResult

    Notes
    -----
    ICC(1) and ICC(2) are those of ``icc`` on each respondent's scale mean (the mean of the
    items answered). rwg(j) is that of ``rwg_j`` (uniform null, :math:`\sigma^2_{EU} =
    (A^2-1)/12`), computed here from the same per-team item moments. For item :math:`j` in a
    team, with :math:`k` members who answered it, their mean :math:`M` and variance
    :math:`s^2` (divisor :math:`k-1`),

    .. math:: a_{wg} = 1 - \frac{2 s^2}{[(H+L)M - M^2 - HL]\,k/(k-1)},

    the variance over the largest variance possible at that mean (Brown & Hauenstein 2005);
    NaN when :math:`M` lies outside :math:`[(L(k-1)+H)/k, (H(k-1)+L)/k]`, and 1 when every
    answer is L or every answer is H (as R multilevel's ``awg``). For several items ``awg``
    is the mean of the item values that are defined: the rule of multilevel's ``awg`` for a
    multi-item scale (``mean(..., na.rm = TRUE)`` over the items), which treats the scale
    as :math:`AD_{M(J)}` and :math:`r_{wg(J)}`'s mean variance treat it, item by item.
    :math:`AD_M = \frac1k\sum_i |x_{ij} - M|`, averaged over items likewise, as multilevel's
    ``ad.m`` (Burke, Finkelstein & Dusig 1999); Burke & Dunlap (2002) read
    :math:`AD_M \le A/6` as agreement. Every index is NaN for a team with fewer than two
    members; items answered by fewer than two members of a team are left out of its means.
    Conventions (rwg(j), awg :math:`\ge .70`; ICC(2) :math:`\ge .70`) are rules of thumb.

    References
    ----------
    Bliese, P. D. multilevel: Multilevel functions (R package; ``awg``, ``ad.m``, ``rwg.j``).
    Brown, R. D., & Hauenstein, N. M. A. (2005). Interrater agreement reconsidered: An
    alternative to the rwg indices. Organizational Research Methods, 8, 165-184.
    Burke, M. J., & Dunlap, W. P. (2002). Estimating interrater agreement with the average
    deviation index: A user's guide. Organizational Research Methods, 5, 159-172.
    Burke, M. J., Finkelstein, L. M., & Dusig, M. S. (1999). On average deviation indices for
    estimating interrater agreement. Organizational Research Methods, 2, 49-68.

    Examples
    --------
    ``multilevel::awg(x, grp, range = c(1, 5))`` and ``ad.m(x, grp)`` on complete data. In
    team a, q1 (3, 4, 5) has mean 4, above :math:`(5 \cdot 2 + 1)/3`, so its awg is
    undefined and the team's awg is that of q2 alone:

    >>> items = pd.DataFrame({"q1": [3.0, 4, 5, 1, 5], "q2": [3.0, 4, 4, 2, 4]})
    >>> result = agreement(items, teams=pd.Series(list("aaabb")), options=5)
    >>> result.to_frame()[["team", "n", "rwg_j", "awg", "adm"]].round(4)
      team  n  rwg_j    awg     adm
    0    a  3    0.8  0.875  0.5556
    1    b  2    0.0 -0.250  1.5000
    """
    if options < 2:
        raise ValueError(f"options must be at least 2, is {options}")
    _check_alignment(items, teams)
    items, teams = _apply_rule(items, teams, missing)
    values = items.astype(np.float64)
    high = low + options - 1
    if ((values < low) | (values > high)).any(axis=None):
        raise ValueError(f"answers must lie on the response scale {low}..{high}")
    grouped = values.groupby(teams, sort=True)
    counts = grouped.count()
    n = counts.to_numpy(dtype=np.float64)
    mean = grouped.mean().to_numpy(dtype=np.float64)
    variance = np.where(n >= 2, grouped.var(ddof=1).to_numpy(dtype=np.float64), np.nan)
    deviation = (values - grouped.transform("mean")).abs().groupby(teams, sort=True).mean()
    adm = np.where(n >= 2, deviation.to_numpy(dtype=np.float64), np.nan)
    awg = _item_awg(mean, variance, n, low=low, high=high)
    scale_means = values.mean(axis=1).to_frame("scale")
    members = scale_means["scale"].notna().groupby(teams, sort=True).sum()
    expected = (options**2 - 1) / 12
    ratio = np.minimum(_mean_defined(variance), expected) / expected
    j = np.isfinite(variance).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rwg = j * (1 - ratio) / (j * (1 - ratio) + ratio)
    enough = members.to_numpy() >= 2
    table = pd.DataFrame(
        {
            "team": counts.index.to_numpy(),
            "n": members.to_numpy(dtype=np.int64),
            "mean": scale_means["scale"].groupby(teams, sort=True).mean().to_numpy(),
            "rwg_j": np.where(enough & (j >= 1), rwg, np.nan),
            "awg": np.where(enough, _mean_defined(awg), np.nan),
            "adm": np.where(enough, _mean_defined(adm), np.nan),
        },
        columns=list(AGREEMENT_COLUMNS),
    )
    reliability = icc(scale_means, teams=teams).iloc[0]
    return AgreementResult(
        teams=table,
        icc1=float(reliability["icc1"]),
        icc2=float(reliability["icc2"]),
        f=float(reliability["f"]),
        p=float(reliability["p"]),
        n=int(reliability["n"]),
        n_teams=int(reliability["n_teams"]),
        options=options,
        low=low,
    )


def _item_awg(
    mean: FloatArray, variance: FloatArray, n: FloatArray, *, low: int, high: int
) -> FloatArray:
    """awg of every (team, item) from its mean, variance and count (Brown & Hauenstein 2005)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        largest = ((high + low) * mean - mean**2 - high * low) * n / (n - 1)
        awg = 1 - 2 * variance / largest
        # A small tolerance keeps a mean that sits exactly on a bound inside despite rounding.
        inside = (mean >= (low * (n - 1) + high) / n - 1e-12) & (
            mean <= (high * (n - 1) + low) / n + 1e-12
        )
    awg = np.where(inside, awg, np.nan)
    # Everyone at one end: no variance is possible there, and agreement is complete.
    awg = np.where((mean == low) | (mean == high), 1.0, awg)
    return np.asarray(np.where(n >= 2, awg, np.nan), dtype=np.float64)


def _mean_defined(values: FloatArray) -> FloatArray:
    """Row means over the finite entries; NaN for a row without any."""
    finite = np.isfinite(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(
            np.where(finite, values, 0.0).sum(axis=1) / finite.sum(axis=1), dtype=np.float64
        )


def scale_agreement(
    responses: pd.DataFrame,
    *,
    teams: pd.Series,
    instrument: Instrument,
    missing: MissingRule = "available",
) -> pd.DataFrame:
    """rwg(j) of every team on every scale, after reverse keying, with ``missing`` as in
    ``rwg_j``.

    Returns
    -------
    DataFrame
        One row per (team, scale), teams sorted, scales in the instrument's order: team,
        scale, rwg_j. See ``rwg_j`` for the formula.
    """
    keyed = reverse_key(responses, instrument=instrument)
    options = instrument.response_scale.n_options
    parts = [
        rwg_j(
            keyed.reindex(columns=list(scale.items)),
            teams=teams,
            options=options,
            missing=missing,
        )
        .drop(columns="n")
        .assign(scale=scale.id, order=position)
        for position, scale in enumerate(instrument.scales)
    ]
    if not parts:
        return pd.DataFrame(columns=["team", "scale", "rwg_j"])
    combined = pd.concat(parts, ignore_index=True)
    combined = combined.sort_values(["team", "order"], kind="stable", ignore_index=True)
    return combined[["team", "scale", "rwg_j"]]
