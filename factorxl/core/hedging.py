"""Tracking and hedged portfolios, hedges to a target factor-risk share, and the cash of a short hedge."""

from __future__ import annotations

import numpy as np

from factorxl.core.regression import COLLINEARITY_TOLERANCE, RegressionResult
from factorxl.core.variance import decompose_variance
from factorxl.errors import FactorxlError


def tracking_returns(fit: RegressionResult, factors: np.ndarray) -> np.ndarray:
    """Returns of the tracking portfolio ``sum_k beta_k f_k`` on every row with all factors present.

    Parameters
    ----------
    fit : RegressionResult
        The asset's regression on ``factors``.
    factors : array_like, shape (T,) or (T, K)
        Factor returns; rows with a missing factor give NaN.

    Returns
    -------
    ndarray, shape (T,)
    """
    factors = np.asarray(factors, dtype=float)
    factors = factors[:, None] if factors.ndim == 1 else factors
    return factors @ fit.betas


def hedged_returns(fit: RegressionResult) -> np.ndarray:
    """Returns of the hedged (portable-alpha) portfolio ``r - beta' f = alpha + e`` on the input rows.

    Rows the regression did not use are NaN. In sample its mean equals alpha.

    Parameters
    ----------
    fit : RegressionResult

    Returns
    -------
    ndarray, shape (T,)
    """
    return fit.expand(fit.resid + fit.alpha)


def hedge_to_factor_share(fit: RegressionResult, factors: np.ndarray, target_share: float, ddof: int = 1) -> np.ndarray:
    """Units of each factor to hold per unit of the asset so that factor risk is ``target_share`` of variance.

    The hedged exposure is the asset's loading vector scaled by ``c``:
    ``h = (c - 1) beta`` with ``c = sqrt(v Var(e) / ((1 - v) beta' Sigma_f beta))``. With one
    factor and a positive beta this is ``sqrt(v Var(e) / ((1 - v) Var(f))) - beta``; ``v = 0``
    gives the full hedge ``-beta``.

    Parameters
    ----------
    fit : RegressionResult
        The asset's regression on ``factors``.
    factors : array_like, shape (T,) or (T, K)
        The factor returns the regression was run on.
    target_share : float
        Share ``v`` of variance left in factor risk, ``0 <= v < 1``.
    ddof : int
        Degrees-of-freedom correction of the variances.

    Returns
    -------
    ndarray, shape (K,)
        Units of each factor per unit long of the asset.

    Raises
    ------
    FactorxlError
        A share outside ``[0, 1)``, or betas that explain no more of the variance than rounding
        would: a factor share (R-squared) at most :data:`~factorxl.core.regression.COLLINEARITY_TOLERANCE`,
        the collinearity rule's bound on a squared correlation, where the betas' direction, and so
        the hedge's, is the rounding of the data's last digits.
    """
    if not 0 <= target_share < 1:
        raise FactorxlError(f"target_factor_share must be at least 0 and below 1; got {target_share:g}")
    decomposition = decompose_variance(fit, factors, ddof)
    share = decomposition.factor_variance / decomposition.total_variance if decomposition.total_variance > 0 else 0.0
    if not share > COLLINEARITY_TOLERANCE:
        raise FactorxlError(
            f"{fit.asset}: the factors explain none of its variance beyond rounding (R-squared {share:.2g}), so its "
            "betas have no direction to hedge; check that the returns and factors are the ranges meant"
        )
    scale = np.sqrt(
        target_share * decomposition.specific_variance
        / ((1.0 - target_share) * decomposition.factor_variance)
    )
    return (scale - 1.0) * fit.betas


def short_hedge_cash_return(beta: np.ndarray | float, risk_free: np.ndarray | float) -> np.ndarray:
    """Cash effect ``-(1 - beta) rf`` of hedging a raw-return position by shorting beta of the index.

    Long one unit of the asset and short ``beta`` of the index leaves ``beta - 1`` of cash
    (positive for ``beta > 1``) earning the risk-free rate.

    Parameters
    ----------
    beta : float or array_like
    risk_free : float or array_like
        Risk-free rate per period.

    Returns
    -------
    ndarray
        Broadcast shape of ``beta`` and ``risk_free``.
    """
    return -(1.0 - np.asarray(beta, dtype=float)) * np.asarray(risk_free, dtype=float)
