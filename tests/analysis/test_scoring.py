"""Reverse keying and scale scores: worked examples and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis import reverse_key, score_scales
from instrument.model import Instrument
from tests.analysis.conftest import make_instrument

INSTRUMENT = make_instrument(
    {"HA": (5, (4,)), "VA": (5, (2,)), "LC_MEM": (3, ()), "LC_BRO": (3, (3,))},
    composites={"LC": (("LC_MEM", "LC_BRO"), 2)},
)
ITEMS = list(INSTRUMENT.item_ids)


def answers_frame(rows: list[list[float]], instrument: Instrument = INSTRUMENT) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(instrument.item_ids), dtype=float)


# Raw answers on 1..7 with NaN, one row per respondent.
answer_matrices = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: arrays(
        np.float64,
        (n, len(ITEMS)),
        elements=st.one_of(st.integers(1, 7).map(float), st.just(np.nan)),
    )
)


def test_reverse_key_mirrors_only_the_reverse_items() -> None:
    responses = answers_frame([[1, 2, 3, 2, 7, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 6]])
    responses["team"] = "t1"
    keyed = reverse_key(responses, instrument=INSTRUMENT)
    # HA04, VA02 and LC_BRO03 are reverse-keyed: (1 + 7) - x.
    assert keyed.loc[0, "HA04"] == 6
    assert keyed.loc[0, "VA02"] == 7
    assert keyed.loc[0, "LC_BRO03"] == 2
    assert keyed.loc[0, "HA05"] == 7
    assert keyed.loc[0, "team"] == "t1"
    assert responses.loc[0, "HA04"] == 2, "the input must not change"


def test_score_is_the_mean_of_answered_items_after_reverse_keying() -> None:
    nan = np.nan
    responses = answers_frame(
        [
            [7, 6, 5, 1, nan, 4, 4, 4, 4, 4, 2, 4, nan, 5, 5, 3],
            [7, nan, nan, nan, nan, 1, 7, 1, 1, 1, nan, nan, 3, nan, nan, nan],
        ]
    )
    scores = score_scales(responses, instrument=INSTRUMENT)
    assert list(scores.columns) == ["HA", "VA", "LC_MEM", "LC_BRO", "LC"]
    # HA: 7, 6, 5 and HA04 reversed 1 -> 7: mean 25/4.
    assert scores.loc[0, "HA"] == pytest.approx(25 / 4)
    assert scores.loc[0, "VA"] == pytest.approx(4.0)
    assert scores.loc[0, "LC_MEM"] == pytest.approx(3.0)
    # LC_BRO: 5, 5 and LC_BRO03 reversed 3 -> 5.
    assert scores.loc[0, "LC_BRO"] == pytest.approx(5.0)
    assert scores.loc[0, "LC"] == pytest.approx(4.0)
    # Second respondent: one HA item of five answered (needs 3); VA: 1, 7 -> 1, 1, 1, 1.
    assert np.isnan(scores.loc[1, "HA"])
    assert scores.loc[1, "VA"] == pytest.approx(1.0)
    assert np.isnan(scores.loc[1, "LC_MEM"]), "one of three answered, needs 2"
    assert np.isnan(scores.loc[1, "LC"]), "a composite needs both facets here"


def test_composite_uses_the_available_facets_down_to_min_facets() -> None:
    instrument = make_instrument(
        {"LC_MEM": (3, ()), "LC_BRO": (3, ()), "LC_CON": (3, ())},
        composites={"LC": (("LC_MEM", "LC_BRO", "LC_CON"), 2)},
    )
    nan = np.nan
    responses = answers_frame(
        [[2, 2, 2, 6, 6, 6, nan, nan, nan], [2, 2, 2, nan, nan, nan, nan, nan, nan]],
        instrument,
    )
    scores = score_scales(responses, instrument=instrument)
    assert scores.loc[0, "LC"] == pytest.approx(4.0)
    assert np.isnan(scores.loc[1, "LC"])


def test_an_item_missing_from_the_responses_counts_as_unanswered() -> None:
    responses = answers_frame([[4] * len(ITEMS)]).drop(columns=["HA01", "HA02", "HA03"])
    scores = score_scales(responses, instrument=INSTRUMENT)
    assert np.isnan(scores.loc[0, "HA"])
    assert scores.loc[0, "VA"] == pytest.approx(4.0)


def test_answers_outside_the_response_scale_are_refused() -> None:
    responses = answers_frame([[4] * len(ITEMS)])
    responses.loc[0, "VA03"] = 8
    with pytest.raises(ValueError, match="item VA03: answer 8 lies outside"):
        score_scales(responses, instrument=INSTRUMENT)


def test_text_answers_are_refused() -> None:
    responses = answers_frame([[4] * len(ITEMS)]).astype({"HA01": object})
    responses.loc[0, "HA01"] = "agree"
    with pytest.raises(ValueError, match="item HA01: answers must be numbers"):
        reverse_key(responses, instrument=INSTRUMENT)


@given(answer_matrices)
def test_reverse_keying_twice_gives_back_the_raw_answers(matrix: np.ndarray) -> None:
    responses = pd.DataFrame(matrix, columns=ITEMS)
    twice = reverse_key(reverse_key(responses, instrument=INSTRUMENT), instrument=INSTRUMENT)
    pd.testing.assert_frame_equal(twice, responses)


@given(answer_matrices)
def test_a_scale_score_never_leaves_the_response_range(matrix: np.ndarray) -> None:
    scores = score_scales(pd.DataFrame(matrix, columns=ITEMS), instrument=INSTRUMENT)
    values = scores.to_numpy()
    present = values[~np.isnan(values)]
    assert ((present >= 1) & (present <= 7)).all()


@settings(max_examples=200)
@given(answer_matrices)
def test_scores_are_withheld_exactly_when_too_few_items_are_answered(matrix: np.ndarray) -> None:
    responses = pd.DataFrame(matrix, columns=ITEMS)
    scores = score_scales(responses, instrument=INSTRUMENT)
    for scale in INSTRUMENT.scales:
        answered = responses[list(scale.items)].notna().sum(axis=1)
        too_few = answered < INSTRUMENT.min_items(scale.id)
        assert (scores[scale.id].isna() == too_few).all(), scale.id
    facets = scores[["LC_MEM", "LC_BRO"]].notna().sum(axis=1)
    assert (scores["LC"].isna() == (facets < 2)).all()
