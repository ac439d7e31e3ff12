"""The shared layout of the template workbooks: styles, references, inputs, spilled formulas,
data sheets and the Notes sheet.

Every template is written through :class:`Book` and :class:`Sheet` so the three workbooks
look and behave the same:

* inputs are blue on pale yellow (the finance convention) and most carry a workbook name
  (``budget``, ``horizon``...) a user can change;
* every computed number is a formula; factorxl functions and array expressions that fill a
  block are written as dynamic-array formulas over it (Excel 365 spills them, older Excel
  shows them as array formulas, ``formulas`` and LibreOffice evaluate the block), while a
  single value is an ordinary formula, whose stored value every reader shows on open;
* they print legibly: landscape, one page wide at a scale that keeps 11-point text at least
  8 points (a sheet too wide for that, a data sheet of many series, prints across pages with
  its dates and header row repeated), the title rows repeated on every page, no section
  heading left at the foot of a page and no chart cut by a page break; columns are wide
  enough for every label (:meth:`Book.close` widens them, with Calibri's own character
  widths), notes are inside the printed area, and headers and numbers of a numeric column are
  right-aligned;
* the calculation settings do not force a full recalculation on open (no
  ``fullCalcOnLoad``, a current ``calcId``), so a colleague without the add-in sees the
  cached values the builder stored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from factorxl.workbooks.formula_functions import calls_factorxl

CALC_ID = 191029
"""The calculation-engine id Excel 365 writes; an older id makes Excel recalculate every formula on open."""

NUMBER_FORMATS = {
    "coef": "0.0000",
    "return": "0.0000",
    "variance": "0.000000000",
    "precise": "0.000000000000",
    "small": "0.000000",
    "ratio": "0.000",
    "pct": "0.00%",
    "pct1": "0.0%",
    "money": "$#,##0",
    "count": "#,##0",
    "date": "yyyy-mm-dd",
    "sci": "0.0E+00",
    "pvalue": "[<0.001]0.0E+00;0.000",
    "general": "General",
    "text": "@",
}
TEXT_KINDS = ("text",)
"""Kinds whose cells are left-aligned; every other kind (General too: a column of statistics,
the odd one a word) is right-aligned with its header."""
NUMBER_WIDTHS = {"money": 12, "count": 9, "date": 11, "variance": 13, "precise": 16, "pvalue": 9, "general": 0, "text": 0}
"""The column width (in characters) a kind of number needs; others need their format's length and 3."""
_INPUT = {"font_color": "#0000CC", "bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}
_CONSTANT = {"font_color": "#808080"}
INPUT_FILL = "FFF2CC"
"""The fill colour of input cells (tests and readers recognize inputs by it)."""
CONSTANT_FONT = "808080"
"""The font colour of structural constants (a restriction matrix's 0 and 1), which are not inputs."""


class Styles:
    """The workbook's cell formats, created once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self._workbook = workbook
        self._cache: dict[tuple[str, str], Any] = {}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.heading = workbook.add_format({"bold": True, "font_size": 11, "bottom": 1})
        self.header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "indent": 1})
        self.number_header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "align": "right"})
        self.label = workbook.add_format({})
        self.note = workbook.add_format({"italic": True, "font_color": "#595959"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.wrap_bold = workbook.add_format({"text_wrap": True, "valign": "top", "bold": True})
        self.wrap_note = workbook.add_format({"text_wrap": True, "valign": "top", "italic": True, "font_color": "#595959"})

    def number(self, kind: str, role: str = "formula") -> Any:
        """The format for a number of ``kind`` (see :data:`NUMBER_FORMATS`) in a ``role``:
        ``"formula"``, ``"input"`` or ``"constant"`` (structure, not meant to be changed)."""
        key = (kind, role)
        if key not in self._cache:
            extra = {"formula": {}, "input": _INPUT, "constant": _CONSTANT}[role]
            align = {} if kind in TEXT_KINDS else {"align": "right"}  # a numeric block's own header row too
            self._cache[key] = self._workbook.add_format({"num_format": NUMBER_FORMATS[kind], **align, **extra})
        return self._cache[key]


def area(sheet: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """Absolute reference to a block, ``'Model'!$B$3:$D$9`` (zero-based rows and columns)."""
    top_left = xl_rowcol_to_cell(first_row, first_col, row_abs=True, col_abs=True)
    bottom_right = xl_rowcol_to_cell(last_row, last_col, row_abs=True, col_abs=True)
    block = top_left if (first_row, first_col) == (last_row, last_col) else f"{top_left}:{bottom_right}"
    return f"{quote_sheetname(sheet)}!{block}"


@dataclass(frozen=True)
class Block:
    """A written block of cells: its sheet, zero-based corner and size."""

    sheet: str
    row: int
    col: int
    rows: int
    cols: int

    @property
    def ref(self) -> str:
        """Absolute reference to the whole block."""
        return area(self.sheet, self.row, self.col, self.row + self.rows - 1, self.col + self.cols - 1)

    def cell(self, row: int, col: int = 0) -> str:
        """Absolute reference to one cell of the block (zero-based inside the block)."""
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise IndexError(f"cell ({row}, {col}) is outside a {self.rows} x {self.cols} block")
        return area(self.sheet, self.row + row, self.col + col, self.row + row, self.col + col)

    def column(self, col: int, first: int = 0, last: int | None = None) -> str:
        """Absolute reference to rows ``first..last`` (inclusive, default all) of one column."""
        last = self.rows - 1 if last is None else last
        return area(self.sheet, self.row + first, self.col + col, self.row + last, self.col + col)


class Book:
    """An XlsxWriter workbook with factorxl's styles and calculation settings."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = Path(path)
        self.workbook = xlsxwriter.Workbook(str(self.path), {"use_future_functions": True})
        self.workbook.set_calc_mode("auto", calc_id=CALC_ID)
        self.workbook.calc_on_load = False  # XlsxWriter otherwise writes fullCalcOnLoad="1"
        self.workbook.set_properties({"title": title, "author": "factorxl", "comments": "Built by `factorxl build`."})
        self.styles = Styles(self.workbook)
        self.names: dict[str, str] = {}
        self.sheets: list[Sheet] = []

    def sheet(self, name: str) -> Sheet:
        """Add a worksheet."""
        sheet = Sheet(self, self.workbook.add_worksheet(name))
        self.sheets.append(sheet)
        return sheet

    def define(self, name: str, ref: str) -> str:
        """Define a workbook-level name for ``ref``; returns the name for use in formulas."""
        if name in self.names:
            raise ValueError(f"the name {name!r} is defined twice")
        self.workbook.define_name(name, f"={ref}")
        self.names[name] = ref
        return name

    def close(self) -> None:
        """Finish every sheet (:meth:`Sheet.finish`) and write the file."""
        for sheet in self.sheets:
            sheet.finish()
        self.workbook.close()


class Sheet:
    """One worksheet of a :class:`Book`, with writers for the template's kinds of cells."""

    def __init__(self, book: Book, worksheet: Any) -> None:
        self.book = book
        self.ws = worksheet
        self.name = worksheet.get_name()
        self.styles = book.styles
        self.title_rows = (0, 0)
        """The first and last row printed at the top of every page."""
        self.data_columns = False
        """A sheet of dated series: when too wide for one page it prints across pages with its
        first column repeated (any other sheet must fit one page wide)."""
        self._kinds: dict[tuple[int, int], str] = {}  # the kind of every written cell (labels: "text")
        self._texts: dict[tuple[int, int], tuple[str, str]] = {}  # label cells: text and font
        self._headers: list[tuple[int, int, str]] = []
        self._column_labels: list[tuple[int, int, int, str]] = []  # spilled header rows: row, col, cols, formula
        self._widths: dict[int, tuple[float, Any]] = {}  # column widths set, with the column's format
        self._heights: dict[int, float] = {}  # row heights set, in points
        self._headings: set[int] = set()  # rows that start a section: kept with what follows
        self._blocks: list[tuple[int, int]] = []  # first and last rows of the spilled blocks: kept whole
        self._charts: list[tuple[int, int, float, float]] = []  # row, col, width and height in pixels
        self._captions: list[tuple[int, str]] = []  # row, formula

    def _text(self, row: int, col: int, text: str, font: str = "plain") -> None:
        self._kinds[row, col] = "text"
        self._texts[row, col] = (text, font)

    def mark(self, row: int, col: int, kind: str) -> None:
        """Record a cell of ``kind`` written directly with ``ws`` (for :meth:`finish`)."""
        self._kinds[row, col] = kind

    def labels_of(self, block: Block, labels: Sequence[str], *, across: bool = False) -> None:
        """Declare the labels a function writes from ``block``'s top-left cell, down its first
        column (or ``across`` its first row), so that :meth:`finish` makes room for them."""
        for i, text in enumerate(labels):
            self.text_at(*((block.row, block.col + i) if across else (block.row + i, block.col)), text)

    def text_at(self, row: int, col: int, text: str) -> None:
        """Declare a text a function writes into one cell of its block (in a numeric column it is
        right-aligned like the numbers), so that :meth:`finish` makes room for it."""
        self._texts[row, col] = (text, "plain")

    def ref(self, row: int, col: int) -> str:
        """Absolute reference to one cell of this sheet."""
        return area(self.name, row, col, row, col)

    def title(self, text: str, subtitle: str | None = None) -> None:
        """The sheet's title in A1 and an optional one-line description in A2."""
        self.ws.write_string(0, 0, text, self.styles.title)
        self._text(0, 0, text, "title")
        self._heights.setdefault(0, TITLE_HEIGHT)
        if subtitle:
            self.note(1, 0, subtitle)

    def heading(self, row: int, col: int, text: str) -> None:
        """A section heading; a page never ends right after it (:meth:`finish`)."""
        self.ws.write_string(row, col, text, self.styles.heading)
        self._text(row, col, text, "bold")
        self.keep_with_next(row)

    def keep_with_next(self, row: int) -> None:
        """Start a new page before ``row`` (a heading) when too little of its section would
        follow it on the current page."""
        self._headings.add(row)

    def header(self, row: int, col: int, labels: Sequence[str]) -> None:
        """Column headers; :meth:`finish` right-aligns those over a numeric column."""
        for j, text in enumerate(labels):
            self.ws.write_string(row, col + j, text, self.styles.header)
            self._text(row, col + j, text, "header")
            self._headers.append((row, col + j, text))

    def column_labels(self, row: int, col: int, cols: int, text: str) -> Block:
        """A header row computed by a formula (labels spilled from another sheet); styled as
        :meth:`header` by :meth:`finish`."""
        self._column_labels.append((row, col, cols, text))
        self._kinds.update({(row, col + j): "text" for j in range(cols)})
        return Block(self.name, row, col, 1, cols)

    def label(self, row: int, col: int, text: str) -> None:
        self.ws.write_string(row, col, text, self.styles.label)
        self._text(row, col, text)

    def note(self, row: int, col: int, text: str) -> None:
        """Explanatory text (written as text even when it starts with "="); nothing when empty.
        It may run on into the empty cells to its right: the printed area takes them in."""
        if text:
            self.ws.write_string(row, col, text, self.styles.note)
            self._text(row, col, text, "italic")

    def caption(self, row: int, formula: str, lines: int = 2) -> None:
        """A formula's text (a data function's description) in a row of its own, wrapped across
        the columns of the first printed page (:meth:`finish` merges them)."""
        self._captions.append((row, formula))
        self._kinds[row, 0] = "text"
        self.row_height(row, DEFAULT_HEIGHT * lines)

    def hide_row(self, row: int) -> None:
        """Hide a row (shown elsewhere, e.g. by :meth:`caption`); it is neither shown nor printed."""
        self.ws.set_row(row, None, None, {"hidden": True})
        self._heights[row] = 0.0

    def row_height(self, row: int, points: float) -> None:
        """A row's height (for wrapped text), which :meth:`finish` counts when it lays out the pages."""
        self.ws.set_row(row, points)
        self._heights[row] = points

    def input(self, row: int, col: int, value: float | str, kind: str, name: str | None = None) -> str:
        """An input cell (input style); with ``name`` also a workbook name. Returns what formulas use."""
        fmt = self.styles.number(kind, "input")
        if isinstance(value, str):
            self.ws.write_string(row, col, value, fmt)
            self._text(row, col, value)
        else:
            self.ws.write_number(row, col, float(value), fmt)
            self._kinds[row, col] = kind
        ref = self.ref(row, col)
        return self.book.define(name, ref) if name else ref

    def inputs(self, row: int, col: int, values: Any, kind: str, role: str = "input") -> Block:
        """A block of input numbers (a 1-D sequence is written down one column); with
        ``role="constant"`` numbers that are structure, not inputs (a restriction matrix's 0 and 1)."""
        array = np.asarray(values, dtype=float)
        array = array.reshape(-1, 1) if array.ndim == 1 else array
        fmt = self.styles.number(kind, role)
        for i, line in enumerate(array):
            self.ws.write_row(row + i, col, line.tolist(), fmt)
        self._kinds.update({(row + i, col + j): kind for i in range(array.shape[0]) for j in range(array.shape[1])})
        return Block(self.name, row, col, *array.shape)

    def formula(self, row: int, col: int, text: str, kind: str) -> str:
        """A single-cell formula; returns its reference.

        It is an ordinary formula even when it calls a factorxl function: LibreOffice and
        Excel before 365 recalculate every array formula when they open a file, and would
        turn a factorxl call into ``#NAME?`` where the add-in is missing, but they show an
        ordinary formula's stored value. (Excel 365 shows such a call with the
        implicit-intersection ``@``, which leaves a single value as it is.)
        """
        self.ws.write_formula(row, col, text, self.styles.number(kind))
        self._kinds[row, col] = kind
        return self.ref(row, col)

    def spill(self, row: int, col: int, rows: int, cols: int, text: str, kinds: str | Sequence[str]) -> Block:
        """A dynamic-array formula filling ``rows x cols`` cells (a factorxl function or an array
        expression); ``kinds`` is one number format or one per column. A factorxl call filling
        one cell is an ordinary formula (see :meth:`formula`)."""
        if (rows, cols) == (1, 1) and calls_factorxl(text):
            self.formula(row, col, text, kinds if isinstance(kinds, str) else kinds[0])
            return Block(self.name, row, col, 1, 1)
        per_column = [kinds] * cols if isinstance(kinds, str) else list(kinds)
        if len(per_column) != cols:
            raise ValueError(f"{len(per_column)} formats for {cols} columns")
        taken = [address(row + i, col + j) for i in range(rows) for j in range(cols) if (row + i, col + j) in self._kinds]
        if taken:
            raise ValueError(f"the block {address(row, col)}:{address(row + rows - 1, col + cols - 1)} of {self.name!r} covers written cells ({', '.join(taken[:3])})")
        formats = [self.styles.number(kind) for kind in per_column]
        self.ws.write_dynamic_array_formula(row, col, row + rows - 1, col + cols - 1, text, formats[0])
        self._blocks.append((row, row + rows - 1))
        for j in range(1, cols):  # the spill cells hold placeholders until the refresh writes values
            for i in range(rows):
                self.ws.write_number(row + i, col + j, 0, formats[j])
        self._kinds.update({(row + i, col + j): per_column[j] for i in range(rows) for j in range(cols)})
        return Block(self.name, row, col, rows, cols)

    def format_rows(self, block: Block, row: int, kind: str) -> None:
        """Give one row of a spilled block its own number format (e.g. a count among coefficients)."""
        fmt = self.styles.number(kind)
        label_column = self._kinds.get((block.row + row, block.col)) in TEXT_KINDS
        for j in range(1 if label_column else 0, block.cols):
            if (row, j) != (0, 0):
                self.ws.write_number(block.row + row, block.col + j, 0, fmt)
            self._kinds[block.row + row, block.col + j] = kind

    def widths(self, widths: dict[int, float]) -> None:
        """Column widths (in characters); :meth:`finish` widens a column its labels need."""
        for col, width in widths.items():
            self.set_width(col, width)

    def set_width(self, col: int, width: float, fmt: Any = None) -> None:
        """One column's width and, optionally, the format of its empty cells."""
        self._widths[col] = (width, fmt)
        self.ws.set_column(col, col, width, fmt)

    def chart(self, row: int, col: int, chart: Any, x_scale: float, y_scale: float) -> None:
        """A chart with its top-left corner at a cell; a page break never cuts it."""
        self.ws.insert_chart(row, col, chart, {"x_scale": x_scale, "y_scale": y_scale})
        self._charts.append((row, col, CHART_PIXELS[0] * x_scale, CHART_PIXELS[1] * y_scale))

    # --- finishing: alignment, widths, pages -------------------------------------------------

    def finish(self) -> None:
        """Right-align the headers over numeric columns, widen the columns whose labels or
        numbers would not show in full, and set up the pages (:data:`PAGE`)."""
        right = self._align_headers()
        last_col = self._fit_columns(right)
        for row, formula in self._captions:
            band = PAGE[0] * WIDTH_RESERVE / 0.75  # the pixels of one page at full scale
            last = max(c for c in range(last_col + 1) if self._x(c + 1) <= band)
            self.ws.merge_range(row, 0, row, last, formula, self.styles.wrap_note)
        self.ws.set_margins(**MARGINS)
        self.ws.set_landscape()
        if self._charts:  # a sheet of charts prints its charts, not a range
            extent = max(self._x(col) + width for _, col, width, _ in self._charts) * 0.75
            tallest = max(height for *_, height in self._charts) * 0.75 + 2 * DEFAULT_HEIGHT
            scale = min(1.0, PAGE[0] * WIDTH_RESERVE / extent, PAGE[1] * HEIGHT_RESERVE / tallest)
        else:
            last_row = max(row for row, _ in self._kinds)
            self.ws.print_area(0, 0, last_row, last_col)
            scale = min(1.0, PAGE[0] * WIDTH_RESERVE / (self._x(last_col + 1) * 0.75))
        first, last = self.title_rows
        self.ws.repeat_rows(first, last)
        if scale < MIN_PRINT_SCALE:
            if not self.data_columns:
                raise ValueError(f"sheet {self.name!r} is {self._x(last_col + 1) * 0.75:.0f} points wide: too wide to print at {MIN_PRINT_SCALE:.0%}")
            self.ws.repeat_columns(0)  # prints across pages, the dates on each
            return
        self.ws.set_print_scale(math.floor(100 * scale))
        if self._headings or self._charts:
            self.ws.set_h_pagebreaks(self._page_breaks(math.floor(100 * scale) / 100))

    def _align_headers(self) -> set[tuple[int, int]]:
        """Style the headers (right-aligned over a numeric column); returns the cells of
        right-aligned text."""
        def numeric_below(row: int, col: int) -> bool:
            return self._kinds.get((row + 1, col), "text") not in TEXT_KINDS

        for row, col, text in self._headers:
            if numeric_below(row, col):
                self.ws.write_string(row, col, text, self.styles.number_header)
        for row, col, cols, text in self._column_labels:
            formats = [self.styles.number_header if numeric_below(row, col + j) else self.styles.header for j in range(cols)]
            self.ws.write_dynamic_array_formula(row, col, row, col + cols - 1, text, formats[0])
            for j in range(1, cols):  # placeholders until the refresh writes the labels
                self.ws.write_number(row, col + j, 0, formats[j])
        right = {(row, col) for row, col, _ in self._headers if numeric_below(row, col)}
        right |= {(row, col) for (row, col), kind in self._kinds.items() if kind not in TEXT_KINDS}  # text a function writes among numbers
        return right

    def _fit_columns(self, right: set[tuple[int, int]]) -> int:
        """Widen the columns labels and numbers need; returns the last column that prints
        (notes running on into empty columns included)."""
        needed: dict[int, float] = {}
        runs: list[tuple[int, int, float]] = []  # left-aligned text running on to the right, its pixels
        for (row, col), (text, font) in self._texts.items():
            if (row, col) in right or (row, col + 1) in self._kinds:  # cannot run on
                needed[col] = max(needed.get(col, 0.0), text_width(text, font))
            else:
                runs.append((row, col, text_pixels(text, font)))
        for (row, col), kind in self._kinds.items():
            needed[col] = max(needed.get(col, 0.0), NUMBER_WIDTHS.get(kind, len(NUMBER_FORMATS[kind]) + 3))
        for col, width in needed.items():
            if width > self._width(col):
                self.set_width(col, math.ceil(width), self._widths.get(col, (0, None))[1])
        last_col = max(col for _, col in self._kinds)
        occupied: dict[int, list[int]] = {}
        for row, col in self._kinds:
            occupied.setdefault(row, []).append(col)
        for row, col, pixels in runs:  # a note stops at the next cell of its row, or prints whole
            stop = min((c for c in occupied.get(row, ()) if c > col), default=None)
            end = col
            while self._x(end + 1) - self._x(col) < pixels and (stop is None or end + 1 < stop):
                end += 1
            short = pixels - (self._x(end + 1) - self._x(col))
            if short > 0:
                self.set_width(end, math.ceil(self._width(end) + short / 7), self._widths.get(end, (0, None))[1])
            last_col = max(last_col, end)
        return last_col

    def _width(self, col: int) -> float:
        return self._widths.get(col, (DEFAULT_WIDTH, None))[0]

    def _x(self, col: int) -> float:
        """The left edge of a column, in pixels (a column of width w is w x 7 + 5 pixels)."""
        return sum(math.floor(self._width(c) * 7 + 5) for c in range(col))

    def _page_breaks(self, scale: float) -> list[int]:
        """The rows that start a new page: every page holds what fits (with room to spare, so
        the program never breaks earlier), and a page ends before a section heading that
        would be left with too little of its section, before a block (with the label or header
        row above it) that would be split though it fits on a page, or before a chart that
        does not fit."""
        capacity = PAGE[1] * HEIGHT_RESERVE / scale
        first, last = self.title_rows
        repeated = sum(self._height(r) for r in range(first, last + 1))
        last_row = max([row for row, _ in self._kinds] + [row + math.ceil(height / 20) for row, _, _, height in self._charts])
        filled = {row for row, _ in self._kinds}
        keep: dict[int, float] = {}
        for top, bottom in self._blocks:
            top -= (top - 1) in filled
            height = sum(self._height(r) for r in range(top, bottom + 1))
            if height <= capacity - repeated:
                keep[top] = max(keep.get(top, 0.0), height)
        for row in self._headings:
            keep[row] = max(keep.get(row, 0.0), self._section_height(row, capacity - repeated))
        keep.update({row: height * 0.75 for row, _, _, height in self._charts})
        breaks, used = [], 0.0
        for row in range(last_row + 1):
            height = self._height(row)
            if row > last and used + max(height, keep.get(row, 0.0)) > capacity:
                breaks.append(row)
                used = repeated
            used += height
        return breaks

    def _section_height(self, heading: int, page: float) -> float:
        """The height kept with a heading: its whole section when it fits on a page, else its first rows."""
        later = [row for row in self._headings if row > heading]
        end = min(later) if later else max(row for row, _ in self._kinds) + 1
        filled = [row for row, _ in self._kinds if heading <= row < end]
        height = sum(self._height(r) for r in range(heading, max(filled) + 1))
        return height if height <= page else sum(self._height(r) for r in range(heading, heading + KEEP_ROWS))

    def _height(self, row: int) -> float:
        return self._heights.get(row, DEFAULT_HEIGHT)


@dataclass(frozen=True)
class Columns:
    """Contiguous data columns on a data sheet: their labels, header row and data rows."""

    sheet: str
    labels: tuple[str, ...]
    col: int
    header_row: int
    first_row: int
    last_row: int

    @property
    def data(self) -> str:
        """The data rows (no header)."""
        return area(self.sheet, self.first_row, self.col, self.last_row, self.col + len(self.labels) - 1)

    @property
    def with_header(self) -> str:
        """The header row and the data rows: factorxl functions take their labels from it."""
        return area(self.sheet, self.header_row, self.col, self.last_row, self.col + len(self.labels) - 1)

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    def pick(self, label: str) -> Columns:
        """One of the columns."""
        return Columns(self.sheet, (label,), self.col + self.labels.index(label), self.header_row, self.first_row, self.last_row)

    def rows_between(self, first_row: int, last_row: int) -> Columns:
        """The same columns over a sub-range of rows (the header row stays the one above)."""
        return Columns(self.sheet, self.labels, self.col, first_row - 1, first_row, last_row)


class DataSheet:
    """A sheet of dated series: dates in column A, one column per series, a header row.

    Values are written as numbers (inputs, the data a workbook is built from); computed
    columns are added with :meth:`add_formula_column`.
    """

    HEADER_ROW = 3

    def __init__(self, book: Book, name: str, frame: pd.DataFrame, kinds: dict[str, str], description: str) -> None:
        self.sheet = book.sheet(name)
        self.name = name
        self.index = frame.index
        self.first_row = self.HEADER_ROW + 1
        self.last_row = self.HEADER_ROW + len(frame)
        self._labels: list[str] = []
        self.sheet.title(name, description)
        self.sheet.header(self.HEADER_ROW, 0, ["date"])
        dates = [stamp.to_pydatetime() if isinstance(stamp, pd.Timestamp) else stamp for stamp in frame.index]
        date_format = self.sheet.styles.number("date")
        for i, day in enumerate(dates):
            self.sheet.ws.write_datetime(self.first_row + i, 0, day if isinstance(day, dt.datetime) else dt.datetime.combine(day, dt.time()), date_format)
        self.sheet.mark(self.first_row, 0, "date")
        self.sheet.set_width(0, 11)
        self.sheet.title_rows = (self.HEADER_ROW, self.HEADER_ROW)
        self.sheet.data_columns = True
        for label in frame.columns:
            self._write_values(label, frame[label].to_numpy(dtype=float), kinds[label])
        self.sheet.ws.freeze_panes(self.first_row, 1)

    def _next_col(self, label: str, kind: str) -> int:
        col = len(self._labels) + 1
        self._labels.append(label)
        self.sheet.header(self.HEADER_ROW, col, [label])
        self.sheet.set_width(col, 12, self.sheet.styles.number(kind))
        return col

    def _write_values(self, label: str, values: np.ndarray, kind: str) -> None:
        col = self._next_col(label, kind)
        fmt = self.sheet.styles.number(kind)
        for i in np.flatnonzero(~np.isnan(values)):
            self.sheet.ws.write_number(self.first_row + int(i), col, float(values[i]), fmt)
        self.sheet.mark(self.first_row, col, kind)  # one cell stands for the column's width

    def columns(self, first: str, last: str | None = None) -> Columns:
        """The contiguous columns from ``first`` to ``last`` (default: just ``first``)."""
        start = self._labels.index(first)
        stop = self._labels.index(last or first)
        labels = tuple(self._labels[start : stop + 1])
        return Columns(self.name, labels, start + 1, self.HEADER_ROW, self.first_row, self.last_row)

    def row_of(self, stamp: Any) -> int:
        """The sheet row of a date of the index."""
        return self.first_row + int(self.index.get_loc(stamp))

    def add_formula_columns(self, labels: Sequence[str], kind: str, formula: str, first_row: int | None = None, last_row: int | None = None) -> Columns:
        """Computed columns: one dynamic-array formula over their rows (default all rows)."""
        cols = [self._next_col(label, kind) for label in labels]
        first, last = first_row or self.first_row, last_row or self.last_row
        self.sheet.spill(first, cols[0], last - first + 1, len(cols), formula, kind)
        return Columns(self.name, tuple(labels), cols[0], first - 1, first, last)

    def add_row_formulas(self, label: str, kind: str, formula: Callable[[int, int], str], first_row: int, last_row: int) -> Columns:
        """A computed column of ordinary per-row formulas (running sums and the like):
        ``formula(row, col)`` gives the text for each sheet row of ``first_row..last_row``."""
        col = self._next_col(label, kind)
        for row in range(first_row, last_row + 1):
            self.sheet.formula(row, col, formula(row, col), kind)
        return Columns(self.name, (label,), col, first_row - 1, first_row, last_row)


def notes_sheet(book: Book, title: str, sections: Sequence[tuple[str, str]]) -> Sheet:
    """The Notes sheet: a title, the version of factorxl that calculated the workbook, then one
    heading and one wrapped paragraph per section."""
    sheet = book.sheet("Notes")
    sheet.title(title)
    sheet.formula(1, 0, '="Calculated with factorxl "&FACTORXL_VERSION()', "general")
    sheet.set_width(0, NOTES_WIDTH)
    line = math.floor(NOTES_WIDTH * 7 + 5) - _CELL_MARGINS  # the pixels of one wrapped line
    row = 2
    for heading, text in sections:
        sheet.ws.write_string(row, 0, heading, sheet.styles.wrap_bold)
        sheet.ws.write_string(row + 1, 0, text, sheet.styles.wrap)
        sheet.mark(row, 0, "text")
        sheet.mark(row + 1, 0, "text")
        sheet.keep_with_next(row)
        lines = sum(max(1, math.ceil(text_pixels(paragraph) / line)) for paragraph in text.split("\n"))
        sheet.row_height(row + 1, DEFAULT_HEIGHT * lines)
        row += 3
    return sheet


NOTES_WIDTH = 110
"""The width of the Notes sheet's column of paragraphs, in characters."""


INPUT_LEGEND = "Blue on yellow: inputs (change them; named cells keep their names). Black: formulas."


@dataclass(frozen=True)
class Headline:
    """A number ``factorxl build`` prints after building: its label and cell."""

    label: str
    sheet: str
    cell: str  # A1 address, e.g. "C12"
    spec: str  # Python format spec for printing, e.g. ".12f"


@dataclass(frozen=True)
class Built:
    """What a template builder wrote: the headline cells and the parts it had to leave out."""

    headlines: tuple[Headline, ...]
    skipped: tuple[str, ...] = ()


DEFAULT_WIDTH = 8.43
"""Excel's default column width, in characters of the default font (Calibri 11)."""

DEFAULT_HEIGHT = 15.0
"""Excel's default row height for Calibri 11, in points."""

TITLE_HEIGHT = 19.0
"""The height of a row holding a 14-point title, in points."""

MARGINS = {"left": 0.25, "right": 0.25, "top": 0.5, "bottom": 0.5}
"""Page margins, in inches."""

PAGE = (756.0, 523.0)
"""The printable width and height of a landscape page inside :data:`MARGINS`, in points: the
smaller of Letter (11 x 8.5 in) and A4 (297 x 210 mm), so a sheet lays out on either."""

MIN_PRINT_SCALE = 0.75
"""The smallest print scale: 11-point text prints at 8.25 points."""

WIDTH_RESERVE, HEIGHT_RESERVE = 0.92, 0.88
"""The share of a page's width and height the layout fills: room for the printing program's own
column widths (LibreOffice counts a character as the digit width of Carlito, 7.4 pixels, where
Excel counts 7) and row heights, and for a note a shareable copy adds near the top."""

KEEP_ROWS = 6
"""A heading whose section does not fit on one page stays with at least this many of its rows."""

CHART_PIXELS = (480, 288)
"""The size of an unscaled chart (XlsxWriter's default), in pixels."""

_ADVANCES = {  # Carlito's advance widths (Calibri's metrics) of the characters " " to "~", in 1/2048 em
    "plain": (
        "463 667 821 1020 1038 1464 1397 452 621 621 1020 1020 511 627 517 791 1038 1038 1038 1038 1038 1038 "
        "1038 1038 1038 1038 548 548 1020 1020 1020 949 1831 1185 1114 1092 1260 1000 941 1292 1276 516 653 "
        "1064 861 1751 1322 1356 1058 1378 1112 941 998 1314 1162 1822 1063 998 959 628 791 628 1020 1020 596 "
        "981 1076 866 1076 1019 625 964 1076 470 490 931 470 1636 1076 1080 1076 1076 714 801 686 1076 925 "
        "1464 887 927 809 644 943 644 1020"
    ),
    "bold": (
        "463 667 898 1020 1038 1493 1443 478 638 638 1020 1020 528 627 547 880 1038 1038 1038 1038 1038 1038 "
        "1038 1038 1038 1038 565 565 1020 1020 1020 949 1840 1241 1148 1084 1291 999 940 1305 1292 546 678 "
        "1120 866 1790 1349 1385 1090 1405 1153 968 1014 1337 1211 1856 1128 1064 979 665 880 665 1020 1020 "
        "615 1011 1099 857 1099 1031 648 971 1099 503 523 983 503 1666 1099 1101 1099 1099 728 817 710 1099 "
        "969 1526 941 970 814 704 973 704 1020"
    ),
    "italic": (
        "463 667 821 1020 1038 1464 1397 452 621 621 1020 1020 511 627 517 794 1038 1038 1038 1038 1038 1038 "
        "1038 1038 1038 1038 548 548 1020 1020 1020 949 1831 1185 1114 1070 1260 1000 941 1292 1276 516 653 "
        "1064 861 1751 1320 1340 1058 1360 1112 926 998 1314 1162 1823 1063 998 959 628 787 628 1020 1020 596 "
        "1053 1053 852 1053 978 625 1053 1053 470 490 931 470 1620 1053 1051 1053 1053 702 797 686 1053 913 "
        "1464 887 916 809 644 943 644 1020"
    ),
}
_WIDTHS = {style: [int(n) for n in widths.split()] for style, widths in _ADVANCES.items()}
_WIDE_CHARACTER = 1854  # an em dash: any character outside the table counts as wide as it
_FONTS = {"plain": ("plain", 11), "italic": ("italic", 11), "bold": ("bold", 11), "header": ("bold", 11), "title": ("bold", 14)}
_INDENT_PIXELS = {"header": 10}  # a header's indent
_CELL_MARGINS = 6  # pixels left free around a cell's text
_RENDERING = 1.05  # room for a program that draws the text slightly wider


def text_pixels(text: str, font: str = "plain") -> float:
    """The pixels (at 96 dpi) a cell needs to show ``text`` in full in Calibri 11 (``font``
    ``"plain"``, ``"italic"``, ``"bold"``, ``"header"``: bold and indented) or the 14-point bold
    title: the characters' widths, the cell's margins and a reserve for rendering."""
    style, size = _FONTS[font]
    widths = _WIDTHS[style]
    units = sum(widths[ord(c) - 32] if 32 <= ord(c) < 127 else _WIDE_CHARACTER for c in text)
    return units / 2048 * size * 96 / 72 * _RENDERING + _CELL_MARGINS + _INDENT_PIXELS.get(font, 0)


def text_width(text: str, font: str = "plain") -> float:
    """The column width (in characters) that shows ``text`` in full: a column of width w is
    w x 7 + 5 pixels wide."""
    return (text_pixels(text, font) - 5) / 7


def address(row: int, col: int) -> str:
    """The A1 address of a zero-based cell, without sheet or ``$``."""
    return xl_rowcol_to_cell(row, col)
