"""Refreshing a workbook without Excel: recalculate its formulas, write what readers rely on.

>>> report = refresh_workbook("MSFT.xlsx")          # doctest: +SKIP
>>> report.ok, report.formulas                       # doctest: +SKIP
(True, 90)

:func:`refresh_workbook` recalculates with :mod:`factorxl.workbooks.engine` (the factorxl
calls, what they read and what depends on them, or every formula with ``full=True``) and
writes, leaving every other byte of the package as it was:

* each recalculated cell's cached value (:mod:`factorxl.workbooks.xlsx_values`), and a
  dynamic array's new block when its spill grew or shrank;
* each changed worksheet's ``<dimension>`` (the used range that streaming readers trust);
* the caches of every chart series that reads refreshed cells
  (:mod:`factorxl.workbooks.chart_caches`);
* with ``clear_full_calc_on_load=True``, the workbook without ``fullCalcOnLoad``.

By default it is all or nothing: when a formula cannot be evaluated, or a result would
lose values, the report lists it (sheet, cell, formula, reason) and nothing is written.
With ``keep_going=True`` those cells get what Excel shows there (``#NAME?`` for an unknown
function, a block's first value) and the rest is written. The file is replaced atomically.
The report also lists the formulas whose value is now an error that the workbook did not
hold before (``new_errors``), the cells a batch must not publish unseen.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from factorxl.errors import FactorxlError
from factorxl.workbooks.chart_caches import refresh_chart
from factorxl.workbooks.engine import CellProblem, ExcelError, FormulaResult, Recalculation, evaluate
from factorxl.workbooks.progress import Progress
from factorxl.workbooks.package import DEFAULT_LIMITS, OLE_SIGNATURE, Limits, Package
from factorxl.workbooks.references import Area, cell_name, find_references
from factorxl.workbooks.shareable_mark import shareable_mark
from factorxl.workbooks.workbook_cells import Position, Workbook, read_workbook
from factorxl.workbooks.xlsx_values import CLEARED, dimension, rewrite_values, set_dimension, write_package

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")
_FULL_CALC_ON_LOAD = re.compile(rb'\s+fullCalcOnLoad="[^"]*"')


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
        Formulas recalculated (an array formula counts once).
    cells : int
        Cached values written (every cell of an array formula's block counts).
    problems : tuple of CellProblem
        Formulas that could not be evaluated or whose result would lose values; any of
        them means nothing was written.
    errors : tuple of CellProblem
        Formulas whose fresh value is an Excel error (``#VALUE!`` with factorxl's
        message, ``#DIV/0!``, ``#SPILL!`` with the blocking cell...); they are written, as
        Excel would show them.
    warnings : tuple of CellProblem
        Legacy array formulas larger than their result (padded with ``#N/A``, as in Excel),
        and formulas reading cells a dynamic array newly spilled into (refresh again).
    new_errors : tuple of CellProblem
        The formulas of ``errors`` with an error in a cell that held none before the
        refresh (the ``#N/A`` padding of a legacy array aside); the reason names the first
        error and the cells.
    stale : tuple of CellProblem
        Native formulas read by the recalculated ones whose stored value did not match
        their inputs (an input changed since they were calculated): they were recalculated
        with everything that reads them.
    checked : int
        Native formulas checked against their inputs (those the recalculated formulas read).
    seconds : float
        Wall-clock time of the refresh.
    full : bool
        Whether every formula was recalculated.
    full_calc_on_load : bool
        Whether the written workbook still asks Excel to recalculate everything on open.
    charts : int
        Chart parts whose series caches were rewritten.
    """

    source: Path
    destination: Path
    written: bool
    formulas: int
    cells: int
    problems: tuple[CellProblem, ...]
    errors: tuple[CellProblem, ...]
    seconds: float
    warnings: tuple[CellProblem, ...] = ()
    full: bool = False
    full_calc_on_load: bool = False
    charts: int = 0
    new_errors: tuple[CellProblem, ...] = ()
    stale: tuple[CellProblem, ...] = ()
    checked: int = 0

    @property
    def ok(self) -> bool:
        """True when every formula was evaluated and the file was written."""
        return self.written and not self.problems


def check_workbook(path: str | Path) -> Path:
    """The path of an existing workbook file, or a FactorxlError saying what is wrong."""
    path = Path(path)
    if path.is_dir():
        raise FactorxlError(f"{path} is a folder; give the workbook file")
    if not path.is_file():
        raise FactorxlError(f"{path} does not exist; check the path")
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise FactorxlError(f"{path} is not an Excel workbook ({', '.join(WORKBOOK_SUFFIXES)}); .xls and .xlsb are not supported")
    try:
        with open(path, "rb") as stream:
            stream.read(len(OLE_SIGNATURE))
    except OSError as error:
        raise FactorxlError(f"{path} cannot be read ({error.strerror}); check its permissions") from None
    return path


