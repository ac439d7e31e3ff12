"""Refresh as Excel would behave: --keep-going past formulas it cannot evaluate, and stale stored values caught."""

from __future__ import annotations

import re

import openpyxl
import pytest

from factorxl import cli
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.package import Package
from factorxl.workbooks.refresh import refresh_workbook
from factorxl.workbooks.workbook_cells import ExcelError, read_workbook
from tests.refresh_books import EXCESS, MARKET, LAST, build_workbook, generated_data, set_input
from tests.tolerance import same_value
from tests.workbook_checks import CELL_ATOL, CELL_RTOL

REGRESS = f"FACTOR_REGRESS(Data!$E$1:$E${LAST},Data!$D$1:$D${LAST})"  # the Model!D1 table's formula
UNEVALUABLE = {
    "B20": f"=FACTOR_BETTA({EXCESS},{MARKET})",  # a misspelt function: Excel shows #NAME?
    "B21": "=B20*2",  # reads it: #NAME? too
    "B22": f"={REGRESS}",  # a 8 x 7 block in a one-cell formula: Excel shows its first value
}


def _cells(path) -> dict:
    with Package(path) as package:
        workbook = read_workbook(package)
    return {(name, position): value for name, sheet in workbook.sheets.items() for position, value in sheet.values.items()}


def _assert_same(cells: dict, reference: dict, leave_out: set) -> None:
    assert set(cells) - leave_out == set(reference)
    for key, expected in reference.items():
        assert same_value(cells[key], expected, rtol=CELL_RTOL, atol=CELL_ATOL), (key, cells[key], expected)


def test_keep_going_computes_every_other_cell_as_a_full_refresh_without_them(tmp_path):
    data = generated_data()
    book = build_workbook(tmp_path / "book.xlsx", data, extra=UNEVALUABLE)
    without = build_workbook(tmp_path / "without.xlsx", data)
    reference = refresh_workbook(without, tmp_path / "reference.xlsx", full=True, progress=False)
    assert reference.ok
    report = refresh_workbook(book, tmp_path / "kept.xlsx", keep_going=True, progress=False)
    assert report.written and not report.ok
    reasons = {p.cell: p.reason for p in report.problems}
    assert set(reasons) == {"B20", "B22"}
    assert "unknown function FACTOR_BETTA" in reasons["B20"] and "did you mean FACTOR_BETA?" in reasons["B20"]
    assert reasons["B22"].startswith("the result is 8 x 7 but the plain formula covers B22 (1 x 1)")
    assert [(e.cell, e.reason) for e in report.new_errors] == [("B20", "#NAME?"), ("B21", "#NAME?")]
    cells, expected = _cells(tmp_path / "kept.xlsx"), _cells(tmp_path / "reference.xlsx")
    _assert_same(cells, expected, {("MODEL", (row, 2)) for row in (20, 21, 22)})
    assert cells["MODEL", (20, 2)] == ExcelError("#NAME?") and cells["MODEL", (21, 2)] == ExcelError("#NAME?")
    assert cells["MODEL", (22, 2)] == expected["MODEL", (1, 4)]  # the block's first value: the table's corner


def test_without_keep_going_nothing_is_written_and_the_command_says_how_to_go_on(tmp_path, capsys):
    book = build_workbook(tmp_path / "book.xlsx", generated_data(), extra=UNEVALUABLE)
    before = book.read_bytes()
    assert cli.main(["refresh", str(book), "--quiet"]) == ExitCode.NOT_EVALUATED
    assert book.read_bytes() == before
    first = capsys.readouterr().err.splitlines()[0]
    assert "--keep-going" in first and first.endswith("nothing was written:")
    assert cli.main(["refresh", str(book), "--quiet", "--keep-going"]) == ExitCode.PARTLY_DONE
    assert book.read_bytes() != before


def test_the_suggested_fix_works_for_a_workbook_written_with_openpyxl(tmp_path):
    """The reason gives the openpyxl line that makes the one-cell formula an array formula over its block."""
    from openpyxl.worksheet.formula import ArrayFormula

    book = build_workbook(tmp_path / "book.xlsx", generated_data(), extra={"B22": UNEVALUABLE["B22"]})
    refresh_workbook(book, keep_going=True, clear_full_calc_on_load=True, progress=False)
    (problem,) = refresh_workbook(book, progress=False).problems
    line = re.search(r'ws\["B22"\] = ArrayFormula\("([A-Z]+\d+:[A-Z]+\d+)", (\'[^\']*\'|"[^"]*")\)', problem.reason)
    assert line, problem.reason
    saved = openpyxl.load_workbook(book)
    saved["Model"]["B22"] = ArrayFormula(line.group(1), line.group(2)[1:-1])
    saved.save(book)
    report = refresh_workbook(book, progress=False)
    assert report.ok and not report.problems
    cells = _cells(book)
    alpha = cells["MODEL", (23, 3)]  # the block's alpha, computed again
    assert isinstance(alpha, float) and same_value(alpha, cells["MODEL", (2, 5)], rtol=CELL_RTOL, atol=CELL_ATOL)


@pytest.fixture
def saved_then_edited(tmp_path):
    """A workbook with stored values, as Excel saves it, whose input Data!B10 a script then changed."""
    book = build_workbook(tmp_path / "saved.xlsx", generated_data())
    refresh_workbook(book, clear_full_calc_on_load=True, progress=False)
    set_input(book, "xl/worksheets/sheet1.xml", "B10", 0.0731)
    return book


def test_a_stale_native_input_of_a_factorxl_call_is_caught_and_the_refresh_equals_full(saved_then_edited, tmp_path):
    default = refresh_workbook(saved_then_edited, tmp_path / "default.xlsx", progress=False)
    full = refresh_workbook(saved_then_edited, tmp_path / "full.xlsx", full=True, progress=False)
    assert default.ok and not default.full and full.full
    _assert_same(_cells(tmp_path / "default.xlsx"), _cells(tmp_path / "full.xlsx"), set())
    assert [(s.sheet, s.cell) for s in default.stale] == [("Data", "E10")]  # where it starts: =B10-C10
    assert default.checked >= 60  # the excess-return column that FACTOR_BETA reads
    model = openpyxl.load_workbook(tmp_path / "default.xlsx", data_only=True)["Model"]
    assert model["B2"].value == pytest.approx(model["B1"].value, rel=1e-12)  # SLOPE, a twin, recalculated too


def test_stored_values_that_match_their_inputs_are_kept(saved_then_edited, tmp_path):
    refresh_workbook(saved_then_edited, progress=False)
    again = refresh_workbook(saved_then_edited, tmp_path / "again.xlsx", progress=False)
    assert again.ok and not again.stale and again.checked >= 60
    # written: the four factorxl calls and the three formulas reading them; the 60 excess returns only checked
    assert again.formulas == 7 and again.cells == 4 + 8 * 7 + 60 + 3 - 2
