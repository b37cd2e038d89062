"""Team aggregation against R multilevel, scipy and hand-worked examples."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis import (
    agreement,
    compare_to_rest,
    icc,
    organisation_statistics,
    rwg_j,
    scale_agreement,
    team_statistics,
)
from instrument.model import Instrument


def test_icc1_matches_r_multilevel_on_bh1996_wellbeing(bh1996: pd.DataFrame) -> None:
    # R: tmod <- aov(WBEING ~ as.factor(GRP), data = bh1996); ICC1(tmod) -> 0.04336905
    # (Bliese's multilevel tutorial, as reproduced at jasondmarshall.com/multilevel-steps).
    # The same page gives 0.04337922 from lme (tau00 / (tau00 + sigma^2)): that is the mixed
    # model estimate mult.icc reports, not the ANOVA estimate ICC1 computes, and mult.icc's
    # ICC2 0.7717561 is Spearman-Brown of that lme value at k = N/G.
    table = icc(bh1996[["WBEING"]], teams=bh1996["GRP"]).set_index("scale")
    row = table.loc["WBEING"]
    assert row["icc1"] == pytest.approx(0.04336905, abs=5e-9)
    assert row["n"] == 7382
    assert row["n_teams"] == 99


def test_icc2_f_and_p_agree_with_an_independent_one_way_anova(bh1996: pd.DataFrame) -> None:
    # No ANOVA-based ICC2 for bh1996 is published that we could find; ICC2 = 1 - 1/F, so
    # check F and p against scipy's one-way ANOVA and ICC2 against both identities.
    columns = ["WBEING", "HRS", "LEAD", "COHES"]
    table = icc(bh1996[columns], teams=bh1996["GRP"]).set_index("scale")
    k = 7382 / 99
    for column in columns:
        groups = [g.to_numpy() for _, g in bh1996.groupby("GRP")[column]]
        reference = stats.f_oneway(*groups)
        row = table.loc[column]
        assert row["f"] == pytest.approx(reference.statistic, rel=1e-10)
        assert row["p"] == pytest.approx(reference.pvalue, rel=1e-6, abs=1e-300)
        assert row["icc2"] == pytest.approx(1 - 1 / reference.statistic, rel=1e-10)
        spearman_brown = k * row["icc1"] / (1 + (k - 1) * row["icc1"])
        assert row["icc2"] == pytest.approx(spearman_brown, rel=1e-10)


def test_icc_by_hand_on_a_small_unbalanced_example() -> None:
    # Teams a: 1, 2, 3; b: 4, 6; c: 8, 9, 10, 11. Grand mean 6, N = 9, G = 3, k = 3.
    # SSB = 3(2 - 6)^2 + 2(5 - 6)^2 + 4(9.5 - 6)^2 = 48 + 2 + 49 = 99 -> MSB = 49.5
    # SSW = 2 + 2 + 5 = 9 -> MSW = 9 / 6 = 1.5
    # ICC1 = (49.5 - 1.5) / (49.5 + 2 * 1.5) = 48 / 52.5; ICC2 = 48 / 49.5; F = 33.
    scores = pd.DataFrame({"X": [1.0, 2, 3, 4, 6, 8, 9, 10, 11]})
    teams = pd.Series(list("aaabbcccc"))
    row = icc(scores, teams=teams).iloc[0]
    assert row["icc1"] == pytest.approx(48 / 52.5, rel=1e-12)
    assert row["icc2"] == pytest.approx(48 / 49.5, rel=1e-12)
    assert row["f"] == pytest.approx(33.0, rel=1e-12)


def test_icc_ignores_missing_scores_and_people_without_a_team() -> None:
    scores = pd.DataFrame({"X": [1.0, 2, 3, np.nan, 4, 6, 8, 9, 10, 11, 50]})
    teams = pd.Series(["a", "a", "a", "a", "b", "b", "c", "c", "c", "c", None])
    row = icc(scores, teams=teams).iloc[0]
    assert row["n"] == 9
    assert row["icc1"] == pytest.approx(48 / 52.5, rel=1e-12)


def test_rwg_j_by_hand() -> None:
    # 5 options: sigma_EU^2 = (25 - 1) / 12 = 2.
    # a: item 1 = 3, 4, 5 (var 1), item 2 = 3, 4, 5 (var 1): S = 1, ratio .5 -> 2(.5)/(1+.5) = 2/3
    # b: item 1 = 1, 5 (var 8), item 2 = 2, 4 (var 2): S = 5 truncated to 2 -> 0
    # c: item 1 = 4, 4, 5, item 2 = 4, 5, 5 (var 1/3 each): ratio 1/6 -> (10/6)/(11/6) = 10/11
    # d: one member -> NaN
    # e: item 1 = 4, -, 5 (var .5), item 2 = -, 4, 4 (var 0): S = .25, ratio .125
    #    -> 2(.875) / (2(.875) + .125) = 1.75 / 1.875
    nan = np.nan
    items = pd.DataFrame(
        {
            "i1": [3, 4, 5, 1, 5, 4, 4, 5, 3, 4, nan, 5],
            "i2": [3, 4, 5, 2, 4, 4, 5, 5, 3, nan, 4, 4],
        }
    )
    teams = pd.Series(list("aaabbcccdeee"))
    table = rwg_j(items, teams=teams, options=5).set_index("team")
    assert table.loc["a", "rwg_j"] == pytest.approx(2 / 3, rel=1e-12)
    assert table.loc["b", "rwg_j"] == 0.0
    assert table.loc["c", "rwg_j"] == pytest.approx(10 / 11, rel=1e-12)
    assert np.isnan(table.loc["d", "rwg_j"])
    assert table.loc["e", "rwg_j"] == pytest.approx(1.75 / 1.875, rel=1e-12)
    assert list(table["n"]) == [3, 2, 3, 1, 3]


def test_rwg_of_a_single_item_is_one_minus_the_variance_ratio() -> None:
    # 7 options: sigma_EU^2 = 4; answers 2, 4, 6 have variance 4 -> 0; 4, 5, 6 -> 1 - 1/4.
    items = pd.DataFrame({"i1": [2.0, 4, 6, 4, 5, 6]})
    table = rwg_j(items, teams=pd.Series(list("aaabbb")), options=7)
    assert list(table["rwg_j"]) == pytest.approx([0.0, 0.75], abs=1e-12)


def multilevel_rwg_j(x: pd.DataFrame, grpid: pd.Series, ranvar: float) -> pd.Series:
    """A line-by-line transcription of R multilevel's rwg.j (cran/multilevel R/multilevel.R)."""
    data = x.assign(grpid=grpid).dropna()  # na.exclude
    out = {}
    for group, q in data.groupby("grpid"):  # split(...); lapply(...)
        q = q.drop(columns="grpid")
        j = q.shape[1]
        if len(q) > 1:
            s = q.var(ddof=1).mean()  # mean(apply(Q, 2, var, na.rm = T))
            s = min(s, ranvar)
            out[group] = (j * (1 - s / ranvar)) / (j * (1 - s / ranvar) + s / ranvar)
        else:
            out[group] = np.nan
    return pd.Series(out)


