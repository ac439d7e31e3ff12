"""Every worksheet function called as Excel calls it, against NumPy arrays of its inputs and its core.

For each of the functions in ``factorxl.udfs`` at a realistic size (but FACTORXL_VERSION, which returns a
constant), in one run and on the same data:

* the full call: raw Python values as xlwings hands them over (a flat list for one column or
  row, lists of lists for a block, datetimes for dates, text for labels), through input reading,
  the core and output shaping, to the lists that spill into the sheet;
* the reference: what a NumPy user calling ``factorxl.core`` directly spends to get the same
  cells: ``np.array`` of the same inputs, the core functions the worksheet function runs, and
  ``tolist()`` of the core's result when it is an array (or a list of arrays), the lists a sheet
  receives. xlwings itself calls ``tolist()`` on an array a function returns, so that step is part
  of any call that fills cells; without it a function whose result is larger than its inputs
  (``RISK_ASSET_COV``: 22,000 cells in, 250,000 out; ``FF_DATA``: a cached table out) could not come
  near its reference however little it added.

Repetitions are interleaved (every function and its reference timed in turn within each
repetition), BLAS runs on one thread, and the table shows medians of CPU time. Target: every
full call at most 2x its reference. The last column, "strict", is the ratio against
``np.array`` of the inputs plus the core alone, without the result's lists.

FACTOR_BETA is also timed against the least any solver does: ``np.array`` of its inputs, a bare
NumPy normal-equations solve and the betas' list (target: at most 2x).

Usage: ``python benchmarks/bench_callpath.py [NAME ...]`` (names restrict the run; the data for
``FF_FACTORS`` from ``$FACTORXL_SHARED_DATA``, default ``../shared/data``).
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import argparse
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factorxl import udfs
from factorxl.core import characteristics, exposures, fama_macbeth, portfolio_exposure, premia
from factorxl.core.abnormal import cumulative_abnormal_returns
from factorxl.core.attribution import attribution
from factorxl.core.cross_section import cross_section_regression, regression_weights
from factorxl.core.factor_hedging import min_variance_hedge, neutralizing_hedge
from factorxl.core.factor_shares import factor_shares
from factorxl.core.fund_table import fund_table
from factorxl.core.hedging import hedge_to_factor_share, hedged_returns, short_hedge_cash_return, tracking_returns
from factorxl.core.optimization import min_tracking_error, turnover
from factorxl.core.performance import appraisal_ratio, sharpe_ratio
from factorxl.core.regression import ols
from factorxl.core.risk_decomposition import block_decomposition, risk_report, stock_contributions
from factorxl.core.risk_model import check_symmetric, covariance_from_correlation, covariance_from_returns, eigenvalues, risk_model
from factorxl.core.rolling import rolling_ols
from factorxl.core.sizing import expected_pnl, volatility_budget_position
from factorxl.core.stress import stress_test
from factorxl.core.summary import summarize
from factorxl.core.variance import complete_rows_covariance, decompose_variance, factor_implied_covariance, sample_volatility
from factorxl.data import DataSource
from factorxl.data.french import load_factors, load_table
from factorxl.excel.data_functions import set_data_source

RNG = np.random.default_rng(0)
DAYS, FACTORS = 9778, 6  # MSFT daily on six factors
FUNDS, FUND_DAYS = 25, 2500
FM_ASSETS, FM_PERIODS = 500, 240
STOCKS, STYLES, INDUSTRIES = 3000, 10, 29  # 40 factors: market, industries, styles
CHAR_DATES, CHAR_ASSETS, CHARS = 60, 500, 4
NOT_TIMED = {"FACTORXL_VERSION"}
"""Functions with nothing to time: FACTORXL_VERSION returns a constant text."""


@dataclass(frozen=True)
class Case:
    """A worksheet call and its reference: the raw arguments, which of them are arrays, and the core."""

    name: str
    raw: tuple
    core: Callable[..., object]
    arrays: tuple[int, ...]

    def full_call(self) -> object:
        return getattr(udfs, self.name)(*self.raw)

    def core_call(self) -> object:
        return self.core(*(np.array(v, dtype=float) if i in self.arrays else v for i, v in enumerate(self.raw)))

    def reference(self) -> object:
        return sheet_lists(self.core_call())


def sheet_lists(result: object) -> object:
    """The core's result as the lists a sheet receives: an array (or each array of a list) through
    ``tolist``, a 1-D array as a column (a row of one cell per value)."""
    if isinstance(result, np.ndarray):
        return (result.reshape(-1, 1) if result.ndim == 1 else result).tolist()
    if isinstance(result, list) and result and all(isinstance(item, np.ndarray) for item in result):
        return [item.tolist() for item in result]
    return result


def column(values: np.ndarray) -> list[float]:
    """A one-column range as xlwings hands it over: a flat list."""
    return np.asarray(values, dtype=float).ravel().tolist()


def block(values: np.ndarray) -> list[list[float]]:
    return np.asarray(values, dtype=float).tolist()


def fits(y: np.ndarray, x: np.ndarray, **options) -> list:
    return ols(y, x, **options)


def single_asset_cases() -> list[Case]:
    x = RNG.normal(0, 0.01, (DAYS, FACTORS))
    y = x @ RNG.normal(1, 0.3, FACTORS) + RNG.normal(0, 0.01, DAYS)
    y_raw, x_raw, x1_raw = column(y), block(x), column(x[:, 0])
    funds_x = RNG.normal(0, 0.01, (FUND_DAYS, FACTORS))
    funds_y = funds_x @ RNG.normal(1, 0.3, (FACTORS, FUNDS)) + RNG.normal(0, 0.01, (FUND_DAYS, FUNDS))
    fy, fx = block(funds_y), block(funds_x)
    rf = column(RNG.uniform(0, 1e-4, DAYS))
    holdings = block(RNG.dirichlet(np.ones(FUNDS), FUND_DAYS))  # date-by-date weights

    def cov_factor(y, x):
        return factor_implied_covariance(fits(y, x), x).matrix

    return [
        Case("FACTOR_BETA", (y_raw, x_raw), lambda y, x: [f.betas for f in fits(y, x)], (0, 1)),
        Case("FACTOR_ALPHA", (y_raw, x_raw, 252), lambda y, x, s: [f.alpha * s for f in fits(y, x)], (0, 1)),
        Case("FACTOR_REGRESS", (y_raw, x1_raw, "hac", 11), lambda y, x, c, k: fits(y, x, cov_type=c, lags=k), (0, 1)),
        Case("FACTOR_SUMMARY", (y_raw, x_raw, "hac", 11), lambda y, x, c, k: summarize(fits(y, x, cov_type=c, lags=k)[0], x), (0, 1)),
        Case("FACTOR_LINEST", (y_raw, x_raw, True, True), lambda y, x, c, t: summarize(fits(y, x)[0], x), (0, 1)),
        Case("HEDGE_RATIO", (y_raw, x_raw, 0.2), lambda y, x, t: [hedge_to_factor_share(f, x, t) for f in fits(y, x)], (0, 1)),
        Case("VOL_BUDGET_SIZE", (1e6, y_raw, 21, x_raw), lambda b, y, h, x: volatility_budget_position(b, sample_volatility(fits(y, x)[0].resid), h), (1, 3)),
        Case("EXPECTED_PNL", (1e6, y_raw, x_raw, 252), lambda p, y, x, n: expected_pnl(p, (f := fits(y, x)[0]).alpha, f.betas, x.mean(axis=0), n), (1, 2)),
        Case("FACTOR_VAR_DECOMP", (y_raw, x_raw), lambda y, x: decompose_variance(fits(y, x)[0], x), (0, 1)),
        Case("SHARPE_RATIO", (fy, 252), lambda y, s: [sharpe_ratio(c, s) for c in y.T], (0,)),
        Case("APPRAISAL_RATIO", (fy, fx, 252), lambda y, x, s: [appraisal_ratio(f.alpha, f.resid, s) for f in fits(y, x)], (0, 1)),
        Case("FACTOR_TRACKING", (y_raw, x_raw), lambda y, x: [tracking_returns(f, x) for f in fits(y, x)], (0, 1)),
        Case("HEDGE_RETURNS", (y_raw, x_raw), lambda y, x: [hedged_returns(f) for f in fits(y, x)], (0, 1)),
        Case("FACTOR_RESIDUALS", (y_raw, x_raw), lambda y, x: [f.expand(f.resid) for f in fits(y, x)], (0, 1)),
        Case("HEDGE_CASH_EFFECT", (1.2, rf), lambda b, r: short_hedge_cash_return(b, r), (1,)),
        Case("FACTOR_COV", (fy, fx), cov_factor, (0, 1)),
        Case("FACTOR_COV_PARAMS", (fy, fx), lambda y, x: factor_implied_covariance(fits(y, x), x).parameter_count, (0, 1)),
        Case("FUND_TABLE", (fy, fx, 252), lambda y, x, s: fund_table(fits(y, x), s), (0, 1)),
        Case("FACTOR_SHARES", (fy, fx), lambda y, x: factor_shares(fits(y, x), x), (0, 1)),
        Case("HEDGE_RETURNS_CUMULATIVE", (fy, fx), lambda y, x: [cumulative_abnormal_returns(f) for f in fits(y, x)], (0, 1)),
        Case("FACTOR_ROLLING_BETA", (y_raw, x_raw, 252), lambda y, x, w: rolling_ols(y, x, w), (0, 1)),
        Case("PORTFOLIO_EXPOSURE", (holdings, fy, fx), lambda w, y, x: portfolio_exposure.bottom_up_exposures(fits(y, x), w), (0, 1, 2)),
        Case("PORTFOLIO_EXPOSURE_GAP", (holdings, fy, fx), lambda w, y, x: portfolio_exposure.compare_exposures(y, x, w), (0, 1, 2)),
        Case("PORTFOLIO_BETA", ([1 / FUNDS] * FUNDS, fy, fx), lambda w, y, x: portfolio_exposure.portfolio_betas(fits(y, x), w), (0, 1, 2)),
    ]


def premia_cases() -> list[Case]:
    x = RNG.normal(0, 0.04, (FM_PERIODS, FACTORS))
    y = x @ RNG.normal(1, 0.5, (FACTORS, FM_ASSETS)) + RNG.normal(0, 0.05, (FM_PERIODS, FM_ASSETS))
    first = dt.datetime(2000, 1, 31)
    dates = [first + dt.timedelta(days=30 * d) for d in range(CHAR_DATES)]
    ids = [f"A{i:04d}" for i in range(CHAR_ASSETS)]
    chars = RNG.normal(size=(CHAR_DATES * CHAR_ASSETS, CHARS))
    returns = chars @ RNG.normal(0, 0.01, CHARS) + RNG.normal(0, 0.05, len(chars))
    date_column = [d for d in dates for _ in ids]
    table = [[d, i, r, *c] for d, i, r, c in zip(date_column, ids * CHAR_DATES, returns.tolist(), chars.tolist(), strict=True)]
    held = ids[:50]
    holdings = [[d, i, 0.02] for d in dates for i in held]

    def regressions(table):
        values = np.array([r[2:] for r in table], dtype=float)
        labels, date_index = np.unique(np.array([r[0] for r in table], dtype="datetime64[s]"), return_inverse=True)
        return characteristics.characteristic_regressions(values[:, 0], values[:, 1:], date_index, len(labels))

    def adjusted(table, holdings):
        result = regressions(table)
        rows = (np.arange(CHAR_DATES)[:, None] * CHAR_ASSETS + np.arange(len(held))[None, :]).ravel()
        return result.portfolio(rows, np.array([h[2] for h in holdings], dtype=float))

    return [
        Case("FM_PREMIA", (block(y), block(x)), lambda y, x: fama_macbeth.fama_macbeth(y, x).standard_errors("fm"), (0, 1)),
        Case("FM_PREMIA_SERIES", (block(y), block(x)), lambda y, x: fama_macbeth.fama_macbeth(y, x).series, (0, 1)),
        Case("CHAR_RETURNS", (table,), regressions, ()),
        Case("CHAR_PREMIA", (table,), lambda t: premia.premia_inference(regressions(t).coefficients), ()),
        Case("CHAR_PURE_PLAY", (table, dates[-1]), lambda t, d: regressions(t).pure_play_weights(CHAR_DATES - 1), ()),
        Case("CHAR_ADJUSTED_RETURN", (holdings, table), lambda h, t: adjusted(t, h), ()),
    ]


def per_period_cells(result) -> np.ndarray:
    """The per-period block of an attribution, as a sheet shows it: contributions, then the totals and the linking coefficient."""
    return np.column_stack([
        result.factor_contributions, result.specific, result.unexplained, result.active,
        result.portfolio, result.benchmark, result.coefficients,
    ])


def risk_cases() -> list[Case]:
    industry_labels = [f"I{j:02d}" for j in np.r_[np.arange(INDUSTRIES), RNG.integers(0, INDUSTRIES, STOCKS - INDUSTRIES)]]
    descriptors = RNG.normal(size=(STOCKS, STYLES))
    caps = RNG.lognormal(3.0, 1.5, STOCKS)
    style_names = [f"S{j}" for j in range(STYLES)]
    matrix = exposures.exposure_matrix(industry_labels, descriptors, caps, style_names)
    x = matrix.values
    k = x.shape[1]
    loadings = RNG.normal(size=(k, k + 5))
    f = loadings @ loadings.T / (k + 5) * 1e-3
    vols = np.sqrt(np.diag(f))
    correlation = f / np.outer(vols, vols)
    spec = RNG.uniform(0.1, 0.4, STOCKS)
    benchmark = caps / caps.sum()
    active = RNG.normal(0, 1e-3, STOCKS)
    active -= active.mean()
    returns = x @ RNG.normal(0, 0.02, k) + RNG.normal(0, 0.05, STOCKS)
    industry_columns = list(matrix.industry_columns)
    history = RNG.normal(0, 0.01, (FUND_DAYS, k))
    periods = 240
    attribution_f = RNG.normal(0, 0.01, (periods, k))
    attribution_x = RNG.normal(0, 0.1, (periods, k))
    specific = RNG.normal(0, 0.002, periods)
    bench = RNG.normal(0, 0.03, periods)
    portfolio = bench + (attribution_x * attribution_f).sum(axis=1) + specific
    instruments = RNG.normal(size=(k, 3))
    x_raw, f_raw, spec_raw = block(x), block(f), column(spec)
    opt_n = 1000
    targets = [[None] * (k - 1) + [0.0]]

    def model(x, f, s):
        return risk_model(x, f, s)

    def optimize(x, f, s, w_b):
        a_eq = np.vstack([np.ones(opt_n), x[:, -1]])
        return min_tracking_error(risk_model(x, f, s), a_eq, np.zeros(2), lower=-w_b)

    return [
        Case("EXPOSURE_STANDARDIZE", (block(descriptors), column(caps)), lambda d, c: exposures.standardize(d, c), (0, 1)),
        Case("EXPOSURE_MATRIX", (industry_labels, block(descriptors), column(caps)), lambda i, d, c: exposures.exposure_matrix(i, d, c, style_names).values, (1, 2)),
        Case("CROSS_SECTION_FIT", (column(returns), x_raw, column(caps)), lambda r, x, c: cross_section_regression(r, x, c, industry_columns), (0, 1, 2)),
        Case("CROSS_SECTION_RESIDUALS", (column(returns), x_raw, column(caps)), lambda r, x, c: cross_section_regression(r, x, c, industry_columns).residuals, (0, 1, 2)),
        Case("CROSS_SECTION_PURE_PORTFOLIOS", (column(returns), x_raw, column(caps)), lambda r, x, c: cross_section_regression(r, x, c, industry_columns).pure_portfolios, (0, 1, 2)),
        Case("CROSS_SECTION_WEIGHTS", (column(caps),), regression_weights, (0,)),
        Case("RISK_FACTOR_COV", (column(vols), block(correlation)), covariance_from_correlation, (0, 1)),
        Case("RISK_FACTOR_COV_HISTORY", (block(history), "ewma", 60), lambda h, m, l: covariance_from_returns(h, m, l), (0,)),
        Case("RISK_EIGENVALUES", (f_raw,), lambda m: eigenvalues(check_symmetric(m, "matrix")), (0,)),
        Case("RISK_ASSET_COV", (block(x[:500]), f_raw, column(spec[:500])), lambda x, f, s: model(x, f, s).covariance, (0, 1, 2)),
        Case("RISK_EXPOSURE", (column(active), x_raw), lambda w, x: x.T @ w, (0, 1)),
        Case("RISK_DECOMPOSITION", (column(active), x_raw, f_raw, spec_raw), lambda w, x, f, s: risk_report(model(x, f, s), w), (0, 1, 2, 3)),
        Case("RISK_CONTRIBUTIONS", (column(active), x_raw, f_raw, spec_raw), lambda w, x, f, s: stock_contributions(model(x, f, s), w), (0, 1, 2, 3)),
        Case("RISK_BLOCKS", (column(active), x_raw, f_raw, spec_raw), lambda w, x, f, s: block_decomposition(model(x, f, s), w, exposures.classify_columns(x)), (0, 1, 2, 3)),
        Case("RISK_STRESS", (block(x[:2].T), f_raw, 2, -2), lambda e, f, j, z: stress_test(f, j - 1, z, e), (0, 1)),
        Case(
            "ATTRIBUTION",
            (block(attribution_x), block(attribution_f), column(specific), column(portfolio), column(bench)),
            lambda x, f, s, p, b: per_period_cells(attribution(x, f, s, p, b)),
            (0, 1, 2, 3, 4),
        ),
        Case("HEDGE_FUTURES", (column(x[0]), 0.05, block(instruments), f_raw, [1, 2, 3]), lambda e, s, h, f, j: neutralizing_hedge(e, h, [0, 1, 2], f, s), (0, 2, 3)),
        Case("HEDGE_FUTURES_MIN_VAR", (column(x[0]), 0.05, column(instruments[:, 0]), f_raw), lambda e, s, h, f: min_variance_hedge(e, h, f, s), (0, 2, 3)),
        Case(
            "OPTIMIZE_MIN_TE",
            (block(x[:opt_n]), f_raw, column(spec[:opt_n]), targets, column(benchmark[:opt_n] / benchmark[:opt_n].sum()), 0),
            lambda x, f, s, t, w_b, lo: optimize(x, f, s, w_b),
            (0, 1, 2, 4),
        ),
        Case("PORTFOLIO_TURNOVER", (column(benchmark), column(benchmark + active)), turnover, (0, 1)),
    ]


def data_cases() -> list[Case]:
    source = DataSource(local_dir=Path(os.environ.get("FACTORXL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")), vintage="v202412")
    set_data_source(source)
    return [
        Case("FF_FACTORS", ("FF5", "daily"), lambda m, p: load_factors(m, p, source=source).to_numpy(), ()),
        Case("FF_DATA", ("F-F_Research_Data_Factors_daily",), lambda d: load_table(d, source=source)[2].to_numpy(), ()),
    ]


def normal_equations(returns: list, factors: list) -> list:
    """FACTOR_BETA's betas the barest way: np.array of the inputs, the normal equations with an
    intercept solved by NumPy, the betas' list."""
    y, x = np.array(returns, dtype=float), np.array(factors, dtype=float)
    design = np.column_stack([np.ones(len(y)), x])
    return np.linalg.solve(design.T @ design, design.T @ y)[1:].tolist()


