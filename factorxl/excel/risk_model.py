"""Worksheet functions of the Barra-style risk model: exposures, cross-sectional factor returns,
factor and asset covariance, risk decomposition, stress tests, linked attribution, futures
hedges and minimum tracking-error optimization.

Stocks run down the rows and factors across the columns of exposure matrices; the factor
covariance is a K x K block; weights are columns (several columns = several portfolios).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from factorxl.core.attribution import LINKING_METHODS, attribution
from factorxl.core.cross_section import CrossSectionResult, cross_section_regression, regression_weights
from factorxl.core.exposures import BLOCK_INDUSTRIES, classify_columns, exposure_matrix, standardize
from factorxl.core.factor_hedging import HedgeResult, min_variance_hedge, neutralizing_hedge
from factorxl.core.optimization import min_tracking_error, turnover
from factorxl.core.risk_decomposition import block_decomposition, risk_report, stock_contributions
from factorxl.core.risk_model import (
    COVARIANCE_METHODS,
    RiskModel,
    check_symmetric,
    covariance_from_correlation,
    covariance_from_returns,
    eigenvalues,
    risk_model,
)
from factorxl.core.stress import stress_test
from factorxl.errors import FactorxlError
from factorxl.excel.declare import worksheet_function
from factorxl.excel.inputs import (
    Table,
    as_grid,
    is_missing,
    read_bool,
    read_choice,
    read_number,
    read_optional_number,
    read_positions,
    read_table,
    read_text_vector,
    read_vector,
)
from factorxl.excel.outputs import aligned_rows, cell, grid, labeled_table
from factorxl.excel.scale_check import refuse_percent, refuse_percent_in, refuse_percent_together

__all__ = [
    "ATTRIBUTION",
    "CROSS_SECTION_FIT",
    "CROSS_SECTION_PURE_PORTFOLIOS",
    "CROSS_SECTION_RESIDUALS",
    "CROSS_SECTION_WEIGHTS",
    "EXPOSURE_MATRIX",
    "EXPOSURE_STANDARDIZE",
    "HEDGE_FUTURES",
    "HEDGE_FUTURES_MIN_VAR",
    "OPTIMIZE_MIN_TE",
    "PORTFOLIO_TURNOVER",
    "RISK_ASSET_COV",
    "RISK_BLOCKS",
    "RISK_CONTRIBUTIONS",
    "RISK_DECOMPOSITION",
    "RISK_EIGENVALUES",
    "RISK_EXPOSURE",
    "RISK_FACTOR_COV",
    "RISK_FACTOR_COV_HISTORY",
    "RISK_STRESS",
]

CROSS_SECTION_METHODS = ("constrained", "wls", "ols")
_CROSS_SECTION_OPTIONS = {
    "stock_returns": "One period's stock returns as decimals: a column in the order of the exposures; a stock without a return is left out.",
    "method": 'Optional. Method: "constrained" (default) weighted by square-root cap with industry returns netting to 0; "wls" without the constraint; "ols" equal weights.',
}


# ---------------------------------------------------------------------------
# Exposures
# ---------------------------------------------------------------------------


@worksheet_function()
def EXPOSURE_STANDARDIZE(descriptors, caps):
    """Returns style exposures scaled to a cap-weighted mean of 0 and a standard deviation of 1."""
    table = read_table(descriptors, "descriptors", "style")
    values = standardize(table.values, read_vector(caps, "caps", table.rows), table.labels)
    return aligned_rows(values, table.labels, table.has_header)


@worksheet_function(
    industries="Industry of each stock as text: a column, one per stock.",
    industry_names="Optional. The industries in the column order you want (a row or column of text). Omit for the order of first appearance.",
    standardize_styles="Optional. TRUE (default) standardizes the descriptors (cap-weighted mean 0, standard deviation 1); FALSE uses them as given.",
)
def EXPOSURE_MATRIX(industries, descriptors, caps, industry_names=None, standardize_styles=None):
    """Returns the exposure matrix with a header row: a market column of ones, a 0/1 column per industry, the styles."""
    table = read_table(descriptors, "descriptors", "style")
    labels = read_text_vector(industries, "industries", table.rows)
    names = None if industry_names is None else read_text_vector(industry_names, "industry_names")
    matrix = exposure_matrix(
        labels,
        table.values,
        read_vector(caps, "caps", table.rows, positive=True),
        table.labels,
        industry_names=names,
        standardize_styles=read_bool(standardize_styles, "standardize_styles", True),
    )
    return aligned_rows(matrix.values, matrix.factor_names, has_header=True)


# ---------------------------------------------------------------------------
# Cross-sectional regression
# ---------------------------------------------------------------------------


def _fit_cross_section(stock_returns: Any, exposures: Any, caps: Any, industry_columns: Any, method: Any) -> tuple[CrossSectionResult, Table]:
    x = read_table(exposures, "exposures", "f")
    r = read_vector(stock_returns, "stock_returns", allow_missing=True)
    if r.size != x.rows:
        raise FactorxlError(f"stock_returns has {r.size} stocks but exposures has {x.rows}; one return per stock")
    refuse_percent("stock_returns", r)
    choice = read_choice(method, "method", CROSS_SECTION_METHODS, "constrained")
    columns = None
    if choice == "constrained":
        if industry_columns is None:
            blocks = classify_columns(x.values[~np.isnan(x.values).any(axis=1)])
            columns = [k for k, block in enumerate(blocks) if block == BLOCK_INDUSTRIES]
            if not columns:
                raise FactorxlError('method "constrained" needs industry dummy columns; none of the exposures columns is 0/1 (name them in industry_columns)')
        else:
            columns = read_positions(industry_columns, "industry_columns", x.labels)
    result = cross_section_regression(
        r,
        x.values,
        read_vector(caps, "caps", x.rows, allow_missing=True),
        industry_columns=columns,
        weighting="equal" if choice == "ols" else "sqrt_cap",
        factor_names=x.labels,
    )
    return result, x




@worksheet_function(
    **_CROSS_SECTION_OPTIONS,
)
def CROSS_SECTION_FIT(stock_returns, exposures, caps, industry_columns=None, method=None):
    """Returns one period's factor returns from a regression of stock returns on exposures, with R-squared."""
    result, x = _fit_cross_section(stock_returns, exposures, caps, industry_columns, method)
    rows = [*x.labels, "R2 uncentered", "R2 centered", "Industry constraint", "Stocks used"]
    values = [*result.factor_returns, result.rsquared_uncentered, result.rsquared_centered,
              result.constraint_value if result.constrained else None, result.nobs]
    return labeled_table(rows, ["factor return"], np.array(values, dtype=object).reshape(-1, 1), corner="factor")


