"""Two-pass Fama-MacBeth premia against linearmodels (FamaMacBeth, LinearFactorModel, TradedFactorModel),
and the Shanken correction and the GRS test against their textbook formulas, on generated panels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import FamaMacBeth
from linearmodels.asset_pricing import LinearFactorModel, TradedFactorModel
from scipy import stats

from factorxl import udfs
from factorxl.core.fama_macbeth import fama_macbeth, grs_test
from factorxl.errors import FactorxlError
from tests.sheet_values import as_cells

FACTORS = ["MKT", "HML", "MOM"]


def generated_panel(periods=120, assets=25, seed=0, missing=0.0):
    rng = np.random.default_rng(seed)
    factors = rng.normal([0.006, 0.003, 0.004], [0.045, 0.03, 0.04], (periods, 3))
    loadings = rng.normal([1.0, 0.2, 0.0], [0.3, 0.5, 0.4], (assets, 3))
    returns = 0.001 + factors @ loadings.T + rng.normal(0, 0.05, (periods, assets)) * rng.uniform(0.5, 1.5, assets)
    returns[rng.random(returns.shape) < missing] = np.nan
    return returns, factors


def statsmodels_betas(returns, factors):
    """Each asset's loadings from its own statsmodels regression over its own rows."""
    betas = []
    for y in returns.T:
        keep = ~np.isnan(y)
        betas.append(sm.OLS(y[keep], sm.add_constant(factors[keep])).fit().params[1:])
    return np.array(betas)