def test_rwg_j_agrees_with_multilevel_on_the_lq2002_leadership_items(
    lq2002: pd.DataFrame,
) -> None:
    # R: rwg.j(lq2002[, 3:13], lq2002$COMPID, ranvar = 2), the example of multilevel's
    # rwg.j help page; 11 leadership items on 5 options, so ranvar = (5^2 - 1)/12 = 2. The
    # help page prints no values, so the reference is a transcription of its source.
    items = lq2002[[f"LEAD{n:02d}" for n in range(1, 12)]]
    ours = rwg_j(items, teams=lq2002["COMPID"], options=5).set_index("team")["rwg_j"]
    reference = multilevel_rwg_j(items, lq2002["COMPID"], ranvar=2.0)
    assert len(ours) == 49
    pd.testing.assert_series_equal(ours, reference, check_names=False, check_index_type=False)
    assert ours.min() > 0.7
    assert ours.max() < 1


def scores_and_teams() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(5)
    teams = pd.Series(np.repeat(["t1", "t2", "t3", "t4"], [6, 9, 4, 11]), name="team")
    scores = pd.DataFrame(
        {
            "HA": rng.normal(4.5, 1.0, 30) + np.repeat([0.5, -0.2, 0.0, 0.3], [6, 9, 4, 11]),
            "VA": rng.normal(4.0, 1.2, 30),
        }
    )
    scores.iloc[3, 1] = np.nan
    return scores, teams


