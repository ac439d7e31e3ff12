"""FACTOR_SUMMARY, the intercept option and FACTOR_LINEST against statsmodels, against an independent
NumPy computation of Excel's documented LINEST, and against LibreOffice's LINEST."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import statsmodels.api as sm
from openpyxl.worksheet.formula import ArrayFormula

from factorxl import udfs
from factorxl.errors import FactorxlError
from tests.libreoffice import require_soffice
from tests.summary_checks import statsmodels_summary, summary_values

RTOL = 1e-10
COV_TYPES = ["classical", "hc0", "hc1", "hc2", "hc3", "hac"]
FACTOR_NAMES = ["Mkt-RF", "SMB", "HML"]


@pytest.fixture(scope="module")
def panel():
    """Two assets on three fat-tailed, autocorrelated factors; holes in the assets and in a factor."""
    rng = np.random.default_rng(11)
    n = 420
    factors = rng.standard_t(5, (n, 3)) * 0.01
    factors[1:] += 0.3 * factors[:-1]
    noise = rng.standard_t(4, (n, 2)) * 0.012 * (1 + np.abs(factors[:, :1]) * 30)
    returns = 0.0005 + factors @ np.array([[1.1, 0.2, -0.3], [0.6, -0.5, 0.4]]).T + noise
    returns[rng.choice(n, 30, replace=False), 0] = np.nan
    returns[rng.choice(n, 25, replace=False), 1] = np.nan
    factors[rng.choice(n, 10, replace=False), 2] = np.nan
    return returns, factors


def _cells(array: np.ndarray) -> list[list]:
    """A float array as xlwings passes a range: None for an empty cell."""
    return [[None if np.isnan(v) else float(v) for v in row] for row in np.atleast_2d(array.T).T]


def _statsmodels(y, x, cov_type, intercept=True, lags=None):
    keep = ~np.isnan(y) & ~np.isnan(x).any(axis=1)
    design = sm.add_constant(x[keep]) if intercept else x[keep]
    if cov_type == "classical":
        return sm.OLS(y[keep], design).fit()
    if cov_type == "hac":
        return sm.OLS(y[keep], design).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return sm.OLS(y[keep], design).fit(cov_type=cov_type.upper())


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_summary_equals_statsmodels(panel, cov_type, intercept):
    returns, factors = panel
    lags = 3 if cov_type == "hac" else None
    header = [FACTOR_NAMES] + _cells(factors)
    for j, asset in enumerate(["A", "B"]):
        table = udfs.FACTOR_SUMMARY([[asset]] + _cells(returns[:, j]), header, cov_type, lags, intercept)
        reference = _statsmodels(returns[:, j], factors, cov_type, intercept, lags)
        rows = summary_values(table)
        assert table[0] == [asset, "value"]
        for label, expected in statsmodels_summary(reference).items():
            assert rows[label] == pytest.approx(expected, rel=RTOL, abs=0), label
        assert rows["Covariance Type"] == ("classical" if cov_type == "classical" else f"{cov_type.upper()}" + (" (3 lags)" if lags else ""))
        # the Wald F of a robust fit is not the classical F (the test would not tell them apart otherwise)
        if cov_type != "classical":
            classical = _statsmodels(returns[:, j], factors, "classical", intercept)
            assert abs(rows["F-statistic"] / classical.fvalue - 1) > 1e-3


@pytest.mark.parametrize("intercept", [True, False])
def test_intercept_option_on_the_regression_functions(panel, intercept):
    returns, factors = panel
    header = [FACTOR_NAMES] + _cells(factors)
    references = [_statsmodels(returns[:, j], factors, "hc1", intercept) for j in range(2)]
    slopes = slice(1, None) if intercept else slice(None)
    betas = udfs.FACTOR_BETA(_cells(returns), _cells(factors), intercept)
    np.testing.assert_allclose(betas, [r.params[slopes] for r in references], rtol=RTOL)

    table = udfs.FACTOR_REGRESS([["A"]] + _cells(returns[:, 0]), header, "hc1", None, 12, intercept)
    rows = {row[0]: row[1:] for row in table[1:]}
    names = ["alpha"] * intercept + FACTOR_NAMES
    assert [row[0] for row in table[1 : 1 + len(names)]] == names
    reference = references[0]
    for k, name in enumerate(names):
        np.testing.assert_allclose(rows[name][:4], [reference.params[k], reference.bse[k], reference.tvalues[k], reference.pvalues[k]], rtol=1e-9)
    suffix = "" if intercept else " (uncentered)"
    assert rows[f"R-squared{suffix}"][0] == pytest.approx(reference.rsquared, rel=RTOL)
    assert rows[f"Adj. R-squared{suffix}"][0] == pytest.approx(reference.rsquared_adj, rel=RTOL)
    assert rows["Residual vol"][0] == pytest.approx(np.sqrt(reference.mse_resid), rel=RTOL)
    assert ("Alpha (annualized)" in rows) == intercept

    funds = udfs.FUND_TABLE([["A", "B"]] + _cells(returns), header, 12, "hc1", None, intercept)
    assert funds[0] == ["fund", *["alpha", "t(alpha)"] * intercept, *FACTOR_NAMES, "residual vol", f"R-squared{suffix}", "years", "observations"]
    for row, reference in zip(funds[1:], references, strict=True):
        values = dict(zip(funds[0][1:], row[1:], strict=True))
        np.testing.assert_allclose([values[f] for f in FACTOR_NAMES], reference.params[slopes], rtol=RTOL)
        assert values[f"R-squared{suffix}"] == pytest.approx(reference.rsquared, rel=RTOL)
        assert values["residual vol"] == pytest.approx(np.sqrt(reference.mse_resid * 12), rel=RTOL)
        if intercept:
            assert values["t(alpha)"] == pytest.approx(reference.tvalues[0], rel=1e-9)


def test_collinear_factors_without_intercept_are_refused_by_name(panel):
    returns, factors = panel
    x = factors.copy()
    x[:, 2] = 2 * x[:, 1]
    with pytest.raises(FactorxlError, match=r"collinear \(SMB, HML are linearly dependent"):
        udfs.FACTOR_SUMMARY(_cells(returns[:, 0]), [FACTOR_NAMES] + _cells(x), None, None, False)


# --- FACTOR_LINEST ----------------------------------------------------------------------------


def _excel_linest(y: np.ndarray, x: np.ndarray, const: bool) -> list[list]:
    """LINEST(y, x, const, TRUE) as Excel's documentation defines every cell, in plain NumPy.

    Row 1: m_k, ..., m_1, b; row 2: their standard errors (#N/A for b when const is FALSE);
    row 3: r2, se_y; row 4: F, df; row 5: ss_reg, ss_resid; #N/A in the rest of rows 3-5.
    df = n - k - 1 (n - k when const is FALSE); with const FALSE the sums of squares are not
    centered; F = (ss_reg / k) / (ss_resid / df).
    """
    n, k = x.shape
    design = np.column_stack([x, np.ones(n)]) if const else x
    coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
    residuals = y - design @ coefficients
    df = n - k - 1 if const else n - k
    ss_resid = residuals @ residuals
    ss_total = ((y - y.mean()) ** 2).sum() if const else y @ y
    ss_reg = ss_total - ss_resid
    se_y = np.sqrt(ss_resid / df)
    errors = se_y * np.sqrt(np.diag(np.linalg.inv(design.T @ design)))
    slopes, slope_errors = coefficients[:k][::-1], errors[:k][::-1]
    b, se_b = (coefficients[k], errors[k]) if const else (0.0, "#N/A")
    pad = ["#N/A"] * (k - 1)
    return [
        [*slopes, b],
        [*slope_errors, se_b],
        [ss_reg / ss_total, se_y, *pad],
        [(ss_reg / k) / (ss_resid / df), df, *pad],
        [ss_reg, ss_resid, *pad],
    ]


def _assert_linest_equal(actual, expected, rtol=RTOL):
    assert [len(row) for row in actual] == [len(row) for row in expected]
    for got_row, want_row in zip(actual, expected, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            if isinstance(want, str):
                assert got == want
            else:
                assert got == pytest.approx(want, rel=rtol, abs=1e-300)


@pytest.fixture(scope="module")
def linest_data():
    rng = np.random.default_rng(5)
    n = 40
    x = rng.normal(size=(n, 3))
    y = 0.8 + x @ np.array([0.5, -0.2, 0.1]) + rng.normal(size=n) * 0.3
    return y, x


@pytest.mark.parametrize("const", [True, False])
@pytest.mark.parametrize("k", [1, 3])
def test_linest_layout_equals_excels_documented_linest(linest_data, const, k):
    y, x = linest_data
    x = x[:, :k]
    full = udfs.FACTOR_LINEST(_cells(y), _cells(x), const, True)
    _assert_linest_equal(full, _excel_linest(y, x, const))
    _assert_linest_equal(udfs.FACTOR_LINEST(_cells(y), _cells(x), const), full[:1])  # stats FALSE: row 1 only
    assert len(full) == 5 and all(len(row) == k + 1 for row in full)


@pytest.mark.parametrize("const", [True, False])
@pytest.mark.parametrize("cov_type", ["hc1", "hac"])
def test_linest_robust_errors_and_wald_f_equal_statsmodels(linest_data, const, cov_type):
    y, x = linest_data
    lags = 2 if cov_type == "hac" else None
    block = udfs.FACTOR_LINEST(_cells(y), _cells(x), const, True, cov_type, lags)
    reference = _statsmodels(y, x, cov_type, const, lags)
    k = x.shape[1]
    slopes = reference.params[1:] if const else reference.params
    slope_errors = reference.bse[1:] if const else reference.bse
    np.testing.assert_allclose(block[0][:k], slopes[::-1], rtol=RTOL)
    np.testing.assert_allclose(block[1][:k], slope_errors[::-1], rtol=RTOL)
    assert block[1][k] == (pytest.approx(reference.bse[0], rel=RTOL) if const else "#N/A")
    assert block[2][:2] == pytest.approx([reference.rsquared, np.sqrt(reference.mse_resid)], rel=RTOL)
    assert block[3][:2] == pytest.approx([reference.fvalue, reference.df_resid], rel=RTOL)
    assert block[4][:2] == pytest.approx([reference.ess, reference.ssr], rel=RTOL)


def test_linest_refuses_a_collinear_column_by_name(linest_data):
    y, x = linest_data
    x = np.column_stack([x[:, :2], x[:, 0] - 2 * x[:, 1]])
    header = [["market", "size", "mix"]] + _cells(x)
    with pytest.raises(FactorxlError, match=r"collinear \(market, size, mix are linearly dependent"):
        udfs.FACTOR_LINEST(_cells(y), header, True, True)
    with pytest.raises(FactorxlError, match="factors has 40 data rows but returns has 39|returns has 39 data rows but factors has 40"):
        udfs.FACTOR_LINEST(_cells(y[1:]), _cells(x), True, True)
    with pytest.raises(FactorxlError, match="intercept must be TRUE or FALSE"):
        udfs.FACTOR_LINEST(_cells(y), _cells(x[:, :2]), "yes")


def _libreoffice_values(path: Path, folder: Path) -> openpyxl.Workbook:
    """``path`` recalculated and saved by headless LibreOffice (a throwaway profile)."""
    out = folder / "out"
    command = [require_soffice(), f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)]
    subprocess.run(command, check=True, capture_output=True, timeout=300, env={**os.environ, "HOME": str(folder)})
    return openpyxl.load_workbook(out / path.name, data_only=True)


def test_linest_equals_libreoffice_linest(linest_data, tmp_path):
    y, x = linest_data
    n, k = x.shape
    sheet_path = tmp_path / "linest.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for i in range(n):
        for j, value in enumerate([y[i], *x[i]]):
            sheet.cell(i + 1, j + 1, float(value))
    for top, const in ((1, "TRUE"), (7, "FALSE")):
        sheet[f"F{top}"] = ArrayFormula(f"F{top}:I{top + 4}", f"=LINEST(A1:A{n},B1:D{n},{const},TRUE)")
    book.save(sheet_path)
    recalculated = _libreoffice_values(sheet_path, tmp_path)["Sheet"]
    for top, const in ((1, True), (7, False)):
        libreoffice = [[recalculated.cell(top + r, 6 + c).value for c in range(k + 1)] for r in range(5)]
        _assert_linest_equal(udfs.FACTOR_LINEST(_cells(y), _cells(x), const, True), libreoffice, rtol=1e-9)
