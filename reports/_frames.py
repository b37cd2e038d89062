"""Reading the analysis' DataFrames into plain Python values.

The analysis hands over raw, unrounded floats with NaN where a figure does not exist; views hold
``None`` there instead, so a template can never print ``nan``. Every frame is checked for the
columns the reports read, so a change of the analysis contract fails here, naming the frame and
the column, rather than deep inside a template.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import pandas as pd

Record = Mapping[Hashable, Any]

COLUMNS: Mapping[str, tuple[str, ...]] = {
    "reliability": ("scale", "k", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega"),
    "icc": ("scale", "n", "n_teams", "icc1", "icc2"),
    "organisation": ("scale", "n", "mean", "sd", "ci_low", "ci_high"),
    "teams": (
        "team",
        "scale",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "rwg_j",
        "rest_mean",
        "rest_ci_low",
        "rest_ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "cohens_d",
        "shown",
    ),
    "profiles": (
        "team",
        "ha",
        "va",
        "ha_ci_low",
        "ha_ci_high",
        "va_ci_low",
        "va_ci_high",
        "profile",
        "certain",
    ),
    "team_sizes": ("team", "respondents", "eligible"),
    "suppressed": ("team", "respondents", "reason"),
}
"""The columns the reports read from each frame of the campaign analysis."""


def records(frame: pd.DataFrame, *, name: str) -> list[Record]:
    """The rows of analysis frame ``name`` as dicts, after checking its columns."""
    missing = [column for column in COLUMNS[name] if column not in frame.columns]
    if missing:
        raise ValueError(f"analysis frame {name!r}: lacks column(s) {', '.join(missing)}")
    return list(frame.to_dict("records"))


def of_team(frame: pd.DataFrame, team_id: str) -> pd.DataFrame:
    """The rows of one team: a team report reads only its own rows of the campaign's frames,
    so that building one costs the same in a campaign of 10 teams as in one of 5,000."""
    if "team" not in frame.columns or not len(frame):
        return frame
    team = frame["team"]
    # Team ids are strings in a campaign; a notebook may use numbers, compared as strings.
    same = team == team_id if team.dtype == object else team.astype(str) == team_id
    return frame[same.to_numpy(dtype=bool)]


def by_key(rows: Iterable[Record], *columns: str) -> dict[tuple[str, ...], Record]:
    """Rows indexed by the string form of ``columns`` (team ids may come as numbers)."""
    return {tuple(str(row[column]) for column in columns): row for row in rows}


def number(row: Record, column: str) -> float | None:
    """A float, or ``None`` when the analysis gave NaN or nothing."""
    value = row.get(column)
    if value is None:
        return None
    result = float(value)
    return None if math.isnan(result) else result


def count(row: Record, column: str) -> int | None:
    """An integer count, or ``None`` when the analysis gave NaN or nothing."""
    value = number(row, column)
    return None if value is None else round(value)


def answered(size: Record) -> int:
    """How many of a team answered: ``answered`` when the analysis screened respondents out,
    else ``respondents`` (the same number)."""
    value = count(size, "answered")
    return value if value is not None else (count(size, "respondents") or 0)


def flag(row: Record, column: str) -> bool:
    """A boolean column; NaN (a missing flag) reads as False."""
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)
