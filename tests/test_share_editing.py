"""A colleague edits the shareable copies in LibreOffice: every input cell of the four templates'
copies (and of a small book with a live input) is typed over, and every column of their data
sheets typed over and deleted, through LibreOffice's own commands, which honour sheet
protection; then everything is recalculated (one soffice run for all the books).

Protected cells refuse the edit, the others take it, and every number the copy then shows is
the one factorxl computes for the original workbook with the edits that were taken (a full
refresh): a live number is right, and no fixed value has gone stale."""

from __future__ import annotations

import datetime
import html
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.package import Package
from factorxl.workbooks.refresh import refresh_workbook
from factorxl.workbooks.share import FROZEN_FILL, share_workbook
from factorxl.workbooks.templates.layout import INPUT_FILL, INPUT_LEGEND, Book
from factorxl.workbooks.workbook_cells import read_workbook
from factorxl.workbooks.xlsx_values import rewrite_values, write_package
from tests.libreoffice import Edit, edit, require_soffice
from tests.test_libreoffice import ERROR_VALUES
from tests.tolerance import same_value
from tests.workbook_checks import EXCEL_EPOCH

NAMES = ("msft", "arkk_brk", "minimodel", "famamacbeth", "small")
DATA_SHEETS = ("Data", "CoMovement Data")
LIVE = {"minimodel": 15, "small": 1}
"""How many typed edits each copy takes (its live inputs); every other edit is refused."""


def small_book(path: Path) -> Path:
    """A workbook with a frozen beta (and its SLOPE twin), an input that feeds only native
    formulas (``scale``: live in the copy) and one that feeds a factorxl result (``periods``:
    locked), calculated by factorxl."""
    rng = np.random.default_rng(7)
    factor = rng.normal(0.004, 0.04, 60)
    returns = 0.002 + 0.9 * factor + rng.normal(0, 0.03, 60)
    book = Book(path, "Small")
    data = book.sheet("Data")
    data.header(0, 0, ["fund", "market"])
    data.inputs(1, 0, returns, "return")
    data.inputs(1, 1, factor, "return")
    model = book.sheet("Model")
    model.title("Small model")
    model.note(2, 0, INPUT_LEGEND)
    scale = model.input(4, 1, 2.5, "ratio", "scale")
    periods = model.input(5, 1, 12, "count", "periods")
    beta = model.formula(7, 1, "=FACTOR_BETA(Data!$A$2:$A$61,Data!$B$2:$B$61)", "coef")
    model.formula(7, 2, "=SLOPE(Data!$A$2:$A$61,Data!$B$2:$B$61)", "coef")
    model.formula(8, 1, f"=FACTOR_ALPHA(Data!$A$2:$A$61,Data!$B$2:$B$61,{periods})", "coef")
    model.formula(9, 1, f"={beta}*{scale}", "coef")  # a fixed value times a live input
    model.formula(10, 1, f"={scale}^2", "coef")
    book.close()
    assert refresh_workbook(path, full=True, progress=False).ok
    return path


def _fill(cell) -> str:
    colour = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fgColor is not None else None
    return colour[-6:] if isinstance(colour, str) else ""


def _is_formula(value) -> bool:
    return isinstance(value, openpyxl.worksheet.formula.ArrayFormula) or (isinstance(value, str) and value.startswith("="))