def test_team_statistics_match_a_direct_computation() -> None:
    scores, teams = scores_and_teams()
    table = team_statistics(scores, teams=teams, ci=0.9).set_index(["team", "scale"])
    assert list(table.columns) == ["n", "mean", "sd", "ci_low", "ci_high"]
    for (team, scale), row in table.iterrows():
        values = scores.loc[teams == team, scale].dropna()
        low, high = stats.t.interval(0.9, len(values) - 1, values.mean(), stats.sem(values))
        assert row["n"] == len(values)
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(values.std(ddof=1), rel=1e-12)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)


def test_organisation_statistics_treat_everyone_as_one_group() -> None:
    scores, _ = scores_and_teams()
    table = organisation_statistics(scores).set_index("scale")
    assert table.loc["VA", "n"] == 29
    assert table.loc["HA", "mean"] == pytest.approx(scores["HA"].mean(), rel=1e-12)


def test_compare_to_rest_matches_welch_and_cohen_computed_directly() -> None:
    scores, teams = scores_and_teams()
    table = compare_to_rest(scores, teams=teams).set_index(["team", "scale"])
    for (team, scale), row in table.iterrows():
        inside = scores.loc[teams == team, scale].dropna()
        rest = scores.loc[teams != team, scale].dropna()
        welch = stats.ttest_ind(inside, rest, equal_var=False)
        interval = welch.confidence_interval(0.95)
        pooled = np.sqrt(
            ((len(inside) - 1) * inside.var() + (len(rest) - 1) * rest.var())
            / (len(inside) + len(rest) - 2)
        )
        rest_low, rest_high = stats.t.interval(0.95, len(rest) - 1, rest.mean(), stats.sem(rest))
        assert row["rest_n"] == len(rest)
        assert row["rest_mean"] == pytest.approx(rest.mean(), rel=1e-12)
        assert (row["rest_ci_low"], row["rest_ci_high"]) == pytest.approx((rest_low, rest_high))
        assert row["diff"] == pytest.approx(inside.mean() - rest.mean(), rel=1e-10)
        assert row["diff_ci_low"] == pytest.approx(interval.low, rel=1e-9)
        assert row["diff_ci_high"] == pytest.approx(interval.high, rel=1e-9)
        assert row["cohens_d"] == pytest.approx((inside.mean() - rest.mean()) / pooled)


def test_people_without_a_team_belong_to_everyone_elses_rest() -> None:
    scores = pd.DataFrame({"X": [1.0, 2, 3, 10]})
    teams = pd.Series(["a", "a", "b", None])
    table = compare_to_rest(scores, teams=teams).set_index("team")
    assert table.loc["a", "rest_n"] == 2
    assert table.loc["a", "rest_mean"] == pytest.approx(6.5)


def test_scale_agreement_reverse_keys_first(small_instrument: Instrument) -> None:
    # Everyone in the team gives the same *keyed* answers; raw reverse items differ.
    keyed = pd.DataFrame(
        [[6.0] * 16, [6.0] * 16, [5.0] * 16],
        columns=list(small_instrument.item_ids),
    )
    raw = keyed.copy()
    for item_id in small_instrument.reverse_item_ids:
        raw[item_id] = 8 - keyed[item_id]
    teams = pd.Series(["t"] * 3)
    table = scale_agreement(raw, teams=teams, instrument=small_instrument)
    assert list(table.columns) == ["team", "scale", "rwg_j"]
    assert list(table["scale"]) == ["HA", "VA", "LC_MEM", "LC_BRO"]
    direct = rwg_j(keyed[["HA01", "HA02", "HA03", "HA04", "HA05"]], teams=teams, options=7)
    assert table["rwg_j"].iloc[0] == pytest.approx(direct["rwg_j"].iloc[0], rel=1e-12)


