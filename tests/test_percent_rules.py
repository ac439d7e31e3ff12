"""Percent typed where decimals are expected: returns, volatilities, variances and weights.

Each rule of :mod:`factorxl.excel.scale_check` on the slips it is for (refused with a message that
names the argument and says to divide by 100), on the legitimate data it must let through
(long-short, leveraged and illiquid data, genuinely large returns, data in units of their own,
every dataset in the shared folder) with results checked against references computed here, and
on every argument that declares it, in every function.
"""

from __future__ import annotations

import datetime
import inspect
import re
import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from factorxl import udfs
from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_brk_arkk, load_msft, load_spy_wmt_jpm_excess
from factorxl.data.french import load_table
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from factorxl.excel.scale_check import (
    COVARIANCE,
    PERCENT_MOVE,
    PERCENT_RULES,
    RETURN_SERIES,
    SCALE_RATIO,
    check_scale,
    declared_rules,
    typical_size,
)
from factorxl.workbooks.templates import minimodel_example as mm

from course_data import column
from tests.sheet_values import as_column

# ---------------------------------------------------------------------------
# The size of a series' moves
# ---------------------------------------------------------------------------


def _reference_size(values: np.ndarray) -> float:
    """numpy's interquartile range / 1.349 of the values other than the median, one column at a time."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return np.nan
    moving = present[present != np.median(present)]
    if moving.size == 0:
        return 0.0
    upper, lower = np.percentile(moving, [75, 25])
    return (upper - lower) / 1.349


def test_typical_size_is_numpy_interquartile_range_of_the_values_off_the_median():
    rng = np.random.default_rng(7)
    for _ in range(400):
        block = rng.normal(size=(rng.integers(1, 40), rng.integers(1, 5))) * 10.0 ** rng.integers(-4, 4)
        block[rng.random(block.shape) < rng.random()] = 0.0  # illiquid: runs of zeros
        block = np.round(block, int(rng.integers(0, 6)))  # ties elsewhere too
        block[rng.random(block.shape) < 0.2] = np.nan
        expected = [_reference_size(block[:, j]) for j in range(block.shape[1])]
        np.testing.assert_allclose(typical_size(block), expected, rtol=1e-12, atol=0, equal_nan=True)


def test_typical_size_survives_zeros_repeated_values_few_moves_and_outliers():
    """The size of a normal series' moves (0.01), whatever surrounds them; the plain interquartile range
    is 0 for the first three."""
    rng = np.random.default_rng(11)
    moves = rng.normal(0.0, 0.01, 400)
    zeros = np.concatenate([moves, np.zeros(600)])  # an illiquid stock: 60 % of days without a trade
    stale = np.concatenate([moves, np.full(700, 0.0031)])  # a value repeated over a long run
    handful = np.concatenate([np.zeros(995), [0.012, -0.008, 0.004, -0.015, 0.009]])
    outliers = np.concatenate([moves, [99999.0, -9999.0, 1e6, 5e3]])  # missing-value codes
    for series in (zeros, stale, handful):
        upper, lower = np.percentile(series, [75, 25])
        assert upper == lower  # what the interquartile range alone would see
    for series, low, high in ((zeros, 0.008, 0.012), (stale, 0.008, 0.012), (handful, 0.005, 0.02), (outliers, 0.008, 0.012)):
        assert low < typical_size(series)[0] < high


# ---------------------------------------------------------------------------
# The reproducers, each refused with the fix, and computed right in decimals
# ---------------------------------------------------------------------------


def _msft(shared_data) -> np.ndarray:
    return load_msft(source=DataSource(local_dir=shared_data, vintage="v202412"))["MSFT"].dropna().to_numpy()


def test_vol_budget_size_refuses_a_returns_range_in_percent(shared_data):
    returns = _msft(shared_data)[-500:]
    with pytest.raises(FactorxlError, match=r"^returns typically move 1\.\d+ a period and fall to -\d.*Divide returns by 100"):
        udfs.VOL_BUDGET_SIZE(1e6, (returns * 100).tolist(), 21)
    expected = 1e6 / (np.std(returns, ddof=1) * np.sqrt(21))
    assert udfs.VOL_BUDGET_SIZE(1e6, returns.tolist(), 21) == pytest.approx(expected, rel=1e-12)


def test_vol_budget_size_refuses_a_volatility_typed_in_percent():
    with pytest.raises(FactorxlError, match=r"^returns is 2, a volatility of 200% a period.*Type 0\.02 instead"):
        udfs.VOL_BUDGET_SIZE(1e6, 2, 21)
    assert udfs.VOL_BUDGET_SIZE(1e6, 0.02, 21) == pytest.approx(1e6 / (0.02 * 21**0.5), rel=1e-14)
    assert udfs.VOL_BUDGET_SIZE(1e6, 0.95, 1) == pytest.approx(1e6 / 0.95, rel=1e-14)  # a 95 % annual volatility


def test_risk_asset_cov_refuses_specific_vols_in_percent():
    exposures, covariance = [[1.0, 0.5], [1.0, -0.3], [1.0, 1.2]], [[0.04, 0.002], [0.002, 0.01]]
    with pytest.raises(FactorxlError, match=r"^specific_vols have a median of 25, volatilities of 2\.5e\+03% a period.*Divide specific_vols by 100"):
        udfs.RISK_ASSET_COV(exposures, covariance, [[18], [25], [30]])
    x, f, vols = np.array(exposures), np.array(covariance), np.array([0.18, 0.25, 0.30])
    expected = x @ f @ x.T + np.diag(vols**2)  # 0.0324, 0.0625, 0.09 on the diagonal, not 324, 625, 900
    np.testing.assert_allclose(udfs.RISK_ASSET_COV(exposures, covariance, [[0.18], [0.25], [0.30]]), expected, rtol=1e-14)


def test_risk_decomposition_refuses_weights_in_percent():
    x, f, vols = mm.CHAPTER2_EXPOSURES[:2], mm.CHAPTER2_FACTOR_COV, mm.CHAPTER2_SPECIFIC_VOLS[:2]
    arguments = (x.tolist(), f.tolist(), vols.reshape(-1, 1).tolist())
    with pytest.raises(FactorxlError, match=r"^weights add up to 100, and weights as decimals add up to about 1.*Divide weights by 100"):
        udfs.RISK_DECOMPOSITION([[40], [60]], *arguments)
    report = dict((row[0], row[1]) for row in udfs.RISK_DECOMPOSITION([[0.4], [0.6]], *arguments)[1:])
    w = np.array([0.4, 0.6])
    assert report["total variance"] == pytest.approx(w @ (x @ f @ x.T + np.diag(vols**2)) @ w, rel=1e-13)


ILLIQUID = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.004, -0.003, 0.008, -0.012]
MARKET_IN_PERCENT = [0.52, -1.13, 0.31, 0.88, -0.45, 0.12, 0.67, -0.21, 0.93, -1.4]


def test_factor_beta_refuses_factors_in_percent_beside_illiquid_returns():
    """Half the returns are 0, so their interquartile range is 0; the size of their moves is not."""
    with pytest.raises(FactorxlError, match=r"^factors are about \d+ times the size of returns.*Divide factors by 100"):
        udfs.FACTOR_BETA(ILLIQUID, MARKET_IN_PERCENT)
    market = np.array(MARKET_IN_PERCENT) / 100
    expected = sm.OLS(ILLIQUID, sm.add_constant(market)).fit().params[1]
    assert udfs.FACTOR_BETA(ILLIQUID, market.tolist()) == pytest.approx(expected, rel=1e-10)  # 0.281, not 0.00281


# ---------------------------------------------------------------------------
# Returns beside factors
# ---------------------------------------------------------------------------


def _ordinary_pairs(shared_data):
    """Every returns/factors pair the shared datasets hold, in decimals as published (converted)."""
    v2412 = DataSource(local_dir=shared_data, vintage="v202412")
    v2510 = DataSource(local_dir=shared_data, vintage="v202510")
    daily = load_factors("FF6", "daily", source=v2510)
    msft = load_msft(source=v2412).join(daily, how="inner")
    yield "MSFT daily", msft[["MSFT"]], msft.drop(columns="MSFT")
    for name in daily.columns:  # one factor at a time, RF included: the widest ordinary ratios
        yield f"MSFT on {name}", msft[["MSFT"]], msft[[name]]
    spy = load_spy_wmt_jpm_excess(source=v2412).dropna()
    yield "WMT, JPM on SPY", spy[["WMT", "JPM"]], spy[["SPY"]]
    funds = load_brk_arkk(source=v2412)
    factors = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF"]
    yield "BRK, ARKK monthly", funds[["BRK", "ARKK"]], funds[factors]
    for name in factors:
        yield f"BRK, ARKK on {name}", funds[["BRK", "ARKK"]], funds[[name]]
    for frequency, model in (("monthly", "FF6"), ("monthly", "FF3"), ("annual", "FF3")):
        factor_table = load_factors(model, frequency, source=v2510)
        for file in ("25_Portfolios_5x5", "10_Industry_Portfolios"):
            portfolios = load_table(file, "vw", frequency, source=v2510)[2]
            joined = portfolios.join(factor_table, how="inner")
            yield f"{file} {frequency} on {model}", joined[portfolios.columns], joined[factor_table.columns]
            if model == "FF3":  # from 1926: the most volatile years (annual portfolios move 20 to 55 % a year)
                early = joined.loc[:"1950"]
                yield f"{file} {frequency} to 1950", early[portfolios.columns], early[factor_table.columns]
    # the factors regressed on each other, as FM_PREMIA's test assets and factors sometimes are
    monthly = load_factors("FF6", "monthly", source=v2510)
    yield "FF6 on FF6", monthly, monthly


def test_ordinary_data_never_trip_the_percent_rules(shared_data):
    for name, returns, factors in _ordinary_pairs(shared_data):
        check_scale(returns.to_numpy(), factors.to_numpy())  # raises on a trip
        for values in (returns.to_numpy(), factors.to_numpy()):
            RETURN_SERIES.check(values, "returns", None)
            # a margin of 1.5 on the series rule's sizes: moves well under 25 %, or well under 100 % without a
            # loss of more than 100 % (a bound, not a threshold: annual portfolios lost up to 80 % in 1931)
            sizes, minima = typical_size(values), np.nanmin(values, axis=0)
            assert ((sizes < PERCENT_MOVE / 1.5) | ((minima >= -1) & (sizes < 1 / 1.5))).all(), name
        assets, factor = typical_size(returns.to_numpy()), np.nanmax(typical_size(factors.to_numpy()))
        # and not only just: a margin of 1.5 on both conditions of the ratio rule
        for larger, smaller in ((np.nanmax(assets), factor), (factor, np.nanmin(assets))):
            assert larger < SCALE_RATIO / 1.5 * smaller or larger < PERCENT_MOVE / 1.5, name


def test_returns_in_percent_against_decimal_factors_are_refused_with_the_fix(shared_data):
    funds = load_brk_arkk(source=DataSource(local_dir=shared_data))
    factors = column(funds[["Mkt-RF", "SMB", "HML"]])
    reference = sm.OLS(funds["BRK"], sm.add_constant(funds[["Mkt-RF", "SMB", "HML"]])).fit().params.iloc[1:]
    np.testing.assert_allclose(udfs.FACTOR_BETA(column(funds["BRK"]), factors)[0], reference, rtol=1e-10)  # decimals are fine
    with pytest.raises(FactorxlError, match=r"returns are about \d+ times the size of factors: they look like percent.*Divide returns by 100"):
        udfs.FACTOR_BETA(column(funds["BRK"] * 100), factors)
    with pytest.raises(FactorxlError, match="Divide returns by 100"):
        udfs.VOL_BUDGET_SIZE(1e6, column(funds["BRK"] * 100), 1, factors)


def test_factors_in_percent_against_decimal_returns_are_refused_with_the_fix(shared_data):
    msft = load_msft(source=DataSource(local_dir=shared_data, vintage="v202412"))
    daily = load_factors("CAPM", "daily", source=DataSource(local_dir=shared_data, vintage="v202412"))
    joined = msft.join(daily, how="inner")
    message = r"factors are about \d+ times the size of returns: they look like percent.*Divide factors by 100"
    with pytest.raises(FactorxlError, match=message):
        udfs.FACTOR_BETA(column(joined["MSFT"]), column(joined[["Mkt-RF"]] * 100))


def test_returns_and_factors_both_in_percent_are_in_the_same_units(shared_data):
    """Betas are right and alphas come in percent, as given; a position in money, a P&L or a cumulated
    return from percent returns is wrong whatever the factors' units, and is refused."""
    funds = load_brk_arkk(source=DataSource(local_dir=shared_data)).dropna()
    returns, factors = funds[["ARKK"]], funds[["Mkt-RF", "SMB", "HML"]]
    fit = sm.OLS(returns["ARKK"], sm.add_constant(factors)).fit()
    assert udfs.FACTOR_BETA(column(returns * 100), column(factors * 100))[0] == pytest.approx(fit.params[1:].tolist(), rel=1e-10)
    assert udfs.FACTOR_ALPHA(column(returns * 100), column(factors * 100)) == pytest.approx(100 * fit.params["const"], rel=1e-10)
    message = r"^returns typically move \d+\.?\d* a period and fall to -\d.*Divide returns by 100"
    for name, arguments in (
        ("VOL_BUDGET_SIZE", (1e6, column(returns * 100), 21, column(factors * 100))),
        ("EXPECTED_PNL", (1e6, column(returns * 100), column(factors * 100))),
        ("HEDGE_RETURNS_CUMULATIVE", (column(returns * 100), column(factors * 100), "compound")),
    ):
        with pytest.raises(FactorxlError, match=message):
            getattr(udfs, name)(*arguments)


