"""The example formulas of the README and the docs, evaluated with factorxl's worksheet functions.

A page says what its example ranges hold in a comment the reader does not see rendered::

    <!-- example-data
    B2:B9779 = msft[MSFT]
    C1:H9779 = msft[Mkt-RF,SMB,HML,RMW,CMA,Mom] with header
    I1:K11 = minimodel.weights with header
    F2 = 1000000
    -->

A source is a dataset's columns (``name[col,...]``), a named block (``name.block``) or a Python
literal; ``with header`` puts the column (or block) names on the first row, as a header row in
a sheet; a range's size must match what its source holds. :func:`examples` finds every formula
``=NAME(...)`` of a factorxl function on a page, with the result the page shows after it
(``→ 1.1872``, a sentence ending in ``:`` over a table of the result's cells, or
``: #VALUE! (message)``); :func:`evaluate` calls the function with the values a sheet would hand
it. A shown result quotes numbers (each must be a cell at its quoted precision), ISO dates
(``2020-01-02``: a date cell, its text or its Excel date number), block sizes (``1,259 × 8``:
rows by columns of the whole spilled result) and texts in double quotes (``"0.1.0"``: a cell's text).
"""

from __future__ import annotations

import ast
import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_brk_arkk, load_msft
from factorxl.data.french import load_table
from factorxl.excel.declare import FUNCTIONS
from factorxl.workbooks.references import column_number
from tests.tolerance import printed_as

Cells = list[list[object]]
PAGES = ("README.md", "factorxl/docs/functions_single_factor.md", "factorxl/docs/functions_multi_factor.md",
         "factorxl/docs/functions_risk_model.md", "factorxl/docs/functions_data.md", "factorxl/docs/excel_setup.md", "factorxl/docs/workbooks.md",
         "factorxl/docs/naming.md", "factorxl/docs/commands.md", "factorxl/docs/data.md")
FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]


@dataclass(frozen=True)
class Example:
    page: str
    line: int
    formula: str
    shown: str  # the result the page shows ("" when it shows none)

    def __str__(self) -> str:
        return f"{self.page}:{self.line} {self.formula}"


# ---------------------------------------------------------------------------
# Finding the examples
# ---------------------------------------------------------------------------


def _nesting(text: str):
    """Each character of a formula with the bracket depth after it, outside quoted text (-1 inside)."""
    depth, quote = 0, False
    for char in text:
        if char == '"':
            quote = not quote
        elif not quote and char in "({":
            depth += 1
        elif not quote and char in ")}":
            depth -= 1
        yield char, -1 if quote else depth


def _call_end(text: str, start: int) -> int | None:
    """Index just past the ``)`` closing the call whose ``(`` is at ``start``."""
    for offset, (char, depth) in enumerate(_nesting(text[start:])):
        if depth == 0 and char == ")":
            return start + offset + 1
    return None


def examples(root: Path, page: str) -> list[Example]:
    text = (root / page).read_text()
    found = []
    for match in re.finditer(r"=([A-Z][A-Z0-9_]*)\(", text):
        if match[1] not in FUNCTIONS:
            continue
        end = _call_end(text, match.end() - 1)
        if end is None:
            continue
        formula = text[match.start() : end]
        if re.fullmatch(r"=\w+\(\s*(?:\.\.\.)?\s*\)", formula) and FUNCTIONS[match[1]].required:  # placeholder arguments
            continue
        after = text[end : end + 600]
        shown = ""
        arrow = re.match(r"`?\s*→\s*(.*?)(?:(?<!Cond)(?<!No)\.\s|\.$|\n\n|$)", after, re.S)  # "Cond. No." is a label
        error = re.match(r": (#[A-Z/0!?]+) \((.*)\)\s*$", after.split("\n", 1)[0])
        if arrow:
            shown = arrow[1]
            table = re.match(r"\n\n((?:\|.*\|\n)+)", after[arrow.end(1) :])
            if shown.endswith(":") and table:  # the result laid out as a table under the sentence
                shown += " " + " ".join(table[1].split("\n"))
        elif error:
            shown = f"{error[1]} {error[2]}"
        found.append(Example(page, text.count("\n", 0, match.start()) + 1, formula, shown))
    return found


