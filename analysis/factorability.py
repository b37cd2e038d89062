r"""Is there anything to factor? Sampling adequacy (KMO), sphericity (Bartlett) and the number
of factors by parallel analysis.

All start from the pairwise-complete correlation matrix :math:`R` (psych's default), so a
respondent who skipped an item still informs every other pair; factor-analyzer's own KMO and
Bartlett fail on missing values, which is why they are computed here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray
from analysis._pairwise import pairwise_correlation

PARALLEL_COLUMNS = tuple(
    f"{kind}_{source}"
    for kind in ("factor", "component")
    for source in ("observed", "resampled", "simulated")
)
MAX_REDRAWS = 100


@dataclass(frozen=True)
class KmoResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy: ``overall`` and ``items`` (MSA)."""

    overall: float
    items: pd.Series


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test that :math:`R = I`: ``chi2`` on ``df``, ``p``, and the ``n`` used."""

    chi2: float
    df: int
    p: float
    n: float


@dataclass(frozen=True)
class ParallelResult:
    """Horn's parallel analysis as psych::fa.parallel runs it.

    ``eigenvalues`` is indexed 1..k with the observed factor (one-factor minres) and
    component eigenvalues and their references (the ``percentile`` of the resampled and of
    the simulated ones); ``n_factors`` and ``n_components`` count the observed eigenvalues
    that exceed the simulated reference, from the first on.
    """

    eigenvalues: pd.DataFrame
    n_factors: int
    n_components: int
    iterations: int
    percentile: float


def kmo(data: pd.DataFrame) -> KmoResult:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    Parameters
    ----------
    data : DataFrame
        One numeric column per item; NaN for missing answers.

    Returns
    -------
    KmoResult

    Notes
    -----
    With :math:`r_{ij}` the pairwise correlations and :math:`q_{ij}` the partial
    correlations from :math:`Q = R^{-1}`, :math:`q_{ij} = -Q_{ij}/\sqrt{Q_{ii}Q_{jj}}`,

    .. math:: \mathrm{MSA}_j = \frac{\sum_{i \ne j} r_{ij}^2}
              {\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} q_{ij}^2},

    and the overall KMO sums over every pair :math:`i \ne j`, as psych::KMO does.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.

    Examples
    --------
    Matches ``psych::KMO`` on Holzinger & Swineford x1..x9 (overall 0.75; see the tests).

    >>> rng = np.random.default_rng(1)
    >>> factor = rng.standard_normal((500, 1))
    >>> items = pd.DataFrame(factor + rng.standard_normal((500, 4)), columns=list("abcd"))
    >>> round(kmo(items).overall, 2)
    0.78
    """
    items = _items(data)
    return _kmo(_correlation(items), columns=items.columns)


def bartlett(data: pd.DataFrame) -> BartlettResult:
    r"""Bartlett's test of sphericity on the pairwise correlation matrix.

    Parameters
    ----------
    data : DataFrame
        One numeric column per item; NaN for missing answers.

    Returns
    -------
    BartlettResult

    Notes
    -----
    .. math:: \chi^2 = -\left(n - 1 - \frac{2p + 5}{6}\right)\ln|R|,
              \qquad df = \frac{p(p-1)}{2}.

    :math:`n` is the harmonic mean of the pairwise counts :math:`n_{ij}`, :math:`i < j`:
    :math:`\ln|R|` rests on every :math:`r_{ij}`, whose variance goes as :math:`1/n_{ij}`.
    The complete rows would ignore answers :math:`R` uses; psych's ``nrow(x)`` counts rows
    :math:`R` does not use. With complete data all three are the number of rows.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. Biometrika, 38, 337-344.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> factor = rng.standard_normal((500, 1))
    >>> items = pd.DataFrame(factor + rng.standard_normal((500, 4)), columns=list("abcd"))
    >>> result = bartlett(items)
    >>> result.df, result.n, result.p < 1e-10
    (6, 500.0, True)
    """
    items = _items(data)
    return _bartlett(_correlation(items), n=_harmonic_n(items))


