"""Minimum tracking error in factor form against cvxpy + Clarabel, the optimality conditions and mpmath.

The reference writes the same problem in cvxpy (``||F^1/2 X'w||^2 + ||D^1/2 w||^2``) and solves it
with Clarabel at tolerances far below the defaults; the optimality (KKT) conditions are checked
on the dense covariance ``X F X' + D`` formed here. Where the factor variance dwarfs the specific
variance, the reference is the KKT system of the same floats solved by mpmath at 80 digits.
"""

from __future__ import annotations

import cvxpy as cp
import mpmath
import numpy as np
import pytest

from factorxl import udfs
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


# ---------------------------------------------------------------------------
# Factor variance that dwarfs the specific variance, against mpmath
# ---------------------------------------------------------------------------


def sector_model(seed: int = 11, stocks: int = 30):
    """A market column of ones, three industry columns that add up to it and two styles: the market
    repeats the budget and the industries repeat the market exactly, as in every sector model."""
    rng = np.random.default_rng(seed)
    industry = np.arange(stocks) % 3
    exposures = np.column_stack([np.ones(stocks), *(industry == j for j in range(3)), rng.normal(size=(stocks, 2))]).astype(float)
    loadings = rng.normal(size=(6, 9))
    return exposures, loadings @ loadings.T / 9 * 1e-3, rng.uniform(0.1, 0.4, stocks), rng.dirichlet(np.ones(stocks))


def exact_kkt(exposures, factor_cov, specific_vols, a_eq, b_eq, at_bound=None):
    """Weights minimizing ``w' (X F X' + D) w`` under ``A w = b`` and the weights of ``at_bound``
    (NaN: free) fixed there, from the KKT system of these floats solved at 80 digits; with the
    multiplier of each fixed weight (``2 Sigma w + A' l + m = 0``: a lower bound binds rightly
    where its multiplier is not positive)."""
    n = len(specific_vols)
    at_bound = np.full(n, np.nan) if at_bound is None else at_bound
    fixed = np.flatnonzero(~np.isnan(at_bound))
    rows = [list(row) for row in np.asarray(a_eq, dtype=float).tolist()] + [list(np.eye(n)[i]) for i in fixed]
    targets = list(np.asarray(b_eq, dtype=float)) + [at_bound[i] for i in fixed]
    with mpmath.workdps(80):
        x, f = mpmath.matrix(exposures.tolist()), mpmath.matrix(factor_cov.tolist())
        covariance = x * f * x.T
        size = n + len(rows)
        kkt = mpmath.zeros(size, size)
        for i in range(n):
            kkt[i, i] = 2 * mpmath.mpf(specific_vols[i]) ** 2
            for j in range(n):
                kkt[i, j] += 2 * covariance[i, j]
        for r, row in enumerate(rows):
            for j in range(n):
                kkt[n + r, j] = kkt[j, n + r] = mpmath.mpf(row[j])
        solution = mpmath.lu_solve(kkt, mpmath.matrix([0] * n + [mpmath.mpf(t) for t in targets]))
        values = np.array([float(solution[i]) for i in range(size)])
    return values[:n], values[n + len(b_eq) :]


@pytest.mark.parametrize("scale", [1e2, 1e4, 1e8])
def test_exposures_up_and_specific_vols_down_by_the_same_factor_keep_every_digit(scale):
    """Exposures times s and specific volatilities over s: the factor variance is s^4 times larger
    against the specific variance, inside the input rule. The Woodbury identity lost 1e-9 of the
    weights at s = 100 and all of them at 1e4, with the sign depending on the BLAS kernel."""
    exposures, factor_cov, vols, _ = sector_model()
    x, specific = exposures * scale, vols / scale
    targets = [[None, None, None, None, 0.1 * scale, 0.0]]
    out = udfs.OPTIMIZE_MIN_TE(x.tolist(), factor_cov.tolist(), specific.reshape(-1, 1).tolist(), targets)
    weights = np.array([row[0] for row in out[1:]], dtype=float)
    expected, _ = exact_kkt(x, factor_cov, specific, np.vstack([np.ones(len(x)), x[:, 4:].T]), [0.0, 0.1 * scale, 0.0])
    np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-13 * np.abs(expected).max())


@pytest.mark.parametrize("scale", [1e2, 1e4])
def test_long_only_weights_at_such_scales_are_the_exact_optimum(scale):
    """The binding set the optimizer returns is optimal in exact arithmetic (free weights inside
    their bounds, every binding bound's multiplier of the right sign) and its weights are the
    exact ones for that set."""
    exposures, factor_cov, vols, benchmark = sector_model(seed=13)
    x, specific = exposures * scale, vols / scale
    a_eq, b_eq = np.vstack([np.ones(len(x)), x[:, 4:].T]), [0.0, 0.1 * scale, 0.0]
    weights = min_tracking_error(risk_model(x, factor_cov, specific), a_eq, b_eq, lower=-benchmark).weights
    at_lower = np.abs(weights + benchmark) <= 1e-12 * np.abs(weights).max()
    assert at_lower.any()
    expected, multipliers = exact_kkt(x, factor_cov, specific, a_eq, b_eq, np.where(at_lower, -benchmark, np.nan))
    np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-13 * np.abs(expected).max())
    assert (expected[~at_lower] > -benchmark[~at_lower]).all() and (multipliers < 0).all()


