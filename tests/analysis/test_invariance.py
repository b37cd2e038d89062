"""Measurement invariance against lavaan's tutorial, fit_cfa, and simulations with a known truth."""

from __future__ import annotations

import doctest
from importlib.resources import files
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis._mgcfa
import analysis.invariance
import analysis.invariance_scales
from analysis import (
    CfaDataError,
    CfaModelError,
    InvarianceResult,
    InvarianceRule,
    fit_cfa,
    invariance_across_groups,
    measurement_invariance,
    reverse_key,
    scale_invariance,
)
from analysis.invariance import LEVEL_COLUMNS, STATEMENTS
from instrument.model import Instrument

HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}

# lavaan 0.5-16, the tutorial's "Multiple groups" chapter on HolzingerSwineford1939 with
# group = "school" (Pasteur 156, Grant-White 145): cfa() without, then with group.equal =
# "loadings", and semTools::measurementInvariance() for loadings + intercepts. Source:
# github.com/yrosseel/lavaan.org.old, tutorial.src/groups.tex (commit 2d9c6e12), the printed
# output of those calls. Printed to 3 decimals, so the tolerance is the rounding, 5e-4.
LAVAAN = {
    "configural": {"chi2": 115.851, "df": 48, "cfi": 0.923, "rmsea": 0.097, "bic": 7706.822},
    "metric": {"chi2": 124.044, "df": 54, "cfi": 0.921, "rmsea": 0.093, "bic": 7680.771},
    "scalar": {"chi2": 164.103, "df": 60, "cfi": 0.882, "rmsea": 0.107, "bic": 7686.588},
}
LAVAAN_GROUP_CHI2 = {"configural": (64.309, 51.542), "metric": (68.825, 55.219)}
PRINTED = 5e-4


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    return pd.read_csv(str(files("semopy") / "examples" / "holzinger_swineford39_data.csv"))


@pytest.fixture(scope="module")
def hs_result(holzinger: pd.DataFrame) -> InvarianceResult:
    return measurement_invariance(holzinger, HS_MODEL, group="school")


# -- lavaan on Holzinger & Swineford by school -----------------------------------------------------


def test_chi_squares_dfs_and_bics_match_lavaan(hs_result: InvarianceResult) -> None:
    assert hs_result.groups == ("Pasteur", "Grant-White")  # lavaan's order: first appearance
    assert hs_result.group_sizes == (156, 145)
    for fit in hs_result.levels:
        expected = LAVAAN[fit.level]
        assert fit.converged, fit.level
        assert fit.df == expected["df"], fit.level
        assert fit.chi2 == pytest.approx(expected["chi2"], abs=PRINTED), fit.level
        assert fit.bic == pytest.approx(expected["bic"], abs=PRINTED), fit.level


def test_chi_square_of_each_group_matches_lavaan(hs_result: InvarianceResult) -> None:
    for fit in (hs_result.configural, hs_result.metric):
        expected = LAVAAN_GROUP_CHI2[fit.level]
        assert fit.group_chi2 == pytest.approx(expected, abs=PRINTED), fit.level
        assert sum(fit.group_chi2) == pytest.approx(fit.chi2, rel=1e-12)


def test_cfi_and_rmsea_match_lavaan(hs_result: InvarianceResult) -> None:
    # CFI against the multi-group independence model, RMSEA with lavaan's sqrt(G) factor.
    for fit in hs_result.levels:
        assert fit.cfi == pytest.approx(LAVAAN[fit.level]["cfi"], abs=PRINTED), fit.level
        assert fit.rmsea == pytest.approx(LAVAAN[fit.level]["rmsea"], abs=PRINTED), fit.level


def test_differences_between_levels_match_semtools(hs_result: InvarianceResult) -> None:
    # semTools::measurementInvariance, same source: [Model 1 versus model 2] delta.chisq 8.192,
    # delta.df 6, delta.p.value 0.224, delta.cfi 0.002; [Model 2 versus model 3] 40.059, 6,
    # 0.000, 0.038. semTools prints CFI(before) - CFI(after); we report after - before.
    metric, scalar = hs_result.metric, hs_result.scalar
    assert metric.delta_chi2 == pytest.approx(8.192, abs=PRINTED)
    assert metric.delta_df == 6
    assert metric.delta_pvalue == pytest.approx(0.224, abs=PRINTED)
    assert metric.delta_cfi == pytest.approx(-0.002, abs=PRINTED)
    assert scalar.delta_chi2 == pytest.approx(40.059, abs=PRINTED)
    assert scalar.delta_df == 6
    assert scalar.delta_pvalue < 5e-4
    assert scalar.delta_cfi == pytest.approx(-0.038, abs=PRINTED)
    assert hs_result.configural.delta_df is None
    assert np.isnan(hs_result.configural.delta_chi2)


