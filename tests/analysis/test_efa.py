"""EFA, KMO, Bartlett and parallel analysis against R psych, factor-analyzer and a simulation."""

from __future__ import annotations

import doctest
import importlib
import importlib.resources
import warnings
from collections.abc import Callable
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factor_analyzer import FactorAnalyzer
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from scipy import stats

import analysis
from analysis.factorability import (
    CorrelationSmoothed,
    _simulated_correlation,
    one_factor_minres_communalities,
)
from tests.analysis.conftest import pairs_apart

FloatArray = np.ndarray

# R psych::fa(cor(saq), nfactors, n.obs = 2571, fm, rotate) on the SAQ data (shared/data/saq.csv
# is byte-identical to tests/data/test07.csv there), as stored in the factor-analyzer repository
# EducationalTestingService/factor_analyzer, tests/expected/test07/ (made by its
# tests/generate_r_output.r, 2017-2018; "uls" in the file names is psych's fm = "minres").
# Each table: item, then the loadings in the file's column order; 6 decimals.
PSYCH_SAQ = {
    # loading_uls_oblimin_2_test07.csv
    ("minres", "oblimin", 2): """
        item MR1 MR2
        q01 0.574926 0.028697
        q02 -0.114806 0.439962
        q03 -0.474394 0.358627
        q04 0.612303 -0.007100
        q05 0.517129 -0.033508
        q06 0.518867 -0.046520
        q07 0.625407 -0.114084
        q08 0.660078 0.313443
        q09 -0.067880 0.520103
        q10 0.385772 -0.061894
        q11 0.703630 0.159510
        q12 0.578387 -0.189661
        q13 0.629977 -0.068433
        q14 0.589454 -0.122983
        q15 0.532593 -0.093859
        q16 0.617607 -0.116736
        q17 0.729200 0.238169
        q18 0.638523 -0.127232
        q19 -0.267080 0.353070
        q20 0.323922 -0.222044
        q21 0.569959 -0.178937
        q22 -0.149423 0.340708
        q23 -0.048040 0.216609
    """,
    # loading_uls_promax_3_test07.csv
    ("minres", "promax", 3): """
        item ULS1 ULS3 ULS2
        q01 0.140699 0.438553 -0.033189
        q02 0.086399 0.069505 0.583990
        q03 -0.031034 -0.216873 0.522593
        q04 0.234389 0.384641 -0.047451
        q05 0.248774 0.272017 -0.054259
        q06 0.952729 -0.218316 0.213665
        q07 0.689079 0.015617 0.000108
        q08 -0.204971 1.002352 0.237401
        q09 0.009827 0.202842 0.627686
        q10 0.451915 -0.004664 0.024014
        q11 -0.024048 0.789345 0.075066
        q12 0.460236 0.089636 -0.172785
        q13 0.666894 0.065652 0.051953
        q14 0.588298 0.047386 -0.043164
        q15 0.348175 0.190850 -0.079715
        q16 0.200554 0.356566 -0.191400
        q17 0.011465 0.822769 0.171467
        q18 0.794482 -0.055242 0.018521
        q19 -0.065009 -0.012487 0.445388
        q20 -0.076020 0.228929 -0.369458
        q21 0.232610 0.254336 -0.245282
        q22 -0.078270 0.091019 0.391027
        q23 0.055980 0.022036 0.277921
    """,
    # loading_ml_promax_3_test07.csv
    ("ml", "promax", 3): """
        item ML1 ML2 ML3
        q01 0.101338 0.327071 -0.206254
        q02 0.095962 0.096288 0.550599
        q03 0.002311 -0.115482 0.615804
        q04 0.194367 0.279468 -0.212466
        q05 0.210716 0.183026 -0.191690
        q06 1.009268 -0.156215 0.317521
        q07 0.675674 -0.005565 -0.042644
        q08 -0.175094 1.037769 0.232133
        q09 0.008552 0.207544 0.542245
        q10 0.455041 -0.000304 0.031227
        q11 0.012392 0.810826 0.091902
        q12 0.412526 0.007193 -0.301309
        q13 0.669921 0.072649 0.048287
        q14 0.558487 0.011052 -0.116021
        q15 0.339304 0.175749 -0.103933
        q16 0.148893 0.240302 -0.357402
        q17 0.047831 0.790051 0.122445
        q18 0.777150 -0.066927 -0.020919
        q19 -0.043866 0.021866 0.454882
        q20 -0.129295 0.123305 -0.512873
        q21 0.193476 0.137506 -0.400353
        q22 -0.096063 0.066718 0.291729
        q23 0.039801 -0.003224 0.199705
    """,
    # loading_ml_varimax_2_test07.csv
    ("ml", "varimax", 2): """
        item ML2 ML1
        q01 0.383717 0.403377
        q02 -0.331783 -0.027051
        q03 -0.538287 -0.282357
        q04 0.446991 0.407899
        q05 0.408116 0.320809
        q06 0.479505 0.267371
        q07 0.582989 0.337405
        q08 0.031463 0.818189
        q09 -0.355619 0.034820
        q10 0.348326 0.213008
        q11 0.219100 0.738230
        q12 0.603358 0.286967
        q13 0.533407 0.380164
        q14 0.563348 0.313023
        q15 0.429863 0.357914
        q16 0.516791 0.389059
        q17 0.223826 0.721329
        q18 0.622663 0.324824
        q19 -0.399589 -0.132957
        q20 0.362736 0.194111
        q21 0.545356 0.330481
        q22 -0.290566 -0.072501
        q23 -0.126881 -0.044776
    """,
}
# psych's communalities of the 3-factor minres fit of the SAQ (rotation-free), same source:
# communalities_uls_promax_3_test07.csv, q01..q23.
PSYCH_SAQ_COMMUNALITIES = (
    0.327624, 0.255417, 0.476806, 0.374216, 0.273229, 0.491114, 0.491117, 0.590759,
    0.289425, 0.188475, 0.537306, 0.426309, 0.471118, 0.425427, 0.314570, 0.434020,
    0.561727, 0.551868, 0.245662, 0.227950, 0.406866, 0.154702, 0.056829,
)  # fmt: skip

