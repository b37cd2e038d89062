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
from analysis._fiml import Incomplete
from analysis.cfa import (
    NAN,
    CfaDataError,
    CfaModelError,
    FloatArray,
    NegativeVariance,
    _check_model,
    _comparative_fit,
    _ml_discrepancy,
    _rmsea_interval,
    check_missing_rule,
    group_data,
    heywood_cases,
    item_values,
    srmr_with_means,
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
    """The cut-offs a verdict applies: ΔCFI decides, ΔRMSEA (or ΔSRMR) and the
    likelihood-ratio test corroborate. Conventions, not tests.

    Attributes
    ----------
    min_cfi, max_rmsea : float
        The configural model fits when CFI >= ``min_cfi`` and RMSEA <= ``max_rmsea`` (the
        "acceptable" cut-offs .90 and .08: Bentler 1990; Browne & Cudeck 1993).
    max_cfi_drop : float
        The criterion. A more constrained level (metric after configural, scalar after
        metric) is refused only when its CFI is lower than the level before's by at least
        this much: ΔCFI <= -.010 (Cheung & Rensvold 2002; Chen 2007).
    max_rmsea_rise, max_srmr_rise_metric, max_srmr_rise_scalar : float
        The corroboration by the other indexes (Chen 2007's cut-offs): the drop of CFI counts
        only if RMSEA rises by at least .015 or SRMR by at least .030 at the metric step, .010
        at the scalar step. A rise of RMSEA or SRMR alone refuses nothing.
    lrt_alpha : float
        The corroboration by sampling error: the drop of CFI counts only if the
        likelihood-ratio test of the step (Δχ² on Δdf, ``LevelFit.delta_pvalue``) rejects at
        this level (.05); 1 turns it off.
    rmsea_min_df : int
        ΔRMSEA and ΔSRMR corroborate only when the less constrained of the two models has at
        least this many degrees of freedom; below, they are not asked. Default 0: always.

    Notes
    -----
    Chosen by the simulation study ``bench/invariance_rule.py`` (docs/invariance-rule.md):
    one-factor scales of 3, 4 and 6 items answered on 7 points by two groups of 100/100 to
    1,440/360, invariant (300 samples per condition) or with one loading or intercept
    differing (100). The rule before (ΔCFI, or ΔRMSEA alone on models of 10 df and more)
    refused up to 19 % of invariant scales at a step (3 items, 100/100; 11 % with 6 items) and
    invariant 6-item scales of 1,440/360 on ΔRMSEA alone (the issue: 2 samples in 60 with
    ΔCFI -.002/-.004). ΔCFI with Chen's corroboration alone still refused 11 to 19 % of
    invariant 3- and 4-item scales at 100 per group: there a drop of .010 is sampling error,
    which the likelihood-ratio test bounds. This rule refuses at most 6.3 % (Monte Carlo
    error 1.4 points) of invariant scales at any step and size, and 66 to 100 % of scales
    whose one intercept differs by .4 SD. A change equal to a cut-off meets it (to 1e-12,
    the rounding of a difference of floats), as Chen's cut-offs are changes of that size or
    more.
    """

    min_cfi: float = 0.90
    max_rmsea: float = 0.08
    max_cfi_drop: float = 0.010
    max_rmsea_rise: float = 0.015
    max_srmr_rise_metric: float = 0.030
    max_srmr_rise_scalar: float = 0.010
    lrt_alpha: float = 0.05
    rmsea_min_df: int = 0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            number = isinstance(value, int | float | np.integer | np.floating)
            if isinstance(value, bool) or not number or not value >= 0:
                raise ValueError(f"{item.name} must be a number >= 0, is {value!r}")
        for name in ("min_cfi", "max_cfi_drop", "lrt_alpha"):
            if getattr(self, name) > 1:
                raise ValueError(f"{name} must be at most 1, is {getattr(self, name)}")
        if not isinstance(self.rmsea_min_df, int | np.integer):
            raise ValueError(
                f"rmsea_min_df must be a whole number of degrees of freedom,"
                f" is {self.rmsea_min_df!r}"
            )

    def judge_configural(self, *, converged: bool, cfi: float, rmsea: float) -> tuple[bool, str]:
        """Whether the configural model fits, and why, in a sentence."""
        if not converged:
            return False, "refused: the configural model did not converge"
        failing = []
        if not cfi >= self.min_cfi:
            failing.append(f"CFI {cfi:.3f} < {self.min_cfi:.3f}")
        if not rmsea <= self.max_rmsea:
            failing.append(f"RMSEA {rmsea:.3f} > {self.max_rmsea:.3f}")
        if failing:
            return False, "refused by the configural fit: " + " and ".join(failing)
        return True, (
            f"accepted by the configural fit: CFI {cfi:.3f} >= {self.min_cfi:.3f}"
            f" and RMSEA {rmsea:.3f} <= {self.max_rmsea:.3f}"
        )

    def judge_step(
        self,
        level: str,
        *,
        delta_cfi: float,
        delta_rmsea: float,
        delta_srmr: float,
        delta_pvalue: float,
        df_before: int,
    ) -> tuple[bool, str]:
        """Whether the ``level`` ("metric" or "scalar") holds against the level before, and
        which criterion decided, in a sentence (the level before is taken to hold)."""
        # A change equal to a cut-off meets it, to the rounding of a difference of floats
        # (CFI .980 minus .990 is -0.010000000000000009).
        tolerance = 1e-12
        if not np.isfinite(delta_cfi):
            return False, "refused: ΔCFI is unknown"
        if delta_cfi > -self.max_cfi_drop + tolerance:
            return True, f"accepted by ΔCFI: ΔCFI {delta_cfi:+.4f} > -{self.max_cfi_drop:.3f}"
        dropped = f"ΔCFI {delta_cfi:+.4f} <= -{self.max_cfi_drop:.3f}"
        srmr_cut = self.max_srmr_rise_metric if level == "metric" else self.max_srmr_rise_scalar
        if df_before < self.rmsea_min_df:
            by = f"without ΔRMSEA or ΔSRMR (not asked below {self.rmsea_min_df} df)"
        elif delta_rmsea >= self.max_rmsea_rise - tolerance:
            by = f"corroborated by ΔRMSEA {delta_rmsea:+.4f} >= {self.max_rmsea_rise:.3f}"
        elif delta_srmr >= srmr_cut - tolerance:
            by = f"corroborated by ΔSRMR {delta_srmr:+.4f} >= {srmr_cut:.3f}"
        else:
            return True, (
                f"accepted: {dropped}, but neither ΔRMSEA {delta_rmsea:+.4f} <"
                f" {self.max_rmsea_rise:.3f} nor ΔSRMR {delta_srmr:+.4f} < {srmr_cut:.3f}"
                f" corroborates it"
            )
        test = f"Δχ² p {delta_pvalue:.4f}"
        if not delta_pvalue < self.lrt_alpha:
            return True, (
                f"accepted: {dropped} {by}, but within sampling error"
                f" ({test} >= {self.lrt_alpha:g})"
            )
        return False, f"refused by ΔCFI: {dropped}, {by} and {test} < {self.lrt_alpha:g}"


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
    decision : str
        Which criterion decided this level, with its figures and cut-offs, in a sentence
        (``InvarianceRule.judge_configural``, ``InvarianceRule.judge_step``).
    group_chi2 : tuple of float
        N_g F_g per group, in the result's group order (lavaan's "Chi-square for each group");
        under FIML 2(log L_H1,g - log L_g).
    heywood : tuple of NegativeVariance
        The residual and factor variances estimated below 0, by name and group (the same
        helper and decision as ``CfaResult.heywood``: ``analysis.cfa.heywood_cases``); empty
        when there is none or the level did not converge.
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
    decision: str = ""
    group_chi2: tuple[float, ...] = field(default=(), repr=False)
    heywood: tuple[NegativeVariance, ...] = field(default=(), repr=False)


