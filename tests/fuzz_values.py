"""Raw worksheet arguments for the fuzz test: valid, degenerate and malformed values, as xlwings passes them.

Each case draws one scenario (periods T, assets N, factors K, stocks S, instruments M) and an
argument for every parameter of a worksheet function, chosen by the parameter's name so that
the arguments usually fit together. Then, often, one argument is made degenerate (a zero,
constant or duplicated column, an exact fit, no variation) or malformed (a non-finite or
absurd cell, text, a logical, a date, a wrong shape). Everything is drawn from one seeded
NumPy generator, so a case is reproduced by its seed and index.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

NASTY_CELLS: tuple[Any, ...] = (
    float("inf"), float("-inf"), float("nan"), "inf", "-inf", "nan", "Infinity", "-infinity", "1e400",
    1e300, -1e300, 1e155, -2e154, 1e-320, 5e-324, 1e20, -1e20, 2**63, 10**400 // 10**300,
    0.0, -0.0, 0, -1, 1, "abc", "1,5", "", " ", "#N/A", "#DIV/0!", None, True, False,
    datetime.datetime(2020, 1, 31), datetime.date(1999, 12, 31),
)
CHOICES = (
    "classical", "HAC", "hc0", "hc1", "hc2", "hc3", "fm", "nw", "shanken", "sample", "ewma", "factor",
    "isolated", "euler", "sum", "compound", "drop", "skip", "constrained", "wls", "ols", "carino",
    "menchero", "arithmetic", "total", "alpha", "capm", "ff3", "FF5", "ff6", "daily", "monthly",
)
LOGICALS = (True, False, 1, 0, 1.0, "TRUE", "false", None)


@dataclass(frozen=True)
class Scenario:
    periods: int
    assets: int
    factors: int
    stocks: int
    instruments: int
    headers: bool


def pick(rng: np.random.Generator, options: Any) -> Any:
    """One of ``options``, kept as the Python object it is (numbers, text, lists)."""
    return options[int(rng.integers(len(options)))]


def _numbers(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    """Returns-like numbers, now and then on a far-off mean or scale."""
    scale = pick(rng, [0.01, 0.01, 1.0, 1e-6, 1e3])
    values = rng.standard_normal((rows, columns)) * scale
    if rng.random() < 0.1:
        values += pick(rng, [1e5, -1e3, 1.0]) * scale
    return values


def _degenerate(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """A column made zero, constant, a copy of another, or tiny; or an exact linear fit."""
    values = values.copy()
    rows, columns = values.shape
    j = rng.integers(columns)
    kind = rng.integers(6)
    if kind == 0:
        values[:, j] = 0.0
    elif kind == 1:
        values[:, j] = pick(rng, [0.01, 1e5, -3.0])
    elif kind == 2 and columns > 1:
        values[:, j] = values[:, (j + 1) % columns]
    elif kind == 3:
        values[:, j] *= 1e-300
    elif kind == 4 and rows > 2:
        start = rng.integers(rows - 1)
        values[start : start + max(2, rows // 2), j] = 0.0
    else:
        values *= pick(rng, [1e150, 1e-150])
    return values


def _block(rng: np.random.Generator, rows: int, columns: int, header: str | None = None, headers: bool = False) -> Any:
    """A numeric block as xlwings passes it: scalar, flat list or list of rows, maybe a header row."""
    values = _numbers(rng, rows, columns)
    if rng.random() < 0.15:
        values = _degenerate(rng, values)
    grid: list[list[Any]] = values.tolist()
    if rng.random() < 0.1:
        for _ in range(rng.integers(1, 4)):
            grid[rng.integers(rows)][rng.integers(columns)] = pick(rng, [None, "", "#N/A"])
    if header is not None and headers:
        grid.insert(0, [f"{header}{j + 1}" for j in range(columns)])
    return shape_as_xlwings(grid)


def shape_as_xlwings(grid: list[list[Any]]) -> Any:
    """One cell is a scalar, one row or one column a flat list, else a list of rows."""
    if len(grid) == 1 and len(grid[0]) == 1:
        return grid[0][0]
    if len(grid) == 1:
        return list(grid[0])
    if len(grid[0]) == 1:
        return [row[0] for row in grid]
    return grid


def _covariance(rng: np.random.Generator, size: int, header: bool = True) -> Any:
    root = rng.standard_normal((size, size)) * 0.02
    matrix = root @ root.T + np.eye(size) * 1e-4
    if rng.random() < 0.1:
        matrix = _degenerate(rng, matrix)
    grid = matrix.tolist()
    if header and rng.random() < 0.5:
        grid.insert(0, [f"f{j + 1}" for j in range(size)])
    return shape_as_xlwings(grid)


def _correlation(rng: np.random.Generator, size: int) -> Any:
    root = rng.standard_normal((size, size + 2))
    covariance = root @ root.T
    d = np.sqrt(np.diag(covariance))
    return shape_as_xlwings((covariance / np.outer(d, d)).tolist())


def _long_table(rng: np.random.Generator, s: Scenario, columns: int) -> Any:
    """date, id, numbers: one row per (date, id)."""
    dates = [datetime.datetime(2020, 1, 31) + datetime.timedelta(days=30 * t) for t in range(max(2, s.periods // 3))]
    ids = [f"s{i}" for i in range(max(2, s.stocks))]
    rows: list[list[Any]] = []
    for date in dates:
        for identifier in ids:
            rows.append([pick(rng, [date, date.date().isoformat()]) if rng.random() < 0.2 else date, identifier, *(_numbers(rng, 1, columns)[0].tolist())])
    if rng.random() < 0.15:
        values = _degenerate(rng, np.array([r[2:] for r in rows], dtype=float))
        rows = [r[:2] + list(v) for r, v in zip(rows, values.tolist(), strict=True)]
    if rng.random() < 0.5:
        rows.insert(0, ["date", "id", *[f"c{j + 1}" for j in range(columns)]])
    return rows


def _column(rng: np.random.Generator, length: int, positive: bool = False) -> Any:
    values = np.abs(_numbers(rng, length, 1)) + 0.001 if positive else _numbers(rng, length, 1)
    return shape_as_xlwings(values.tolist())


def _row(rng: np.random.Generator, length: int, positive: bool = False) -> Any:
    values = np.abs(_numbers(rng, 1, length)) + 0.001 if positive else _numbers(rng, 1, length)
    return shape_as_xlwings(values.tolist())


def _positions(rng: np.random.Generator, count: int) -> Any:
    chosen = sorted(rng.choice(np.arange(1, count + 1), size=rng.integers(1, count + 1), replace=False).tolist())
    if rng.random() < 0.3:
        return [f"f{j}" for j in chosen]
    return chosen[0] if len(chosen) == 1 else chosen


def _whole(rng: np.random.Generator, low: int, high: int) -> Any:
    return float(rng.integers(low, high + 1))


def _date(rng: np.random.Generator) -> Any:
    return pick(rng, [datetime.datetime(2020, 1, 31), "2021-06-30", 43861.0, "1990-01-01", "2025-12-31"])


Maker = Callable[[np.random.Generator, Scenario], Any]

ARGUMENTS: dict[str, Maker] = {
    "returns": lambda rng, s: _block(rng, s.periods, s.assets, "y", s.headers) if rng.random() < 0.8 else _column(rng, s.stocks),
    "factors": lambda rng, s: _block(rng, s.periods, s.factors, "f", s.headers),
    "weights": lambda rng, s: pick(rng,
        [_row(rng, s.assets), _block(rng, s.periods, s.assets), _column(rng, s.stocks), _block(rng, s.stocks, 2)]
    ),
    "exposures": lambda rng, s: _block(rng, s.stocks, s.factors, "f", s.headers) if rng.random() < 0.8 else _row(rng, s.factors),
    "portfolio_exposures": lambda rng, s: _row(rng, s.factors),
    "instrument_exposures": lambda rng, s: _block(rng, s.factors, s.instruments, "h", s.headers),
    "factor_covariance": lambda rng, s: _covariance(rng, s.factors),
    "matrix": lambda rng, s: _covariance(rng, s.factors),
    "correlation": lambda rng, s: _correlation(rng, s.factors),
    "factor_vols": lambda rng, s: _row(rng, s.factors, positive=True),
    "specific_vols": lambda rng, s: _column(rng, s.stocks, positive=True),
    "portfolio_specific_vol": lambda rng, s: _column(rng, pick(rng, [1, s.instruments]), positive=True),
    "caps": lambda rng, s: _column(rng, s.stocks, positive=True),
    "descriptors": lambda rng, s: _block(rng, s.stocks, s.factors, "d"),
    "industries": lambda rng, s: [pick(rng, ["Tech", "Fin", "Cons"]) for _ in range(s.stocks)],
    "industry_names": lambda rng, s: ["Tech", "Fin", "Cons"][: rng.integers(1, 4)],
    "industry_columns": lambda rng, s: _positions(rng, s.factors),
    "hedge_factors": lambda rng, s: _positions(rng, s.factors),
    "sigmas": lambda rng, s: float(rng.normal() * 2),
    "factor_targets": lambda rng, s: _row(rng, s.factors),
    "benchmark_weights": lambda rng, s: _column(rng, s.stocks, positive=True),
    "current_weights": lambda rng, s: _column(rng, s.stocks),
    "new_weights": lambda rng, s: _column(rng, s.stocks),
    "lower": lambda rng, s: pick(rng, [-1.0, 0.0, _column(rng, s.stocks)]),
    "upper": lambda rng, s: pick(rng, [1.0, 0.5, _column(rng, s.stocks, positive=True)]),
    "specific_returns": lambda rng, s: _block(rng, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s.stocks),
    "portfolio_returns": lambda rng, s: _block(rng, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s.stocks),
    "benchmark_returns": lambda rng, s: _block(rng, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s.stocks),
    "blocks": lambda rng, s: [pick(rng, ["Market", "Industries", "Styles"]) for _ in range(s.factors)],
    "budget": lambda rng, s: float(pick(rng, [1e6, 1000.0, -5.0])),
    "position": lambda rng, s: float(pick(rng, [1e6, -2e5])),
    "beta": lambda rng, s: _column(rng, pick(rng, [1, 3])),
    "rf": lambda rng, s: _column(rng, pick(rng, [1, 3])),
    "table": lambda rng, s: _long_table(rng, s, rng.integers(2, 5)),
    "holdings": lambda rng, s: _long_table(rng, s, 1),
    "on_date": lambda rng, s: _date(rng),
    "start_date": lambda rng, s: _date(rng),
    "end_date": lambda rng, s: _date(rng),
    "window": lambda rng, s: _whole(rng, 1, s.periods + 1),
    "min_obs": lambda rng, s: _whole(rng, 1, s.periods),
    "lags": lambda rng, s: _whole(rng, 0, 4),
    "ddof": lambda rng, s: _whole(rng, 0, 2),
    "periods_per_year": lambda rng, s: pick(rng, [12.0, 252.0, 52.0]),
    "horizon_periods": lambda rng, s: pick(rng, [1.0, 21.0]),
    "half_life": lambda rng, s: pick(rng, [6.0, 60.0, 1.0]),
    "target_factor_share": lambda rng, s: pick(rng, [0.0, 0.2, 0.99]),
    "weight_column": lambda rng, s: pick(rng, [None, "x1", 4.0, 9.0]),
}
# Where a parameter's meaning depends on the function: (function, parameter) -> maker.
SPECIFIC: dict[tuple[str, str], Maker] = {
    **{
        (name, "stock_returns"): lambda rng, s: _column(rng, s.stocks)
        for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")
    },
    **{
        (name, "exposures"): lambda rng, s: _block(rng, s.stocks, s.factors, "f", s.headers)
        for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")
    },
    **{
        (name, "returns"): lambda rng, s: _block(rng, s.periods, 1, "y", s.headers)
        for name in (
            "FACTOR_ROLLING_BETA", "FACTOR_REGRESS", "FACTOR_SUMMARY", "FACTOR_LINEST", "VOL_BUDGET_SIZE", "EXPECTED_PNL",
            "FACTOR_VAR_DECOMP",
        )
    },
    ("RISK_STRESS", "shock_factor"): lambda rng, s: float(rng.integers(1, s.factors + 1)),
    ("RISK_STRESS", "portfolio_exposures"): lambda rng, s: _block(rng, s.factors, s.assets, "p", s.headers),
    ("ATTRIBUTION", "active_exposures"): lambda rng, s: _row(rng, s.factors) if rng.random() < 0.5 else _block(rng, s.periods, s.factors),
    **{
        ("ATTRIBUTION", name): lambda rng, s: _column(rng, s.periods)
        for name in ("specific_returns", "portfolio_returns", "benchmark_returns")
    },
    **{
        (name, "weights"): lambda rng, s: _column(rng, s.stocks) if rng.random() < 0.7 else _block(rng, s.stocks, 2)
        for name in ("RISK_EXPOSURE", "RISK_DECOMPOSITION", "RISK_CONTRIBUTIONS", "RISK_BLOCKS")
    },
    **{
        (name, "weights"): lambda rng, s: _row(rng, s.assets) if rng.random() < 0.5 else _block(rng, s.periods, s.assets)
        for name in ("PORTFOLIO_EXPOSURE", "PORTFOLIO_EXPOSURE_GAP", "PORTFOLIO_BETA")
    },
    ("HEDGE_CASH_EFFECT", "beta"): lambda rng, s: float(rng.normal()),
    ("FF_FACTORS", "model"): lambda rng, s: pick(rng, ["capm", "FF3", "ff5", "ff6", "ff4"]),
    ("FF_FACTORS", "frequency"): lambda rng, s: pick(rng, ["daily", "monthly", "Monthly", "weekly"]),
    ("FF_DATA", "dataset"): lambda rng, s: pick(rng, ["25_Portfolios_5x5", "10_Industry_Portfolios", "F-F_Momentum_Factor", "No_Such_Dataset", "../x"]),
    ("FF_DATA", "table_title"): lambda rng, s: pick(rng, ["vw", "EW", "firms", "size", 1.0, 7.0, 99.0, "Average Market Cap", "BE/ME", "nope", None]),
    ("FF_DATA", "frequency"): lambda rng, s: pick(rng, ["monthly", "annual", "daily", "weekly", None]),
    ("SHARPE_RATIO", "returns"): lambda rng, s: _block(rng, max(s.periods, 3), s.assets, "y", s.headers),
}
CHOICE_ARGUMENTS = frozenset({"cov_type", "method", "missing", "model", "frequency"})
LOGICAL_ARGUMENTS = frozenset({"expanding", "include_alpha", "intercept", "standardize", "standardize_styles", "stats", "describe"})


def scenario(rng: np.random.Generator) -> Scenario:
    return Scenario(
        periods=int(pick(rng, [1, 3, 6, 6, 12, 12, 30])),
        assets=int(pick(rng, [1, 1, 2, 3])),
        factors=int(pick(rng, [1, 2, 3])),
        stocks=int(pick(rng, [1, 2, 3, 5])),
        instruments=int(pick(rng, [1, 2])),
        headers=rng.random() < 0.3,
    )


def argument(function: str, name: str, rng: np.random.Generator, s: Scenario) -> Any:
    """A fitting raw value for the parameter ``name`` of ``function``."""
    if (function, name) in SPECIFIC:
        return SPECIFIC[function, name](rng, s)
    if name in CHOICE_ARGUMENTS:
        return pick(rng, CHOICES) if rng.random() < 0.9 else None
    if name in LOGICAL_ARGUMENTS:
        return LOGICALS[rng.integers(len(LOGICALS))]
    return ARGUMENTS[name](rng, s)


def malform(value: Any, rng: np.random.Generator) -> Any:
    """The value with one cell made nasty, or replaced by a nasty cell or another shape."""
    nasty = NASTY_CELLS[rng.integers(len(NASTY_CELLS))]
    roll = rng.random()
    if isinstance(value, list) and value and roll < 0.6:
        value = [list(r) if isinstance(r, list) else r for r in value]
        i = rng.integers(len(value))
        if isinstance(value[i], list) and value[i]:
            value[i][rng.integers(len(value[i]))] = nasty
        else:
            value[i] = nasty
        return value
    if roll < 0.85:
        return nasty
    return pick(rng, [[], [[]], [[1.0, 2.0], [3.0]], [nasty, nasty], [[nasty]], "text", [[None, None], [None, None]]])


def arguments(function: str, parameters: list[str], required: int, rng: np.random.Generator) -> list[Any]:
    """Positional arguments for one call: every required one, then a random number of options."""
    s = scenario(rng)
    count = required + int(rng.integers(0, len(parameters) - required + 1))
    values = [argument(function, name, rng, s) if rng.random() > 0.03 else None for name in parameters[:count]]
    if rng.random() < 0.4:
        j = int(rng.integers(count))
        values[j] = malform(values[j], rng)
    return values