def test_the_message_says_how_many_times_larger():
    rng = np.random.default_rng(7)
    factors = rng.normal(0, 0.01, (200, 1))
    returns = 100 * (1.2 * factors + rng.normal(0, 0.01, (200, 1)))
    with pytest.raises(FactorxlError) as caught:
        check_scale(returns, factors)
    times = int(re.search(r"about (\d+) times", str(caught.value))[1])
    assert 100 <= times <= 250  # 100 x (|1.2 f + e| / |f|), about 1.6 at the 75th percentile


def test_a_series_far_from_zero_is_not_taken_for_percent():
    """The rules compare moves, not levels: a factor around 1e5 that moves by 0.01 is not percent."""
    rng = np.random.default_rng(3)
    factor = 1e5 + rng.normal(0.0, 0.01, (300, 1))
    returns = 0.7 * (factor - 1e5) + rng.normal(0.0, 0.005, (300, 1))
    check_scale(returns, factor)
    check_scale(returns + 50.0, factor - 1e5)


def test_mismatches_far_beyond_a_slip_of_100_are_computed_as_given():
    rng = np.random.default_rng(5)
    factors = rng.normal(0, 0.01, (200, 1))
    returns = 1.2 * factors + rng.normal(0, 0.01, (200, 1))
    check_scale(returns, factors * 1e100)  # units of their own, not percent
    check_scale(returns * 1e6, factors)
    check_scale(returns * 1e6, factors * 1e6)
    with pytest.raises(FactorxlError, match="Divide factors by 100"):
        check_scale(returns, factors * 100)


