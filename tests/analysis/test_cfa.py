"""CFA against lavaan on Holzinger & Swineford (1939), a known truth, and semopy's faults."""

from __future__ import annotations

import doctest
import logging
from collections.abc import Iterator
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
import semopy
from scipy import stats

import analysis._mgcfa
import analysis.cfa
from analysis import (
    CfaDataError,
    CfaModelError,
    CfaResult,
    NegativeVariance,
    fit_cfa,
    fit_scales_cfa,
    reverse_key,
)
from analysis.cfa import FIT_COLUMNS, heywood_cases
from instrument.model import Instrument

HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
HS_SYNTAX = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"

# lavaan, cfa(HS.model, data = HolzingerSwineford1939), ML: the lavaan tutorial's CFA chapter,
# six-decimal values from a machine-readable dump of the same fit (shared/REFERENCES.md).
LAVAAN_STD_LOADINGS = {
    "x1": 0.77188,
    "x2": 0.423601,
    "x3": 0.581132,
    "x4": 0.851582,
    "x5": 0.855065,
    "x6": 0.83801,
    "x7": 0.569515,
    "x8": 0.723044,
    "x9": 0.665009,
}
LAVAAN_FACTOR_CORRELATIONS = {
    ("visual", "textual"): 0.458509,
    ("visual", "speed"): 0.470535,
    ("textual", "speed"): 0.282985,
}
# Our tolerances, tighter than the 1e-3 relative / 1e-4 absolute the task allows: the fit
# reaches lavaan's optimum to about 1e-7 (semopy's SLSQP with ftol 1e-12), and the lavaan
# values are rounded to six decimals, so a 5e-7 rounding error is the floor.
RELATIVE = 1e-6
ABSOLUTE = 2e-6


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    return pd.read_csv(str(files("semopy") / "examples" / "holzinger_swineford39_data.csv"))


@pytest.fixture(scope="module")
def hs_fit(holzinger: pd.DataFrame) -> CfaResult:
    return fit_cfa(holzinger, HS_MODEL)


@pytest.fixture
def quiet_semopy() -> Iterator[None]:
    # semopy logs a warning when its optimiser stops early; the tests provoke that on purpose.
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


# -- lavaan on Holzinger & Swineford ------------------------------------------------------------


def test_chi_square_test_matches_lavaan(hs_fit: CfaResult) -> None:
    # lavaan: chisq 85.305522, df 24, pvalue 8.5026e-09; baseline chisq 918.852, df 36.
    assert hs_fit.n == 301
    assert hs_fit.n_dropped == 0
    assert hs_fit.n_parameters == 21
    assert hs_fit.df == 24
    assert hs_fit.chi2 == pytest.approx(85.305522, rel=RELATIVE)
    assert hs_fit.pvalue == pytest.approx(8.5026e-09, rel=1e-4)  # lavaan prints 5 digits
    assert hs_fit.baseline_df == 36
    assert hs_fit.baseline_chi2 == pytest.approx(918.852, abs=5e-4)  # lavaan prints 3 decimals
    assert hs_fit.converged


def test_fit_indices_match_lavaan(hs_fit: CfaResult) -> None:
    # lavaan: cfi 0.930560, tli 0.895839, rmsea 0.092121 [0.071418, 0.113678], srmr 0.065205.
    assert hs_fit.cfi == pytest.approx(0.930560, abs=ABSOLUTE)
    assert hs_fit.tli == pytest.approx(0.895839, abs=ABSOLUTE)
    assert hs_fit.rmsea == pytest.approx(0.092121, abs=ABSOLUTE)
    assert hs_fit.rmsea_ci_low == pytest.approx(0.071418, abs=ABSOLUTE)
    assert hs_fit.rmsea_ci_high == pytest.approx(0.113678, abs=ABSOLUTE)
    assert hs_fit.srmr == pytest.approx(0.065205, abs=ABSOLUTE)


def test_likelihood_and_information_criteria_match_lavaan(hs_fit: CfaResult) -> None:
    # lavaan: logl -3737.744927, aic 7517.489853, bic 7595.339169 (21 free parameters).
    assert hs_fit.loglik == pytest.approx(-3737.744927, rel=RELATIVE)
    assert hs_fit.aic == pytest.approx(7517.489853, rel=RELATIVE)
    assert hs_fit.bic == pytest.approx(7595.339169, rel=RELATIVE)


