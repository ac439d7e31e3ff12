"""Worksheet functions that print what statsmodels' OLS summary prints: FACTOR_SUMMARY (the model
statistics beside FACTOR_REGRESS's coefficient table) and FACTOR_LINEST (Excel's LINEST layout with
factorxl's rules: collinear columns refused by name, robust and HAC errors).
"""

from __future__ import annotations

from factorxl.core.summary import explained_sum_of_squares, summarize, wald_f
from factorxl.excel.declare import worksheet_function
from factorxl.excel.fitting import errors_label, fit_regression, rsquared_labels
from factorxl.excel.inputs import read_bool
from factorxl.excel.outputs import NOT_AVAILABLE, Cell, cell, labeled_table

__all__ = ["FACTOR_LINEST", "FACTOR_SUMMARY"]

STATISTIC_LABELS = (
    "F-statistic", "Prob (F-statistic)", "Log-Likelihood", "AIC", "BIC", "No. Observations", "Df Residuals",
    "Df Model", "Covariance Type", "Omnibus", "Prob(Omnibus)", "Skew", "Kurtosis", "Durbin-Watson",
    "Jarque-Bera (JB)", "Prob(JB)", "Cond. No.",
)


def summary_labels(intercept: bool = True) -> tuple[str, ...]:
    """FACTOR_SUMMARY's row labels, statsmodels' own: the two R-squared rows, then the statistics."""
    return (*rsquared_labels(intercept), *STATISTIC_LABELS)


@worksheet_function()
def FACTOR_SUMMARY(returns, factors, cov_type=None, lags=None, intercept=None):
    """Returns the statistics of one asset's regression as statsmodels labels them: R-squared, F, AIC, BIC..."""
    models = fit_regression(returns, factors, cov_type, lags, intercept)
    fit = models.single()
    fit.require_residual_variance("the F statistic, log-likelihood and residual tests")
    stats = summarize(fit, models.factors.values)
    values = [
        fit.rsquared, fit.rsquared_adj, stats.fvalue, stats.f_pvalue, stats.llf, stats.aic, stats.bic, fit.nobs,
        stats.df_resid, stats.df_model, errors_label(fit), stats.omnibus, stats.omnibus_pvalue, stats.skew,
        stats.kurtosis, stats.durbin_watson, stats.jarque_bera, stats.jarque_bera_pvalue, stats.condition_number,
    ]
    labels = summary_labels(fit.intercept)
    return labeled_table(labels, ["value"], [[value] for value in values], corner=models.returns.labels[0])


@worksheet_function(
    stats="Optional. FALSE (default): the coefficients row only; TRUE: LINEST's five rows of statistics.",
    cov_type=(
        'Optional. Standard errors: "classical" if omitted; "hc0" to "hc3" if volatility changes over time; "hac" '
        "(Newey-West) with autocorrelation too. Rows 2 and 4."
    ),
)
def FACTOR_LINEST(returns, factors, intercept=None, stats=None, cov_type=None, lags=None):
    """Returns LINEST's block: the slopes in reverse order and the intercept, then optionally its statistics."""
    models = fit_regression(returns, factors, cov_type, lags, intercept)
    fit = models.single()
    reversed_slopes = fit.betas[::-1]
    slope_errors = fit.bse[-len(reversed_slopes):][::-1]
    constant_term = [fit.alpha] if fit.intercept else [0.0]
    constant_error = [fit.bse[0]] if fit.intercept else [NOT_AVAILABLE]
    rows: list[list] = [[*reversed_slopes, *constant_term]]
    if read_bool(stats, "stats", False):
        fit.require_residual_variance("LINEST's statistics (standard errors, F)")
        padding = [NOT_AVAILABLE] * (len(reversed_slopes) - 1)
        rows += [
            [*slope_errors, *constant_error],
            [fit.rsquared, fit.resid_vol, *padding],
            [wald_f(fit), fit.df_resid, *padding],
            [explained_sum_of_squares(fit), fit.ssr, *padding],
        ]
    return [[_linest_cell(value) for value in row] for row in rows]


def _linest_cell(value) -> Cell:
    """One LINEST cell: a number, or the #N/A marker."""
    return value if value == NOT_AVAILABLE else cell(value)
