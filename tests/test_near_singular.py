"""Decisions on data built to sit next to a singular case: each is taken by a rule relative to the
data's own size (the collinearity rule of :mod:`factorxl.core.regression`), never by an exact zero
or by whether LAPACK meets a zero pivot, so every machine takes it alike; what is computed is checked
against the same floats in 60-digit mpmath.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from factorxl import udfs
from factorxl.errors import FactorxlError

PERIODS = 60


def to_mp(values: np.ndarray) -> mpmath.matrix:
    return mpmath.matrix(np.atleast_2d(values).tolist())


def exact_fit(returns: np.ndarray, factors: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Betas, R-squared and the ``ddof=1`` factor covariance of the least-squares fit of exactly these
    floats on a constant and the factors, in 60 digits."""
    with mpmath.workdps(60):
        design = to_mp(np.column_stack([np.ones(len(returns)), factors]))
        y = to_mp(returns.reshape(-1, 1))
        coefficients = mpmath.lu_solve(design.T * design, design.T * y)
        resid = y - design * coefficients
        mean = sum(y) / len(returns)
        total = sum((v - mean) ** 2 for v in y)
        rsquared = 1 - sum(v**2 for v in resid) / total
        betas = np.array([float(v) for v in coefficients[1:]])
    return betas, float(rsquared), np.cov(factors, rowvar=False, ddof=1).reshape(factors.shape[1], -1)


def orthogonal_returns(rng: np.random.Generator, factors: np.ndarray) -> np.ndarray:
    """Returns whose exact least-squares betas on the factors are zero: random returns less their fit,
    computed in 60 digits and then rounded, so the betas of the floats are of the order of rounding."""
    draws = rng.normal(0.0, 0.02, len(factors))
    with mpmath.workdps(60):
        design = to_mp(np.column_stack([np.ones(len(draws)), factors]))
        y = to_mp(draws.reshape(-1, 1))
        resid = y - design * mpmath.lu_solve(design.T * design, design.T * y)
        return np.array([float(v) for v in resid])


