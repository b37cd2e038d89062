"""The whole analysis of one survey campaign, with the confidentiality rule applied.

The rule: a group smaller than the campaign's minimum group size never gets a figure of its
own. Teams with fewer respondents than the minimum are *ineligible*: they have no row in
``teams`` or ``profiles`` and are listed in ``suppressed``; their members still count in
the organisation's figures, the reliability, the ICCs and every other team's "rest of the
organisation". Within an eligible team a scale is shown only when at least the minimum
number of members have a score on it. A "rest of the organisation" smaller than the minimum
is withheld too, since it would show the figures of that small group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.aggregation import (
    compare_to_rest,
    icc,
    organisation_statistics,
    team_statistics,
)
from analysis.interrater import scale_agreement
from analysis.profile import HORIZONTAL, PROFILE_COLUMNS, VERTICAL, place_teams
from analysis.reliability import scale_reliability
from analysis.scoring import score_scales
from instrument.model import Instrument

TEAM = "team"
REST_FIGURES = (
    "rest_n",
    "rest_mean",
    "rest_ci_low",
    "rest_ci_high",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "cohens_d",
)


@dataclass(frozen=True)
class CampaignAnalysis:
    """Everything the report of a campaign shows, as plain DataFrames (no rounding).

    Attributes
    ----------
    instrument_ref : str
        ``id@version`` of the instrument the answers were given on.
    min_group_size : int
        The smallest group that may be shown.
    scores : DataFrame
        One row per respondent: team, then a column per scale and per composite.
    reliability : DataFrame
        Per scale: scale, k, n, alpha, alpha_std, alpha_ci_low, alpha_ci_high, omega.
    icc : DataFrame
        Per scale and composite: scale, n, n_teams, icc1, icc2, f, p (all respondents).
    organisation : DataFrame
        Per scale and composite: scale, n, mean, sd, ci_low, ci_high (all respondents;
        figures other than n withheld when n is below the minimum group size).
    teams : DataFrame
        Per (eligible team, scale): team, scale, n, mean, sd, ci_low, ci_high, rwg_j,
        rest_n, rest_mean, rest_ci_low, rest_ci_high, diff, diff_ci_low, diff_ci_high,
        cohens_d, shown. Where ``shown`` is false every figure is NaN, which is why the
        counts n and rest_n are floats here.
    profiles : DataFrame
        Per eligible team: the columns of ``place_teams`` (empty if the instrument has no
        HA or VA scale).
    team_sizes : DataFrame
        Per team: team, respondents, eligible.
    suppressed : DataFrame
        Per ineligible team: team, respondents, reason.
    """

    instrument_ref: str
    min_group_size: int
    scores: pd.DataFrame
    reliability: pd.DataFrame
    icc: pd.DataFrame
    organisation: pd.DataFrame
    teams: pd.DataFrame
    profiles: pd.DataFrame
    team_sizes: pd.DataFrame
    suppressed: pd.DataFrame


def analyse_campaign(
    responses: pd.DataFrame, *, instrument: Instrument, min_group_size: int = 5
) -> CampaignAnalysis:
    """Score, check and aggregate a campaign's answers.

    Parameters
    ----------
    responses : DataFrame
        Raw answers, one column per item id, and a ``team`` column of team ids.
    instrument : Instrument
        The instrument the answers were given on.
    min_group_size : int
        The smallest number of respondents a team (and a scale within it) needs to be shown.

    Returns
    -------
    CampaignAnalysis
    """
    if TEAM not in responses.columns:
        raise ValueError("responses needs a 'team' column with each respondent's team id")
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, is {min_group_size}")
    teams = responses[TEAM]
    scores = score_scales(responses, instrument=instrument)
    sizes = _team_sizes(teams, min_group_size=min_group_size)
    eligible = sizes.loc[sizes["eligible"], TEAM]
    team_rows = _team_rows(
        responses,
        scores,
        teams=teams,
        instrument=instrument,
        eligible=eligible,
        min_group_size=min_group_size,
    )
    midpoint = (instrument.response_scale.min + instrument.response_scale.max) / 2
    return CampaignAnalysis(
        instrument_ref=instrument.ref,
        min_group_size=min_group_size,
        scores=pd.concat([teams, scores], axis=1),
        reliability=scale_reliability(responses, instrument=instrument),
        icc=icc(scores, teams=teams),
        organisation=_organisation(scores, min_group_size=min_group_size),
        teams=team_rows,
        profiles=_profiles(team_rows, midpoint=midpoint),
        team_sizes=sizes,
        suppressed=_suppressed(sizes, min_group_size=min_group_size),
    )


def _team_sizes(teams: pd.Series, *, min_group_size: int) -> pd.DataFrame:
    counts = teams.value_counts(dropna=True).sort_index()
    return pd.DataFrame(
        {
            TEAM: counts.index.to_numpy(),
            "respondents": counts.to_numpy(dtype=np.int64),
            "eligible": counts.to_numpy() >= min_group_size,
        }
    )


def _suppressed(sizes: pd.DataFrame, *, min_group_size: int) -> pd.DataFrame:
    small = sizes.loc[~sizes["eligible"], [TEAM, "respondents"]].reset_index(drop=True)
    small["reason"] = [
        f"{n} respondent{'' if n == 1 else 's'}, fewer than the minimum of {min_group_size}"
        for n in small["respondents"]
    ]
    return small


def _team_rows(
    responses: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    teams: pd.Series,
    instrument: Instrument,
    eligible: pd.Series,
    min_group_size: int,
) -> pd.DataFrame:
    keys = [TEAM, "scale"]
    rows = (
        team_statistics(scores, teams=teams)
        .merge(scale_agreement(responses, teams=teams, instrument=instrument), on=keys, how="left")
        .merge(compare_to_rest(scores, teams=teams), on=keys, how="left")
    )
    rows = rows[rows[TEAM].isin(eligible)].reset_index(drop=True)
    figures = [c for c in rows.columns if c not in keys]
    rows[figures] = rows[figures].astype(np.float64)
    rest_too_small = rows["rest_n"] < min_group_size
    rows.loc[rest_too_small, list(REST_FIGURES)] = np.nan
    shown = rows["n"] >= min_group_size
    rows.loc[~shown, figures] = np.nan
    rows["shown"] = shown.to_numpy(dtype=bool)
    return rows


def _profiles(team_rows: pd.DataFrame, *, midpoint: float) -> pd.DataFrame:
    planes = team_rows[team_rows["scale"].isin([HORIZONTAL, VERTICAL])]
    if set(planes["scale"]) != {HORIZONTAL, VERTICAL}:
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    return place_teams(planes, midpoint=midpoint)


def _organisation(scores: pd.DataFrame, *, min_group_size: int) -> pd.DataFrame:
    organisation = organisation_statistics(scores)
    too_small = organisation["n"] < min_group_size
    organisation.loc[too_small, ["mean", "sd", "ci_low", "ci_high"]] = np.nan
    return organisation
