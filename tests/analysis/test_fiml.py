"""FIML (full-information ML) for CFA: a known truth, the engine's derivatives, edge cases.

lavaan's ``missing = "ml"`` is the reference; the R oracle tier (test_r_oracle.py) compares
live with it on Holzinger & Swineford with answers deleted at random. Here: what needs no R.
"""

from __future__ import annotations

import time
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from analysis import CfaDataError, fit_cfa, fit_scales_cfa, simulate_organisation
from analysis._fiml import Incomplete
from analysis._mgcfa import (
    Group,
    Moments,
    _gradient_and_information,
    _objective,
    build_layout,
    fit_levels,
    pack,
    starting_values,
)
from instrument.loader import load_builtin

HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
TRUE_LOADINGS = {
    "a": {"a1": 0.8, "a2": 0.7, "a3": 0.6, "a4": 0.5},
    "b": {"b1": 0.75, "b2": 0.65, "b3": 0.55, "b4": 0.7},
}
TWO_FACTORS = {factor: list(loadings) for factor, loadings in TRUE_LOADINGS.items()}


@pytest.fixture(scope="module")
def holzinger() -> pd.DataFrame:
    return pd.read_csv(str(files("semopy") / "examples" / "holzinger_swineford39_data.csv"))


def _two_factor_sample(n: int, *, seed: int) -> pd.DataFrame:
    """n draws from the two-factor model (standardised loadings TRUE_LOADINGS, r = .4)."""
    items = [item for loadings in TRUE_LOADINGS.values() for item in loadings]
    pattern = np.zeros((8, 2))
    pattern[:4, 0] = list(TRUE_LOADINGS["a"].values())
    pattern[4:, 1] = list(TRUE_LOADINGS["b"].values())
    correlation = pattern @ np.array([[1.0, 0.4], [0.4, 1.0]]) @ pattern.T
    np.fill_diagonal(correlation, 1.0)
    sd = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.8, 1.2])
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(np.full(8, 3.0), correlation * np.outer(sd, sd), size=n)
    return pd.DataFrame(draws, columns=items)


def _delete_at_random(data: pd.DataFrame, share: float, *, seed: int) -> pd.DataFrame:
    return data.mask(np.random.default_rng(seed).random(data.shape) < share)


# -- a known truth ---------------------------------------------------------------------------------


def test_fiml_recovers_the_true_loadings_with_a_fifth_of_the_answers_missing() -> None:
    # 3,000 draws, 20 % of answers deleted completely at random: only 17 % of rows are
    # complete. FIML keeps every row and recovers each standardised loading within .03 and
    # the factor correlation within .04 (seed 7: largest error .017).
    full = _two_factor_sample(3000, seed=7)
    holes = _delete_at_random(full, 0.2, seed=8)
    assert holes.notna().all(axis=1).mean() < 0.2
    result = fit_cfa(holes, TWO_FACTORS)
    assert result.converged
    assert (result.missing, result.n, result.n_dropped) == ("fiml", 3000, 0)
    recovered = result.loadings.set_index("item")["loading"]
    for loadings in TRUE_LOADINGS.values():
        for item, value in loadings.items():
            assert recovered[item] == pytest.approx(value, abs=0.03), item
    assert result.factor_correlations.loc["a", "b"] == pytest.approx(0.4, abs=0.04)
    # The model is true: chi-square is a draw from its df = 19 distribution, not a rejection.
    assert result.df == 19
    assert result.pvalue > 0.001
    assert result.rmsea < 0.02
    assert result.cfi > 0.99


def test_fiml_is_closer_to_the_full_data_fit_than_listwise_deletion() -> None:
    full = _two_factor_sample(1000, seed=11)
    holes = _delete_at_random(full, 0.1, seed=12)
    truth = fit_cfa(full, TWO_FACTORS).loadings["loading"].to_numpy()
    fiml = fit_cfa(holes, TWO_FACTORS).loadings["loading"].to_numpy()
    listwise = fit_cfa(holes, TWO_FACTORS, missing="listwise").loadings["loading"].to_numpy()
    assert np.abs(fiml - truth).mean() < np.abs(listwise - truth).mean()


# -- the engine ------------------------------------------------------------------------------------


def _incomplete_holzinger(holzinger: pd.DataFrame) -> np.ndarray:
    items = holzinger[[item for items in HS_MODEL.values() for item in items]]
    return _delete_at_random(items, 0.1, seed=3).to_numpy(dtype=np.float64)


INDICATORS = ((0, 1, 2), (3, 4, 5), (6, 7, 8))


@pytest.mark.parametrize("level", ["configural", "scalar"])
def test_the_fiml_gradient_is_the_derivative_of_the_objective(
    holzinger: pd.DataFrame, level: str
) -> None:
    values = _incomplete_holzinger(holzinger)
    groups: list[Group] = [Incomplete.of(values[:150]), Incomplete.of(values[150:])]
    layout = build_layout(INDICATORS, n_items=9, n_groups=2, level=level)  # type: ignore[arg-type]
    theta = pack(starting_values(groups, INDICATORS), layout)
    theta = theta + np.random.default_rng(1).normal(scale=0.02, size=len(theta))
    gradient, information = _gradient_and_information(theta, layout, groups)
    step = 1e-6
    numeric = np.array(
        [
            (
                _objective(theta + step * unit, layout, groups)
                - _objective(theta - step * unit, layout, groups)
            )
            / (2 * step)
            for unit in np.eye(len(theta))
        ]
    )
    np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-7)
    assert np.linalg.eigvalsh(information).min() > 0