def linearmodels_fm(returns, betas, intercept, **fit_options):
    periods, assets = returns.shape
    index = pd.MultiIndex.from_product([range(assets), range(periods)], names=["asset", "period"])
    design = np.column_stack([np.ones(assets), betas]) if intercept else betas
    columns = (["const"] if intercept else []) + FACTORS
    exog = pd.DataFrame(np.repeat(design, periods, axis=0), index=index, columns=columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # linearmodels warns about rank-deficient periods
        return FamaMacBeth(pd.Series(returns.T.ravel(), index=index), exog).fit(**fit_options)


def table_rows(table) -> dict:
    header = table[0][1:]
    return {row[0]: dict(zip(header, row[1:])) for row in table[1:]}


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("missing", [0.0, 0.15])
def test_premia_and_errors_equal_linearmodels_fama_macbeth(intercept, missing):
    returns, factors = generated_panel(missing=missing)
    result = fama_macbeth(returns, factors, intercept=intercept, lags=3, factor_names=FACTORS)
    betas = statsmodels_betas(returns, factors)
    assert np.abs(result.betas - betas).max() < 1e-12
    plain = linearmodels_fm(returns, betas, intercept)
    kernel = linearmodels_fm(returns, betas, intercept, cov_type="kernel", kernel="bartlett", bandwidth=3)
    assert np.abs(result.premia - plain.params.to_numpy()).max() < 1e-12
    assert np.abs(result.standard_errors("fm") - plain.std_errors.to_numpy()).max() < 1e-12
    assert np.abs(result.standard_errors("nw") - kernel.std_errors.to_numpy()).max() < 1e-12
    assert result.rsquared_mean == pytest.approx(plain.avg_rsquared, abs=1e-12)
    rows = table_rows(udfs.FM_PREMIA(as_cells(returns), factors.tolist(), None, None, intercept))
    names = (["const"] if intercept else []) + ["f1", "f2", "f3"]
    # p-values from t(T - 1) on linearmodels' t statistics (linearmodels 7.1 uses the same; older releases the normal)
    expected = 2.0 * stats.t.sf(np.abs(plain.tstats.to_numpy()), 120 - 1)
    assert [rows[n]["p-value"] for n in names] == pytest.approx(expected, rel=1e-9)
    series = plain.all_params.to_numpy()
    assert np.array_equal(np.isnan(result.series), np.isnan(series))
    assert np.nanmax(np.abs(result.series - series)) < 1e-12
    assert result.periods_used == len(plain.all_params.dropna(how="all")) == 120


def test_unbalanced_panel_skips_and_counts_periods_with_too_few_assets():
    returns, factors = generated_panel(missing=0.1, seed=4)
    returns[7, 3:] = np.nan  # 3 assets left: fewer than the 4 parameters
    returns[50, :] = np.nan  # no asset at all
    table = udfs.FM_PREMIA([["a" + str(i) for i in range(25)]] + as_cells(returns), [FACTORS] + factors.tolist())
    rows = table_rows(table)
    assert rows["periods used"]["premium"] == 118
    assert rows["periods skipped"]["premium"] == 2
    assert rows["assets"]["premium"] == 25
    assert rows["std errors"]["premium"] == "Fama-MacBeth"
    reference = linearmodels_fm(returns, statsmodels_betas(returns, factors), True)
    assert [rows[name]["premium"] for name in ["const", *FACTORS]] == pytest.approx(reference.params.to_numpy(), rel=1e-11)
    assert [rows[name]["std err"] for name in ["const", *FACTORS]] == pytest.approx(reference.std_errors.to_numpy(), rel=1e-11)
    assert [rows[name]["t"] for name in ["const", *FACTORS]] == pytest.approx(reference.tstats.to_numpy(), rel=1e-11)
    assert rows["avg R-squared"]["premium"] == pytest.approx(reference.avg_rsquared, rel=1e-12)
    # the per-period series, aligned with the input rows, empty for the skipped periods
    series = udfs.FM_PREMIA_SERIES([["a" + str(i) for i in range(25)]] + as_cells(returns), [FACTORS] + factors.tolist())
    assert series[0] == ["const", *FACTORS]
    assert series[8] == [None] * 4 and series[51] == [None] * 4
    body = np.array([[np.nan if v is None else v for v in row] for row in series[1:]])
    expected = reference.all_params.reindex(range(120)).to_numpy()  # linearmodels drops the empty period
    assert np.array_equal(np.isnan(body), np.isnan(expected))
    assert np.nanmax(np.abs(body - expected)) < 1e-12


def test_newey_west_default_lags_and_label():
    returns, factors = generated_panel(periods=240)
    table = table_rows(udfs.FM_PREMIA(returns.tolist(), factors.tolist(), "NW"))
    lags = int(np.floor(4 * (240 / 100) ** (2 / 9)))
    assert table["std errors"]["premium"] == f"Newey-West ({lags} lags)"
    reference = linearmodels_fm(returns, statsmodels_betas(returns, factors), True, cov_type="kernel", bandwidth=lags)
    assert [table[name]["std err"] for name in ["const", "f1", "f2", "f3"]] == pytest.approx(reference.std_errors.to_numpy(), rel=1e-11)


@pytest.mark.parametrize("intercept", [True, False])
def test_premia_and_betas_equal_linear_factor_model_on_a_balanced_panel(intercept):
    # with the same betas in every period, the average of the cross-sectional estimates equals the
    # cross-sectional regression of average returns on the betas, which LinearFactorModel reports
    returns, factors = generated_panel()
    result = fama_macbeth(returns, factors, intercept=intercept)
    model = LinearFactorModel(returns, factors, risk_free=intercept).fit()
    assert np.abs(result.premia - model.risk_premia.to_numpy()).max() < 1e-12
    assert np.abs(result.betas - model.betas.to_numpy()).max() < 1e-12


def test_first_pass_and_grs_against_traded_factor_model_and_the_grs_formula():
    returns, factors = generated_panel(periods=90, assets=12, seed=8)
    traded = TradedFactorModel(returns, factors).fit()
    result = fama_macbeth(returns, factors)
    assert np.abs(result.betas - traded.betas.to_numpy()).max() < 1e-12
    # GRS (1989), written with the unbiased residual covariance:
    # W = (T/N) (T-N-K)/(T-K-1) a' S^-1 a / (1 + m' O^-1 m), S = E'E/(T-K-1), O the MLE factor covariance
    periods, assets, nfactors = 90, 12, 3
    alphas = traded.alphas.to_numpy()
    design = sm.add_constant(factors)
    resid = np.column_stack([sm.OLS(returns[:, i], design).fit().resid for i in range(assets)])
    sigma = resid.T @ resid / (periods - nfactors - 1)
    omega = np.cov(factors.T, ddof=0)
    means = factors.mean(axis=0)
    w = (periods / assets) * (periods - assets - nfactors) / (periods - nfactors - 1)
    w *= alphas @ np.linalg.inv(sigma) @ alphas / (1 + means @ np.linalg.inv(omega) @ means)
    assert result.grs.statistic == pytest.approx(w, rel=1e-11)
    assert result.grs.pvalue == pytest.approx(stats.f.sf(w, assets, periods - assets - nfactors), rel=1e-10)
    assert (result.grs.df_num, result.grs.df_den, result.grs.nobs) == (12, 75, 90)
    rows = table_rows(udfs.FM_PREMIA(returns.tolist(), factors.tolist()))
    assert rows["GRS F"]["premium"] == pytest.approx(w, rel=1e-11)
    assert rows["GRS periods"]["premium"] == 90


def test_grs_uses_complete_rows_and_is_empty_without_enough_of_them():
    returns, factors = generated_panel(periods=33, assets=30, seed=2)
    rows = table_rows(udfs.FM_PREMIA(returns.tolist(), factors.tolist()))
    assert rows["GRS F"]["premium"] is None and rows["GRS p-value"]["premium"] is None  # 33 <= 30 + 3
    assert rows["periods used"]["premium"] == 33
    with pytest.raises(FactorxlError, match=r"more complete rows than assets \+ factors \(30 \+ 3\)"):
        grs_test(returns, factors)
    returns, factors = generated_panel(periods=80, assets=10, seed=2)
    returns[:5, 0] = np.nan
    assert grs_test(returns, factors).nobs == 75
    assert grs_test(returns, factors).statistic == pytest.approx(grs_test(returns[5:], factors[5:]).statistic, rel=1e-14)


@pytest.mark.parametrize("intercept", [True, False])
def test_shanken_correction_equals_the_textbook_formula_on_a_balanced_panel(intercept):
    # Shanken (1992), Cochrane (2005, eq. 12.19):
    # V = [(1 + l' Sf^-1 l) (X'X)^-1 X' Se X (X'X)^-1 + Sf] / T, Sf bordered with zeros for the intercept
    returns, factors = generated_panel(periods=60, assets=15, seed=6)
    result = fama_macbeth(returns, factors, intercept=intercept)
    periods = 60
    fits = [sm.OLS(returns[:, i], sm.add_constant(factors)).fit() for i in range(15)]
    betas = np.array([fit.params[1:] for fit in fits])
    resid = np.column_stack([fit.resid for fit in fits])
    sigma_e = resid.T @ resid / (periods - 1)
    sigma_f = np.cov(factors.T, ddof=1)
    x = np.column_stack([np.ones(15), betas]) if intercept else betas
    projection = np.linalg.inv(x.T @ x) @ x.T
    premia = projection @ returns.mean(axis=0)
    factor_premia = premia[1:] if intercept else premia
    c = factor_premia @ np.linalg.inv(sigma_f) @ factor_premia
    bordered = np.zeros((x.shape[1], x.shape[1]))
    bordered[-3:, -3:] = sigma_f
    expected = ((1 + c) * projection @ sigma_e @ projection.T + bordered) / periods
    assert np.abs(result.cov_shanken - expected).max() < 1e-14
    assert np.abs(result.standard_errors("shanken") - np.sqrt(np.diag(expected))).max() < 1e-12
    rows = table_rows(udfs.FM_PREMIA(returns.tolist(), factors.tolist(), "shanken", None, intercept))
    names = (["const"] if intercept else []) + ["f1", "f2", "f3"]
    assert [rows[n]["std err"] for n in names] == pytest.approx(np.sqrt(np.diag(expected)), rel=1e-11)
    assert rows["std errors"]["premium"] == "Shanken"
    # the correction enlarges the factor premia's errors
    assert (result.standard_errors("shanken")[-3:] > result.standard_errors("fm")[-3:]).all()


def test_fama_macbeth_bad_input():
    returns, factors = generated_panel(periods=30, assets=3)
    with pytest.raises(FactorxlError, match="no period has at least 4 assets with a return"):
        udfs.FM_PREMIA(returns.tolist(), factors.tolist())
    returns, factors = generated_panel(periods=30, assets=10)
    with pytest.raises(FactorxlError, match=r"lags must be from 0 to 29"):
        udfs.FM_PREMIA(returns.tolist(), factors.tolist(), "nw", 30)
    with pytest.raises(FactorxlError, match="cov_type must be one of"):
        udfs.FM_PREMIA(returns.tolist(), factors.tolist(), "white")
    with pytest.raises(FactorxlError, match="returns has 30 data rows but factors has 29"):
        udfs.FM_PREMIA(returns.tolist(), factors[1:].tolist())
    with pytest.raises(FactorxlError, match="collinear"):
        udfs.FM_PREMIA(returns.tolist(), np.column_stack([factors, factors[:, 0] * 2]).tolist())
    same_betas = np.tile(returns[:, :1], (1, 10))  # identical assets: the betas are collinear with the intercept
    with pytest.raises(FactorxlError, match="collinear across the assets present in every period"):
        udfs.FM_PREMIA(same_betas.tolist(), factors.tolist())
    short = returns.copy()
    short[:26, 4] = np.nan  # 4 rows left for 4 parameters (a regression needs one more)
    with pytest.raises(FactorxlError, match="y5: 4 observations with the asset and every factor present; .* needs at least 5"):
        udfs.FM_PREMIA(short.tolist(), factors.tolist())
    flat = returns.copy()
    flat[:, 2] = 0.5
    with pytest.raises(FactorxlError, match="returns of y3 are constant"):
        udfs.FM_PREMIA(flat.tolist(), factors.tolist())
    with pytest.raises(FactorxlError, match="intercept must be TRUE or FALSE"):
        udfs.FM_PREMIA(returns.tolist(), factors.tolist(), None, None, "maybe")
