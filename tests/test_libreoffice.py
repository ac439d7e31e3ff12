"""The templates and their shareable copies opened by LibreOffice, a second and independent
spreadsheet engine: what a colleague without factorxl sees, the native twins recalculated by
LibreOffice against factorxl's stored values, and the printed pages (LibreOffice's PDF).

One soffice run per kind of opening serves every test (a fixture of the whole test run): the
templates as LibreOffice opens them by default, the shareable copies recalculated in full, and
the copies printed to PDF without their long data sheets."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import coordinate_from_string

from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.share import share_workbook
from tests.libreoffice import convert, missing, pdf_text, require_soffice, without_sheets_in_print
from tests.tolerance import same_value
from tests.workbook_checks import CELL_ATOL, CELL_RTOL, Book, every_cell, twin_difference_headers

NAMES = ("msft", "arkk_brk", "minimodel", "famamacbeth")
DATA_SHEETS = ("Data", "CoMovement Data")
CARLITO = Path("/usr/share/fonts/truetype/crosextra")
ERROR_VALUES = {"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:502", "Err:504"}


@pytest.fixture(scope="session")
def libreoffice(built_books, tmp_path_factory) -> dict:
    """name -> the template, its shareable copy, the template as LibreOffice opens it, the
    copy recalculated by LibreOffice, and the copy's PDF."""
    require_soffice()
    folder = tmp_path_factory.mktemp("libreoffice")
    templates = [built_books[name].path for name in NAMES]
    copies = [share_workbook(path, folder / f"{path.stem}-shareable.xlsx").destination for path in templates]
    as_loaded = convert(templates, "xlsx", folder, "never")
    recalculated = convert(copies, "xlsx", folder, "always")
    printable = [without_sheets_in_print(copy, folder / f"print-{copy.name}", DATA_SHEETS) for copy in copies]
    pdfs = convert(printable, "pdf", folder, "always")
    return {
        name: {"template": t, "copy": c, "as_loaded": a, "recalculated": r, "pdf": p}
        for name, t, c, a, r, p in zip(NAMES, templates, copies, as_loaded, recalculated, pdfs)
    }


@functools.cache
def _book(path: Path) -> Book:
    """A workbook's formulas and values, loaded once for all the tests (they only read them)."""
    return Book(path)


@functools.cache
def _values(path: Path) -> openpyxl.Workbook:
    """A workbook LibreOffice wrote, its values loaded once."""
    return openpyxl.load_workbook(path, data_only=True)


def _errors(path: Path) -> list[str]:
    book = _values(path)
    return [f"{ws.title}!{c.coordinate}={c.value}" for ws, c in every_cell(book) if c.value in ERROR_VALUES]


@pytest.mark.parametrize("name", NAMES)
def test_shareable_copies_recalculate_without_errors(libreoffice, name):
    errors = _errors(libreoffice[name]["recalculated"])
    assert errors == [], (len(errors), errors[:10])


