"""Hedging factor exposures with instruments (futures) that have their own exposure vectors.

Per $1 of portfolio with exposures ``x_p``, notionals ``h`` in instruments with exposure
columns ``H`` (K x M) give ``x_p + H h``. Zeroing M chosen exposures solves the M x M
system ``H[S, :] h = -x_p[S]``. The minimum-variance hedge with one instrument ``x_h``
is ``h = -x_p'F x_h / x_h'F x_h`` (minus the portfolio's beta to the instrument).

The instruments are assumed to carry no specific risk, so the hedged portfolio keeps
its own specific variance ``w' Delta w``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.regression import COLLINEARITY_TOLERANCE, collinear
from factorxl.core.risk_model import check_covariance
from factorxl.core.variance import RiskReport, exposure_report
from factorxl.errors import FactorxlError


@dataclass(frozen=True)
class HedgeResult:
    """A hedged portfolio.

    Attributes
    ----------
    notionals : ndarray, shape (M,)
        Notional of each instrument per $1 of portfolio (negative = short).
    before, after : RiskReport
        The portfolio's exposures and factor, specific and total risk before and after
        the hedge (the specific variance is the same in both).
    """

    notionals: np.ndarray
    before: RiskReport
    after: RiskReport


def _prepare(
    exposures: np.ndarray,
    instruments: np.ndarray,
    factor_cov: np.ndarray,
    specific_vol: float,
    factor_names: Sequence[str] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(exposures, dtype=float).ravel()
    h = np.asarray(instruments, dtype=float)
    h = h[:, None] if h.ndim == 1 else h
    factor_cov = check_covariance(factor_cov, "factor_covariance", factor_names)
    k = factor_cov.shape[0]
    if x.size != k or h.shape[0] != k:
        raise FactorxlError(
            f"factor_covariance has {k} factors but portfolio_exposures has {x.size} and "
            f"instrument_exposures {h.shape[0]}"
        )
    if np.isnan(x).any() or np.isnan(h).any():
        raise FactorxlError("portfolio_exposures and instrument_exposures must not have missing values")
    if not specific_vol >= 0:
        raise FactorxlError(f"specific_vol must be non-negative; got {specific_vol:g}")
    return x, h, factor_cov


def _hedge(x: np.ndarray, h: np.ndarray, factor_cov: np.ndarray, notionals: np.ndarray, specific_vol: float) -> HedgeResult:
    specific_variance = specific_vol**2
    return HedgeResult(
        notionals=notionals,
        before=exposure_report(x, factor_cov, specific_variance),
        after=exposure_report(x + h @ notionals, factor_cov, specific_variance),
    )


def neutralizing_hedge(
    exposures: np.ndarray,
    instruments: np.ndarray,
    factors: Sequence[int],
    factor_cov: np.ndarray,
    specific_vol: float,
    factor_names: Sequence[str] | None = None,
) -> HedgeResult:
    """Notionals that zero the exposures to ``factors`` (one instrument per factor).

    Parameters
    ----------
    exposures : ndarray, shape (K,)
        Portfolio factor exposures.
    instruments : ndarray, shape (K, M)
        Each column is one instrument's factor exposures.
    factors : sequence of int, length M
        Positions of the exposures to zero.
    factor_cov : ndarray, shape (K, K)
    specific_vol : float
        The portfolio's specific volatility (kept by the hedge).
    factor_names : sequence of str, optional
        The K factor names, used in error messages about ``factor_cov``.

    Raises
    ------
    FactorxlError
        If the counts of instruments and factors differ, or the instruments cannot move the
        chosen exposures independently: the system's instrument columns, brought to unit length,
        are collinear by the rule of :func:`~factorxl.core.regression.collinear` (the smallest
        squared singular value at most :data:`~factorxl.core.regression.COLLINEARITY_TOLERANCE` of
        the largest): instruments in nearly the same proportions, whose notionals would be large
        offsetting positions that a change in the exposures' sixth digit overturns.
    """
    x, h, factor_cov = _prepare(exposures, instruments, factor_cov, specific_vol, factor_names)
    factors = list(factors)
    if len(factors) != h.shape[1]:
        raise FactorxlError(
            f"{h.shape[1]} instrument(s) can zero exactly {h.shape[1]} exposure(s); {len(factors)} factor(s) were chosen"
        )
    if len(set(factors)) != len(factors):
        raise FactorxlError("hedge_factors names the same factor twice")
    system = h[factors, :]
    lengths = np.linalg.norm(system, axis=0)
    singular = np.linalg.svd(system / np.where(lengths > 0, lengths, 1.0), compute_uv=False)
    if collinear(singular[::-1] ** 2):
        raise FactorxlError(
            "the instruments' exposures to the chosen factors are linearly dependent, or nearly (by the collinearity "
            "rule); no hedge zeroes them all: choose instruments whose exposures to those factors are not in (nearly) "
            "the same proportions"
        )
    return _hedge(x, h, factor_cov, np.linalg.solve(system, -x[factors]), specific_vol)


def _largest_variance(instrument: np.ndarray, factor_cov: np.ndarray) -> float:
    """``|s|^2`` times the largest eigenvalue of the factors' correlation matrix, with ``s`` the
    instrument's exposures times its factors' volatilities (factors without variance left out): the
    largest variance exposures of those sizes can have under these correlations."""
    vols = np.sqrt(np.diagonal(factor_cov))
    moving = vols > 0
    if not moving.any():
        return 0.0
    sizes = instrument[moving] * vols[moving]
    correlation = factor_cov[np.ix_(moving, moving)] / np.outer(vols[moving], vols[moving])
    return float(sizes @ sizes * np.linalg.eigvalsh(correlation)[-1])


def min_variance_hedge(
    exposures: np.ndarray,
    instrument: np.ndarray,
    factor_cov: np.ndarray,
    specific_vol: float,
    factor_names: Sequence[str] | None = None,
) -> HedgeResult:
    """The single-instrument hedge minimizing the hedged variance: ``h = -x_p'F x_h / x_h'F x_h``.

    Parameters
    ----------
    exposures : ndarray, shape (K,)
        Portfolio factor exposures.
    instrument : ndarray, shape (K,) or (K, 1)
        The instrument's factor exposures.
    factor_cov : ndarray, shape (K, K)
    specific_vol : float
        The portfolio's specific volatility (kept by the hedge).
    factor_names : sequence of str, optional
        The K factor names, used in error messages about ``factor_cov``.

    Raises
    ------
    FactorxlError
        If the instrument has no factor variance beyond rounding: its variance is at most
        :data:`~factorxl.core.regression.COLLINEARITY_TOLERANCE` of the largest its exposures
        could have under the factors' correlations (the collinearity rule on the factors' correlation
        matrix, with each exposure in units of its factor's volatility). Below that the variance,
        the hedge's divisor, is the rounding of the covariance's last digits.
    """
    x, h, factor_cov = _prepare(exposures, instrument, factor_cov, specific_vol, factor_names)
    if h.shape[1] != 1:
        raise FactorxlError(f"the minimum-variance hedge uses one instrument; got {h.shape[1]}")
    h = h[:, 0]
    variance = float(h @ factor_cov @ h)
    if not variance > COLLINEARITY_TOLERANCE * _largest_variance(h, factor_cov):
        raise FactorxlError(
            "the instrument has no factor variance beyond rounding (its exposures are a combination the factor "
            "covariance gives no variance); it cannot hedge"
        )
    return _hedge(x, h[:, None], factor_cov, np.array([-(x @ factor_cov @ h) / variance]), specific_vol)