# psych::KMO on Holzinger & Swineford (1939) x1..x9 (REFERENCES.md, "EFA, KMO, parallel
# analysis"), published to 2 decimals. REFERENCES lists 8 per-item values; computing shows they
# are x1..x8 in order: x9 (0.788 here) has no published value and is not asserted.
PSYCH_HS_KMO = 0.75
PSYCH_HS_MSA = {
    "x1": 0.81, "x2": 0.78, "x3": 0.73, "x4": 0.76,
    "x5": 0.74, "x6": 0.81, "x7": 0.59, "x8": 0.68,
}  # fmt: skip

# The simulation's truth: three factors, five items each, independent clusters. With simple
# structure the true pattern makes the oblimin criterion zero, its global minimum, so at the
# population level oblimin returns it exactly and any error below is sampling error.
TRUE_PATTERN = np.kron(np.eye(3), np.array([[0.8], [0.7], [0.6], [0.5], [0.6]]))
TRUE_PHI = np.array([[1.0, 0.3, 0.4], [0.3, 1.0, 0.2], [0.4, 0.2, 1.0]])
PARALLEL_SEEDS = (0, 1, 2)
# factor-analyzer is called directly here, as the reference: silence what it says on the way.
UPSTREAM_WARNINGS = pytest.mark.filterwarnings(
    "ignore:'force_all_finite' was renamed:FutureWarning",
    "ignore:invalid value encountered in det:RuntimeWarning",
)


@pytest.fixture(scope="module")
def bfi_items(bfi: pd.DataFrame) -> pd.DataFrame:
    """Items A1..O5 (columns 1..25) of psych's bfi, with their missing answers."""
    return bfi.iloc[:, :25]


@pytest.fixture(scope="module")
def saq(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "saq.csv")


