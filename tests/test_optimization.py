"""Minimum tracking error in factor form against cvxpy + Clarabel and the optimality conditions.

The reference writes the same problem in cvxpy (``||F^1/2 X'w||^2 + ||D^1/2 w||^2``) and solves it
with Clarabel at tolerances far below the defaults; the optimality (KKT) conditions are checked
on the dense covariance ``X F X' + D`` formed here.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from factorxl.core.optimization import min_tracking_error
from factorxl.core.risk_model import RiskModel, risk_model
from factorxl.errors import FactorxlError


def random_problem(seed: int, stocks: int = 120, factors: int = 12):
    rng = np.random.default_rng(seed)
    exposures = rng.normal(size=(stocks, factors))
    loadings = rng.normal(size=(factors, factors + 3))
    model = risk_model(exposures, loadings @ loadings.T / (factors + 3) * 1e-3, rng.uniform(0.1, 0.4, stocks))
    caps = rng.lognormal(3.0, 1.5, stocks)
    a_eq = np.vstack([np.ones(stocks), exposures[:, :3].T])
    b_eq = np.array([0.0, 0.0, 0.0, 0.05])
    return model, caps / caps.sum(), a_eq, b_eq


def dense_tracking_error(model: RiskModel, weights: np.ndarray) -> float:
    """sqrt(w' (X F X' + D) w) with the N x N covariance formed here, not by factorxl's risk model."""
    covariance = model.exposures @ model.factor_cov @ model.exposures.T + np.diag(model.specific_vols**2)
    return float(np.sqrt(weights @ covariance @ weights))


def reference(model: RiskModel, a_eq, b_eq, lower=None, upper=None) -> np.ndarray:
    n, k = model.exposures.shape
    w = cp.Variable(n)
    root = np.linalg.cholesky(model.factor_cov + 1e-14 * np.eye(k)).T
    variance = cp.sum_squares(root @ (model.exposures.T @ w)) + cp.sum_squares(cp.multiply(model.specific_vols, w))
    constraints = [a_eq @ w == b_eq]
    constraints += [] if lower is None else [w >= lower]
    constraints += [] if upper is None else [w <= upper]
    scale = n / model.specific_var.mean()  # an objective of order one for the solver's tolerances
    cp.Problem(cp.Minimize(scale * variance), constraints).solve(solver=cp.CLARABEL, tol_feas=1e-12, tol_gap_abs=1e-14, tol_gap_rel=1e-12)
    return w.value


def assert_kkt(model: RiskModel, a_eq, b_eq, lower, upper, w) -> None:
    covariance = model.exposures @ model.factor_cov @ model.exposures.T + np.diag(model.specific_var)
    gradient = 2 * covariance @ w
    at_lower, at_upper = np.isclose(w, lower, rtol=0, atol=1e-12), np.isclose(w, upper, rtol=0, atol=1e-12)
    free = ~(at_lower | at_upper)
    multipliers = np.linalg.lstsq(a_eq[:, free].T, -gradient[free], rcond=None)[0]
    reduced = gradient + a_eq.T @ multipliers
    scale = np.abs(gradient).max()
    np.testing.assert_allclose(reduced[free], 0, atol=1e-10 * scale)  # stationary in the free weights
    assert (reduced[at_lower] >= -1e-8 * scale).all() and (reduced[at_upper] <= 1e-8 * scale).all()


@pytest.mark.parametrize("seed", range(3))
def test_long_only_with_caps_equals_cvxpy_clarabel_and_meets_the_kkt_conditions(seed):
    model, benchmark, a_eq, b_eq = random_problem(seed)
    lower, upper = -benchmark, 0.03 - benchmark  # portfolio weights from 0 to 3 %
    result = min_tracking_error(model, a_eq, b_eq, lower, upper)
    w = result.weights
    expected = reference(model, a_eq, b_eq, lower, upper)
    assert result.tracking_error == pytest.approx(dense_tracking_error(model, expected), rel=1e-7)
    assert dense_tracking_error(model, w) == pytest.approx(result.tracking_error, rel=1e-12)
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(a_eq @ w, b_eq, atol=1e-12)
    assert (w >= lower - 1e-12).all() and (w <= upper + 1e-12).all()
    assert (w <= lower + 1e-12).sum() > 10 and (w >= upper - 1e-12).any()  # both kinds of bound bind
    assert_kkt(model, a_eq, b_eq, lower, upper, w)


@pytest.mark.parametrize("seed", range(2))
def test_equalities_alone_equal_the_dense_kkt_system(seed):
    model, _, a_eq, b_eq = random_problem(seed, stocks=200, factors=15)
    covariance = model.exposures @ model.factor_cov @ model.exposures.T + np.diag(model.specific_var)
    m = a_eq.shape[0]
    kkt = np.block([[2 * covariance, a_eq.T], [a_eq, np.zeros((m, m))]])
    expected = np.linalg.solve(kkt, np.r_[np.zeros(200), b_eq])[:200]
    result = min_tracking_error(model, a_eq, b_eq)
    np.testing.assert_allclose(result.weights, expected, rtol=0, atol=1e-10 * np.abs(expected).max())
    assert result.tracking_error == pytest.approx(np.sqrt(expected @ covariance @ expected), rel=1e-10)


def test_a_stock_without_specific_risk_is_solved_exactly_too():
    model, benchmark, a_eq, b_eq = random_problem(4, stocks=60, factors=6)
    vols = model.specific_vols.copy()
    vols[7] = 0.0
    model = risk_model(model.exposures, model.factor_cov, vols)
    for lower in (None, -benchmark):
        result = min_tracking_error(model, a_eq, b_eq, lower)
        expected = reference(model, a_eq, b_eq, lower)
        assert result.tracking_error == pytest.approx(dense_tracking_error(model, expected), rel=1e-7)
        np.testing.assert_allclose(a_eq @ result.weights, b_eq, atol=1e-12)


def test_infeasible_bounds_are_refused_with_the_solver_reason():
    model, benchmark, a_eq, _ = random_problem(0, stocks=40, factors=4)
    with pytest.raises(FactorxlError, match=r"no weights satisfy the equalities within the bounds \(Clarabel: PrimalInfeasible\)"):
        min_tracking_error(model, a_eq, np.array([0.0, 0.0, 0.0, 50.0]), -benchmark)


@pytest.mark.parametrize("size", [1e-100, 1e100])
def test_exposures_of_any_size_give_the_same_portfolio(size):
    # X c and F / c^2 describe the same covariance; exposure targets scale with X
    model, benchmark, a_eq, b_eq = random_problem(5, stocks=80, factors=8)
    scaled = risk_model(model.exposures * size, model.factor_cov / size**2, model.specific_vols)
    scaled_a = np.vstack([a_eq[0], a_eq[1:] * size])
    scaled_b = np.r_[b_eq[0], b_eq[1:] * size]
    expected = min_tracking_error(model, a_eq, b_eq, -benchmark)
    result = min_tracking_error(scaled, scaled_a, scaled_b, -benchmark)
    np.testing.assert_allclose(result.weights, expected.weights, rtol=0, atol=1e-12)
    assert result.tracking_error == pytest.approx(expected.tracking_error, rel=1e-9)
    assert expected.tracking_error == pytest.approx(dense_tracking_error(model, reference(model, a_eq, b_eq, -benchmark)), rel=1e-7)