# ---------------------------------------------------------------------------
# Legitimate data the rules let through
# ---------------------------------------------------------------------------


def test_genuinely_large_returns_in_decimals_are_computed(shared_data):
    """Annual returns of the 25 portfolios in 1927-1950 typically move 20 to 55 % a year, and FM_PREMIA
    on them equals its statsmodels reference; crypto-like monthly returns (a typical move of 40 %) stay
    above -1 and give their Sharpe ratio."""
    v2510 = DataSource(local_dir=shared_data, vintage="v202510")
    portfolios = load_table("25_Portfolios_5x5", "vw", "annual", source=v2510)[2].loc[:"1950"]
    market = load_factors("FF3", "annual", source=v2510).loc[:"1950", ["Mkt-RF"]]
    excess = portfolios.sub(load_factors("FF3", "annual", source=v2510).loc[:"1950", "RF"], axis=0)
    assert np.nanmax(typical_size(excess.to_numpy())) > 0.4
    premia = udfs.FM_PREMIA(column(excess), column(market))
    betas = np.array([sm.OLS(excess[c], sm.add_constant(market)).fit().params.iloc[1] for c in excess])
    lambdas = [sm.OLS(row, sm.add_constant(betas)).fit().params for row in excess.to_numpy()]
    assert premia[2][1] == pytest.approx(np.mean(lambdas, axis=0)[1], rel=1e-10)  # the market premium row
    rng = np.random.default_rng(2)
    crypto = np.exp(rng.normal(0.02, 0.5, 60)) - 1  # above -1, as returns of a holding are
    assert typical_size(crypto)[0] > PERCENT_MOVE
    assert udfs.SHARPE_RATIO(crypto.tolist()) == pytest.approx(crypto.mean() / crypto.std(ddof=1), rel=1e-12)


