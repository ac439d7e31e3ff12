"""Time-series factor regressions: OLS with an intercept and classical or robust errors.

The estimator is ordinary least squares of each asset's returns on a constant and K
factors (or on the K factors alone, through the origin, with ``intercept=False``). The
slopes are solved from the factors centred on their means (not centred through the origin)
and scaled to unit length, and the intercept follows from the means, so precision depends
neither on a factor's mean nor on its scale; a step of refinement on the data's own residuals
(:func:`least_squares`) makes it depend on the factors' condition number, not on its square as
normal equations would. A factor that does not vary on the rows used, and factors that are
(nearly) linearly dependent, are reported by name (:func:`constant_factors`, :func:`collinear`). When the factors explain the
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

from factorxl.errors import FactorxlError, quoted

COV_TYPES = ("classical", "hc0", "hc1", "hc2", "hc3", "hac")
COLLINEARITY_TOLERANCE = 1e-10  # smallest eigenvalue of the factors' correlation matrix
QR_TOLERANCE = 1e-6  # below this smallest eigenvalue (relative), the correlation is factored from the factors by QR
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


def constant_factors(spread: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Which factors do not vary: a spread about the mean at most :data:`CONSTANT_TOLERANCE` of the size.

    ``spread`` is a factor's centred length ``sqrt(sum (x - mean)^2)`` and ``size`` is
    ``sqrt(n) |mean| + spread`` (at least sqrt(n) times its largest value); a zero factor has size 0.
    Any shape: one rule for a regression and for every window of a rolling one.
    """
    return ~(spread > CONSTANT_TOLERANCE * size)


def collinear(eigenvalues: np.ndarray) -> np.ndarray:
    """Whether factors are (nearly) linearly dependent, from the ascending eigenvalues of their correlation
    matrix (last axis): the smallest at most :data:`COLLINEARITY_TOLERANCE` of the largest."""
    return ~(eigenvalues[..., 0] > COLLINEARITY_TOLERANCE * eigenvalues[..., -1])


def least_squares(centred: np.ndarray, responses: np.ndarray, spread: np.ndarray, correlation: np.ndarray, eigenvalues: np.ndarray):
    """Slopes of stacked least-squares problems on centred factors, as accurate as the factors' conditioning allows.

    Each problem is solved through a triangular factor ``R`` of its correlation matrix
    (``R'R``): its Cholesky factor or, when the factors are so nearly collinear that their cross
    products have lost digits (smallest eigenvalue below :data:`QR_TOLERANCE` of the largest),
    the ``R`` of a QR decomposition of the factors scaled to unit length. One step of
    refinement on the residuals of the data themselves (the corrected semi-normal equations)
    then makes the slopes track the condition number of the factors, not its square.

    Parameters
    ----------
    centred : ndarray, shape (B, n, K)
        Factors centred on their means (rows that are not used are zero).
    responses : ndarray, shape (B, n, m)
        Responses centred the same way.
    spread : ndarray, shape (B, K)
        Length of each column of ``centred`` (none zero).
    correlation : ndarray, shape (B, K, K)
        ``centred' centred`` scaled by ``spread`` on both sides.
    eigenvalues : ndarray, shape (B, K)
        Ascending eigenvalues of ``correlation``.

    Returns
    -------
    slopes : ndarray, shape (B, K, m)
    resid : ndarray, shape (B, n, m)
    cross_inverse : ndarray, shape (B, K, K)
        ``(centred' centred)^-1``.
    """
    by_cholesky = eigenvalues[:, 0] > QR_TOLERANCE * eigenvalues[:, -1]
    factor = np.empty_like(correlation)
    if by_cholesky.any():
        factor[by_cholesky] = np.linalg.cholesky(correlation[by_cholesky]).swapaxes(-1, -2)
    if not by_cholesky.all():
        by_qr = ~by_cholesky
        factor[by_qr] = np.linalg.qr(centred[by_qr] / spread[by_qr][:, None, :], mode="r")
    factor_inverse = np.linalg.inv(factor)
    cross_inverse = (factor_inverse @ factor_inverse.swapaxes(-1, -2)) / (spread[:, :, None] * spread[:, None, :])
    transposed = centred.swapaxes(-1, -2)
    with np.errstate(over="ignore", invalid="ignore"):
        slopes = cross_inverse @ (transposed @ responses)
        resid = responses - centred @ slopes
        correction = cross_inverse @ (transposed @ resid)
        return slopes + correction, resid - centred @ correction, cross_inverse


