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
from threadpoolctl import threadpool_limits

FloatArray = NDArray[np.float64]


def t_quantile(probability: float, df: ArrayLike) -> FloatArray:
    """Quantile of Student's t distribution with ``df`` degrees of freedom (NaN where df < 1)."""
    df_array = np.asarray(df, dtype=np.float64)
    safe = np.where(df_array >= 1, df_array, np.nan)
    # The inverse is slow (~15 us a value) and team sizes repeat: invert each distinct df once.
    distinct, position = np.unique(safe, return_inverse=True)
    quantiles = np.asarray(stats.t.ppf(probability, distinct), dtype=np.float64)
    return quantiles[position].reshape(safe.shape)


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


def fit_factors(correlation: FloatArray, *, n_factors: int, method: str) -> FloatArray:
    """Unrotated loadings of an ``n_factors`` model fitted to a correlation matrix.

    ``method`` is ``"minres"`` (least squares on the residuals, psych's default)
    or ``"ml"`` (the objective of R's ``factanal``). factor-analyzer starts from 1 − SMC and
    bounds the uniquenesses in [0.005, 1], as psych::fa does. The columns come in the order
    of the eigenvalues of the reduced correlation matrix; their signs are arbitrary.
    """
    model = FactorAnalyzer(n_factors=n_factors, rotation=None, method=method, is_corr_matrix=True)
    with warnings.catch_warnings():
        # scikit-learn 1.7 warns about an argument factor-analyzer 0.5.1 still passes.
        warnings.simplefilter("ignore", FutureWarning)
        # factor-analyzer writes into the matrix it is given: hand it a copy.
        model.fit(np.array(correlation, dtype=np.float64, copy=True))
    return np.array(model.loadings_, dtype=np.float64).reshape(len(correlation), n_factors)


def rotate_loadings(loadings: FloatArray, *, rotation: str) -> tuple[FloatArray, FloatArray | None]:
    """Rotate loadings by ``"oblimin"``, ``"promax"`` or ``"varimax"`` as psych::fa does.

    Varimax and promax use Kaiser normalisation (R's ``varimax`` default and psych's
    ``kaiser(rotate = "Promax")``, power 4); oblimin is GPArotation's direct oblimin with
    gamma 0, no normalisation, tolerance 1e-5 and at most 1000 iterations.

    Returns
    -------
    rotated, phi : ndarray
        The rotated (pattern) loadings, in factor-analyzer's column order, and the factor
        correlations in the same order; ``phi`` is None for an orthogonal rotation.
    """
    # A local import: sections of this module are appended independently, leaving the shared
    # import block at the top alone.
    from factor_analyzer.rotator import Rotator

    rotator = Rotator(method=rotation, max_iter=1000, tol=1e-5)
    rotated = rotator.fit_transform(np.array(loadings, dtype=np.float64, copy=True))
    phi = None if rotator.phi_ is None else np.array(rotator.phi_, dtype=np.float64)
    return np.array(rotated, dtype=np.float64), phi


def chi2_survival(statistic: float, df: float) -> float:
    """P(X > statistic) for a chi-square variable X with ``df`` degrees of freedom."""
    return float(stats.chi2.sf(statistic, df))


# -- Confirmatory factor analysis (semopy) -----------------------------------------------------
# The imports of this section are local: semopy takes about a second to import and only the CFA
# needs it, and the section is appended to a module others edit at the same time. The p-value
# of the chi-square test uses ``chi2_survival`` above.


def noncentral_chi2_cdf(statistic: float, df: int, noncentrality: float) -> float:
    """P(X <= statistic) for a chi-square variable with the given noncentrality (0: central)."""
    if noncentrality == 0:
        return float(stats.chi2.cdf(statistic, df))
    return float(stats.ncx2.cdf(statistic, df, noncentrality))


