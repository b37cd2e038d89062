"""Internal consistency of the scales: Cronbach's alpha with its Feldt interval, omega, items.

All are computed from the pairwise covariance matrix of the (reverse-keyed) items, as R's
psych::alpha does by default, so respondents who skipped an item still inform the others.
``reliability`` gathers them, with the item analysis (corrected item-total correlation and
alpha if the item is deleted), into one ``ReliabilityResult``.

Alpha read on fewer than ``MIN_ALPHA_N`` respondents is flagged (``small_sample``, with a
``SmallSample`` warning): see there for the threshold and ``cronbach_alpha`` for what a negative
alpha means.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis.scoring import reverse_key
from instrument.model import Instrument

NAN = float("nan")

MIN_ALPHA_N = 30
"""The fewest respondents alpha is read on. Below it alpha is reported with a caveat
(``small_sample``), not withheld: it is still the sample's figure, only not one to judge a
scale by. The threshold follows from the Feldt interval itself: for a conventional alpha of
.70 on 3 to 5 items, the 95 % interval runs from about .45-.49 to .84-.85 at n = 30, i.e. from
a scale nobody would use to a good one, and it only widens below (at n = 20 .37-.43 to .87,
at n = 8 from about 0 to .93). Under 30 respondents, then, the sample cannot tell an unusable
scale from a good one, whatever alpha it shows; a few stray answers can even make it negative
(see ``cronbach_alpha``). Thirty is a floor for reading alpha at all, not a sample size for
precision: an interval of +-.05 takes a few hundred respondents (Charter 2003; Bonett 2002).

References
----------
Charter, R. A. (2003). Study samples are too small to produce sufficiently precise reliability
coefficients. The Journal of General Psychology, 130, 117-129. Bonett, D. G. (2002). Sample
size requirements for testing and estimating coefficient alpha. Journal of Educational and
Behavioral Statistics, 27, 335-340.
"""


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of one set of items, with its confidence interval.

    Attributes
    ----------
    alpha : float
        Raw alpha, from the pairwise covariance matrix.
    alpha_std : float
        Standardised alpha, from the correlation matrix derived from that covariance matrix.
    ci_low, ci_high : float
        Feldt confidence interval of ``alpha``.
    n : int
        The sample size behind the interval: the fewest respondents who answered both items
        of any pair (see ``cronbach_alpha``).
    k : int
        The number of items alpha was computed on (without ``left_out``).
    average_r : float
        The mean inter-item correlation (off-diagonal mean of the same correlation matrix).
    left_out : tuple of str
        Items that cannot inform a scale (no variance: constant, or answered by fewer than
        two people), left out of every figure as psych::alpha leaves them out, with an
        ``ItemsLeftOut`` warning that names them.
    small_sample : bool
        ``n`` is under ``MIN_ALPHA_N``: too few respondents to read alpha (a ``SmallSample``
        warning says so). False when no two items are left to compute it on.
    """

    alpha: float
    alpha_std: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    average_r: float
    left_out: tuple[str, ...] = ()
    small_sample: bool = False


class ItemsLeftOut(UserWarning):
    """Items without variance were left out of a reliability analysis."""


class SmallSample(UserWarning):
    """Alpha rests on fewer than ``MIN_ALPHA_N`` respondents: too few to read it."""


def _warn_small_sample(result: AlphaResult) -> None:
    if not result.small_sample:
        return
    interval = (
        ""
        if np.isnan(result.ci_low)
        else f": its {result.ci_low:.2f} to {result.ci_high:.2f} interval cannot tell an"
        " unusable scale from a good one"
    )
    warnings.warn(
        SmallSample(
            f"alpha rests on {result.n} respondents, fewer than the {MIN_ALPHA_N} it needs to"
            f" be read{interval}"
        ),
        stacklevel=3,
    )


def uninformative_items(items: pd.DataFrame) -> list[str]:
    """The columns that cannot inform a scale: answered by fewer than two people, or every
    answer the same (no variance)."""
    left_out = []
    for name in items.columns:
        answers = items[name].dropna().to_numpy(dtype=np.float64)
        if len(answers) < 2 or not np.isfinite(answers).all() or answers.min() == answers.max():
            left_out.append(str(name))
    return left_out


