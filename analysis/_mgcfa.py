r"""Multi-group confirmatory factor analysis by maximum likelihood, with a mean structure.

The estimation engine behind ``analysis.invariance``. In group :math:`g` the model implies

.. math::
    \Sigma_g = \Lambda_g \Psi_g \Lambda_g^\top + \Theta_g, \qquad
    \mu_g = \nu_g + \Lambda_g \alpha_g,

and the estimates minimise :math:`F = \sum_g (N_g/N) F_g`, lavaan's multi-group ML
discrepancy, with

.. math::
    F_g = \log|\Sigma_g| - \log|S_g| + \operatorname{tr}(S_g\Sigma_g^{-1}) - p
          + (m_g - \mu_g)^\top \Sigma_g^{-1} (m_g - \mu_g).

Equality constraints across groups are parameter sharing: a loading or intercept that is
equal in every group is one entry of the parameter vector, referenced from every group.

The optimiser is Fisher scoring with step halving: the step solves
:math:`\mathcal I\,\delta = \nabla F` with the expected information of the discrepancy,
:math:`\mathcal I_{ab} = \sum_g (N_g/N)\,[\operatorname{tr}(\Sigma_g^{-1}\dot\Sigma_{ga}
\Sigma_g^{-1}\dot\Sigma_{gb}) + 2\,\dot\mu_{ga}^\top\Sigma_g^{-1}\dot\mu_{gb}]`, and the
gradient is :math:`\partial F_g/\partial\theta_a = \operatorname{tr}(\Omega_g\dot\Sigma_{ga})
- 2 (m_g - \mu_g)^\top\Sigma_g^{-1}\dot\mu_{ga}` with :math:`\Omega_g = \Sigma_g^{-1} -
\Sigma_g^{-1}(S_g + d_g d_g^\top)\Sigma_g^{-1}`. Variances are unbounded, as in lavaan: a
Heywood case gives a negative residual variance, not a stop. The fit has converged when the
Newton decrement :math:`\nabla F^\top \mathcal I^{-1} \nabla F` is below 1e-12. Where the ML
estimates run off instead (in a small group, a factor variance towards 0 and a loading towards
infinity) that never happens, and the level is reported as not converged: at the iteration
limit, or sooner once the steps have stalled (``STALL_ITERATIONS``). Everything here is
numpy; no third-party statistics are called.

A group is either complete rows summarised by their moments (``Moments``) or incomplete rows
grouped by missing-data pattern (``analysis._fiml.Incomplete``, full-information ML); both
give F_g, its Ω_g and weighted gap (``score``) and their H1 and baseline likelihoods, so the
engine fits either, or a mix of both across groups. With incomplete rows the information is
the patterns' expected information (``Incomplete.information``) at the first iteration and
BFGS updates of it after (see ``fit``); ``analysis.cfa.fit_cfa`` fits its single group here
too (``fit_levels`` with ``levels=("configural",)``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import count
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from analysis._fiml import LOG_2PI, Entries, Incomplete

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Level = Literal["configural", "metric", "scalar"]
LEVELS: tuple[Level, ...] = ("configural", "metric", "scalar")
# Stop when the Newton decrement ∇Fᵀ I⁻¹ ∇F is below this: F is then within about 1e-12 of
# its minimum, chi-square = N F within N · 1e-12.
DECREMENT_TOLERANCE = 1e-12
SMALLEST_STEP = 2.0**-30
# A run-off is given up on when, for STALL_ITERATIONS iterations in a row, every step had to be
# halved at least STALL_HALVINGS times and the Newton decrement has not halved: F still falls,
# by ever less, towards an infimum that no parameter value attains. Traced on 81 fits of small
# groups: all 6 that ran off tripped it (after 25 to 178 iterations instead of the 500 they
# took, each iteration 13 to 22 evaluations of F), none of the 75 that converged (those
# halved at most once an iteration).
STALL_ITERATIONS = 20
STALL_HALVINGS = 10


@dataclass(frozen=True)
class Moments:
    """One group's complete-row sample size, mean vector and covariance matrix (divisor N)."""

    n: int
    mean: FloatArray
    cov: FloatArray

    def standardised(self, center: FloatArray, scale: FloatArray) -> Moments:
        return Moments(self.n, (self.mean - center) / scale, self.cov / np.outer(scale, scale))

    def discrepancy(self, sigma: FloatArray, mu: FloatArray) -> float:
        return discrepancy(self, sigma, mu)

    def score(self, sigma: FloatArray, mu: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Ω = Σ⁻¹ - Σ⁻¹(S + d dᵀ)Σ⁻¹ and w = Σ⁻¹d: ∂F_g/∂θ = tr(Ω ∂Σ/∂θ) - 2 wᵀ ∂μ/∂θ."""
        inverse = np.linalg.inv(sigma)
        gap = self.mean - mu
        omega = inverse - inverse @ (self.cov + np.outer(gap, gap)) @ inverse
        return np.asarray(omega, dtype=np.float64), np.asarray(inverse @ gap, dtype=np.float64)

    @property
    def h1_loglik(self) -> float:
        """log L of the saturated model: -N/2 (p log 2π + log|S| + p)."""
        p = len(self.mean)
        return -self.n / 2 * (p * LOG_2PI + float(np.linalg.slogdet(self.cov)[1]) + p)

    @property
    def baseline_chi2(self) -> float:
        """N (Σ log s_ii - log|S|), the independence model's likelihood-ratio statistic."""
        return float(self.n * (np.log(np.diag(self.cov)).sum() - np.linalg.slogdet(self.cov)[1]))


Group = Moments | Incomplete
"""A group's data: complete rows as moments, or incomplete rows by pattern (FIML)."""


@dataclass(frozen=True)
class Estimates:
    """The model matrices of every group, stacked on a first axis of length G."""

    loadings: FloatArray  # G x p x k
    psi: FloatArray  # G x k x k
    residuals: FloatArray  # G x p, the diagonal of Θ
    intercepts: FloatArray  # G x p
    means: FloatArray  # G x k

    def implied(self, g: int) -> tuple[FloatArray, FloatArray]:
        """Σ_g and μ_g."""
        loadings = self.loadings[g]
        sigma = loadings @ self.psi[g] @ loadings.T + np.diag(self.residuals[g])
        return sigma, self.intercepts[g] + loadings @ self.means[g]


@dataclass(frozen=True)
class Layout:
    """Which parameter each matrix entry is: an index into θ, or -1 where the entry is fixed.

    Fixed loadings take ``marker_loadings`` (1 for each factor's marker, else 0); every other
    fixed entry is 0. An index that appears in several groups is an equality constraint.
    """

    loadings: IntArray
    psi: IntArray
    residuals: IntArray
    intercepts: IntArray
    means: IntArray
    marker_loadings: FloatArray
    n_parameters: int


@dataclass(frozen=True)
class Solution:
    """The estimates at the optimiser's last iterate and whether that is the optimum."""

    estimates: Estimates
    converged: bool
    iterations: int
    n_parameters: int


@dataclass(frozen=True)
class Fitted:
    """A level's solution on the data's metric: Σ_g and μ_g per group, and the estimates
    (each factor's marker loading 1 on the data's metric too)."""

    level: Level
    implied: list[tuple[FloatArray, FloatArray]]
    converged: bool
    n_parameters: int
    estimates: Estimates


def fit_levels(
    moments: list[Group],
    *,
    indicators: tuple[tuple[int, ...], ...],
    max_iterations: int,
    levels: tuple[Level, ...] = LEVELS,
) -> list[Fitted]:
    """Fit configural, metric and scalar, each from the level before when that converged.

    The fit runs on the items standardised by their pooled mean c and SD s, one affine change
    for every group: it leaves every level's fit unchanged and conditions the optimiser. The
    implied moments are mapped back, Σ = D Σ* D and μ = c + D μ* with D = diag(s); so are the
    estimates (Λ = D Λ* M⁻¹, Ψ = M Ψ* M, Θ = D² Θ*, ν = c + D ν*, α = M α*, with M the
    markers' SDs, so that a marker's loading stays 1). ``levels`` may stop early (a
    single-group CFA fits the configural level alone).
    """
    n = sum(group.n for group in moments)
    center = sum((group.n * group.mean for group in moments), np.zeros(len(moments[0].mean))) / n
    spread = sum(group.n * (np.diag(group.cov) + (group.mean - center) ** 2) for group in moments)
    scale = np.sqrt(spread / n)
    standard = [group.standardised(center, scale) for group in moments]
    solutions: list[Solution] = []
    for level in levels:
        previous = solutions[-1] if solutions and solutions[-1].converged else None
        solutions.append(
            _fit_level(
                standard,
                indicators=indicators,
                level=level,
                previous=previous,
                max_iterations=max_iterations,
            )
        )
    return [
        Fitted(
            level,
            [_rescaled(*solution.estimates.implied(g), center, scale) for g in range(len(moments))],
            solution.converged,
            solution.n_parameters,
            _rescaled_estimates(solution.estimates, center, scale, indicators),
        )
        for level, solution in zip(levels, solutions, strict=True)
    ]


def _fit_level(
    moments: list[Group],
    *,
    indicators: tuple[tuple[int, ...], ...],
    level: Level,
    previous: Solution | None,
    max_iterations: int,
) -> Solution:
    """One level, started from the level before; failing that, from fresh starting values.

    The warm start can fail where the level before has a Heywood case: a negative residual
    variance beside loadings averaged across groups can leave some Σ_g not positive definite.
    """
    layout = build_layout(
        indicators, n_items=len(moments[0].mean), n_groups=len(moments), level=level
    )
    starts = [] if previous is None else [previous.estimates]
    starts.append(starting_values(moments, indicators))
    for start in starts:
        begin = scalar_start(start, moments) if level == "scalar" else start
        solution = fit(moments, layout, start=begin, max_iterations=max_iterations)
        if solution.converged:
            break
    return solution


def _rescaled(
    sigma: FloatArray, mu: FloatArray, center: FloatArray, scale: FloatArray
) -> tuple[FloatArray, FloatArray]:
    return sigma * np.outer(scale, scale), center + scale * mu


def _rescaled_estimates(
    estimates: Estimates,
    center: FloatArray,
    scale: FloatArray,
    indicators: tuple[tuple[int, ...], ...],
) -> Estimates:
    markers = scale[[items[0] for items in indicators]]
    loadings = estimates.loadings * np.outer(scale, 1 / markers)[None]
    for f, items in enumerate(indicators):
        loadings[:, items[0], f] = 1.0  # exactly, not s_m / s_m
    return Estimates(
        loadings=loadings,
        psi=estimates.psi * np.outer(markers, markers)[None],
        residuals=estimates.residuals * scale**2,
        intercepts=center + estimates.intercepts * scale,
        means=estimates.means * markers,
    )


def build_layout(
    indicators: tuple[tuple[int, ...], ...], *, n_items: int, n_groups: int, level: Level
) -> Layout:
    """The free parameters of one invariance level (lavaan's ``group.equal`` conventions).

    Configural: everything free in every group, factor means fixed at 0. Metric: the loadings
    shared. Scalar: loadings and intercepts shared, factor means free but in the first group.
    """
    k, p, G = len(indicators), n_items, n_groups
    fresh = count()
    pattern = np.zeros((p, k), dtype=bool)
    markers = np.zeros((p, k))
    for f, items in enumerate(indicators):
        pattern[list(items[1:]), f] = True
        markers[items[0], f] = 1.0
    shared_loadings = _fresh(int(pattern.sum()), fresh) if level != "configural" else None
    loadings = np.full((G, p, k), -1, dtype=np.int64)
    for g in range(G):
        own = _fresh(int(pattern.sum()), fresh) if shared_loadings is None else shared_loadings
        loadings[g][pattern] = own
    lower = np.tril_indices(k)
    psi = np.full((G, k, k), -1, dtype=np.int64)
    for g in range(G):
        psi[g][lower] = _fresh(len(lower[0]), fresh)
        psi[g] = np.maximum(psi[g], psi[g].T)
    residuals = np.stack([_fresh(p, fresh) for _ in range(G)])
    shared_intercepts = _fresh(p, fresh) if level == "scalar" else None
    intercepts = np.stack(
        [_fresh(p, fresh) if shared_intercepts is None else shared_intercepts for _ in range(G)]
    )
    means = np.full((G, k), -1, dtype=np.int64)
    if level == "scalar":
        means[1:] = _fresh((G - 1) * k, fresh).reshape(G - 1, k)
    return Layout(loadings, psi, residuals, intercepts, means, markers, next(fresh))


def _fresh(size: int, fresh: count[int]) -> IntArray:
    """The next ``size`` parameter indices."""
    return np.array([next(fresh) for _ in range(size)], dtype=np.int64)


def unpack(theta: FloatArray, layout: Layout) -> Estimates:
    """The model matrices for the parameter vector θ."""

    def filled(index: IntArray, fixed: FloatArray | float) -> FloatArray:
        return np.where(index >= 0, theta[np.maximum(index, 0)], fixed)

    return Estimates(
        loadings=filled(layout.loadings, layout.marker_loadings[None]),
        psi=filled(layout.psi, 0.0),
        residuals=filled(layout.residuals, 0.0),
        intercepts=filled(layout.intercepts, 0.0),
        means=filled(layout.means, 0.0),
    )


def pack(estimates: Estimates, layout: Layout) -> FloatArray:
    """θ from model matrices; a shared parameter takes the mean of its entries."""
    total = np.zeros(layout.n_parameters)
    entries = np.zeros(layout.n_parameters)
    pairs = (
        (layout.loadings, estimates.loadings),
        (layout.psi, estimates.psi),
        (layout.residuals, estimates.residuals),
        (layout.intercepts, estimates.intercepts),
        (layout.means, estimates.means),
    )
    for index, values in pairs:
        free = index >= 0
        np.add.at(total, index[free], values[free])
        np.add.at(entries, index[free], 1.0)
    return total / entries


def discrepancy(moments: Moments, sigma: FloatArray, mu: FloatArray) -> float:
    """F_g with the mean term; infinite where Σ is not positive definite."""
    try:
        factor = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return float("inf")
    p = len(mu)
    inverse = np.linalg.inv(sigma)
    gap = moments.mean - mu
    logdet_sigma = 2 * float(np.log(np.diag(factor)).sum())
    logdet_sample = float(np.linalg.slogdet(moments.cov)[1])
    trace = float(np.sum(inverse * moments.cov))
    return logdet_sigma - logdet_sample + trace - p + float(gap @ inverse @ gap)


def _objective(theta: FloatArray, layout: Layout, moments: list[Group]) -> float:
    estimates = unpack(theta, layout)
    n = sum(group.n for group in moments)
    return sum(
        group.n / n * group.discrepancy(*estimates.implied(g)) for g, group in enumerate(moments)
    )


def _entry_derivatives(
    layout: Layout, estimates: Estimates, g: int
) -> tuple[FloatArray, FloatArray, IntArray]:
    """For each free entry of group g: dΣ/dθ (p x p), dμ/dθ (p) and its parameter index."""
    loadings, psi, alpha = estimates.loadings[g], estimates.psi[g], estimates.means[g]
    p = loadings.shape[0]
    rows, cols = np.nonzero(layout.loadings[g] >= 0)
    at, product = np.arange(len(rows)), (loadings @ psi)[:, cols].T
    d_sigma = [np.zeros((len(rows), p, p))]
    d_sigma[0][at, rows, :] += product
    d_sigma[0][at, :, rows] += product
    d_mu = [np.zeros((len(rows), p))]
    d_mu[0][at, rows] = alpha[cols]
    params = [layout.loadings[g][rows, cols]]
    first, second = np.nonzero(np.tril(layout.psi[g] >= 0))
    block = np.einsum("ia,ja->aij", loadings[:, first], loadings[:, second])
    off = first != second
    block[off] += block[off].transpose(0, 2, 1)
    d_sigma.append(block)
    d_mu.append(np.zeros((len(first), p)))
    params.append(layout.psi[g][first, second])
    (rows,) = np.nonzero(layout.residuals[g] >= 0)
    block = np.zeros((len(rows), p, p))
    block[np.arange(len(rows)), rows, rows] = 1.0
    d_sigma += [block, np.zeros((p, p, p))]
    d_mu += [np.zeros((len(rows), p)), np.eye(p)]
    params += [layout.residuals[g][rows], layout.intercepts[g]]
    (cols,) = np.nonzero(layout.means[g] >= 0)
    d_sigma.append(np.zeros((len(cols), p, p)))
    d_mu.append(loadings[:, cols].T)
    params.append(layout.means[g][cols])
    return np.concatenate(d_sigma), np.concatenate(d_mu), np.concatenate(params)


def _entry_factors(layout: Layout, estimates: Estimates, g: int) -> tuple[FloatArray, Entries]:
    """The derivatives of ``_entry_derivatives``, same order, as columns of V = [I, ΛΨ, Λ].

    Loading (j, f): ∂Σ = e_j (ΛΨ)_fᵀ + (ΛΨ)_f e_jᵀ, ∂μ = α_f e_j; factor (co)variance (f, h):
    ∂Σ = Λ_f Λ_hᵀ + Λ_h Λ_fᵀ (halved when f = h); residual j: e_j e_jᵀ (= ½(e_j e_jᵀ +
    e_j e_jᵀ)); intercept j: ∂μ = e_j; factor mean f: ∂μ = Λ_f.
    """
    loadings, psi, alpha = estimates.loadings[g], estimates.psi[g], estimates.means[g]
    p, k = loadings.shape
    vectors = np.hstack([np.eye(p), loadings @ psi, loadings])
    loading_rows, loading_cols = np.nonzero(layout.loadings[g] >= 0)
    first, second = np.nonzero(np.tril(layout.psi[g] >= 0))
    (residual_rows,) = np.nonzero(layout.residuals[g] >= 0)
    (mean_cols,) = np.nonzero(layout.means[g] >= 0)
    n_psi, n_residuals, n_means = len(first), len(residual_rows), len(mean_cols)
    none = np.zeros(n_psi + n_residuals, dtype=np.int64)
    # In the order of _entry_derivatives: loadings, psi, residuals, intercepts, factor means.
    entries = Entries(
        u=np.concatenate(
            [loading_rows, p + k + first, residual_rows, np.zeros(p + n_means, dtype=np.int64)]
        ),
        v=np.concatenate(
            [
                p + loading_cols,
                p + k + second,
                residual_rows,
                np.zeros(p + n_means, dtype=np.int64),
            ]
        ),
        s=np.concatenate(
            [
                np.ones(len(loading_rows)),
                np.where(first == second, 0.5, 1.0),
                np.full(n_residuals, 0.5),
                np.zeros(p + n_means),
            ]
        ),
        w=np.concatenate([loading_rows, none, np.arange(p), p + k + mean_cols]),
        c=np.concatenate(
            [alpha[loading_cols], np.zeros(n_psi + n_residuals), np.ones(p + n_means)]
        ),
    )
    return vectors, entries


def _gradient_and_information(
    theta: FloatArray, layout: Layout, moments: list[Group], *, with_information: bool = True
) -> tuple[FloatArray, FloatArray]:
    """∇F and the expected information of F at θ (see the module docstring).

    With incomplete rows (FIML) the information is the patterns' (``Incomplete.information``).
    """
    estimates = unpack(theta, layout)
    n = sum(group.n for group in moments)
    gradient = np.zeros(layout.n_parameters)
    information = np.zeros((layout.n_parameters, layout.n_parameters))
    for g, group in enumerate(moments):
        sigma, mu = estimates.implied(g)
        omega, weighted_gap = group.score(sigma, mu)
        d_sigma, d_mu, params = _entry_derivatives(layout, estimates, g)
        entry_gradient = np.einsum("ij,aji->a", omega, d_sigma) - 2 * d_mu @ weighted_gap
        weight = group.n / n
        np.add.at(gradient, params, weight * entry_gradient)
        if not with_information:
            continue
        if isinstance(group, Incomplete):
            entry_information = group.information(sigma, *_entry_factors(layout, estimates, g))
        else:
            inverse = np.linalg.inv(sigma)
            scaled = np.einsum("ij,ajk->aik", inverse, d_sigma)
            # tr(A_a A_b) for every pair, as one matrix product (A_a = Σ⁻¹ ∂Σ/∂θ_a)
            flat = scaled.reshape(len(scaled), -1)
            entry_information = flat @ scaled.transpose(0, 2, 1).reshape(len(scaled), -1).T
            entry_information += 2 * d_mu @ inverse @ d_mu.T
        np.add.at(information, (params[:, None], params[None, :]), weight * entry_information)
    return gradient, information


def fit(moments: list[Group], layout: Layout, *, start: Estimates, max_iterations: int) -> Solution:
    """Minimise F by Fisher scoring with step halving, from ``start``.

    With incomplete rows (FIML) the expected information is a poor guide near the optimum
    (Fisher scoring there converged linearly, at about 0.6 a step on Holzinger & Swineford
    with 8 % of answers missing): it only starts the metric, which BFGS updates from the
    gradients thereafter (back to the expected information whenever an update fails).
    """
    quasi_newton = any(isinstance(group, Incomplete) for group in moments)
    theta = pack(start, layout)
    value = _objective(theta, layout, moments)
    converged, iteration = False, 0
    stalled, decrement_then = 0, np.inf
    information: FloatArray | None = None
    theta_before, gradient_before = theta, np.zeros_like(theta)
    while np.isfinite(value) and iteration < max_iterations:
        iteration += 1
        if information is None or not quasi_newton:
            gradient, information = _gradient_and_information(theta, layout, moments)
            updated = False
        else:
            gradient, _ = _gradient_and_information(theta, layout, moments, with_information=False)
            information = _bfgs(information, theta - theta_before, gradient - gradient_before)
            updated = True
        try:
            step = np.asarray(np.linalg.solve(information, gradient), dtype=np.float64)
        except np.linalg.LinAlgError:
            step = np.full_like(gradient, np.nan)
        decrement = float(gradient @ step)
        if updated and not decrement >= 0:
            information = None
            continue
        if not decrement >= 0:
            break
        if decrement < DECREMENT_TOLERANCE:
            converged = True
            break
        theta_before, gradient_before = theta, gradient
        theta, value, halvings = _halve_until_lower(theta, step, value, layout, moments)
        if not np.isfinite(value):
            break
        if halvings < STALL_HALVINGS or decrement <= decrement_then / 2:
            stalled, decrement_then = 0, decrement
        else:
            stalled += 1
            if stalled >= STALL_ITERATIONS:
                break
    return Solution(unpack(theta, layout), converged, iteration, layout.n_parameters)


def _bfgs(hessian: FloatArray, step: FloatArray, change: FloatArray) -> FloatArray:
    """The BFGS update of a Hessian approximation; unchanged where curvature is not positive."""
    curvature = float(step @ change)
    pushed = hessian @ step
    along = float(step @ pushed)
    if not (curvature > 0 and along > 0):
        return hessian
    updated: FloatArray = hessian + np.outer(change, change) / curvature
    return updated - np.outer(pushed, pushed) / along


def _halve_until_lower(
    theta: FloatArray, step: FloatArray, value: float, layout: Layout, moments: list[Group]
) -> tuple[FloatArray, float, int]:
    """The first of θ - step, θ - step/2, ... that does not raise F, its F and the number of
    halvings it took; (θ, inf, n) if none does."""
    # Near the optimum F changes by less than its rounding error: allow that much slack.
    slack = 1e-14 * (1 + abs(value))
    size, halvings = 1.0, 0
    while size >= SMALLEST_STEP:
        candidate = theta - size * step
        candidate_value = _objective(candidate, layout, moments)
        if candidate_value <= value + slack:
            return candidate, candidate_value, halvings
        size /= 2
        halvings += 1
    return theta, float("inf"), halvings


def starting_values(moments: list[Group], indicators: tuple[tuple[int, ...], ...]) -> Estimates:
    """Configural starting values from each group's moments: marker-based moment estimates."""
    groups = [_group_start(group, indicators) for group in moments]
    return Estimates(*(np.stack(parts) for parts in zip(*groups, strict=True)))


def _group_start(
    group: Group, indicators: tuple[tuple[int, ...], ...]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """λ_j = s_jm / ψ and ψ = s_mj s_mh / s_jh (median over pairs), m the marker."""
    cov, k = group.cov, len(indicators)
    loadings, variances = np.zeros((len(cov), k)), np.zeros(k)
    for f, items in enumerate(indicators):
        variances[f] = _factor_variance(cov, items)
        loadings[list(items), f] = cov[list(items), items[0]] / variances[f]
        loadings[items[0], f] = 1.0
    markers = [items[0] for items in indicators]
    scale = np.sqrt(np.diag(cov)[markers])
    correlation = np.clip(cov[np.ix_(markers, markers)] / np.outer(scale, scale), -0.9, 0.9)
    np.fill_diagonal(correlation, 1.0)
    if np.linalg.eigvalsh(correlation).min() <= 0:
        correlation = np.eye(k)
    psi = correlation * np.sqrt(np.outer(variances, variances))
    common = np.einsum("jf,fh,jh->j", loadings, psi, loadings)
    residuals = np.maximum(np.diag(cov) - common, 0.1 * np.diag(cov))
    return loadings, psi, residuals, group.mean.copy(), np.zeros(k)


def _factor_variance(cov: FloatArray, items: tuple[int, ...]) -> float:
    marker, others = items[0], items[1:]
    ratios = [
        cov[marker, j] * cov[marker, h] / cov[j, h]
        for a, j in enumerate(others)
        for h in others[a + 1 :]
        if cov[j, h] != 0
    ]
    positive = [ratio for ratio in ratios if ratio > 0]
    if positive:
        guess = float(np.median(positive))
    elif len(others) == 1:
        guess = abs(float(cov[marker, others[0]]))
    else:
        guess = 0.5 * float(cov[marker, marker])
    return float(np.clip(guess, 0.05 * cov[marker, marker], cov[marker, marker]))


def scalar_start(metric: Estimates, moments: list[Group]) -> Estimates:
    """Start the scalar level from the metric one: first group's means as the intercepts,
    the other groups' factor means from a least-squares fit of their mean differences."""
    reference = moments[0].mean
    means = np.stack(
        [np.zeros(metric.means.shape[1])]
        + [
            np.linalg.lstsq(metric.loadings[g], group.mean - reference, rcond=None)[0]
            for g, group in enumerate(moments)
            if g > 0
        ]
    )
    intercepts = np.broadcast_to(reference, metric.intercepts.shape).copy()
    return replace(metric, intercepts=intercepts, means=means)
