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
from tests.sheet_values import as_cells

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


def test_the_shanken_correction_on_factors_collinear_in_the_periods_used_is_refused():
    """Correlation 1 - 1e-13 in the estimated periods (smallest eigenvalue 1e-13 of the largest,
    below the collinearity rule's 1e-10): np.linalg.solve found no zero pivot and the corrected
    standard errors came out 4e4 to 1.4e5 times the uncorrected ones. The other errors need no
    inverse and are given."""
    returns, factors = sparse_panel(1e-6)
    eigenvalues = exact_correlation_eigenvalues(factors[:60])
    assert eigenvalues[0] < 1e-10 * eigenvalues[-1]
    table = udfs.FM_PREMIA(as_cells(returns), factors.tolist())
    assert np.isfinite(np.array([row[1:] for row in table[1:4]], dtype=float)).all()
    with pytest.raises(FactorxlError, match="the factors are collinear in the periods used; the Shanken correction needs their inverse covariance"):
        udfs.FM_PREMIA(as_cells(returns), factors.tolist(), "shanken")


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


FACTOR_COV = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.005], [0.0, 0.005, 0.0225]])
PORTFOLIO = np.array([1.1, 0.4, -0.3])


def futures(gap: float) -> np.ndarray:
    """Two futures on three factors whose exposures to the first two are in proportions ``gap`` apart
    (the smallest squared singular value of their unit columns about ``gap^2 / 25`` of the largest)."""
    return np.array([[1.0, 0.9], [0.5, 0.45 * (1 + gap)], [0.1, -0.2]])


def test_a_hedge_with_futures_in_nearly_the_same_proportions_is_refused():
    """Proportions 1e-5 apart (4e-12, below the collinearity rule's 1e-10): the notionals were +-3e4,
    offsetting positions that a change in the exposures' sixth digit overturns; the rank test of
    np.linalg.matrix_rank counts the futures independent down to proportions 1e-16 apart."""
    with pytest.raises(FactorxlError, match=r"linearly dependent, or nearly \(by the collinearity rule\); no hedge zeroes them all"):
        udfs.HEDGE_FUTURES(PORTFOLIO.tolist(), 0.05, futures(1e-5).tolist(), FACTOR_COV.tolist(), [[1, 2]])


def test_a_hedge_with_futures_in_proportions_apart_within_the_rule_is_exact():
    """Proportions 1e-4 apart (4e-10, inside the rule): the notionals are the exact ones."""
    from factorxl.core.factor_hedging import neutralizing_hedge

    system = futures(1e-4)[:2]
    with mpmath.workdps(60):
        expected = np.array([float(v) for v in mpmath.lu_solve(to_mp(system), to_mp(-PORTFOLIO[:2]).T)])
    notionals = neutralizing_hedge(PORTFOLIO, futures(1e-4), [0, 1], FACTOR_COV, 0.05).notionals
    np.testing.assert_allclose(notionals, expected, rtol=1e-12)


