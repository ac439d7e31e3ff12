"""Factor performance attribution and its multi-period linking.

In period t the active return ``a_t = r_p,t - r_b,t`` splits into factor contributions
``x_t,k f_t,k`` (active exposure times factor return), the specific return ``s_t`` and
whatever the two leave unexplained, ``u_t = a_t - sum_k x_t,k f_t,k - s_t`` (zero when the
inputs are consistent). Per-period pieces add up to ``a_t``, but over several periods the
arithmetic sum of the ``a_t`` differs from the compounded active return
``R_p - R_b = prod(1 + r_p,t) - prod(1 + r_b,t)``. Linking multiplies period t's pieces by
a coefficient ``beta_t`` chosen so that the linked pieces sum exactly to ``R_p - R_b``:

``carino``
    ``beta_t = k_t / k`` with ``k_t = ln((1 + r_p,t)/(1 + r_b,t)) / a_t`` and
    ``k = ln((1 + R_p)/(1 + R_b)) / (R_p - R_b)`` (limits ``1/(1 + r_b)`` when equal).
``menchero``
    ``beta_t = M + alpha_t`` with ``M = ((R_p - R_b)/T) / ((1 + R_p)^(1/T) - (1 + R_b)^(1/T))``
    and ``alpha_t = (R_p - R_b - M sum a) / (sum a^2) * a_t`` (Menchero 2000, optimized linking).
``arithmetic``
    ``beta_t = 1``: the unlinked sum, which does not match the compounded active return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.errors import FactorxlError, quoted

LINKING_METHODS = ("carino", "menchero", "arithmetic")


def _log_growth_ratio(numerator: np.ndarray | float, base: np.ndarray | float) -> np.ndarray:
    """``ln((1 + b + d)/(1 + b)) / d`` for ``d = numerator``, ``b = base``; ``1/(1 + b)`` at ``d = 0``."""
    relative = np.asarray(numerator, dtype=float) / (1.0 + np.asarray(base, dtype=float))
    safe = np.where(relative == 0.0, 1.0, relative)
    ratio = np.where(relative == 0.0, 1.0, np.log1p(safe) / safe)
    return ratio / (1.0 + np.asarray(base, dtype=float))


def carino_coefficients(portfolio: np.ndarray, benchmark: np.ndarray) -> np.ndarray:
    """Carino's linking coefficients ``k_t / k`` for per-period returns (decimals).

    Parameters
    ----------
    portfolio, benchmark : ndarray, shape (T,)
        Per-period total returns, each above -1.

    Returns
    -------
    ndarray, shape (T,)
    """
    total_p, total_b = np.prod(1.0 + portfolio) - 1.0, np.prod(1.0 + benchmark) - 1.0
    k_t = _log_growth_ratio(portfolio - benchmark, benchmark)
    k = _log_growth_ratio(total_p - total_b, total_b)
    return k_t / k


def menchero_coefficients(portfolio: np.ndarray, benchmark: np.ndarray) -> np.ndarray:
    """Menchero's optimized linking coefficients ``M + alpha_t`` for per-period returns (decimals).

    Parameters
    ----------
    portfolio, benchmark : ndarray, shape (T,)
        Per-period total returns, each above -1.

    Returns
    -------
    ndarray, shape (T,)
    """
    periods = portfolio.size
    active = portfolio - benchmark
    total_p, total_b = np.prod(1.0 + portfolio) - 1.0, np.prod(1.0 + benchmark) - 1.0
    total_active = total_p - total_b
    log_gap = np.log1p(total_active / (1.0 + total_b)) / periods
    root_b = (1.0 + total_b) ** (1.0 / periods)
    if log_gap == 0.0:
        scale = (1.0 + total_b) / root_b
    else:
        scale = (total_active / periods) / (root_b * np.expm1(log_gap))
    squares = active @ active
    alpha = np.zeros(periods) if squares == 0.0 else (total_active - scale * active.sum()) / squares * active
    return scale + alpha


@dataclass(frozen=True)
class Attribution:
    """Per-period factor attribution and its linked multi-period totals.

    Attributes
    ----------
    factor_contributions : ndarray, shape (T, K)
        ``x_t,k f_t,k``.
    specific, unexplained, portfolio, benchmark : ndarray, shape (T,)
    coefficients : ndarray, shape (T,)
        Linking coefficient of each period (ones for ``arithmetic``).
    method : str
    """

    factor_contributions: np.ndarray
    specific: np.ndarray
    unexplained: np.ndarray
    portfolio: np.ndarray
    benchmark: np.ndarray
    coefficients: np.ndarray
    method: str

    @property
    def active(self) -> np.ndarray:
        """Per-period active returns ``r_p - r_b``."""
        return self.portfolio - self.benchmark

    @property
    def linked_factors(self) -> np.ndarray:
        """Linked factor contributions, shape (K,)."""
        return self.coefficients @ self.factor_contributions

    @property
    def linked_specific(self) -> float:
        return float(self.coefficients @ self.specific)

    @property
    def linked_unexplained(self) -> float:
        return float(self.coefficients @ self.unexplained)

    @property
    def linked_active(self) -> float:
        """Sum of the linked pieces: the compounded active return for carino and menchero."""
        return float(self.coefficients @ self.active)

    @property
    def cumulative_portfolio(self) -> float:
        return float(np.prod(1.0 + self.portfolio) - 1.0)

    @property
    def cumulative_benchmark(self) -> float:
        return float(np.prod(1.0 + self.benchmark) - 1.0)


def attribution(
    active_exposures: np.ndarray,
    factors: np.ndarray,
    specific_returns: np.ndarray,
    portfolio_returns: np.ndarray,
    benchmark_returns: np.ndarray,
    method: str = "carino",
) -> Attribution:
    """Attribute active returns to factors and link the periods.

    Parameters
    ----------
    active_exposures : ndarray, shape (K,) or (T, K)
        Active factor exposures: constant, or one row per period.
    factors : ndarray, shape (T, K)
    specific_returns, portfolio_returns, benchmark_returns : ndarray, shape (T,)
        Active specific return and total portfolio and benchmark returns, as decimals.
    method : {"carino", "menchero", "arithmetic"}

    Raises
    ------
    FactorxlError
        If the shapes differ, a value is missing, a return is -100 % or less, or the
        method is unknown.
    """
    if method not in LINKING_METHODS:
        raise FactorxlError(f"method must be one of {', '.join(quoted(c) for c in LINKING_METHODS)}; got {quoted(method)}")
    f = np.asarray(factors, dtype=float)
    f = f[:, None] if f.ndim == 1 else f
    periods, k = f.shape
    x = np.asarray(active_exposures, dtype=float)
    x = x.reshape(1, -1) if x.ndim == 1 else x
    if x.shape[1] != k or x.shape[0] not in (1, periods):
        raise FactorxlError(
            f"active_exposures are {x.shape[0]} x {x.shape[1]} but factors are {periods} x {k}; "
            f"expected one row of {k} exposures or one row per period"
        )
    series = {}
    for name, values in (("specific_returns", specific_returns), ("portfolio_returns", portfolio_returns), ("benchmark_returns", benchmark_returns)):
        values = np.asarray(values, dtype=float).ravel()
        if values.size != periods:
            raise FactorxlError(f"factors have {periods} periods but {name} has {values.size}")
        series[name] = values
    for name, values in (("active_exposures", x), ("factors", f), *series.items()):
        if np.isnan(values).any():
            raise FactorxlError(f"{name} has a missing value in period {int(np.argwhere(np.isnan(values))[0][0]) + 1}")
    portfolio, benchmark = series["portfolio_returns"], series["benchmark_returns"]
    for name, values in (("portfolio_returns", portfolio), ("benchmark_returns", benchmark)):
        if (values <= -1.0).any():
            raise FactorxlError(f"{name} has a return of -100 % or less in period {int(np.flatnonzero(values <= -1.0)[0]) + 1}; returns are decimals")
    contributions = x * f
    specific = series["specific_returns"]
    if method == "carino":
        coefficients = carino_coefficients(portfolio, benchmark)
    elif method == "menchero":
        coefficients = menchero_coefficients(portfolio, benchmark)
    else:
        coefficients = np.ones(periods)
    return Attribution(
        factor_contributions=contributions,
        specific=specific,
        unexplained=portfolio - benchmark - contributions.sum(axis=1) - specific,
        portfolio=portfolio,
        benchmark=benchmark,
        coefficients=coefficients,
        method=method,
    )
