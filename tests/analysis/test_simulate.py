"""The organisation simulator: its structure, and that the analysis recovers its truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import (
    SimulatedOrganisation,
    analyse_campaign,
    cronbach_alpha,
    icc,
    reverse_key,
    score_scales,
)
from analysis import simulate_organisation as simulate
from analysis._population import ScaleModel, calibrate_latent_icc, population_icc
from instrument.model import Instrument
from tests.analysis.conftest import make_instrument

# Large enough that +-0.03 is over 4 standard errors of one scale's ICC(1): by Fisher's
# approximation SE = sqrt(2 (1-r)^2 (1+(k-1) r)^2 / (k (k-1) (G-1))) is about 0.0066 for
# r = 0.13, k = 9 and G = 2000 teams, and at most 0.0071 for r <= 0.30, k = 10, G = 3000.
# Over 40 seeds the largest deviation of any scale was 0.025 (2000 teams, defaults).
LARGE = 2000


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    """Scales like the packaged instrument's: 3 to 6 items, most with one reversed."""
    return make_instrument(
        {
            "HA": (6, (4,)), "VA": (6, (5,)), "TR": (5, (4,)), "EN": (4, (4,)),
            "LC_MEM": (3, ()), "LC_BRO": (3, ()), "ME": (5, (5,)),
        },
        composites={"LC": (("LC_MEM", "LC_BRO"), 2)},
    )  # fmt: skip


@pytest.fixture(scope="module")
def large_organisation(instrument: Instrument) -> SimulatedOrganisation:
    return simulate(instrument=instrument, n_teams=LARGE, seed=11)


def test_the_same_seed_gives_the_same_organisation(instrument: Instrument) -> None:
    first = simulate(instrument=instrument, seed=4)
    second = simulate(instrument=instrument, seed=4)
    pd.testing.assert_frame_equal(first.units, second.units)
    pd.testing.assert_frame_equal(first.responses, second.responses)
    pd.testing.assert_frame_equal(first.truth.team_effects, second.truth.team_effects)
    other = simulate(instrument=instrument, seed=5)
    assert not first.responses.equals(other.responses)


def test_units_form_an_organisation_of_departments_of_teams(instrument: Instrument) -> None:
    organisation = simulate(instrument=instrument, n_teams=30, seed=2)
    units = organisation.units
    assert list(units.columns) == ["unit_id", "name", "parent_id", "kind"]
    root = units[units["kind"] == "organisation"]
    departments = units[units["kind"] == "department"]
    teams = units[units["kind"] == "team"]
    assert len(root) == 1
    assert root["parent_id"].isna().all()
    assert 2 <= len(departments) <= 4
    assert (departments["parent_id"] == root["unit_id"].iloc[0]).all()
    assert teams["parent_id"].isin(departments["unit_id"]).all()
    assert len(teams) == 30
    assert units["unit_id"].is_unique
    assert teams["name"].is_unique
    assert teams["name"].str.match(r"^[A-Z][A-Za-z ]+").all()
    assert set(organisation.responses["team"]) == set(teams["unit_id"])


def test_team_sizes_are_realistic_with_some_teams_under_five(instrument: Instrument) -> None:
    sizes = simulate(instrument=instrument, n_teams=200, seed=3).responses["team"].value_counts()
    assert sizes.min() >= 2
    assert 0.10 <= (sizes < 5).mean() <= 0.20
    assert 8 <= sizes.mean() <= 10
    assert sizes.max() > 12, "a spread, not equal teams"


def test_answers_are_whole_options_with_some_missing(instrument: Instrument) -> None:
    responses = simulate(instrument=instrument, n_teams=100, seed=6).responses
    answers = responses.drop(columns="team").to_numpy()
    present = answers[~np.isnan(answers)]
    assert set(np.unique(present)) <= set(range(1, 8))
    # Skipped 3 % and "does not apply" 2 %: 1 - 0.97 * 0.98 = 4.94 % missing.
    assert np.isnan(answers).mean() == pytest.approx(0.0494, abs=0.006)
    # Answers lean towards agreeing, as survey answers do.
    assert 4.4 < present.mean() < 5.0


def test_careless_respondents_are_recorded(instrument: Instrument) -> None:
    organisation = simulate(instrument=instrument, n_teams=100, seed=7, skip_rate=0.0,
                            not_applicable_rate=0.0)  # fmt: skip
    careless = organisation.truth.careless
    answers = organisation.responses.drop(columns="team")
    assert len(careless) == round(0.05 * len(answers))
    straight = answers.loc[careless].nunique(axis=1) == 1
    assert straight.sum() == len(careless) // 2
    attentive = answers.drop(index=careless)
    assert (attentive.nunique(axis=1) > 1).mean() > 0.99


def test_calibration_makes_the_population_icc_of_scale_scores_the_value_set() -> None:
    model = ScaleModel(
        loadings=np.array([0.6, 0.7, 0.8, 0.65]),
        signs=np.array([1.0, 1.0, 1.0, -1.0]),
        thresholds=np.array([-1.5, -0.9, -0.3, 0.3, 0.9, 1.5]),
        leniency=0.45,
        low=1,
        high=7,
    )
    latent = calibrate_latent_icc(model, 0.15)
    assert population_icc(model, latent) == pytest.approx(0.15, abs=1e-10)
    assert latent > 0.15, "thresholds and measurement error attenuate the latent ICC"


