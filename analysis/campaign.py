"""The whole analysis of one survey campaign, with the confidentiality rules applied.

Careless respondents are flagged first, under an explicit ``ExclusionPolicy``, and left out
of the checks of the instrument (reliability; the validity report's structure and fit), where
no group's figure is shown. They stay in every group's figures: were they left out there, a
team's n beside the number of its members who answered would tell the team how many of them
were flagged.

Respondents in no atom of the decision (a pool that never reached the minimum: the rows an
export withholds) are in no figure, the instrument's checks included, and in no count of the
careless: the screening's counts (``n_excluded``, ``screening``) and the reliability are of
the respondents in an atom only. HR sees each exported row's careless flag; a count over more
rows than the export's, less the flags, would tell how many withheld respondents were flagged.

Which respondents each figure may pool is decided once, by ``analysis.confidentiality.decide``
over the organisation chart (``docs/confidentiality.md``). A team whose own respondents are
fewer than the minimum group size is *ineligible*: it has no row in ``teams`` or ``profiles``
and is listed in ``suppressed``; its respondents are pooled with other small groups up the
chart, and counted in the organisation's figures only where such a pool reaches the minimum.
Within an eligible team a scale is shown only when at least the minimum number of members
have a score on it. The organisation's means and every team's "rest of the organisation" pool
the decision's published scores, so that subtracting the shown teams from the organisation
leaves only pools of at least the minimum. A "rest of the organisation" with nobody in it is
withheld. Shrunken means and favourability shares follow ``shown`` like every other team
figure, and the grand mean the shrunken means are pulled towards is taken over the shown
figures only. The ICCs pool the shown team cells only: their F ratio, beside the published
means, would narrow down a hidden team's mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from analysis.aggregation import (
    compare_to_rest,
    icc,
    organisation_statistics,
    team_statistics,
)
from analysis.comparison import (
    FAVOURABILITY_COLUMNS,
    FAVOURABLE,
    UNFAVOURABLE,
    favourability,
    shrunken_means,
)
from analysis.confidentiality import Decision, decide
from analysis.distributions import item_distributions
from analysis.interrater import scale_agreement
from analysis.profile import HORIZONTAL, PROFILE_COLUMNS, VERTICAL, place_teams
from analysis.quality import RULES, SUMMARY_COLUMNS, ExclusionPolicy, screen_respondents
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
DEFAULT_POLICY = ExclusionPolicy()
"""The screening ``analyse_campaign`` applies unless told otherwise."""
FAVOURABILITY_FIGURES = tuple(
    c for c in FAVOURABILITY_COLUMNS if c not in ("team", "scale", "category")
)


@dataclass(frozen=True)
class CampaignAnalysis:
    r"""Everything the report of a campaign shows, as plain DataFrames (no rounding).

    Attributes
    ----------
    instrument_ref : str
        ``id@version`` of the instrument the answers were given on.
    min_group_size : int
        The smallest group that may be shown.
    scores : DataFrame
        One row per respondent: team, then a column per scale and per composite.
    reliability : DataFrame
        Per scale: scale, k, n, alpha, alpha_std, alpha_ci_low, alpha_ci_high, omega (the
        respondents in an atom of ``decision`` not flagged as careless).
    icc : DataFrame
        Per scale and composite: scale, n, n_teams, icc1, icc2, f, p (the shown teams'
        respondents with a score).
    organisation : DataFrame
        Per scale and composite: scale, n, mean, sd, ci_low, ci_high, of the scores the
        decision publishes (figures other than n withheld when n is below the minimum).
    teams : DataFrame
        Per (eligible team, scale): team, scale, n, mean, sd, ci_low, ci_high, rwg_j,
        rest_n, rest_mean, rest_ci_low, rest_ci_high, diff, diff_ci_low, diff_ci_high,
        cohens_d, shrunken_mean, shrinkage, shown. Where ``shown`` is false every figure is
        NaN, which is why the counts n and rest_n are floats here. ``shrinkage`` is the
        :math:`\lambda` of ``shrunken_means`` (the share of the team's distance from the
        grand mean it keeps), with the scale's ICC(1) from ``icc``.
    profiles : DataFrame
        Per eligible team: the columns of ``place_teams`` (empty if the instrument has no
        HA or VA scale, or no team is eligible).
    favourability : DataFrame
        Per (eligible team, scale, category): the columns of ``favourability`` and shown;
        figures NaN where the team's scale is not shown in ``teams``. Empty when the
        default favourable and unfavourable answers do not fit the response scale (they are
        for 1..7).
    item_distributions : DataFrame
        Per (eligible team, item, option of the response scale): team, item, option, count,
        from every respondent (``item_distributions``). Raw counts: whether a
        distribution may be shown is the report's decision (``analysis.confidentiality``).
    team_sizes : DataFrame
        Per team that answered: team, respondents, answered (both every response received:
        the figures' n and the response rates' numerator), eligible.
    suppressed : DataFrame
        Per ineligible team: team, respondents (responses received), reason.
    screening : DataFrame
        The careless-response screening, one row per rule: the columns ``SUMMARY_COLUMNS``
        of ``screen_respondents``, its counts (flagged, excluded_by) over the respondents in
        an atom of ``decision`` (empty when there was no screening).
    n_excluded : int
        Respondents in an atom of ``decision`` flagged as careless (left out of the
        reliability only); a flagged respondent in no atom is in no figure and no count.
    excluded : Index
        Their labels in the index of the responses analysed. Another frame of the same answers
        (a campaign with the same content, whose analysis is shared) may order its rows
        differently: find its own with ``analysed_respondents``, never with these labels.
    decision : Decision
        The disclosure decision every figure above follows, and the export's row labels.
    """

    instrument_ref: str
    min_group_size: int
    scores: pd.DataFrame
    reliability: pd.DataFrame
    icc: pd.DataFrame
    organisation: pd.DataFrame
    teams: pd.DataFrame
    profiles: pd.DataFrame
    favourability: pd.DataFrame
    item_distributions: pd.DataFrame
    team_sizes: pd.DataFrame
    suppressed: pd.DataFrame
    screening: pd.DataFrame
    n_excluded: int
    excluded: pd.Index
    decision: Decision


def analyse_campaign(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    min_group_size: int = 5,
    exclusion_policy: ExclusionPolicy | None = DEFAULT_POLICY,
    parents: Mapping[str, str | None] | None = None,
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
    exclusion_policy : ExclusionPolicy or None
        Who is flagged as careless (``screen_respondents``) and left out of the reliability;
        None screens nobody.
    parents : Mapping, optional
        The organisation chart, unit id to parent id (None for a root), with the team ids
        among its units: small teams are then pooled up the chart (``decide``). Without a
        chart each team stands alone.

    Returns
    -------
    CampaignAnalysis

    Notes
    -----
    A team is eligible when at least ``min_group_size`` of its members answered.
    """
    if TEAM not in responses.columns:
        raise ValueError("responses needs a 'team' column with each respondent's team id")
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1, is {min_group_size}")
    flags, screening = _screen(responses, instrument=instrument, policy=exclusion_policy)
    teams = responses[TEAM]
    scores = score_scales(responses, instrument=instrument)
    decision = decide(teams, min_group_size=min_group_size, parents=parents, scored=scores.notna())
    # Withheld respondents (in no atom) are in no figure and no count of the careless.
    disclosed = decision.published()
    flagged = flags["excluded"].to_numpy(dtype=bool) & disclosed
    kept = responses.loc[disclosed & ~flagged]
    sizes = _team_sizes(teams, decision=decision)
    eligible = sizes.loc[sizes["eligible"], TEAM]
    shown = decision.shown_cells()
    published = decision.published_scores(scores)
    scale_icc = icc(decision.team_scores(scores), teams=teams)
    team_rows = _team_rows(
        responses,
        scores,
        published,
        teams=teams,
        instrument=instrument,
        eligible=eligible,
        shown=shown,
        min_group_size=min_group_size,
        icc1=scale_icc.set_index("scale")["icc1"],
    )
    midpoint = (instrument.response_scale.min + instrument.response_scale.max) / 2
    return CampaignAnalysis(
        instrument_ref=instrument.ref,
        min_group_size=min_group_size,
        scores=pd.concat([teams, scores], axis=1),
        reliability=scale_reliability(kept, instrument=instrument),
        icc=scale_icc,
        organisation=_organisation(published, min_group_size=min_group_size),
        teams=team_rows,
        profiles=_profiles(team_rows, midpoint=midpoint),
        favourability=_favourability(responses, instrument=instrument, team_rows=team_rows),
        item_distributions=_item_distributions(responses, instrument=instrument, eligible=eligible),
        team_sizes=sizes,
        suppressed=_suppressed(sizes, min_group_size=min_group_size),
        screening=_counted(screening, flags=flags, disclosed=disclosed),
        n_excluded=int(flagged.sum()),
        excluded=responses.index[flagged],
        decision=decision,
    )