def _informative(items: pd.DataFrame, *, ci: float) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The arguments checked; the items that can inform the scale, and the names of the
    others, with a warning."""
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
    if items.shape[1] < 2:
        raise ValueError(f"alpha needs at least 2 items, got {items.shape[1]}")
    left_out = tuple(uninformative_items(items))
    if left_out:
        warnings.warn(
            ItemsLeftOut(
                f"{', '.join(left_out)}: no variance (constant, or answered by fewer than two"
                " people), left out of the reliability analysis as psych::alpha leaves such"
                f" items out; {items.shape[1] - len(left_out)} items remain"
            ),
            stacklevel=3,
        )
    kept = [column for column in items.columns if str(column) not in left_out]
    return items[kept], left_out


def cronbach_alpha(items: pd.DataFrame, *, ci: float = 0.95) -> AlphaResult:
    r"""Cronbach's alpha, standardised alpha and the Feldt confidence interval.

    Parameters
    ----------
    items : DataFrame
        One column per item, already reverse-keyed; NaN for missing answers.
    ci : float
        Coverage of the confidence interval.

    Returns
    -------
    AlphaResult

    Notes
    -----
    With :math:`C` the covariance matrix of the :math:`k` items, each entry computed from the
    respondents who answered both items (``use = "pairwise"`` as in psych::alpha),

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\operatorname{tr} C}{\mathbf 1' C
              \mathbf 1}\right),

    and with :math:`R` = cov2cor(:math:`C`), the standardised alpha is
    :math:`\frac{k}{k-1}(1 - k / \mathbf 1' R \mathbf 1)` and the average correlation
    :math:`\bar r` is the mean of the off-diagonal of :math:`R`. psych computes both from
    cov2cor(C), not from separately computed pairwise correlations; so does this function.

    The Feldt (1965) interval is

    .. math:: \left[1 - (1-\alpha) F_{(1-c)/2}^{-1},\; 1 - (1-\alpha) F_{(1+c)/2}^{-1}\right]

    with upper-tail quantiles of :math:`F(n-1, (n-1)(k-1))`. For :math:`n` we use the
    smallest number of respondents who answered both items of any pair: every entry of
    :math:`C` rests on at least that many people, and with complete data (or after listwise
    deletion) it is simply the number of rows. Pingouin 0.7 uses the row count *before*
    listwise deletion, which makes its interval too narrow when answers are missing.

    On fewer than ``MIN_ALPHA_N`` respondents the result is flagged ``small_sample`` and a
    ``SmallSample`` warning is issued.

    Alpha is negative when the covariances between the items sum to less than 0, i.e. when
    the items are on average negatively related: they do not measure one thing, or an item
    worded the other way round was not reverse-keyed (``reverse_key``) before. On a small
    sample, sampling error alone can do it; as :math:`\mathbf 1' C \mathbf 1` nears 0 alpha
    runs far below 0 (it has no lower bound).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika, 16, 297-334. Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. Psychometrika, 30, 357-370.

    Examples
    --------
    Matches ``psych::alpha(bfi[, c("N1", "N2", "N3", "N4", "N5")])``: raw alpha 0.814,
    standardised 0.815, average r 0.468.
    """
    items, left_out = _informative(items, ci=ci)
    result = _alpha(items, ci=ci, left_out=left_out)
    _warn_small_sample(result)
    return result


def _alpha(items: pd.DataFrame, *, ci: float, left_out: tuple[str, ...]) -> AlphaResult:
    values = items.to_numpy(dtype=np.float64)
    k = values.shape[1]
    if k < 2:
        return AlphaResult(NAN, NAN, NAN, NAN, 0, k, NAN, left_out)
    answered = (~np.isnan(values)).astype(np.float64)
    n = int((answered.T @ answered).min())
    covariance = items.astype(np.float64).cov().to_numpy()
    small = n < MIN_ALPHA_N
    if n < 2 or not np.isfinite(covariance).all() or covariance.sum() <= 0:
        return AlphaResult(NAN, NAN, NAN, NAN, n, k, NAN, left_out, small)
    alpha = k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())
    sd = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(sd, sd)
    alpha_std = k / (k - 1) * (1 - k / correlation.sum())
    average_r = (correlation.sum() - np.trace(correlation)) / (k * (k - 1))
    ci_low, ci_high = _feldt_interval(alpha, n=n, k=k, ci=ci)
    return AlphaResult(
        alpha=float(alpha),
        alpha_std=float(alpha_std),
        ci_low=ci_low,
        ci_high=ci_high,
        n=n,
        k=k,
        average_r=float(average_r),
        left_out=left_out,
        small_sample=small,
    )


def omega_total(items: pd.DataFrame) -> float:
    r"""McDonald's omega total from a one-factor model of the items.

    Parameters
    ----------
    items : DataFrame
        One column per item, already reverse-keyed; NaN for missing answers.

    Returns
    -------
    float
        NaN with fewer than 3 items (a one-factor model of 2 items is not identified) or when
        the pairwise correlation matrix is not positive definite.

    Notes
    -----
    A one-factor model is fitted by maximum likelihood (factor-analyzer, R ``factanal``'s
    objective) to the correlation matrix derived from the pairwise covariance matrix
    :math:`C`; ML is scale-free, so the loadings and uniquenesses on the items' own metric are
    :math:`\lambda_j = \lambda^*_j s_j` and :math:`\theta_j = \theta^*_j s_j^2`. Then

    .. math:: \omega = \frac{(\sum_j \lambda_j)^2}{(\sum_j \lambda_j)^2 + \sum_j \theta_j},

    the share of the variance of the unit-weighted sum (the scale score's metric, the same
    one raw alpha uses) due to the common factor. Unlike alpha it does not assume equal
    loadings (tau-equivalence).

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Mahwah, NJ: Erlbaum.
    """
    k = items.shape[1]
    covariance = items.astype(np.float64).cov().to_numpy()
    if k < 3 or not np.isfinite(covariance).all():
        return NAN
    sd = np.sqrt(np.diag(covariance))
    if (sd <= 0).any():
        return NAN
    correlation = covariance / np.outer(sd, sd)
    if np.linalg.eigvalsh(correlation).min() <= 1e-10:
        return NAN
    standard_loadings, standard_uniquenesses = _adapters.one_factor_ml(correlation)
    common = float((standard_loadings * sd).sum() ** 2)
    unique = float((standard_uniquenesses * sd**2).sum())
    return common / (common + unique)


@dataclass(frozen=True)
class ReliabilityResult:
    """Reliability of one set of items, and the analysis of each item.

    Attributes
    ----------
    alpha, alpha_std, ci_low, ci_high, n, k, average_r : float or int
        As in ``AlphaResult``: raw and standardised alpha, the Feldt interval of raw alpha
        (coverage ``ci``) on ``n`` respondents, the number of items and the mean inter-item
        correlation.
    ci : float
        Coverage of the interval.
    omega : float
        McDonald's omega total from a one-factor model (see ``omega_total``).
    items : DataFrame
        One row per item, in column order, with the columns ``ITEM_COLUMNS``: item, n
        (respondents who answered it), mean, sd, r_drop (correlation with the sum of the other
        items) and alpha_if_deleted (raw alpha of the other items); NaN for the last two on
        an item left out.
    left_out : tuple of str
        As in ``AlphaResult``: items without variance, left out of every figure but listed
        in ``items``.
    small_sample : bool
        As in ``AlphaResult``: fewer than ``MIN_ALPHA_N`` respondents, too few to read alpha.
    """

    alpha: float
    alpha_std: float
    ci_low: float
    ci_high: float
    ci: float
    n: int
    k: int
    average_r: float
    omega: float
    items: pd.DataFrame
    left_out: tuple[str, ...] = ()
    small_sample: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The scale-level figures as a one-row DataFrame with the columns ``SCALE_COLUMNS``."""
        return pd.DataFrame([{name: getattr(self, name) for name in SCALE_COLUMNS}])


