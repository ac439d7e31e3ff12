"""Headless recalculation of a workbook's formulas with the ``formulas`` package.

factorxl's worksheet functions are registered in ``formulas`` under their Excel names
(:mod:`factorxl.workbooks.formula_functions`); a result spills over the range of its
dynamic-array formula.

:func:`recalculate` evaluates every formula of a workbook and returns each formula's
values; it reports, cell by cell, the formulas it cannot evaluate (an unknown function,
a formula ``formulas`` cannot parse, a dynamic array whose spill changed size) instead
of skipping them. Writing the values back into the file is :mod:`.refresh`'s job.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import formulas
import formulas.excel
import numpy as np
import schedula as sh
from formulas.tokens.operand import Error, XlError

from factorxl.errors import FactorxlError
from factorxl.workbooks.formula_functions import mark_omitted_arguments, register_functions, unknown_functions
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


_APOSTROPHE_SHEET = re.compile(r"'(?:[^']|'')*''(?:[^']|'')*'!")


# --- loading and evaluating a workbook ---------------------------------------------------


class _Model(formulas.ExcelModel):
    """``formulas``' model, reading numbers at full double precision (it rounds them to 15 decimals)."""

    def compile_cell(self, cell, context, references, formula_references):  # noqa: ANN001, ANN201
        if cell.data_type == "n" and isinstance(cell.value, float):
            coordinate = formula_references.get(cell.coordinate, cell.coordinate)
            return self._compile_cell(coordinate, cell.value, context, True, references)
        return super().compile_cell(cell, context, references, formula_references)


class _SilentBar:
    """Stands in for the tqdm bar ``formulas`` draws while resolving references (factorxl shows its own)."""

    def __init__(self, *args: Any, total: int = 0, **kwargs: Any) -> None:
        self.total = total

    def __enter__(self) -> _SilentBar:
        return self

    def __exit__(self, *exception: object) -> None:
        return None

    def update(self, steps: int = 1) -> None:
        """Ignored."""

    def refresh(self) -> None:
        """Ignored."""


@contextlib.contextmanager
def _quiet_formulas() -> Iterator[None]:
    """Silence the progress bar ``formulas`` draws while resolving references (we draw our own)."""
    module = formulas.excel.tqdm
    formulas.excel.tqdm = types.SimpleNamespace(tqdm=_SilentBar)
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
        bar.stage("reading the workbook", None)
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
        bar.stage("calculating formulas", len(cells))
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
    _mark_omitted_arguments(cell)
    _, context = model.add_sheet(worksheet, book_context)
    context = {"external_links": model.external_links(context), **context}
    compiled = sh.await_result(
        model.compile_cell(cell, context, model.references, model.formula_references(context))
    )
    formula_cell = _FormulaCell(worksheet.title, cell.coordinate, formula, compiled)
    _record_result(compiled, formula_cell, bar)
    model.add_cell(compiled, context, model.formula_ranges(context))
    return formula_cell


def _mark_omitted_arguments(cell: Any) -> None:
    """Rewrite the in-memory formula so omitted factorxl arguments arrive as None (see the adapter)."""
    if isinstance(cell.value, str):
        cell.value = "=" + mark_omitted_arguments(_formula_text(cell))
    else:
        cell.value.text = "=" + mark_omitted_arguments(_formula_text(cell))


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
