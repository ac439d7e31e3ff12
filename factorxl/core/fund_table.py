"""The fund table: many funds regressed on many factors, one summary row per fund.

Each fund uses its own rows (where the fund and every factor are present), so funds with
different start dates sit in one table. The layout follows the momentum-ETF
table of Alan Moreira's "Multi-Factor Models" notebook: annualized alpha, t(alpha), the loadings, annualized idiosyncratic volatility and
the sample length in years, plus R-squared and the observations used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import RegressionResult
from factorxl.errors import FactorxlError


@dataclass(frozen=True)
class FundTable:
    """One row per fund.

    Attributes
    ----------
    alpha : ndarray, shape (N,)
        Intercept times ``periods_per_year`` (0 for a regression without one).
    t_alpha : ndarray, shape (N,)
        t statistic of the intercept (under the regressions' covariance type); NaN for a
        regression without one.
    betas : ndarray, shape (N, K)
    idiosyncratic_vol : ndarray, shape (N,)
        ``sqrt(SSR / (n - ddof) * periods_per_year)``.
    rsquared : ndarray, shape (N,)
    years : ndarray, shape (N,)
        Observations divided by ``periods_per_year``.
    nobs : ndarray of int, shape (N,)
    periods_per_year : float
    ddof : int or None
        None for the regression convention ``n - K - 1``.
    """

    alpha: np.ndarray
    t_alpha: np.ndarray
    betas: np.ndarray
    idiosyncratic_vol: np.ndarray
    rsquared: np.ndarray
    years: np.ndarray
    nobs: np.ndarray
    periods_per_year: float
    ddof: int | None


def fund_table(fits: Sequence[RegressionResult], periods_per_year: float, ddof: int | None = None) -> FundTable:
    """Summarize each fund's factor regression, annualized.

    Parameters
    ----------
    fits : sequence of RegressionResult
        One regression per fund (:func:`factorxl.core.regression.ols`).
    periods_per_year : float
        252 daily, 12 monthly, 52 weekly.
    ddof : int, optional
        Divisor ``n - ddof`` of the idiosyncratic variance. Omitted: the regression
        convention ``n - K - 1`` (the residual standard error); 1 gives the standard
        deviation of the residuals, as pandas' ``resid.std()`` does.

    Raises
    ------
    FactorxlError
        A non-positive ``periods_per_year``, a negative ``ddof`` or one that leaves no
        degrees of freedom.
    """
    if not periods_per_year > 0:
        raise FactorxlError(f"periods_per_year must be positive; got {periods_per_year:g}")
    nobs = np.array([fit.nobs for fit in fits])
    ssr = np.array([fit.ssr for fit in fits])
    if ddof is None:
        divisor = np.array([fit.df_resid for fit in fits])
    else:
        if ddof < 0:
            raise FactorxlError(f"ddof must be zero or more; got {ddof}")
        divisor = nobs - ddof
        if (divisor <= 0).any():
            raise FactorxlError(f"ddof {ddof} leaves no degrees of freedom for a fund with {nobs.min()} observations")
    return FundTable(
        alpha=np.array([fit.alpha for fit in fits]) * periods_per_year,
        t_alpha=np.array([fit.tvalues[0] if fit.intercept else np.nan for fit in fits]),
        betas=np.array([fit.betas for fit in fits]),
        idiosyncratic_vol=np.sqrt(ssr / divisor * periods_per_year),
        rsquared=np.array([fit.rsquared for fit in fits]),
        years=nobs / periods_per_year,
        nobs=nobs,
        periods_per_year=float(periods_per_year),
        ddof=ddof,
    )
