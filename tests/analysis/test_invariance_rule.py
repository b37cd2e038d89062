"""The invariance rule: ΔCFI decides; ΔRMSEA (or ΔSRMR) and the likelihood-ratio test
corroborate (bench/invariance_rule.py, docs/invariance-rule.md). Decisions on constructed
level fits, on Holzinger & Swineford, then on simulated answers."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis import InvarianceRule, measurement_invariance
from analysis.invariance import CONVENTIONAL_RULE, STATEMENTS, LevelFit, Verdict, _compare

# -- the rule on constructed fits ------------------------------------------------------------------

# A 6-item scale in 2 groups: configural df 18, metric 23, scalar 28 (each step 5 df).
DFS = {"configural": 18, "metric": 23, "scalar": 28}
Three = tuple[float, float, float]


def _fit(level: Any, *, cfi: float, rmsea: float, chi2: float, srmr: float, ok: bool) -> LevelFit:
    nan = float("nan")
    return LevelFit(
        level=level,
        n_parameters=54 - DFS[level],
        chi2=chi2,
        df=DFS[level],
        pvalue=nan,
        cfi=cfi,
        tli=nan,
        rmsea=rmsea,
        rmsea_ci_low=nan,
        rmsea_ci_high=nan,
        srmr=srmr,
        loglik=nan,
        aic=nan,
        bic=nan,
        converged=ok,
    )


def _decide(
    cfis: Three,
    rmseas: Three,
    *,
    chi2s: Three = (20.0, 60.0, 100.0),  # Δχ² 40 on 5 df: p < 1e-6
    srmrs: Three = (0.030, 0.031, 0.032),
    converged: tuple[bool, bool, bool] = (True, True, True),
    rule: InvarianceRule = CONVENTIONAL_RULE,
) -> tuple[list[LevelFit], Verdict]:
    fits = [
        _fit(level, cfi=cfi, rmsea=rmsea, chi2=chi2, srmr=srmr, ok=ok)
        for level, cfi, rmsea, chi2, srmr, ok in zip(
            DFS, cfis, rmseas, chi2s, srmrs, converged, strict=True
        )
    ]
    return _compare(fits, rule=rule)


def test_a_rise_of_rmsea_alone_refuses_nothing() -> None:
    # The case: ΔCFI -.002 with ΔRMSEA +.020 at both steps. The rule before refused
    # metric on ΔRMSEA alone (configural df 18 >= its rmsea_min_df 10).
    levels, verdict = _decide((0.990, 0.988, 0.986), (0.030, 0.050, 0.070))
    assert verdict == "scalar"
    assert [fit.supported for fit in levels] == [True, True, True]
    assert levels[1].delta_cfi == pytest.approx(-0.002)
    assert levels[1].delta_rmsea == pytest.approx(0.020)
    assert levels[1].decision == "accepted by ΔCFI: ΔCFI -0.0020 > -0.010"
    assert levels[2].decision.startswith("accepted by ΔCFI")


def test_a_drop_of_cfi_corroborated_by_rmsea_and_the_test_refuses() -> None:
    levels, verdict = _decide((0.990, 0.970, 0.965), (0.030, 0.050, 0.050))
    assert verdict == "configural"
    assert [fit.supported for fit in levels] == [True, False, False]
    assert levels[1].decision == (
        "refused by ΔCFI: ΔCFI -0.0200 <= -0.010, corroborated by ΔRMSEA +0.0200 >= 0.015"
        " and Δχ² p 0.0000 < 0.05"
    )
    # A level needs every level before it, whatever its own changes.
    assert levels[2].decision == "refused: the metric level is not supported"


def test_a_drop_of_cfi_that_no_other_index_corroborates_refuses_nothing() -> None:
    levels, verdict = _decide((0.990, 0.970, 0.968), (0.030, 0.035, 0.036))
    assert verdict == "scalar"
    assert levels[1].supported
    assert levels[1].decision == (
        "accepted: ΔCFI -0.0200 <= -0.010, but neither ΔRMSEA +0.0050 < 0.015 nor ΔSRMR"
        " +0.0010 < 0.030 corroborates it"
    )


def test_a_drop_of_cfi_within_sampling_error_refuses_nothing() -> None:
    # Δχ² 10.9 on 5 df (p .0534): the drop may be chance; 11.2 (p .048) refuses.
    levels, verdict = _decide(
        (0.990, 0.970, 0.970), (0.030, 0.050, 0.050), chi2s=(20.0, 30.9, 30.9)
    )
    assert verdict == "scalar"
    assert levels[1].delta_pvalue == pytest.approx(0.0534, abs=1e-4)
    assert levels[1].decision == (
        "accepted: ΔCFI -0.0200 <= -0.010 corroborated by ΔRMSEA +0.0200 >= 0.015, but within"
        " sampling error (Δχ² p 0.0534 >= 0.05)"
    )
    levels, verdict = _decide(
        (0.990, 0.970, 0.970), (0.030, 0.050, 0.050), chi2s=(20.0, 31.2, 31.2)
    )
    assert verdict == "configural"


def test_srmr_corroborates_with_chens_cut_off_of_each_step() -> None:
    # ΔCFI -.020 and ΔRMSEA +.005 at both steps; ΔSRMR +.012 at both: below .030 at the
    # metric step, above .010 at the scalar step.
    levels, verdict = _decide(
        (0.990, 0.970, 0.950), (0.030, 0.035, 0.040), srmrs=(0.030, 0.042, 0.054)
    )
    assert verdict == "metric"
    assert levels[1].decision.startswith("accepted: ΔCFI -0.0200 <= -0.010, but neither")
    assert levels[2].decision == (
        "refused by ΔCFI: ΔCFI -0.0200 <= -0.010, corroborated by ΔSRMR +0.0120 >= 0.010"
        " and Δχ² p 0.0000 < 0.05"
    )


def test_scalar_is_decided_on_its_own_step() -> None:
    # Metric holds (ΔCFI -.001); scalar: ΔCFI -.030 with ΔRMSEA +.040.
    levels, verdict = _decide((0.990, 0.989, 0.959), (0.030, 0.028, 0.068))
    assert verdict == "metric"
    assert [fit.supported for fit in levels] == [True, True, False]
    assert levels[2].decision.startswith("refused by ΔCFI")
    assert STATEMENTS[verdict].startswith("metric but not scalar")


@pytest.mark.parametrize(
    ("cfis", "rmseas", "supported"),
    [
        # ΔCFI exactly -.010 and ΔRMSEA exactly +.015 (as differences of floats): refused.
        ((0.990, 0.980, 0.980), (0.030, 0.045, 0.045), False),
        # ΔCFI just above -.010: accepted whatever ΔRMSEA does.
        ((0.990, 0.9801, 0.9801), (0.030, 0.080, 0.080), True),
        # ΔCFI just below -.010 and ΔRMSEA just below +.015: not corroborated, accepted.
        ((0.990, 0.9799, 0.9799), (0.030, 0.0449, 0.0449), True),
        # ΔCFI just below -.010 and ΔRMSEA exactly +.015: refused.
        ((0.990, 0.9799, 0.9799), (0.030, 0.045, 0.045), False),
    ],
)
def test_the_boundaries_of_the_metric_step(cfis: Three, rmseas: Three, supported: bool) -> None:
    levels, _ = _decide(cfis, rmseas)
    assert levels[1].supported is supported
    # The scalar step changes nothing: it follows the metric level.
    assert levels[2].supported is supported
    assert levels[2].decision.startswith(
        "accepted by ΔCFI" if supported else "refused: the metric level is not supported"
    )


def test_below_rmsea_min_df_the_other_indexes_are_not_asked() -> None:
    # Configural df 18 < 20: the drop of CFI refuses without ΔRMSEA's or ΔSRMR's word.
    rule = InvarianceRule(rmsea_min_df=20)
    levels, verdict = _decide((0.990, 0.970, 0.968), (0.030, 0.035, 0.036), rule=rule)
    assert verdict == "configural"
    assert levels[1].decision == (
        "refused by ΔCFI: ΔCFI -0.0200 <= -0.010, without ΔRMSEA or ΔSRMR (not asked below 20"
        " df) and Δχ² p 0.0000 < 0.05"
    )


def test_the_configural_fit_and_convergence_say_why_they_refuse() -> None:
    levels, verdict = _decide((0.850, 0.849, 0.848), (0.120, 0.110, 0.100))
    assert verdict == "none"
    assert levels[0].decision == (
        "refused by the configural fit: CFI 0.850 < 0.900 and RMSEA 0.120 > 0.080"
    )
    assert levels[1].decision == "refused: the configural level is not supported"
    nan = float("nan")
    levels, verdict = _decide(
        (0.990, nan, nan), (0.030, nan, nan), chi2s=(20.0, nan, nan), converged=(True, False, False)
    )
    assert verdict == "configural"
    assert levels[0].decision == (
        "accepted by the configural fit: CFI 0.990 >= 0.900 and RMSEA 0.030 <= 0.080"
    )
    assert levels[1].decision == "refused: the metric model did not converge"
    assert levels[2].decision == "refused: the metric level is not supported"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_cfi_drop": "0.01"}, "max_cfi_drop must be a number >= 0, is '0.01'"),
        ({"max_rmsea_rise": float("nan")}, "max_rmsea_rise must be a number >= 0, is nan"),
        ({"max_rmsea": True}, "max_rmsea must be a number >= 0, is True"),
        ({"max_srmr_rise_scalar": -0.01}, "max_srmr_rise_scalar must be a number >= 0"),
        ({"min_cfi": 1.5}, "min_cfi must be at most 1, is 1.5"),
        ({"max_cfi_drop": 2.0}, "max_cfi_drop must be at most 1, is 2.0"),
        ({"lrt_alpha": 5}, "lrt_alpha must be at most 1, is 5"),
        ({"rmsea_min_df": 2.5}, "rmsea_min_df must be a whole number of degrees of freedom"),
    ],
)
def test_a_bad_cut_off_is_refused_naming_it(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        InvarianceRule(**options)


def test_the_conventional_rule_is_chens_with_the_likelihood_ratio_test() -> None:
    chen = InvarianceRule(
        min_cfi=0.90,
        max_rmsea=0.08,
        max_cfi_drop=0.010,
        max_rmsea_rise=0.015,
        max_srmr_rise_metric=0.030,
        max_srmr_rise_scalar=0.010,
        lrt_alpha=0.05,
        rmsea_min_df=0,
    )
    assert chen == CONVENTIONAL_RULE


# -- Holzinger & Swineford by school (lavaan's tutorial) -------------------------------------------


def test_holzingers_scalar_step_is_refused_with_srmrs_corroboration() -> None:
    # lavaan: scalar ΔCFI -.038 (Δχ² 40.1 on 6 df) but ΔRMSEA only +.0145; ΔSRMR +.0107
    # corroborates at Chen's scalar cut-off .010. Configural RMSEA .097 needs max_rmsea .10.
    data = pd.read_csv(str(files("semopy") / "examples" / "holzinger_swineford39_data.csv"))
    model = {
        "visual": ["x1", "x2", "x3"],
        "textual": ["x4", "x5", "x6"],
        "speed": ["x7", "x8", "x9"],
    }
    result = measurement_invariance(
        data, model, group="school", rule=InvarianceRule(max_rmsea=0.10)
    )
    assert result.verdict == "metric"
    assert result.metric.decision == "accepted by ΔCFI: ΔCFI -0.0025 > -0.010"
    assert result.scalar.delta_rmsea < 0.015
    assert "corroborated by ΔSRMR +0.01" in result.scalar.decision, result.scalar.decision


# -- on simulated answers --------------------------------------------------------------------------

ITEMS = [f"x{number}" for number in range(1, 7)]


def _departments(
    seed: int, sizes: tuple[int, int] = (1440, 360), *, shift: float = 0.0
) -> pd.DataFrame:
    """A 6-item scale answered on 7 points by two departments, as ``analysis.simulate``
    answers (loadings uniform on [.55, .85], thresholds 0.6 apart, leniency .45); the second
    department's factor mean is .3 higher, and ``shift`` is added to its last item's response
    before thresholding (an intercept difference; 0: invariant)."""
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(0.55, 0.85, size=len(ITEMS))
    thresholds = (np.arange(6) - 2.5) * 0.6
    frames = []
    for g, n in enumerate(sizes):
        factor = rng.normal(0.3 * g, 1.0, size=n)
        noise = rng.standard_normal((n, len(ITEMS))) * np.sqrt(1 - loadings**2)
        response = np.outer(factor, loadings) + noise + 0.45
        response[:, -1] += shift * g
        answers = 1.0 + np.searchsorted(thresholds, response)
        frames.append(pd.DataFrame(answers, columns=ITEMS).assign(dept=f"d{g + 1}"))
    return pd.concat(frames, ignore_index=True)


# Seeds 0-299 of _departments: the rule before refused metric in seed 240 (ΔCFI -.0045,
# ΔRMSEA +.0246) and scalar in seeds 121, 163 and 201 (ΔCFI -.0015 to -.0027, ΔRMSEA
# +.016 to +.022), each on ΔRMSEA alone; seeds 0 and 1 are ordinary samples.
SEEDS = [240, 121, 163, 201, 0, 1]


@pytest.mark.parametrize("seed", SEEDS)
def test_an_invariant_scale_of_departments_of_1440_and_360_passes(seed: int) -> None:
    result = measurement_invariance(_departments(seed), {"F": ITEMS}, group="dept")
    assert result.group_sizes == (1440, 360)
    assert result.metric.supported, result.metric.decision
    assert result.verdict == "scalar", result.scalar.decision
    for fit in (result.metric, result.scalar):
        assert fit.delta_cfi > -0.005, (fit.level, fit.delta_cfi)
        assert fit.decision.startswith("accepted by ΔCFI"), fit.decision


@pytest.mark.parametrize("seed", [0, 1])
def test_an_intercept_difference_of_half_an_sd_is_still_refused(seed: int) -> None:
    # The last item .5 higher in the second department at equal factor scores: a scale mean
    # biased by about .08 SD. ΔCFI falls well past -.010 and ΔRMSEA corroborates it.
    result = measurement_invariance(_departments(seed, shift=0.5), {"F": ITEMS}, group="dept")
    assert result.verdict == "metric", result.scalar.decision
    assert result.scalar.decision.startswith("refused by ΔCFI"), result.scalar.decision
    assert "corroborated by ΔRMSEA" in result.scalar.decision
