"""Risk-adjusted performance ratios."""

from __future__ import annotations

import numpy as np

from factorxl.core.variance import sample_volatility
from factorxl.errors import FactorxlError


def annualization_factor(periods_per_year: float | None) -> float:
    """``sqrt(periods_per_year)`` for ratios of a mean to a volatility, 1 when not annualizing."""
    if periods_per_year is None:
        return 1.0
    if not periods_per_year > 0:
        raise FactorxlError(f"periods_per_year must be positive; got {periods_per_year:g}")
    return float(np.sqrt(periods_per_year))


def ratio_of_mean_to_vol(mean: float, volatility: float, periods_per_year: float | None = None) -> float:
    """``mean / volatility``, times ``sqrt(periods_per_year)`` when annualizing."""
    if not volatility > 0:
        raise FactorxlError("the volatility is zero, so the ratio is undefined")
    return mean / volatility * annualization_factor(periods_per_year)


def sharpe_ratio(excess_returns: np.ndarray, periods_per_year: float | None = None, ddof: int = 1) -> float:
    """Mean excess return over its standard deviation (missing values ignored).

    Parameters
    ----------
    excess_returns : array_like, shape (T,)
        NaN marks a missing value.
    periods_per_year : float, optional
        Multiply by its square root to annualize.
    ddof : int
        Degrees-of-freedom correction of the standard deviation.

    Returns
    -------
    float

    Raises
    ------
    FactorxlError
        Too few returns, or zero volatility.
    """
    values = np.asarray(excess_returns, dtype=float)
    values = values[~np.isnan(values)]
    if values.size <= ddof + 1:
        raise FactorxlError(f"{values.size} returns are too few for a Sharpe ratio")
    return ratio_of_mean_to_vol(values.mean(), sample_volatility(values, ddof), periods_per_year)


def appraisal_ratio(alpha: float, residuals: np.ndarray, periods_per_year: float | None = None, ddof: int = 1) -> float:
    """Appraisal (information) ratio ``alpha / sigma_e``: the Sharpe ratio of the hedged portfolio.

    ``sigma_e`` is the standard deviation of the regression residuals with ``ddof`` (the
    volatility of the hedged returns ``alpha + e``).

    Parameters
    ----------
    alpha : float
        Per-period intercept.
    residuals : array_like, shape (n,)
        Regression residuals.
    periods_per_year : float, optional
        Multiply by its square root to annualize.
    ddof : int

    Returns
    -------
    float

    Raises
    ------
    FactorxlError
        Zero residual volatility.
    """
    return ratio_of_mean_to_vol(alpha, sample_volatility(residuals, ddof), periods_per_year)
