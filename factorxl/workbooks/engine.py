"""Headless recalculation of a workbook's formulas with the ``formulas`` package.

factorxl's worksheet functions are registered in ``formulas`` under their Excel names
(from :data:`factorxl.excel.declare.FUNCTIONS`) behind ONE adapter: it hands each
function the raw values xlwings would pass (a scalar for one cell, a flat list for one
row or column, lists of lists otherwise, ``None`` for an empty cell, an Excel error as
its text) and turns the returned scalar or lists of lists back into a ``formulas``
array, so a result spills over the range of its dynamic-array formula.

:func:`recalculate` evaluates every formula of a workbook and returns each formula's
values; it reports, cell by cell, the formulas it cannot evaluate (an unknown function,
a formula ``formulas`` cannot parse, a dynamic array whose spill changed size) instead
of skipping them. Writing the values back into the file is :mod:`.refresh`'s job.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import formulas
import formulas.excel
import numpy as np
import schedula as sh
from formulas.functions import Array, not_implemented, wrap_func
from formulas.tokens.operand import Error, XlError

from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from factorxl.workbooks.progress import Progress

Value = float | int | bool | str | None
"""A cell value as the engine returns it; ``None`` is an empty cell."""


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value (``#VALUE!``, ``#DIV/0!``...) and, when factorxl raised it, why."""

    code: str
    message: str | None = None

    def __str__(self) -> str:
        return f"{self.code} ({self.message})" if self.message else self.code


@dataclass(frozen=True)
class CellProblem:
    """A formula cell that could not be evaluated, or whose value is an error."""

    sheet: str
    cell: str
    formula: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}: ={self.formula}: {self.reason}"


@dataclass(frozen=True)
class FormulaResult:
    """The values of one formula: a single cell, or the block of an array formula.

    ``ref`` is the range the workbook gives the formula (``"C1:I8"``; the cell itself
    for an ordinary formula); ``values`` has that range's shape; ``shape`` is the
    shape the formula's result had before it was fitted to ``ref``.
    """

    sheet: str
    cell: str
    ref: str
    formula: str
    values: tuple[tuple[Value | ExcelError, ...], ...]
    shape: tuple[int, int]


@dataclass(frozen=True)
class Recalculation:
    """Every formula's fresh values and the cells that could not be evaluated."""

    results: tuple[FormulaResult, ...]
    problems: tuple[CellProblem, ...]

    def value(self, sheet: str, cell: str) -> Value | ExcelError:
        """The fresh value of one cell (anchor or spill cell) of a formula; KeyError if none."""
        from openpyxl.utils.cell import range_boundaries

        column, row, _, _ = range_boundaries(cell)
        for result in self.results:
            if result.sheet.upper() != sheet.upper():
                continue
            left, top, right, bottom = range_boundaries(result.ref)
            if left <= column <= right and top <= row <= bottom:
                return result.values[row - top][column - left]
        raise KeyError(f"{sheet}!{cell} holds no formula")


# --- the adapter between formulas' values and xlwings' raw values -------------------------


class _FactorxlErrorValue(XlError):
    """``#VALUE!`` that remembers factorxl's message (formulas propagates the same object)."""

    def __new__(cls, message: str) -> _FactorxlErrorValue:
        error = super().__new__(cls, "#VALUE!")
        error.message = message
        return error


def _raw_scalar(value: Any) -> Any:
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def to_raw(value: Any) -> Any:
    """A ``formulas`` argument as xlwings passes it: scalar, flat list (one row or column) or rows."""
    if not isinstance(value, np.ndarray):
        return _raw_scalar(value)
    if value.ndim == 0:
        return _raw_scalar(value.item())
    rows = [[_raw_scalar(x) for x in row] for row in np.atleast_2d(value).tolist()]
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    if all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    return rows


def _formulas_scalar(value: Any) -> Any:
    if value is None:
        return ""  # a missing result is shown empty, as the conventions ask
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value) if np.isfinite(value) else Error.errors["#NUM!"]
    return value


def from_raw(result: Any) -> Array:
    """A worksheet function's result (scalar, flat list = one row, rows) as a ``formulas`` array."""
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not isinstance(result, (list, tuple)):
        rows = [[result]]
    elif result and all(isinstance(row, (list, tuple)) for row in result):
        rows = result
    else:
        rows = [list(result)]
    width = max((len(row) for row in rows), default=0)
    if not width or any(len(row) != width for row in rows):
        raise FactorxlError(f"the result is not a rectangular block (row lengths {sorted({len(r) for r in rows})})")
    array = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        array[i, :] = [_formulas_scalar(x) for x in row]
    return array.view(Array)