SCALE_COLUMNS = ("k", "n", "alpha", "alpha_std", "ci_low", "ci_high", "average_r", "omega")
"""The columns of ``ReliabilityResult.to_frame()``."""
ITEM_COLUMNS = ("item", "n", "mean", "sd", "r_drop", "alpha_if_deleted")
"""The columns of ``ReliabilityResult.items``."""


def reliability(items: pd.DataFrame, *, ci: float = 0.95) -> ReliabilityResult:
    r"""Alpha with its Feldt interval, omega, and every item's r.drop and alpha if deleted.

    Parameters
    ----------
    items : DataFrame
        One column per item, already reverse-keyed; NaN for missing answers.
    ci : float
        Coverage of the Feldt interval.

    Returns
    -------
    ReliabilityResult

    Notes
    -----
    Scale-level figures are those of ``cronbach_alpha`` and ``omega_total``. With
    :math:`C` the pairwise covariance matrix, :math:`S = \mathbf 1'C\mathbf 1`,
    :math:`c_i = \sum_j C_{ij}` and :math:`V_{-i} = S - 2c_i + C_{ii}` the variance of the sum
    of the items other than :math:`i`,

    .. math:: r_{\text{drop},i} = \frac{c_i - C_{ii}}{\sqrt{C_{ii} V_{-i}}}, \qquad
              \alpha_{-i} = \frac{k-1}{k-2}\left(1 - \frac{\operatorname{tr} C - C_{ii}}
              {V_{-i}}\right),

    the corrected item-total correlation (the item against the sum of the others) and raw
    alpha of the other :math:`k-1` items, both from :math:`C` as psych::alpha computes its
    ``r.drop`` and ``alpha.drop$raw_alpha``. Alpha if deleted is NaN for a scale of 2 items.
    Item n, mean and sd use each item's own answers (sd with divisor :math:`n-1`). On fewer
    than ``MIN_ALPHA_N`` respondents the result is flagged ``small_sample`` and a
    ``SmallSample`` warning is issued; a negative alpha is explained in ``cronbach_alpha``.

    References
    ----------
    Revelle, W. psych: Procedures for psychological, psychometric, and personality research
    (``alpha``). Cronbach, L. J. (1951). Psychometrika, 16, 297-334.

    Examples
    --------
    Matches ``psych::alpha(items)``: ``$total$raw_alpha``, ``$item.stats$r.drop`` and
    ``$alpha.drop$raw_alpha`` (the tests check them on the bfi neuroticism items).

    >>> items = pd.DataFrame(
    ...     {"a": [1, 2, 3, 4, 5, 2], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 1],
    ...      "d": [2, 1, 4, 4, 5, 3]}
    ... )
    >>> result = reliability(items)
    >>> round(result.alpha, 4), result.n, result.k
    (0.9281, 6, 4)
    >>> result.items.set_index("item")[["r_drop", "alpha_if_deleted"]].round(3)
          r_drop  alpha_if_deleted
    item
    a      0.981             0.854
    b      0.819             0.917
    c      0.780             0.929
    d      0.793             0.920
    """
    informative, left_out = _informative(items, ci=ci)
    alpha = _alpha(informative, ci=ci, left_out=left_out)
    _warn_small_sample(alpha)
    return ReliabilityResult(
        alpha=alpha.alpha,
        alpha_std=alpha.alpha_std,
        ci_low=alpha.ci_low,
        ci_high=alpha.ci_high,
        ci=ci,
        n=alpha.n,
        k=alpha.k,
        average_r=alpha.average_r,
        omega=omega_total(informative),
        items=_item_statistics(items, informative=informative),
        left_out=left_out,
        small_sample=alpha.small_sample,
    )


