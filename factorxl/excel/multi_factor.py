"""Worksheet functions for many funds and many factors: fund tables, variance shares, abnormal-return
paths, rolling betas, bottom-up vs top-down exposures, Fama-MacBeth premia and cross-sectional
characteristic regressions on long tables.
"""

from __future__ import annotations

import numpy as np

from factorxl.core.abnormal import CUMULATION_METHODS, cumulative_abnormal_returns
from factorxl.core.characteristics import CharacteristicRegressions, characteristic_regressions
from factorxl.core.factor_shares import SHARE_METHODS, factor_shares
from factorxl.core.fama_macbeth import SE_TYPES, fama_macbeth
from factorxl.core.fund_table import fund_table
from factorxl.core.portfolio_exposure import bottom_up_exposures, compare_exposures, portfolio_betas
from factorxl.core.premia import premia_inference, t_test
from factorxl.core.rolling import MISSING_RULES, rolling_ols
from factorxl.errors import FactorxlError
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
)
from factorxl.excel.outputs import aligned_rows, labeled_table

__all__ = [
    "ABNORMAL_CUMULATIVE",
    "CHAR_ADJUSTED_RETURN",
    "CHAR_PREMIA",
    "CHAR_PURE_PLAY",
    "CHAR_RETURNS",
    "FACTOR_ROLLING_BETA",
    "FACTOR_SHARES",
    "FM_PREMIA",
    "FM_PREMIA_SERIES",
    "FUND_TABLE",
    "PORTFOLIO_BETAS",
    "PORTFOLIO_EXPOSURE",
    "PORTFOLIO_EXPOSURE_GAP",
]

# Help texts used by several functions of this family
_WEIGHTS = (
    "Portfolio weights, one column per asset (same order as returns): one row for fixed weights, or one "
    "row per return row for holdings that change. Empty cells count as 0 (not held)."
)
_TABLE = (
    "Long table, one row per date and asset: date, asset id, return, then one column per characteristic. "
    "Optional header row. Dates as dates, Excel numbers or text; ids as text or numbers."
)
_CHAR_WEIGHTS = (
    "Optional. Header name (or column number, date = 1) of a table column of positive regression weights, "
    "e.g. market cap, for WLS; it is not a characteristic. Omit for OLS."
)
_TEST_ASSETS = (
    "Test asset (excess) returns: one column per asset, time down the rows, optional text header. "
    "Missing cells are fine (unbalanced panel)."
)
_INTERCEPT_FM = (
    "Optional. TRUE (default) includes an intercept (zero-beta rate) in each cross-sectional regression; "
    "FALSE forces it to zero."
)
_INTERCEPT_CHAR = "Optional. TRUE adds an intercept to each date's regression; default FALSE (as in the course)."
_STANDARDIZE = "Optional. TRUE (default) z-scores each characteristic across the assets of each date (ddof=1); FALSE uses raw values."
# the options every characteristic-regression function takes after its own arguments
_CHAR_OPTIONS = {"weights": _CHAR_WEIGHTS, "intercept": _INTERCEPT_CHAR, "standardize": _STANDARDIZE}
_LAGS = "Optional. Newey-West lags for se \"nw\"; default floor(4*(T/100)^(2/9)), T = periods estimated."


def _read_weights(weights, nassets: int) -> tuple[np.ndarray, bool]:
    """A weights range with one column per asset (empty cells are 0, not held), and whether it had a header."""
    table = read_table(weights, "weights", "w")
    if table.columns == 1 and table.rows == nassets:  # a single weights row, passed as a flat list
        table = table.as_row()
    if table.columns != nassets:
        raise FactorxlError(
            f"weights has {table.columns} columns but returns has {nassets} assets; one weight column per asset"
        )
    return np.nan_to_num(table.values, nan=0.0), table.has_header


