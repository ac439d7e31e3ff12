"""Worksheet functions for many funds and many factors: fund tables, variance shares, hedged-return
paths, rolling betas, bottom-up vs top-down exposures, Fama-MacBeth premia and cross-sectional
characteristic regressions on long tables.
"""

from __future__ import annotations

import numpy as np

from factorxl.core.abnormal import CUMULATION_METHODS, cumulative_abnormal_returns
from factorxl.core.characteristics import CharacteristicRegressions, characteristic_regressions
from factorxl.core.factor_shares import SHARE_METHODS, factor_shares
from factorxl.core.fama_macbeth import fama_macbeth
from factorxl.core.fund_table import fund_table
from factorxl.core.portfolio_exposure import bottom_up_exposures, compare_exposures, portfolio_betas
from factorxl.core.premia import premia_inference, t_test
from factorxl.core.rolling import MISSING_RULES, rolling_ols
from factorxl.errors import PLACE, FactorxlError, RangePlace
from factorxl.excel import help
from factorxl.excel.declare import worksheet_function
from factorxl.excel.fitting import fit_factor_models, fit_regression, read_returns_and_factors, rsquared_labels
from factorxl.excel.inputs import (
    LongTable,
    date_label,
    read_bool,
    read_choice,
    read_ddof,
    read_date,
    read_int,
    read_long_table,
    read_number,
    read_optional_int,
    read_table,
    is_missing,
    label_position,
    shown,
)
from factorxl.excel.outputs import aligned_rows, labeled_table
from factorxl.excel.scale_check import refuse_percent, refuse_percent_in

__all__ = [
    "CHAR_ADJUSTED_RETURN",
    "CHAR_PREMIA",
    "CHAR_PURE_PLAY",
    "CHAR_RETURNS",
    "FACTOR_ROLLING_BETA",
    "FACTOR_SHARES",
    "FM_PREMIA",
    "FM_PREMIA_SERIES",
    "FUND_TABLE",
    "HEDGE_RETURNS_CUMULATIVE",
    "PORTFOLIO_BETA",
    "PORTFOLIO_EXPOSURE",
    "PORTFOLIO_EXPOSURE_GAP",
]

# the options every characteristic-regression function takes after its own arguments
_CHAR_OPTIONS = {"weight_column": help.CHAR_WEIGHT_COLUMN, "intercept": help.INTERCEPT_CHAR}


def _read_weights(weights, nassets: int) -> tuple[np.ndarray, bool]:
    """A weights range with one column per asset (empty cells are 0, not held), and whether it had a header."""
    table = read_table(weights, "weights", "w")
    if table.columns == 1 and table.rows == nassets:  # a single weights row, passed as a flat list
        table = table.as_row()
    if table.columns != nassets:
        raise FactorxlError(
            f"weights has {table.columns} columns but returns has {nassets} assets; one weight column per asset"
        )
    refuse_percent("weights", table.values.T)  # each row is a portfolio
    return np.nan_to_num(table.values, nan=0.0), table.has_header


# ---------------------------------------------------------------------------
# Time-series regressions of many funds
# ---------------------------------------------------------------------------


@worksheet_function(
    periods_per_year="Periods in a year, to annualize: 252 for daily, 12 for monthly, 52 for weekly data. Type 1 to keep per-period values.",
    ddof=(
        "Optional. Degrees of freedom subtracted in variances: omit for the regression's own (n minus the parameters, "
        "as STEYX), 1 for the sample variance (VAR.S)."
    ),
)
def FUND_TABLE(returns, factors, periods_per_year, cov_type=None, ddof=None, intercept=None):
    """Returns a table of each fund's regression: annualized alpha and its t, betas, residual vol, R-squared, length."""
    scale = read_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_optional_int(ddof, "ddof", minimum=0)
    models = fit_regression(returns, factors, cov_type, None, intercept)
    for fit in models.fits:
        fit.require_residual_variance("t(alpha)")
    table = fund_table(models.fits, scale, degrees)
    with_alpha = models.fits[0].intercept
    alpha_columns, alphas = (["alpha", "t(alpha)"], [table.alpha, table.t_alpha]) if with_alpha else ([], [])
    columns = [*alpha_columns, *models.factors.labels, "residual vol", rsquared_labels(with_alpha)[0], "years", "observations"]
    values = np.column_stack([*alphas, table.betas, table.idiosyncratic_vol, table.rsquared, table.years, table.nobs])
    return labeled_table(models.returns.labels, columns, values, corner="fund")


