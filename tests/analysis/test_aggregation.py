"""Team aggregation against R multilevel, scipy and hand-worked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import (
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
