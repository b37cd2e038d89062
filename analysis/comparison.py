r"""Comparing teams fairly: shares of favourable answers with intervals, and shrunken means.

Small teams make noisy figures. Two tools here say how noisy: ``favourability`` gives each
team's share of favourable, neutral and unfavourable answers with a Wilson interval that allows
for answers of one person being alike, and ``shrunken_means`` pulls each team's mean towards
the organisation's by as much as its size and the ICC(1) warrant (empirical Bayes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis import _adapters
from analysis._adapters import FloatArray
from analysis.scoring import reverse_key
from instrument.model import Instrument

FAVOURABLE = (6, 7)
"""Default favourable answers on the 1..7 agreement scale: 'agree' and 'strongly agree'."""
UNFAVOURABLE = (1, 2, 3)
"""Default unfavourable answers on the 1..7 scale: the three levels of disagreeing."""
CATEGORIES = ("favourable", "neutral", "unfavourable")
FAVOURABILITY_COLUMNS = (
    "team",
    "scale",
    "category",
    "respondents",
    "answers",
    "count",
    "share",
    "ci_low",
    "ci_high",
    "design_effect",
)
SHRUNKEN_COLUMNS = (
    "team",
    "scale",
    "n",
    "mean",
    "grand_mean",
    "lambda",
    "shrunken_mean",
    "shrunken",
)


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, *, ci: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval of a proportion, elementwise.

    Parameters
    ----------
    successes, n : array_like
        Counts of successes and of trials, broadcast together. Non-integer values are allowed
        (an effective number of trials, as ``favourability`` uses).
    ci : float
        Coverage of the interval.

    Returns
    -------
    low, high : ndarray
        The bounds, in [0, 1]; NaN where n is 0 or missing.

    Notes
    -----
    With :math:`\hat p = x/n` and :math:`z` the :math:`(1+c)/2` normal quantile,

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n},

    the proportions :math:`p` that a score test at level :math:`1-c` does not reject. Unlike
    the Wald interval it stays inside [0, 1] and is not degenerate at 0 or n successes.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA, 22, 209-212. Newcombe, R. G. (1998). Two-sided confidence intervals for
    the single proportion: comparison of seven methods. Statistics in Medicine, 17, 857-872.

    Examples
    --------
    Newcombe's (1998) Table I, method 3; R ``prop.test(81, 263, correct = FALSE)$conf.int``:

    >>> low, high = wilson_interval([81, 0], [263, 20])
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([0.2553, 0.0], [0.3662, 0.1611])
    """
    _check_ci(ci)
    x, size = np.broadcast_arrays(np.asarray(successes, float), np.asarray(n, float))
    with np.errstate(invalid="ignore"):
        if (x < 0).any() or (x > size).any():
            raise ValueError("successes must lie between 0 and n")
    z = float(_adapters.normal_quantile((1 + ci) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / size
        denominator = 1 + z**2 / size
        centre = (p + z**2 / (2 * size)) / denominator
        half = z / denominator * np.sqrt(p * (1 - p) / size + z**2 / (4 * size**2))
    # At 0 or n successes the bound is exactly 0 or 1; the subtraction would leave 1e-17.
    low = np.where(p == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p == 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    valid = size > 0
    return np.where(valid, low, np.nan), np.where(valid, high, np.nan)


def favourability(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    teams: pd.Series,
    favourable: Sequence[int] = FAVOURABLE,
    unfavourable: Sequence[int] = UNFAVOURABLE,
    ci: float = 0.95,
) -> pd.DataFrame:
    r"""Each team's share of favourable, neutral and unfavourable answers on every scale.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id (reverse keying is applied here).
    instrument : Instrument
    teams : Series
        The team of each respondent, on the index of ``responses``.
    favourable, unfavourable : sequence of int
        The keyed answers counted as favourable and as unfavourable; every other option is
        neutral. The defaults, (6, 7) and (1, 2, 3), are for the 1..7 agreement scale (agree
        and strongly agree; the three levels of disagreeing; 'somewhat agree' and the midpoint
        neutral): any other response scale needs its own.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    DataFrame
        One row per (team, scale, category), teams sorted, scales in the instrument's order,
        categories favourable, neutral, unfavourable; the columns ``FAVOURABILITY_COLUMNS``:
        respondents (members with an answer on the scale), answers, count (answers in the
        category), share (count / answers), ci_low, ci_high, design_effect.

    Notes
    -----
    Shares are of answers, after reverse keying, over all of the scale's items; missing
    answers count nowhere. The answers of one person are alike, so they carry less
    information than as many independent answers: the Wilson interval (``wilson_interval``)
    is computed on the effective number of answers :math:`n_{\text{eff}} = M / \text{deff}`,
    :math:`M` the team's answers, with Kish's design effect for clusters of unequal size

    .. math:: \text{deff} = 1 + (\tilde m - 1)\rho, \qquad \tilde m = \sum_i m_i^2 / M,

    :math:`m_i` the answers of member :math:`i` and :math:`\rho` the correlation of the
    category indicator within respondents, estimated by one-way ANOVA over all respondents
    of the organisation (respondents as groups; a share in no team is estimated on too few
    people to estimate :math:`\rho` itself). Differences between teams add to that ANOVA's
    between-respondent variance, so :math:`\rho` and the intervals err on the wide side. When
    :math:`\rho` cannot be estimated (no answer in the category, or every answer in it) it is
    taken as 1, the widest choice.

    References
    ----------
    Kish, L. (1965). Survey sampling. New York: Wiley (design effect of cluster samples).
    Franco, C., Little, R. J. A., Louis, T. A., & Slud, E. V. (2019). Comparative study of
    confidence intervals for proportions in complex sample surveys. Journal of Survey
    Statistics and Methodology, 7, 334-364.

    Examples
    --------
    Each interval is R's ``prop.test(share * n_eff, n_eff, correct = FALSE)$conf.int``. The
    three shares of a team and scale add up to 1:

    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> responses = simulate_organisation(instrument=instrument, n_teams=4, seed=1).responses
    >>> table = favourability(responses, instrument=instrument, teams=responses["team"])
    >>> bool(table.groupby(["team", "scale"])["share"].sum().round(12).eq(1).all())
    True
    >>> bool(((table["ci_low"] <= table["share"]) & (table["share"] <= table["ci_high"])).all())
    True
    """
    _check_ci(ci)
    if not responses.index.equals(teams.index):
        raise ValueError("teams must be a Series on the same index as the data, in the same order")
    categories = _categories(instrument, favourable=favourable, unfavourable=unfavourable)
    keyed = reverse_key(responses, instrument=instrument)
    parts = []
    for scale_order, scale in enumerate(instrument.scales):
        block = keyed.reindex(columns=list(scale.items)).to_numpy(dtype=np.float64)
        answered = ~np.isnan(block)
        for category_order, (category, values) in enumerate(categories.items()):
            shares = _category_shares(np.isin(block, values), answered, teams=teams, ci=ci)
            order = scale_order * len(CATEGORIES) + category_order
            parts.append(shares.assign(scale=scale.id, category=category, order=order))
    table = pd.concat(parts).sort_values(["team", "order"], kind="stable", ignore_index=True)
    return table[list(FAVOURABILITY_COLUMNS)]


def shrunken_means(team_stats: pd.DataFrame, *, icc1: float | pd.Series) -> pd.DataFrame:
    r"""Empirical-Bayes team means: each team's mean pulled towards the organisation's.

    Parameters
    ----------
    team_stats : DataFrame
        One row per (team, scale) with at least team, scale, n and mean, as
        ``team_statistics`` returns.
    icc1 : float or Series
        ICC(1) of the scores, one value or a Series indexed by scale (the ``icc1`` column of
        ``icc``, indexed by its ``scale`` column). Negative values are taken as 0.

    Returns
    -------
    DataFrame
        The rows of ``team_stats`` with the columns ``SHRUNKEN_COLUMNS``: team, scale, n,
        mean (the team's own), grand_mean, lambda, shrunken_mean, and shrunken (true where
        ``shrunken_mean`` holds an empirical-Bayes estimate, false where it could not be made:
        no mean, no members or no ICC).

    Notes
    -----
    In the one-way random-effects model :math:`y_{ij} = \mu + u_j + e_{ij}`,
    :math:`u_j \sim N(0, \tau^2)`, :math:`e_{ij} \sim N(0, \sigma^2)`, the best linear
    unbiased predictor of team :math:`j`'s mean is

    .. math:: \tilde y_j = \hat\mu + \lambda_j(\bar y_j - \hat\mu), \qquad
              \lambda_j = \frac{\tau^2}{\tau^2 + \sigma^2/n_j}
                        = \frac{n_j\rho}{1 + (n_j - 1)\rho},

    with :math:`\rho = \tau^2/(\tau^2+\sigma^2)` the ICC(1), estimated by the one-way ANOVA
    (``icc``). :math:`\lambda_j` is the reliability of team :math:`j`'s mean: small teams are
    pulled more. :math:`\hat\mu` is the generalised least squares mean
    :math:`\sum_j w_j\bar y_j / \sum_j w_j` with :math:`w_j = 1/(\tau^2 + \sigma^2/n_j)
    \propto n_j/(1 + (n_j-1)\rho)`. Plugging in the estimated :math:`\rho` makes this the
    empirical-Bayes (James-Stein type) estimator: over all teams it has a lower mean squared
    error than the raw means, at the price of a bias towards :math:`\hat\mu` for any one team.

    References
    ----------
    Efron, B., & Morris, C. (1975). Data analysis using Stein's estimator and its
    generalizations. JASA, 70, 311-319. Raudenbush, S. W., & Bryk, A. S. (2002). Hierarchical
    linear models (2nd ed., ch. 3). Thousand Oaks, CA: Sage.

    Examples
    --------
    With ICC(1) = 0.2, a team of 4 keeps :math:`\lambda = 0.8/1.6 = 0.5` of its distance
    from the grand mean and a team of 16 keeps :math:`3.2/4 = 0.8`; their weights in
    :math:`\hat\mu` are 4/1.6 = 2.5 and 16/4 = 4, so :math:`\hat\mu = (2.5 \cdot 5 + 4
    \cdot 4)/6.5`. These are the predictions R's ``coef(lmer(y ~ 1 + (1 | team)))`` makes
    when :math:`\tau^2` and :math:`\sigma^2` are known:

    >>> stats = pd.DataFrame(
    ...     {"team": ["a", "b"], "scale": "HA", "n": [4, 16], "mean": [5.0, 4.0]}
    ... )
    >>> table = shrunken_means(stats, icc1=0.2)
    >>> table[["team", "lambda", "grand_mean", "shrunken_mean"]].round(4)
      team  lambda  grand_mean  shrunken_mean
    0    a     0.5      4.3846         4.6923
    1    b     0.8      4.3846         4.0769
    """
    missing = {"team", "scale", "n", "mean"} - set(team_stats.columns)
    if missing:
        raise ValueError(f"team_stats lacks the columns {sorted(missing)}")
    if isinstance(icc1, pd.Series):
        rho = team_stats["scale"].map(icc1).astype(np.float64)
    else:
        rho = pd.Series(float(icc1), index=team_stats.index)
    rho = rho.clip(lower=0.0, upper=1.0)
    n = team_stats["n"].astype(np.float64)
    mean = team_stats["mean"].astype(np.float64)
    usable = (n >= 1) & mean.notna() & rho.notna()
    weight = (n / (1 + (n - 1) * rho)).where(usable, 0.0)
    by_scale = team_stats["scale"]
    weighted_sum = (weight * mean.where(usable, 0.0)).groupby(by_scale).transform("sum")
    grand_mean = weighted_sum / weight.groupby(by_scale).transform("sum")
    reliability = (n * rho / (1 + (n - 1) * rho)).where(usable)
    return pd.DataFrame(
        {
            "team": team_stats["team"],
            "scale": team_stats["scale"],
            "n": team_stats["n"],
            "mean": mean,
            "grand_mean": grand_mean,
            "lambda": reliability,
            "shrunken_mean": (grand_mean + reliability * (mean - grand_mean)).where(usable),
            "shrunken": usable.to_numpy(dtype=bool),
        },
        columns=list(SHRUNKEN_COLUMNS),
    )


def _categories(
    instrument: Instrument, *, favourable: Sequence[int], unfavourable: Sequence[int]
) -> dict[str, tuple[int, ...]]:
    options = instrument.response_scale.values
    good, bad = tuple(favourable), tuple(unfavourable)
    if not set(good) <= set(options) or not set(bad) <= set(options):
        raise ValueError(
            f"favourable {good} and unfavourable {bad} must be options of the response scale"
            f" {options[0]}..{options[-1]}; the defaults fit the 1..7 scale only"
        )
    if set(good) & set(bad):
        raise ValueError(f"an answer cannot be both favourable and unfavourable: {good}, {bad}")
    neutral = tuple(o for o in options if o not in good and o not in bad)
    return dict(zip(CATEGORIES, (good, neutral, bad), strict=True))


def _category_shares(
    hit: np.ndarray, answered: np.ndarray, *, teams: pd.Series, ci: float
) -> pd.DataFrame:
    """Per team: respondents, answers, count, share, its interval and design effect."""
    hits = hit.sum(axis=1).astype(np.float64)
    counts = answered.sum(axis=1).astype(np.float64)
    rho = _within_respondent_correlation(hits, counts)
    people = pd.DataFrame(
        {"respondents": counts > 0, "answers": counts, "count": hits, "squares": counts**2},
        index=teams.index,
    )
    totals = people.groupby(teams, sort=True).sum()
    answers = totals["answers"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = totals["count"].to_numpy(dtype=np.float64) / answers
        design_effect = 1 + (totals["squares"].to_numpy(dtype=np.float64) / answers - 1) * rho
        effective = answers / design_effect
    low, high = wilson_interval(share * effective, effective, ci=ci)
    return pd.DataFrame(
        {
            "team": totals.index.to_numpy(),
            "respondents": totals["respondents"].to_numpy(dtype=np.int64),
            "answers": answers.astype(np.int64),
            "count": totals["count"].to_numpy(dtype=np.int64),
            "share": share,
            "ci_low": low,
            "ci_high": high,
            "design_effect": design_effect,
        }
    )


def _within_respondent_correlation(hits: FloatArray, counts: FloatArray) -> float:
    """ANOVA estimate of the ICC of a 0/1 indicator, respondents as groups (in [0, 1])."""
    f, m = hits[counts > 0], counts[counts > 0]
    groups, total = len(m), m.sum()
    if groups < 2 or total - groups < 1:
        return 1.0
    between_raw = (f**2 / m).sum()
    msb = (between_raw - f.sum() ** 2 / total) / (groups - 1)
    msw = (f.sum() - between_raw) / (total - groups)
    size = (total - (m**2).sum() / total) / (groups - 1)
    denominator = msb + (size - 1) * msw
    if denominator <= 0:
        return 1.0
    return float(np.clip((msb - msw) / denominator, 0.0, 1.0))


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
