"""The pairwise-complete moments equal pandas' own, with and without missing answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis._pairwise import pairwise_correlation, pairwise_covariance


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    common = rng.standard_normal((400, 1))
    values = np.round(3 + common + rng.standard_normal((400, 6)))
    values[rng.random(values.shape) < 0.15] = np.nan
    values[:, 5] = np.where(np.arange(400) < 3, values[:, 5], np.nan)  # 3 answers only
    return pd.DataFrame(values, columns=list("abcdef"))


@pytest.mark.parametrize("complete", [True, False])
def test_the_moments_are_those_of_pandas(answers: pd.DataFrame, complete: bool) -> None:
    data = answers.drop(columns="f").dropna() if complete else answers
    assert data.isna().to_numpy().any() is not complete
    values = data.to_numpy(dtype=np.float64)
    np.testing.assert_allclose(pairwise_covariance(values), data.cov().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(pairwise_correlation(values), data.corr().to_numpy(), atol=1e-12)


def test_pairs_with_too_few_joint_answers_are_nan() -> None:
    values = np.array([[1.0, np.nan, 2.0], [2.0, np.nan, 1.0], [3.0, 5.0, 4.0]])
    covariance = pairwise_covariance(values)
    correlation = pairwise_correlation(values)
    assert np.isnan(covariance[0, 1])
    assert np.isnan(covariance[1, 1])
    assert np.isnan(correlation[0, 1])
    assert np.isnan(correlation[1, 1])
    assert covariance[0, 2] == pytest.approx(pd.DataFrame(values).cov().iloc[0, 2])
    # A constant column has a variance (0) but no correlation.
    constant = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 5.0]])
    assert pairwise_covariance(constant)[0, 0] == 0.0
    assert np.isnan(pairwise_correlation(constant)[0, 1])