def test_icc1_of_a_large_organisation_is_within_003_of_the_value_set(
    instrument: Instrument,
) -> None:
    # Equal teams, no careless people, no missing answers: the ANOVA ICC(1) then estimates
    # exactly the configured population ICC(1) of observed scale scores.
    organisation = simulate(
        instrument=instrument, team_sizes=[10] * 3000, seed=12, careless_share=0.0,
        skip_rate=0.0, not_applicable_rate=0.0, icc1={"HA": 0.25, "VA": 0.05, "TR": 0.15,
        "EN": 0.15, "LC_MEM": 0.10, "LC_BRO": 0.20, "ME": 0.30},
    )  # fmt: skip
    truth = organisation.truth
    pd.testing.assert_series_equal(truth.expected_icc1, truth.icc1, atol=1e-8, rtol=0)
    observed = observed_icc1(organisation.responses, instrument)
    assert (observed - truth.icc1).abs().max() <= 0.03, observed - truth.icc1


def test_icc1_with_careless_people_missing_answers_and_uneven_teams_is_as_expected(
    instrument: Instrument, large_organisation: SimulatedOrganisation
) -> None:
    # With the defaults the estimator runs below the value set (careless people, answers
    # missing, k = N/G > n0); truth.expected_icc1 accounts for that, analytically.
    truth = large_organisation.truth
    observed = observed_icc1(large_organisation.responses, instrument)
    assert (observed - truth.expected_icc1).abs().max() <= 0.03, observed - truth.expected_icc1
    assert (truth.expected_icc1 < truth.icc1).all()


def test_alpha_is_close_to_its_population_value(
    instrument: Instrument, large_organisation: SimulatedOrganisation
) -> None:
    # About 18,000 people: alpha's SE is at most about 0.005 here (3 items, clustered data),
    # so the tolerance 0.02 is about 4 of them; over 40 seeds the largest miss was 0.016.
    keyed = reverse_key(large_organisation.responses, instrument=instrument)
    for scale in instrument.scales:
        alpha = cronbach_alpha(keyed[list(scale.items)]).alpha
        population = large_organisation.truth.population_alpha[scale.id]
        assert alpha == pytest.approx(population, abs=0.02), scale.id


def test_team_means_follow_the_true_team_effects(
    instrument: Instrument, large_organisation: SimulatedOrganisation
) -> None:
    # For a team of n the correlation of its mean with its true effect is about
    # sqrt(ICC(2)) = sqrt(n r / (1 + (n - 1) r)), about 0.75 for n = 9, r = 0.13.
    responses = large_organisation.responses
    scores = score_scales(responses, instrument=instrument)
    means = scores.groupby(responses["team"]).mean()
    sizes = responses["team"].value_counts()
    shown = sizes[sizes >= 5].index
    effects = large_organisation.truth.team_effects.loc[shown]
    for scale in instrument.scale_ids:
        r = np.corrcoef(means.loc[shown, scale], effects[scale])[0, 1]
        assert r > 0.65, (scale, r)


def test_suppressed_teams_are_exactly_those_under_the_minimum(
    instrument: Instrument, large_organisation: SimulatedOrganisation
) -> None:
    responses = large_organisation.responses
    result = analyse_campaign(responses, instrument=instrument)
    # Team sizes count every member who answered, careless or not.
    sizes = responses["team"].value_counts()
    small = set(sizes[sizes < 5].index)
    assert set(result.suppressed["team"]) == small
    assert not small & set(result.teams["team"])
    assert not small & set(result.profiles["team"])
    assert set(result.teams["team"]) == set(sizes.index) - small


def test_an_unreachable_icc_is_refused(instrument: Instrument) -> None:
    with pytest.raises(ValueError, match="cannot be reached"):
        simulate(instrument=instrument, icc1=0.99)


def test_icc_per_scale_must_name_every_scale(instrument: Instrument) -> None:
    with pytest.raises(ValueError, match="leaves out scales"):
        simulate(instrument=instrument, icc1={"HA": 0.2})


def observed_icc1(responses: pd.DataFrame, instrument: Instrument) -> pd.Series:
    scores = score_scales(responses, instrument=instrument)
    table = icc(scores, teams=responses["team"]).set_index("scale")["icc1"]
    return table[list(instrument.scale_ids)]


def test_any_response_scale_is_simulated_and_analysed() -> None:
    # A 0..4 scale without HA or VA: answers stay in range, ICC is still recovered roughly.
    instrument = make_instrument({"A": (3, (3,)), "BB": (4, ())}, low=0, high=4)
    organisation = simulate(instrument=instrument, n_teams=300, seed=1, icc1=0.2)
    answers = organisation.responses.drop(columns="team").to_numpy()
    present = answers[~np.isnan(answers)]
    assert set(np.unique(present)) == {0, 1, 2, 3, 4}
    result = analyse_campaign(organisation.responses, instrument=instrument)
    observed = result.icc.set_index("scale")["icc1"][["A", "BB"]]
    # 300 teams: SE about 0.02, so 0.06 is 3 of them.
    assert (observed - organisation.truth.expected_icc1).abs().max() < 0.06
    assert result.profiles.empty