def test_baseline_is_the_independence_model_of_every_group(
    holzinger: pd.DataFrame, hs_result: InvarianceResult
) -> None:
    # Each group's baseline chi-square is fit_cfa's single-group one (free means fit exactly).
    single = [
        fit_cfa(holzinger[holzinger["school"] == school], HS_MODEL) for school in hs_result.groups
    ]
    assert hs_result.baseline_chi2 == pytest.approx(sum(f.baseline_chi2 for f in single), rel=1e-12)
    assert hs_result.baseline_df == 2 * 36


def test_the_verdict_on_holzinger_applies_the_rule(holzinger: pd.DataFrame) -> None:
    # Configural RMSEA .097 is above the conventional .08: no configural fit. With .10 allowed,
    # metric holds (delta CFI -.002) and scalar fails (delta CFI -.038 < -.010).
    strict = measurement_invariance(holzinger, HS_MODEL, group="school")
    assert (strict.verdict, strict.statement) == ("none", STATEMENTS["none"])
    assert [fit.supported for fit in strict.levels] == [False, False, False]
    lenient = measurement_invariance(
        holzinger, HS_MODEL, group="school", rule=InvarianceRule(max_rmsea=0.10)
    )
    assert lenient.verdict == "metric"
    assert [fit.supported for fit in lenient.levels] == [True, True, False]
    assert lenient.statement == STATEMENTS["metric"]
    assert lenient.relations_comparable
    assert not lenient.means_comparable


def test_rmsea_interval_is_lavaans_times_the_root_of_the_group_count(
    hs_result: InvarianceResult,
) -> None:
    # The bounds are sqrt(lambda / (df N)) * sqrt(G), lambda putting chi2 at the 95th and 5th
    # centile of the noncentral chi-square: check the definition with scipy.
    for fit in hs_result.levels:
        scale = fit.df * hs_result.n / 2
        at_low = stats.ncx2.cdf(fit.chi2, fit.df, fit.rmsea_ci_low**2 * scale)
        at_high = stats.ncx2.cdf(fit.chi2, fit.df, fit.rmsea_ci_high**2 * scale)
        assert at_low == pytest.approx(0.95, abs=1e-9), fit.level
        assert at_high == pytest.approx(0.05, abs=1e-9), fit.level


# -- tied to the lavaan-verified single-group code -------------------------------------------------


def test_configural_chi_square_is_the_sum_of_single_group_fits(
    holzinger: pd.DataFrame, hs_result: InvarianceResult
) -> None:
    single = [
        fit_cfa(holzinger[holzinger["school"] == school], HS_MODEL) for school in hs_result.groups
    ]
    assert hs_result.configural.group_chi2 == pytest.approx([f.chi2 for f in single], rel=1e-6)
    assert hs_result.configural.chi2 == pytest.approx(sum(f.chi2 for f in single), rel=1e-6)
    assert hs_result.configural.df == sum(f.df for f in single)


def test_configural_srmr_is_lavaans_weighting_of_single_group_srmrs(
    holzinger: pd.DataFrame, hs_result: InvarianceResult
) -> None:
    # lavaan (R/lav_fit_srmr.R, R/lav_residuals.R): with a mean structure each group's SRMR
    # averages p(p+1)/2 covariance and p mean residuals; the groups are weighted by N_g / N.
    # Configural means fit exactly, so SRMR_g = single-group SRMR * sqrt(45 / 54).
    single = [
        fit_cfa(holzinger[holzinger["school"] == school], HS_MODEL) for school in hs_result.groups
    ]
    expected = sum(f.n / hs_result.n * f.srmr for f in single) * np.sqrt(45 / 54)
    assert hs_result.configural.srmr == pytest.approx(expected, rel=1e-5)


def test_configural_chi_square_of_three_simulated_groups_is_the_sum_of_single_fits() -> None:
    data = _simulate(seed=11)
    result = measurement_invariance(data, MODEL, group="dept")
    single = [fit_cfa(data[data["dept"] == dept], MODEL).chi2 for dept in result.groups]
    assert result.configural.chi2 == pytest.approx(sum(single), rel=1e-6)


# -- degrees of freedom, counted by hand -----------------------------------------------------------