LEVEL_COLUMNS = tuple(
    item.name for item in fields(LevelFit) if item.name not in {"group_chi2", "heywood"}
)
"""The columns of ``InvarianceResult.to_frame()``: every ``LevelFit`` field but group_chi2
and heywood."""


@dataclass(frozen=True)
class InvarianceResult:
    """Configural, metric and scalar fits across groups, and what they allow.

    Attributes
    ----------
    groups : tuple of str
        The groups in order of first appearance (as lavaan orders them); the first is the
        reference group whose factor means are fixed at 0 in the scalar model.
    group_sizes : tuple of int
        Rows used per group.
    n, n_dropped : int
        Rows used, and rows left out: no group label, or (FIML) no answer to any item of the
        model, or (listwise) a missing answer.
    baseline_chi2, baseline_df : float, int
        The multi-group independence model: free means and variances in every group.
    configural, metric, scalar : LevelFit
    verdict : {"none", "configural", "metric", "scalar"}
        The highest level the rule supports.
    statement : str
        The verdict in a plain sentence (``STATEMENTS``).
    rule : InvarianceRule
        The cut-offs applied.
    missing : {"fiml", "listwise"}
        How missing answers were handled: "fiml" when some used row of some group has a
        missing answer and FIML was asked for; otherwise "listwise" (on complete rows the
        two are one fit).
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
    missing: Literal["fiml", "listwise"] = "listwise"

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
    missing: str = "fiml",
) -> InvarianceResult:
    r"""Test configural, metric and scalar invariance of a factor model across groups.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one numeric column per item and the ``group`` column. Rows
        without a group label are left out; missing answers are handled as ``missing`` says.
    model : mapping of str to sequence of str
        Factor name to its items, as for ``fit_cfa``; the first item is the marker.
    group : str
        The column naming each respondent's group (department, language, ...).
    rule : InvarianceRule
        The cut-offs of the verdict (default: the conventional ones).
    max_iterations : int
        Fisher-scoring iterations allowed per level; reaching it gives ``converged=False``.
    missing : {"fiml", "listwise"}
        "fiml" (the default): full-information ML in every group, as lavaan's ``missing =
        "ml"`` (rows answering no item are left out); "listwise": complete rows only.

    Returns
    -------
    InvarianceResult

    Raises
    ------
    CfaModelError
        As ``fit_cfa``; or the group column is an item of the model; an unknown ``missing``.
    CfaDataError
        No such group column; fewer than 2 groups; a group with no more rows than items, an
        item nobody in it answered, a constant item or a singular covariance matrix (the
        message names the group).

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

    Under FIML a group with missing answers contributes its casewise likelihood: its
    :math:`N_g F_g` is :math:`2(\log L_{H1,g} - \log L_g)`, with H1 its EM (saturated)
    moments, which stand for :math:`m_g` and :math:`S_g` in SRMR; its baseline term is
    :math:`2(\log L_{H1,g} - \log L_{0,g})`, the independence model fitted by FIML (see
    ``fit_cfa``). Variances are not bounded: a Heywood case is fitted as lavaan fits it and
    listed in each level's ``heywood``.

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
    check_missing_rule(missing)
    factors, item_groups = _check_model(model, columns=data.columns)
    items = [item for items in item_groups for item in items]
    groups, moments = _group_moments(data, items=items, group=group, missing=missing)
    indicators = tuple(tuple(items.index(item) for item in its) for its in item_groups)
    fits = [
        replace(
            _level_fit(moments, fitted),
            heywood=heywood_cases(fitted, items=items, factors=factors, groups=groups),
        )
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
        baseline_chi2=sum(m.baseline_chi2 for m in moments),
        baseline_df=len(moments) * p * (p - 1) // 2,
        configural=compared[0],
        metric=compared[1],
        scalar=compared[2],
        verdict=verdict,
        statement=STATEMENTS[verdict],
        rule=rule,
        missing="fiml" if any(isinstance(m, Incomplete) for m in moments) else "listwise",
    )


