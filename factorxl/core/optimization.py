"""Minimum tracking-error portfolios under linear constraints, in factor form.

The decision variable is the active weight vector ``w`` (N). The tracking error squared is
``w' Sigma w`` with ``Sigma = X F X' + D`` (exposures ``X``, N x K; factor covariance ``F``;
``D`` the diagonal of specific variances). The N x N matrix ``Sigma`` is never formed: every
step works with ``X``, ``F`` and ``D``, so time grows as ``N K^2`` and memory as ``N K``.

Under linear equalities ``A w = b`` alone (budget ``1'w = 0``, neutral factors
``(X'w)_k = 0``, a kept exposure ``(X'w)_k = c``) the minimum is found in the units
``u = D^1/2 w``, where the specific risk is ``|u|^2``: the part of ``u`` the constraints fix,
then a step along the parts of the exposure columns they leave free, which hedges the factor
risk through the singular values of those parts (:func:`_equality_qp`). No step subtracts two
numbers of the size of the factor variance to find one of the size of the specific variance (as
the Woodbury identity ``Sigma^-1 = D^-1 - D^-1 X (I + F X' D^-1 X)^-1 F X' D^-1`` would), so the
weights keep their digits however much the factor variance dwarfs the specific variance; where
rounding could still move them by more than :data:`ROUNDING_LIMIT` units (exposures nearly, not
exactly, a combination of the constraints, on such a variance) they are refused. Redundant
equalities (a market-neutral constraint next to the budget, say) are reduced to an independent
set first; contradictory ones are reported as infeasible. A stock with zero specific volatility
leaves ``D`` singular; the equalities are then solved on the dense covariance in the null space of
the constraints, refused when it is singular there by the rule of
:func:`factorxl.core.regression.collinear`.

With bounds on the weights (long-only portfolios: ``w_b + w >= 0``) the problem is a convex
quadratic program, solved by the interior-point solver Clarabel in factor form: the
variables are ``w`` and the factor exposures ``y = X'w`` (N + K of them), the objective is
``w' D w + y' F y`` and ``X'w - y = 0`` joins the equalities, so the problem's size grows
with N + K, not N^2. The solver's duals tell the bounds that bind; the weights are then
polished by solving the equalities on the free weights exactly, with a few active-set steps
if the solver's binding set was not quite optimal (a free weight outside its bounds, or a
bound's multiplier of the wrong sign), so the equalities hold to machine precision and the
optimality conditions to rounding. Were those steps not to settle, the solver's own weights
(within its tolerance of 1e-10) are the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from factorxl.core.batched_solve import ROUNDING_LIMIT
from factorxl.core.regression import collinear
from factorxl.core.risk_model import RiskModel
from factorxl.errors import FactorxlError

RANK_TOLERANCE = 1e-10
FEASIBILITY_TOLERANCE = 1e-9
POLISH_STEPS = 10
SOLVER_TOLERANCE = 1e-10  # Clarabel's feasibility and duality-gap tolerances (its defaults are 1e-8)
DEPENDENT = ROUNDING_LIMIT * np.finfo(float).eps  # an exposure column's free part within this of its length is rounding


class RoundingError(FactorxlError):
    """Weights that the rounding of the inputs may move by more than :data:`ROUNDING_LIMIT` units of
    rounding: refused whatever the bounds (a binding set whose equalities fail this way is not
    merely one to leave for another)."""


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


def _least_squares_equalities(unit_a: np.ndarray, unit_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Independent rows spanning ``unit_a``'s rows with their targets, and whether the
    original equalities hold at the least-squares solution (rows of unit length).

    The test is relative to the size of that solution (or of the targets), so it does not
    depend on the scale of the exposures: with exposures of 1e144 the weights are of order
    1e-146, and a miss of that order is a contradiction, not rounding.
    """
    u, s, vt = np.linalg.svd(unit_a, full_matrices=False)
    rank = int((s > RANK_TOLERANCE * s[0]).sum())
    reduced_a = vt[:rank]
    reduced_b = (u[:, :rank].T @ unit_b) / s[:rank]
    particular = reduced_a.T @ reduced_b
    gap = np.abs(unit_a @ particular - unit_b)
    size = max(np.abs(particular).max(initial=0.0), np.abs(unit_b).max())
    return reduced_a, reduced_b, bool(gap.max() <= FEASIBILITY_TOLERANCE * size)


