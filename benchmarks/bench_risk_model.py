"""Risk-model core on a generated universe of 3000 stocks, 40 industries and 10 styles.

Compares, in one run and on the same arrays:

* the cross-sectional regression: factorxl's ``cross_section_regression`` (constrained sqrt-cap
  WLS, which also returns the K x N pure factor portfolios) against statsmodels ``WLS`` and bare
  NumPy ``lstsq`` on the unconstrained model without a market column (factor returns only);
* stock contributions to tracking error: factorxl's ``stock_contributions`` (``X (F (X'w)) + Δw``,
  never forming the N x N covariance) against forming ``Σ = X F X' + Δ`` and multiplying.

BLAS runs on one thread on both sides, repetitions are interleaved, and the times are medians of
CPU time. Usage: ``python benchmarks/bench_risk_model.py``. Targets: the regression within 5x of bare
``lstsq`` and faster than statsmodels although it computes the pure portfolios as well; the
contributions at least 10x faster than forming ``Σ``.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import numpy as np
import statsmodels.api as sm

from factorxl.core.cross_section import cross_section_regression
from factorxl.core.exposures import exposure_matrix
from factorxl.core.risk_decomposition import stock_contributions
from factorxl.core.risk_model import risk_model

STOCKS, INDUSTRIES, STYLES = 3000, 40, 10


def universe(seed: int = 0):
    rng = np.random.default_rng(seed)
    industries = [f"I{j}" for j in np.r_[np.arange(INDUSTRIES), rng.integers(0, INDUSTRIES, STOCKS - INDUSTRIES)]]
    caps = rng.lognormal(3.0, 1.5, STOCKS)
    model = exposure_matrix(industries, rng.normal(size=(STOCKS, STYLES)), caps, [f"S{j}" for j in range(STYLES)])
    k = model.values.shape[1]
    returns = model.values @ rng.normal(0, 0.02, k) + rng.normal(0, 0.05, STOCKS)
    loadings = rng.normal(size=(k, k + 5))
    factor_cov = loadings @ loadings.T / (k + 5) * 1e-3
    return rng, model, caps, returns, factor_cov


def main() -> None:
    rng, model, caps, returns, factor_cov = universe()
    x = model.values
    print(f"universe: {STOCKS} stocks x {x.shape[1]} factors ({INDUSTRIES} industries, {STYLES} styles)")

    columns = model.industry_columns
    unconstrained = x[:, 1:]
    v = np.sqrt(caps) / np.sqrt(caps).sum()
    root = np.sqrt(v)
    times = fair.interleaved_medians(
        {
            "factorxl": lambda: cross_section_regression(returns, x, caps, columns),
            "statsmodels": lambda: sm.WLS(returns, unconstrained, weights=v).fit().params,
            "bare": lambda: np.linalg.lstsq(unconstrained * root[:, None], returns * root, rcond=None)[0],
        },
        number=5,
    )
    ours, reference, bare = times["factorxl"], times["statsmodels"], times["bare"]
    print(f"cross-section: factorxl {ours * 1e3:.2f} ms, statsmodels WLS {reference * 1e3:.2f} ms, bare lstsq {bare * 1e3:.2f} ms")
    print(f"  ratios: statsmodels / factorxl {reference / ours:.2f}, factorxl / bare {ours / bare:.2f}")

    model_risk = risk_model(x, factor_cov, rng.uniform(0.1, 0.5, STOCKS))
    weights = rng.normal(0, 1e-3, STOCKS)
    weights -= weights.mean()
    times = fair.interleaved_medians(
        {"factorxl": lambda: stock_contributions(model_risk, weights), "formed": lambda: model_risk.covariance @ weights},
        number=5,
    )
    ours, formed = times["factorxl"], times["formed"]
    difference = np.abs(stock_contributions(model_risk, weights).marginal * np.sqrt(weights @ model_risk.covariance @ weights) - model_risk.covariance @ weights).max()
    print(f"stock contributions: factorxl {ours * 1e3:.2f} ms, forming Sigma {formed * 1e3:.2f} ms, ratio {formed / ours:.1f} (max difference {difference:.1e})")


if __name__ == "__main__":
    main()
