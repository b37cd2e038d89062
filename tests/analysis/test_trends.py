"""Trends across two survey waves: Welch changes, withheld where invariance or size forbids."""

from __future__ import annotations

import doctest
import random

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis
import analysis.trends
from analysis import compare_waves, simulate_organisation
from analysis.confidentiality import decide
from analysis.invariance import Verdict
from analysis.scoring import score_scales
from analysis.trends import SHIFTED
from instrument.model import Instrument
from tests.analysis.test_confidentiality import published_groups, smallest_isolated


def split_waves(instrument: Instrument, *, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One simulated organisation's respondents split at random into two waves.

    The simulator cannot draw a second wave of the same organisation (a new seed draws new
    loadings and team effects), so each team's members are split: same teams, same
    measurement model, independent respondents, no true change.
    """
    responses = simulate_organisation(
        instrument=instrument, n_teams=60, mean_team_size=14, seed=seed
    ).responses
    second = np.random.default_rng(seed).random(len(responses)) < 0.5
    return responses[~second], responses[second]


def shift_items(
    responses: pd.DataFrame, items: list[str], *, instrument: Instrument
) -> pd.DataFrame:
    """Add 1 to the keyed answer of each item (raw -1 on reverse items), clipped to 1..7.

    The simulator has no latent-mean parameter, so the planted change is on the answers.
    """
    shifted = responses.copy()
    for item in items:
        step = -1.0 if item in instrument.reverse_item_ids else 1.0
        shifted[item] = (shifted[item] + step).clip(1, 7)
    return shifted


def scalar_everywhere(instrument: Instrument) -> dict[str, Verdict]:
    return dict.fromkeys(instrument.scale_ids, "scalar")


def scale_items(instrument: Instrument, scale_id: str) -> list[str]:
    return list(next(s for s in instrument.scales if s.id == scale_id).items)


def test_a_planted_shift_is_detected_and_unchanged_scales_keep_zero_in_their_interval(
    packaged_instrument: Instrument,
) -> None:
    # Invariance passed as scalar everywhere to test the intervals alone, over 20 organisations.
    instrument = packaged_instrument
    detected, covered, intervals = 0, 0, 0
    for seed in range(20):
        previous, current = split_waves(instrument, seed=seed)
        current = shift_items(current, scale_items(instrument, "HA"), instrument=instrument)
        trend = compare_waves(
            previous, current, instrument=instrument, group_invariance=scalar_everywhere(instrument)
        )
        overall = trend.organisation.set_index("scale")
        detected += bool(overall.loc["HA", "change_ci_low"] > 0)
        # LC is left out: none of its facets moved, but it is not independent of them.
        others = overall.drop(index=["HA", "LC"])
        covered += int(((others["change_ci_low"] < 0) & (others["change_ci_high"] > 0)).sum())
        intervals += len(others)
    assert detected == 20
    # Observed: HA changed by 0.86 on average (0.75 to 0.97; clipping keeps it below 1), and
    # 248 of 260 95 % intervals on a true change of 0 held 0 (95.4 %); 90 % tolerates chance.
    assert covered / intervals >= 0.90


def test_a_uniform_shift_passes_the_invariance_check_and_is_shown(
    packaged_instrument: Instrument,
) -> None:
    # A +1 shift of every answer is close to, not exactly, a factor-mean shift (clipping at 7,
    # unequal loadings): on seeds 0-2 the scalar step let it through on 1 and 2, not on 0.
    instrument = packaged_instrument
    previous, current = split_waves(instrument, seed=1)
    current = shift_items(current, scale_items(instrument, "HA"), instrument=instrument)
    trend = compare_waves(previous, current, instrument=instrument)
    overall = trend.organisation.set_index("scale")
    assert trend.invariance.set_index("scale").loc["HA", "verdict"] == "scalar"
    assert overall.loc["HA", "shown"]
    assert 0 < overall.loc["HA", "change_ci_low"] < overall.loc["HA", "change"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_intercept_shift_on_one_item_withholds_the_scale(
    packaged_instrument: Instrument, seed: int
) -> None:
    instrument = packaged_instrument
    previous, current = split_waves(instrument, seed=seed)
    current = shift_items(current, ["HA02"], instrument=instrument)
    trend = compare_waves(previous, current, instrument=instrument)
    assert trend.invariance.set_index("scale").loc["HA", "verdict"] != "scalar"
    ha = trend.teams[trend.teams["scale"] == "HA"]
    assert not ha["shown"].any()
    assert ha["change"].isna().all()
    assert ha["reason"].str.contains(SHIFTED, regex=False).all()
    overall = trend.organisation.set_index("scale")
    assert not overall.loc["HA", "shown"]
    assert overall.loc["HA", "reason"] == SHIFTED


def test_small_teams_are_withheld_with_the_reason(packaged_instrument: Instrument) -> None:
    instrument = packaged_instrument
    previous, current = split_waves(instrument, seed=4)
    trend = compare_waves(
        previous, current, instrument=instrument, group_invariance=scalar_everywhere(instrument)
    )
    table = trend.to_frame()
    small = (table["n_previous"] < 5) | (table["n_current"] < 5)
    assert small.any()
    assert (~small).any()
    assert not table.loc[small, "shown"].any()
    assert table.loc[small, "change"].isna().all()
    assert table.loc[small, "reason"].str.startswith("fewer than 5 respondents").all()
    # A wave under the minimum shows no mean or sd of its own.
    for wave in ("previous", "current"):
        under = table[f"n_{wave}"] < 5
        assert table.loc[under, [f"mean_{wave}", f"sd_{wave}"]].isna().all().all()
        assert table.loc[~under & (table[f"n_{wave}"] > 1), f"mean_{wave}"].notna().all()
    assert table.loc[~small, "shown"].all()
    assert table.loc[~small, "reason"].isna().all()
    assert np.isfinite(table.loc[~small, "change"]).all()
    fewer = compare_waves(
        previous,
        current,
        instrument=instrument,
        group_invariance=scalar_everywhere(instrument),
        min_group_size=2,
    ).to_frame()
    assert fewer["shown"].sum() > table["shown"].sum()


def test_each_wave_s_organisation_pools_its_shown_teams_only(
    small_instrument: Instrument,
) -> None:
    # A team of 2 in the current wave: were it in the organisation's figures, the current
    # organisation minus the shown teams would give its mean away (docs/confidentiality.md).
    previous = simulate_organisation(instrument=small_instrument, team_sizes=[8, 7], seed=6)
    current = simulate_organisation(instrument=small_instrument, team_sizes=[9, 6, 2], seed=7)
    trend = compare_waves(
        previous.responses,
        current.responses,
        instrument=small_instrument,
        group_invariance=scalar_everywhere(small_instrument),
    )
    organisation = trend.organisation.set_index("scale")
    teams = trend.teams[trend.teams["n_current"] >= 5]
    for scale, rows in teams.groupby("scale"):
        assert organisation.loc[scale, "n_current"] == rows["n_current"].sum(), scale
        pooled = (rows["n_current"] * rows["mean_current"]).sum() / rows["n_current"].sum()
        assert organisation.loc[scale, "mean_current"] == pytest.approx(pooled), scale
    assert (organisation["n_current"] <= 15).all()


def test_a_team_in_one_wave_only_has_no_change(small_instrument: Instrument) -> None:
    previous = simulate_organisation(instrument=small_instrument, team_sizes=[8, 8], seed=1)
    current = previous.responses.assign(team=previous.responses["team"].iloc[0])
    trend = compare_waves(
        previous.responses,
        current,
        instrument=small_instrument,
        group_invariance=scalar_everywhere(small_instrument),
    )
    gone = trend.teams[trend.teams["n_current"] == 0]
    assert len(gone) == len(small_instrument.scale_ids) + 1
    assert (gone["reason"] == "fewer than 5 respondents with a score in the current wave").all()


def test_the_change_is_welch_s_interval_and_cohen_s_d(small_instrument: Instrument) -> None:
    previous = simulate_organisation(instrument=small_instrument, team_sizes=[9, 7], seed=2)
    current = simulate_organisation(instrument=small_instrument, team_sizes=[6, 11], seed=3)
    trend = compare_waves(
        previous.responses,
        current.responses,
        instrument=small_instrument,
        group_invariance=scalar_everywhere(small_instrument),
    )
    before = analysis.score_scales(previous.responses, instrument=small_instrument)["VA"]
    after = analysis.score_scales(current.responses, instrument=small_instrument)["VA"]
    team = previous.responses["team"].iloc[0]
    x = before[previous.responses["team"] == team].dropna()
    y = after[current.responses["team"] == team].dropna()
    # R: t.test(y, x, var.equal = FALSE)$conf.int, which scipy's Welch test reproduces.
    low, high = stats.ttest_ind(y, x, equal_var=False).confidence_interval(0.95)
    pooled = np.sqrt(((len(x) - 1) * x.var() + (len(y) - 1) * y.var()) / (len(x) + len(y) - 2))
    row = trend.teams.set_index(["team", "scale"]).loc[(team, "VA")]
    assert row["change"] == pytest.approx(y.mean() - x.mean(), abs=1e-12)
    assert row["change_ci_low"] == pytest.approx(low, abs=1e-10)
    assert row["change_ci_high"] == pytest.approx(high, abs=1e-10)
    assert row["cohens_d"] == pytest.approx((y.mean() - x.mean()) / pooled, abs=1e-12)


def test_a_scale_whose_invariance_cannot_be_tested_is_withheld(
    packaged_instrument: Instrument,
) -> None:
    instrument = packaged_instrument
    previous, current = split_waves(instrument, seed=0)
    current = current.assign(VA01=4.0)
    trend = compare_waves(previous, current, instrument=instrument)
    overall = trend.organisation.set_index("scale")
    assert not overall.loc["VA", "shown"]
    assert overall.loc["VA", "reason"].startswith("invariance between waves could not be tested")
    assert trend.invariance.set_index("scale").loc["VA", "verdict"] is None


def test_a_composite_is_withheld_when_a_facet_is(small_instrument: Instrument) -> None:
    organisation = simulate_organisation(instrument=small_instrument, team_sizes=[30, 30], seed=5)
    verdicts = scalar_everywhere(small_instrument) | {"LC_BRO": "metric"}
    trend = compare_waves(
        organisation.responses,
        organisation.responses,
        instrument=small_instrument,
        group_invariance=verdicts,
    )
    overall = trend.organisation.set_index("scale")
    assert list(overall["shown"]) == [True, True, True, False, False]
    assert overall.loc["LC", "reason"].startswith("not every facet")


def test_mismatched_instruments_are_refused(packaged_instrument: Instrument) -> None:
    previous, current = split_waves(packaged_instrument, seed=0)
    with pytest.raises(ValueError, match="only the previous wave has HA03; only the current"):
        compare_waves(previous, current.drop(columns="HA03"), instrument=packaged_instrument)
    with pytest.raises(ValueError, match="only the current wave has HA99"):
        compare_waves(previous, current.assign(HA99=1.0), instrument=packaged_instrument)


def test_bad_arguments_are_refused(small_instrument: Instrument) -> None:
    responses = simulate_organisation(instrument=small_instrument, seed=0).responses
    with pytest.raises(ValueError, match="no verdict for VA, LC_MEM, LC_BRO"):
        compare_waves(
            responses, responses, instrument=small_instrument, group_invariance={"HA": "scalar"}
        )
    with pytest.raises(ValueError, match="no team column 'unit'"):
        compare_waves(responses, responses, instrument=small_instrument, teams="unit")
    with pytest.raises(ValueError, match="ci must lie"):
        compare_waves(responses, responses, instrument=small_instrument, ci=1.0)
    with pytest.raises(ValueError, match="min_group_size"):
        compare_waves(responses, responses, instrument=small_instrument, min_group_size=0)


def test_the_waves_are_not_mutated(small_instrument: Instrument) -> None:
    previous = simulate_organisation(instrument=small_instrument, seed=6).responses
    current = simulate_organisation(instrument=small_instrument, seed=7).responses
    copies = previous.copy(), current.copy()
    compare_waves(previous, current, instrument=small_instrument)
    pd.testing.assert_frame_equal(previous, copies[0])
    pd.testing.assert_frame_equal(current, copies[1])


def test_the_docstring_examples_run() -> None:
    outcome = doctest.testmod(analysis.trends, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# -- two waves, each with its own decision: the brute-force attack ---------------------------------


def _wave(
    rng: random.Random, instrument: Instrument, parents: dict[str, str | None]
) -> pd.DataFrame:
    """Random answers in random cells of the chart, some items skipped."""
    rows = []
    for unit in parents:
        for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8])):
            row: dict[str, object] = {
                item: (np.nan if rng.random() < 0.2 else float(rng.randint(1, 7)))
                for item in instrument.item_ids
            }
            rows.append(row | {"team": unit})
    return pd.DataFrame(rows, columns=[*instrument.item_ids, "team"])


@pytest.mark.parametrize("seed", range(3))
def test_nothing_printed_across_two_waves_isolates_a_group_under_either_minimum(
    small_instrument: Instrument, seed: int
) -> None:
    """Two waves over one chart, each decided with its own minimum; wave 2's trend prints
    wave 1 figures beside its own. For each wave, every group whose figure is printed
    anywhere (its own report, and the other wave's trend) is added to that wave's published
    groups, and no combination of them isolates fewer than that wave's minimum."""
    rng = random.Random(seed)
    comparable = dict.fromkeys(small_instrument.scale_ids, "scalar")
    tried = 0
    while tried < 12:
        names = [f"u{i}" for i in range(rng.randint(2, 5))]
        parents: dict[str, str | None] = {names[0]: None}
        parents |= {name: names[rng.randrange(i + 1)] for i, name in enumerate(names[1:])}
        waves = [_wave(rng, small_instrument, parents) for _ in range(2)]
        if any(len(w) < 2 for w in waves):
            continue
        tried += 1
        minimums = (rng.randint(3, 6), rng.randint(2, 5))
        scores = [score_scales(w, instrument=small_instrument) for w in waves]
        decisions = [
            decide(w["team"], min_group_size=k, parents=parents, scored=s.notna())
            for w, k, s in zip(waves, minimums, scores, strict=True)
        ]
        trend = compare_waves(
            waves[0], waves[1], instrument=small_instrument, group_invariance=comparable,
            previous_decision=decisions[0], current_decision=decisions[1],
        )  # fmt: skip
        for index, (name, decision) in enumerate(
            zip(("previous", "current"), decisions, strict=True)
        ):
            for scale in small_instrument.scale_ids:
                groups = published_groups(decision, scale=scale, units=set(parents))
                has_score = scores[index][scale].notna().to_numpy()
                printed = trend.teams[
                    (trend.teams["scale"] == scale) & trend.teams[f"mean_{name}"].notna()
                ]
                cells = waves[index]["team"].to_numpy()
                groups += [(cells == team) & has_score for team in printed["team"]]
                overall = trend.organisation.set_index("scale")
                if pd.notna(overall.loc[scale, f"mean_{name}"]):
                    groups.append(decision.published(scale))
                smallest = smallest_isolated(groups)
                k = minimums[index]
                assert smallest is None or smallest >= k, (name, scale, parents, minimums)
