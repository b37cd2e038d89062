"""Which invariance rule? A simulation study in the spirit of Chen (2007), on ordinal answers.

``analysis.invariance.InvarianceRule`` decides whether a more constrained level (metric: equal
loadings; scalar: equal loadings and intercepts) still fits, from the change in CFI, RMSEA and
SRMR against the level before. This script simulates one-factor scales answered on the item
bank's 7-point scale by two groups, fits the three levels with ``measurement_invariance`` and
counts, for several candidate rules, how often each step is refused:

- group sizes: 100/100, 200/100 (unequal, small), 300/300, 1440/360 (the issue's case);
- items per scale: 3, 4 and 6 (the item bank's scales have 3 to 6 items);
- non-invariance in the last item of the scale (never the marker), in the second group only:
  none; its loading lower by .1, .2 or .3; its intercept higher by .2 or .4 (latent-response
  SD units, about the same in item SDs).

Answers are generated as ``analysis.simulate`` generates them: a continuous response
z = λη + √(1-λ²)δ, loadings uniform on [.55, .85] (drawn per replication, equal in both groups
unless the condition says otherwise), thresholded on the 7-point scale's thresholds with the
leniency .45. The second group's factor mean is .3 higher (invariance allows that: only the
measurement must be equal). Answers are analysed as continuous, as the product does.

Refusal rates are per step, whatever the step before decided; a step whose level did not
converge is counted apart. The Monte Carlo standard error of a rate p over R replications is
√(p(1-p)/R): 1.3 points for p = .05 and R = 300, 5 points for p = .5 and R = 100.

Run by hand (9,600 samples: 26 minutes of wall time on 2 busy cores; 2 worker processes,
nice 10):

    .venv/bin/python bench/invariance_rule.py --replications 100 --invariant-factor 3 \\
        --raw /tmp/invariance_rule.csv --out docs/invariance-rule.md

``--out`` replaces the text between the markers ``<!-- table:begin -->`` and
``<!-- table:end -->`` of an existing file (or writes a new file with the tables only).
``--from-raw FILE`` rebuilds the tables from a saved ``--raw`` file without simulating.

Reference: Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
invariance. Structural Equation Modeling, 14(3), 464-504.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis.invariance import CONVENTIONAL_RULE, measurement_invariance

GROUP_SIZES: tuple[tuple[int, int], ...] = ((100, 100), (200, 100), (300, 300), (1440, 360))
ITEMS = (3, 4, 6)
# (kind, size): kind "loading" lowers the last item's loading in group 2 by size; "intercept"
# raises its continuous response by size before thresholding.
NON_INVARIANCE: tuple[tuple[str, float], ...] = (
    ("none", 0.0),
    ("loading", 0.1),
    ("loading", 0.2),
    ("loading", 0.3),
    ("intercept", 0.2),
    ("intercept", 0.4),
)
OPTIONS = 7
LENIENCY = 0.45
LOADING_RANGE = (0.55, 0.85)
FACTOR_MEAN_GAP = 0.3
SEED = 20070301
LEVELS = ("configural", "metric", "scalar")
BEGIN, END = "<!-- table:begin -->", "<!-- table:end -->"


@dataclass(frozen=True)
class Condition:
    sizes: tuple[int, int]
    items: int
    kind: str
    size: float

    @property
    def label(self) -> str:
        return "none" if self.kind == "none" else f"{self.kind} {self.size:.1f}"


def thresholds(options: int = OPTIONS) -> np.ndarray:
    """The thresholds ``analysis.simulate`` uses: equally spaced, 4.2/options apart."""
    spacing = 4.2 / options
    return (np.arange(options - 1) - (options - 2) / 2) * spacing


def simulate(condition: Condition, rng: np.random.Generator) -> pd.DataFrame:
    """One sample: 7-point answers of both groups, the column ``group`` naming the group."""
    k = condition.items
    loadings = rng.uniform(*LOADING_RANGE, size=k)
    cuts = thresholds()
    frames = []
    for g, n in enumerate(condition.sizes):
        lam = loadings.copy()
        shift = np.zeros(k)
        if g == 1 and condition.kind == "loading":
            lam[-1] -= condition.size
        if g == 1 and condition.kind == "intercept":
            shift[-1] = condition.size
        eta = rng.normal(FACTOR_MEAN_GAP * g, 1.0, size=n)
        z = np.outer(eta, lam) + rng.standard_normal((n, k)) * np.sqrt(1 - loadings**2) + shift
        answers = 1 + np.searchsorted(cuts, z + LENIENCY)
        frame = pd.DataFrame(answers.astype(np.float64), columns=[f"x{i}" for i in range(k)])
        frames.append(frame.assign(group="ab"[g]))
    return pd.concat(frames, ignore_index=True)


def run_block(task: tuple[int, Condition, int, int]) -> list[dict[str, object]]:
    """Replications ``start`` to ``stop - 1`` of one condition, each seeded on its own."""
    index, condition, start, stop = task
    records = []
    for replication in range(start, stop):
        rng = np.random.default_rng(np.random.SeedSequence([SEED, index, replication]))
        data = simulate(condition, rng)
        model = {"F": [f"x{i}" for i in range(condition.items)]}
        result = measurement_invariance(data, model, group="group")
        record: dict[str, object] = {
            "n1": condition.sizes[0],
            "n2": condition.sizes[1],
            "items": condition.items,
            "kind": condition.kind,
            "size": condition.size,
            "replication": replication,
        }
        for fit in result.levels:
            for name in ("converged", "df", "chi2", "cfi", "rmsea", "srmr"):
                record[f"{fit.level}_{name}"] = getattr(fit, name)
        records.append(record)
    return records


def _one_thread() -> None:
    """Each worker computes on one thread: two workers use the two cores, no more."""
    threadpool_limits(1)


BLOCK = 10


def simulate_all(
    replications: int, invariant_factor: int, workers: int, raw: Path | None = None
) -> pd.DataFrame:
    """Every condition's replications, in rounds of ``BLOCK`` per condition (so that a run
    stopped early has every condition at about the same count); each block is appended to
    ``raw`` as it arrives, so a stopped run can still be tabulated with ``--from-raw``."""
    conditions = [
        Condition(sizes, items, kind, size)
        for sizes, items, (kind, size) in product(GROUP_SIZES, ITEMS, NON_INVARIANCE)
    ]
    totals = [
        replications * (invariant_factor if condition.kind == "none" else 1)
        for condition in conditions
    ]
    tasks = [
        (index, condition, start, min(start + BLOCK, total))
        for start in range(0, max(totals), BLOCK)
        for index, (condition, total) in enumerate(zip(conditions, totals, strict=True))
        if start < total
    ]
    records: list[dict[str, object]] = []
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(workers, initializer=_one_thread) as pool:
        for done, block in enumerate(pool.imap(run_block, tasks), start=1):
            records.extend(block)
            if raw is not None:
                pd.DataFrame(block).to_csv(raw, mode="a", header=done == 1, index=False)
            if done % 50 == 0 or done == len(tasks):
                elapsed = time.monotonic() - started
                print(f"{done}/{len(tasks)} blocks, {elapsed:.0f} s", flush=True)
    return pd.DataFrame(records)


# -- the candidate rules -----------------------------------------------------------------------

Step = pd.DataFrame  # columns: step, d_cfi, d_rmsea, d_srmr, df_before
Rule = Callable[[Step], pd.Series]


def _srmr_cut(steps: Step, metric: float, scalar: float) -> pd.Series:
    return pd.Series(np.where(steps["step"] == "metric", metric, scalar), index=steps.index)


RULES: dict[str, tuple[str, Rule]] = {
    "today": (
        "ΔCFI < -.010, or ΔRMSEA > .015 when the model before has df ≥ 10 (the rule before)",
        lambda s: (s.d_cfi < -0.010) | ((s.df_before >= 10) & (s.d_rmsea > 0.015)),
    ),
    "rmsea": ("ΔRMSEA > .015 alone, at any df", lambda s: s.d_rmsea > 0.015),
    "cfi": ("ΔCFI ≤ -.010 alone", lambda s: s.d_cfi <= -0.010),
    "cfi+rmsea": (
        "ΔCFI ≤ -.010 corroborated by ΔRMSEA ≥ .015",
        lambda s: (s.d_cfi <= -0.010) & (s.d_rmsea >= 0.015),
    ),
    "chen": (
        "Chen (2007), N > 300: ΔCFI ≤ -.010 and (ΔRMSEA ≥ .015 or ΔSRMR ≥ .030 metric, .010"
        " scalar)",
        lambda s: (
            (s.d_cfi <= -0.010) & ((s.d_rmsea >= 0.015) | (s.d_srmr >= _srmr_cut(s, 0.030, 0.010)))
        ),
    ),
    "chen-small": (
        "Chen (2007), N ≤ 300: ΔCFI ≤ -.005 and (ΔRMSEA ≥ .010 or ΔSRMR ≥ .025 metric, .005"
        " scalar)",
        lambda s: (
            (s.d_cfi <= -0.005) & ((s.d_rmsea >= 0.010) | (s.d_srmr >= _srmr_cut(s, 0.025, 0.005)))
        ),
    ),
    "cfi+rmsea+lrt": (
        "ΔCFI ≤ -.010 corroborated by ΔRMSEA ≥ .015 and by the likelihood-ratio test (Δχ² p < .05)",
        lambda s: (s.d_cfi <= -0.010) & (s.d_rmsea >= 0.015) & (s.d_pvalue < 0.05),
    ),
    "cfi+lrt": (
        "ΔCFI ≤ -.010 corroborated by the likelihood-ratio test alone (Δχ² p < .05)",
        lambda s: (s.d_cfi <= -0.010) & (s.d_pvalue < 0.05),
    ),
    "chen+lrt": (
        "`chen`, and the likelihood-ratio test (Δχ² p < .05)",
        lambda s: (
            (s.d_cfi <= -0.010)
            & ((s.d_rmsea >= 0.015) | (s.d_srmr >= _srmr_cut(s, 0.030, 0.010)))
            & (s.d_pvalue < 0.05)
        ),
    ),
    "chen+lrt.01": (
        "`chen`, and the likelihood-ratio test at .01 (Δχ² p < .01)",
        lambda s: (
            (s.d_cfi <= -0.010)
            & ((s.d_rmsea >= 0.015) | (s.d_srmr >= _srmr_cut(s, 0.030, 0.010)))
            & (s.d_pvalue < 0.01)
        ),
    ),
}


def _the_code(steps: Step) -> pd.Series:
    """The rule the analysis code applies, ``CONVENTIONAL_RULE.judge_step``, on each step."""
    refused = []
    for step, d_cfi, d_rmsea, d_srmr, d_pvalue, df_before in zip(
        steps["step"].astype(str),
        steps["d_cfi"].astype(float),
        steps["d_rmsea"].astype(float),
        steps["d_srmr"].astype(float),
        steps["d_pvalue"].astype(float),
        steps["df_before"].astype(int),
        strict=True,
    ):
        supported, _ = CONVENTIONAL_RULE.judge_step(
            step,
            delta_cfi=d_cfi,
            delta_rmsea=d_rmsea,
            delta_srmr=d_srmr,
            delta_pvalue=d_pvalue,
            df_before=df_before,
        )
        refused.append(not supported)
    return pd.Series(refused, index=steps.index, dtype=bool)


if hasattr(CONVENTIONAL_RULE, "judge_step"):  # the code before this study has none
    RULES["code"] = ("the rule `analysis.invariance.CONVENTIONAL_RULE` applies", _the_code)


def steps_of(raw: pd.DataFrame) -> Step:
    """One row per sample and step (metric, scalar) with the changes the rules read."""
    keys = ["n1", "n2", "items", "kind", "size", "replication"]
    parts = []
    for before, after in (("configural", "metric"), ("metric", "scalar")):
        part = raw[keys].copy()
        part["step"] = after
        part["converged"] = raw[f"{before}_converged"].astype(bool) & raw[
            f"{after}_converged"
        ].astype(bool)
        part["df_before"] = raw[f"{before}_df"]
        for index in ("chi2", "df", "cfi", "rmsea", "srmr"):
            part[f"d_{index}"] = raw[f"{after}_{index}"] - raw[f"{before}_{index}"]
        # The likelihood-ratio test of the step (Δχ² on Δdf), as LevelFit.delta_pvalue.
        part["d_pvalue"] = stats.chi2.sf(part["d_chi2"].clip(lower=0), part["d_df"])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def refusal_rates(steps: Step) -> pd.DataFrame:
    """Per condition and step: samples, non-converged, and each rule's refusal rate (%)."""
    keys = ["items", "n1", "n2", "kind", "size", "step"]
    converged = steps[steps["converged"]].copy()
    for name, (_, rule) in RULES.items():
        converged[name] = rule(converged).astype(float) * 100
    rates = converged.groupby(keys)[list(RULES)].mean()
    counts = steps.groupby(keys).agg(
        samples=("replication", "size"), failed=("converged", lambda c: int((~c).sum()))
    )
    quantiles = converged.groupby(keys).agg(
        cfi_p05=("d_cfi", lambda v: v.quantile(0.05)),
        cfi_median=("d_cfi", "median"),
        rmsea_p95=("d_rmsea", lambda v: v.quantile(0.95)),
        rmsea_median=("d_rmsea", "median"),
    )
    return counts.join(rates).join(quantiles).reset_index()


