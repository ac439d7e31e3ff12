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
from factorxl.excel.scale_check import VOLATILITIES, refuse_percent_in

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
    "HEDGE_RETURNS",
    "SHARPE_RATIO",
    "VOL_BUDGET_SIZE",
]


def _per_asset(asset_labels: tuple[str, ...], has_header: bool, columns: list[str], values) -> object:
    """One row per asset, one column per value (docs/naming.md): a number when there is one value;
    a block labeled with the asset names and ``columns`` when the returns carry a header."""
    block = np.asarray(values, dtype=float).reshape(len(asset_labels), len(columns))
    if block.size == 1 or not has_header:
        return scalar_or_grid(block)
    return labeled_table(asset_labels, columns, block)


def _per_period_series(models: FittedModels, columns: list[np.ndarray]) -> list:
    """T x N output aligned with the input rows, with the header row when the input had one."""
    return aligned_rows(np.column_stack(columns), models.returns.labels, models.returns.has_header)


@worksheet_function(
    intercept=help.INTERCEPT_BETA,
)
def FACTOR_BETA(returns, factors, intercept=None):
    """Returns the factor betas (regression slopes) of each asset: a number, a row of one per factor, or a row per asset."""
    models = fit_factor_models(returns, factors, intercept=read_bool(intercept, "intercept", True))
    betas = [fit.betas for fit in models.fits]
    return _per_asset(models.returns.labels, models.returns.has_header, list(models.factors.labels), betas)


@worksheet_function()
def FACTOR_ALPHA(returns, factors, periods_per_year=None):
    """Returns the alpha (regression intercept) of each asset on the factors, per period or annualized; one row per asset."""
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True) or 1.0
    models = fit_factor_models(returns, factors)
    alphas = [fit.alpha * scale for fit in models.fits]
    return _per_asset(models.returns.labels, models.returns.has_header, ["alpha"], alphas)


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


@worksheet_function()
def FACTOR_REGRESS(returns, factors, cov_type=None, lags=None, periods_per_year=None, intercept=None):
    """Returns the regression table of one asset: coefficients, standard errors, t, p-values, bounds and R-squared."""
    models = fit_regression(returns, factors, cov_type, lags, intercept)
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    models.single().require_residual_variance("standard errors, t statistics and p-values")
    labels, columns, values = _regression_rows(models.single(), models.factors.labels, scale)
    return labeled_table(labels, columns, values, corner=models.returns.labels[0])


@worksheet_function(
    target_factor_share="Optional. Share of the variance to leave in factor risk, from 0 up to (not including) 1. Omit or type 0 for the full hedge.",
)
def HEDGE_RATIO(returns, factors, target_factor_share=None):
    """Returns the position in each factor per unit of the asset that hedges its factor risk (negative = short)."""
    target = read_number(target_factor_share, "target_factor_share", 0.0, minimum=0.0)
    models = fit_factor_models(returns, factors)
    hedges = [hedge_to_factor_share(fit, models.factors.values, target) for fit in models.fits]
    return _per_asset(models.returns.labels, models.returns.has_header, list(models.factors.labels), hedges)


@worksheet_function(
    returns_on_their_own=True,
    budget="Volatility budget in money over the horizon, e.g. 1000000 for $1M of volatility per month.",
    returns=(
        f"Returns as decimals (0.01 = 1%): one asset, {help.OLDEST_FIRST}; or a volatility."
    ),
    horizon_periods=help.HORIZON_PERIODS,
    factors=(
        f"Optional. Factor returns as decimals: {help.OLDEST_FIRST}, to size on residual volatility; omit for "
        "total volatility."
    ),
)
def VOL_BUDGET_SIZE(budget, returns, horizon_periods=None, factors=None, ddof=None):
    """Returns the position in money whose volatility over the horizon equals the budget; hedged if factors are given."""
    amount = read_number(budget, "budget")
    horizon = read_number(horizon_periods, "horizon_periods", 1.0)
    degrees = read_ddof(ddof)
    table = read_table(returns, "returns", "y")
    if table.rows == 1 and table.columns == 1:
        if not is_omitted(factors):
            raise FactorxlError("factors needs a returns range; a single volatility number cannot be hedged")
        VOLATILITIES.check(table.values, "returns", None)  # a volatility typed as a number
        volatility = float(table.values[0, 0])
    elif is_omitted(factors):
        if table.columns != 1:
            raise FactorxlError(f"returns must be a single asset column; it has {table.columns} columns")
        refuse_percent_in(table)
        volatility = sample_volatility(table.values[~np.isnan(table.values[:, 0]), 0], degrees)
    else:
        models = fit_factor_models(returns, factors)
        refuse_percent_in(models.returns)  # a position in money: percent is wrong whatever the factors' units
        fit = models.single()
        fit.require_residual_variance("a position sized on residual volatility")
        volatility = sample_volatility(fit.resid, degrees)
    return cell(volatility_budget_position(amount, volatility, horizon))