def test_a_single_large_return_in_a_daily_series_is_data(shared_data):
    returns = _msft(shared_data)[-500:].copy()
    returns[100] = 0.30  # one day of +30 %
    expected = 1e6 / (np.std(returns, ddof=1) * np.sqrt(21))
    assert udfs.VOL_BUDGET_SIZE(1e6, returns.tolist(), 21) == pytest.approx(expected, rel=1e-12)


def test_illiquid_returns_in_decimals_are_computed():
    rng = np.random.default_rng(4)
    market = rng.normal(0.0, 0.01, 250)
    traded = rng.random(250) < 0.3  # trades on 30 % of days
    returns = np.where(traded, 1.1 * market + rng.normal(0.0, 0.02, 250), 0.0)
    expected = sm.OLS(returns, sm.add_constant(market)).fit().params[1]
    assert udfs.FACTOR_BETA(returns.tolist(), market.tolist()) == pytest.approx(expected, rel=1e-10)
    assert udfs.SHARPE_RATIO(returns.tolist()) == pytest.approx(returns.mean() / returns.std(ddof=1), rel=1e-12)


def _risk_total_variance(weights: np.ndarray) -> np.ndarray:
    x, f, vols = mm.CHAPTER2_EXPOSURES, mm.CHAPTER2_FACTOR_COV, mm.CHAPTER2_SPECIFIC_VOLS
    covariance = x @ f @ x.T + np.diag(vols**2)
    return np.einsum("ip,ij,jp->p", weights, covariance, weights)