def _group_moments(
    data: pd.DataFrame, *, items: list[str], group: str, missing: str = "listwise"
) -> tuple[tuple[str, ...], list[_mgcfa.Group]]:
    """Each group's rows summarised (``cfa.group_data``), groups in order of first appearance."""
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
    values = item_values(data, items=items)
    moments = []
    for name in names:
        try:
            summary, _ = group_data(
                values[(labels == name).to_numpy()], items=items, missing=missing
            )
        except CfaDataError as error:
            raise CfaDataError(f"group {name!r} of {group!r}: {error}") from error
        moments.append(summary)
    return tuple(str(name) for name in names), moments


def _level_fit(moments: list[_mgcfa.Group], fitted: _mgcfa.Fitted) -> LevelFit:
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
        baseline_chi2=sum(group.baseline_chi2 for group in moments),
        baseline_df=G * p * (p - 1) // 2,
    )
    ci_low, ci_high = _rmsea_interval(chi2, df=df, n=n)
    # log L_g = log L_H1,g - N_g F_g / 2; complete, log L_H1,g = -N_g/2 (p log 2π + log|S_g| + p).
    loglik = sum(
        group.h1_loglik - group.n * value / 2
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
            group.n / n * srmr_with_means(group.mean, group.cov, *fitted.implied[g])
            for g, group in enumerate(moments)
        ),
        loglik=float(loglik),
        aic=float(-2 * loglik + 2 * fitted.n_parameters),
        bic=float(-2 * loglik + fitted.n_parameters * np.log(n)),
        converged=True,
        group_chi2=group_chi2,
    )