def test_degrees_of_freedom_match_a_hand_count(hs_result: InvarianceResult) -> None:
    # Holzinger: p = 9 items, k = 3 factors, G = 2. Moments per group 9*10/2 + 9 = 54, 108 in all.
    # Configural, per group: 6 loadings + 9 residual variances + 6 factor (co)variances
    #   + 9 intercepts = 30; 60 in all, df 48.
    # Metric: 6 shared loadings + 2 * (9 + 6 + 9) = 54, df 54.
    # Scalar: 6 loadings + 9 intercepts shared + 2 * (9 + 6) + 3 factor means (2nd group) = 48,
    #   df 60.
    assert [(f.n_parameters, f.df) for f in hs_result.levels] == [(60, 48), (54, 54), (48, 60)]
    # The simulation: p = 8, k = 2, G = 3. Moments per group 36 + 8 = 44, 132 in all.
    # Configural, per group 6 + 8 + 3 + 8 = 25: 75, df 57. Metric: 6 + 3 * (8 + 3 + 8) = 63,
    # df 69. Scalar: 6 + 8 + 3 * (8 + 3) + 2 * 2 factor means = 51, df 81.
    simulated = measurement_invariance(_simulate(seed=11), MODEL, group="dept")
    assert [(f.n_parameters, f.df) for f in simulated.levels] == [(75, 57), (63, 69), (51, 81)]


# -- a known truth ---------------------------------------------------------------------------------

MODEL = {"a": ["a1", "a2", "a3", "a4"], "b": ["b1", "b2", "b3", "b4"]}
LOADINGS = np.array([0.7, 0.8, 0.6, 0.7, 0.75, 0.65, 0.7, 0.6])
INTERCEPTS = np.array([3.0, 3.4, 2.8, 3.1, 3.6, 2.9, 3.2, 3.3])
# Groups differ in factor means and (co)variances, which scalar invariance allows.
FACTOR_MEANS = [(0.0, 0.0), (0.3, -0.2), (-0.25, 0.15)]
FACTOR_SDS = [(1.0, 1.0), (1.1, 0.95), (0.9, 1.05)]
DEPARTMENTS = ("north", "south", "east")


def _simulate(
    *,
    seed: int,
    n: int = 1500,
    shift: tuple[str, str, float] | None = None,
    loading: tuple[str, str, float] | None = None,
) -> pd.DataFrame:
    """n respondents per department from the two-factor model; item variance 1 in group 1.

    ``shift`` = (department, item, amount) adds to that item's intercept there; ``loading`` =
    (department, item, value) sets that item's loading there.
    """
    rng = np.random.default_rng(seed)
    items = [item for items in MODEL.values() for item in items]
    frames = []
    for g, department in enumerate(DEPARTMENTS):
        pattern = np.zeros((8, 2))
        pattern[:4, 0], pattern[4:, 1] = LOADINGS[:4], LOADINGS[4:]
        intercepts = INTERCEPTS.copy()
        if shift is not None and shift[0] == department:
            intercepts[items.index(shift[1])] += shift[2]
        if loading is not None and loading[0] == department:
            row = items.index(loading[1])
            pattern[row, pattern[row] != 0] = loading[2]
        sds = np.array(FACTOR_SDS[g])
        psi = np.outer(sds, sds) * np.array([[1.0, 0.4], [0.4, 1.0]])
        factors = rng.multivariate_normal(FACTOR_MEANS[g], psi, size=n)
        errors = rng.normal(size=(n, 8)) * np.sqrt(1 - LOADINGS**2)
        frame = pd.DataFrame(intercepts + factors @ pattern.T + errors, columns=items)
        frames.append(frame.assign(dept=department))
    return pd.concat(frames, ignore_index=True)


def test_invariant_groups_reach_scalar_invariance() -> None:
    # Same loadings and intercepts everywhere. Seed 2024: metric delta CFI 0.0000, delta RMSEA
    # 0.0000; scalar -0.0001 and 0.0022. Over seeds 1-5 as well: |delta CFI| <= .001 and delta
    # RMSEA <= .0066 at both steps. Tolerance: delta CFI > -.002, delta RMSEA < .008.
    result = measurement_invariance(_simulate(seed=2024), MODEL, group="dept")
    assert result.verdict == "scalar"
    assert result.statement == STATEMENTS["scalar"]
    assert result.means_comparable
    assert result.relations_comparable
    assert result.configural.cfi > 0.995
    assert result.configural.rmsea < 0.02
    # Nested models: each constraint can only raise chi-square at the optimum.
    assert result.configural.chi2 < result.metric.chi2 < result.scalar.chi2
    for fit in (result.metric, result.scalar):
        assert fit.delta_cfi > -0.002, fit.level
        assert fit.delta_rmsea < 0.008, fit.level
        assert fit.supported, fit.level


