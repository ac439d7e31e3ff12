"""Fuzz test: every worksheet function, called with valid, degenerate and malformed raw values, and
with clean cases changed one way, for properties that say what must come back.

* **No crash, no non-finite cell.** Each crash case must return only finite numbers, text and
  empty cells, or raise FactorxlError with a message.
* **Refusals the conventions require** (:data:`REFUSALS`): a clean case the function computes,
  with one slip a sheet has (a date column, a logical or text cell, a non-finite number or one
  other than 0 outside 1e-50 to 1e50 in size, a day/month date, a label that selects two
  columns, an argument typed in percent where a declared percent rule refuses it), must be
  refused with a message that names the argument and says what to fix.
* **Metamorphic equalities**: the same clean case with a header row (names, PERMNOs, years,
  deciles, labels repeated in other case) or with its numbers stored as text gives the same
  numbers; scaled by a power of ten within the input rules, the numbers times a power of the
  factor; with its rows reversed or shuffled (the periods, or the stocks, all in one order; a
  long table's rows in any order), the same numbers in another order, except for the functions
  of :data:`~tests.fuzz_values.ORDER_DEPENDENT`, which must give other numbers for some order.
* **One huge value in a long series** changes no rolling window it is not in.

The default profile runs 300 crash cases and 6 clean cases per function; ``FACTORXL_FUZZ=large``
runs 2,000 and 30 with another seed. A failure names the function, the case and its arguments, so
the case can be replayed by hand.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import math
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from factorxl import udfs  # noqa: F401  (declares the worksheet functions)
from factorxl.errors import FactorxlError
from factorxl.excel import data_functions
from factorxl.excel.declare import FUNCTIONS
from factorxl.excel.help import PERIOD_SERIES
from factorxl.excel.scale_check import COVARIANCE, WEIGHTS, PercentRule
from tests.conftest import shared_data_dir
from tests.fuzz_values import (
    HEADERS,
    LONG,
    NUMBERS,
    ORDER_DEPENDENT,
    PERIODS,
    TEXT,
    Grid,
    arguments,
    as_text,
    clean_arguments,
    pick,
    raw,
    reordered,
    rows_of,
    scaled,
    with_cell,
    with_first_column,
    with_header,
)

PROFILES = {"default": (300, 6, 20260), "large": (2000, 30, 91817)}
CASES_PER_FUNCTION, CLEAN_CASES, SEED = PROFILES[os.environ.get("FACTORXL_FUZZ", "default")]
CLEAN_TRIES = 60  # draws to find a clean case the function computes
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)


def bad_cells(result: Any) -> list[Any]:
    """Cells of a result that are neither finite numbers, text nor empty (a list in a cell is bad too)."""
    return [c for c in cells(result) if not (c is None or type(c) is str or (type(c) in (float, int) and math.isfinite(c)))]


@pytest.fixture(scope="module", autouse=True)
def local_data():
    """FF_FACTORS reads the public datasets folder, never the network."""
    from factorxl.data import DataSource

    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"public datasets not found at {path} (set FACTORXL_SHARED_DATA)")
    data_functions.set_data_source(DataSource(local_dir=path))
    yield
    data_functions.set_data_source(None)


def call(name: str, args: list[Any]) -> Any:
    """The worksheet function on the arguments as xlwings passes them (warnings on degenerate data ignored)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy and statsmodels warn on degenerate data; the result is what counts
        return FUNCTIONS[name].function(*map(raw, args))


def parameters_of(name: str) -> list[str]:
    return list(inspect.signature(FUNCTIONS[name].function).parameters)


def rng_for(name: str, seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, stream, sorted(FUNCTIONS).index(name)])


def run_cases(name: str, cases: int, seed: int) -> tuple[int, list[str]]:
    """Call ``name`` ``cases`` times; returns the count of refusals and the failures found."""
    parameters, required = parameters_of(name), len(FUNCTIONS[name].required)
    rng = rng_for(name, seed, 0)
    refused, failures = 0, []
    for case in range(cases):
        args = arguments(name, parameters, required, rng)
        try:
            result = call(name, args)
        except FactorxlError:
            refused += 1
            continue
        except Exception as error:  # noqa: BLE001 - any other exception is the defect being looked for
            failures.append(f"case {case}: {type(error).__name__}: {error}\n  {name}{tuple(args)!r}")
            continue
        bad = bad_cells(result)
        if bad:
            failures.append(f"case {case}: returned {bad[:3]}\n  {name}{tuple(args)!r}")
    return refused, failures


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_returns_finite_cells_or_a_message(name):
    refused, failures = run_cases(name, CASES_PER_FUNCTION, SEED)
    assert not failures, f"{len(failures)} of {CASES_PER_FUNCTION} calls failed:\n" + "\n".join(failures[:5])
    assert refused < CASES_PER_FUNCTION, "every call was refused: the cases never reach the computation"


