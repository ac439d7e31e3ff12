"""The regression core and the worksheet functions against statsmodels on the same arrays."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from factorxl import udfs
from factorxl.core.regression import newey_west_lags, ols

RTOL = 1e-10


@pytest.fixture(scope="module")
def panel():
    """Three assets on three fat-tailed, autocorrelated factors, with holes in one asset."""
    rng = np.random.default_rng(7)
    n = 600
    factors = rng.standard_t(5, (n, 3)) * 0.01
    factors[1:] += 0.3 * factors[:-1]
    loadings = np.array([[1.1, 0.2, -0.3], [0.7, -0.4, 0.5], [1.4, 0.0, 0.9]])
    noise = rng.standard_t(4, (n, 3)) * 0.015 * (1 + np.abs(factors[:, :1]) * 40)
    returns = 0.0004 + factors @ loadings.T + noise
    returns[rng.choice(n, 40, replace=False), 1] = np.nan
    return returns, factors


def _statsmodels(y, x, cov_type, lags=None):
    keep = ~np.isnan(y)
    kwargs = {"cov_type": "nonrobust"} if cov_type == "classical" else {"cov_type": cov_type.upper()}
    if cov_type == "hac":
        kwargs["cov_kwds"] = {"maxlags": lags}
    return sm.OLS(y[keep], sm.add_constant(x[keep])).fit(**kwargs)


@pytest.mark.parametrize("cov_type", ["classical", "hc0", "hc1", "hc2", "hc3", "hac"])
def test_every_statistic_matches_statsmodels(panel, cov_type):
    returns, factors = panel
    lags = 5 if cov_type == "hac" else None
    for fit, j in zip(ols(returns, factors, cov_type=cov_type, lags=lags), range(3)):
        ref = _statsmodels(returns[:, j], factors, cov_type, lags)
        np.testing.assert_allclose(fit.params, ref.params, rtol=RTOL)
        np.testing.assert_allclose(fit.bse, ref.bse, rtol=RTOL)
        np.testing.assert_allclose(fit.tvalues, ref.tvalues, rtol=RTOL)
        np.testing.assert_allclose(fit.pvalues, ref.pvalues, rtol=1e-8, atol=1e-300)
        np.testing.assert_allclose(fit.conf_int, ref.conf_int(), rtol=RTOL)
        np.testing.assert_allclose(fit.cov_params, ref.cov_params(), rtol=RTOL)
        assert fit.rsquared == pytest.approx(ref.rsquared, rel=RTOL)
        assert fit.rsquared_adj == pytest.approx(ref.rsquared_adj, rel=RTOL)
        assert fit.nobs == ref.nobs
        assert fit.resid_var == pytest.approx(ref.mse_resid, rel=RTOL)
        np.testing.assert_allclose(fit.resid, ref.resid, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(fit.fitted, ref.fittedvalues, rtol=RTOL)


def test_automatic_hac_lags_follow_the_newey_west_rule(panel):
    returns, factors = panel
    fit = ols(returns[:, 0], factors, cov_type="hac")[0]
    assert fit.lags == newey_west_lags(600) == int(4 * (600 / 100) ** (2 / 9))
    ref = _statsmodels(returns[:, 0], factors, "hac", fit.lags)
    np.testing.assert_allclose(fit.bse, ref.bse, rtol=RTOL)


def test_regress_table_matches_statsmodels_hac(panel):
    returns, factors = panel
    header = [["MSFT"]] + returns[:, :1].tolist()
    factor_rows = [["Mkt-RF", "SMB", "HML"]] + factors.tolist()
    table = udfs.FACTOR_REGRESS(header, factor_rows, "HAC", 4, 252)
    ref = _statsmodels(returns[:, 0], factors, "hac", 4)
    assert table[0] == ["MSFT", "coef", "std err", "t", "p-value", "lower 95%", "upper 95%"]
    rows = {row[0]: row[1:] for row in table[1:]}
    for name, k in zip(["alpha", "Mkt-RF", "SMB", "HML"], range(4)):
        np.testing.assert_allclose(rows[name][:4], [ref.params[k], ref.bse[k], ref.tvalues[k], ref.pvalues[k]], rtol=1e-9)
        np.testing.assert_allclose(rows[name][4:], ref.conf_int()[k], rtol=RTOL)
    assert rows["R-squared"][0] == pytest.approx(ref.rsquared, rel=RTOL)
    assert rows["Adj. R-squared"][0] == pytest.approx(ref.rsquared_adj, rel=RTOL)
    assert rows["Observations"][0] == 600
    assert rows["Residual vol"][0] == pytest.approx(np.sqrt(ref.mse_resid), rel=RTOL)
    assert rows["Residual vol (annualized)"][0] == pytest.approx(np.sqrt(ref.mse_resid * 252), rel=RTOL)
    assert rows["Alpha (annualized)"][0] == pytest.approx(ref.params[0] * 252, rel=RTOL)
    assert rows["Std errors"][0] == "HAC (4 lags)"
    assert rows["R-squared"][1:] == [None] * 5  # summary rows leave the other columns empty


def test_each_asset_uses_its_own_rows(panel):
    returns, factors = panel
    betas = udfs.FACTOR_BETA(returns.tolist(), factors.tolist())
    for j in range(3):
        ref = _statsmodels(returns[:, j], factors, "classical")
        np.testing.assert_allclose(betas[j], ref.params[1:], rtol=RTOL)
    alphas = udfs.FACTOR_ALPHA(returns.tolist(), factors.tolist(), 12)
    np.testing.assert_allclose([a[0] for a in alphas], [12 * _statsmodels(returns[:, j], factors, "classical").params[0] for j in range(3)], rtol=RTOL)


def test_series_functions_align_with_input_rows(panel):
    returns, factors = panel
    y = returns[:, 1]
    ref = _statsmodels(y, factors, "classical")
    hedged = udfs.HEDGE_RETURNS(returns[:, 1:2].tolist(), factors.tolist())
    residuals = udfs.FACTOR_RESIDUALS(returns[:, 1:2].tolist(), factors.tolist())
    tracking = udfs.FACTOR_TRACKING(returns[:, 1:2].tolist(), factors.tolist())
    assert len(hedged) == len(residuals) == len(tracking) == 600
    missing = np.isnan(y)
    assert all(hedged[i] == [None] for i in np.flatnonzero(missing))
    np.testing.assert_allclose([r[0] for r, m in zip(residuals, missing) if not m], ref.resid, rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose([h[0] for h, m in zip(hedged, missing) if not m], ref.resid + ref.params[0], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose([t[0] for t in tracking], factors @ ref.params[1:], rtol=RTOL)
    # tracking + hedged = the asset's return on the rows used
    for t, h, r in zip(tracking, hedged, y):
        if h[0] is not None:
            assert t[0] + h[0] == pytest.approx(r, rel=1e-12, abs=1e-15)


def test_header_rows_label_outputs_and_series(panel):
    returns, factors = panel
    hedged = udfs.HEDGE_RETURNS([["A", "B"]] + returns[:, :2].tolist(), [["Mkt"], *factors[:, :1].tolist()])
    assert hedged[0] == ["A", "B"]
    assert len(hedged) == 601


def test_ratios_against_hand_formulas(panel):
    returns, factors = panel
    y = returns[:, 0]
    sharpe = udfs.SHARPE_RATIO(returns[:, :1].tolist(), 252)
    assert sharpe == pytest.approx(y.mean() / y.std(ddof=1) * np.sqrt(252), rel=1e-12)
    per_column = udfs.SHARPE_RATIO(returns.tolist())
    np.testing.assert_allclose(np.ravel(per_column), [np.nanmean(c) / np.nanstd(c, ddof=1) for c in returns.T], rtol=1e-12)
    ref = _statsmodels(y, factors, "classical")
    appraisal = udfs.APPRAISAL_RATIO(returns[:, :1].tolist(), factors.tolist(), 12)
    assert appraisal == pytest.approx(ref.params[0] / ref.resid.std(ddof=1) * np.sqrt(12), rel=1e-12)
    # the appraisal ratio is the Sharpe ratio of the hedged position
    hedged = udfs.HEDGE_RETURNS(returns[:, :1].tolist(), factors.tolist())
    assert udfs.SHARPE_RATIO(hedged, 12) == pytest.approx(appraisal, rel=1e-10)


def test_multi_factor_decomposition_and_hedges(panel):
    returns, factors = panel
    y = returns[:, 2]
    ref = _statsmodels(y, factors, "classical")
    beta = ref.params[1:]
    sigma = np.cov(factors, rowvar=False)
    table = udfs.FACTOR_VAR_DECOMP(returns[:, 2:3].tolist(), factors.tolist())
    rows = {row[0]: row[1:] for row in table[1:]}
    np.testing.assert_allclose([rows[f"f{k + 1}"][0] for k in range(3)], beta * (sigma @ beta), rtol=1e-12)
    assert rows["Factor"][0] == pytest.approx(beta @ sigma @ beta, rel=1e-12)
    assert rows["Total"][0] == pytest.approx(y.var(ddof=1), rel=1e-12)
    assert rows["Factor"][1] == pytest.approx(ref.rsquared, rel=1e-12)
    # hedging to a 10% factor share leaves exactly that share of factor risk
    hedge = np.array(udfs.HEDGE_RATIO(returns[:, 2:3].tolist(), factors.tolist(), 0.1)[0])
    exposure = beta + hedge
    factor_var = exposure @ sigma @ exposure
    assert factor_var / (factor_var + ref.resid.var(ddof=1)) == pytest.approx(0.1, rel=1e-12)
    assert np.allclose(exposure / beta, exposure[0] / beta[0])  # same direction, scaled
    np.testing.assert_allclose(udfs.HEDGE_RATIO(returns[:, 2:3].tolist(), factors.tolist())[0], -beta, rtol=1e-12)


def test_expected_pnl_and_sizing_formulas(panel):
    returns, factors = panel
    y = returns[:, 0]
    ref = _statsmodels(y, factors, "classical")
    mu = factors.mean(axis=0)
    total = udfs.EXPECTED_PNL(2e6, returns[:, :1].tolist(), factors.tolist(), 252)
    assert total == pytest.approx(2e6 * (ref.params[1:] @ mu + ref.params[0]) * 252, rel=1e-12)
    alpha_only = udfs.EXPECTED_PNL(2e6, returns[:, :1].tolist(), factors.tolist(), 252, "ALPHA")
    assert alpha_only == pytest.approx(2e6 * ref.params[0] * 252, rel=1e-12)
    unhedged = udfs.VOL_BUDGET_SIZE(1e6, returns[:, :1].tolist(), 21)
    assert unhedged == pytest.approx(1e6 / (y.std(ddof=1) * np.sqrt(21)), rel=1e-12)
    hedged = udfs.VOL_BUDGET_SIZE(1e6, returns[:, :1].tolist(), 21, factors.tolist())
    assert hedged == pytest.approx(1e6 / (ref.resid.std(ddof=1) * np.sqrt(21)), rel=1e-12)
    assert hedged > unhedged


def test_cash_effect_of_a_short_hedge():
    assert udfs.HEDGE_CASH_EFFECT(1.5, 0.0002) == pytest.approx(0.0001)
    assert udfs.HEDGE_CASH_EFFECT(0.5, [[0.0001], [0.0003]]) == [[pytest.approx(-0.00005)], [pytest.approx(-0.00015)]]


@pytest.mark.parametrize("lags", [0, 1, 2, 7, 30, 250])
def test_hac_for_any_lag_length(panel, lags):
    returns, factors = panel
    fit = ols(returns[:, 0], factors, cov_type="hac", lags=lags)[0]
    ref = _statsmodels(returns[:, 0], factors, "hac", lags)
    np.testing.assert_allclose(fit.cov_params, ref.cov_params(), rtol=RTOL)
