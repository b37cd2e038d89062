"""R as a live oracle: the same public data sets analysed by R (Debian's r-base-core with
r-cran-psych, r-cran-multilevel and r-cran-lavaan, installed by ``make``) and by ``analysis``,
compared statistic by statistic.

R runs once for the module (``R_SCRIPT``) and prints ``name value`` lines at 17 significant
digits. In CI the tier is required, like PostgreSQL: without ``Rscript`` the suite fails.
Tolerances: closed forms (alpha, ICCs, rwg(j), KMO) to 1e-10; fitted models (CFA), whose
optimisers stop at their own tolerances, to 1e-5.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import agreement, cronbach_alpha, efa, fit_cfa, icc, kmo, reliability, rwg_j
from analysis._pairwise import pairwise_correlation
from analysis.factorability import CorrelationSmoothed, smooth_correlation
from analysis.reliability import ItemsLeftOut
from tests.analysis.conftest import pairs_apart

R_SCRIPT = r"""
suppressMessages({library(psych); library(multilevel); library(lavaan)})
out <- function(name, value) cat(name, sprintf("%.17g", value), "\n")
args <- commandArgs(trailingOnly = TRUE)
bfi <- read.csv(file.path(args[1], "bfi.csv"), row.names = 1)
bh <- read.csv(file.path(args[1], "bh1996.csv"))
lq <- read.csv(file.path(args[1], "lq2002.csv"))

# psych::alpha, pairwise (psych's default) on N1..N5 with their missing answers.
a <- suppressWarnings(psych::alpha(bfi[, c("N1", "N2", "N3", "N4", "N5")]))
out("alpha.raw", a$total$raw_alpha)
out("alpha.std", a$total$std.alpha)
out("alpha.average_r", a$total$average_r)
for (i in 1:5) {
  out(paste0("alpha.r_drop.", i), a$item.stats$r.drop[i])
  out(paste0("alpha.if_deleted.", i), a$alpha.drop$raw_alpha[i])
}

# The same with a constant item and one nobody answered: psych leaves both out, with a warning.
y <- bfi[, c("N1", "N2", "N3", "N4", "N5")]
y$K <- 3
y$E <- NA
b <- suppressWarnings(psych::alpha(y))
out("alpha_left_out.raw", b$total$raw_alpha)
out("alpha_left_out.items", nrow(b$item.stats))

# multilevel's ICC1 and ICC2 of one-way ANOVAs of soldiers in companies.
for (v in c("COHES", "LEAD", "HRS", "WBEING")) {
  model <- aov(bh[[v]] ~ as.factor(bh$GRP))
  out(paste0("icc1.", v), ICC1(model))
  out(paste0("icc2.", v), ICC2(model))
}

# multilevel::rwg.j on the 11 leadership items (1 to 5, complete), uniform null.
items <- paste0("LEAD", sprintf("%02d", 1:11))
r <- rwg.j(lq[, items], lq$COMPID, ranvar = (5^2 - 1) / 12)
for (k in seq_len(nrow(r))) out(paste0("rwgj.", r$grpid[k]), r$rwg.j[k])

# The same with 5 % of the answers skipped (drawn in Python, read from a file): multilevel
# deletes listwise.
skipped <- read.csv(file.path(args[2], "lq_skipped.csv"))
r <- rwg.j(skipped[, items], skipped$COMPID, ranvar = (5^2 - 1) / 12)
for (k in seq_len(nrow(r))) out(paste0("rwgj_skipped.", r$grpid[k]), r$rwg.j[k])

# psych::cor.smooth on a pairwise correlation matrix that is not positive definite.
npd <- read.csv(file.path(args[2], "not_positive_definite.csv"))
smoothed <- suppressWarnings(cor.smooth(cor(npd, use = "pairwise")))
for (i in 1:ncol(npd)) for (j in 1:ncol(npd)) out(sprintf("smooth.%d.%d", i, j), smoothed[i, j])

# psych::KMO and lavaan's cfa() on Holzinger & Swineford (1939), as lavaan ships it.
hs <- lavaan::HolzingerSwineford1939
x <- hs[, paste0("x", 1:9)]
write.csv(x, file.path(args[2], "hs.csv"), row.names = FALSE)
k <- psych::KMO(x)
out("kmo.overall", k$MSA)
for (i in 1:9) out(paste0("kmo.item.", i), k$MSAi[i])
fit <- cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", data = hs)
m <- fitMeasures(fit)
for (s in c("chisq", "df", "pvalue", "baseline.chisq", "cfi", "tli", "rmsea", "rmsea.ci.lower",
            "rmsea.ci.upper", "srmr", "logl", "aic", "bic")) out(paste0("cfa.", s), m[[s]])