@worksheet_function(
    **_CROSS_SECTION_OPTIONS,
)
def CROSS_SECTION_RESIDUALS(stock_returns, exposures, caps, industry_columns=None, method=None):
    """Returns the specific returns (residuals) of one period's cross-sectional regression, one per stock."""
    result, _ = _fit_cross_section(stock_returns, exposures, caps, industry_columns, method)
    return grid(result.residuals)


@worksheet_function(
    **_CROSS_SECTION_OPTIONS,
)
def CROSS_SECTION_PURE_PORTFOLIOS(stock_returns, exposures, caps, industry_columns=None, method=None):
    """Returns the pure factor portfolios: stock weights whose returns are the factor returns."""
    result, x = _fit_cross_section(stock_returns, exposures, caps, industry_columns, method)
    return aligned_rows(result.pure_portfolios.T, x.labels, has_header=True)


@worksheet_function(
    method='Optional. Method: "constrained" or "wls" (default) weight by square-root cap; "ols" weights equally.',
)
def CROSS_SECTION_WEIGHTS(caps, method=None):
    """Returns each stock's weight in the cross-sectional regression (square root of cap, or equal), summing to 1."""
    choice = read_choice(method, "method", CROSS_SECTION_METHODS, "wls")
    return grid(regression_weights(read_vector(caps, "caps"), "equal" if choice == "ols" else "sqrt_cap"))


# ---------------------------------------------------------------------------
# Factor and asset covariance
# ---------------------------------------------------------------------------


def _read_square(value: Any, name: str) -> Table:
    table = read_table(value, name, "f")
    if table.rows != table.columns:
        raise FactorxlError(f"{name} must be square (K x K); it has {table.describe_shape()}")
    return table


