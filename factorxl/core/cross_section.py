"""Cross-sectional factor-return regressions of a Barra-style model.

One period's stock returns ``r`` (N) are regressed on the exposures ``X`` (N x K) with
regression weights ``v`` (sqrt of market cap, normalized to sum to one, or equal):

``f = argmin sum_i v_i (r_i - X_i f)^2``

A model with a market column and a full set of industry dummies is collinear (the
dummies sum to the market column). The constrained estimator removes that by requiring
the cap-weighted industry factor returns to sum to zero, ``sum_j c_j f_j = 0`` with
``c_j`` the cap weight of industry j. It is solved through a restriction matrix ``R``
(K x K-1) that expresses the last industry's return through the others, ``f = R g``:

``g = (R'X'VXR)^-1 R'X'V r,   f = R g,   P = R (R'X'VXR)^-1 R'X'V``

The rows of ``P`` (K x N) are the pure factor portfolios: ``f = P r``, and on the
constrained subspace each has unit exposure to its own factor and none to the others.
The estimator does not depend on which industry is eliminated. ``P`` is computed from a QR
decomposition of ``V^1/2 X R`` rather than from the normal equations, so the digits it loses
follow the design's condition number, not its square; designs that are collinear by the rule of
:func:`factorxl.core.regression.collinear` (on ``R'X'VXR`` scaled to a unit diagonal) are refused.

R-squared is weighted with ``v``: uncentered ``1 - sum v e^2 / sum v r^2`` and centered
``1 - sum v e^2 / sum v (r - rbar)^2`` with ``rbar = sum v r``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from factorxl.core.exposures import cap_weights, require_members
from factorxl.core.regression import collinear
from factorxl.errors import FactorxlError, quoted

WEIGHTINGS = ("sqrt_cap", "equal")


@dataclass(frozen=True)
class CrossSectionResult:
    """One period's cross-sectional regression.

    Attributes
    ----------
    factor_returns : ndarray, shape (K,)
    residuals : ndarray, shape (N,)
        NaN for stocks left out (a missing return, exposure or cap).
    pure_portfolios : ndarray, shape (K, N)
        Row k holds the weights of factor k's pure factor portfolio (0 for stocks left out).
    industry_columns : ndarray of int
        Positions of the industry columns the constraint covers (empty if unconstrained).
    industry_weights : ndarray
        Cap weights of those industries (the constraint coefficients).
    rsquared_uncentered, rsquared_centered : float
        Weighted R-squared.
    nobs : int
        Stocks used.
    """

    factor_returns: np.ndarray
    residuals: np.ndarray
    pure_portfolios: np.ndarray
    industry_columns: np.ndarray
    industry_weights: np.ndarray
    rsquared_uncentered: float
    rsquared_centered: float
    nobs: int

    @property
    def constrained(self) -> bool:
        return self.industry_columns.size > 0

    @property
    def constraint_value(self) -> float:
        """``sum_j c_j f_j`` over the constrained industries (zero up to rounding)."""
        return float(self.industry_weights @ self.factor_returns[self.industry_columns])


def regression_weights(caps: np.ndarray, weighting: str = "sqrt_cap") -> np.ndarray:
    """Normalized regression weights: ``sqrt(cap) / sum sqrt(cap)`` or equal ``1/N``.

    Parameters
    ----------
    caps : ndarray, shape (N,)
        Market capitalizations (non-negative, not all zero).
    weighting : {"sqrt_cap", "equal"}

    Returns
    -------
    ndarray, shape (N,)
        Weights summing to one.
    """
    if weighting not in WEIGHTINGS:
        raise FactorxlError(f"weighting must be one of {', '.join(quoted(c) for c in WEIGHTINGS)}; got {quoted(weighting)}")
    w = cap_weights(caps)
    raw = np.sqrt(w) if weighting == "sqrt_cap" else np.ones_like(w)
    return raw / raw.sum()


def industry_restriction(n_factors: int, industry_columns: Sequence[int], industry_weights: np.ndarray) -> np.ndarray:
    """Restriction matrix ``R`` (K x K-1) with ``f = R g`` satisfying ``sum_j c_j f_j = 0``.

    The last industry column is expressed through the other industries:
    ``f_last = -sum_{j != last} (c_j / c_last) f_j``.

    Parameters
    ----------
    n_factors : int
        K, the number of factors.
    industry_columns : sequence of int
        Positions of the industry columns (at least one).
    industry_weights : ndarray
        The constraint coefficients ``c_j``, one per industry column.
    """
    columns = list(industry_columns)
    last = columns[-1]
    free = [k for k in range(n_factors) if k != last]
    restriction = np.zeros((n_factors, n_factors - 1))
    restriction[free, np.arange(n_factors - 1)] = 1.0
    for column, weight in zip(columns[:-1], industry_weights[:-1], strict=True):
        restriction[last, free.index(column)] = -weight / industry_weights[-1]
    return restriction


def _require_full_rank(gram: np.ndarray, names: Sequence[str]) -> None:
    """Raise naming the factors involved in a linear dependence of the weighted design, by the rule of
    :func:`factorxl.core.regression.collinear` on its cross products scaled to a unit diagonal, or
    when the design's squares are out of the range of floating point (they would lose digits)."""
    diagonal = np.diag(gram)
    if not np.isfinite(gram).all():
        raise FactorxlError("the exposures or weights are too large to square; express the exposures in smaller units")
    if (diagonal[diagonal > 0] < np.finfo(float).tiny).any():
        raise FactorxlError("the exposures are too small to square without losing digits; express them in larger units")
    scale = 1.0 / np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    eigenvalues, eigenvectors = np.linalg.eigh(gram * np.outer(scale, scale))
    if not collinear(eigenvalues):
        return
    vector = np.abs(eigenvectors[:, 0])
    involved = [names[j] for j in np.flatnonzero(vector > 1e-3 * vector.max())]
    if len(involved) == 1:
        raise FactorxlError(f"exposure {involved[0]} is zero for every stock used; remove it")
    raise FactorxlError(
        f"the exposures are collinear ({', '.join(involved)} are linearly dependent across the stocks used); "
        "drop a column, or constrain the industry factor returns when the model has a market column "
        "and a full set of industry dummies"
    )


