"""Fixtures for the psychometrics tests: the public data sets and small instruments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from instrument.loader import InstrumentError, build_instrument, load_builtin
from instrument.model import Instrument

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
PACKAGED = "transversal-core@1.0.0"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public data sets (bfi, bh1996, lq2002, saq) beside the repository."""
    if not SHARED_DATA.is_dir():
        message = f"the public data sets are not at {SHARED_DATA} (see shared/data/README.md)"
        # CI has shared/ beside the clone: there the reference tests must run, never skip.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def bfi(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "bfi.csv", index_col=0)


@pytest.fixture(scope="session")
def bh1996(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "bh1996.csv")


@pytest.fixture(scope="session")
def lq2002(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "lq2002.csv")


def make_instrument(
    scales: dict[str, tuple[int, tuple[int, ...]]],
    *,
    low: int = 1,
    high: int = 7,
    composites: dict[str, tuple[tuple[str, ...], int]] | None = None,
    min_answered: float = 0.6,
) -> Instrument:
    """A valid instrument: ``scales`` maps scale id to (number of items, reverse positions).

    Item ids are the scale id plus a two-digit number (``HA01``, ``LC_MEM01``).
    """
    options = high - low + 1
    items: list[dict[str, Any]] = []
    scale_rows: list[dict[str, Any]] = []
    for scale_id, (n_items, reverse) in scales.items():
        ids = [f"{scale_id}{n:02d}" for n in range(1, n_items + 1)]
        items += [
            {"id": item_id, "text": {"en": f"Statement {item_id}"}, "reverse": n in reverse}
            for n, item_id in enumerate(ids, 1)
        ]
        scale_rows.append(
            {
                "id": scale_id,
                "name": {"en": f"Scale {scale_id}"},
                "description": {"en": f"What {scale_id} measures"},
                "level": "team",
                "items": ids,
            }
        )
    raw = {
        "id": "test-instrument",
        "version": "0.1.0",
        "title": {"en": "Test instrument"},
        "languages": ["en"],
        "min_answered": min_answered,
        "response_scale": {
            "min": low,
            "max": high,
            "labels": {"en": [f"option {n}" for n in range(options)]},
            "not_applicable": {"en": "Does not apply"},
        },
        "items": items,
        "scales": scale_rows,
        "composites": [
            {
                "id": composite_id,
                "name": {"en": composite_id},
                "description": {"en": f"Composite {composite_id}"},
                "facets": list(facets),
                "min_facets": min_facets,
            }
            for composite_id, (facets, min_facets) in (composites or {}).items()
        ],
    }
    return build_instrument(raw, source="test")


@pytest.fixture(scope="session")
def small_instrument() -> Instrument:
    """HA and VA (5 items, one reversed each), a 3-item pair of facets and their composite."""
    return make_instrument(
        {"HA": (5, (4,)), "VA": (5, (2,)), "LC_MEM": (3, ()), "LC_BRO": (3, (3,))},
        composites={"LC": (("LC_MEM", "LC_BRO"), 2)},
    )


@pytest.fixture(scope="session")
def packaged_instrument() -> Instrument:
    try:
        return load_builtin(PACKAGED)
    except InstrumentError as error:
        pytest.skip(f"the packaged instrument {PACKAGED} is not available yet: {error}")


def pairs_apart(per: int = 80) -> pd.DataFrame:
    """Items whose pairs rest on different people, so that their pairwise correlations fit
    no population: a and b agree among those who answered both, b and c agree, a and c
    disagree; d, e and f, answered by everyone, go together."""
    rng = np.random.default_rng(5)
    rows = []
    for first, second, sign in (("a", "b", 1), ("b", "c", 1), ("a", "c", -1)):
        base = rng.integers(1, 8, per).astype(float)
        other = np.clip(np.where(sign > 0, base, 8 - base) + rng.integers(-1, 2, per), 1, 7)
        common = rng.integers(1, 8, per).astype(float)
        for x, y, z in zip(base, other, common, strict=True):
            rows.append(
                {
                    first: x,
                    second: y,
                    "d": z,
                    "e": np.clip(z + rng.integers(-1, 2), 1, 7),
                    "f": np.clip(z + rng.integers(-2, 3), 1, 7),
                }
            )
    return pd.DataFrame(rows, columns=["a", "b", "c", "d", "e", "f"])
