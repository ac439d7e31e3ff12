"""Minimum tracking-error portfolios under linear constraints.

The decision variable is the active weight vector ``w`` (N). The tracking error squared
is ``w' Sigma w`` with ``Sigma = X F X' + Delta``. Under linear equalities ``A w = b``
(budget ``1'w = 0``, neutral factors ``(X'w)_k = 0``, a kept exposure ``(X'w)_k = c``) the
minimum is the solution of the KKT system

``[2 Sigma  A'] [w     ]   [0]``
``[A        0 ] [lambda] = [b]``

Redundant equalities (a market-neutral constraint next to the budget, say) are reduced
to an independent set first; contradictory ones are reported as infeasible. With bounds
on the weights (long-only portfolios: ``w_b + w >= 0``) the problem is a quadratic
program: scipy's SLSQP finds the active set from a feasible start (found by linear
programming), and the solution is then polished by solving the KKT system on the free
weights, so it satisfies the equalities to machine precision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from factorxl.errors import FactorxlError

RANK_TOLERANCE = 1e-10
FEASIBILITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class OptimizationResult:
    """Optimal active weights and their tracking error.

    Attributes
    ----------
    weights : ndarray, shape (N,)
    tracking_error : float
        ``sqrt(w' Sigma w)``.
    """

    weights: np.ndarray
    tracking_error: float


def _independent_equalities(a_eq: np.ndarray, b_eq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An independent set of equalities equivalent to ``A w = b``; raise if they contradict."""
    if a_eq.shape[0] == 0:
        return a_eq, b_eq
    u, s, vt = np.linalg.svd(a_eq, full_matrices=False)
    rank = int((s > RANK_TOLERANCE * max(s[0], 1.0)).sum())
    if rank == 0:
        raise FactorxlError("the constraints have all-zero coefficients")
    reduced_a = vt[:rank]
    reduced_b = (u[:, :rank].T @ b_eq) / s[:rank]
    particular = reduced_a.T @ reduced_b
    gap = np.abs(a_eq @ particular - b_eq)
    if gap.max() > FEASIBILITY_TOLERANCE * max(1.0, np.abs(b_eq).max()):
        row = int(np.argmax(gap)) + 1
        raise FactorxlError(
            f"the constraints are infeasible: constraint {row} contradicts the others (no weights satisfy them all)"
        )
    return reduced_a, reduced_b


def _equality_qp(quadratic: np.ndarray, linear: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """Minimize ``w'Qw/2 + q'w`` subject to ``A w = b`` through the KKT system."""
    a_eq, b_eq = _independent_equalities(a_eq, b_eq)
    n, m = quadratic.shape[0], a_eq.shape[0]
    kkt = np.block([[quadratic, a_eq.T], [a_eq, np.zeros((m, m))]])
    try:
        solution = np.linalg.solve(kkt, np.concatenate([-linear, b_eq]))
    except np.linalg.LinAlgError:
        raise FactorxlError("the covariance matrix is singular on the constrained weights; give every stock a positive specific volatility") from None
    return solution[:n]


def _check_inputs(covariance: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> None:
    n = covariance.shape[0]
    if a_eq.ndim != 2 or a_eq.shape[1] != n:
        raise FactorxlError(f"the constraint coefficients must have one column per stock ({n}); got shape {a_eq.shape}")
    if b_eq.size != a_eq.shape[0]:
        raise FactorxlError(f"{a_eq.shape[0]} constraints but {b_eq.size} targets")
    if not (np.isfinite(a_eq).all() and np.isfinite(b_eq).all()):
        raise FactorxlError("the constraints have a missing coefficient or target")


def min_tracking_error(
    covariance: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> OptimizationResult:
    """Active weights of minimum tracking error under ``A w = b`` and optional bounds.

    Parameters
    ----------
    covariance : ndarray, shape (N, N)
        Asset covariance ``Sigma`` (positive definite on the feasible weights).
    a_eq : ndarray, shape (m, N)
    b_eq : ndarray, shape (m,)
    lower, upper : ndarray, shape (N,), optional
        Bounds on the active weights (``-w_b`` for a long-only portfolio); ``-inf``/``inf``
        where a weight is free.

    Raises
    ------
    FactorxlError
        If the constraints contradict each other or the bounds, or the optimizer fails.
    """
    covariance = np.asarray(covariance, dtype=float)
    a_eq = np.atleast_2d(np.asarray(a_eq, dtype=float))
    b_eq = np.asarray(b_eq, dtype=float).ravel()
    _check_inputs(covariance, a_eq, b_eq)
    n = covariance.shape[0]
    quadratic = 2.0 * covariance
    if lower is None and upper is None:
        weights = _equality_qp(quadratic, np.zeros(n), a_eq, b_eq)
    else:
        lower = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=float).ravel()
        upper = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float).ravel()
        if (lower > upper).any():
            stock = int(np.flatnonzero(lower > upper)[0]) + 1
            raise FactorxlError(f"the bounds are infeasible: stock {stock} has lower bound {lower[stock - 1]:g} above upper {upper[stock - 1]:g}")
        weights = _bounded_qp(quadratic, a_eq, b_eq, lower, upper)
    return OptimizationResult(weights, float(np.sqrt(weights @ covariance @ weights)))


def _feasible_point(a_eq: np.ndarray, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A point satisfying the equalities and bounds (linear programming), or an infeasibility error."""
    bounds = [(None if np.isinf(lo) else lo, None if np.isinf(hi) else hi) for lo, hi in zip(lower, upper, strict=True)]
    found = optimize.linprog(np.zeros(a_eq.shape[1]), A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if found.status == 2:
        raise FactorxlError("the constraints are infeasible: no weights satisfy the equalities within the bounds")
    if not found.success:
        raise FactorxlError(f"could not find weights satisfying the constraints: {found.message}")
    return found.x


def _bounded_qp(quadratic: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """SLSQP from a feasible point, then an exact KKT solve on the free weights."""
    start = _feasible_point(a_eq, b_eq, lower, upper)
    searched = optimize.minimize(
        lambda w: 0.5 * w @ quadratic @ w,
        start,
        jac=lambda w: quadratic @ w,
        method="SLSQP",
        bounds=optimize.Bounds(lower, upper),
        constraints=[{"type": "eq", "fun": lambda w: a_eq @ w - b_eq, "jac": lambda w: a_eq}],
        options={"ftol": 1e-15, "maxiter": 1000},
    )
    candidate = np.clip(searched.x, lower, upper)
    polished = _polish(quadratic, a_eq, b_eq, lower, upper, candidate)
    weights = candidate if polished is None else polished
    scale = max(1.0, np.abs(b_eq).max(initial=0.0))
    if np.abs(a_eq @ weights - b_eq).max() > 1e-7 * scale:
        raise FactorxlError(f"the optimizer did not converge to weights satisfying the constraints: {searched.message}")
    return weights


def _polish(
    quadratic: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    candidate: np.ndarray,
) -> np.ndarray | None:
    """The exact optimum for the candidate's active set, or None if that set is not optimal."""
    width = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    at_lower = candidate - lower <= 1e-7 * np.maximum(width, 1e-12)
    at_upper = (upper - candidate <= 1e-7 * np.maximum(width, 1e-12)) & ~at_lower
    fixed = at_lower | at_upper
    free = ~fixed
    weights = np.where(at_lower, lower, np.where(at_upper, upper, 0.0))
    if free.any():
        try:
            weights[free] = _equality_qp(
                quadratic[np.ix_(free, free)],
                quadratic[np.ix_(free, fixed)] @ weights[fixed],
                a_eq[:, free],
                b_eq - a_eq[:, fixed] @ weights[fixed],
            )
        except FactorxlError:
            return None
    elif np.abs(a_eq @ weights - b_eq).max() > FEASIBILITY_TOLERANCE:
        return None
    if (weights < lower - 1e-12).any() or (weights > upper + 1e-12).any():
        return None
    if not free.any():
        return weights
    # Multiplier signs: at a lower bound the objective must not fall by raising the weight.
    gradient = quadratic @ weights
    multipliers = np.linalg.lstsq(a_eq[:, free].T, -gradient[free], rcond=None)[0]
    reduced = gradient + a_eq.T @ multipliers
    tolerance = 1e-9 * max(1.0, np.abs(gradient).max())
    if (reduced[at_lower] < -tolerance).any() or (reduced[at_upper] > tolerance).any():
        return None
    return weights


def turnover(current: np.ndarray, new: np.ndarray) -> float:
    """One-way turnover ``sum |new - current| / 2``.

    Parameters
    ----------
    current, new : ndarray, shape (N,)
        Weights before and after, in the same stock order.

    Raises
    ------
    FactorxlError
        If the lengths differ or a weight is missing.
    """
    current = np.asarray(current, dtype=float).ravel()
    new = np.asarray(new, dtype=float).ravel()
    if current.size != new.size:
        raise FactorxlError(f"current weights have {current.size} stocks but new weights have {new.size}")
    if np.isnan(current).any() or np.isnan(new).any():
        raise FactorxlError("weights must not have missing values")
    return float(0.5 * np.abs(new - current).sum())