def bindings(root: Path, page: str) -> dict[str, str]:
    """The page's ``example-data`` comment: range text (without ``$``) to its source."""
    text = (root / page).read_text()
    found = {}
    for block in re.findall(r"<!-- example-data\n(.*?)-->", text, re.S):
        for line in block.strip().splitlines():
            target, _, source = line.partition(" = ")
            found[target.strip().replace("$", "")] = source.strip()
    return found


# ---------------------------------------------------------------------------
# The data behind the examples
# ---------------------------------------------------------------------------


@functools.cache
def _frames(shared: str) -> dict[str, pd.DataFrame]:
    data = Path(shared)
    v2412, v2510 = DataSource(local_dir=data, vintage="v202412"), DataSource(local_dir=data, vintage="v202510")
    daily = load_factors("FF6", "daily", source=v2412)
    msft = load_msft(source=v2412).dropna().join(daily, how="inner")  # 9,778 days: B2:B9779
    msft["MSFT"] = msft["MSFT"] - msft["RF"]
    funds = load_brk_arkk(source=v2412)
    for fund in ("BRK", "ARKK"):
        funds[fund] = funds[fund] - funds["RF"]
    monthly = load_factors("FF6", "monthly", source=v2510)
    recent = monthly.loc["2001-01":"2025-10"]
    industries = load_table("10_Industry_Portfolios", "vw", "monthly", source=v2510)[2]
    portfolios = load_table("25_Portfolios_5x5", "vw", "monthly", source=v2510)[2]
    industries = industries.loc[recent.index].sub(recent["RF"], axis=0).join(recent)
    portfolios = portfolios.loc[recent.index].sub(recent["RF"], axis=0).join(recent)
    return {"msft": msft, "funds": funds, "industries": industries, "portfolios": portfolios, "factors": recent}