def test_teams_must_share_the_index_of_the_data() -> None:
    scores = pd.DataFrame({"X": [1.0, 2.0]}, index=[10, 11])
    with pytest.raises(ValueError, match="same index"):
        icc(scores, teams=pd.Series(["a", "b"]))


@pytest.mark.parametrize(
    "function", [team_statistics, icc, compare_to_rest], ids=lambda f: f.__name__
)
def test_aggregation_leaves_its_inputs_untouched(function: object) -> None:
    scores, teams = scores_and_teams()
    scores_before, teams_before = scores.copy(), teams.copy()
    function(scores, teams=teams)  # type: ignore[operator]
    pd.testing.assert_frame_equal(scores, scores_before)
    pd.testing.assert_series_equal(teams, teams_before)


# -- agreement(): ICC, rwg(j), awg and AD_M together -------------------------------------------


def agreement_example() -> tuple[pd.DataFrame, pd.Series]:
    nan = np.nan
    items = pd.DataFrame(
        {
            "q1": [3, 4, 5, 1, 5, 5, 5, 5, 4, 2, nan, 3, 3],
            "q2": [3, 4, 4, 2, 4, 4, 5, 5, 4, 2, 3, 3, nan],
        }
    )
    return items, pd.Series(list("aaabbcccdeeee"))


def test_agreement_by_hand() -> None:
    # 5 options, L = 1, H = 5: sigma_EU^2 = 2; awg's largest variance at mean M with k
    # raters is ((H + L) M - M^2 - H L) k / (k - 1), defined for M in [(L(k-1)+H)/k,
    # (H(k-1)+L)/k], which is [7/3, 11/3] for k = 3 and [3, 3] for k = 2.
    # a: q1 = 3, 4, 5 (M 4 > 11/3: awg undefined; AD 2/3); q2 = 3, 4, 4 (M 11/3, s2 1/3,
    #    largest (22 - 121/9 - 5) 3/2 = 16/3, awg 1 - (2/3)/(16/3) = 7/8; AD 4/9).
    #    rwg_j: S = 2/3, ratio 1/3 -> (4/3)/(5/3) = 0.8; awg 7/8; adm (2/3 + 4/9)/2 = 5/9.
    # b: q1 = 1, 5 (M 3, s2 8, largest 8, awg -1; AD 2); q2 = 2, 4 (s2 2, awg 1/2; AD 1).
    #    rwg_j: S = 5 truncated to 2 -> 0; awg -1/4; adm 3/2.
    # c: q1 = 5, 5, 5 (M = H: awg 1; AD 0); q2 = 4, 5, 5 (M 14/3 > 11/3: undefined; AD 4/9).
    #    rwg_j: S = 1/6, ratio 1/12 -> (22/12)/(23/12) = 22/23; awg 1; adm 2/9.
    # d: one member -> every index NaN.
    # e: q1 = 2, -, 3, 3 and q2 = 2, 3, 3, -: each k = 3, M 8/3, s2 1/3, largest
    #    (16 - 64/9 - 5) 3/2 = 35/6, awg 1 - (2/3)/(35/6) = 31/35; AD 4/9.
    #    rwg_j: S = 1/3, ratio 1/6 -> (10/6)/(11/6) = 10/11; n = 4 members.
    items, teams = agreement_example()
    table = agreement(items, teams=teams, options=5).to_frame().set_index("team")
    assert list(table.columns) == ["n", "mean", "rwg_j", "awg", "adm"]
    assert list(table["n"]) == [3, 2, 3, 1, 4]
    expected = {
        "a": (0.8, 7 / 8, 5 / 9),
        "b": (0.0, -1 / 4, 3 / 2),
        "c": (22 / 23, 1.0, 2 / 9),
        "e": (10 / 11, 31 / 35, 4 / 9),
    }
    for team, (rwg, awg, adm) in expected.items():
        row = table.loc[team]
        assert (row["rwg_j"], row["awg"], row["adm"]) == pytest.approx((rwg, awg, adm), abs=1e-12)
    assert table.loc["d", ["rwg_j", "awg", "adm"]].isna().all()
    # Team means of the members' scale means: a (3 + 4 + 4.5) / 3.
    assert table.loc["a", "mean"] == pytest.approx(11.5 / 3, abs=1e-12)


