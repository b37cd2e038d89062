"""The results, report and export routes analyse a closed campaign once per snapshot, not once
per request."""

from __future__ import annotations

import dataclasses

import pytest

from api.services.analysis_cache import AnalysisCache
from api.services.campaigns import CampaignData
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


def _snapshot(data: CampaignData, fingerprint: str = "a" * 64) -> CampaignData:
    return dataclasses.replace(data, fingerprint=fingerprint)


def test_the_same_snapshot_is_analysed_once(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(), _snapshot(_campaign())
    first = cache.analysis(data)
    assert cache.analysis(data) is first
    # The same snapshot loaded again (a new request: a new object, the rows in another order).
    again = dataclasses.replace(data, responses=data.responses.iloc[::-1])
    assert cache.analysis(again) is first
    assert cache.with_invariance(data)[1] is cache.with_invariance(again)[1]
    assert counted == {"analyse": 1, "invariance": 1}


def test_another_snapshot_is_analysed_again(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(), _snapshot(_campaign())
    first = cache.analysis(data)
    assert cache.analysis(_snapshot(data, "b" * 64)) is not first
    assert counted["analyse"] == 2


def test_only_a_closed_campaigns_snapshot_is_analysed(counted: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="only a closed campaign's snapshot"):
        AnalysisCache().analysis(_campaign())
    assert counted["analyse"] == 0


def test_the_cache_keeps_only_the_latest_campaigns(counted: dict[str, int]) -> None:
    cache, data = AnalysisCache(size=1), _snapshot(_campaign())
    cache.analysis(data)
    cache.analysis(_snapshot(data, "c" * 64))
    cache.analysis(data)
    assert counted["analyse"] == 3


def test_a_cache_of_no_campaign_is_refused() -> None:
    with pytest.raises(ValueError, match="size: the cache holds at least 1"):
        AnalysisCache(size=0)