@worksheet_function(
    factor_vols="Factor volatilities as decimals (e.g. 0.16), one per factor: a row or a column.",
    correlation="Factor correlation matrix: symmetric, ones on the diagonal, a row and a column per factor; optional header row of names.",
)
def RISK_FACTOR_COV(factor_vols, correlation):
    """Returns the factor covariance matrix from factor volatilities and a correlation matrix, checked to be valid."""
    corr = _read_square(correlation, "correlation")
    vols = read_vector(factor_vols, "factor_vols")
    refuse_percent("factor_vols", vols)
    return grid(covariance_from_correlation(vols, corr.values, corr.labels))


@worksheet_function(
    method='Optional. Method: "sample" (default) or "ewma", which weights recent periods more (set half_life).',
    half_life=(
        'Optional. For "ewma": after this many periods a return counts half as much (e.g. 60 months). Needed for '
        '"ewma"; omit for "sample".'
    ),
)
def RISK_FACTOR_COV_HISTORY(factors, method=None, half_life=None, periods_per_year=None):
    """Returns the factor covariance matrix of a history of factor returns: sample or exponentially weighted."""
    table = read_table(factors, "factors", "f")
    refuse_percent_in(table)
    return grid(
        covariance_from_returns(
            table.values,
            read_choice(method, "method", COVARIANCE_METHODS, "sample"),
            read_optional_number(half_life, "half_life", positive=True),
            read_optional_number(periods_per_year, "periods_per_year", positive=True),
        )
    )


@worksheet_function(
    matrix="A symmetric matrix such as a covariance or correlation matrix, square; optional header row.",
)
def RISK_EIGENVALUES(matrix):
    """Returns the eigenvalues of a symmetric matrix, smallest first; a valid covariance has none below 0."""
    table = _read_square(matrix, "matrix")
    return grid(eigenvalues(check_symmetric(table.values, "matrix", table.labels)))


def _read_factor_covariance(value: Any) -> Table:
    """The factor covariance matrix: square, in decimals."""
    table = _read_square(value, "factor_covariance")
    refuse_percent("factor_covariance", table.values)
    return table


def _read_model(exposures: Any, factor_covariance: Any, specific_vols: Any) -> tuple[RiskModel, tuple[str, ...]]:
    """The risk model and the factor labels (from the exposures' header, else the covariance's)."""
    x = read_table(exposures, "exposures", "f")
    cov = _read_factor_covariance(factor_covariance)
    labels = x.labels if x.has_header or not cov.has_header else cov.labels
    vols = read_vector(specific_vols, "specific_vols")
    model = risk_model(x.values, cov.values, vols, labels)
    refuse_percent("specific_vols", vols)
    return model, labels


def _read_weights(weights: Any, model: RiskModel) -> Table:
    table = read_table(weights, "weights", "w")
    model.require_weights(table.values)
    refuse_percent_in(table)
    return table




@worksheet_function()
def RISK_ASSET_COV(exposures, factor_covariance, specific_vols):
    """Returns the covariance matrix of the stocks that the risk model implies: a row and a column per stock."""
    model, _ = _read_model(exposures, factor_covariance, specific_vols)
    return grid(model.covariance)


@worksheet_function()
def RISK_EXPOSURE(weights, exposures):
    """Returns the factor exposures of each portfolio: a row per factor, a column per portfolio."""
    x = read_table(exposures, "exposures", "f")
    w = read_table(weights, "weights", "w")
    if w.rows != x.rows:
        raise FactorxlError(f"weights has {w.rows} rows but exposures has {x.rows} stocks; one weight per stock")
    if np.isnan(x.values).any() or np.isnan(w.values).any():
        raise FactorxlError("weights and exposures must not have empty cells")
    refuse_percent_in(w)
    return labeled_table(x.labels, w.labels, x.values.T @ w.values, corner="factor")


@worksheet_function()
def RISK_DECOMPOSITION(weights, exposures, factor_covariance, specific_vols):
    """Returns each portfolio's risk report: exposures, factor, specific and total variance and volatility, shares."""
    model, labels = _read_model(exposures, factor_covariance, specific_vols)
    table = _read_weights(weights, model)
    reports = [risk_report(model, table.values[:, j]) for j in range(table.columns)]
    rows = (
        [f"exposure {f}" for f in labels]
        + ["factor variance", "specific variance", "total variance", "factor vol", "specific vol", "total vol"]
        + [f"share {f}" for f in labels]
        + ["specific share"]
    )
    columns = [
        np.concatenate([
            r.exposures,
            [r.factor_variance, r.specific_variance, r.total_variance, r.factor_vol, r.specific_vol, r.total_vol],
            r.contribution_shares,
            [r.specific_share],
        ])
        for r in reports
    ]
    return labeled_table(rows, table.labels, np.column_stack(columns), corner="risk")


