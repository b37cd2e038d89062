"""Measurement invariance across groups: configural, metric and scalar multi-group CFA.

Can a department's mean be compared with another's, or a correlation in the French version
with the one in the English version? Only if the items measure the same thing in the same
way in every group. Three nested multi-group models answer that, each a ``fit_cfa`` model
with a mean structure fitted in every group at once (``analysis._mgcfa``, our own ML
optimiser: semopy has no multi-group model with equality constraints):

- configural: the same factors and items in every group, every parameter free per group;
- metric: the loadings equal across groups (relations between scores comparable);
- scalar: loadings and intercepts equal across groups (means comparable).

The fit statistics are lavaan's, computed with ``analysis.cfa``'s helpers from each group's
Σ, μ, S and mean vector. On Holzinger & Swineford (1939) grouped by school the three
chi-squares, per-group chi-squares and BICs agree with lavaan's tutorial to its printed digits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd

from analysis import _adapters, _mgcfa
from analysis.cfa import (
    NAN,
    CfaDataError,
    CfaModelError,
    FloatArray,
    _baseline_chi2,
    _check_covariance,
    _check_model,
    _comparative_fit,
    _complete_values,
    _ml_discrepancy,
    _rmsea_interval,
    _srmr,
)

Verdict = Literal["none", "configural", "metric", "scalar"]

STATEMENTS: dict[Verdict, str] = {
    "scalar": "scalar invariance holds: means can be compared across groups",
    "metric": (
        "metric but not scalar invariance: correlations and relations can be compared"
        " across groups, means cannot"
    ),
    "configural": (
        "configural invariance only: the same factors appear in every group but the items"
        " weigh differently, so neither means nor correlations can be compared across groups"
    ),
    "none": (
        "no configural fit: the model does not describe every group well, so no comparison"
        " across groups is safe"
    ),
}
"""The plain-language sentence for each verdict."""


@dataclass(frozen=True)
class InvarianceRule:
    """The conventional cut-offs a verdict applies; conventions, not tests.

    Attributes
    ----------
    min_cfi, max_rmsea : float
        The configural model fits when CFI >= ``min_cfi`` and RMSEA <= ``max_rmsea`` (the
        "acceptable" cut-offs .90 and .08: Bentler 1990; Browne & Cudeck 1993).
    max_cfi_drop, max_rmsea_rise : float
        A more constrained level holds when CFI falls by at most ``max_cfi_drop`` and RMSEA
        rises by at most ``max_rmsea_rise`` from the level before (.010 and .015: Chen 2007;
        Cheung & Rensvold 2002 proposed the CFI rule).
    rmsea_min_df : int
        The ΔRMSEA rule applies only when the less constrained of the two models has at
        least this many degrees of freedom; below, ΔCFI decides alone.

    Notes
    -----
    RMSEA is unstable on few degrees of freedom (Kenny, Kaniskan & McCoach 2015, Sociological
    Methods & Research 44, 486-507, advise not to compute it for low-df models). A scale of 3
    items has configural df 0 (RMSEA 0) and metric df 2(G - 1), so its metric RMSEA is its
    ΔRMSEA: with 2 groups of 1,500 it exceeds .015 whenever Δχ² > 2.675, which happens in
    about a quarter of invariant samples. With ``rmsea_min_df = 0`` (ΔRMSEA always applied),
    13 of 40 simulated invariant 3-item scales (2 groups of 1,500) were refused; with the
    default 10, none, while an intercept shift of 0.5 SD in one item of one group is still
    refused by ΔCFI in every sample (ΔCFI -.08 to -.14; tests/analysis/test_invariance.py).
    The 10 is this project's convention, not a published cut-off: it keeps ΔRMSEA for the
    multi-factor models it was proposed for (Chen 2007 simulated models of df 20 and more)
    and leaves short scales to the CFI rule.
    """

    min_cfi: float = 0.90
    max_rmsea: float = 0.08
    max_cfi_drop: float = 0.010
    max_rmsea_rise: float = 0.015
    rmsea_min_df: int = 10

    def __post_init__(self) -> None:
        for item in fields(self):
            if not getattr(self, item.name) >= 0:
                raise ValueError(
                    f"{item.name} must be a number >= 0, is {getattr(self, item.name)}"
                )


CONVENTIONAL_RULE = InvarianceRule()


@dataclass(frozen=True)
class LevelFit:
    """The fit of one invariance level and its comparison with the level before.

    Attributes
    ----------
    level : {"configural", "metric", "scalar"}
    n_parameters, df : int
        Free parameters q and degrees of freedom G(p(p+1)/2 + p) - q.
    chi2, pvalue, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, loglik, aic, bic : float
        lavaan's multi-group statistics (see ``measurement_invariance``); NaN if not converged.
    converged : bool
        Whether the optimiser reached the optimum.
    delta_chi2, delta_df, delta_pvalue : float, int or None, float
        The likelihood-ratio test against the level before (NaN, None for configural).
    delta_cfi, delta_rmsea : float
        This level's CFI and RMSEA minus the level before's (negative ΔCFI: worse fit).
    supported : bool
        Whether the rule accepts this level and every level before it.
    group_chi2 : tuple of float
        N_g F_g per group, in the result's group order (lavaan's "Chi-square for each group").
    """

    level: _mgcfa.Level
    n_parameters: int
    chi2: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    rmsea_ci_low: float
    rmsea_ci_high: float
    srmr: float
    loglik: float
    aic: float
    bic: float
    converged: bool
    delta_chi2: float = NAN
    delta_df: int | None = None
    delta_pvalue: float = NAN
    delta_cfi: float = NAN
    delta_rmsea: float = NAN
    supported: bool = False
    group_chi2: tuple[float, ...] = field(default=(), repr=False)


LEVEL_COLUMNS = tuple(item.name for item in fields(LevelFit) if item.name != "group_chi2")
"""The columns of ``InvarianceResult.to_frame()``: every ``LevelFit`` field but group_chi2."""


@dataclass(frozen=True)
class InvarianceResult:
    """Configural, metric and scalar fits across groups, and what they allow.

    Attributes
    ----------
    groups : tuple of str
        The groups in order of first appearance (as lavaan orders them); the first is the
        reference group whose factor means are fixed at 0 in the scalar model.
    group_sizes : tuple of int
        Complete rows per group.
    n, n_dropped : int
        Rows used, and rows left out (an item missing, or no group label).
    baseline_chi2, baseline_df : float, int
        The multi-group independence model: free means and variances in every group.
    configural, metric, scalar : LevelFit
    verdict : {"none", "configural", "metric", "scalar"}
        The highest level the rule supports.
    statement : str
        The verdict in a plain sentence (``STATEMENTS``).
    rule : InvarianceRule
        The cut-offs applied.
    """

    groups: tuple[str, ...]
    group_sizes: tuple[int, ...]
    n: int
    n_dropped: int
    baseline_chi2: float
    baseline_df: int
    configural: LevelFit
    metric: LevelFit
    scalar: LevelFit
    verdict: Verdict
    statement: str
    rule: InvarianceRule

    @property
    def levels(self) -> tuple[LevelFit, LevelFit, LevelFit]:
        return self.configural, self.metric, self.scalar

    @property
    def relations_comparable(self) -> bool:
        """Metric invariance holds: correlations and regressions may be compared."""
        return self.verdict in ("metric", "scalar")

    @property
    def means_comparable(self) -> bool:
        """Scalar invariance holds: means may be compared."""
        return self.verdict == "scalar"

    def to_frame(self) -> pd.DataFrame:
        """One row per level with the columns ``LEVEL_COLUMNS``."""
        return pd.DataFrame(
            [{name: getattr(fit, name) for name in LEVEL_COLUMNS} for fit in self.levels]
        )


def measurement_invariance(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]],
    *,
    group: str,
    rule: InvarianceRule = CONVENTIONAL_RULE,
    max_iterations: int = 500,
) -> InvarianceResult:
    r"""Test configural, metric and scalar invariance of a factor model across groups.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one numeric column per item and the ``group`` column. Rows
        missing an item of the model or the group label are left out (listwise).
    model : mapping of str to sequence of str
        Factor name to its items, as for ``fit_cfa``; the first item is the marker.
    group : str
        The column naming each respondent's group (department, language, ...).
    rule : InvarianceRule
        The cut-offs of the verdict (default: the conventional ones).
    max_iterations : int
        Fisher-scoring iterations allowed per level; reaching it gives ``converged=False``.

    Returns
    -------
    InvarianceResult

    Raises
    ------
    CfaModelError
        As ``fit_cfa``; or the group column is an item of the model.
    CfaDataError
        No such group column; fewer than 2 groups; a group with no more complete rows than
        items, a constant item or a singular covariance matrix (the message names the group).

    Notes
    -----
    ML with a mean structure, lavaan's identification: marker loadings 1; factor means 0 in
    every group (configural, metric) or in the first group only (scalar). With G groups of
    :math:`N_g` complete rows (N in all), p items, sample means :math:`m_g` and covariances
    :math:`S_g` (divisor :math:`N_g`), q free parameters:

    .. math::
        \chi^2 = \sum_g N_g F_g, \quad F_g = \log|\Sigma_g| - \log|S_g|
        + \operatorname{tr}(S_g\Sigma_g^{-1}) - p + (m_g-\mu_g)^\top\Sigma_g^{-1}(m_g-\mu_g),

        df = G\,(p(p+1)/2 + p) - q, \quad
        \chi^2_0 = \textstyle\sum_g N_g (\sum_i \log s_{g,ii} - \log|S_g|), \quad
        df_0 = G\,p(p-1)/2,

        RMSEA = \sqrt{\max(\chi^2 - df, 0)/(df\,N)}\,\sqrt G, \quad
        SRMR = \textstyle\sum_g (N_g/N)\,SRMR_g,

    CFI and TLI as in ``fit_cfa``, the RMSEA interval as there times :math:`\sqrt G`.
    :math:`SRMR_g` is the root mean square of the :math:`p(p+1)/2` residual covariances
    :math:`(s_{ij}-\sigma_{ij})/\sqrt{s_{ii}s_{jj}}` and the p residual means
    :math:`(m_i - \mu_i)/\sqrt{s_{ii}}` (lavaan's ``srmr`` with a mean structure). Between
    successive levels: :math:`\Delta\chi^2` on :math:`\Delta df` (the likelihood-ratio test,
    reported but not used in the verdict: with hundreds of respondents per group it rejects
    trivial differences), :math:`\Delta CFI` and :math:`\Delta RMSEA`. The verdict applies
    ``rule``. Answers on a few response options are treated as continuous, as in ``fit_cfa``.

    References
    ----------
    Meredith (1993), Psychometrika 58, 525-543; Cheung & Rensvold (2002), Structural
    Equation Modeling 9, 233-255; Chen (2007), Structural Equation Modeling 14, 464-504;
    Putnick & Bornstein (2016), Developmental Review 41, 71-90; Rosseel (2012), lavaan,
    Journal of Statistical Software 48(2), 1-36.

    Examples
    --------
    The lavaan tutorial's example, ``cfa(HS.model, data = HolzingerSwineford1939, group =
    "school")`` with ``group.equal`` ``"loadings"``, then ``c("loadings", "intercepts")``:

    >>> from importlib.resources import files
    >>> import pandas as pd
    >>> data = pd.read_csv(files("semopy") / "examples" / "holzinger_swineford39_data.csv")
    >>> model = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...          "speed": ["x7", "x8", "x9"]}
    >>> result = measurement_invariance(data, model, group="school")
    >>> for fit in result.levels:
    ...     print(f"{fit.level:<10} chi2 {fit.chi2:.3f} df {fit.df} CFI {fit.cfi:.3f}"
    ...           f" RMSEA {fit.rmsea:.3f}")
    configural chi2 115.851 df 48 CFI 0.923 RMSEA 0.097
    metric     chi2 124.044 df 54 CFI 0.921 RMSEA 0.093
    scalar     chi2 164.103 df 60 CFI 0.882 RMSEA 0.107
    >>> print(result.statement)
    no configural fit: the model does not describe every group well, so no comparison
    across groups is safe

    An RMSEA of .097 is above the conventional .08. Accepting up to .10:

    >>> measurement_invariance(data, model, group="school",
    ...                        rule=InvarianceRule(max_rmsea=0.10)).verdict
    'metric'
    """
    if max_iterations < 1:
        raise CfaModelError(f"max_iterations must be at least 1, is {max_iterations}")
    _, item_groups = _check_model(model, columns=data.columns)
    items = [item for items in item_groups for item in items]
    groups, moments = _group_moments(data, items=items, group=group)
    indicators = tuple(tuple(items.index(item) for item in its) for its in item_groups)
    fits = [
        _level_fit(moments, fitted)
        for fitted in _mgcfa.fit_levels(
            moments, indicators=indicators, max_iterations=max_iterations
        )
    ]
    compared, verdict = _compare(fits, rule=rule)
    n = sum(group_moments.n for group_moments in moments)
    p = len(items)
    return InvarianceResult(
        groups=groups,
        group_sizes=tuple(group_moments.n for group_moments in moments),
        n=n,
        n_dropped=len(data) - n,
        baseline_chi2=sum(_baseline_chi2(m.cov, n=m.n) for m in moments),
        baseline_df=len(moments) * p * (p - 1) // 2,
        configural=compared[0],
        metric=compared[1],
        scalar=compared[2],
        verdict=verdict,
        statement=STATEMENTS[verdict],
        rule=rule,
    )


def _group_moments(
    data: pd.DataFrame, *, items: list[str], group: str
) -> tuple[tuple[str, ...], list[_mgcfa.Moments]]:
    """Each group's complete rows summarised, groups in order of first appearance."""
    if group not in data.columns:
        raise CfaDataError(f"the data has no group column {group!r}")
    if group in items:
        raise CfaModelError(f"the group column {group!r} is also an item of the model")
    labels = data[group]
    names = list(pd.unique(labels.dropna()))
    if len(names) < 2:
        raise CfaDataError(
            f"the group column {group!r} has {len(names)} group(s); invariance compares at least 2"
        )
    moments = []
    for name in names:
        try:
            values = _complete_values(data.loc[(labels == name).to_numpy()], items=items)
            cov = np.asarray(np.cov(values, rowvar=False, bias=True), dtype=np.float64)
            _check_covariance(cov, items=items)
        except CfaDataError as error:
            raise CfaDataError(f"group {name!r} of {group!r}: {error}") from error
        moments.append(_mgcfa.Moments(len(values), values.mean(axis=0), cov))
    return tuple(str(name) for name in names), moments