def parallel_analysis(
    data: pd.DataFrame,
    *,
    iterations: int = 20,
    percentile: float = 95,
    seed: int = 0,
    resample: bool = True,
) -> ParallelResult:
    r"""Horn's parallel analysis for factors and components, following psych::fa.parallel.

    Parameters
    ----------
    data : DataFrame
        One numeric column per item; NaN for missing answers.
    iterations : int
        Random data sets of each kind (psych's ``n.iter``).
    percentile : float
        The percentile of the random eigenvalues used as reference (psych's ``quant``).
    seed : int
        Seed of the random generator: the result is random.
    resample : bool
        Also compute the resampled reference (reported, never used for the counts). It costs
        a pass over the data per iteration; without it those columns are NaN.

    Returns
    -------
    ParallelResult

    Notes
    -----
    As psych 2.5 with its defaults (``fm = "minres"``, ``fa = "both"``, ``sim = TRUE``):
    the observed component eigenvalues are those of :math:`R`; the factor eigenvalues are
    those of :math:`R - \operatorname{diag}(\Psi)` from a one-factor minres fit. Each
    iteration resamples every column with replacement (correlations that come out NaN are
    redrawn) and draws normal data of the same size, and takes both kinds of eigenvalues
    of each. The normal data are not drawn row by row: the scatter matrix of :math:`n`
    independent standard normal rows is Wishart with :math:`n - 1` degrees of freedom, drawn
    directly by Bartlett's decomposition (:math:`W = AA^\top`, :math:`A` lower triangular,
    :math:`A_{ii}^2 \sim \chi^2_{n-i}`, :math:`A_{ij} \sim N(0, 1)` below the diagonal),
    which gives the same distribution of correlation matrices at a cost independent of
    :math:`n`. The one-factor minres fits minimise the residual sum of squares with its
    analytic gradient, :math:`-2\,\operatorname{diag}(R^* - \lambda_1 v_1 v_1^\top)`, as
    psych does (factor-analyzer differentiates numerically, ten times slower at 25 items).
    The reference is the ``percentile`` (R's type 7 quantile) over iterations.
    The counts are the numbers of observed eigenvalues that exceed the *simulated*
    reference consecutively from the first: psych computes the counts against the
    resampled reference too, then overwrites them, so they are reported, not used.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30, 179-185. Revelle, W. psych: fa.parallel.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> factors = rng.standard_normal((400, 2))
    >>> loadings = np.kron(np.eye(2), np.full((1, 3), 0.7))
    >>> items = pd.DataFrame(factors @ loadings + 0.7 * rng.standard_normal((400, 6)))
    >>> parallel_analysis(items, seed=1).n_factors
    2
    """
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, is {iterations!r}")
    if not 0 < percentile < 100:
        raise ValueError(f"percentile must lie strictly between 0 and 100, is {percentile}")
    if not isinstance(resample, bool):
        raise ValueError(f"resample must be True or False, is {resample!r}")
    items = _items(data)
    return _parallel(
        items.to_numpy(dtype=np.float64),
        _correlation(items),
        iterations=iterations,
        percentile=percentile,
        seed=seed,
        resample=resample,
    )


def _parallel(
    values: FloatArray,
    correlation: FloatArray,
    *,
    iterations: int,
    percentile: float,
    seed: int,
    resample: bool,
) -> ParallelResult:
    """Parallel analysis of checked item values whose correlation matrix is known."""
    observed = np.column_stack([_factor_eigenvalues(correlation), _eigenvalues(correlation)])
    rng = np.random.default_rng(seed)
    draws = [_random_eigenvalues(values, rng, resample=resample) for _ in range(iterations)]
    # Columns: resampled and simulated factor, then resampled and simulated component.
    reference = np.percentile(np.stack(draws), percentile, axis=0)
    table = np.column_stack([observed[:, :1], reference[:, :2], observed[:, 1:], reference[:, 2:]])
    index = pd.RangeIndex(1, values.shape[1] + 1, name="number")
    return ParallelResult(
        eigenvalues=pd.DataFrame(table, index=index, columns=list(PARALLEL_COLUMNS)),
        n_factors=_count_above(observed[:, 0], reference[:, 1]),
        n_components=_count_above(observed[:, 1], reference[:, 3]),
        iterations=iterations,
        percentile=float(percentile),
    )


