"""Bad input to the risk-model worksheet functions: one test per rule, checking the message."""

from __future__ import annotations

import numpy as np
import pytest

from factorxl import udfs
from factorxl.workbooks.templates import minimodel_example as mm
from factorxl.errors import FactorxlError

FACTORS = ["MKT", "Tech", "Fin", "Cons", "VALUE", "MOM", "SIZE"]


def col(values) -> list[list]:
    return [[v if v is None or isinstance(v, str) else float(v)] for v in values]


def block(values, header=None) -> list[list]:
    rows = [[float(v) for v in row] for row in np.atleast_2d(values)]
    return [list(header)] + rows if header is not None else rows


@pytest.fixture(scope="module")
def mini():
    result = mm.minimodel()
    return {
        "X": block(result.exposures.values, FACTORS),
        "F": block(result.model.factor_cov, FACTORS),
        "spec": col(mm.SPECIFIC_VOLS),
        "caps": col(mm.CAPS),
        "r1": col(mm.MONTH1_RETURNS),
        "industries": [[name] for name in mm.INDUSTRIES],
        "descriptors": block(np.column_stack([mm.BOOK_TO_PRICE, mm.MOMENTUM, np.log(mm.CAPS)]), ["VALUE", "MOM", "SIZE"]),
        "w_a": col(result.contributions.weights),
        "x_p": col(result.portfolio.exposures),
        "x_a": result.active.exposures,
    }


def test_non_psd_correlation_is_named(mini):
    corr = np.eye(3)
    corr[0, 1] = corr[1, 0] = 0.9
    corr[0, 2] = corr[2, 0] = 0.9
    corr[1, 2] = corr[2, 1] = -0.9
    with pytest.raises(FactorxlError, match=r"correlation is not positive semi-definite: its smallest eigenvalue is -0\.8.*involves"):
        udfs.RISK_FACTOR_COV([[0.1, 0.2, 0.3]], block(corr, ["A", "B", "C"]))


def test_asymmetric_correlation_names_the_pair():
    corr = [["A", "B"], [1.0, 0.3], [0.2, 1.0]]
    with pytest.raises(FactorxlError, match=r"correlation is not symmetric: \(A, B\) is 0\.3 but \(B, A\) is 0\.2"):
        udfs.RISK_FACTOR_COV([[0.1, 0.2]], corr)


def test_correlation_diagonal_and_range():
    with pytest.raises(FactorxlError, match="ones on its diagonal"):
        udfs.RISK_FACTOR_COV([[0.1, 0.2]], [[1.0, 0.2], [0.2, 0.9]])
    with pytest.raises(FactorxlError, match="^factor_vols has 2 factors but correlation is 3 x 3"):
        udfs.RISK_FACTOR_COV([[0.1, 0.2]], block(np.eye(3)))


def test_non_positive_volatility():
    with pytest.raises(FactorxlError, match=r"^factor_vols must be positive, a volatility for each factor; f2 has 0$"):
        udfs.RISK_FACTOR_COV([[0.1, 0.0]], block(np.eye(2)))


def test_non_psd_factor_covariance_in_a_risk_function(mini):
    bad = np.array(mini["F"][1:])
    bad[4, 5] = bad[5, 4] = 0.5
    with pytest.raises(FactorxlError, match="factor_covariance is not positive semi-definite.*VALUE|factor_covariance is not positive semi-definite.*MOM"):
        udfs.RISK_DECOMPOSITION(mini["w_a"], mini["X"], block(bad, FACTORS), mini["spec"])


def test_non_psd_factor_covariance_in_stress_and_hedges_names_the_factors(mini):
    bad = np.array(mini["F"][1:])
    bad[4, 5] = bad[5, 4] = 0.5
    cov = block(bad, FACTORS)
    message = "factor_covariance is not positive semi-definite.*involves (VALUE, MOM|MOM, VALUE)"
    with pytest.raises(FactorxlError, match=message):
        udfs.RISK_STRESS(mini["x_p"], cov, "VALUE", -2)
    with pytest.raises(FactorxlError, match=message):
        udfs.HEDGE_FUTURES(mini["x_p"], 0.07, [[1.0]] * 7, cov, "MKT")
    with pytest.raises(FactorxlError, match=message):
        udfs.HEDGE_FUTURES_MIN_VAR(mini["x_p"], 0.07, [[1.0]] * 7, cov)