def test_an_intercept_shift_rejects_scalar_but_keeps_metric() -> None:
    # Item a3 is 0.5 SD higher in "east" at equal factor scores. Seed 2024: scalar delta CFI
    # -0.0366, delta RMSEA 0.0551 (seeds 1-5: -.024 to -.030 and .037 to .049): both rules
    # reject it. Tolerance: delta CFI < -.015 and delta RMSEA > .025; metric's delta CFI > -.002.
    result = measurement_invariance(
        _simulate(seed=2024, shift=("east", "a3", 0.5)), MODEL, group="dept"
    )
    assert result.verdict == "metric"
    assert result.statement == STATEMENTS["metric"]
    assert result.metric.supported
    assert result.metric.delta_cfi > -0.002
    assert result.scalar.delta_cfi < -0.015
    assert result.scalar.delta_rmsea > 0.025
    assert result.scalar.delta_pvalue < 1e-10
    assert not result.means_comparable
    assert result.relations_comparable


def test_a_loading_difference_rejects_metric() -> None:
    # Item a2 loads .3 instead of .8 in "south". Seed 2024: metric delta CFI -0.0337, delta
    # RMSEA 0.0549 (seeds 1-5: -.029 to -.037 and .045 to .057). Tolerance: delta CFI < -.015,
    # delta RMSEA > .025.
    result = measurement_invariance(
        _simulate(seed=2024, loading=("south", "a2", 0.3)), MODEL, group="dept"
    )
    assert result.verdict == "configural"
    assert result.statement == STATEMENTS["configural"]
    assert result.configural.supported
    assert not result.metric.supported
    assert not result.scalar.supported  # a level needs every level below it
    assert result.metric.delta_cfi < -0.015
    assert result.metric.delta_rmsea > 0.025
    assert not result.relations_comparable


# -- what each level constrains --------------------------------------------------------------------


def test_a_constant_added_in_one_group_changes_only_the_scalar_fit() -> None:
    data = _simulate(seed=7, n=400)
    moved = data.assign(b2=data["b2"] + np.where(data["dept"] == "south", 1.0, 0.0))
    before = measurement_invariance(data, MODEL, group="dept")
    after = measurement_invariance(moved, MODEL, group="dept")
    assert after.configural.chi2 == pytest.approx(before.configural.chi2, rel=1e-7)
    assert after.metric.chi2 == pytest.approx(before.metric.chi2, rel=1e-7)
    # Seeds 7, 8, 9 add 312, 290 and 301 to the scalar chi-square.
    assert after.scalar.chi2 > before.scalar.chi2 + 150


def test_an_item_stretched_in_one_group_changes_the_metric_fit() -> None:
    data = _simulate(seed=7, n=400)
    stretched = data.assign(a3=data["a3"] * np.where(data["dept"] == "east", 3.0, 1.0))
    before = measurement_invariance(data, MODEL, group="dept")
    after = measurement_invariance(stretched, MODEL, group="dept")
    assert after.configural.chi2 == pytest.approx(before.configural.chi2, rel=1e-7)
    # Seeds 7, 8, 9 add 47, 43 and 35 to the metric chi-square.
    assert after.metric.chi2 > before.metric.chi2 + 25


def test_one_rescaling_of_an_item_for_everyone_changes_no_fit() -> None:
    # ML is scale-free, and the same affine change in every group keeps every constraint.
    data = _simulate(seed=7, n=400)
    rescaled = data.assign(a2=100 * data["a2"] - 40, b4=data["b4"] / 1000)
    before = measurement_invariance(data, MODEL, group="dept")
    after = measurement_invariance(rescaled, MODEL, group="dept")
    for old, new in zip(before.levels, after.levels, strict=True):
        assert new.chi2 == pytest.approx(old.chi2, rel=1e-7), old.level
        assert new.srmr == pytest.approx(old.srmr, rel=1e-6), old.level


def test_the_reference_group_changes_no_fit(holzinger: pd.DataFrame) -> None:
    # Grant-White first: it becomes the group whose factor means are fixed at 0.
    reordered = holzinger.iloc[::-1]
    result = measurement_invariance(reordered, HS_MODEL, group="school")
    assert result.groups == ("Grant-White", "Pasteur")
    for fit in result.levels:
        assert fit.chi2 == pytest.approx(LAVAAN[fit.level]["chi2"], abs=PRINTED), fit.level