@pytest.fixture(scope="module")
def holzinger_swineford() -> pd.DataFrame:
    source = importlib.resources.files("semopy") / "examples" / "holzinger_swineford39_data.csv"
    with importlib.resources.as_file(source) as path:
        return pd.read_csv(path)[[f"x{number}" for number in range(1, 10)]]


@pytest.fixture(scope="module")
def bfi_parallel(bfi_items: pd.DataFrame) -> dict[int, analysis.ParallelResult]:
    return {seed: analysis.parallel_analysis(bfi_items, seed=seed) for seed in PARALLEL_SEEDS}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    rng = np.random.default_rng(20240611)
    n = 5_000
    factors = rng.multivariate_normal(np.zeros(3), TRUE_PHI, size=n)
    unique = np.sqrt(1 - np.diag(TRUE_PATTERN @ TRUE_PHI @ TRUE_PATTERN.T))
    items = factors @ TRUE_PATTERN.T + rng.standard_normal((n, len(unique))) * unique
    return pd.DataFrame(items, columns=[f"i{number:02d}" for number in range(1, 16)])


def _table(text: str) -> pd.DataFrame:
    header, *rows = (line.split() for line in text.strip().splitlines())
    values = [[float(value) for value in row[1:]] for row in rows]
    return pd.DataFrame(values, index=[row[0] for row in rows], columns=header[1:])


def _align(loadings: FloatArray, reference: FloatArray) -> tuple[list[int], FloatArray]:
    """The column order and signs that bring ``loadings`` closest to ``reference``."""

    def distance(order: tuple[int, ...]) -> float:
        columns = loadings[:, list(order)]
        signs = np.where((columns * reference).sum(axis=0) < 0, -1.0, 1.0)
        return float(np.abs(columns * signs - reference).max())

    order = list(min(permutations(range(reference.shape[1])), key=distance))
    signs = np.where((loadings[:, order] * reference).sum(axis=0) < 0, -1.0, 1.0)
    return order, signs


def _data_with_correlation(correlation: FloatArray, *, n: int) -> pd.DataFrame:
    """Complete data whose sample correlation matrix is exactly ``correlation``."""
    noise = np.random.default_rng(1).standard_normal((n, len(correlation)))
    noise -= noise.mean(axis=0)
    whitening = np.linalg.inv(np.linalg.cholesky(np.cov(noise, rowvar=False)))
    return pd.DataFrame(noise @ whitening.T @ np.linalg.cholesky(correlation).T)


# --- KMO and Bartlett -------------------------------------------------------------------------


def test_kmo_matches_psych_on_holzinger_swineford(holzinger_swineford: pd.DataFrame) -> None:
    result = analysis.kmo(holzinger_swineford)
    assert result.overall == pytest.approx(PSYCH_HS_KMO, abs=0.005)
    for item, msa in PSYCH_HS_MSA.items():
        assert result.items[item] == pytest.approx(msa, abs=0.005), item


def test_kmo_and_bartlett_on_complete_data_match_factor_analyzer(bfi_items: pd.DataFrame) -> None:
    complete = bfi_items.dropna()
    msa, overall = calculate_kmo(complete)
    statistic, p = calculate_bartlett_sphericity(complete.iloc[:60, [0, 5, 10, 15, 20]])
    result = analysis.kmo(complete)
    test = analysis.bartlett(complete.iloc[:60, [0, 5, 10, 15, 20]])
    assert result.overall == pytest.approx(overall, abs=1e-10)
    np.testing.assert_allclose(result.items, msa, atol=1e-10)
    assert (test.n, test.df) == (60, 10)
    assert test.chi2 == pytest.approx(statistic, rel=1e-10)
    assert test.p == pytest.approx(p, rel=1e-8)
    assert 1e-6 < test.p < 0.999  # a p-value that tests something
    assert analysis.bartlett(complete).n == len(complete)


