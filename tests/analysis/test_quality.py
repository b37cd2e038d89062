"""Careless-response indices by hand and against scipy; the screening on a simulated truth."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from analysis import (
    ExclusionPolicy,
    careless_indices,
    screen_respondents,
    simulate_organisation,
)
from instrument.model import Instrument
from tests.analysis.conftest import make_instrument

NAN = np.nan


@pytest.fixture(scope="module")
def one_scale() -> Instrument:
    """HA: five items on 1..7, the fifth reverse-keyed."""
    return make_instrument({"HA": (5, (5,))})


def frame(rows: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["HA01", "HA02", "HA03", "HA04", "HA05"], dtype=float)


def test_longstring_counts_the_longest_run_in_form_order(one_scale: Instrument) -> None:
    answers = frame(
        [
            [1, 1, 1, 2, 2],  # run of three 1s
            [4, NAN, 4, 4, 2],  # a skipped item does not break the run: 3
            [3, 5, 3, 5, 3],  # no two neighbours alike: 1
            [6, 6, 6, 6, 6],  # straight line: 5
            [NAN] * 5,  # nothing answered: 0
        ]
    )
    indices = careless_indices(answers, instrument=one_scale)
    assert list(indices["longstring"]) == [3, 3, 1, 5, 0]
    assert list(indices["answered"]) == [5, 4, 5, 5, 0]
    np.testing.assert_allclose(indices["longstring_share"], [0.6, 0.75, 0.2, 1.0, NAN])


def test_irv_is_the_sd_of_the_raw_answers(one_scale: Instrument) -> None:
    answers = frame([[1, 2, 3, 4, 5], [4, 4, 4, 4, 4], [2, NAN, NAN, NAN, NAN]])
    irv = careless_indices(answers, instrument=one_scale)["irv"]
    # 1..5: sum of squared deviations 10, divisor 4 -> sqrt(2.5).
    assert irv.iloc[0] == pytest.approx(np.sqrt(2.5), abs=1e-12)
    assert irv.iloc[1] == 0.0
    assert np.isnan(irv.iloc[2])


def test_mahalanobis_matches_scipy_on_complete_answers(one_scale: Instrument) -> None:
    rng = np.random.default_rng(2)
    common = rng.standard_normal((120, 1))
    answers = frame(np.clip(np.round(4 + common + rng.standard_normal((120, 5))), 1, 7).tolist())
    indices = careless_indices(answers, instrument=one_scale)
    inverse = np.linalg.inv(np.cov(answers.to_numpy(), rowvar=False))
    centre = answers.mean().to_numpy()
    expected = [distance.mahalanobis(row, centre, inverse) ** 2 for row in answers.to_numpy()]
    np.testing.assert_allclose(indices["mahalanobis"], expected, rtol=1e-9)
    assert (indices["mahalanobis_df"] == 5).all()
    # The exact reference for a respondent who is part of the sample (Wilks 1963):
    # n D^2 / (n - 1)^2 ~ Beta(p/2, (n - p - 1)/2).
    n = len(answers)
    exact = stats.beta.sf(n * np.asarray(expected) / (n - 1) ** 2, 5 / 2, (n - 5 - 1) / 2)
    np.testing.assert_allclose(indices["mahalanobis_p"], exact, rtol=1e-9)


def test_mahalanobis_p_is_uniform_under_normality_where_the_chi_square_is_not() -> None:
    # 100 samples of 40 respondents x 12 items, multivariate normal: the Beta reference is exact,
    # so its 4,000 p-values are uniform; the chi-square's (a known covariance) are not.
    # Seen: KS p 0.56 against 6e-13.
    rng = np.random.default_rng(5)
    items = make_instrument({"AA": (12, ())})
    exact: list[float] = []
    chi_square: list[float] = []
    for _ in range(100):
        values = 4 + 0.5 * rng.standard_normal((40, 12))  # normal, and inside 1..7 unclipped
        assert values.min() > 1
        assert values.max() < 7
        answers = pd.DataFrame(values, columns=list(items.item_ids))
        indices = careless_indices(answers, instrument=items)
        exact += indices["mahalanobis_p"].tolist()
        chi_square += stats.chi2.sf(indices["mahalanobis"], 12).tolist()
    assert stats.kstest(exact, "uniform").pvalue > 0.05
    assert stats.kstest(chi_square, "uniform").pvalue < 1e-6


def test_a_small_campaign_is_not_judged_by_mahalanobis_distance(
    packaged_instrument: Instrument,
) -> None:
    # About 105 respondents for 60 items: fewer than three per item, where the covariance is too
    # noisy for a distance (seen before this rule: 11 to 31 attentive respondents excluded).
    organisation = simulate_organisation(instrument=packaged_instrument, n_teams=12, seed=7)
    result = screen_respondents(organisation.responses, instrument=packaged_instrument)
    assert len(organisation.responses) < 3 * 60
    assert result.respondents["mahalanobis_p"].isna().all()
    assert not result.respondents["flag_mahalanobis"].any()
    attentive = ~result.respondents.index.isin(organisation.truth.careless)
    assert not result.respondents.loc[attentive, "excluded"].any()


def test_mahalanobis_puts_a_missing_answer_at_the_item_mean(one_scale: Instrument) -> None:
    rng = np.random.default_rng(4)
    answers = frame(rng.integers(1, 8, size=(60, 5)).astype(float).tolist())
    with_gap = answers.copy()
    with_gap.iloc[0, 2] = NAN
    filled = answers.copy()
    filled.iloc[0, 2] = with_gap["HA03"].mean()
    ours = careless_indices(with_gap, instrument=one_scale)["mahalanobis"].iloc[0]
    inverse = np.linalg.inv(with_gap.cov().to_numpy())
    centre = with_gap.mean().to_numpy()
    expected = distance.mahalanobis(filled.iloc[0].to_numpy(), centre, inverse) ** 2
    assert ours == pytest.approx(expected, rel=1e-9)


def test_reverse_disagreement_is_high_for_agreeing_with_a_statement_and_its_reversal(
    one_scale: Instrument,
) -> None:
    # HA05 is reversed. Agreeing with everything (raw 6): keyed HA05 = 8 - 6 = 2 against a
    # forward mean of 6 -> 4 = |6 + 6 - 8|. Consistent (raw HA05 2, keyed 6): 0. Forward mean
    # 5.5 and raw HA05 3 (keyed 5): 0.5. Straight line at the midpoint: 0.
    answers = frame([[6, 6, 6, 6, 6], [6, 6, 6, 6, 2], [5, 6, 5, 6, 3], [4, 4, 4, 4, 4]])
    disagreement = careless_indices(answers, instrument=one_scale)["reverse_disagreement"]
    np.testing.assert_allclose(disagreement, [4.0, 0.0, 0.5, 0.0], atol=1e-12)


def test_reverse_disagreement_averages_the_scales_that_have_both_kinds() -> None:
    # HA: 3 items, the third reversed; VA: 3 forward items (no reversal, no index).
    instrument = make_instrument({"HA": (3, (3,)), "VA": (3, ())})
    answers = pd.DataFrame([[7.0, 7.0, 7.0, 1.0, 1.0, 1.0]], columns=list(instrument.item_ids))
    # HA: keyed HA03 = 1 against 7 -> 6; VA does not count.
    disagreement = careless_indices(answers, instrument=instrument)["reverse_disagreement"]
    assert disagreement.iloc[0] == pytest.approx(6.0)


def test_screening_applies_the_policy_and_reports_it(one_scale: Instrument) -> None:
    rng = np.random.default_rng(8)
    common = rng.standard_normal((200, 1))
    keyed = np.clip(np.round(4.5 + 1.2 * common + 0.8 * rng.standard_normal((200, 5))), 1, 7)
    keyed[:, 4] = 8 - keyed[:, 4]
    answers = frame(keyed.tolist())
    answers.iloc[0] = [5, 5, 5, 5, 5]  # straight line
    answers.iloc[1] = [7, 7, 7, 7, 7]  # straight line agreeing with the reversal too
    policy = ExclusionPolicy(min_answers=5, exclude=frozenset({"longstring"}))
    result = screen_respondents(answers, instrument=one_scale, policy=policy)
    respondents = result.respondents
    assert respondents.loc[[0, 1], "flag_longstring"].all()
    assert respondents.loc[[0, 1], "flag_irv"].all()
    assert respondents.loc[1, "flag_reverse_disagreement"]
    assert not respondents.loc[0, "flag_reverse_disagreement"]
    # Only longstring excludes here: the excluded are exactly those it flagged.
    pd.testing.assert_series_equal(
        respondents["excluded"], respondents["flag_longstring"], check_names=False
    )
    summary = result.summary.set_index("rule")
    assert list(summary.columns) == [
        "index", "flags_when", "threshold", "action", "flagged", "excluded_by",
    ]  # fmt: skip
    assert summary.loc["longstring", "action"] == "exclude"
    assert summary.loc["irv", "action"] == "warn"
    assert summary.loc["irv", "threshold"] == pytest.approx(0.6)  # 0.1 of the range 6
    assert summary.loc["reverse_disagreement", "threshold"] == pytest.approx(3.0)
    for rule in summary.index:
        assert summary.loc[rule, "flagged"] == respondents[f"flag_{rule}"].sum()
    assert summary.loc["longstring", "excluded_by"] == result.n_excluded
    assert result.n_respondents == 200


def test_respondents_with_too_few_answers_are_never_flagged(one_scale: Instrument) -> None:
    answers = frame([[4, 4, NAN, NAN, NAN]] + [[1, 2, 3, 4, 5]] * 3)
    result = screen_respondents(answers, instrument=one_scale)
    assert result.respondents.loc[0, "longstring_share"] == 1.0
    assert not result.respondents.loc[0, "excluded"]
    assert result.n_excluded == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"longstring_share": 0.0}, "longstring_share"),
        ({"mahalanobis_p": 1.5}, "mahalanobis_p"),
        ({"min_answers": 1}, "min_answers"),
        ({"exclude": frozenset({"typing_speed"})}, "unknown rules"),
    ],
)
def test_a_policy_that_makes_no_sense_is_refused(
    arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ExclusionPolicy(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_screening_catches_the_planted_careless_respondents(
    packaged_instrument: Instrument, seed: int
) -> None:
    # The simulator plants 5 % careless respondents (truth.careless): half answer one random
    # option throughout, half answer at random. With the default policy on the 60-item
    # instrument, seen: recall 1.000, 0.972, 1.000 and no attentive respondent excluded (out
    # of about 700). Asserted: recall >= 0.7, attentive excluded <= 3 %.
    organisation = simulate_organisation(instrument=packaged_instrument, n_teams=80, seed=seed)
    result = screen_respondents(organisation.responses, instrument=packaged_instrument)
    careless = result.respondents.index.isin(organisation.truth.careless)
    assert careless.sum() >= 30
    recall = result.respondents.loc[careless, "excluded"].mean()
    false_alarms = result.respondents.loc[~careless, "excluded"].mean()
    assert recall >= 0.7
    assert false_alarms <= 0.03


def test_screening_leaves_the_answers_untouched(one_scale: Instrument) -> None:
    answers = frame([[1, 2, 3, 4, 5], [4, 4, 4, 4, 4], [2, NAN, 5, 6, 1]])
    before = answers.copy()
    screen_respondents(answers, instrument=one_scale)
    pd.testing.assert_frame_equal(answers, before)


def test_quality_docstring_examples_run() -> None:
    module = importlib.import_module("analysis.quality")
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0
