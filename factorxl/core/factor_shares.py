"""Each factor's share of a fund's return variance, for many funds at once.

Two definitions, both on each fund's regression rows with one ``ddof`` for every variance:

``"isolated"``
    ``beta_k^2 Var(f_k) / Var(r)``: the variance the fund would have from factor k alone
    (ARKK's "anti-value share" ``beta_HML^2 Var(HML)`` in Alan Moreira's "Multi-Factor Models"
    notebook). The isolated shares and the idiosyncratic share do not add up to one: the factors' covariances are left out.
``"euler"``
    ``beta_k (Sigma_f beta)_k / Var(r)``: each factor's contribution to the factor variance
    ``beta' Sigma_f beta`` (:func:`factorxl.core.variance.decompose_variance`); with the
    idiosyncratic share they add up to one.

The idiosyncratic share is ``Var(e) / Var(r) = 1 - R^2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import RegressionResult
from factorxl.core.variance import decompose_variance
from factorxl.errors import FactorxlError, quoted

SHARE_METHODS = ("isolated", "euler")


@dataclass(frozen=True)
class FactorShares:
    """Variance shares of N funds on K factors.

    Attributes
    ----------
    factor_shares : ndarray, shape (N, K)
    idiosyncratic_shares : ndarray, shape (N,)
    total_variances : ndarray, shape (N,)
        Each fund's return variance on its regression rows.
    method : str
    """

    factor_shares: np.ndarray
    idiosyncratic_shares: np.ndarray
    total_variances: np.ndarray
    method: str


def factor_shares(
    fits: Sequence[RegressionResult], factors: np.ndarray, method: str = "isolated", ddof: int = 1
) -> FactorShares:
    """Shares of each fund's variance due to each factor and to its residual.

    Parameters
    ----------
    fits : sequence of RegressionResult
        One regression per fund, on ``factors``.
    factors : ndarray, shape (T, K)
        The factor returns the regressions used.
    method : {"isolated", "euler"}
    ddof : int
        Degrees-of-freedom correction of every variance.
    """
    if method not in SHARE_METHODS:
        raise FactorxlError(f"method must be one of {', '.join(quoted(c) for c in SHARE_METHODS)}; got {quoted(method)}")
    shares, idiosyncratic, totals = [], [], []
    for fit in fits:
        decomposition = decompose_variance(fit, factors, ddof)
        if method == "euler":
            parts = decomposition.factor_contributions
        else:
            parts = fit.betas**2 * np.var(factors[fit.used], axis=0, ddof=ddof)
        total = decomposition.total_variance
        shares.append(parts / total)
        idiosyncratic.append(decomposition.specific_share)
        totals.append(total)
    return FactorShares(np.array(shares), np.array(idiosyncratic), np.array(totals), method)