# ---------------------------------------------------------------------------
# Time-series regressions of many funds
# ---------------------------------------------------------------------------


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    periods_per_year=(
        "Periods per year: 252 daily, 12 monthly, 52 weekly. Alpha is multiplied by it, idiosyncratic vol by "
        "its square root; sample length in years is observations / periods_per_year."
    ),
    cov_type=help.COV_TYPE,
    ddof=(
        "Optional. Idiosyncratic variance is SSR/(n - ddof). Omit for the regression's SSR/(n-K-1); 1 gives the "
        "standard deviation of the residuals, as the course's ETF table."
    ),
    intercept=help.INTERCEPT,
)
def FUND_TABLE(returns, factors, periods_per_year, cov_type=None, ddof=None, intercept=None):
    """One row per fund column: annualized alpha, t(alpha), the loadings, annualized idiosyncratic vol, R-squared, years of data and observations. Each fund uses its own non-missing rows."""
    scale = read_number(periods_per_year, "periods_per_year", positive=True)
    degrees = read_optional_int(ddof, "ddof", minimum=0)
    models = fit_regression(returns, factors, cov_type, None, intercept)
    for fit in models.fits:
        fit.require_residual_variance("t(alpha)")
    table = fund_table(models.fits, scale, degrees)
    with_alpha = models.fits[0].intercept
    alpha_columns, alphas = (["alpha", "t(alpha)"], [table.alpha, table.t_alpha]) if with_alpha else ([], [])
    columns = [*alpha_columns, *models.factors.labels, "idio vol", rsquared_labels(with_alpha)[0], "years", "observations"]
    values = np.column_stack([*alphas, table.betas, table.idiosyncratic_vol, table.rsquared, table.years, table.nobs])
    return labeled_table(models.returns.labels, columns, values, corner="fund")


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    method=(
        'Optional. "isolated" (default): beta_k^2*Var(f_k)/Var(r), each factor on its own, covariances left out; '
        '"euler": beta_k*(Sigma_f*beta)_k/Var(r), which add up with the idiosyncratic share to 1.'
    ),
    ddof=help.DDOF,
)
def FACTOR_SHARES(returns, factors, method=None, ddof=None):
    """Share of each fund's return variance due to each factor, and the idiosyncratic share 1 - R-squared: a row per fund, a column per factor. For example ARKK's anti-value share beta_HML^2*Var(HML)/Var(r)."""
    which = read_choice(method, "method", SHARE_METHODS, "isolated")
    degrees = read_ddof(ddof)
    models = fit_factor_models(returns, factors)
    shares = factor_shares(models.fits, models.factors.values, which, degrees)
    columns = [*models.factors.labels, "idiosyncratic", "total variance"]
    values = np.column_stack([shares.factor_shares, shares.idiosyncratic_shares, shares.total_variances])
    return labeled_table(models.returns.labels, columns, values, corner=f"{which} share")


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    method='Optional. "sum" (default): running sum of the abnormal returns, as in the course; "compound": running product of (1 + r) minus 1.',
)
def ABNORMAL_CUMULATIVE(returns, factors, method=None):
    """Cumulative abnormal return (alpha + residual, the factor-hedged return) of each fund column through each row, aligned with the input rows; empty where the fund or a factor is missing."""
    how = read_choice(method, "method", CUMULATION_METHODS, "sum")
    models = fit_factor_models(returns, factors)
    paths = np.column_stack([cumulative_abnormal_returns(fit, how) for fit in models.fits])
    return aligned_rows(paths, models.returns.labels, models.returns.has_header)


@worksheet_function(
    returns=help.ONE_ASSET_RETURNS,
    factors=help.FACTORS,
    window="Rows in each rolling window, e.g. 252 for a year of daily returns or 60 for five years of months; at most the number of rows.",
    min_obs="Optional. Fewest complete rows a window needs to be estimated, from K+1 to window; default K+1 (statsmodels' default).",
    expanding="Optional. TRUE also fills the first rows with an expanding window until window rows are available; default FALSE.",
    missing='Optional. "drop" (default): each window uses its complete rows; "skip": a window with any missing value is left empty.',
    include_alpha="Optional. TRUE adds the rolling alpha as the first column; default FALSE (betas only).",
)
def FACTOR_ROLLING_BETA(returns, factors, window, min_obs=None, expanding=None, missing=None, include_alpha=None):
    """Rolling (or expanding) factor betas of one asset: a T x K block aligned with the input rows, the betas of the window ending on each row; empty before the first full window. Equal to statsmodels RollingOLS."""
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


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS, weights=_WEIGHTS)
def PORTFOLIO_EXPOSURE(returns, factors, weights):
    """Bottom-up factor exposures of a portfolio: each asset's betas (its own regression) weighted by the holdings of each weights row. One row per weights row, one column per factor."""
    models = fit_factor_models(returns, factors)
    holdings, has_header = _read_weights(weights, models.returns.columns)
    return aligned_rows(bottom_up_exposures(models.fits, holdings), models.factors.labels, has_header)


