"""The one place where ``analysis`` calls third-party statistics (scipy, factor-analyzer).

Every function takes and returns plain numpy values under the project's own names, so a
rename or a change of behaviour upstream breaks here and nowhere else. Nothing in this
module rounds, prints or mutates its inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from factor_analyzer import FactorAnalyzer
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

FloatArray = NDArray[np.float64]


def t_quantile(probability: float, df: ArrayLike) -> FloatArray:
    """Quantile of Student's t distribution with ``df`` degrees of freedom (NaN where df < 1)."""
    df_array = np.asarray(df, dtype=np.float64)
    safe = np.where(df_array >= 1, df_array, np.nan)
    return np.asarray(stats.t.ppf(probability, safe), dtype=np.float64)


def f_upper_quantile(probability: float, dfn: float, dfd: float) -> float:
    """The value an F(dfn, dfd) variable exceeds with the given probability (``f.isf``)."""
    return float(stats.f.isf(probability, dfn, dfd))


def f_survival(statistic: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> FloatArray:
    """P(F > statistic) for an F(dfn, dfd) variable, elementwise."""
    return np.asarray(stats.f.sf(statistic, dfn, dfd), dtype=np.float64)


def normal_cdf(x: ArrayLike) -> FloatArray:
    """The standard normal distribution function, elementwise."""
    return np.asarray(special.ndtr(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def find_root(function: Callable[[float], float], low: float, high: float) -> float:
    """The root of a continuous function that changes sign on [low, high] (Brent's method)."""
    root = optimize.brentq(function, low, high, xtol=1e-12, rtol=1e-12, maxiter=200)
    return float(root)


def one_factor_ml(correlation: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fit a one-factor model to a correlation matrix by maximum likelihood.

    Uses factor-analyzer's ML fit (the objective of R's ``factanal``), uniquenesses bounded
    in [0.005, 1]. The loadings are returned with the sign that makes their sum positive.

    Returns
    -------
    loadings, uniquenesses : ndarray
        Standardised loadings and uniquenesses, one per variable.
    """
    model = FactorAnalyzer(n_factors=1, rotation=None, method="ml", is_corr_matrix=True)
    with warnings.catch_warnings():
        # scikit-learn 1.7 warns about an argument factor-analyzer 0.5.1 still passes.
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(np.array(correlation, dtype=np.float64, copy=True))
    loadings = np.asarray(model.loadings_, dtype=np.float64)[:, 0]
    uniquenesses = np.asarray(model.get_uniquenesses(), dtype=np.float64)
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, uniquenesses