def fit_ml_cfa(
    values: FloatArray, *, indicators: tuple[tuple[int, ...], ...], max_iterations: int
) -> tuple[FloatArray, FloatArray, FloatArray, bool, int]:
    """Fit a confirmatory factor model by maximum likelihood with semopy.

    Each factor loads on its own items only, its first item is the marker (loading fixed to
    1), the factors covary freely and every item has a free residual variance: lavaan's
    ``cfa()`` defaults. semopy's Wishart objective ``MLW`` is lavaan's F_ML.

    Parameters
    ----------
    values : ndarray
        Complete data, one row per respondent and one column per item.
    indicators : tuple of tuple of int
        For each factor, the column indices of its items, marker first.
    max_iterations : int
        Iteration limit of the optimiser (SLSQP).

    Returns
    -------
    loadings : ndarray
        Items x factors, unstandardised, on the metric of ``values``.
    factor_covariance : ndarray
        Factors x factors.
    implied_covariance : ndarray
        semopy's model-implied covariance matrix Σ, items x items, on the metric of ``values``.
    converged : bool
        The optimiser reported success and Σ is finite and positive definite.
    n_parameters : int
        The number of free parameters semopy estimated.

    Notes
    -----
    Items and factors are renamed ``v0, v1, ...`` and ``f0, f1, ...`` in the model description,
    so that any column name is safe in semopy's lavaan-like syntax. Two departures from
    semopy's defaults, both needed to reach lavaan's estimates:

    - the optimiser's ``ftol`` is 1e-12 instead of 1e-6: with the default, semopy stops where
      chi-square is right to 2e-4 but standardised loadings are off by up to 5e-4;
    - the items are divided by their standard deviations before the fit and the estimates
      mapped back (ML is scale-free, so this is the same optimum): with items whose variances
      differ by orders of magnitude, semopy otherwise reports success far from the optimum.

    semopy bounds variances below by 0 where lavaan leaves them free, so in a Heywood case a
    residual variance here is 0 where lavaan's is negative.
    """
    import pandas as pd
    import semopy

    scale = values.std(axis=0)
    items = [f"v{j}" for j in range(values.shape[1])]
    factors = [f"f{k}" for k in range(len(indicators))]
    description = "\n".join(
        f"{factor} =~ {' + '.join(items[j] for j in group)}"
        for factor, group in zip(factors, indicators, strict=True)
    )
    model = semopy.Model(description)
    # One BLAS thread: the matrices are tiny (items x items), and with OpenBLAS's default
    # threads the many small products of the optimiser contend, making the same fit take
    # anywhere from 1 to 25 s on 2 cores (bench/bench_analysis.py).
    with threadpool_limits(limits=1):
        result = model.fit(
            pd.DataFrame(values / scale, columns=items),
            obj="MLW",
            solver="SLSQP",
            options={"ftol": 1e-12, "maxiter": max_iterations},
        )
    matrices = model.inspect(mode="mx")
    loadings = matrices["Lambda"].loc[items, factors].to_numpy(dtype=np.float64)
    factor_covariance = matrices["Psi"].loc[factors, factors].to_numpy(dtype=np.float64)
    sigma, _ = model.calc_sigma()
    implied = pd.DataFrame(sigma, index=model.vars["observed"], columns=model.vars["observed"])
    implied_covariance = implied.loc[items, items].to_numpy(dtype=np.float64)
    # Back to the data's metric: Σ = D Σ* D; a marker's loading stays 1, so Λ = D Λ* M⁻¹ and
    # Ψ = M Ψ* M, with D the items' and M the markers' standard deviations.
    markers = scale[[group[0] for group in indicators]]
    loadings = loadings * np.outer(scale, 1 / markers)
    factor_covariance = factor_covariance * np.outer(markers, markers)
    implied_covariance = implied_covariance * np.outer(scale, scale)
    converged = bool(result.success) and _finite_positive_definite(implied_covariance)
    return loadings, factor_covariance, implied_covariance, converged, len(model.param_vals)


def _finite_positive_definite(matrix: FloatArray) -> bool:
    if not np.isfinite(matrix).all():
        return False
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


# -- Proportions and screening (comparison.py, quality.py) -------------------------------------


def normal_quantile(probability: ArrayLike) -> FloatArray:
    """The standard normal quantile function (probit), elementwise."""
    return np.asarray(special.ndtri(np.asarray(probability, dtype=np.float64)), dtype=np.float64)


def beta_upper_tail(statistic: ArrayLike, a: float, b: float) -> FloatArray:
    """P(X > statistic) for a Beta(a, b) variable, elementwise."""
    return np.asarray(stats.beta.sf(statistic, a, b), dtype=np.float64)


def chi2_upper_tail(statistic: ArrayLike, df: ArrayLike) -> FloatArray:
    """P(X > statistic) for chi-square variables with ``df`` degrees of freedom, elementwise."""
    return np.asarray(stats.chi2.sf(statistic, df), dtype=np.float64)


def minimise_bounded(
    objective: Callable[[FloatArray], tuple[float, FloatArray]],
    start: FloatArray,
    *,
    lower: float,
    upper: float,
) -> FloatArray:
    """The minimiser of a smooth function with its gradient, each coordinate in [lower, upper].

    L-BFGS-B (as R's ``optim`` with ``method = "L-BFGS-B"``, which psych::fa uses), with
    tolerances tight enough that the answer is the optimum to about 1e-8, not to the
    optimiser's default stopping rule.
    """
    result = optimize.minimize(
        objective,
        np.asarray(start, dtype=np.float64),
        jac=True,
        method="L-BFGS-B",
        bounds=[(lower, upper)] * len(start),
        options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-10},
    )
    return np.asarray(result.x, dtype=np.float64)
