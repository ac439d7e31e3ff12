"""Per-period cross-sectional regressions and the time-series inference on their coefficients.

Two-pass Fama-MacBeth premia and characteristic returns share two steps:

1. one least-squares regression per period, solved here for all periods at once from
   their normal equations ``G_t c_t = m_t`` (``G_t = X_t' W_t X_t``, ``m_t = X_t' W_t y_t``)
   by :func:`factorxl.core.batched_solve.solve_spd`;
2. inference on the series of per-period coefficients ``c_t`` (Fama and MacBeth, 1973):
   the premium is the average ``c = mean_t c_t`` over the periods that could be estimated,
   and its covariance is estimated from the series,

   ``Fama-MacBeth``: ``S_0 / (T (T - 1))`` with ``S_0 = sum_t (c_t - c)(c_t - c)'``
   (the sample covariance of the series over T);

   ``Newey-West``: ``S / (T (T - 1))`` with
   ``S = S_0 + sum_{l=1..L} (1 - l / (L + 1)) (S_l + S_l')`` and
   ``S_l = sum_{t>l} (c_t - c)(c_{t-l} - c)'``, the Bartlett kernel on the series of
   estimated periods (skipped periods are left out, not counted as gaps). With ``L = 0`` it
   equals the Fama-MacBeth covariance. The default ``L`` is ``floor(4 (T / 100) ** (2 / 9))``
   (:func:`factorxl.core.regression.newey_west_lags`).

   This is linearmodels' ``FamaMacBeth`` covariance with ``debiased=True`` (kernel
   ``"bartlett"`` and ``bandwidth=L`` for Newey-West). t statistics use a t distribution
   with ``T - 1`` degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from factorxl.core.batched_solve import solve_spd
from factorxl.core.regression import newey_west_lags
from factorxl.errors import FactorxlError


@dataclass(frozen=True)
class PeriodSolution:
    """Coefficients of one least-squares regression per period.

    Attributes
    ----------
    coefficients : ndarray, shape (T, p)
        NaN rows for periods that could not be estimated.
    too_few : ndarray of bool, shape (T,)
        Periods with fewer observations than parameters.
    collinear : ndarray of bool, shape (T,)
        Periods with enough observations whose regressors are (nearly) collinear.
    """

    coefficients: np.ndarray
    too_few: np.ndarray
    collinear: np.ndarray

    @property
    def estimated(self) -> np.ndarray:
        """Periods with coefficients."""
        return ~(self.too_few | self.collinear)


def solve_periods(gram: np.ndarray, moment: np.ndarray, counts: np.ndarray) -> PeriodSolution:
    """Solve the normal equations of every period at once.

    Parameters
    ----------
    gram : ndarray, shape (T, p, p)
        ``X_t' W_t X_t`` of each period; only the lower triangle is read.
    moment : ndarray, shape (T, p)
        ``X_t' W_t y_t`` of each period.
    counts : ndarray of int, shape (T,)
        Observations in each period; periods with fewer than ``p`` are not solved.
    """
    nparams = gram.shape[1]
    too_few = counts < nparams
    solution, solvable = solve_spd(gram.transpose(1, 2, 0), moment.T)
    coefficients = solution.T
    coefficients[too_few] = np.nan
    return PeriodSolution(coefficients, too_few, ~too_few & ~solvable)


@dataclass(frozen=True)
class PremiaInference:
    """Average of a series of per-period coefficients and its standard errors.

    Attributes
    ----------
    estimates : ndarray, shape (p,)
        Time-series averages over the estimated periods.
    cov_fm, cov_nw : ndarray, shape (p, p)
        Fama-MacBeth and Newey-West covariances of the averages.
    lags : int
        Newey-West lag length used.
    periods : int
        Estimated periods T.
    """

    estimates: np.ndarray
    cov_fm: np.ndarray
    cov_nw: np.ndarray
    lags: int
    periods: int

    @property
    def se_fm(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_fm))

    @property
    def se_nw(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_nw))


def premia_inference(series: np.ndarray, lags: int | None = None) -> PremiaInference:
    """Averages, Fama-MacBeth and Newey-West covariances of a per-period coefficient series.

    Parameters
    ----------
    series : ndarray, shape (T, p)
        One row per period; rows with a NaN (periods not estimated) are left out.
    lags : int, optional
        Newey-West lags (below the number of estimated periods); the Newey-West (1994)
        rule ``floor(4 (T / 100) ** (2 / 9))`` when omitted.

    Raises
    ------
    FactorxlError
        Fewer than two estimated periods, or ``lags`` negative or not below T.
    """
    series = np.asarray(series, dtype=float)
    kept = series[~np.isnan(series).any(axis=1)]
    periods = kept.shape[0]
    if periods < 2:
        raise FactorxlError(
            f"{periods} period(s) could be estimated; averaging premia needs at least 2"
        )
    lag_count = newey_west_lags(periods) if lags is None else lags
    if not 0 <= lag_count < periods:
        raise FactorxlError(f"lags must be from 0 to {periods - 1} (the estimated periods less one); got {lag_count}")
    estimates = kept.mean(axis=0)
    deviations = kept - estimates
    outer = deviations.T @ deviations
    hac = outer.copy()
    for lag in range(1, lag_count + 1):
        cross = deviations[lag:].T @ deviations[:-lag]
        hac += (1.0 - lag / (lag_count + 1.0)) * (cross + cross.T)
    denominator = periods * (periods - 1.0)
    return PremiaInference(estimates, outer / denominator, hac / denominator, lag_count, periods)


def t_test(estimates: np.ndarray, se: np.ndarray, df: int) -> tuple[np.ndarray, np.ndarray]:
    """t statistics and two-sided p-values from a t distribution with ``df`` degrees of freedom."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tvalues = estimates / se
    return tvalues, 2.0 * special.stdtr(df, -np.abs(tvalues))