def test_every_argument_has_a_maker_and_every_maker_an_argument():
    """The value makers follow the declared arguments, so a renamed argument cannot fall back silently."""
    from tests.fuzz_values import ARGUMENTS, CHOICE_ARGUMENTS, LOGICAL_ARGUMENTS, ROWS, SPECIFIC

    declared = {(name, argument) for name, f in FUNCTIONS.items() for argument in f.arguments}
    names = {argument for _, argument in declared}
    assert set(SPECIFIC) <= declared, sorted(set(SPECIFIC) - declared)
    generic = set(ARGUMENTS) | CHOICE_ARGUMENTS | LOGICAL_ARGUMENTS
    assert generic <= names, sorted(generic - names)
    unmade = {pair for pair in declared if pair not in SPECIFIC and pair[1] not in generic}
    assert not unmade, sorted(unmade)
    assert set(ROWS) <= names and {a for a in ROWS if ROWS[a] == PERIODS} == PERIOD_SERIES


# ---------------------------------------------------------------------------
# Clean cases and what comes back
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanCase:
    """Arguments a function computes on, and its result."""

    name: str
    args: tuple[Any, ...]
    result: Any

    def grids(self, kinds: tuple[str, ...] = (NUMBERS, LONG)) -> list[tuple[int, str, Grid]]:
        """(position, argument, range) of the ranges of ``kinds`` among the arguments."""
        names = parameters_of(self.name)
        return [(i, names[i], a) for i, a in enumerate(self.args) if isinstance(a, Grid) and a.kind in kinds]

    def changed(self, position: int, value: Any) -> list[Any]:
        args = list(self.args)
        args += [None] * (position + 1 - len(args))
        args[position] = value
        return args

    def replay(self, args: list[Any]) -> str:
        return f"{self.name}{tuple(map(raw, args))!r}"


@functools.cache
def clean_cases(name: str, count: int, seed: int) -> tuple[CleanCase, ...]:
    """``count`` clean cases ``name`` computes, drawn until found (a clean draw may still be refused:
    a window longer than the data, an unknown dataset)."""
    parameters, required = parameters_of(name), len(FUNCTIONS[name].required)
    rng = rng_for(name, seed, 1)
    found = []
    for _ in range(CLEAN_TRIES * count):
        args = clean_arguments(name, parameters, required, rng)
        try:
            found.append(CleanCase(name, tuple(args), call(name, args)))
        except FactorxlError:
            continue
        if len(found) == count:
            return tuple(found)
    raise AssertionError(f"{name}: no clean case computes in {CLEAN_TRIES * count} draws")


def cells(result: Any) -> list[Any]:
    """The cells of a result in reading order."""
    if not isinstance(result, list):
        return [result]
    return [c for row in result for c in (row if isinstance(row, list) else [row])]


def numbers(result: Any) -> list[float | None]:
    """The numbers and empty cells of a result in reading order (labels left out)."""
    return [c for c in cells(result) if not isinstance(c, str)]


def same_numbers(expected: list[float | None], actual: list[float | None], rtol: float) -> bool:
    """The same empty cells, and the numbers within ``rtol`` (of the largest, for numbers near zero)."""
    if len(expected) != len(actual) or [v is None for v in expected] != [v is None for v in actual]:
        return False
    a = np.array([v for v in expected if v is not None], dtype=float)
    b = np.array([v for v in actual if v is not None], dtype=float)
    largest = np.abs(a).max(initial=0.0)
    return bool(np.all(np.abs(a - b) <= rtol * np.maximum(np.abs(a), 1e-3 * largest)))


def sorted_numbers(result: Any) -> list[float | None]:
    """The numbers of a result in increasing order, then its empty cells (rows in another order)."""
    values = numbers(result)
    return sorted(v for v in values if v is not None) + [None] * values.count(None)


