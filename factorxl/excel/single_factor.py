"""Worksheet functions of the single-asset factor toolkit: betas, alphas, regressions, hedges,
position sizing, expected P&L, variance decomposition, performance ratios and factor covariances.
"""

from __future__ import annotations

import numpy as np

from factorxl.core.hedging import hedge_to_factor_share, hedged_returns, short_hedge_cash_return, tracking_returns
from factorxl.core.performance import appraisal_ratio, sharpe_ratio
from factorxl.core.regression import RegressionResult
from factorxl.core.sizing import expected_pnl, volatility_budget_position
from factorxl.core.variance import (
    decompose_variance,
    factor_implied_covariance,
    complete_rows_covariance,
    sample_parameter_count,
    sample_volatility,
)
from factorxl.errors import FactorxlError
from factorxl.excel import help
from factorxl.excel.declare import worksheet_function
from factorxl.excel.fitting import FittedModels, errors_label, fit_factor_models, fit_regression, read_returns_and_factors, rsquared_labels
from factorxl.excel.inputs import (
    is_omitted,
    read_bool,
    read_choice,
    read_ddof,
    read_number,
    read_optional_number,
    read_table,
)
from factorxl.excel.outputs import aligned_rows, cell, labeled_table, scalar_or_grid

__all__ = [
    "APPRAISAL_RATIO",
    "EXPECTED_PNL",
    "FACTOR_ALPHA",
    "FACTOR_BETA",
    "FACTOR_COV",
    "FACTOR_COV_PARAMS",
    "FACTOR_REGRESS",
    "FACTOR_RESIDUALS",
    "FACTOR_TRACKING",
    "FACTOR_VAR_DECOMP",
    "HEDGE_CASH_EFFECT",
    "HEDGE_RATIO",
    "HEDGED_RETURNS",
    "SHARPE_RATIO",
    "VOL_BUDGET_SIZE",
]


def _per_period_series(models: FittedModels, columns: list[np.ndarray]) -> list:
    """T x N output aligned with the input rows, with the header row when the input had one."""
    return aligned_rows(np.column_stack(columns), models.returns.labels, models.returns.has_header)


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS, intercept=help.INTERCEPT)
def FACTOR_BETA(returns, factors, intercept=None):
    """Factor loadings (OLS slopes, with an intercept unless intercept is FALSE): a number for one asset on one factor, a row for one asset on K factors, an N x K block for N asset columns. Like SLOPE, for many factors."""
    models = fit_factor_models(returns, factors, intercept=read_bool(intercept, "intercept", True))
    return scalar_or_grid(np.array([fit.betas for fit in models.fits]))


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS, periods_per_year=help.PERIODS_PER_YEAR)
def FACTOR_ALPHA(returns, factors, periods_per_year=None):
    """Regression intercept (alpha) of each asset column on the factors; annualized by multiplying by periods_per_year when given. One value per asset, in a column."""
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True) or 1.0
    models = fit_factor_models(returns, factors)
    return scalar_or_grid(np.array([fit.alpha * scale for fit in models.fits]))


_COEFFICIENT_COLUMNS = ["coef", "std err", "t", "p-value"]


def _regression_rows(fit: RegressionResult, factor_labels: tuple[str, ...], scale: float | None):
    """Rows of the FACTOR_REGRESS table (labels, values) for one fitted asset."""
    level = f"{fit.conf_level:.0%}"
    columns = [*_COEFFICIENT_COLUMNS, f"lower {level}", f"upper {level}"]
    coefficient_block = np.column_stack([fit.params, fit.bse, fit.tvalues, fit.pvalues, fit.conf_int])
    blank = [None] * (len(columns) - 1)
    rsquared, rsquared_adj = rsquared_labels(fit.intercept)
    summary = [
        (rsquared, fit.rsquared),
        (rsquared_adj, fit.rsquared_adj),
        ("Observations", fit.nobs),
        ("Residual vol", fit.resid_vol),
    ]
    if scale is not None:
        if fit.intercept:
            summary.append(("Alpha (annualized)", fit.alpha * scale))
        summary.append(("Residual vol (annualized)", fit.resid_vol * np.sqrt(scale)))
    summary.append(("Std errors", errors_label(fit)))
    coefficients = ["alpha", *factor_labels] if fit.intercept else list(factor_labels)
    labels = coefficients + [label for label, _ in summary]
    values = [list(r) for r in coefficient_block] + [[value, *blank] for _, value in summary]
    return labels, columns, values


