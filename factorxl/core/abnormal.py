"""Abnormal returns (alpha plus residual) and their cumulative path.

The abnormal return of a fund on a factor model is ``r_t - beta' f_t = alpha + e_t``, the
return of the factor-hedged position (:func:`factorxl.core.hedging.hedged_returns`); its
average is alpha. Its cumulative path shows when the alpha was earned.
"""

from __future__ import annotations

import numpy as np

from factorxl.core.hedging import hedged_returns
from factorxl.core.regression import RegressionResult
from factorxl.errors import FactorxlError, quoted

CUMULATION_METHODS = ("sum", "compound")


def cumulative_path(returns: np.ndarray, method: str = "sum") -> np.ndarray:
    """Cumulative return through each row, NaN on missing rows (the path resumes after them).

    ``"sum"`` adds the returns (as pandas' ``cumsum``); ``"compound"`` gives
    ``prod(1 + r) - 1``.
    """
    if method not in CUMULATION_METHODS:
        raise FactorxlError(f"method must be one of {', '.join(quoted(c) for c in CUMULATION_METHODS)}; got {quoted(method)}")
    values = np.asarray(returns, dtype=float)
    present = ~np.isnan(values)
    if method == "sum":
        path = np.cumsum(np.where(present, values, 0.0), axis=0)
    else:
        path = np.cumprod(np.where(present, 1.0 + values, 1.0), axis=0) - 1.0
    return np.where(present, path, np.nan)


def cumulative_abnormal_returns(fit: RegressionResult, method: str = "sum") -> np.ndarray:
    """Cumulative abnormal return ``alpha + e`` of one fund on its input rows."""
    return cumulative_path(hedged_returns(fit), method)
