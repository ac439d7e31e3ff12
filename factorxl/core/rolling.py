"""Rolling and expanding factor regressions from windowed sums, without refitting each window.

The estimate on row t uses the window of rows ``t - window + 1 .. t`` (an expanding
window starts at row 0 until it reaches ``window`` rows). Every estimate needs only the
window's count, sums and cross-product sums of ``z = [factors, returns]``, which are
differences of running sums.

Numerical care: running sums over thousands of daily rows would lose digits to
cancellation when two long sums are subtracted. The data are first centered on their
full-sample means, and the running sums restart every ``window`` rows (a periodic exact
recomputation), so each window's sums are assembled from at most two partial sums of at
most ``window`` rows each. The windows' covariances ``S_zz - S_z S_z' / n`` are then solved
together (:func:`factorxl.core.batched_solve.solve_spd`).

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

from factorxl.core.batched_solve import solve_spd
from factorxl.errors import FactorxlError

MISSING_RULES = ("drop", "skip")


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
    def alphas(self) -> np.ndarray:
        return self.params[:, 0]

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

    z = np.column_stack([x, y])
    complete = ~np.isnan(z).any(axis=1)
    if not complete.any():
        raise FactorxlError("no row has the returns and every factor present")
    center = z[complete].mean(axis=0)
    centered = np.where(complete[:, None], z - center, 0.0)
    upper = np.triu_indices(nparams)
    features = np.column_stack([complete, centered, centered[:, upper[0]] * centered[:, upper[1]]])
    sums = windowed_sums(features, window)

    nobs = np.rint(sums[:, 0]).astype(int)
    safe_n = np.maximum(nobs, 1)
    linear = sums[:, 1 : 1 + nparams].T
    means = linear / safe_n
    covariance = np.zeros((nparams, nparams, rows))
    covariance[upper] = sums[:, 1 + nparams :].T - linear[upper[0]] * means[upper[1]]

    eligible = nobs >= min_obs
    if not expanding:
        eligible[: window - 1] = False
    if missing == "skip":
        eligible &= nobs == np.minimum(np.arange(rows) + 1, window)
    covariance = covariance[:, :, eligible]
    # solve_spd reads the lower triangle: transpose the upper one into place
    betas, solvable = solve_spd(covariance[:nfactors, :nfactors].transpose(1, 0, 2), covariance[:nfactors, nfactors])
    rows_solved = np.flatnonzero(eligible)[solvable]
    betas = betas[:, solvable].T

    params = np.full((rows, nparams), np.nan)
    window_means = means[:, rows_solved].T + center
    params[rows_solved, 0] = window_means[:, nfactors] - np.einsum("tk,tk->t", window_means[:, :nfactors], betas)
    params[rows_solved, 1:] = betas
    return RollingFit(params, nobs, window, min_obs, expanding, missing)