# ---------------------------------------------------------------------------
# Refusals the conventions require
# ---------------------------------------------------------------------------

Slip = Callable[[CleanCase, np.random.Generator], tuple[str, list[Any]] | None]


@dataclass(frozen=True)
class Refusal:
    """A slip the conventions refuse: ``make`` puts it into a clean case (the argument it is in and
    the arguments), or None where it does not apply; the message must match ``message`` (with
    ``{argument}`` the argument's name)."""

    name: str
    make: Slip
    message: str


def _in_a_range(cell: Any, periods_only: bool = False) -> Slip:
    """A slip in one numeric cell of a range chosen at random (of a period series only, if asked)."""

    def make(case: CleanCase, rng: np.random.Generator):
        ranges = [(i, a, g) for i, a, g in case.grids() if g.width * g.height > 1 and (not periods_only or a in PERIOD_SERIES)]
        if not ranges:
            return None
        i, argument, grid = pick(rng, ranges)
        return argument, case.changed(i, with_cell(grid, rng, cell))

    return make


def _date_column(kind: str) -> Slip:
    """The dates (or years) of the periods selected with a period series as its first column."""

    def make(case: CleanCase, rng: np.random.Generator):
        ranges = [(i, a, g) for i, a, g in case.grids((NUMBERS,)) if a in PERIOD_SERIES and g.height >= 3]
        if not ranges:
            return None
        i, argument, grid = pick(rng, ranges)
        serials = 40000.0 + 31.0 * np.arange(grid.height)  # month ends from 2009-07-06
        column = {
            "serials": serials.tolist(),
            "newest first": serials[::-1].tolist(),
            "date cells": [EXCEL_EPOCH + datetime.timedelta(days=d) for d in serials.tolist()],
            "years": (1990.0 + np.arange(grid.height)).tolist(),
        }[kind]
        return argument, case.changed(i, with_first_column(grid, column))

    return make


def _ambiguous_date(case: CleanCase, rng: np.random.Generator):
    names = parameters_of(case.name)
    dates = [a for a in ("on_date", "start_date", "end_date") if a in names]
    if not dates:
        return None
    argument = pick(rng, dates)
    return argument, case.changed(names.index(argument), pick(rng, ["01/02/2024", "3.4.2020", "05-06-2019"]))


SELECTORS = {
    "RISK_STRESS": ("factor_covariance", "shock_factor"),
    "HEDGE_FUTURES": ("factor_covariance", "hedge_factors"),
    **{name: ("exposures", "industry_columns") for name in ("CROSS_SECTION_FIT", "CROSS_SECTION_RESIDUALS", "CROSS_SECTION_PURE_PORTFOLIOS")},
    **{name: ("table", "weight_column") for name in ("CHAR_RETURNS", "CHAR_PREMIA", "CHAR_PURE_PLAY", "CHAR_ADJUSTED_RETURN")},
}
"""Functions that select columns of a range by their labels: (the range, the argument that selects)."""


def _label_twice(case: CleanCase, rng: np.random.Generator):
    """Two columns labeled alike but for case, and the label chosen: which column is meant is unknown."""
    if case.name not in SELECTORS:
        return None
    names = parameters_of(case.name)
    labeled, selector = SELECTORS[case.name]
    grid = case.args[names.index(labeled)]
    first = 3 if grid.kind == LONG else 0  # a long table's weights come after its return
    if grid.width - first < 2:
        return None
    labels = [f"x{j}" for j in range(grid.width)]
    labels[first], labels[first + 1] = "Value", "VALUE"
    header = with_header(grid, tuple(labels[2:] if grid.kind == LONG else labels))
    args = case.changed(names.index(labeled), header)
    args += [None] * (names.index(selector) + 1 - len(args))
    args[names.index(selector)] = "value"
    return selector, args


def _percent_weights(case: CleanCase, argument: str, grid: Grid) -> Grid:
    """The weights typed in percent: each portfolio's adding up to 100 (a portfolio is a row of weights
    over periods, a column of weights over stocks, a date of a long table)."""
    if grid.kind == LONG:
        per_date = sum(row[0] == grid.rows[0][0] for row in grid.rows)
        return Grid.of([(*row[:2], 100.0 / per_date) for row in grid.rows], LONG)
    share = 100.0 / (grid.width if rows_of(case.name, argument) == PERIODS else grid.height)
    return Grid.of([[share] * grid.width for _ in grid.rows])


