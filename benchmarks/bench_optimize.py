"""Minimum tracking error with long-only bounds on random factor models of N stocks and K = 40 factors.

Compares, in one run and on the same models:

* factorxl's ``min_tracking_error`` (factor-form QP in Clarabel, polished on the free weights),
  with long-only bounds and without bounds (Woodbury solve of the equalities);
* the same problem written in cvxpy and solved by Clarabel at tight tolerances (the reference
  for the optimum; its time includes cvxpy's compilation).

The constraints: active weights sum to zero, the first five factors neutral, factor 6 at a
0.05 tilt, portfolio weights non-negative (active >= -benchmark).

Usage: ``python benchmarks/bench_optimize.py``. Targets: long-only N = 1,000 under 0.2 s and
N = 3,000 under 1 s; without bounds N = 3,000 under 0.1 s; tracking error equal to the
reference to 1e-7 relative and every constraint met to 1e-9.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import cvxpy as cp
import numpy as np

from factorxl.core.optimization import min_tracking_error
from factorxl.core.risk_model import RiskModel, risk_model

FACTORS = 40
SIZES = (200, 1000, 3000)


def problem(stocks: int, seed: int = 0):
    """A random factor model, benchmark weights and the constraints ``A w = b``."""
    rng = np.random.default_rng(seed)
    exposures = rng.normal(size=(stocks, FACTORS))
    loadings = rng.normal(size=(FACTORS, FACTORS + 5))
    model = risk_model(exposures, loadings @ loadings.T / (FACTORS + 5) * 1e-3, rng.uniform(0.1, 0.4, stocks))
    caps = rng.lognormal(3.0, 1.5, stocks)
    a_eq = np.vstack([np.ones(stocks), exposures[:, :6].T])
    b_eq = np.r_[0.0, np.zeros(5), 0.05]
    return model, caps / caps.sum(), a_eq, b_eq


def reference(model: RiskModel, benchmark: np.ndarray, a_eq: np.ndarray, b_eq: np.ndarray) -> np.ndarray:
    """cvxpy + Clarabel on the factor form, at tight tolerances."""
    w = cp.Variable(benchmark.size)
    factor_root = np.linalg.cholesky(model.factor_cov + 1e-14 * np.eye(FACTORS)).T
    scale = benchmark.size / model.specific_var.mean()  # an objective of order one for the solver's tolerances
    variance = cp.sum_squares(factor_root @ (model.exposures.T @ w)) + cp.sum_squares(cp.multiply(model.specific_vols, w))
    cp.Problem(cp.Minimize(scale * variance), [a_eq @ w == b_eq, w >= -benchmark]).solve(
        solver=cp.CLARABEL, tol_feas=1e-12, tol_gap_abs=1e-14, tol_gap_rel=1e-12
    )
    return w.value


def main() -> None:
    print(f"long-only minimum tracking error, K = {FACTORS} factors, CPU time, medians of interleaved repetitions")
    print(f"{'N':>6} {'long-only':>11} {'no bounds':>11} {'cvxpy+Clarabel':>15} {'TE rel. diff':>13} {'max violation':>14}")
    for stocks in SIZES:
        model, benchmark, a_eq, b_eq = problem(stocks)
        ours = min_tracking_error(model, a_eq, b_eq, lower=-benchmark)
        theirs = reference(model, benchmark, a_eq, b_eq)
        te_theirs = np.sqrt(theirs @ model.covariance_times(theirs))
        violation = max(np.abs(a_eq @ ours.weights - b_eq).max(), max(0.0, -(benchmark + ours.weights).min()))
        times = fair.interleaved_medians(
            {
                "bounded": lambda: min_tracking_error(model, a_eq, b_eq, lower=-benchmark),
                "unbounded": lambda: min_tracking_error(model, a_eq, b_eq),
                "cvxpy": lambda: reference(model, benchmark, a_eq, b_eq),
            },
            repeat=5,
        )
        print(
            f"{stocks:>6} {times['bounded']:>10.3f}s {times['unbounded']:>10.4f}s {times['cvxpy']:>14.3f}s "
            f"{abs(ours.tracking_error / te_theirs - 1):>13.1e} {violation:>14.1e}"
        )


if __name__ == "__main__":
    main()