def _items(data: pd.DataFrame) -> pd.DataFrame:
    """The items as floats (a copy), after the checks every analysis here needs."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a DataFrame, is {type(data).__name__}")
    if data.shape[1] < 3:
        raise ValueError(f"factor analysis needs at least 3 items, got {list(data.columns)}")
    for column in data.columns:
        if not pd.api.types.is_numeric_dtype(data[column]) or data[column].dtype == bool:
            raise ValueError(f"item {column!r} is not numeric ({data[column].dtype})")
        if data[column].nunique(dropna=True) < 2:
            raise ValueError(f"item {column!r} is constant or empty: it has no variance")
    return data.astype(np.float64)


class CorrelationSmoothed(UserWarning):
    """A pairwise correlation matrix was not positive definite and was smoothed."""


def _correlation(items: pd.DataFrame) -> FloatArray:
    """Pairwise-complete Pearson correlations; every pair must have a defined value. A matrix
    that is not positive definite (pairs answered by different people need not agree with
    each other) is smoothed as psych does, with a ``CorrelationSmoothed`` warning."""
    return correlation_of(items)[0]


def correlation_of(items: pd.DataFrame) -> tuple[FloatArray, bool]:
    """``_correlation`` and whether it was smoothed."""
    correlation = pairwise_correlation(items.to_numpy(dtype=np.float64))
    undefined = np.argwhere(~np.isfinite(correlation))
    if len(undefined):
        first, second = items.columns[undefined[0]]
        raise ValueError(
            f"items {first!r} and {second!r} have no correlation: too few joint answers "
            "or no variance among those who answered both"
        )
    if not np.isnan(items.to_numpy(dtype=np.float64)).any():
        # Complete answers give a proper correlation matrix: one that is singular comes from
        # items that are linear combinations of others, which smoothing would only hide.
        _positive_definite(correlation, tolerance=LINEAR_DEPENDENCE)
    smoothed, changed = smooth_correlation(correlation)
    if changed:
        warnings.warn(
            CorrelationSmoothed(
                "the items' pairwise correlation matrix is not positive definite: it was"
                " smoothed as psych::cor.smooth does before the analysis"
            ),
            stacklevel=4,
        )
    return smoothed, changed


SMOOTHING_TOLERANCE = 1e-12
"""psych's ``eig.tol``: eigenvalues below it are raised to 100 times it when smoothing."""


def smooth_correlation(correlation: FloatArray) -> tuple[FloatArray, bool]:
    r"""A correlation matrix made positive definite as R psych's ``cor.smooth`` makes it, and
    whether it had to be.

    Notes
    -----
    With :math:`R = V \operatorname{diag}(\lambda) V'`, when the smallest eigenvalue is below
    the machine epsilon, the eigenvalues below ``SMOOTHING_TOLERANCE`` are set to 100 times
    it, all are rescaled to sum to :math:`p`, and :math:`V \operatorname{diag}(\lambda) V'`
    is turned back into a correlation matrix (cov2cor). A matrix of pairwise correlations
    needs this when pairs rest on different respondents; the result is the nearest thing to
    them that one population could have, not their exact values.
    """
    values, vectors = np.linalg.eigh(correlation)
    if values.min() >= np.finfo(np.float64).eps:
        return correlation, False
    values = np.where(values < SMOOTHING_TOLERANCE, 100 * SMOOTHING_TOLERANCE, values)
    values = values * len(values) / values.sum()
    rebuilt = (vectors * values) @ vectors.T
    scale = 1 / np.sqrt(np.diag(rebuilt))
    smoothed = rebuilt * np.outer(scale, scale)
    return np.asarray((smoothed + smoothed.T) / 2, dtype=np.float64), True


def _harmonic_n(items: pd.DataFrame) -> float:
    answered = items.notna().to_numpy(dtype=np.float64)
    counts = (answered.T @ answered)[np.triu_indices(items.shape[1], k=1)]
    return float(len(counts) / (1 / counts).sum())


def _kmo(correlation: FloatArray, *, columns: pd.Index) -> KmoResult:
    precision = np.linalg.inv(_positive_definite(correlation))
    scale = 1 / np.sqrt(np.diag(precision))
    partial = precision * np.outer(scale, scale)
    off_diagonal = 1 - np.eye(len(correlation))
    r2 = (correlation**2 * off_diagonal).sum(axis=0)
    q2 = (partial**2 * off_diagonal).sum(axis=0)
    return KmoResult(
        overall=float(r2.sum() / (r2.sum() + q2.sum())),
        items=pd.Series(r2 / (r2 + q2), index=columns, name="msa"),
    )


def _bartlett(correlation: FloatArray, *, n: float) -> BartlettResult:
    p = len(correlation)
    _, log_determinant = np.linalg.slogdet(_positive_definite(correlation))
    chi2 = -(n - 1 - (2 * p + 5) / 6) * log_determinant
    df = p * (p - 1) // 2
    return BartlettResult(chi2=float(chi2), df=df, p=_adapters.chi2_survival(chi2, df), n=float(n))


