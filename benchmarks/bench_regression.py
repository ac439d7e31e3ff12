"""Core factor regression with Newey-West errors on MSFT daily against the six daily factors.

Compares, in one run and on the same arrays (9778 x 6, 11 lags):

* factorxl's ``ols(..., cov_type="hac")`` (coefficients, every statistic, HAC errors);
* statsmodels ``OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 11})``;
* bare NumPy normal equations with the same HAC sandwich (the minimum any implementation does).

BLAS runs on one thread for all three, repetitions are interleaved, and the times are medians of
CPU time. Usage: ``python benchmarks/bench_regression.py`` (data from ``$FACTORXL_SHARED_DATA``,
default ``../shared/data``). Target: at the bare-NumPy floor, factorxl within about 1.2x of bare
NumPy (what any implementation has to compute); the statsmodels ratio is printed for reference
(about 3x with one thread each).
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import os
from pathlib import Path

import numpy as np
import statsmodels.api as sm

from factorxl.core.regression import ols
from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_msft

LAGS = 11


def load_msft_ff6() -> tuple[np.ndarray, np.ndarray]:
    data_dir = Path(os.environ.get("FACTORXL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    source = DataSource(local_dir=data_dir, vintage="v202412")
    factors = load_factors("FF6", "daily", source=source)
    data = load_msft(source=source).dropna().join(factors, how="inner")
    names = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]
    return (data["MSFT"] - data["RF"]).to_numpy(), data[names].to_numpy()


def bare_numpy(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    design = np.column_stack([np.ones(len(y)), x])
    xtx_inverse = np.linalg.inv(design.T @ design)
    params = xtx_inverse @ (design.T @ y)
    scores = design * (y - design @ params)[:, None]
    meat = scores.T @ scores
    for lag in range(1, LAGS + 1):
        cross = scores[lag:].T @ scores[:-lag]
        meat += (1 - lag / (LAGS + 1)) * (cross + cross.T)
    return params, np.sqrt(np.diag(xtx_inverse @ meat @ xtx_inverse))


def main() -> None:
    y, x = load_msft_ff6()
    print(f"MSFT on FF6 daily: {x.shape[0]} observations x {x.shape[1]} factors, HAC {LAGS} lags")
    ours = ols(y, x, cov_type="hac", lags=LAGS)[0]
    reference = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": LAGS})
    bare_params, bare_bse = bare_numpy(y, x)
    print(f"max rel. difference vs statsmodels: params {np.max(np.abs(ours.params / reference.params - 1)):.1e}, "
          f"std errors {np.max(np.abs(ours.bse / reference.bse - 1)):.1e}")
    print(f"max rel. difference vs bare numpy:  params {np.max(np.abs(ours.params / bare_params - 1)):.1e}, "
          f"std errors {np.max(np.abs(ours.bse / bare_bse - 1)):.1e}")
    times = fair.interleaved_medians(
        {
            "factorxl": lambda: ols(y, x, cov_type="hac", lags=LAGS),
            "statsmodels": lambda: sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": LAGS}),
            "bare": lambda: bare_numpy(y, x),
        },
        repeat=11,
        number=10,
    )
    t_ours, t_statsmodels, t_bare = times["factorxl"], times["statsmodels"], times["bare"]
    print(f"factorxl    {t_ours * 1e3:8.3f} ms")
    print(f"statsmodels {t_statsmodels * 1e3:8.3f} ms   statsmodels / factorxl {t_statsmodels / t_ours:5.2f}x")
    print(f"bare numpy  {t_bare * 1e3:8.3f} ms   factorxl / bare {t_ours / t_bare:5.2f}x (target: at the floor, <= 1.2x)")


if __name__ == "__main__":
    main()