def _close(found, stored) -> bool:
    return (found in (None, "") and stored in (None, "")) or same_value(found, stored, rtol=CELL_RTOL, atol=CELL_ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_single_cell_factorxl_results_keep_their_values_as_loaded(libreoffice, name):
    """A colleague's LibreOffice (default settings) shows every single-value factorxl call's
    stored value: they are ordinary formulas, which LibreOffice does not recalculate on load."""
    template = _book(libreoffice[name]["template"])
    loaded = _values(libreoffice[name]["as_loaded"])
    checked = 0
    for ws, cell in every_cell(template.formulas):
        if isinstance(cell.value, str) and cell.value.startswith("=") and calls_factorxl(cell.value):
            stored = template.value(ws.title, cell.coordinate)
            assert _close(loaded[ws.title][cell.coordinate].value, stored), (ws.title, cell.coordinate, stored)
            checked += 1
    assert checked >= {"msft": 20, "arkk_brk": 2, "minimodel": 1, "famamacbeth": 0}[name]


_REFERENCE = r"((?:'[^']+'|\w+)!)(\$?[A-Z]+\$?)(\d+)(?::\$?[A-Z]+\$?\d+)?"
_DIFFERENCE = re.compile(rf"^={_REFERENCE}-{_REFERENCE}$")
TWINS = {"msft": 33, "arkk_brk": 42, "minimodel": 42}  # "factorxl - twin" cells of each template; FamaMacBeth has none


def _cell(book: openpyxl.Workbook, reference: str):
    sheet, cell = reference.rsplit("!", 1)
    return book[sheet.strip("'")][cell.replace("$", "")].value


def _twin_pairs(template: Book):
    """(sheet, factorxl cell, twin cell) of every cell under a "factorxl - twin" header.

    Each such cell is ``=factorxl cell - twin cell``, or one row of an array formula
    ``=factorxl range - twin range``; anything else there fails the test."""
    for ws, header in twin_difference_headers(template):
        r = header.row + 1
        while (formula := template.formulas[ws.title].cell(r, header.column).value) is not None:
            text, rows = (formula.text, int(re.findall(r"\d+", formula.ref)[-1]) - r + 1) if hasattr(formula, "text") else (formula, 1)
            pair = _DIFFERENCE.match(str(text))
            assert pair, (ws.title, r, text)
            sheet_a, column_a, row_a, sheet_b, column_b, row_b = pair.groups()
            for i in range(rows):
                yield ws.title, f"{sheet_a}{column_a}{int(row_a) + i}", f"{sheet_b}{column_b}{int(row_b) + i}"
            r += rows


@pytest.mark.parametrize("name", TWINS)
def test_native_twins_recalculated_by_libreoffice_equal_the_stored_factorxl_values(libreoffice, name):
    """Every "factorxl - twin" difference is ``=factorxl cell - twin cell`` (or a range of them):
    LibreOffice recalculates the twin from the data and inputs (the copy's factorxl cells are
    constants)."""
    template = _book(libreoffice[name]["template"])
    recalculated = _values(libreoffice[name]["recalculated"])
    pairs = list(_twin_pairs(template))
    for sheet, factorxl, twin in pairs:
        stored, native = _cell(template.values, factorxl), _cell(recalculated, twin)
        assert native == pytest.approx(stored, rel=1e-9, abs=1e-12), (sheet, twin, native, stored)
    assert len(pairs) == TWINS[name]


def test_libreoffice_recalculates_the_minimodel_twins_to_factorxl_values(libreoffice):
    """The MiniModel's twins recompute its factorxl results by matrix algebra from its inputs."""
    template = _book(libreoffice["minimodel"]["template"])
    recalculated = _book(libreoffice["minimodel"]["recalculated"])
    pairs = [("9 Chapter 2", f"C{r}", f"B{r}") for r in range(19, 27)]
    pairs += [("3 Regression", f"C{r}", f"B{r}") for r in range(7, 17)]
    pairs += [("2 Exposures", f"{c}{r}", f"{c}{r - 13}") for c in "FGH" for r in range(20, 30)]
    for sheet, twin, factorxl in pairs:
        assert recalculated.number(sheet, twin) == pytest.approx(template.number(sheet, factorxl), rel=1e-9, abs=1e-12), (sheet, twin)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", NAMES)
def test_printed_sheets_show_every_number_and_every_label_whole(libreoffice, name):
    """LibreOffice draws a number too wide for its column as ###, and cuts a label at a
    non-empty neighbour: the PDF's text then lacks the label's end."""
    text = pdf_text(libreoffice[name]["pdf"])
    assert "###" not in text
    assert "Shareable copy of" in text
    printed, copy = _words(text), _book(libreoffice[name]["copy"])
    labels = Counter(
        _words(cell.value)
        for ws, cell in every_cell(copy.values)
        if ws.title not in DATA_SHEETS
        and isinstance(cell.value, str)
        and ws.cell(cell.row, cell.column + 1).value is not None  # else it may run on past the page
        and not copy.formulas[ws.title][cell.coordinate].alignment.wrap_text
    )
    cut = {label: (count, printed.count(label)) for label, count in labels.items() if printed.count(label) < count}
    assert len(labels) > 40 and cut == {}, cut


# --- column widths, measured with Carlito (metrically compatible with Calibri) -------------


class Carlito:
    """Text widths in pixels at 96 dpi, from the font's advance widths."""

    def __init__(self) -> None:
        from fontTools.ttLib import TTFont

        self._fonts = {}
        for style in ("Regular", "Bold", "Italic", "BoldItalic"):
            path = CARLITO / f"Carlito-{style}.ttf"
            if not path.exists():
                missing(f"the Carlito font {path} (fonts-crosextra-carlito)")
            font = TTFont(path)
            self._fonts[style] = (font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm)

    def width(self, text: str, size: float, bold: bool, italic: bool) -> float:
        style = ("Bold" if bold else "") + ("Italic" if italic else "") or "Regular"
        cmap, metrics, units = self._fonts[style]
        advance = sum(metrics[cmap.get(ord(c), ".notdef")][0] for c in text)
        return advance / units * size * 96 / 72


def _column_pixels(ws, column: str) -> float:
    """A column's width in pixels: Excel's characters of 7 pixels (Calibri 11) plus 5 of margin."""
    dimension = ws.column_dimensions.get(column)
    width = dimension.width if dimension is not None and dimension.customWidth else 8.43
    for dimension in ws.column_dimensions.values():  # a width given to a range of columns
        if dimension.min and dimension.max and dimension.min <= openpyxl.utils.column_index_from_string(column) <= dimension.max and dimension.customWidth:
            width = dimension.width
    return int(width * 7 + 5)


def clipped_labels(path: Path, font: Carlito) -> tuple[list[str], int]:
    """Text cells cut off by a non-empty neighbour (the width their text needs, with the cell's
    3-pixel margins, is more than the column's), and how many text cells were checked."""
    formats, values = _book(path).formulas, _book(path).values
    clipped, checked = [], 0
    for shown, cell in every_cell(values):
        ws = formats[shown.title]
        styled = ws[cell.coordinate]
        if not isinstance(cell.value, str) or styled.alignment.wrap_text:
            continue
        if shown.cell(cell.row, cell.column + 1).value is None:
            continue  # the text runs on into the empty cell
        column, _ = coordinate_from_string(cell.coordinate)
        indent = 10 * (styled.alignment.indent or 0)  # about 10 pixels an indent level
        needed = font.width(cell.value, styled.font.sz or 11, bool(styled.font.b), bool(styled.font.i)) + 6 + indent
        checked += 1
        if needed > _column_pixels(ws, column):
            clipped.append(f"{ws.title}!{cell.coordinate} {cell.value!r} needs {needed:.0f} px of {_column_pixels(ws, column)}")
    return clipped, checked


LISTED = {
    "msft": [("Model", "E13"), ("Model", "E45"), ("Model", "E52"), ("CoMovement", "F8"), ("CoMovement", "F20")],
    "arkk_brk": [("Regressions", c) for c in ("L12", "L13", "L30", "L31")],
    "minimodel": [("3 Regression", "A48"), ("4 Risk model", "I27"), ("4 Risk model", "A61")],
    "famamacbeth": [],
}


@pytest.mark.parametrize("name", NAMES)
def test_every_label_shows_in_full(built_books, name):
    clipped, checked = clipped_labels(built_books[name].path, Carlito())
    assert clipped == [] and checked > 20, clipped[:10]
    book = _book(built_books[name].path)
    for sheet, cell in LISTED[name]:  # the cells once cut off: now shown whole, or running on into an empty cell
        text = book.value(sheet, cell)
        assert isinstance(text, str) and not any(text in line for line in clipped), (sheet, cell)


def test_numeric_headers_are_right_aligned_and_small_p_values_show(built_books):
    book = _book(built_books["msft"].path)
    for sheet, cell in LISTED["msft"]:
        assert book.formulas[sheet][cell].alignment.horizontal == "right", (sheet, cell, book.value(sheet, cell))
    p_value = book.formulas["Model"]["E14"]
    assert book.value("Model", "E13") == "p-value" and 0 < book.number("Model", "E14") < 0.001
    assert "E+00" in p_value.number_format  # 0.00032 shows as 3.2E-04, not 0.000


@pytest.mark.parametrize("name", NAMES)
def test_sheets_print_landscape_one_page_wide_with_titles(built_books, name):
    for ws in _book(built_books[name].path).formulas.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title  # 1 by default
        assert ws.print_title_rows, ws.title
        tall = ws.page_setup.fitToHeight in (None, 1)  # one page (the default) or as many as needed (0)
        assert tall == (ws.title == "Charts"), ws.title  # a sheet of charts prints on one page: each chart whole