def _adapt(function: Callable[..., Any]) -> Callable[..., Any]:
    """Call a worksheet function with raw values; an error becomes ``#VALUE!`` with its message."""

    @functools.wraps(function)
    def call(*args: Any) -> Array:
        try:
            return from_raw(function(*(to_raw(arg) for arg in args)))
        except Exception as error:  # noqa: BLE001 - Excel shows any failure as #VALUE!; the message is kept
            message = str(error) if isinstance(error, FactorxlError) else f"{type(error).__name__}: {error}"
            return np.asarray([[_FactorxlErrorValue(message)]], dtype=object).view(Array)

    return call


@functools.cache
def register_functions() -> None:
    """Register every factorxl worksheet function in ``formulas`` under its Excel name (once)."""
    import factorxl.udfs  # noqa: F401 - declares every family into FUNCTIONS

    table = formulas.get_functions()
    for name, declared in FUNCTIONS.items():
        table[name] = wrap_func(_adapt(declared.function))


# --- which function names formulas cannot evaluate ---------------------------------------

_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_APOSTROPHE_SHEET = re.compile(r"'(?:[^']|'')*''(?:[^']|'')*'!")
# Names that formulas' parser reads as syntax rather than as functions from its table.
_PARSED_AS_SYNTAX = {"ANCHORARRAY", "LAMBDA", "LET"}
_CALLED = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\s*\(")


def unknown_functions(formula: str) -> list[str]:
    """Names called in ``formula`` that ``formulas`` (with factorxl registered) cannot evaluate."""
    register_functions()
    table = formulas.get_functions()
    names = _CALLED.findall(_QUOTED.sub('""', formula))
    unknown = [
        name
        for name in names
        if table.get(name.upper(), not_implemented) is not_implemented
        and name.upper().removeprefix("_XLFN.") not in _PARSED_AS_SYNTAX
    ]
    return list(dict.fromkeys(unknown))


# --- loading and evaluating a workbook ---------------------------------------------------


class _Model(formulas.ExcelModel):
    """``formulas``' model, reading numbers at full double precision (it rounds them to 15 decimals)."""

    def compile_cell(self, cell, context, references, formula_references):  # noqa: ANN001, ANN201
        if cell.data_type == "n" and isinstance(cell.value, float):
            coordinate = formula_references.get(cell.coordinate, cell.coordinate)
            return self._compile_cell(coordinate, cell.value, context, True, references)
        return super().compile_cell(cell, context, references, formula_references)


@contextlib.contextmanager
def _quiet_formulas() -> Iterator[None]:
    """Silence the progress bar ``formulas`` draws while resolving references (we draw our own)."""
    import tqdm

    module = formulas.excel.tqdm
    formulas.excel.tqdm = type("tqdm", (), {"tqdm": functools.partial(tqdm.tqdm, disable=True)})
    try:
        yield
    finally:
        formulas.excel.tqdm = module


@contextlib.contextmanager
def _plain_name(path: Path) -> Iterator[Path]:
    """The workbook under a plain file name (``formulas`` cannot parse names such as ``a[1].xlsx``)."""
    with tempfile.TemporaryDirectory(prefix="factorxl-refresh-") as folder:
        alias = Path(folder) / f"workbook{path.suffix.lower()}"
        try:
            alias.symlink_to(path.resolve())
        except OSError:  # no symbolic links (Windows without the privilege): a copy
            shutil.copyfile(path, alias)
        yield alias


@dataclass
class _FormulaCell:
    sheet: str
    cell: str
    formula: str
    compiled: Any  # formulas.cell.Cell
    raw: Any = None  # the result before formulas fits it to the formula's range


def _formula_text(cell: Any) -> str:
    value = cell.value
    text = value if isinstance(value, str) else getattr(value, "text", None)
    if not isinstance(text, str):
        raise FactorxlError(f"{type(value).__name__} formulas (data tables) are not supported")
    return text[1:] if text.startswith("=") else text


def _error(value: Any) -> ExcelError:
    return ExcelError(str(value), getattr(value, "message", None))


def _python_value(value: Any) -> Value | ExcelError:
    if isinstance(value, XlError):
        return _error(value)
    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.number):
        return value.item()
    return value


def recalculate(path: str | Path, *, progress: bool | None = None) -> Recalculation:
    """Evaluate every formula of a workbook (.xlsx or .xlsm) with factorxl's functions.

    Parameters
    ----------
    path : str or Path
        The workbook.
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    Recalculation
        The values of every formula that could be evaluated, and one
        :class:`CellProblem` per formula that could not.
    """
    path = Path(path)
    register_functions()
    model = _Model()
    cells: list[_FormulaCell] = []
    problems: list[CellProblem] = []
    with _quiet_formulas(), Progress(progress) as bar, _plain_name(path) as alias:
        bar.stage(f"reading {path.name}", None)
        book, context = model.add_book(str(alias))
        formula_cells = [
            (worksheet, cell)
            for worksheet in book.worksheets
            for cell in worksheet._cells.values()
            if cell.data_type == "f"
        ]
        bar.stage("compiling formulas", len(formula_cells))
        for worksheet, cell in formula_cells:
            bar.advance()
            try:
                cells.append(_compile(model, worksheet, cell, context, bar))
            except Exception as error:  # noqa: BLE001 - any failure is reported for its cell
                formula = str(getattr(cell.value, "text", cell.value)).lstrip("=")
                problems.append(CellProblem(worksheet.title, cell.coordinate, formula, _reason(error)))
        bar.stage("resolving references", None)
        model.finish()
        bar.stage("calculating", len(cells))
        solution = model.calculate()
    results = []
    for formula_cell in cells:
        result, problem = _result(formula_cell, solution)
        results.extend([result] if result else [])
        problems.extend([problem] if problem else [])
    return Recalculation(tuple(results), tuple(problems))