def _collinear_message(eigenvectors: np.ndarray, factor_names: Sequence[str]) -> str:
    """Name the factors in the (near-)exact linear dependence of the eigenvector of the smallest eigenvalue."""
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
    """Coefficients, ``(X'X)^-1`` and residuals of the design ``X = [1, factors]`` (``X = factors`` without intercept).

    The slopes come from the factors centred on their means (with an intercept; as they are
    through the origin) by :func:`least_squares`, the intercept from the means. With ``C``
    the centred cross products and ``m`` the factor means,
    ``(X'X)^-1 = [[1/n + m' C^-1 m, -m' C^-1], [-C^-1 m, C^-1]]``.

    Returns
    -------
    coefficients : ndarray, shape (K + 1, m) or (K, m)
    xtx_inverse : ndarray
    resid : ndarray, shape (n, m)
        The residuals of every response.
    """
    nobs = factors.shape[0]
    means, centred, cross, unit = _centred_factors(factors, intercept)
    spread = np.sqrt(np.diag(cross))  # in units of ``unit``
    size = np.sqrt(nobs) * np.abs(means / unit) + spread  # at least sqrt(n) times the largest value
    with_intercept = ", so it is collinear with the intercept" if intercept else ""
    for j in np.flatnonzero(constant_factors(spread, size)):
        kind = "zero" if size[j] == 0 else "constant"
        raise FactorxlError(f"{asset}: factor {factor_names[j]} is {kind} on the rows used{with_intercept}")
    correlation = cross / np.outer(spread, spread)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    if collinear(eigenvalues):
        raise FactorxlError(f"{asset}: {_collinear_message(eigenvectors, factor_names)}")
    response_means = np.ones(nobs) @ responses / nobs if intercept else np.zeros(responses.shape[1])
    slopes, resid, cross_inverse = least_squares(
        centred[None], (responses - response_means)[None], spread[None], correlation[None], eigenvalues[None]
    )
    slopes, resid = slopes[0] / unit[:, None], resid[0]
    with np.errstate(over="ignore", invalid="ignore"):
        intercepts = response_means - means @ slopes
    if not (np.isfinite(slopes).all() and np.isfinite(intercepts).all()):
        raise FactorxlError(f"{asset}: the coefficients are too large to represent; the returns are too large for the size of the factors")
    with np.errstate(over="ignore"):
        centred_inverse = cross_inverse[0] / np.outer(unit, unit)
    if not np.isfinite(centred_inverse).all():
        raise FactorxlError(f"{asset}: the factors are too small to square without overflowing their inverse; express them in larger units")
    if not intercept:
        return slopes, centred_inverse, resid
    lever = centred_inverse @ means
    xtx_inverse = np.empty((len(means) + 1, len(means) + 1))
    xtx_inverse[0, 0] = 1.0 / nobs + means @ lever
    xtx_inverse[0, 1:] = xtx_inverse[1:, 0] = -lever
    xtx_inverse[1:, 1:] = centred_inverse
    return np.vstack([intercepts, slopes]), xtx_inverse, resid


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
        raise FactorxlError(f"cov_type must be one of {', '.join(quoted(c) for c in COV_TYPES)}; got {quoted(cov_type)}")
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
    nparams = x.shape[1] + int(intercept)
    _check_nobs(nobs, x.shape[1] + 1, " / ".join(asset_names))
    coefficients, xtx_inverse, resid = _solve(x, y, factor_names, " / ".join(asset_names), intercept)
    df_resid = nobs - nparams
    ssr = np.einsum("tm,tm->m", resid, resid)
    centered = y - y.mean(axis=0) if intercept else y  # uncentered R-squared through the origin
    tss = np.einsum("tm,tm->m", centered, centered)
    constant = (np.ptp(y, axis=0) == 0) | ~(tss > 0)
    if constant.any():
        flat = [asset_names[j] for j in np.flatnonzero(constant)]
        raise FactorxlError(f"returns of {', '.join(flat)} are constant (or vary too little to measure); there is nothing to regress")
    overflow = ~np.isfinite(tss) | ~np.isfinite(ssr)
    if overflow.any():
        flat = [asset_names[j] for j in np.flatnonzero(overflow)]
        raise FactorxlError(f"returns of {', '.join(flat)} are too large: their sums of squares overflow; express them in smaller units")
    exact = ssr <= EXACT_FIT_TOLERANCE * tss
    if exact.any():  # what is left is rounding: the fit is exact
        resid[:, exact], ssr[exact] = 0.0, 0.0
    fitted = y - resid
    rsquared = 1.0 - ssr / tss
    rsquared_adj = 1.0 - (1.0 - rsquared) * (nobs - int(intercept)) / df_resid
    hac_lags = None
    if cov_type == "classical":
        cov = (ssr / df_resid)[:, None, None] * xtx_inverse
    else:
        hac_lags = (newey_west_lags(nobs) if lags is None else min(lags, nobs - 1)) if cov_type == "hac" else None
        design = np.column_stack([np.ones(nobs), x]) if intercept else x
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