def _sizes(row: pd.Series) -> str:
    return f"{int(row.n1)}/{int(row.n2)}"


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def markdown(rates: pd.DataFrame, *, seconds: float | None) -> str:
    """The tables of the study, in Markdown."""
    order = {sizes: n for n, sizes in enumerate(GROUP_SIZES)}
    pairs = zip(rates["n1"].astype(int), rates["n2"].astype(int), strict=True)
    rates = rates.assign(order=[order.get(pair, 99) for pair in pairs])
    rates = rates.sort_values(["items", "order", "kind", "size"])
    names = list(RULES)
    out = ["Candidate rules (a step is refused when):", ""]
    out += [f"- `{name}`: {text}" for name, (text, _) in RULES.items()]
    samples = rates.loc[rates["kind"] == "none", "samples"]
    others = rates.loc[rates["kind"] != "none", "samples"]
    out += [
        "",
        f"Replications per condition: {int(samples.min())} on invariant data,"
        f" {int(others.min()) if len(others) else 0} on the others"
        + (f"; {seconds / 60:.0f} minutes of wall time." if seconds is not None else "."),
        f"Steps whose fit did not converge (left out of the rates): {int(rates['failed'].sum())}"
        f" of {int(rates['samples'].sum())}.",
        "",
        "**Table 1. Invariant data: false refusals (%), metric step / scalar step.**",
        "",
    ]
    none = rates[rates["kind"] == "none"]
    rows = []
    for (items, _order), group in none.groupby(["items", "order"], sort=True):
        metric = group[group["step"] == "metric"].iloc[0]
        scalar = group[group["step"] == "scalar"].iloc[0]
        rows.append(
            [str(items), _sizes(metric)]
            + [f"{metric[name]:.1f} / {scalar[name]:.1f}" for name in names]
        )
    out += _table(["items", "groups", *names], rows)
    out += [
        "",
        "**Table 2. Invariant data: the spread of the changes** (5th percentile of ΔCFI, 95th"
        " of ΔRMSEA; metric step / scalar step).",
        "",
    ]
    rows = []
    for (items, _order), group in none.groupby(["items", "order"], sort=True):
        metric = group[group["step"] == "metric"].iloc[0]
        scalar = group[group["step"] == "scalar"].iloc[0]
        rows.append(
            [
                str(items),
                _sizes(metric),
                f"{metric.cfi_p05:+.4f} / {scalar.cfi_p05:+.4f}",
                f"{metric.rmsea_p95:.4f} / {scalar.rmsea_p95:.4f}",
            ]
        )
    out += _table(["items", "groups", "ΔCFI p5", "ΔRMSEA p95"], rows)
    for kind, step, title in (
        ("loading", "metric", "**Table 3. One loading lower in one group: refusals (%) of the"),
        ("intercept", "scalar", "**Table 4. One intercept higher in one group: refusals (%) of"),
    ):
        out += ["", f"{title} {step} step** (median ΔCFI and ΔRMSEA beside).", ""]
        chosen = rates[(rates["kind"] == kind) & (rates["step"] == step)]
        rows = [
            [
                str(row["items"]),
                _sizes(row),
                f"{row['size']:.1f}",
                f"{row['cfi_median']:+.4f}",
                f"{row['rmsea_median']:.4f}",
                *[f"{row[name]:.1f}" for name in names],
            ]
            for _, row in chosen.iterrows()
        ]
        out += _table(["items", "groups", "size", "ΔCFI", "ΔRMSEA", *names], rows)
    intercept_metric = rates[(rates["kind"] == "intercept") & (rates["step"] == "metric")]
    out += [
        "",
        "**Table 5. One intercept higher in one group: refusals (%) of the metric step**"
        " (which holds in truth: these are false refusals too).",
        "",
    ]
    rows = [
        [str(row["items"]), _sizes(row), f"{row['size']:.1f}", *[f"{row[n]:.1f}" for n in names]]
        for _, row in intercept_metric.iterrows()
    ]
    out += _table(["items", "groups", "size", *names], rows)
    return "\n".join(out) + "\n"