def test_on_complete_rows_the_pattern_likelihood_is_the_complete_data_one(
    holzinger: pd.DataFrame,
) -> None:
    values = holzinger[[f"x{i}" for i in range(1, 10)]].to_numpy(dtype=np.float64)
    incomplete = Incomplete.of(values)
    moments = Moments(len(values), values.mean(axis=0), np.cov(values, rowvar=False, bias=True))
    np.testing.assert_allclose(incomplete.mean, moments.mean, atol=1e-12)
    np.testing.assert_allclose(incomplete.cov, moments.cov, atol=1e-12)
    assert incomplete.h1_loglik == pytest.approx(moments.h1_loglik, rel=1e-12)
    assert incomplete.baseline_chi2 == pytest.approx(moments.baseline_chi2, rel=1e-10)
    layout = build_layout(INDICATORS, n_items=9, n_groups=1, level="configural")
    theta = pack(starting_values([moments], INDICATORS), layout)
    assert _objective(theta, layout, [incomplete]) == pytest.approx(
        _objective(theta, layout, [moments]), rel=1e-10
    )
    pair: tuple[Group, Group] = (incomplete, moments)
    both = [_gradient_and_information(theta, layout, [group]) for group in pair]
    np.testing.assert_allclose(both[0][0], both[1][0], atol=1e-10)
    np.testing.assert_allclose(both[0][1], both[1][1], atol=1e-10)
    fitted = [
        fit_levels([group], indicators=INDICATORS, max_iterations=500, levels=("configural",))[0]
        for group in pair
    ]
    np.testing.assert_allclose(fitted[0].implied[0][0], fitted[1].implied[0][0], atol=1e-6)


# -- edge cases ------------------------------------------------------------------------------------


def test_with_every_row_complete_fiml_is_listwise_ml_exactly(holzinger: pd.DataFrame) -> None:
    fiml = fit_cfa(holzinger, HS_MODEL)
    listwise = fit_cfa(holzinger, HS_MODEL, missing="listwise")
    pd.testing.assert_frame_equal(fiml.to_frame(), listwise.to_frame())
    pd.testing.assert_frame_equal(fiml.loadings, listwise.loadings)
    assert fiml.missing == listwise.missing == "listwise"


def test_a_row_with_a_single_answer_is_used(holzinger: pd.DataFrame) -> None:
    items = [item for items in HS_MODEL.values() for item in items]
    holes = holzinger.copy()
    holes.loc[[4, 8], items[1:]] = np.nan  # two rows answer x1 only
    result = fit_cfa(holes, HS_MODEL)
    assert result.converged
    assert (result.n, result.n_dropped, result.missing) == (301, 0, "fiml")
    assert result.n_parameters == 30  # 21 + the 9 intercepts, as lavaan counts under FIML
    assert result.df == 24


def test_rows_answering_no_item_are_left_out_and_counted(holzinger: pd.DataFrame) -> None:
    items = [item for items in HS_MODEL.values() for item in items]
    holes = holzinger.copy()
    holes.loc[[4, 8, 15], items] = np.nan
    holes.loc[[20], "x5"] = np.nan
    result = fit_cfa(holes, HS_MODEL)
    assert (result.n, result.n_dropped) == (298, 3)


def test_an_item_nobody_answered_is_refused_by_name(holzinger: pd.DataFrame) -> None:
    holes = holzinger.assign(x6=np.nan)
    holes.loc[[3], "x2"] = np.nan
    with pytest.raises(CfaDataError, match="nobody answered item 'x6'"):
        fit_cfa(holes, HS_MODEL)


def test_an_item_answered_by_one_value_only_is_refused(holzinger: pd.DataFrame) -> None:
    holes = holzinger.copy()
    holes["x8"] = np.where(np.arange(len(holes)) % 2 == 0, 4.0, np.nan)
    with pytest.raises(CfaDataError, match="'x8' has the same value"):
        fit_cfa(holes, HS_MODEL)


# -- the project's own organisation ---------------------------------------------------------------


def test_the_instruments_fourteen_scales_fit_on_a_simulated_organisation() -> None:
    # 5 % of answers missing: only a few respondents answer all 60 items, so listwise deletion
    # cannot fit the model; FIML uses every respondent. About 20 s on 2 cores.
    instrument = load_builtin("transversal-core@1.0.0")
    responses = simulate_organisation(instrument=instrument, n_teams=30, seed=1).responses
    with pytest.raises(CfaDataError, match="rows answer all 60 items"):
        fit_scales_cfa(responses, instrument=instrument, missing="listwise")
    started = time.perf_counter()
    result = fit_scales_cfa(responses, instrument=instrument)
    elapsed = time.perf_counter() - started
    assert result.converged
    assert result.missing == "fiml"
    assert (result.n, result.n_dropped) == (len(responses), 0)
    assert len(result.factor_correlations) == 14
    assert np.isfinite([result.chi2, result.cfi, result.rmsea, result.srmr]).all()
    assert elapsed < 120
