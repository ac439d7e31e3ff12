"""Independent checks of the risk-model functions on generated data.

References: statsmodels WLS/OLS for the unconstrained regressions, a bordered (Lagrange)
system for the constrained one, numpy and pandas for sample and EWMA covariances, the
precision-matrix form of the Gaussian conditional mean for stress tests, and algebraic
identities (contributions sum to the volatility, linked attribution sums to the
compounded active return, pure portfolios reproduce their factor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize

from factorxl import udfs
from factorxl.core.attribution import attribution
from factorxl.core.cross_section import cross_section_regression
from factorxl.core.exposures import exposure_matrix, standardize
from factorxl.core.factor_hedging import min_variance_hedge, neutralizing_hedge
from factorxl.core.optimization import min_tracking_error
from factorxl.core.risk_decomposition import block_decomposition, risk_report, stock_contributions
from factorxl.core.risk_model import covariance_from_returns, risk_model
from factorxl.core.stress import stress_test
from tests.sheet_values import as_column


def block(values, header=None) -> list[list]:
    rows = [[float(v) for v in row] for row in np.atleast_2d(values)]
    return [list(header)] + rows if header is not None else rows


def random_universe(seed: int, stocks: int = 40, industries: int = 4, styles: int = 3):
    rng = np.random.default_rng(seed)
    labels = [f"I{j}" for j in range(industries)]
    industry = [labels[j] for j in np.r_[np.arange(industries), rng.integers(0, industries, stocks - industries)]]
    caps = rng.lognormal(3.0, 1.0, stocks)
    descriptors = rng.normal(size=(stocks, styles))
    model = exposure_matrix(industry, descriptors, caps, [f"S{j}" for j in range(styles)])
    returns = model.values @ rng.normal(0, 0.02, model.values.shape[1]) + rng.normal(0, 0.03, stocks)
    return rng, model, caps, returns


def random_covariance(rng, k: int) -> np.ndarray:
    a = rng.normal(size=(k, k + 3))
    return a @ a.T / (k + 3) * 0.01


@pytest.mark.parametrize("seed", range(3))
def test_standardized_exposures_have_cap_weighted_mean_zero_and_unit_std(seed):
    rng = np.random.default_rng(seed)
    caps = rng.lognormal(size=25)
    z = standardize(rng.normal(3, 2, size=(25, 4)), caps)
    np.testing.assert_allclose(caps / caps.sum() @ z, 0, atol=1e-13)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-13)


def bordered_wls(r: np.ndarray, x: np.ndarray, caps: np.ndarray, columns) -> np.ndarray:
    """Sqrt-cap WLS with sum_j c_j f_j = 0 over the industry columns, by its bordered (Lagrange) system."""
    v = np.sqrt(caps) / np.sqrt(caps).sum()
    c = np.zeros(x.shape[1])
    c[columns] = (caps / caps.sum()) @ x[:, columns]
    kkt = np.block([[x.T @ (v[:, None] * x), c[:, None]], [c[None, :], np.zeros((1, 1))]])
    return np.linalg.solve(kkt, np.append(x.T @ (v * r), 0.0))[:-1]


@pytest.mark.parametrize("seed", range(3))
def test_constrained_wls_matches_the_bordered_lagrange_system(seed):
    rng, model, caps, r = random_universe(seed)
    columns = model.industry_columns
    result = cross_section_regression(r, model.values, caps, columns)
    v = np.sqrt(caps) / np.sqrt(caps).sum()
    x = model.values
    reference = bordered_wls(r, x, caps, columns)
    np.testing.assert_allclose(result.factor_returns, reference, atol=1e-12)
    assert abs(result.constraint_value) < 1e-15
    resid = r - x @ reference
    np.testing.assert_allclose(result.residuals, resid, atol=1e-12)
    np.testing.assert_allclose(result.rsquared_uncentered, 1 - v @ resid**2 / (v @ r**2), atol=1e-12)
    np.testing.assert_allclose(result.rsquared_centered, 1 - v @ resid**2 / (v @ (r - v @ r) ** 2), atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_constrained_estimator_does_not_depend_on_the_eliminated_industry(seed):
    _, model, caps, r = random_universe(seed)
    columns = model.industry_columns
    first = cross_section_regression(r, model.values, caps, columns)
    second = cross_section_regression(r, model.values, caps, columns[::-1])
    np.testing.assert_allclose(first.factor_returns, second.factor_returns, atol=1e-12)
    np.testing.assert_allclose(first.pure_portfolios, second.pure_portfolios, atol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_pure_factor_portfolios_have_unit_own_exposure_on_the_constrained_space(seed):
    _, model, caps, r = random_universe(seed)
    columns = model.industry_columns
    result = cross_section_regression(r, model.values, caps, columns)
    p, x = result.pure_portfolios, model.values
    np.testing.assert_allclose(p @ r, result.factor_returns, atol=1e-13)
    styles = [k for k in range(x.shape[1]) if k not in columns]
    # market and styles: unit exposure to their own factor, zero to the other non-industry factors
    np.testing.assert_allclose((p @ x)[np.ix_(styles, styles)], np.eye(len(styles)), atol=1e-11)
    # industries: P X acts as the identity on every factor-return vector that meets the constraint
    f = np.random.default_rng(seed).normal(size=(x.shape[1], 5))
    f[columns[-1]] = -(result.industry_weights[:-1] @ f[columns[:-1]]) / result.industry_weights[-1]
    np.testing.assert_allclose(p @ x @ f, f, atol=1e-11)


def test_unconstrained_wls_and_ols_match_statsmodels():
    _, model, caps, r = random_universe(7)
    x = model.values[:, 1:]  # without the market column the dummies span the constant
    header = list(model.factor_names[1:])
    sheet = dict(stock_returns=as_column(r), exposures=block(x, header), caps=as_column(caps))
    v = np.sqrt(caps) / np.sqrt(caps).sum()
    wls = sm.WLS(r, x, weights=v).fit()
    out = {row[0]: row[1] for row in udfs.CROSS_SECTION_FIT(**sheet, method="wls")[1:]}
    np.testing.assert_allclose([out[h] for h in header], wls.params, atol=1e-12)
    np.testing.assert_allclose(out["R2 centered"], wls.rsquared, atol=1e-12)
    assert out["Industry constraint"] is None
    ols = sm.OLS(r, x).fit()
    out = {row[0]: row[1] for row in udfs.CROSS_SECTION_FIT(**sheet, method="ols")[1:]}
    np.testing.assert_allclose([out[h] for h in header], ols.params, atol=1e-12)
    np.testing.assert_allclose(out["R2 centered"], ols.rsquared, atol=1e-12)
    np.testing.assert_allclose(np.ravel(udfs.CROSS_SECTION_RESIDUALS(**sheet, method="ols")), ols.resid, atol=1e-12)
    np.testing.assert_allclose(np.ravel(udfs.CROSS_SECTION_WEIGHTS(as_column(caps), "ols")), 1 / len(r))


def test_stocks_with_missing_returns_are_left_out():
    _, model, caps, r = random_universe(3)
    r_missing = r.copy()
    r_missing[[5, 9]] = np.nan
    header = list(model.factor_names)
    out = udfs.CROSS_SECTION_FIT(as_column(r_missing), block(model.values, header), as_column(caps))
    keep = ~np.isnan(r_missing)
    reference = bordered_wls(r[keep], model.values[keep], caps[keep], model.industry_columns)
    rows = {row[0]: row[1] for row in out[1:]}
    np.testing.assert_allclose([rows[h] for h in header], reference, atol=1e-12)
    assert rows["Stocks used"] == keep.sum()
    resid = udfs.CROSS_SECTION_RESIDUALS(as_column(r_missing), block(model.values, header), as_column(caps))
    assert resid[5] == [None] and resid[9] == [None]


def test_sample_and_ewma_covariance_match_numpy_and_pandas():
    rng = np.random.default_rng(11)
    returns = rng.normal(0, 0.01, size=(120, 4)) @ rng.normal(size=(4, 4))
    np.testing.assert_allclose(covariance_from_returns(returns, periods_per_year=12), np.cov(returns.T) * 12, atol=1e-15)
    frame = pd.DataFrame(returns)
    ewm = frame.ewm(halflife=20).cov(bias=True).loc[119].to_numpy()
    out = udfs.RISK_FACTOR_COV_HISTORY(block(returns), "EWMA", 20)
    np.testing.assert_allclose(np.array(out), ewm, atol=1e-15)
    with_gap = returns.copy()
    with_gap[3, 2] = np.nan
    np.testing.assert_allclose(covariance_from_returns(with_gap), np.cov(np.delete(returns, 3, axis=0).T), atol=1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_contributions_sum_to_the_volatility_and_blocks_to_the_variance(seed):
    rng, model, caps, _ = random_universe(seed)
    k = model.values.shape[1]
    rm = risk_model(model.values, random_covariance(rng, k), rng.uniform(0.1, 0.4, len(caps)))
    w = rng.normal(0, 0.02, len(caps))
    w -= w.mean()
    contributions = stock_contributions(rm, w)
    vol = np.sqrt(w @ rm.covariance @ w)
    np.testing.assert_allclose(contributions.vol, vol, rtol=1e-13)
    np.testing.assert_allclose(contributions.component.sum(), vol, rtol=1e-12)
    # marginal contribution is the gradient of the volatility
    step = 1e-7
    bumped = np.array([np.sqrt((w + step * e) @ rm.covariance @ (w + step * e)) for e in np.eye(len(w))[:5]])
    np.testing.assert_allclose((bumped - vol) / step, contributions.marginal[:5], atol=1e-6)
    report = risk_report(rm, w)
    np.testing.assert_allclose(report.total_variance, vol**2, rtol=1e-12)
    np.testing.assert_allclose(report.contribution_shares.sum() + report.specific_share, 1.0, rtol=1e-12)
    names, variances = block_decomposition(rm, w, model.blocks)
    assert names == ("Market", "Industries", "Styles", "Specific")
    np.testing.assert_allclose(variances.sum(), vol**2, rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_stress_moves_equal_the_gaussian_conditional_mean_from_the_precision_matrix(seed):
    rng = np.random.default_rng(seed)
    f = random_covariance(rng, 6)
    x = rng.normal(size=(6, 2))
    result = stress_test(f, 2, -2.5, x)
    shock = -2.5 * np.sqrt(f[2, 2])
    precision = np.linalg.inv(f)
    others = [0, 1, 3, 4, 5]
    expected = -np.linalg.solve(precision[np.ix_(others, others)], precision[others, 2]) * shock
    np.testing.assert_allclose(result.moves[others], expected, rtol=1e-10)
    assert result.moves[2] == pytest.approx(shock)
    np.testing.assert_allclose(result.correlated_impact, x.T @ result.moves, rtol=1e-12)
    np.testing.assert_allclose(result.naive_impact, x[2] * shock, rtol=1e-12)


def _random_path(rng, periods: int, factors: int):
    f = rng.normal(0, 0.03, size=(periods, factors))
    x = rng.normal(0, 0.5, size=(periods, factors))
    specific = rng.normal(0, 0.01, periods)
    benchmark = rng.normal(0.01, 0.05, periods)
    portfolio = benchmark + (x * f).sum(axis=1) + specific
    return x, f, specific, portfolio, benchmark


@pytest.mark.parametrize("method", ["carino", "menchero"])
@pytest.mark.parametrize("seed", range(6))
def test_linked_attribution_sums_to_the_compounded_active_return(method, seed):
    rng = np.random.default_rng(seed)
    x, f, specific, portfolio, benchmark = _random_path(rng, int(rng.integers(2, 40)), 5)
    result = attribution(x, f, specific, portfolio, benchmark, method)
    compounded = np.prod(1 + portfolio) - np.prod(1 + benchmark)
    total = result.linked_factors.sum() + result.linked_specific + result.linked_unexplained
    np.testing.assert_allclose(total, compounded, atol=1e-15)
    np.testing.assert_allclose(result.linked_active, compounded, atol=1e-15)
    np.testing.assert_allclose(result.unexplained, 0, atol=1e-15)


def test_carino_and_menchero_coefficients_match_their_published_formulas():
    rng = np.random.default_rng(5)
    x, f, specific, rp, rb = _random_path(rng, 12, 3)
    big_p, big_b = np.prod(1 + rp) - 1, np.prod(1 + rb) - 1
    carino = (np.log(1 + rp) - np.log(1 + rb)) / (rp - rb) / ((np.log(1 + big_p) - np.log(1 + big_b)) / (big_p - big_b))
    np.testing.assert_allclose(attribution(x, f, specific, rp, rb, "carino").coefficients, carino, rtol=1e-10)
    t = len(rp)
    a = rp - rb
    m = ((big_p - big_b) / t) / ((1 + big_p) ** (1 / t) - (1 + big_b) ** (1 / t))
    menchero = m + (big_p - big_b - m * a.sum()) / (a @ a) * a
    np.testing.assert_allclose(attribution(x, f, specific, rp, rb, "menchero").coefficients, menchero, rtol=1e-9)


@pytest.mark.parametrize("method", ["carino", "menchero"])
def test_linking_is_defined_when_portfolio_and_benchmark_returns_coincide(method):
    rb = np.array([0.02, -0.01, 0.03])
    result = attribution(np.zeros(2), np.full((3, 2), 0.01), np.zeros(3), rb, rb, method)
    assert np.isfinite(result.coefficients).all()
    assert result.linked_active == 0.0  # finite coefficients times active returns that are exactly 0


def test_constant_exposures_equal_repeated_per_period_exposures():
    rng = np.random.default_rng(9)
    x, f, specific, rp, rb = _random_path(rng, 6, 4)
    constant = attribution(x[0], f, specific, rp, rb)
    repeated = attribution(np.tile(x[0], (6, 1)), f, specific, rp, rb)
    np.testing.assert_allclose(constant.linked_factors, repeated.linked_factors, atol=1e-16)
    np.testing.assert_allclose(constant.unexplained, rp - rb - (x[0] * f).sum(axis=1) - specific, atol=1e-16)


def test_hedges_zero_the_chosen_exposures_and_minimize_variance():
    rng = np.random.default_rng(4)
    f = random_covariance(rng, 5)
    x = rng.normal(size=5)
    instruments = rng.normal(size=(5, 2))
    result = neutralizing_hedge(x, instruments, [0, 3], f, 0.05)
    np.testing.assert_allclose(result.after.exposures[[0, 3]], 0, atol=1e-14)
    hedged = x + instruments @ result.notionals
    np.testing.assert_allclose(result.after.exposures, hedged, atol=1e-14)
    np.testing.assert_allclose(result.after.total_vol**2, hedged @ f @ hedged + 0.05**2, rtol=1e-12)
    np.testing.assert_allclose(result.before.total_vol**2, x @ f @ x + 0.05**2, rtol=1e-12)
    single = min_variance_hedge(x, instruments[:, 0], f, 0.05)
    h = single.notionals[0]
    variance = lambda n: (x + n * instruments[:, 0]) @ f @ (x + n * instruments[:, 0])  # noqa: E731
    assert variance(h) < min(variance(h + 1e-4), variance(h - 1e-4))
    np.testing.assert_allclose(single.after.total_vol**2, variance(h) + 0.05**2, rtol=1e-12)


def _problem(seed: int):
    rng, model, caps, _ = random_universe(seed, stocks=30)
    k = model.values.shape[1]
    rm = risk_model(model.values, random_covariance(rng, k), rng.uniform(0.1, 0.4, len(caps)))
    benchmark = caps / caps.sum()
    a_eq = np.vstack([np.ones(len(caps)), model.values[:, -1], model.values[:, -2]])
    b_eq = np.array([0.0, 0.0, 0.3])
    return rng, rm, benchmark, a_eq, b_eq


@pytest.mark.parametrize("seed", range(3))
def test_closed_form_optimum_meets_constraints_and_beats_random_feasible_points(seed):
    rng, rm, _, a_eq, b_eq = _problem(seed)
    result = min_tracking_error(rm, a_eq, b_eq)
    np.testing.assert_allclose(a_eq @ result.weights, b_eq, atol=1e-13)
    null_space = np.linalg.svd(a_eq)[2][a_eq.shape[0]:].T
    for _ in range(200):
        other = result.weights + null_space @ rng.normal(0, 0.05, null_space.shape[1])
        assert other @ rm.covariance @ other >= result.tracking_error**2
    # a redundant constraint (the same budget twice) changes nothing
    again = min_tracking_error(rm, np.vstack([a_eq, a_eq[0]]), np.append(b_eq, 0.0))
    np.testing.assert_allclose(again.weights, result.weights, atol=1e-13)


@pytest.mark.parametrize("seed", range(3))
def test_long_only_optimum_meets_constraints_and_beats_random_feasible_points(seed):
    rng, rm, benchmark, a_eq, b_eq = _problem(seed)
    lower = -benchmark
    result = min_tracking_error(rm, a_eq, b_eq, lower=lower)
    w = result.weights
    np.testing.assert_allclose(a_eq @ w, b_eq, atol=1e-12)
    assert (benchmark + w >= -1e-12).all()
    unbounded = min_tracking_error(rm, a_eq, b_eq)
    assert result.tracking_error >= unbounded.tracking_error - 1e-12
    vertices = []
    for _ in range(20):  # feasible vertices: linear programs with random objectives (active weights capped at 1)
        found = optimize.linprog(rng.normal(size=len(w)), A_eq=a_eq, b_eq=b_eq, bounds=[(lo, 1.0) for lo in lower], method="highs")
        assert found.success
        vertices.append(found.x)
    for _ in range(300):
        mix = rng.dirichlet(np.ones(len(vertices) + 1))
        other = mix[0] * w + mix[1:] @ np.array(vertices)
        assert other @ rm.covariance @ other >= result.tracking_error**2 - 1e-15


def test_bounded_optimizer_equals_the_closed_form_when_bounds_do_not_bind():
    _, rm, _, a_eq, b_eq = _problem(1)
    closed = min_tracking_error(rm, a_eq, b_eq)
    bounded = min_tracking_error(rm, a_eq, b_eq, lower=np.full(30, -10.0), upper=np.full(30, 10.0))
    np.testing.assert_allclose(bounded.weights, closed.weights, atol=1e-12)


def test_worksheet_long_only_optimization():
    _, model, caps, _ = random_universe(2, stocks=20)
    rng = np.random.default_rng(2)
    k = model.values.shape[1]
    f = random_covariance(rng, k)
    spec = rng.uniform(0.1, 0.4, 20)
    benchmark = caps / caps.sum()
    targets = [[None] * (k - 1) + [0.2]]
    out = udfs.OPTIMIZE_MIN_TE(block(model.values, model.factor_names), block(f), as_column(spec), targets, as_column(benchmark), 0, 0.2)
    values = np.array(out[1:], dtype=float)
    assert values[:, 1].min() >= -1e-12 and values[:, 1].max() <= 0.2 + 1e-12
    np.testing.assert_allclose(values[:, 0].sum(), 0, atol=1e-12)
    np.testing.assert_allclose(model.values[:, -1] @ values[:, 0], 0.2, atol=1e-12)
    assert udfs.PORTFOLIO_TURNOVER(as_column(benchmark), as_column(values[:, 1])) == pytest.approx(0.5 * np.abs(values[:, 0]).sum())