@worksheet_function(returns=help.RETURNS, factors=help.FACTORS, weights=_WEIGHTS)
def PORTFOLIO_EXPOSURE_GAP(returns, factors, weights):
    """Bottom-up vs top-down exposures per factor: the average and last date-by-date weighted asset betas, the betas of the portfolio's own return regression with std errors, and the gap top-down minus average."""
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


@worksheet_function(
    returns=help.RETURNS,
    factors=help.FACTORS,
    weights="Fixed portfolio weights: one row (or column) with one weight per asset column of returns.",
)
def PORTFOLIO_BETAS(returns, factors, weights):
    """Portfolio factor betas sum(w_i*beta_i) with standard errors sqrt(sum(w_i^2*Var(beta_i))) from each asset's own regression, and the betas minus and plus one standard error."""
    models = fit_factor_models(returns, factors)
    table = read_table(weights, "weights", "w")
    w = table.values.ravel() if 1 in (table.rows, table.columns) else table.values
    if np.isnan(w).any():
        raise FactorxlError("weights has an empty or error cell; give every asset a weight (0 if not held)")
    result = portfolio_betas(models.fits, w)
    values = np.column_stack([result.betas, result.se, result.betas - result.se, result.betas + result.se])
    return labeled_table(models.factors.labels, ["beta", "std err", "beta - 1 s.e.", "beta + 1 s.e."], values, corner="portfolio")


# ---------------------------------------------------------------------------
# Premia: Fama-MacBeth on returns and characteristics
# ---------------------------------------------------------------------------

_SE_NAMES = {"fm": "Fama-MacBeth", "nw": "Newey-West", "shanken": "Shanken"}


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
    return f"Newey-West ({lags} lags)" if se == "nw" else _SE_NAMES[se]


@worksheet_function(
    returns=_TEST_ASSETS,
    factors=help.FACTORS,
    se='Optional. Standard errors: "fm" Fama-MacBeth (default), "nw" Newey-West on the premia series, "shanken" Fama-MacBeth with the Shanken (1992) errors-in-variables correction.',
    lags=_LAGS,
    intercept=_INTERCEPT_FM,
)
def FM_PREMIA(returns, factors, se=None, lags=None, intercept=None):
    """Two-pass Fama-MacBeth factor premia: time-series betas, a cross-sectional regression per period, average premia with std err, t, p-value; then avg R-squared, periods used/skipped and the GRS test."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    which = read_choice(se, "se", SE_TYPES, "fm")
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
        result.names, result.premia, result.standard_errors(which), result.periods_used,
        _se_label(which, result.inference.lags), summary, corner="premia",
    )


@worksheet_function(
    returns=_TEST_ASSETS,
    factors=help.FACTORS,
    intercept=_INTERCEPT_FM,
)
def FM_PREMIA_SERIES(returns, factors, intercept=None):
    """The per-period premia of the Fama-MacBeth cross-sectional regressions (intercept first), aligned with the input rows; empty for periods skipped for too few assets or collinear betas."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    result = fama_macbeth(
        returns_table.values,
        factors_table.values,
        intercept=read_bool(intercept, "intercept", True),
        factor_names=factors_table.labels,
        asset_names=returns_table.labels,
    )
    return aligned_rows(result.series, result.names, returns_table.has_header)


def _weight_column(weights, table: LongTable) -> int | None:
    """Position among the table's numeric columns of the regression-weight column, or None."""
    if is_missing(weights):
        return None
    labels = [label.lower() for label in table.labels]
    if isinstance(weights, str) and weights.strip().lower() in labels:
        position = labels.index(weights.strip().lower())
    else:
        try:
            position = read_int(weights, "weights", minimum=1) - 3
        except FactorxlError:
            raise FactorxlError(
                f"weights {weights!r} is not a column of {table.name}: give the header of a numeric column "
                f"({', '.join(table.labels[1:])}) or its column number"
            ) from None
    if not 1 <= position < len(labels):
        raise FactorxlError(
            f"weights must name a column after the return: columns 4 to {len(labels) + 2} of {table.name} "
            "(1 is the date, 2 the id, 3 the return)"
        )
    return position


