"""`factorxl share`: factorxl's formulas become their stored values, native formulas stay,
a note on each sheet, the input untouched, clear refusals. (LibreOffice's view of the copies
is in test_libreoffice.py.)"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from factorxl.cli import main
from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.share import share_workbook, shareable_path
from tests.test_build_minimodel import COMMITTED
from tests.workbook_checks import Book


def _formulas(book: Book) -> dict:
    """(sheet, cell) -> formula text of every formula cell."""
    found = {}
    for ws in book.formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = getattr(cell.value, "text", cell.value)
                if isinstance(text, str) and text.startswith("="):
                    found[ws.title, cell.coordinate] = text
    return found


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    folder = tmp_path_factory.mktemp("share")
    before = hashlib.sha256(COMMITTED.read_bytes()).hexdigest()
    report = share_workbook(COMMITTED, folder / "MiniModel-copy.xlsx", original="S:/models/MiniModel.xlsx")
    assert hashlib.sha256(COMMITTED.read_bytes()).hexdigest() == before  # the input is only read
    return report


def test_factorxl_formulas_become_their_values_and_native_formulas_stay(shared):
    original, copy = Book(COMMITTED), Book(shared.destination)
    formulas, kept = _formulas(original), _formulas(copy)
    factorxl = {key for key, text in formulas.items() if calls_factorxl(text)}
    assert factorxl and not any(calls_factorxl(text) for text in kept.values())
    assert kept == {key: text for key, text in formulas.items() if key not in factorxl}
    for sheet, cell in factorxl:  # the anchors; their blocks' other cells held values already
        assert copy.value(sheet, cell) == original.value(sheet, cell), (sheet, cell)
    for sheet, ranges in shared.sheets.items():
        for ref in ranges:
            for row in original.values[sheet][ref] if ":" in ref else [[original.values[sheet][ref]]]:
                for cell in row:
                    assert copy.value(sheet, cell.coordinate) == cell.value, (sheet, cell.coordinate)
    assert shared.formulas == len(factorxl) and shared.cells >= shared.formulas


def test_each_sheet_says_which_cells_were_factorxl_formulas_and_where_the_original_is(shared):
    copy = Book(shared.destination)
    assert set(shared.sheets) == {sheet for sheet in copy.formulas.sheetnames if sheet != "1 Universe"}  # Notes: FACTORXL_VERSION
    for sheet, ranges in shared.sheets.items():
        notes = [c.value for row in copy.values[sheet].iter_rows(max_row=10) for c in row if str(c.value).startswith("Shareable copy:")]
        assert len(notes) == 1, sheet
        assert all(ref in notes[0] for ref in ranges) and notes[0].endswith("S:/models/MiniModel.xlsx"), notes[0]
    assert shared.sheets["2 Exposures"][0] == "B6:H16"
    note = copy.formulas["2 Exposures"]["A4"]
    assert note.font.b and note.alignment.wrap_text  # the note's own style: bold, wrapped
    assert [str(r) for r in copy.formulas["2 Exposures"].merged_cells.ranges] == ["A4:H4"]  # across the used columns


def test_the_copy_keeps_names_charts_and_styles_and_drops_nothing_else(shared):
    original, copy = Book(COMMITTED), Book(shared.destination)
    assert copy.formulas.sheetnames == original.formulas.sheetnames
    assert set(copy.formulas.defined_names) == set(original.formulas.defined_names)
    with zipfile.ZipFile(COMMITTED) as a, zipfile.ZipFile(shared.destination) as b:
        assert set(a.namelist()) == set(b.namelist())
    cell = "B7"
    assert copy.formulas["3 Regression"][cell].number_format == original.formulas["3 Regression"][cell].number_format


def _with_calc_chain_and_shared_formula(source: Path, out: Path) -> Path:
    """The MiniModel with a calculation chain and one factorxl call stored as a shared formula
    over two cells, as Excel writes them."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":
                data, count = re.subn(
                    rb'<c r="B7"([^>]*)><f[^>]*>(.*?)</f>',
                    rb'<c r="B7"\1><f t="shared" ref="B7:B8" si="0">\2</f>',
                    data,
                    count=1,
                )
                data, also = re.subn(rb'<c r="B8"([^>]*)>', rb'<c r="B8"\1><f t="shared" si="0"/>', data, count=1)
                assert count == also == 1
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>')
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>')
            new.writestr(info, data)
        new.writestr("xl/calcChain.xml", b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B7" i="3"/></calcChain>')
    return out


def test_shared_formulas_and_the_calculation_chain(tmp_path):
    book = _with_calc_chain_and_shared_formula(COMMITTED, tmp_path / "Excel.xlsx")
    assert "=CROSS_SECTION_WEIGHTS" in str(openpyxl.load_workbook(book)["3 Regression"]["B7"].value)
    report = share_workbook(book, tmp_path / "copy.xlsx")
    copy = Book(report.destination)
    assert not isinstance(copy.formulas["3 Regression"]["B8"].value, str) or not copy.formulas["3 Regression"]["B8"].value.startswith("=")
    assert copy.number("3 Regression", "B8") == Book(book).number("3 Regression", "B8")
    with zipfile.ZipFile(report.destination) as archive:
        assert "xl/calcChain.xml" not in archive.namelist()
        assert b"calcChain" not in archive.read("[Content_Types].xml") + archive.read("xl/_rels/workbook.xml.rels")


def test_a_formula_without_a_stored_value_is_refused(tmp_path):
    book = tmp_path / "Uncalculated.xlsx"
    with zipfile.ZipFile(COMMITTED) as old, zipfile.ZipFile(book, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":
                data = re.sub(rb'(<c r="B7"[^>]*>(?:<f[^>]*>.*?</f>))<v>[^<]*</v>', rb"\1", data, count=1)
            new.writestr(info, data)
    with pytest.raises(FactorxlError, match=r"no stored value \(3 Regression!B7\): calculate the workbook first"):
        share_workbook(book, tmp_path / "copy.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Uncalculated.xlsx"]


def test_command_line(tmp_path, capsys):
    assert main(["share", str(COMMITTED), "--out", str(tmp_path / "copies")]) == 0
    out = tmp_path / "copies" / "MiniModel-shareable.xlsx"
    printed = capsys.readouterr().out
    assert f"wrote {out}: 23 factorxl formulas replaced by their values" in printed and "2 Exposures: B6:H16" in printed
    assert main(["share", str(out), "--out", str(tmp_path / "again")]) == 0
    assert "has no factorxl formulas" in capsys.readouterr().out
    assert shareable_path(Path("a/MSFT.xlsx")) == Path("a/MSFT-shareable.xlsx")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (lambda tmp: [str(COMMITTED), "--out", str(COMMITTED)], "is a file, and --out takes a folder"),
        (lambda tmp: [str(tmp / "missing.xlsx")], "does not exist"),
        (lambda tmp: [str(tmp)], "is a folder"),
    ],
)
def test_refusals_are_one_line_with_their_exit_code(tmp_path, capsys, arguments, message):
    assert main(["share", *arguments(tmp_path)]) == ExitCode.CANNOT
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error


def test_the_copy_never_replaces_the_workbook(tmp_path):
    book = tmp_path / "Book.xlsx"
    book.write_bytes(COMMITTED.read_bytes())
    with pytest.raises(FactorxlError, match="is the workbook itself"):
        share_workbook(book, book)


def test_build_writes_shareable_copies_beside_the_workbooks(tmp_path, capsys):
    assert main(["build", "--only", "minimodel", "--out", str(tmp_path), "--share"]) == 0
    assert f"shareable copy: {tmp_path / 'MiniModel-shareable.xlsx'}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MiniModel-shareable.xlsx", "MiniModel.xlsx"]