def _characteristics_table(portfolios: pd.DataFrame, names: list[str]) -> Cells:
    """A long table: date, portfolio, excess return, size and value quintile (constant characteristics)."""
    rows: Cells = [["date", "portfolio", "return", "size", "value"]]
    last = portfolios.loc["2016-01":]
    for date, returns in last[names].iterrows():
        for k, name in enumerate(names):
            rows.append([date.strftime("%Y-%m-%d"), name, float(returns[name]), float(k // 5 + 1), float(k % 5 + 1)])
    return rows


@functools.cache
def _minimodel_blocks() -> dict[str, tuple[np.ndarray, list[str] | None]]:
    from factorxl.workbooks.templates import minimodel_example as mm

    results = mm.minimodel()
    names = list(results.exposures.factor_names)
    benchmark = mm.CAPS / mm.CAPS.sum()
    active = mm.PORTFOLIO - benchmark
    attribution = results.attribution
    targets = np.full(len(names), np.nan)
    targets[names.index(mm.KEPT_FACTOR)] = round(float(results.active.exposures[names.index(mm.KEPT_FACTOR)]), 4)
    targets[names.index(mm.NEUTRAL_FACTOR)] = 0.0
    column = lambda values: np.asarray(values, dtype=object).reshape(-1, 1)  # noqa: E731
    return {
        "names": (column(mm.NAMES), None),
        "industries": (column(mm.INDUSTRIES), None),
        "caps": (column(mm.CAPS), None),
        "descriptors": (np.column_stack([mm.BOOK_TO_PRICE, mm.MOMENTUM, np.log(mm.CAPS)]), ["B/P", "momentum", "log cap"]),
        "month1_returns": (column(mm.MONTH1_RETURNS), None),
        "specific_vols": (column(mm.SPECIFIC_VOLS), None),
        "weights": (np.column_stack([mm.PORTFOLIO, benchmark, active]), ["portfolio", "benchmark", "active"]),
        "benchmark_weights": (column(benchmark), None),
        "active_weights": (column(active), None),
        "optimized_weights": (column(results.optimized.weights), None),
        "exposures": (results.exposures.values, names),
        "factor_vols": (mm.FACTOR_VOLS.reshape(1, -1), None),
        "correlation": (mm.CORRELATION, names),
        "factor_covariance": (results.model.factor_cov, names),
        "stress_exposures": (np.column_stack([results.active.exposures, results.portfolio.exposures]), ["active", "portfolio"]),
        "portfolio_exposures": (column(results.portfolio.exposures), None),
        "instruments": (np.column_stack([results.benchmark.exposures, mm.SMALL_CAP_FUTURE]), ["index", "small cap"]),
        "index_future": (column(results.benchmark.exposures), None),
        "active_exposures": (results.active.exposures.reshape(1, -1), None),
        "factor_returns": (attribution_inputs(results)[0], None),
        "specific_returns": (column(attribution_inputs(results)[1]), None),
        "portfolio_returns": (column(attribution.portfolio), None),
        "benchmark_returns": (column(attribution.benchmark), None),
        "targets": (targets.reshape(1, -1), None),
    }


def attribution_inputs(results) -> tuple[np.ndarray, np.ndarray]:
    """The MiniModel's factor returns and active specific returns of months 1-3."""
    from factorxl.workbooks.templates import minimodel_example as mm

    later = mm.later_factor_returns(results.regression.industry_weights, results.exposures.industry_columns)
    factor_returns = np.vstack([results.regression.factor_returns, later])
    benchmark = mm.CAPS / mm.CAPS.sum()
    specific = np.append((mm.PORTFOLIO - benchmark) @ results.regression.residuals, mm.LATER_SPECIFIC)
    return factor_returns, specific


def _cells(values: np.ndarray, header: list[str] | None) -> Cells:
    body = [[None if isinstance(v, float) and np.isnan(v) else (float(v) if isinstance(v, (int, float, np.floating)) else v)
             for v in row] for row in np.asarray(values, dtype=object)]
    return ([list(header)] if header is not None else []) + body


def source_cells(source: str, shared: Path) -> object:
    """The cells a binding's source stands for."""
    header = source.endswith(" with header")
    source = source.removesuffix(" with header").strip()
    columns = re.fullmatch(r"(\w+)\[(.*)\](?: rows (\d+)-(\d+))?", source)
    if columns and columns[1] != "characteristics":
        frame = _frames(str(shared))[columns[1]]
        names = frame.columns.tolist() if columns[2] == "*" else [c.strip() for c in columns[2].split(",")]
        selected = frame[names] if not columns[3] else frame[names].iloc[int(columns[3]) - 1 : int(columns[4])]
        return _cells(selected.to_numpy(dtype=object), names if header else None)
    if source.startswith("characteristics["):
        frame = _frames(str(shared))["portfolios"]
        names = [c.strip() for c in source[len("characteristics[") : -1].split(",")]
        return _characteristics_table(frame, names)
    if source.startswith("minimodel."):
        values, names = _minimodel_blocks()[source.removeprefix("minimodel.")]
        return _cells(values, names if header else None)
    return ast.literal_eval(source)


# ---------------------------------------------------------------------------
# Evaluating a formula
# ---------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    """The top-level arguments of a formula's argument list."""
    parts, current = [], ""
    for char, depth in _nesting(text):
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts]


def _value(argument: str, bound: dict[str, str], shared: Path) -> object:
    if argument == "":
        return None
    if argument.startswith('"'):
        return argument[1:-1].replace('""', '"')
    if argument.upper() in ("TRUE", "FALSE"):
        return argument.upper() == "TRUE"
    if re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", argument):
        return float(argument)
    date = re.fullmatch(r"DATE\((\d+),\s*(\d+),\s*(\d+)\)", argument)
    if date:
        return datetime.datetime(int(date[1]), int(date[2]), int(date[3]))
    if argument.startswith("{"):
        return [[_value(cell.strip(), bound, shared) for cell in _split(row)] for row in argument[1:-1].split(";")]
    reference = argument.replace("$", "")
    if reference not in bound:
        raise KeyError(f"{argument}: the page's example-data does not say what it holds")
    cells = source_cells(bound[reference], shared)
    size = _range_size(reference)
    if size is not None and isinstance(cells, list) and shape_of(cells) != size:
        raise ValueError(f"{argument} is {size[0]} x {size[1]} cells but its example-data holds "
                         f"{shape_of(cells)[0]} x {shape_of(cells)[1]}")
    return cells


def _range_size(reference: str) -> tuple[int, int] | None:
    """Rows and columns of an ``A1:B2`` range (``None`` for whole columns and names)."""
    corners = re.fullmatch(r"(?:\w+!)?([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?", reference)
    if not corners:
        return None
    first_column, first_row = column_number(corners[1]), int(corners[2])
    last_column, last_row = (column_number(corners[3]), int(corners[4])) if corners[3] else (first_column, first_row)
    return last_row - first_row + 1, last_column - first_column + 1


def evaluate(example: Example, bound: dict[str, str], shared: Path) -> object:
    """Call the example's function with the values a sheet would pass."""
    name, _, rest = example.formula[1:].partition("(")
    arguments = [_value(a, bound, shared) for a in _split(rest[:-1])]
    while arguments and arguments[-1] is None:  # trailing omitted arguments
        arguments.pop()
    function: Callable = FUNCTIONS[name].function
    return function(*arguments)


# ---------------------------------------------------------------------------
# Comparing with what the page shows
# ---------------------------------------------------------------------------

NUMBER = re.compile(r"(?<![A-Za-z_\d.²⁰¹³⁴⁵⁶⁷⁸⁹-])[-−]?\d[\d,]*(?:\.\d+)?(?:e[-+−]?\d+)?(?![\d%])")
DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
SHAPE = re.compile(r"(?<![\d.,])(\d[\d,]*) [x×] (\d[\d,]*)(?![\d.])")
TEXT = re.compile(r'"([^"]*)"')
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def shown_numbers(shown: str) -> list[str]:
    """The numbers a shown result quotes (labels such as FF6 or R², dates and shapes are not numbers)."""
    text = SHAPE.sub(" ", DATE.sub(" ", TEXT.sub(" ", shown)))
    return [m[0].replace("−", "-").replace(",", "").replace("e+", "e") for m in NUMBER.finditer(text)]


def shown_dates(shown: str) -> list[datetime.date]:
    """The dates (``2020-12-31``) a shown result quotes."""
    return [datetime.date(int(m[1]), int(m[2]), int(m[3])) for m in DATE.finditer(shown)]


def shown_texts(shown: str) -> list[str]:
    """The texts (in double quotes) a shown result quotes."""
    return TEXT.findall(shown)


def holds_text(result: object, text: str) -> bool:
    """Whether a cell holds exactly this text."""
    return any(value == text for row in _rows(result) for value in row)


def shown_shapes(shown: str) -> list[tuple[int, int]]:
    """The block sizes (``750 × 26``: rows by columns, every spilled cell counted) a shown result quotes."""
    return [(int(m[1].replace(",", "")), int(m[2].replace(",", ""))) for m in SHAPE.finditer(shown)]


def _rows(result: object) -> Cells:
    return result if isinstance(result, list) else [[result]]


def numbers_in(result: object) -> list[float]:
    return [float(v) for row in _rows(result) for v in row if isinstance(v, (int, float)) and not isinstance(v, bool)]


def shape_of(result: object) -> tuple[int, int]:
    rows = _rows(result)
    return len(rows), max(len(row) for row in rows)


def holds_date(result: object, date: datetime.date) -> bool:
    """Whether a cell holds the date: as a date, as ISO text or as an Excel date number."""
    serial = (date - EXCEL_EPOCH).days
    for value in (v for row in _rows(result) for v in row):
        if isinstance(value, datetime.datetime):
            value = value.date()
        if value == date or value == date.isoformat():
            return True
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == serial:
            return True
    return False


def matches(quoted: str, values: list[float]) -> bool:
    """Whether some value rounds to ``quoted`` at the precision it is quoted with."""
    return any(printed_as(v, quoted) for v in values)