@worksheet_function(
    method='Optional. Method: "isolated" (default), each factor on its own, or "euler", shares that add up to 1 with the residual share.',
)
def FACTOR_SHARES(returns, factors, method=None, ddof=None):
    """Returns the share of each fund's variance due to each factor and to residual risk; one row per fund."""
    which = read_choice(method, "method", SHARE_METHODS, "isolated")
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    shares = factor_shares(models.fits, models.factors.values, which, degrees)
    columns = [*models.factors.labels, "residual", "total variance"]
    values = np.column_stack([shares.factor_shares, shares.idiosyncratic_shares, shares.total_variances])
    return labeled_table(models.returns.labels, columns, values, corner=f"{which} share")


@worksheet_function(
    returns_on_their_own=True,
    returns=f"Returns as decimals (0.01 = 1%): a column per fund, {help.OLDEST_FIRST}.",
    method='Optional. Method: "sum" (default) adds up the returns; "compound" compounds them.',
)
def HEDGE_RETURNS_CUMULATIVE(returns, factors, method=None):
    """Returns the cumulative hedged return (alpha plus residual) of each fund up to each row of the input."""
    how = read_choice(method, "method", CUMULATION_METHODS, "sum")
    models = fit_factor_models(returns, factors)
    refuse_percent_in(models.returns)  # sums and compounds of returns: percent is wrong whatever the factors' units
    paths = np.column_stack([cumulative_abnormal_returns(fit, how) for fit in models.fits])
    return aligned_rows(paths, models.returns.labels, models.returns.has_header)


@worksheet_function(
    window="Rows in each window, e.g. 252 for a year of daily data or 60 for five years of months; at most the number of rows.",
    min_obs=(
        "Optional. Fewest rows with data a window needs to give betas: omit for the least possible (factors + 1), "
        "or up to window to require complete windows."
    ),
    expanding="Optional. TRUE also fills the first rows, from an expanding window, until a full window is available; default FALSE.",
    missing='Optional. Missing values: "drop" (default) uses each window\'s complete rows; "skip" leaves a window with a gap empty.',
    include_alpha="Optional. TRUE adds the rolling alpha as the first column; default FALSE (betas only).",
)
def FACTOR_ROLLING_BETA(returns, factors, window, min_obs=None, expanding=None, missing=None, include_alpha=None):
    """Returns one asset's betas over a rolling (or expanding) window ending on each row; empty before the first."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    if returns_table.columns != 1:
        raise FactorxlError(f"returns must be a single asset column; it has {returns_table.columns} columns")
    fit = rolling_ols(
        returns_table.values[:, 0],
        factors_table.values,
        read_int(window, "window", minimum=1),
        min_obs=read_optional_int(min_obs, "min_obs", minimum=1),
        expanding=read_bool(expanding, "expanding", False),
        missing=read_choice(missing, "missing", MISSING_RULES, "drop"),
    )
    with_alpha = read_bool(include_alpha, "include_alpha", False)
    labels = (("alpha",) if with_alpha else ()) + factors_table.labels
    values = fit.params if with_alpha else fit.betas
    return aligned_rows(values, labels, returns_table.has_header)


# ---------------------------------------------------------------------------
# Portfolio exposures
# ---------------------------------------------------------------------------


@worksheet_function()
def PORTFOLIO_EXPOSURE(weights, returns, factors):
    """Returns a portfolio's factor exposures built up from its assets' betas: one row per row of weights."""
    models = fit_factor_models(returns, factors)
    holdings, has_header = _read_weights(weights, models.returns.columns)
    return aligned_rows(bottom_up_exposures(models.fits, holdings), models.factors.labels, has_header)


@worksheet_function()
def PORTFOLIO_EXPOSURE_GAP(weights, returns, factors):
    """Returns a portfolio's betas from its assets (bottom-up) beside those of its own return (top-down), and the gap."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    comparison = compare_exposures(
        returns_table.values,
        factors_table.values,
        _read_weights(weights, returns_table.columns)[0],
        factor_names=factors_table.labels,
        asset_names=returns_table.labels,
    )
    top = comparison.top_down
    columns = ["bottom-up avg", "bottom-up last", "top-down", "top-down std err", "gap"]
    values = np.column_stack(
        [comparison.bottom_up_mean, comparison.bottom_up_last, top.betas, top.bse[1:], comparison.gap]
    ).tolist()
    blank = [None] * (len(columns) - 1)
    summary = [("top-down alpha", top.alpha), ("top-down R-squared", top.rsquared), ("observations", top.nobs)]
    labels = [*factors_table.labels, *(label for label, _ in summary)]
    return labeled_table(labels, columns, values + [[value, *blank] for _, value in summary], corner="exposure")


