"""The "MiniModel" worked example: the inputs of a 10-stock Barra-style model, and every
section of the example computed with factorxl's core.

The inputs are those of ``mini_example.py`` in the equity factor model guide at itsjustbeta.com,
with returns and volatilities as decimals (the script prints percent); the MiniModel template
(:mod:`.minimodel`) lays them out in its sheets. :func:`minimodel` runs every section of the
example through the same core functions the worksheet functions use, so a test or a reader can
check the workbook's cells against :class:`MiniModelResults` (the headline numbers are its
properties).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from factorxl.core.attribution import Attribution, attribution
from factorxl.core.cross_section import CrossSectionResult, cross_section_regression, industry_restriction
from factorxl.core.exposures import ExposureMatrix, cap_weights, exposure_matrix
from factorxl.core.factor_hedging import HedgeResult, min_variance_hedge, neutralizing_hedge
from factorxl.core.optimization import OptimizationResult, min_tracking_error, turnover
from factorxl.core.risk_decomposition import StockContributions, block_decomposition, risk_report, stock_contributions
from factorxl.core.risk_model import RiskModel, covariance_from_correlation, risk_model
from factorxl.core.stress import StressResult, stress_test
from factorxl.core.variance import RiskReport

NAMES = ("AXIOM", "BINARY", "CIPHER", "DIGIT", "EVERGREEN", "FIDELIS", "GUARDIAN", "HARVEST", "INDIGO", "JUNIPER")
INDUSTRIES = ("Tech", "Tech", "Tech", "Tech", "Fin", "Fin", "Fin", "Cons", "Cons", "Cons")
CAPS = np.array([150.0, 80, 40, 10, 120, 60, 20, 90, 30, 15])  # $bn
STYLE_NAMES = ("VALUE", "MOM", "SIZE")
BOOK_TO_PRICE = np.array([0.15, 0.25, 0.45, 0.60, 0.85, 0.95, 1.10, 0.40, 0.55, 0.70])
MOMENTUM = np.array([0.32, 0.18, -0.05, 0.40, 0.06, -0.02, -0.12, 0.10, 0.02, -0.08])
MONTH1_RETURNS = np.array([4.2, 2.8, 0.5, 6.0, 0.8, -0.6, -1.8, 1.2, 2.0, -0.5]) / 100.0
SPECIFIC_VOLS = np.array([18.0, 22, 30, 38, 16, 20, 28, 17, 26, 32]) / 100.0  # annualized
PORTFOLIO = np.array([0.10, 0.08, 0.10, 0.03, 0.22, 0.14, 0.06, 0.15, 0.08, 0.04])
FACTOR_VOLS = np.array([16.0, 9, 7, 5, 4, 6, 4]) / 100.0  # annualized, MKT TECH FIN CONS VALUE MOM SIZE
CORRELATION = np.array([
    [1.00, 0.10, -0.05, -0.10, -0.20, 0.05, 0.15],
    [0.10, 1.00, -0.40, -0.30, -0.35, 0.30, 0.05],
    [-0.05, -0.40, 1.00, -0.10, 0.40, -0.15, 0.00],
    [-0.10, -0.30, -0.10, 1.00, 0.05, -0.05, -0.05],
    [-0.20, -0.35, 0.40, 0.05, 1.00, -0.45, 0.10],
    [0.05, 0.30, -0.15, -0.05, -0.45, 1.00, 0.05],
    [0.15, 0.05, 0.00, -0.05, 0.10, 0.05, 1.00],
])
STRESS_FACTOR, STRESS_SIGMAS = "VALUE", -2.0
# Months 2 and 3: stipulated factor returns (the CONS entry is set by the industry
# constraint) and active specific returns; the benchmark's specific return is zero.
LATER_FACTOR_RETURNS = np.array([[-2.0, -1.5, 1.0, 0.0, 1.2, -0.8, 0.5], [3.0, 0.8, -0.5, 0.0, -0.6, 1.0, -0.3]]) / 100.0
LATER_SPECIFIC = np.array([0.30, -0.10]) / 100.0
SMALL_CAP_FUTURE = np.array([1.05, 0.35, 0.30, 0.35, 0.10, -0.05, -1.20])
HEDGED_FACTORS = ("MKT", "SIZE")
NEUTRAL_FACTOR, KEPT_FACTOR = "MOM", "VALUE"

# Chapter 2: five stocks, market and value factors.
CHAPTER2_EXPOSURES = np.array([[1.0, 1.2], [1.0, 0.5], [1.0, -0.3], [1.0, -1.0], [1.0, -0.4]])
CHAPTER2_FACTOR_COV = np.array([[0.0256, -0.00128], [-0.00128, 0.0016]])
CHAPTER2_SPECIFIC_VOLS = np.array([0.20, 0.25, 0.18, 0.30, 0.22])
CHAPTER2_WEIGHTS = np.array([0.30, 0.25, 0.20, 0.15, 0.10])


@dataclass(frozen=True)
class MiniModelResults:
    """Every section of the MiniModel example (decimals; the script prints percent)."""

    exposures: ExposureMatrix
    regression: CrossSectionResult
    model: RiskModel
    portfolio: RiskReport
    benchmark: RiskReport
    active: RiskReport
    contributions: StockContributions
    blocks: tuple[tuple[str, ...], np.ndarray]
    stress: StressResult
    attribution: Attribution
    hedge: HedgeResult
    index_hedge: HedgeResult
    optimized: OptimizationResult
    turnover: float
    chapter2: RiskReport

    @property
    def tracking_error(self) -> float:
        """Annualized tracking error of the manager portfolio (0.0542)."""
        return self.active.total_vol

    @property
    def headline(self) -> dict[str, float]:
        """The numbers the guide's text quotes most."""
        return {
            "portfolio_vol": self.portfolio.total_vol,
            "benchmark_vol": self.benchmark.total_vol,
            "tracking_error": self.tracking_error,
            "optimized_tracking_error": self.optimized.tracking_error,
            "hedged_vol": self.hedge.after.total_vol,
            "linked_active_return": self.attribution.linked_active,
            "chapter2_vol": self.chapter2.total_vol,
        }