def test_a_heywood_case_stays_unbounded_and_the_next_level_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two departments of 30 (seed 4). In "south" the configural solution has a negative
    # residual variance (a4: -0.52). lavaan leaves variances unbounded, and so do we, in
    # measurement_invariance and fit_cfa alike: that group's chi-square, 21.156, is fit_cfa's
    # (semopy, which fit_cfa used before, stopped the variance at 0 and gave 22.533), and both
    # flag the same variance. The metric level cannot start from that solution (with the
    # loadings averaged across groups some Σ_g is not positive definite): it starts afresh.
    attempts: list[bool] = []
    original_fit = analysis._mgcfa.fit

    def counted(*args: Any, **kwargs: Any) -> analysis._mgcfa.Solution:
        solution = original_fit(*args, **kwargs)
        attempts.append(solution.converged)
        return solution

    monkeypatch.setattr(analysis._mgcfa, "fit", counted)
    data = _simulate(seed=4, n=30).query("dept != 'east'")
    result = measurement_invariance(data, MODEL, group="dept")
    assert attempts == [True, False, True, True]  # configural, metric twice, scalar
    assert [fit.converged for fit in result.levels] == [True, True, True]
    assert result.configural.chi2 <= result.metric.chi2 <= result.scalar.chi2
    single = fit_cfa(data[data["dept"] == "south"], MODEL)
    assert result.configural.group_chi2[1] == pytest.approx(single.chi2, abs=1e-8)
    assert [(case.kind, case.name, case.group) for case in result.configural.heywood] == [
        ("residual", "a4", "south")
    ]
    assert [(case.kind, case.name) for case in single.heywood] == [("residual", "a4")]
    assert result.configural.heywood[0].value == pytest.approx(single.heywood[0].value, abs=1e-5)
    assert single.heywood[0].value == pytest.approx(-0.52, abs=0.01)


def test_a_group_where_ml_has_no_solution_leaves_configural_unconverged() -> None:
    # Two departments of 30 (seed 41): in "north" the ML estimates run off (factor b's variance
    # towards 0, a loading towards infinity, a residual variance towards minus infinity), so
    # there is no configural optimum to report. The constrained levels do have one.
    data = _simulate(seed=41, n=30).query("dept != 'east'")
    iterations: list[int] = []
    original_fit = analysis._mgcfa.fit

    def counted(*args: Any, **kwargs: Any) -> analysis._mgcfa.Solution:
        solution = original_fit(*args, **kwargs)
        iterations.append(solution.iterations)
        return solution

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(analysis._mgcfa, "fit", counted)
        result = measurement_invariance(data, MODEL, group="dept")
    assert [fit.converged for fit in result.levels] == [False, True, True]
    # The run-off is given up on once its steps stall, long before the 500 iterations allowed.
    assert iterations[0] < 250
    assert np.isnan(result.configural.chi2)
    assert np.isnan(result.metric.delta_chi2)
    assert result.verdict == "none"


# -- the result ------------------------------------------------------------------------------------


def test_to_frame_is_one_row_per_level(hs_result: InvarianceResult) -> None:
    frame = hs_result.to_frame()
    assert list(frame["level"]) == ["configural", "metric", "scalar"]
    assert list(frame.columns) == list(LEVEL_COLUMNS)
    assert "group_chi2" not in frame.columns
    for row, fit in zip(frame.to_dict("records"), hs_result.levels, strict=True):
        assert row["chi2"] == fit.chi2
        assert row["bic"] == fit.bic
        assert fit.rmsea_ci_low <= fit.rmsea <= fit.rmsea_ci_high


def test_incomplete_and_unlabelled_rows_are_left_out_and_counted_under_listwise_deletion(
    holzinger: pd.DataFrame,
) -> None:
    holes = holzinger.copy()
    holes.loc[[0, 5], "x2"] = np.nan
    holes.loc[[9], "school"] = None
    holes.loc[[7], "ageyr"] = np.nan  # not an item: ignored
    before = holes.copy()
    result = measurement_invariance(holes, HS_MODEL, group="school", missing="listwise")
    pd.testing.assert_frame_equal(holes, before)  # the input is not touched
    assert (result.n, result.n_dropped, result.missing) == (298, 3, "listwise")
    complete = measurement_invariance(holzinger.drop(index=[0, 5, 9]), HS_MODEL, group="school")
    for old, new in zip(complete.levels, result.levels, strict=True):
        assert new.chi2 == pytest.approx(old.chi2, rel=1e-9)


def test_under_fiml_incomplete_rows_count_and_only_empty_or_unlabelled_ones_are_left_out(
    holzinger: pd.DataFrame,
) -> None:
    holes = holzinger.copy()
    holes.loc[[0, 5], "x2"] = np.nan
    holes.loc[[9], "school"] = None
    holes.loc[[12], list(holzinger.filter(regex="^x"))] = np.nan  # answers nothing
    result = measurement_invariance(holes, HS_MODEL, group="school")
    assert (result.n, result.n_dropped, result.missing) == (299, 2, "fiml")
    assert sum(result.group_sizes) == 299
    assert all(fit.converged for fit in result.levels)
    assert [fit.df for fit in result.levels] == [48, 54, 60]


def test_fiml_on_complete_groups_is_the_complete_data_fit(hs_result: InvarianceResult) -> None:
    assert hs_result.missing == "listwise"
    assert all(fit.heywood == () for fit in hs_result.levels)