@worksheet_function()
def PORTFOLIO_BETA(weights, returns, factors):
    """Returns a fixed-weight portfolio's factor betas with standard errors and the betas one standard error away."""
    models = fit_factor_models(returns, factors)
    table = read_table(weights, "weights", "w")
    w = table.values.ravel() if 1 in (table.rows, table.columns) else table.values
    if np.isnan(w).any():
        raise FactorxlError("weights has an empty or error cell; give every asset a weight (0 if not held)")
    refuse_percent("weights", w.reshape(-1, w.shape[-1]).T)  # each row is a portfolio
    result = portfolio_betas(models.fits, w)
    values = np.column_stack([result.betas, result.se, result.betas - result.se, result.betas + result.se])
    return labeled_table(models.factors.labels, ["beta", "std err", "beta - 1 s.e.", "beta + 1 s.e."], values, corner="portfolio")


# ---------------------------------------------------------------------------
# Premia: Fama-MacBeth on returns and characteristics
# ---------------------------------------------------------------------------

_SE_NAMES = {"fm": "Fama-MacBeth", "hac": "Newey-West", "shanken": "Shanken"}
"""The premia's standard errors by their option spelling: Newey-West is "hac" as in every function
("nw" reads as "hac"); the Fama-MacBeth core calls it "nw"."""
_CORE_SE = {"hac": "nw"}


def _premia_table(names, estimates, se, periods: int, se_label: str, summary: list, corner: str) -> list:
    """Rows of premia (premium, std err, t, p-value) followed by one-value summary rows."""
    tvalues, pvalues = t_test(estimates, se, periods - 1)
    columns = ["premium", "std err", "t", "p-value"]
    blank = [None] * (len(columns) - 1)
    rows = np.column_stack([estimates, se, tvalues, pvalues]).tolist()
    summary = [("std errors", se_label), *summary]
    labels = [*names, *(label for label, _ in summary)]
    return labeled_table(labels, columns, rows + [[value, *blank] for _, value in summary], corner=corner)


def _se_label(se: str, lags: int) -> str:
    return f"Newey-West ({lags} lags)" if se == "hac" else _SE_NAMES[se]