def _single_weights(weights: Any, model: RiskModel) -> np.ndarray:
    table = _read_weights(weights, model)
    if table.columns != 1:
        raise FactorxlError(f"weights must be a single column here; it has {table.columns}")
    return table.values[:, 0]


@worksheet_function()
def RISK_CONTRIBUTIONS(weights, exposures, factor_covariance, specific_vols):
    """Returns each stock's contribution to the portfolio's volatility: weight, marginal, component and share."""
    model, _ = _read_model(exposures, factor_covariance, specific_vols)
    result = stock_contributions(model, _single_weights(weights, model))
    values = np.column_stack([result.weights, result.marginal, result.component, result.shares])
    return aligned_rows(values, ["weight", "marginal", "component", "share"], has_header=True)


@worksheet_function(
    blocks="Optional. Block of each factor as text (e.g. Market, Industries, Styles): a row in the order of the exposures' columns. Omit to classify them.",
)
def RISK_BLOCKS(weights, exposures, factor_covariance, specific_vols, blocks=None):
    """Returns the portfolio variance split into blocks of factors (market, industries, styles) and specific."""
    model, labels = _read_model(exposures, factor_covariance, specific_vols)
    w = _single_weights(weights, model)
    names = classify_columns(model.exposures) if blocks is None else read_text_vector(blocks, "blocks", len(labels))
    block_names, variances = block_decomposition(model, w, names)
    total = variances.sum()
    return labeled_table(
        [*block_names, "Total"],
        ["variance", "share"],
        np.column_stack([np.append(variances, total), np.append(variances, total) / total]),
        corner="block",
    )


# ---------------------------------------------------------------------------
# Stress test
# ---------------------------------------------------------------------------


def _read_exposure_columns(value: Any, name: str, factors: int, label_prefix: str) -> Table:
    """Factor exposures of one or more portfolios: K rows (one column per portfolio) or one row of K."""
    table = read_table(value, name, label_prefix)
    if table.rows == factors:
        result = table
    elif table.rows == 1 and table.columns == factors and not table.has_header:
        result = Table(table.values.T, (f"{label_prefix}1",), name, False)
    else:
        raise FactorxlError(f"{name} must have one row per factor ({factors}); it has {table.describe_shape()}")
    if np.isnan(result.values).any():
        raise FactorxlError(f"{name} has an empty or error cell")
    return result


@worksheet_function(
    shock_factor="The factor to shock: its name (from the header of the factor covariance) or its column number.",
    sigmas="The shock as a multiple of the factor's volatility (its standard deviation): -2 is a fall of twice its volatility.",
)
def RISK_STRESS(portfolio_exposures, factor_covariance, shock_factor, sigmas):
    """Returns the effect of a shock to one factor: how each factor moves with it and each portfolio's impact."""
    cov = _read_factor_covariance(factor_covariance)
    positions = read_positions(shock_factor, "shock_factor", cov.labels)
    if len(positions) != 1:
        raise FactorxlError(f"shock_factor must name one factor; got {len(positions)}")
    x = _read_exposure_columns(portfolio_exposures, "portfolio_exposures", cov.rows, "p")
    result = stress_test(cov.values, positions[0], read_number(sigmas, "sigmas"), x.values, cov.labels)
    body = np.column_stack([result.moves, result.contributions]).astype(object)
    impacts = np.array([[None, *result.naive_impact], [None, *result.correlated_impact]], dtype=object)
    return labeled_table([*cov.labels, "naive impact", "correlated impact"], ["move", *x.labels], np.vstack([body, impacts]), corner="stress")


# ---------------------------------------------------------------------------
# Attribution
# ---------------------------------------------------------------------------


