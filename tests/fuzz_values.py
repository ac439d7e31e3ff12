"""Raw worksheet arguments for the fuzz test: valid, degenerate and malformed values, as xlwings passes them.

Two kinds of cases, drawn from one seeded NumPy generator (a case is reproduced by its seed and index):

* crash cases (:func:`arguments`): one scenario (periods T, assets N, factors K, stocks S,
  instruments M) and an argument for every parameter of a worksheet function, chosen by the
  parameter's name so that the arguments usually fit together. Then, often, one argument is made
  degenerate (a zero, constant or duplicated column, an exact fit, no variation) or malformed (a
  non-finite or absurd cell, text, a logical, a date, a wrong shape);
* clean cases (:func:`clean_arguments`): ordinary decimal returns (moves of about 1 % a period),
  no degenerate or malformed cell, no header, the required arguments only. The properties of
  :mod:`tests.test_fuzz` start from a clean case the function computes, change it one way (a
  header, the rows reversed, a scale, numbers as text, a slip the conventions refuse) and say
  what must come back.

Ranges are made as :class:`Grid` (rows of cells, so a row and a column stay apart) and handed
over as xlwings hands them (:meth:`Grid.raw`: a scalar, a flat list, or rows).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

NASTY_CELLS: tuple[Any, ...] = (
    float("inf"), float("-inf"), float("nan"), "inf", "-inf", "nan", "Infinity", "-infinity", "1e400",
    1e300, -1e300, 2e50, -1.5e50, 1e50, -1e-50, 3e-51, -1e-60, 1e-320, 5e-324, 1e20, -1e20, 2**63, 10**400 // 10**300,
    0.0, -0.0, 0, -1, 1, "abc", "1,5", "", " ", "#N/A", "#DIV/0!", None, True, False,
    datetime.datetime(2020, 1, 31), datetime.date(1999, 12, 31), "10107", "01/02/2024",
)
CHOICES = (
    "classical", "HAC", "hc0", "hc1", "hc2", "hc3", "fm", "nw", "shanken", "sample", "ewma", "factor",
    "isolated", "euler", "sum", "compound", "drop", "skip", "constrained", "wls", "ols", "carino",
    "menchero", "arithmetic", "total", "alpha", "capm", "ff3", "FF5", "ff6", "daily", "monthly",
)
LOGICALS = (True, False, 1, 0, 1.0, "TRUE", "false", None)

NUMBERS, TEXT, LONG = "numbers", "text", "long"


@dataclass(frozen=True)
class Grid:
    """A range as the sheet holds it: rows of cells; ``kind`` says what the cells are (numbers, text
    labels, or a long table of date, id and numbers)."""

    rows: tuple[tuple[Any, ...], ...]
    kind: str = NUMBERS

    @classmethod
    def of(cls, rows: Any, kind: str = NUMBERS) -> Grid:
        return cls(tuple(tuple(row) for row in rows), kind)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])

    def raw(self) -> Any:
        """The range as xlwings passes it: one cell a scalar, one row or one column a flat list, else rows."""
        return shape_as_xlwings([list(row) for row in self.rows])


def raw(value: Any) -> Any:
    """An argument as a worksheet function receives it."""
    return value.raw() if isinstance(value, Grid) else value


@dataclass(frozen=True)
class Scenario:
    periods: int
    assets: int
    factors: int
    stocks: int
    instruments: int
    headers: bool
    clean: bool = False


def pick(rng: np.random.Generator, options: Any) -> Any:
    """One of ``options``, kept as the Python object it is (numbers, text, lists)."""
    return options[int(rng.integers(len(options)))]


def _numbers(rng: np.random.Generator, s: Scenario, rows: int, columns: int) -> np.ndarray:
    """Returns-like numbers; in a crash case now and then on a far-off mean or scale."""
    if s.clean:
        return rng.standard_normal((rows, columns)) * 0.01
    scale = pick(rng, [0.01, 0.01, 1.0, 1e-6, 1e3])
    values = rng.standard_normal((rows, columns)) * scale
    if rng.random() < 0.1:
        values += pick(rng, [1e5, -1e3, 1.0]) * scale
    return values


def _degenerate(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """A column made zero, constant, a copy of another, or tiny; half a column zero; or every number
    scaled to the edges of the number rule (0 or 1e-50 to 1e50 in size), some of them beyond."""
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
        values[:, j] *= 1e-45
    elif kind == 4 and rows > 2:
        start = rng.integers(rows - 1)
        values[start : start + max(2, rows // 2), j] = 0.0
    else:
        values *= pick(rng, [1e50, 1e-50])
    return values


def _block(rng: np.random.Generator, s: Scenario, rows: int, columns: int, header: str | None = None) -> Grid:
    """A numeric block, maybe degenerate, with missing cells or (``header``: its label prefix) a header row."""
    values = _numbers(rng, s, rows, columns)
    if not s.clean and rng.random() < 0.15:
        values = _degenerate(rng, values)
    grid: list[list[Any]] = values.tolist()
    if not s.clean and rng.random() < 0.1:
        for _ in range(rng.integers(1, 4)):
            grid[rng.integers(rows)][rng.integers(columns)] = pick(rng, [None, "", "#N/A"])
    if header is not None and s.headers:
        grid.insert(0, [f"{header}{j + 1}" for j in range(columns)])
    return Grid.of(grid)


def shape_as_xlwings(grid: list[list[Any]]) -> Any:
    """One cell is a scalar, one row or one column a flat list, else a list of rows."""
    if len(grid) == 1 and len(grid[0]) == 1:
        return grid[0][0]
    if len(grid) == 1:
        return list(grid[0])
    if len(grid[0]) == 1:
        return [row[0] for row in grid]
    return grid


def _covariance(rng: np.random.Generator, s: Scenario, size: int) -> Grid:
    root = rng.standard_normal((size, size)) * 0.02
    matrix = root @ root.T + np.eye(size) * 1e-4
    if not s.clean and rng.random() < 0.1:
        matrix = _degenerate(rng, matrix)
    grid = matrix.tolist()
    if not s.clean and rng.random() < 0.5:
        grid.insert(0, [f"f{j + 1}" for j in range(size)])
    return Grid.of(grid)


def _correlation(rng: np.random.Generator, size: int) -> Grid:
    root = rng.standard_normal((size, size + 2))
    covariance = root @ root.T
    d = np.sqrt(np.diag(covariance))
    return Grid.of((covariance / np.outer(d, d)).tolist())


def _long_table(rng: np.random.Generator, s: Scenario, columns: int) -> Grid:
    """date, id, numbers: one row per (date, id); dates as date cells (or their ISO text in a crash case)."""
    dates = [datetime.datetime(2020, 1, 31) + datetime.timedelta(days=30 * t) for t in range(max(2, s.periods // 3))]
    ids = [f"s{i}" for i in range(max(2, s.stocks))]
    rows: list[list[Any]] = []
    for date in dates:
        for identifier in ids:
            shown = date if s.clean or rng.random() >= 0.2 else pick(rng, [date, date.date().isoformat()])
            rows.append([shown, identifier, *(_numbers(rng, s, 1, columns)[0].tolist())])
    if not s.clean and rng.random() < 0.15:
        values = _degenerate(rng, np.array([r[2:] for r in rows], dtype=float))
        rows = [r[:2] + list(v) for r, v in zip(rows, values.tolist(), strict=True)]
    if not s.clean and rng.random() < 0.5:
        rows.insert(0, ["date", "id", *[f"c{j + 1}" for j in range(columns)]])
    return Grid.of(rows, LONG)


def _column(rng: np.random.Generator, s: Scenario, length: int, positive: bool = False) -> Grid:
    values = np.abs(_numbers(rng, s, length, 1)) + 0.001 if positive else _numbers(rng, s, length, 1)
    return Grid.of(values.tolist())


def _row(rng: np.random.Generator, s: Scenario, length: int, positive: bool = False) -> Grid:
    values = np.abs(_numbers(rng, s, 1, length)) + 0.001 if positive else _numbers(rng, s, 1, length)
    return Grid.of(values.tolist())


def _vols(rng: np.random.Generator, s: Scenario, rows: int, columns: int) -> Grid:
    """Volatilities: in a clean case 5 % to 40 % a period, as a risk model has them (so that typed in
    percent they are 5 to 40); in a crash case positive returns-like numbers."""
    if s.clean:
        return Grid.of(rng.uniform(0.05, 0.4, (rows, columns)).tolist())
    return Grid.of((np.abs(_numbers(rng, s, rows, columns)) + 0.001).tolist())


def _stock_returns(rng: np.random.Generator, s: Scenario) -> Grid:
    """One period's returns of the stocks: in a clean case spread as a month's are (10 %), so that
    typed in percent even a handful of them move more than 100 % (the percent rule); in a crash case
    returns-like numbers."""
    if s.clean:
        return Grid.of((rng.standard_normal((s.stocks, 1)) * 0.1).tolist())
    return _column(rng, s, s.stocks)


def _industry_exposures(rng: np.random.Generator, s: Scenario) -> Grid:
    """Exposures of a cross-sectional regression: two industries' 0/1 columns (every stock in one),
    then the styles; in a crash case, as often plain numbers."""
    if not s.clean and rng.random() < 0.5:
        return _block(rng, s, s.stocks, s.factors, "f")
    industry = np.arange(s.stocks) % 2
    styles = _numbers(rng, s, s.stocks, s.factors) * 100  # z-scores, about 1
    return Grid.of(np.column_stack([industry == 0, industry == 1, styles]).astype(float).tolist())


def _labels(rng: np.random.Generator, options: list[str], count: int) -> Grid:
    """A column of text labels."""
    return Grid.of([[pick(rng, options)] for _ in range(count)], TEXT)


def _positions(rng: np.random.Generator, s: Scenario, count: int) -> Any:
    """Columns chosen by number or (in a crash case, now and then) by their generated labels."""
    chosen = sorted(rng.choice(np.arange(1, count + 1), size=rng.integers(1, count + 1), replace=False).tolist())
    if not s.clean and rng.random() < 0.3:
        return [f"f{j}" for j in chosen]
    return chosen[0] if len(chosen) == 1 else chosen


def _whole(rng: np.random.Generator, low: int, high: int) -> Any:
    return float(rng.integers(low, high + 1))


def _date(rng: np.random.Generator) -> Any:
    return pick(rng, [datetime.datetime(2020, 1, 31), "2021-06-30", 43861.0, "1990-01-01", "2025-12-31"])


Maker = Callable[[np.random.Generator, Scenario], Any]

ARGUMENTS: dict[str, Maker] = {
    "returns": lambda rng, s: _block(rng, s, s.periods, s.assets, "y") if s.clean or rng.random() < 0.8 else _column(rng, s, s.stocks),
    "factors": lambda rng, s: _block(rng, s, s.periods, s.factors, "f"),
    "weights": lambda rng, s: pick(rng,
        [_row(rng, s, s.assets), _block(rng, s, s.periods, s.assets), _column(rng, s, s.stocks), _block(rng, s, s.stocks, 2)]
    ),
    "exposures": lambda rng, s: _block(rng, s, s.stocks, s.factors, "f") if s.clean or rng.random() < 0.8 else _row(rng, s, s.factors),
    "portfolio_exposures": lambda rng, s: _row(rng, s, s.factors),
    "instrument_exposures": lambda rng, s: _block(rng, s, s.factors, s.instruments, "h"),
    "factor_covariance": lambda rng, s: _covariance(rng, s, s.factors),
    "matrix": lambda rng, s: _covariance(rng, s, s.factors),
    "correlation": lambda rng, s: _correlation(rng, s.factors),
    "factor_vols": lambda rng, s: _vols(rng, s, 1, s.factors),
    "specific_vols": lambda rng, s: _vols(rng, s, s.stocks, 1),
    "portfolio_specific_vol": lambda rng, s: _vols(rng, s, 1 if s.clean else pick(rng, [1, s.instruments]), 1),
    "caps": lambda rng, s: _column(rng, s, s.stocks, positive=True),
    "descriptors": lambda rng, s: _block(rng, s, s.stocks, s.factors, "d"),
    "industries": lambda rng, s: _labels(rng, ["Tech", "Fin", "Cons"], s.stocks),
    "industry_names": lambda rng, s: Grid.of([["Tech"], ["Fin"], ["Cons"]][: rng.integers(1, 4)], TEXT),
    "industry_columns": lambda rng, s: _positions(rng, s, s.factors),
    "hedge_factors": lambda rng, s: _positions(rng, s, s.factors),
    "sigmas": lambda rng, s: float(rng.normal() * 2),
    "factor_targets": lambda rng, s: _row(rng, s, s.factors),
    "benchmark_weights": lambda rng, s: _column(rng, s, s.stocks, positive=True),
    "current_weights": lambda rng, s: _column(rng, s, s.stocks),
    "new_weights": lambda rng, s: _column(rng, s, s.stocks),
    "lower": lambda rng, s: pick(rng, [-1.0, 0.0, _column(rng, s, s.stocks)]),
    "upper": lambda rng, s: pick(rng, [1.0, 0.5, _column(rng, s, s.stocks, positive=True)]),
    "specific_returns": lambda rng, s: _block(rng, s, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s, s.stocks),
    "portfolio_returns": lambda rng, s: _block(rng, s, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s, s.stocks),
    "benchmark_returns": lambda rng, s: _block(rng, s, s.periods, s.stocks) if rng.random() < 0.5 else _column(rng, s, s.stocks),
    "blocks": lambda rng, s: _labels(rng, ["Market", "Industries", "Styles"], s.factors),
    "budget": lambda rng, s: float(pick(rng, [1e6, 1000.0, -5.0])),
    "position": lambda rng, s: float(pick(rng, [1e6, -2e5])),
    "beta": lambda rng, s: _column(rng, s, pick(rng, [1, 3])),
    "rf": lambda rng, s: _column(rng, s, s.periods if s.clean else pick(rng, [1, 3])),
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
PORTFOLIO_FUNCTIONS = ("PORTFOLIO_EXPOSURE", "PORTFOLIO_EXPOSURE_GAP", "PORTFOLIO_BETA")
# Where a parameter's meaning depends on the function: (function, parameter) -> maker.
SPECIFIC: dict[tuple[str, str], Maker] = {
    **{
        (name, "stock_returns"): _stock_returns
        for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")
    },
    **{
        (name, "exposures"): _industry_exposures
        for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")
    },
    **{
        (name, "returns"): lambda rng, s: _block(rng, s, s.periods, 1, "y")
        for name in (
            "FACTOR_ROLLING_BETA", "FACTOR_REGRESS", "FACTOR_SUMMARY", "FACTOR_LINEST", "VOL_BUDGET_SIZE", "EXPECTED_PNL",
            "FACTOR_VAR_DECOMP",
        )
    },
    ("RISK_STRESS", "shock_factor"): lambda rng, s: float(rng.integers(1, s.factors + 1)),
    ("RISK_STRESS", "portfolio_exposures"): lambda rng, s: _block(rng, s, s.factors, s.assets, "p"),
    ("ATTRIBUTION", "active_exposures"): lambda rng, s: _row(rng, s, s.factors) if rng.random() < 0.5 else _block(rng, s, s.periods, s.factors),
    **{
        ("ATTRIBUTION", name): lambda rng, s: _column(rng, s, s.periods)
        for name in ("specific_returns", "portfolio_returns", "benchmark_returns")
    },
    **{
        (name, "weights"): lambda rng, s: _column(rng, s, s.stocks) if rng.random() < 0.7 else _block(rng, s, s.stocks, 2)
        for name in ("RISK_EXPOSURE", "RISK_DECOMPOSITION", "RISK_CONTRIBUTIONS", "RISK_BLOCKS")
    },
    **{
        (name, "weights"): lambda rng, s: _row(rng, s, s.assets) if rng.random() < 0.5 else _block(rng, s, s.periods, s.assets)
        for name in PORTFOLIO_FUNCTIONS
    },
    ("HEDGE_CASH_EFFECT", "beta"): lambda rng, s: float(rng.normal()),
    ("FF_FACTORS", "model"): lambda rng, s: pick(rng, ["capm", "FF3", "ff5", "ff6", "ff4"]),
    ("FF_FACTORS", "frequency"): lambda rng, s: pick(rng, ["daily", "monthly", "Monthly", "weekly"]),
    ("FF_DATA", "dataset"): lambda rng, s: pick(rng, ["25_Portfolios_5x5", "10_Industry_Portfolios", "F-F_Momentum_Factor", "No_Such_Dataset", "../x"]),
    ("FF_DATA", "table_title"): lambda rng, s: pick(rng, ["vw", "EW", "firms", "size", 1.0, 7.0, 99.0, "Average Market Cap", "BE/ME", "nope", None]),
    ("FF_DATA", "frequency"): lambda rng, s: pick(rng, ["monthly", "annual", "daily", "weekly", None]),
    ("SHARPE_RATIO", "returns"): lambda rng, s: _block(rng, s, max(s.periods, 3), s.assets, "y"),
}
CHOICE_ARGUMENTS = frozenset({"cov_type", "method", "missing", "model", "frequency"})
LOGICAL_ARGUMENTS = frozenset({"expanding", "include_alpha", "intercept", "standardize", "standardize_styles", "stats", "describe"})

PERIODS, STOCKS = "periods", "stocks"
ROWS: dict[str, str] = {
    **dict.fromkeys(("returns", "factors", "rf", "active_exposures", "specific_returns", "portfolio_returns", "benchmark_returns"), PERIODS),
    **dict.fromkeys(
        ("exposures", "caps", "specific_vols", "stock_returns", "descriptors", "industries", "weights", "benchmark_weights",
         "current_weights", "new_weights", "lower", "upper"),
        STOCKS,
    ),
}
"""What the rows of each range argument are: periods (oldest first) or stocks; a function's other ranges
run over factors or instruments."""
ROWS_BY_FUNCTION = {(name, "weights"): PERIODS for name in PORTFOLIO_FUNCTIONS}

ORDER_DEPENDENT = frozenset({"FACTOR_ROLLING_BETA", "HEDGE_RETURNS_CUMULATIVE", "FACTOR_SUMMARY", "PORTFOLIO_EXPOSURE_GAP"})
"""Functions whose numbers depend on the order of the periods with their default options (rolling
windows, running sums, Durbin-Watson, the last row of weights); with the "hac" option so do the
regression tables and FM_PREMIA, with "ewma" RISK_FACTOR_COV_HISTORY. Everything else gives the same
numbers, in the order of its rows, for the rows in any order: the fuzz test checks both."""


def rows_of(function: str, argument: str) -> str | None:
    """Whether ``argument`` of ``function`` runs over periods or stocks down its rows (None: neither)."""
    return ROWS_BY_FUNCTION.get((function, argument), ROWS.get(argument))


def scenario(rng: np.random.Generator) -> Scenario:
    return Scenario(
        periods=int(pick(rng, [1, 3, 6, 6, 12, 12, 30])),
        assets=int(pick(rng, [1, 1, 2, 3])),
        factors=int(pick(rng, [1, 2, 3])),
        stocks=int(pick(rng, [1, 2, 3, 5])),
        instruments=int(pick(rng, [1, 2])),
        headers=rng.random() < 0.3,
    )


def clean_scenario(rng: np.random.Generator) -> Scenario:
    """Sizes a function computes on: enough periods and stocks for every regression."""
    return Scenario(
        periods=int(pick(rng, [24, 36])),
        assets=int(pick(rng, [1, 2, 3])),
        factors=int(pick(rng, [1, 2, 3])),
        stocks=int(pick(rng, [6, 8])),
        instruments=int(pick(rng, [1, 2])),
        headers=False,
        clean=True,
    )


def argument(function: str, name: str, rng: np.random.Generator, s: Scenario) -> Any:
    """A fitting value for the parameter ``name`` of ``function`` (ranges as :class:`Grid`)."""
    if (function, name) in SPECIFIC:
        return SPECIFIC[function, name](rng, s)
    if name in CHOICE_ARGUMENTS:
        return pick(rng, CHOICES) if rng.random() < 0.9 else None
    if name in LOGICAL_ARGUMENTS:
        return LOGICALS[rng.integers(len(LOGICALS))]
    return ARGUMENTS[name](rng, s)


def malform(value: Any, rng: np.random.Generator) -> Any:
    """The raw value with one cell made nasty, or replaced by a nasty cell or another shape."""
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
    """Raw positional arguments for one crash case: every required one, then a random number of options."""
    s = scenario(rng)
    count = required + int(rng.integers(0, len(parameters) - required + 1))
    values = [raw(argument(function, name, rng, s)) if rng.random() > 0.03 else None for name in parameters[:count]]
    if count and rng.random() < 0.4:  # a function without arguments has none to malform
        j = int(rng.integers(count))
        values[j] = malform(values[j], rng)
    return values


def clean_arguments(function: str, parameters: list[str], required: int, rng: np.random.Generator) -> list[Any]:
    """The required arguments of one clean case, ranges as :class:`Grid` (see :func:`raw`)."""
    s = clean_scenario(rng)
    return [argument(function, name, rng, s) for name in parameters[:required]]


# ---------------------------------------------------------------------------
# Changing a range one way
# ---------------------------------------------------------------------------

HEADERS: dict[str, tuple[str, ...]] = {
    "names": ("MSFT", "AAPL", "Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"),
    "PERMNOs": ("10107", "14593", "93436", "22111", "84788", "13407", "90319", "11850"),
    "years": ("2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027"),
    "deciles": ("1", "2", "3", "4", "5", "6", "7", "8"),
    "case variants": ("Value", "VALUE", "value", "vAlue", "valuE", "VAlue", "VALue", "VALUe"),
}
"""Header rows a real sheet has: names, and text that spells numbers or repeats without case."""


def with_header(grid: Grid, labels: tuple[str, ...]) -> Grid:
    """The range under a header row (a long table's header names its date and id columns too)."""
    width = grid.width - 2 if grid.kind == LONG else grid.width
    header = (*(("date", "id") if grid.kind == LONG else ()), *(labels[j % len(labels)] for j in range(width)))
    return replace(grid, rows=(header, *grid.rows))


def reordered(grid: Grid, order: np.ndarray) -> Grid:
    """The rows in the order ``order`` gives (a permutation of the row numbers)."""
    return replace(grid, rows=tuple(grid.rows[i] for i in order.tolist()))


def numeric_columns(grid: Grid) -> range:
    """The columns holding numbers (a long table's after its date and id)."""
    return range(2 if grid.kind == LONG else 0, grid.width)


def scaled(grid: Grid, factor: float) -> Grid:
    """The numbers times ``factor`` (a long table's returns, its first numeric column)."""
    columns = range(2, 3) if grid.kind == LONG else numeric_columns(grid)
    return replace(grid, rows=tuple(tuple(c * factor if j in columns else c for j, c in enumerate(row)) for row in grid.rows))


def as_text(grid: Grid) -> Grid:
    """The numbers stored as text, as a sheet pasted from a text file holds them."""
    columns = numeric_columns(grid)
    return replace(grid, rows=tuple(tuple(repr(c) if j in columns and isinstance(c, float) else c for j, c in enumerate(row)) for row in grid.rows))


def with_first_column(grid: Grid, cells: list[Any]) -> Grid:
    """A column of ``cells`` put before the range's first column (a date column selected with the data)."""
    return replace(grid, rows=tuple((cell, *row) for cell, row in zip(cells, grid.rows, strict=True)))


def with_cell(grid: Grid, rng: np.random.Generator, cell: Any) -> Grid:
    """One numeric cell replaced by ``cell``: below the first row when there is one (a first row of
    text is a header), after the first cell of a single row (which arrives as a flat list, whose
    first cell of text is its label)."""
    i = int(rng.integers(1 if grid.height > 1 else 0, grid.height))
    columns = list(numeric_columns(grid))
    j = int(pick(rng, columns[1:] if grid.height == 1 else columns))
    rows = [list(row) for row in grid.rows]
    rows[i][j] = cell
    return Grid.of(rows, grid.kind)
