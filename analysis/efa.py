r"""Exploratory factor analysis: sampling adequacy, sphericity, parallel analysis, the EFA.

All start from the pairwise-complete correlation matrix :math:`R` (psych's default), so a
respondent who skipped an item still informs every other pair. Fits and rotations come from
factor-analyzer (``analysis._adapters``); order, signs, :math:`\Phi` and communalities are set
here, as factor-analyzer 0.5.1 gets the last two wrong after an oblique rotation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray

METHODS = ("minres", "ml")
ROTATIONS = ("oblimin", "promax", "varimax", "none")
PARALLEL_COLUMNS = tuple(
    f"{kind}_{source}"
    for kind in ("factor", "component")
    for source in ("observed", "resampled", "simulated")
)
VARIANCE_COLUMNS = ("variance", "proportion", "cumulative")
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


@dataclass(frozen=True)
class EfaResult:
    r"""An exploratory factor analysis, factors sorted by the variance they explain.

    Attributes
    ----------
    loadings, structure : DataFrame
        Pattern loadings :math:`L`, items x factors (F1, F2, ...), each factor's largest
        absolute loading positive; structure loadings (item-factor correlations) :math:`L\Phi`.
    factor_correlations : DataFrame
        :math:`\Phi`, ordered and signed as ``loadings`` (identity unless oblique).
    communalities, uniquenesses : Series
        :math:`h^2 = \operatorname{diag}(L\Phi L')` and :math:`1 - h^2`, by item.
    variance : DataFrame
        By factor: variance explained :math:`\operatorname{diag}(\Phi L'L)`, its proportion
        of the total item variance and the cumulative proportion.
    kmo, bartlett : KmoResult, BartlettResult
    parallel : ParallelResult or None
        The parallel analysis that chose the number of factors, if it was not given.
    method, rotation : str
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    factor_correlations: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    kmo: KmoResult
    bartlett: BartlettResult
    parallel: ParallelResult | None
    method: str
    rotation: str

    def to_frame(self) -> pd.DataFrame:
        """The pattern loadings, items x factors (a copy)."""
        return self.loadings.copy()


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
    data: pd.DataFrame, *, iterations: int = 20, percentile: float = 95, seed: int = 0
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
    of each. The reference is the ``percentile`` (R's type 7 quantile) over iterations.
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
    items = _items(data)
    values = items.to_numpy(dtype=np.float64)
    correlation = _correlation(items)
    observed = np.column_stack([_factor_eigenvalues(correlation), _eigenvalues(correlation)])
    rng = np.random.default_rng(seed)
    draws = [_random_eigenvalues(values, rng) for _ in range(iterations)]
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


def efa(
    data: pd.DataFrame,
    *,
    n_factors: int | None = None,
    method: str = "minres",
    rotation: str = "oblimin",
    seed: int = 0,
) -> EfaResult:
    r"""Exploratory factor analysis of the items, as psych::fa computes it.

    Parameters
    ----------
    data : DataFrame
        One numeric column per item; NaN for missing answers.
    n_factors : int, optional
        Number of factors; by default the one ``parallel_analysis`` finds.
    method : {"minres", "ml"}
        Minimum residual (least squares) or maximum likelihood.
    rotation : {"oblimin", "promax", "varimax", "none"}
    seed : int
        Seed of the parallel analysis.

    Returns
    -------
    EfaResult

    Notes
    -----
    The model :math:`R \approx \Lambda\Lambda' + \Psi` is fitted to the pairwise
    correlation matrix; an oblique rotation gives the pattern :math:`L = \Lambda T'^{-1}`
    and :math:`\Phi = T'T`, with :math:`L\Phi L' = \Lambda\Lambda'`. So the communalities
    :math:`h^2 = \operatorname{diag}(\Lambda\Lambda') = \operatorname{diag}(L\Phi L')` are
    taken from the unrotated solution (psych's ``communality``), not as row sums of
    :math:`L^2`. Factors are sorted by :math:`\operatorname{diag}(\Phi L'L)`, as psych
    sorts them, and :math:`\Phi` is permuted and signed with the columns of :math:`L`.
    Unlike psych, which makes column sums positive, each factor's largest absolute loading
    is made positive.

    References
    ----------
    Revelle, W. psych: fa. Jennrich, R. I. (2002). A simple general method for oblique
    rotation. Psychometrika, 67, 7-19.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> factors = rng.standard_normal((400, 2))
    >>> loadings = np.kron(np.eye(2), np.full((1, 3), 0.7))
    >>> noise = 0.7 * rng.standard_normal((400, 6))
    >>> items = pd.DataFrame(factors @ loadings + noise, columns=["a", "b", "c", "x", "y", "z"])
    >>> result = efa(items, seed=1)
    >>> result.parallel.n_factors, result.to_frame().abs().idxmax(axis=1).tolist()
    (2, ['F1', 'F1', 'F1', 'F2', 'F2', 'F2'])
    """
    _check_choice("method", method, METHODS)
    _check_choice("rotation", rotation, ROTATIONS)
    items = _items(data)
    correlation = _correlation(items)
    parallel = None
    if n_factors is None:
        parallel = parallel_analysis(items, seed=seed)
        n_factors = parallel.n_factors
        if n_factors < 1:
            raise ValueError("parallel analysis retains no factor: pass n_factors")
    _check_n_factors(n_factors, n_items=items.shape[1])
    unrotated = _adapters.fit_factors(correlation, n_factors=n_factors, method=method)
    pattern, phi = _rotate(unrotated, rotation=rotation)
    pattern, phi = _sort_and_sign(pattern, phi)
    factors = [f"F{number}" for number in range(1, n_factors + 1)]
    communalities = (unrotated**2).sum(axis=1)
    variance = np.diag(phi @ pattern.T @ pattern)
    proportion = variance / items.shape[1]
    return EfaResult(
        loadings=pd.DataFrame(pattern, index=items.columns, columns=factors),
        structure=pd.DataFrame(pattern @ phi, index=items.columns, columns=factors),
        factor_correlations=pd.DataFrame(phi, index=factors, columns=factors),
        communalities=pd.Series(communalities, index=items.columns, name="communality"),
        uniquenesses=pd.Series(1 - communalities, index=items.columns, name="uniqueness"),
        variance=pd.DataFrame(
            np.column_stack([variance, proportion, np.cumsum(proportion)]),
            index=pd.Index(factors, name="factor"),
            columns=list(VARIANCE_COLUMNS),
        ),
        kmo=_kmo(correlation, columns=items.columns),
        bartlett=_bartlett(correlation, n=_harmonic_n(items)),
        parallel=parallel,
        method=method,
        rotation=rotation,
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


def _correlation(items: pd.DataFrame) -> FloatArray:
    """Pairwise-complete Pearson correlations; every pair must have a defined value."""
    correlation = _pairwise_correlation(items.to_numpy(dtype=np.float64))
    undefined = np.argwhere(~np.isfinite(correlation))
    if len(undefined):
        first, second = items.columns[undefined[0]]
        raise ValueError(
            f"items {first!r} and {second!r} have no correlation: too few joint answers "
            "or no variance among those who answered both"
        )
    return correlation


def _pairwise_correlation(values: FloatArray) -> FloatArray:
    """Pearson correlations, each on the rows that answer both items (pandas' ``corr``).

    Computed from matrix products of the answered mask and the zero-filled values, which is
    far faster than pandas' loop over pairs on many rows; the columns are centred first so
    that the sums of squares lose no precision. NaN where a pair has fewer than two joint
    answers or no variance among them.
    """
    answered = ~np.isnan(values)
    mask = answered.astype(np.float64)
    with np.errstate(invalid="ignore"):
        centred = np.where(answered, values - np.nanmean(values, axis=0), 0.0)
    n = mask.T @ mask
    # sums[i, j]: the sum of item i over the rows that answer both i and j.
    sums = centred.T @ mask
    squares = (centred**2).T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        products = centred.T @ centred - sums * sums.T / n
        variance = squares - sums**2 / n
        correlation = products / np.sqrt(variance * variance.T)
    defined = (n >= 2) & (variance > 0) & (variance.T > 0)
    correlation = np.where(defined, np.clip(correlation, -1.0, 1.0), np.nan)
    diagonal = np.diag(defined).copy()
    correlation[np.diag_indices_from(correlation)] = np.where(diagonal, 1.0, np.nan)
    return np.asarray(correlation, dtype=np.float64)


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


def _positive_definite(correlation: FloatArray) -> FloatArray:
    smallest = float(np.linalg.eigvalsh(correlation)[0])
    if smallest <= 1e-12:
        raise ValueError(
            f"the items' pairwise correlation matrix is not positive definite (smallest "
            f"eigenvalue {smallest:.3g}): items are linearly dependent or too sparsely answered"
        )
    return correlation


def _eigenvalues(matrix: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.eigvalsh(matrix)[::-1], dtype=np.float64)


def _factor_eigenvalues(correlation: FloatArray) -> FloatArray:
    """Eigenvalues of R with a one-factor minres fit's communalities on the diagonal."""
    loadings = _adapters.fit_factors(correlation, n_factors=1, method="minres")
    reduced = correlation.copy()
    np.fill_diagonal(reduced, (loadings**2).sum(axis=1))
    return _eigenvalues(reduced)


def _random_eigenvalues(values: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Eigenvalues: factor resampled, simulated; component resampled, simulated."""
    n, p = values.shape
    for _ in range(MAX_REDRAWS):
        rows = rng.integers(0, n, size=(n, p))
        resampled = values[rows, np.arange(p)]
        correlation = _pairwise_correlation(resampled)
        if np.isfinite(correlation).all():
            break
    else:
        raise ValueError(f"resampled data gave undefined correlations {MAX_REDRAWS} times")
    simulated = np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False), np.float64)
    matrices = (correlation, simulated)
    return np.column_stack([*map(_factor_eigenvalues, matrices), *map(_eigenvalues, matrices)])


def _count_above(observed: FloatArray, reference: FloatArray) -> int:
    above = observed > reference
    return len(above) if above.all() else int(np.argmin(above))


def _rotate(unrotated: FloatArray, *, rotation: str) -> tuple[FloatArray, FloatArray]:
    k = unrotated.shape[1]
    if rotation == "none" or k == 1:
        return unrotated.copy(), np.eye(k)
    rotated, phi = _adapters.rotate_loadings(unrotated, rotation=rotation)
    return rotated, np.eye(k) if phi is None else phi


def _sort_and_sign(pattern: FloatArray, phi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Order factors by variance explained, largest |loading| positive; Φ follows both."""
    order = np.argsort(-np.diag(phi @ pattern.T @ pattern), kind="stable")
    pattern, phi = pattern[:, order], phi[np.ix_(order, order)]
    largest = pattern[np.abs(pattern).argmax(axis=0), np.arange(pattern.shape[1])]
    signs = np.where(largest < 0, -1.0, 1.0)
    return pattern * signs, phi * np.outer(signs, signs)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _check_n_factors(n_factors: int, *, n_items: int) -> None:
    if isinstance(n_factors, bool) or not isinstance(n_factors, int | np.integer):
        raise ValueError(f"n_factors must be an integer, is {n_factors!r}")
    if not 1 <= n_factors <= n_items:
        raise ValueError(f"n_factors must lie between 1 and the {n_items} items, is {n_factors}")
