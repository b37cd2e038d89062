"""Favourability with Wilson intervals, and empirical-Bayes team means, against known truths."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from analysis import (
    favourability,
    icc,
    score_scales,
    shrunken_means,
    simulate_organisation,
    team_statistics,
    wilson_interval,
)
from instrument.model import Instrument
from tests.analysis.conftest import make_instrument

# -- Wilson intervals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (the score
        # interval without continuity correction), 95 %.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombes_table(successes: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(successes, n)
    assert float(got_low) == pytest.approx(low, abs=5e-5)
    assert float(got_high) == pytest.approx(high, abs=5e-5)


def test_wilson_is_vectorised_and_missing_without_trials() -> None:
    low, high = wilson_interval(np.array([[0, 5], [10, 0]]), np.array([[10, 10], [10, 0]]))
    assert low.shape == high.shape == (2, 2)
    # 5 of 10 at 95 %: centre 1/2, half-width z sqrt(2.5 + z^2/4) / (10 + z^2).
    z = 1.959963984540054
    half = z * np.sqrt(2.5 + z**2 / 4) / (10 + z**2)
    assert (low[0, 1], high[0, 1]) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    # 0 of 10: the upper bound is (z^2/n) / (1 + z^2/n); 10 of 10 mirrors it.
    upper = (z**2 / 10) / (1 + z**2 / 10)
    assert (low[0, 0], high[0, 0]) == pytest.approx((0.0, upper), abs=1e-12)
    assert (low[1, 0], high[1, 0]) == pytest.approx((1 - upper, 1.0), abs=1e-12)
    # Exactly, so that the interval always holds the share itself.
    assert low[0, 0] == 0.0
    assert high[1, 0] == 1.0
    assert np.isnan(low[1, 1])
    assert np.isnan(high[1, 1])


def test_wilson_refuses_impossible_counts_and_coverage() -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="ci"):
        wilson_interval(1, 10, ci=1.0)


# -- Favourability ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_items() -> Instrument:
    """One scale HA of three items on 1..7, the third reverse-keyed."""
    return make_instrument({"HA": (3, (3,))})


def test_favourability_counts_keyed_answers_by_hand(three_items: Instrument) -> None:
    # Keyed answers (HA03 is reversed: raw 2 -> keyed 6, raw 7 -> keyed 1):
    #   team a: r1 7, 6, 6 (raw 2); r2 4, 5, 1 (raw 7); r3 -, 3, NaN-free 6 (raw 2)
    #   team b: r4 2, 2, 4 (raw 4)
    # a: 8 answers; favourable (6, 7): 7, 6, 6, 6 = 4; neutral (4, 5): 4, 5 = 2;
    #    unfavourable (1, 2, 3): 1, 3 = 2. b: 3 answers; favourable 0, neutral 1, unfav. 2.
    nan = np.nan
    raw = pd.DataFrame(
        {"HA01": [7, 4, nan, 2], "HA02": [6, 5, 3, 2], "HA03": [2, 7, 2, 4]}, dtype=float
    )
    teams = pd.Series(["a", "a", "a", "b"])
    table = favourability(raw, instrument=three_items, teams=teams)
    assert list(table.columns) == [
        "team", "scale", "category", "respondents", "answers", "count", "share", "ci_low",
        "ci_high", "design_effect",
    ]  # fmt: skip
    assert list(table["category"]) == ["favourable", "neutral", "unfavourable"] * 2
    counts = table.set_index(["team", "category"])
    assert list(counts.loc["a", "count"]) == [4, 2, 2]
    assert list(counts.loc["b", "count"]) == [0, 1, 2]
    assert list(counts.loc["a", "answers"]) == [8, 8, 8]
    assert counts.loc[("a", "favourable"), "share"] == pytest.approx(0.5, abs=1e-12)
    assert counts.loc[("a", "favourable"), "respondents"] == 3


def test_the_interval_is_wilsons_on_the_design_effect_of_each_person(
    three_items: Instrument,
) -> None:
    # With complete answers every respondent gives m = 3 answers, so m~ = 3 and the ANOVA
    # ICC of the 0/1 indicator with respondents as groups is analysis.icc's ICC(1) (k = N/G
    # = m then). deff = 1 + (3 - 1) rho, n_eff = answers / deff.
    rng = np.random.default_rng(3)
    raw = pd.DataFrame(rng.integers(1, 8, size=(40, 3)), columns=["HA01", "HA02", "HA03"])
    raw = raw.astype(float)
    teams = pd.Series(np.repeat(["a", "b", "c", "d"], 10))
    table = favourability(raw, instrument=three_items, teams=teams, ci=0.9)
    favourable = table[table["category"] == "favourable"].set_index("team")
    keyed = raw.assign(HA03=8 - raw["HA03"])
    indicator = keyed.isin([6, 7]).astype(float).stack()
    person = pd.Series(indicator.index.get_level_values(0), index=indicator.index)
    rho = icc(indicator.to_frame("fav"), teams=person)["icc1"].iloc[0]
    deff = 1 + 2 * max(rho, 0.0)
    np.testing.assert_allclose(favourable["design_effect"], deff, rtol=1e-12)
    effective = 30 / deff
    low, high = wilson_interval(favourable["share"] * effective, effective, ci=0.9)
    np.testing.assert_allclose(favourable["ci_low"], low, rtol=1e-12)
    np.testing.assert_allclose(favourable["ci_high"], high, rtol=1e-12)


def test_intervals_cover_the_true_share_when_a_persons_answers_are_alike(
    small_instrument: Instrument,
) -> None:
    # 400 teams of 8, each answering HA's 5 items: favourable (7) with a person's own
    # probability pi ~ Beta(2, 2), else the midpoint 4. The true share is E[pi] = 1/2 in every
    # team; the indicator's within-person correlation is 1/(2 + 2 + 1) = 0.2, so
    # deff = 1 + 4 (0.2) = 1.8. Ours should cover about 95 % of the time (tolerance: 400
    # teams give a standard error of 0.011); Wilson on the 40 answers as if independent
    # covers only about P(|Z| < 1.96 / sqrt(1.8)) = 0.86.
    rng = np.random.default_rng(11)
    people, items = 400 * 8, list(small_instrument.scale("HA").items)
    propensity = rng.beta(2, 2, size=(people, 1))
    keyed = np.where(rng.random((people, len(items))) < propensity, 7.0, 4.0)
    raw = pd.DataFrame(keyed, columns=items)
    for item in items:
        if item in small_instrument.reverse_item_ids:
            raw[item] = 8 - raw[item]
    teams = pd.Series(np.repeat(np.arange(400), 8))
    table = favourability(raw, instrument=small_instrument, teams=teams)
    rows = table[(table["scale"] == "HA") & (table["category"] == "favourable")]
    covered = ((rows["ci_low"] <= 0.5) & (rows["ci_high"] >= 0.5)).mean()
    assert 0.92 <= covered <= 0.98
    assert rows["design_effect"].iloc[0] == pytest.approx(1.8, abs=0.15)
    naive_low, naive_high = wilson_interval(rows["count"], rows["answers"])
    assert ((naive_low <= 0.5) & (naive_high >= 0.5)).mean() < 0.9


def test_default_cut_offs_are_refused_on_another_response_scale() -> None:
    five_points = make_instrument({"HA": (3, ())}, low=1, high=5)
    raw = pd.DataFrame({"HA01": [1.0], "HA02": [2.0], "HA03": [3.0]})
    with pytest.raises(ValueError, match=r"1\.\.7 scale only"):
        favourability(raw, instrument=five_points, teams=pd.Series(["a"]))
    table = favourability(
        raw, instrument=five_points, teams=pd.Series(["a"]), favourable=(4, 5), unfavourable=(1, 2)
    )
    assert list(table["count"]) == [0, 1, 2]


def test_an_answer_cannot_be_favourable_and_unfavourable(three_items: Instrument) -> None:
    raw = pd.DataFrame({"HA01": [1.0], "HA02": [2.0], "HA03": [3.0]})
    with pytest.raises(ValueError, match="both"):
        favourability(
            raw, instrument=three_items, teams=pd.Series(["a"]), favourable=(5, 6, 7),
            unfavourable=(1, 5),
        )  # fmt: skip


# -- Shrunken team means ------------------------------------------------------------------------


def test_shrunken_means_by_hand() -> None:
    # ICC(1) 0.25. lambda = n rho / (1 + (n - 1) rho): n = 1 -> 0.25; n = 3 -> 0.75/1.5 = 0.5;
    # n = 9 -> 2.25/3 = 0.75. GLS weights n / (1 + (n - 1) rho) = 1, 2, 3, so the grand mean
    # is (1 * 6 + 2 * 3 + 3 * 5) / 6 = 4.5. Team c's scale has no mean and is left alone.
    stats = pd.DataFrame(
        {
            "team": ["a", "b", "c", "c"],
            "scale": ["HA", "HA", "HA", "VA"],
            "n": [1, 3, 9, 0],
            "mean": [6.0, 3.0, 5.0, np.nan],
        }
    )
    table = shrunken_means(stats, icc1=pd.Series({"HA": 0.25, "VA": 0.1}))
    assert list(table.columns) == [
        "team", "scale", "n", "mean", "grand_mean", "lambda", "shrunken_mean", "shrunken",
    ]  # fmt: skip
    ha = table.iloc[:3]
    np.testing.assert_allclose(ha["lambda"], [0.25, 0.5, 0.75], rtol=1e-12)
    np.testing.assert_allclose(ha["grand_mean"], 4.5, rtol=1e-12)
    np.testing.assert_allclose(
        ha["shrunken_mean"], [4.5 + 0.25 * 1.5, 4.5 - 0.5 * 1.5, 4.5 + 0.75 * 0.5], rtol=1e-12
    )
    assert list(table["shrunken"]) == [True, True, True, False]
    assert np.isnan(table["shrunken_mean"].iloc[3])


def test_a_negative_icc_pulls_every_team_to_the_respondent_weighted_mean() -> None:
    stats = pd.DataFrame({"team": ["a", "b"], "scale": "HA", "n": [2, 6], "mean": [6.0, 2.0]})
    table = shrunken_means(stats, icc1=-0.05)
    # rho taken as 0: lambda 0, weights n, grand mean (2 * 6 + 6 * 2) / 8 = 3.
    np.testing.assert_allclose(table["lambda"], 0.0)
    np.testing.assert_allclose(table["shrunken_mean"], 3.0, rtol=1e-12)


def test_shrunken_means_need_team_scale_n_and_mean() -> None:
    with pytest.raises(ValueError, match="lacks the columns"):
        shrunken_means(pd.DataFrame({"team": ["a"], "mean": [1.0]}), icc1=0.1)


def simulated_team_means(instrument: Instrument, *, seed: int, sizes: list[int]) -> tuple:
    organisation = simulate_organisation(
        instrument=instrument, seed=seed, team_sizes=sizes, icc1=0.15
    )
    scores = score_scales(organisation.responses, instrument=instrument)
    teams = organisation.responses["team"]
    return organisation, scores, team_statistics(scores, teams=teams)


@pytest.mark.parametrize("seed", [0, 1])
def test_shrunken_means_are_closer_to_the_true_team_means_for_small_teams(
    small_instrument: Instrument, seed: int
) -> None:
    # 60 teams of 2-5 people, scored on four scales and the composite LC. The true team means
    # on the answer metric come from a twin organisation: the same seed and number of teams
    # draw the same team effects (truth.team_effects, checked below), here with 1,000 people
    # per team, whose means miss the true ones by about 0.03. Those means track the latent
    # team effects almost perfectly (r > 0.99), so they are the team effects on the scale
    # the report shows.
    # Seen: shrunken MSE / raw MSE 0.44 (seed 0) and 0.30 (seed 1); asserted: below 0.7.
    sizes = list(np.random.default_rng(seed).integers(2, 6, size=60))
    small, scores, stats = simulated_team_means(small_instrument, seed=seed, sizes=sizes)
    large, _, truth = simulated_team_means(small_instrument, seed=seed, sizes=[1000] * 60)
    pd.testing.assert_frame_equal(small.truth.team_effects, large.truth.team_effects)
    true_means = truth.set_index(["team", "scale"])["mean"]
    for scale in small_instrument.scale_ids:
        on_scale = true_means.xs(scale, level="scale").to_numpy()
        latent = large.truth.team_effects[scale].to_numpy()
        assert np.corrcoef(on_scale, latent)[0, 1] > 0.99

    icc1 = icc(scores, teams=small.responses["team"]).set_index("scale")["icc1"]
    shrunk = shrunken_means(stats, icc1=icc1).set_index(["team", "scale"])
    target = true_means.loc[shrunk.index]
    raw_mse = ((shrunk["mean"] - target) ** 2).mean()
    shrunken_mse = ((shrunk["shrunken_mean"] - target) ** 2).mean()
    assert shrunk["shrunken"].all()
    assert shrunken_mse < 0.7 * raw_mse


def test_comparison_leaves_its_inputs_untouched(three_items: Instrument) -> None:
    raw = pd.DataFrame({"HA01": [7.0, 4.0], "HA02": [6.0, 5.0], "HA03": [2.0, 7.0]})
    teams = pd.Series(["a", "a"])
    stats = pd.DataFrame({"team": ["a"], "scale": "HA", "n": [2], "mean": [5.0]})
    before = (raw.copy(), teams.copy(), stats.copy())
    favourability(raw, instrument=three_items, teams=teams)
    shrunken_means(stats, icc1=0.2)
    pd.testing.assert_frame_equal(raw, before[0])
    pd.testing.assert_series_equal(teams, before[1])
    pd.testing.assert_frame_equal(stats, before[2])


def test_comparison_docstring_examples_run() -> None:
    module = importlib.import_module("analysis.comparison")
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0