@pytest.mark.parametrize(
    "weights",
    [
        [0.5, 0.3, -0.2, -0.4, -0.2],  # long-short: adds up to 0
        [0.6, 0.45, 0.3, 0.1, 0.05],  # leveraged: 1.5
        [1.3, 0.2, -0.3, 0.1, 0.0],  # 130/30 in decimals
        [-0.3, -0.25, -0.2, -0.15, -0.1],  # a short portfolio: -1
        [3e5, 2.5e5, 2e5, 1.5e5, 1e5],  # a million in currency: variances in currency squared
    ],
)
def test_long_short_leveraged_and_currency_weights_are_computed(weights):
    table = udfs.RISK_DECOMPOSITION(
        [[w] for w in weights], mm.CHAPTER2_EXPOSURES.tolist(), mm.CHAPTER2_FACTOR_COV.tolist(), mm.CHAPTER2_SPECIFIC_VOLS.reshape(-1, 1).tolist()
    )
    total = dict((row[0], row[1]) for row in table[1:])["total variance"]
    assert total == pytest.approx(_risk_total_variance(np.array(weights).reshape(-1, 1))[0], rel=1e-12)


def test_positions_in_money_are_not_weights(shared_data):
    """Positions and budgets are money, of any size, and carry no rule; a portfolio of 100 in money is."""
    returns = _msft(shared_data)[-500:]
    assert udfs.EXPECTED_PNL(100.0, returns.tolist(), (returns * 0.8).tolist()) == pytest.approx(100.0 * returns.mean(), rel=1e-9)
    assert udfs.VOL_BUDGET_SIZE(100.0, returns.tolist()) == pytest.approx(100.0 / np.std(returns, ddof=1), rel=1e-12)
    hedge = udfs.HEDGE_FUTURES_MIN_VAR([1.0, 0.2], 0.05, [[1.0], [0.0]], mm.CHAPTER2_FACTOR_COV.tolist())
    assert dict((row[0], row[2]) for row in hedge[1:])["notional future1"] == pytest.approx(-1.0 + 0.2 * 0.00128 / 0.0256, rel=1e-12)


