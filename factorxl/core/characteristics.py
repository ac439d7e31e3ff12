"""Cross-sectional characteristic regressions: characteristic returns, pure plays, adjusted returns.

On every date the assets' returns are regressed on their characteristics (no time-series
betas: the characteristics are the loadings)::

    R_i = x_i' c + e_i,        c = (X'WX)^-1 X'W R

with ``W`` the regression weights (equal for OLS, for example market caps for WLS) and,
optionally, an intercept column. Before the regression each characteristic is standardized
across the assets of the date (z-score: minus the date's mean, over its standard deviation
with ddof=1, equal-weighted, as in Alan Moreira's "Multi-Factor Models" notebook). Because z-scores have mean zero, with
OLS the slopes are the same with or without an intercept.

The coefficients ``c`` are returns of "pure play" portfolios: the rows of
``(X'WX)^-1 X'W`` are portfolio weights with unit exposure to one characteristic and zero
to the others, and ``c = (X'WX)^-1 X'W R`` exactly. A portfolio with holdings ``h`` has
characteristics ``X'h``; its characteristic-implied return is ``h'X c`` and its
characteristic-adjusted return ``h'R - h'X c``.

Rows with a missing return, characteristic or weight are left out (before standardizing).
Dates with fewer assets than regressors are skipped and counted; a characteristic that is
constant across a date's assets, or characteristics that are collinear on a date, are errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from factorxl.core.premia import solve_periods
from factorxl.errors import FactorxlError

INTERCEPT_NAME = "const"


@dataclass(frozen=True)
class CharacteristicRegressions:
    """One cross-sectional regression per date.

    Attributes
    ----------
    names : tuple of str
        Regressor names (``"const"`` first with an intercept).
    date_labels : tuple of str
    coefficients : ndarray, shape (D, p)
        Characteristic returns per date; NaN rows for skipped dates.
    nobs : ndarray of int, shape (D,)
        Assets used on each date.
    rsquared : ndarray, shape (D,)
        Weighted R-squared, centered with an intercept, uncentered without (statsmodels).
    regressors : ndarray, shape (n, p)
        The (standardized) regressors of every input row; NaN rows for rows left out.
    returns, weights : ndarray, shape (n,)
        The input returns and regression weights (1 for OLS).
    used : ndarray of bool, shape (n,)
        Rows that entered a regression.
    date_index : ndarray of int, shape (n,)
    too_few : ndarray of bool, shape (D,)
        Dates skipped for having fewer assets than regressors.
    """

    names: tuple[str, ...]
    date_labels: tuple[str, ...]
    coefficients: np.ndarray
    nobs: np.ndarray
    rsquared: np.ndarray
    regressors: np.ndarray
    returns: np.ndarray
    weights: np.ndarray
    used: np.ndarray
    date_index: np.ndarray
    too_few: np.ndarray

    def pure_play_weights(self, date: int) -> tuple[np.ndarray, np.ndarray]:
        """Pure-play portfolio weights ``(X'WX)^-1 X'W`` of a date.

        Returns
        -------
        rows : ndarray of int, shape (n_d,)
            The input rows (assets) of the date that were used.
        weights : ndarray, shape (p, n_d)
            Row k holds the weights of regressor k's pure-play portfolio.
        """
        self._require_estimated(date)
        rows = np.flatnonzero(self.used & (self.date_index == date))
        x = self.regressors[rows]
        weighted = x.T * self.weights[rows]
        return rows, np.linalg.solve(weighted @ x, weighted)

    def _require_estimated(self, date: int) -> None:
        if self.too_few[date]:
            raise FactorxlError(
                f"date {self.date_labels[date]} has {self.nobs[date]} usable asset(s), fewer than the "
                f"{len(self.names)} regressors, so it has no regression"
            )

    def portfolio(self, rows: np.ndarray, holdings: np.ndarray) -> "PortfolioCharacteristics":
        """Characteristics, return, implied and adjusted return of a portfolio on each of its dates.

        Parameters
        ----------
        rows : ndarray of int, shape (m,)
            Input rows of the holdings (each an asset on a date).
        holdings : ndarray, shape (m,)
            Portfolio weight of each of those rows.
        """
        rows = np.asarray(rows, dtype=int)
        unused = rows[~self.used[rows]]
        if unused.size:
            raise FactorxlError(
                f"a holding on {self.date_labels[self.date_index[unused[0]]]} has a missing return, "
                "characteristic or weight, so it is not in that date's regression"
            )
        dates, codes = np.unique(self.date_index[rows], return_inverse=True)
        for date in dates:
            self._require_estimated(int(date))
        exposures = np.stack(
            [np.bincount(codes, holdings * self.regressors[rows, k], len(dates)) for k in range(len(self.names))],
            axis=1,
        )
        realized = np.bincount(codes, holdings * self.returns[rows], len(dates))
        implied = np.einsum("dk,dk->d", exposures, self.coefficients[dates])
        return PortfolioCharacteristics(dates, exposures, realized, implied)


@dataclass(frozen=True)
class PortfolioCharacteristics:
    """A portfolio's characteristics and characteristic-adjusted returns on its dates.

    Attributes
    ----------
    dates : ndarray of int, shape (H,)
        Date positions (in :attr:`CharacteristicRegressions.date_labels`).
    exposures : ndarray, shape (H, p)
        Holdings-weighted regressors ``X'h``.
    returns, implied : ndarray, shape (H,)
        Realized ``h'R`` and characteristic-implied ``h'X c`` returns.
    """

    dates: np.ndarray
    exposures: np.ndarray
    returns: np.ndarray
    implied: np.ndarray

    @property
    def adjusted(self) -> np.ndarray:
        """Characteristic-adjusted returns ``h'R - h'X c``."""
        return self.returns - self.implied


def _by_date(values: np.ndarray, date_index: np.ndarray, ndates: int) -> np.ndarray:
    """Column sums of ``values`` (shape (n, m)) per date, shape (ndates, m)."""
    return np.stack([np.bincount(date_index, column, ndates) for column in values.T], axis=1)


def standardize_by_date(
    values: np.ndarray,
    date_index: np.ndarray,
    ndates: int,
    names: Sequence[str],
    date_labels: Sequence[str],
    check: np.ndarray | None = None,
) -> np.ndarray:
    """Z-score each column across the rows of each date (ddof=1).

    Parameters
    ----------
    values : ndarray, shape (n, C)
        No missing values.
    date_index : ndarray of int, shape (n,)
    ndates : int
    names, date_labels : sequence of str
        For error messages.
    check : ndarray of bool, shape (ndates,), optional
        Dates on which a constant column is an error (default all). On other dates a
        constant column gives NaN.

    Raises
    ------
    FactorxlError
        A column that is constant across the rows of a checked date.
    """
    counts = np.bincount(date_index, minlength=ndates)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = _by_date(values, date_index, ndates) / counts[:, None]
        deviations = values - means[date_index]
        spread = np.sqrt(_by_date(deviations**2, date_index, ndates) / (counts[:, None] - 1))
    order = np.argsort(date_index, kind="stable")
    starts = np.searchsorted(date_index[order], np.arange(ndates))
    present = counts > 0
    constant = np.zeros((ndates, values.shape[1]), dtype=bool)
    sorted_values = values[order]
    constant[present] = (
        np.maximum.reduceat(sorted_values, starts[present]) == np.minimum.reduceat(sorted_values, starts[present])
    )
    constant &= (counts >= 2)[:, None]
    flagged = constant & (np.ones(ndates, dtype=bool) if check is None else check)[:, None]
    if flagged.any():
        date, column = (int(i) for i in np.argwhere(flagged)[0])
        raise FactorxlError(
            f"characteristic {names[column]} is constant across the {counts[date]} assets of "
            f"{date_labels[date]}, so it cannot be standardized; drop it or set standardize to FALSE"
        )
    spread[constant] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return deviations / spread[date_index]


def characteristic_regressions(
    returns: np.ndarray,
    characteristics: np.ndarray,
    date_index: np.ndarray,
    ndates: int,
    *,
    weights: np.ndarray | None = None,
    intercept: bool = False,
    standardize: bool = True,
    names: Sequence[str] | None = None,
    date_labels: Sequence[str] | None = None,
) -> CharacteristicRegressions:
    """Regress returns on characteristics date by date (see the module notes).

    Parameters
    ----------
    returns : ndarray, shape (n,)
        One row per (date, asset).
    characteristics : ndarray, shape (n, C)
    date_index : ndarray of int, shape (n,)
        Date position of each row, from 0 to ``ndates - 1``.
    ndates : int
    weights : ndarray, shape (n,), optional
        Positive regression weights (WLS); equal weights (OLS) when omitted.
    intercept : bool
        Add a constant regressor.
    standardize : bool
        Z-score each characteristic by date before the regression.
    names, date_labels : sequence of str, optional
        Characteristic names and date labels for results and messages.

    Raises
    ------
    FactorxlError
        Mismatched lengths, non-positive weights, no date with enough assets, a constant
        characteristic on a date (when standardizing), or collinear characteristics.
    """
    y = np.asarray(returns, dtype=float).ravel()
    chars = np.asarray(characteristics, dtype=float)
    chars = chars[:, None] if chars.ndim == 1 else chars
    date_index = np.asarray(date_index, dtype=int)
    nrows, nchars = chars.shape
    if y.size != nrows or date_index.size != nrows:
        raise FactorxlError(f"returns has {y.size} rows, characteristics {nrows} and dates {date_index.size}")
    names = tuple(names or (f"x{j + 1}" for j in range(nchars)))
    date_labels = tuple(date_labels or (str(d) for d in range(ndates)))
    w = np.ones(nrows) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.size != nrows:
        raise FactorxlError(f"weights has {w.size} rows but returns has {nrows}")
    if (w <= 0).any():
        raise FactorxlError(f"regression weights must be positive; row {int(np.flatnonzero(w <= 0)[0]) + 1} has {w[w <= 0][0]:g}")
    used = ~(np.isnan(y) | np.isnan(chars).any(axis=1) | np.isnan(w))
    regressor_names = ((INTERCEPT_NAME,) if intercept else ()) + names
    nparams = len(regressor_names)
    nobs = np.bincount(date_index[used], minlength=ndates)
    too_few = nobs < nparams
    if too_few.all():
        raise FactorxlError(
            f"no date has at least {nparams} assets with a return and every characteristic "
            f"(the most on one date is {nobs.max()})"
        )

    x = chars[used]
    if standardize:
        x = standardize_by_date(x, date_index[used], ndates, names, date_labels, check=~too_few)
    if intercept:
        x = np.column_stack([np.ones(x.shape[0]), x])
    dates, wu, yu = date_index[used], w[used], y[used]
    # rows of dates that are skipped may hold NaN z-scores; keep them out of the sums
    active = ~too_few[dates]
    xa, da, wa, ya = x[active], dates[active], wu[active], yu[active]
    lower = np.tril_indices(nparams)  # the solver reads the lower triangle only
    gram = np.zeros((ndates, nparams, nparams))
    gram[:, lower[0], lower[1]] = _by_date(wa[:, None] * xa[:, lower[0]] * xa[:, lower[1]], da, ndates)
    solution = solve_periods(gram, _by_date(xa * (wa * ya)[:, None], da, ndates), nobs)
    if solution.collinear.any():
        raise FactorxlError(
            f"the characteristics are collinear across the assets of {date_labels[int(np.flatnonzero(solution.collinear)[0])]}"
            + ("" if not intercept or standardize else " (a characteristic constant on that date is collinear with the intercept)")
            + "; remove one"
        )
    coefficients = solution.coefficients

    resid = ya - np.einsum("ik,ik->i", xa, coefficients[da])
    ssr = np.bincount(da, wa * resid**2, ndates)
    if intercept:
        weighted_mean = np.bincount(da, wa * ya, ndates) / np.bincount(da, wa, ndates)
        tss = np.bincount(da, wa * (ya - weighted_mean[da]) ** 2, ndates)
    else:
        tss = np.bincount(da, wa * ya**2, ndates)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = np.where(too_few, np.nan, 1.0 - ssr / tss)

    regressors = np.full((nrows, nparams), np.nan)
    regressors[used] = x
    return CharacteristicRegressions(
        names=regressor_names,
        date_labels=date_labels,
        coefficients=coefficients,
        nobs=nobs,
        rsquared=rsquared,
        regressors=regressors,
        returns=y,
        weights=w,
        used=used & ~too_few[date_index],
        date_index=date_index,
        too_few=too_few,
    )
