"""Time-series factor regressions: OLS with an intercept and classical or robust errors.

The estimator is ordinary least squares of each asset's returns on a constant and K
factors (or on the K factors alone, through the origin, with ``intercept=False``). The
slopes are solved from the factors centred on their means (not centred through the origin)
and scaled to unit length, and the intercept follows from the means, so precision depends
neither on a factor's mean nor on its scale. A factor that does not vary on the rows used,
and factors that are linearly dependent, are reported by name. When the factors explain the
returns exactly (the residual variance is zero relative to the returns' variation) the
residuals are exactly zero and the statistics that divide by the residual variance
(t statistics, p-values, confidence bounds) are not defined.
Covariance types follow statsmodels' definitions exactly:

``classical``
    ``s^2 (X'X)^-1`` with ``s^2 = SSR / (n - K - 1)``; t distribution with
    ``n - K - 1`` degrees of freedom for p-values and confidence intervals.
``hc0`` .. ``hc3``
    White's heteroskedasticity-robust sandwich and its MacKinnon-White variants.
``hac``
    Newey-West: Bartlett kernel with weights ``1 - l / (L + 1)``, no small-sample
    correction. When ``lags`` is not given, ``L = floor(4 (n / 100) ** (2 / 9))``
    (Newey and West, 1994).

Robust covariance types use the normal distribution for p-values and confidence
intervals, as statsmodels does by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import special

from factorxl.errors import FactorxlError

COV_TYPES = ("classical", "hc0", "hc1", "hc2", "hc3", "hac")
COLLINEARITY_TOLERANCE = 1e-10  # smallest eigenvalue of the factors' correlation matrix
CONSTANT_TOLERANCE = 1e-12  # a factor's spread about its mean, relative to its size, below which it is constant
SQUARES_RANGE = (1e-200, 1e200)  # sums of squares inside this range have lost no digits to underflow
LEVERAGE_TOLERANCE = 1e-10  # a leverage within this of 1 makes HC2/HC3 weights infinite
EXACT_FIT_TOLERANCE = 1e-24  # SSR / TSS at or below which the factors explain the returns exactly


def newey_west_lags(nobs: int) -> int:
    """Automatic HAC lag length ``floor(4 (n / 100) ** (2 / 9))`` (Newey-West, 1994)."""
    return int(np.floor(4.0 * (nobs / 100.0) ** (2.0 / 9.0)))


@dataclass(frozen=True)
class RegressionResult:
    """OLS of one asset on a constant and K factors (or on the factors alone).

    Parameters are ordered ``[alpha, beta_1, ..., beta_K]``, or ``[beta_1, ..., beta_K]``
    without an intercept.

    Attributes
    ----------
    params, bse, tvalues, pvalues : ndarray, shape (K + 1,)
        Coefficients, standard errors, t statistics and two-sided p-values.
    conf_int : ndarray, shape (K + 1, 2)
        Lower and upper confidence bounds at ``conf_level``.
    cov_params : ndarray, shape (K + 1, K + 1)
        Covariance matrix of the coefficients under ``cov_type``.
    rsquared, rsquared_adj : float
        R-squared and its degrees-of-freedom adjustment: centered with an intercept,
        uncentered (total sum of squares ``y'y``) without one, as statsmodels computes them.
    nobs, df_resid : int
        Observations used and residual degrees of freedom ``nobs - K - 1`` (``nobs - K``
        without an intercept).
    resid, fitted : ndarray, shape (nobs,)
        Residuals and fitted values on the rows used (residuals exactly zero for an exact fit).
    used : ndarray of bool, shape (T,)
        Which input rows were used (both the asset and every factor present).
    cov_type : str
        One of :data:`COV_TYPES`.
    lags : int or None
        HAC lag length (``None`` unless ``cov_type == "hac"``).
    conf_level : float
        Confidence level of ``conf_int``.
    intercept : bool
        Whether the regression has a constant (``params[0]`` is then alpha).
    asset : str
        The asset's label, for messages.
    exact_fit : bool
        The factors explain the returns exactly: the residual variance is zero, so the
        standard errors are zero and ``tvalues``, ``pvalues`` and ``conf_int`` are NaN.
    """

    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    conf_int: np.ndarray
    cov_params: np.ndarray
    rsquared: float
    rsquared_adj: float
    nobs: int
    df_resid: int
    resid: np.ndarray
    fitted: np.ndarray
    used: np.ndarray
    cov_type: str
    lags: int | None
    conf_level: float
    intercept: bool = True
    asset: str = "y1"
    exact_fit: bool = False

    def require_residual_variance(self, statistic: str) -> None:
        """Raise a message if ``statistic`` would divide by a zero residual variance (an exact fit)."""
        if self.exact_fit:
            raise FactorxlError(
                f"{self.asset}: the factors explain the returns exactly (the residual variance is zero), "
                f"so {statistic} cannot be computed"
            )

    @property
    def alpha(self) -> float:
        """The intercept (0 for a regression through the origin)."""
        return float(self.params[0]) if self.intercept else 0.0

    @property
    def betas(self) -> np.ndarray:
        """The factor loadings, shape (K,)."""
        return self.params[1:] if self.intercept else self.params

    @property
    def ssr(self) -> float:
        """Sum of squared residuals."""
        return float(self.resid @ self.resid)

    @property
    def resid_var(self) -> float:
        """Residual variance ``SSR / df_resid`` (the regression convention)."""
        return self.ssr / self.df_resid

    @property
    def resid_vol(self) -> float:
        """Residual volatility, the square root of :attr:`resid_var`."""
        return float(np.sqrt(self.resid_var))

    def expand(self, values: np.ndarray) -> np.ndarray:
        """Place per-observation ``values`` back on the input rows (NaN where unused)."""
        out = np.full(self.used.shape, np.nan)
        out[self.used] = values
        return out


def _check_nobs(nobs: int, nparams: int, asset: str) -> None:
    """Raise a clear error if there are too few observations for the parameters."""
    if nobs < nparams + 1:
        raise FactorxlError(
            f"{asset}: {nobs} observations with the asset and every factor present; "
            f"a regression on {nparams - 1} factor(s) needs at least {nparams + 1}"
        )


def _collinear_message(correlation: np.ndarray, factor_names: Sequence[str]) -> str | None:
    """Describe a (near-)exact linear dependence among the factors, or None if there is none."""
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    if eigenvalues[0] > COLLINEARITY_TOLERANCE * eigenvalues[-1]:
        return None
    vector = np.abs(eigenvectors[:, 0])
    names = [factor_names[j] for j in np.flatnonzero(vector > 1e-3 * vector.max())]
    return f"the factors are collinear ({', '.join(names)} are linearly dependent on the rows used); remove one of them"


def _centred_factors(factors: np.ndarray, intercept: bool):
    """Means, centred factors and their cross products, in units where no sum of squares under- or overflows.

    Returns ``(means, centred, cross, unit)``: ``centred`` and ``cross`` are in units of ``unit``
    (one size per factor, 1 unless a factor is so small or large that its squares would lose
    digits); through the origin the factors are not centred and ``means`` is zero.
    """
    nobs, width = factors.shape
    unit = np.ones(width)
    scaled = factors
    while True:
        means = np.ones(nobs) @ scaled / nobs if intercept else np.zeros(width)
        centred = scaled - means if intercept else scaled
        cross = centred.T @ centred
        squares = np.diag(cross)
        if ((squares > SQUARES_RANGE[0]) & (squares < SQUARES_RANGE[1])).all() or scaled is not factors:
            return means * unit, centred, cross, unit
        unit = np.abs(factors).max(axis=0)
        unit[unit == 0] = 1.0
        scaled = factors / unit


def _solve(factors: np.ndarray, responses: np.ndarray, factor_names: Sequence[str], asset: str, intercept: bool = True):
    """Coefficients and ``(X'X)^-1`` of the design ``X = [1, factors]`` (``X = factors`` without intercept).

    The slopes come from the factors' correlation matrix, formed from the factors centred
    on their means (with an intercept) or as they are (through the origin); with ``C`` the
    centred cross products and ``m`` the factor means,
    ``(X'X)^-1 = [[1/n + m' C^-1 m, -m' C^-1], [-C^-1 m, C^-1]]``.
    """
    nobs = factors.shape[0]
    means, centred, cross, unit = _centred_factors(factors, intercept)
    spread = np.sqrt(np.diag(cross))  # in units of ``unit``
    size = np.sqrt(nobs) * np.abs(means / unit) + spread  # at least sqrt(n) times the largest value
    with_intercept = ", so it is collinear with the intercept" if intercept else ""
    for j in range(len(spread)):
        if size[j] == 0:
            raise FactorxlError(f"{asset}: factor {factor_names[j]} is zero on the rows used{with_intercept}")
        if not spread[j] > CONSTANT_TOLERANCE * size[j]:
            raise FactorxlError(f"{asset}: factor {factor_names[j]} is constant on the rows used{with_intercept}")
    correlation = cross / np.outer(spread, spread)
    collinear = _collinear_message(correlation, factor_names)
    if collinear is not None:
        raise FactorxlError(f"{asset}: {collinear}")
    correlation_inverse = np.linalg.inv(correlation)
    response_means = np.ones(nobs) @ responses / nobs if intercept else np.zeros(responses.shape[1])
    spread = spread * unit  # the centred length of each factor in its own units
    with np.errstate(over="ignore", invalid="ignore"):
        moments = (centred.T @ (responses - response_means)) / (spread / unit)[:, None]
        slopes = (correlation_inverse @ moments) / spread[:, None]
        intercepts = response_means - means @ slopes
    if not (np.isfinite(slopes).all() and np.isfinite(intercepts).all()):
        raise FactorxlError(f"{asset}: the coefficients are too large to represent; the returns are too large for the size of the factors")
    centred_inverse = correlation_inverse / np.outer(spread, spread)
    if not intercept:
        return slopes, centred_inverse
    lever = centred_inverse @ means
    xtx_inverse = np.block([[np.array([[1.0 / nobs + means @ lever]]), -lever[None, :]], [-lever[:, None], centred_inverse]])
    return np.vstack([intercepts, slopes]), xtx_inverse


def _window_sums(scores: np.ndarray, width: int) -> np.ndarray:
    """Sums of ``scores`` (shape (m, p, n), time last) over every window of ``width`` periods.

    Windows slide over the zero-padded series, so the first and last are partial. Time is
    cut into blocks of ``width``: a window ending at offset r of block j is the prefix of
    block j up to r plus the suffix of block j - 1 after r, and the within-block prefix
    sums are one small matrix product. (Windows made only of padding are zero.)
    """
    m, p, n = scores.shape
    blocks = -(-(n + 2 * width - 1) // width)
    padded = np.zeros((m, p, blocks * width))
    padded[:, :, width : width + n] = scores
    prefix = padded.reshape(m, p, blocks, width) @ np.triu(np.ones((width, width)))
    totals = prefix[..., -1:]
    return (prefix[..., 1:, :] + totals[..., :-1, :] - prefix[..., :-1, :]).reshape(m, p, -1)


def _sandwich(design: np.ndarray, resid: np.ndarray, xtx_inverse: np.ndarray, cov_type: str, lags: int | None):
    """Robust coefficient covariance for each column of ``resid`` (shape (m, p, p))."""
    nobs, nparams = design.shape
    if cov_type == "hac":
        # Bartlett weights 1 - |t - s| / (L + 1) count the windows of L + 1 periods that hold
        # both t and s, so the Newey-West meat is W W' / (L + 1) with W the window sums of
        # the scores: one pass instead of one product per lag.
        scores = resid.T[:, None, :] * design.T  # (m, p, n)
        windows = _window_sums(scores, lags + 1)
        meat = windows @ windows.transpose(0, 2, 1) / (lags + 1.0)
    else:
        squared = resid.T**2  # (m, n)
        if cov_type in ("hc2", "hc3"):
            leverage = ((design @ xtx_inverse) * design).sum(axis=1)
            if (leverage >= 1.0 - LEVERAGE_TOLERANCE).any():
                row = int(np.argmax(leverage)) + 1
                raise FactorxlError(
                    f"observation {row} of the rows used alone determines a coefficient (leverage 1), so "
                    f"{cov_type.upper()} standard errors are not defined; use hc0, hc1 or classical"
                )
            squared = squared / (1.0 - leverage) ** (1 if cov_type == "hc2" else 2)
        meat = (design.T * squared[:, None, :]) @ design
        if cov_type == "hc1":
            meat *= nobs / (nobs - nparams)
    return xtx_inverse @ meat @ xtx_inverse


def ols(
    returns: np.ndarray,
    factors: np.ndarray,
    *,
    cov_type: str = "classical",
    lags: int | None = None,
    conf_level: float = 0.95,
    factor_names: Sequence[str] | None = None,
    asset_names: Sequence[str] | None = None,
    intercept: bool = True,
) -> list[RegressionResult]:
    """Regress each asset column on a constant and the factors (or on the factors alone).

    Parameters
    ----------
    returns : array_like, shape (T,) or (T, N)
        Asset returns, one column per asset; NaN marks a missing value.
    factors : array_like, shape (T,) or (T, K)
        Factor returns on the same T periods.
    cov_type : {"classical", "hc0", "hc1", "hc2", "hc3", "hac"}
        Coefficient covariance estimator.
    lags : int, optional
        HAC lag length; the Newey-West rule when omitted. Only used with ``"hac"``.
    conf_level : float
        Confidence level of the intervals, between 0 and 1.
    factor_names, asset_names : sequence of str, optional
        Labels used in error messages.
    intercept : bool
        Include a constant (default). Without it the regression goes through the origin
        and R-squared is uncentered.

    Returns
    -------
    list of RegressionResult
        One per asset column. Each asset uses the rows where it and every factor are
        present; assets sharing the same rows are solved together.

    Raises
    ------
    FactorxlError
        Mismatched lengths, too few observations, constant or collinear factors, an
        unknown covariance type or negative lags.
    """
    y = np.asarray(returns, dtype=float)
    x = np.asarray(factors, dtype=float)
    y = y[:, None] if y.ndim == 1 else y
    x = x[:, None] if x.ndim == 1 else x
    if y.shape[0] != x.shape[0]:
        raise FactorxlError(f"returns has {y.shape[0]} rows but factors has {x.shape[0]}")
    if cov_type not in COV_TYPES:
        raise FactorxlError(f"cov_type must be one of {', '.join(COV_TYPES)}; got {cov_type!r}")
    if lags is not None and lags < 0:
        raise FactorxlError(f"lags must be zero or more; got {lags}")
    if not 0 < conf_level < 1:
        raise FactorxlError(f"conf_level must be between 0 and 1; got {conf_level}")
    factor_names = list(factor_names or [f"f{j + 1}" for j in range(x.shape[1])])
    asset_names = list(asset_names or [f"y{j + 1}" for j in range(y.shape[1])])

    factors_present = ~np.isnan(x @ np.ones(x.shape[1]))
    used = ~np.isnan(y) & factors_present[:, None]
    results: list[RegressionResult | None] = [None] * y.shape[1]
    groups: dict[bytes, list[int]] = {}
    for column, key in enumerate(np.packbits(used, axis=0).T):
        groups.setdefault(key.tobytes(), []).append(column)
    for columns in groups.values():
        pattern = used[:, columns[0]]
        rows = slice(None) if pattern.all() else pattern
        fits = _fit_group(
            y[rows][:, columns], x[rows], pattern, cov_type, lags, conf_level,
            factor_names, [asset_names[c] for c in columns], intercept,
        )
        for column, fit in zip(columns, fits, strict=True):
            results[column] = fit
    return results  # type: ignore[return-value]


def _fit_group(y, x, used, cov_type, lags, conf_level, factor_names, asset_names, intercept) -> list[RegressionResult]:
    """Fit the assets that share the same rows (y has shape (n, m))."""
    nobs = y.shape[0]
    design = np.column_stack([np.ones(nobs), x]) if intercept else x
    _check_nobs(nobs, x.shape[1] + 1, " / ".join(asset_names))
    coefficients, xtx_inverse = _solve(x, y, factor_names, " / ".join(asset_names), intercept)
    nparams = design.shape[1]
    df_resid = nobs - nparams
    fitted = design @ coefficients
    resid = y - fitted
    ssr = np.einsum("tm,tm->m", resid, resid)
    centered = y - y.mean(axis=0) if intercept else y  # uncentered R-squared through the origin
    tss = np.einsum("tm,tm->m", centered, centered)
    constant = (np.ptp(y, axis=0) == 0) | ~(tss > 0)
    if constant.any():
        flat = [asset_names[j] for j in np.flatnonzero(constant)]
        raise FactorxlError(f"returns of {', '.join(flat)} are constant (or vary too little to measure); there is nothing to regress")
    exact = ssr <= EXACT_FIT_TOLERANCE * tss
    if exact.any():  # what is left is rounding: the fit is exact
        fitted[:, exact], resid[:, exact], ssr[exact] = y[:, exact], 0.0, 0.0
    rsquared = 1.0 - ssr / tss
    rsquared_adj = 1.0 - (1.0 - rsquared) * (nobs - int(intercept)) / df_resid
    hac_lags = None
    if cov_type == "classical":
        cov = (ssr / df_resid)[:, None, None] * xtx_inverse
    else:
        hac_lags = (newey_west_lags(nobs) if lags is None else min(lags, nobs - 1)) if cov_type == "hac" else None
        cov = _sandwich(design, resid, xtx_inverse, cov_type, hac_lags)
    variances = np.einsum("mii->mi", cov)
    lost = ~exact & ~(variances >= np.finfo(float).tiny).all(axis=1)
    if lost.any():
        raise FactorxlError(
            f"{asset_names[int(np.flatnonzero(lost)[0])]}: the returns are too small for the size of the factors "
            "(the coefficients' variances underflow); express them in larger units"
        )
    bse = np.sqrt(variances)
    with np.errstate(divide="ignore", invalid="ignore"):
        tvalues = np.where(exact[:, None], np.nan, coefficients.T / bse)
    tail = (1.0 - conf_level) / 2.0
    if cov_type == "classical":
        pvalues = 2.0 * special.stdtr(df_resid, -np.abs(tvalues))
        quantile = special.stdtrit(df_resid, 1.0 - tail)
    else:
        pvalues = 2.0 * special.ndtr(-np.abs(tvalues))
        quantile = special.ndtri(1.0 - tail)
    margins = np.where(exact[:, None], np.nan, quantile * bse)
    return [
        RegressionResult(
            params=coefficients[:, j],
            bse=bse[j],
            tvalues=tvalues[j],
            pvalues=pvalues[j],
            conf_int=np.column_stack([coefficients[:, j] - margins[j], coefficients[:, j] + margins[j]]),
            cov_params=cov[j],
            rsquared=float(rsquared[j]),
            rsquared_adj=float(rsquared_adj[j]),
            nobs=nobs,
            df_resid=df_resid,
            resid=resid[:, j],
            fitted=fitted[:, j],
            used=used,
            cov_type=cov_type,
            lags=hac_lags,
            conf_level=conf_level,
            intercept=intercept,
            asset=asset_names[j],
            exact_fit=bool(exact[j]),
        )
        for j in range(y.shape[1])
    ]
