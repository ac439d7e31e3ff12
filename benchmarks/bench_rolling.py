"""Rolling factor betas on MSFT daily against statsmodels' RollingOLS.

Compares, in one run and on the same arrays (9778 rows x 6 factors, window 252):

* factorxl's ``rolling_ols`` (windowed sums, every window solved at once);
* statsmodels ``RollingOLS(y, X, window=252).fit()`` (its default: running updates, one
  inverse per window, all statistics) and ``.fit(params_only=True)`` (coefficients only).

It then measures the peak memory (tracemalloc) of ``rolling_ols`` on 1,000,000 generated rows
against the size of its input.

BLAS runs on one thread on both sides, repetitions are interleaved, and the times are medians of
CPU time. Usage: ``python benchmarks/bench_rolling.py`` (data from ``$FACTORXL_SHARED_DATA``,
default ``../shared/data``). Targets: at least 50x faster than RollingOLS' default fit,
coefficients equal to 1e-8; peak memory at most about 4x the input.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import os
import tracemalloc
from pathlib import Path

import numpy as np
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from factorxl.core.rolling import rolling_ols
from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_msft

WINDOW = 252
FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]


def load_msft_ff6() -> tuple[np.ndarray, np.ndarray]:
    data_dir = Path(os.environ.get("FACTORXL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    source = DataSource(local_dir=data_dir, vintage="v202412")
    data = load_msft(source=source).dropna().join(load_factors("FF6", "daily", source=source), how="inner")
    return (data["MSFT"] - data["RF"]).to_numpy(), data[FF6].to_numpy()


def peak_memory(rows: int = 1_000_000, factors: int = 6) -> tuple[float, float]:
    """Peak bytes traced while ``rolling_ols`` runs on generated data, and the input's bytes."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.01, (rows, factors))
    y = x @ rng.normal(1, 0.3, factors) + rng.normal(0, 0.01, rows)
    tracemalloc.start()
    rolling_ols(y, x, WINDOW)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, x.nbytes + y.nbytes


def main() -> None:
    y, x = load_msft_ff6()
    design = sm.add_constant(x)
    print(f"MSFT on FF6 daily: {x.shape[0]} rows x {x.shape[1]} factors, window {WINDOW}")
    ours = rolling_ols(y, x, WINDOW).params
    full = RollingOLS(y, design, window=WINDOW).fit().params
    exact = RollingOLS(y, design, window=WINDOW).fit(method="lstsq", params_only=True).params
    same_windows = np.array_equal(np.isnan(ours), np.isnan(full))
    print(f"same estimated windows: {same_windows}; max abs difference vs RollingOLS fit(): "
          f"{np.nanmax(np.abs(ours - full)):.1e}, vs fit(method='lstsq'): {np.nanmax(np.abs(ours - exact)):.1e}")
    times = fair.interleaved_medians(
        {
            "factorxl": lambda: rolling_ols(y, x, WINDOW),
            "fit": lambda: RollingOLS(y, design, window=WINDOW).fit(),
            "params": lambda: RollingOLS(y, design, window=WINDOW).fit(params_only=True),
        },
        repeat=5,
    )
    t_ours, t_full, t_params = times["factorxl"], times["fit"], times["params"]
    print(f"factorxl rolling_ols:                 {t_ours * 1e3:8.2f} ms")
    print(f"RollingOLS.fit():                     {t_full * 1e3:8.2f} ms  ratio {t_full / t_ours:6.1f}x (target >= 50x)")
    print(f"RollingOLS.fit(params_only=True):     {t_params * 1e3:8.2f} ms  ratio {t_params / t_ours:6.1f}x")
    peak, size = peak_memory()
    print(f"peak memory, 1,000,000 rows x 6 factors: {peak / 1e6:.0f} MB = {peak / size:.1f}x the input (target <= 4x)")

if __name__ == "__main__":
    main()