def test_one_stock_with_a_volatility_above_100_percent_among_others():
    vols = np.array([0.20, 0.25, 1.50, 0.30, 0.22])  # a micro cap at 150 % a year
    x, f = mm.CHAPTER2_EXPOSURES, mm.CHAPTER2_FACTOR_COV
    result = udfs.RISK_ASSET_COV(x.tolist(), f.tolist(), vols.reshape(-1, 1).tolist())
    np.testing.assert_allclose(result, x @ f @ x.T + np.diag(vols**2), rtol=1e-14)


# ---------------------------------------------------------------------------
# Every argument that declares a rule, in every function
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calls() -> dict[str, tuple]:
    """A valid call, in decimals, of every function with an argument that carries a rule."""
    rng = np.random.default_rng(19)
    factors = rng.normal(0.005, 0.04, (120, 2))
    returns = 0.001 + factors @ rng.normal(1.0, 0.3, (2, 10)) + rng.normal(0.0, 0.03, (120, 10))
    r, f, r1 = returns.tolist(), factors.tolist(), as_column(returns[:, 0])
    weights = [list(rng.dirichlet(np.ones(10)))]
    model = mm.minimodel()
    x, cov, vols = model.exposures.values.tolist(), model.model.factor_cov.tolist(), as_column(mm.SPECIFIC_VOLS)
    portfolio, caps, stock_returns = as_column(mm.PORTFOLIO), as_column(mm.CAPS), as_column(mm.MONTH1_RETURNS)
    dates = [datetime.datetime(2006, 1, 31) + datetime.timedelta(days=31 * t) for t in range(6)]
    table = [["date", "id", "return", "size", "value"]] + [
        [d, f"s{i}", float(rng.normal(0.01, 0.08)), float(rng.normal()), float(rng.normal())] for d in dates for i in range(20)
    ]
    holdings = [["date", "id", "weight"]] + [[d, f"s{i}", 0.25] for d in dates for i in range(4)]
    exposures_p = as_column(model.portfolio.exposures)
    periods = rng.normal(0.0, 0.03, (12, 7))
    active = rng.normal(0.0, 0.2, (12, 7))
    specific = rng.normal(0.0, 0.01, 12)
    benchmark = rng.normal(0.01, 0.04, 12)
    portfolio_returns = benchmark + np.sum(active * periods, axis=1) + specific
    return {
        **{name: (r, f) for name in ("FACTOR_BETA", "FACTOR_ALPHA", "HEDGE_RATIO", "APPRAISAL_RATIO", "FACTOR_TRACKING",
                                      "HEDGE_RETURNS", "FACTOR_RESIDUALS", "FACTOR_COV", "FACTOR_COV_PARAMS", "FACTOR_SHARES",
                                      "HEDGE_RETURNS_CUMULATIVE", "FM_PREMIA", "FM_PREMIA_SERIES")},
        **{name: (r1, f) for name in ("FACTOR_REGRESS", "FACTOR_VAR_DECOMP", "FACTOR_SUMMARY", "FACTOR_LINEST")},
        "VOL_BUDGET_SIZE": (1e6, r1, 21, f),
        "EXPECTED_PNL": (1e6, r1, f),
        "SHARPE_RATIO": (r,),
        "FUND_TABLE": (r, f, 12),
        "FACTOR_ROLLING_BETA": (r1, f, 60),
        **{name: (weights, r, f) for name in ("PORTFOLIO_EXPOSURE", "PORTFOLIO_EXPOSURE_GAP", "PORTFOLIO_BETA")},
        **{name: (table,) for name in ("CHAR_RETURNS", "CHAR_PREMIA")},
        "CHAR_PURE_PLAY": (table, dates[2]),
        "CHAR_ADJUSTED_RETURN": (holdings, table),
        **{name: (stock_returns, x, caps) for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")},
        "RISK_FACTOR_COV": (mm.FACTOR_VOLS.tolist(), mm.CORRELATION.tolist()),
        "RISK_FACTOR_COV_HISTORY": (f,),
        "RISK_ASSET_COV": (x, cov, vols),
        "RISK_EXPOSURE": (portfolio, x),
        **{name: (portfolio, x, cov, vols) for name in ("RISK_DECOMPOSITION", "RISK_CONTRIBUTIONS", "RISK_BLOCKS")},
        "RISK_STRESS": (exposures_p, cov, "f5", -2),
        "ATTRIBUTION": (active.tolist(), periods.tolist(), as_column(specific), as_column(portfolio_returns), as_column(benchmark)),
        "HEDGE_FUTURES": (exposures_p, 0.05, as_column(mm.SMALL_CAP_FUTURE), cov, "f7"),
        "HEDGE_FUTURES_MIN_VAR": (exposures_p, 0.05, as_column(mm.SMALL_CAP_FUTURE), cov),
        "OPTIMIZE_MIN_TE": (x, cov, vols, [[None, None, None, None, 0.0, None, None]], portfolio),
        "PORTFOLIO_TURNOVER": (portfolio, as_column(np.full(10, 0.1))),
    }


def _in_percent(value, factor: float, column: int | None = None):
    """The argument as typed in percent: every number times ``factor`` (only ``column`` of a table)."""
    if isinstance(value, list):
        if column is not None and value and isinstance(value[0], list):
            return [row if not isinstance(row[column], float) else [*row[:column], row[column] * factor, *row[column + 1:]] for row in value]
        return [_in_percent(item, factor) for item in value]
    return value * factor if isinstance(value, float) else value


DECLARED = [
    (name, argument, rule) for name, declared in FUNCTIONS.items() for argument, rules in declared.percent_rules.items() for rule in rules
]
MONEY_OR_COMPOUNDED = {"VOL_BUDGET_SIZE", "EXPECTED_PNL", "HEDGE_RETURNS_CUMULATIVE"}


def test_the_declarations_follow_the_argument_names():
    for name, declared in FUNCTIONS.items():
        on_their_own = name in MONEY_OR_COMPOUNDED  # returns refused on their own, whatever the factors
        assert declared.percent_rules == declared_rules(list(declared.arguments), on_their_own), name
        for argument, rules in declared.percent_rules.items():
            assert declared.arguments[argument].endswith(" ".join(rule.help for rule in rules)), (name, argument)
    used = {argument for _, argument, _ in DECLARED}
    assert used == set(PERCENT_RULES)  # no rule declared for an argument no function has


@pytest.mark.parametrize(("name", "argument", "rule"), DECLARED, ids=lambda v: getattr(v, "name", v))
def test_every_declared_argument_typed_in_percent_is_refused(calls, name, argument, rule):
    """The argument typed in percent; for the rule of returns on their own, the factors too (else
    the rule of returns beside factors would refuse the call first)."""
    arguments = list(calls[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(udfs, name)(*arguments)  # the call in decimals is valid
    parameters = list(inspect.signature(FUNCTIONS[name].function).parameters)
    typed = [argument, "factors"] if rule is RETURN_SERIES and argument == "returns" and "factors" in parameters else [argument]
    factor = 10000.0 if rule is COVARIANCE else 100.0
    for position in map(parameters.index, typed):
        arguments[position] = _in_percent(arguments[position], factor, column=2 if argument in ("table", "holdings") else None)
    expected = r"by 10000" if rule is COVARIANCE else r"(?:by |/)100\b"
    subject = rf"(?:the (?:returns|weights) of )?{argument}\b"  # a long table's column: "the returns of table"
    with pytest.raises(FactorxlError, match=rf"^{subject}.*{expected}"):
        getattr(udfs, name)(*arguments)