@worksheet_function(
    returns=help.ONE_ASSET_RETURNS,
    factors=help.FACTORS,
    cov_type=help.COV_TYPE,
    lags=help.LAGS,
    periods_per_year=help.PERIODS_PER_YEAR,
    intercept=help.INTERCEPT,
)
def FACTOR_REGRESS(returns, factors, cov_type=None, lags=None, periods_per_year=None, intercept=None):
    """Full factor regression of one asset: alpha and each loading with std error, t, p-value and 95% bounds, then R-squared, adjusted R-squared, observations and residual volatility. FACTOR_SUMMARY gives the rest of statsmodels' summary."""
    models = fit_regression(returns, factors, cov_type, lags, intercept)
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    models.single().require_residual_variance("standard errors, t statistics and p-values")
    labels, columns, values = _regression_rows(models.single(), models.factors.labels, scale)
    return labeled_table(labels, columns, values, corner=models.returns.labels[0])


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    target_factor_share=(
        "Optional. Share of variance to leave in factor risk, from 0 to below 1. Omit (or 0) for the "
        "full hedge -beta."
    ),
)
def HEDGE_RATIO(returns, factors, target_factor_share=None):
    """Units of each factor to hold per unit long of the asset: -beta for the full hedge, or the hedge that leaves target_factor_share of variance in factor risk. Row per asset, column per factor."""
    target = read_number(target_factor_share, "target_factor_share", 0.0, minimum=0.0)
    models = fit_factor_models(returns, factors)
    hedges = [hedge_to_factor_share(fit, models.factors.values, target) for fit in models.fits]
    return scalar_or_grid(np.array(hedges))


@worksheet_function(
    budget="Volatility budget in money for the horizon, for example 1000000 for $1M of volatility per month.",
    returns=(
        "Returns of one asset (a column; the sample volatility is used), or a single number: the "
        "per-period volatility."
    ),
    horizon_periods="Optional. Periods in the budget's horizon (21 for a month of days, 252 for a year); default 1. Volatility scales with its square root.",
    factors="Optional. Factor returns on the same rows: the position is hedged and sized on residual volatility.",
    ddof=help.DDOF,
)
def VOL_BUDGET_SIZE(budget, returns, horizon_periods=None, factors=None, ddof=None):
    """Position size whose volatility over the horizon equals the budget: budget / (vol * SQRT(horizon)). With factors, the factor-hedged position sized on residual volatility."""
    amount = read_number(budget, "budget")
    horizon = read_number(horizon_periods, "horizon_periods", 1.0)
    degrees = read_ddof(ddof)
    table = read_table(returns, "returns", "y")
    if table.rows == 1 and table.columns == 1:
        if not is_omitted(factors):
            raise FactorxlError("factors needs a returns range; a single volatility number cannot be hedged")
        volatility = float(table.values[0, 0])
    elif is_omitted(factors):
        if table.columns != 1:
            raise FactorxlError(f"returns must be a single asset column; it has {table.columns} columns")
        volatility = sample_volatility(table.values[~np.isnan(table.values[:, 0]), 0], degrees)
    else:
        fit = fit_factor_models(returns, factors).single()
        fit.require_residual_variance("a position sized on residual volatility")
        volatility = sample_volatility(fit.resid, degrees)
    return cell(volatility_budget_position(amount, volatility, horizon))


@worksheet_function(
    position="Position size in money (for example from VOL_BUDGET_SIZE).",
    returns=help.ONE_ASSET_RETURNS,
    factors=help.FACTORS,
    periods="Optional. Number of periods the P&L accrues over, for example 252 for a year of daily returns; default 1.",
    kind='Optional. "total" (default): x*(beta*mean factor + alpha)*periods; "alpha": the risk-adjusted x*alpha*periods.',
)
def EXPECTED_PNL(position, returns, factors, periods=None, kind=None):
    """Expected P&L of a position over a number of periods: total x*(beta'E[f] + alpha)*periods, or risk-adjusted x*alpha*periods (the part a factor-neutral book is paid for)."""
    size = read_number(position, "position")
    horizon = read_number(periods, "periods", 1.0, positive=True)
    which = read_choice(kind, "kind", ("total", "alpha"), "total")
    models = fit_factor_models(returns, factors)
    fit = models.single()
    factor_means = models.factors.values[fit.used].mean(axis=0)
    pnl = expected_pnl(size, fit.alpha, fit.betas, factor_means, horizon)
    return cell(pnl.total if which == "total" else pnl.risk_adjusted)


