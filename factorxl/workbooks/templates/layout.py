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
* they print: landscape, one page wide, the title rows repeated on every page, a sheet of
  charts on one page; columns are wide enough for every label (:meth:`Book.close` widens
  them), and headers and numbers of a numeric column are right-aligned;
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
NUMBER_WIDTHS = {"money": 12, "count": 9, "date": 11, "variance": 13, "precise": 16, "pvalue": 10, "general": 0, "text": 0}
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
        self.print_title_rows = 1
        """How many rows at the top print on every page."""
        self._kinds: dict[tuple[int, int], str] = {}  # the kind of every written cell (labels: "text")
        self._texts: dict[tuple[int, int], tuple[str, str]] = {}  # label cells: text and font
        self._headers: list[tuple[int, int, str]] = []
        self._widths: dict[int, tuple[float, Any]] = {}  # column widths set, with the column's format
        self._charts = False

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
            self._texts[(block.row, block.col + i) if across else (block.row + i, block.col)] = (text, "plain")

    def ref(self, row: int, col: int) -> str:
        """Absolute reference to one cell of this sheet."""
        return area(self.name, row, col, row, col)

    def title(self, text: str, subtitle: str | None = None) -> None:
        """The sheet's title in A1 and an optional one-line description in A2."""
        self.ws.write_string(0, 0, text, self.styles.title)
        self._text(0, 0, text, "title")
        if subtitle:
            self.note(1, 0, subtitle)

    def heading(self, row: int, col: int, text: str) -> None:
        self.ws.write_string(row, col, text, self.styles.heading)
        self._text(row, col, text, "bold")

    def header(self, row: int, col: int, labels: Sequence[str]) -> None:
        """Column headers; :meth:`finish` right-aligns those over a numeric column."""
        for j, text in enumerate(labels):
            self.ws.write_string(row, col + j, text, self.styles.header)
            self._text(row, col + j, text, "header")
            self._headers.append((row, col + j, text))

    def label(self, row: int, col: int, text: str) -> None:
        self.ws.write_string(row, col, text, self.styles.label)
        self._text(row, col, text)

    def note(self, row: int, col: int, text: str) -> None:
        """Explanatory text (written as text even when it starts with "="); nothing when empty."""
        if text:
            self.ws.write_string(row, col, text, self.styles.note)
            self._text(row, col, text, "italic")

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
        formats = [self.styles.number(kind) for kind in per_column]
        self.ws.write_dynamic_array_formula(row, col, row + rows - 1, col + cols - 1, text, formats[0])
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
        """A chart with its top-left corner at a cell; a sheet of charts prints on one page."""
        self.ws.insert_chart(row, col, chart, {"x_scale": x_scale, "y_scale": y_scale})
        self._charts = True

    def finish(self) -> None:
        """Right-align the headers over numeric columns, widen the columns whose labels or
        numbers would not show in full, and set up the page for printing."""
        for row, col, text in self._headers:
            if self._kinds.get((row + 1, col), "text") not in TEXT_KINDS:
                self.ws.write_string(row, col, text, self.styles.number_header)
        needed: dict[int, float] = {}
        for (row, col), (text, font) in self._texts.items():
            if (row, col + 1) in self._kinds:  # a label with a neighbour cannot overflow into it
                needed[col] = max(needed.get(col, 0.0), text_width(text, font))
        for (row, col), kind in self._kinds.items():
            needed[col] = max(needed.get(col, 0.0), NUMBER_WIDTHS.get(kind, len(NUMBER_FORMATS[kind]) + 3))
        for col, width in needed.items():
            current, fmt = self._widths.get(col, (DEFAULT_WIDTH, None))
            if width > current:
                self.set_width(col, math.ceil(width), fmt)
        if self._kinds and not self._charts:  # a sheet of charts prints its charts, not a range
            # the cells with values: a long note running on past the last one is not printed,
            # which keeps the page legible rather than shrinking it to fit the note
            last_row, last_col = (max(index) for index in zip(*self._kinds))
            self.ws.print_area(0, 0, last_row, last_col)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 1 if self._charts else 0)
        self.ws.repeat_rows(0, self.print_title_rows - 1)


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
        self.sheet.print_title_rows = self.HEADER_ROW + 1
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
    sheet.ws.set_column(0, 0, 110)
    row = 2
    for heading, text in sections:
        sheet.ws.write_string(row, 0, heading, sheet.styles.wrap_bold)
        sheet.ws.write_string(row + 1, 0, text, sheet.styles.wrap)
        sheet.mark(row + 1, 0, "text")
        sheet.ws.set_row(row + 1, 15 * max(1, len(text) // 100 + 1 + text.count("\n")))
        row += 3
    return sheet


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

_NARROW = frozenset("fijlrtI!|.,;:'()[]{} -/")
_WIDE = frozenset("mwMW@%&")
_FONT_SCALE = {"plain": 1.0, "italic": 1.0, "bold": 1.12, "header": 1.12, "title": 1.12 * 14 / 11}
_INDENT = {"header": 1.5}  # a header's indent, in characters


def text_width(text: str, font: str = "plain") -> float:
    """A generous estimate of the column width (in characters) that shows ``text`` in full in
    Calibri 11 (``font`` ``"plain"``, ``"italic"``, ``"bold"``, ``"header"``: bold and indented)
    or the 14-point bold title:
    narrow letters count half a character, capitals and m/w more, plus the cell's margins."""
    units = sum(0.6 if c in _NARROW else 1.55 if c in _WIDE else 1.2 if c.isupper() else 1.0 for c in text)
    return units * _FONT_SCALE[font] + 1.5 + _INDENT.get(font, 0.0)


def address(row: int, col: int) -> str:
    """The A1 address of a zero-based cell, without sheet or ``$``."""
    return xl_rowcol_to_cell(row, col)