def test_exposures_nearly_in_line_with_a_target_are_refused_where_rounding_would_decide_the_weights():
    """A style within 1e-9 of a constrained one: at ordinary sizes the weights are exact; with
    the factor variance 1e16 times the specific variance, rounding would move them by more than
    1,000 units of rounding, so they are refused instead of being given wrong."""
    exposures, factor_cov, vols, _ = sector_model()
    exposures[:, 5] = exposures[:, 4] + 1e-9 * np.random.default_rng(3).normal(size=len(vols))
    a_eq = np.vstack([np.ones(len(vols)), exposures[:, 4]])
    weights = min_tracking_error(risk_model(exposures, factor_cov, vols), a_eq, [0.0, 0.1]).weights
    expected, _ = exact_kkt(exposures, factor_cov, vols, a_eq, [0.0, 0.1])
    np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-13 * np.abs(expected).max())
    with pytest.raises(FactorxlError, match="the weights cannot be computed to rounding: the exposures of some factors are nearly, not exactly"):
        min_tracking_error(risk_model(exposures * 1e4, factor_cov, vols / 1e4), a_eq * [[1.0], [1e4]], [0.0, 1e3])


def test_weights_nearly_without_risk_are_refused_as_a_singular_covariance():
    """No specific risk, one factor, and two stocks whose exposures differ by 2^-30: the budget-neutral
    pair has a variance 1e-18 of the others', rounding-sized, so no minimum can be told; np.linalg.solve
    found no zero pivot and gave weights of about 1e8."""
    model = risk_model(np.array([[1.0], [1.0 + 2.0**-30], [2.0]]), np.array([[0.04]]), np.zeros(3))
    with pytest.raises(FactorxlError, match="the covariance matrix is singular on the constrained weights"):
        min_tracking_error(model, np.ones((1, 3)), [0.0])


# ---------------------------------------------------------------------------
# The long-only path's polish, step by step, and its way out
# ---------------------------------------------------------------------------


def long_only_sector_problem():
    """The sector model with a style target, long-only against its benchmark: three bounds bind."""
    exposures, factor_cov, vols, benchmark = sector_model(seed=13)
    a_eq, b_eq = np.vstack([np.ones(len(vols)), exposures[:, 4:].T]), np.array([0.0, 0.1, 0.0])
    return risk_model(exposures, factor_cov, vols), a_eq, b_eq, -benchmark, np.full(len(vols), np.inf)


def test_the_polish_finds_the_optimum_from_a_binding_set_with_bounds_too_many_and_too_few():
    """From the solver's binding set less two of its bounds and with three bounds of free weights
    added, the active-set steps fix the weights that leave their bounds and release the bounds whose
    multipliers have the wrong sign: the weights are the exact optimum (KKT at 80 digits)."""
    from factorxl.core.optimization import _independent_equalities, _polish

    model, a_eq, b_eq, lower, upper = long_only_sector_problem()
    optimum = min_tracking_error(model, a_eq, b_eq, lower, upper).weights
    binding = np.abs(optimum - lower) <= 1e-12 * np.abs(optimum).max()
    assert binding.sum() == 3
    expected, multipliers = exact_kkt(model.exposures, model.factor_cov, model.specific_vols, a_eq, b_eq, np.where(binding, lower, np.nan))
    assert (multipliers < 0).all() and (expected[~binding] > lower[~binding]).all()  # optimal in exact arithmetic
    wrong = binding.copy()
    wrong[np.flatnonzero(binding)[:2]] = False
    wrong[np.flatnonzero(~binding)[:3]] = True
    polished = _polish(model, *_independent_equalities(a_eq, b_eq), lower, upper, wrong, np.zeros_like(wrong))
    np.testing.assert_allclose(polished, expected, rtol=0, atol=1e-13 * np.abs(expected).max())


def test_when_the_polish_cannot_settle_the_solver_weights_are_the_result(monkeypatch):
    """A binding set that leaves the equalities unsatisfiable (every weight but one at its bound)
    is no solution; the solver's own weights, inside their bounds, are the result."""
    from factorxl.core import optimization

    model, a_eq, b_eq, lower, upper = long_only_sector_problem()
    solve = optimization._clarabel

    def solver_with_a_wrong_binding_set(*args):
        weights, _, at_upper = solve(*args)
        return weights, np.arange(len(weights)) > 0, at_upper

    monkeypatch.setattr(optimization, "_clarabel", solver_with_a_wrong_binding_set)
    weights = min_tracking_error(model, a_eq, b_eq, lower, upper).weights
    binding = np.abs(weights - lower) <= 1e-8
    expected, _ = exact_kkt(model.exposures, model.factor_cov, model.specific_vols, a_eq, b_eq, np.where(binding, lower, np.nan))
    np.testing.assert_allclose(weights, expected, rtol=0, atol=1e-8)
    assert (weights >= lower).all()