std <- standardizedSolution(fit)
loads <- std[std$op == "=~", ]
for (k in seq_len(nrow(loads))) out(paste0("cfa.loading.", loads$rhs[k]), loads$est.std[k])
"""


@dataclass(frozen=True)
class Oracle:
    values: dict[str, float]
    """What R printed for ``R_SCRIPT``, by name."""
    folder: Path
    """Where R wrote the data it took from its own packages (``hs.csv``)."""


@pytest.fixture(scope="module")
def r_oracle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    """R's figures for ``R_SCRIPT``, from one run of ``Rscript``."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        message = "Rscript is not installed (make installs r-base-core and the R packages)"
        if os.environ.get("CI"):
            pytest.fail(f"R is required in CI: {message}")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("r")
    (folder / "oracle.R").write_text(R_SCRIPT)
    _lq_with_skipped_answers(shared_data).to_csv(folder / "lq_skipped.csv", index=False)
    pairs_apart().to_csv(folder / "not_positive_definite.csv", index=False)
    done = subprocess.run(
        [rscript, "--vanilla", str(folder / "oracle.R"), str(shared_data), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    values = {}
    for line in done.stdout.splitlines():
        name, value = line.split()
        values[name] = float(value)
    return Oracle(values, folder)


def _lq_with_skipped_answers(shared_data: Path) -> pd.DataFrame:
    """lq2002's companies and leadership items with 5 % of the answers skipped at random."""
    lq = pd.read_csv(shared_data / "lq2002.csv")
    items = lq[[f"LEAD{n:02d}" for n in range(1, 12)]].astype(float)
    skipped = np.random.default_rng(2002).random(items.shape) < 0.05
    return pd.concat([lq[["COMPID"]], items.mask(skipped)], axis=1)


@pytest.fixture(scope="module")
def r_results(r_oracle: Oracle) -> dict[str, float]:
    return r_oracle.values


def test_alpha_and_its_items_equal_psych_alpha(
    r_results: dict[str, float], bfi: pd.DataFrame
) -> None:
    items = bfi[["N1", "N2", "N3", "N4", "N5"]]
    assert items.isna().any().any(), "the comparison covers missing answers"
    alpha = cronbach_alpha(items)
    assert alpha.alpha == pytest.approx(r_results["alpha.raw"], abs=1e-10)
    assert alpha.alpha_std == pytest.approx(r_results["alpha.std"], abs=1e-10)
    assert alpha.average_r == pytest.approx(r_results["alpha.average_r"], abs=1e-10)
    table = reliability(items).items
    for i in range(5):
        assert table["r_drop"].iloc[i] == pytest.approx(
            r_results[f"alpha.r_drop.{i + 1}"], abs=1e-10
        )
        assert table["alpha_if_deleted"].iloc[i] == pytest.approx(
            r_results[f"alpha.if_deleted.{i + 1}"], abs=1e-10
        )


def test_items_without_variance_are_left_out_as_psych_leaves_them_out(
    r_results: dict[str, float], bfi: pd.DataFrame
) -> None:
    items = bfi[["N1", "N2", "N3", "N4", "N5"]].assign(K=3.0, E=np.nan)
    with pytest.warns(ItemsLeftOut, match="K, E: no variance"):
        result = reliability(items)
    assert result.left_out == ("K", "E")
    assert result.k == r_results["alpha_left_out.items"] == 5
    assert result.alpha == pytest.approx(r_results["alpha_left_out.raw"], abs=1e-10)


def test_iccs_equal_multilevel(r_results: dict[str, float], bh1996: pd.DataFrame) -> None:
    scales = ["COHES", "LEAD", "HRS", "WBEING"]
    found = icc(bh1996[scales], teams=bh1996["GRP"]).set_index("scale")
    for scale in scales:
        assert found.loc[scale, "icc1"] == pytest.approx(r_results[f"icc1.{scale}"], abs=1e-10)
        assert found.loc[scale, "icc2"] == pytest.approx(r_results[f"icc2.{scale}"], abs=1e-10)


def test_rwg_j_equals_multilevel_on_complete_answers(
    r_results: dict[str, float], shared_data: Path
) -> None:
    lq = pd.read_csv(shared_data / "lq2002.csv")
    items = lq[[f"LEAD{n:02d}" for n in range(1, 12)]]
    assert not items.isna().any().any()
    found = rwg_j(items, teams=lq["COMPID"], options=5).set_index("team")["rwg_j"]
    expected = {
        int(name.split(".")[1]): value
        for name, value in r_results.items()
        if name.startswith("rwgj.")
    }
    assert len(expected) == lq["COMPID"].nunique() == len(found)
    for team, value in expected.items():
        assert found.loc[team] == pytest.approx(value, abs=1e-10)


def test_rwg_j_with_skipped_answers_equals_multilevel_under_the_listwise_rule(
    r_oracle: Oracle, shared_data: Path
) -> None:
    skipped = _lq_with_skipped_answers(shared_data)
    items = skipped.drop(columns="COMPID")
    assert 0.04 < items.isna().mean().mean() < 0.06
    expected = pd.Series(
        {
            int(name.split(".")[1]): value
            for name, value in r_oracle.values.items()
            if name.startswith("rwgj_skipped.")
        }
    )
    listwise = rwg_j(items, teams=skipped["COMPID"], options=5, missing="listwise")
    found = listwise.set_index("team")["rwg_j"].loc[expected.index]
    np.testing.assert_allclose(found.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-10)
    # agreement() under the same rule gives the same rwg(j); every answer (the default) not.
    together = agreement(items, teams=skipped["COMPID"], options=5, missing="listwise")
    np.testing.assert_allclose(
        together.teams.set_index("team")["rwg_j"].loc[expected.index].to_numpy(),
        expected.to_numpy(),
        rtol=0,
        atol=1e-10,
    )
    available = rwg_j(items, teams=skipped["COMPID"], options=5).set_index("team")
    assert (available["n"] >= listwise.set_index("team")["n"]).all()
    assert not np.allclose(available["rwg_j"].loc[expected.index], expected, atol=1e-6)


def test_a_pairwise_matrix_that_is_not_positive_definite_is_smoothed_as_psych_smooths_it(
    r_results: dict[str, float],
) -> None:
    items = pairs_apart()
    raw = pairwise_correlation(items.to_numpy(dtype=np.float64))
    assert np.linalg.eigvalsh(raw)[0] < 0, "the case needs smoothing"
    smoothed, changed = smooth_correlation(raw)
    assert changed
    expected = np.array([[r_results[f"smooth.{i}.{j}"] for j in range(1, 7)] for i in range(1, 7)])
    np.testing.assert_allclose(smoothed, expected, rtol=0, atol=1e-10)
    # An EFA of these items runs on the smoothed matrix and says so.
    with pytest.warns(CorrelationSmoothed):
        result = efa(items, n_factors=2)
    assert result.smoothed


def test_kmo_and_a_cfa_equal_psych_and_lavaan(r_oracle: Oracle) -> None:
    r_results = r_oracle.values
    data = pd.read_csv(r_oracle.folder / "hs.csv")
    result = kmo(data)
    assert result.overall == pytest.approx(r_results["kmo.overall"], abs=1e-10)
    for i in range(9):
        assert result.items.iloc[i] == pytest.approx(r_results[f"kmo.item.{i + 1}"], abs=1e-10)
    fit = fit_cfa(
        data,
        {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]},
    )
    assert fit.converged
    assert fit.df == r_results["cfa.df"]
    pairs = {
        "chi2": "chisq",
        "pvalue": "pvalue",
        "baseline_chi2": "baseline.chisq",
        "cfi": "cfi",
        "tli": "tli",
        "rmsea": "rmsea",
        "rmsea_ci_low": "rmsea.ci.lower",
        "rmsea_ci_high": "rmsea.ci.upper",
        "srmr": "srmr",
        "loglik": "logl",
        "aic": "aic",
        "bic": "bic",
    }
    for ours, theirs in pairs.items():
        expected = r_results[f"cfa.{theirs}"]
        assert getattr(fit, ours) == pytest.approx(expected, rel=1e-5, abs=1e-5), ours
    loadings = fit.loadings.set_index("item")["loading"]
    for item in loadings.index:
        assert loadings[item] == pytest.approx(r_results[f"cfa.loading.{item}"], abs=1e-5)
    assert np.isfinite(fit.chi2)
