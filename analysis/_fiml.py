r"""Full-information maximum likelihood (FIML): the casewise likelihood of incomplete rows.

Rows are grouped by their pattern of answered items; within a pattern every row has the same
observed items :math:`o`, so the pattern's contribution to the log-likelihood needs only its
size :math:`n_p`, the mean :math:`m_p` and the covariance :math:`S_p` (divisor :math:`n_p`)
of its observed values:

.. math::
    \log L = -\tfrac12 \textstyle\sum_p n_p \left(|o_p| \log 2\pi + \log|\Sigma_{oo}|
    + \operatorname{tr}\!\left(\Sigma_{oo}^{-1}(S_p + d_p d_p^\top)\right)\right),
    \quad d_p = m_p - \mu_o.

The unrestricted (H1) model is the saturated mean vector and covariance matrix, estimated by
the EM algorithm exactly as lavaan 0.6.14 estimates them (``lav_mvnorm_missing_h1_estimate_
moments``: start at the available-case means and a diagonal of available-case variances, stop
when no mean or covariance moves by 1e-5). The independence (baseline) model has a free mean
and variance per item and no covariance; its likelihood factorises by item, so its ML
estimates are each item's mean and variance (divisor n) over the rows that answer it.

``Incomplete`` offers the same methods as ``analysis._mgcfa.Moments`` (``discrepancy``,
``score``, ``standardised``, ``h1_loglik``, ``baseline_loglik``), so that the multi-group
engine fits incomplete groups as it fits complete ones. Its discrepancy is scaled as the
complete-data one, :math:`F_g = 2(\log L_{H1} - \log L(\Sigma, \mu))/N_g`, so that
:math:`N_g F_g` is the group's chi-square.

References
----------
Arbuckle (1996), in Marcoulides & Schumacker (Eds.), Advanced structural equation modeling,
243-277; Dempster, Laird & Rubin (1977), JRSS B 39, 1-38; Enders (2010), Applied missing
data analysis, ch. 4-5; Rosseel (2012), lavaan, Journal of Statistical Software 48(2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
LOG_2PI = float(np.log(2 * np.pi))
# lavaan's em.h1.iter.max and em.h1.tol
EM_MAX_ITERATIONS = 500
EM_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Block:
    """The patterns that answer the same number of items o, stacked (P patterns)."""

    observed: IntArray  # P x o, the answered items of each pattern
    n: FloatArray  # P, rows per pattern
    mean: FloatArray  # P x o
    cov: FloatArray  # P x o x o, divisor n_p
    unobserved: IntArray  # P x (p - o), the other items

    def implied(self, sigma: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Σ_oo (P x o x o) and d = m_p - μ_o (P x o) of every pattern."""
        rows = self.observed
        return sigma[rows[:, :, None], rows[:, None, :]], self.mean - mu[rows]

    def scatter(self, target: FloatArray, values: FloatArray) -> None:
        """Add each pattern's o x o (or o) values into the p x p (or p) ``target``."""
        _scatter(target, self.observed, values)


