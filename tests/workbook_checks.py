"""Reading built template workbooks back: cached values, formulas, styles and package settings."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
from openpyxl.utils.cell import range_boundaries

from factorxl.workbooks.build import BookResult, build_workbook

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
from factorxl.workbooks.engine import ExcelError, recalculate
from factorxl.workbooks.templates.layout import CONSTANT_FONT, INPUT_FILL
from tests.tolerance import is_number, same_value


def build_complete(name: str, folder: Path, source) -> BookResult:
    """Build one template for a test; it must be written in full."""
    result = build_workbook(name, folder, source)
    assert result.path is not None and result.skipped == (), result.skipped
    return result


class Book:
    """A built workbook opened twice: formulas and cached values."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.formulas = openpyxl.load_workbook(path)
        self.values = openpyxl.load_workbook(path, data_only=True)

    def value(self, sheet: str, cell: str):
        return self.values[sheet][cell].value

    def number(self, sheet: str, cell: str) -> float:
        value = self.value(sheet, cell)
        assert isinstance(value, (int, float)), f"{sheet}!{cell} holds {value!r}, not a number"
        return float(value)

    def block(self, sheet: str, ref: str) -> np.ndarray:
        """A block of cached numbers (empty cells as NaN)."""
        rows = self.values[sheet][ref]
        return np.array([[np.nan if c.value is None else c.value for c in row] for row in rows], dtype=float)

    def find(self, sheet: str, text: str) -> tuple[int, int]:
        """(row, column), 1-based, of the first cell whose cached value is ``text``."""
        for row in self.values[sheet].iter_rows():
            for cell in row:
                if cell.value == text:
                    return cell.row, cell.column
        raise KeyError(f"{text!r} not on sheet {sheet}")

    def right_of(self, sheet: str, text: str, offset: int = 1) -> float:
        """The cached number ``offset`` columns right of the label ``text``."""
        row, col = self.find(sheet, text)
        return self.number(sheet, self.values[sheet].cell(row, col + offset).coordinate)

    def table(self, sheet: str, corner: str) -> dict[str, list]:
        """A labeled table whose top-left cell shows ``corner``: {row label: the cells to its right}."""
        return self.table_at(sheet, *self.find(sheet, corner))

    def table_below(self, sheet: str, heading: str) -> dict[str, list]:
        """The labeled table right below the cell that shows ``heading``."""
        row, col = self.find(sheet, heading)
        return self.table_at(sheet, row + 1, col)

    def table_at(self, sheet: str, row: int, col: int) -> dict[str, list]:
        """The labeled table whose top-left cell is at (``row``, ``col``), 1-based."""
        ws = self.values[sheet]
        width = 0
        while ws.cell(row, col + width + 1).value is not None:
            width += 1
        out, r = {}, row + 1
        while ws.cell(r, col).value is not None:
            out[ws.cell(r, col).value] = [ws.cell(r, col + 1 + j).value for j in range(width)]
            r += 1
        return out

    def array_ranges(self, sheet: str) -> list[tuple[int, int, int, int]]:
        """(min_col, min_row, max_col, max_row) of every array formula of a sheet."""
        ws = self.formulas[sheet]
        return [range_boundaries(cell.value.ref) for row in ws.iter_rows() for cell in row if isinstance(cell.value, openpyxl.worksheet.formula.ArrayFormula)]


CELL_RTOL, CELL_ATOL = 1e-12, 1e-13
"""Numbers in cells equal up to another machine's arithmetic: ``CELL_RTOL`` for last digits,
``CELL_ATOL`` for small results of unit-scale inputs (a residual of 1e-3 computed as a
difference of returns, or a "factorxl - twin" difference, keeps its absolute, not its
relative, precision)."""


def assert_cached_values_are_fresh(path: Path) -> int:
    """Recalculate every formula and compare with the values stored in the file; returns the count."""
    fresh = recalculate(path, full=True, progress=False)
    assert not fresh.problems, fresh.problems[:5]
    cached = openpyxl.load_workbook(path, data_only=True)
    checked = 0
    for result in fresh.results:
        left, top, _, _ = range_boundaries(result.ref)
        for i, line in enumerate(result.values):
            for j, value in enumerate(line):
                stored = cached[result.sheet].cell(top + i, left + j).value
                if isinstance(stored, datetime.datetime):  # a number in a date format
                    stored = (stored - EXCEL_EPOCH).total_seconds() / 86400
                where = f"{result.sheet}!{cached[result.sheet].cell(top + i, left + j).coordinate}"
                assert not isinstance(value, ExcelError), f"{where}: {value}"
                empty = stored in (None, "") and value in (None, "")
                assert empty or same_value(stored, value, rtol=CELL_RTOL, atol=CELL_ATOL), (where, stored, value)
                checked += 1
    return checked


