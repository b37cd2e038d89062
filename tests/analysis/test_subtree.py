"""A subtree (a department) against the rest of the organisation: its figures against scipy,
the coverage of its difference interval, and the disclosure decision it must follow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from scipy import stats

import analysis
from analysis.campaign import CampaignAnalysis, analyse_campaign
from analysis.confidentiality import ROWS, UnknownUnitError, decide
from analysis.simulate import simulate_organisation
from analysis.subtree import SUBTREE_COLUMNS, subtree_figures, subtree_respondents
from instrument.loader import load_builtin

FloatArray = NDArray[np.float64]

K = 5
SIZES = {
    "team-001": 9,
    "team-002": 7,
    "team-003": 3,
    "team-004": 12,
    "team-005": 3,
    "team-006": 3,
    "team-007": 8,
    "team-008": 2,
}
PARENTS: dict[str, str | None] = {
    "org": None,
    "care": "org",  # two teams of k or more and one of 3, which is pooled further up
    "team-001": "care",
    "team-002": "care",
    "team-003": "care",
    "admin": "org",  # one team of 12 and two of 3, pooled together in the department
    "team-004": "admin",
    "team-005": "admin",
    "team-006": "admin",
    "lab": "org",  # a team of 8 and, in a unit of its own, a team of 2
    "team-007": "lab",
    "annex": "lab",
    "team-008": "annex",
}
"""Pooling with k = 5: team-003's 3 wait at the organisation with team-008's 2 and form an atom
there; team-005 and team-006 form an atom of 6 in admin; annex forms no atom of its own."""


@pytest.fixture(scope="module")
def campaign() -> CampaignAnalysis:
    instrument = load_builtin()
    organisation = simulate_organisation(
        instrument=instrument, seed=11, team_sizes=list(SIZES.values())
    )
    responses = organisation.responses
    assert responses["team"].value_counts().to_dict() == SIZES
    return analyse_campaign(responses, instrument=instrument, min_group_size=K, parents=PARENTS)


def _scores(campaign: CampaignAnalysis, scale: str, mask: NDArray[np.bool_]) -> FloatArray:
    values: FloatArray = campaign.scores[scale].to_numpy(dtype=np.float64)
    return values[mask]


def test_it_is_exported_with_its_error() -> None:
    assert analysis.subtree_figures is subtree_figures
    assert analysis.subtree_respondents is subtree_respondents
    assert analysis.UnknownUnitError is UnknownUnitError


def test_one_row_per_scale_and_composite_as_the_organisation_has(
    campaign: CampaignAnalysis,
) -> None:
    figures = subtree_figures(campaign, unit="care")
    assert tuple(figures.columns) == SUBTREE_COLUMNS
    assert list(figures["scale"]) == list(campaign.organisation["scale"])
    assert figures["n"].dtype == np.int64
    assert figures["rest_n"].dtype == np.int64
    assert figures["shown"].dtype == bool


def test_the_figures_match_a_direct_computation_with_scipy(campaign: CampaignAnalysis) -> None:
    figures = subtree_figures(campaign, unit="care").set_index("scale")
    decision = campaign.decision
    checked = 0
    for scale, row in figures.iterrows():
        inside = decision.in_group("care", str(scale))
        rest = decision.published(str(scale)) & ~inside
        group, others = _scores(campaign, str(scale), inside), _scores(campaign, str(scale), rest)
        assert row["n"] == len(group)
        assert row["rest_n"] == len(others)
        if not row["shown"]:
            continue
        checked += 1
        sem = stats.sem(group)
        low, high = stats.t.interval(0.95, len(group) - 1, loc=group.mean(), scale=sem)
        assert row["mean"] == pytest.approx(group.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(group.std(ddof=1), rel=1e-10)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-10)
        rest_low, rest_high = stats.t.interval(
            0.95, len(others) - 1, loc=others.mean(), scale=stats.sem(others)
        )
        assert row["rest_mean"] == pytest.approx(others.mean(), rel=1e-12)
        assert (row["rest_ci_low"], row["rest_ci_high"]) == pytest.approx(
            (rest_low, rest_high), rel=1e-10
        )
        welch = stats.ttest_ind(group, others, equal_var=False).confidence_interval(0.95)
        assert row["diff"] == pytest.approx(group.mean() - others.mean(), abs=1e-12)
        assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(
            (welch.low, welch.high), rel=1e-9
        )
        n1, n2 = len(group), len(others)
        pooled = np.sqrt(
            ((n1 - 1) * group.var(ddof=1) + (n2 - 1) * others.var(ddof=1)) / (n1 + n2 - 2)
        )
        assert row["cohens_d"] == pytest.approx((group.mean() - others.mean()) / pooled)
    assert checked >= 10


def test_a_department_pools_its_shown_teams_and_not_a_small_team_pooled_further_up(
    campaign: CampaignAnalysis,
) -> None:
    teams = campaign.scores["team"]
    inside = campaign.decision.in_group("care", ROWS)
    assert set(teams[inside]) == {"team-001", "team-002"}
    assert subtree_respondents(campaign, unit="care") == SIZES["team-001"] + SIZES["team-002"]


def test_a_difference_interval_covers_the_true_shift_in_95_percent_of_replications(
    campaign: CampaignAnalysis,
) -> None:
    """The care department's members score N(4.5, 1.3²), everyone else N(4, 0.8²), no team
    effect (so the respondents are independent, as the Welch interval assumes): the true
    difference is 0.5. 400 replications; the binomial standard error of a 95 % coverage is
    1.1 points, so it must land within 3.3 points (3 standard errors) of 95 %."""
    rng = np.random.default_rng(20260301)
    cells = campaign.scores["team"].astype(str)
    departments = cells.map(PARENTS)
    shifted = (departments == "care").to_numpy()
    decision = decide(
        cells,
        parents=PARENTS,
        min_group_size=K,
        scored=pd.DataFrame({"HA": np.ones(len(cells), dtype=bool)}, index=cells.index),
    )
    covered, widths = 0, []
    replications = 400
    for _ in range(replications):
        values = np.where(
            shifted, rng.normal(4.5, 1.3, len(cells)), rng.normal(4.0, 0.8, len(cells))
        )
        scores = pd.DataFrame({"team": cells, "HA": values}, index=cells.index)
        simulated = replace(campaign, scores=scores, decision=decision)
        row = subtree_figures(simulated, unit="care").iloc[0]
        covered += row["diff_ci_low"] <= 0.5 <= row["diff_ci_high"]
        widths.append(row["diff_ci_high"] - row["diff_ci_low"])
    assert abs(covered / replications - 0.95) <= 0.033
    assert np.all(np.isfinite(widths))


def test_the_department_figure_pools_the_published_count_and_a_small_team_cannot_be_peeled_off(
    campaign: CampaignAnalysis,
) -> None:
    """Subtract every team shown on its own from its department: what remains is nobody (the
    small team is pooled further up, in no department figure) or a pool of at least k."""
    frame = campaign.decision.to_frame().set_index("unit")
    teams = campaign.teams
    remainders = {}
    for department in ("care", "admin"):
        assert subtree_respondents(campaign, unit=department) == frame.at[department, "published"]
        figures = subtree_figures(campaign, unit=department).set_index("scale")
        members = [t for t, p in PARENTS.items() if p == department]
        no_missing_scale = figures.index[figures["n"] == frame.at[department, "published"]]
        assert len(no_missing_scale) > 0, "some scale counts every respondent pooled"
        for scale, row in figures.iterrows():
            shown = teams[teams["team"].isin(members) & (teams["scale"] == scale) & teams["shown"]]
            left_n = row["n"] - shown["n"].sum()
            left_sum = row["n"] * row["mean"] - (shown["n"] * shown["mean"]).sum()
            assert left_n == 0 or left_n >= K, (department, scale, left_n)
            if left_n == 0 and row["shown"]:
                assert left_sum == pytest.approx(0.0, abs=1e-9)
            remainders[(department, scale)] = left_n
    assert remainders[("care", "HA")] == 0, "team-003 is not in the department's figure"
    assert remainders[("admin", "HA")] == SIZES["team-005"] + SIZES["team-006"]


def test_the_rest_beside_a_department_pools_the_other_atoms_only(
    campaign: CampaignAnalysis,
) -> None:
    figures = subtree_figures(campaign, unit="care").set_index("scale")
    organisation = campaign.organisation.set_index("scale")
    both = figures["n"] + figures["rest_n"]
    assert (both == organisation["n"]).all(), "the department and its rest split the published"


def test_the_root_has_no_rest(campaign: CampaignAnalysis) -> None:
    figures = subtree_figures(campaign, unit="org").set_index("scale")
    organisation = campaign.organisation.set_index("scale")
    assert (figures["rest_n"] == 0).all()
    rest = ["rest_mean", "rest_ci_low", "rest_ci_high", "diff", "diff_ci_low", "diff_ci_high"]
    assert figures[[*rest, "cohens_d"]].isna().all().all()
    assert figures["shown"].all()
    assert np.allclose(figures["mean"], organisation["mean"])
    assert (figures["n"] == organisation["n"]).all()


def test_a_unit_whose_subtree_pools_nobody_shows_nothing(campaign: CampaignAnalysis) -> None:
    assert subtree_respondents(campaign, unit="annex") == 0
    figures = subtree_figures(campaign, unit="annex")
    assert not figures["shown"].any()
    assert (figures["n"] == 0).all()
    withheld = [c for c in SUBTREE_COLUMNS if c not in ("scale", "n", "rest_n", "shown")]
    assert figures[withheld].isna().all().all()


def test_a_unit_not_in_the_chart_is_refused(campaign: CampaignAnalysis) -> None:
    with pytest.raises(UnknownUnitError):
        subtree_figures(campaign, unit="nowhere")
    with pytest.raises(UnknownUnitError):
        subtree_respondents(campaign, unit="nowhere")


def test_a_group_below_the_minimum_is_withheld_whatever_the_decision_held(
    campaign: CampaignAnalysis,
) -> None:
    """A stricter minimum than the decision's: the figures follow the minimum group size too,
    and a rest below it is withheld."""
    strict = replace(campaign, min_group_size=20)
    figures = subtree_figures(strict, unit="care").set_index("scale")
    assert not figures["shown"].any()
    assert figures["mean"].isna().all()
    team = subtree_figures(strict, unit="team-004").set_index("scale")
    assert (team["n"] > 0).all()
    assert team["mean"].isna().all()