def grs_panel(seed: int, residual_gap: float, factor_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Three assets on two factors over 120 periods: the second factor is twice the first plus
    ``factor_gap`` of noise, the second asset's residuals the first's plus ``residual_gap`` of noise."""
    rng = np.random.default_rng(seed)
    first = rng.normal(0.005, 0.04, 120)
    factors = np.column_stack([first, 2 * first + factor_gap * rng.normal(0, 0.04, 120)])
    resid = rng.normal(0, 0.02, (120, 3))
    resid[:, 1] = resid[:, 0] + residual_gap * rng.normal(0, 0.02, 120)
    return 0.001 + factors @ rng.normal(0.5, 0.3, (2, 3)) + resid, factors


def exact_grs(returns: np.ndarray, factors: np.ndarray) -> float:
    """The GRS statistic of these floats in 60 digits, from its definition."""
    nobs, nassets = returns.shape
    with mpmath.workdps(60):
        design = to_mp(np.column_stack([np.ones(nobs), factors]))
        y = to_mp(returns)
        coefficients = (design.T * design) ** -1 * (design.T * y)
        resid = y - design * coefficients
        alphas = coefficients[0, :]
        means = to_mp(np.ones((1, nobs))) * to_mp(factors) / nobs
        centred = to_mp(factors) - to_mp(np.ones((nobs, 1))) * means
        quadratic = (alphas * mpmath.lu_solve(resid.T * resid / nobs, alphas.T))[0]
        sharpe = (means * mpmath.lu_solve(centred.T * centred / nobs, means.T))[0]
        return float((nobs - nassets - factors.shape[1]) / mpmath.mpf(nassets) * quadratic / (1 + sharpe))


@pytest.mark.parametrize(
    ("seed", "residual_gap", "factor_gap"),
    [(1, 3e-5, 1e-2), (4, 1e-2, 1e-4)],
    ids=["nearly dependent residuals", "nearly collinear factors"],
)
def test_the_grs_test_next_to_dependent_residuals_or_collinear_factors_is_exact(seed, residual_gap, factor_gap):
    """Inside the collinearity rule the statistic is the exact one of these floats: its quadratic
    forms come from QR decompositions of the residuals and of the centred factors. Solved with their
    covariance matrices they lost the square of the condition number (errors of 4e-8 and 7e-9)."""
    from factorxl.core.fama_macbeth import grs_test

    returns, factors = grs_panel(seed, residual_gap, factor_gap)
    assert grs_test(returns, factors).statistic == pytest.approx(exact_grs(returns, factors), rel=1e-9)


def test_the_grs_test_with_a_factor_among_the_assets_is_refused():
    """A factor copied among the assets at 7 decimals: its residual variance is 6e-13 of its variance,
    the rounding of the copy, and the test statistic (1.09) was the t-statistic of that rounding."""
    rng, factors = factor_returns(5)
    returns = 0.001 + factors @ rng.normal(0.8, 0.3, (2, 3)) + rng.normal(0, 0.02, (PERIODS, 3))
    assets = np.column_stack([returns, np.round(factors[:, 0], 7)])
    with pytest.raises(FactorxlError, match=r"^the factors explain asset column\(s\) 4 exactly \(to rounding\); .*leave factor portfolios out"):
        udfs.FM_PREMIA(assets.tolist(), factors.tolist())


def style_exposures(seed: int, gap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forty stocks with a market column and three styles, the second style 0.6 times the first plus
    ``gap`` of noise: returns, exposures and caps."""
    rng = np.random.default_rng(seed)
    value = rng.normal(0, 1, 40)
    exposures = np.column_stack([np.ones(40), value, 0.6 * value + gap * rng.normal(0, 1, 40), rng.normal(0, 1, 40)])
    caps = rng.lognormal(9, 1, 40)
    return exposures @ [0.01, 0.004, -0.002, 0.003] + rng.normal(0, 0.05, 40), exposures, caps


def test_a_cross_section_on_styles_collinear_by_the_rule_is_refused():
    """Smallest eigenvalue 1.3e-11 of the largest in the scaled cross products: it was computed (the
    cross-section's own bound was 1e-12) with the factor returns off by 9e-6."""
    returns, exposures, caps = style_exposures(3, 5e-6)
    with pytest.raises(FactorxlError, match=r"^the exposures are collinear \(f2, f3 are linearly dependent"):
        udfs.CROSS_SECTION_FIT(returns.tolist(), exposures.tolist(), caps.tolist(), None, "wls")


def test_a_cross_section_next_to_collinear_styles_is_exact():
    """Smallest eigenvalue 2e-10 of the largest, inside the rule: the factor returns and the pure
    portfolios are the exact ones of these floats (solved by the normal equations they were off by
    2e-7 of the largest)."""
    from factorxl.core.cross_section import cross_section_regression, regression_weights

    returns, exposures, caps = style_exposures(3, 2e-5)
    weights = regression_weights(caps)
    with mpmath.workdps(60):
        design, weighting = to_mp(exposures), mpmath.diag([mpmath.mpf(w) for w in weights])
        pure = (design.T * weighting * design) ** -1 * (design.T * weighting)
        expected_pure = np.array(pure.tolist(), dtype=float)
        expected_returns = np.array((pure * to_mp(returns).T).tolist(), dtype=float).ravel()
    fit = cross_section_regression(returns, exposures, caps, weighting="sqrt_cap")
    scale = np.abs(expected_returns).max()
    np.testing.assert_allclose(fit.factor_returns, expected_returns, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(fit.pure_portfolios, expected_pure, rtol=0, atol=1e-10 * np.abs(expected_pure).max())
