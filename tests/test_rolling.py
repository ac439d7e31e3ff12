"""Rolling and expanding betas against statsmodels' RollingOLS: MSFT daily on six factors, and
generated data with missing values under both missing-value rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.regression.rolling import RollingOLS

from factorxl import udfs
from factorxl.core import rolling
from factorxl.core.rolling import rolling_ols, windowed_sums
from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_msft
from factorxl.errors import FactorxlError
from tests.course_data import column

FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]


@pytest.fixture(scope="module")
def msft_ff6(shared_data):
    """MSFT daily excess returns (raw minus the French RF) and the six factors, 2024 vintage."""
    source = DataSource(local_dir=shared_data, vintage="v202412")
    data = load_msft(source=source).dropna().join(load_factors("FF6", "daily", source=source), how="inner")
    data["MSFT"] = data["MSFT"] - data["RF"]
    return data[["MSFT", *FF6]]


def as_array(block) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in block], dtype=float)


def reference(y, x, window, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RollingOLS warns about all-NaN windows
        model = RollingOLS(y, sm.add_constant(x, has_constant="add"), window=window, **options)
        return model.fit(method="lstsq", params_only=True).params


def test_msft_daily_six_factors_window_252_equals_rolling_ols(msft_ff6):
    assert msft_ff6.shape == (9778, 7)
    y, x = msft_ff6["MSFT"].to_numpy(), msft_ff6[FF6].to_numpy()
    expected = reference(y, x, 252)
    spill = udfs.FACTOR_ROLLING_BETA(
        [["MSFT"]] + column(msft_ff6["MSFT"]), [FF6] + column(msft_ff6[FF6]), 252, None, None, None, True
    )
    assert spill[0] == ["alpha", *FF6]
    got = as_array(spill[1:])
    assert got.shape == (9778, 7)
    assert np.isnan(got[:251]).all() and not np.isnan(got[251:]).any()
    assert np.nanmax(np.abs(got - expected)) < 1e-8
    # statsmodels' default fit (running updates with inv) agrees as well
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = RollingOLS(y, sm.add_constant(x), window=252).fit().params
    assert np.nanmax(np.abs(got - fast)) < 1e-8
    # betas only by default, without a header when the input has none
    betas = as_array(udfs.FACTOR_ROLLING_BETA(column(msft_ff6["MSFT"]), column(msft_ff6[FF6]), 252))
    assert betas.shape == (9778, 6)
    np.testing.assert_allclose(betas, got[:, 1:], rtol=1e-12, atol=0)  # the same windows with the alpha and header left out


@pytest.fixture(scope="module")
def gappy():
    rng = np.random.default_rng(11)
    rows = 500
    x = rng.normal(0, 0.01, (rows, 3)) + 0.002  # returns-like, with a mean
    y = 0.0003 + x @ [1.1, -0.4, 0.25] + rng.normal(0, 0.01, rows)
    x[rng.random((rows, 3)) < 0.004] = np.nan
    y[rng.random(rows) < 0.004] = np.nan
    return y, x


def windows_with_a_gap(y, x, window):
    """Rows whose window (rows t - window + 1 .. t, or from row 0) holds an incomplete row."""
    incomplete = (np.isnan(y) | np.isnan(x).any(axis=1)).astype(int)
    counts = np.convolve(incomplete, np.ones(window, dtype=int))[: len(y)]
    return counts > 0


def compare_with_rolling_ols(got, y, x, window, min_obs, expanding, missing):
    expected = reference(y, x, window, min_nobs=min_obs, expanding=expanding, missing=missing)
    if missing == "skip":
        # statsmodels' "skip" looks at the last window - 1 rows only (its NaN count is a running-sum
        # difference off by one row), so it still estimates a window whose only gap is its first
        # row, dropping it. factorxl skips every window that holds a gap.
        gaps = windows_with_a_gap(y, x, window)
        only_first_row = gaps & ~np.isnan(expected[:, 0])
        assert only_first_row.sum() > 0  # the generated gaps do hit this case
        expected[only_first_row] = np.nan
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert (~np.isnan(got[:, 0])).sum() > 100
    assert np.nanmax(np.abs(got - expected)) < 1e-10


@pytest.mark.parametrize("expanding", [False, True])
@pytest.mark.parametrize("missing", ["drop", "skip"])
@pytest.mark.parametrize("min_obs", [None, 40])
def test_missing_rules_and_expanding_windows_equal_rolling_ols(gappy, expanding, missing, min_obs):
    y, x = gappy
    got = rolling_ols(y, x, 60, min_obs=min_obs, expanding=expanding, missing=missing)
    compare_with_rolling_ols(got.params, y, x, 60, min_obs, expanding, missing)


@pytest.mark.parametrize("expanding", [False, True])
@pytest.mark.parametrize("missing", ["drop", "skip"])
def test_windows_across_chunk_boundaries_equal_rolling_ols(gappy, monkeypatch, expanding, missing):
    monkeypatch.setattr(rolling, "CHUNK_ROWS", 97)  # chunks shorter than two windows, boundaries everywhere
    y, x = gappy
    got = rolling_ols(y, x, 60, expanding=expanding, missing=missing)
    compare_with_rolling_ols(got.params, y, x, 60, None, expanding, missing)
    complete = ~(np.isnan(y) | np.isnan(x).any(axis=1))
    assert np.array_equal(got.nobs, np.convolve(complete, np.ones(60, dtype=int))[: len(y)])


def test_worksheet_options_reach_the_core(gappy):
    y, x = gappy
    spill = as_array(udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 60, 40, True, "SKIP", True))
    compare_with_rolling_ols(spill, y, x, 60, 40, True, "skip")
    # Excel's empty cells arrive as None: they are missing values
    with_blanks = [[None if np.isnan(v) else v] for v in y]
    compare_with_rolling_ols(as_array(udfs.FACTOR_ROLLING_BETA(with_blanks, x.tolist(), 60, None, None, None, True)), y, x, 60, None, False, "drop")


def test_windowed_sums_restart_without_losing_digits():
    rng = np.random.default_rng(3)
    values = rng.normal(1e6, 1.0, (1000, 2))  # a large level: plain running sums would cancel badly
    sums = windowed_sums(values, 37)
    for row in (0, 36, 37, 500, 999):
        start = max(0, row - 36)
        assert np.allclose(sums[row], values[start : row + 1].sum(axis=0), rtol=1e-15, atol=0)


def test_collinear_or_constant_windows_are_left_empty():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(120, 2))
    x[40:70, 1] = 0.25  # the second factor is constant for 30 rows
    y = x @ [1.0, 2.0] + rng.normal(size=120)
    fit = rolling_ols(y, x, 20)
    constant_windows = np.arange(120)[(np.arange(120) >= 59) & (np.arange(120) <= 69)]
    assert np.isnan(fit.params[constant_windows]).all()
    estimated = ~np.isnan(fit.params[:, 0])
    assert estimated[19:59].all() and estimated[70:].all()
    assert np.nanmax(np.abs(fit.params - reference(y, x, 20))) < 1e-10


def test_windows_with_constant_returns_are_left_empty_as_factor_beta_refuses_their_rows():
    rng = np.random.default_rng(8)
    x = rng.normal(0, 0.01, (80, 2))
    y = x @ [0.8, 0.3] + rng.normal(0, 0.01, 80)
    y[30:55] = 0.0  # a stock that did not trade for 25 rows
    fit = rolling_ols(y, x, 20)
    with pytest.raises(FactorxlError, match="returns of y1 are constant"):
        udfs.FACTOR_BETA(y[35:55].reshape(-1, 1).tolist(), x[35:55].tolist())
    assert np.isnan(fit.params[49:55]).all()  # the windows of rows 31..50 to 36..55
    estimated = ~np.isnan(fit.params[:, 0])
    assert estimated[19:49].all() and estimated[55:].all()
    assert np.nanmax(np.abs(fit.params - reference(y, x, 20))) < 1e-10


def test_rolling_bad_input(gappy):
    y, x = gappy
    with pytest.raises(FactorxlError, match=r"window 501 is longer than the data \(500 rows\)"):
        udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 501)
    with pytest.raises(FactorxlError, match="window 3 is too short"):
        rolling_ols(y, x, 3)
    with pytest.raises(FactorxlError, match="min_obs must be from 4"):
        rolling_ols(y, x, 60, min_obs=61)
    with pytest.raises(FactorxlError, match="min_obs must be from 4"):
        udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 60, 2)
    with pytest.raises(FactorxlError, match="missing must be one of"):
        udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 60, None, None, "fill")
    with pytest.raises(FactorxlError, match="returns must be a single asset column; it has 2 columns"):
        udfs.FACTOR_ROLLING_BETA(np.column_stack([y, y]).tolist(), x.tolist(), 60)
    with pytest.raises(FactorxlError, match="window must be a whole number"):
        udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 60.5)
    with pytest.raises(FactorxlError, match="returns has 499 data rows but factors has 500"):
        udfs.FACTOR_ROLLING_BETA(y[1:].reshape(-1, 1).tolist(), x.tolist(), 60)
    with pytest.raises(FactorxlError, match="expanding must be TRUE or FALSE"):
        udfs.FACTOR_ROLLING_BETA(y.reshape(-1, 1).tolist(), x.tolist(), 60, None, "yes")