@worksheet_function(
    returns_on_their_own=True,
    position="Position size in money, e.g. the result of VOL_BUDGET_SIZE.",
    returns=f"Returns as decimals (0.01 = 1%): one asset's column, {help.OLDEST_FIRST}.",
    horizon_periods=help.HORIZON_PERIODS,
    method='Optional. Method: "total" (default) for the whole expected P&L, or "alpha" for the part a factor-hedged position earns.',
)
def EXPECTED_PNL(position, returns, factors, horizon_periods=None, method=None):
    """Returns a position's expected profit over the horizon: in total, or only the alpha a hedged position earns."""
    size = read_number(position, "position")
    horizon = read_number(horizon_periods, "horizon_periods", 1.0, positive=True)
    which = read_choice(method, "method", ("total", "alpha"), "total")
    models = fit_factor_models(returns, factors)
    refuse_percent_in(models.returns)  # a P&L in money: percent is wrong whatever the factors' units
    fit = models.single()
    factor_means = models.factors.values[fit.used].mean(axis=0)
    pnl = expected_pnl(size, fit.alpha, fit.betas, factor_means, horizon)
    return cell(pnl.total if which == "total" else pnl.risk_adjusted)


@worksheet_function()
def FACTOR_VAR_DECOMP(returns, factors, ddof=None):
    """Returns one asset's variance split into each factor's part, the residual part and the total, with shares."""
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    decomposition = decompose_variance(models.single(), models.factors.values, degrees)
    variances = [
        *decomposition.factor_contributions,
        decomposition.factor_variance,
        decomposition.specific_variance,
        decomposition.total_variance,
    ]
    labels = [*models.factors.labels, "Factor", "Residual", "Total"]
    values = [[v, decomposition.share(v)] for v in variances]
    return labeled_table(labels, ["variance", "share"], values, corner=models.returns.labels[0])


@worksheet_function()
def SHARPE_RATIO(returns, periods_per_year=None, ddof=None):
    """Returns the Sharpe ratio (mean over standard deviation) of each column of excess returns; one row per asset."""
    table = read_table(returns, "returns", "y")
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_ddof(ddof)
    refuse_percent_in(table)
    ratios = [sharpe_ratio(column, scale, degrees) for column in table.values.T]
    return _per_asset(table.labels, table.has_header, ["Sharpe ratio"], ratios)


@worksheet_function()
def APPRAISAL_RATIO(returns, factors, periods_per_year=None, ddof=None):
    """Returns the appraisal ratio (alpha over residual volatility) of each asset on the factors; one row per asset."""
    scale = read_optional_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    for fit in models.fits:
        fit.require_residual_variance("the appraisal ratio (alpha over residual volatility)")
    ratios = [appraisal_ratio(fit.alpha, fit.resid, scale, degrees) for fit in models.fits]
    return _per_asset(models.returns.labels, models.returns.has_header, ["appraisal ratio"], ratios)


@worksheet_function()
def FACTOR_TRACKING(returns, factors):
    """Returns each asset's factor-tracking portfolio return (betas times the factors), on the rows of the input."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [tracking_returns(fit, models.factors.values) for fit in models.fits])


@worksheet_function()
def HEDGE_RETURNS(returns, factors):
    """Returns each asset's return with its factor risk hedged out (alpha plus residual), on the rows of the input."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [hedged_returns(fit) for fit in models.fits])


@worksheet_function()
def FACTOR_RESIDUALS(returns, factors):
    """Returns the regression residuals of each asset on the rows of the input; empty where data is missing."""
    models = fit_factor_models(returns, factors)
    return _per_period_series(models, [fit.expand(fit.resid) for fit in models.fits])


@worksheet_function(
    beta="Market beta of the position, a number (e.g. from FACTOR_BETA).",
    rf=(
        f"The risk-free rate of each period as a decimal (0.0002 = 0.02% a day): one number for every period, or a "
        f"column, one rate per period, {help.OLDEST_FIRST}."
    ),
)
def HEDGE_CASH_EFFECT(beta, rf):
    """Returns the return on the cash a market hedge frees or uses each period: positive when beta is above 1."""
    loading = read_number(beta, "beta")
    rates = read_table(rf, "rf", "rf")
    if rates.columns != 1:
        raise FactorxlError(f"rf must be a number or a single column; it has {rates.columns} columns")
    return scalar_or_grid(short_hedge_cash_return(loading, rates.values[:, 0]))


_COV_METHODS = ("factor", "sample")


@worksheet_function(
    method='Optional. Method: "factor" (default) for the covariance the factor regressions imply, or "sample" for the sample covariance.',
)
def FACTOR_COV(returns, factors, method=None, ddof=None):
    """Returns the covariance matrix of the assets that their factor regressions imply (or the sample one)."""
    which = read_choice(method, "method", _COV_METHODS, "factor")
    degrees = read_ddof(ddof)
    if which == "sample":  # the factors only need to cover the same rows; no regression is run
        returns_table, _ = read_returns_and_factors(returns, factors)
        matrix = complete_rows_covariance(returns_table.values, degrees)
    else:
        models = fit_factor_models(returns, factors)
        returns_table = models.returns
        matrix = factor_implied_covariance(models.fits, models.factors.values, degrees).matrix
    return _per_asset(returns_table.labels, returns_table.has_header, list(returns_table.labels), matrix)


@worksheet_function()
def FACTOR_COV_PARAMS(returns, factors):
    """Returns how many parameters a factor-model covariance of these assets needs, beside the sample one's."""
    models = fit_factor_models(returns, factors)
    implied = factor_implied_covariance(models.fits, models.factors.values)
    counts = [[implied.parameter_count], [sample_parameter_count(models.returns.columns)]]
    return labeled_table(["factor model", "sample"], ["parameters"], counts)
