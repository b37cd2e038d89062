"""Item distributions: counts per option, per team, equal to a plain count of the answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import analyse_campaign, simulate_organisation
from analysis.distributions import DISTRIBUTION_COLUMNS, item_distributions
from instrument.loader import load_builtin
from instrument.model import Instrument


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_builtin("transversal-core@1.0.0")


def test_counts_equal_value_counts_per_team(instrument: Instrument) -> None:
    organisation = simulate_organisation(instrument=instrument, team_sizes=[7, 12, 3], seed=4)
    responses = organisation.responses.copy()
    responses.loc[responses.index[0], "HA01"] = np.nan  # 'does not apply' is not counted
    table = item_distributions(responses, instrument=instrument, teams=responses["team"])
    assert list(table.columns) == list(DISTRIBUTION_COLUMNS)
    scale = instrument.response_scale
    n_options = scale.max - scale.min + 1
    n_teams = responses["team"].nunique()
    assert len(table) == n_teams * len(instrument.item_ids) * n_options
    for (team, item), group in table.groupby(["team", "item"], sort=False):
        answers = responses.loc[responses["team"] == team, item].dropna()
        expected = answers.value_counts().reindex(range(scale.min, scale.max + 1), fill_value=0)
        assert group["option"].tolist() == list(range(scale.min, scale.max + 1))
        assert group["count"].tolist() == expected.tolist(), (team, item)
    # The instrument's item order within each team.
    first_team = table[table["team"] == table["team"].iloc[0]]
    assert list(dict.fromkeys(first_team["item"])) == list(instrument.item_ids)


def test_answers_outside_the_scale_are_not_counted(instrument: Instrument) -> None:
    responses = pd.DataFrame({"HA01": [1.0, 99.0, 2.5, 7.0], "team": ["a", "a", "a", "a"]})
    table = item_distributions(responses, instrument=instrument, teams=responses["team"])
    assert table["count"].sum() == 2


def test_the_campaign_carries_the_distributions_of_eligible_teams(
    instrument: Instrument,
) -> None:
    organisation = simulate_organisation(instrument=instrument, team_sizes=[8, 9, 2], seed=5)
    result = analyse_campaign(organisation.responses, instrument=instrument, min_group_size=5)
    eligible = set(result.team_sizes.loc[result.team_sizes["eligible"], "team"])
    assert set(result.item_distributions["team"]) == eligible
    assert len(eligible) == 2


def test_respondents_without_a_team_are_left_out(instrument: Instrument) -> None:
    responses = pd.DataFrame({"HA01": [1.0, 2.0, 3.0], "team": ["a", None, np.nan]})
    table = item_distributions(responses, instrument=instrument, teams=responses["team"])
    assert set(table["team"]) == {"a"}
    assert table["count"].sum() == 1
