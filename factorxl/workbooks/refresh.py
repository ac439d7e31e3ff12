"""Refreshing a workbook without Excel: recalculate every formula, write the new cached values.

>>> report = refresh_workbook("MSFT.xlsx")          # doctest: +SKIP
>>> report.ok, report.cells                          # doctest: +SKIP
(True, 10012)

:func:`refresh_workbook` evaluates every formula with :mod:`factorxl.workbooks.engine`
(the ``formulas`` package with factorxl's functions) and writes each formula cell's
new cached value into the file with :mod:`factorxl.workbooks.xlsx_values`, leaving
everything else in the package as it was. It is all or nothing: when a formula cannot
be evaluated, the report lists it (sheet, cell, formula, reason) and no file is written,
so a workbook never carries a mixture of fresh and stale values.
"""

from __future__ import annotations

import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils.cell import range_boundaries

from factorxl.errors import FactorxlError
from factorxl.workbooks.engine import CellProblem, ExcelError, FormulaResult, Value, recalculate
from factorxl.workbooks.xlsx_values import (
    Position,
    dynamic_array_anchors,
    read_members,
    rewrite_values,
    worksheet_parts,
    write_package,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh did.

    Attributes
    ----------
    source, destination : Path
        The workbook read and the file written (the same file for an in-place refresh).
    written : bool
        Whether ``destination`` was written; False when a formula could not be evaluated.
    formulas : int
        Formulas evaluated (an array formula counts once).
    cells : int
        Cached values written (every cell of an array formula's range counts).
    problems : tuple of CellProblem
        Formulas that could not be evaluated; any of them means nothing was written.
    errors : tuple of CellProblem
        Formulas whose fresh value is an Excel error (``#VALUE!`` with factorxl's
        message, ``#DIV/0!``...); they are written, as Excel would show them.
    seconds : float
        Wall-clock time of the refresh.
    """

    source: Path
    destination: Path
    written: bool
    formulas: int
    cells: int
    problems: tuple[CellProblem, ...]
    errors: tuple[CellProblem, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every formula was evaluated and the file was written."""
        return self.written and not self.problems


def check_workbook(path: str | Path) -> Path:
    """The path of an existing .xlsx/.xlsm workbook, or a FactorxlError saying what is wrong."""
    path = Path(path)
    if path.is_dir():
        raise FactorxlError(f"{path} is a folder; give the workbook file")
    if not path.is_file():
        raise FactorxlError(f"{path} does not exist; check the path")
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise FactorxlError(f"{path} is not an Excel workbook ({', '.join(WORKBOOK_SUFFIXES)}); .xls and .xlsb are not supported")
    if not zipfile.is_zipfile(path):
        raise FactorxlError(f"{path} is not a valid {path.suffix} file (it is not a zip package); save it again from Excel")
    return path


def refresh_workbook(path: str | Path, out: str | Path | None = None, *, progress: bool | None = None) -> RefreshReport:
    """Recalculate every formula of a workbook and write the new cached values.

    Parameters
    ----------
    path : str or Path
        The workbook (.xlsx, .xlsm, .xltx, .xltm).
    out : str or Path, optional
        Where to write the refreshed workbook; by default ``path`` itself.
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    RefreshReport
        Check ``report.ok``: when a formula could not be evaluated nothing is written
        and ``report.problems`` lists the cells.

    Raises
    ------
    FactorxlError
        When ``path`` is not a readable workbook or a worksheet cannot be rewritten.
    """
    started = time.perf_counter()
    source = check_workbook(path)
    destination = Path(out) if out is not None else source
    if not destination.parent.is_dir():
        raise FactorxlError(f"the folder of {destination} does not exist")
    recalculation = recalculate(source, progress=progress)
    with zipfile.ZipFile(source) as archive:
        parts = {name.upper(): part for name, part in worksheet_parts(archive).items()}
    results_by_part: dict[str, list[FormulaResult]] = defaultdict(list)
    for result in recalculation.results:
        results_by_part[parts[result.sheet.upper()]].append(result)
    originals = read_members(source, results_by_part)
    problems = list(recalculation.problems)
    for part, results in results_by_part.items():
        problems.extend(_spill_changes(results, dynamic_array_anchors(originals[part])))
    errors = tuple(_error_cells(recalculation.results))
    report = dict(
        source=source,
        destination=destination,
        formulas=len(recalculation.results),
        cells=sum(len(r.values) * len(r.values[0]) for r in recalculation.results),
        problems=tuple(problems),
        errors=errors,
    )
    if problems:
        return RefreshReport(written=False, seconds=time.perf_counter() - started, **report)
    replacements = {part: rewrite_values(originals[part], _cell_values(results)) for part, results in results_by_part.items()}
    write_package(source, destination, replacements)
    return RefreshReport(written=True, seconds=time.perf_counter() - started, **report)


def _cell_values(results: list[FormulaResult]) -> dict[Position, Value | ExcelError]:
    """Every cell's value, from each formula's block of values placed at its range."""
    values: dict[Position, Value | ExcelError] = {}
    for result in results:
        left, top, _, _ = range_boundaries(result.ref)
        for i, row in enumerate(result.values):
            for j, value in enumerate(row):
                values[top + i, left + j] = value
    return values


def _spill_changes(results: list[FormulaResult], dynamic: set[str]) -> list[CellProblem]:
    """Dynamic arrays whose result no longer has the size of the range they spill into."""
    problems = []
    for result in results:
        rows, columns = len(result.values), len(result.values[0])
        if result.cell in dynamic and result.shape != (rows, columns):
            problems.append(
                CellProblem(
                    result.sheet,
                    result.cell,
                    result.formula,
                    f"the result is {result.shape[0]} x {result.shape[1]} but the formula spills into "
                    f"{result.ref} ({rows} x {columns}); resizing a spill is left to Excel: rebuild the "
                    "workbook or recalculate it in Excel",
                )
            )
    return problems


def _error_cells(results: tuple[FormulaResult, ...]) -> list[CellProblem]:
    """One entry per formula whose value (or a cell of its block) is an Excel error."""
    errors = []
    for result in results:
        first = next((v for row in result.values for v in row if isinstance(v, ExcelError)), None)
        if first is not None:
            errors.append(CellProblem(result.sheet, result.cell, result.formula, str(first)))
    return errors
