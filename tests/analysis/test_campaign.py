"""The campaign analysis and its confidentiality rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import ExclusionPolicy, analyse_campaign, score_scales, simulate_organisation
from analysis.campaign import analysed_respondents
from analysis.comparison import FAVOURABILITY_COLUMNS
from analysis.profile import PROFILE_COLUMNS
from instrument.model import Instrument

TEAM_COLUMNS = [
    "team", "scale", "n", "mean", "sd", "ci_low", "ci_high", "rwg_j", "rest_n", "rest_mean",
    "rest_ci_low", "rest_ci_high", "diff", "diff_ci_low", "diff_ci_high", "cohens_d",
    "shrunken_mean", "shrinkage", "shown",
]  # fmt: skip
NOBODY_EXCLUDED = ExclusionPolicy(exclude=frozenset())


def campaign_responses(instrument: Instrument, sizes: dict[str, int]) -> pd.DataFrame:
    """Answers of teams of the given sizes; everyone in team "small" answers alike.

    Their answers alternate 7 and 6, recognisable figures that are not careless answering
    under the default policy (no long run of one answer).
    """
    rng = np.random.default_rng(2)
    frames = []
    for team, size in sizes.items():
        answers = rng.integers(2, 7, size=(size, len(instrument.item_ids))).astype(float)
        if team == "small":
            answers[:] = np.where(np.arange(answers.shape[1]) % 2 == 0, 7.0, 6.0)
        frame = pd.DataFrame(answers, columns=list(instrument.item_ids))
        frame["team"] = team
        frames.append(frame)
    responses = pd.concat(frames, ignore_index=True)
    if "thin" in sizes:
        # One member of "thin" skips every VA item: only 4 of its 5 have a VA score.
        thin = responses.index[responses["team"] == "thin"][0]
        responses.loc[thin, [f"VA0{n}" for n in range(1, 6)]] = np.nan
    return responses


@pytest.fixture
def responses(small_instrument: Instrument) -> pd.DataFrame:
    return campaign_responses(small_instrument, {"large": 6, "small": 3, "thin": 5})


def test_teams_under_the_minimum_are_suppressed_with_a_reason(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument)
    assert result.suppressed.to_dict("records") == [
        {"team": "small", "respondents": 3, "reason": "3 respondents, fewer than the minimum of 5"}
    ]
    assert result.team_sizes.to_dict("list") == {
        "team": ["large", "small", "thin"],
        "respondents": [6, 3, 5],
        "answered": [6, 3, 5],
        "eligible": [True, False, True],
    }
    assert set(result.teams["team"]) == {"large", "thin"}
    assert set(result.profiles["team"]) == {"large", "thin"}


def test_no_figure_of_a_suppressed_team_appears_in_team_results(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument)
    # Every member of "small" gave the same answers, so on every score its mean is its
    # members' score and its sd is 0. None of these may show up among the team figures.
    small = score_scales(responses[responses["team"] == "small"], instrument=small_instrument)
    secrets = np.append(small.mean().to_numpy(), 0.0)
    # Counts are not figures of the team; shrinkage is 0 wherever a scale's ICC(1) is not
    # positive, whatever the teams.
    counts = ["n", "rest_n", "shrinkage"]
    # Placement probabilities are not team figures and may lie near 0 for a clear-cut team.
    probabilities = [c for c in result.profiles.columns if c.startswith("p_") or c == "confidence"]
    figures = pd.concat(
        [
            result.teams.drop(columns=counts).select_dtypes("number"),
            result.profiles.drop(columns=probabilities).select_dtypes("number"),
        ]
    ).to_numpy()
    assert not np.isclose(figures[..., None], secrets).any()
    assert list(result.teams.columns) == TEAM_COLUMNS
    assert list(result.profiles.columns) == list(PROFILE_COLUMNS)


def test_pooled_figures_pool_the_shown_teams_only(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    # Teams large (6), small (3, hidden) and thin (5; 4 VA scores, so its VA is hidden). Were
    # the small team counted in the organisation, 14 x org - 6 x large - 5 x thin would give
    # its HA mean away (docs/confidentiality.md).
    result = analyse_campaign(responses, instrument=small_instrument)
    organisation = result.organisation.set_index("scale")
    scores = result.scores
    shown_ha = scores.loc[scores["team"].isin(["large", "thin"]), "HA"]
    assert organisation.loc["HA", "n"] == 11
    assert organisation.loc["HA", "mean"] == pytest.approx(shown_ha.mean())
    assert organisation.loc["VA", "n"] == 6  # only large's VA is shown
    large = result.teams.set_index(["team", "scale"]).loc[("large", "HA")]
    assert large["rest_n"] == 5
    rest = scores.loc[scores["team"] == "thin", "HA"]
    assert large["rest_mean"] == pytest.approx(rest.mean())
    # thin's VA is hidden, so large's VA has no rest of the organisation to compare with.
    assert np.isnan(result.teams.set_index(["team", "scale"]).loc[("large", "VA"), "rest_mean"])
    # The ICCs pool the shown cells only; reliability counts every respondent kept in an
    # atom: the small team's 3, withheld from every figure, are not in it either.
    assert set(result.icc["scale"]) == {"HA", "VA", "LC_MEM", "LC_BRO", "LC"}
    assert result.icc.set_index("scale").loc["HA", "n_teams"] == 2
    assert result.icc.set_index("scale").loc["VA", "n_teams"] == 1
    assert result.reliability.set_index("scale").loc["HA", "n"] == 11


def test_the_organisation_minus_the_shown_teams_reveals_nothing(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    # The differencing attack on the published figures: n x mean of the organisation minus
    # n x mean of each shown team leaves nobody's answers.
    result = analyse_campaign(responses, instrument=small_instrument)
    organisation = result.organisation.set_index("scale")
    teams = result.teams[result.teams["shown"]]
    for scale, rows in teams.groupby("scale"):
        residual_n = organisation.loc[scale, "n"] - rows["n"].sum()
        residual_sum = (
            organisation.loc[scale, "n"] * organisation.loc[scale, "mean"]
            - (rows["n"] * rows["mean"]).sum()
        )
        assert residual_n == 0, scale
        assert residual_sum == pytest.approx(0.0, abs=1e-9), scale


def test_a_scale_with_too_few_scores_in_a_team_is_not_shown(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument)
    rows = result.teams.set_index(["team", "scale"])
    hidden = rows.loc[("thin", "VA")]
    assert not hidden["shown"]
    assert hidden.drop("shown").isna().all()
    assert rows.loc[("thin", "HA"), "shown"]
    assert rows.loc[("thin", "HA"), "n"] == 5
    assert result.profiles.set_index("team").loc["thin", "profile"] is None


def test_the_rest_of_the_organisation_is_withheld_when_it_is_a_small_group(
    small_instrument: Instrument,
) -> None:
    responses = campaign_responses(small_instrument, {"large": 6, "small": 3})
    result = analyse_campaign(responses, instrument=small_instrument)
    large = result.teams.set_index(["team", "scale"]).loc[("large", "HA")]
    assert large["shown"]
    assert large["mean"] == pytest.approx(
        result.scores.loc[result.scores["team"] == "large", "HA"].mean()
    )
    rest = ["rest_n", "rest_mean", "rest_ci_low", "rest_ci_high", "diff", "cohens_d"]
    assert large[rest].isna().all(), "the rest would be exactly the suppressed team"


def test_the_minimum_group_size_is_the_callers_choice(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument, min_group_size=3)
    assert result.suppressed.empty
    assert set(result.teams["team"]) == {"large", "small", "thin"}
    assert result.min_group_size == 3
    assert result.instrument_ref == "test-instrument@0.1.0"


def test_scores_carry_the_team_and_inputs_stay_untouched(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    before = responses.copy()
    result = analyse_campaign(responses, instrument=small_instrument)
    pd.testing.assert_frame_equal(responses, before)
    assert list(result.scores.columns) == ["team", "HA", "VA", "LC_MEM", "LC_BRO", "LC"]
    assert result.scores.index.equals(responses.index)


def test_responses_without_a_team_column_are_refused(small_instrument: Instrument) -> None:
    responses = campaign_responses(small_instrument, {"large": 6}).drop(columns="team")
    with pytest.raises(ValueError, match="'team' column"):
        analyse_campaign(responses, instrument=small_instrument)


def test_an_instrument_without_both_planes_gets_no_profiles() -> None:
    from tests.analysis.conftest import make_instrument

    instrument = make_instrument({"EN": (4, (4,)), "IM": (3, ())})
    responses = campaign_responses(instrument, {"large": 6, "other": 7})
    result = analyse_campaign(responses, instrument=instrument)
    assert result.profiles.empty
    assert list(result.profiles.columns) == list(PROFILE_COLUMNS)


def test_the_packaged_instrument_analyses_a_simulated_organisation(
    packaged_instrument: Instrument,
) -> None:
    organisation = simulate_organisation(instrument=packaged_instrument, n_teams=40, seed=8)
    result = analyse_campaign(organisation.responses, instrument=packaged_instrument)
    sizes = organisation.responses["team"].value_counts()
    small = set(sizes[sizes < 5].index)
    assert small, "the simulation should include teams under the minimum"
    assert set(result.suppressed["team"]) == small
    assert not small & set(result.teams["team"])
    assert not small & set(result.profiles["team"])
    n_scores = len(packaged_instrument.scales) + len(packaged_instrument.composites)
    assert len(result.teams) == (len(sizes) - len(small)) * n_scores
    assert len(result.reliability) == len(packaged_instrument.scales)
    assert result.reliability["alpha"].between(0.4, 0.95).all()
    assert set(result.profiles["profile"].dropna()) <= {
        "integrated", "community-led", "hierarchy-led", "disengaged",
    }  # fmt: skip
    assert result.instrument_ref == "transversal-core@1.0.0"


def straight_line(responses: pd.DataFrame, team: str, *, instrument: Instrument) -> pd.DataFrame:
    """The answers with the first member of ``team`` answering 4 to every item."""
    planted = responses.copy()
    member = planted.index[planted["team"] == team][0]
    planted.loc[member, list(instrument.item_ids)] = 4.0
    return planted


def test_a_straight_liner_is_flagged_counted_and_left_out_of_the_reliability_only(
    small_instrument: Instrument,
) -> None:
    clean = campaign_responses(small_instrument, {"large": 7, "other": 6})
    responses = straight_line(clean, "large", instrument=small_instrument)
    result = analyse_campaign(responses, instrument=small_instrument)
    assert result.n_excluded == 1
    screening = result.screening.set_index("rule")
    assert screening.loc["longstring", "action"] == "exclude"
    assert screening.loc["longstring", "excluded_by"] == 1
    assert screening["excluded_by"].max() == 1
    straight_liner = responses.index[responses["team"] == "large"][0]
    assert list(result.excluded) == [straight_liner]
    assert straight_liner in result.scores.index
    assert result.reliability.set_index("scale").loc["HA", "n"] == 12
    # The team's n is every member who answered: n beside the number who answered would
    # otherwise tell the team that one of them was flagged.
    assert result.team_sizes.set_index("team").loc["large", "respondents"] == 7
    assert result.organisation.set_index("scale").loc["HA", "n"] == 13
    large = result.teams.set_index(["team", "scale"]).loc[("large", "HA")]
    assert large["n"] == 7


def test_a_flagged_member_never_makes_a_team_too_small_to_be_shown(
    small_instrument: Instrument,
) -> None:
    clean = campaign_responses(small_instrument, {"large": 6, "five": 5})
    responses = straight_line(clean, "five", instrument=small_instrument)
    result = analyse_campaign(responses, instrument=small_instrument)
    assert result.n_excluded == 1
    assert result.suppressed.empty
    assert result.team_sizes.set_index("team").loc["five", "eligible"]
    five = result.teams[result.teams["team"] == "five"]
    assert set(five["n"]) == {5.0}


def test_a_straight_liner_withheld_from_every_figure_is_in_no_count_of_the_careless(
    small_instrument: Instrument,
) -> None:
    # "tiny" (2) reaches no atom: its rows are withheld from the export, which flags the
    # careless among the rows it carries. Were the straight-liner counted, the count less
    # the exported flags would tell HR that one of the two withheld respondents was flagged;
    # the reliability's n, beside the response counts, would tell the same.
    clean = campaign_responses(small_instrument, {"large": 7, "other": 6, "tiny": 2})
    responses = straight_line(clean, "tiny", instrument=small_instrument)
    result = analyse_campaign(responses, instrument=small_instrument)
    assert result.decision.row_atom("tiny") is None
    assert result.n_excluded == 0
    assert list(result.excluded) == []
    screening = result.screening.set_index("rule")
    assert screening["flagged"].sum() == screening["excluded_by"].sum() == 0
    assert result.reliability.set_index("scale").loc["HA", "n"] == 13
    # The same straight-liner in a shown team is counted, by every rule that caught them.
    shown = analyse_campaign(
        straight_line(clean, "large", instrument=small_instrument), instrument=small_instrument
    )
    assert shown.n_excluded == 1
    assert shown.screening.set_index("rule").loc["longstring", "excluded_by"] == 1
    assert shown.reliability.set_index("scale").loc["HA", "n"] == 12


def test_the_analysed_respondents_are_found_in_any_order_of_the_same_answers(
    small_instrument: Instrument,
) -> None:
    clean = campaign_responses(small_instrument, {"large": 7, "other": 6, "tiny": 2})
    responses = straight_line(clean, "large", instrument=small_instrument)
    result = analyse_campaign(responses, instrument=small_instrument)
    reordered = responses.iloc[::-1].reset_index(drop=True)
    found = analysed_respondents(reordered, instrument=small_instrument, decision=result.decision)
    straight_liner = reordered.index[
        (reordered[list(small_instrument.item_ids)] == 4.0).all(axis=1)
    ]
    expected = ~reordered["team"].eq("tiny").to_numpy() & ~reordered.index.isin(straight_liner)
    assert len(straight_liner) == 1
    assert found.tolist() == expected.tolist()
    assert int(found.sum()) == result.reliability.set_index("scale").loc["HA", "n"] == 12


def test_a_team_whose_every_member_is_excluded_is_still_listed(
    small_instrument: Instrument,
) -> None:
    responses = campaign_responses(small_instrument, {"large": 6, "gone": 2})
    responses.loc[responses["team"] == "gone", list(small_instrument.item_ids)] = 4.0
    result = analyse_campaign(responses, instrument=small_instrument)
    assert result.suppressed.set_index("team").loc["gone"].to_dict() == {
        "respondents": 2,
        "reason": "2 respondents, fewer than the minimum of 5",
    }


def test_shrunken_means_lie_between_the_team_mean_and_the_grand_mean(
    small_instrument: Instrument,
) -> None:
    organisation = simulate_organisation(
        instrument=small_instrument, team_sizes=[12, 9, 7, 6, 5, 3], icc1=0.2, seed=4
    )
    result = analyse_campaign(organisation.responses, instrument=small_instrument)
    rows = result.teams
    shown = rows[rows["shown"]]
    assert rows.loc[~rows["shown"], ["shrunken_mean", "shrinkage"]].isna().all().all()
    # The grand mean by hand: the GLS mean of the shown team means (Raudenbush & Bryk 2002,
    # eq. 3.8), weights n / (1 + (n - 1) * ICC(1)), the ICC(1) from the campaign's icc frame.
    rho = shown["scale"].map(result.icc.set_index("scale")["icc1"]).clip(lower=0.0)
    weight = shown["n"] / (1 + (shown["n"] - 1) * rho)
    grand = (weight * shown["mean"]).groupby(shown["scale"]).sum() / weight.groupby(
        shown["scale"]
    ).sum()
    grand_mean = shown["scale"].map(grand)
    assert shown["shrinkage"].between(0, 1).all()
    assert np.allclose(
        shown["shrunken_mean"], grand_mean + shown["shrinkage"] * (shown["mean"] - grand_mean)
    )
    low = np.minimum(shown["mean"], grand_mean) - 1e-12
    high = np.maximum(shown["mean"], grand_mean) + 1e-12
    assert shown["shrunken_mean"].between(low, high).all()
    assert (rho > 0).any()
    assert (shown["shrunken_mean"] != shown["mean"]).any()


def test_favourability_shares_add_up_per_team_and_scale_and_skip_ineligible_teams(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument)
    table = result.favourability
    assert list(table.columns) == [*FAVOURABILITY_COLUMNS, "shown"]
    assert set(table["team"]) == {"large", "thin"}
    shown = table[table["shown"]]
    assert np.allclose(shown.groupby(["team", "scale"])["share"].sum(), 1.0)
    hidden = table[(table["team"] == "thin") & (table["scale"] == "VA")]
    assert len(hidden) == 3
    assert not hidden["shown"].any()
    assert hidden.drop(columns=["team", "scale", "category", "shown"]).isna().all().all()


def test_nothing_eligible_leaves_the_team_tables_empty(small_instrument: Instrument) -> None:
    responses = campaign_responses(small_instrument, {"small": 3, "other": 4})
    result = analyse_campaign(responses, instrument=small_instrument)
    assert set(result.suppressed["team"]) == {"small", "other"}
    assert result.teams.empty
    assert list(result.teams.columns) == TEAM_COLUMNS
    assert result.profiles.empty
    assert list(result.profiles.columns) == list(PROFILE_COLUMNS)
    assert result.favourability.empty
    assert list(result.favourability.columns) == [*FAVOURABILITY_COLUMNS, "shown"]


def test_without_a_policy_the_figures_are_those_of_a_policy_excluding_nobody(
    small_instrument: Instrument,
) -> None:
    clean = campaign_responses(small_instrument, {"large": 7, "small": 3, "thin": 5})
    responses = straight_line(clean, "large", instrument=small_instrument)
    unscreened = analyse_campaign(responses, instrument=small_instrument, exclusion_policy=None)
    nobody = analyse_campaign(
        responses, instrument=small_instrument, exclusion_policy=NOBODY_EXCLUDED
    )
    screened = analyse_campaign(responses, instrument=small_instrument)
    for name in (
        "scores", "reliability", "icc", "organisation", "teams", "profiles", "favourability",
        "team_sizes", "suppressed",
    ):  # fmt: skip
        pd.testing.assert_frame_equal(getattr(unscreened, name), getattr(nobody, name))
    assert unscreened.n_excluded == nobody.n_excluded == 0
    assert unscreened.screening.empty
    assert unscreened.scores.index.equals(responses.index)
    assert nobody.screening["flagged"].sum() > 0, "flagged, but only warned"
    assert screened.n_excluded == 1
    # The exclusion changes the reliability and no group's figure.
    assert not screened.reliability.equals(unscreened.reliability)
    pd.testing.assert_frame_equal(screened.organisation, unscreened.organisation)
    pd.testing.assert_frame_equal(screened.teams, unscreened.teams)