@worksheet_function(
    cov_type=(
        'Optional. Standard errors: "fm" (Fama-MacBeth) if omitted; "hac" (Newey-West) if the premia are '
        'autocorrelated; "shanken" allowing for estimated betas.'
    ),
    intercept=help.INTERCEPT_FM,
)
def FM_PREMIA(returns, factors, cov_type=None, lags=None, intercept=None):
    """Returns Fama-MacBeth factor premia with standard errors, t and p-values, fit statistics and the GRS test."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    which = read_choice(cov_type, "cov_type", tuple(_SE_NAMES), "fm")
    result = fama_macbeth(
        returns_table.values,
        factors_table.values,
        intercept=read_bool(intercept, "intercept", True),
        lags=read_optional_int(lags, "lags", minimum=0),
        factor_names=factors_table.labels,
        asset_names=returns_table.labels,
    )
    grs = result.grs
    summary = [
        ("avg R-squared", result.rsquared_mean),
        ("periods used", result.periods_used),
        ("periods skipped", result.periods_skipped),
        ("assets", returns_table.columns),
        ("GRS F", None if grs is None else grs.statistic),
        ("GRS p-value", None if grs is None else grs.pvalue),
        ("GRS periods", None if grs is None else grs.nobs),
    ]
    return _premia_table(
        result.names, result.premia, result.standard_errors(_CORE_SE.get(which, which)), result.periods_used,
        _se_label(which, result.inference.lags), summary, corner="premia",
    )


@worksheet_function(
    intercept=help.INTERCEPT_FM,
)
def FM_PREMIA_SERIES(returns, factors, intercept=None):
    """Returns the factor premia of each period's Fama-MacBeth cross-sectional regression, on the input's rows."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    result = fama_macbeth(
        returns_table.values,
        factors_table.values,
        intercept=read_bool(intercept, "intercept", True),
        factor_names=factors_table.labels,
        asset_names=returns_table.labels,
    )
    return aligned_rows(result.series, result.names, returns_table.has_header)


def _weight_column(weight_column, table: LongTable) -> int | None:
    """Position among the table's numeric columns of the regression-weight column, or None."""
    if is_missing(weight_column):
        return None
    position = label_position(weight_column, table.labels, "weight_column", first_column=3) if isinstance(weight_column, str) else None
    if position is None:
        try:
            position = read_int(weight_column, "weight_column", minimum=1) - 3
        except FactorxlError:
            raise FactorxlError(
                f"weight_column {shown(weight_column)} is not a column of {table.name}: give the header of a numeric column "
                f"({', '.join(table.labels[1:])}) or its column number"
            ) from None
    if not 1 <= position < len(table.labels):
        raise FactorxlError(
            f"weight_column must name a column after the return: columns 4 to {len(table.labels) + 2} of {table.name} "
            "(1 is the date, 2 the id, 3 the return)"
        )
    return position


def _characteristic_regressions(table, weight_column, intercept, standardize) -> tuple[LongTable, CharacteristicRegressions]:
    """Read a characteristics long table and run its regressions, one per date."""
    long_table = read_long_table(table, "table", "x", min_value_columns=2)
    refuse_percent("table", long_table.values[:, :1])
    weight_position = _weight_column(weight_column, long_table)
    characteristic_columns = [j for j in range(1, len(long_table.labels)) if j != weight_position]
    if not characteristic_columns:
        raise FactorxlError("table has no characteristic column besides the weights")
    regressions = characteristic_regressions(
        long_table.values[:, 0],
        long_table.values[:, characteristic_columns],
        long_table.date_index,
        len(long_table.dates),
        weights=None if weight_position is None else long_table.values[:, weight_position],
        intercept=read_bool(intercept, "intercept", False),
        standardize=read_bool(standardize, "standardize", True),
        names=[long_table.labels[j] for j in characteristic_columns],
        date_labels=long_table.date_labels,
    )
    return long_table, regressions


@worksheet_function(
    **_CHAR_OPTIONS,
)
def CHAR_RETURNS(table, weight_column=None, intercept=None, standardize=None):
    """Returns the return to each characteristic on each date, from a cross-sectional regression; a row per date."""
    long_table, regressions = _characteristic_regressions(table, weight_column, intercept, standardize)
    columns = [*regressions.names, "assets", "R-squared"]
    values = np.column_stack([regressions.coefficients, regressions.nobs, regressions.rsquared])
    return labeled_table(regressions.date_labels, columns, values, corner="date")


@worksheet_function(
    cov_type='Optional. Standard errors: "fm" (Fama-MacBeth) if omitted, or "hac" (Newey-West) if the premia are autocorrelated.',
    **_CHAR_OPTIONS,
)
def CHAR_PREMIA(table, cov_type=None, lags=None, weight_column=None, intercept=None, standardize=None):
    """Returns each characteristic's average return over the dates (Fama-MacBeth), with standard errors, t, p-values."""
    which = read_choice(cov_type, "cov_type", ("fm", "hac"), "fm")
    lag_count = read_optional_int(lags, "lags", minimum=0)
    long_table, regressions = _characteristic_regressions(table, weight_column, intercept, standardize)
    inference = premia_inference(regressions.coefficients, lag_count)
    summary = [
        ("avg R-squared", float(np.nanmean(regressions.rsquared))),
        ("dates used", inference.periods),
        ("dates skipped", int(regressions.too_few.sum())),
    ]
    se_values = inference.se_nw if which == "hac" else inference.se_fm
    return _premia_table(
        regressions.names, inference.estimates, se_values, inference.periods,
        _se_label(which, inference.lags), summary, corner="premia",
    )


