"""Headless recalculation of a workbook, as Excel would recalculate it with the add-in.

What is recalculated
    The factorxl calls, every formula without a stored value (files written by openpyxl),
    and every formula downstream of those. The native formulas these read (directly or
    through other native formulas) are checked: each is evaluated from its inputs and keeps
    its stored value when the fresh one matches (to :data:`STORED_TOLERANCE`); when it does
    not, an input changed since the workbook was calculated, and it is recalculated with
    everything downstream of it. Every other cell keeps the value Excel saved.
    ``full=True`` (and a workbook that asks for a full recalculation on load,
    ``fullCalcOnLoad``, as XlsxWriter and openpyxl write it: its stored values are
    placeholders) recalculates every formula.

How
    A formula that is one factorxl call whose arguments are references, names or constants
    is evaluated directly: each reference is read from the cells the way xlwings hands it
    to the function in Excel (a scalar, a flat list for one row or column, rows otherwise;
    ``None`` for empty cells; date-formatted cells as datetimes; ranges to row 1,048,576
    and whole columns bounded by the sheet's used range). Any other formula is compiled
    by the ``formulas`` package on its own (once per filled-down column) and fed the
    values of its references. Formulas are evaluated in dependency order; a circular
    reference is reported for its cells.

Results that do not fit
    A dynamic array spills into the block its result needs when those cells are free
    (growing or shrinking), and shows ``#SPILL!`` when they are not; a legacy
    (Ctrl+Shift+Enter) array larger than its result is padded with ``#N/A`` (Excel's rule,
    reported as a warning); a legacy array or plain formula that would lose values is a
    problem: nothing is written.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import inspect
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

from factorxl.errors import FactorxlError, RangePlace
from factorxl.workbooks.formula_functions import (
    FactorxlErrorValue,
    calls_factorxl,
    from_raw,
    mark_omitted_arguments,
    register_functions,
    unknown_function_reason,
    unknown_functions,
)
from factorxl.workbooks.package import DEFAULT_LIMITS, Limits, Package
from factorxl.workbooks.progress import Progress
from factorxl.workbooks.references import (
    MAX_COLUMN,
    MAX_ROW,
    Area,
    Reference,
    cell_name,
    cell_position,
    column_letters,
    column_number,
    find_references,
    normalize_spills,
    relative_key,
    replace_references,
    sheet_text,
)
from factorxl.workbooks.workbook_cells import ExcelError, FormulaCell, Position, Sheet, Value, Workbook, read_workbook

__all__ = [
    "CellProblem", "Dependency", "ExcelError", "FormulaResult", "Recalculation", "Value", "dependencies", "evaluate", "fit_to_range",
    "recalculate",
]


@dataclass(frozen=True)
class CellProblem:
    """A formula cell that could not be evaluated, whose value is an error, or whose result does not fit."""

    sheet: str
    cell: str
    formula: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: ={self.formula}: {self.reason}"


@dataclass(frozen=True)
class FormulaResult:
    """The values of one formula: a single cell, or the block of an array formula.

    ``ref`` is the block the formula now covers (``"C1:I8"``; the cell itself for an
    ordinary formula); ``values`` has that block's shape; ``shape`` is the shape of the
    result before it was fitted. ``previous_ref`` is the block the file gave the formula
    (different when a dynamic array's spill grew or shrank); ``cleared`` lists the cells
    of that block the formula no longer covers, whose values are removed.
    """

    sheet: str
    cell: str
    ref: str
    formula: str
    values: tuple[tuple[Value | ExcelError, ...], ...]
    shape: tuple[int, int]
    previous_ref: str = ""
    cleared: tuple[Position, ...] = ()
    dynamic: bool = False

    @functools.cached_property
    def area(self) -> Area:
        """The block the formula now covers (``ref``) as an area of its sheet (parsed once)."""
        return find_references(self.ref, self.sheet)[0].area


@dataclass(frozen=True)
class Recalculation:
    """The fresh values of the formulas recalculated, the cells that could not be, and warnings.

    ``checked`` counts the native formulas checked against their inputs; ``stale`` lists
    those whose stored value did not match (where a stale chain starts).
    """

    results: tuple[FormulaResult, ...]
    problems: tuple[CellProblem, ...]
    warnings: tuple[CellProblem, ...] = ()
    full: bool = False
    checked: int = 0
    stale: tuple[CellProblem, ...] = ()

    def value(self, sheet: str, cell: str) -> Value | ExcelError:
        """The fresh value of one cell (anchor or spill cell) of a formula; KeyError if none."""
        row, column = cell_position(cell)
        for result in self.results:
            if result.sheet.upper() != sheet.upper():
                continue
            area = result.area
            if area.contains(row, column):
                return result.values[row - area.top][column - area.left]
        raise KeyError(f"{sheet}!{cell} holds no formula")


# --- values between the cells and the functions ------------------------------------------


def _python_value(value: Any) -> Value | ExcelError:
    if isinstance(value, XlError):
        return ExcelError(str(value), getattr(value, "message", None))
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.number):
        return value.item()
    if isinstance(value, datetime.datetime):
        return (value - datetime.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, datetime.date):
        return float((value - datetime.date(1899, 12, 30)).days)
    return value


def _formulas_value(value: Value | ExcelError) -> Any:
    """A cell value as ``formulas`` expects it (empty cells, error tokens that keep factorxl's message)."""
    if value is None:
        return sh.EMPTY
    if isinstance(value, ExcelError):
        if value.message:
            return FactorxlErrorValue(value.message)
        return Error.errors.get(value.code, Error.errors["#VALUE!"])
    return value


def _as_block(value: Any) -> np.ndarray:
    block = np.asarray(value, dtype=object)
    return block.reshape(block.shape if block.ndim == 2 else (1, -1) if block.ndim == 1 else (1, 1))


def fit_to_range(result: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Excel's rule for an array result in a range: a single row or column repeats, the rest is #N/A."""
    fitted = np.empty((rows, columns), dtype=object)
    fitted.fill(Error.errors["#N/A"])  # (np.full would store the error token as plain text)
    source_rows = rows if result.shape[0] == 1 else min(rows, result.shape[0])
    source_columns = columns if result.shape[1] == 1 else min(columns, result.shape[1])
    row_index = np.arange(source_rows) if result.shape[0] > 1 else np.zeros(source_rows, dtype=int)
    column_index = np.arange(source_columns) if result.shape[1] > 1 else np.zeros(source_columns, dtype=int)
    fitted[:source_rows, :source_columns] = result[np.ix_(row_index, column_index)]
    return fitted


# --- the dependency graph ------------------------------------------------------------------

_NAME = re.compile(r"(?<![\w.$'!\]\"])([A-Za-z_\\][\w.]*)(?![\w(!.\[])")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


@dataclass
class _Formula:
    cell: FormulaCell
    text: str  # with spill references written E1#
    references: list[Reference]
    names: dict[str, Area | None]  # NAME -> its area (None: not a plain reference)
    precedents: set[int] = field(default_factory=set)


class _Index:
    """Which formula owns a cell (the anchor of an array block owns all its cells)."""

    def __init__(self, formulas: list[_Formula]) -> None:
        self.owner: dict[tuple[str, int, int], int] = {}
        columns: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for index, formula in enumerate(formulas):
            cell = formula.cell
            block = cell.ref or Area(cell.sheet, cell.row, cell.column, cell.row, cell.column)
            for row in range(block.top, block.bottom + 1):
                for column in range(block.left, block.right + 1):
                    self.owner[cell.sheet.upper(), row, column] = index
                    columns[cell.sheet.upper(), column].append((row, index))
        self.columns = {key: sorted(cells) for key, cells in columns.items()}
        self.column_numbers: dict[str, list[int]] = defaultdict(list)
        for sheet, column in sorted(self.columns):
            self.column_numbers[sheet].append(column)

    def within(self, area: Area) -> set[int]:
        """The formulas with a cell in ``area``."""
        sheet = area.sheet.upper()
        if area.top == area.bottom and area.left == area.right:
            owner = self.owner.get((sheet, area.top, area.left))
            return set() if owner is None else {owner}
        numbers = self.column_numbers.get(sheet, [])
        right = area.right if area.right is not None else (numbers[-1] if numbers else 0)
        found = set()
        for column in numbers[bisect.bisect_left(numbers, area.left) : bisect.bisect_right(numbers, right)]:
            cells = self.columns[sheet, column]
            start = bisect.bisect_left(cells, (area.top, -1))
            stop = len(cells) if area.bottom is None else bisect.bisect_right(cells, (area.bottom, float("inf")))
            found.update(index for _, index in cells[start:stop])
        return found


def _names_in(text: str, cell: FormulaCell, workbook: Workbook, references: list[Reference]) -> dict[str, Area | None]:
    masked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    for reference in references:
        masked = masked[: reference.start] + " " * (reference.end - reference.start) + masked[reference.end :]
    names = {}
    for match in _NAME.finditer(masked):
        name = match.group(1)
        definition = workbook.defined_name(name, cell.sheet)
        if definition is None:
            continue
        found = find_references(definition, cell.sheet)
        whole = len(found) == 1 and found[0].text == definition.strip()
        names[name.upper()] = found[0].area if whole else None
    return names


def _prepare(workbook: Workbook) -> list[_Formula]:
    formulas = []
    for sheet in workbook.sheets.values():
        for cell in sheet.formulas:
            text = normalize_spills(cell.text)
            references = find_references(text, cell.sheet)
            names = _names_in(text, cell, workbook, references) if re.search(r"[A-Za-z_]{2}", text) else {}
            formulas.append(_Formula(cell, text, references, names))
    return formulas


def _link(formulas: list[_Formula], workbook: Workbook) -> _Index:
    index = _Index(formulas)
    for formula in formulas:
        areas = [r.area for r in formula.references] + [a for a in formula.names.values() if a is not None]
        for area in areas:
            if area.sheet.upper() not in workbook.sheets:
                continue
            if area.spill:
                owner = index.owner.get((area.sheet.upper(), area.top, area.left))
                formula.precedents.update(() if owner is None else (owner,))
            else:
                formula.precedents.update(index.within(area))
    return index


_OPAQUE_CALL = re.compile(r"\b(?:INDIRECT|OFFSET)\s*\(", re.I)


@dataclass(frozen=True)
class Dependency:
    """One formula of a workbook in its dependency graph (see :func:`dependencies`).

    ``reads`` are the areas the formula reads, as written (whole columns and rows are
    open-ended), a spill reference (``E1#``) as the block its anchor covers.
    ``precedents`` are the positions, in the list :func:`dependencies` returns, of the
    formulas owning a cell it reads. ``opaque`` is True when it may read cells that its
    references do not name (a defined name that is a formula, ``INDIRECT``, ``OFFSET``).
    """

    cell: FormulaCell
    reads: tuple[Area, ...]
    precedents: frozenset[int]
    opaque: bool


def dependencies(workbook: Workbook) -> list[Dependency]:
    """Every formula of a workbook with the areas it reads and the formulas it depends on."""
    formulas = _prepare(workbook)
    index = _link(formulas, workbook)
    graph = []
    for formula in formulas:
        reads = []
        for area in [r.area for r in formula.references] + [a for a in formula.names.values() if a is not None]:
            if area.sheet.upper() not in workbook.sheets:
                continue
            if area.spill:
                owner = index.owner.get((area.sheet.upper(), area.top, area.left))
                block = formulas[owner].cell.ref if owner is not None else None
                area = block or Area(area.sheet, area.top, area.left, area.top, area.left)
            reads.append(area)
        opaque = None in formula.names.values() or bool(_OPAQUE_CALL.search(_QUOTED.sub("", formula.text)))
        graph.append(Dependency(formula.cell, tuple(reads), frozenset(formula.precedents), opaque))
    return graph


def _closure(starts: set[int], links: dict[int, set[int]] | list[set[int]]) -> set[int]:
    """``starts`` and every formula reached from them through ``links`` (dependents or precedents)."""
    reached, waiting = set(starts), list(starts)
    while waiting:
        for linked in links[waiting.pop()]:
            if linked not in reached:
                reached.add(linked)
                waiting.append(linked)
    return reached


@dataclass(frozen=True)
class _Selection:
    """Which formulas a refresh evaluates, and how.

    ``recalculated``: evaluated and written (factorxl calls, formulas without a stored value,
    and everything downstream of them; every formula with ``full``). ``checked``: the native
    formulas these read, directly or through other native formulas; each is evaluated from
    its inputs, and its stored value is kept when the fresh one is the same. ``if_stale``: the
    formulas downstream of a checked one, evaluated only when a cell they read changed.
    """

    recalculated: set[int]
    checked: set[int] = field(default_factory=set)
    if_stale: set[int] = field(default_factory=set)

    @property
    def all(self) -> list[int]:
        return sorted(self.recalculated | self.checked | self.if_stale)


def _selected(formulas: list[_Formula], full: bool) -> _Selection:
    """The formulas to recalculate, to check against their inputs, and to recalculate if those were stale."""
    if full:
        return _Selection(set(range(len(formulas))))
    dependents: dict[int, set[int]] = defaultdict(set)
    for number, formula in enumerate(formulas):
        for precedent in formula.precedents:
            dependents[precedent].add(number)
    starts = {n for n, f in enumerate(formulas) if not f.cell.stored or calls_factorxl(f.text)}
    recalculated = _closure(starts, dependents)
    checked = _closure(recalculated, [f.precedents for f in formulas]) - recalculated
    if_stale = _closure(checked, dependents) - recalculated - checked
    return _Selection(recalculated, checked, if_stale)


def _order(formulas: list[_Formula], chosen: list[int]) -> tuple[list[int], list[int]]:
    """The chosen formulas in dependency order, and those left in a circular reference."""
    selected = set(chosen)
    pending = {n: len(formulas[n].precedents & selected) for n in chosen}
    dependents: dict[int, list[int]] = defaultdict(list)
    for n in chosen:
        for precedent in formulas[n].precedents & selected:
            dependents[precedent].append(n)
    ready = [n for n in chosen if pending[n] == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for dependent in dependents[n]:
            pending[dependent] -= 1
            if pending[dependent] == 0:
                ready.append(dependent)
    done = set(order)
    return order, [n for n in chosen if n not in done]


# --- evaluating ----------------------------------------------------------------------------


class _Unsupported(Exception):
    """A formula the engine knows it cannot evaluate; its message is the reason, ``code`` the error Excel would show."""

    def __init__(self, reason: str, code: str = "#NAME?") -> None:
        super().__init__(reason)
        self.code = code


_OPEN_ENDED = re.compile(r"([A-Za-z]{1,3})(\d+):(?:([A-Za-z]{1,3})|(\d+))")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_QUOTED_OR_SHEET = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_CALL = re.compile(r"\s*(?:_xludf\.)?([A-Za-z_][\w.]*)\s*\(")


def _split_call(text: str) -> tuple[str, list[str]] | None:
    """``NAME(a, b)`` -> ("NAME", ["a", " b"]) when the whole formula is one call, else None."""
    match = _CALL.match(text)
    if not match:
        return None
    arguments, current, depth, position = [], [], 0, match.end()
    while position < len(text):
        quoted = _QUOTED_OR_SHEET.match(text, position)
        if quoted:
            current.append(quoted.group())
            position = quoted.end()
            continue
        char = text[position]
        if char in "({":
            depth += 1
        elif char in ")}":
            if depth == 0:
                arguments.append("".join(current))
                return (match.group(1).upper(), arguments) if not text[position + 1 :].strip() else None
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append("".join(current))
            current = []
            position += 1
            continue
        current.append(char)
        position += 1
    return None


class _Evaluator:
    def __init__(self, workbook: Workbook, formulas: list[_Formula], index: _Index) -> None:
        register_functions()
        from factorxl.excel.declare import FUNCTIONS

        self.functions = FUNCTIONS
        self.workbook = workbook
        self.formulas = formulas
        self.index = index
        self.compiled: dict[str, tuple[Any, list[int | Area]]] = {}
        self.columns: dict[tuple[str, int], list[Any]] = {}
        self.calls: dict[tuple, np.ndarray] = {}
        self.dates: dict[str, dict[int, list[int]]] = {}
        self.blocks: defaultdict[str, dict[tuple[int, int, int, int], Any]] = defaultdict(dict)  # sheet -> area -> block

    # reading cells
    def _sheet(self, area: Area) -> Sheet:
        try:
            return self.workbook.sheet(area.sheet)
        except FactorxlError:
            raise _Unsupported(f"the reference to {area.sheet}! names no sheet of this workbook (#REF!)", "#REF!") from None

    def bounded(self, area: Area) -> Area:
        sheet = self._sheet(area)
        if area.spill:
            owner = self.index.owner.get((sheet.name.upper(), area.top, area.left))
            ref = self.formulas[owner].cell.ref if owner is not None else None
            if ref is None or (ref.top, ref.left) != (area.top, area.left):
                raise _Unsupported(f"{cell_name(area.top, area.left)}# refers to a cell that holds no dynamic array (#REF!)", "#REF!")
            return ref
        to_last_row = area.bottom is None or area.bottom == MAX_ROW
        to_last_column = area.right is None or area.right == MAX_COLUMN
        if to_last_row or to_last_column:  # whole columns/rows: the used range, as Excel hands them over
            clipped = area.clipped(sheet.used_rows, sheet.used_columns)
            return Area(
                area.sheet, area.top, area.left,
                clipped.bottom if to_last_row else area.bottom, clipped.right if to_last_column else area.right,
            )
        return area

    def _column(self, sheet: Sheet, column: int, rows: int) -> list[Any]:
        """A column of a sheet as xlwings hands its cells over, from row 1 (kept until a formula writes to it)."""
        key = (sheet.name.upper(), column)
        cached = self.columns.get(key)
        if cached is None or len(cached) < rows:
            values = sheet.values
            cached = [values.get((row, column)) for row in range(1, max(rows, sheet.used_rows) + 1)]
            for i, value in enumerate(cached):
                if isinstance(value, ExcelError):
                    cached[i] = value.code
            for row in self._date_rows(sheet).get(column, ()):
                if row <= len(cached) and isinstance(cached[row - 1], float):
                    cached[row - 1] = self.workbook.serial_to_date(cached[row - 1])
            self.columns[key] = cached
        return cached

    def _date_rows(self, sheet: Sheet) -> dict[int, list[int]]:
        """Column -> rows of the date-formatted cells of a sheet."""
        if sheet.name.upper() not in self.dates:
            by_column: dict[int, list[int]] = defaultdict(list)
            for row, column in sheet.dates:
                by_column[column].append(row)
            self.dates[sheet.name.upper()] = by_column
        return self.dates[sheet.name.upper()]

    def forget(self, sheet: str, left: int, right: int) -> None:
        """Drop the columns and blocks a formula wrote to (they are read again when needed)."""
        sheet = sheet.upper()
        for column in range(left, right + 1):
            self.columns.pop((sheet, column), None)
        blocks = self.blocks[sheet]
        for key in [k for k in blocks if k[1] <= right and left <= k[3]]:
            del blocks[key]

    def xlwings_value(self, area: Area) -> Any:
        """A range as xlwings hands it to a function: scalar, flat list, or rows; dates as datetimes."""
        area = self.bounded(area)
        sheet = self._sheet(area)
        columns = [self._column(sheet, c, area.bottom)[area.top - 1 : area.bottom] for c in range(area.left, area.right + 1)]
        if len(columns) == 1:
            return columns[0][0] if len(columns[0]) == 1 else columns[0]
        if area.top == area.bottom:
            return [column[0] for column in columns]
        return [list(row) for row in zip(*columns)]

    def formulas_value(self, area: Area) -> Any:
        """A range as ``formulas`` takes it (a block is kept, by sheet, until a formula writes to one of its columns)."""
        area = self.bounded(area)
        sheet = self._sheet(area)
        if area.top == area.bottom and area.left == area.right:  # one cell: not worth keeping
            return _formulas_value(sheet.values.get((area.top, area.left)))
        blocks, key = self.blocks[sheet.name.upper()], (area.top, area.left, area.bottom, area.right)
        if key not in blocks:
            values = sheet.values
            block = np.empty((area.bottom - area.top + 1, area.right - area.left + 1), dtype=object)
            for i, row in enumerate(range(area.top, area.bottom + 1)):
                block[i, :] = [_formulas_value(values.get((row, c))) for c in range(area.left, area.right + 1)]
            blocks[key] = block
        return blocks[key]

    # evaluating one formula
    def evaluate(self, formula: _Formula) -> np.ndarray:
        """The formula's result as a 2-D block of engine values."""
        if formula.cell.data_table:
            raise _Unsupported("data tables (What-If Analysis) are not supported; refresh this workbook in Excel")
        call = _split_call(formula.text)
        if call and call[0] in self.functions:
            key = self._call_key(call[0], call[1], formula)
            if key is not None and key in self.calls:
                return self.calls[key]
            direct = self._direct_arguments(call[1], formula)
            if direct is not None:
                result = self.calls[key] = self._call(call[0], *direct)
                return result
        return self._with_formulas(formula)

    def _call_key(self, name: str, texts: list[str], formula: _Formula) -> tuple | None:
        """What identifies a direct call: the function and each argument's text or bounded area.

        The same call in several cells (a function is a function of its arguments) is
        evaluated once; the cells it reads cannot change in between, since every writer
        of those cells is evaluated before the first reader.
        """
        key: list[Any] = [name]
        for text in texts:
            text = text.strip()
            found = find_references(text, formula.cell.sheet) if text else []
            if len(found) == 1 and found[0].text == text:
                area = self.bounded(found[0].area)
                key.append((area.sheet.upper(), area.top, area.left, area.bottom, area.right))
            elif formula.names.get(text.upper()) is not None:
                return None
            else:
                key.append(text)
        return tuple(key)

    def _direct_arguments(self, texts: list[str], formula: _Formula) -> tuple[list[Any], list[Area | None]] | None:
        """The values a direct call passes (as xlwings would) and the range each one came from (None for a constant)."""
        values: list[Any] = []
        areas: list[Area | None] = []
        for text in texts:
            text = text.strip()
            area = None
            if not text:
                values.append(None)
            elif _NUMBER.fullmatch(text):
                values.append(float(text))
            elif re.fullmatch(r'"(?:[^"]|"")*"', text):
                values.append(text[1:-1].replace('""', '"'))
            elif text.upper() in ("TRUE", "FALSE"):
                values.append(text.upper() == "TRUE")
            elif formula.names.get(text.upper()) is not None:
                area = self.bounded(formula.names[text.upper()])
                values.append(self.xlwings_value(area))
            else:
                found = find_references(text, formula.cell.sheet)
                if len(found) != 1 or found[0].text != text:
                    return None
                area = self.bounded(found[0].area)
                values.append(self.xlwings_value(area))
            areas.append(area)
        return values, areas

    def _call(self, name: str, arguments: list[Any], areas: list[Area | None]) -> np.ndarray:
        function = self.functions[name].function
        try:
            block = np.asarray(from_raw(function(*arguments)), dtype=object)
        except Exception as error:  # noqa: BLE001 - Excel shows any failure as #VALUE!; the message is kept
            return np.array([[ExcelError("#VALUE!", _sheet_message(error, function, areas))]], dtype=object)
        return _python_block(block)

    def _with_formulas(self, formula: _Formula) -> np.ndarray:
        unknown = unknown_functions(formula.text)
        if unknown:
            raise _Unsupported(unknown_function_reason(unknown))
        for name, area in formula.names.items():
            if area is None:
                raise _Unsupported(f"the name {name} is a formula, not a reference; the refresh cannot evaluate it")
        cell = formula.cell
        text = formula.text
        spills = [r for r in formula.references if r.area.spill]
        if spills:  # a spill reference is the block the anchor covers now
            text = replace_references(text, spills, [self.bounded(r.area).text for r in spills])
        if calls_factorxl(text):
            text = mark_omitted_arguments(text)
        function, inputs = self._compiled(text, cell, shared=not spills)
        references = find_references(text, cell.sheet)
        areas = [item if isinstance(item, Area) else references[item].area for item in inputs]
        try:
            result = function(*(self.formulas_value(area) for area in areas))
        except Exception as error:  # noqa: BLE001 - Excel shows a failing function as #VALUE!
            return np.array([[ExcelError("#VALUE!", f"{type(error).__name__}: {error}")]], dtype=object)
        return _python_block(_as_block(getattr(result, "value", result)))

    def _compiled(self, text: str, cell: FormulaCell, shared: bool) -> tuple[Callable[..., Any], list[int | Area]]:
        """The compiled formula and where each input comes from (a reference's position, or an area).

        A filled-down column is compiled once: its cells share the relative form of the formula.
        """
        key = relative_key(text, cell.row, cell.column) if shared else f"{cell.sheet}!{cell.cell}"
        if key not in self.compiled:
            function, inputs, reusable = self._compile(text, cell.sheet)
            if not reusable:
                return function, inputs
            self.compiled[key] = function, inputs
        return self.compiled[key]

    def _compile(self, text: str, sheet: str) -> tuple[Callable[..., Any], list[int | Area], bool]:
        import formulas

        try:
            function = formulas.Parser().ast("=" + text)[1].compile()
        except Exception as error:  # noqa: BLE001 - any parser failure is reported for its cell
            lines = str(error).strip().splitlines()
            detail = lines[0] if lines else ""
            raise _Unsupported(f"formulas cannot parse it ({type(error).__name__}{': ' + detail if detail else ''})") from None
        references = find_references(text, sheet)
        distinct = len({r.text.upper() for r in references}) == len({r.area for r in references})
        inputs: list[int | Area] = []
        for name in function.inputs:
            area = self._input_area(name, sheet)
            position = next((i for i, r in enumerate(references) if _same(r.area, area)), None)
            inputs.append(position if position is not None and distinct else area)
        return function, inputs, distinct

    def _input_area(self, name: str, sheet: str) -> Area:
        sheet_part, _, area_text = name.rpartition("!")
        if sheet_part:
            sheet = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
        found = find_references(area_text, sheet)
        if len(found) == 1 and found[0].text == area_text:
            return found[0].area
        open_ended = _OPEN_ENDED.fullmatch(area_text.replace("$", ""))
        if open_ended:  # formulas writes B2:B1048576 as B2:B and A1:XFD1 as A1:1
            left, top = column_number(open_ended.group(1)), int(open_ended.group(2))
            if open_ended.group(3):
                return Area(sheet, top, left, None, column_number(open_ended.group(3)))
            return Area(sheet, top, left, int(open_ended.group(4)), None)
        definition = self.workbook.defined_name(name, sheet)
        found = find_references(definition or "", sheet)
        if definition is not None and len(found) == 1:
            return found[0].area
        raise _Unsupported(f"the name {name} is not defined (#NAME?)")


def _sheet_message(error: Exception, function: Callable[..., Any], areas: list[Area | None]) -> str:
    """A function's failure as its cell shows it: factorxl's message, naming the cell (or column) of the
    argument's range it is about when that argument is a range of the sheet; any other error by its type."""
    if not isinstance(error, FactorxlError):
        return f"{type(error).__name__}: {error}"
    parameters = list(inspect.signature(function).parameters)[: len(areas)]
    place = error.place
    if place is None or place.argument not in parameters or areas[parameters.index(place.argument)] is None:
        return str(error)
    return error.message_at(place_address(place, areas[parameters.index(place.argument)]))


def place_address(place: RangePlace, area: Area) -> str:
    """Where a :class:`RangePlace` of an argument read from ``area`` is on the sheet: ``cell Data!B6``, or
    ``column A (Data!A2:A301)`` for a whole column. A single row arrives as a flat list, whose cells the
    function counts as rows: they run across the sheet's row."""
    across = area.top == area.bottom and area.right > area.left
    if place.row is None:
        if across:
            return f"row {area.top} ({area.text})"
        column = area.left + place.column - 1
        return f"column {column_letters(column)} ({Area(area.sheet, area.top, column, area.bottom, column).text})"
    row, column = (area.top, area.left + place.row - 1) if across else (area.top + place.row - 1, area.left + place.column - 1)
    return f"cell {sheet_text(area.sheet)}!{cell_name(row, column)}"


def _same(a: Area, b: Area) -> bool:
    return (a.sheet.upper(), a.top, a.left, a.bottom, a.right) == (b.sheet.upper(), b.top, b.left, b.bottom, b.right)


# --- fitting results into the sheet -----------------------------------------------------


def _occupied(sheet: Sheet, index: _Index, area: Area, own: Area, number: int) -> Position | None:
    """The first cell of ``area`` outside ``own`` that holds a value or another formula."""
    for row in range(area.top, area.bottom + 1):
        for column in range(area.left, area.right + 1):
            if own.contains(row, column):
                continue
            owner = index.owner.get((sheet.name.upper(), row, column))
            if (row, column) in sheet.values or (owner is not None and owner != number):
                return row, column
    return None


def _place(
    formula: _Formula, number: int, block: np.ndarray, sheet: Sheet, index: _Index
) -> tuple[FormulaResult, CellProblem | None, CellProblem | None]:
    """Fit a result to its formula's cells; the result, a problem (values lost) and a warning."""
    cell = formula.cell
    anchor = Area(cell.sheet, cell.row, cell.column, cell.row, cell.column)
    own = cell.ref or anchor
    rows, columns = block.shape
    problem = warning = None
    cleared: list[Position] = []
    if cell.dynamic:
        target = Area(cell.sheet, cell.row, cell.column, cell.row + rows - 1, cell.column + columns - 1)
        blocked = _occupied(sheet, index, target, own, number)
        if blocked is not None:
            reason = f"the result needs {target.cells} but {cell_name(*blocked)} is not empty"
            block = np.array([[ExcelError("#SPILL!", reason)]], dtype=object)
            target = anchor
        fitted = block
    else:
        target = own
        height, width = own.bottom - own.top + 1, own.right - own.left + 1
        fitted = block if block.shape == (height, width) else fit_to_range(block, height, width)
        lost = (rows > height and rows > 1) or (columns > width and columns > 1)
        kind = "plain formula" if cell.ref is None else "array formula"
        if lost:
            block_needed = Area(cell.sheet, own.top, own.left, own.top + rows - 1, own.left + columns - 1).cells
            shown = "the block's first value" if cell.ref is None else "the part that fits"
            problem = CellProblem(
                cell.sheet, cell.cell, cell.text,
                f"the result is {rows} x {columns} but the {kind} covers {own.cells} ({height} x {width}): "
                f"{rows * columns - min(rows, height) * min(columns, width)} values would be lost (Excel shows {shown}); "
                f"make it an array formula over {block_needed}: with openpyxl, "
                f'ws["{cell.cell}"] = ArrayFormula("{block_needed}", {"=" + cell.text!r}) '
                "(from openpyxl.worksheet.formula import ArrayFormula); in Excel, enter it as a dynamic array, or "
                "select the block and press Ctrl+Shift+Enter",
            )
        elif (rows < height and rows > 1) or (columns < width and columns > 1):
            warning = CellProblem(
                cell.sheet, cell.cell, cell.text,
                f"#N/A: the result is {rows} x {columns}; the array formula covers {own.cells} "
                f"({height} x {width}) and Excel shows #N/A in the cells beyond the result",
            )
        fitted = _python_block(fitted)
    for row in range(own.top, own.bottom + 1):
        for column in range(own.left, own.right + 1):
            if not target.contains(row, column):
                cleared.append((row, column))
                sheet.values.pop((row, column), None)
    for i in range(fitted.shape[0]):
        for j in range(fitted.shape[1]):
            value = fitted[i, j]
            if value is None:
                sheet.values.pop((target.top + i, target.left + j), None)
            else:
                sheet.values[target.top + i, target.left + j] = value
    sheet.used_rows, sheet.used_columns = max(sheet.used_rows, target.bottom), max(sheet.used_columns, target.right)
    if cell.dynamic:
        cell.ref = target
        for row in range(target.top, target.bottom + 1):
            for column in range(target.left, target.right + 1):
                index.owner.setdefault((sheet.name.upper(), row, column), number)
    values = tuple(tuple(row) for row in fitted.tolist())
    result = FormulaResult(
        cell.sheet, cell.cell, target.cells, cell.text, values, (rows, columns), own.cells, tuple(cleared), cell.dynamic,
    )
    return result, problem, warning


def _python_block(block: np.ndarray) -> np.ndarray:
    return np.vectorize(_python_value, otypes=[object])(block) if block.size else block


# --- the whole workbook --------------------------------------------------------------------


def evaluate(
    workbook: Workbook, *, full: bool = False, keep_going: bool = False, progress: bool | None = None
) -> Recalculation:
    """Recalculate a workbook read by :func:`~factorxl.workbooks.workbook_cells.read_workbook`.

    Parameters
    ----------
    workbook : Workbook
        The cells; recalculated values are written into it.
    full : bool
        Recalculate every formula (also when the workbook asks for it with ``fullCalcOnLoad``).
    keep_going : bool
        A formula that cannot be evaluated gets the error Excel shows there (``#NAME?`` for
        an unknown function, ``#REF!`` for a missing sheet), and a plain formula whose
        result is a block its first value, as Excel does; they are still listed in
        ``problems``, and the rest is computed. Without it their results are left out.
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.
    """
    full = full or workbook.full_calc_on_load
    formulas = _prepare(workbook)
    index = _link(formulas, workbook)
    selection = _selected(formulas, full)
    order, circular = _order(formulas, selection.all)
    evaluator = _Evaluator(workbook, formulas, index)
    results, problems, warnings, stale = [], [], [], []
    changed: set[int] = set()
    with Progress(progress) as bar:
        bar.stage("calculating formulas", len(order))
        for number in order:
            bar.advance()
            formula = formulas[number]
            cell = formula.cell
            sheet = workbook.sheet(cell.sheet)
            verifying = number not in selection.recalculated
            if number in selection.if_stale and not formula.precedents & changed:
                continue
            try:
                block, unsupported = evaluator.evaluate(formula), None
            except _Unsupported as error:  # its dependents see the error, as in Excel
                if number in selection.checked:
                    continue  # it cannot be checked: its stored value stands, as before
                block, unsupported = np.array([[ExcelError(error.code)]], dtype=object), error
            if verifying and unsupported is None:
                if _matches_stored(block, cell, sheet):
                    continue
                if number in selection.checked and not formula.precedents & changed:  # where it starts
                    stale.append(CellProblem(
                        cell.sheet, cell.cell, cell.text,
                        "its stored value did not match its inputs (changed since it was last calculated); "
                        "recalculated with every formula that reads it",
                    ))
            changed.add(number)
            width = cell.ref.right - cell.ref.left + 1 if cell.ref else 1
            result, problem, warning = _place(formula, number, block, sheet, index)
            evaluator.forget(cell.sheet, cell.column, cell.column + max(width, block.shape[1]) - 1)
            if unsupported is not None:
                problems.append(CellProblem(cell.sheet, cell.cell, cell.text, str(unsupported)))
                if keep_going:
                    results.append(result)
                continue
            results.append(result)
            problems.extend([problem] if problem else [])
            warnings.extend([warning] if warning else [])
            codes = {v.code for row in result.values for v in row if isinstance(v, ExcelError)}
            if "#NAME?" in codes and not keep_going:
                problems.append(CellProblem(cell.sheet, cell.cell, cell.text, "an unknown function or name (#NAME?)"))
    for number in circular:
        cell = formulas[number].cell
        problems.append(
            CellProblem(cell.sheet, cell.cell, cell.text, "no value was computed (a circular reference, or a cell it depends on is in one)")
        )
    warnings.extend(_readers_of_grown_spills(formulas, results, index))
    return Recalculation(tuple(results), tuple(problems), tuple(warnings), full, len(selection.checked), tuple(stale))


STORED_TOLERANCE = 1e-12
"""Relative difference below which a fresh number confirms a stored one (engines differ in the last digits)."""


def _matches_stored(block: np.ndarray, cell: FormulaCell, sheet: Sheet) -> bool:
    """Whether a formula's fresh result is what its cells already hold (to :data:`STORED_TOLERANCE`)."""
    own = cell.ref or Area(cell.sheet, cell.row, cell.column, cell.row, cell.column)
    height, width = own.bottom - own.top + 1, own.right - own.left + 1
    if block.shape != (height, width):
        if cell.dynamic:
            return False  # its spill would grow or shrink
        block = fit_to_range(block, height, width)
    fresh = _python_block(block)
    values = sheet.values
    return all(
        _same_value(fresh[i, j], values.get((own.top + i, own.left + j))) for i in range(height) for j in range(width)
    )


def _same_value(fresh: Value | ExcelError, stored: Value | ExcelError) -> bool:
    if fresh in (None, "") or stored in (None, ""):
        return fresh in (None, "") and stored in (None, "")
    if isinstance(fresh, ExcelError) or isinstance(stored, ExcelError):
        return isinstance(fresh, ExcelError) and isinstance(stored, ExcelError) and fresh.code == stored.code
    if isinstance(fresh, bool) or isinstance(stored, bool) or isinstance(fresh, str) or isinstance(stored, str):
        return type(fresh) is type(stored) and fresh == stored
    return math.isclose(fresh, stored, rel_tol=STORED_TOLERANCE) or (math.isnan(fresh) and math.isnan(stored))


def _readers_of_grown_spills(formulas: list[_Formula], results: list[FormulaResult], index: _Index) -> list[CellProblem]:
    """Formulas that read cells a dynamic array newly spilled into without depending on it.

    Their order was fixed before the array grew, so their values may be stale: they are
    warned about (a second refresh, which knows the new block, orders them right).
    """
    warnings = []
    for result in results:
        if not result.dynamic or result.ref == result.previous_ref:
            continue
        anchor = index.owner[(result.sheet.upper(), *cell_position(result.cell))]
        grown = result.area
        old = find_references(result.previous_ref, result.sheet)[0].area
        for formula in formulas:
            if anchor in formula.precedents:
                continue
            for reference in formula.references:
                area = reference.area
                if area.sheet.upper() == result.sheet.upper() and _reads_new_cells(area, grown, old):
                    cell = formula.cell
                    warnings.append(CellProblem(
                        cell.sheet, cell.cell, cell.text,
                        f"reads cells into which the dynamic array {result.sheet}!{result.cell} now spills "
                        f"({result.ref}); its value was computed before: refresh again, or refer to {result.cell}#",
                    ))
                    break
    return warnings


def _reads_new_cells(area: Area, grown: Area, old: Area) -> bool:
    """Whether ``area`` overlaps ``grown`` outside ``old``."""
    bottom, right = area.bottom or MAX_ROW, area.right or MAX_COLUMN
    rows = range(max(area.top, grown.top), min(bottom, grown.bottom) + 1)
    columns = range(max(area.left, grown.left), min(right, grown.right) + 1)
    return any(not old.contains(r, c) for r in rows for c in columns)


def recalculate(
    path: str | Path, *, full: bool = False, progress: bool | None = None, limits: Limits = DEFAULT_LIMITS
) -> Recalculation:
    """Recalculate a workbook (.xlsx or .xlsm) with factorxl's functions, without writing it.

    Parameters
    ----------
    path : str or Path
        The workbook.
    full : bool
        Recalculate every formula instead of the factorxl calls and what depends on them.
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.
    limits : Limits
        How much of the package may be read before it is refused.

    Returns
    -------
    Recalculation
        The values of every formula recalculated, one :class:`CellProblem` per formula
        that could not be, and warnings (legacy arrays padded with ``#N/A``).
    """
    with Package(Path(path), limits) as package:
        workbook = read_workbook(package)
    return evaluate(workbook, full=full, progress=progress)
