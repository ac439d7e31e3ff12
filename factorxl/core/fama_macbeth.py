"""Two-pass Fama-MacBeth factor premia, the Shanken correction and the GRS test.

First pass: each asset's returns are regressed on a constant and the K factors over the
rows where the asset and every factor are present, giving its loadings ``b_i``
(:func:`first_pass_loadings`).

Second pass: in every period t the returns of the assets present are regressed on their
loadings, with or without an intercept (the zero-beta excess return),
``R_it = l_0t + b_i' l_t + e_it``. Periods with fewer assets than parameters, or whose
loadings are collinear across the assets present, are skipped and counted. The premia are
the averages of the per-period estimates, with Fama-MacBeth and Newey-West standard errors
(:mod:`factorxl.core.premia`) and the Shanken (1992) errors-in-variables correction

``V_shanken = (1 + c) (V_fm - Sigma_f / T) + Sigma_f / T``,  ``c = l' Sigma_f^-1 l``,

where ``l`` are the factor premia (not the intercept), ``Sigma_f`` the sample covariance
(ddof=1) of the factors over the T estimated periods, bordered with zeros for the intercept,
and ``V_fm`` the Fama-MacBeth covariance. In a balanced panel
``V_fm - Sigma_f / T = (X'X)^-1 X' Sigma_e X (X'X)^-1 / T`` exactly (``X = [1, B]``, ``Sigma_e``
the residual covariance of the first pass over T - 1), so this is Shanken's
``[(1 + c) (X'X)^-1 X' Sigma_e X (X'X)^-1 + Sigma_f] / T``.

The R-squared of each cross-section is centered with an intercept and uncentered without
(as statsmodels and linearmodels report it); the average is over the estimated periods.

GRS (Gibbons, Ross and Shanken, 1989) tests that the first-pass alphas are jointly zero,
which is a test of the model when the factors are traded excess returns. On the T rows
where every asset and factor is present,

``F = (T - N - K) / N * a' Sigma^-1 a / (1 + m' Omega^-1 m)  ~  F(N, T - N - K)``

with ``Sigma`` the residual covariance and ``Omega`` the factor covariance, both over T
(maximum likelihood), and ``m`` the factor means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy import special

from factorxl.core.batched_solve import slopes_from_sums
from factorxl.core.premia import PremiaInference, premia_inference, solve_periods
from factorxl.core.regression import COLLINEARITY_TOLERANCE, collinear, constant_factors, ols
from factorxl.core.variance import sample_covariance
from factorxl.errors import FactorxlError

SE_TYPES = ("fm", "nw", "shanken")
INTERCEPT_NAME = "const"


@dataclass(frozen=True)
class GrsTest:
    """Gibbons-Ross-Shanken F test of zero alphas.

    Attributes
    ----------
    statistic, pvalue : float
    df_num, df_den : int
        ``N`` and ``T - N - K``.
    nobs : int
        Rows used (every asset and factor present).
    """

    statistic: float
    pvalue: float
    df_num: int
    df_den: int
    nobs: int


def grs_test(returns: np.ndarray, factors: np.ndarray) -> GrsTest:
    """GRS F test that the alphas of N excess-return series on K traded factors are all zero.

    Uses the rows where every asset and factor is present.

    Raises
    ------
    FactorxlError
        If there are no more complete rows than ``N + K``, the factors explain an asset to rounding
        (a factor among the assets), or the assets' residuals are linearly dependent (two identical
        asset columns, for example), by the collinearity rule.
    """
    y, x = _complete_rows(_as_2d(returns), _as_2d(factors))
    nobs, nassets = y.shape
    nfactors = x.shape[1]
    if nobs <= nassets + nfactors:
        raise FactorxlError(
            f"the GRS test needs more complete rows than assets + factors ({nassets} + {nfactors}); "
            f"there are {nobs} rows with every asset and factor present"
        )
    size = np.abs(y).max()
    unit = np.ldexp(1.0, np.frexp(size)[1]) if size > 0 else 1.0  # a power of 2: the returns' unit, without rounding
    fits = ols(y / unit, x)  # the statistic does not depend on the returns' unit
    alphas = np.array([fit.alpha for fit in fits])
    resid = np.column_stack([fit.resid for fit in fits])
    _require_independent_residuals(resid, y / unit)
    means = x.mean(axis=0)
    quadratic = inverse_quadratic(resid, alphas, ddof=0)
    sharpe = inverse_quadratic(x - means, means, ddof=0)
    df_den = nobs - nassets - nfactors
    statistic = df_den / nassets * quadratic / (1.0 + sharpe)
    return GrsTest(float(statistic), float(special.fdtrc(nassets, df_den, statistic)), nassets, df_den, nobs)


@dataclass(frozen=True)
class FamaMacBethResult:
    """Two-pass Fama-MacBeth estimates.

    Attributes
    ----------
    names : tuple of str
        ``"const"`` (with an intercept) followed by the factor names.
    inference : PremiaInference
        Premia (averages), Fama-MacBeth and Newey-West covariances, lags, periods used.
    estimated_factors : ndarray, shape (T_used, K)
        The factor returns of the periods used (the Shanken correction's factor covariance).
    series : ndarray, shape (T, p)
        Per-period estimates on the input rows (NaN for skipped periods).
    rsquared : ndarray, shape (T,)
        Per-period cross-sectional R-squared (NaN for skipped periods).
    betas : ndarray, shape (N, K)
        First-pass loadings.
    too_few, collinear : ndarray of bool, shape (T,)
        Periods skipped for too few assets, or for collinear loadings among the assets present.
    grs : GrsTest or None
        None when there are not more complete rows than ``N + K``.
    intercept : bool
    """

    names: tuple[str, ...]
    inference: PremiaInference
    estimated_factors: np.ndarray
    series: np.ndarray
    rsquared: np.ndarray
    betas: np.ndarray
    too_few: np.ndarray
    collinear: np.ndarray
    grs: GrsTest | None
    intercept: bool

    @property
    def premia(self) -> np.ndarray:
        return self.inference.estimates

    @property
    def cov_shanken(self) -> np.ndarray:
        """Shanken-corrected covariance of the premia, shape (p, p); refused (FactorxlError) when the
        factors are collinear in the periods used, which leaves the other covariances defined."""
        return _shanken(self.inference, self.estimated_factors, self.intercept)

    @property
    def periods_used(self) -> int:
        return self.inference.periods

    @property
    def periods_skipped(self) -> int:
        return int(self.too_few.sum() + self.collinear.sum())

    @property
    def rsquared_mean(self) -> float:
        return float(np.nanmean(self.rsquared))

    def cov(self, se: str) -> np.ndarray:
        """Covariance of the premia for ``se`` in :data:`SE_TYPES`."""
        return self.cov_shanken if se == "shanken" else {"fm": self.inference.cov_fm, "nw": self.inference.cov_nw}[se]

    def standard_errors(self, se: str) -> np.ndarray:
        """Standard errors for ``se``; NaN where a Shanken variance is not positive."""
        variances = np.diag(self.cov(se))
        return np.sqrt(np.where(variances > 0, variances, np.nan))


def first_pass_loadings(
    returns: np.ndarray,
    factors: np.ndarray,
    factor_names: Sequence[str] | None = None,
    asset_names: Sequence[str] | None = None,
) -> np.ndarray:
    """Loadings of every asset on the factors over its own rows, shape (N, K).

    The regressions of all assets are solved at once from sums over each asset's rows
    (:func:`factorxl.core.batched_solve.slopes_from_sums`), which keeps a panel where every
    asset has its own missing values as fast as a balanced one. An asset whose regression
    cannot be estimated this way, or not as accurately as from its rows (too few rows, constant
    returns, constant or nearly collinear factors), is handed to
    :func:`factorxl.core.regression.ols`, which solves it or raises the error that names it.
    """
    y, x = _as_2d(returns), _as_2d(factors)
    nfactors = x.shape[1]
    factors_present = ~np.isnan(x).any(axis=1)
    present = ~np.isnan(y) & factors_present[:, None]
    weights = present.astype(float)
    count = weights.sum(axis=0)
    own_means = np.where(present, y, 0.0).sum(axis=0) / np.maximum(count, 1)
    yc = np.where(present, y - own_means, 0.0)
    center = x[factors_present].mean(axis=0) if factors_present.any() else np.zeros(nfactors)
    xc = np.where(factors_present[:, None], x - center, 0.0)
    lower = np.tril_indices(nfactors)
    sum_xx = np.zeros((nfactors, nfactors, y.shape[1]))
    sum_xx[lower] = (weights.T @ (xc[:, lower[0]] * xc[:, lower[1]])).T
    slopes, trusted = slopes_from_sums(
        count, (weights.T @ xc).T, yc.sum(axis=0), sum_xx, (yc.T @ xc).T, np.einsum("tn,tn->n", yc, yc), center
    )
    constant = np.where(present, y, -np.inf).max(axis=0) == np.where(present, y, np.inf).min(axis=0)
    handed_on = ~trusted | (count < nfactors + 2) | constant
    if handed_on.any():
        names = list(asset_names or (f"y{j + 1}" for j in range(y.shape[1])))
        fits = ols(y[:, handed_on], x, factor_names=factor_names, asset_names=[n for n, h in zip(names, handed_on, strict=True) if h])
        slopes[:, handed_on] = np.array([fit.betas for fit in fits]).T
    return slopes.T


def _complete_rows(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows where every asset and every factor is present."""
    complete = ~(np.isnan(y).any(axis=1) | np.isnan(x).any(axis=1))
    return y[complete], x[complete]


def _as_2d(values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[:, None] if array.ndim == 1 else array


def fama_macbeth(
    returns: np.ndarray,
    factors: np.ndarray,
    *,
    intercept: bool = True,
    lags: int | None = None,
    factor_names: Sequence[str] | None = None,
    asset_names: Sequence[str] | None = None,
) -> FamaMacBethResult:
    """Two-pass Fama-MacBeth premia of K factors from N assets' returns.

    Parameters
    ----------
    returns : array_like, shape (T, N)
        Asset (excess) returns; NaN marks a missing value (unbalanced panels are fine).
    factors : array_like, shape (T, K)
        Factor returns on the same rows.
    intercept : bool
        Include an intercept (zero-beta rate) in the cross-sectional regressions.
    lags : int, optional
        Newey-West lags; the Newey-West (1994) rule on the periods used when omitted.
    factor_names, asset_names : sequence of str, optional
        Labels for results and error messages.

    Raises
    ------
    FactorxlError
        Mismatched rows, a first-pass regression that cannot be estimated (too few rows,
        collinear factors), fewer than two periods with enough assets, loadings that are
        collinear in every period, or invalid lags.
    """
    y = _as_2d(returns)
    x = _as_2d(factors)
    if y.shape[0] != x.shape[0]:
        raise FactorxlError(f"returns has {y.shape[0]} rows but factors has {x.shape[0]}")
    nfactors = x.shape[1]
    factor_names = tuple(factor_names or (f"f{j + 1}" for j in range(nfactors)))
    betas = first_pass_loadings(y, x, factor_names, asset_names)
    design = np.column_stack([np.ones(len(betas)), betas]) if intercept else betas
    nparams = design.shape[1]

    present = ~np.isnan(y)
    filled = np.where(present, y, 0.0)
    weights = present.astype(float)
    unit = np.abs(design).max(axis=0)
    unit[unit == 0] = 1.0  # each loading brought to unit size: tiny loadings keep their digits in the cross products
    scaled = design / unit
    products = (scaled[:, :, None] * scaled[:, None, :]).reshape(len(betas), -1)
    gram = (weights @ products).reshape(-1, nparams, nparams)
    solution = solve_periods(gram, filled @ scaled, present.sum(axis=1))
    np.divide(solution.coefficients, unit, out=solution.coefficients)
    estimated = solution.estimated
    if not estimated.any():
        reason = (
            f"no period has at least {nparams} assets with a return"
            if solution.too_few.all()
            else "the loadings are collinear across the assets present in every period"
        )
        raise FactorxlError(f"the cross-sectional regressions cannot be estimated: {reason}")
    inference = premia_inference(solution.coefficients, lags)

    fitted = solution.coefficients @ design.T
    size = np.abs(filled).max() or 1.0  # R-squared in the returns' own unit: tiny returns keep their digits
    resid = np.where(present, y - fitted, 0.0) / size
    ssr = np.einsum("tn,tn->t", resid, resid)
    if intercept:
        means = filled.sum(axis=1) / np.maximum(present.sum(axis=1), 1)
        deviations = np.where(present, y - means[:, None], 0.0) / size
        tss = np.einsum("tn,tn->t", deviations, deviations)
    else:
        tss = np.einsum("tn,tn->t", filled / size, filled / size)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsquared = np.where(estimated, 1.0 - ssr / tss, np.nan)

    names = ((INTERCEPT_NAME,) if intercept else ()) + factor_names
    return FamaMacBethResult(
        names=names,
        inference=inference,
        estimated_factors=x[estimated],
        series=solution.coefficients,
        rsquared=rsquared,
        betas=betas,
        too_few=solution.too_few,
        collinear=solution.collinear,
        grs=_optional_grs(y, x),
        intercept=intercept,
    )


def _shanken(inference: PremiaInference, factors: np.ndarray, intercept: bool) -> np.ndarray:
    """Shanken-corrected covariance from the Fama-MacBeth one (see the module notes).

    Factors that do not vary or are collinear in the periods used (by the rules of
    :func:`~factorxl.core.regression.constant_factors` and :func:`~factorxl.core.regression.collinear`
    on their correlation matrix) are refused, whatever the rounding of their covariance. Otherwise
    ``c = l' Sigma_f^-1 l`` by :func:`inverse_quadratic`.
    """
    factors = factors[~np.isnan(factors).any(axis=1)]
    if factors.shape[0] < 2:
        raise FactorxlError("the Shanken correction needs the factors in at least 2 of the periods used")
    factor_cov = sample_covariance(factors, ddof=1)
    premia = inference.estimates[1:] if intercept else inference.estimates
    vols = np.sqrt(np.diagonal(factor_cov))
    spread = vols * np.sqrt(factors.shape[0] - 1.0)  # each factor's length about its mean
    unit = np.where(vols > 0, vols, 1.0)
    if constant_factors(spread, np.sqrt(factors.shape[0]) * np.abs(factors.mean(axis=0)) + spread).any() or collinear(
        np.linalg.eigvalsh(factor_cov / np.outer(unit, unit))
    ):
        raise FactorxlError("the factors are collinear in the periods used; the Shanken correction needs their inverse covariance")
    c = inverse_quadratic(factors - factors.mean(axis=0), premia, ddof=1)
    bordered = np.zeros_like(inference.cov_fm)
    offset = 1 if intercept else 0
    bordered[offset:, offset:] = factor_cov / inference.periods
    return (1.0 + c) * (inference.cov_fm - bordered) + bordered


def inverse_quadratic(deviations: np.ndarray, vector: np.ndarray, ddof: int) -> float:
    """``v' S^-1 v`` for the covariance ``S = D'D / (n - ddof)`` of the deviations ``D`` (n x k).

    It is ``(n - ddof) |R'^-1 v|^2`` (in the units of ``D``'s columns) with ``R`` the triangular
    factor of a QR decomposition of ``D`` with columns of unit length, so that its precision
    follows the condition number of ``D``, not its square as a solve with ``S`` would.
    """
    lengths = np.linalg.norm(deviations, axis=0)
    unit = np.where(lengths > 0, lengths, 1.0)
    triangle = np.linalg.qr(deviations / unit, mode="r")
    return float((deviations.shape[0] - ddof) * np.sum(scipy.linalg.solve_triangular(triangle, vector / unit, trans="T") ** 2))


def _require_independent_residuals(resid: np.ndarray, returns: np.ndarray) -> None:
    """Raise naming the asset columns that the factors explain, or whose factor residuals are linearly
    dependent (for example two identical columns), by the collinearity rule: a residual variance at
    most :data:`~factorxl.core.regression.COLLINEARITY_TOLERANCE` of the asset's variance (a factor among
    the assets, whose residuals are the rounding of its returns), or a correlation matrix of the
    residuals whose smallest eigenvalue is at most that of its largest."""
    squares = np.sum(resid**2, axis=0)
    explained = ~(squares > COLLINEARITY_TOLERANCE * np.sum((returns - returns.mean(axis=0)) ** 2, axis=0))
    if explained.any():
        columns = np.flatnonzero(explained) + 1
        raise FactorxlError(
            f"the factors explain asset column(s) {', '.join(map(str, columns))} exactly (to rounding); the GRS test "
            "needs residual risk in every asset: leave factor portfolios out of the assets"
        )
    scale = 1.0 / np.sqrt(squares)
    eigenvalues, eigenvectors = np.linalg.eigh((resid.T @ resid) * np.outer(scale, scale))
    if not collinear(eigenvalues):
        return
    vector = np.abs(eigenvectors[:, 0])
    columns = np.flatnonzero(vector > 1e-3 * vector.max()) + 1
    raise FactorxlError(
        f"asset columns {', '.join(map(str, columns))} are linearly dependent after the factors (for example two identical "
        "columns); the GRS test cannot be computed: remove the duplicate"
    )


def _optional_grs(returns: np.ndarray, factors: np.ndarray) -> GrsTest | None:
    """The GRS test when there are more complete rows than assets + factors, else None."""
    y, x = _complete_rows(returns, factors)
    return grs_test(y, x) if y.shape[0] > y.shape[1] + x.shape[1] else None
