"""Correlated factor stress tests.

A shock ``s = n * sigma_k`` to factor k moves the other factors by their conditional
expectation under a joint normal distribution with covariance ``F``:

``E[f | f_k = s] = F[:, k] / F[k, k] * s``

A portfolio with factor exposures ``x`` then changes in value by ``x' E[f | f_k = s]``
(the correlated impact) instead of ``x_k s`` (the naive impact, only factor k moving).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.risk_model import check_covariance
from factorxl.errors import FactorxlError


@dataclass(frozen=True)
class StressResult:
    """A one-factor shock propagated through the factor covariance.

    Attributes
    ----------
    factor : int
        Position of the shocked factor.
    shock : float
        The shock in return units (``sigmas * vol``).
    moves : ndarray, shape (K,)
        Conditional expected move of every factor (the shocked one moves by ``shock``).
    contributions : ndarray, shape (K, P)
        ``x_k * move_k`` for each portfolio (column).
    """

    factor: int
    shock: float
    moves: np.ndarray
    contributions: np.ndarray

    @property
    def correlated_impact(self) -> np.ndarray:
        """``x' moves`` for each portfolio, shape (P,)."""
        return self.contributions.sum(axis=0)

    @property
    def naive_impact(self) -> np.ndarray:
        """``x_k * shock`` for each portfolio, shape (P,)."""
        return self.contributions[self.factor]


def stress_test(
    factor_cov: np.ndarray,
    factor: int,
    sigmas: float,
    exposures: np.ndarray,
    factor_names: Sequence[str] | None = None,
) -> StressResult:
    """Shock factor ``factor`` by ``sigmas`` standard deviations.

    Parameters
    ----------
    factor_cov : ndarray, shape (K, K)
    factor : int
        Position of the shocked factor (0-based).
    sigmas : float
        Size of the shock in standard deviations (negative for a fall).
    exposures : ndarray, shape (K,) or (K, P)
        Factor exposures of one or several portfolios (columns).
    factor_names : sequence of str, optional
        The K factor names, used in error messages about ``factor_cov``.

    Raises
    ------
    FactorxlError
        If the covariance is invalid, the factor is out of range or has zero variance, or
        the exposures have the wrong number of factors.
    """
    factor_cov = check_covariance(factor_cov, "factor_covariance", factor_names)
    k = factor_cov.shape[0]
    if not 0 <= factor < k:
        raise FactorxlError(f"factor must be between 1 and {k}; got {factor + 1}")
    variance = factor_cov[factor, factor]
    if not variance > 0:
        raise FactorxlError(f"factor {factor + 1} has zero variance; a shock in standard deviations is undefined")
    x = np.asarray(exposures, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    if x.shape[0] != k:
        raise FactorxlError(f"exposures have {x.shape[0]} factors but factor_covariance has {k}")
    shock = sigmas * float(np.sqrt(variance))
    moves = factor_cov[:, factor] / variance * shock
    return StressResult(factor=factor, shock=shock, moves=moves, contributions=x * moves[:, None])