@worksheet_function(
    active_exposures="Active factor exposures: one row per period, oldest first, or a single row if they are constant; one column per factor, in the order of the factors.",
    specific_returns="Active specific return of each period as a decimal: a column, one per period, oldest first.",
    portfolio_returns="Total return of the portfolio in each period as a decimal: a column, one per period, oldest first.",
    benchmark_returns="Total return of the benchmark in each period as a decimal: a column, one per period, oldest first.",
    method='Optional. Method: how periods are linked, "carino" (default), "menchero", or "arithmetic" (a plain sum, which does not add up to the compounded return).',
)
def ATTRIBUTION(active_exposures, factors, specific_returns, portfolio_returns, benchmark_returns, method=None):
    """Returns each period's active return split into factor, specific and unexplained parts, linked over periods."""
    f = read_table(factors, "factors", "f")
    if f.columns == 1 and f.rows > 1 and read_table(specific_returns, "specific_returns", "s").values.size == 1:
        f = f.as_row()  # a single period: its factor returns arrive as a flat list
    x = read_table(active_exposures, "active_exposures", "f")
    if x.columns == 1 and x.rows == f.columns > 1:  # one row of constant exposures arrives as a flat list
        x = Table(x.values.T, f.labels, x.name, False)
    periods = f.rows
    names = ("specific_returns", "portfolio_returns", "benchmark_returns")
    series = [read_vector(v, n, periods) for v, n in zip((specific_returns, portfolio_returns, benchmark_returns), names, strict=True)]
    refuse_percent_together(("factors", f.values, f.labels if f.has_header else None), *((n, v, None) for n, v in zip(names, series, strict=True)))
    choice = read_choice(method, "method", LINKING_METHODS, "carino")
    result = attribution(x.values, f.values, *series, method=choice)
    per_period = np.column_stack([
        result.factor_contributions, result.specific, result.unexplained, result.active,
        result.portfolio, result.benchmark, result.coefficients,
    ])
    linked = [*result.linked_factors, result.linked_specific, result.linked_unexplained, result.linked_active,
              result.cumulative_portfolio, result.cumulative_benchmark, np.nan]  # no linked coefficient: an empty cell
    labels = f.labels if f.has_header or not x.has_header else x.labels
    return labeled_table(
        [f"period {t + 1}" for t in range(periods)] + [f"linked ({choice})"],
        [*labels, "specific", "unexplained", "active", "portfolio", "benchmark", "coefficient"],
        np.vstack([per_period, linked]),
        corner="attribution",
    )


# ---------------------------------------------------------------------------
# Hedging with futures
# ---------------------------------------------------------------------------




def _hedge_inputs(portfolio_exposures: Any, instrument_exposures: Any, factor_covariance: Any, portfolio_specific_vol: Any):
    cov = _read_factor_covariance(factor_covariance)
    x = read_vector(portfolio_exposures, "portfolio_exposures", cov.rows)
    instruments = _read_exposure_columns(instrument_exposures, "instrument_exposures", cov.rows, "future")
    vol = read_number(portfolio_specific_vol, "portfolio_specific_vol", minimum=0.0)
    refuse_percent("portfolio_specific_vol", np.array([vol]))
    return cov, x, instruments, vol


def _hedge_table(result: HedgeResult, factors: tuple[str, ...], instruments: tuple[str, ...], extra: list) -> list:
    before, after = ([*r.exposures, r.factor_vol, r.specific_vol, r.total_vol] for r in (result.before, result.after))
    rows = [*factors, "factor vol", "specific vol", "total vol"] + [f"notional {name}" for name in instruments]
    values = [list(pair) for pair in zip(before, after, strict=True)] + [[None, h] for h in result.notionals]
    for label, value in extra:
        rows.append(label)
        values.append([None, value])
    return labeled_table(rows, ["before", "hedged"], np.array(values, dtype=object), corner="hedge")


@worksheet_function(
    hedge_factors="The factors to neutralize, by name (header of the factor covariance) or number: as many as there are instruments.",
)
def HEDGE_FUTURES(portfolio_exposures, portfolio_specific_vol, instrument_exposures, factor_covariance, hedge_factors):
    """Returns futures notionals per $1 of portfolio that remove chosen factor exposures, with risk before and after."""
    cov, x, instruments, vol = _hedge_inputs(portfolio_exposures, instrument_exposures, factor_covariance, portfolio_specific_vol)
    factors = read_positions(hedge_factors, "hedge_factors", cov.labels)
    result = neutralizing_hedge(x, instruments.values, factors, cov.values, vol, cov.labels)
    return _hedge_table(result, cov.labels, instruments.labels, [])