@worksheet_function(
    on_date="The date whose portfolios you want: a date cell, an Excel date number or text like 2006-09-30.",
    **_CHAR_OPTIONS,
)
def CHAR_PURE_PLAY(table, on_date, weight_column=None, intercept=None, standardize=None):
    """Returns one date's pure-play portfolio weights: a column per characteristic, each exposed to it alone."""
    long_table, regressions = _characteristic_regressions(table, weight_column, intercept, standardize)
    position = long_table.date_position(read_date(on_date, "on_date"), "on_date")
    rows, pure = regressions.pure_play_weights(position)
    ids = [long_table.ids[i] for i in long_table.id_index[rows]]
    return labeled_table(ids, regressions.names, pure.T, corner=date_label(long_table.dates[position]))


def _matching_rows(table: LongTable, other: LongTable) -> np.ndarray:
    """For each row of ``other``, the row of ``table`` with the same date and id (an error if there is none)."""
    date_positions = {date: k for k, date in enumerate(table.dates)}
    id_positions = {identifier: k for k, identifier in enumerate(table.ids)}
    dates = np.array([date_positions.get(date, -1) for date in other.dates])[other.date_index]
    ids = np.array([id_positions.get(identifier, -1) for identifier in other.ids])[other.id_index]
    table_keys = table.date_index * len(table.ids) + table.id_index
    order = np.argsort(table_keys)
    keys = dates * len(table.ids) + ids
    found = np.minimum(np.searchsorted(table_keys[order], keys), len(order) - 1)
    missing = (dates < 0) | (ids < 0) | (table_keys[order][found] != keys)
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        raise FactorxlError(
            f"{other.name} holds {other.ids[other.id_index[k]]} on {date_label(other.dates[other.date_index[k]])} "
            f"at {PLACE}, but {table.name} has no row for that asset and date",
            RangePlace(other.name, int(other.sheet_rows[k]), 2),
        )
    return order[found]


@worksheet_function(
    holdings="Long table of the portfolio: date, asset id, weight, a row per holding and date; optional header. Assets must be in table.",
    **_CHAR_OPTIONS,
)
def CHAR_ADJUSTED_RETURN(holdings, table, weight_column=None, intercept=None, standardize=None):
    """Returns a portfolio's return on each date, the part its characteristics explain, and the difference."""
    long_table, regressions = _characteristic_regressions(table, weight_column, intercept, standardize)
    portfolio = read_long_table(holdings, "holdings", "w", min_value_columns=1)
    if len(portfolio.labels) != 1:
        raise FactorxlError(f"holdings must have 3 columns (date, asset id, weight); it has {len(portfolio.labels) + 2}")
    rows = _matching_rows(long_table, portfolio)
    holding_weights = portfolio.values[:, 0]
    if np.isnan(holding_weights).any():
        row = int(portfolio.sheet_rows[np.isnan(holding_weights)][0])
        raise FactorxlError(f"holdings has an empty weight at {PLACE}", RangePlace("holdings", row, 3))
    date_sums = np.bincount(portfolio.date_index, weights=holding_weights, minlength=len(portfolio.dates))
    refuse_percent("holdings", date_sums[None, :], portfolio.date_labels)  # each date's holdings are a portfolio
    result = regressions.portfolio(rows, holding_weights)
    columns = ["return", "implied", "adjusted", *regressions.names]
    values = np.column_stack([result.returns, result.implied, result.adjusted, result.exposures])
    return labeled_table([regressions.date_labels[d] for d in result.dates], columns, values, corner="date")
