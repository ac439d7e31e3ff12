"""The single-factor chapters' printed numbers (seeds 000 and 001), through the worksheet functions
called with plain lists of lists, exactly as xlwings passes them."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from factorxl import udfs
from tests.course_data import column, msft_excess_and_market, spy_wmt_jpm
from tests.summary_checks import PRINTED_COLUMNS, assert_printed, summary_values


@pytest.fixture(scope="module")
def msft_2024(shared_data):
    return msft_excess_and_market(shared_data, "v202412")


@pytest.fixture(scope="module")
def msft_2025(shared_data):
    return msft_excess_and_market(shared_data, "v202510")


def test_wmt_and_jpm_betas_on_spy(shared_data):
    data = spy_wmt_jpm(shared_data)
    assert len(data) == 7974
    spy = column(data["SPY"])
    assert udfs.FACTOR_BETA(column(data["WMT"]), spy) == pytest.approx(0.6737719432407148, rel=1e-13)
    assert udfs.FACTOR_BETA(column(data["JPM"]), spy) == pytest.approx(1.3949175281635984, rel=1e-13)
    # both assets in one call: an N x K block
    both = udfs.FACTOR_BETA(column(data[["WMT", "JPM"]]), spy)
    assert np.allclose(both, [[0.6737719432407148], [1.3949175281635984]], rtol=1e-13, atol=0)
    alphas = udfs.FACTOR_ALPHA(column(data[["WMT", "JPM"]]), spy)
    assert_printed(alphas[0][0], "0.000203", "WMT alpha")
    assert_printed(alphas[1][0], "0.000159", "JPM alpha")


def test_msft_regression_2024_factors(msft_2024):
    assert len(msft_2024) == 9778
    assert str(msft_2024.index[0].date()) == "1986-03-14"
    table = udfs.FACTOR_REGRESS(column(msft_2024["MSFT"]), column(msft_2024["Mkt-RF"]))
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["alpha"][0] == pytest.approx(0.0005855699261548292, rel=1e-12)
    assert rows["f1"][0] == pytest.approx(1.187234068887255, rel=1e-13)
    assert rows["R-squared"][0] == pytest.approx(0.415, abs=5e-04)  # printed with 3 decimals
    assert rows["Observations"][0] == 9778
    # 001's summary table: t of the slope 83.288, of the intercept 3.601
    assert rows["f1"][2] == pytest.approx(83.288, abs=5e-04)  # printed with 3 decimals
    assert rows["alpha"][2] == pytest.approx(3.601, abs=5e-04)  # printed with 3 decimals


@pytest.mark.parametrize(
    ("vintage", "printed"),
    [
        ("v202412", "6937. 0.00 26515. -5.303e+04 -5.301e+04 1451.257 1.929 22136.865 0.00 0.141 10.366 87.7"),  # 001
        ("v202510", "6940. 0.00 26516. -5.303e+04 -5.301e+04 1452.828 1.929 22202.613 0.00 0.141 10.377 87.7"),  # 000
    ],
)
def test_msft_summary_reproduces_the_printed_statistics(shared_data, vintage, printed):
    data = msft_excess_and_market(shared_data, vintage)
    rows = summary_values(udfs.FACTOR_SUMMARY(column(data["MSFT"]), column(data["Mkt-RF"])))
    for label, text in zip(PRINTED_COLUMNS, printed.split(), strict=True):
        assert_printed(rows[label], text, label)
    assert (rows["No. Observations"], rows["Df Residuals"], rows["Df Model"]) == (9778, 9776, 1)


def test_msft_hedged_mean_equals_alpha(msft_2024):
    hedged = udfs.HEDGE_RETURNS(column(msft_2024["MSFT"]), column(msft_2024["Mkt-RF"]))
    mean = np.mean([row[0] for row in hedged])
    assert mean * 12 == pytest.approx(0.007026839113857923, rel=1e-11)  # 001: Hedged.mean()*12


def test_msft_position_sizes_with_population_variance(msft_2024):
    # 001: x = 1/(var_r*21)**0.5 with the printed (population) variance
    msft = column(msft_2024["MSFT"])
    assert udfs.VOL_BUDGET_SIZE(1, msft, 21, None, 0) == pytest.approx(10.384121419128503, rel=1e-13)
    var_r = 0.0004416123295030902
    var_e = 0.00025831692182161234
    market = column(msft_2024["Mkt-RF"])
    hedged = udfs.VOL_BUDGET_SIZE(1, msft, 252, market, 0)
    assert hedged == pytest.approx(1 / np.sqrt(var_e * 252), rel=1e-12)
    assert udfs.VOL_BUDGET_SIZE(1, [[np.sqrt(var_r)]], 21) == pytest.approx(10.384121419128503, rel=1e-13)


def test_msft_target_share_hedge(msft_2024):
    msft, market = column(msft_2024["MSFT"]), column(msft_2024["Mkt-RF"])
    hedge = udfs.HEDGE_RATIO(msft, market, 0.2)
    assert hedge == pytest.approx(-0.48, abs=0.005)  # the issue: "about -0.48"
    # hand algebra of 001: xh = sqrt(vbar Var(e) / ((1 - vbar) Var(f))) - beta
    fit = sm.OLS(msft_2024["MSFT"], sm.add_constant(msft_2024["Mkt-RF"])).fit()
    beta = fit.params["Mkt-RF"]
    expected = np.sqrt(0.2 * fit.resid.var() / (0.8 * msft_2024["Mkt-RF"].var())) - beta
    assert hedge == pytest.approx(expected, rel=1e-12)
    assert udfs.HEDGE_RATIO(msft, market) == pytest.approx(-beta, rel=1e-12)


def test_msft_2025_factors_reproduce_the_newer_notebook(msft_2025):
    """000 ran with the 2025 factor files: beta 1.1876 and the dollar figures it prints."""
    msft, market = column(msft_2025["MSFT"]), column(msft_2025["Mkt-RF"])
    assert udfs.FACTOR_BETA(msft, market) == pytest.approx(1.1876, abs=5e-05)  # printed with 4 decimals
    x = udfs.VOL_BUDGET_SIZE(1_000_000, msft, 21)
    assert_printed(udfs.EXPECTED_PNL(x, msft, market, 252), "2644594", "expected P&L")
    assert_printed(udfs.EXPECTED_PNL(x, msft, market, 252, "alpha"), "1530371", "expected alpha P&L")
    decomposition = {row[0]: row[1:] for row in udfs.FACTOR_VAR_DECOMP(msft, market)[1:]}
    assert decomposition["Factor"][0] == pytest.approx(0.000183, abs=5e-07)  # printed with 6 decimals
    assert decomposition["Factor"][1] == pytest.approx(0.415, abs=5e-04)  # printed with 3 decimals
    assert decomposition["Residual"][0] == pytest.approx(0.000258, abs=5e-07)  # printed with 6 decimals
    assert decomposition["Total"][0] == pytest.approx(0.000442, abs=5e-07)  # printed with 6 decimals
    # 000's "Hedged vol (annual)" is a monthly figure (sqrt(21)); the annual one is larger
    residual_sd = np.sqrt(decomposition["Residual"][0])
    assert residual_sd * np.sqrt(21) == pytest.approx(0.0736, abs=5e-05)  # printed with 4 decimals
    assert np.sqrt(decomposition["Total"][0] * 252) == pytest.approx(0.3336, abs=5e-05)  # printed with 4 decimals


def test_factor_share_equals_r_squared(msft_2024):
    msft, market = column(msft_2024["MSFT"]), column(msft_2024["Mkt-RF"])
    decomposition = {row[0]: row[1:] for row in udfs.FACTOR_VAR_DECOMP(msft, market)[1:]}
    fit = sm.OLS(msft_2024["MSFT"], sm.add_constant(msft_2024["Mkt-RF"])).fit()
    assert decomposition["Factor"][1] == pytest.approx(fit.rsquared, rel=1e-12)
    assert decomposition["Total"][0] == pytest.approx(msft_2024["MSFT"].var(), rel=1e-12)


def test_factor_implied_covariance_of_a_few_assets(shared_data):
    data = spy_wmt_jpm(shared_data)
    assets = data[["WMT", "JPM"]]
    spy = data["SPY"]
    implied = np.array(udfs.FACTOR_COV(column(assets), column(spy)))
    betas = np.array([sm.OLS(assets[a], sm.add_constant(spy)).fit().params["SPY"] for a in assets])
    residual_vars = np.array([sm.OLS(assets[a], sm.add_constant(spy)).fit().resid.var() for a in assets])
    expected = np.outer(betas, betas) * spy.var() + np.diag(residual_vars)
    assert np.allclose(implied, expected, rtol=1e-12, atol=0)
    # the diagonal reproduces the sample variances; the off-diagonal is the factor-implied co-movement
    sample = np.array(udfs.FACTOR_COV(column(assets), column(spy), "sample"))
    assert np.allclose(sample, assets.cov().to_numpy(), rtol=1e-12, atol=0)
    assert np.allclose(np.diag(implied), np.diag(sample), rtol=1e-12)
    counts = udfs.FACTOR_COV_PARAMS(column(assets), column(spy))
    assert counts == [["", "parameters"], ["factor model", 5.0], ["sample", 3.0]]  # 2N+1 vs N(N+1)/2