def test_standardized_loadings_match_lavaan(hs_fit: CfaResult) -> None:
    # lavaan standardizedSolution(fit), est.std of the =~ rows.
    loadings = hs_fit.loadings.set_index("item")
    assert list(loadings.index) == list(LAVAAN_STD_LOADINGS)
    assert list(loadings["factor"]) == [f for f, items in HS_MODEL.items() for _ in items]
    for item, expected in LAVAAN_STD_LOADINGS.items():
        assert loadings.loc[item, "loading"] == pytest.approx(expected, abs=ABSOLUTE), item
    # Marker scaling: each factor's first item has raw loading 1.
    assert list(loadings.loc[["x1", "x4", "x7"], "estimate"]) == [1.0, 1.0, 1.0]


def test_factor_correlations_match_lavaan(hs_fit: CfaResult) -> None:
    # lavaan standardizedSolution(fit), est.std of the factor covariances.
    correlations = hs_fit.factor_correlations
    assert list(correlations.index) == list(correlations.columns) == list(HS_MODEL)
    for (first, second), expected in LAVAAN_FACTOR_CORRELATIONS.items():
        assert correlations.loc[first, second] == pytest.approx(expected, abs=ABSOLUTE)
        assert correlations.loc[second, first] == correlations.loc[first, second]
    assert np.diag(correlations.to_numpy()) == pytest.approx(1.0)


def test_rmsea_interval_bounds_put_chi_square_at_the_5th_and_95th_centile(
    hs_fit: CfaResult,
) -> None:
    # The definition, checked with scipy directly: lambda = RMSEA^2 * df * N at each bound.
    scale = hs_fit.df * hs_fit.n
    at_low = stats.ncx2.cdf(hs_fit.chi2, hs_fit.df, hs_fit.rmsea_ci_low**2 * scale)
    at_high = stats.ncx2.cdf(hs_fit.chi2, hs_fit.df, hs_fit.rmsea_ci_high**2 * scale)
    assert at_low == pytest.approx(0.95, abs=1e-9)
    assert at_high == pytest.approx(0.05, abs=1e-9)


def test_to_frame_is_one_row_of_the_fit_statistics(hs_fit: CfaResult) -> None:
    frame = hs_fit.to_frame()
    assert frame.shape == (1, len(FIT_COLUMNS))
    assert list(frame.columns) == list(FIT_COLUMNS)
    for column in FIT_COLUMNS:
        assert frame.loc[0, column] == getattr(hs_fit, column), column