def _item_statistics(items: pd.DataFrame, *, informative: pd.DataFrame) -> pd.DataFrame:
    """Every item's answers (n, mean, sd), and r.drop and alpha if deleted among the
    ``informative`` ones (NaN for the others)."""
    values = items.astype(np.float64)
    r_drop, alpha_if_deleted = _rest_statistics(informative.astype(np.float64))
    return pd.DataFrame(
        {
            "item": values.columns.to_numpy(),
            "n": values.notna().sum().to_numpy(dtype=np.int64),
            "mean": values.mean().to_numpy(dtype=np.float64),
            "sd": values.std(ddof=1).to_numpy(dtype=np.float64),
            "r_drop": r_drop.reindex(values.columns).to_numpy(dtype=np.float64),
            "alpha_if_deleted": alpha_if_deleted.reindex(values.columns).to_numpy(np.float64),
        },
        columns=list(ITEM_COLUMNS),
    )


def _rest_statistics(values: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each item's r.drop and alpha if deleted, by column."""
    covariance = values.cov().to_numpy()
    k = covariance.shape[1]
    variance = np.diag(covariance)
    row_sums = covariance.sum(axis=1)
    rest_variance = covariance.sum() - 2 * row_sums + variance
    alpha_if_deleted = np.full(k, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_drop = (row_sums - variance) / np.sqrt(variance * rest_variance)
        if k >= 3:
            rest_trace = np.trace(covariance) - variance
            alpha_if_deleted = (k - 1) / (k - 2) * (1 - rest_trace / rest_variance)
    return (
        pd.Series(np.where(rest_variance > 0, r_drop, np.nan), index=values.columns),
        pd.Series(np.where(rest_variance > 0, alpha_if_deleted, np.nan), index=values.columns),
    )


def scale_reliability(responses: pd.DataFrame, *, instrument: Instrument) -> pd.DataFrame:
    """Alpha, its Feldt interval and omega for every scale of the instrument.

    Parameters
    ----------
    responses : DataFrame
        Raw answers (reverse keying is applied here).
    instrument : Instrument

    Returns
    -------
    DataFrame
        One row per scale: scale, k, n, alpha, alpha_std, alpha_ci_low, alpha_ci_high, omega.
        ``n`` is the interval's sample size (see ``cronbach_alpha``).
    """
    keyed = reverse_key(responses, instrument=instrument)
    rows = []
    for scale in instrument.scales:
        items = keyed.reindex(columns=list(scale.items)).astype(np.float64)
        result = cronbach_alpha(items)
        rows.append(
            {
                "scale": scale.id,
                "k": result.k,
                "n": result.n,
                "alpha": result.alpha,
                "alpha_std": result.alpha_std,
                "alpha_ci_low": result.ci_low,
                "alpha_ci_high": result.ci_high,
                "omega": omega_total(items),
            }
        )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


RELIABILITY_COLUMNS = (
    "scale",
    "k",
    "n",
    "alpha",
    "alpha_std",
    "alpha_ci_low",
    "alpha_ci_high",
    "omega",
)


def _feldt_interval(alpha: float, *, n: int, k: int, ci: float) -> tuple[float, float]:
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * _adapters.f_upper_quantile(tail, df1, df2)
    high = 1 - (1 - alpha) * _adapters.f_upper_quantile(1 - tail, df1, df2)
    return float(low), float(high)
