"""Variance decomposition and factor-implied covariance matrices from time-series regressions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import RegressionResult
from factorxl.errors import FactorxlError


def sample_covariance(values: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Covariance matrix of the columns of ``values``.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, K)
        Observations down the rows, no missing values.
    ddof : int
        The divisor is ``n - ddof``.

    Returns
    -------
    ndarray, shape (K, K)

    Raises
    ------
    FactorxlError
        If ``n <= ddof``.
    """
    values = np.asarray(values, dtype=float)
    values = values[:, None] if values.ndim == 1 else values
    if values.shape[0] <= ddof:
        raise FactorxlError(f"{values.shape[0]} observations are too few for a variance with ddof={ddof}")
    centered = values - values.mean(axis=0)
    return centered.T @ centered / (values.shape[0] - ddof)


def sample_volatility(values: np.ndarray, ddof: int = 1) -> float:
    """Standard deviation of a series with ``ddof``; exactly 0 for a constant series.

    Rounding in the mean of identical values would otherwise leave a tiny positive
    number that a volatility budget turns into an absurd position.

    Parameters
    ----------
    values : array_like
        The series (flattened), no missing values.
    ddof : int
        The variance divisor is ``n - ddof``.

    Returns
    -------
    float
    """
    values = np.asarray(values, dtype=float).ravel()
    if values.size and np.ptp(values) == 0:
        return 0.0
    return float(np.sqrt(sample_covariance(values, ddof)[0, 0]))


@dataclass(frozen=True)
class RiskReport:
    """Variance split into a factor part ``x'Fx`` and a specific part, for factor exposures ``x``.

    The exposures are a portfolio's ``X'w`` under a risk model, or an asset's regression
    loadings (its specific part is then the residual variance).

    Attributes
    ----------
    exposures : ndarray, shape (K,)
        ``x = X'w``.
    factor_contributions : ndarray, shape (K,)
        ``x_k (Fx)_k``; they sum to :attr:`factor_variance`.
    factor_variance, specific_variance : float
    """

    exposures: np.ndarray
    factor_contributions: np.ndarray
    factor_variance: float
    specific_variance: float

    @property
    def total_variance(self) -> float:
        return self.factor_variance + self.specific_variance

    @property
    def factor_vol(self) -> float:
        return float(np.sqrt(self.factor_variance))

    @property
    def specific_vol(self) -> float:
        return float(np.sqrt(self.specific_variance))

    @property
    def total_vol(self) -> float:
        return float(np.sqrt(self.total_variance))

    def share(self, variance: float | np.ndarray) -> float | np.ndarray:
        """``variance`` as a share of the total; an error when the total variance is zero."""
        if not self.total_variance > 0:
            raise FactorxlError("the total variance is zero (or too small to represent), so shares of it are not defined")
        return variance / self.total_variance

    @property
    def contribution_shares(self) -> np.ndarray:
        """Each factor's share of the TOTAL variance."""
        return self.share(self.factor_contributions)

    @property
    def specific_share(self) -> float:
        """The specific share of the total variance."""
        return self.share(self.specific_variance)


def exposure_report(exposures: np.ndarray, factor_cov: np.ndarray, specific_variance: float) -> RiskReport:
    """Variance split of a position known by its factor exposures and its specific variance.

    Parameters
    ----------
    exposures : ndarray, shape (K,)
        Factor exposures ``x``.
    factor_cov : ndarray, shape (K, K)
        Factor covariance ``F`` (validated by the caller).
    specific_variance : float
        The position's specific variance (``w' Delta w`` for stock weights ``w``).

    Returns
    -------
    RiskReport
        With factor contributions ``x_k (Fx)_k``.
    """
    contributions = exposures * (factor_cov @ exposures)
    return RiskReport(
        exposures=exposures,
        factor_contributions=contributions,
        factor_variance=float(contributions.sum()),
        specific_variance=float(specific_variance),
    )


def decompose_variance(fit: RegressionResult, factors: np.ndarray, ddof: int = 1) -> RiskReport:
    """Decompose an asset's variance on the rows its regression used.

    The exposures are the loadings ``b``; the factor part is ``b' Sigma_f b`` with
    ``Sigma_f`` the factor covariance on the regression's rows, and the specific part is
    the residual variance, both with ``ddof``. Their sum equals the sample variance of the
    returns (OLS residuals are orthogonal to the factors in sample), so the factor share
    equals R-squared.

    Parameters
    ----------
    fit : RegressionResult
        The asset's regression on ``factors``.
    factors : array_like, shape (T,) or (T, K)
        The factor returns the regression was run on (all T input rows).
    ddof : int
        Degrees-of-freedom correction of every variance.

    Returns
    -------
    RiskReport
        With the factor contributions ``b_k (Sigma_f b)_k``.
    """
    factors = np.asarray(factors, dtype=float)
    factors = factors[:, None] if factors.ndim == 1 else factors
    factor_cov = sample_covariance(factors[fit.used], ddof)
    return exposure_report(fit.betas, factor_cov, sample_covariance(fit.resid, ddof)[0, 0])


@dataclass(frozen=True)
class FactorCovariance:
    """Factor-implied covariance ``B Sigma_f B' + diag(sigma_e^2)`` of N assets on K factors."""

    matrix: np.ndarray
    betas: np.ndarray
    factor_cov: np.ndarray
    residual_variances: np.ndarray

    @property
    def parameter_count(self) -> int:
        """N*K loadings + N residual variances + K(K+1)/2 factor (co)variances."""
        n_assets, n_factors = self.betas.shape
        return n_assets * n_factors + n_assets + n_factors * (n_factors + 1) // 2


def sample_parameter_count(n_assets: int) -> int:
    """Free parameters of an unrestricted N x N covariance matrix: N(N+1)/2."""
    return n_assets * (n_assets + 1) // 2


def factor_implied_covariance(
    fits: Sequence[RegressionResult], factors: np.ndarray, ddof: int = 1
) -> FactorCovariance:
    """Covariance implied by the time-series regressions of N assets.

    The factor covariance uses every row where all factors are present; each asset's
    residual variance uses its own regression rows, both with ``ddof``.

    Parameters
    ----------
    fits : sequence of RegressionResult
        One regression per asset, on ``factors``.
    factors : array_like, shape (T,) or (T, K)
        The factor returns the regressions were run on.
    ddof : int
        Degrees-of-freedom correction of the variances.

    Returns
    -------
    FactorCovariance
    """
    factors = np.asarray(factors, dtype=float)
    factors = factors[:, None] if factors.ndim == 1 else factors
    present = ~np.isnan(factors).any(axis=1)
    factor_cov = sample_covariance(factors[present], ddof)
    betas = np.array([fit.betas for fit in fits])
    residual_variances = np.array([sample_covariance(fit.resid, ddof)[0, 0] for fit in fits])
    matrix = betas @ factor_cov @ betas.T + np.diag(residual_variances)
    return FactorCovariance(matrix, betas, factor_cov, residual_variances)


def complete_rows_covariance(returns: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Sample covariance of the columns of ``returns`` over the rows where all are present.

    Parameters
    ----------
    returns : array_like, shape (T, N)
        NaN marks a missing value; a row with any is left out (listwise, not pairwise).
    ddof : int
        Degrees-of-freedom correction.

    Returns
    -------
    ndarray, shape (N, N)
    """
    returns = np.asarray(returns, dtype=float)
    complete = ~np.isnan(returns).any(axis=1)
    return sample_covariance(returns[complete], ddof)