def test_agreement_icc_is_that_of_the_members_scale_means() -> None:
    items, teams = agreement_example()
    result = agreement(items, teams=teams, options=5)
    reference = icc(items.mean(axis=1).to_frame("X"), teams=teams).iloc[0]
    assert result.icc1 == pytest.approx(reference["icc1"], abs=1e-12)
    assert result.icc2 == pytest.approx(reference["icc2"], abs=1e-12)
    assert (result.n, result.n_teams) == (13, 5)


@pytest.mark.parametrize(
    ("answers", "awg"),
    [
        ([2.0, 4.0], 1 - 2 * 2 / 8),  # M = 3: the only defined mean for 2 raters on 1..5
        ([2.0, 3.0], np.nan),  # M = 2.5 < 3: undefined
        ([1.0, 1.0], 1.0),  # everyone at L
        ([5.0, 5.0, 5.0], 1.0),  # everyone at H
        # M = 7/3, on the lower bound: s2 = 16/3 is the largest possible, (9 - 49/9) 3/2.
        ([1.0, 1.0, 5.0], -1.0),
        ([1.0, 1.0, 4.0], np.nan),  # M = 2 < 7/3
    ],
)
def test_awg_bounds(answers: list[float], awg: float) -> None:
    items = pd.DataFrame({"q": answers})
    result = agreement(items, teams=pd.Series(["t"] * len(answers)), options=5)
    got = result.teams["awg"].iloc[0]
    if np.isnan(awg):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(awg, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=12))
def test_awg_never_leaves_minus_one_to_one(answers: list[int]) -> None:
    # The variance of k answers in [L, H] with mean M is at most awg's denominator.
    items = pd.DataFrame({"q": np.asarray(answers, dtype=float)})
    awg = agreement(items, teams=pd.Series(["t"] * len(answers)), options=7).teams["awg"]
    assert awg.isna().all() or (-1 - 1e-12 <= awg.iloc[0] <= 1 + 1e-12)


def multilevel_awg(x: pd.DataFrame, grpid: pd.Series, low: float, high: float) -> pd.Series:
    """A transcription of R multilevel's awg (cran/multilevel R/multilevel.R, version 2.8)."""
    data = x.assign(grpid=grpid).dropna()  # na.exclude
    out = {}
    for group, q in data.groupby("grpid"):
        q = q.drop(columns="grpid")
        if len(q) <= 1:
            out[group] = np.nan
            continue
        values = []
        for column in q:  # apply(Q, 2, function(AW) ...)
            aw = q[column]
            m, k = aw.mean(), len(aw)
            a_wg = 1 - (2 * aw.var()) / (((high + low) * m - m**2 - high * low) * (k / (k - 1)))
            if m < (low * (k - 1) + high) / k or m > (high * (k - 1) + low) / k:
                a_wg = np.nan
            if m in (high, low):
                a_wg = 1.0
            values.append(a_wg)
        out[group] = np.nanmean(values) if not np.isnan(values).all() else np.nan  # na.rm = T
    return pd.Series(out)


def multilevel_ad_m(x: pd.DataFrame, grpid: pd.Series) -> pd.Series:
    """A transcription of R multilevel's ad.m with type = "mean" (same source)."""
    data = x.assign(grpid=grpid).dropna()
    out = {}
    for group, q in data.groupby("grpid"):
        q = q.drop(columns="grpid")
        out[group] = (q - q.mean()).abs().sum().div(len(q)).mean() if len(q) > 1 else np.nan
    return pd.Series(out)