def _reason(error: Exception) -> str:
    if isinstance(error, (_Unsupported, FactorxlError)):
        return str(error)
    message = str(error).strip().splitlines()
    detail = message[0] if message else ""
    return f"formulas cannot parse it ({type(error).__name__}{': ' + detail if detail else ''})"


def _compile(model: _Model, worksheet: Any, cell: Any, book_context: dict, bar: Progress) -> _FormulaCell:
    formula = _formula_text(cell)
    unknown = unknown_functions(formula)
    if unknown:
        raise _Unsupported(f"unknown function {', '.join(unknown)} (neither Excel's in formulas nor factorxl's)")
    if _APOSTROPHE_SHEET.search(formula):
        raise _Unsupported("formulas cannot resolve references to a sheet whose name contains an apostrophe")
    _, context = model.add_sheet(worksheet, book_context)
    context = {"external_links": model.external_links(context), **context}
    compiled = sh.await_result(
        model.compile_cell(cell, context, model.references, model.formula_references(context))
    )
    formula_cell = _FormulaCell(worksheet.title, cell.coordinate, formula, compiled)
    _record_result(compiled, formula_cell, bar)
    model.add_cell(compiled, context, model.formula_ranges(context))
    return formula_cell


class _Unsupported(Exception):
    """A formula the engine knows it cannot evaluate; its message is the reason."""


def _record_result(compiled: Any, formula_cell: _FormulaCell, bar: Progress) -> None:
    """Keep the formula's result as computed, before ``formulas`` fits it to the formula's range."""
    fit_to_range = compiled._output_filters

    def record(value: Any) -> Any:
        formula_cell.raw = getattr(value, "value", value)
        bar.advance()
        return value

    compiled._output_filters = lambda: (record, *fit_to_range())


def _as_block(value: Any) -> np.ndarray:
    block = np.asarray(value, dtype=object)
    return block.reshape(block.shape if block.ndim == 2 else (1, -1) if block.ndim == 1 else (1, 1))


def fit_to_range(result: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Excel's rule for an array result in a range: a single row or column repeats, the rest is #N/A.

    (``formulas`` reshapes a result with as many cells as the range, e.g. a row into a column.)
    """
    fitted = np.empty((rows, columns), dtype=object)
    fitted.fill(Error.errors["#N/A"])  # (np.full would store the error token as plain text)
    source_rows = rows if result.shape[0] == 1 else min(rows, result.shape[0])
    source_columns = columns if result.shape[1] == 1 else min(columns, result.shape[1])
    row_index = np.arange(source_rows) if result.shape[0] > 1 else np.zeros(source_rows, dtype=int)
    column_index = np.arange(source_columns) if result.shape[1] > 1 else np.zeros(source_columns, dtype=int)
    fitted[:source_rows, :source_columns] = result[np.ix_(row_index, column_index)]
    return fitted


def _result(cell: _FormulaCell, solution: dict) -> tuple[FormulaResult | None, CellProblem | None]:
    compiled = cell.compiled
    ref = compiled.range.ranges[0]
    single = (ref["c1"], ref["r1"]) == (ref["c2"], ref["r2"])
    ref_text = f"{ref['c1']}{ref['r1']}" + ("" if single else f":{ref['c2']}{ref['r2']}")
    if compiled.output not in solution or cell.raw is None:
        return None, CellProblem(cell.sheet, cell.cell, cell.formula, "no value was computed (a circular reference, or a cell it depends on failed)")
    raw = _as_block(cell.raw)
    rows, columns = int(ref["r2"]) - int(ref["r1"]) + 1, ref["n2"] - ref["n1"] + 1
    block = raw if raw.shape == (rows, columns) else fit_to_range(raw, rows, columns)
    values = tuple(tuple(_python_value(v) for v in row) for row in block.tolist())
    result = FormulaResult(cell.sheet, cell.cell, ref_text, cell.formula, values, raw.shape)
    codes = {v.code for row in values for v in row if isinstance(v, ExcelError)}
    if "#NAME?" in codes:
        return result, CellProblem(cell.sheet, cell.cell, cell.formula, "an unknown function or name (#NAME?)")
    return result, None
