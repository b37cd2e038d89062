"""From individuals to teams: team descriptives, ICC(1)/ICC(2), agreement, team versus the rest.

Every function works on all teams at once from group sums, sums of squares and counts
(pandas groupby and numpy broadcasting); there is no loop over teams. ``teams`` is a Series
of team ids on the same index as the data; respondents whose team is missing count in no
team but do count in the rest of the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray


def team_statistics(scores: pd.DataFrame, *, teams: pd.Series, ci: float = 0.95) -> pd.DataFrame:
    r"""Size, mean, standard deviation and t-based interval of every team on every score.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one float column per scale (non-numeric columns are ignored).
    teams : Series
        The team of each respondent, on the index of ``scores``.
    ci : float
        Coverage of the interval.

    Returns
    -------
    DataFrame
        One row per (team, scale), teams sorted, scales in column order: team, scale, n,
        mean, sd, ci_low, ci_high. ``n`` counts the team's respondents with a score; sd and
        the interval are NaN when n < 2.

    Notes
    -----
    :math:`\bar y \pm t_{(1+c)/2,\,n-1}\, s/\sqrt n`, with :math:`s` the sample standard
    deviation (divisor :math:`n-1`): Student's interval, as R's ``t.test(y)$conf.int``.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika, 6, 1-25.

    Examples
    --------
    Two teams of three; the first interval is R's ``t.test(c(1, 2, 3))$conf.int``:

    >>> import pandas as pd
    >>> scores = pd.DataFrame({"HA": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    >>> teams = pd.Series(["A", "A", "A", "B", "B", "B"])
    >>> table = team_statistics(scores, teams=teams)
    >>> print(table.round(3).to_string(index=False))
    team scale  n  mean  sd  ci_low  ci_high
       A    HA  3   2.0 1.0  -0.484    4.484
       B    HA  3   5.0 1.0   2.516    7.484
    """
    moments = _moments(scores, teams=teams)
    n, mean, variance = moments.n, moments.mean(), moments.variance()
    low, high = _t_interval(mean, variance, n, ci=ci)
    return _long(
        moments,
        n=n.astype(np.int64),
        mean=mean,
        sd=np.sqrt(variance),
        ci_low=low,
        ci_high=high,
    )


def organisation_statistics(scores: pd.DataFrame, *, ci: float = 0.95) -> pd.DataFrame:
    """The same figures as ``team_statistics`` for everyone together.

    Returns
    -------
    DataFrame
        One row per scale: scale, n, mean, sd, ci_low, ci_high.
    """
    everyone = pd.Series("organisation", index=scores.index)
    return team_statistics(scores, teams=everyone, ci=ci).drop(columns="team")


def icc(scores: pd.DataFrame, *, teams: pd.Series) -> pd.DataFrame:
    r"""ICC(1) and ICC(2) of every score from a one-way ANOVA of individuals in teams.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one float column per scale (non-numeric columns are ignored).
    teams : Series
        The team of each respondent, on the index of ``scores``.

    Returns
    -------
    DataFrame
        One row per scale: scale, n (respondents with a score and a team), n_teams, icc1,
        icc2, f, p (the ANOVA's F test of equal team means).

    Notes
    -----
    With :math:`N` respondents in :math:`G` teams, mean squares
    :math:`MSB = SSB/(G-1)` and :math:`MSW = SSW/(N-G)`, and :math:`k = N/G`,

    .. math:: ICC(1) = \frac{MSB - MSW}{MSB + (k-1)\,MSW}, \qquad
              ICC(2) = \frac{MSB - MSW}{MSB}.

    This is R multilevel's ``ICC1``/``ICC2`` on ``aov(y ~ as.factor(team))`` (Bliese 2000),
    including its choice of the mean team size :math:`N/G` for :math:`k`. With unequal team
    sizes the ANOVA expects :math:`n_0 = (N - \sum n_g^2/N)/(G-1) \le N/G`, so ICC(1) computed
    this way runs somewhat below the variance-component ICC; ICC(2) does not depend on k.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In K. J.
    Klein & S. W. J. Kozlowski (Eds.), Multilevel theory, research, and methods in
    organizations (pp. 349-381). San Francisco: Jossey-Bass.

    Examples
    --------
    On bh1996, ``ICC1(aov(WBEING ~ as.factor(GRP)))`` is 0.04336905 (tested). By hand, for two
    teams of three with means 2 and 5: MSB = 3·(1.5² + 1.5²) = 13.5, MSW = 4/4 = 1, so
    ICC(1) = 12.5/15.5 and ICC(2) = 12.5/13.5:

    >>> import pandas as pd
    >>> scores = pd.DataFrame({"HA": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    >>> teams = pd.Series(["A", "A", "A", "B", "B", "B"])
    >>> print(icc(scores, teams=teams).round(4).to_string(index=False))
    scale  n  n_teams   icc1   icc2    f      p
       HA  6        2 0.8065 0.9259 13.5 0.0213
    """
    moments = _moments(scores, teams=teams)
    n = moments.n.sum(axis=0)
    groups = (moments.n > 0).sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        between_raw = np.where(moments.n > 0, moments.total**2 / moments.n, 0.0).sum(axis=0)
        ssb = between_raw - moments.total.sum(axis=0) ** 2 / n
        ssw = moments.squares.sum(axis=0) - between_raw
        valid = (groups >= 2) & (n - groups >= 1)
        msb = np.where(valid, ssb / (groups - 1), np.nan)
        msw = np.where(valid, ssw / (n - groups), np.nan)
        k = n / groups
        f = msb / msw
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - msw) / msb
    p = _adapters.f_survival(f, groups - 1, n - groups)
    return pd.DataFrame(
        {
            "scale": moments.scales,
            "n": n.astype(np.int64),
            "n_teams": groups.astype(np.int64),
            "icc1": icc1,
            "icc2": icc2,
            "f": f,
            "p": p,
        }
    )


def compare_to_rest(scores: pd.DataFrame, *, teams: pd.Series, ci: float = 0.95) -> pd.DataFrame:
    r"""Each team against everyone else in the organisation, on every score.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one float column per scale (non-numeric columns are ignored).
    teams : Series
        The team of each respondent, on the index of ``scores``.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    DataFrame
        One row per (team, scale): team, scale, rest_n, rest_mean, rest_ci_low, rest_ci_high,
        diff, diff_ci_low, diff_ci_high, cohens_d.

    Notes
    -----
    The rest's count, sum and sum of squares are the organisation's totals minus the team's.
    ``diff`` is team mean minus rest mean with a Welch interval,
    :math:`d \pm t_{(1+c)/2,\nu}\sqrt{s_1^2/n_1 + s_2^2/n_2}` and Welch-Satterthwaite
    :math:`\nu`; ``cohens_d`` divides ``diff`` by the pooled standard deviation
    :math:`\sqrt{((n_1-1)s_1^2 + (n_2-1)s_2^2)/(n_1+n_2-2)}` (Cohen 1988).

    References
    ----------
    Welch, B. L. (1947). The generalization of Student's problem when several different
    population variances are involved. Biometrika, 34, 28-35.
    """
    moments = _moments(scores, teams=teams)
    n, mean, variance = moments.n, moments.mean(), moments.variance()
    rest = replace(
        moments,
        n=moments.all_n - n,
        total=moments.all_total - moments.total,
        squares=moments.all_squares - moments.squares,
    )
    rest_n, rest_mean, rest_variance = rest.n, rest.mean(), rest.variance()
    rest_low, rest_high = _t_interval(rest_mean, rest_variance, rest_n, ci=ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = mean - rest_mean
        team_part, rest_part = variance / n, rest_variance / rest_n
        se = np.sqrt(team_part + rest_part)
        df = (team_part + rest_part) ** 2 / (team_part**2 / (n - 1) + rest_part**2 / (rest_n - 1))
        pooled = np.sqrt(((n - 1) * variance + (rest_n - 1) * rest_variance) / (n + rest_n - 2))
        cohens_d = diff / pooled
    half = _adapters.t_quantile((1 + ci) / 2, df) * se
    return _long(
        moments,
        rest_n=rest_n.astype(np.int64),
        rest_mean=rest_mean,
        rest_ci_low=rest_low,
        rest_ci_high=rest_high,
        diff=diff,
        diff_ci_low=diff - half,
        diff_ci_high=diff + half,
        cohens_d=cohens_d,
    )


@dataclass(frozen=True)
class _Moments:
    """Counts, sums and sums of squares of centred scores, per team (rows) and scale."""

    teams: pd.Index
    scales: pd.Index
    centre: FloatArray
    n: FloatArray
    total: FloatArray
    squares: FloatArray
    all_n: FloatArray
    all_total: FloatArray
    all_squares: FloatArray

    def mean(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.centre + self.total / self.n, dtype=np.float64)

    def variance(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = (self.squares - self.total**2 / self.n) / (self.n - 1)
        # Rounding can leave a tiny negative number where every answer is the same.
        return np.where(self.n >= 2, np.maximum(variance, 0.0), np.nan)


def _moments(scores: pd.DataFrame, *, teams: pd.Series) -> _Moments:
    _check_alignment(scores, teams)
    values = scores.select_dtypes(include="number").astype(np.float64)
    centre = values.mean().to_numpy(dtype=np.float64)
    # Centring on the grand mean keeps sums of squares accurate whatever the score's metric.
    centred = values - centre
    squared = centred**2
    grouped = centred.groupby(teams, sort=True)
    counts = grouped.count()
    return _Moments(
        teams=counts.index,
        scales=values.columns,
        centre=centre,
        n=counts.to_numpy(dtype=np.float64),
        total=grouped.sum().to_numpy(dtype=np.float64),
        squares=squared.groupby(teams, sort=True).sum().to_numpy(dtype=np.float64),
        all_n=centred.notna().sum().to_numpy(dtype=np.float64),
        all_total=centred.sum().to_numpy(dtype=np.float64),
        all_squares=squared.sum().to_numpy(dtype=np.float64),
    )


def _t_interval(
    mean: FloatArray, variance: FloatArray, n: FloatArray, *, ci: float
) -> tuple[FloatArray, FloatArray]:
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
    with np.errstate(divide="ignore", invalid="ignore"):
        half = _adapters.t_quantile((1 + ci) / 2, n - 1) * np.sqrt(variance / n)
    return mean - half, mean + half


def _long(moments: _Moments, **figures: FloatArray) -> pd.DataFrame:
    """Lay (team x scale) arrays out as one row per (team, scale), team-major."""
    n_teams, n_scales = len(moments.teams), len(moments.scales)
    columns: dict[str, object] = {
        "team": np.repeat(moments.teams.to_numpy(), n_scales),
        "scale": np.tile(moments.scales.to_numpy(), n_teams),
    }
    for name, values in figures.items():
        columns[name] = np.asarray(values).reshape(-1)
    return pd.DataFrame(columns)


def _check_alignment(data: pd.DataFrame, teams: pd.Series) -> None:
    if not data.index.equals(teams.index):
        raise ValueError("teams must be a Series on the same index as the data, in the same order")