@dataclass(frozen=True)
class Incomplete:
    """One group's rows with missing answers: their patterns and the saturated EM moments.

    Attributes
    ----------
    n : int
        Rows (each answers at least one item).
    mean, cov : ndarray
        The EM (H1) estimates of the mean vector and covariance matrix.
    blocks : tuple of Block
        The missing-data patterns, stacked by number of answered items.
    h1_loglik, baseline_loglik : float
        The log-likelihood of the saturated and of the independence model.
    """

    n: int
    mean: FloatArray
    cov: FloatArray
    blocks: tuple[Block, ...]
    h1_loglik: float
    baseline_loglik: float

    @classmethod
    def of(cls, values: FloatArray) -> Incomplete:
        """From rows with NaN for a missing answer; every row answers one item at least."""
        blocks = _blocks(values)
        mean, cov = em_moments(values, blocks)
        return cls(
            len(values), mean, cov, blocks, loglik(blocks, cov, mean), _independence_loglik(values)
        )

    @property
    def n_patterns(self) -> int:
        return sum(len(block.n) for block in self.blocks)

    def standardised(self, center: FloatArray, scale: FloatArray) -> Incomplete:
        """The same rows as (x - center) / scale: every likelihood shifts by the Jacobian."""
        blocks = tuple(
            Block(
                b.observed,
                b.n,
                (b.mean - center[b.observed]) / scale[b.observed],
                b.cov / (scale[b.observed][:, :, None] * scale[b.observed][:, None, :]),
                b.unobserved,
            )
            for b in self.blocks
        )
        jacobian = sum(float(b.n @ np.log(scale[b.observed]).sum(axis=1)) for b in self.blocks)
        return Incomplete(
            self.n,
            (self.mean - center) / scale,
            self.cov / np.outer(scale, scale),
            blocks,
            self.h1_loglik + jacobian,
            self.baseline_loglik + jacobian,
        )

    def discrepancy(self, sigma: FloatArray, mu: FloatArray) -> float:
        """F_g = 2 (log L_H1 - log L(Σ, μ)) / N_g; infinite where some Σ_oo is singular."""
        return 2 * (self.h1_loglik - loglik(self.blocks, sigma, mu)) / self.n

    def score(self, sigma: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Ω and w with ∂F_g/∂θ = tr(Ω ∂Σ/∂θ) - 2 wᵀ ∂μ/∂θ: the patterns' n_p/N_g-weighted
        Σ_oo⁻¹ - Σ_oo⁻¹(S_p + d dᵀ)Σ_oo⁻¹ and Σ_oo⁻¹ d, each padded with zeros to p x p."""
        p = len(mu)
        omega, weighted_gap = np.zeros((p, p)), np.zeros(p)
        for block in self.blocks:
            implied, gap = block.implied(sigma, mu)
            inverse = np.linalg.inv(implied)
            weight = (block.n / self.n)[:, None]
            moment = block.cov + gap[:, :, None] * gap[:, None, :]
            block.scatter(omega, weight[:, :, None] * (inverse - inverse @ moment @ inverse))
            block.scatter(weighted_gap, weight * np.einsum("pij,pj->pi", inverse, gap))
        return omega, weighted_gap

    def information(self, sigma: FloatArray, vectors: FloatArray, entries: Entries) -> FloatArray:
        r"""The expected information of F_g for the entries, exact under FIML.

        Each entry's ∂Σ is s (u vᵀ + v uᵀ) and its ∂μ is c w, with u, v, w columns of
        ``vectors`` (V, p x r). With A_p = Σ_oo⁻¹ padded with zeros and B_p = Vᵀ A_p V,

        .. math::
            \mathcal I_{ab} = \textstyle\sum_p \frac{n_p}{N_g} \big[
            2 s_a s_b (B_{u_a u_b} B_{v_a v_b} + B_{u_a v_b} B_{v_a u_b})
            + 2 c_a c_b B_{w_a w_b}\big],

        the pattern-wise :math:`\operatorname{tr}(A_p \dot\Sigma_a A_p \dot\Sigma_b) +
        2\dot\mu_a^\top A_p \dot\mu_b` without forming any p x p derivative.
        """
        parts, weights = [], []
        for block in self.blocks:
            implied, _ = block.implied(sigma, sigma[0])
            chosen = vectors[block.observed]  # P x o x r
            parts.append(np.swapaxes(chosen, 1, 2) @ np.linalg.solve(implied, chosen))
            weights.append(block.n / self.n)
        blocks, weight_all = np.concatenate(parts), np.concatenate(weights)
        u, v, w, c = entries.u, entries.v, entries.w, entries.c
        q = len(u)
        covariance, mean = np.zeros((q, q)), np.zeros((q, q))
        # Patterns in chunks: each chunk holds a few q x q arrays per pattern.
        chunk = max(1, 2_000_000 // max(q * q, 1))
        for start in range(0, len(blocks), chunk):
            part, weight = blocks[start : start + chunk], weight_all[start : start + chunk]
            rows_u, rows_v = part[:, u], part[:, v]
            products = rows_u[:, :, u] * rows_v[:, :, v] + rows_u[:, :, v] * rows_v[:, :, u]
            covariance += np.einsum("p,pab->ab", weight, products)
            mean += np.einsum("p,pab->ab", weight, part[:, w][:, :, w])
        return 2 * (covariance * np.outer(entries.s, entries.s) + mean * np.outer(c, c))

    @property
    def baseline_chi2(self) -> float:
        return 2 * (self.h1_loglik - self.baseline_loglik)


@dataclass(frozen=True)
class Entries:
    """Free matrix entries as low-rank derivatives: ∂Σ = s (V_u V_vᵀ + V_v V_uᵀ), ∂μ = c V_w."""

    u: IntArray
    v: IntArray
    s: FloatArray
    w: IntArray
    c: FloatArray


def _blocks(values: FloatArray) -> tuple[Block, ...]:
    """The rows grouped by which items they answer, the patterns stacked by how many."""
    answered = ~np.isnan(values)
    keys, inverse = np.unique(answered, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = keys.sum(axis=1)
    blocks = []
    for size in np.unique(counts):
        chosen = np.flatnonzero(counts == size)
        observed = np.stack([np.flatnonzero(keys[k]) for k in chosen]).astype(np.int64)
        unobserved = np.stack([np.flatnonzero(~keys[k]) for k in chosen]).astype(np.int64)
        n, means, covs = [], [], []
        for k, rows in zip(chosen, observed, strict=True):
            block = values[np.ix_(inverse == k, rows)]
            centred = block - block.mean(axis=0)
            n.append(len(block))
            means.append(block.mean(axis=0))
            covs.append(centred.T @ centred / len(block))
        blocks.append(
            Block(
                observed,
                np.array(n, dtype=np.float64),
                np.stack(means),
                np.stack(covs),
                unobserved.reshape(len(chosen), -1),
            )
        )
    return tuple(blocks)


def loglik(blocks: tuple[Block, ...], sigma: FloatArray, mu: FloatArray) -> float:
    """The casewise log-likelihood (module docstring); -inf where some Σ_oo is singular."""
    total = 0.0
    for block in blocks:
        implied, gap = block.implied(sigma, mu)
        try:
            factor = np.linalg.cholesky(implied)
        except np.linalg.LinAlgError:
            return float("-inf")
        solved = np.linalg.solve(implied, np.concatenate([block.cov, gap[:, :, None]], axis=2))
        trace = np.trace(solved[:, :, :-1], axis1=1, axis2=2) + np.einsum(
            "pi,pi->p", gap, solved[:, :, -1]
        )
        logdet = 2 * np.log(np.diagonal(factor, axis1=1, axis2=2)).sum(axis=1)
        size = block.observed.shape[1]
        total -= float(block.n @ (size * LOG_2PI + logdet + trace)) / 2
    return total


def em_moments(values: FloatArray, blocks: tuple[Block, ...]) -> tuple[FloatArray, FloatArray]:
    """The saturated ML mean vector and covariance matrix by EM, as lavaan computes them.

    The E-step works on each pattern's summary: with R = Σ_oo⁻¹Σ_om and the pattern's
    conditional mean f = μ_m + Rᵀ(m_p - μ_o), its rows contribute n_p m_p and n_p f to the
    sums of x, and n_p(S_p + m_p m_pᵀ), n_p(m_p fᵀ + S_p R) and n_p(f fᵀ + Rᵀ S_p R +
    Σ_mm - Σ_mo R) to the sums of x xᵀ.
    """
    n, p = values.shape
    mean = np.nanmean(values, axis=0)
    variances = np.nanmean((values - mean) ** 2, axis=0)
    variances[~np.isfinite(variances) | (variances == 0)] = 1.0
    cov = np.diag(variances)
    lower = np.tril_indices(p)
    for _ in range(EM_MAX_ITERATIONS):
        first, second = np.zeros(p), np.zeros((p, p))
        for block in blocks:
            o = block.observed
            m = block.unobserved
            order = np.concatenate([o, m], axis=1)
            n_p = block.n[:, None]
            cov_oo = cov[o[:, :, None], o[:, None, :]]
            cov_om = cov[o[:, :, None], m[:, None, :]]
            regression = np.linalg.solve(cov_oo, cov_om)  # P x o x m
            fitted = mean[m] + np.einsum("pom,po->pm", regression, block.mean - mean[o])
            filled = np.concatenate([block.mean, fitted], axis=1)
            spread = block.cov @ regression  # S_p R
            moment = filled[:, :, None] * filled[:, None, :]
            size = o.shape[1]
            moment[:, :size, :size] += block.cov
            moment[:, :size, size:] += spread
            moment[:, size:, :size] += np.swapaxes(spread, 1, 2)
            moment[:, size:, size:] += (
                np.swapaxes(regression, 1, 2) @ spread
                + cov[m[:, :, None], m[:, None, :]]
                - np.swapaxes(cov_om, 1, 2) @ regression
            )
            _scatter(first, order, n_p * filled)
            _scatter(second, order, n_p[:, :, None] * moment)
        new_mean = first / n
        new_cov = second / n - np.outer(new_mean, new_mean)
        if np.linalg.eigvalsh(new_cov).min() < 1e-6:
            new_cov[np.diag_indices(p)] += np.diag(new_cov).max() * 1e-8
        change = max(
            float(np.abs(new_mean - mean).max()), float(np.abs(new_cov - cov)[lower].max())
        )
        mean, cov = new_mean, new_cov
        if change < EM_TOLERANCE:
            break
    return mean, cov


def _scatter(target: FloatArray, rows: IntArray, values: FloatArray) -> None:
    """Add each pattern's values (P x o x o, or P x o) at its rows of ``target`` (p x p, or
    p): faster than ``np.add.at``, as a pattern's rows are distinct."""
    count = len(rows)
    full = np.zeros((count, *target.shape))
    if values.ndim == 3:
        full[np.arange(count)[:, None, None], rows[:, :, None], rows[:, None, :]] = values
    else:
        full[np.arange(count)[:, None], rows] = values
    target += full.sum(axis=0)


def _independence_loglik(values: FloatArray) -> float:
    """Each item's normal log-likelihood at its ML mean and variance over its answers."""
    total = 0.0
    for column in values.T:
        answers = column[~np.isnan(column)]
        variance = float(answers.var())
        total -= len(answers) / 2 * (LOG_2PI + np.log(variance) + 1)
    return total