def _independent_equalities(a_eq: np.ndarray, b_eq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An independent set of equalities equivalent to ``A w = b``; raise if they contradict.

    Each row is brought to unit length first, so that rows of very different sizes (a budget
    next to exposures of 1e100) are judged independent or not by their directions alone.
    Contradictory equalities are reported by the first one that contradicts those before it
    (a choice that does not depend on rounding, as the largest miss would between two
    constraints that contradict each other equally).
    """
    if a_eq.shape[0] == 0:
        return a_eq, b_eq
    norms = np.linalg.norm(a_eq, axis=1)
    if not norms.any():
        raise FactorxlError("the constraints have all-zero coefficients")
    lengths = np.where(norms > 0, norms, 1.0)
    unit_a, unit_b = a_eq / lengths[:, None], b_eq / lengths
    reduced_a, reduced_b, consistent = _least_squares_equalities(unit_a, unit_b)
    if not consistent:
        row = next(k for k in range(1, len(unit_b) + 1) if not _least_squares_equalities(unit_a[:k], unit_b[:k])[2])
        raise FactorxlError(
            f"the constraints are infeasible: constraint {row} contradicts the others (no weights satisfy them all)"
        )
    return reduced_a, reduced_b


def _singular() -> FactorxlError:
    return FactorxlError("the covariance matrix is singular on the constrained weights; give every stock a positive specific volatility")


def _factor_root(factor_cov: np.ndarray) -> np.ndarray:
    """``L`` with ``L L' = F`` (K x K; columns of zero where ``F`` is singular)."""
    values, vectors = np.linalg.eigh(factor_cov)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def _equality_qp(model: RiskModel, offset: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """Minimize ``w' D w + y' F y`` with exposures ``y = offset + X'w``, subject to ``A w = b``.

    In the units ``u = D^1/2 w`` the objective is ``|u|^2 + |L'y|^2`` (``F = L L'``) with
    ``y = offset + Z'u``, ``Z = D^-1/2 X``. The solution is the particular solution ``u_p`` of
    least length (in the span of the constraints) less a step orthogonal to the constraints,
    which moves the exposures only through the parts of the exposure columns that the
    constraints leave free: ``Q R`` by a QR decomposition with column pivoting of those parts.
    With ``T = R L`` and ``e = L'(offset + Z'u_p)``, the step minimizes ``|v|^2 + |e - T'v|^2``:
    ``v = Q T (I + T'T)^-1 e = Q U S (I + S^2)^-1 V' e`` by the singular value decomposition
    ``T = U S V'``. No step subtracts quantities of the size of the factor variance to find one
    of the size of the specific variance, as the Woodbury identity does, so the weights keep
    their digits however much the factor variance dwarfs the specific variance.

    A free part within :data:`DEPENDENT` of its column's length is rounding: that column is
    exactly a combination of the constraints and the columns before it (a market column of ones
    beside the budget, industry columns that add up to it), and is taken as such. The rounding of
    the other parts is carried into the weights; when it may move them by more than
    :data:`ROUNDING_LIMIT` units of rounding (:func:`_rounding_of_step`: exposures nearly, not
    exactly, a combination of the constraints, on a factor variance that dwarfs the specific
    variances), the weights are refused.
    """
    vols = model.specific_vols
    if not (vols > 0).all():
        return _dense_equality_qp(model, offset, a_eq, b_eq)
    scaled_x = model.exposures / vols[:, None]
    basis, targets = _independent_equalities(a_eq / vols, b_eq)
    particular = basis.T @ targets
    free = scaled_x - basis.T @ (basis @ scaled_x)
    free -= basis.T @ (basis @ free)  # twice is enough for orthogonality
    lengths = np.linalg.norm(scaled_x, axis=0)
    units = np.where(lengths > 0, lengths, 1.0)
    q, r, order = scipy.linalg.qr(free / units, mode="economic", pivoting=True)
    rank = int(np.count_nonzero(np.abs(np.diagonal(r)) > DEPENDENT))
    reach = np.zeros((rank, scaled_x.shape[1]))
    reach[:, order] = r[:rank] * units[order]
    root = _factor_root(model.factor_cov)
    risk = root.T @ (offset + scaled_x.T @ particular)
    left, singular, right = np.linalg.svd(reach @ root, full_matrices=False)
    with np.errstate(divide="ignore"):
        step = q[:, :rank] @ (left @ ((right @ risk) / (singular + 1.0 / singular)))
        hedged = 1.0 / (1.0 + 1.0 / singular**2)  # S^2 (I + S^2)^-1
    solution = particular - step
    moving = np.linalg.norm(free, axis=0) > DEPENDENT * lengths  # the columns whose free parts the step uses
    marginal = root @ (risk - right.T @ ((right @ risk) * hedged))  # L (I + T'T)^-1 e
    if _rounding_of_step(singular, lengths, moving, root, marginal, step, particular) > ROUNDING_LIMIT * np.finfo(float).eps * np.linalg.norm(solution):
        raise RoundingError(
            "the weights cannot be computed to rounding: the exposures of some factors are nearly, not exactly, a "
            "combination of the constraints' and of each other, and their variance dwarfs the specific variances; "
            "leave out a factor or a target that nearly repeats another, or check the units of the inputs"
        )
    return solution / vols


def _rounding_of_step(
    singular: np.ndarray,
    lengths: np.ndarray,
    moving: np.ndarray,
    root: np.ndarray,
    marginal: np.ndarray,
    step: np.ndarray,
    particular: np.ndarray,
) -> float:
    """A first-order bound on how far rounding may move the step ``(I + T T')^-1 T e`` of
    :func:`_equality_qp`, in the units of ``u``.

    The free part of exposure column ``j`` is known to a rounding of its length ``|z_j|``, which
    moves ``T`` by ``dT``, and ``e`` to the rounding of the products ``z_j' u_p``, ``de``. With
    ``g = (I + T'T)^-1 e`` the step moves by
    ``(I + T T')^-1 (dT g - T dT' step) + (I + T T')^-1 T de``, at most the sum of the three terms
    below (``singular`` holds the singular values of ``T``, ``marginal`` is ``L g``).
    """
    eps = np.finfo(float).eps
    damping = 1.0 / (1.0 + singular.min() ** 2) if singular.size else 0.0  # largest eigenvalue of (I + T T')^-1
    with np.errstate(divide="ignore"):
        reach = np.max(1.0 / (singular + 1.0 / singular), initial=0.0)  # largest singular value of (I + T T')^-1 T
    columns = eps * lengths[moving]
    root_size = np.linalg.svd(root[moving], compute_uv=False).max(initial=0.0)  # its 2-norm; 0 when no column moves
    return float(
        damping * columns @ np.abs(marginal[moving])
        + reach * np.linalg.norm(columns) * root_size * np.linalg.norm(step)
        + reach * eps * np.linalg.norm(np.abs(root).T @ lengths) * np.linalg.norm(particular)
    )


def _dense_equality_qp(model: RiskModel, offset: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """The same problem on the N x N covariance (a stock without specific risk leaves ``D`` singular),
    in the null space of the constraints; refused when the covariance there is singular by the
    rule of :func:`factorxl.core.regression.collinear` (relative to its own scale)."""
    a_eq, b_eq = _independent_equalities(a_eq, b_eq)
    particular = a_eq.T @ b_eq
    null_space = np.linalg.svd(np.vstack([a_eq, np.zeros((1, a_eq.shape[1]))]))[2][a_eq.shape[0] :]
    hessian = null_space @ model.covariance @ null_space.T
    scale = np.sqrt(np.abs(np.diagonal(hessian)))
    scale[scale == 0] = 1.0
    values, vectors = np.linalg.eigh(hessian / np.outer(scale, scale))
    if not values.size:
        return particular
    if collinear(values):
        raise _singular()
    gradient = model.covariance_times(particular) + model.exposures @ (model.factor_cov @ offset)
    direction = vectors @ ((vectors.T @ (null_space @ gradient / scale)) / values) / scale
    return particular - null_space.T @ direction


def _check_inputs(n: int, a_eq: np.ndarray, b_eq: np.ndarray) -> None:
    if a_eq.ndim != 2 or a_eq.shape[1] != n:
        raise FactorxlError(f"the constraint coefficients must have one column per stock ({n}); got shape {a_eq.shape}")
    if b_eq.size != a_eq.shape[0]:
        raise FactorxlError(f"{a_eq.shape[0]} constraints but {b_eq.size} targets")
    if not (np.isfinite(a_eq).all() and np.isfinite(b_eq).all()):
        raise FactorxlError("the constraints have a missing coefficient or target")


def min_tracking_error(
    model: RiskModel,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> OptimizationResult:
    """Active weights of minimum tracking error under ``A w = b`` and optional bounds.

    Parameters
    ----------
    model : RiskModel
        Exposures, factor covariance and specific volatilities of the N stocks; the asset
        covariance must be positive definite on the feasible weights.
    a_eq : ndarray, shape (m, N)
    b_eq : ndarray, shape (m,)
    lower, upper : ndarray, shape (N,), optional
        Bounds on the active weights (``-w_b`` for a long-only portfolio); ``-inf``/``inf``
        where a weight is free.

    Raises
    ------
    FactorxlError
        If the constraints contradict each other or the bounds (with the solver's reason),
        or the solver fails.
    """
    n = model.exposures.shape[0]
    a_eq = np.atleast_2d(np.asarray(a_eq, dtype=float))
    b_eq = np.asarray(b_eq, dtype=float).ravel()
    _check_inputs(n, a_eq, b_eq)
    if lower is None and upper is None:
        weights = _equality_qp(model, np.zeros(model.exposures.shape[1]), a_eq, b_eq)
    else:
        lower = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=float).ravel()
        upper = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float).ravel()
        if (lower > upper).any():
            stock = int(np.flatnonzero(lower > upper)[0]) + 1
            raise FactorxlError(f"the bounds are infeasible: stock {stock} has lower bound {lower[stock - 1]:g} above upper {upper[stock - 1]:g}")
        weights = _bounded_qp(model, *_independent_equalities(a_eq, b_eq), lower, upper)
    return OptimizationResult(weights, float(np.sqrt(weights @ model.covariance_times(weights))))


def _bounded_qp(model: RiskModel, a_eq: np.ndarray, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Clarabel on the factor-form problem, then the exact solution on the free weights."""
    solution, at_lower, at_upper = _clarabel(model, a_eq, b_eq, lower, upper)
    polished = _polish(model, a_eq, b_eq, lower, upper, at_lower, at_upper)
    return np.clip(solution, lower, upper) if polished is None else polished


def _clarabel(
    model: RiskModel, a_eq: np.ndarray, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the factor-form QP; return the weights and the masks of binding lower and upper bounds."""
    import clarabel
    from scipy import sparse

    # Clarabel's tolerances are absolute as well as relative, so the problem is brought to unit
    # size: exposures of unit root-mean-square (the factor covariance scaled the other way, which
    # leaves X F X' as it is), and an objective of order one (weights of about 1/N give a variance
    # of about the average stock variance over N). The equality rows are orthonormal already.
    size = np.sqrt(np.mean(model.exposures**2))
    size = size if np.isfinite(size) and size > 0 else 1.0
    x, f = model.exposures / size, model.factor_cov * size**2
    n, k = x.shape
    scale = n / max(model.specific_var.mean() + np.einsum("ij,jk,ik->", x, f, x) / n, np.finfo(float).tiny)
    quadratic = sparse.block_diag([sparse.diags(2.0 * scale * model.specific_var), sparse.csc_matrix(np.triu(2.0 * scale * f))], format="csc")
    has_lower, has_upper = np.flatnonzero(np.isfinite(lower)), np.flatnonzero(np.isfinite(upper))
    rows = [
        sparse.hstack([sparse.csr_matrix(x.T), -sparse.identity(k)]),
        sparse.hstack([sparse.csr_matrix(a_eq), sparse.csr_matrix((a_eq.shape[0], k))]),
        sparse.csr_matrix((-np.ones(has_lower.size), (np.arange(has_lower.size), has_lower)), shape=(has_lower.size, n + k)),
        sparse.csr_matrix((np.ones(has_upper.size), (np.arange(has_upper.size), has_upper)), shape=(has_upper.size, n + k)),
    ]
    constraints = sparse.vstack(rows, format="csc")
    targets = np.concatenate([np.zeros(k), b_eq, -lower[has_lower], upper[has_upper]])
    equalities, inequalities = k + a_eq.shape[0], has_lower.size + has_upper.size
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_feas = settings.tol_gap_rel = SOLVER_TOLERANCE
    settings.tol_gap_abs = SOLVER_TOLERANCE**1.5
    cones = [clarabel.ZeroConeT(equalities), clarabel.NonnegativeConeT(inequalities)]
    solved = clarabel.DefaultSolver(quadratic, np.zeros(n + k), constraints, targets, cones, settings).solve()
    status = str(solved.status)
    if status == "PrimalInfeasible" or status == "AlmostPrimalInfeasible":
        raise FactorxlError(f"the constraints are infeasible: no weights satisfy the equalities within the bounds (Clarabel: {status})")
    if status not in ("Solved", "AlmostSolved"):
        raise FactorxlError(f"the optimizer stopped without a solution (Clarabel: {status}); check that the bounds leave room for the targets")
    slack, dual = np.asarray(solved.s)[equalities:], np.asarray(solved.z)[equalities:]
    binding = dual > slack
    at_lower, at_upper = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    at_lower[has_lower] = binding[: has_lower.size]
    at_upper[has_upper] = binding[has_lower.size :] & ~at_lower[has_upper]
    return np.asarray(solved.x)[:n], at_lower, at_upper


def _polish(
    model: RiskModel,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    at_lower: np.ndarray,
    at_upper: np.ndarray,
) -> np.ndarray | None:
    """The exact optimum, found from the solver's binding bounds by a few active-set steps.

    Each step solves the equalities with the binding weights at their bounds; a free weight
    that leaves its bounds is fixed there, a binding bound whose multiplier has the wrong sign
    (the objective would fall by moving off it) is released, unless the other bound is the same
    (the weight is fixed). None if that does not settle.
    """
    for _ in range(POLISH_STEPS):
        weights = _weights_on_active_set(model, a_eq, b_eq, np.where(at_lower, lower, np.where(at_upper, upper, np.nan)))
        if weights is None:
            return None
        free = ~(at_lower | at_upper)
        below, above = free & (weights < lower - 1e-12), free & (weights > upper + 1e-12)
        if below.any() or above.any():
            at_lower, at_upper = at_lower | below, at_upper | above
            continue
        # Multiplier signs: at a lower bound the objective must not fall by raising the weight.
        gradient = 2.0 * model.covariance_times(weights)
        multipliers = np.linalg.lstsq(a_eq[:, free].T, -gradient[free], rcond=None)[0]
        reduced = gradient + a_eq.T @ multipliers
        tolerance = 1e-9 * np.abs(gradient).max()
        movable = lower < upper  # a weight whose bounds coincide is fixed whatever its multiplier
        wrong_lower, wrong_upper = movable & at_lower & (reduced < -tolerance), movable & at_upper & (reduced > tolerance)
        if not (wrong_lower.any() or wrong_upper.any()):
            return weights
        at_lower, at_upper = at_lower & ~wrong_lower, at_upper & ~wrong_upper
    return None


def _weights_on_active_set(model: RiskModel, a_eq: np.ndarray, b_eq: np.ndarray, at_bound: np.ndarray) -> np.ndarray | None:
    """Minimum of ``w' Sigma w`` under the equalities with the binding weights at their bounds.

    ``at_bound`` holds the bound of each binding weight and NaN for a free one.
    """
    free = np.isnan(at_bound)
    fixed = ~free
    weights = np.where(fixed, at_bound, 0.0)
    if not free.any():
        return weights if np.abs(a_eq @ weights - b_eq).max() <= FEASIBILITY_TOLERANCE else None
    x = model.exposures
    free_model = RiskModel(x[free], model.factor_cov, model.specific_vols[free])
    try:
        weights[free] = _equality_qp(free_model, x[fixed].T @ weights[fixed], a_eq[:, free], b_eq - a_eq[:, fixed] @ weights[fixed])
    except RoundingError:
        raise
    except FactorxlError:  # infeasible or singular with these weights at their bounds: not the binding set
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
