"""The analyses of the campaigns asked for lately, kept in this process between requests.

Every results, report or export request used to analyse its campaign again: half a second for
9,000 respondents, and the invariance across departments up to some 20 s more for a campaign
with dozens of large departments. Outputs are made of a closed campaign's snapshot only, and an
entry is found by the snapshot's fingerprint (``api.services.campaigns.snapshot_fingerprint``: the
answers in any order, the settings, the chart and names at close), so every output of one
snapshot shares one analysis and one disclosure decision.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from analysis import CampaignAnalysis
from api.services.campaigns import CampaignData


@dataclass
class _Entry:
    analysis: CampaignAnalysis
    invariance: pd.DataFrame | None = None


class AnalysisCache:
    """The last ``size`` campaigns' analyses, and their invariance once asked for; safe to use
    from several threads (two threads missing the same entry both compute it, once each)."""

    def __init__(self, size: int = 4) -> None:
        if size < 1:
            raise ValueError(f"size: the cache holds at least 1 campaign, got {size}")
        self._size = size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def analysis(self, data: CampaignData) -> CampaignAnalysis:
        """``data.analyse()``, computed once per content of the campaign."""
        return self._entry(data).analysis

    def with_invariance(self, data: CampaignData) -> tuple[CampaignAnalysis, pd.DataFrame]:
        """The analysis and ``data.invariance_across_departments(...)`` of it, each computed
        once per content (and the campaign fingerprinted once for both)."""
        entry = self._entry(data)
        if entry.invariance is None:
            entry.invariance = data.invariance_across_departments(entry.analysis)
        return entry.analysis, entry.invariance

    def _entry(self, data: CampaignData) -> _Entry:
        if data.fingerprint is None:
            raise ValueError("only a closed campaign's snapshot is analysed for its outputs")
        key = data.fingerprint
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        entry = _Entry(data.analyse())
        with self._lock:
            entry = self._entries.setdefault(key, entry)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry


ANALYSES = AnalysisCache()
"""The process' cache, used by the results and report routes."""