def test_the_docstring_examples_run() -> None:
    outcome = doctest.testmod(analysis.cfa, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# -- semopy's faults, and that the work-arounds are real -----------------------------------------


@pytest.fixture(scope="module")
def semopy_stats(holzinger: pd.DataFrame) -> pd.Series:
    model = semopy.Model(HS_SYNTAX)
    model.fit(holzinger)
    return semopy.calc_stats(model).loc["Value"]


def test_semopy_rmsea_divides_by_n_minus_1_ours_by_n(
    hs_fit: CfaResult, semopy_stats: pd.Series
) -> None:
    chi2, df, n = semopy_stats["chi2"], semopy_stats["DoF"], hs_fit.n
    assert semopy_stats["RMSEA"] == pytest.approx(np.sqrt((chi2 / df - 1) / (n - 1)), rel=1e-12)
    assert semopy_stats["RMSEA"] == pytest.approx(0.09227, abs=1e-5)
    assert abs(semopy_stats["RMSEA"] - 0.092121) > 1e-4  # lavaan, lavaan issue 143
    assert hs_fit.rmsea == pytest.approx(0.092121, abs=ABSOLUTE)


def test_semopy_loglik_aic_bic_are_not_likelihood_based(
    hs_fit: CfaResult, semopy_stats: pd.Series
) -> None:
    # semopy's "LogLik" is the fit function F_ML = chi2 / N, and its AIC is 2(q - F_ML).
    n = hs_fit.n
    assert semopy_stats["LogLik"] == pytest.approx(semopy_stats["chi2"] / n, rel=1e-12)
    assert semopy_stats["AIC"] == pytest.approx(2 * (21 - semopy_stats["LogLik"]), rel=1e-12)
    assert hs_fit.loglik == pytest.approx(-3737.744927, rel=RELATIVE)
    assert abs(semopy_stats["AIC"] - hs_fit.aic) > 7000
    assert abs(semopy_stats["BIC"] - hs_fit.bic) > 7000


def test_semopy_gfi_is_the_nfi_and_it_has_no_srmr_or_rmsea_interval(
    semopy_stats: pd.Series,
) -> None:
    # Why CfaResult reports no GFI: semopy's is 1 - chi2 / baseline chi2, Bentler-Bonett's NFI.
    nfi = 1 - semopy_stats["chi2"] / semopy_stats["chi2 Baseline"]
    assert semopy_stats["GFI"] == pytest.approx(nfi, rel=1e-12)
    assert semopy_stats["NFI"] == pytest.approx(nfi, rel=1e-12)
    assert "SRMR" not in semopy_stats.index
    assert [name for name in semopy_stats.index if "RMSEA" in name] == ["RMSEA"]


def test_semopy_default_tolerance_misses_lavaans_loadings_ours_does_not(
    holzinger: pd.DataFrame, hs_fit: CfaResult
) -> None:
    model = semopy.Model(HS_SYNTAX)
    model.fit(holzinger)  # semopy's default SLSQP tolerance
    estimates = model.inspect(std_est=True)
    x1 = estimates[(estimates["lval"] == "x1") & (estimates["rval"] == "visual")]
    assert abs(float(x1["Est. Std"].iloc[0]) - LAVAAN_STD_LOADINGS["x1"]) > 4e-4
    ours = hs_fit.loadings.set_index("item").loc["x1", "loading"]
    assert ours == pytest.approx(LAVAAN_STD_LOADINGS["x1"], abs=ABSOLUTE)


def test_semopy_stops_early_on_badly_scaled_items_ours_does_not(
    holzinger: pd.DataFrame, hs_fit: CfaResult
) -> None:
    # ML is scale-free: multiplying items by constants changes no fit statistic.
    rescaled = holzinger.assign(x4=holzinger["x4"] * 1e4, x8=holzinger["x8"] * 1e-3)
    model = semopy.Model(HS_SYNTAX)
    model.fit(rescaled, options={"ftol": 1e-12})
    assert semopy.calc_stats(model).loc["Value", "chi2"] > hs_fit.chi2 + 1
    ours = fit_cfa(rescaled, HS_MODEL)
    assert ours.converged
    assert ours.chi2 == pytest.approx(hs_fit.chi2, rel=1e-7)
    assert ours.loadings["loading"].to_numpy() == pytest.approx(
        hs_fit.loadings["loading"].to_numpy(), abs=1e-6
    )


# -- invariances and listwise deletion ---------------------------------------------------------


def test_marker_choice_changes_neither_fit_nor_standardized_loadings(
    holzinger: pd.DataFrame, hs_fit: CfaResult
) -> None:
    reordered = {factor: [*items[1:], items[0]] for factor, items in reversed(HS_MODEL.items())}
    other = fit_cfa(holzinger, reordered)
    assert other.chi2 == pytest.approx(hs_fit.chi2, rel=1e-7)
    assert other.srmr == pytest.approx(hs_fit.srmr, abs=1e-7)
    mine = hs_fit.loadings.set_index("item")["loading"]
    theirs = other.loadings.set_index("item")["loading"]
    assert theirs.loc[mine.index].to_numpy() == pytest.approx(mine.to_numpy(), abs=1e-6)
    assert other.factor_correlations.loc["visual", "speed"] == pytest.approx(0.470535, abs=2e-6)


def test_incomplete_rows_are_left_out_and_counted_under_listwise_deletion(
    holzinger: pd.DataFrame,
) -> None:
    holes = holzinger.copy()
    holes.loc[[0, 5, 9], "x2"] = np.nan
    holes.loc[[5, 40], "x9"] = np.nan
    holes.loc[[7], "ageyr"] = np.nan  # not an item of the model: ignored
    before = holes.copy()
    result = fit_cfa(holes, HS_MODEL, missing="listwise")
    pd.testing.assert_frame_equal(holes, before)  # the input is not touched
    assert (result.n, result.n_dropped, result.missing) == (297, 4, "listwise")
    complete = fit_cfa(holzinger.drop(index=[0, 5, 9, 40]), HS_MODEL)
    assert result.chi2 == pytest.approx(complete.chi2, rel=1e-9)
    assert result.bic == pytest.approx(complete.bic, rel=1e-9)


def test_a_just_identified_model_fits_perfectly(holzinger: pd.DataFrame) -> None:
    result = fit_cfa(holzinger, {"visual": ["x1", "x2", "x3"]})
    assert result.df == 0
    assert result.chi2 == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(result.pvalue)
    assert result.cfi == pytest.approx(1.0, abs=1e-9)  # 1 - max(chi2, 0) / baseline excess
    assert (result.tli, result.rmsea) == (1.0, 0.0)  # lavaan's values when df = 0
    assert (result.rmsea_ci_low, result.rmsea_ci_high) == (0.0, 0.0)
    assert result.srmr == pytest.approx(0.0, abs=1e-6)


# -- a known truth -----------------------------------------------------------------------------

TRUE_LOADINGS = {
    "a": {"a1": 0.8, "a2": 0.7, "a3": 0.6, "a4": 0.5},
    "b": {"b1": 0.75, "b2": 0.65, "b3": 0.55, "b4": 0.7},
}
TRUE_CORRELATION = 0.4


@pytest.fixture(scope="module")
def two_factor_sample() -> pd.DataFrame:
    """5,000 draws from a two-factor model, items on different scales and means."""
    items = [item for loadings in TRUE_LOADINGS.values() for item in loadings]
    pattern = np.zeros((len(items), 2))
    pattern[:4, 0] = list(TRUE_LOADINGS["a"].values())
    pattern[4:, 1] = list(TRUE_LOADINGS["b"].values())
    phi = np.array([[1.0, TRUE_CORRELATION], [TRUE_CORRELATION, 1.0]])
    correlation = pattern @ phi @ pattern.T
    np.fill_diagonal(correlation, 1.0)
    sd = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.8, 1.2])
    rng = np.random.default_rng(20240611)
    draws = rng.multivariate_normal(np.full(8, 3.0), correlation * np.outer(sd, sd), size=5000)
    return pd.DataFrame(draws, columns=items)