def test_an_unknown_missing_data_rule_is_refused(holzinger: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="missing must be one of"):
        measurement_invariance(holzinger, HS_MODEL, group="school", missing="pairwise")


def test_non_convergence_is_reported_not_raised(holzinger: pd.DataFrame) -> None:
    result = measurement_invariance(holzinger, HS_MODEL, group="school", max_iterations=1)
    assert [fit.converged for fit in result.levels] == [False, False, False]
    for fit in result.levels:
        for name in ("chi2", "pvalue", "cfi", "rmsea", "srmr", "bic", "delta_cfi"):
            assert np.isnan(getattr(fit, name)), (fit.level, name)
        assert not fit.supported
    assert [fit.df for fit in result.levels] == [48, 54, 60]
    assert result.verdict == "none"


@pytest.mark.parametrize("module", [analysis.invariance, analysis.invariance_scales])
def test_the_docstring_examples_run(module: ModuleType) -> None:
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# -- bad input -------------------------------------------------------------------------------------


def test_an_unknown_group_column_is_refused(holzinger: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no group column 'district'"):
        measurement_invariance(holzinger, HS_MODEL, group="district")


def test_a_single_group_is_refused(holzinger: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="'school' has 1 group"):
        measurement_invariance(holzinger.assign(school="Pasteur"), HS_MODEL, group="school")


def test_a_group_with_fewer_respondents_than_items_is_refused(holzinger: pd.DataFrame) -> None:
    data = holzinger.copy()
    data.loc[data.index[:6], "school"] = "Annex"
    with pytest.raises(
        ValueError, match="group 'Annex' of 'school': only 6 of 6 rows answer all 9"
    ):
        measurement_invariance(data, HS_MODEL, group="school")


def test_a_constant_item_in_one_group_is_refused_naming_the_group(
    holzinger: pd.DataFrame,
) -> None:
    data = holzinger.copy()
    data.loc[data["school"] == "Grant-White", "x8"] = 4.0
    with pytest.raises(CfaDataError, match=r"group 'Grant-White' .* 'x8' has the same value"):
        measurement_invariance(data, HS_MODEL, group="school")


def test_the_group_column_cannot_be_an_item(holzinger: pd.DataFrame) -> None:
    with pytest.raises(CfaModelError, match="group column 'x3' is also an item"):
        measurement_invariance(holzinger, HS_MODEL, group="x3")


def test_a_bad_model_is_refused_as_by_fit_cfa(holzinger: pd.DataFrame) -> None:
    with pytest.raises(CfaModelError, match="factor 'visual' has 1 item"):
        measurement_invariance(holzinger, {"visual": ["x1"]}, group="school")


@pytest.mark.parametrize(
    "name", ["min_cfi", "max_rmsea", "max_cfi_drop", "max_rmsea_rise", "rmsea_min_df"]
)
def test_a_negative_cut_off_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a number >= 0"):
        InvarianceRule(**{name: -0.01})


def test_max_iterations_must_be_positive(holzinger: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="max_iterations"):
        measurement_invariance(holzinger, HS_MODEL, group="school", max_iterations=0)


# -- the instrument's scales -----------------------------------------------------------------------


def _scale_answers(instrument: Instrument, *, n: int, shifted: str) -> pd.DataFrame:
    """Raw 1..7 answers, one factor per scale, two sites with the same latent distribution;
    item ``shifted`` is answered one point higher (before rounding) at site "B"."""
    rng = np.random.default_rng(5)
    site = np.repeat(["A", "B"], n)
    columns: dict[str, object] = {"site": site}
    for scale_id in ("HA", "VA", "LC_MEM"):
        factor = rng.normal(size=2 * n)
        for item_id in instrument.scale(scale_id).items:
            latent = 4 + 1.1 * factor + rng.normal(0, 0.8, size=2 * n)
            latent += np.where((site == "B") & (item_id == shifted), 1.0, 0.0)
            if item_id in instrument.reverse_item_ids:
                latent = 8 - latent
            columns[item_id] = np.clip(np.rint(latent), 1, 7)
    return pd.DataFrame(columns)


def test_each_scale_gets_its_own_verdict(small_instrument: Instrument) -> None:
    # VA03 is answered a point higher at site B. Over generator seeds 0-29 (n = 1500 a site):
    # HA scalar 30 times, VA metric 29 times (once configural); VA's scalar delta CFI is
    # -.080 to -.112.
    answers = _scale_answers(small_instrument, n=1500, shifted="VA03")
    result = scale_invariance(
        answers, instrument=small_instrument, group="site", scales=["HA", "VA"]
    )
    assert result.verdicts == {"HA": "scalar", "VA": "metric"}
    assert result.by_scale["VA"].scalar.delta_cfi < -0.05
    frame = result.to_frame()
    assert list(frame["scale"]) == ["HA", "VA"]
    assert list(frame["means_comparable"]) == [True, False]
    assert list(frame["relations_comparable"]) == [True, True]
    assert list(frame["statement"]) == [STATEMENTS["scalar"], STATEMENTS["metric"]]
    assert list(frame["scalar_delta_cfi"]) == [r.scalar.delta_cfi for r in result.by_scale.values()]


def test_a_three_item_scale_fits_the_configural_model_perfectly(
    small_instrument: Instrument,
) -> None:
    # One factor, 3 items: 9 moments and 9 free parameters per group, df 0.
    answers = _scale_answers(small_instrument, n=300, shifted="VA03")
    result = scale_invariance(answers, instrument=small_instrument, group="site", scales=["LC_MEM"])
    configural = result.by_scale["LC_MEM"].configural
    assert (configural.df, configural.rmsea, configural.tli) == (0, 0.0, 1.0)
    assert configural.chi2 == pytest.approx(0.0, abs=1e-8)
    assert configural.cfi == pytest.approx(1.0, abs=1e-9)
    assert configural.supported
    assert [fit.df for fit in result.by_scale["LC_MEM"].levels] == [0, 2, 4]


def test_scales_are_fitted_keyed_and_deleted_listwise_within_the_scale(
    small_instrument: Instrument,
) -> None:
    answers = _scale_answers(small_instrument, n=300, shifted="VA03")
    answers.loc[[0, 1, 2], "VA01"] = np.nan  # missing on VA: HA keeps these respondents
    result = scale_invariance(
        answers, instrument=small_instrument, group="site", scales=["HA", "VA"], missing="listwise"
    )
    assert (result.by_scale["HA"].n, result.by_scale["HA"].n_dropped) == (600, 0)
    assert (result.by_scale["VA"].n, result.by_scale["VA"].n_dropped) == (597, 3)
    fiml = scale_invariance(answers, instrument=small_instrument, group="site", scales=["VA"])
    assert (fiml.by_scale["VA"].n, fiml.by_scale["VA"].n_dropped) == (600, 0)
    assert fiml.by_scale["VA"].missing == "fiml"
    keyed = reverse_key(answers, instrument=small_instrument)
    same = measurement_invariance(
        keyed, {"HA": list(small_instrument.scale("HA").items)}, group="site"
    )
    for old, new in zip(same.levels, result.by_scale["HA"].levels, strict=True):
        assert new.chi2 == pytest.approx(old.chi2, rel=1e-9), old.level


def test_invariance_across_groups_takes_only_the_groups_large_enough(
    small_instrument: Instrument,
) -> None:
    # Two sites of 1,500 (VA03 shifted at B, as above) and a third of 60, under the minimum of
    # 100: it must not enter the models. Scales whose items are not in the data (LC_BRO, ...)
    # cannot be fitted and are left out as not assessed, not as failing.
    answers = _scale_answers(small_instrument, n=1500, shifted="VA03")
    small = answers.iloc[:60].assign(site="C")
    found = invariance_across_groups(
        pd.concat([answers, small], ignore_index=True), instrument=small_instrument, group="site"
    )
    assert list(found.columns) == ["scale", "verdict", "means_comparable", "n", "n_groups"]
    assert list(found["scale"]) == ["HA", "VA", "LC_MEM"]
    by_scale = found.set_index("scale")
    assert by_scale.loc["HA", "means_comparable"]
    assert not by_scale.loc["VA", "means_comparable"]
    assert by_scale.loc["VA", "verdict"] == "metric"
    assert set(found["n_groups"]) == {2}
    assert set(found["n"]) == {3000}


def test_invariance_across_groups_is_empty_with_fewer_than_two_large_groups(
    small_instrument: Instrument,
) -> None:
    answers = _scale_answers(small_instrument, n=150, shifted="VA03")
    answers.loc[answers["site"] == "B", "site"] = np.where(
        np.arange((answers["site"] == "B").sum()) < 60, "B", None
    )
    found = invariance_across_groups(answers, instrument=small_instrument, group="site")
    assert found.empty
    assert list(found.columns) == ["scale", "verdict", "means_comparable", "n", "n_groups"]


def test_invariance_across_groups_refuses_a_missing_group_or_a_tiny_minimum(
    small_instrument: Instrument,
) -> None:
    answers = _scale_answers(small_instrument, n=50, shifted="VA03")
    with pytest.raises(ValueError, match="group: 'department' is not a column"):
        invariance_across_groups(answers, instrument=small_instrument, group="department")
    with pytest.raises(ValueError, match="min_group_n: a group needs at least 2"):
        invariance_across_groups(answers, instrument=small_instrument, group="site", min_group_n=1)


def test_an_unknown_scale_is_refused(small_instrument: Instrument) -> None:
    answers = _scale_answers(small_instrument, n=50, shifted="VA03")
    with pytest.raises(CfaModelError, match="'XX' is not a scale"):
        scale_invariance(answers, instrument=small_instrument, group="site", scales=["HA", "XX"])


def test_an_error_names_the_scale_it_arose_in(small_instrument: Instrument) -> None:
    answers = _scale_answers(small_instrument, n=50, shifted="VA03")
    with pytest.raises(CfaModelError, match="scale 'LC_BRO': the data has no column 'LC_BRO01'"):
        scale_invariance(answers, instrument=small_instrument, group="site")
    with pytest.raises(CfaDataError, match="scale 'HA': the data has no group column 'team'"):
        scale_invariance(answers, instrument=small_instrument, group="team", scales=["HA"])


# -- ΔRMSEA on few degrees of freedom ------------------------------------------------------------

THREE_ITEMS = {"F": ["x1", "x2", "x3"]}


def _three_items(seed: int, *, shift: float = 0.0, n: int = 1500) -> pd.DataFrame:
    """One factor, loadings .8 .7 .6, two groups; ``shift`` adds to x3's intercept in "b"."""
    rng = np.random.default_rng(seed)
    loadings = np.array([0.8, 0.7, 0.6])
    frames = []
    for g, name in enumerate(("a", "b")):
        factor = rng.normal(0.2 * g, 1.0, n)
        items = 3 + np.outer(factor, loadings) + rng.normal(size=(n, 3)) * np.sqrt(1 - loadings**2)
        items[:, 2] += shift * g
        frames.append(pd.DataFrame(items, columns=THREE_ITEMS["F"]).assign(group=name))
    return pd.concat(frames, ignore_index=True)


def test_invariant_three_item_scales_are_accepted() -> None:
    # Configural df 0, metric df 2, scalar df 4. Seeds 1-40: the rule accepts scalar in all
    # 40 (worst ΔCFI -.0031); ΔRMSEA alone, as the rule once read it, refused 13 of them.
    verdicts = [
        measurement_invariance(_three_items(seed), THREE_ITEMS, group="group").verdict
        for seed in range(1, 41)
    ]
    assert verdicts == ["scalar"] * 40


def test_an_intercept_shift_in_a_three_item_scale_is_still_refused() -> None:
    # 0.5 SD on x3 in group "b": ΔCFI -.08 to -.14 on seeds 1-10.
    for seed in range(1, 6):
        result = measurement_invariance(_three_items(seed, shift=0.5), THREE_ITEMS, group="group")
        assert result.verdict == "metric", seed
        assert result.scalar.delta_cfi < -0.05, seed


def test_a_rise_in_rmsea_alone_refuses_no_level() -> None:
    # The two-factor model has configural df 57 and a shifted intercept: RMSEA rises past its
    # cut at the scalar step, and that decides nothing unless CFI falls past its own (ΔCFI is
    # the criterion, ΔRMSEA its corroboration; see docs/invariance-rule.md).
    data = _simulate(seed=2024, shift=("east", "a3", 0.5))
    strict = measurement_invariance(data, MODEL, group="dept")
    assert strict.scalar.delta_rmsea > 0.015
    lenient_cfi = InvarianceRule(max_cfi_drop=1.0)
    result = measurement_invariance(data, MODEL, group="dept", rule=lenient_cfi)
    assert result.scalar.delta_rmsea > 0.015
    assert result.verdict == "scalar"


def test_a_complete_group_beside_an_incomplete_one_is_fitted_as_lavaan_fits_them(
    holzinger: pd.DataFrame,
) -> None:
    # x2 missing for the first 20 pupils of Pasteur; Grant-White complete. lavaan 0.6.14,
    # cfa(HS.model, group = "school", missing = "ml", group.equal = ...), printed to 8 digits.
    lavaan = {
        "configural": (117.03457057, 0.92217775, 0.09775623, 0.06910146),
        "metric": (124.66049109, 0.92034486, 0.09324449, 0.07245734),
        "scalar": (163.87611640, 0.88290109, 0.10725412, 0.08282835),
    }
    holes = holzinger.copy()
    holes.loc[holes.index[holes["school"] == "Pasteur"][:20], "x2"] = np.nan
    result = measurement_invariance(holes, HS_MODEL, group="school")
    assert (result.missing, result.n, result.n_dropped) == ("fiml", 301, 0)
    for fit in result.levels:
        found = (fit.chi2, fit.cfi, fit.rmsea, fit.srmr)
        assert found == pytest.approx(lavaan[fit.level], abs=1e-6), fit.level
