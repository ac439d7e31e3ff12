"""Solving many small symmetric positive-definite systems at once.

Rolling windows, the first-pass regressions of many assets and per-period cross-sections each
give one small normal-equation system ``A_b x_b = r_b``. They are solved together by an LDL'
factorization vectorized across the batch (the loops run over the p rows of the systems, never
over the batch). Each system is first equilibrated by its diagonal, so that its pivots are
``1 - R^2`` of each regressor on the ones before it: a pivot at or below the tolerance marks a
constant or (nearly) collinear regressor, and that system is reported as not solvable instead
of giving a wild solution. The factors also bound each system's condition number, which tells
regressions from sums (:func:`slopes_from_sums`) when the normal equations have lost digits
that a solver on the rows would keep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import constant_factors

PIVOT_TOLERANCE = 1e-10  # smallest admissible pivot of an equilibrated system (1 - R^2 of a regressor)
ROUNDING_LIMIT = 1e3  # slopes from sums that may carry more units of rounding than this are solved from their rows


@dataclass(frozen=True)
class SymmetricFactors:
    """LDL' factors of a batch of symmetric matrices equilibrated by their diagonal (the batch is the last axis).

    The equilibrated matrix ``S A S`` (``S = diag(A)^-1/2``) is ``L diag(pivots) L'``; the lists hold
    the entries of ``L`` below the diagonal and the pivots as vectors over the batch.
    """

    scale: np.ndarray  # (p, B): 1 / sqrt(diag(A)), 1 where the diagonal is not positive
    lower: list  # lower[i][j] = L_ij for i > j, each of shape (B,)
    pivots: list  # the p pivots, each of shape (B,) (1 where a system is not solvable)
    row_sums: np.ndarray  # (B,): the largest sum of absolute values of a row of S A S
    solvable: np.ndarray  # (B,) bool

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve ``A x = rhs`` for every system; ``rhs`` has shape (p, B) or (p, m, B). NaN where not solvable."""
        size = len(self.pivots)
        scale = self.scale if rhs.ndim == 2 else self.scale[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = [rhs[i] * scale[i] for i in range(size)]
            for i in range(size):  # forward substitution L z = b
                x[i] = x[i] - sum(self.lower[i][k] * x[k] for k in range(i))
            x = [x[i] / self.pivots[i] for i in range(size)]
            for i in reversed(range(size)):  # back substitution L' x = z / d
                x[i] = x[i] - sum(self.lower[k][i] * x[k] for k in range(i + 1, size))
        solution = np.array(x) * scale
        solution[..., ~self.solvable] = np.nan
        return solution

    def condition_bound(self) -> np.ndarray:
        """An upper bound on the condition number of each equilibrated matrix (B,).

        The largest eigenvalue is at most the largest absolute row sum (Gershgorin); the inverse
        of the smallest is at most the trace of the inverse, ``sum_i (1 / d_i) sum_j (L^-1)_ij^2``.
        The bound exceeds the condition number by at most a factor of p squared.
        """
        size = len(self.pivots)
        inverse = [[None] * size for _ in range(size)]  # inverse[i][j] = (L^-1)_ij for i > j
        trace = 0.0
        for i in range(size):
            for j in range(i):
                inverse[i][j] = -self.lower[i][j] - sum(self.lower[i][k] * inverse[k][j] for k in range(j + 1, i))
            trace = trace + (1.0 + sum(inverse[i][j] ** 2 for j in range(i))) / self.pivots[i]
        return np.where(self.solvable, self.row_sums * trace, np.inf)


def factor_spd(matrices: np.ndarray, tolerance: float = PIVOT_TOLERANCE) -> SymmetricFactors:
    """LDL' factors of symmetric positive semi-definite matrices ``matrices[:, :, b]`` equilibrated by their diagonal.

    Parameters
    ----------
    matrices : ndarray, shape (p, p, B)
        Symmetric positive semi-definite matrices (Gram or covariance matrices); only the
        lower triangle is read.
    tolerance : float
        Smallest admissible pivot of the equilibrated system.

    Returns
    -------
    SymmetricFactors
        A system is not solvable where a diagonal entry is not positive or a pivot is at or
        below ``tolerance``.

    Notes
    -----
    The batch is the last axis so that every step is an operation on contiguous vectors of
    length B; the loops run over the p rows and columns only.
    """
    size = matrices.shape[0]
    diagonal = np.array([matrices[i, i] for i in range(size)])
    solvable = (diagonal > 0).all(axis=0)
    scale = 1.0 / np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    lower = [[None] * size for _ in range(size)]  # lower[i][j] = L_ij (i > j) as vectors over the batch
    pivots = []
    row_sums = [0.0] * size
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(size):
            a = [matrices[i, j] * scale[i] * scale[j] for i in range(j, size)]
            for i in range(j, size):
                magnitude = np.abs(a[i - j])
                row_sums[i] = row_sums[i] + magnitude
                if i > j:
                    row_sums[j] = row_sums[j] + magnitude
            pivot = a[0] - sum(lower[j][k] * lower[j][k] * pivots[k] for k in range(j))
            bad = ~(pivot > tolerance)
            solvable &= ~bad
            pivot = np.where(bad, 1.0, pivot)
            pivots.append(pivot)
            for i in range(j + 1, size):
                lower[i][j] = (a[i - j] - sum(lower[i][k] * lower[j][k] * pivots[k] for k in range(j))) / pivot
    return SymmetricFactors(scale, lower, pivots, np.max(row_sums, axis=0), solvable)


def solve_spd(matrices: np.ndarray, rhs: np.ndarray, tolerance: float = PIVOT_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``matrices[:, :, b] @ x[:, b] = rhs[:, b]`` for every b (the batch is the last axis).

    Parameters
    ----------
    matrices : ndarray, shape (p, p, B)
        Symmetric positive semi-definite matrices; only the lower triangle is read.
    rhs : ndarray, shape (p, B)
        Right-hand sides.
    tolerance : float
        Smallest admissible pivot of the equilibrated system.

    Returns
    -------
    solution : ndarray, shape (p, B)
        NaN columns for the systems that are not solvable.
    solvable : ndarray of bool, shape (B,)
        False where a diagonal entry is not positive or a pivot is at or below ``tolerance``
        (see :func:`factor_spd`).
    """
    factors = factor_spd(matrices, tolerance)
    return factors.solve(rhs), factors.solvable


def slopes_from_sums(
    count: np.ndarray,
    sum_x: np.ndarray,
    sum_y: np.ndarray,
    sum_xx: np.ndarray,
    sum_xy: np.ndarray,
    sum_yy: np.ndarray,
    center_x: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """OLS slopes (with an intercept) of B regressions from their sums over their own rows, and
    which of them are as accurate as a solution from the rows themselves.

    With ``n`` rows and sums ``S_x``, ``S_y``, ``S_xx``, ``S_xy``, ``S_yy`` of the factors less
    ``center_x`` and the responses less a centre of their own, the slopes solve
    ``(S_xx - S_x S_x' / n) b = S_xy - S_x S_y / n``. A system is trusted when its factors vary
    (the rule of :func:`factorxl.core.regression.constant_factors`, on their means
    ``S_x / n + center_x``), its responses vary, and the rounding of its centred sums (the largest
    ``S_zz`` over its centred ``n var(z)``, which grows as a mean lies far from its centre) times
    a bound on the condition number of the factors' correlation matrix (the normal equations
    square the condition of the factors) stays within :data:`ROUNDING_LIMIT`. The others are left
    to a solver on their rows, which also decides whether they can be estimated at all.

    Parameters
    ----------
    count : ndarray, shape (B,)
    sum_x : ndarray, shape (K, B)
    sum_y : ndarray, shape (B,)
    sum_xx : ndarray, shape (K, K, B)
        Only the lower triangle is read.
    sum_xy : ndarray, shape (K, B)
    sum_yy : ndarray, shape (B,)
    center_x : ndarray, shape (K,) or (K, B)

    Returns
    -------
    slopes : ndarray, shape (K, B)
        NaN where a system is not solvable.
    trusted : ndarray of bool, shape (B,)
    """
    size = sum_xx.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_x = sum_x / count
        covariance = sum_xx - mean_x[:, None] * sum_x[None, :]  # its lower triangle: factor_spd reads no more
        variances = np.array([covariance[k, k] for k in range(size)])
        variance_y = sum_yy - sum_y * sum_y / count
        cancellation = np.maximum(
            np.max([sum_xx[k, k] / variances[k] for k in range(size)], axis=0), sum_yy / variance_y
        )
        spread = np.sqrt(variances)
        center = np.reshape(center_x, (size, -1))
        factors = factor_spd(covariance)
        slopes = factors.solve(sum_xy - mean_x * sum_y)
        trusted = (
            factors.solvable
            & (variance_y > 0)
            & ~constant_factors(spread, np.sqrt(count) * np.abs(mean_x + center) + spread).any(axis=0)
            & (cancellation * factors.condition_bound() <= ROUNDING_LIMIT)
        )
    return slopes, trusted
