"""Two-pass Fama-MacBeth premia against linearmodels' FamaMacBeth on a large generated panel.

Compares, in one run, on a panel of 2000 assets x 240 periods x 6 factors (10 % of the returns
missing, so the cross-sections are unbalanced):

* factorxl's ``fama_macbeth`` (the core of FM_PREMIA): both passes, the Fama-MacBeth, Newey-West
  and Shanken errors, the average R-squared and the GRS test;
* linearmodels ``FamaMacBeth(returns, [1, betas]).fit()``: the second pass only, given the
  first-pass betas (its construction included, as a user pays for it).

BLAS runs on one thread on both sides, repetitions are interleaved, and the times are medians of
CPU time. Usage: ``python benchmarks/bench_fama_macbeth.py``. Target: at least 10x faster than linearmodels,
premia and standard errors equal to 1e-8.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import warnings

import numpy as np
import pandas as pd
from linearmodels import FamaMacBeth

from factorxl.core.fama_macbeth import fama_macbeth

ASSETS, PERIODS, FACTORS = 2000, 240, 6


def generated_panel(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    factors = rng.normal(0.005, 0.04, (PERIODS, FACTORS))
    loadings = rng.normal(0.5, 0.5, (ASSETS, FACTORS))
    returns = 0.001 + factors @ loadings.T + rng.normal(0, 0.08, (PERIODS, ASSETS))
    returns[rng.random(returns.shape) < 0.1] = np.nan
    return returns, factors


def linearmodels_fit(returns: np.ndarray, betas: np.ndarray, **options):
    index = pd.MultiIndex.from_product([range(ASSETS), range(PERIODS)], names=["asset", "period"])
    design = np.column_stack([np.ones(ASSETS), betas])
    exog = pd.DataFrame(np.repeat(design, PERIODS, axis=0), index=index, columns=["const", *(f"f{k}" for k in range(FACTORS))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FamaMacBeth(pd.Series(returns.T.ravel(), index=index), exog).fit(**options)


def main() -> None:
    returns, factors = generated_panel()
    print(f"panel: {ASSETS} assets x {PERIODS} periods x {FACTORS} factors, {np.isnan(returns).mean():.0%} missing")
    ours = fama_macbeth(returns, factors, lags=4)
    plain = linearmodels_fit(returns, ours.betas)
    kernel = linearmodels_fit(returns, ours.betas, cov_type="kernel", bandwidth=4)
    print(
        "max abs difference vs linearmodels: "
        f"premia {np.abs(ours.premia - plain.params.to_numpy()).max():.1e}, "
        f"FM s.e. {np.abs(ours.standard_errors('fm') - plain.std_errors.to_numpy()).max():.1e}, "
        f"NW s.e. {np.abs(ours.standard_errors('nw') - kernel.std_errors.to_numpy()).max():.1e}, "
        f"avg R2 {abs(ours.rsquared_mean - plain.avg_rsquared):.1e}"
    )
    times = fair.interleaved_medians(
        {"factorxl": lambda: fama_macbeth(returns, factors), "linearmodels": lambda: linearmodels_fit(returns, ours.betas)},
        repeat=5,
    )
    t_ours, t_theirs = times["factorxl"], times["linearmodels"]
    print(f"factorxl fama_macbeth (both passes):      {t_ours * 1e3:9.1f} ms")
    print(f"linearmodels FamaMacBeth (second pass):   {t_theirs * 1e3:9.1f} ms  ratio {t_theirs / t_ours:6.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