def cross_section_regression(
    returns: np.ndarray,
    exposures: np.ndarray,
    caps: np.ndarray,
    industry_columns: Sequence[int] | None = None,
    weighting: str = "sqrt_cap",
    factor_names: Sequence[str] | None = None,
) -> CrossSectionResult:
    """Factor returns of one period by (constrained) weighted least squares.

    Parameters
    ----------
    returns : ndarray, shape (N,)
        Stock returns of the period.
    exposures : ndarray, shape (N, K)
        Exposure matrix (stocks down the rows).
    caps : ndarray, shape (N,)
        Market capitalizations: the regression weights (``sqrt_cap``) and the cap weights
        of the industries in the constraint.
    industry_columns : sequence of int, optional
        Positions of the industry dummy columns. Given, the cap-weighted industry factor
        returns are constrained to sum to zero; omitted, the regression is unconstrained.
    weighting : {"sqrt_cap", "equal"}
        Regression weights: square root of cap (default) or equal (ordinary least squares).
    factor_names : sequence of str, optional
        Names for error messages.

    Stocks with a missing return, exposure or cap are left out; the cap weights of the
    industries are computed over the stocks used.

    Raises
    ------
    FactorxlError
        If the shapes differ, there are fewer stocks than free factors, an industry has no
        members, or the exposures are collinear.
    """
    returns = np.asarray(returns, dtype=float).ravel()
    exposures = np.asarray(exposures, dtype=float)
    exposures = exposures[:, None] if exposures.ndim == 1 else exposures
    caps = np.asarray(caps, dtype=float).ravel()
    n, k = exposures.shape
    names = list(factor_names) if factor_names is not None else [f"f{j + 1}" for j in range(k)]
    if returns.size != n or caps.size != n:
        raise FactorxlError(
            f"returns have {returns.size} stocks, exposures {n} and caps {caps.size}; every input needs one row per stock"
        )
    used = ~(np.isnan(returns) | np.isnan(caps) | np.isnan(exposures).any(axis=1))
    r, x = returns[used], exposures[used]
    v = regression_weights(caps[used], weighting)
    columns = np.array([] if industry_columns is None else list(industry_columns), dtype=int)
    if columns.size:
        require_members(x[:, columns], [names[j] for j in columns])
        industry_weights = cap_weights(caps[used]) @ x[:, columns]
        restriction = industry_restriction(k, columns, industry_weights)
    else:
        industry_weights = np.zeros(0)
        restriction = np.eye(k)
    free = restriction.shape[1]
    if free == 0:
        raise FactorxlError("the exposures have only the constrained industry column; a constrained regression needs at least two industries")
    if r.size <= free:
        raise FactorxlError(f"{r.size} stocks with a return, every exposure and a cap; {free} free factors need at least {free + 1}")
    design = x @ restriction
    gram = design.T @ (v[:, None] * design)
    free_names = names if not columns.size else [names[j] for j in range(k) if j != columns[-1]]
    _require_full_rank(gram, free_names)
    root = np.sqrt(v)
    q, r_factor = np.linalg.qr(design * root[:, None])
    pure_used = restriction @ scipy.linalg.solve_triangular(r_factor, q.T * root)  # (D'VD)^-1 D'V, with V^1/2 D = QR
    factor_returns = pure_used @ r
    resid = r - x @ factor_returns
    weighted_ssr = v @ resid**2
    rbar = v @ r
    pure = np.zeros((k, n))
    pure[:, used] = pure_used
    return CrossSectionResult(
        factor_returns=factor_returns,
        residuals=_place(resid, used),
        pure_portfolios=pure,
        industry_columns=columns,
        industry_weights=industry_weights,
        rsquared_uncentered=float(1.0 - weighted_ssr / (v @ r**2)),
        rsquared_centered=float(1.0 - weighted_ssr / (v @ (r - rbar) ** 2)),
        nobs=int(used.sum()),
    )


def _place(values: np.ndarray, used: np.ndarray) -> np.ndarray:
    out = np.full(used.shape, np.nan)
    out[used] = values
    return out
