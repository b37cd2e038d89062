"""Alpha and omega against published output of R psych and pingouin, and a known truth."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import analysis
from analysis import cronbach_alpha, omega_total, reliability, scale_reliability
from analysis.reliability import MIN_ALPHA_N, ItemsLeftOut, SmallSample, _feldt_interval
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
    with pytest.warns(ItemsLeftOut, match="a, b: no variance"):
        constant = cronbach_alpha(pd.DataFrame({"a": [3.0, 3.0, 3.0], "b": [3.0, 3.0, 3.0]}))
    assert np.isnan(constant.alpha)
    assert (constant.k, constant.left_out) == (0, ("a", "b"))


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


# -- reliability(): the scale and its items ----------------------------------------------------

# psych::alpha on the bfi scales, items reverse-keyed as 7 - x, printed by the README of
# github.com/jimmyrigby94/regcleaner (alpha_regex runs psych::alpha on each scale; commit
# 44a37f344ea36eb548da663a00f9141ad84e5886): raw_alpha, std.alpha, average_r.
BFI_SCALES = {
    "A": (["A1", "A2", "A3", "A4", "A5"], (0.7030184, 0.7130286, 0.3319677)),
    "C": (["C1", "C2", "C3", "C4", "C5"], (0.7267350, 0.7300726, 0.3510454)),
    "E": (["E1", "E2", "E3", "E4", "E5"], (0.7617328, 0.7617951, 0.3901001)),
    "N": (NEUROTICISM, (0.8139629, 0.8146747, 0.4678539)),
    "O": (["O1", "O2", "O3", "O4", "O5"], (0.6001725, 0.6072684, 0.2362061)),
}
BFI_REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]


def keyed_bfi(bfi: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    block = bfi[items].astype(float)
    reversed_here = [item for item in items if item in BFI_REVERSED]
    block[reversed_here] = 7 - block[reversed_here]
    return block


@pytest.mark.parametrize("scale", list(BFI_SCALES))
def test_reliability_matches_psych_on_every_bfi_scale(bfi: pd.DataFrame, scale: str) -> None:
    items, (raw, std, average_r) = BFI_SCALES[scale]
    result = analysis.reliability(keyed_bfi(bfi, items))
    assert result.alpha == pytest.approx(raw, abs=1e-7)
    assert result.alpha_std == pytest.approx(std, abs=1e-7)
    assert result.average_r == pytest.approx(average_r, abs=1e-7)


def test_item_statistics_match_psych_on_the_neuroticism_items(bfi: pd.DataFrame) -> None:
    # psych::alpha on N1..N5, as printed (2 decimals) in the regcleaner README above:
    # item.stats n, r.drop, mean, sd and alpha.drop raw_alpha. 6-decimal item values are not
    # published that we could find; the next test checks them against a direct computation.
    items = analysis.reliability(bfi[NEUROTICISM]).items.set_index("item")
    assert list(items.index) == NEUROTICISM
    assert list(items["n"]) == [2778, 2779, 2789, 2764, 2771]
    np.testing.assert_allclose(items["r_drop"], [0.67, 0.65, 0.67, 0.54, 0.49], atol=0.005)
    np.testing.assert_allclose(
        items["alpha_if_deleted"], [0.76, 0.76, 0.76, 0.80, 0.81], atol=0.005
    )
    np.testing.assert_allclose(items["mean"], [2.9, 3.5, 3.2, 3.2, 3.0], atol=0.05)
    np.testing.assert_allclose(items["sd"], [1.6, 1.5, 1.6, 1.6, 1.6], atol=0.05)


def test_item_statistics_match_psych_on_the_reverse_keyed_agreeableness_items(
    bfi: pd.DataFrame,
) -> None:
    # The same README, scale A with A1 reversed: r.drop and alpha.drop raw_alpha.
    items = analysis.reliability(keyed_bfi(bfi, BFI_SCALES["A"][0])).items
    np.testing.assert_allclose(items["r_drop"], [0.31, 0.56, 0.59, 0.39, 0.49], atol=0.005)
    np.testing.assert_allclose(
        items["alpha_if_deleted"], [0.72, 0.62, 0.60, 0.69, 0.64], atol=0.005
    )


def test_item_statistics_agree_with_a_direct_computation(bfi: pd.DataFrame) -> None:
    # Alpha if deleted: alpha of the other four columns, whose pairwise covariances are the
    # same entries. r.drop: on the rows that answered every item (pairwise = listwise there),
    # the Pearson correlation of the item with the sum of the other items.
    items = analysis.reliability(bfi[NEUROTICISM]).items.set_index("item")
    complete = bfi[NEUROTICISM].dropna()
    complete_items = analysis.reliability(complete).items.set_index("item")
    for item in NEUROTICISM:
        others = [other for other in NEUROTICISM if other != item]
        alpha_rest = cronbach_alpha(bfi[others]).alpha
        assert items.loc[item, "alpha_if_deleted"] == pytest.approx(alpha_rest, abs=1e-12)
        direct = np.corrcoef(complete[item], complete[others].sum(axis=1))[0, 1]
        assert complete_items.loc[item, "r_drop"] == pytest.approx(direct, abs=1e-12)
        assert items.loc[item, "sd"] == pytest.approx(bfi[item].std(), abs=1e-12)


def test_feldt_interval_uses_the_smallest_pairwise_count(bfi: pd.DataFrame) -> None:
    result = analysis.reliability(bfi[NEUROTICISM], ci=0.9)
    answered = bfi[NEUROTICISM].notna().astype(int)
    n = int((answered.T @ answered).to_numpy().min())
    assert result.n == n
    # Feldt (1965): 1 - (1 - alpha) F quantiles on (n - 1, (n - 1)(k - 1)) df.
    df1, df2 = n - 1, (n - 1) * 4
    low = 1 - (1 - result.alpha) * stats.f.ppf(0.95, df1, df2)
    high = 1 - (1 - result.alpha) * stats.f.ppf(0.05, df1, df2)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-12)
    assert result.ci == 0.9


def test_to_frame_is_one_row_of_the_scale_figures(bfi: pd.DataFrame) -> None:
    result = analysis.reliability(bfi[NEUROTICISM])
    frame = result.to_frame()
    assert frame.shape == (1, 8)
    assert list(frame.columns) == [
        "k", "n", "alpha", "alpha_std", "ci_low", "ci_high", "average_r", "omega",
    ]  # fmt: skip
    assert frame.loc[0, "alpha"] == result.alpha
    assert frame.loc[0, "omega"] == pytest.approx(omega_total(bfi[NEUROTICISM]), abs=1e-12)
    assert list(result.items.columns) == [
        "item", "n", "mean", "sd", "r_drop", "alpha_if_deleted",
    ]  # fmt: skip


def test_two_items_have_an_r_drop_but_no_alpha_if_deleted() -> None:
    items = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 5]})
    table = analysis.reliability(items).items
    # With two items the rest is the other item: r.drop is their correlation, 0.8.
    np.testing.assert_allclose(table["r_drop"], [0.8, 0.8], atol=1e-12)
    assert table["alpha_if_deleted"].isna().all()


def test_reliability_leaves_its_input_untouched(bfi: pd.DataFrame) -> None:
    items = bfi[NEUROTICISM].copy()
    before = items.copy()
    analysis.reliability(items)
    pd.testing.assert_frame_equal(items, before)


def test_reliability_docstring_example_runs() -> None:
    # importlib, not attribute access: analysis.reliability is the function, the module
    # of the same name is only in sys.modules.
    module = importlib.import_module("analysis.reliability")
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_items_that_cannot_inform_a_scale_are_left_out_by_name() -> None:
    rows = 40
    informative = pd.DataFrame(
        {f"i{n}": [(r * (n + 2)) % 7 + 1 + (r % 3) for r in range(rows)] for n in range(4)},
        dtype=float,
    )
    alone = reliability(informative)
    items = informative.assign(constant=4.0, unanswered=np.nan)
    items.loc[0, "lonely"] = 3.0  # answered once: no variance either
    with pytest.warns(ItemsLeftOut, match="constant, unanswered, lonely: no variance") as caught:
        result = reliability(items)
    assert len(caught) == 1
    assert result.left_out == ("constant", "unanswered", "lonely")
    assert (result.k, result.alpha, result.omega) == (alone.k, alone.alpha, alone.omega)
    table = result.items.set_index("item")
    assert list(table.index) == list(items.columns), "every item is listed"
    assert table.loc[["constant", "unanswered", "lonely"], "r_drop"].isna().all()
    assert table.loc["constant", "n"] == rows
    pd.testing.assert_frame_equal(
        table.loc[list(informative.columns)].reset_index(), alone.items, check_dtype=False
    )
    with pytest.warns(ItemsLeftOut):
        assert cronbach_alpha(items).alpha == alone.alpha


def _correlated_items(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    return pd.DataFrame(common + rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])


def test_alpha_on_too_few_respondents_is_flagged_and_warned_of() -> None:
    few = _correlated_items(MIN_ALPHA_N - 1, seed=1)
    with pytest.warns(SmallSample, match=f"rests on {MIN_ALPHA_N - 1} respondents, fewer than"):
        result = reliability(few)
    assert result.small_sample
    with pytest.warns(SmallSample):
        assert cronbach_alpha(few).small_sample
    # The flag follows the pairwise n behind the interval, not the row count.
    enough = _correlated_items(MIN_ALPHA_N + 5, seed=1)
    enough.loc[enough.index[:10], "a"] = np.nan
    with pytest.warns(SmallSample):
        assert reliability(enough).n == MIN_ALPHA_N - 5
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallSample)
        complete = reliability(_correlated_items(MIN_ALPHA_N, seed=1))
    assert not complete.small_sample


def test_the_small_sample_threshold_is_where_the_docstring_says_alpha_cannot_be_read() -> None:
    # MIN_ALPHA_N's argument: at n = 30 the Feldt interval of a conventional .70 on 3 to 5
    # items still runs from below .50 to above .84, and it is wider with fewer respondents.
    for k in (3, 5):
        low, high = _feldt_interval(0.70, n=MIN_ALPHA_N, k=k, ci=0.95)
        assert low < 0.50
        assert high > 0.84
        fewer = _feldt_interval(0.70, n=MIN_ALPHA_N - 10, k=k, ci=0.95)
        assert fewer[0] < low
        assert fewer[1] > high