def _level_fit(moments: list[_mgcfa.Moments], fitted: _mgcfa.Fitted) -> LevelFit:
    """The level's statistics by lavaan's multi-group formulas (``measurement_invariance``)."""
    G, p = len(moments), len(moments[0].mean)
    n = sum(group.n for group in moments)
    df = G * (p * (p + 1) // 2 + p) - fitted.n_parameters
    if not fitted.converged:
        # chi2, then pvalue .. bic: unknown without the optimum.
        unknown = (NAN,) * 10
        return LevelFit(
            fitted.level, fitted.n_parameters, NAN, df, *unknown, False, group_chi2=(NAN,) * G
        )
    discrepancies = [
        _discrepancy(group, sigma, mu)
        for group, (sigma, mu) in zip(moments, fitted.implied, strict=True)
    ]
    group_chi2 = tuple(group.n * value for group, value in zip(moments, discrepancies, strict=True))
    chi2 = sum(group_chi2)
    cfi, tli = _comparative_fit(
        chi2,
        df=df,
        baseline_chi2=sum(_baseline_chi2(group.cov, n=group.n) for group in moments),
        baseline_df=G * p * (p - 1) // 2,
    )
    ci_low, ci_high = _rmsea_interval(chi2, df=df, n=n)
    # log L_g = -N_g/2 (p log 2π + log|Σ_g| + tr(S_gΣ_g⁻¹) + d'Σ_g⁻¹d), and that sum is
    # F_g + log|S_g| + p.
    loglik = sum(
        -group.n / 2 * (p * np.log(2 * np.pi) + value + np.linalg.slogdet(group.cov)[1] + p)
        for group, value in zip(moments, discrepancies, strict=True)
    )
    return LevelFit(
        level=fitted.level,
        n_parameters=fitted.n_parameters,
        chi2=chi2,
        df=df,
        pvalue=_adapters.chi2_survival(chi2, df) if df > 0 else NAN,
        cfi=cfi,
        tli=tli,
        rmsea=float(np.sqrt(max(chi2 - df, 0.0) / (df * n) * G)) if df > 0 else 0.0,
        rmsea_ci_low=ci_low * np.sqrt(G),
        rmsea_ci_high=ci_high * np.sqrt(G),
        srmr=sum(
            group.n / n * _group_srmr(group, *fitted.implied[g]) for g, group in enumerate(moments)
        ),
        loglik=float(loglik),
        aic=float(-2 * loglik + 2 * fitted.n_parameters),
        bic=float(-2 * loglik + fitted.n_parameters * np.log(n)),
        converged=True,
        group_chi2=group_chi2,
    )


def _discrepancy(group: _mgcfa.Moments, sigma: FloatArray, mu: FloatArray) -> float:
    """F_ML of the covariance structure plus the mean term (m - μ)'Σ⁻¹(m - μ)."""
    gap = group.mean - mu
    return _ml_discrepancy(group.cov, sigma) + float(gap @ np.linalg.solve(sigma, gap))


def _group_srmr(group: _mgcfa.Moments, sigma: FloatArray, mu: FloatArray) -> float:
    """lavaan's SRMR of one group with a mean structure: covariances and means together."""
    p = len(mu)
    covariance_terms = p * (p + 1) // 2
    squares = _srmr(group.cov, sigma) ** 2 * covariance_terms
    squares += float(np.sum((group.mean - mu) ** 2 / np.diag(group.cov)))
    return float(np.sqrt(squares / (covariance_terms + p)))


def _compare(fits: list[LevelFit], *, rule: InvarianceRule) -> tuple[list[LevelFit], Verdict]:
    """Differences between successive levels, and the highest level the rule supports."""
    first = fits[0]
    supported = first.converged and first.cfi >= rule.min_cfi and first.rmsea <= rule.max_rmsea
    compared = [replace(first, supported=supported)]
    for before, after in pairwise(fits):
        delta_chi2, delta_df = after.chi2 - before.chi2, after.df - before.df
        delta_cfi, delta_rmsea = after.cfi - before.cfi, after.rmsea - before.rmsea
        supported = (
            supported
            and after.converged
            and delta_cfi >= -rule.max_cfi_drop
            and (before.df < rule.rmsea_min_df or delta_rmsea <= rule.max_rmsea_rise)
        )
        compared.append(
            replace(
                after,
                delta_chi2=delta_chi2,
                delta_df=delta_df,
                delta_pvalue=_adapters.chi2_survival(max(delta_chi2, 0.0), delta_df)
                if np.isfinite(delta_chi2)
                else NAN,
                delta_cfi=delta_cfi,
                delta_rmsea=delta_rmsea,
                supported=supported,
            )
        )
    reached = [fit.level for fit in compared if fit.supported]
    verdict: Verdict = reached[-1] if reached else "none"
    return compared, verdict