def assert_no_pasted_numbers(book: Book, data_sheets: tuple[str, ...] = ()) -> None:
    """On every sheet but the data sheets, a number is a formula's value, an input or a structural constant."""
    for ws in book.formulas.worksheets:
        if ws.title in data_sheets:
            continue
        spilled = book.array_ranges(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if not is_number(cell.value):
                    continue
                in_array = any(c0 <= cell.column <= c1 and r0 <= cell.row <= r1 for c0, r0, c1, r1 in spilled)
                fill = (cell.fill.fgColor.rgb or "")[-6:]
                font = (cell.font.color.rgb if cell.font.color is not None and isinstance(cell.font.color.rgb, str) else "")[-6:]
                assert in_array or fill == INPUT_FILL or font == CONSTANT_FONT, f"{ws.title}!{cell.coordinate} holds a pasted number {cell.value!r}"


def every_cell(workbook: openpyxl.Workbook):
    """Every (worksheet, cell) of a workbook, sheet by sheet, row by row."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws, cell


def shown_texts(book: Book, path: Path) -> list[tuple[str, str]]:
    """Every text a reader sees: (sheet, text) for each text cell, (chart part, text) for each
    title, axis name and series name of the charts."""
    texts = [(ws.title, cell.value) for ws, cell in every_cell(book.values) if isinstance(cell.value, str)]
    with zipfile.ZipFile(path) as package:
        charts = [name for name in package.namelist() if name.startswith("xl/charts/")]
        for name in charts:  # rich-text titles, and the text values (series names, category labels)
            found = re.findall(r"<a:t>([^<]*)</a:t>|<c:v>([^<0-9.-][^<]*)</c:v>", package.read(name).decode())
            texts += [(name, rich or value) for rich, value in found]
    return texts


def twin_difference_headers(book: Book):
    """Every (worksheet, header cell) of a column headed "factorxl - twin"."""
    return ((ws, cell) for ws, cell in every_cell(book.values) if cell.value == "factorxl - twin")


def assert_twin_differences_vanish(book: Book, atol: float = 1e-9) -> int:
    """Every column headed "factorxl - twin" holds only (near) zeros; returns how many were checked."""
    checked = 0
    for ws, cell in twin_difference_headers(book):
        r = cell.row + 1
        while ws.cell(r, cell.column).value is not None or ws.cell(r + 1, cell.column).value is not None:
            value = ws.cell(r, cell.column).value
            if value is not None:
                assert abs(value) <= atol, f"{ws.title}!{ws.cell(r, cell.column).coordinate} = {value}"
                checked += 1
            r += 1
    return checked


def package_settings(path: Path) -> dict[str, str]:
    """The calcPr attributes of the workbook part."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/workbook.xml").decode()
    element = re.search(r"<calcPr([^>]*)/>", xml)
    assert element, "the workbook has no calcPr element"
    return dict(re.findall(r'(\w+)="([^"]*)"', element.group(1)))


def chart_count(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(1 for name in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", name))


def workbook_content(path: Path) -> dict:
    """Everything a reader sees: sheets, each cell's formula or value with its number format and
    cached value, defined names and charts (not the package's timestamps)."""
    book = Book(path)
    cells = {}
    for ws in book.formulas.worksheets:
        cached = book.values[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and cached[cell.coordinate].value is None:
                    continue
                formula = cell.value.text if isinstance(cell.value, openpyxl.worksheet.formula.ArrayFormula) else cell.value
                cells[ws.title, cell.coordinate] = (formula, cell.number_format, cached[cell.coordinate].value)
    names = {name: book.formulas.defined_names[name].attr_text for name in book.formulas.defined_names}
    return {"sheets": book.formulas.sheetnames, "cells": cells, "names": names, "charts": chart_count(path)}


def assert_same_content(left: Path, right: Path) -> None:
    """Same sheets, names, charts, formulas and formats; numbers (constants written into cells
    and cached results) equal up to the rounding of another machine's arithmetic (``CELL_RTOL``,
    ``CELL_ATOL``)."""
    a, b = workbook_content(left), workbook_content(right)
    assert (a["sheets"], a["names"], a["charts"]) == (b["sheets"], b["names"], b["charts"])
    assert a["cells"].keys() == b["cells"].keys(), sorted(set(a["cells"]) ^ set(b["cells"]))[:10]
    for key, (formula, number_format, value) in a["cells"].items():
        other = b["cells"][key]
        assert number_format == other[1], (key, number_format, other)
        for mine, theirs in ((formula, other[0]), (value, other[2])):
            assert same_value(mine, theirs, rtol=CELL_RTOL, atol=CELL_ATOL), (key, mine, theirs)
