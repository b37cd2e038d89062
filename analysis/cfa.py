"""Confirmatory factor analysis: an ML fit of the scales' structure and lavaan's fit indices.

The model is estimated by ``analysis._mgcfa``'s Fisher scoring (a single group), the engine
``measurement_invariance`` uses too, so that both fit the same model the same way: variances
unbounded, as lavaan leaves them, with any Heywood case flagged in ``heywood`` by one helper
(``heywood_cases``). With missing answers the default is full-information ML
(``analysis._fiml``), lavaan's ``missing = "ml"``; listwise deletion stays available. Every fit
statistic is computed here with the formulas lavaan uses (semopy 2.3.11, which the project
used before, gets several wrong: its RMSEA divides by N - 1, its GFI is the NFI, its
log-likelihood is the fit function, it reports neither SRMR nor an RMSEA interval, and it
bounds variances at 0). On Holzinger & Swineford (1939) every statistic agrees with lavaan to
at least six significant digits, complete or with answers missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis import _adapters, _mgcfa
from analysis._fiml import Incomplete
from analysis.scoring import reverse_key
from instrument.model import Instrument

FloatArray = NDArray[np.float64]
NAN = float("nan")
ESTIMATORS = ("ML",)
MISSING_RULES = ("fiml", "listwise")
RMSEA_CI_LEVEL = 0.90


class CfaModelError(ValueError):
    """The model is not one ``fit_cfa`` can estimate: bad factors, items or estimator."""


class CfaDataError(ValueError):
    """The data cannot support the model: too few complete rows, non-numbers, singular S."""


@dataclass(frozen=True)
class _Fit:
    """The statistics computed from Σ: NaN throughout when the fit did not converge."""

    chi2: float
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


_NOT_CONVERGED = _Fit(*(NAN,) * 11)


@dataclass(frozen=True)
class NegativeVariance:
    """A variance estimated below zero: a Heywood case.

    Attributes
    ----------
    kind : {"residual", "factor"}
        An item's residual variance or a factor's variance.
    name : str
        The item's or the factor's name.
    value : float
        The estimate (negative), on the data's metric.
    group : str or None
        The group whose estimate it is (``measurement_invariance``); None in ``fit_cfa``.
    """

    kind: Literal["residual", "factor"]
    name: str
    value: float
    group: str | None = None


def heywood_cases(
    fitted: _mgcfa.Fitted,
    *,
    items: Sequence[str],
    factors: Sequence[str],
    groups: Sequence[str | None] = (None,),
) -> tuple[NegativeVariance, ...]:
    """The negative variances of a converged fit, item residuals then factors, group by group.

    One decision for ``fit_cfa`` and ``measurement_invariance``: a variance is flagged when
    its estimate at the optimum is below 0 (lavaan's warning "some estimated ov variances are
    negative", and the same for latent variances). A fit that did not converge has no
    estimates to judge: nothing is flagged.
    """
    if not fitted.converged:
        return ()
    cases: list[NegativeVariance] = []
    for g, group in enumerate(groups):
        residuals = fitted.estimates.residuals[g]
        variances = np.diag(fitted.estimates.psi[g])
        cases += [
            NegativeVariance("residual", items[j], float(residuals[j]), group)
            for j in np.flatnonzero(residuals < 0)
        ]
        cases += [
            NegativeVariance("factor", factors[f], float(variances[f]), group)
            for f in np.flatnonzero(variances < 0)
        ]
    return tuple(cases)


@dataclass(frozen=True, eq=False)
class CfaResult:
    """A fitted confirmatory factor model: fit statistics, loadings and factor correlations.

    Attributes
    ----------
    n, n_dropped, n_parameters : int
        Respondents used, left out, and free parameters q. Under FIML every row that answers
        at least one item is used (``n_dropped`` counts the rows that answer none, as lavaan
        drops them) and q counts the p intercepts too, as lavaan's ``missing = "ml"`` does;
        under listwise deletion (or FIML on complete rows, which is the same fit) only the
        complete rows are used and q leaves the saturated intercepts out.
    chi2, df, pvalue, baseline_chi2, baseline_df : float or int
        The likelihood-ratio tests of the model and of the independence (baseline) model.
    cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, loglik, aic, bic : float
        Fit indices (a 90 % RMSEA interval), log-likelihood and information criteria.
    converged : bool
        Whether the optimiser reached the optimum. When it did not, the fit statistics are NaN
        (lavaan's ``fitMeasures`` refuses them too) and the loadings and correlations are those
        of the last iterate, not estimates to interpret.
    loadings : DataFrame
        One row per item in the model's order: factor, item, ``loading`` (standardised,
        lavaan's ``std.all``) and ``estimate`` (unstandardised; 1 for each factor's marker).
    factor_correlations : DataFrame
        Factors x factors, the model's factor order on both axes.
    missing : {"fiml", "listwise"}
        How missing answers were handled: "fiml" only when some used row has a missing
        answer; a complete data set is "listwise" whatever was asked (the two are one fit).
    heywood : tuple of NegativeVariance
        The residual and factor variances estimated below 0 (Heywood cases), by name; empty
        when there is none or the fit did not converge. A Heywood case is a fit to report with
        care: a standardised loading above 1, a misspecified model or too small a sample.
    """

    n: int
    n_dropped: int
    n_parameters: int
    chi2: float
    df: int
    pvalue: float
    baseline_chi2: float
    baseline_df: int
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
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    missing: Literal["fiml", "listwise"] = "listwise"
    heywood: tuple[NegativeVariance, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The fit statistics as a one-row DataFrame with the columns ``FIT_COLUMNS``."""
        return pd.DataFrame([{name: getattr(self, name) for name in FIT_COLUMNS}])


FIT_COLUMNS = tuple(
    field.name
    for field in fields(CfaResult)
    if field.name not in {"loadings", "factor_correlations", "missing", "heywood"}
)
"""The columns of ``CfaResult.to_frame()``: every statistic, in order (not the two tables,
the missing-data rule or the Heywood cases)."""


def fit_cfa(
    data: pd.DataFrame,
    model: Mapping[str, Sequence[str]],
    *,
    estimator: str = "ML",
    max_iterations: int = 10_000,
    missing: str = "fiml",
) -> CfaResult:
    r"""Fit a confirmatory factor model by maximum likelihood, as lavaan's ``cfa()`` does.

    Parameters
    ----------
    data : DataFrame
        One row per respondent, one numeric column per item; other columns are ignored.
        Missing answers are NaN (see ``missing``).
    model : mapping of str to sequence of str
        Factor name to the columns of its items, e.g. ``{"visual": ["x1", "x2", "x3"]}``. The
        first item of each factor is its marker (loading fixed to 1); the factors covary.
    estimator : {"ML"}
        Maximum likelihood, the only estimator the fit statistics below are defined for.
    max_iterations : int
        The optimiser's iteration limit. Reaching it gives ``converged=False``, not an error.
    missing : {"fiml", "listwise"}
        "fiml" (the default): full-information ML, every row that answers at least one item
        contributes the likelihood of its answers (lavaan's ``missing = "ml"``); rows that
        answer none are left out. "listwise": only the rows that answer every item.

    Returns
    -------
    CfaResult

    Raises
    ------
    CfaModelError
        Unknown estimator or missing-data rule; a factor of fewer than 2 items; an item listed
        twice; a column the data lacks; more parameters than moments.
    CfaDataError
        A non-numeric or infinite item, an item nobody answered, too few rows, or a singular
        S (the EM estimate of S under FIML).

    Notes
    -----
    With :math:`p` items, :math:`N` complete rows, S their covariance matrix with divisor
    :math:`N`, Σ the model-implied covariance matrix and :math:`q` free parameters (loadings
    other than the markers, residual variances, factor variances and covariances):

    .. math::
        F_{ML} = \log|\Sigma| - \log|S| + \operatorname{tr}(S\Sigma^{-1}) - p, \quad
        \chi^2 = N F_{ML}, \quad df = p(p+1)/2 - q,

        \chi^2_0 = N\left(\textstyle\sum_i \log s_{ii} - \log|S|\right), \quad df_0 = p(p-1)/2,

        CFI = 1 - \frac{\max(\chi^2 - df, 0)}{\max(\chi^2 - df, \chi^2_0 - df_0, 0)}, \quad
        TLI = 1 - \frac{(\chi^2 - df)\, df_0}{(\chi^2_0 - df_0)\, df},

        RMSEA = \sqrt{\max(\chi^2 - df, 0) / (df\, N)}, \quad
        SRMR = \sqrt{\operatorname{mean}_{i \ge j}
               \left((s_{ij} - \sigma_{ij}) / \sqrt{s_{ii} s_{jj}}\right)^2},

        \log L = -\tfrac N2 \left(p \log 2\pi + \log|\Sigma| + \operatorname{tr}(S\Sigma^{-1})
        \right), \quad AIC = -2 \log L + 2q, \quad BIC = -2 \log L + q \log N.

    The 90 % RMSEA interval inverts the noncentral chi-square: its bounds are
    :math:`\sqrt{\lambda / (df\, N)}` for the noncentralities :math:`\lambda` at which
    :math:`P(\chi^2_{df}(\lambda) \le \chi^2)` is 0.95 and 0.05 (0 when even
    :math:`\lambda = 0` gives less; Browne & Cudeck 1993). With :math:`df = 0` RMSEA is 0 and
    TLI 1, as in lavaan. The standardised loading of item :math:`j` on factor :math:`f` is
    :math:`\lambda_{jf}\sqrt{\psi_{ff}} / \sqrt{\sigma_{jj}}`. Variances are not bounded,
    as in lavaan: a Heywood case gives a negative variance, listed in ``heywood``.

    Under FIML (``analysis._fiml``) the model has a mean structure (free intercepts ν, so
    μ = ν) and is fitted to the casewise likelihood. The unrestricted model H1 is the
    saturated mean and covariance estimated by EM (:math:`\hat\mu, \hat S`), the baseline
    the independence model fitted by FIML (each item's own mean and variance), and

    .. math::
        \chi^2 = 2(\log L_{H1} - \log L), \quad \chi^2_0 = 2(\log L_{H1} - \log L_0),
        \quad df = p(p+1)/2 + p - q,

    with q counting the intercepts; CFI, TLI, RMSEA and its interval as above with N the rows
    used; SRMR that of lavaan with a mean structure, over the p(p+1)/2 residual covariances
    and the p residual means :math:`(\hat\mu_i - \mu_i)/\sqrt{\hat s_{ii}}`, each
    against :math:`\hat S`; AIC and BIC from :math:`\log L`.

    References
    ----------
    Jöreskog (1969), Psychometrika 34, 183-202; Bentler (1990), Psychological Bulletin 107,
    238-246; Browne & Cudeck (1993), in Bollen & Long (Eds.), Testing structural equation
    models, 136-162; Arbuckle (1996), in Marcoulides & Schumacker (Eds.), Advanced structural
    equation modeling, 243-277; Rosseel (2012), lavaan, Journal of Statistical Software 48(2).

    Examples
    --------
    The lavaan tutorial's model, ``cfa(HS.model, data = HolzingerSwineford1939)``:

    >>> from importlib.resources import files
    >>> import pandas as pd
    >>> data = pd.read_csv(files("semopy") / "examples" / "holzinger_swineford39_data.csv")
    >>> result = fit_cfa(
    ...     data,
    ...     {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...      "speed": ["x7", "x8", "x9"]},
    ... )
    >>> print(f"chi2 {result.chi2:.3f}, df {result.df}, CFI {result.cfi:.3f}, "
    ...       f"RMSEA {result.rmsea:.3f}, SRMR {result.srmr:.3f}")
    chi2 85.306, df 24, CFI 0.931, RMSEA 0.092, SRMR 0.065
    """
    if estimator not in ESTIMATORS:
        raise CfaModelError(f"estimator {estimator!r} is not supported; use one of {ESTIMATORS}")
    if max_iterations < 1:
        raise CfaModelError(f"max_iterations must be at least 1, is {max_iterations}")
    check_missing_rule(missing)
    factors, groups = _check_model(model, columns=data.columns)
    items = [item for group in groups for item in group]
    sample, n_dropped = group_data(item_values(data, items=items), items=items, missing=missing)
    indicators = tuple(tuple(items.index(item) for item in group) for group in groups)
    (fitted,) = _mgcfa.fit_levels(
        [sample], indicators=indicators, max_iterations=max_iterations, levels=("configural",)
    )
    sigma, mu = fitted.implied[0]
    p = len(items)
    if isinstance(sample, Incomplete):
        n_parameters = fitted.n_parameters
        fit = _fiml_statistics(sample, sigma, mu, n_parameters=n_parameters)
    else:
        n_parameters = fitted.n_parameters - p  # the saturated intercepts are not counted
        fit = _fit_statistics(sample.cov, sigma, n=sample.n, n_parameters=n_parameters)
    estimates = fitted.estimates
    return CfaResult(
        n=sample.n,
        n_dropped=n_dropped,
        df=p * (p + 1) // 2 - (fitted.n_parameters - p),
        baseline_chi2=sample.baseline_chi2,
        baseline_df=p * (p - 1) // 2,
        n_parameters=n_parameters,
        converged=fitted.converged,
        loadings=_loadings_frame(
            estimates.loadings[0], estimates.psi[0], sigma, factors=factors, groups=groups
        ),
        factor_correlations=_correlations_frame(estimates.psi[0], factors=factors),
        missing="fiml" if isinstance(sample, Incomplete) else "listwise",
        heywood=heywood_cases(fitted, items=items, factors=factors),
        **asdict(fit if fitted.converged else _NOT_CONVERGED),
    )


def fit_scales_cfa(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    scales: Sequence[str] | None = None,
    missing: str = "fiml",
) -> CfaResult:
    """Fit the instrument's measurement model: each scale a factor of its own items.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id; reverse-keyed items are recoded here with
        ``reverse_key`` so that every loading is expected to be positive.
    instrument : Instrument
        Gives the scales, their items and the reverse-keyed items.
    scales : sequence of str, optional
        Ids of the scales to include, in this order (default: all, in the instrument's order).
    missing : {"fiml", "listwise"}
        As for ``fit_cfa``: full-information ML by default, every respondent who answered an
        item of the included scales counts; "listwise" keeps only those who answered all.

    Returns
    -------
    CfaResult
        Factors are named by scale id.

    Notes
    -----
    The model and its statistics are those of ``fit_cfa``. Listwise deletion over many scales
    can leave few respondents (each skipped answer removes its respondent from the whole fit:
    on a simulated organisation with 5 % of answers missing, 20 of 377 answer all 60 items),
    which is why FIML is the default.

    Examples
    --------
    Are horizontal and vertical accountability distinct, correlated factors?

    >>> from analysis import simulate_organisation
    >>> from instrument.loader import load_builtin
    >>> instrument = load_builtin("transversal-core@1.0.0")
    >>> responses = simulate_organisation(instrument=instrument, n_teams=30, seed=1).responses
    >>> result = fit_scales_cfa(responses, instrument=instrument, scales=["HA", "VA"])
    >>> result.converged, list(result.factor_correlations.columns)
    (True, ['HA', 'VA'])
    """
    keyed = reverse_key(responses, instrument=instrument)
    return fit_cfa(keyed, scale_model(instrument, scales=scales), missing=missing)


def scale_model(
    instrument: Instrument, *, scales: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """One factor per scale, named by the scale's id, on its items (every scale by default);
    ``CfaModelError`` names a scale the instrument does not have."""
    by_id = {scale.id: scale for scale in instrument.scales}
    chosen = list(by_id) if scales is None else list(scales)
    unknown = [scale_id for scale_id in chosen if scale_id not in by_id]
    if unknown:
        raise CfaModelError(
            f"scale {unknown[0]!r} is not a scale of instrument {instrument.ref}"
            f" (its scales: {', '.join(by_id)})"
        )
    return {scale_id: list(by_id[scale_id].items) for scale_id in chosen}


def _check_model(
    model: Mapping[str, Sequence[str]], *, columns: pd.Index
) -> tuple[list[str], list[list[str]]]:
    """The factors and their items, after checking the model is one we can fit."""
    if not model:
        raise CfaModelError("the model has no factor")
    owner: dict[str, str] = {}
    for factor, items in model.items():
        if isinstance(items, str):
            raise CfaModelError(
                f"factor {factor!r}: give its items as a list of columns, not the string {items!r}"
            )
        if len(items) < 2:
            raise CfaModelError(
                f"factor {factor!r} has {len(items)} item(s); a factor needs at least 2"
            )
        for item in items:
            if item in owner:
                where = "twice" if owner[item] == factor else f"under {owner[item]!r} too"
                raise CfaModelError(
                    f"item {item!r} of factor {factor!r} is listed {where};"
                    " an item may load on one factor only"
                )
            owner[item] = factor
    missing = [item for item in owner if item not in columns]
    if missing:
        raise CfaModelError(f"the data has no column {', '.join(map(repr, missing))}")
    p, k = len(owner), len(model)
    n_parameters = (p - k) + p + k * (k + 1) // 2
    if n_parameters > p * (p + 1) // 2:
        raise CfaModelError(
            f"the model is not identified: {n_parameters} free parameters for"
            f" {p * (p + 1) // 2} variances and covariances (a lone factor needs 3 items)"
        )
    return list(model), [list(items) for items in model.values()]


def check_missing_rule(missing: str) -> None:
    """Refuse a ``missing=`` argument that is not a rule we know."""
    if missing not in MISSING_RULES:
        raise CfaModelError(
            f"missing must be one of {', '.join(map(repr, MISSING_RULES))}, is {missing!r}"
        )


def item_values(data: pd.DataFrame, *, items: list[str]) -> FloatArray:
    """The items' values in every row (NaN where unanswered), after checking they are numbers."""
    block = data[items]
    for item in items:
        if not pd.api.types.is_numeric_dtype(block[item]):
            raise CfaDataError(f"item {item!r}: values must be numbers, found {block[item].dtype}")
    values: FloatArray = block.to_numpy(dtype=np.float64)
    infinite = np.isinf(values).any(axis=0)
    if infinite.any():
        raise CfaDataError(f"item {items[int(np.argmax(infinite))]!r} has infinite values")
    return values


def group_data(values: FloatArray, *, items: list[str], missing: str) -> tuple[_mgcfa.Group, int]:
    """The rows the missing-data rule keeps, summarised for the engine, and how many it left out.

    Complete rows become moments; under FIML, when some row has a missing answer, the rows
    that answer at least one item become an ``Incomplete`` group (patterns and EM moments).
    """
    answered = ~np.isnan(values)
    complete = answered.all(axis=1)
    p = len(items)
    if missing == "listwise" or complete.all():
        kept = values[complete]
        if len(kept) <= p:
            raise CfaDataError(
                f"only {len(kept)} of {len(values)} rows answer all {p} items;"
                f" a CFA of {p} items needs at least {p + 1} complete rows"
            )
        cov = np.asarray(np.cov(kept, rowvar=False, bias=True), dtype=np.float64)
        _check_covariance(cov, items=items)
        return _mgcfa.Moments(len(kept), kept.mean(axis=0), cov), len(values) - len(kept)
    never = [items[j] for j in np.flatnonzero(~answered.any(axis=0))]
    if never:
        raise CfaDataError(
            f"nobody answered item {', '.join(map(repr, never))}: an item needs answers to be"
            " part of a CFA (leave it out of the model)"
        )
    spread = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
    if (spread == 0).any():
        raise CfaDataError(
            f"item {items[int(np.argmin(spread))]!r} has the same value in every row used"
        )
    kept = values[answered.any(axis=1)]
    if len(kept) <= p:
        raise CfaDataError(
            f"only {len(kept)} of {len(values)} rows answer any of the {p} items;"
            f" a CFA of {p} items needs at least {p + 1} rows"
        )
    sample = Incomplete.of(kept)
    _check_covariance(sample.cov, items=items)
    return sample, len(values) - len(kept)


def _check_covariance(sample: FloatArray, *, items: list[str]) -> None:
    """Refuse an S that has no inverse: a constant item, or items that are linear combinations."""
    variances = np.diag(sample)
    if (variances <= 0).any():
        raise CfaDataError(
            f"item {items[int(np.argmin(variances))]!r} has the same value in every row used"
        )
    scale = np.sqrt(variances)
    eigenvalues = np.linalg.eigvalsh(sample / np.outer(scale, scale))
    if eigenvalues.min() <= 1e-10 * eigenvalues.max():
        raise CfaDataError(
            "the items' covariance matrix is singular: some item is a linear combination of"
            " others in the rows used"
        )


def _fit_statistics(sample: FloatArray, implied: FloatArray, *, n: int, n_parameters: int) -> _Fit:
    """Every statistic that depends on Σ, by lavaan's formulas (see ``fit_cfa``)."""
    p = sample.shape[0]
    discrepancy = _ml_discrepancy(sample, implied)
    # log|Σ| + tr(SΣ⁻¹) = F_ML + log|S| + p
    logdet_sample = float(np.linalg.slogdet(sample)[1])
    loglik = -n / 2 * (p * np.log(2 * np.pi) + discrepancy + logdet_sample + p)
    return _statistics(
        n * discrepancy,
        df=p * (p + 1) // 2 - n_parameters,
        baseline_chi2=_baseline_chi2(sample, n=n),
        baseline_df=p * (p - 1) // 2,
        n=n,
        srmr=_srmr(sample, implied),
        loglik=float(loglik),
        n_parameters=n_parameters,
    )


def _fiml_statistics(
    sample: Incomplete, implied: FloatArray, mu: FloatArray, *, n_parameters: int
) -> _Fit:
    """The statistics under FIML (``fit_cfa``'s Notes): against the EM moments and likelihood."""
    p = len(mu)
    chi2 = sample.n * sample.discrepancy(implied, mu)
    return _statistics(
        chi2,
        df=p * (p + 1) // 2 + p - n_parameters,
        baseline_chi2=sample.baseline_chi2,
        baseline_df=p * (p - 1) // 2,
        n=sample.n,
        srmr=srmr_with_means(sample.mean, sample.cov, implied, mu),
        loglik=sample.h1_loglik - chi2 / 2,
        n_parameters=n_parameters,
    )


def _statistics(
    chi2: float,
    *,
    df: int,
    baseline_chi2: float,
    baseline_df: int,
    n: int,
    srmr: float,
    loglik: float,
    n_parameters: int,
) -> _Fit:
    """The fit indices from chi-square, its baseline and the log-likelihood (``fit_cfa``)."""
    cfi, tli = _comparative_fit(chi2, df=df, baseline_chi2=baseline_chi2, baseline_df=baseline_df)
    ci_low, ci_high = _rmsea_interval(chi2, df=df, n=n)
    return _Fit(
        chi2=chi2,
        pvalue=_adapters.chi2_survival(chi2, df) if df > 0 else NAN,
        cfi=cfi,
        tli=tli,
        rmsea=float(np.sqrt(max(chi2 - df, 0.0) / (df * n))) if df > 0 else 0.0,
        rmsea_ci_low=ci_low,
        rmsea_ci_high=ci_high,
        srmr=srmr,
        loglik=float(loglik),
        aic=float(-2 * loglik + 2 * n_parameters),
        bic=float(-2 * loglik + n_parameters * np.log(n)),
    )


def _ml_discrepancy(sample: FloatArray, implied: FloatArray) -> float:
    """F_ML = log|Σ| - log|S| + tr(SΣ⁻¹) - p, the ML discrepancy of the covariance structure."""
    logdet_implied = float(np.linalg.slogdet(implied)[1])
    logdet_sample = float(np.linalg.slogdet(sample)[1])
    trace = float(np.trace(np.linalg.solve(implied, sample)))
    return logdet_implied - logdet_sample + trace - len(sample)


def _comparative_fit(
    chi2: float, *, df: int, baseline_chi2: float, baseline_df: int
) -> tuple[float, float]:
    """CFI and TLI against the baseline model (formulas in ``fit_cfa``); TLI is 1 if df = 0."""
    excess, baseline_excess = chi2 - df, baseline_chi2 - baseline_df
    worst = max(excess, baseline_excess, 0.0)
    cfi = 1.0 if worst == 0 else 1 - max(excess, 0.0) / worst
    tli = 1 - excess * baseline_df / (baseline_excess * df) if df > 0 else 1.0
    return cfi, tli


def _baseline_chi2(sample: FloatArray, *, n: int) -> float:
    """N times the ML discrepancy of the independence model, whose Σ is diag(S)."""
    return float(n * (np.log(np.diag(sample)).sum() - np.linalg.slogdet(sample)[1]))


def _rmsea_interval(chi2: float, *, df: int, n: int) -> tuple[float, float]:
    """The RMSEA interval from the noncentralities that put chi2 at the 95th and 5th centile."""
    if df < 1:
        return 0.0, 0.0
    tail = (1 - RMSEA_CI_LEVEL) / 2
    # lavaan's search ranges: up to chi2 for the lower bound, max(N, 4 chi2) for the upper.
    low = _noncentrality(chi2, df=df, probability=1 - tail, limit=chi2)
    high = _noncentrality(chi2, df=df, probability=tail, limit=max(float(n), 4 * chi2))
    return float(np.sqrt(low / (df * n))), float(np.sqrt(high / (df * n)))


def _noncentrality(chi2: float, *, df: int, probability: float, limit: float) -> float:
    """The λ with P(χ²_df(λ) ≤ chi2) = probability; 0 if λ = 0 gives less, NaN if λ = limit more."""

    def gap(value: float) -> float:
        return _adapters.noncentral_chi2_cdf(chi2, df, value) - probability

    if gap(0.0) < 0:
        return 0.0
    if gap(limit) > 0:
        return NAN
    return _adapters.find_root(gap, 0.0, limit)


def srmr_with_means(
    mean: FloatArray, cov: FloatArray, implied: FloatArray, mu: FloatArray
) -> float:
    """lavaan's SRMR with a mean structure (``srmr_bentler``): the p(p+1)/2 correlation-metric
    residual covariances and the p residual means (m_i - μ_i)/√s_ii, root mean square."""
    p = len(mu)
    covariance_terms = p * (p + 1) // 2
    squares = _srmr(cov, implied) ** 2 * covariance_terms
    squares += float(np.sum((mean - mu) ** 2 / np.diag(cov)))
    return float(np.sqrt(squares / (covariance_terms + p)))


def _srmr(sample: FloatArray, implied: FloatArray) -> float:
    """Root mean square of the correlation-metric residuals, lower triangle with diagonal."""
    scale = np.sqrt(np.diag(sample))
    residuals = (sample - implied) / np.outer(scale, scale)
    lower = residuals[np.tril_indices_from(residuals)]
    return float(np.sqrt(np.mean(lower**2)))


def _loadings_frame(
    loadings: FloatArray,
    psi: FloatArray,
    sigma: FloatArray,
    *,
    factors: list[str],
    groups: list[list[str]],
) -> pd.DataFrame:
    """One row per item: its factor, standardised (std.all) and raw loading."""
    standardised = loadings * np.sqrt(np.diag(psi))[None, :] / np.sqrt(np.diag(sigma))[:, None]
    owner = [f for f, group in enumerate(groups) for _ in group]
    rows = np.arange(len(owner))
    return pd.DataFrame(
        {
            "factor": [factors[f] for f in owner],
            "item": [item for group in groups for item in group],
            "loading": standardised[rows, owner],
            "estimate": loadings[rows, owner],
        }
    )


def _correlations_frame(psi: FloatArray, *, factors: list[str]) -> pd.DataFrame:
    scale = np.sqrt(np.diag(psi))
    return pd.DataFrame(psi / np.outer(scale, scale), index=factors, columns=factors)
