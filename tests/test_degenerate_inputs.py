"""Degenerate and absurd inputs: each case that once crashed or gave a meaningless number, by name.

Each test checks the message a user sees, or the correct number against an independent
reference (statsmodels, linearmodels, hand algebra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import FamaMacBeth

from factorxl import udfs
from factorxl.core.fama_macbeth import fama_macbeth
from factorxl.core.optimization import min_tracking_error
from factorxl.core.regression import ols
from factorxl.core.risk_model import risk_model
from factorxl.core.sizing import volatility_budget_position
from factorxl.errors import FactorxlError
from tests.sheet_values import as_column

RNG = np.random.default_rng(14)
FACTORS = RNG.normal(0.0, 0.01, (60, 2))
RETURNS = FACTORS @ [1.1, 0.4] + RNG.normal(0.0, 0.01, 60)


def test_factor_beta_on_a_factor_with_mean_over_sd_1e5_matches_statsmodels():
    factor = 1e5 + RNG.normal(0.0, 1.0, 500)
    returns = 0.7 * (factor - 1e5) + RNG.normal(0.0, 0.5, 500)
    reference = sm.OLS(returns, sm.add_constant(factor)).fit().params[1]
    assert udfs.FACTOR_BETA(as_column(returns), as_column(factor)) == pytest.approx(reference, rel=1e-10)
    table = {row[0]: row[1:] for row in udfs.FACTOR_REGRESS(as_column(returns), as_column(factor))}
    fit = sm.OLS(returns, sm.add_constant(factor)).fit()
    assert table["f1"][:3] == pytest.approx([fit.params[1], fit.bse[1], fit.tvalues[1]], rel=1e-8)
    assert table["alpha"][0] == pytest.approx(fit.params[0], rel=1e-8)


def test_an_all_zero_factor_beside_another_is_named():
    factors = [[0.01, 0], [0.02, 0], [-0.01, 0], [0, 0], [0.01, 0]]
    with pytest.raises(FactorxlError, match="factor f2 is zero on the rows used"):
        udfs.FACTOR_BETA([0.01, 0.02, -0.01, 0.03, 0], factors)


def test_a_constant_factor_is_named():
    factors = np.column_stack([FACTORS[:, 0], np.full(60, 0.003)])
    with pytest.raises(FactorxlError, match="factor f2 is constant on the rows used"):
        udfs.FACTOR_BETA(as_column(RETURNS), factors.tolist())


def test_the_collinear_message_always_names_the_factors():
    factors = np.column_stack([FACTORS, FACTORS[:, 0] - 2 * FACTORS[:, 1]])
    with pytest.raises(FactorxlError, match=r"the factors are collinear \(f1, f2, f3 are linearly dependent"):
        udfs.FACTOR_BETA(as_column(RETURNS), factors.tolist())


def test_an_exact_fit_is_reported_not_turned_into_huge_statistics():
    exact = as_column(0.001 + 2 * FACTORS[:, 0])
    factor = as_column(FACTORS[:, 0])
    assert udfs.FACTOR_BETA(exact, factor) == pytest.approx(2.0, rel=1e-12)
    for call in (
        lambda: udfs.FACTOR_REGRESS(exact, factor),
        lambda: udfs.APPRAISAL_RATIO(exact, factor),
        lambda: udfs.VOL_BUDGET_SIZE(1e6, exact, 1, factor),
        lambda: udfs.FUND_TABLE(exact, factor, 12),
    ):
        with pytest.raises(FactorxlError, match="y1: the factors explain the returns exactly"):
            call()


def test_rolling_windows_where_a_factor_does_not_move_are_empty():
    factors = FACTORS.copy()
    factors[10:40, 1] = 0.0
    out = udfs.FACTOR_ROLLING_BETA(as_column(RETURNS), factors.tolist(), 20)
    assert all(out[t] == [None, None] for t in range(29, 40))  # windows 10..29 to 20..39
    model = sm.OLS(RETURNS[21:41], sm.add_constant(factors[21:41])).fit()
    assert out[40] == pytest.approx(list(model.params[1:]), rel=1e-9)


def test_fm_premia_with_two_identical_asset_columns_names_them():
    returns = FACTORS @ RNG.normal(1.0, 0.3, (2, 4)) + RNG.normal(0.0, 0.01, (60, 4))
    returns[:, 3] = returns[:, 2]
    with pytest.raises(FactorxlError, match="asset columns 3, 4 are linearly dependent"):
        udfs.FM_PREMIA(returns.tolist(), FACTORS.tolist())


def test_shares_of_a_variance_too_small_to_represent_are_refused():
    # returns near 1e-300 are refused by the input rule in a sheet; the core refuses their regression
    with pytest.raises(FactorxlError, match="constant \\(or vary too little to measure\\)"):
        ols(RETURNS * 1e-300, FACTORS)
    exposures = [[1.0, 0.5], [1.0, -0.2]]
    covariance = [[0.0004, 0.0], [0.0, 0.0009]]
    with pytest.raises(FactorxlError, match="the total variance is zero"):
        udfs.RISK_DECOMPOSITION([[0.0], [0.0]], exposures, covariance, [0.01, 0.02])


def test_a_position_that_overflows_is_refused():
    with pytest.raises(FactorxlError, match="returns has 1e-320, too small a number"):
        udfs.VOL_BUDGET_SIZE(1e6, 1e-320)
    with pytest.raises(FactorxlError, match="too close to zero .* the position overflows"):
        volatility_budget_position(1e6, 1e-320)


def test_huge_inputs_are_refused_not_turned_into_empty_cells_or_zeros():
    exposures = [[1.0, 0.5], [1.0, -0.2], [1e308, 0.1]]
    with pytest.raises(FactorxlError, match="exposures has 1e\\+308, too large a number, at row 3, column 1"):
        udfs.RISK_CONTRIBUTIONS([0.3, 0.3, 0.4], exposures, [[0.0004, 0.0], [0.0, 0.0009]], [0.01, 0.02, 0.03])
    with pytest.raises(FactorxlError, match="specific_vol has 1e\\+200, too large a number"):
        udfs.HEDGE_FUTURES_MIN_VAR([1.0, 0.2], 1e200, [[1.0], [0.1]], [[0.0004, 0.0], [0.0, 0.0009]])
    with pytest.raises(FactorxlError, match='periods_per_year has "inf"'):
        udfs.SHARPE_RATIO(as_column(RETURNS), "inf")


def test_whole_number_options_given_inf_or_nan_are_refused():
    for text in ("inf", "nan"):
        with pytest.raises(FactorxlError, match=f'lags has "{text}"'):
            udfs.FACTOR_REGRESS(as_column(RETURNS), FACTORS.tolist(), "hac", text)
    with pytest.raises(FactorxlError, match="ddof must be a whole number up to"):
        udfs.FUND_TABLE(as_column(RETURNS), FACTORS.tolist(), 12, None, 1e20)


def test_a_single_weights_row_passed_as_a_flat_list_is_accepted():
    returns = FACTORS @ RNG.normal(1.0, 0.3, (2, 3)) + RNG.normal(0.0, 0.01, (60, 3))
    weights = [0.2, 0.5, 0.3]
    flat = udfs.PORTFOLIO_EXPOSURE(weights, returns.tolist(), FACTORS.tolist())
    block = udfs.PORTFOLIO_EXPOSURE([weights], returns.tolist(), FACTORS.tolist())
    assert flat[0] == pytest.approx(block[0], rel=1e-13)
    betas = np.array([sm.OLS(returns[:, j], sm.add_constant(FACTORS)).fit().params[1:] for j in range(3)])
    assert flat[0] == pytest.approx(list(np.array(weights) @ betas), rel=1e-10)
    gap = {row[0]: row[1:] for row in udfs.PORTFOLIO_EXPOSURE_GAP(weights, returns.tolist(), FACTORS.tolist())}
    assert gap["f1"][0] == pytest.approx(flat[0][0], rel=1e-12)


def test_a_single_period_attribution_without_headers():
    out = udfs.ATTRIBUTION([0.5, 1.0], [0.01, -0.02], 0.001, 0.012, 0.010)
    period = dict(zip(out[0], out[1], strict=True))
    assert period["f1"] == pytest.approx(0.005, rel=1e-14) and period["f2"] == pytest.approx(-0.02, rel=1e-14)
    assert period["active"] == pytest.approx(0.002, rel=1e-12)
    assert period["unexplained"] == pytest.approx(0.002 - 0.005 + 0.02 - 0.001, rel=1e-12)


def test_exposure_matrix_refuses_negative_caps_even_without_standardizing():
    with pytest.raises(FactorxlError, match="caps must be positive; got -3 at cell 2 of the range"):
        udfs.EXPOSURE_MATRIX(["Tech", "Fin", "Tech"], [0.1, 0.4, -0.2], [1.0, -3.0, 2.0], None, False)


def test_hc3_with_an_observation_of_leverage_one_is_refused():
    factors = np.column_stack([np.zeros(20), FACTORS[:20, 1]])
    factors[5, 0] = 0.02  # the first factor moves on one row only: that row is fitted exactly
    with pytest.raises(FactorxlError, match="observation 6 of the rows used alone determines a coefficient"):
        udfs.FACTOR_REGRESS(as_column(RETURNS[:20]), factors.tolist(), "hc3")


@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1e-44, 1e45, 1e100, 1e150])
def test_factor_betas_keep_their_digits_for_tiny_and_huge_factors(scale):
    reference = sm.OLS(RETURNS, sm.add_constant(FACTORS)).fit().params[1:]
    if 1e-50 < scale < 1e50:  # inside the input rule, in a sheet
        betas = udfs.FACTOR_BETA(as_column(RETURNS), (FACTORS * scale).tolist())[0]
    else:
        betas = ols(RETURNS, FACTORS * scale)[0].betas
    assert np.array(betas) * scale == pytest.approx(reference, rel=1e-12)


def test_a_column_chosen_twice_is_refused():
    exposures = [["MKT", "Tech", "Fin"], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    with pytest.raises(FactorxlError, match="industry_columns names Tech twice"):
        udfs.CROSS_SECTION_FIT([0.01, 0.02, -0.01], exposures, [1.0, 2.0, 3.0], [2, 2])


def test_fm_premia_of_returns_near_1e_minus_157_equal_linearmodels_on_the_same_returns_in_units():
    returns = FACTORS @ RNG.normal(1.0, 0.3, (2, 6)) + RNG.normal(0.0, 0.01, (60, 6))
    # beyond the input rule of a sheet, in the core
    result = fama_macbeth(returns * 1e-157, FACTORS)
    tiny = {name: [value] for name, value in zip(result.names, result.premia, strict=True)} | {"GRS F": [result.grs.statistic]}
    # linearmodels on the returns in units: premia per unit of beta do not change with the scale
    # of the returns (returns and loadings shrink together); the constant shrinks with them
    design = sm.add_constant(FACTORS)
    fits = [sm.OLS(returns[:, i], design).fit() for i in range(returns.shape[1])]
    betas = np.array([fit.params[1:] for fit in fits])
    index = pd.MultiIndex.from_product([range(6), range(60)], names=["asset", "period"])
    exog = pd.DataFrame(np.repeat(sm.add_constant(betas), 60, axis=0), index=index, columns=["const", "f1", "f2"])
    premia = FamaMacBeth(pd.Series(returns.T.ravel(), index=index), exog).fit().params
    assert [tiny["f1"][0], tiny["f2"][0]] == pytest.approx([premia["f1"], premia["f2"]], rel=1e-9)
    assert tiny["const"][0] == pytest.approx(premia["const"] * 1e-157, rel=1e-9)
    # GRS (1989) by its formula on the returns in units: a ratio of quadratic forms, free of their scale
    alphas = np.array([fit.params[0] for fit in fits])
    resid = np.column_stack([fit.resid for fit in fits])
    sigma = resid.T @ resid / (60 - 2 - 1)
    means = FACTORS.mean(axis=0)
    grs = (60 / 6) * (60 - 6 - 2) / (60 - 2 - 1) * alphas @ np.linalg.solve(sigma, alphas)
    grs /= 1 + means @ np.linalg.solve(np.cov(FACTORS.T, ddof=0), means)
    assert tiny["GRS F"][0] == pytest.approx(grs, rel=1e-9)


def test_a_cap_of_1e308_is_refused_by_the_input_rule():
    exposures = [["MKT", "Tech", "Fin", "VALUE"], [1, 1, 0, 0.5], [1, 0, 1, -0.2], [1, 1, 0, 0.1], [1, 0, 1, -0.4]]
    with pytest.raises(FactorxlError, match="caps has 1e\\+308, too large a number, at cell 2 of the range"):
        udfs.CROSS_SECTION_FIT([0.01, 0.02, -0.01, 0.0], exposures, [1.0, 1e308, 2.0, 3.0])


def test_returns_too_small_for_the_factors_are_refused_not_given_infinite_t_statistics():
    # beyond the input rule of a sheet, in the core
    with pytest.raises(FactorxlError, match="y1: the returns are too small for the size of the factors"):
        ols(RETURNS[:12] * 1e-147, FACTORS[:12, 0] * 1e22)


def test_optimize_min_te_with_exposures_near_1e144_gives_a_message():
    """Refused by the input rule in a sheet; in the core, budget and three exposure targets on
    two stocks: the third constraint contradicts the first two, however small the weights (of
    order 1e-146) that come close to all of them."""
    exposures = [
        ["f1", "f2", "f3"],
        [7.505651207621898e143, 5.808638546751911e143, -4.825458640169033e142],
        [-3.5870938465313285e143, -1.0333278108615557e144, 1.0269301268650668e144],
    ]
    covariance = [
        [0.001989372059780413, 0.0007933192728214667, 0.000953614762953558],
        [0.0007933192728214667, 0.00126180927480387, -0.00026440715587243977],
        [0.000953614762953558, -0.00026440715587243977, 0.001280337324164729],
    ]
    targets = [-0.004526883696005288, 0.01758730448332338, 0.0027056212890951936]
    with pytest.raises(FactorxlError, match="exposures has 7.505651207621898e\\+143, too large a number, at row 2, column 1"):
        udfs.OPTIMIZE_MIN_TE(exposures, covariance, [1.068317171214307, 2.612878813168967], targets)
    # beyond the input rule of a sheet, in the core
    x = np.array(exposures[1:])
    with pytest.raises(FactorxlError, match="the constraints are infeasible: constraint 3 contradicts the others"):
        min_tracking_error(risk_model(x, np.array(covariance), np.array([1.068317171214307, 2.612878813168967])), np.vstack([np.ones(2), x.T]), np.r_[0.0, targets])
