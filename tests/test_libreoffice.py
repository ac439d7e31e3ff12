"""The templates and their shareable copies opened by LibreOffice, a second and independent
spreadsheet engine: what a colleague without factorxl sees, the native twins recalculated by
LibreOffice against factorxl's stored values, and the printed pages (LibreOffice's PDF, with
each sheet's own page setup).

One soffice run per kind of opening serves every test (a fixture of the whole test run; the
runs work side by side): the templates as LibreOffice opens them by default, the shareable
copies recalculated in full, and every sheet of the templates (their stored values, as Excel
shows them) and of the copies printed to PDF, one PDF a book."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from zipfile import ZipFile

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.share import share_workbook
from factorxl.workbooks.templates.layout import INPUT_FILL, MIN_PRINT_SCALE, NUMBER_FORMATS
from tests.libreoffice import PrintedPages, missing, require_soffice, start_conversion, values_only
from tests.tolerance import same_value
from tests.workbook_checks import CELL_ATOL, CELL_RTOL, Book, every_cell, twin_difference_headers

NAMES = ("msft", "arkk_brk", "minimodel", "famamacbeth")
DATA_SHEETS = ("Data", "CoMovement Data", "Excess")
CARLITO = Path("/usr/share/fonts/truetype/crosextra")
ERROR_VALUES = {"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:502", "Err:504"}
PRINTED = ("template", "copy")
"""What is printed of each book: the template's stored values (as Excel shows them) and the shareable copy."""
SMALLEST_TEXT = 8.0
"""Printed text is at least this many points."""


@pytest.fixture(scope="session")
def libreoffice(built_books, tmp_path_factory) -> dict:
    """name -> the template, its shareable copy, the template as LibreOffice opens it, the
    copy recalculated by LibreOffice, and the copy's PDF."""
    require_soffice()
    folder = tmp_path_factory.mktemp("libreoffice")
    templates = [built_books[name].path for name in NAMES]
    shown = [values_only(path, folder / f"{path.stem}-as-shown.xlsx") for path in templates]
    printing = start_conversion(shown, "pdf", folder, "always", "pdf-templates")  # side by side with the copies
    copies = [share_workbook(path, folder / f"{path.stem}-shareable.xlsx").destination for path in templates]
    runs = [
        start_conversion(copies, "pdf", folder, "always", "pdf-copies"),
        start_conversion(templates, "xlsx", folder, "never"),
        start_conversion(copies, "xlsx", folder, "always"),
    ]
    printed = printing.wait()
    printed_copies, as_loaded, recalculated = (run.wait() for run in runs)
    return {
        name: {"template": t, "copy": c, "as_loaded": a, "recalculated": r, "pdf": {"template": p, "copy": q}}
        for name, t, c, a, r, p, q in zip(NAMES, templates, copies, as_loaded, recalculated, printed, printed_copies)
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


@functools.cache
def _pages(path: Path) -> PrintedPages:
    return PrintedPages.read(path)


def _printed(libreoffice, name: str, kind: str) -> tuple[Book, PrintedPages]:
    """A printed book: its cells (the copy's, or the template's, whose stored values are what
    its printed copy without formulas shows) and its pages."""
    return _book(libreoffice[name][kind]), _pages(libreoffice[name]["pdf"][kind])


def _compact(text: str) -> str:
    """Text without its spaces and line breaks (a wrapped cell prints on several lines)."""
    return "".join(text.split())


def printed_cells(book: Book):
    """Every (worksheet, cell) a sheet prints: inside its print area, on a visible row."""
    for ws in book.values.worksheets:
        left, top, right, bottom = _print_bounds(book, ws.title)
        hidden = {r for r, dimension in book.formulas[ws.title].row_dimensions.items() if dimension.hidden}
        for row in ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right):
            for cell in row:
                if cell.row not in hidden and cell.value is not None:
                    yield ws, cell


def _page_of(pages: PrintedPages, index: int) -> str:
    first = next((line.strip() for line in pages.texts[index].splitlines() if line.strip()), "")
    return f"page {index + 1} ({first[:50]!r})"