def main() -> None:
    timed = sorted(set(udfs.__all__) - NOT_TIMED)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Target: every full call at most 2x its reference.")
    parser.add_argument("names", nargs="*", metavar="NAME", help="time only these worksheet functions (default: all)")
    chosen = set(parser.parse_args().names)
    if chosen - set(timed):
        parser.error(f"not a timed worksheet function: {', '.join(sorted(chosen - set(timed)))}; choose from {', '.join(timed)}")
    cases = single_asset_cases() + premia_cases() + risk_cases() + data_cases()
    cases = [case for case in cases if not chosen or case.name in chosen]
    missing = set(udfs.__all__) - NOT_TIMED - {case.name for case in cases} if not chosen else set()
    if missing:
        print(f"not measured: {', '.join(sorted(missing))}")
    candidates = {}
    for case in cases:
        candidates[case.name + " full"] = case.full_call
        candidates[case.name + " reference"] = case.reference
        candidates[case.name + " core"] = case.core_call
        if case.name == "FACTOR_BETA":
            candidates["FACTOR_BETA normal equations"] = lambda raw=case.raw: normal_equations(*raw)
    times = fair.interleaved_medians(candidates, repeat=7)
    print(f"{'function':<30} {'full call':>11} {'reference':>11} {'ratio':>7} {'strict':>7}")
    ratios = {}
    for case in cases:
        full, reference, core = (times[f"{case.name} {part}"] for part in ("full", "reference", "core"))
        ratios[case.name] = full / reference
        print(f"{case.name:<30} {full * 1e3:>9.2f}ms {reference * 1e3:>9.2f}ms {ratios[case.name]:>6.2f}x {full / core:>6.2f}x")
    worst = max(ratios, key=ratios.get)
    over = [name for name, ratio in ratios.items() if ratio > 2.0]
    print(f"worst: {worst} {ratios[worst]:.2f}x; above 2x: {len(over)} of {len(ratios)} ({', '.join(over) or 'none'})")
    if "FACTOR_BETA normal equations" in times:
        floor = times["FACTOR_BETA normal equations"]
        print(f"FACTOR_BETA against a bare NumPy normal-equations solve ({floor * 1e3:.2f}ms): "
              f"{times['FACTOR_BETA full'] / floor:.2f}x (target: at most 2x)")


if __name__ == "__main__":
    main()
