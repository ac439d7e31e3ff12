"""Regressions on nearly collinear factors and rolling windows next to bad values, against 60-digit mpmath.

The factors have correlation 1 - 10^-k. Their condition number grows like 10^(k/2), and the error
of any least-squares solver in floating point with it; normal equations square it. For every k
where a number is returned, FACTOR_BETA, FACTOR_REGRESS and FACTOR_ROLLING_BETA must be within 100
times the error of NumPy's ``lstsq`` (an SVD solver) on the same floats, both measured against
the exact least-squares solution of those floats (mpmath, 60 digits). Where FACTOR_BETA refuses,
the rolling windows on the same rows are empty: one rule for both.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from factorxl import udfs
from factorxl.core.fama_macbeth import first_pass_loadings
from factorxl.core.rolling import rolling_ols
from factorxl.errors import FactorxlError
from tests.sheet_values import as_column

mpmath.mp.dps = 60
EPS = np.finfo(float).eps
SEEDS = (0, 1, 2)
WINDOW = 100


def near_collinear(k: float, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns on two factors of correlation 1 - 10^-k (daily-sized), alpha 3 bp, betas 1.2 and -0.7."""
    rng = np.random.default_rng(seed)
    first, noise = rng.normal(0, 0.01, rows), rng.normal(0, 0.01, rows)
    rho = 1.0 - 10.0**-k
    second = rho * first + np.sqrt(1.0 - rho**2) * noise
    returns = 0.0003 + 1.2 * first - 0.7 * second + rng.normal(0, 0.005, rows)
    return returns, np.column_stack([first, second])


def exact(returns: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """``[alpha, betas]`` of the least-squares fit of exactly these floats, in 60-digit arithmetic."""
    design = mpmath.matrix([[1, *map(mpmath.mpf, row)] for row in factors.tolist()])
    response = mpmath.matrix(list(map(mpmath.mpf, returns.tolist())))
    solution = mpmath.lu_solve(design.T * design, design.T * response)
    return np.array([float(value) for value in solution])


def lstsq_error(returns: np.ndarray, factors: np.ndarray, reference: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(returns)), factors])
    solution = np.linalg.lstsq(design, returns, rcond=None)[0]
    return float(np.abs(solution - reference).max())


def regress_coefficients(returns: np.ndarray, factors: np.ndarray) -> np.ndarray:
    table = udfs.FACTOR_REGRESS(as_column(returns), factors.tolist())
    return np.array([row[1] for row in table[1:4]])  # alpha, f1, f2: the "coef" column


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
def test_factor_beta_and_regress_on_nearly_collinear_factors_are_as_accurate_as_lstsq(k):
    beta_errors, regress_errors, lstsq_errors = [], [], []
    for seed in SEEDS:
        returns, factors = near_collinear(k, 120, seed)
        try:
            betas = np.array(udfs.FACTOR_BETA(as_column(returns), factors.tolist())[0])
        except FactorxlError as refusal:
            assert "the factors are collinear (f1, f2 are linearly dependent on the rows used)" in str(refusal)
            with pytest.raises(FactorxlError, match="the factors are collinear"):
                udfs.FACTOR_REGRESS(as_column(returns), factors.tolist())
            assert k >= 10  # the rule: the correlation matrix's smallest eigenvalue at most 1e-10 of its largest
            continue
        reference = exact(returns, factors)
        floor = 4 * EPS * np.abs(reference).max()  # below this, an error is one rounding of the result
        beta_errors.append(np.abs(betas - reference[1:]).max())
        regress_errors.append(np.abs(regress_coefficients(returns, factors) - reference).max())
        lstsq_errors.append(max(lstsq_error(returns, factors, reference), floor))
    assert k <= 9 or not beta_errors
    if beta_errors:
        assert max(beta_errors) <= 100 * max(lstsq_errors), (beta_errors, lstsq_errors)
        assert max(regress_errors) <= 100 * max(lstsq_errors), (regress_errors, lstsq_errors)