@pytest.mark.parametrize("kind", PRINTED)
@pytest.mark.parametrize("name", NAMES)
def test_printed_pages_show_no_hashes_no_errors_and_no_text_under_8_points(libreoffice, name, kind):
    """LibreOffice draws a number too wide for its column as ###; fitting a wide sheet on one
    page shrinks its text."""
    _, pages = _printed(libreoffice, name, kind)
    text = "\f".join(pages.texts)
    assert "###" not in text
    assert not [error for error in ERROR_VALUES if error in text]
    small = [f"{_page_of(pages, i)}: {size:.1f} pt" for i, size in enumerate(pages.smallest) if size < SMALLEST_TEXT]
    assert small == [], (len(small), small[:10])
    template = libreoffice[name]["template"]
    assert ("Shareable copy of" in text) == (kind == "copy")
    assert kind == "template" or _compact(f"Shareable copy of {template.name}, made by factorxl") in _compact(text)  # the original by its file name,
    assert str(template.parent) not in text  # not by its path on the builder's disk


@pytest.mark.parametrize("kind", PRINTED)
@pytest.mark.parametrize("name", NAMES)
def test_printed_labels_are_whole(libreoffice, name, kind):
    """Every text a sheet prints is on the pages, whole and as often as the sheet holds it (none
    left out of the printed area or on a hidden row). LibreOffice writes a text its cell clips
    whole under a clipping path: whether each fits its cell is measured by
    test_every_label_shows_in_full."""
    book, pages = _printed(libreoffice, name, kind)
    printed = _compact("".join(pages.texts))
    labels = Counter(_compact(cell.value) for _, cell in printed_cells(book) if isinstance(cell.value, str) and cell.value.strip())
    cut = {label: (count, printed.count(label)) for label, count in labels.items() if printed.count(label) < count}
    assert len(labels) > 40 and cut == {}, cut


def _headings(book: Book) -> set[tuple[str, str]]:
    """The section headings, (sheet, text): bold cells without a header's fill, not the sheet
    title."""
    return {
        (ws.title, cell.value.strip())
        for ws, cell in printed_cells(book)
        if isinstance(cell.value, str) and book.formulas[ws.title][cell.coordinate].font.b
        and (book.formulas[ws.title][cell.coordinate].fill.fgColor.rgb or "")[-6:] != "DDEBF7"
        and (book.formulas[ws.title][cell.coordinate].font.sz or 11) < 14
    }


STRANDED = {"msft": "Notes", "arkk_brk": "Compare", "minimodel": "5 Stress", "famamacbeth": "CAPM"}
"""A sheet of each book whose headings the check must see: those whose pages once ended with a
heading (FamaMacBeth's: a model sheet, whose tables a page once split)."""


@pytest.mark.parametrize("kind", PRINTED)
@pytest.mark.parametrize("name", NAMES)
def test_no_page_ends_with_a_section_heading(libreoffice, name, kind):
    book, pages = _printed(libreoffice, name, kind)
    found = _headings(book)
    assert STRANDED[name] in {sheet for sheet, _ in found}
    headings = {_compact(text) for _, text in found}
    stranded = []
    for i, text in enumerate(pages.texts):
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and _compact(lines[-1]) in headings:
            stranded.append(f"{_page_of(pages, i)}: {lines[-1].strip()!r}")
    assert len(headings) > 5 and stranded == [], stranded


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _beside(ws, cell, step: tuple[int, int]):
    """The nearest text cell left of (``step`` (0, -1)) or above (``(-1, 0)``) a cell."""
    row, col = cell.row + step[0], cell.column + step[1]
    while row >= 1 and col >= 1:
        value = ws.cell(row, col).value
        if isinstance(value, str) and value.strip():
            return value
        row, col = row + step[0], col + step[1]
    return ""


def p_value_cells(book: Book):
    """Every number whose row label or column header names a p-value (p-value, Prob ...), on
    the sheets that are not data."""
    for ws, cell in printed_cells(book):
        if ws.title not in DATA_SHEETS and _is_number(cell.value) and any(re.search(r"p-value|^Prob", _beside(ws, cell, step)) for step in ((0, -1), (-1, 0))):
            yield ws, cell