def _in_percent(rule: PercentRule) -> Slip:
    """One of the ranges that carry ``rule`` in the function's declaration, typed in percent: return
    series and volatilities times 100, a covariance times 10,000 (percent squared), weights adding
    up to 100."""

    def make(case: CleanCase, rng: np.random.Generator):
        carried = FUNCTIONS[case.name].percent_rules
        ranges = [(i, a, g) for i, a, g in case.grids() if rule in carried.get(a, ())]
        if not ranges:
            return None
        i, argument, grid = pick(rng, ranges)
        if rule is WEIGHTS:
            return argument, case.changed(i, _percent_weights(case, argument, grid))
        return argument, case.changed(i, scaled(grid, 10_000.0 if rule is COVARIANCE else 100.0))

    return make


DECLARED_PERCENT_RULES = sorted({rule for f in FUNCTIONS.values() for rules in f.percent_rules.values() for rule in rules}, key=lambda r: r.name)
"""Every percent rule some argument carries, as the functions declare them."""
PERCENT_MESSAGE = (
    r"^(?:the \w+ of )?{argument}\b.* looks? like percent.*"
    r"(?:Divide (?:column \d+ of )?{argument} by 100(?:00)?\b|Type \S+ instead, or write /100 after its cell in the formula$)"
)
"""What a percent refusal says: the argument (or the column of a long table) looks like percent, and
the division that fixes it."""

REFUSALS: tuple[Refusal, ...] = (
    Refusal("a date column (Excel date numbers)", _date_column("serials"), r"^column \d+ of {argument} looks like dates .*: leave the date column out of the range$"),
    Refusal("a date column newest first", _date_column("newest first"), r"^column \d+ of {argument} looks like dates .*and sort the rows oldest first$"),
    Refusal("a date column (date cells)", _date_column("date cells"), r"^column \d+ of {argument} looks like dates \(\d{{4}}-\d\d-\d\d to "),
    Refusal("a year column", _date_column("years"), r"^column \d+ of {argument} looks like years \(whole numbers 1990 to"),
    Refusal("a logical cell", _in_a_range(True), r"^{argument} has a logical value \(TRUE\) at (row \d+, column \d+|cell \d+) of the range"),
    Refusal("a text cell", _in_a_range("n/a yet"), r'^{argument} has text "n/a yet" at .* of the range; expected numbers'),
    Refusal("a non-finite number", _in_a_range("-inf"), r'^{argument} has "-inf" at .*, not a finite number'),
    Refusal("a number above 1e50 in size", _in_a_range(-3e50), r"^{argument} has -3e\+50, too large a number, at .*: use smaller units$"),
    Refusal("a number below 1e-50 in size", _in_a_range(2e-51), r"^{argument} has 2e-51, too small a number, at .*: type 0 for it, or use larger units$"),
    Refusal("a date cell among returns", _in_a_range(datetime.date(2024, 1, 4), periods_only=True), r"^{argument} has a date \(2024-01-04\) at "),
    Refusal("a day/month date", _ambiguous_date, r'^{argument} is "[\d./-]+", which could be \d{{4}}-\d\d-\d\d or \d{{4}}-\d\d-\d\d; type the date year first'),
    Refusal("a label for two columns", _label_twice, r'^{argument} "value" matches 2 columns, Value \(column \d+\) and VALUE \(column \d+\): give the columns different names'),
    *(Refusal(f"{rule.name} in percent", _in_percent(rule), PERCENT_MESSAGE) for rule in DECLARED_PERCENT_RULES),
)
"""The slips each clean case is given, one at a time. A new input rule adds its slip here: a function
that puts it into a clean case (None where the rule does not apply) and the message it must be
refused with. The percent rules come from the declarations (each function's ``percent_rules``): a
rule's slip is the clean case with an argument that carries it in percent (clean cases are decimal
returns with moves of about 1 % a period and volatilities of 5 % to 40 %)."""


