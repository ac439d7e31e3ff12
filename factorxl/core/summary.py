"""The model statistics a statsmodels OLS summary prints, for one fitted regression.

Definitions follow statsmodels (``OLS(...).fit(cov_type=...)`` and its ``summary()``):

``F-statistic``
    The Wald test that every slope is zero, ``b' V^-1 b / q`` with ``V`` the slopes' block
    of the coefficient covariance under the regression's covariance type and ``q`` the
    number of slopes, on ``F(q, n - k)``. With classical errors it equals the textbook
    ``(ESS / q) / (SSR / (n - k))``; with robust errors it is the robust Wald test.
    Without an intercept every coefficient is tested.
``Log-Likelihood``, ``AIC``, ``BIC``
    Gaussian log-likelihood at the OLS estimate, ``-n/2 (log(2 pi SSR / n) + 1)``, and
    ``-2 llf + 2 k``, ``-2 llf + k log(n)`` with ``k`` the number of coefficients. Returns in
    units ``c`` times larger shift the log-likelihood by ``-n log(c)`` (AIC and BIC by
    ``2 n log(c)``); ``log(SSR)`` is taken on the scaled residuals, so it does not underflow.
``Omnibus``, ``Skew``, ``Kurtosis``, ``Jarque-Bera``, ``Durbin-Watson``
    statsmodels' own routines (:mod:`statsmodels.stats.stattools`) on the residuals divided by
    their largest size: these statistics do not depend on the residuals' scale, and their third
    and fourth powers neither underflow nor overflow whatever the units of the returns.
``Cond. No.``
    Ratio of the largest to the smallest singular value of the design matrix (the
    constant column included), as statsmodels reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from factorxl.core.regression import RegressionResult


@dataclass(frozen=True)
class RegressionSummary:
    """statsmodels' summary statistics of one regression.

    Attributes
    ----------
    fvalue, f_pvalue : float
        F-statistic of the slopes (the Wald test under the covariance type) and its p-value.
    llf, aic, bic : float
        Log-likelihood and the Akaike and Bayesian information criteria.
    df_model, df_resid : int
        Slopes tested (K) and residual degrees of freedom.
    ess : float
        Explained sum of squares: centered with an intercept, ``sum(fitted^2)`` without.
    omnibus, omnibus_pvalue : float
        D'Agostino-Pearson normality test of the residuals and its p-value.
    skew, kurtosis : float
        Skewness and (non-excess) kurtosis of the residuals.
    durbin_watson : float
        Durbin-Watson statistic of the residuals.
    jarque_bera, jarque_bera_pvalue : float
        Jarque-Bera normality test of the residuals and its p-value.
    condition_number : float
        Condition number of the design matrix.
    """

    fvalue: float
    f_pvalue: float
    llf: float
    aic: float
    bic: float
    df_model: int
    df_resid: int
    ess: float
    omnibus: float
    omnibus_pvalue: float
    skew: float
    kurtosis: float
    durbin_watson: float
    jarque_bera: float
    jarque_bera_pvalue: float
    condition_number: float


def wald_f(fit: RegressionResult) -> float:
    """The F statistic of ``fit``: the Wald test that every slope (every coefficient without an
    intercept) is zero, with the fit's own covariance; the textbook F for classical errors."""
    tested = fit.params[1:] if fit.intercept else fit.params
    covariance = fit.cov_params[1:, 1:] if fit.intercept else fit.cov_params
    return float(tested @ np.linalg.solve(covariance, tested)) / tested.size


def explained_sum_of_squares(fit: RegressionResult) -> float:
    """The model's sum of squares: the total (centred with an intercept, uncentered without) less the residual one."""
    response = fit.fitted + fit.resid
    centered = response - response.mean() if fit.intercept else response
    return float(centered @ centered - fit.ssr)


def summarize(fit: RegressionResult, factors: np.ndarray) -> RegressionSummary:
    """The summary statistics of ``fit``.

    Parameters
    ----------
    fit : RegressionResult
        One regression from :func:`factorxl.core.regression.ols`.
    factors : array_like, shape (T,) or (T, K)
        The factor returns the regression was run on (all T input rows; the rows it
        used are ``fit.used``).

    Returns
    -------
    RegressionSummary
    """
    x = np.asarray(factors, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    design = x[fit.used]
    if fit.intercept:
        design = np.column_stack([np.ones(fit.nobs), design])
    df_model = fit.params.size - 1 if fit.intercept else fit.params.size
    fvalue = wald_f(fit)
    nparams = fit.params.size
    size = np.abs(fit.resid).max()
    standardized = fit.resid / size if size > 0 else fit.resid
    with np.errstate(divide="ignore"):
        log_ssr = 2.0 * np.log(size) + np.log(standardized @ standardized)
    llf = -0.5 * fit.nobs * (np.log(2.0 * np.pi / fit.nobs) + log_ssr + 1.0)
    # imported on first use: statsmodels' stattools loads scipy.stats, which would add about half a
    # second to loading the worksheet functions in Excel
    from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest

    omnibus, omnibus_pvalue = omni_normtest(standardized)
    jb, jb_pvalue, skew, kurtosis = jarque_bera(standardized)
    singular_values = np.linalg.svd(design, compute_uv=False)
    return RegressionSummary(
        fvalue=fvalue,
        f_pvalue=float(special.fdtrc(df_model, fit.df_resid, fvalue)),
        llf=float(llf),
        aic=float(-2.0 * llf + 2.0 * nparams),
        bic=float(-2.0 * llf + np.log(fit.nobs) * nparams),
        df_model=df_model,
        df_resid=fit.df_resid,
        ess=explained_sum_of_squares(fit),
        omnibus=float(omnibus),
        omnibus_pvalue=float(omnibus_pvalue),
        skew=float(skew),
        kurtosis=float(kurtosis),
        durbin_watson=float(durbin_watson(standardized)),
        jarque_bera=float(jb),
        jarque_bera_pvalue=float(jb_pvalue),
        condition_number=float(singular_values[0] / singular_values[-1]),
    )
