"""Every worksheet function on its data scaled by 10^s, across the sizes the input rule allows.

The input rule (README, "How every function behaves", rule 4) accepts numbers that are 0 or from
1e-50 to 1e50 in size. For every s that keeps the scaled data inside the rule a function must give
the scaled right answer: each cell of its result on the data scaled by 10^s is the cell on the
unscaled data times 10^(s d), with d the cell's degree (0 for a beta or a ratio, 1 for an alpha or a
residual, 2 for a variance, -1 for a position sized by a volatility). The one exception is where
decimals scaled up look like percent (docs/data.md, "Percent or decimals"): at 10^1 to 10^5 these
data move 0.1 to 5,000 a period, and a refusal as percent is a right answer there. One step outside
the rule the data are refused with a message naming the cell. Never a silent 0 or empty cell.

Each cell's degree is read off the data scaled by 0.1 and by 0.01 (scaling up could look like
percent), and must be one the function's meaning allows (``CASES``). A cell with no clear degree (a sum that is zero but for rounding, the
two readings disagree) must stay rounding-sized at every scale. ``FACTOR_SUMMARY``, whose log-likelihood
shifts by ``n log(10^s)``, has a test of its own at every s.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.stattools import durbin_watson, jarque_bera, omni_normtest

from factorxl import udfs
from factorxl.core.cross_section import cross_section_regression
from factorxl.core.regression import ols
from factorxl.core.summary import summarize
from factorxl.errors import FactorxlError

RNG = np.random.default_rng(7)
PERIODS, FACTORS, FUNDS = 60, 2, 3
X = RNG.normal(0.004, 0.03, (PERIODS, FACTORS))
Y = 0.001 + X @ RNG.normal(1.0, 0.4, (FACTORS, FUNDS)) + RNG.normal(0, 0.02, (PERIODS, FUNDS))
HOLDINGS = RNG.dirichlet(np.ones(FUNDS), PERIODS)
PANEL = 0.002 + X @ RNG.normal(1.0, 0.5, (FACTORS, 25)) + RNG.normal(0, 0.03, (PERIODS, 25))
DATES = [dt.datetime(2010, 1, 31) + dt.timedelta(days=30 * d) for d in range(12)]
IDS = [f"A{i:02d}" for i in range(30)]
CHARACTERISTICS = RNG.normal(0, 1, (len(DATES) * len(IDS), 2))
CHAR_RETURNS = CHARACTERISTICS @ [0.01, -0.005] + RNG.normal(0, 0.05, len(CHARACTERISTICS))
CHAR_HOLDINGS = [["date", "id", "weight"]] + [[d, a, 0.1] for d in DATES for a in IDS[:10]]
STOCKS = 40
INDUSTRIES = [f"I{j % 3}" for j in range(STOCKS)]
DESCRIPTORS = RNG.normal(0, 1, (STOCKS, 2))
CAPS = RNG.lognormal(3, 1, STOCKS)
DUMMIES = np.column_stack([np.ones(STOCKS)] + [[float(i == f"I{j}") for i in INDUSTRIES] for j in range(3)])
STOCK_RETURNS = np.column_stack([DUMMIES, DESCRIPTORS]) @ RNG.normal(0, 0.02, 6) + RNG.normal(0, 0.05, STOCKS)
LOADINGS = RNG.normal(size=(6, 9))
COVARIANCE = LOADINGS @ LOADINGS.T / 9 * 1e-3
VOLS = np.sqrt(np.diag(COVARIANCE))
SPECIFIC = RNG.uniform(0.1, 0.4, STOCKS)
WEIGHTS, BENCHMARK = RNG.dirichlet(np.ones(STOCKS)), RNG.dirichlet(np.ones(STOCKS))
EXPOSURES = np.column_stack([DUMMIES, DESCRIPTORS])
ACTIVE_X, FACTOR_RETURNS = RNG.normal(0, 0.1, (24, 6)), RNG.normal(0, 0.01, (24, 6))
SPECIFIC_RETURNS, BENCHMARK_RETURNS = RNG.normal(0, 0.002, 24), RNG.normal(0, 0.03, 24)
PORTFOLIO_RETURNS = BENCHMARK_RETURNS + (ACTIVE_X * FACTOR_RETURNS).sum(axis=1) + SPECIFIC_RETURNS
INSTRUMENTS = RNG.normal(size=(6, 3))


def cells(values: np.ndarray) -> list:
    return np.asarray(values).tolist()


def long_table(c: float) -> list[list]:
    """Date, id, return and two characteristics, the numbers scaled by ``c``."""
    rows = [["date", "id", "ret", "size", "value"]]
    pairs = [(d, a) for d in DATES for a in IDS]
    for (d, a), r, (size, value) in zip(pairs, CHAR_RETURNS, CHARACTERISTICS, strict=True):
        rows.append([d, a, r * c, size * c, value * c])
    return rows


def cross_section(c: float) -> tuple:
    """Stock returns and the style columns scaled by ``c`` (the market and industry dummies stay 0/1), caps too."""
    return cells(STOCK_RETURNS * c), cells(np.column_stack([DUMMIES, DESCRIPTORS * c])), cells(CAPS * c), [2, 3, 4]


# The arguments of each function for data scaled by c (the numbers whose units are the data's), and
# the degrees its cells may have. Returns and factors scale together; a covariance matrix scales
# by c^2 when its volatilities scale by c; ATTRIBUTION's factor returns scale by c against
# exposures by 1/c (its returns are compounded, so they keep their size).
CASES: dict[str, tuple[Callable[[float], tuple], set[int]]] = {
    "APPRAISAL_RATIO": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {0}),
    "ATTRIBUTION": (lambda c: (cells(ACTIVE_X / c), cells(FACTOR_RETURNS * c), cells(SPECIFIC_RETURNS), cells(PORTFOLIO_RETURNS), cells(BENCHMARK_RETURNS)), {0}),
    "CHAR_ADJUSTED_RETURN": (lambda c: (CHAR_HOLDINGS, long_table(c)), {0, 1}),
    "CHAR_PREMIA": (lambda c: (long_table(c),), {0, 1}),
    "CHAR_PURE_PLAY": (lambda c: (long_table(c), DATES[-1]), {0}),
    "CHAR_RETURNS": (lambda c: (long_table(c),), {0, 1}),
    "CROSS_SECTION_FIT": (cross_section, {0, 1}),
    "CROSS_SECTION_PURE_PORTFOLIOS": (cross_section, {-1, 0}),
    "CROSS_SECTION_RESIDUALS": (cross_section, {1}),
    "CROSS_SECTION_WEIGHTS": (lambda c: (cells(CAPS * c),), {0}),
    "EXPECTED_PNL": (lambda c: (1e6, cells(Y[:, 0] * c), cells(X * c)), {1}),
    "EXPOSURE_MATRIX": (lambda c: (INDUSTRIES, cells(DESCRIPTORS * c), cells(CAPS * c)), {0}),
    "EXPOSURE_STANDARDIZE": (lambda c: (cells(DESCRIPTORS * c), cells(CAPS * c)), {0}),
    "FACTOR_ALPHA": (lambda c: (cells(Y[:, 0] * c), cells(X * c), 12), {1}),
    "FACTOR_BETA": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {0}),
    "FACTOR_COV": (lambda c: (cells(Y * c), cells(X * c)), {2}),
    "FACTOR_COV_PARAMS": (lambda c: (cells(Y * c), cells(X * c)), {0}),
    "FACTOR_LINEST": (lambda c: (cells(Y[:, 0] * c), cells(X * c), True, True), {0, 1, 2}),
    "FACTOR_REGRESS": (lambda c: (cells(Y[:, 0] * c), cells(X * c), "hac"), {0, 1}),
    "FACTOR_RESIDUALS": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {1}),
    "FACTOR_ROLLING_BETA": (lambda c: (cells(Y[:, 0] * c), cells(X * c), 20, None, None, None, True), {0, 1}),
    "FACTOR_SHARES": (lambda c: (cells(Y * c), cells(X * c)), {0, 2}),
    "FACTOR_TRACKING": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {1}),
    "FACTOR_VAR_DECOMP": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {0, 2}),
    "FM_PREMIA": (lambda c: (cells(PANEL * c), cells(X * c)), {0, 1}),
    "FM_PREMIA_SERIES": (lambda c: (cells(PANEL * c), cells(X * c)), {1}),
    "FUND_TABLE": (lambda c: (cells(Y * c), cells(X * c), 12), {0, 1}),
    "HEDGE_CASH_EFFECT": (lambda c: (1.2, cells(np.abs(Y[:, 0]) * c)), {1}),
    "HEDGE_FUTURES": (lambda c: (cells(EXPOSURES[0]), 0.05 * c, cells(INSTRUMENTS), cells(COVARIANCE * c * c), [1, 2, 3]), {0, 1}),
    "HEDGE_FUTURES_MIN_VAR": (lambda c: (cells(EXPOSURES[0]), 0.05 * c, cells(INSTRUMENTS[:, :1]), cells(COVARIANCE * c * c)), {0, 1}),
    "HEDGE_RATIO": (lambda c: (cells(Y[:, 0] * c), cells(X * c), 0.2), {0}),
    "HEDGE_RETURNS": (lambda c: (cells(Y[:, 0] * c), cells(X * c)), {1}),
    "HEDGE_RETURNS_CUMULATIVE": (lambda c: (cells(Y * c), cells(X * c)), {1}),
    "OPTIMIZE_MIN_TE": (lambda c: (cells(EXPOSURES), cells(COVARIANCE * c * c), cells(SPECIFIC * c), [[None] * 5 + [0.0]], cells(BENCHMARK), 0), {0}),
    "PORTFOLIO_BETA": (lambda c: ([1 / FUNDS] * FUNDS, cells(Y * c), cells(X * c)), {0}),
    "PORTFOLIO_EXPOSURE": (lambda c: (cells(HOLDINGS), cells(Y * c), cells(X * c)), {0}),
    "PORTFOLIO_EXPOSURE_GAP": (lambda c: (cells(HOLDINGS), cells(Y * c), cells(X * c)), {0, 1}),
    "PORTFOLIO_TURNOVER": (lambda c: (cells(BENCHMARK * c), cells(WEIGHTS * c)), {1}),
    "RISK_ASSET_COV": (lambda c: (cells(EXPOSURES), cells(COVARIANCE * c * c), cells(SPECIFIC * c)), {2}),
    "RISK_BLOCKS": (lambda c: (cells(WEIGHTS - BENCHMARK), cells(EXPOSURES), cells(COVARIANCE * c * c), cells(SPECIFIC * c)), {0, 2}),
    "RISK_CONTRIBUTIONS": (lambda c: (cells(WEIGHTS - BENCHMARK), cells(EXPOSURES), cells(COVARIANCE * c * c), cells(SPECIFIC * c)), {0, 1}),
    "RISK_DECOMPOSITION": (lambda c: (cells(WEIGHTS - BENCHMARK), cells(EXPOSURES), cells(COVARIANCE * c * c), cells(SPECIFIC * c)), {0, 1, 2}),
    "RISK_EIGENVALUES": (lambda c: (cells(COVARIANCE * c * c),), {2}),
    "RISK_EXPOSURE": (lambda c: (cells(WEIGHTS - BENCHMARK), cells(EXPOSURES * c)), {1}),
    "RISK_FACTOR_COV": (lambda c: (cells(VOLS * c), cells(COVARIANCE / np.outer(VOLS, VOLS))), {2}),
    "RISK_FACTOR_COV_HISTORY": (lambda c: (cells(X * c), "ewma", 20), {2}),
    "RISK_STRESS": (lambda c: (cells(EXPOSURES[:2].T), cells(COVARIANCE * c * c), 2, -2), {1}),
    "SHARPE_RATIO": (lambda c: (cells(Y * c),), {0}),
    "VOL_BUDGET_SIZE": (lambda c: (1e6, cells(Y[:, 0] * c), 21, cells(X * c)), {-1}),
}
WITHOUT_NUMBERS = {"FF_DATA", "FF_FACTORS", "FACTORXL_VERSION"}  # the data library or factorxl itself, no numbers of the sheet's
OWN_TEST = {"FACTOR_SUMMARY"}  # its log-likelihood shifts with the scale: test_factor_summary_is_the_same_at_every_scale
STEP = 6  # scales tried: every STEP-th power of ten inside the rule, and both ends
PERCENT_SCALES = range(1, 6)  # decimals scaled by 10 to 1e5 may be refused as percent
PERCENT_REFUSAL = r"looks? like percent"


def numbers(value) -> np.ndarray:
    """Every number among the arguments (text, dates and empty cells left out)."""
    if isinstance(value, (list, tuple)):
        return np.concatenate([numbers(item) for item in value]) if value else np.zeros(0)
    plain = isinstance(value, (int, float)) and not isinstance(value, bool)
    return np.array([value], dtype=float) if plain else np.zeros(0)


def inside_the_rule(arguments: tuple) -> bool:
    sizes = np.abs(numbers(arguments))
    return bool(((sizes == 0) | ((sizes >= 1e-50) & (sizes <= 1e50))).all())


def allowed_scales(build: Callable[[float], tuple]) -> list[int]:
    """The powers s whose scaled arguments keep every number inside the input rule: a run of whole
    numbers around 0, its ends found by bisection."""
    ends = []
    for direction in (-1, 1):
        inside, outside = 0, 200  # in steps of ``direction``
        while outside - inside > 1:
            middle = (inside + outside) // 2
            inside, outside = (middle, outside) if inside_the_rule(build(10.0 ** (direction * middle))) else (inside, middle)
        ends.append(direction * inside)
    return list(range(ends[0], ends[1] + 1))


def flat(result) -> list:
    return [cell for item in result for cell in flat(item)] if isinstance(result, list) else [result]


def degree(small, large) -> int | None:
    """The whole number d with large = small * 10^d, or None."""
    if isinstance(small, float) and isinstance(large, float) and small != 0 and large != 0:
        exponent = math.log10(abs(large / small))
        if abs(exponent - round(exponent)) < 1e-7 and (large > 0) == (small > 0):
            return round(exponent)
    return None


def check_scaled(name: str, s: int, base: list, degrees: list, got: list) -> None:
    assert len(got) == len(base), f"{name} at 10^{s}: {len(got)} cells instead of {len(base)}"
    numeric = np.array([isinstance(b, float) for b in base])
    for position in np.flatnonzero(~numeric):
        assert got[position] == base[position], f"{name} at 10^{s}, cell {position}: {got[position]!r} for {base[position]!r}"
    kinds = [type(g) for g, n in zip(got, numeric, strict=True) if n]
    assert set(kinds) <= {float}, f"{name} at 10^{s}: cells of {set(kinds)} where numbers were"
    values = np.array([g for g, n in zip(got, numeric, strict=True) if n])
    unscaled = np.array([b for b, n in zip(base, numeric, strict=True) if n])
    powers = np.array([np.nan if d is None else d for d, n in zip(degrees, numeric, strict=True) if n])
    clean = ~np.isnan(powers)
    expected = unscaled[clean] * 10.0 ** (s * powers[clean])
    off = ~(np.abs(values[clean] - expected) <= 1e-9 * np.abs(expected))
    assert not off.any(), f"{name} at 10^{s}: {values[clean][off][:3]} for {expected[off][:3]}"
    # cells zero but for rounding stay rounding next to the cells of some degree
    largest = [np.abs(expected[powers[clean] == d]).max() for d in np.unique(powers[clean])]
    assert (np.abs(values[~clean]) <= 1e-9 * max(largest)).all() and np.isfinite(values).all(), f"{name} at 10^{s}: {values[~clean]}"


def test_every_function_with_numbers_is_swept():
    assert set(CASES) | WITHOUT_NUMBERS | OWN_TEST == set(udfs.__all__)


@pytest.mark.parametrize("name", sorted(CASES))
def test_data_scaled_by_any_power_of_ten_in_the_rule_give_the_scaled_result(name):
    build, allowed_degrees = CASES[name]
    function = getattr(udfs, name)
    base, down, further = (flat(function(*build(c))) for c in (1.0, 0.1, 0.01))
    rounding = 1e-13 * max(abs(b) for b in base if isinstance(b, float))
    degrees = [
        degree(d, b) if degree(d, b) == degree(f, d) and isinstance(b, float) and abs(b) > rounding else None
        for b, d, f in zip(base, down, further, strict=True)
    ]
    assert {d for d in degrees if d is not None} <= allowed_degrees
    assert sum(d is not None for d in degrees) >= sum(isinstance(b, float) and b != 0 for b in base) / 2
    scales = allowed_scales(build)
    assert scales == list(range(scales[0], scales[-1] + 1)) and scales[0] < -20 and scales[-1] > 20
    for s in sorted({*scales[::STEP], scales[-1]}):
        try:
            got = flat(function(*build(10.0**s)))
        except FactorxlError as refusal:
            assert s in PERCENT_SCALES and re.search(PERCENT_REFUSAL, str(refusal)), f"{name} at 10^{s}: {refusal}"
            continue
        check_scaled(name, s, base, degrees, got)
    for s in (scales[0] - 1, scales[-1] + 1):
        with pytest.raises(FactorxlError, match="too (small|large) a number.*numbers must be finite and 0 or from 1e-50 to 1e50 in size"):
            function(*build(10.0**s))


SUMMARY_SAME = (
    "R-squared", "Adj. R-squared", "F-statistic", "Prob (F-statistic)", "No. Observations", "Df Residuals", "Df Model",
    "Covariance Type", "Omnibus", "Prob(Omnibus)", "Skew", "Kurtosis", "Durbin-Watson", "Jarque-Bera (JB)", "Prob(JB)",
)


def summary_cells(returns: np.ndarray, factors: np.ndarray, cov_type: str) -> dict:
    return {row[0]: row[1] for row in udfs.FACTOR_SUMMARY(cells(returns), cells(factors), cov_type)[1:]}


@pytest.mark.parametrize("cov_type", ["classical", "hac"])
def test_factor_summary_is_the_same_at_every_scale(cov_type):
    """Every statistic the same to 1e-10 (relative), for every power of ten the rule allows. "The same"
    for the log-likelihood is ``llf(10^s) + n s log(10) = llf(1)`` (the Gaussian likelihood of returns in
    units 10^s times smaller), for AIC and BIC the same shift times -2; the condition number is that
    of the scaled design ``[1, X 10^s]``, as statsmodels defines it, here from NumPy."""
    y, x = Y[:, 0], X
    base = summary_cells(y, x, cov_type)
    build = CASES["FACTOR_BETA"][0]
    shift = PERIODS * math.log(10.0)
    for s in allowed_scales(build):
        got = summary_cells(y * 10.0**s, x * 10.0**s, cov_type)
        assert got["Covariance Type"] == base["Covariance Type"]
        for label in SUMMARY_SAME:
            if label != "Covariance Type":
                assert got[label] == pytest.approx(base[label], rel=1e-10), (s, label)
        assert got["Log-Likelihood"] + s * shift == pytest.approx(base["Log-Likelihood"], rel=1e-10, abs=1e-10 * abs(s) * shift), s
        for label in ("AIC", "BIC"):
            assert got[label] - 2 * s * shift == pytest.approx(base[label], rel=1e-10, abs=1e-10 * abs(s) * shift), (s, label)
        design = np.column_stack([np.ones(PERIODS), x * 10.0**s])
        assert got["Cond. No."] == pytest.approx(np.linalg.cond(design), rel=1e-10), s


def test_factor_summary_of_data_scaled_by_1e_minus_78_is_refused_by_the_rule_and_right_in_the_core():
    y, x = Y[:, 0], X
    with pytest.raises(FactorxlError, match="too small a number"):
        udfs.FACTOR_SUMMARY(cells(y * 1e-78), cells(x * 1e-78))
    reference = sm.OLS(y, sm.add_constant(x)).fit()
    jb, jb_p, skew, kurtosis = jarque_bera(reference.resid)
    omnibus, omnibus_p = omni_normtest(reference.resid)
    for scale in (1e-150, 1e-102, 1e-78, 1e78, 1e79, 1e120):
        stats = summarize(ols(y * scale, x * scale)[0], x * scale)
        got = [stats.jarque_bera, stats.jarque_bera_pvalue, stats.skew, stats.kurtosis, stats.omnibus, stats.omnibus_pvalue]
        assert got == pytest.approx([jb, jb_p, skew, kurtosis, omnibus, omnibus_p], rel=1e-9), scale
        assert stats.durbin_watson == pytest.approx(durbin_watson(reference.resid), rel=1e-10)
        assert stats.llf + PERIODS * math.log(scale) == pytest.approx(reference.llf, rel=1e-10)


HUGE = [9e153, -9e153, 9e153, -9e153, 9e153]


@pytest.mark.parametrize(
    "call",
    [
        lambda: udfs.SHARPE_RATIO(HUGE),
        lambda: udfs.VOL_BUDGET_SIZE(1e6, HUGE),
        lambda: udfs.FACTOR_SUMMARY(HUGE, [0.01, 0.02, -0.01, 0.03, 0.0]),
        lambda: udfs.FACTOR_RESIDUALS(HUGE, [0.01, 0.02, -0.01, 0.03, 0.0]),
        lambda: udfs.EXPOSURE_STANDARDIZE([[9e153, 1.0], [-9e153, 2.0], [9e153, 0.5]], [1.0, 2.0, 3.0]),
        lambda: udfs.SHARPE_RATIO([v * 1e-157 for v in (0.012, -0.004, 0.021, 0.003, -0.011, 0.008)]),
        lambda: udfs.CROSS_SECTION_FIT(*cross_section(1e-157)[:3]),
    ],
    ids=["sharpe", "vol budget", "summary", "residuals", "standardize", "sharpe tiny", "cross section tiny"],
)
def test_numbers_whose_squares_overflow_or_underflow_are_refused_by_name(call):
    """Sums of squares of these overflow (or underflow): once an exact fit, zeros or a wrong ratio."""
    with pytest.raises(FactorxlError, match=r"has -?[0-9.]+e[-+][0-9]+, too (large|small) a number.*from 1e-50 to 1e50 in size"):
        call()


def test_the_core_refuses_sums_of_squares_that_overflow_instead_of_an_exact_fit():
    with pytest.raises(FactorxlError, match="y1 are too large: their sums of squares overflow"):
        ols(np.array(HUGE), np.array([0.01, 0.02, -0.01, 0.03, 0.0]))
    with pytest.raises(FactorxlError, match="y1: the factors are too small to square"):
        ols(Y[:, 0] * 1e-160, X * 1e-160)


def test_the_core_cross_section_refuses_exposures_too_small_to_square_instead_of_crashing():
    returns, exposures, caps, industries = cross_section(1.0)
    with pytest.raises(FactorxlError, match="too small to square"):
        cross_section_regression(np.array(returns), np.array(exposures) * 1e-157, np.array(caps), [j - 1 for j in industries])
