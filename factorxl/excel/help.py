"""Function-Wizard help texts shared by several worksheet functions (each at most 255 characters)."""

RETURNS = (
    "Asset returns as decimals: one column per asset, time down the rows. An optional first row "
    "of text names the assets. Empty and error cells are missing."
)
ONE_ASSET_RETURNS = (
    "Returns of one asset as decimals: a single column, time down the rows, optional text header. "
    "Empty and error cells are missing."
)
FACTORS = (
    "Factor returns as decimals on the same rows as returns: one column per factor, optional text "
    "header. Rows with a missing factor are dropped."
)
PERIODS_PER_YEAR = (
    "Optional. Periods per year used to annualize: 252 daily, 12 monthly, 52 weekly. "
    "Omit to keep per-period values."
)
COV_TYPE = (
    'Optional. Standard errors: "classical" (default), "hc0", "hc1", "hc2", "hc3" '
    '(heteroskedasticity-robust) or "hac" (Newey-West).'
)
LAGS = "Optional. Newey-West lags for cov_type \"hac\"; default floor(4*(n/100)^(2/9))."
DDOF = (
    "Optional. Degrees-of-freedom correction of variances: 1 for sample variances (default), "
    "0 for population variances."
)
EXPOSURES = (
    "Factor exposures: one row per stock, one column per factor (e.g. market, industry 0/1 "
    "dummies, styles); optional first row of factor names."
)
FACTOR_COVARIANCE = (
    "Factor covariance matrix, K x K in the factor order of exposures (annualized if the result "
    "should be); optional header row of factor names."
)
SPECIFIC_VOLS = "Specific (idiosyncratic) volatility of each stock as a decimal, one per stock, same order as exposures."
CAPS = "Market capitalization of each stock (any units), one per stock; normalized to cap weights."
PORTFOLIO_EXPOSURES = "Factor exposures of the portfolio: K values (a column or a row) in the factor order of factor_covariance."
INTERCEPT = (
    "Optional. TRUE (default) regresses on a constant and the factors; FALSE goes through the origin (no "
    "alpha) and R-squared is uncentered, as statsmodels computes it without a constant."
)
