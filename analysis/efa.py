r"""Exploratory factor analysis: pattern loadings, factor correlations, communalities.

The fit starts from the pairwise-complete correlation matrix (see ``analysis.factorability``,
which also gives KMO, Bartlett and the number of factors by parallel analysis). Fits and
rotations come from factor-analyzer (``analysis._adapters``); order, signs, :math:`\Phi` and
communalities are set here, as factor-analyzer 0.5.1 gets the last two wrong after an oblique
rotation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray
from analysis.factorability import (
    BartlettResult,
    KmoResult,
    ParallelResult,
    _bartlett,
    _harmonic_n,
    _items,
    _kmo,
    _parallel,
    correlation_of,
)

METHODS = ("minres", "ml")
ROTATIONS = ("oblimin", "promax", "varimax", "none")
VARIANCE_COLUMNS = ("variance", "proportion", "cumulative")


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
        The parallel analysis that chose the number of factors, if it was not given. It
        runs without the resampled reference, which psych reports but never counts against
        (call ``parallel_analysis`` for it).
    method, rotation : str
    smoothed : bool
        Whether the pairwise correlation matrix was not positive definite and was smoothed
        as psych::cor.smooth does before the analysis (see ``smooth_correlation``).
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
    smoothed: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The pattern loadings, items x factors (a copy)."""
        return self.loadings.copy()


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
    correlation, smoothed = correlation_of(items)
    parallel = None
    if n_factors is None:
        parallel = _parallel(
            items.to_numpy(dtype=np.float64),
            correlation,
            iterations=20,
            percentile=95,
            seed=seed,
            resample=False,
        )
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
        smoothed=smoothed,
    )


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
