"""The results and report routes analyse a campaign once per content, not once per request."""

from __future__ import annotations

import dataclasses

import pytest

from api.analysis_cache import AnalysisCache
from api.services import CampaignData
from tests.api.test_campaign_invariance import _campaign


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each campaign computation ran."""
    calls = {"analyse": 0, "invariance": 0}
    analyse, invariance = CampaignData.analyse, CampaignData.invariance_across_departments

    def counted_analyse(self: CampaignData):  # type: ignore[no-untyped-def]
        calls["analyse"] += 1
        return analyse(self)

    def counted_invariance(self: CampaignData, analysis):  # type: ignore[no-untyped-def]
        calls["invariance"] += 1
        return invariance(self, analysis)

    monkeypatch.setattr(CampaignData, "analyse", counted_analyse)
    monkeypatch.setattr(CampaignData, "invariance_across_departments", counted_invariance)
    return calls


def test_the_same_campaign_is_analysed_once(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(), _campaign()
    first = cache.analysis(data)
    assert cache.analysis(data) is first
    # The same content loaded again (a new request: a new object, the rows in another order).
    again = dataclasses.replace(data, responses=data.responses.iloc[::-1])
    assert cache.analysis(again) is first
    assert cache.with_invariance(data)[1] is cache.with_invariance(again)[1]
    assert counted == {"analyse": 1, "invariance": 1}


def test_a_new_answer_or_a_renamed_unit_is_analysed_again(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(), _campaign()
    first = cache.analysis(data)
    fewer = dataclasses.replace(data, responses=data.responses.iloc[1:])
    assert cache.analysis(fewer) is not first
    renamed_unit = data.units[1].model_copy(update={"name": "Renamed"})
    renamed = dataclasses.replace(data, units=(data.units[0], renamed_unit, *data.units[2:]))
    assert cache.analysis(renamed) is not first
    assert counted["analyse"] == 3


def test_the_cache_keeps_only_the_latest_campaigns(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(size=1), _campaign()
    cache.analysis(data)
    cache.analysis(dataclasses.replace(data, min_group_size=6))
    cache.analysis(data)
    assert counted["analyse"] == 3


def test_a_cache_of_no_campaign_is_refused() -> None:
    with pytest.raises(ValueError, match="size: the cache holds at least 1"):
        AnalysisCache(size=0)
