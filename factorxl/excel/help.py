"""Function-Wizard help for worksheet-function arguments, one text per argument name.

An argument name means one thing everywhere (docs/naming.md), so its help is written once,
here: :data:`ARGUMENTS` maps each name to what to select or type, its shape, units and
default. :func:`factorxl.excel.declare.worksheet_function` takes an argument's help from
this table; a function passes its own text only for an option whose choices or default are
its own (``method``, ``cov_type``, ``intercept``...), and that text opens with the same first
sentence wherever the name appears. Help never shows formulas in code notation: the docs
carry the formulas.
"""

import re

OLDEST_FIRST = "oldest first"
"""What the help of every argument in :data:`PERIOD_SERIES` says about the order of its rows."""

RETURNS = (
    f"Returns as decimals (0.01 = 1%): a column per asset, a row per period, {OLDEST_FIRST}; optional header row "
    "of names."
)
FACTORS = (
    f"Factor returns as decimals: a column per factor, the periods of the other ranges, {OLDEST_FIRST}; optional "
    "header row."
)
PERIODS_PER_YEAR = (
    "Optional. Periods in a year, to annualize: 252 for daily, 12 for monthly, 52 for weekly data. "
    "Omit to keep per-period values."
)
COV_TYPE = (
    'Optional. Standard errors: "classical" if omitted; "hc0" to "hc3" if volatility changes over time; "hac" '
    '(Newey-West) if returns are autocorrelated too.'
)
LAGS = (
    'Optional. For "hac" errors: how many periods of autocorrelation to allow for (the Newey-West lags). Omit '
    "to let factorxl choose from the number of periods."
)
HORIZON_PERIODS = (
    "Optional. Periods in the horizon, e.g. 21 for a month or 252 for a year of daily data; default 1. "
    "Expected P&L grows with it, volatility with its square root."
)
CHAR_WEIGHT_COLUMN = (
    "Optional. Column of the table holding positive regression weights (e.g. market cap), by header name "
    "or column number. Omit for equal weights."
)
DDOF = (
    "Optional. Degrees of freedom subtracted in variances: omit or 1 for sample variances (divided by n - 1, as "
    "VAR.S), 0 for population variances (by n, as VAR.P)."
)
EXPOSURES = (
    "Factor exposures of the stocks: one row per stock, one column per factor (market, industry 0/1 "
    "columns, styles); optional header row of factor names."
)
FACTOR_COVARIANCE = (
    "Factor covariance matrix: a row and a column per factor, in the exposures' column order; optional "
    "header row."
)
SPECIFIC_VOLS = "Specific (stock-only) volatility of each stock as a decimal: a column, one per stock, in the order of the exposures."
CAPS = "Market capitalization of each stock, in any currency unit: a column, one per stock."
PORTFOLIO_EXPOSURES = (
    "Factor exposures of the portfolio: one value per factor (a row or a column), in the order of the "
    "factor covariance; several portfolios as several columns."
)
WEIGHTS = (
    "Portfolio weights as decimals, one per asset (0 if not held): a row under the returns columns or a "
    "column by the exposures."
)
TABLE = (
    "Long table, a row per date and asset: date, asset id, return, a column per characteristic; optional "
    "header row."
)
DESCRIPTORS = (
    "Raw style descriptors (book-to-price, momentum, size...): one row per stock, one column per style; "
    "optional header row of style names."
)
INDUSTRY_COLUMNS = (
    "Optional. The industry 0/1 columns of the exposures, by header name or column number. Omit to use "
    "the 0/1 columns that are not all ones."
)
INTERCEPT = (
    "Optional. Includes an intercept in each regression when TRUE. Default TRUE; FALSE goes through the "
    "origin (no alpha) and R-squared is uncentered."
)
INTERCEPT_BETA = (
    "Optional. Includes an intercept in each regression when TRUE. Default TRUE; FALSE fits the betas through "
    "the origin (no alpha)."
)
INTERCEPT_FM = (
    "Optional. Includes an intercept in each regression when TRUE. Default TRUE (the zero-beta rate); "
    "FALSE forces it to 0."
)
INTERCEPT_CHAR = "Optional. Includes an intercept in each regression when TRUE. Default FALSE."
STANDARDIZE = (
    "Optional. TRUE (default) converts each characteristic to z-scores across the assets of each date; "
    "FALSE uses the raw values."
)
SPECIFIC_VOL = (
    "Specific (stock-only) volatility of the portfolio as a decimal, e.g. from RISK_DECOMPOSITION; the "
    "futures have none."
)
INSTRUMENT_EXPOSURES = (
    "Factor exposures of the hedge instruments (futures): one row per factor, one column per "
    "instrument; optional header row of instrument names."
)

START_DATE = (
    "Optional. First date: a date cell, text like 2020-01-31 or a year like 2020 (its first day). "
    "Omit for the first available."
)
END_DATE = (
    "Optional. Last date: a date cell, text like 2020-12-31 or a year like 2020 (its last day); a monthly "
    "or annual row counts whole. Omit for the latest available."
)

ARGUMENTS: dict[str, str] = {
    "returns": RETURNS,
    "factors": FACTORS,
    "periods_per_year": PERIODS_PER_YEAR,
    "cov_type": COV_TYPE,
    "lags": LAGS,
    "ddof": DDOF,
    "exposures": EXPOSURES,
    "factor_covariance": FACTOR_COVARIANCE,
    "specific_vols": SPECIFIC_VOLS,
    "caps": CAPS,
    "portfolio_exposures": PORTFOLIO_EXPOSURES,
    "weights": WEIGHTS,
    "table": TABLE,
    "descriptors": DESCRIPTORS,
    "industry_columns": INDUSTRY_COLUMNS,
    "standardize": STANDARDIZE,
    "intercept": INTERCEPT,
    "portfolio_specific_vol": SPECIFIC_VOL,
    "instrument_exposures": INSTRUMENT_EXPOSURES,
    "start_date": START_DATE,
    "end_date": END_DATE,
}
"""The help of every argument name whose help does not depend on the function."""

PERIOD_SERIES = frozenset(
    {"returns", "factors", "rf", "active_exposures", "specific_returns", "portfolio_returns", "benchmark_returns"}
)
"""Arguments whose rows are periods, oldest first, and whose values are returns (or exposures) over
those periods: their help says "oldest first" (checked when a function is declared), and a column
of dates or years among them is refused, whether it arrives as dates or as Excel date numbers
(:mod:`factorxl.excel.inputs`). Arguments about stocks (``caps``, ``exposures``, ``descriptors``,
``stock_returns``) and long tables (whose date and id columns belong there) are not among them: a
column of whole numbers rising down the rows can be caps sorted by size or ids there."""


def first_sentence(text: str) -> str:
    """What an argument is: its help up to the first colon or full stop, without the leading ``Optional.``."""
    body = text.removeprefix("Optional. ")
    return re.split(r":|\. ", body, maxsplit=1)[0]