def _writable(path: Path) -> bool:
    """Whether the file or folder has a write permission bit (a 0444 file is read-only, even for root)."""
    return bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def check_destination(destination: Path) -> None:
    """Refuse a destination that is a folder, read-only, or in a folder that does not exist."""
    if destination.is_dir():
        raise FactorxlError(f"--out {destination} is a folder; give the file to write, e.g. {destination / 'refreshed.xlsx'}")
    if not destination.parent.is_dir():
        raise FactorxlError(f"the folder of {destination} does not exist")
    if destination.exists() and not _writable(destination):
        raise FactorxlError(f"{destination} is read-only; make it writable or write the refresh elsewhere with --out")
    if not _writable(destination.parent) or not os.access(destination.parent, os.W_OK | os.X_OK):
        raise FactorxlError(f"the folder {destination.parent} is read-only; write the refresh elsewhere with --out")


def refresh_workbook(
    path: str | Path,
    out: str | Path | None = None,
    *,
    full: bool = False,
    keep_going: bool = False,
    clear_full_calc_on_load: bool = False,
    progress: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RefreshReport:
    """Recalculate a workbook's formulas and write their new cached values.

    Parameters
    ----------
    path : str or Path
        The workbook (.xlsx, .xlsm, .xltx, .xltm).
    out : str or Path, optional
        Where to write the refreshed workbook; by default ``path`` itself.
    full : bool
        Recalculate every formula, not only the factorxl calls, the native formulas they
        read (kept when their stored value matches their inputs) and what depends on them.
    keep_going : bool
        Write the workbook even when formulas cannot be evaluated or a result does not
        fit: those cells get what Excel shows (``#NAME?``, ``#REF!``, a block's first value,
        the part of a block that fits) and stay listed in ``report.problems``.
    clear_full_calc_on_load : bool
        Remove ``fullCalcOnLoad`` from the workbook, so that Excel shows the stored values
        on open instead of recalculating (users without the add-in would see #NAME?).
    progress : bool, optional
        Draw a progress bar on stderr; by default only when stderr is a terminal.
    limits : Limits
        How much of the package may be read before it is refused.

    Returns
    -------
    RefreshReport
        Check ``report.ok``: when a formula could not be evaluated ``report.problems``
        lists the cells, and nothing is written unless ``keep_going``. Check
        ``report.new_errors`` for cells that now show an error.

    Raises
    ------
    FactorxlError
        When the workbook cannot be read (missing, not a package, encrypted, corrupted,
        beyond the limits) or the destination cannot be written (a folder, read-only).
    """
    started = time.perf_counter()
    source = check_workbook(path)
    destination = Path(out) if out is not None else source
    check_destination(destination)
    with Package(source, limits) as package:
        mark = shareable_mark(package)
        if mark is not None:
            raise FactorxlError(mark.refusal(source.name, "a refresh"))
        with Progress(progress) as bar:
            bar.stage("reading the workbook", None)
            workbook = read_workbook(package)
        errors_before = _error_positions(workbook)
        recalculation = evaluate(workbook, full=full, keep_going=keep_going, progress=progress)
        still_full_calc = workbook.full_calc_on_load and not clear_full_calc_on_load
        report = dict(
            source=source,
            destination=destination,
            formulas=len(recalculation.results),
            cells=sum(len(r.values) * len(r.values[0]) for r in recalculation.results),
            problems=recalculation.problems,
            errors=tuple(_error_cells(recalculation.results)),
            new_errors=tuple(_new_error_cells(recalculation.results, errors_before)),
            warnings=recalculation.warnings,
            stale=recalculation.stale,
            checked=recalculation.checked,
            full=recalculation.full,
            full_calc_on_load=still_full_calc,
        )
        if recalculation.problems and not keep_going:
            return RefreshReport(written=False, seconds=time.perf_counter() - started, **report)
        replacements = _worksheet_parts(package, workbook, recalculation)
        charts = _chart_parts(package, workbook, recalculation)
        replacements.update(charts)
        if workbook.full_calc_on_load and clear_full_calc_on_load:
            replacements[workbook.part] = _FULL_CALC_ON_LOAD.sub(b"", package.read_xml(workbook.part))
        try:
            with Progress(progress) as bar:
                bar.stage("writing the workbook", None)
                write_package(package, destination, replacements)
        except OSError as error:
            raise FactorxlError(f"{destination} could not be written ({error.strerror or error}); the original is unchanged") from None
    return RefreshReport(written=True, seconds=time.perf_counter() - started, charts=len(charts), **report)


def _worksheet_parts(package: Package, workbook: Workbook, recalculation: Recalculation) -> dict[str, bytes]:
    """Each worksheet part holding recalculated cells, with its new values, blocks and dimension."""
    by_sheet: dict[str, list[FormulaResult]] = defaultdict(list)
    for result in recalculation.results:
        by_sheet[result.sheet.upper()].append(result)
    parts = {}
    for name, results in by_sheet.items():
        sheet = workbook.sheets[name]
        values: dict[Position, object] = {}
        array_refs: dict[Position, str] = {}
        for result in results:
            for position in result.cleared:
                values[position] = CLEARED
            area = result.area
            for i, row in enumerate(result.values):
                for j, value in enumerate(row):
                    values[area.top + i, area.left + j] = value
            if result.dynamic and result.ref != result.previous_ref:
                array_refs[area.top, area.left] = result.ref
        xml = rewrite_values(package.read_xml(sheet.part), values, array_refs)
        parts[sheet.part] = _with_dimension(xml, sheet.used_rows, sheet.used_columns)
    return parts


def _with_dimension(xml: bytes, rows: int, columns: int) -> bytes:
    """The worksheet with a ``<dimension>`` that covers its old one and every cell written."""
    old = dimension(xml)
    if old is None or rows == 0:
        return xml
    found = find_references(old, "")
    top, left = (found[0].area.top, found[0].area.left) if found else (1, 1)
    corner = cell_name(top, left)
    bottom_right = cell_name(max(rows, top), max(columns, left))
    return set_dimension(xml, corner if corner == bottom_right else f"{corner}:{bottom_right}")


def _chart_parts(package: Package, workbook: Workbook, recalculation: Recalculation) -> dict[str, bytes]:
    """Every chart part with the caches of the series that read refreshed cells rewritten."""
    refreshed: dict[str, list[Area]] = defaultdict(list)
    for result in recalculation.results:
        refreshed[result.sheet.upper()].append(result.area)

    def touches(area: Area) -> bool:
        return any(
            a.top <= (area.bottom or a.top) and area.top <= a.bottom and a.left <= (area.right or a.left) and area.left <= a.right
            for a in refreshed.get(area.sheet.upper(), ())
        )

    def cells(area: Area) -> list | None:
        sheet = workbook.sheets.get(area.sheet.upper())
        if sheet is None or area.bottom is None or area.right is None:
            return None
        return [sheet.values.get((r, c)) for r in range(area.top, area.bottom + 1) for c in range(area.left, area.right + 1)]

    charts = {}
    for name in sorted(package.names):
        if re.fullmatch(r"xl/charts/chart[^/]*\.xml", name):
            xml = package.read_xml(name)
            new = refresh_chart(xml, touches, cells)
            if new != xml:
                charts[name] = new
    return charts


def _error_cells(results: tuple[FormulaResult, ...]) -> list[CellProblem]:
    """One entry per formula whose value (or a cell of its block) is an Excel error."""
    errors = []
    for result in results:
        first = next((v for row in result.values for v in row if isinstance(v, ExcelError)), None)
        if first is not None:
            errors.append(CellProblem(result.sheet, result.cell, result.formula, str(first)))
    return errors


def _error_positions(workbook: Workbook) -> set[tuple[str, int, int]]:
    """The cells that hold an error value as the workbook was read."""
    return {
        (name, row, column)
        for name, sheet in workbook.sheets.items()
        for (row, column), value in sheet.values.items()
        if isinstance(value, ExcelError)
    }


def _new_error_cells(results: tuple[FormulaResult, ...], before: set[tuple[str, int, int]]) -> list[CellProblem]:
    """One entry per formula with an error in a cell that held none before (the #N/A padding of a legacy array aside)."""
    new = []
    for result in results:
        area, (rows, columns) = result.area, result.shape
        sheet = result.sheet.upper()
        cells = [
            (area.top + i, area.left + j, value)
            for i, row in enumerate(result.values[: rows if rows > 1 else None])
            for j, value in enumerate(row[: columns if columns > 1 else None])
            if isinstance(value, ExcelError) and (sheet, area.top + i, area.left + j) not in before
        ]
        if cells:
            first = cells[0][2]
            if len(cells) > 1:
                first = f"{first} in {len(cells)} cells of {result.ref}"
            elif result.ref != result.cell:
                first = f"{first} in {cell_name(*cells[0][:2])}"
            new.append(CellProblem(result.sheet, result.cell, result.formula, str(first)))
    return new