@pytest.mark.parametrize(
    "columns",
    [[f"LEAD{n:02d}" for n in range(1, 12)], ["LEAD05"]],
    ids=["eleven items", "one item"],
)
def test_agreement_agrees_with_multilevel_on_lq2002(
    lq2002: pd.DataFrame, columns: list[str]
) -> None:
    # R: awg(lq2002[, 3:13], lq2002$COMPID, range = c(1, 5)) and ad.m(...), the examples of
    # multilevel's help pages, and rwg.j as in the rwg_j test above. The help pages print no
    # values, so the references are transcriptions of multilevel's source; lq2002 is
    # complete, so its listwise deletion changes nothing.
    items, teams = lq2002[columns], lq2002["COMPID"]
    table = agreement(items, teams=teams, options=5).to_frame().set_index("team")
    assert len(table) == 49
    existing = rwg_j(items, teams=teams, options=5).set_index("team")["rwg_j"]
    np.testing.assert_allclose(table["rwg_j"], existing, rtol=1e-12)
    awg = multilevel_awg(items, teams, low=1, high=5)
    np.testing.assert_allclose(table["awg"], awg.loc[table.index], rtol=1e-12)
    adm = multilevel_ad_m(items, teams)
    np.testing.assert_allclose(table["adm"], adm.loc[table.index], rtol=1e-12)
    assert table["awg"].notna().all()


def test_agreement_refuses_bad_options_and_misaligned_teams() -> None:
    items, teams = agreement_example()
    with pytest.raises(ValueError, match="options"):
        agreement(items, teams=teams, options=1)
    with pytest.raises(ValueError, match="same index"):
        agreement(items, teams=teams.set_axis(range(1, 14)), options=5)
    with pytest.raises(ValueError, match=r"response scale 2\.\.5"):
        agreement(items, teams=teams, options=4, low=2)


def test_agreement_leaves_its_inputs_untouched() -> None:
    items, teams = agreement_example()
    items_before, teams_before = items.copy(), teams.copy()
    agreement(items, teams=teams, options=5)
    pd.testing.assert_frame_equal(items, items_before)
    pd.testing.assert_series_equal(teams, teams_before)


@pytest.mark.parametrize("name", ["analysis.aggregation", "analysis.interrater"])
def test_aggregation_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_the_listwise_rule_is_the_same_as_dropping_incomplete_respondents_first() -> None:
    items = pd.DataFrame(
        {
            "q1": [1.0, 2, 2, np.nan, 4, 5, 5, 4],
            "q2": [2.0, 2, 3, 3, np.nan, 5, 4, 4],
            "q3": [1.0, 3, 2, 3, 4, 4, 5, np.nan],
        }
    )
    teams = pd.Series(list("aaaabbbb"))
    complete = items.notna().all(axis=1)
    listwise = rwg_j(items, teams=teams, options=5, missing="listwise")
    by_hand = rwg_j(items[complete], teams=teams[complete], options=5)
    pd.testing.assert_frame_equal(listwise, by_hand)
    assert list(listwise["n"]) == [3, 2]
    assert list(rwg_j(items, teams=teams, options=5)["n"]) == [4, 4]
    together = agreement(items, teams=teams, options=5, missing="listwise").teams
    np.testing.assert_allclose(together["rwg_j"], listwise["rwg_j"])
    # A team all of whose members skipped something keeps its row, with nobody in it.
    everyone_skipped = items.assign(q4=[np.nan] * 4 + [3.0] * 4)
    rows = rwg_j(everyone_skipped, teams=teams, options=5, missing="listwise")
    assert list(rows["team"]) == ["a", "b"]
    assert rows["n"].iloc[0] == 0
    assert np.isnan(rows["rwg_j"].iloc[0])
    with pytest.raises(ValueError, match="missing must be one of available, listwise"):
        rwg_j(items, teams=teams, options=5, missing="pairwise")  # type: ignore[arg-type]