@pytest.mark.parametrize("name", NAMES)
def test_p_values_never_show_as_zero(libreoffice, name):
    """Every p-value has the format that shows p < 0.001 in scientific notation (3.2E-04, not
    0.000), and the printed pages show the small ones so."""
    book, pages = _printed(libreoffice, name, "copy")
    printed = "".join(pages.texts)
    cells = list(p_value_cells(book))
    for ws, cell in cells:
        assert book.formulas[ws.title][cell.coordinate].number_format == NUMBER_FORMATS["pvalue"], (ws.title, cell.coordinate)
        if 0 < cell.value < 0.001:
            assert format(cell.value, ".1E") in printed, (ws.title, cell.coordinate, cell.value)
    assert len(cells) == {"msft": 9, "arkk_brk": 33, "minimodel": 0, "famamacbeth": 48}[name], len(cells)


@pytest.mark.parametrize("name", NAMES)
def test_numeric_headers_are_right_aligned(built_books, name):
    """A text over a number (a header, spilled header rows too) is right-aligned like it; row
    labels (column A), notes (italic) and text inputs aside."""
    book = _book(built_books[name].path)
    left = []
    for ws, cell in printed_cells(book):
        styled = book.formulas[ws.title][cell.coordinate]
        header = cell.column > 1 and not styled.font.i and (styled.fill.fgColor.rgb or "")[-6:] != INPUT_FILL
        if isinstance(cell.value, str) and header and _is_number(ws.cell(cell.row + 1, cell.column).value) and styled.alignment.horizontal != "right":
            left.append(f"{ws.title}!{cell.coordinate} {cell.value!r}")
    assert left == [], (len(left), left[:10])


@pytest.mark.parametrize("name", NAMES)
def test_numbers_show_in_the_format_of_their_kind(built_books, name):
    """No printed number is left in the General format, which shows up to 11 significant digits
    (statsmodels' summary statistics once printed as 26515.2288694): each shows with its kind's
    digits (NUMBER_FORMATS)."""
    book = _book(built_books[name].path)
    numbers = [(ws, cell) for ws, cell in printed_cells(book) if _is_number(cell.value)]
    general = [f"{ws.title}!{cell.coordinate}" for ws, cell in numbers if book.formulas[ws.title][cell.coordinate].number_format == "General"]
    assert general == [] and len(numbers) > 100, (len(general), general[:10])


@pytest.mark.parametrize("name", TWINS)
def test_twins_show_the_format_of_the_value_they_check(libreoffice, name):
    template = _book(libreoffice[name]["template"])
    for sheet, factorxl, twin in _twin_pairs(template):
        formats = [template.formulas[reference.rsplit("!", 1)[0].strip("'")][reference.rsplit("!", 1)[1].replace("$", "")].number_format for reference in (factorxl, twin)]
        assert formats[0] == formats[1], (sheet, factorxl, twin, formats)


def _decimals(number_format: str) -> int | None:
    """The decimals a fixed-point format shows (0.0000: 4; 0.00%: 4 of the number), else None."""
    fixed = re.fullmatch(r"0\.(0+)(%?)", number_format)
    return None if fixed is None else len(fixed.group(1)) + (2 if fixed.group(2) else 0)


