"""Place teams on the two planes of accountability: horizontal (HA) and vertical (VA)."""

from __future__ import annotations

import numpy as np
import pandas as pd

HORIZONTAL = "HA"
VERTICAL = "VA"
PROFILE_COLUMNS = (
    "team",
    "ha",
    "va",
    "ha_ci_low",
    "ha_ci_high",
    "va_ci_low",
    "va_ci_high",
    "profile",
    "certain",
)


def place_teams(team_stats: pd.DataFrame, *, midpoint: float) -> pd.DataFrame:
    """Name each team's accountability profile from its HA and VA means.

    Parameters
    ----------
    team_stats : DataFrame
        Rows (team, scale) with columns team, scale, mean, ci_low, ci_high, as
        ``team_statistics`` returns; only the rows of scales "HA" and "VA" are used.
    midpoint : float
        The middle of the response scale, (min + max) / 2.

    Returns
    -------
    DataFrame
        One row per team: team, ha, va, ha_ci_low, ha_ci_high, va_ci_low, va_ci_high,
        profile, certain.

    Notes
    -----
    The rule (CONSTRUCTS.md, "The two planes of accountability"): a plane is high when the
    team's mean lies above the midpoint and low when at or below it. High on both:
    "integrated"; HA only: "community-led"; VA only: "hierarchy-led"; neither: "disengaged".
    ``profile`` is missing when either mean is. ``certain`` is true when both confidence
    intervals lie entirely on one side of the midpoint by the same rule (entirely above it,
    or entirely at or below it), so every point of both intervals names the same profile.
    The profile describes; it does not grade.
    """
    missing = {HORIZONTAL, VERTICAL} - set(team_stats["scale"])
    if missing:
        raise ValueError(f"team_stats has no rows for scale(s) {', '.join(sorted(missing))}")
    wide = team_stats[team_stats["scale"].isin([HORIZONTAL, VERTICAL])].pivot(
        index="team", columns="scale", values=["mean", "ci_low", "ci_high"]
    )
    ha, va = wide[("mean", HORIZONTAL)], wide[("mean", VERTICAL)]
    placed = pd.DataFrame(
        {
            "team": wide.index.to_numpy(),
            "ha": ha.to_numpy(dtype=np.float64),
            "va": va.to_numpy(dtype=np.float64),
            "ha_ci_low": wide[("ci_low", HORIZONTAL)].to_numpy(dtype=np.float64),
            "ha_ci_high": wide[("ci_high", HORIZONTAL)].to_numpy(dtype=np.float64),
            "va_ci_low": wide[("ci_low", VERTICAL)].to_numpy(dtype=np.float64),
            "va_ci_high": wide[("ci_high", VERTICAL)].to_numpy(dtype=np.float64),
        }
    )
    ha_high, va_high = placed["ha"] > midpoint, placed["va"] > midpoint
    profile = np.select(
        [ha_high & va_high, ha_high, va_high],
        ["integrated", "community-led", "hierarchy-led"],
        default="disengaged",
    )
    known = placed["ha"].notna() & placed["va"].notna()
    labels = pd.Series(profile, index=placed.index, dtype=object)
    labels[~known] = None
    placed["profile"] = labels
    placed["certain"] = _one_side(placed, "ha", midpoint) & _one_side(placed, "va", midpoint)
    return placed[list(PROFILE_COLUMNS)]


def _one_side(placed: pd.DataFrame, plane: str, midpoint: float) -> pd.Series:
    low, high = placed[f"{plane}_ci_low"], placed[f"{plane}_ci_high"]
    return ((low > midpoint) | (high <= midpoint)).astype(bool)
