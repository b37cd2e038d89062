"""The accountability profile of a team from its HA and VA means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import place_teams


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
