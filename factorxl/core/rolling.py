"""Rolling and expanding factor regressions from windowed sums, without refitting each window.

The estimate on row t uses the window of rows ``t - window + 1 .. t`` (an expanding
window starts at row 0 until it reaches ``window`` rows). Every estimate needs only the
window's count, sums and cross-product sums of ``z = [factors, returns]``, which are
differences of running sums.

Numerical care: running sums over thousands of daily rows would lose digits to
cancellation when two long sums are subtracted. The data are first centered on their
full-sample means, and the running sums restart every ``window`` rows (a periodic exact
recomputation), so each window's sums are assembled from at most two partial sums of at
most ``window`` rows each. The windows are solved together
(:func:`factorxl.core.batched_solve.slopes_from_sums`) in chunks of ``CHUNK_ROWS`` rows, each
chunk's sums computed from its own rows and the ``window - 1`` rows before them, so memory
stays bounded by the chunk's size while the work is the same.

Missing values (NaN in the returns or any factor), following statsmodels' ``RollingOLS``:

``"drop"``
    each window uses its complete rows and is estimated when there are at least
    ``min_obs`` of them;
``"skip"``
    a window that contains any incomplete row is not estimated.

Windows whose factors are constant or collinear are not estimated (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.core.batched_solve import slopes_from_sums
from factorxl.errors import FactorxlError

MISSING_RULES = ("drop", "skip")
CHUNK_ROWS = 4096  # output rows computed together: memory grows with the chunk (and window), not with T


@dataclass(frozen=True)
class RollingFit:
    """Rolling or expanding OLS of one asset on a constant and K factors.

    Attributes
    ----------
    params : ndarray, shape (T, K + 1)
        ``[alpha, beta_1, ..., beta_K]`` of the window ending on each row; NaN where the
        window is not estimated (before the first full window, too few observations, a
        missing value under ``"skip"``, collinear factors).
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

    Running sums restart every ``window`` rows, so every result is the difference or sum of
    at most two partial sums over ``window`` rows or fewer.
    """
    rows, width = values.shape
    blocks = -(-rows // window)
    padded = np.zeros((blocks, window, width))
    padded.reshape(-1, width)[:rows] = values
    partial = np.add.accumulate(padded, axis=1)
    # row r of block b: its own block's running sum plus the tail of block b - 1 after row r
    sums = partial.copy()
    sums[1:] += partial[:-1, -1:, :] - partial[:-1]
    return sums.reshape(-1, width)[:rows]


def _window_sums(
    y: np.ndarray, x: np.ndarray, complete: np.ndarray, center_x: np.ndarray, center_y: float, window: int
) -> np.ndarray:
    """Count, sums and cross-product sums of the centered complete rows of each row's window (one row per quantity)."""
    nfactors = x.shape[1]
    xc = np.where(complete[:, None], x - center_x, 0.0)
    yc = np.where(complete, y - center_y, 0.0)
    lower = np.tril_indices(nfactors)
    features = np.column_stack([complete, xc, yc, xc[:, lower[0]] * xc[:, lower[1]], xc * yc[:, None]])
    return windowed_sums(features, window).T


def _solve_windows(sums: np.ndarray, nfactors: int, center_x: np.ndarray, center_y: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intercepts and slopes of the windows whose sums are given; also which of them were solvable."""
    count, sum_x, sum_y = sums[0], sums[1 : 1 + nfactors], sums[1 + nfactors]
    lower = np.tril_indices(nfactors)
    sum_xx = np.zeros((nfactors, nfactors, count.size))
    sum_xx[lower] = sums[2 + nfactors : 2 + nfactors + lower[0].size]
    slopes, solvable = slopes_from_sums(count, sum_x, sum_y, sum_xx, sums[-nfactors:])
    slopes, count = slopes[:, solvable], count[solvable]
    mean_x = sum_x[:, solvable] / count + center_x[:, None]
    mean_y = sum_y[solvable] / count + center_y
    return np.flatnonzero(solvable), mean_y - np.einsum("kb,kb->b", mean_x, slopes), slopes


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
        raise FactorxlError(f"missing must be one of {', '.join(MISSING_RULES)}; got {missing!r}")
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
    center_x, center_y = x[complete].mean(axis=0), y[complete].mean()
    params = np.full((rows, nparams), np.nan)
    nobs = np.zeros(rows, dtype=int)
    chunk = max(CHUNK_ROWS, window)
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
        solved, alpha, slopes = _solve_windows(sums[:, eligible], nfactors, center_x, center_y)
        rows_solved = start + np.flatnonzero(eligible)[solved]
        params[rows_solved, 0] = alpha
        params[rows_solved, 1:] = slopes.T
    return RollingFit(params, nobs, window, min_obs, expanding, missing)
