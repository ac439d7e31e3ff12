"""Bottom-up vs top-down portfolio exposures (seed 002's tech-to-retail rotation, on generated returns)
and portfolio betas with standard errors (seed 003), against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from factorxl import udfs
from factorxl.errors import FactorxlError
from tests.tolerance import assert_same_results

TICKERS = ["AAPL", "GOOGL", "MSFT", "NVDA", "AMZN", "COST", "WMT", "TGT", "KR"]
FACTORS = ["Mkt-RF", "SMB", "HML"]


@pytest.fixture(scope="module")
def rotation():
    """Daily returns of 9 stocks, 3 factors, and holdings that rotate from tech to retail on row 253."""
    rng = np.random.default_rng(21)
    periods = 505
    factors = pd.DataFrame(rng.normal(0.0004, 0.01, (periods, 3)), columns=FACTORS)
    loadings = rng.normal([1.0, 0.0, 0.0], [0.25, 0.4, 0.4], (9, 3))
    returns = pd.DataFrame(factors.to_numpy() @ loadings.T + rng.normal(0, 0.015, (periods, 9)), columns=TICKERS)
    returns.iloc[:120, 8] = np.nan  # KR starts later: its betas use its own rows
    returns.iloc[40, 0] = np.nan  # a held stock without a return: no portfolio return that day
    weights = pd.DataFrame(0.0, index=returns.index, columns=TICKERS)
    weights.iloc[:253, :5] = 0.2
    weights.iloc[253:, 5:] = 0.25
    return returns, factors, weights


def with_header(frame: pd.DataFrame) -> list[list]:
    return [list(frame.columns)] + [[None if np.isnan(v) else float(v) for v in row] for row in frame.to_numpy()]


def own_row_fits(returns, factors):
    fits = []
    for ticker in returns.columns:
        data = pd.concat([returns[ticker], factors], axis=1).dropna()
        fits.append(sm.OLS(data[ticker], sm.add_constant(data[FACTORS])).fit())
    return fits


def test_bottom_up_exposures_follow_the_rotation(rotation):
    returns, factors, weights = rotation
    fits = own_row_fits(returns, factors)
    betas = np.array([fit.params[FACTORS].to_numpy() for fit in fits])
    weights_range = with_header(weights)
    weights_range[1 + 300][5] = None  # an empty weight cell is "not held"
    weights_range[1 + 300][6] = 0.5
    spill = udfs.PORTFOLIO_EXPOSURE(weights_range, with_header(returns), with_header(factors))
    assert spill[0] == FACTORS and len(spill) == 506
    assert spill[1] == pytest.approx(0.2 * betas[:5].sum(axis=0), rel=1e-12)  # tech
    assert spill[1 + 400] == pytest.approx(0.25 * betas[5:].sum(axis=0), rel=1e-12)  # retail
    assert spill[1 + 300] == pytest.approx(0.5 * betas[6] + 0.25 * betas[7] + 0.25 * betas[8], rel=1e-12)
    # fixed weights: one row in, one row out
    fixed = udfs.PORTFOLIO_EXPOSURE([[0.2] * 5 + [0.0] * 4], with_header(returns), with_header(factors))
    assert len(fixed) == 1 and fixed[0] == pytest.approx(spill[1], rel=1e-13)


def test_top_down_regression_and_the_gap(rotation):
    returns, factors, weights = rotation
    portfolio = (returns.fillna(0.0) * weights).sum(axis=1)
    portfolio[(returns.isna() & (weights != 0)).any(axis=1)] = np.nan
    data = pd.concat([portfolio.rename("p"), factors], axis=1).dropna()
    top_down = sm.OLS(data["p"], sm.add_constant(data[FACTORS])).fit()
    betas = np.array([fit.params[FACTORS].to_numpy() for fit in own_row_fits(returns, factors)])
    daily = (weights.to_numpy() @ betas)[data.index]
    table = udfs.PORTFOLIO_EXPOSURE_GAP(with_header(weights), with_header(returns), with_header(factors))
    rows = {row[0]: dict(zip(table[0][1:], row[1:])) for row in table[1:]}
    for k, factor in enumerate(FACTORS):
        assert rows[factor]["top-down"] == pytest.approx(top_down.params[factor], rel=1e-11)
        assert rows[factor]["top-down std err"] == pytest.approx(top_down.bse[factor], rel=1e-11)
        assert rows[factor]["bottom-up avg"] == pytest.approx(daily[:, k].mean(), rel=1e-11)
        assert rows[factor]["bottom-up last"] == pytest.approx(daily[-1, k], rel=1e-12)
        assert rows[factor]["gap"] == pytest.approx(top_down.params[factor] - daily[:, k].mean(), rel=1e-10)
    assert rows["observations"]["bottom-up avg"] == 504  # the day a held stock has no return is dropped
    assert rows["top-down R-squared"]["bottom-up avg"] == pytest.approx(top_down.rsquared, rel=1e-12)


def test_portfolio_betas_with_standard_errors_from_each_assets_own_covariance(rotation):
    returns, factors, _ = rotation
    fits = own_row_fits(returns, factors)
    weights = np.full(9, 1 / 9)
    table = udfs.PORTFOLIO_BETA(list(weights), with_header(returns), with_header(factors))  # a column of weights
    rows = {row[0]: row[1:] for row in table[1:]}
    assert table[0] == ["portfolio", "beta", "std err", "beta - 1 s.e.", "beta + 1 s.e."]
    own = np.sqrt(sum(w**2 * fit.bse[FACTORS].to_numpy() ** 2 for w, fit in zip(weights, fits)))
    # seed 003 used the last asset's covariance for every asset; each asset's own is used here
    last_only = np.sqrt(sum(w**2 * fits[-1].bse[FACTORS].to_numpy() ** 2 for w in weights))
    for k, factor in enumerate(FACTORS):
        beta = sum(w * fit.params[factor] for w, fit in zip(weights, fits))
        assert rows[factor][0] == pytest.approx(beta, rel=1e-12)
        assert rows[factor][1] == pytest.approx(own[k], rel=1e-12)
        assert rows[factor][1] != pytest.approx(last_only[k], rel=1e-3)
        assert rows[factor][2:] == pytest.approx([beta - own[k], beta + own[k]], rel=1e-12)
    assert_same_results(udfs.PORTFOLIO_BETA([list(weights)], with_header(returns), with_header(factors)), table)  # a row


def test_exposure_bad_input(rotation):
    returns, factors, weights = rotation
    with pytest.raises(FactorxlError, match="weights has 8 columns but returns has 9 assets"):
        udfs.PORTFOLIO_EXPOSURE([[0.125] * 8], with_header(returns), with_header(factors))
    with pytest.raises(FactorxlError, match="weights has 3 rows; expected one row"):
        udfs.PORTFOLIO_EXPOSURE_GAP([[0.1] * 9] * 3, with_header(returns), with_header(factors))
    with pytest.raises(FactorxlError, match="weights has an empty or error cell"):
        udfs.PORTFOLIO_BETA([[0.1] * 8 + [None]], with_header(returns), with_header(factors))
    with pytest.raises(FactorxlError, match="weights must be a single row of 9 values; it has 2 rows"):
        udfs.PORTFOLIO_BETA([[0.1] * 9] * 2, with_header(returns), with_header(factors))
    with pytest.raises(FactorxlError, match='weights has text "x"'):
        udfs.PORTFOLIO_EXPOSURE([[0.1] * 8 + ["x"]], with_header(returns), with_header(factors))
