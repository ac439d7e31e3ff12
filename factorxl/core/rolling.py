"""Rolling and expanding factor regressions, every window as accurate as a regression on its rows alone.

The estimate on row t uses the window of rows ``t - window + 1 .. t`` (an expanding
window starts at row 0 until it reaches ``window`` rows). Most windows are solved from their
count, sums and cross-product sums of ``z = [factors, returns]``, without refitting each one:

* a window's sums add exactly its own rows. Time is cut into blocks of ``window`` rows, and a
  window ending on row r of a block is the running sum of that block up to r plus the sum of
  the block before it after r, summed from its end: no sum is ever taken back out, so a value
  outside a window (a missing-value code such as 99,999) cannot spoil it.
* the data are first centred on the medians of the complete rows, which one value far from
  the others does not move, so the sums lose no digits to cancellation for windows near
  them.
* the windows are solved together in chunks of ``CHUNK_ROWS`` rows
  (:func:`factorxl.core.batched_solve.slopes_from_sums`), so memory stays bounded by the chunk.

A window solved from its sums carries the rounding of its centred sums (more when its mean
is far from the medians) amplified by the condition number of its factors' correlation
matrix (the normal equations square the condition of the factors). Where that bound exceeds
:data:`factorxl.core.batched_solve.ROUNDING_LIMIT` units of rounding, the window is solved again from its rows by the
least-squares solver of :func:`factorxl.core.regression.ols`, and refused by the same rules
(:func:`factorxl.core.regression.constant_factors`, :func:`factorxl.core.regression.collinear`,
constant returns): a window is estimated exactly when ``ols`` on its rows would be.

Missing values (NaN in the returns or any factor), following statsmodels' ``RollingOLS``:

``"drop"``
    each window uses its complete rows and is estimated when there are at least
    ``min_obs`` of them;
``"skip"``
    a window that contains any incomplete row is not estimated.

Windows whose factors are constant or collinear, or whose returns are constant, are not
estimated (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.core.batched_solve import slopes_from_sums
from factorxl.core.regression import collinear, constant_factors, least_squares
from factorxl.errors import FactorxlError, quoted

MISSING_RULES = ("drop", "skip")
CHUNK_ROWS = 4096  # output rows computed together: memory grows with the chunk (and window), not with T
RECOMPUTED_VALUES = 2**20  # window cells (windows x rows x factors) solved from their rows at once


@dataclass(frozen=True)
class RollingFit:
    """Rolling or expanding OLS of one asset on a constant and K factors.

    Attributes
    ----------
    params : ndarray, shape (T, K + 1)
        ``[alpha, beta_1, ..., beta_K]`` of the window ending on each row; NaN where the
        window is not estimated (before the first full window, too few observations, a
        missing value under ``"skip"``, constant or collinear factors, constant returns).
    nobs : ndarray of int, shape (T,)
        Complete rows in each window.
    window, min_obs : int
    expanding : bool
    missing : str
    """

    params: np.ndarray
    nobs: np.ndarray
    window: int
    min_obs: int
    expanding: bool
    missing: str

    @property
    def betas(self) -> np.ndarray:
        return self.params[:, 1:]


def windowed_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sum of each row's trailing window of rows ``max(0, t - window + 1) .. t``.

    Time is cut into blocks of ``window`` rows; row r of a block sums its own block's rows up
    to r and the rows of the block before after r (a running sum from the block's end), so
    every result adds exactly the rows of its window and nothing is subtracted.
    """
    rows, width = values.shape
    blocks = -(-rows // window)
    padded = np.zeros((blocks, window, width))
    padded.reshape(-1, width)[:rows] = values
    sums = np.add.accumulate(padded, axis=1)
    from_end = np.add.accumulate(padded[:, ::-1], axis=1)[:, ::-1]
    sums[1:, :-1] += from_end[:-1, 1:]  # row r of block b: the rows r + 1 .. of block b - 1
    return sums.reshape(-1, width)[:rows]


def _window_sums(y: np.ndarray, x: np.ndarray, complete: np.ndarray, center_x: np.ndarray, center_y: float, window: int) -> np.ndarray:
    """Count, sums and cross-product sums of the centred complete rows of each row's window (one row per quantity):
    ``n, x (K), y, x_i x_j (lower triangle), x y (K), y^2``."""
    nfactors = x.shape[1]
    xc = np.where(complete[:, None], x - center_x, 0.0)
    yc = np.where(complete, y - center_y, 0.0)
    lower = np.tril_indices(nfactors)
    features = np.column_stack([complete, xc, yc, xc[:, lower[0]] * xc[:, lower[1]], xc * yc[:, None], yc * yc])
    return windowed_sums(features, window).T


def _solve_from_sums(sums: np.ndarray, nfactors: int, center_x: np.ndarray, center_y: float):
    """Intercepts and slopes of windows from their sums (:func:`_window_sums`), and which windows they
    can be trusted for (:func:`factorxl.core.batched_solve.slopes_from_sums`)."""
    count, sum_x, sum_y = sums[0], sums[1 : 1 + nfactors], sums[1 + nfactors]
    lower = np.tril_indices(nfactors)
    sum_xx = np.zeros((nfactors, nfactors, count.size))
    sum_xx[lower] = sums[2 + nfactors : 2 + nfactors + lower[0].size]
    slopes, trusted = slopes_from_sums(count, sum_x, sum_y, sum_xx, sums[-1 - nfactors : -1], sums[-1], center_x)
    with np.errstate(invalid="ignore"):
        alpha = sum_y / count + center_y - np.einsum("kb,kb->b", sum_x / count + center_x[:, None], slopes)
    return alpha, slopes, trusted


def _solve_from_rows(y: np.ndarray, x: np.ndarray, complete: np.ndarray, ends: np.ndarray, window: int) -> np.ndarray:
    """``[alpha, betas]`` (shape (B, K + 1)) of the windows ending on rows ``ends``, each solved from its own
    complete rows as :func:`factorxl.core.regression.ols` solves a regression; NaN where ``ols`` would refuse it."""
    rows = ends[:, None] - np.arange(window - 1, -1, -1)  # (B, window); negative before the first row
    used = (rows >= 0) & complete[np.maximum(rows, 0)]
    rows = np.maximum(rows, 0)
    count = used.sum(axis=1)
    xw = np.where(used[:, :, None], x[rows], 0.0)
    yw = np.where(used, y[rows], 0.0)
    mean_x = xw.sum(axis=1) / count[:, None]
    mean_y = yw.sum(axis=1) / count
    centred = np.where(used[:, :, None], xw - mean_x[:, None, :], 0.0)
    responses = np.where(used, yw - mean_y[:, None], 0.0)[:, :, None]
    spread = np.sqrt(np.einsum("bnk,bnk->bk", centred, centred))
    returns_vary = np.where(used, yw, -np.inf).max(axis=1) > np.where(used, yw, np.inf).min(axis=1)
    returns_vary &= np.einsum("bni,bni->b", responses, responses) > 0
    factors_vary = ~constant_factors(spread, np.sqrt(count)[:, None] * np.abs(mean_x) + spread).any(axis=1)
    varying = np.flatnonzero(returns_vary & factors_vary)
    scaled = centred[varying] / spread[varying, None, :]
    correlation = scaled.swapaxes(1, 2) @ scaled
    eigenvalues = np.linalg.eigvalsh(correlation)
    independent = ~collinear(eigenvalues)
    solved = varying[independent]
    params = np.full((ends.size, x.shape[1] + 1), np.nan)
    if solved.size:
        slopes = least_squares(centred[solved], responses[solved], spread[solved], correlation[independent], eigenvalues[independent])[0][:, :, 0]
        params[solved, 1:] = slopes
        params[solved, 0] = mean_y[solved] - np.einsum("bk,bk->b", mean_x[solved], slopes)
    return params


def rolling_ols(
    returns: np.ndarray,
    factors: np.ndarray,
    window: int,
    *,
    min_obs: int | None = None,
    expanding: bool = False,
    missing: str = "drop",
) -> RollingFit:
    """Rolling (or expanding) regression of one asset on a constant and the factors.

    Parameters
    ----------
    returns : array_like, shape (T,)
        The asset's returns; NaN marks a missing value.
    factors : array_like, shape (T,) or (T, K)
        Factor returns on the same rows.
    window : int
        Rows in each window (at most T).
    min_obs : int, optional
        Fewest complete rows a window needs, from K + 1 to ``window``; default K + 1
        (statsmodels' default).
    expanding : bool
        Also estimate the first rows with an expanding window until ``window`` rows are
        available.
    missing : {"drop", "skip"}
        Missing-value rule (see the module notes).

    Raises
    ------
    FactorxlError
        Mismatched lengths, a window longer than the data or too short for the
        parameters, an invalid ``min_obs`` or missing-value rule.
    """
    y = np.asarray(returns, dtype=float).ravel()
    x = np.asarray(factors, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    rows, nfactors = x.shape
    if y.size != rows:
        raise FactorxlError(f"returns has {y.size} rows but factors has {rows}")
    if missing not in MISSING_RULES:
        raise FactorxlError(f"missing must be one of {', '.join(quoted(c) for c in MISSING_RULES)}; got {quoted(missing)}")
    nparams = nfactors + 1
    if window > rows:
        raise FactorxlError(f"window {window} is longer than the data ({rows} rows)")
    if window < nparams:
        raise FactorxlError(f"window {window} is too short: a regression on {nfactors} factor(s) needs at least {nparams} rows")
    min_obs = nparams if min_obs is None else min_obs
    if not nparams <= min_obs <= window:
        raise FactorxlError(f"min_obs must be from {nparams} (the parameters) to the window {window}; got {min_obs}")

    complete = ~(np.isnan(y) | np.isnan(x).any(axis=1))
    if not complete.any():
        raise FactorxlError("no row has the returns and every factor present")
    center_x = np.array([np.median(x[complete, k]) for k in range(nfactors)])
    center_y = float(np.median(y[complete]))
    params = np.full((rows, nparams), np.nan)
    nobs = np.zeros(rows, dtype=int)
    chunk = max(CHUNK_ROWS, window)
    recompute = []
    for start in range(0, rows, chunk):
        stop = min(start + chunk, rows)
        first = max(0, start - window + 1)  # the rows the chunk's windows reach back to
        sums = _window_sums(y[first:stop], x[first:stop], complete[first:stop], center_x, center_y, window)[:, start - first :]
        nobs[start:stop] = np.rint(sums[0]).astype(int)
        eligible = nobs[start:stop] >= min_obs
        row_numbers = np.arange(start, stop)
        if not expanding:
            eligible &= row_numbers >= window - 1
        if missing == "skip":
            eligible &= nobs[start:stop] == np.minimum(row_numbers + 1, window)
        alpha, slopes, trusted = _solve_from_sums(sums[:, eligible], nfactors, center_x, center_y)
        estimated = row_numbers[eligible]
        params[estimated[trusted], 0] = alpha[trusted]
        params[estimated[trusted], 1:] = slopes[:, trusted].T
        recompute.append(estimated[~trusted])
    ends = np.concatenate(recompute)
    step = max(1, RECOMPUTED_VALUES // (window * nparams))
    for part in range(0, ends.size, step):
        batch = ends[part : part + step]
        params[batch] = _solve_from_rows(y, x, complete, batch, window)
    return RollingFit(params, nobs, window, min_obs, expanding, missing)
