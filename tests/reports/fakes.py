"""A small, realistic campaign analysis built by hand, in the shape analysis.campaign returns.

Seven teams in two departments answer the packaged instrument; "Finance" has 3 respondents and
is suppressed; in "Claims handling" too few people answered Imagination for it to be shown. The
figures are invented but consistent: intervals contain their means, differences are team minus
rest, profiles follow the means and the midpoint rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from instrument.model import Instrument
from reports.build import build_organisation_view, build_team_view
from reports.views import OrganisationReportView, TeamReportView, UnitInfo

MIN_GROUP_SIZE = 5
GENERATED_AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ORGANISATION = "Harbourside Health Trust"
CAMPAIGN = "Spring 2026 survey"
HIDDEN_TEAM, HIDDEN_SCALE = "11", "IM"
SUPPRESSED_TEAM = "17"
UNANIMOUS_TEAM, UNANIMOUS_ITEM = "14", "HA02"
"""Every member of this team who answered the item chose the same option."""
N_EXCLUDED = 4

UNITS = {
    "1": UnitInfo("1", ORGANISATION, None, "organisation"),
    "2": UnitInfo("2", "Operations", "1", "department"),
    "3": UnitInfo("3", "Clinical services", "1", "department"),
    "11": UnitInfo("11", "Claims handling", "2", "team"),
    "12": UnitInfo("12", "Patient records", "2", "team"),
    "13": UnitInfo("13", "Estates", "2", "team"),
    "14": UnitInfo("14", "Ward 4 nursing", "3", "team"),
    "15": UnitInfo("15", "Pharmacy", "3", "team"),
    "16": UnitInfo("16", "Clinical coding", "3", "team"),
    "17": UnitInfo("17", "Finance", "1", "team"),
}


def view_arguments(team_ids: Iterable[str], *, language: str = "en") -> dict[str, Any]:
    """The keyword arguments every view builder takes besides the analysis and the instrument,
    for a campaign of these teams (with the organisation and its departments)."""
    return {
        "units": {unit_id: UNITS[unit_id] for unit_id in ("1", "2", "3", *team_ids)},
        "organisation_name": ORGANISATION,
        "campaign_name": CAMPAIGN,
        "language": language,
        "generated_at": GENERATED_AT,
        "invited": None,
    }


RESPONDENTS = {"11": 12, "12": 9, "13": 7, "14": 18, "15": 8, "16": 6, "17": 3}
INVITED = {"11": 14, "12": 12, "13": 11, "14": 25, "15": 9, "16": 8, "17": 6}


@dataclass(frozen=True)
class FakeAnalysis:
    instrument_ref: str
    min_group_size: int
    reliability: pd.DataFrame
    icc: pd.DataFrame
    organisation: pd.DataFrame
    teams: pd.DataFrame
    profiles: pd.DataFrame
    team_sizes: pd.DataFrame
    suppressed: pd.DataFrame
    item_distributions: pd.DataFrame
    screening: pd.DataFrame
    n_excluded: int


def fake_analysis(instrument: Instrument, *, seed: int = 7) -> FakeAnalysis:
    rng = np.random.default_rng(seed)
    scales = [s.id for s in instrument.scales] + [c.id for c in instrument.composites]
    eligible = [team for team, n in RESPONDENTS.items() if n >= MIN_GROUP_SIZE]
    teams = _team_rows(rng, eligible, scales)
    return FakeAnalysis(
        instrument_ref=instrument.ref,
        min_group_size=MIN_GROUP_SIZE,
        reliability=_reliability(rng, instrument),
        icc=pd.DataFrame(
            {
                "scale": scales,
                "n": sum(RESPONDENTS.values()),
                "n_teams": len(RESPONDENTS),
                "icc1": rng.uniform(0.02, 0.22, len(scales)),
                "icc2": rng.uniform(0.35, 0.85, len(scales)),
                "f": rng.uniform(1.2, 4.0, len(scales)),
                "p": rng.uniform(0.0, 0.2, len(scales)),
            }
        ),
        organisation=_organisation(rng, scales),
        teams=teams,
        profiles=_profiles(teams, midpoint=4.0),
        team_sizes=pd.DataFrame(
            {
                "team": list(RESPONDENTS),
                "respondents": list(RESPONDENTS.values()),
                "eligible": [n >= MIN_GROUP_SIZE for n in RESPONDENTS.values()],
            }
        ),
        suppressed=pd.DataFrame(
            {
                "team": [SUPPRESSED_TEAM],
                "respondents": [RESPONDENTS[SUPPRESSED_TEAM]],
                "reason": ["3 respondents, fewer than the minimum of 5"],
            }
        ),
        item_distributions=_distributions(rng, instrument, eligible),
        screening=pd.DataFrame(
            {
                "rule": ["longstring", "irv", "mahalanobis", "reverse_disagreement"],
                "index": ["longstring_share", "irv", "mahalanobis_p", "reverse_disagreement"],
                "flags_when": ["above", "below", "below", "above"],
                "threshold": [0.8, 0.3, 0.001, 3.0],
                "action": ["exclude", "exclude", "warn", "exclude"],
                "flagged": [2, 1, 3, 1],
                "excluded_by": [2, 1, 0, 1],
            }
        ),
        n_excluded=N_EXCLUDED,
    )


def _distributions(
    rng: np.random.Generator, instrument: Instrument, teams: list[str]
) -> pd.DataFrame:
    """Counts per option of every item for the eligible teams; one item unanimous."""
    options = list(range(instrument.response_scale.min, instrument.response_scale.max + 1))
    rows = []
    for team in teams:
        for item in instrument.item_ids:
            answered = RESPONDENTS[team] - int(rng.integers(0, 2))
            counts = np.bincount(
                np.clip(rng.normal(4.5, 1.4, answered).round().astype(int), 1, 7) - 1,
                minlength=len(options),
            )
            if (team, item) == (UNANIMOUS_TEAM, UNANIMOUS_ITEM):
                counts = np.zeros(len(options), dtype=int)
                counts[5] = answered
            rows.extend(
                {"team": team, "item": item, "option": option, "count": int(count)}
                for option, count in zip(options, counts, strict=True)
            )
    return pd.DataFrame(rows, columns=["team", "item", "option", "count"])


def _interval(mean: float, sd: float, n: int) -> tuple[float, float]:
    half = 2.2 * sd / math.sqrt(n)
    return mean - half, mean + half


def _team_rows(rng: np.random.Generator, teams: list[str], scales: list[str]) -> pd.DataFrame:
    rows = []
    shifts = {"HA": [1.3, 0.8, -0.9, 0.1, -0.2, 0.6], "VA": [-0.8, 1.0, 0.9, -0.1, -1.1, 0.7]}
    for index, team in enumerate(teams):
        for scale in scales:
            shift = shifts.get(scale, [0.0] * len(teams))[index]
            n = RESPONDENTS[team] - int(rng.integers(0, 2))
            mean = float(np.clip(4.2 + shift + rng.normal(0, 0.4), 1.2, 6.8))
            sd = float(rng.uniform(0.7, 1.3))
            rest = float(np.clip(4.2 + rng.normal(0, 0.15), 1.0, 7.0))
            rest_sd, rest_n = float(rng.uniform(0.9, 1.2)), 60 - n
            diff_half = 2.0 * math.sqrt(sd**2 / n + rest_sd**2 / rest_n)
            rows.append(
                {
                    "team": team,
                    "scale": scale,
                    "n": float(n),
                    "mean": mean,
                    "sd": sd,
                    "ci_low": _interval(mean, sd, n)[0],
                    "ci_high": _interval(mean, sd, n)[1],
                    "rwg_j": float(rng.uniform(0.55, 0.95)),
                    "rest_n": float(rest_n),
                    "rest_mean": rest,
                    "rest_ci_low": _interval(rest, rest_sd, rest_n)[0],
                    "rest_ci_high": _interval(rest, rest_sd, rest_n)[1],
                    "diff": mean - rest,
                    "diff_ci_low": mean - rest - diff_half,
                    "diff_ci_high": mean - rest + diff_half,
                    "cohens_d": (mean - rest) / math.sqrt((sd**2 + rest_sd**2) / 2),
                    "shown": True,
                }
            )
    frame = pd.DataFrame(rows)
    hidden = (frame["team"] == HIDDEN_TEAM) & (frame["scale"] == HIDDEN_SCALE)
    figures = [c for c in frame.columns if c not in ("team", "scale", "shown")]
    frame.loc[hidden, figures] = np.nan
    frame.loc[hidden, "shown"] = False
    return frame


def _profiles(teams: pd.DataFrame, *, midpoint: float) -> pd.DataFrame:
    rows = []
    for team, group in teams.groupby("team", sort=True):
        ha = group.set_index("scale").loc["HA"]
        va = group.set_index("scale").loc["VA"]
        high = (ha["mean"] > midpoint, va["mean"] > midpoint)
        profile = {
            (True, True): "integrated",
            (True, False): "community-led",
            (False, True): "hierarchy-led",
            (False, False): "disengaged",
        }[high]
        certain = all((row["ci_low"] > midpoint) == (row["ci_high"] > midpoint) for row in (ha, va))
        rows.append(
            {
                "team": team,
                "ha": ha["mean"],
                "va": va["mean"],
                "ha_ci_low": ha["ci_low"],
                "ha_ci_high": ha["ci_high"],
                "va_ci_low": va["ci_low"],
                "va_ci_high": va["ci_high"],
                "profile": profile,
                "certain": certain,
            }
        )
    return pd.DataFrame(rows)


def _organisation(rng: np.random.Generator, scales: list[str]) -> pd.DataFrame:
    n = sum(RESPONDENTS.values())
    means = rng.uniform(3.4, 5.2, len(scales))
    sds = rng.uniform(0.9, 1.3, len(scales))
    return pd.DataFrame(
        {
            "scale": scales,
            "n": n,
            "mean": means,
            "sd": sds,
            "ci_low": means - 2.0 * sds / math.sqrt(n),
            "ci_high": means + 2.0 * sds / math.sqrt(n),
        }
    )


def _reliability(rng: np.random.Generator, instrument: Instrument) -> pd.DataFrame:
    alphas = rng.uniform(0.62, 0.9, len(instrument.scales))
    return pd.DataFrame(
        {
            "scale": [s.id for s in instrument.scales],
            "k": [len(s.items) for s in instrument.scales],
            "n": sum(RESPONDENTS.values()) - 2,
            "alpha": alphas,
            "alpha_std": alphas + 0.01,
            "alpha_ci_low": alphas - 0.08,
            "alpha_ci_high": np.minimum(alphas + 0.05, 0.99),
            "omega": alphas + rng.uniform(0.0, 0.04, len(alphas)),
        }
    )


def with_team_name(units: dict[str, UnitInfo], team_id: str, name: str) -> dict[str, UnitInfo]:
    """``units`` with one team renamed."""
    return {**units, team_id: replace(units[team_id], name=name)}


def with_team_copies(
    analysis: FakeAnalysis, *, copies: int
) -> tuple[FakeAnalysis, dict[str, UnitInfo], dict[str, int]]:
    """``analysis`` with every team repeated ``copies`` times (ids ``"11-2"``, names
    ``"Claims handling 2"``): a large organisation, with its units and invitations."""
    units = dict(UNITS)
    invited = dict(INVITED)
    frames: dict[str, list[pd.DataFrame]] = {"teams": [], "profiles": [], "team_sizes": []}
    for copy in range(1, copies + 1):
        for name, parts in frames.items():
            frame = getattr(analysis, name).copy()
            if copy > 1:
                frame["team"] = frame["team"].astype(str) + f"-{copy}"
            parts.append(frame)
        if copy > 1:
            for team in RESPONDENTS:
                unit = UNITS[team]
                units[f"{team}-{copy}"] = replace(
                    unit, unit_id=f"{team}-{copy}", name=f"{unit.name} {copy}"
                )
                invited[f"{team}-{copy}"] = INVITED[team]
    copied = replace(
        analysis,
        **{name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()},
    )
    return copied, units, invited


def team_view(
    analysis: FakeAnalysis,
    instrument: Instrument,
    team_id: str = HIDDEN_TEAM,
    *,
    language: str = "en",
    units: dict[str, UnitInfo] | None = None,
    previous: pd.DataFrame | None = None,
    invariance: pd.DataFrame | None = None,
) -> TeamReportView:
    """The team report view of ``team_id`` built from a fake analysis, in the fake campaign."""
    return build_team_view(
        analysis,
        instrument=instrument,
        team_id=team_id,
        units=units or UNITS,
        organisation_name=ORGANISATION,
        campaign_name=CAMPAIGN,
        language=language,
        generated_at=GENERATED_AT,
        invited=INVITED,
        previous=previous,
        invariance=invariance,
    )


def organisation_view(
    analysis: FakeAnalysis,
    instrument: Instrument,
    *,
    language: str = "en",
    units: dict[str, UnitInfo] | None = None,
    invited: dict[str, int] | None = None,
) -> OrganisationReportView:
    """The organisation report view built from a fake analysis, in the fake campaign."""
    return build_organisation_view(
        analysis,
        instrument=instrument,
        units=units or UNITS,
        organisation_name=ORGANISATION,
        campaign_name=CAMPAIGN,
        language=language,
        generated_at=GENERATED_AT,
        invited=invited or INVITED,
    )