@worksheet_function(returns=help.ONE_ASSET_RETURNS, factors=help.FACTORS, ddof=help.DDOF)
def FACTOR_VAR_DECOMP(returns, factors, ddof=None):
    """Variance decomposition of one asset: each factor's contribution b_k*(Sigma_f b)_k, the factor variance b'Sigma_f b, the idiosyncratic variance and the total, with shares of the total."""
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    decomposition = decompose_variance(models.single(), models.factors.values, degrees)
    variances = [
        *decomposition.factor_contributions,
        decomposition.factor_variance,
        decomposition.specific_variance,
        decomposition.total_variance,
    ]
    labels = [*models.factors.labels, "Factor", "Idiosyncratic", "Total"]
    values = [[v, decomposition.share(v)] for v in variances]
    return labeled_table(labels, ["variance", "share"], values, corner=models.returns.labels[0])


@worksheet_function(returns=help.RETURNS, periods_per_year=help.PERIODS_PER_YEAR, ddof=help.DDOF)
def SHARPE_RATIO(returns, periods_per_year=None, ddof=None):
    """Sharpe ratio of each excess-return column: mean / standard deviation, times SQRT(periods_per_year) when annualizing. One value per column, in a row."""
    table = read_table(returns, "returns", "y")
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_ddof(ddof)
    return scalar_or_grid([[sharpe_ratio(column, scale, degrees) for column in table.values.T]])


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS, periods_per_year=help.PERIODS_PER_YEAR, ddof=help.DDOF)
def APPRAISAL_RATIO(returns, factors, periods_per_year=None, ddof=None):
    """Appraisal (information) ratio alpha / residual volatility: the Sharpe ratio of the factor-hedged position; times SQRT(periods_per_year) when annualizing. One value per asset."""
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    for fit in models.fits:
        fit.require_residual_variance("the appraisal ratio (alpha over residual volatility)")
    return scalar_or_grid([appraisal_ratio(fit.alpha, fit.resid, scale, degrees) for fit in models.fits])


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS)
def FACTOR_TRACKING(returns, factors):
    """Returns of the tracking portfolio beta'f of each asset, aligned with the input rows (empty where a factor is missing). The factor-driven part of the asset's return."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [tracking_returns(fit, models.factors.values) for fit in models.fits])


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS)
def HEDGED_RETURNS(returns, factors):
    """Returns of the factor-hedged (portable-alpha) position r - beta'f = alpha + residual, aligned with the input rows; its mean is alpha and its volatility the residual volatility."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [hedged_returns(fit) for fit in models.fits])


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS)
def FACTOR_RESIDUALS(returns, factors):
    """Regression residuals of each asset, aligned with the input rows (empty where the asset or a factor is missing)."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [fit.expand(fit.resid) for fit in models.fits])


@worksheet_function(
    beta="Market beta of the position (a number).",
    rf="Risk-free rate per period as decimals: a number or a column of rates.",
)
def HEDGE_CASH_EFFECT(beta, rf):
    """Cash return -(1-beta)*rf of hedging a long position by shorting beta of the market index: positive when beta > 1, because the short raises more cash than the long uses."""
    loading = read_number(beta, "beta")
    rates = read_table(rf, "rf", "rf")
    if rates.columns != 1:
        raise FactorxlError(f"rf must be a number or a single column; it has {rates.columns} columns")
    return scalar_or_grid(short_hedge_cash_return(loading, rates.values[:, 0]))


_COV_METHODS = ("factor", "sample")


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    method='Optional. "factor" (default): B*Sigma_f*B\' + diag(residual variances) from the regressions; "sample": the sample covariance of the returns.',
    ddof=help.DDOF,
)
def FACTOR_COV(returns, factors, method=None, ddof=None):
    """N x N covariance matrix of the asset columns: factor-implied B*Sigma_f*B' + diag(residual variances) (default), or the sample covariance for comparison."""
    which = read_choice(method, "method", _COV_METHODS, "factor")
    degrees = read_ddof(ddof)
    if which == "sample":  # the factors only need to cover the same rows; no regression is run
        returns_table, _ = read_returns_and_factors(returns, factors)
        return scalar_or_grid(complete_rows_covariance(returns_table.values, degrees))
    models = fit_factor_models(returns, factors)
    return scalar_or_grid(factor_implied_covariance(models.fits, models.factors.values, degrees).matrix)


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS)
def FACTOR_COV_PARAMS(returns, factors):
    """Number of parameters each covariance estimate needs for these assets: the factor model N*K + N + K(K+1)/2 against the sample matrix's N(N+1)/2."""
    models = fit_factor_models(returns, factors)
    implied = factor_implied_covariance(models.fits, models.factors.values)
    counts = [[implied.parameter_count], [sample_parameter_count(models.returns.columns)]]
    return labeled_table(["factor model", "sample"], ["parameters"], counts)