def analysed_respondents(
    responses: pd.DataFrame,
    *,
    instrument: Instrument,
    decision: Decision,
    exclusion_policy: ExclusionPolicy | None = DEFAULT_POLICY,
) -> NDArray[np.bool_]:
    """Per row of ``responses``: whether the instrument's checks use it (the reliability, the
    invariance across departments): its unit's rows are in an atom of ``decision`` and the
    screening does not flag it as careless.

    Found from the rows themselves (their units and their answers, screened again under
    ``exclusion_policy``, ``analyse_campaign``'s default), never from an analysis' row labels:
    one analysis serves every campaign with the same answers, whatever their row order, and
    the screening gives a row the same flag in any order of the same answers."""
    flags, _ = _screen(responses, instrument=instrument, policy=exclusion_policy)
    in_atom = {str(unit): decision.row_atom(str(unit)) is not None for unit in set(responses[TEAM])}
    disclosed = responses[TEAM].map(lambda unit: in_atom[str(unit)]).to_numpy(dtype=bool)
    return np.asarray(disclosed & ~flags["excluded"].to_numpy(dtype=bool), dtype=bool)


def _screen(
    responses: pd.DataFrame, *, instrument: Instrument, policy: ExclusionPolicy | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each respondent's flags (``flag_<rule>`` per rule of ``RULES`` and ``excluded``, on the
    responses' index) and the screening's summary; nobody flagged and an empty summary
    without a policy."""
    if policy is None:
        nobody = np.zeros(len(responses), dtype=bool)
        flags = pd.DataFrame(
            {**{f"flag_{rule}": nobody for rule in RULES}, "excluded": nobody},
            index=responses.index,
        )
        return flags, pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    result = screen_respondents(responses, instrument=instrument, policy=policy)
    return result.respondents, result.summary


def _counted(
    summary: pd.DataFrame, *, flags: pd.DataFrame, disclosed: NDArray[np.bool_]
) -> pd.DataFrame:
    """The screening's summary with its counts (flagged, excluded_by) over the ``disclosed``
    respondents only: a count that took in the withheld ones, less the exported flags (and
    the warning rules' indices, which HR can compute from the exported answers), would tell
    how many of them each rule flagged."""
    if summary.empty:
        return summary
    excluded = flags["excluded"].to_numpy(dtype=bool) & disclosed
    counted = summary.copy()
    rule_flags = [
        flags[f"flag_{rule}"].to_numpy(dtype=bool) & disclosed for rule in summary["rule"]
    ]
    counted["flagged"] = [int(f.sum()) for f in rule_flags]
    counted["excluded_by"] = [int((f & excluded).sum()) for f in rule_flags]
    return counted


def _team_sizes(teams: pd.Series, *, decision: Decision) -> pd.DataFrame:
    counts = teams.value_counts(dropna=True).sort_index()
    return pd.DataFrame(
        {
            TEAM: counts.index.to_numpy(),
            "respondents": counts.to_numpy(dtype=np.int64),
            "answered": counts.to_numpy(dtype=np.int64),
            "eligible": np.array(
                [decision.is_team_shown(str(t)) for t in counts.index], dtype=bool
            ),
        }
    )


def _suppressed(sizes: pd.DataFrame, *, min_group_size: int) -> pd.DataFrame:
    """Every ineligible team with the responses it sent and why it is not shown."""
    small = sizes.loc[~sizes["eligible"], [TEAM, "answered"]].reset_index(drop=True)
    small = small.rename(columns={"answered": "respondents"})
    small["reason"] = [
        f"{n} respondent{'' if n == 1 else 's'}, fewer than the minimum of {min_group_size}"
        for n in small["respondents"]
    ]
    return small


def _team_rows(
    responses: pd.DataFrame,
    scores: pd.DataFrame,
    published: pd.DataFrame,
    *,
    teams: pd.Series,
    instrument: Instrument,
    eligible: pd.Series,
    shown: pd.DataFrame,
    min_group_size: int,
    icc1: pd.Series,
) -> pd.DataFrame:
    keys = [TEAM, "scale"]
    rows = (
        team_statistics(scores, teams=teams)
        .merge(scale_agreement(responses, teams=teams, instrument=instrument), on=keys, how="left")
        .merge(compare_to_rest(published, teams=teams), on=keys, how="left")
    )
    rows = rows[rows[TEAM].isin(eligible)].reset_index(drop=True)
    figures = [c for c in rows.columns if c not in keys]
    rows[figures] = rows[figures].astype(np.float64)
    rest_too_small = rows["rest_n"] < min_group_size
    rows.loc[rest_too_small, list(REST_FIGURES)] = np.nan
    cells = shown.stack().reindex(pd.MultiIndex.from_frame(rows[keys]), fill_value=False)
    visible = pd.Series(cells.to_numpy(dtype=bool), index=rows.index)
    rows.loc[~visible, figures] = np.nan
    # Shrunk over the shown rows only: the grand mean is then made of figures the analysis
    # shows anyway, and a suppressed team cannot be read back from it.
    shrunk = shrunken_means(rows[visible], icc1=icc1)
    rows["shrunken_mean"] = shrunk["shrunken_mean"].reindex(rows.index).astype(np.float64)
    rows["shrinkage"] = shrunk["lambda"].reindex(rows.index).astype(np.float64)
    rows["shown"] = visible.to_numpy(dtype=bool)
    return rows


def _favourability(
    responses: pd.DataFrame, *, instrument: Instrument, team_rows: pd.DataFrame
) -> pd.DataFrame:
    columns = [*FAVOURABILITY_COLUMNS, "shown"]
    options = set(instrument.response_scale.values)
    if not set(FAVOURABLE) | set(UNFAVOURABLE) <= options:
        return pd.DataFrame(columns=columns)
    shares = favourability(responses, instrument=instrument, teams=responses[TEAM])
    shown = team_rows[[TEAM, "scale", "shown"]]
    shares = shares.merge(shown, on=[TEAM, "scale"], how="inner", validate="many_to_one")
    figures = list(FAVOURABILITY_FIGURES)
    shares[figures] = shares[figures].astype(np.float64)
    shares.loc[~shares["shown"], figures] = np.nan
    return shares[columns]


def _item_distributions(
    kept: pd.DataFrame, *, instrument: Instrument, eligible: pd.Series
) -> pd.DataFrame:
    members = kept[kept[TEAM].isin(eligible)]
    return item_distributions(members, instrument=instrument, teams=members[TEAM])


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