def write(path: Path, text: str) -> None:
    """Replace the marked block of ``path`` (or write a new file with the tables only)."""
    block = f"{BEGIN}\n{text}{END}"
    if path.exists():
        current = path.read_text(encoding="utf-8")
        if BEGIN in current and END in current:
            head, rest = current.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            path.write_text(head + block + tail, encoding="utf-8")
            return
    path.write_text(block + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--replications", type=int, default=100, help="per non-invariant condition (100)"
    )
    parser.add_argument(
        "--invariant-factor",
        type=int,
        default=3,
        help="invariant conditions get this many times the replications (default 3)",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes, at most 2")
    parser.add_argument("--raw", type=Path, help="save every sample's fit statistics (CSV)")
    parser.add_argument("--from-raw", type=Path, help="rebuild the tables from a --raw file")
    parser.add_argument("--out", type=Path, help="the Markdown file to put the tables in")
    args = parser.parse_args()
    if args.replications < 1:
        parser.error(f"--replications: at least 1, got {args.replications}")
    if not 1 <= args.workers <= 2:
        parser.error(f"--workers: 1 or 2 (the machine is shared), got {args.workers}")
    seconds = None
    if args.from_raw is not None:
        raw = pd.read_csv(args.from_raw)
    else:
        started = time.monotonic()
        os.nice(10)  # the workers inherit it
        if args.raw is not None:
            args.raw.unlink(missing_ok=True)
        raw = simulate_all(args.replications, args.invariant_factor, args.workers, args.raw)
        seconds = time.monotonic() - started
    text = markdown(refusal_rates(steps_of(raw)), seconds=seconds)
    if args.out is not None:
        write(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