def _cells(path: Path, data_only: bool = True, looks: set | None = None) -> dict[str, dict[tuple[int, int], object]]:
    """Sheet -> (row, column) -> value of every non-empty cell (openpyxl's streaming reader;
    without ``data_only``, a formula cell holds its formula). With ``looks``, a set, it is
    filled with (sheet, cell, fill colour, locked) of every cell written in the file."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    found = {}
    for ws in book.worksheets:
        sheet = found[ws.title] = {}
        for row in ws.iter_rows(min_row=1, min_col=1):
            for cell in row:
                if not hasattr(cell, "coordinate"):  # an empty cell the file does not write
                    continue
                if cell.value is not None:
                    sheet[cell.row, cell.column] = cell.value
                if looks is not None:
                    looks.add((ws.title, cell.coordinate, _fill(cell), cell.protection.locked))
    book.close()
    return found


def _spilled(formulas: dict[tuple[int, int], object]) -> set[tuple[int, int]]:
    """The cells of a sheet's array formulas' blocks."""
    cells = set()
    for value in formulas.values():
        if isinstance(value, openpyxl.worksheet.formula.ArrayFormula):
            left, top, right, bottom = range_boundaries(value.ref)
            cells.update((r, c) for r in range(top, bottom + 1) for c in range(left, right + 1))
    return cells


def _typed(value) -> str:
    """What the colleague types over a cell holding ``value``."""
    if isinstance(value, datetime.datetime):
        return (value + datetime.timedelta(days=31)).strftime("%Y-%m-%d")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value) + 1 + abs(float(value)) / 2)  # never the value itself
    if isinstance(value, str):
        return value + " (new)"
    return "0.5"


def _number(text: str) -> float | None:
    return float(text) if re.fullmatch(r"-?\d+(?:\.\d*)?(?:e[+-]?\d+)?", text) else None


def _taken(shown, typed: str) -> bool:
    """Whether a cell shows what was typed into it."""
    if isinstance(shown, datetime.datetime):
        return shown.strftime("%Y-%m-%d") == typed
    if isinstance(shown, (int, float)) and _number(typed) is not None:
        return shown == pytest.approx(_number(typed), rel=1e-12)
    return shown == typed


def _same(shown, stored) -> bool:
    """Whether LibreOffice shows a stored value (it saves numbers to 15 significant digits)."""
    return same_value(shown, stored, rtol=1e-14, atol=0.0)


def colleague_edits(formulas: dict, fills: dict) -> list[Edit]:
    """Every input cell (blue on yellow in the original) and the first cell of every factorxl
    result typed over; on the data sheets, each column of numbers typed over in its first cell
    and then deleted whole. ``formulas``: the original's cells (:func:`_cells` without
    ``data_only``); ``fills``: (sheet, cell) -> fill colour."""
    edits = []
    for title, sheet in formulas.items():
        spilled = _spilled(sheet)
        columns: dict[int, list[int]] = {}
        for (row, column), value in sorted(sheet.items()):
            coordinate = f"{get_column_letter(column)}{row}"
            if fills.get((title, coordinate)) == INPUT_FILL:
                continue
            if _is_formula(value) and calls_factorxl(str(getattr(value, "text", value))):
                edits.append(Edit(title, coordinate, "1"))
            elif title in DATA_SHEETS and isinstance(value, (int, float, datetime.datetime)) and (row, column) not in spilled:
                columns.setdefault(column, []).append(row)
        for column, rows in columns.items():
            first, last = f"{get_column_letter(column)}{rows[0]}", f"{get_column_letter(column)}{rows[-1]}"
            edits += [Edit(title, first, _typed(sheet[rows[0], column])), Edit(title, f"{first}:{last}")]
        inputs = sorted(openpyxl.utils.cell.coordinate_to_tuple(cell) for (name, cell), fill in fills.items() if name == title and fill == INPUT_FILL)
        edits += [Edit(title, f"{get_column_letter(c)}{r}", _typed(sheet.get((r, c)))) for r, c in inputs]
    return edits


def _protected_sheets(path: Path) -> set[str]:
    """The sheets of a package that carry a sheet protection."""
    with zipfile.ZipFile(path) as archive:
        targets = dict(re.findall(rb'Id="([^"]+)"[^>]*Target="/?(?:xl/)?([^"]+)"', archive.read("xl/_rels/workbook.xml.rels")))
        sheets = re.findall(rb'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', archive.read("xl/workbook.xml"))
        return {html.unescape(name.decode()) for name, rid in sheets if b"<sheetProtection" in archive.read("xl/" + targets[rid].decode())}


@pytest.fixture(scope="module")
def edited(built_books, tmp_path_factory) -> dict:
    """name -> the original, its shareable copy, the edits, the copy as LibreOffice saved it
    after the edits and a full recalculation, and those edits it took and refused."""
    require_soffice()
    folder = tmp_path_factory.mktemp("share-edits")
    originals = {name: built_books[name].path for name in NAMES if name != "small"}
    originals["small"] = small_book(folder / "Small.xlsx")
    copies = {name: share_workbook(path, folder / f"{path.stem}-shareable.xlsx").destination for name, path in originals.items()}
    books = {}
    for name, path in originals.items():
        looks: set = set()
        formulas = _cells(path, data_only=False, looks=looks)
        fills = {(sheet, cell): fill for sheet, cell, fill, _ in looks}
        books[name] = {"original": path, "copy": copies[name], "formulas": formulas, "fills": fills, "edits": colleague_edits(formulas, fills)}
    saved = edit({copies[name]: books[name]["edits"] for name in NAMES}, folder)
    for name, path in zip(NAMES, saved):
        book = books[name]
        book["saved"], book["folder"] = path, folder
        book["before"], book["after"] = _cells(book["original"]), _cells(path)
        looks: set = set()
        book["copy values"] = _cells(book["copy"], looks=looks)
        book["copy looks"] = {(sheet, cell): (fill, locked) for sheet, cell, fill, locked in looks}
        book["taken"], book["refused"] = _outcome(book)
    return books


def _outcome(book: dict) -> tuple[list[Edit], list[Edit]]:
    """The typed edits the copy took and those it refused (a cell showing neither its old value
    nor the typed one fails the test)."""
    deleted = {(e.sheet, e.cells.split(":")[0]) for e in book["edits"] if e.text is None}
    taken, refused = [], []
    for change in (e for e in book["edits"] if e.text is not None):
        at = openpyxl.utils.cell.coordinate_to_tuple(change.cells)
        shown, before = book["after"][change.sheet].get(at), book["before"][change.sheet].get(at)
        if _taken(shown, change.text) or ((change.sheet, change.cells) in deleted and shown is None):
            taken.append(change)
        else:
            assert _same(shown, before), (change, shown, before)
            refused.append(change)
    return taken, refused


@pytest.mark.parametrize("name", NAMES)
def test_protected_cells_refuse_the_edit_and_live_inputs_take_it(edited, name):
    book = edited[name]
    taken, refused = book["taken"], book["refused"]
    copy = book["copy looks"]
    protected = _protected_sheets(book["copy"])
    for change in taken:
        fill, locked = copy[change.sheet, change.cells]
        assert not locked and fill == INPUT_FILL, change  # blue on yellow, unlocked
    for change in refused:
        fill, locked = copy[change.sheet, change.cells]
        before = book["fills"][change.sheet, change.cells]
        assert change.sheet in protected and locked, change
        assert fill == (FROZEN_FILL if before == INPUT_FILL else before), change  # inputs turn blue on grey
    assert len(taken) == LIVE.get(name, 0) and len(refused) > 0
    for change in (e for e in book["edits"] if e.text is None):  # deleting a data column: refused whole
        left, top, right, bottom = range_boundaries(change.cells)
        cells = [(r, c) for r in range(top, bottom + 1) for c in range(left, right + 1)]
        assert all(_same(book["after"][change.sheet].get(at), book["before"][change.sheet].get(at)) for at in cells), change


def _with_edits(original: Path, edits: list[Edit], out: Path) -> Path:
    """The original workbook with the edits a copy took, written into its cells."""
    with Package(original) as package:
        workbook = read_workbook(package)
        replacements = {}
        for sheet in {e.sheet for e in edits}:
            values = {}
            for change in (e for e in edits if e.sheet == sheet):
                number = _number(change.text)
                values[openpyxl.utils.cell.coordinate_to_tuple(change.cells)] = change.text if number is None else number
            part = workbook.sheet(sheet).part
            replacements[part] = rewrite_values(package.read_xml(part), values)
        write_package(package, out, replacements)
    return out


def _serial(value):
    return (value - EXCEL_EPOCH).total_seconds() / 86400 if isinstance(value, datetime.datetime) else value


@pytest.mark.parametrize("name", NAMES)
def test_every_number_shown_after_recalculating_is_what_factorxl_computes(edited, name):
    """No fixed value went stale and every live number is right: the copy as LibreOffice
    recalculated it shows, in every formula cell and every number of the original, the value of
    a full factorxl refresh of the original with the same edits."""
    book = edited[name]
    expected = book["before"]
    if book["taken"]:
        path = _with_edits(book["original"], book["taken"], book["folder"] / f"expected-{book['original'].name}")
        assert refresh_workbook(path, full=True, progress=False).ok
        expected = _cells(path)
    checked = 0
    for sheet, cells in book["formulas"].items():
        spilled = _spilled(cells)
        for at, source in cells.items():
            if not (_is_formula(source) or at in spilled or isinstance(source, (int, float, datetime.datetime))):
                continue  # labels and notes (the copy rewrites some)
            want, shown = _serial(expected[sheet].get(at)), _serial(book["after"][sheet].get(at))
            if isinstance(want, (int, float)) and not isinstance(want, bool):
                assert isinstance(shown, (int, float)) and abs(shown - want) <= 1e-9 * abs(want) + 1e-12, (sheet, at, shown, want)
            else:
                assert shown == want or (shown in (None, "") and want in (None, "")), (sheet, at, shown, want)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("name", NAMES)
def test_libreoffice_shows_no_error_values_after_the_edits(edited, name):
    errors = [f"{sheet}!{at}={value}" for sheet, cells in edited[name]["after"].items() for at, value in cells.items() if value in ERROR_VALUES]
    assert errors == [], errors[:10]


def test_a_live_input_recalculates_the_numbers_it_feeds(edited):
    """In the small book, scale (live) took the edit: beta x scale and scale^2 follow it, with the
    fixed beta; periods (locked) kept its value and the annualized alpha its value."""
    saved, original = edited["small"]["after"]["Model"], edited["small"]["before"]["Model"]
    scale = saved[5, 2]
    assert scale == pytest.approx(2.5 + 1 + 1.25) and saved[6, 2] == 12
    assert saved[10, 2] == pytest.approx(original[8, 2] * scale, rel=1e-12)
    assert saved[11, 2] == pytest.approx(scale**2, rel=1e-12)
    assert _same(saved[9, 2], original[9, 2]) and _same(saved[8, 2], original[8, 2])


@pytest.mark.parametrize("name", NAMES)
def test_the_copies_say_what_is_fixed_and_what_is_live_and_nothing_untrue(edited, name):
    """Each protected sheet's note, in place of the input legend; the Notes sheet's rules of the
    copy; none of the original's sentences that the copy makes untrue."""
    values = edited[name]["copy values"]
    protected = _protected_sheets(edited[name]["copy"])
    texts = [v for cells in values.values() for v in cells.values() if isinstance(v, str)]
    assert not [t for t in texts if t == INPUT_LEGEND or "Every number is a formula" in t or re.search(r"`?factorxl refresh \S+\.xlsx", t)]
    assert not [t for t in texts if re.search(r"recalculates (every formula|and stores)|formulas recalculate when", t)]
    for sheet in (s for s in protected if s != "Notes"):  # the Notes sheet carries the rules of the copy (below)
        notes = [v for (row, _), v in values[sheet].items() if row <= 10 and str(v).startswith("Shareable copy of ")]
        assert len(notes) == 1 and "protected (no password)" in notes[0], sheet
    if "Notes" in values:
        assert any(str(v).startswith("Shareable copy of ") and "fixed values" in str(v) for v in values["Notes"].values())
    assert protected