def test_weights_that_do_not_match_the_universe(mini):
    with pytest.raises(FactorxlError, match="weights has 9 rows but exposures has 10 stocks"):
        udfs.RISK_DECOMPOSITION(mini["w_a"][:9], mini["X"], mini["F"], mini["spec"])
    with pytest.raises(FactorxlError, match="weights has 9 rows but exposures has 10 stocks"):
        udfs.RISK_EXPOSURE(mini["w_a"][:9], mini["X"])
    with pytest.raises(FactorxlError, match="specific_vols has 9 values but exposures has 10 stocks"):
        udfs.RISK_ASSET_COV(mini["X"], mini["F"], mini["spec"][:9])


def test_weights_with_a_blank_cell(mini):
    weights = [row[:] for row in mini["w_a"]]
    weights[3] = [None]
    with pytest.raises(FactorxlError, match="weights has a missing value at stock 4"):
        udfs.RISK_CONTRIBUTIONS(weights, mini["X"], mini["F"], mini["spec"])


def test_contributions_need_a_single_portfolio(mini):
    two = [[row[0], row[0]] for row in mini["w_a"]]
    with pytest.raises(FactorxlError, match="weights must be a single column here; it has 2"):
        udfs.RISK_CONTRIBUTIONS(two, mini["X"], mini["F"], mini["spec"])


def test_exposures_do_not_match_the_factor_covariance(mini):
    with pytest.raises(FactorxlError, match="exposures have 6 factor columns but factor_covariance is 7 x 7"):
        udfs.RISK_DECOMPOSITION(mini["w_a"], [row[:6] for row in mini["X"]], mini["F"], mini["spec"])


def test_industry_with_no_members_in_the_exposure_matrix(mini):
    with pytest.raises(FactorxlError, match="industry Energy has no members"):
        udfs.EXPOSURE_MATRIX(mini["industries"], mini["descriptors"], mini["caps"], [["Tech", "Fin", "Energy", "Cons"]])


def test_industry_with_no_members_in_the_cross_section(mini):
    x = [row[:4] + [0.0] + row[4:] for row in mini["X"]]
    x[0][4] = "Energy"
    with pytest.raises(FactorxlError, match="industry Energy has no members"):
        udfs.CROSS_SECTION_FIT(mini["r1"], x, mini["caps"])


def test_stock_in_an_unlisted_industry(mini):
    with pytest.raises(FactorxlError, match='industry "Cons" is not among the industries Tech, Fin'):
        udfs.EXPOSURE_MATRIX(mini["industries"], mini["descriptors"], mini["caps"], [["Tech", "Fin"]])


def test_constant_descriptor_cannot_be_standardized(mini):
    flat = [row[:] for row in mini["descriptors"]]
    for row in flat[1:]:
        row[1] = 0.5
    with pytest.raises(FactorxlError, match="descriptor MOM is constant across stocks"):
        udfs.EXPOSURE_STANDARDIZE(flat, mini["caps"])


def test_industries_and_descriptors_of_different_lengths(mini):
    with pytest.raises(FactorxlError, match="industries has 9 labels but 10 were expected"):
        udfs.EXPOSURE_MATRIX(mini["industries"][:9], mini["descriptors"], mini["caps"])
    with pytest.raises(FactorxlError, match="industries has an empty or invalid cell"):
        udfs.EXPOSURE_MATRIX(mini["industries"][:9] + [[None]], mini["descriptors"], mini["caps"])


def test_missing_descriptor(mini):
    gap = [row[:] for row in mini["descriptors"]]
    gap[3][2] = None
    for standardize_styles in (True, False):
        with pytest.raises(FactorxlError, match="descriptor SIZE is missing for stock 3"):
            udfs.EXPOSURE_MATRIX(mini["industries"], gap, mini["caps"], None, standardize_styles)


def test_negative_cap(mini):
    caps = [row[:] for row in mini["caps"]]
    caps[2] = [-1.0]
    with pytest.raises(FactorxlError, match="must not be negative; stock 3 has -1"):
        udfs.EXPOSURE_STANDARDIZE(mini["descriptors"], caps)


def test_unconstrained_regression_on_a_collinear_model_names_the_columns(mini):
    with pytest.raises(FactorxlError, match="exposures are collinear \\(MKT, Tech, Fin, Cons are linearly dependent"):
        udfs.CROSS_SECTION_FIT(mini["r1"], mini["X"], mini["caps"], None, "wls")