LINEAR_DEPENDENCE = 1e-10
"""The smallest eigenvalue of a correlation matrix of complete answers below which its items
are taken as linearly dependent (rounding leaves exact dependence at about 1e-16)."""


def _positive_definite(correlation: FloatArray, *, tolerance: float = 1e-12) -> FloatArray:
    smallest = float(np.linalg.eigvalsh(correlation)[0])
    if smallest <= tolerance:
        raise ValueError(
            f"the items' pairwise correlation matrix is not positive definite (smallest "
            f"eigenvalue {smallest:.3g}): items are linearly dependent or too sparsely answered"
        )
    return correlation


def _eigenvalues(matrix: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.eigvalsh(matrix)[::-1], dtype=np.float64)


def _factor_eigenvalues(correlation: FloatArray) -> FloatArray:
    """Eigenvalues of R with a one-factor minres fit's communalities on the diagonal."""
    reduced = correlation.copy()
    np.fill_diagonal(reduced, one_factor_minres_communalities(correlation))
    return _eigenvalues(reduced)


def one_factor_minres_communalities(correlation: FloatArray) -> FloatArray:
    r"""Communalities of the one-factor minres (unweighted least squares) fit to R.

    Minimises :math:`f(\psi) = \lVert R^* - \lambda_1 v_1 v_1^\top \rVert_F^2`, with
    :math:`R^*` the correlation matrix with :math:`1 - \psi` on its diagonal and
    :math:`\lambda_1, v_1` its largest eigenpair, over uniquenesses in [0.005, 1] from
    :math:`1 - \mathrm{SMC}`, as psych::fa and factor-analyzer do. By the envelope theorem
    the gradient is :math:`-2\,\operatorname{diag}(R^* - \lambda_1 v_1 v_1^\top)`.
    """
    start = 1 / np.diag(np.linalg.pinv(correlation))

    def objective(uniquenesses: FloatArray) -> tuple[float, FloatArray]:
        reduced = correlation.copy()
        np.fill_diagonal(reduced, 1 - uniquenesses)
        values, vectors = np.linalg.eigh(reduced)
        loading = vectors[:, -1] * np.sqrt(max(values[-1], 100 * np.finfo(float).eps))
        residual = reduced - np.outer(loading, loading)
        return float((residual**2).sum()), -2 * np.diag(residual)

    uniquenesses = _adapters.minimise_bounded(
        objective, np.clip(start, 0.005, 1.0), lower=0.005, upper=1.0
    )
    reduced = correlation.copy()
    np.fill_diagonal(reduced, 1 - uniquenesses)
    values, vectors = np.linalg.eigh(reduced)
    return np.asarray(vectors[:, -1] ** 2 * max(values[-1], 0.0), dtype=np.float64)


def _random_eigenvalues(
    values: FloatArray, rng: np.random.Generator, *, resample: bool
) -> FloatArray:
    """Eigenvalues: factor resampled, simulated; component resampled, simulated."""
    n, p = values.shape
    simulated = _simulated_correlation(n, p, rng)
    if not resample:
        missing = np.full(p, np.nan)
        return np.column_stack(
            [missing, _factor_eigenvalues(simulated), missing, _eigenvalues(simulated)]
        )
    for _ in range(MAX_REDRAWS):
        rows = rng.integers(0, n, size=(n, p))
        resampled = values[rows, np.arange(p)]
        correlation = pairwise_correlation(resampled)
        if np.isfinite(correlation).all():
            break
    else:
        raise ValueError(f"resampled data gave undefined correlations {MAX_REDRAWS} times")
    matrices = (correlation, simulated)
    return np.column_stack([*map(_factor_eigenvalues, matrices), *map(_eigenvalues, matrices)])


def _simulated_correlation(n: int, p: int, rng: np.random.Generator) -> FloatArray:
    """The correlation matrix of n independent standard normal rows of p columns.

    Drawn through the Wishart scatter matrix (Bartlett's decomposition) when it is of full
    rank (n - 1 >= p); otherwise from the rows themselves.
    """
    df = n - 1
    if df < p:
        return np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False), np.float64)
    factor = np.tril(rng.standard_normal((p, p)), k=-1)
    factor[np.diag_indices(p)] = np.sqrt(rng.chisquare(df - np.arange(p)))
    scatter = factor @ factor.T
    scale = 1 / np.sqrt(np.diag(scatter))
    return np.asarray(scatter * np.outer(scale, scale), dtype=np.float64)


def _count_above(observed: FloatArray, reference: FloatArray) -> int:
    above = observed > reference
    return len(above) if above.all() else int(np.argmin(above))