WITHOUT_ARGUMENTS = {"FACTORXL_VERSION"}
"""Functions no slip can reach."""
WITHOUT_RANGES = WITHOUT_ARGUMENTS | {"FF_DATA", "FF_FACTORS"}
"""Functions of text and dates only: no range to lay out another way."""


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - WITHOUT_ARGUMENTS))
def test_slips_the_conventions_refuse_are_refused_by_name(name):
    rng = rng_for(name, SEED, 2)
    checked, failures = 0, []
    for case in clean_cases(name, CLEAN_CASES, SEED):
        for refusal in REFUSALS:
            slip = refusal.make(case, rng)
            if slip is None:
                continue
            argument, args = slip
            checked += 1
            try:
                call(name, args)
            except FactorxlError as error:
                if not re.search(refusal.message.format(argument=re.escape(argument)), str(error)):
                    failures.append(f"{refusal.name}: {error}\n  {case.replay(args)}")
            else:
                failures.append(f"{refusal.name}: computed instead of refused\n  {case.replay(args)}")
    assert checked, "no slip applies to any clean case"
    assert not failures, f"{len(failures)} of {checked} slips:\n" + "\n".join(failures[:4])


# ---------------------------------------------------------------------------
# Metamorphic equalities
# ---------------------------------------------------------------------------

TEXT_RTOL = 1e-12  # the same numbers, read from text
ORDER_RTOL = 1e-9  # sums in another order
SCALE_RTOL = 1e-8
SCALE_POWERS = (1, -2, -7, -40)
"""Powers of ten that keep a clean case (moves of about 1 %) within the input rules: moves below 25 %
a period, numbers from 1e-50 to 1e50 in size (1e-40 takes moves of 1e-42 .. 1e-41 to within 1e-8
of the smallest a cell may hold)."""
NOT_HOMOGENEOUS = frozenset({"Log-Likelihood", "AIC", "BIC", "Cond. No."})
"""FACTOR_SUMMARY's rows that shift (by the log of the scale) or mix scaled and unscaled columns."""
NOT_SCALED = frozenset({"ATTRIBUTION"})
"""Linked attribution compounds the returns: it is not homogeneous in them."""


def _with_headers(case: CleanCase, labels: tuple[str, ...]) -> list[Any] | None:
    """Every range of two rows or more under a header row of ``labels``."""
    args = list(case.args)
    changed = False
    for i, _, grid in case.grids():
        if grid.height >= 2:
            args[i] = with_header(grid, labels)
            changed = True
    return args if changed else None


def _reordered(case: CleanCase, rng: np.random.Generator, reverse: bool) -> list[Any] | None:
    """The rows of every range over periods (or over stocks) reversed, or all in one shuffled order;
    the rows of a long table shuffled (its dates and ids say what they are)."""
    grids = case.grids((NUMBERS, LONG, TEXT))
    series = [(i, g) for i, a, g in grids if g.kind != LONG and rows_of(case.name, a) is not None and g.height > 1]
    heights = {g.height for _, g in series}
    if len(heights) > 1:
        return None
    args = list(case.args)
    if series:
        height = heights.pop()
        order = np.arange(height)[::-1] if reverse else rng.permutation(height)
        for i, grid in series:
            args[i] = reordered(grid, order)
    for i, _, grid in grids:
        if grid.kind == LONG:
            args[i] = reordered(grid, rng.permutation(grid.height))
    return args if args != list(case.args) else None


def _scaled(case: CleanCase, factor: float) -> list[Any] | None:
    """The returns of every period series (and a long table's returns) times ``factor``."""
    if case.name in NOT_SCALED:
        return None
    args = list(case.args)
    changed = False
    for i, argument, grid in case.grids():
        if argument == "table" or (argument in PERIOD_SERIES and argument != "active_exposures"):
            args[i] = scaled(grid, factor)
            changed = True
    return args if changed else None