@worksheet_function()
def HEDGE_FUTURES_MIN_VAR(portfolio_exposures, portfolio_specific_vol, instrument_exposures, factor_covariance):
    """Returns the notional of one future per $1 of portfolio that minimizes variance, with risk before and after."""
    cov, x, instruments, vol = _hedge_inputs(portfolio_exposures, instrument_exposures, factor_covariance, portfolio_specific_vol)
    result = min_variance_hedge(x, instruments.values, cov.values, vol, cov.labels)
    name = instruments.labels[0]
    return _hedge_table(result, cov.labels, (name,), [(f"beta to {name}", -result.notionals[0])])


# ---------------------------------------------------------------------------
# Optimization
# ---------------------------------------------------------------------------


@worksheet_function(
    factor_targets="Target active exposure of each factor: a row or column in the order of the exposures' columns. A number fixes it (0 = neutral); an empty cell leaves it free.",
    benchmark_weights=(
        "Optional. Benchmark weight of each stock, a column: needed with lower or upper; adds portfolio weights. Omit "
        "for none."
    ),
    lower=(
        "Optional. Lowest portfolio weight allowed: one number for every stock or a column with one per stock, "
        "e.g. 0 for long-only. Omit for no lower bound."
    ),
    upper="Optional. Highest portfolio weight allowed: one number for every stock or a column with one per stock. Omit for no upper bound.",
)
def OPTIMIZE_MIN_TE(exposures, factor_covariance, specific_vols, factor_targets, benchmark_weights=None, lower=None, upper=None):
    """Returns the active weights with the lowest tracking error that meet target factor exposures (and bounds)."""
    model, labels = _read_model(exposures, factor_covariance, specific_vols)
    n = model.exposures.shape[0]
    targets = _read_targets(factor_targets, len(labels))
    chosen = ~np.isnan(targets)
    a_eq = np.vstack([np.ones(n), model.exposures[:, chosen].T])
    b_eq = np.concatenate([[0.0], targets[chosen]])
    bounded = not (lower is None and upper is None)
    benchmark = None if benchmark_weights is None else read_vector(benchmark_weights, "benchmark_weights", n)
    if benchmark is not None:
        refuse_percent("benchmark_weights", benchmark)
    if bounded and benchmark is None:
        raise FactorxlError("lower and upper bound the portfolio weights, so benchmark_weights is required")
    bounds = [
        None if value is None else _read_bound(value, name, n) - benchmark
        for value, name in ((lower, "lower"), (upper, "upper"))
    ] if bounded else [None, None]
    result = min_tracking_error(model, a_eq, b_eq, *bounds)
    if benchmark is None:
        return aligned_rows(result.weights, ["active weight"], has_header=True)
    values = np.column_stack([result.weights, benchmark + result.weights])
    return aligned_rows(values, ["active weight", "portfolio weight"], has_header=True)


def _read_targets(value: Any, factors: int) -> np.ndarray:
    """Target exposures, NaN where free; a range of blanks leaves every factor free."""
    cells = [c for r in as_grid(value, "factor_targets") for c in r] if value is not None else []
    if cells and all(is_missing(c) for c in cells):
        if len(cells) != factors:
            raise FactorxlError(f"factor_targets has {len(cells)} cells but there are {factors} factors")
        return np.full(factors, np.nan)
    return read_vector(value, "factor_targets", factors, allow_missing=True)


def _read_bound(value: Any, name: str, stocks: int) -> np.ndarray:
    bound = read_vector(value, name)
    if bound.size not in (1, stocks):
        raise FactorxlError(f"{name} must be one number or one per stock ({stocks}); it has {bound.size} values")
    return np.broadcast_to(bound, (stocks,)).astype(float)


@worksheet_function(
    current_weights="Current weights (portfolio or active) as decimals: a column, one per stock.",
    new_weights="New weights as decimals: a column in the same stock order.",
)
def PORTFOLIO_TURNOVER(current_weights, new_weights):
    """Returns the one-way turnover between two sets of weights: half the sum of the absolute weight changes."""
    current, new = read_vector(current_weights, "current_weights"), read_vector(new_weights, "new_weights")
    refuse_percent("current_weights", current)
    refuse_percent("new_weights", new)
    return cell(turnover(current, new))