def factor_returns(seed: int) -> tuple[np.random.Generator, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng, rng.normal(0.005, 0.04, (PERIODS, 2))


def test_a_hedge_to_a_factor_share_of_returns_the_factors_do_not_explain_is_refused():
    """Betas of rounding size (R-squared 1e-30) have no direction: the hedge that scales them to 20 %
    of the variance was finite with its signs those of the rounding."""
    rng, factors = factor_returns(1)
    returns = orthogonal_returns(rng, factors)
    assert exact_fit(returns, factors)[1] < 1e-25
    with pytest.raises(FactorxlError, match=r"^y1: the factors explain none of its variance beyond rounding \(R-squared .*\), so its betas have no direction"):
        udfs.HEDGE_RATIO(returns.tolist(), factors.tolist(), 0.2)


def test_a_hedge_to_a_factor_share_of_a_small_true_exposure_is_exact():
    """R-squared of about 1e-8, well above rounding: the hedge is the exact one of these floats."""
    rng, factors = factor_returns(2)
    returns = orthogonal_returns(rng, factors) + factors @ [1e-4, -5e-5]
    betas, rsquared, factor_cov = exact_fit(returns, factors)
    assert 1e-9 < rsquared < 1e-7
    factor_variance = betas @ factor_cov @ betas
    specific_variance = factor_variance * (1 - rsquared) / rsquared
    expected = (np.sqrt(0.2 * specific_variance / (0.8 * factor_variance)) - 1) * betas
    np.testing.assert_allclose(udfs.HEDGE_RATIO(returns.tolist(), factors.tolist(), 0.2)[0], expected, rtol=1e-9)


def test_a_minimum_variance_hedge_with_an_instrument_of_rounding_variance_is_refused():
    """Two perfectly correlated factors (volatilities 0.2 and 0.3) and an instrument long the first
    and short the second in their ratio: its variance is zero in exact arithmetic, and the floats give
    5e-19 on one machine and 0 on another; the hedge divided by it gave 1e17 or a message."""
    vols = np.array([0.2, 0.3])
    covariance = np.outer(vols, vols)
    with mpmath.workdps(60):
        exact = to_mp(vols[::-1] * [1, -1]) * to_mp(covariance) * to_mp(vols[::-1] * [1, -1]).T
    assert abs(float(exact[0])) < 1e-17 * 0.13  # rounding-sized against the largest variance of such exposures
    with pytest.raises(FactorxlError, match=r"^the instrument has no factor variance beyond rounding"):
        udfs.HEDGE_FUTURES_MIN_VAR([1.0, 0.5], 0.05, [[0.3], [-0.2]], covariance.tolist())


def test_a_minimum_variance_hedge_with_a_small_true_variance_is_exact():
    """Correlation 1 - 1e-8 and the same instrument: its variance is 1e-8 of the largest, above
    rounding, and the hedge is the exact one within that variance's rounding (a unit of rounding
    of the largest is 2e-8 of it)."""
    vols = np.array([0.2, 0.3])
    correlation = np.array([[1.0, 1.0 - 1e-8], [1.0 - 1e-8, 1.0]])
    covariance = correlation * np.outer(vols, vols)
    portfolio, instrument = np.array([1.0, 0.5]), np.array([0.3, -0.2])
    with mpmath.workdps(60):
        f = to_mp(covariance)
        expected = -float((to_mp(portfolio) * f * to_mp(instrument).T)[0] / (to_mp(instrument) * f * to_mp(instrument).T)[0])
    table = udfs.HEDGE_FUTURES_MIN_VAR(portfolio.tolist(), 0.05, instrument.reshape(-1, 1).tolist(), covariance.tolist())
    notional = next(row[2] for row in table if row[0].startswith("notional"))
    assert notional == pytest.approx(expected, rel=1e-6)


def sparse_panel(closeness: float, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Ten assets over 120 periods: in the first 60 nine assets have a return (a different one missing
    each period, so no period has them all and there is no GRS test) and the second factor is twice the
    first plus ``closeness`` of noise; in the last 60 the factors are independent but only two assets
    have a return each period, too few for a cross-section. So every asset's loadings come from
    independent factors, while the cross-sections are estimated on periods where the factors are
    (nearly) collinear."""
    rng = np.random.default_rng(seed)
    first = rng.normal(0.005, 0.04, 120)
    second = np.where(np.arange(120) < 60, 2 * first + closeness * rng.normal(0, 0.04, 120), rng.normal(0.003, 0.03, 120))
    factors = np.column_stack([first, second])
    returns = 0.002 + factors @ rng.normal(1.0, 0.5, (2, 10)) + rng.normal(0, 0.03, (120, 10))
    late = np.arange(60, 120)
    present = np.zeros((120, 10), dtype=bool)
    present[:60] = np.arange(60)[:, None] % 10 != np.arange(10)
    present[late, late % 10] = present[late, (late + 1) % 10] = True
    return np.where(present, returns, np.nan), factors


def exact_correlation_eigenvalues(factors: np.ndarray) -> list[float]:
    with mpmath.workdps(60):
        centred = to_mp(factors - 0.0)
        means = [sum(centred[:, j]) / centred.rows for j in range(centred.cols)]
        for j in range(centred.cols):
            for i in range(centred.rows):
                centred[i, j] -= means[j]
        cross = centred.T * centred
        scale = mpmath.diag([1 / mpmath.sqrt(cross[j, j]) for j in range(cross.rows)])
        return sorted(float(v) for v in mpmath.eigsy(scale * cross * scale)[0])


def cells(values: np.ndarray) -> list:
    return [[None if np.isnan(v) else float(v) for v in row] for row in values]


def test_the_shanken_correction_on_factors_collinear_in_the_periods_used_is_refused():
    """Correlation 1 - 1e-13 in the estimated periods (smallest eigenvalue 1e-13 of the largest,
    below the collinearity rule's 1e-10): np.linalg.solve found no zero pivot and the corrected
    standard errors came out 4e4 to 1.4e5 times the uncorrected ones. The other errors need no
    inverse and are given."""
    returns, factors = sparse_panel(1e-6)
    eigenvalues = exact_correlation_eigenvalues(factors[:60])
    assert eigenvalues[0] < 1e-10 * eigenvalues[-1]
    table = udfs.FM_PREMIA(cells(returns), factors.tolist())
    assert np.isfinite(np.array([row[1:] for row in table[1:4]], dtype=float)).all()
    with pytest.raises(FactorxlError, match="the factors are collinear in the periods used; the Shanken correction needs their inverse covariance"):
        udfs.FM_PREMIA(cells(returns), factors.tolist(), "shanken")


def test_the_shanken_correction_on_nearly_collinear_factors_within_the_rule_is_exact():
    """Correlation 1 - 1e-8 (smallest eigenvalue 6e-9 of the largest, inside the rule):
    ``c = l' Sigma_f^-1 l`` and the corrected covariance are the exact ones."""
    from factorxl.core.fama_macbeth import fama_macbeth

    returns, factors = sparse_panel(3e-4)
    result = fama_macbeth(returns, factors)
    estimated = factors[~np.isnan(result.series).any(axis=1)]
    assert estimated.shape[0] == 60
    premia = result.inference.estimates[1:]
    with mpmath.workdps(60):
        centred = to_mp(estimated) - to_mp(np.ones((60, 1))) * (to_mp(np.ones((1, 60))) * to_mp(estimated) / 60)
        covariance = centred.T * centred / 59
        c = float((to_mp(premia) * mpmath.lu_solve(covariance, to_mp(premia).T))[0])
        bordered = np.zeros((3, 3))
        bordered[1:, 1:] = np.array(covariance.tolist(), dtype=float) / 60
    expected = (1 + c) * (result.inference.cov_fm - bordered) + bordered
    np.testing.assert_allclose(result.cov_shanken, expected, rtol=1e-10)