# --- chart caches ---------------------------------------------------------------------------


def _chart_points(path: Path):
    """(reference, kind, [(index, text)]) of every series source of every chart of a package."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/charts/chart[^/]*\.xml", name):
                chart = archive.read(name)
                for kind, body in re.findall(rb"<c:(numRef|strRef)>(.*?)</c:\1>", chart, re.S):
                    reference = re.search(rb"<c:f>(.*?)</c:f>", body).group(1).decode()
                    points = [(int(i), v.decode()) for i, v in re.findall(rb'<c:pt idx="(\d+)"[^>]*>\s*<c:v>(.*?)</c:v>', body, re.S)]
                    yield reference, kind, points


@pytest.mark.parametrize("name", NAMES)
def test_chart_caches_of_the_copies_equal_their_cells(edited, name):
    copy, values = edited[name]["copy"], edited[name]["copy values"]
    checked = 0
    for reference, kind, points in _chart_points(copy):
        sheet, cells = reference.rsplit("!", 1)
        left, top, right, bottom = range_boundaries(cells.replace("$", ""))
        sheet_values = values[sheet.strip("'").replace("''", "'")]
        shown = [_serial(sheet_values.get((r, c))) for r in range(top, bottom + 1) for c in range(left, right + 1)]
        present = [(i, v) for i, v in enumerate(shown) if v not in (None, "")]
        assert [i for i, _ in points] == [i for i, _ in present], reference
        for (_, text), (_, value) in zip(points, present):
            assert (abs(float(text) - value) <= 1e-15 * abs(value)) if kind == b"numRef" else text == str(value), (reference, text, value)
            checked += 1
    assert checked > 0 or name in ("minimodel", "small")  # they have no charts

