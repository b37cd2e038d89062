"""Internal consistency of the scales: Cronbach's alpha with its Feldt interval, and omega.

Both are computed from the pairwise covariance matrix of the (reverse-keyed) items, as R's
psych::alpha does by default, so respondents who skipped an item still inform the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis.scoring import reverse_key
from instrument.model import Instrument

NAN = float("nan")


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
        The number of items.
    average_r : float
        The mean inter-item correlation (off-diagonal mean of the same correlation matrix).
    """

    alpha: float
    alpha_std: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    average_r: float


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
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
    values = items.to_numpy(dtype=np.float64)
    k = values.shape[1]
    if k < 2:
        raise ValueError(f"alpha needs at least 2 items, got {k}")
    answered = (~np.isnan(values)).astype(np.float64)
    n = int((answered.T @ answered).min())
    covariance = items.astype(np.float64).cov().to_numpy()
    if n < 2 or not np.isfinite(covariance).all() or covariance.sum() <= 0:
        return AlphaResult(NAN, NAN, NAN, NAN, n, k, NAN)
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
