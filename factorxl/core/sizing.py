"""Position sizing under a volatility budget and the expected P&L of the position."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.errors import FactorxlError


def volatility_budget_position(budget: float, volatility: float, horizon_periods: float = 1.0) -> float:
    """Position whose volatility over ``h`` periods equals the budget: ``budget / (sigma sqrt(h))``.

    ``volatility`` is per period; the horizon scales it by the square root of time.

    Parameters
    ----------
    budget : float
        Volatility budget in money over the horizon.
    volatility : float
        Per-period volatility (total, or residual for a hedged position).
    horizon_periods : float
        Periods in the horizon ``h``.

    Returns
    -------
    float

    Raises
    ------
    FactorxlError
        A budget, volatility or horizon that is not positive, or a position too large to
        represent (a volatility too close to zero for the budget).
    """
    if not budget > 0:
        raise FactorxlError(f"budget must be positive; got {budget:g}")
    if not volatility > 0:
        raise FactorxlError(f"the volatility must be positive; got {volatility:g}")
    if not horizon_periods > 0:
        raise FactorxlError(f"horizon_periods must be positive; got {horizon_periods:g}")
    with np.errstate(over="ignore"):
        position = budget / (volatility * np.sqrt(horizon_periods))
    if not np.isfinite(position):
        raise FactorxlError(f"the volatility {volatility:g} is too close to zero for a budget of {budget:g}: the position overflows")
    return position


@dataclass(frozen=True)
class ExpectedPnl:
    """Expected P&L of a position over a number of periods.

    ``total = x (beta' mu_f + alpha) periods`` is what the position earns above funding;
    ``risk_adjusted = x alpha periods`` is what is left after the factor exposure is
    charged at its expected return.
    """

    total: float
    risk_adjusted: float


def expected_pnl(position: float, alpha: float, betas: np.ndarray, factor_means: np.ndarray, periods: float = 1.0) -> ExpectedPnl:
    """Expected P&L in total and risk-adjusted (alpha only) over ``periods`` periods.

    Parameters
    ----------
    position : float
        Position size ``x`` in money.
    alpha : float
        Per-period intercept.
    betas, factor_means : array_like, shape (K,)
        Loadings and per-period factor means ``mu_f``.
    periods : float
        Periods the P&L accrues over.

    Returns
    -------
    ExpectedPnl
    """
    factor_premium = float(np.asarray(betas) @ np.asarray(factor_means))
    return ExpectedPnl(
        total=position * (factor_premium + alpha) * periods,
        risk_adjusted=position * alpha * periods,
    )
