"""The campaign analysis and its confidentiality rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import analyse_campaign, score_scales, simulate_organisation
from analysis.profile import PROFILE_COLUMNS
from instrument.model import Instrument

TEAM_COLUMNS = [
    "team", "scale", "n", "mean", "sd", "ci_low", "ci_high", "rwg_j", "rest_n", "rest_mean",
    "rest_ci_low", "rest_ci_high", "diff", "diff_ci_low", "diff_ci_high", "cohens_d", "shown",
]  # fmt: skip


def campaign_responses(instrument: Instrument, sizes: dict[str, int]) -> pd.DataFrame:
    """Answers of teams of the given sizes; everyone in team "small" answers 7 everywhere."""
    rng = np.random.default_rng(2)
    frames = []
    for team, size in sizes.items():
        answers = rng.integers(2, 7, size=(size, len(instrument.item_ids))).astype(float)
        if team == "small":
            answers[:] = 7.0
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
    counts = ["n", "rest_n"]
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


def test_small_teams_still_count_in_the_organisation_and_the_rest(
    responses: pd.DataFrame, small_instrument: Instrument
) -> None:
    result = analyse_campaign(responses, instrument=small_instrument)
    organisation = result.organisation.set_index("scale")
    assert organisation.loc["HA", "n"] == 14
    assert organisation.loc["HA", "mean"] == pytest.approx(result.scores["HA"].mean())
    large = result.teams.set_index(["team", "scale"]).loc[("large", "HA")]
    assert large["rest_n"] == 8
    rest = result.scores.loc[result.scores["team"] != "large", "HA"]
    assert large["rest_mean"] == pytest.approx(rest.mean())
    assert set(result.icc["scale"]) == {"HA", "VA", "LC_MEM", "LC_BRO", "LC"}
    assert result.icc.set_index("scale").loc["HA", "n_teams"] == 3


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