def later_factor_returns(industry_weights: np.ndarray, industry_columns: np.ndarray) -> np.ndarray:
    """Months 2-3 factor returns with the last industry's set by the cap-weighted industry
    constraint, as the cross-sectional regression sets it.

    Parameters
    ----------
    industry_weights : ndarray
        Cap weights of the industries (the constraint coefficients), in column order.
    industry_columns : ndarray of int
        Positions of the industry columns among the factors.

    Returns
    -------
    ndarray, shape (2, K)
    """
    restriction = industry_restriction(LATER_FACTOR_RETURNS.shape[1], industry_columns, industry_weights)
    return np.delete(LATER_FACTOR_RETURNS, industry_columns[-1], axis=1) @ restriction.T


def minimodel() -> MiniModelResults:
    """Compute the MiniModel example section by section with factorxl's core."""
    exposures = exposure_matrix(INDUSTRIES, np.column_stack([BOOK_TO_PRICE, MOMENTUM, np.log(CAPS)]), CAPS, STYLE_NAMES)
    x, names = exposures.values, exposures.factor_names
    regression = cross_section_regression(MONTH1_RETURNS, x, CAPS, exposures.industry_columns, factor_names=names)
    model = risk_model(x, covariance_from_correlation(FACTOR_VOLS, CORRELATION, names), SPECIFIC_VOLS)
    benchmark = cap_weights(CAPS)
    active = PORTFOLIO - benchmark
    reports = [risk_report(model, w) for w in (PORTFOLIO, benchmark, active)]
    factor_returns = np.vstack([regression.factor_returns, later_factor_returns(regression.industry_weights, exposures.industry_columns)])
    active_exposures = reports[2].exposures
    specific = np.append(active @ regression.residuals, LATER_SPECIFIC)
    benchmark_returns = np.append(benchmark @ MONTH1_RETURNS, factor_returns[1:] @ reports[1].exposures)
    portfolio_returns = benchmark_returns + factor_returns @ active_exposures + specific
    index_future = reports[1].exposures
    hedged = [names.index(f) for f in HEDGED_FACTORS]
    kept, neutral = names.index(KEPT_FACTOR), names.index(NEUTRAL_FACTOR)
    constraints = np.vstack([np.ones(len(NAMES)), x[:, neutral], x[:, kept]])
    optimized = min_tracking_error(model, constraints, np.array([0.0, 0.0, active_exposures[kept]]))
    chapter2 = risk_model(CHAPTER2_EXPOSURES, CHAPTER2_FACTOR_COV, CHAPTER2_SPECIFIC_VOLS)
    return MiniModelResults(
        exposures=exposures,
        regression=regression,
        model=model,
        portfolio=reports[0],
        benchmark=reports[1],
        active=reports[2],
        contributions=stock_contributions(model, active),
        blocks=block_decomposition(model, active, exposures.blocks),
        stress=stress_test(model.factor_cov, names.index(STRESS_FACTOR), STRESS_SIGMAS, np.column_stack([active_exposures, reports[0].exposures])),
        attribution=attribution(active_exposures, factor_returns, specific, portfolio_returns, benchmark_returns),
        hedge=neutralizing_hedge(reports[0].exposures, np.column_stack([index_future, SMALL_CAP_FUTURE]), hedged, model.factor_cov, reports[0].specific_vol),
        index_hedge=min_variance_hedge(reports[0].exposures, index_future, model.factor_cov, reports[0].specific_vol),
        optimized=optimized,
        turnover=turnover(active, optimized.weights),
        chapter2=risk_report(chapter2, CHAPTER2_WEIGHTS),
    )
