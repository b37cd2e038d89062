"""R as a live oracle: the same public data sets analysed by R (Debian's r-base-core with
r-cran-psych, r-cran-multilevel, r-cran-lavaan and r-cran-gparotation, installed by ``make``)
and by ``analysis``, compared statistic by statistic.

R runs once for the module (``R_SCRIPT``) and prints ``name value`` lines at 17 significant
digits. In CI the tier is required, like PostgreSQL: without ``Rscript`` the suite fails.
Tolerances: closed forms (alpha, ICCs, rwg(j), awg, AD_M, KMO, Bartlett's chi2, eigenvalues of
R) to 1e-10, Bartlett's p relatively to 1e-8; fitted models (CFA, omega's one-factor ML, EFA
loadings, parallel analysis' one-factor minres eigenvalues), whose optimisers stop at their own
tolerances, to 1e-5; parallel analysis' random references only through its decision; FIML
fits (lavaan's ``missing = "ml"``, whose EM for the unrestricted model stops when no moment
moves by 1e-5) to 1e-4.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import (
    agreement,
    bartlett,
    cronbach_alpha,
    efa,
    fit_cfa,
    icc,
    kmo,
    measurement_invariance,
    omega_total,
    parallel_analysis,
    reliability,
    rwg_j,
)
from analysis._pairwise import pairwise_correlation
from analysis.factorability import CorrelationSmoothed, smooth_correlation
from analysis.reliability import ItemsLeftOut
from tests.analysis.conftest import pairs_apart

R_SCRIPT = r"""
suppressMessages({library(psych); library(multilevel); library(lavaan); library(GPArotation)})
options(mc.cores = 1)  # fa.parallel: one core, the machine is shared
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
# awg and ad.m delete listwise too (checked: equal to their values on the complete rows).
aw <- awg(skipped[, items], skipped$COMPID, range = c(1, 5))
for (k in seq_len(nrow(aw))) out(paste0("awg_skipped.", aw$grpid[k]), aw$a.wg[k])
ad <- ad.m(skipped[, items], skipped$COMPID, type = "mean")
for (k in seq_len(nrow(ad))) out(paste0("adm_skipped.", ad$grpid[k]), ad$AD.M[k])

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

# psych::cortest.bartlett on the same matrix and n as KMO, and on a corner of the data (40 rows,
# one test of each factor) whose p-value is far from 0.
corners <- list(bartlett = x, bartlett_small = x[1:40, c("x1", "x4", "x7")])
for (case in names(corners)) {
  bt <- cortest.bartlett(cor(corners[[case]]), n = nrow(corners[[case]]))
  out(paste0(case, ".chisq"), bt$chisq)
  out(paste0(case, ".df"), bt$df)
  out(paste0(case, ".p"), bt$p.value)
}
fit <- cfa("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", data = hs)
m <- fitMeasures(fit)
for (s in c("chisq", "df", "pvalue", "baseline.chisq", "cfi", "tli", "rmsea", "rmsea.ci.lower",
            "rmsea.ci.upper", "srmr", "logl", "aic", "bic")) out(paste0("cfa.", s), m[[s]])
std <- standardizedSolution(fit)
loads <- std[std$op == "=~", ]
for (k in seq_len(nrow(loads))) out(paste0("cfa.loading.", loads$rhs[k]), loads$est.std[k])

# FIML: the same model on Holzinger & Swineford with 8 % of the answers deleted at random,
# one row empty and one with a single answer (drawn in Python, read from a file).
measures <- c("npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl",
              "unrestricted.logl", "aic", "bic", "ntotal")
holes <- read.csv(file.path(args[2], "hs_missing.csv"))
hs_model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
fit <- suppressWarnings(cfa(hs_model, data = holes, missing = "ml"))
m <- fitMeasures(fit)
for (s in measures) out(paste0("fiml.", s), m[[s]])
std <- standardizedSolution(fit)
loads <- std[std$op == "=~", ]
for (k in seq_len(nrow(loads))) out(paste0("fiml.loading.", loads$rhs[k]), loads$est.std[k])