def test_kmo_and_bartlett_with_missing_answers_are_those_of_the_pairwise_correlations(
    bfi_items: pd.DataFrame,
) -> None:
    assert bfi_items.isna().to_numpy().any()
    p = bfi_items.shape[1]
    stand_in = _data_with_correlation(bfi_items.corr().to_numpy(), n=1_000)
    msa, overall = calculate_kmo(stand_in)
    kmo = analysis.kmo(bfi_items)
    assert kmo.overall == pytest.approx(overall, abs=1e-10)
    np.testing.assert_allclose(kmo.items, msa, atol=1e-10)
    # Bartlett: the same ln|R|, with n the harmonic mean of the pairwise counts.
    statistic, _ = calculate_bartlett_sphericity(stand_in)
    log_determinant = -statistic / (1_000 - 1 - (2 * p + 5) / 6)
    answered = bfi_items.notna().to_numpy(dtype=float)
    n = stats.hmean((answered.T @ answered)[np.triu_indices(p, k=1)])
    test = analysis.bartlett(bfi_items)
    assert test.n == pytest.approx(n, rel=1e-12)
    assert len(bfi_items.dropna()) < test.n < len(bfi_items)
    assert test.chi2 == pytest.approx(-(n - 1 - (2 * p + 5) / 6) * log_determinant, rel=1e-9)
    assert test.df == p * (p - 1) // 2


@UPSTREAM_WARNINGS
def test_kmo_and_bartlett_work_where_factor_analyzer_fails_on_missing_answers(
    bfi_items: pd.DataFrame,
) -> None:
    kmo, test = analysis.kmo(bfi_items), analysis.bartlett(bfi_items)
    assert np.isfinite([kmo.overall, *kmo.items, test.chi2, test.p]).all()
    with pytest.raises(np.linalg.LinAlgError):
        calculate_kmo(bfi_items)
    assert np.isnan(calculate_bartlett_sphericity(bfi_items)[0])


# --- Parallel analysis ------------------------------------------------------------------------


def test_parallel_analysis_finds_six_factors_and_six_components_in_bfi(
    bfi_parallel: dict[int, analysis.ParallelResult],
) -> None:
    # psych::fa.parallel(bfi[1:25]): 6 factors and 6 components (psych overview vignette).
    result = bfi_parallel[0]
    assert (result.n_factors, result.n_components) == (6, 6)
    assert result.eigenvalues.shape == (25, 6)
    assert result.iterations == 20
    assert result.percentile == 95


def test_parallel_analysis_of_bfi_is_stable_across_seeds(
    bfi_parallel: dict[int, analysis.ParallelResult],
) -> None:
    counts = {(result.n_factors, result.n_components) for result in bfi_parallel.values()}
    assert counts == {(6, 6)}
    references = [result.eigenvalues["factor_simulated"] for result in bfi_parallel.values()]
    assert not references[0].equals(references[1])  # the seeds do draw different data


def test_parallel_analysis_counts_observed_values_above_the_simulated_reference(
    bfi_parallel: dict[int, analysis.ParallelResult],
) -> None:
    table = bfi_parallel[0].eigenvalues
    for kind, count in (("factor", 6), ("component", 6)):
        above = table[f"{kind}_observed"] > table[f"{kind}_simulated"]
        assert above.iloc[:count].all()
        assert not above.iloc[count]
    # The largest eigenvalue of uncorrelated data is near (1 + sqrt(p/n))² = 1.20 here
    # (Marchenko-Pastur), so the resampling did break the correlations.
    assert table["component_resampled"].iloc[0] == pytest.approx(1.2, abs=0.05)


def test_pure_noise_has_no_factor_to_extract() -> None:
    noise = pd.DataFrame(np.random.default_rng(5).standard_normal((500, 6)), columns=list("abcdef"))
    assert analysis.parallel_analysis(noise, seed=0).n_factors == 0
    with pytest.raises(ValueError, match="retains no factor: pass n_factors"):
        analysis.efa(noise, seed=0)