@pytest.mark.parametrize("name", NAMES)
def test_data_columns_show_their_numbers_with_two_significant_digits(built_books, name):
    """A data column's format shows its typical (median) number with two significant digits or
    more: a daily risk-free rate of 4e-05 shows as 0.000040, not 0.0000."""
    book = _book(built_books[name].path)
    coarse = {}
    for ws in book.formulas.worksheets:
        if ws.title not in DATA_SHEETS:
            continue
        for column in book.values[ws.title].iter_cols(min_row=5):
            numbers = [abs(cell.value) for cell in column if _is_number(cell.value) and cell.value != 0]
            decimals = _decimals(ws[column[-1].coordinate].number_format)
            if len(numbers) > 20 and decimals is not None and sorted(numbers)[len(numbers) // 2] * 10**decimals < 10:
                coarse[f"{ws.title}!{column[-1].column_letter}"] = (_beside(ws, column[-1], (-1, 0)), ws[column[-1].coordinate].number_format)
    assert coarse == {}, coarse
    if name == "msft":  # the daily risk-free rate, once 0.0000 for 4e-05
        assert book.formulas["Data"]["C5"].number_format == NUMBER_FORMATS["small"], book.value("Data", "C4")


WHOLE = {  # cells the printed pages once cut (a note at the page edge, a header wider than its column, colliding labels)
    "msft": [("Model", "A49"), ("Model", "A50"), ("Model", "A55"), ("CoMovement", "A35"), ("CoMovement", "A36"), ("Data", "H4")],
    "arkk_brk": [("Data", "P4")],
    "minimodel": [("9 Chapter 2", f"E{r}") for r in (19, 21, 22, 24, 25, 26, 31)]
    + [("5 Stress", "F21"), ("5 Stress", "F28"), ("5 Stress", "F29"), ("7 Hedging", "E19"), ("7 Hedging", "E34")]
    + [("8 Optimization", "C55"), ("8 Optimization", "D55")],
    "famamacbeth": [("Summary", f"C{r}") for r in (6, 7, 8)]
    + [("Data", "A1"), ("Data", "A2"), ("Data", "A3"), ("CAPM", "B22"), ("FF3", "B26"), ("FF5", "B30"), ("CAPM", "B35")],
}
SAME_FORMAT = {  # the cells once shown with other digits than the value they check, or in percent beside a decimal
    "msft": [("Model", "B16", "H16"), ("Model", "B17", "H17")]
    + [("Model", "B20", "B28"), ("Model", "B19", "B40"), ("Model", "B40", "E46"), ("Model", "B21", "E48")],  # annualized alpha, residual (hedged) vol
    "arkk_brk": [],
    "minimodel": [("3 Regression", f"B{r}", f"C{r}") for r in (27, 28, 29, 30)] + [("1 Universe", f"D{r}", f"K{r}") for r in range(8, 18)]
    + [("4 Risk model", "D84", "B106"), ("7 Hedging", "B16", "B28"), ("7 Hedging", "B16", "C43"), ("9 Chapter 2", "B29", "B31")],  # tracking error, vols, shares
    "famamacbeth": [],
}
RIGHT_ALIGNED = {  # header rows spilled by a formula
    "minimodel": [("2 Exposures", f"{c}19") for c in "FGH"] + [(sheet, f"{c}{r}") for c in "BCDEFGH" for sheet, r in (("4 Risk model", 6), ("4 Risk model", 9), ("6 Attribution", 6))],
}


@pytest.mark.parametrize("name", NAMES)
def test_the_cells_once_misprinted(libreoffice, name):
    book, pages = _printed(libreoffice, name, "copy")
    printed = _compact("".join(pages.texts))
    for sheet, cell in WHOLE[name]:
        text = book.value(sheet, cell)
        assert isinstance(text, str) and _compact(text) in printed, (sheet, cell, text)
    for sheet, left, right in SAME_FORMAT[name]:
        assert book.formulas[sheet][left].number_format == book.formulas[sheet][right].number_format, (sheet, left, right)
    for sheet, cell in RIGHT_ALIGNED.get(name, []):
        assert book.formulas[sheet][cell].alignment.horizontal == "right", (sheet, cell)


def test_the_famamacbeth_cells_once_misprinted(libreoffice):
    book, pages = _printed(libreoffice, "famamacbeth", "copy")
    text = "".join(pages.texts)
    for sheet, cell in [("Summary", c + "14") for c in "BCD"] + [("FF3", "E7")]:  # GRS p-values, FF3's const p-value (5.1E-06)
        assert book.formulas[sheet][cell].number_format == NUMBER_FORMATS["pvalue"], (sheet, cell)
        assert format(book.number(sheet, cell), ".1E") in text, (sheet, cell)
    for cell in ("B11", "B12", "B13", "B16"):  # periods, assets: counts
        assert book.formulas["CAPM"][cell].number_format == NUMBER_FORMATS["count"], cell
    assert "748.000" not in text and "std errorsNewey" not in _compact(text)
    assert book.formulas["Data"]["A1"].alignment.horizontal in (None, "general", "left")  # the title, no longer the data's description
    assert book.value("Data", "AB1") is None  # no description of the factors over the portfolios' columns
    for caption, first_row in (("A2", "A5"), ("A3", "AB5")):  # each data function's first row, shown above the sheet
        assert book.value("Data", caption) == book.value("Data", first_row), caption
    assert book.formulas["Data"].row_dimensions[5].hidden
    assert book.formulas["Data"].row_dimensions[1].height in (None, 19)  # the copy's note is not beside row 1
    data = book.formulas["Data"]
    note = next(cell for ws, cell in every_cell(book.values) if ws.title == "Data" and isinstance(cell.value, str) and cell.value.startswith("Shareable copy of"))
    assert note.row < 6 and note.column == 1 and "AJ" not in str(data.merged_cells)
    with ZipFile(libreoffice["famamacbeth"]["copy"]) as package:  # the chart draws the 45-degree line its caption names
        chart = package.read("xl/charts/chart1.xml").decode()
    assert "45-degree line" in chart and "45-degree line" in book.value("Charts", "A2")


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


def _column_pixels(ws, column: int) -> int:
    """A column's width in pixels: Excel stores characters of 7 pixels (Calibri 11), its 5 pixels
    of padding included (a width of 15 is stored as 15.71 and is 110 pixels)."""
    width = 8.43 + 5 / 7
    for dimension in ws.column_dimensions.values():  # a width given to one column or a range of them
        if dimension.min and dimension.max and dimension.min <= column <= dimension.max and dimension.customWidth:
            width = dimension.width
    return int(width * 7 + 0.5)


def _print_bounds(book: Book, title: str) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a sheet's print area (the used range when it has none)."""
    area = book.formulas[title].print_area  # 'Model'!$A$1:$I$100, or None for a sheet of charts
    ws = book.values[title]
    return range_boundaries(area.split("!")[-1].replace("$", "")) if area else (1, 1, max(ws.max_column, 26), ws.max_row)  # charts: the page


def clipped_labels(path: Path, font: Carlito) -> tuple[list[str], int]:
    """Printed text cells whose text does not fit where it may show (Carlito's widths, the cell's
    3-pixel margins): a left-aligned text in its column and the empty cells right of it up to the
    edge of the printed area, a right-aligned one in its column and the empty cells left of it;
    and how many text cells were checked."""
    book = _book(path)
    clipped, checked = [], 0
    for shown, cell in printed_cells(book):
        ws = book.formulas[shown.title]
        styled = ws[cell.coordinate]
        merged = any(cell.coordinate in ranges for ranges in ws.merged_cells.ranges)
        if not isinstance(cell.value, str) or not cell.value.strip() or styled.alignment.wrap_text or merged:
            continue
        left, _, right, _ = _print_bounds(book, shown.title)
        step = -1 if styled.alignment.horizontal == "right" else 1
        available, column = _column_pixels(ws, cell.column), cell.column + step
        while left <= column <= right and shown.cell(cell.row, column).value in (None, ""):
            available += _column_pixels(ws, column)
            column += step
        indent = 10 * (styled.alignment.indent or 0)  # about 10 pixels an indent level
        needed = font.width(cell.value, styled.font.sz or 11, bool(styled.font.b), bool(styled.font.i)) + 6 + indent
        checked += 1
        if needed > available:
            clipped.append(f"{shown.title}!{cell.coordinate} {cell.value!r} needs {needed:.0f} px of {available}")
    return clipped, checked


LISTED = {
    "msft": [("Model", "E13"), ("Model", "E45"), ("Model", "E52"), ("CoMovement", "F8"), ("CoMovement", "F20")],
    "arkk_brk": [("Regressions", c) for c in ("A42", "A43", "A60", "A61")],
    "minimodel": [("3 Regression", "A56"), ("4 Risk model", "A36"), ("4 Risk model", "A70")],
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
    """Every sheet prints landscape with its title rows on each page; at a scale that keeps
    11-point text at 8 points or more, one page wide, or (a data sheet) at full size across
    pages with its dates repeated; headings and charts start a page where they would not fit."""
    for ws in _book(built_books[name].path).formulas.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.print_title_rows, ws.title
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        scale = ws.page_setup.scale or 100
        assert scale >= 100 * MIN_PRINT_SCALE, (ws.title, scale)
        assert (ws.print_title_cols is not None) == (ws.title in ("Data", "Excess") and name in ("arkk_brk", "famamacbeth")), ws.title