def test_constrained_regression_without_industry_columns(mini):
    styles = [row[4:] for row in mini["X"]]
    with pytest.raises(FactorxlError, match='method "constrained" needs industry dummy columns'):
        udfs.CROSS_SECTION_FIT(mini["r1"], styles, mini["caps"])


def test_unknown_industry_column_and_method(mini):
    with pytest.raises(FactorxlError, match='industry_columns: "Energy" is not one of MKT, Tech'):
        udfs.CROSS_SECTION_FIT(mini["r1"], mini["X"], mini["caps"], "Energy")
    with pytest.raises(FactorxlError, match="industry_columns: 9.0 is not a column number between 1 and 7"):
        udfs.CROSS_SECTION_FIT(mini["r1"], mini["X"], mini["caps"], 9.0)
    with pytest.raises(FactorxlError, match='method must be one of "constrained", "wls", "ols"; got "gls"'):
        udfs.CROSS_SECTION_FIT(mini["r1"], mini["X"], mini["caps"], None, "gls")


def test_returns_of_the_wrong_length_and_text(mini):
    with pytest.raises(FactorxlError, match="returns has 9 stocks but exposures has 10"):
        udfs.CROSS_SECTION_FIT(mini["r1"][:9], mini["X"], mini["caps"])
    with pytest.raises(FactorxlError, match='returns has text "n/a" at row 2'):
        udfs.CROSS_SECTION_FIT([[0.01], ["n/a"]] + mini["r1"][2:], mini["X"], mini["caps"])


def test_too_few_stocks_for_the_factors(mini):
    r = [row if i not in (1, 2, 5, 8) else [None] for i, row in enumerate(mini["r1"])]
    with pytest.raises(FactorxlError, match="6 stocks with a return, every exposure and a cap; 6 free factors need at least 7"):
        udfs.CROSS_SECTION_FIT(r, mini["X"], mini["caps"])


def test_infeasible_equality_constraints(mini):
    targets = [[1.0, None, None, None, None, 0.0, None]]  # active weights sum to 0, yet market exposure 1
    with pytest.raises(FactorxlError, match="the constraints are infeasible: constraint 2 contradicts the others"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], targets)


def test_weights_without_risk_are_refused_as_a_singular_covariance():
    """No specific risk and one factor: every budget-neutral mix of the two stocks of exposure
    1 has zero risk, so no single minimum exists (the numbers are exact in binary, so every
    machine finds the system singular)."""
    with pytest.raises(FactorxlError, match="the covariance matrix is singular on the constrained weights"):
        udfs.OPTIMIZE_MIN_TE([[1.0], [1.0], [2.0]], [[0.04]], col([0.0, 0.0, 0.0]), [None])


def test_infeasible_bounds(mini):
    targets = [[None, None, None, None, 5.0, None, None]]  # a VALUE tilt long-only cannot reach
    with pytest.raises(FactorxlError, match="the constraints are infeasible: no weights satisfy the equalities within the bounds"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], targets, col(mm.CAPS / mm.CAPS.sum()), 0)
    with pytest.raises(FactorxlError, match="stock 1 has lower bound .* above upper"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], targets, col(mm.CAPS / mm.CAPS.sum()), 0.5, 0.1)


def test_bounds_need_benchmark_weights(mini):
    targets = [[None] * 6 + [0.0]]
    with pytest.raises(FactorxlError, match="benchmark_weights is required"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], targets, None, 0)
    with pytest.raises(FactorxlError, match="factor_targets has 6 cells but there are 7 factors"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], [[None] * 6])
    with pytest.raises(FactorxlError, match="factor_targets has 6 values but 7 were expected"):
        udfs.OPTIMIZE_MIN_TE(mini["X"], mini["F"], mini["spec"], [[None] * 5 + [0.0]])


def test_stress_factor_must_exist(mini):
    with pytest.raises(FactorxlError, match='factor: "QUALITY" is not one of MKT'):
        udfs.RISK_STRESS(mini["x_p"], mini["F"], "QUALITY", -2)
    with pytest.raises(FactorxlError, match=r"exposures must have one row per factor \(7\)"):
        udfs.RISK_STRESS(mini["x_p"][:6], mini["F"], "VALUE", -2)