def test_one_factor_minres_reaches_the_optimum_factor_analyzer_finds(
    bfi_items: pd.DataFrame,
) -> None:
    # The analytic gradient gets to factor-analyzer's minimum (numerical gradient, L-BFGS-B).
    correlation = bfi_items.corr().to_numpy()
    reference = FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        reference.fit(correlation.copy())
    theirs = (reference.loadings_**2).sum(axis=1)
    ours = one_factor_minres_communalities(correlation)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_simulated_correlations_have_the_distribution_of_normal_samples() -> None:
    # For n independent normal rows, E[r^2] = 1/(n - 1) exactly; a Wishart with n degrees of
    # freedom instead of n - 1 would give 1/n (0.0909 vs 0.0833 here, 15 standard errors).
    n, p, draws = 12, 5, 4_000
    rng = np.random.default_rng(11)
    upper = np.triu_indices(p, k=1)
    wishart = np.array([_simulated_correlation(n, p, rng)[upper] for _ in range(draws)])
    assert (wishart**2).mean() == pytest.approx(1 / (n - 1), abs=0.0015)
    rows = np.array(
        [np.corrcoef(rng.standard_normal((n, p)), rowvar=False)[upper] for _ in range(draws)]
    )
    largest = [
        np.mean([np.linalg.eigvalsh(_square(r, p))[-1] for r in sample])
        for sample in (wishart, rows)
    ]
    assert largest[0] == pytest.approx(largest[1], abs=0.02)
    # Fewer rows than columns: drawn from the rows themselves, still a correlation matrix.
    small = _simulated_correlation(3, p, rng)
    np.testing.assert_allclose(np.diag(small), 1.0)


def test_efa_counts_factors_without_the_resampled_reference(bfi_items: pd.DataFrame) -> None:
    chosen = analysis.efa(bfi_items, seed=0).parallel
    full = analysis.parallel_analysis(bfi_items, seed=0)
    assert chosen is not None
    assert (chosen.n_factors, chosen.n_components) == (full.n_factors, full.n_components) == (6, 6)
    assert chosen.eigenvalues.filter(like="resampled").isna().all().all()
    assert (
        not chosen.eigenvalues.drop(columns=["factor_resampled", "component_resampled"])
        .isna()
        .any()
        .any()
    )


# --- EFA against R psych ----------------------------------------------------------------------


@pytest.mark.parametrize(("method", "rotation", "n_factors"), list(PSYCH_SAQ))
def test_loadings_match_psych_on_the_saq(
    saq: pd.DataFrame, method: str, rotation: str, n_factors: int
) -> None:
    reference = _table(PSYCH_SAQ[method, rotation, n_factors])
    result = analysis.efa(saq, n_factors=n_factors, method=method, rotation=rotation)
    ours = result.loadings.to_numpy()
    order, signs = _align(ours, reference.to_numpy())
    assert list(result.loadings.index) == list(reference.index)
    np.testing.assert_allclose(ours[:, order] * signs, reference.to_numpy(), atol=1e-3)


def test_communalities_match_psych_on_the_saq(saq: pd.DataFrame) -> None:
    result = analysis.efa(saq, n_factors=3, method="minres", rotation="promax")
    np.testing.assert_allclose(result.communalities, PSYCH_SAQ_COMMUNALITIES, atol=1e-3)
    np.testing.assert_allclose(result.uniquenesses, 1 - result.communalities.to_numpy())


# --- The factor-analyzer faults ---------------------------------------------------------------


@UPSTREAM_WARNINGS
def test_factor_correlations_follow_the_loadings_when_sorting_moves_the_factors(
    saq: pd.DataFrame,
) -> None:
    result = analysis.efa(saq, n_factors=3, rotation="oblimin")
    unrotated = analysis.efa(saq, n_factors=3, rotation="none").loadings.to_numpy()
    pattern = result.loadings.to_numpy()
    # Direct computation: the pattern is L = A T'^-1 for the unrotated A, so
    # T' = (L'L)^-1 L'A and Φ = T'T, whatever order and signs the columns have.
    transform = np.linalg.solve(pattern.T @ pattern, pattern.T @ unrotated)
    np.testing.assert_allclose(result.factor_correlations, transform @ transform.T, atol=1e-8)
    # The case exercises the fault: factor-analyzer re-sorts the factors here and leaves
    # phi_ behind, so its L Φ L' no longer reproduces the fitted common variance.
    upstream = FactorAnalyzer(n_factors=3, rotation="oblimin", method="minres").fit(saq)
    upstream_common = upstream.loadings_ @ upstream.phi_ @ upstream.loadings_.T
    assert np.abs(upstream_common - unrotated @ unrotated.T).max() > 0.1