def _characteristic_regressions(table, weights, intercept, standardize) -> tuple[LongTable, CharacteristicRegressions]:
    """Read a characteristics long table and run its regressions, one per date."""
    long_table = read_long_table(table, "table", "x", min_value_columns=2)
    weight_position = _weight_column(weights, long_table)
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


@worksheet_function(table=_TABLE, **_CHAR_OPTIONS)
def CHAR_RETURNS(table, weights=None, intercept=None, standardize=None):
    """Characteristic returns: per date, returns regressed on the (z-scored) characteristics by OLS or WLS. One row per date: the coefficients, assets used and R-squared; empty for dates with too few assets."""
    long_table, regressions = _characteristic_regressions(table, weights, intercept, standardize)
    columns = [*regressions.names, "assets", "R-squared"]
    values = np.column_stack([regressions.coefficients, regressions.nobs, regressions.rsquared])
    return labeled_table(long_table.date_labels, columns, values, corner="date")


@worksheet_function(
    table=_TABLE,
    se='Optional. "fm" Fama-MacBeth (default) or "nw" Newey-West standard errors of the average characteristic returns.',
    lags=_LAGS,
    **_CHAR_OPTIONS,
)
def CHAR_PREMIA(table, se=None, lags=None, weights=None, intercept=None, standardize=None):
    """Fama-MacBeth premia of characteristics: the average of the per-date characteristic returns with std err, t and p-value, then the average R-squared and dates used and skipped."""
    which = read_choice(se, "se", ("fm", "nw"), "fm")
    lag_count = read_optional_int(lags, "lags", minimum=0)
    long_table, regressions = _characteristic_regressions(table, weights, intercept, standardize)
    inference = premia_inference(regressions.coefficients, lag_count)
    summary = [
        ("avg R-squared", float(np.nanmean(regressions.rsquared))),
        ("dates used", inference.periods),
        ("dates skipped", int(regressions.too_few.sum())),
    ]
    se_values = inference.se_nw if which == "nw" else inference.se_fm
    return _premia_table(
        regressions.names, inference.estimates, se_values, inference.periods,
        _se_label(which, inference.lags), summary, corner="premia",
    )


@worksheet_function(
    table=_TABLE,
    on_date="The date whose regression's portfolios are wanted: a date cell, an Excel date number or text like 2006-09-30.",
    **_CHAR_OPTIONS,
)
def CHAR_PURE_PLAY(table, on_date, weights=None, intercept=None, standardize=None):
    """Pure-play portfolio weights (X'WX)^-1 X'W of one date: a row per asset, a column per characteristic. Each column has unit exposure to its characteristic, none to the others; weights times returns = coefficients."""
    long_table, regressions = _characteristic_regressions(table, weights, intercept, standardize)
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
            f"{other.name} row {other.sheet_rows[k]} holds {other.ids[other.id_index[k]]} on "
            f"{date_label(other.dates[other.date_index[k]])}, but {table.name} has no row for that asset and date"
        )
    return order[found]


@worksheet_function(
    table=_TABLE,
    holdings="Long table of the portfolio: date, asset id, weight (one row per holding and date), optional header. The assets must be in table on those dates.",
    **_CHAR_OPTIONS,
)
def CHAR_ADJUSTED_RETURN(table, holdings, weights=None, intercept=None, standardize=None):
    """Characteristic-adjusted return of a portfolio on each of its dates: its return, the return implied by its characteristics X'h times that date's characteristic returns, the difference, then X'h."""
    long_table, regressions = _characteristic_regressions(table, weights, intercept, standardize)
    portfolio = read_long_table(holdings, "holdings", "w", min_value_columns=1)
    if len(portfolio.labels) != 1:
        raise FactorxlError(f"holdings must have 3 columns (date, asset id, weight); it has {len(portfolio.labels) + 2}")
    rows = _matching_rows(long_table, portfolio)
    holding_weights = portfolio.values[:, 0]
    if np.isnan(holding_weights).any():
        raise FactorxlError(f"holdings has an empty weight at row {portfolio.sheet_rows[np.isnan(holding_weights)][0]}")
    result = regressions.portfolio(rows, holding_weights)
    columns = ["return", "implied", "adjusted", *regressions.names]
    values = np.column_stack([result.returns, result.implied, result.adjusted, result.exposures])
    return labeled_table([long_table.date_labels[d] for d in result.dates], columns, values, corner="date")