def _homogeneous(base: Any, result: Any, factor: float) -> bool:
    """Every number of ``result`` is the base's times a power of ``factor`` (-2 to 2); rows labeled
    in :data:`NOT_HOMOGENEOUS` are left out."""
    if isinstance(base, list) and isinstance(result, list) and len(base) == len(result):
        rows = [(b, r) for b, r in zip(base, result, strict=True) if not (isinstance(b, list) and b and b[0] in NOT_HOMOGENEOUS)]
        base, result = [b for b, _ in rows], [r for _, r in rows]
    expected, actual = numbers(base), numbers(result)
    if len(expected) != len(actual) or [v is None for v in expected] != [v is None for v in actual]:
        return False
    a = np.array([v for v in expected if v is not None], dtype=float)
    b = np.array([v for v in actual if v is not None], dtype=float)
    powers = factor ** np.arange(-2.0, 3.0)
    largest = np.abs(a).max(initial=0.0)
    close = np.abs(b[:, None] - a[:, None] * powers) <= SCALE_RTOL * powers * np.maximum(np.abs(a)[:, None], 1e-3 * largest)
    return bool(close.any(axis=1).all())


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - WITHOUT_RANGES))
def test_the_same_case_in_another_layout_gives_the_same_numbers(name):
    rng = rng_for(name, SEED, 3)
    checked, failures, reorders_differ = 0, [], []

    def check(what: str, args: list[Any] | None, agrees: Callable[[Any], bool]) -> None:
        nonlocal checked
        if args is None:
            return
        checked += 1
        try:
            result = call(name, args)
        except FactorxlError as error:
            failures.append(f"{what}: refused ({error})\n  {case.replay(args)}")
            return
        if not agrees(result):
            failures.append(f"{what}: other numbers\n  {case.replay(args)}")

    for case in clean_cases(name, CLEAN_CASES, SEED):
        base = numbers(case.result)
        style = pick(rng, list(HEADERS))
        check(f"a header of {style}", _with_headers(case, HEADERS[style]), lambda r: same_numbers(base, numbers(r), TEXT_RTOL))
        text = [as_text(a) if isinstance(a, Grid) and a.kind in (NUMBERS, LONG) else a for a in case.args]
        check("numbers stored as text", text if text != list(case.args) else None, lambda r: same_numbers(base, numbers(r), TEXT_RTOL))
        power = int(pick(rng, SCALE_POWERS))
        check(f"scaled by 1e{power}", _scaled(case, 10.0**power), lambda r: _homogeneous(case.result, r, 10.0**power))
        reverse = len(reorders_differ) % 2 == 0
        reversed_args = _reordered(case, rng, reverse)
        if reversed_args is not None:
            try:
                result = call(name, reversed_args)
            except FactorxlError as error:
                failures.append(f"rows {'reversed' if reverse else 'shuffled'}: refused ({error})\n  {case.replay(reversed_args)}")
                continue
            checked += 1
            reorders_differ.append(not same_numbers(sorted_numbers(case.result), sorted_numbers(result), ORDER_RTOL))
            if reorders_differ[-1] and name not in ORDER_DEPENDENT:
                failures.append(f"rows {'reversed' if reverse else 'shuffled'}: other numbers\n  {case.replay(reversed_args)}")
    assert checked, "no change applies to any clean case"
    assert not failures, f"{len(failures)} of {checked} changed cases:\n" + "\n".join(failures[:4])
    if name in ORDER_DEPENDENT:
        assert any(reorders_differ), "listed as depending on the order of the rows, but the numbers never changed"


# ---------------------------------------------------------------------------
# One huge value in a long series
# ---------------------------------------------------------------------------

HUGE = (9999.0, 99999.0, 1e6, 1e12)


@pytest.mark.parametrize("where", ["returns", "factors"])
def test_one_huge_value_changes_no_rolling_window_it_is_not_in(where):
    """A missing-value code (9,999, 99,999) or a typo in one row of a long series: every window
    without that row is what it is on the data without it, to rounding."""
    rng = np.random.default_rng([SEED, 4])
    periods, window, row = 400, 60, 100
    factors = rng.normal(0, 0.01, (periods, 2))
    returns = factors @ [1.0, 0.5] + rng.normal(0, 0.01, periods)
    reference = np.array(udfs.FACTOR_ROLLING_BETA(returns.tolist(), factors.tolist(), window), dtype=float)
    outside = np.r_[window - 1 : row, row + window : periods]
    for huge in HUGE:
        spoiled_returns, spoiled_factors = returns.copy(), factors.copy()
        (spoiled_returns if where == "returns" else spoiled_factors[:, 0])[row] = huge
        result = np.array(udfs.FACTOR_ROLLING_BETA(spoiled_returns.tolist(), spoiled_factors.tolist(), window), dtype=float)
        error = np.abs(result[outside] - reference[outside]).max() / np.abs(reference[outside]).max()
        assert error <= 1e-12, f"{where} with {huge:g} in row {row + 1}: windows without it off by {error:.1e}"