def test_hedge_needs_as_many_factors_as_instruments(mini):
    instruments = [[1.0] for _ in range(7)]
    with pytest.raises(FactorxlError, match=r"1 instrument\(s\) can zero exactly 1 exposure\(s\); 2 factor\(s\) were chosen"):
        udfs.HEDGE_FUTURES(mini["x_p"], 0.07, instruments, mini["F"], [["MKT", "SIZE"]])


def test_hedge_with_dependent_instruments(mini):
    instruments = [[1.0, 2.0] for _ in range(7)]
    with pytest.raises(FactorxlError, match=r"linearly dependent, or nearly \(by the collinearity rule\); no hedge zeroes them all"):
        udfs.HEDGE_FUTURES(mini["x_p"], 0.07, instruments, mini["F"], [["MKT", "SIZE"]])
    with pytest.raises(FactorxlError, match="specific_vol must be at least 0"):
        udfs.HEDGE_FUTURES_MIN_VAR(mini["x_p"], -0.1, [[1.0]] * 7, mini["F"])


def test_attribution_shapes_and_values(mini):
    f = [FACTORS] + [[0.01] * 7] * 3
    ok = dict(active_exposures=[list(mini["x_a"])], factors=f, specific_returns=col([0.0] * 3),
              portfolio_returns=col([0.01] * 3), benchmark_returns=col([0.0] * 3))
    with pytest.raises(FactorxlError, match="benchmark_returns has 2 values but 3 were expected"):
        udfs.ATTRIBUTION(**{**ok, "benchmark_returns": col([0.0] * 2)})
    with pytest.raises(FactorxlError, match="active_exposures are 2 x 7 but factors are 3 x 7"):
        udfs.ATTRIBUTION(**{**ok, "active_exposures": [list(mini["x_a"])] * 2})
    with pytest.raises(FactorxlError, match="portfolio_returns has a return of -100 % or less in period 2"):
        udfs.ATTRIBUTION(**{**ok, "portfolio_returns": col([0.01, -1.0, 0.01])})
    with pytest.raises(FactorxlError, match='method must be one of "carino", "menchero", "arithmetic"'):
        udfs.ATTRIBUTION(**ok, method="frongello")
    with pytest.raises(FactorxlError, match="factors has a missing value in period 2"):
        udfs.ATTRIBUTION(**{**ok, "factors": [FACTORS, [0.01] * 7, [None] + [0.01] * 6, [0.01] * 7]})


def test_attribution_reports_what_factors_and_specific_leave_unexplained(mini):
    f = [FACTORS] + [[0.01] * 7] * 2
    out = udfs.ATTRIBUTION([[0.0] * 7], f, col([0.001, 0.0]), col([0.02, 0.01]), col([0.01, 0.01]))
    unexplained = out[0].index("unexplained")
    assert out[1][unexplained] == pytest.approx(0.009) and out[2][unexplained] == pytest.approx(0.0)


def test_covariance_history_needs_a_half_life_for_ewma():
    with pytest.raises(FactorxlError, match='half_life is required for method "ewma"'):
        udfs.RISK_FACTOR_COV_HISTORY([[0.01, 0.02], [0.03, -0.01], [0.0, 0.01]], "ewma")
    with pytest.raises(FactorxlError, match="factor returns have 1 complete rows"):
        udfs.RISK_FACTOR_COV_HISTORY([[0.01, 0.02], [None, -0.01]])


def test_eigenvalues_need_a_symmetric_square_matrix():
    with pytest.raises(FactorxlError, match=r"matrix must be square \(K x K\)"):
        udfs.RISK_EIGENVALUES([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert np.ravel(udfs.RISK_EIGENVALUES([[1.0, 2.0], [2.0, 1.0]])).tolist() == pytest.approx([-1.0, 3.0])


def test_turnover_lengths():
    with pytest.raises(FactorxlError, match="current weights have 2 stocks but new weights have 3"):
        udfs.PORTFOLIO_TURNOVER([[0.5], [0.5]], [[0.2], [0.3], [0.5]])


def test_zero_risk_has_no_decomposition(mini):
    with pytest.raises(FactorxlError, match="zero volatility"):
        udfs.RISK_CONTRIBUTIONS(col([0.0] * 10), mini["X"], mini["F"], mini["spec"])
