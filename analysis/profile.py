r"""Place teams on the two planes of accountability: horizontal (HA) and vertical (VA).

A team's profile names the quadrant its two means fall in; how sure that placement is
comes from the sampling distributions of the two means. For each plane, with the team's
mean :math:`m`, the interval's half-width :math:`h` at coverage :math:`c` and the midpoint
:math:`M`, the standard error is :math:`h/q` where :math:`q` is the :math:`(1+c)/2`
quantile the interval was built with, and

.. math:: p_{high} = F\left(q\,\frac{m - M}{h}\right),

with :math:`F` Student's t with :math:`n-1` degrees of freedom when ``team_stats`` has the
team's ``n`` (``team_statistics``'s interval, so :math:`h/q = s/\sqrt n`), else the standard
normal. This is the confidence distribution of the mean (Schweder & Hjort 2016): a plane's
probability exceeds :math:`(1+c)/2` exactly when its interval lies entirely on that side of
the midpoint, so ``certain`` is the same as both planes' probabilities of the assigned side
exceeding :math:`(1+c)/2`. HA and VA means are treated as independent: the four profile
probabilities are products, :math:`p_{integrated} = p^{HA}_{high}\,p^{VA}_{high}` and so on.
Within a team HA and VA answers may correlate, which would move probability towards the
diagonal quadrants (integrated, disengaged) or away from them; the team figures given here do
not carry that correlation, so it is left out. ``confidence`` is the probability of the
assigned profile. With a half-width of 0 (every member answered alike) the plane is certain.

Schweder, T., & Hjort, N. L. (2016). Confidence, likelihood, probability. Cambridge
University Press.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import _adapters
from analysis._adapters import FloatArray

HORIZONTAL = "HA"
VERTICAL = "VA"
PROFILES = ("integrated", "community-led", "hierarchy-led", "disengaged")
PROBABILITY_COLUMNS = tuple(f"p_{profile.replace('-', '_')}" for profile in PROFILES)
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
    *PROBABILITY_COLUMNS,
    "confidence",
)
"""The columns of ``place_teams``'s table, in order."""


def place_teams(team_stats: pd.DataFrame, *, midpoint: float, ci: float = 0.95) -> pd.DataFrame:
    """Name each team's accountability profile from its HA and VA means.

    Parameters
    ----------
    team_stats : DataFrame
        Rows (team, scale) with columns team, scale, mean, ci_low, ci_high, as
        ``team_statistics`` returns; only the rows of scales "HA" and "VA" are used.
    midpoint : float
        The middle of the response scale, (min + max) / 2.
    ci : float
        The coverage of the intervals in ``team_stats``.

    Returns
    -------
    DataFrame
        One row per team: team, ha, va, ha_ci_low, ha_ci_high, va_ci_low, va_ci_high,
        profile, certain, p_integrated, p_community_led, p_hierarchy_led, p_disengaged,
        confidence. The probabilities are NaN where an interval is.

    Notes
    -----
    The rule (CONSTRUCTS.md, "The two planes of accountability"): a plane is high when the
    team's mean lies above the midpoint and low when at or below it. High on both:
    "integrated"; HA only: "community-led"; VA only: "hierarchy-led"; neither: "disengaged".
    ``profile`` is missing when either mean is. ``certain`` is true when both confidence
    intervals lie entirely on one side of the midpoint by the same rule (entirely above it,
    or entirely at or below it), so every point of both intervals names the same profile.
    The profile describes; it does not grade. The probabilities follow the module
    docstring's rule.

    Examples
    --------
    A team far inside the integrated quadrant, and one whose means sit on both midlines
    (R: ``pt(q * (m - M) / h, n - 1)`` per plane):

    >>> import pandas as pd
    >>> team_stats = pd.DataFrame({
    ...     "team": ["far", "far", "edge", "edge"], "scale": ["HA", "VA", "HA", "VA"],
    ...     "n": [8, 8, 8, 8], "mean": [6.0, 6.0, 4.0, 4.0],
    ...     "ci_low": [5.5, 5.5, 3.5, 3.5], "ci_high": [6.5, 6.5, 4.5, 4.5]})
    >>> placed = place_teams(team_stats, midpoint=4.0).set_index("team")
    >>> print(placed[["profile", "certain", "confidence"]].round(4).to_string())
                profile  certain  confidence
    team
    edge     disengaged    False        0.25
    far      integrated     True        1.00
    """
    missing = {HORIZONTAL, VERTICAL} - set(team_stats["scale"])
    if missing:
        raise ValueError(f"team_stats has no rows for scale(s) {', '.join(sorted(missing))}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie strictly between 0 and 1, is {ci}")
    figures = ["mean", "ci_low", "ci_high", *(["n"] if "n" in team_stats.columns else [])]
    wide = team_stats[team_stats["scale"].isin([HORIZONTAL, VERTICAL])].pivot(
        index="team", columns="scale", values=figures
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
    high = {
        plane: _probability_high(
            placed,
            plane,
            n=wide[("n", scale)].to_numpy(dtype=np.float64) if "n" in figures else None,
            midpoint=midpoint,
            ci=ci,
        )
        for plane, scale in (("ha", HORIZONTAL), ("va", VERTICAL))
    }
    ha_p, va_p = high["ha"], high["va"]
    chances = (ha_p * va_p, ha_p * (1 - va_p), (1 - ha_p) * va_p, (1 - ha_p) * (1 - va_p))
    for column, chance in zip(PROBABILITY_COLUMNS, chances, strict=True):
        placed[column] = chance
    confidence = np.select([labels == p for p in PROFILES], chances, default=np.nan)
    placed["confidence"] = confidence
    return placed[list(PROFILE_COLUMNS)]


def _one_side(placed: pd.DataFrame, plane: str, midpoint: float) -> pd.Series:
    low, high = placed[f"{plane}_ci_low"], placed[f"{plane}_ci_high"]
    return ((low > midpoint) | (high <= midpoint)).astype(bool)


def _probability_high(
    placed: pd.DataFrame,
    plane: str,
    *,
    n: FloatArray | None,
    midpoint: float,
    ci: float,
) -> FloatArray:
    """P(the plane's true mean lies above the midpoint), from the mean and its interval."""
    mean = placed[plane].to_numpy(dtype=np.float64)
    half = (placed[f"{plane}_ci_high"] - placed[f"{plane}_ci_low"]).to_numpy(np.float64) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = (mean - midpoint) / half
        if n is None:
            high = _adapters.normal_cdf(_adapters.normal_quantile((1 + ci) / 2) * distance)
        else:
            df = n - 1
            statistic = _adapters.t_quantile((1 + ci) / 2, df) * distance
            # Student's t distribution function from the F(1, df) tail: T² ~ F(1, df).
            tail = _adapters.f_survival(statistic**2, 1.0, df) / 2
            high = np.where(statistic >= 0, 1 - tail, tail)
    certain_side = np.where(mean > midpoint, 1.0, 0.0)
    return np.asarray(np.where(half == 0, certain_side, high), dtype=np.float64)