# Invariance across schools on the same incomplete data: lavaan's group.equal levels.
equal <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))
for (level in names(equal)) {
  fit <- suppressWarnings(cfa(hs_model, data = holes, group = "school", missing = "ml",
                              group.equal = equal[[level]]))
  m <- fitMeasures(fit)
  for (s in setdiff(measures, c("baseline.df", "unrestricted.logl", "ntotal")))
    out(paste0("fiml_inv.", level, ".", s), m[[s]])
  for (g in 1:2) out(paste0("fiml_inv.", level, ".group.", g), fit@test[[1]]$stat.group[g])
}

# A Heywood case: lavaan's default leaves the residual variance negative (with a warning).
heywood <- read.csv(file.path(args[2], "heywood.csv"))
fit <- suppressWarnings(cfa("f =~ h1 + h2 + h3 + h4", data = heywood))
m <- fitMeasures(fit)
for (s in c("chisq", "df", "cfi", "tli", "rmsea", "srmr")) out(paste0("heywood.", s), m[[s]])
pe <- parameterEstimates(fit)
variances <- pe[pe$op == "~~" & pe$lhs == pe$rhs, ]
for (k in seq_len(nrow(variances))) out(paste0("heywood.var.", variances$lhs[k]), variances$est[k])

# McDonald's omega total as analysis.omega_total defines it: a one-factor ML fit (factanal, the
# same objective) to the correlation matrix of the pairwise covariances, rescaled to the items'
# metric, on their unit-weighted sum. psych::omega(x, nfactors = 1)$omega.tot is another
# quantity (a minres fit, on standardised items): 0.723 against 0.711 on Agreeableness.
# bfi's five scales, keyed as psych's bfi.keys (7 - x reverses the 1..6 answers).
reversed <- list(A = "A1", C = c("C4", "C5"), E = c("E1", "E2"), N = character(0),
                 O = c("O2", "O5"))
for (s in names(reversed)) {
  y <- bfi[, paste0(s, 1:5)]
  for (item in reversed[[s]]) y[[item]] <- 7 - y[[item]]
  cv <- cov(y, use = "pairwise")
  one <- factanal(covmat = cv, factors = 1)
  sd <- sqrt(diag(cv))
  common <- sum(one$loadings[, 1] * sd)^2
  out(paste0("omega.", s), common / (common + sum(one$uniquenesses * sd^2)))
}

# psych::fa, minres and oblimin (GPArotation), on the SAQ (complete) and on bfi's 25 items
# (pairwise, psych's default, with their missing answers).
saq <- read.csv(file.path(args[1], "saq.csv"))
efa_cases <- list(saq2 = list(saq, 2), saq3 = list(saq, 3), bfi5 = list(bfi[, 1:25], 5))
for (case in names(efa_cases)) {
  f <- suppressWarnings(fa(efa_cases[[case]][[1]], nfactors = efa_cases[[case]][[2]],
                           fm = "minres", rotate = "oblimin"))
  L <- unclass(f$loadings)
  for (i in seq_len(nrow(L))) for (j in seq_len(ncol(L)))
    out(sprintf("efa.%s.%d.%d", case, i, j), L[i, j])
}

# psych::fa.parallel on Holzinger & Swineford (random: R's own seed), quietly; and bfi's
# observed eigenvalues (deterministic) by the calls fa.parallel makes for them.
set.seed(1939)
invisible(capture.output(pa <- suppressWarnings(fa.parallel(x, plot = FALSE))))
out("parallel.nfact", pa$nfact)
out("parallel.ncomp", pa$ncomp)
for (i in 1:9) {
  out(paste0("parallel.fa.", i), pa$fa.values[i])
  out(paste0("parallel.pc.", i), pa$pc.values[i])
}
rb <- cor(bfi[, 1:25], use = "pairwise")
fv <- suppressWarnings(fa(rb, nfactors = 1, rotate = "none", fm = "minres", warnings = FALSE))
pv <- eigen(rb)$values
for (i in 1:25) {
  out(paste0("parallel_bfi.fa.", i), fv$values[i])
  out(paste0("parallel_bfi.pc.", i), pv[i])
}

# multilevel::awg and ad.m (AD_M about the mean) on lq2002's leadership items, complete.
lead <- paste0("LEAD", sprintf("%02d", 1:11))
aw <- awg(lq[, lead], lq$COMPID, range = c(1, 5))
for (k in seq_len(nrow(aw))) out(paste0("awg.", aw$grpid[k]), aw$a.wg[k])
ad <- ad.m(lq[, lead], lq$COMPID, type = "mean")
for (k in seq_len(nrow(ad))) out(paste0("adm.", ad$grpid[k]), ad$AD.M[k])
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
    _holzinger_with_missing_answers().to_csv(folder / "hs_missing.csv", index=False)
    _heywood_sample().to_csv(folder / "heywood.csv", index=False)
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


HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
FIT_MEASURES = {
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
"""Our ``CfaResult``/``LevelFit`` field to lavaan's ``fitMeasures`` name."""
FIML = 1e-4


def _holzinger_with_missing_answers() -> pd.DataFrame:
    """Holzinger & Swineford's nine tests and school, 8 % of the answers deleted at random;
    row 3 answers nothing (left out by both sides) and row 10 only x1 (a one-item pattern)."""
    from importlib.resources import files

    hs = pd.read_csv(str(files("semopy") / "examples" / "holzinger_swineford39_data.csv"))
    items = hs[[f"x{i}" for i in range(1, 10)]]
    holes = items.mask(np.random.default_rng(1939).random(items.shape) < 0.08)
    holes.iloc[3] = np.nan
    holes.iloc[10, 1:] = np.nan
    return holes.assign(school=hs["school"])


def _heywood_sample() -> pd.DataFrame:
    """120 draws from a one-factor model whose first item has a standardised loading of .97:
    in this sample (seed 12) its ML residual variance is negative, about -0.09."""
    rng = np.random.default_rng(12)
    loadings = np.array([0.97, 0.6, 0.55, 0.5])
    factor = rng.normal(size=120)
    answers = factor[:, None] * loadings + rng.normal(size=(120, 4)) * np.sqrt(1 - loadings**2)
    return pd.DataFrame(np.round(3 + 1.2 * answers, 3), columns=["h1", "h2", "h3", "h4"])


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
    # awg and AD_M under the same rule equal multilevel's, which deletes listwise as well.
    by_team = together.teams.set_index("team")
    every_answer = agreement(items, teams=skipped["COMPID"], options=5).teams.set_index("team")
    for key, column in (("awg_skipped", "awg"), ("adm_skipped", "adm")):
        figures = pd.Series(
            {
                int(name.split(".")[1]): value
                for name, value in r_oracle.values.items()
                if name.startswith(f"{key}.")
            }
        )
        assert len(figures) == skipped["COMPID"].nunique()
        np.testing.assert_allclose(
            by_team[column].loc[figures.index].to_numpy(), figures.to_numpy(), rtol=0, atol=1e-10
        )
        assert not np.allclose(every_answer[column].loc[figures.index], figures, atol=1e-6)


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
    fit = fit_cfa(data, HS_MODEL)
    assert fit.converged
    assert fit.df == r_results["cfa.df"]
    for ours, theirs in FIT_MEASURES.items():
        expected = r_results[f"cfa.{theirs}"]
        assert getattr(fit, ours) == pytest.approx(expected, rel=1e-5, abs=1e-5), ours
    loadings = fit.loadings.set_index("item")["loading"]
    for item in loadings.index:
        assert loadings[item] == pytest.approx(r_results[f"cfa.loading.{item}"], abs=1e-5)
    assert np.isfinite(fit.chi2)


def test_a_cfa_with_missing_answers_equals_lavaans_fiml(r_oracle: Oracle) -> None:
    r_results = r_oracle.values
    data = pd.read_csv(r_oracle.folder / "hs_missing.csv")
    assert 0.07 < data.drop(columns="school").isna().mean().mean() < 0.10
    fit = fit_cfa(data, HS_MODEL)
    assert fit.converged
    assert fit.missing == "fiml"
    assert (fit.n, fit.n_dropped) == (r_results["fiml.ntotal"], 1) == (300, 1)
    assert (fit.n_parameters, fit.df) == (r_results["fiml.npar"], r_results["fiml.df"])
    assert fit.baseline_df == r_results["fiml.baseline.df"]
    for ours, theirs in FIT_MEASURES.items():
        expected = r_results[f"fiml.{theirs}"]
        assert getattr(fit, ours) == pytest.approx(expected, rel=FIML, abs=FIML), ours
    assert fit.loglik + fit.chi2 / 2 == pytest.approx(r_results["fiml.unrestricted.logl"], rel=FIML)
    loadings = fit.loadings.set_index("item")["loading"]
    for item in loadings.index:
        assert loadings[item] == pytest.approx(r_results[f"fiml.loading.{item}"], abs=FIML)
    # Listwise deletion is still there, and is another fit: it loses a third of the rows.
    listwise = fit_cfa(data, HS_MODEL, missing="listwise")
    assert listwise.n < 0.6 * fit.n
    assert abs(listwise.chi2 - fit.chi2) > 1


def test_invariance_with_missing_answers_equals_lavaans_fiml(r_oracle: Oracle) -> None:
    r_results = r_oracle.values
    data = pd.read_csv(r_oracle.folder / "hs_missing.csv")
    result = measurement_invariance(data, HS_MODEL, group="school")
    assert result.missing == "fiml"
    assert result.groups == ("Pasteur", "Grant-White")  # lavaan's group order
    assert (result.n, result.n_dropped) == (300, 1)
    for fit in result.levels:
        key = f"fiml_inv.{fit.level}"
        assert fit.converged, fit.level
        assert (fit.n_parameters, fit.df) == (r_results[f"{key}.npar"], r_results[f"{key}.df"])
        for ours, theirs in FIT_MEASURES.items():
            is_baseline = ours == "baseline_chi2"
            ours_value = result.baseline_chi2 if is_baseline else getattr(fit, ours)
            expected = r_results[f"{key}.{theirs}"]
            assert ours_value == pytest.approx(expected, rel=FIML, abs=FIML), (fit.level, ours)
        for g in range(2):
            assert fit.group_chi2[g] == pytest.approx(r_results[f"{key}.group.{g + 1}"], rel=FIML)


def test_a_heywood_case_is_fitted_and_flagged_as_lavaan_fits_it(r_oracle: Oracle) -> None:
    r_results = r_oracle.values
    data = pd.read_csv(r_oracle.folder / "heywood.csv")
    fit = fit_cfa(data, {"f": ["h1", "h2", "h3", "h4"]})
    assert fit.converged
    for ours, theirs in {
        "chi2": "chisq",
        "cfi": "cfi",
        "tli": "tli",
        "rmsea": "rmsea",
        "srmr": "srmr",
    }.items():
        expected = r_results[f"heywood.{theirs}"]
        assert getattr(fit, ours) == pytest.approx(expected, rel=1e-5, abs=1e-5), ours
    assert r_results["heywood.var.h1"] < 0
    assert [(case.kind, case.name) for case in fit.heywood] == [("residual", "h1")]
    assert fit.heywood[0].value == pytest.approx(r_results["heywood.var.h1"], abs=1e-5)
    assert fit.heywood[0].group is None
    # The standardised loading of h1 exceeds 1, as lavaan's std.all does.
    assert float(fit.loadings.set_index("item")["loading"]["h1"]) > 1


def test_bartlett_equals_psych_cortest_bartlett(r_oracle: Oracle) -> None:
    # Complete data: psych's n (the rows) and ours (the harmonic mean of the pairwise counts)
    # agree. The p-value is compared relatively: the first is about 2e-166.
    data = pd.read_csv(r_oracle.folder / "hs.csv")
    for key, sample in (("bartlett", data), ("bartlett_small", data.iloc[:40][["x1", "x4", "x7"]])):
        assert not sample.isna().any().any()
        result = bartlett(sample)
        assert result.n == pytest.approx(len(sample), rel=1e-12)
        assert result.df == r_oracle.values[f"{key}.df"]
        assert result.chi2 == pytest.approx(r_oracle.values[f"{key}.chisq"], rel=1e-10, abs=1e-10)
        assert result.p == pytest.approx(r_oracle.values[f"{key}.p"], rel=1e-8, abs=1e-12)
    assert 0.01 < r_oracle.values["bartlett_small.p"] < 0.99  # a p-value that tests something


BFI_REVERSED = {"A": ["A1"], "C": ["C4", "C5"], "E": ["E1", "E2"], "N": [], "O": ["O2", "O5"]}
"""bfi's reverse-keyed items (psych's ``bfi.keys``), as the R script keys them."""


def test_omega_total_equals_a_one_factor_factanal_on_the_pairwise_covariances(
    r_results: dict[str, float], bfi: pd.DataFrame
) -> None:
    for scale, reversed_items in BFI_REVERSED.items():
        items = bfi[[f"{scale}{n}" for n in range(1, 6)]].astype(float)
        assert items.isna().any().any(), "the comparison covers missing answers"
        items[reversed_items] = 7 - items[reversed_items]
        # factanal's and factor-analyzer's optimisers stop at their own tolerances.
        assert omega_total(items) == pytest.approx(r_results[f"omega.{scale}"], abs=1e-5), scale


def _r_loadings(r_results: dict[str, float], case: str, shape: tuple[int, int]) -> np.ndarray:
    rows, columns = shape
    return np.array(
        [
            [r_results[f"efa.{case}.{i}.{j}"] for j in range(1, columns + 1)]
            for i in range(1, rows + 1)
        ]
    )


def _aligned(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``ours`` with its columns in the order and with the signs closest to ``reference``."""

    def arranged(order: tuple[int, ...]) -> np.ndarray:
        columns = ours[:, list(order)]
        return columns * np.where((columns * reference).sum(axis=0) < 0, -1.0, 1.0)

    orders = permutations(range(reference.shape[1]))
    return min(map(arranged, orders), key=lambda found: float(np.abs(found - reference).max()))


@pytest.mark.parametrize(("case", "n_factors"), [("saq2", 2), ("saq3", 3), ("bfi5", 5)])
def test_efa_loadings_equal_psych_fa_minres_oblimin(
    r_results: dict[str, float], shared_data: Path, bfi: pd.DataFrame, case: str, n_factors: int
) -> None:
    data = pd.read_csv(shared_data / "saq.csv") if case.startswith("saq") else bfi.iloc[:, :25]
    result = efa(data, n_factors=n_factors, method="minres", rotation="oblimin")
    ours = result.loadings.to_numpy()
    reference = _r_loadings(r_results, case, ours.shape)
    # Up to the order and sign of the factors; both minres fits stop at their own tolerances.
    np.testing.assert_allclose(_aligned(ours, reference), reference, rtol=0, atol=1e-5)


def test_parallel_analysis_eigenvalues_and_decision_equal_psych_fa_parallel(
    r_oracle: Oracle, bfi: pd.DataFrame
) -> None:
    r_results = r_oracle.values
    data = pd.read_csv(r_oracle.folder / "hs.csv")
    result = parallel_analysis(data, seed=0, resample=False)
    table = result.eigenvalues
    for i in range(1, 10):
        # The component eigenvalues are those of R; the factor ones rest on a minres fit.
        assert table.loc[i, "component_observed"] == pytest.approx(
            r_results[f"parallel.pc.{i}"], abs=1e-10
        )
        assert table.loc[i, "factor_observed"] == pytest.approx(
            r_results[f"parallel.fa.{i}"], abs=1e-5
        )
    # The references are random on both sides (each its own generator and seed); on three
    # clear factors both count the observed values above the 95th percentile of the simulated
    # ones alike: three factors and three components, as the tests were designed.
    assert (result.n_factors, result.n_components) == (3, 3)
    assert (r_results["parallel.nfact"], r_results["parallel.ncomp"]) == (3, 3)
    # bfi, with its missing answers: the observed eigenvalues of the pairwise matrix.
    observed = parallel_analysis(bfi.iloc[:, :25], iterations=1, resample=False).eigenvalues
    for i in range(1, 26):
        assert observed.loc[i, "component_observed"] == pytest.approx(
            r_results[f"parallel_bfi.pc.{i}"], abs=1e-10
        )
        assert observed.loc[i, "factor_observed"] == pytest.approx(
            r_results[f"parallel_bfi.fa.{i}"], abs=1e-5
        )


def test_awg_and_ad_m_equal_multilevel_on_complete_answers(
    r_results: dict[str, float], lq2002: pd.DataFrame
) -> None:
    items = lq2002[[f"LEAD{n:02d}" for n in range(1, 12)]]
    assert not items.isna().any().any()
    found = agreement(items, teams=lq2002["COMPID"], options=5).teams.set_index("team")
    for index, column in (("awg", "awg"), ("adm", "adm")):
        expected = pd.Series(
            {
                int(name.split(".")[1]): value
                for name, value in r_results.items()
                if name.startswith(f"{index}.")
            }
        )
        assert len(expected) == lq2002["COMPID"].nunique() == len(found)
        assert expected.notna().all()
        np.testing.assert_allclose(
            found[column].loc[expected.index].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-10
        )