@UPSTREAM_WARNINGS
def test_communalities_after_oblimin_are_the_diagonal_of_l_phi_l(saq: pd.DataFrame) -> None:
    result = analysis.efa(saq, n_factors=3, rotation="oblimin")
    pattern, phi = result.loadings.to_numpy(), result.factor_correlations.to_numpy()
    np.testing.assert_allclose(result.communalities, np.diag(pattern @ phi @ pattern.T))
    np.testing.assert_allclose(result.communalities, PSYCH_SAQ_COMMUNALITIES, atol=1e-3)
    # factor-analyzer's row sums of squared pattern loadings are another number.
    upstream = FactorAnalyzer(n_factors=3, rotation="oblimin", method="minres").fit(saq)
    assert np.abs(upstream.get_communalities() - result.communalities).max() > 0.05


def test_efa_runs_on_data_with_missing_answers(bfi_items: pd.DataFrame) -> None:
    result = analysis.efa(bfi_items, n_factors=5)
    assert np.isfinite(result.loadings.to_numpy()).all()
    assert result.kmo.overall == analysis.kmo(bfi_items).overall
    assert result.bartlett == analysis.bartlett(bfi_items)


# --- A simulation with a known truth ----------------------------------------------------------


def test_simulated_three_factor_model_is_recovered(simulated: pd.DataFrame) -> None:
    result = analysis.efa(simulated, seed=3)
    assert result.parallel is not None
    assert result.parallel.n_factors == 3
    order, signs = _align(result.loadings.to_numpy(), TRUE_PATTERN)
    pattern = result.loadings.to_numpy()[:, order] * signs
    phi = result.factor_correlations.to_numpy()[np.ix_(order, order)] * np.outer(signs, signs)
    np.testing.assert_allclose(pattern, TRUE_PATTERN, atol=0.05)
    np.testing.assert_allclose(phi, TRUE_PHI, atol=0.05)


# --- Conventions and properties ---------------------------------------------------------------


@pytest.mark.parametrize("rotation", ["oblimin", "promax", "varimax", "none"])
def test_factors_are_sorted_by_variance_and_signed_by_their_largest_loading(
    saq: pd.DataFrame, rotation: str
) -> None:
    result = analysis.efa(saq, n_factors=3, rotation=rotation)
    pattern, phi = result.loadings.to_numpy(), result.factor_correlations.to_numpy()
    variance = result.variance["variance"].to_numpy()
    np.testing.assert_allclose(variance, np.diag(phi @ pattern.T @ pattern))
    assert (np.diff(variance) <= 0).all()
    assert variance.sum() == pytest.approx(result.communalities.sum())
    assert (pattern[np.abs(pattern).argmax(axis=0), range(3)] > 0).all()
    np.testing.assert_allclose(result.structure, pattern @ phi)
    if rotation in ("varimax", "none"):
        np.testing.assert_allclose(phi, np.eye(3))


def test_efa_leaves_its_input_alone_and_to_frame_is_a_copy(saq: pd.DataFrame) -> None:
    before = saq.copy()
    result = analysis.efa(saq, n_factors=2)
    pd.testing.assert_frame_equal(saq, before)
    frame = result.to_frame()
    frame.iloc[0, 0] = 99.0
    assert result.loadings.iloc[0, 0] != 99.0
    assert list(frame.columns) == ["F1", "F2"]


