"""The invariance across departments is tested on the right rows when the analysis it is given
was made of another campaign with the same content: the analysis cache serves one analysis to
every campaign with the same answers, whose rows may come in another order."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from analysis import screen_respondents
from api.services import campaigns
from api.services.analysis_cache import AnalysisCache
from api.services.campaigns import CampaignData
from tests.api.test_campaign_invariance import _campaign


@pytest.fixture
def tested(monkeypatch: pytest.MonkeyPatch) -> list[pd.DataFrame]:
    """The rows each invariance test was run on (the test itself skipped: a minute of fits
    would add nothing to which rows it is given)."""
    frames: list[pd.DataFrame] = []

    def recorded(responses: pd.DataFrame, **_: object) -> pd.DataFrame:
        frames.append(responses.copy())
        return pd.DataFrame()

    monkeypatch.setattr(campaigns, "invariance_across_groups", recorded)
    return frames


def _kept(data: CampaignData) -> pd.DataFrame:
    """The rows the campaign's invariance is to be tested on, found apart from the service:
    every team has 20 respondents, so every row is in a group of at least the minimum, and
    the rows kept are those the screening does not flag as careless."""
    flagged = screen_respondents(data.responses, instrument=data.instrument).respondents
    return data.responses.loc[~flagged["excluded"].to_numpy(dtype=bool)]


def _first() -> CampaignData:
    """A closed campaign's data as ``load_snapshot`` reads it: its rows numbered from 0, as
    every campaign's are, so that a row label of one campaign names a row of the other."""
    data = _campaign()
    return dataclasses.replace(
        data, responses=data.responses.reset_index(drop=True), fingerprint="f" * 64
    )


def test_a_campaign_analysed_second_tests_invariance_on_its_own_kept_rows(
    tested: list[pd.DataFrame],
) -> None:
    first = _first()
    # The same answers, the rows in the reverse order: another campaign, the same snapshot
    # content, so the cache serves it the first campaign's analysis.
    reversed_rows = first.responses.iloc[::-1].reset_index(drop=True)
    second = dataclasses.replace(first, campaign_id=2, responses=reversed_rows)
    cache = AnalysisCache()

    shared = cache.analysis(first)
    analysis, _ = cache.with_invariance(second)

    assert analysis is shared
    assert shared.n_excluded > 0
    (rows,) = tested
    expected = _kept(second)
    # Not only as many rows: the very rows, the careless ones left out wherever they are.
    assert list(rows.index) == list(expected.index)
    pd.testing.assert_frame_equal(rows.drop(columns="department"), expected)
    assert len(rows) == len(second.responses) - shared.n_excluded


def test_both_campaigns_test_invariance_on_the_same_answers(
    tested: list[pd.DataFrame],
) -> None:
    first = _first()
    shuffled = first.responses.sample(frac=1.0, random_state=5).reset_index(drop=True)
    second = dataclasses.replace(first, campaign_id=2, responses=shuffled)

    shared = first.analyse()

    first.invariance_across_departments(shared)
    second.invariance_across_departments(shared)

    first_rows, second_rows = tested

    def content(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    assert len(first_rows) == len(first.responses) - shared.n_excluded
    pd.testing.assert_frame_equal(content(first_rows), content(second_rows))