def _discrepancy(group: _mgcfa.Group, sigma: FloatArray, mu: FloatArray) -> float:
    """F_ML of the covariance structure plus the mean term (m - μ)'Σ⁻¹(m - μ); under FIML
    2(log L_H1 - log L)/N_g (``Incomplete.discrepancy``)."""
    if isinstance(group, Incomplete):
        return group.discrepancy(sigma, mu)
    gap = group.mean - mu
    return _ml_discrepancy(group.cov, sigma) + float(gap @ np.linalg.solve(sigma, gap))


def _compare(fits: list[LevelFit], *, rule: InvarianceRule) -> tuple[list[LevelFit], Verdict]:
    """Differences between successive levels, and the highest level the rule supports.

    Each level says which criterion decided it (``LevelFit.decision``): the configural fit;
    then for each more constrained level, the level before if that one is not supported, its
    own convergence, or ``InvarianceRule.judge_step``.
    """
    first = fits[0]
    supported, decision = rule.judge_configural(
        converged=first.converged, cfi=first.cfi, rmsea=first.rmsea
    )
    compared = [replace(first, supported=supported, decision=decision)]
    for before, after in pairwise(fits):
        delta_chi2, delta_df = after.chi2 - before.chi2, after.df - before.df
        delta_cfi, delta_rmsea = after.cfi - before.cfi, after.rmsea - before.rmsea
        delta_pvalue = (
            _adapters.chi2_survival(max(delta_chi2, 0.0), delta_df)
            if np.isfinite(delta_chi2)
            else NAN
        )
        if not supported:
            decision = f"refused: the {before.level} level is not supported"
        elif not after.converged:
            supported, decision = False, f"refused: the {after.level} model did not converge"
        else:
            supported, decision = rule.judge_step(
                after.level,
                delta_cfi=delta_cfi,
                delta_rmsea=delta_rmsea,
                delta_srmr=after.srmr - before.srmr,
                delta_pvalue=delta_pvalue,
                df_before=before.df,
            )
        compared.append(
            replace(
                after,
                delta_chi2=delta_chi2,
                delta_df=delta_df,
                delta_pvalue=delta_pvalue,
                delta_cfi=delta_cfi,
                delta_rmsea=delta_rmsea,
                supported=supported,
                decision=decision,
            )
        )
    reached = [fit.level for fit in compared if fit.supported]
    verdict: Verdict = reached[-1] if reached else "none"
    return compared, verdict