def test_item_order_does_not_change_the_solution(saq: pd.DataFrame) -> None:
    reordered = saq[list(reversed(saq.columns))]
    first = analysis.efa(saq, n_factors=2).loadings
    second = analysis.efa(reordered, n_factors=2).loadings.loc[first.index]
    np.testing.assert_allclose(second, first, atol=1e-4)


@pytest.mark.parametrize("name", ["analysis.efa", "analysis.factorability"])
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    outcome = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted > 0
    assert outcome.failed == 0


# --- Bad input --------------------------------------------------------------------------------


def test_fewer_than_three_items_are_refused(saq: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"at least 3 items.*'q01', 'q02'"):
        analysis.efa(saq[["q01", "q02"]], n_factors=1)


@pytest.mark.parametrize("function", [analysis.kmo, analysis.bartlett, analysis.parallel_analysis])
def test_a_constant_item_is_named(
    saq: pd.DataFrame, function: Callable[[pd.DataFrame], object]
) -> None:
    with pytest.raises(ValueError, match="item 'q05' is constant"):
        function(saq.assign(q05=3))


def test_a_text_item_is_named(saq: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="item 'q02' is not numeric"):
        analysis.kmo(saq.assign(q02="agree"))


@pytest.mark.parametrize("n_factors", [0, 24, 2.0, True])
def test_a_number_of_factors_outside_the_items_is_refused(
    saq: pd.DataFrame, n_factors: object
) -> None:
    with pytest.raises(ValueError, match="n_factors"):
        analysis.efa(saq, n_factors=n_factors)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argument", "value"), [("method", "pca"), ("rotation", "quartimax"), ("rotation", None)]
)
def test_an_unknown_method_or_rotation_is_named(
    saq: pd.DataFrame, argument: str, value: object
) -> None:
    with pytest.raises(ValueError, match=f"{argument} must be one of"):
        analysis.efa(saq, n_factors=2, **{argument: value})  # type: ignore[arg-type]


def test_items_without_joint_answers_are_named(saq: pd.DataFrame) -> None:
    disjoint = saq.copy()
    disjoint.loc[: len(saq) // 2, "q01"] = np.nan
    disjoint.loc[len(saq) // 2 :, "q02"] = np.nan
    with pytest.raises(ValueError, match="'q01' and 'q02' have no correlation"):
        analysis.kmo(disjoint)


def test_pairwise_correlations_that_fit_no_population_are_smoothed_and_said_so() -> None:
    items = pairs_apart()
    with pytest.warns(CorrelationSmoothed, match="smoothed as psych::cor.smooth does"):
        result = analysis.efa(items, n_factors=2)
    assert result.smoothed
    assert np.isfinite(result.loadings.to_numpy()).all()
    with pytest.warns(CorrelationSmoothed):
        assert 0 < analysis.kmo(items).overall < 1
    assert not analysis.efa(items[["d", "e", "f"]], n_factors=1).smoothed


def test_linearly_dependent_items_are_refused(saq: pd.DataFrame) -> None:
    dependent = saq.assign(total=saq["q01"] + saq["q02"])
    with pytest.raises(ValueError, match="not positive definite"):
        analysis.bartlett(dependent)


@pytest.mark.parametrize(("iterations", "percentile"), [(0, 95), (20, 100), (20, 0)])
def test_parallel_analysis_refuses_bad_settings(
    saq: pd.DataFrame, iterations: int, percentile: float
) -> None:
    with pytest.raises(ValueError, match=r"iterations|percentile"):
        analysis.parallel_analysis(saq, iterations=iterations, percentile=percentile)
    with pytest.raises(ValueError, match="resample must be True or False"):
        analysis.parallel_analysis(saq, resample=1)  # type: ignore[arg-type]


def _square(upper: FloatArray, p: int) -> FloatArray:
    """The correlation matrix whose upper triangle is ``upper``."""
    matrix = np.eye(p)
    matrix[np.triu_indices(p, k=1)] = upper
    return matrix + np.triu(matrix, k=1).T