def test_simulated_loadings_and_correlation_are_recovered(two_factor_sample: pd.DataFrame) -> None:
    result = fit_cfa(two_factor_sample, {f: list(items) for f, items in TRUE_LOADINGS.items()})
    truth = {item: value for loadings in TRUE_LOADINGS.values() for item, value in loadings.items()}
    recovered = result.loadings.set_index("item")["loading"]
    for item, value in truth.items():
        assert recovered[item] == pytest.approx(value, abs=0.03), item
    assert result.factor_correlations.loc["a", "b"] == pytest.approx(TRUE_CORRELATION, abs=0.03)
    assert result.rmsea < 0.02
    assert result.cfi > 0.99
    assert result.converged


def test_one_factor_for_two_factor_data_fits_clearly_worse(
    two_factor_sample: pd.DataFrame,
) -> None:
    right = fit_cfa(two_factor_sample, {f: list(items) for f, items in TRUE_LOADINGS.items()})
    wrong = fit_cfa(two_factor_sample, {"g": list(two_factor_sample.columns)})
    assert wrong.converged
    assert wrong.rmsea > 0.1
    assert wrong.rmsea_ci_low > right.rmsea_ci_high
    assert wrong.cfi < 0.9
    assert wrong.bic > right.bic
    assert wrong.df == right.df + 1


# -- the instrument's scales -------------------------------------------------------------------


def _scale_answers(instrument: Instrument, *, scales: list[str], n: int) -> pd.DataFrame:
    """Raw 1..7 answers driven by one correlated factor per scale; reverse items reversed."""
    rng = np.random.default_rng(7)
    factors = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.3], [0.3, 1.0]], size=n)
    columns = {}
    for f, scale_id in enumerate(scales):
        for item_id in instrument.scale(scale_id).items:
            latent = 4 + 1.2 * factors[:, f] + rng.normal(0, 0.9, size=n)
            if item_id in instrument.reverse_item_ids:
                latent = 8 - latent
            columns[item_id] = np.clip(np.rint(latent), 1, 7)
    return pd.DataFrame(columns)