def test_weights_whose_bounds_coincide_are_their_bounds():
    """Every weight fixed by equal lower and upper bounds that meet the equalities: the weights are
    the bounds. The polish released such bounds by their multipliers' signs and moved the weights
    off them by rounding (2.6e-17 outside)."""
    model, _, _, _ = random_problem(0, stocks=6, factors=2)
    fixed = np.array([0.1, -0.05, -0.05, 0.02, -0.01, -0.01])
    a_eq = np.vstack([np.ones(6), model.exposures.T])
    weights = min_tracking_error(model, a_eq, a_eq @ fixed, fixed, fixed).weights
    assert ((weights >= fixed) & (weights <= fixed)).all()


def test_a_long_only_portfolio_that_rounding_would_decide_is_refused_too():
    """The near repeat of a target at 1e4 (refused without bounds) is refused with bounds as well:
    no binding set is tried in its place."""
    exposures, factor_cov, vols, benchmark = sector_model()
    exposures[:, 5] = exposures[:, 4] + 1e-9 * np.random.default_rng(3).normal(size=len(vols))
    a_eq = np.vstack([np.ones(len(vols)), exposures[:, 4] * 1e4])
    model = risk_model(exposures * 1e4, factor_cov, vols / 1e4)
    with pytest.raises(FactorxlError, match="the weights cannot be computed to rounding"):
        min_tracking_error(model, a_eq, [0.0, 1e3], lower=-benchmark)


def test_weights_the_equalities_fix_on_a_stock_without_specific_risk():
    """As many independent equalities as stocks, one without specific risk: the covariance has no
    free direction to be singular in, and the weights are the equalities' solution."""
    model = risk_model(np.array([[1.0], [2.0]]), np.array([[0.04]]), np.array([0.0, 0.2]))
    weights = min_tracking_error(model, np.array([[1.0, 1.0], [1.0, 2.0]]), [0.0, 0.3]).weights
    np.testing.assert_allclose(weights, [-0.3, 0.3], rtol=1e-15)


def test_without_equalities_the_minimum_is_no_active_position():
    model, _, _, _ = random_problem(1, stocks=10, factors=3)
    assert not min_tracking_error(model, np.zeros((0, 10)), np.zeros(0)).weights.any()


@pytest.mark.parametrize(
    ("a_eq", "b_eq", "message"),
    [
        (np.zeros((2, 4)), [0.0, 1.0], "the constraints have all-zero coefficients"),
        (np.ones((1, 3)), [0.0], r"one column per stock \(4\); got shape \(1, 3\)"),
        (np.ones((1, 4)), [0.0, 1.0], "1 constraints but 2 targets"),
        ([[1.0, 1.0, np.nan, 1.0]], [0.0], "the constraints have a missing coefficient or target"),
    ],
)
def test_malformed_constraints_are_refused(a_eq, b_eq, message):
    model, _, _, _ = random_problem(2, stocks=4, factors=2)
    with pytest.raises(FactorxlError, match=message):
        min_tracking_error(model, np.asarray(a_eq), np.asarray(b_eq))


def test_turnover_of_weights_with_a_missing_value_is_refused():
    from factorxl.core.optimization import turnover

    with pytest.raises(FactorxlError, match="weights must not have missing values"):
        turnover([0.5, 0.5], [0.5, np.nan])


def test_a_solver_that_stops_without_a_solution_is_reported_with_its_reason(monkeypatch):
    import types

    import clarabel

    class Stopped:
        def __init__(self, *args):
            pass

        def solve(self):
            return types.SimpleNamespace(status="MaxIterations")

    monkeypatch.setattr(clarabel, "DefaultSolver", Stopped)
    model, a_eq, b_eq, lower, upper = long_only_sector_problem()
    with pytest.raises(FactorxlError, match=r"the optimizer stopped without a solution \(Clarabel: MaxIterations\); check that the bounds"):
        min_tracking_error(model, a_eq, b_eq, lower, upper)


def test_exposures_the_constraints_repeat_entirely_leave_only_the_specific_risk():
    """A market column of ones beside the budget: no exposure column has a part the constraints leave
    free, and the weights are those of the specific variances alone (hand algebra: with the first
    weight fixed at 0.1, the others are -0.1 in proportion to 1 / specific variance). With NumPy 1.26
    the rounding bound took the 2-norm of an empty matrix and raised ValueError."""
    vols = np.array([0.1, 0.2, 0.3, 0.4])
    model = risk_model(np.ones((4, 1)), np.array([[0.04]]), vols)
    assert not min_tracking_error(model, np.ones((1, 4)), [0.0]).weights.any()
    weights = min_tracking_error(model, np.vstack([np.ones(4), [1.0, 0.0, 0.0, 0.0]]), [0.0, 0.1]).weights
    precision = 1 / vols[1:] ** 2
    np.testing.assert_allclose(weights, [0.1, *(-0.1 * precision / precision.sum())], rtol=1e-14)
