"""Portfolio factor exposures: bottom-up from holdings' betas, top-down from the portfolio's returns.

Bottom-up, a portfolio with weights ``w_t`` on N assets has exposure ``B' w_t`` to the factors
on date t, where row i of ``B`` holds asset i's loadings from its own time-series regression
(over its own rows). The exposure changes the day the weights change.

Top-down, the portfolio's returns ``r_pt = sum_i w_it R_it`` are regressed on the factors
over the whole sample: one set of loadings that blends every holding period.

The standard error of a bottom-up exposure with fixed weights is computed from each
asset's own coefficient covariance, treating the assets' estimation errors as independent:
``Var(sum_i w_i b_ik) = sum_i w_i^2 Var(b_ik)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import RegressionResult, ols
from factorxl.errors import FactorxlError


def _check_weights(weights: np.ndarray, nassets: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    weights = weights[None, :] if weights.ndim == 1 else weights
    if weights.shape[1] != nassets:
        raise FactorxlError(f"weights has {weights.shape[1]} columns but there are {nassets} assets")
    if np.isnan(weights).any():
        raise FactorxlError("weights has a missing value; use 0 for assets not held")
    return weights


def bottom_up_exposures(fits: Sequence[RegressionResult], weights: np.ndarray) -> np.ndarray:
    """Exposures ``W B`` of each row of weights (shape (D, N) or (N,)) to the K factors, shape (D, K)."""
    betas = np.array([fit.betas for fit in fits])
    return _check_weights(weights, len(fits)) @ betas


def portfolio_returns(returns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Returns ``sum_i w_it R_it`` of a portfolio with weights per row (or one row for all rows).

    An asset with zero weight does not need a return; a held asset with a missing return
    makes that row's portfolio return missing.
    """
    returns = np.asarray(returns, dtype=float)
    returns = returns[:, None] if returns.ndim == 1 else returns
    weights = _check_weights(weights, returns.shape[1])
    if weights.shape[0] not in (1, returns.shape[0]):
        raise FactorxlError(
            f"weights has {weights.shape[0]} rows; expected one row (fixed weights) or one per return row ({returns.shape[0]})"
        )
    weights = np.broadcast_to(weights, returns.shape)
    contributions = np.where(weights == 0, 0.0, weights * returns)
    return contributions.sum(axis=1)


@dataclass(frozen=True)
class PortfolioBetas:
    """Weighted loadings of a fixed-weight portfolio with standard errors.

    Attributes
    ----------
    betas, se : ndarray, shape (K,)
    """

    betas: np.ndarray
    se: np.ndarray


def portfolio_betas(fits: Sequence[RegressionResult], weights: np.ndarray) -> PortfolioBetas:
    """Loadings ``sum_i w_i b_i`` and standard errors from each asset's own covariance (see module notes)."""
    weights = _check_weights(weights, len(fits))
    if weights.shape[0] != 1:
        raise FactorxlError(f"weights must be a single row of {len(fits)} values; it has {weights.shape[0]} rows")
    w = weights[0]
    betas = np.array([fit.betas for fit in fits])
    slope_variances = np.array([np.diag(fit.cov_params)[1:] for fit in fits])
    return PortfolioBetas(w @ betas, np.sqrt((w**2) @ slope_variances))


@dataclass(frozen=True)
class ExposureComparison:
    """Bottom-up against top-down exposures of a portfolio.

    Attributes
    ----------
    bottom_up : ndarray, shape (T, K)
        Date-by-date exposures (NaN on rows where the top-down regression has no return).
    top_down : RegressionResult
        Regression of the portfolio's returns on the factors.
    """

    bottom_up: np.ndarray
    top_down: RegressionResult

    @property
    def bottom_up_mean(self) -> np.ndarray:
        """Average bottom-up exposure over the rows the top-down regression used."""
        return self.bottom_up[self.top_down.used].mean(axis=0)

    @property
    def bottom_up_last(self) -> np.ndarray:
        """Bottom-up exposure on the last row the top-down regression used."""
        return self.bottom_up[np.flatnonzero(self.top_down.used)[-1]]

    @property
    def gap(self) -> np.ndarray:
        """Top-down loadings minus the average bottom-up exposure."""
        return self.top_down.betas - self.bottom_up_mean


def compare_exposures(
    returns: np.ndarray,
    factors: np.ndarray,
    weights: np.ndarray,
    *,
    factor_names: Sequence[str] | None = None,
    asset_names: Sequence[str] | None = None,
) -> ExposureComparison:
    """Bottom-up exposures from the assets' regressions and the top-down regression of the portfolio.

    Parameters
    ----------
    returns : ndarray, shape (T, N)
    factors : ndarray, shape (T, K)
    weights : ndarray, shape (T, N) or (N,)
        Holdings on each row, or fixed weights.
    """
    returns = np.asarray(returns, dtype=float)
    returns = returns[:, None] if returns.ndim == 1 else returns
    fits = ols(returns, factors, factor_names=factor_names, asset_names=asset_names)
    weights = _check_weights(weights, len(fits))
    portfolio = portfolio_returns(returns, weights)
    (top_down,) = ols(portfolio, factors, factor_names=factor_names, asset_names=["the portfolio"])
    bottom_up = np.broadcast_to(bottom_up_exposures(fits, weights), (returns.shape[0], len(fits[0].betas)))
    return ExposureComparison(np.where(top_down.used[:, None], bottom_up, np.nan), top_down)