def test_scales_are_fitted_after_reverse_keying(small_instrument: Instrument) -> None:
    answers = _scale_answers(small_instrument, scales=["HA", "VA"], n=800)
    result = fit_scales_cfa(answers, instrument=small_instrument, scales=["HA", "VA"])
    assert list(result.factor_correlations.index) == ["HA", "VA"]
    assert (result.loadings["loading"] > 0.5).all()
    model = {scale: list(small_instrument.scale(scale).items) for scale in ("HA", "VA")}
    same = fit_cfa(reverse_key(answers, instrument=small_instrument), model)
    assert result.chi2 == pytest.approx(same.chi2, rel=1e-9)
    # Unrecoded, the reverse items load negatively: the recoding is what makes them positive.
    raw = fit_cfa(answers, model)
    raw_loadings = raw.loadings.set_index("item")["loading"]
    assert raw_loadings["HA04"] < 0
    assert raw_loadings["VA02"] < 0


def test_scales_default_to_all_of_the_instrument(small_instrument: Instrument) -> None:
    answers = _scale_answers(small_instrument, scales=["HA", "VA"], n=50)
    # The LC facets are not answered: all four scales are in the model, so they are missing.
    with pytest.raises(CfaModelError, match="LC_MEM01"):
        fit_scales_cfa(answers, instrument=small_instrument)


def test_an_unknown_scale_is_refused(small_instrument: Instrument) -> None:
    answers = _scale_answers(small_instrument, scales=["HA", "VA"], n=50)
    with pytest.raises(CfaModelError, match="'XX' is not a scale"):
        fit_scales_cfa(answers, instrument=small_instrument, scales=["HA", "XX"])


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ({}, "no factor"),
        ({"visual": ["x1"], "speed": ["x7", "x8", "x9"]}, "factor 'visual' has 1 item"),
        ({"visual": [], "speed": ["x7", "x8", "x9"]}, "factor 'visual' has 0 item"),
        ({"visual": ["x1", "x2", "x3"], "speed": ["x3", "x8", "x9"]}, "'x3' .* under 'visual'"),
        ({"visual": ["x1", "x2", "x1"]}, "'x1' of factor 'visual' is listed twice"),
        ({"visual": ["x1", "x2", "x10"], "speed": ["x7", "y", "x9"]}, "no column 'x10', 'y'"),
        ({"visual": "x1 + x2 + x3"}, "not the string"),
        ({"visual": ["x1", "x2"]}, "not identified"),
    ],
)
def test_a_bad_model_is_refused(
    holzinger: pd.DataFrame, model: dict[str, list[str]], message: str
) -> None:
    with pytest.raises(CfaModelError, match=message):
        fit_cfa(holzinger, model)


def test_an_unknown_estimator_is_refused(holzinger: pd.DataFrame) -> None:
    with pytest.raises(CfaModelError, match="'WLSMV' is not supported"):
        fit_cfa(holzinger, HS_MODEL, estimator="WLSMV")


def test_model_errors_are_value_errors(holzinger: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="factor 'speed' has 1 item"):
        fit_cfa(holzinger, {"visual": ["x1", "x2", "x3"], "speed": ["x7"]})


def test_too_few_complete_rows_are_refused(holzinger: pd.DataFrame) -> None:
    sparse = holzinger.head(12).copy()
    sparse.loc[sparse.index[:3], "x5"] = np.nan
    with pytest.raises(CfaDataError, match="only 9 of 12 rows answer all 9 items"):
        fit_cfa(sparse, HS_MODEL, missing="listwise")
    sparse.loc[sparse.index[3:6], list(HS_MODEL["visual"]) + HS_MODEL["textual"]] = np.nan
    sparse.loc[sparse.index[3:6], HS_MODEL["speed"]] = np.nan
    with pytest.raises(CfaDataError, match="only 9 of 12 rows answer any of the 9 items"):
        fit_cfa(sparse, HS_MODEL)


def test_an_unknown_missing_data_rule_is_refused_naming_the_argument(
    holzinger: pd.DataFrame,
) -> None:
    with pytest.raises(ValueError, match="missing must be one of 'fiml', 'listwise', is 'ml'"):
        fit_cfa(holzinger, HS_MODEL, missing="ml")


def test_non_numeric_items_are_refused(holzinger: pd.DataFrame) -> None:
    words = holzinger.assign(x5=holzinger["x5"].astype(str))
    with pytest.raises(CfaDataError, match="item 'x5': values must be numbers"):
        fit_cfa(words, HS_MODEL)


def test_infinite_values_are_refused(holzinger: pd.DataFrame) -> None:
    infinite = holzinger.copy()
    infinite.loc[3, "x6"] = np.inf
    with pytest.raises(CfaDataError, match="'x6' has infinite values"):
        fit_cfa(infinite, HS_MODEL)