@pytest.mark.parametrize("k", [1, 3, 5, 7, 9, 10])
def test_rolling_betas_on_nearly_collinear_factors_are_as_accurate_as_lstsq(k):
    returns, factors = near_collinear(k, 160, 1)
    spill = udfs.FACTOR_ROLLING_BETA(as_column(returns), factors.tolist(), WINDOW, None, None, None, True)
    params = np.array([[np.nan if v is None else v for v in row] for row in spill], dtype=float)
    errors, lstsq_errors = [], []
    for end in range(WINDOW - 1, 160, 6):
        rows = slice(end - WINDOW + 1, end + 1)
        if k >= 10:
            with pytest.raises(FactorxlError, match="collinear"):
                udfs.FACTOR_BETA(as_column(returns[rows]), factors[rows].tolist())
            assert np.isnan(params[end]).all()
            continue
        reference = exact(returns[rows], factors[rows])
        errors.append(np.abs(params[end] - reference).max())
        lstsq_errors.append(max(lstsq_error(returns[rows], factors[rows], reference), 4 * EPS * np.abs(reference).max()))
    if errors:
        assert max(errors) <= 100 * max(lstsq_errors), (errors, lstsq_errors)


def test_rolling_windows_are_refused_exactly_where_factor_beta_refuses_their_rows():
    """Factors whose correlation drifts across the refusal threshold: windows of condition number up
    to about 2e5 (10^-k from 1e-9 to 3e-11); each is estimated if and only if FACTOR_BETA on its rows
    gives a number, then to 100 times lstsq's error."""
    pieces = [near_collinear(k, 40, seed) for seed, k in enumerate([8.5, 9.0, 9.5, 9.8, 10.0, 10.3, 10.6, 9.2, 8.8, 10.5])]
    returns = np.concatenate([p[0] for p in pieces])
    factors = np.concatenate([p[1] for p in pieces])
    params = rolling_ols(returns, factors, WINDOW).params
    estimated = refused = 0
    errors, lstsq_errors = [], []
    for end in range(WINDOW - 1, len(returns)):
        rows = slice(end - WINDOW + 1, end + 1)
        try:
            betas = udfs.FACTOR_BETA(as_column(returns[rows]), factors[rows].tolist())[0]
        except FactorxlError as refusal:
            assert "collinear" in str(refusal)
            assert np.isnan(params[end]).all(), end
            refused += 1
            continue
        assert params[end, 1:] == pytest.approx(betas, rel=1e-6), end
        estimated += 1
        if end % 15 == 0:
            reference = exact(returns[rows], factors[rows])
            errors.append(np.abs(params[end] - reference).max())
            lstsq_errors.append(lstsq_error(returns[rows], factors[rows], reference))
    assert estimated > 50 and refused > 50
    assert max(errors) <= 100 * max(lstsq_errors), (errors, lstsq_errors)


@pytest.mark.parametrize("bad", [9999.0, 99999.0, 999999.0, 1e10])
@pytest.mark.parametrize("where", ["returns", "factor"])
def test_one_bad_value_does_not_reach_the_windows_after_it(bad, where):
    """A missing-value code (99,999) or a typo in row 6 of 300: the 235 windows of 60 rows after it
    equal lstsq on their own rows (it spoiled all of them, up to leaving them empty)."""
    rng = np.random.default_rng(2)
    factors = rng.normal(0.0005, 0.01, (300, 3))
    returns = 0.0002 + factors @ [1.0, 0.3, -0.2] + rng.normal(0, 0.01, 300)
    if where == "returns":
        returns[5] = bad
    else:
        factors[5, 1] = bad
    spill = udfs.FACTOR_ROLLING_BETA(as_column(returns), factors.tolist(), 60, None, None, None, True)
    params = np.array(spill[65:], dtype=float)  # the windows ending on rows 66.. start after row 6
    assert params.shape == (235, 4)
    for offset, got in enumerate(params):
        rows = slice(offset + 6, offset + 66)
        design = np.column_stack([np.ones(60), factors[rows]])
        expected = np.linalg.lstsq(design, returns[rows], rcond=None)[0]
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-14), offset


def test_fama_macbeth_first_pass_loadings_on_nearly_collinear_factors_are_as_accurate_as_lstsq():
    returns, factors = near_collinear(8, 120, 4)
    panel = np.column_stack([returns + np.random.default_rng(s).normal(0, 0.005, 120) for s in range(4)])
    panel[np.random.default_rng(9).random(panel.shape) < 0.05] = np.nan  # each asset on rows of its own
    loadings = first_pass_loadings(panel, factors)
    for asset in range(panel.shape[1]):
        rows = ~np.isnan(panel[:, asset])
        reference = exact(panel[rows, asset], factors[rows])
        floor = lstsq_error(panel[rows, asset], factors[rows], reference)
        assert np.abs(loadings[asset] - reference[1:]).max() <= 100 * floor, asset
