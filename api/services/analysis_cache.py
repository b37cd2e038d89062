"""The analyses of the campaigns asked for lately, kept in this process between requests.

Every results, report or export request used to analyse its campaign again: half a second for
9,000 respondents, and the invariance across departments up to some 20 s more for a campaign
with dozens of large departments. Outputs are made of a closed campaign's snapshot only, and an
entry is found by the snapshot's fingerprint (``api.services.campaigns.snapshot_fingerprint``: the
answers in any order, the settings, the chart and names at close), so every output of one
snapshot shares one analysis and one disclosure decision.

Two campaigns with the same content share one entry, made of whichever was read first: its
row labels (``CampaignAnalysis.excluded``, the decision's per-respondent arrays) follow that
campaign's row order, which the other's need not share. What is computed here from a
campaign's own rows beside the shared analysis finds them by their units and answers
(``CampaignData.invariance_across_departments``, through ``analysed_respondents``), never by
those labels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

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

T = TypeVar("T")


class OutputCache:
    """Outputs made of a closed campaign's snapshot (its results, its disclosure decision), by
    a key that names the output, the campaign and the snapshot's fingerprint: HR and leaders
    polling them around a close are served what was made once, not a new one each time.

    One output is made at a time in the process, whatever the number of requests asking: an
    output takes the interpreter's lock for its whole making (analysis, pandas), and requests
    that wait for it then leave the event loop and the submissions it serves their share."""

    def __init__(self, size: int = 64) -> None:
        if size < 1:
            raise ValueError(f"size: the cache holds at least 1 output, got {size}")
        self._size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The output under ``key``, made with ``make`` when it is not kept."""
        found = self._found(key)
        if found is not None:
            return cast("T", found)
        with self._making:
            found = self._found(key)  # made by the request this one waited for
            if found is not None:
                return cast("T", found)
            output = make()
        with self._lock:
            self._entries[key] = output
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return output

    def _found(self, key: Hashable) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found


OUTPUTS = OutputCache()
"""The process' cache of the results routes' outputs."""