def test_a_constant_item_is_refused(holzinger: pd.DataFrame) -> None:
    with pytest.raises(CfaDataError, match="'x8' has the same value"):
        fit_cfa(holzinger.assign(x8=3.0), HS_MODEL)


def test_collinear_items_are_refused(holzinger: pd.DataFrame) -> None:
    collinear = holzinger.assign(x9=holzinger["x7"] + 2 * holzinger["x8"])
    with pytest.raises(CfaDataError, match="singular"):
        fit_cfa(collinear, HS_MODEL)


@pytest.mark.usefixtures("quiet_semopy")
def test_non_convergence_is_reported_not_raised(holzinger: pd.DataFrame) -> None:
    result = fit_cfa(holzinger, HS_MODEL, max_iterations=2)
    assert result.converged is False
    for name in ("chi2", "pvalue", "cfi", "tli", "rmsea", "srmr", "loglik", "aic", "bic"):
        assert np.isnan(getattr(result, name)), name
    # What does not depend on the estimates is still reported.
    assert (result.n, result.df, result.n_parameters) == (301, 24, 21)
    assert result.baseline_chi2 == pytest.approx(918.852, abs=5e-4)
    assert bool(result.to_frame().loc[0, "converged"]) is False


def test_max_iterations_must_be_positive(holzinger: pd.DataFrame) -> None:
    with pytest.raises(CfaModelError, match="max_iterations"):
        fit_cfa(holzinger, HS_MODEL, max_iterations=0)


# -- Heywood cases ---------------------------------------------------------------------------------


def test_a_heywood_case_is_left_negative_and_flagged() -> None:
    # One factor, first item's standardised loading .97, 120 rows (seed 12): lavaan's default
    # estimates h1's residual variance at -0.0907 (chi2 3.454, CFI .9824, RMSEA .0778; the R
    # oracle tier checks these live). Bounding it at 0, as semopy did, gave a worse fit.
    rng = np.random.default_rng(12)
    loadings = np.array([0.97, 0.6, 0.55, 0.5])
    factor = rng.normal(size=120)
    answers = factor[:, None] * loadings + rng.normal(size=(120, 4)) * np.sqrt(1 - loadings**2)
    data = pd.DataFrame(np.round(3 + 1.2 * answers, 3), columns=["h1", "h2", "h3", "h4"])
    result = fit_cfa(data, {"f": ["h1", "h2", "h3", "h4"]})
    assert result.converged
    assert result.chi2 == pytest.approx(3.454009, abs=1e-5)
    assert result.cfi == pytest.approx(0.982408, abs=1e-5)
    assert result.rmsea == pytest.approx(0.077836, abs=1e-5)
    assert len(result.heywood) == 1
    case = result.heywood[0]
    assert (case.kind, case.name, case.group) == ("residual", "h1", None)
    assert case.value == pytest.approx(-0.0907, abs=1e-4)
    assert float(result.loadings.set_index("item")["loading"]["h1"]) > 1
    assert "heywood" not in result.to_frame().columns


def test_a_fit_without_negative_variances_flags_nothing(hs_fit: CfaResult) -> None:
    assert hs_fit.heywood == ()


def test_heywood_cases_name_residual_then_factor_variances_group_by_group() -> None:
    # The one helper behind CfaResult.heywood and LevelFit.heywood: estimates below 0 only.
    estimates = analysis._mgcfa.Estimates(
        loadings=np.ones((2, 3, 1)),
        psi=np.array([[[0.5]], [[-0.2]]]),
        residuals=np.array([[0.3, -0.1, 0.0], [-0.4, 0.2, 0.1]]),
        intercepts=np.zeros((2, 3)),
        means=np.zeros((2, 1)),
    )
    fitted = analysis._mgcfa.Fitted("configural", [], True, 0, estimates)
    cases = heywood_cases(fitted, items=["i1", "i2", "i3"], factors=["F"], groups=["x", "y"])
    assert cases == (
        NegativeVariance("residual", "i2", -0.1, "x"),
        NegativeVariance("residual", "i1", -0.4, "y"),
        NegativeVariance("factor", "F", -0.2, "y"),
    )
    unconverged = analysis._mgcfa.Fitted("configural", [], False, 0, estimates)
    assert heywood_cases(unconverged, items=["i1", "i2", "i3"], factors=["F"]) == ()
