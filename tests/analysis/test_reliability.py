"""Alpha and omega against published output of R psych and pingouin, and a known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import cronbach_alpha, omega_total, scale_reliability
from instrument.model import Instrument

NEUROTICISM = ["N1", "N2", "N3", "N4", "N5"]


def test_alpha_matches_psych_on_the_bfi_neuroticism_items(bfi: pd.DataFrame) -> None:
    # psych::alpha(bfi[, c("N1", "N2", "N3", "N4", "N5")]) by psych's author (REFERENCES.md):
    # raw_alpha 0.813963, std.alpha 0.814675, average_r 0.467854; pairwise covariances.
    result = cronbach_alpha(bfi[NEUROTICISM])
    assert result.alpha == pytest.approx(0.813963, abs=1e-6)
    assert result.alpha_std == pytest.approx(0.814675, abs=1e-6)
    assert result.average_r == pytest.approx(0.467854, abs=1e-6)
    assert result.k == 5
    assert result.ci_low < result.alpha < result.ci_high


def test_alpha_matches_pingouins_documented_example_with_missing_answers() -> None:
    # pingouin.cronbach_alpha docstring, data "cronbach_wide_missing" (12 rows, 11 items):
    # pairwise alpha 0.7326608 and, after listwise deletion, 0.8016949.
    data = pg.read_dataset("cronbach_wide_missing")
    assert cronbach_alpha(data).alpha == pytest.approx(0.7326608, abs=1e-7)
    complete = data.dropna()
    assert cronbach_alpha(complete).alpha == pytest.approx(0.8016949, abs=1e-7)


def test_feldt_interval_uses_the_rows_left_after_listwise_deletion() -> None:
    data = pg.read_dataset("cronbach_wide_missing")
    complete = data.dropna()
    ours = cronbach_alpha(complete)
    assert ours.n == len(complete) == 9
    # On complete data pingouin's n is right; it rounds its interval to 3 decimals.
    _, reference = pg.cronbach_alpha(complete)
    assert ours.ci_low == pytest.approx(reference[0], abs=5e-4)
    assert ours.ci_high == pytest.approx(reference[1], abs=5e-4)
    # pingouin 0.7 with nan_policy="listwise" keeps n = 12 (rows before deletion) and so
    # reports the narrower [0.581, 0.933]; with the 9 rows really used ours is wider.
    _, too_narrow = pg.cronbach_alpha(data, nan_policy="listwise")
    assert too_narrow[0] == pytest.approx(0.581, abs=1e-9)
    assert ours.ci_low < too_narrow[0]
    assert ours.ci_high > too_narrow[1]


def test_feldt_interval_n_is_the_smallest_pairwise_count() -> None:
    data = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, 6.0], "b": [2, 2, 3, 5, 5, np.nan], "c": [1, 3, np.nan, 4, 6, 6.0]}
    )
    # b and c are answered together by rows 0, 1, 3 and 4 only.
    assert cronbach_alpha(data).n == 4


def test_alpha_needs_two_items_and_is_missing_when_it_cannot_be_estimated() -> None:
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))
    constant = cronbach_alpha(pd.DataFrame({"a": [3.0, 3.0, 3.0], "b": [3.0, 3.0, 3.0]}))
    assert np.isnan(constant.alpha)


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(5))))
def test_item_order_does_not_change_alpha_or_omega(order: list[int]) -> None:
    rng = np.random.default_rng(7)
    common = rng.standard_normal((60, 1))
    items = pd.DataFrame(
        np.round(4 + common * [0.9, 0.8, 0.7, 0.6, 0.5] + rng.standard_normal((60, 5))),
        columns=list("abcde"),
    )
    items.iloc[::7, 2] = np.nan
    shuffled = items.iloc[:, order]
    original, permuted = cronbach_alpha(items), cronbach_alpha(shuffled)
    assert permuted.alpha == pytest.approx(original.alpha, abs=1e-12)
    assert permuted.alpha_std == pytest.approx(original.alpha_std, abs=1e-12)
    assert permuted.ci_low == pytest.approx(original.ci_low, abs=1e-12)
    assert omega_total(shuffled) == pytest.approx(omega_total(items), abs=1e-6)


def exact_sample(covariance: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """Data whose sample covariance matrix (divisor n - 1) is exactly ``covariance``."""
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((n, len(covariance)))
    raw -= raw.mean(axis=0)
    whitened = raw @ np.linalg.inv(np.linalg.cholesky(np.cov(raw, rowvar=False)).T)
    return pd.DataFrame(whitened @ np.linalg.cholesky(covariance).T + 4)


def test_omega_recovers_a_known_one_factor_structure() -> None:
    # Items on different metrics: loadings and unique variances on the raw scale.
    loadings = np.array([1.2, 0.9, 0.6, 0.8, 0.3])
    unique = np.array([0.5, 0.8, 1.0, 0.4, 0.9])
    covariance = np.outer(loadings, loadings) + np.diag(unique)
    items = exact_sample(covariance, n=500, seed=3)
    expected = loadings.sum() ** 2 / (loadings.sum() ** 2 + unique.sum())
    assert omega_total(items) == pytest.approx(expected, abs=1e-4)


def test_omega_equals_alpha_for_parallel_items() -> None:
    covariance = np.full((4, 4), 0.5) + np.eye(4) * 0.5
    items = exact_sample(covariance, n=300, seed=4)
    assert omega_total(items) == pytest.approx(cronbach_alpha(items).alpha, abs=1e-4)


def test_omega_is_missing_for_fewer_than_three_items() -> None:
    assert np.isnan(omega_total(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3]})))


def test_scale_reliability_reverse_keys_before_computing(small_instrument: Instrument) -> None:
    rng = np.random.default_rng(11)
    latent = rng.standard_normal((200, 1))
    keyed = np.clip(np.round(4 + 1.2 * latent + rng.standard_normal((200, 16))), 1, 7)
    raw = pd.DataFrame(keyed, columns=list(small_instrument.item_ids))
    for item_id in small_instrument.reverse_item_ids:
        raw[item_id] = 8 - raw[item_id]
    table = scale_reliability(raw, instrument=small_instrument)
    assert list(table.columns) == [
        "scale", "k", "n", "alpha", "alpha_std", "alpha_ci_low", "alpha_ci_high", "omega",
    ]  # fmt: skip
    assert list(table["scale"]) == ["HA", "VA", "LC_MEM", "LC_BRO"]
    ha = table.set_index("scale").loc["HA"]
    direct = cronbach_alpha(pd.DataFrame(keyed[:, :5]))
    assert ha["alpha"] == pytest.approx(direct.alpha, abs=1e-12)
    assert ha["k"] == 5
    assert ha["n"] == 200
    assert (table["alpha"] > 0.5).all(), "reverse items left unkeyed would pull alpha down"
