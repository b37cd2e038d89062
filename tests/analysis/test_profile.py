"""The accountability profile of a team from its HA and VA means."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

import analysis.profile
from analysis import place_teams, score_scales, simulate_organisation, team_statistics
from analysis.profile import PROBABILITY_COLUMNS, PROFILE_COLUMNS
from instrument.model import Instrument


def stats_row(team: str, scale: str, mean: float, half: float) -> dict[str, object]:
    return {
        "team": team,
        "scale": scale,
        "mean": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
    }


def team_stats() -> pd.DataFrame:
    rows = [
        stats_row("both", "HA", 5.5, 0.5), stats_row("both", "VA", 5.0, 0.5),
        stats_row("peers", "HA", 5.0, 2.0), stats_row("peers", "VA", 3.0, 0.5),
        stats_row("bosses", "HA", 4.0, 0.5), stats_row("bosses", "VA", 6.0, 0.5),
        stats_row("neither", "HA", 2.0, 0.5), stats_row("neither", "VA", 3.5, 0.5),
        stats_row("unknown", "HA", np.nan, np.nan), stats_row("unknown", "VA", 5.0, 0.5),
        stats_row("both", "TR", 1.0, 0.1),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_profiles_follow_the_documented_rule() -> None:
    placed = place_teams(team_stats(), midpoint=4.0).set_index("team")
    assert placed.loc["both", "profile"] == "integrated"
    assert placed.loc["peers", "profile"] == "community-led"
    # A mean exactly at the midpoint counts as low.
    assert placed.loc["bosses", "profile"] == "hierarchy-led"
    assert placed.loc["neither", "profile"] == "disengaged"
    assert placed.loc["unknown", "profile"] is None
    assert placed.loc["both", "ha"] == 5.5
    assert placed.loc["both", "va_ci_high"] == 5.5


def test_a_profile_is_certain_only_when_both_intervals_stay_on_one_side() -> None:
    placed = place_teams(team_stats(), midpoint=4.0).set_index("team")
    assert placed.loc["both", "certain"]
    assert not placed.loc["peers", "certain"], "HA's interval 3..7 straddles the midpoint"
    # HA's interval 3.5..4.5 reaches above the midpoint: not certain.
    assert not placed.loc["bosses", "certain"]
    assert placed.loc["neither", "certain"]
    assert not placed.loc["unknown", "certain"]


def test_an_interval_ending_at_the_midpoint_is_on_the_low_side() -> None:
    rows = [stats_row("t", "HA", 3.0, 1.0), stats_row("t", "VA", 5.0, 0.5)]
    placed = place_teams(pd.DataFrame(rows), midpoint=4.0)
    assert placed.loc[0, "profile"] == "hierarchy-led"
    assert placed.loc[0, "certain"]


def test_place_teams_needs_both_planes() -> None:
    with pytest.raises(ValueError, match="VA"):
        place_teams(pd.DataFrame([stats_row("t", "HA", 3.0, 1.0)]), midpoint=4.0)


# -- placement probabilities -----------------------------------------------------------------------


def simulated_team_stats(instrument: Instrument, *, seed: int) -> pd.DataFrame:
    responses = simulate_organisation(
        instrument=instrument, n_teams=80, seed=seed, icc1=0.3
    ).responses
    scores = score_scales(responses, instrument=instrument)
    return team_statistics(scores, teams=responses["team"])


def test_the_existing_columns_come_first_and_unchanged(small_instrument: Instrument) -> None:
    stats = simulated_team_stats(small_instrument, seed=1)
    placed = place_teams(stats, midpoint=4.0)
    # The reports and analyse_campaign read these nine; new columns may only follow them.
    original = ["team", "ha", "va", "ha_ci_low", "ha_ci_high", "va_ci_low", "va_ci_high"]
    original += ["profile", "certain"]
    assert list(placed.columns) == list(PROFILE_COLUMNS)
    assert list(placed.columns) == [*original, *PROBABILITY_COLUMNS, "confidence"]
    old = place_teams(stats.drop(columns=["n", "sd"]), midpoint=4.0)
    pd.testing.assert_frame_equal(placed[original], old[original])


def test_the_four_probabilities_sum_to_one(small_instrument: Instrument) -> None:
    placed = place_teams(simulated_team_stats(small_instrument, seed=2), midpoint=4.0)
    known = placed["profile"].notna() & placed["ha_ci_low"].notna() & placed["va_ci_low"].notna()
    assert known.sum() > 60
    total = placed.loc[known, list(PROBABILITY_COLUMNS)].sum(axis=1)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert placed.loc[~known, "confidence"].isna().all()


def test_a_plane_s_probability_is_student_s_t_distribution_of_the_mean(
    small_instrument: Instrument,
) -> None:
    stats = simulated_team_stats(small_instrument, seed=3)
    placed = place_teams(stats, midpoint=4.0).set_index("team")
    ha = stats[stats["scale"] == "HA"].set_index("team")
    va = stats[stats["scale"] == "VA"].set_index("team")
    # R: pt((mean - 4) / (sd / sqrt(n)), n - 1), the probability the true mean is above 4.
    p_ha = scipy_stats.t.cdf((ha["mean"] - 4.0) / (ha["sd"] / np.sqrt(ha["n"])), ha["n"] - 1)
    p_va = scipy_stats.t.cdf((va["mean"] - 4.0) / (va["sd"] / np.sqrt(va["n"])), va["n"] - 1)
    expected = pd.Series(p_ha * p_va, index=ha.index)
    np.testing.assert_allclose(placed["p_integrated"], expected[placed.index], atol=1e-9)


def test_a_certain_profile_is_one_whose_planes_both_exceed_the_interval_s_coverage(
    small_instrument: Instrument,
) -> None:
    placed = pd.concat(
        [place_teams(simulated_team_stats(small_instrument, seed=seed), midpoint=4.0)
         for seed in range(4, 8)]
    )  # fmt: skip
    placed = placed[placed["confidence"].notna()]
    ha_high, va_high = placed["ha"] > 4.0, placed["va"] > 4.0
    p_ha = placed["p_integrated"] + placed["p_community_led"]
    p_va = placed["p_integrated"] + placed["p_hierarchy_led"]
    side_ha = np.where(ha_high, p_ha, 1 - p_ha)
    side_va = np.where(va_high, p_va, 1 - p_va)
    both = (side_ha > 0.975) & (side_va > 0.975)
    assert placed["certain"].sum() > 10
    assert (~placed["certain"]).sum() > 10
    np.testing.assert_array_equal(both, placed["certain"].to_numpy())
    assert (placed.loc[placed["certain"], "confidence"] > 0.975**2).all()
    assert (placed.loc[~placed["certain"], "confidence"] <= 0.975).all()


def test_a_team_far_inside_a_quadrant_is_placed_with_confidence() -> None:
    rows = [stats_row("far", "HA", 2.0, 0.4), stats_row("far", "VA", 6.5, 0.3)]
    placed = place_teams(pd.DataFrame(rows), midpoint=4.0)
    assert placed.loc[0, "profile"] == "hierarchy-led"
    assert placed.loc[0, "confidence"] > 0.99
    assert placed.loc[0, "p_hierarchy_led"] == placed.loc[0, "confidence"]


def test_a_team_on_both_midlines_could_be_any_profile() -> None:
    rows = [
        {**stats_row("edge", "HA", 4.0, 0.8), "n": 6},
        {**stats_row("edge", "VA", 4.0, 0.5), "n": 6},
    ]
    placed = place_teams(pd.DataFrame(rows), midpoint=4.0)
    np.testing.assert_allclose(placed.loc[0, list(PROBABILITY_COLUMNS)].astype(float), 0.25)
    assert placed.loc[0, "profile"] == "disengaged"
    assert placed.loc[0, "confidence"] == pytest.approx(0.25)


def test_without_team_sizes_the_normal_distribution_is_used() -> None:
    # HA's interval 4.5 ± 1 at 95 %: se = 1/1.959964, P(above 4) = Φ(0.5 · 1.959964).
    rows = [stats_row("t", "HA", 4.5, 1.0), stats_row("t", "VA", 6.0, 1e-9)]
    placed = place_teams(pd.DataFrame(rows), midpoint=4.0)
    expected = scipy_stats.norm.cdf(0.5 * scipy_stats.norm.ppf(0.975))
    assert placed.loc[0, "p_integrated"] == pytest.approx(expected, abs=1e-12)
    assert placed.loc[0, "p_hierarchy_led"] == pytest.approx(1 - expected, abs=1e-12)


def test_a_team_whose_members_all_agree_is_certain_of_its_plane() -> None:
    rows = [stats_row("same", "HA", 4.0, 0.0), stats_row("same", "VA", 5.0, 0.0)]
    placed = place_teams(pd.DataFrame(rows), midpoint=4.0)
    assert placed.loc[0, "p_hierarchy_led"] == 1.0
    assert placed.loc[0, "confidence"] == 1.0


def test_the_coverage_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="ci must lie"):
        place_teams(team_stats(), midpoint=4.0, ci=95)


def test_the_docstring_examples_run() -> None:
    outcome = doctest.testmod(analysis.profile, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0
