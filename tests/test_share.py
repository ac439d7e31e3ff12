"""`factorxl share`: factorxl's formulas become their stored values, native formulas stay,
the cells those values were computed from are locked, a note on each sheet, the mark of the
copy, the input untouched, clear refusals. (LibreOffice's view of the copies is in
test_libreoffice.py; a colleague editing them in LibreOffice, in test_share_editing.py.)"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pytest

from factorxl import __version__
from factorxl.cli import main
from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.frozen_cells import frozen_cells
from factorxl.workbooks.package import Package
from factorxl.workbooks.share import FROZEN_FILL, share_workbook, shareable_path
from factorxl.workbooks.templates.layout import INPUT_FILL
from factorxl.workbooks.workbook_cells import read_workbook
from tests.doc_figures import documented_output
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
    # the copy holds the text of the stored values, so every value is the same, exactly
    for sheet, cell in factorxl:  # the anchors; their blocks' other cells held values already
        assert copy.value(sheet, cell) == original.value(sheet, cell), (sheet, cell)
    for sheet, ranges in shared.sheets.items():
        for ref in ranges:
            for row in original.values[sheet][ref] if ":" in ref else [[original.values[sheet][ref]]]:
                for cell in row:
                    assert copy.value(sheet, cell.coordinate) == cell.value, (sheet, cell.coordinate)
    assert shared.formulas == len(factorxl) and shared.cells >= shared.formulas


def _notes(copy: Book, sheet: str) -> list[str]:
    return [c.value for row in copy.values[sheet].iter_rows(max_row=10) for c in row if str(c.value).startswith("Shareable copy of ")]


def test_each_sheet_says_what_is_fixed_locked_and_live_in_place_of_the_input_legend(shared):
    copy = Book(shared.destination)
    assert set(shared.sheets) == {sheet for sheet in copy.formulas.sheetnames if sheet != "1 Universe"}  # Notes: FACTORXL_VERSION
    made = f"Shareable copy of S:/models/MiniModel.xlsx, made by factorxl {__version__}."
    for sheet in copy.formulas.sheetnames:
        if sheet == "Notes":
            continue
        notes = _notes(copy, sheet)
        assert len(notes) == 1 and notes[0].startswith(made), (sheet, notes)
        for ref in shared.sheets.get(sheet, ()):
            assert ref in notes[0].split("Fixed values: ")[1].split(" held")[0], (sheet, ref)
        for ref in shared.locked.get(sheet, ()):
            assert ref in notes[0].split("Locked, blue on grey: ")[1].split(", which")[0], (sheet, ref)
        assert "protected (no password)" in notes[0]
        assert copy.values[sheet]["A3"].value == notes[0]  # where the template's input legend was
    assert shared.sheets["2 Exposures"][0] == "B6:H16"
    assert shared.live == {"1 Universe": ("A8:A17",), "9 Chapter 2": ("A7:A11",)}
    assert "Live inputs, blue on yellow: A8:A17; change them" in _notes(copy, "1 Universe")[0]
    note = copy.formulas["2 Exposures"]["A3"]
    assert note.font.b and note.alignment.wrap_text  # the note's own style: bold, wrapped
    assert [str(r) for r in copy.formulas["2 Exposures"].merged_cells.ranges] == ["A3:H3"]  # across the used columns
    summary = _notes(copy, "Notes")
    assert len(summary) == 1 and "The factorxl results are fixed values" in summary[0]


def test_the_cells_fixed_values_were_computed_from_are_locked_and_the_live_inputs_are_not(shared):
    """The copy's sheets are protected without a password; the locked inputs turn blue on
    grey, the live ones stay blue on yellow and are unlocked; formulas and fixed values are
    locked."""
    copy = Book(shared.destination).formulas
    assert shared.protected == tuple(copy.sheetnames)  # Notes too: it holds FACTORXL_VERSION's fixed value
    for name in shared.protected:
        assert copy[name].protection.sheet and not copy[name].protection.password, name
    universe = copy["1 Universe"]
    for row in range(8, 18):
        assert not universe[f"A{row}"].protection.locked and universe[f"A{row}"].fill.fgColor.rgb == "FF" + INPUT_FILL
        for column in "BCEFHIJ":
            cell = universe[f"{column}{row}"]
            assert cell.protection.locked and cell.fill.fgColor.rgb == "FF" + FROZEN_FILL and cell.font.color.rgb == "FF0000CC"
        assert universe[f"D{row}"].protection.locked  # a formula
    assert copy["2 Exposures"]["B6"].protection.locked  # a fixed value
    assert copy["3 Regression"]["B50"].protection.locked  # structure (the restriction matrix's 1), not an input


def test_the_notes_of_the_original_that_the_copy_makes_untrue_are_rewritten(shared):
    texts = [c.value for ws in Book(shared.destination).values.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    joined = "\n".join(texts)
    assert "Every number is a formula" not in joined and "In the original every number is a formula" in joined
    assert "factorxl refresh MiniModel.xlsx" not in joined and "recalculates every formula" not in joined
    assert "change them; named cells" not in joined
    assert "In this shareable copy only the native formulas recalculate" in joined


def test_the_copy_records_its_original_and_the_factorxl_version(shared, tmp_path):
    properties = {p.name: p.value for p in openpyxl.load_workbook(shared.destination).custom_doc_props.props}
    assert properties == {"factorxl shareable copy of": "S:/models/MiniModel.xlsx", "factorxl version": __version__}
    report = share_workbook(COMMITTED, tmp_path / "default.xlsx")
    assert report.original == "MiniModel.xlsx"  # the file name, not the local path
    values = Book(report.destination).values
    assert _notes(Book(report.destination), "2 Exposures")[0].startswith("Shareable copy of MiniModel.xlsx, made by")
    assert str(COMMITTED.parent) not in "".join(str(c.value) for ws in values.worksheets for row in ws.iter_rows() for c in row)


def test_refresh_refuses_a_shareable_copy_and_says_how_to_get_a_live_book(shared, capsys):
    before = hashlib.sha256(shared.destination.read_bytes()).hexdigest()
    assert main(["refresh", str(shared.destination)]) == ExitCode.CANNOT
    error = capsys.readouterr().err
    assert error == (
        f"factorxl refresh: {shared.destination.name} is a shareable copy of S:/models/MiniModel.xlsx, made by factorxl "
        f"{__version__}: its factorxl results are fixed values, which a refresh cannot update; refresh the original "
        "(factorxl refresh) and share it again (factorxl share)\n"
    )
    assert hashlib.sha256(shared.destination.read_bytes()).hexdigest() == before


def test_the_copy_keeps_names_charts_and_styles_and_drops_nothing_else(shared):
    original, copy = Book(COMMITTED), Book(shared.destination)
    assert copy.formulas.sheetnames == original.formulas.sheetnames
    assert set(copy.formulas.defined_names) == set(original.formulas.defined_names)
    with zipfile.ZipFile(COMMITTED) as a, zipfile.ZipFile(shared.destination) as b:
        assert set(b.namelist()) == set(a.namelist()) | {"docProps/custom.xml"}
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
    assert copy.number("3 Regression", "B8") == Book(book).number("3 Regression", "B8")  # the stored value, copied
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


def test_command_line_prints_what_the_docs_show(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workbook_templates").mkdir()
    (tmp_path / "workbook_templates" / COMMITTED.name).write_bytes(COMMITTED.read_bytes())
    assert main(["share", "workbook_templates/MiniModel.xlsx", "--out", "out"]) == 0
    out = tmp_path / "out" / "MiniModel-shareable.xlsx"
    printed = capsys.readouterr().out
    command, shown = documented_output("share-output").split("\n", 1)
    assert command == "$ factorxl share workbook_templates/MiniModel.xlsx --out out"
    assert printed.replace(str(tmp_path / "out"), "out") == shown
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


def _never_calculated(path: Path) -> Path:
    """A workbook as XlsxWriter writes it when nothing calculated it: every formula stores the
    placeholder 0 and the workbook asks for a full recalculation on open (fullCalcOnLoad)."""
    import xlsxwriter

    rng = np.random.default_rng(3)
    factor = rng.normal(0.005, 0.04, 48)
    fund = 0.001 + 0.3 * factor + rng.normal(0, 0.02, 48)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Model")
    sheet.write_column("A2", fund)
    sheet.write_column("B2", factor)
    sheet.write_formula("D2", "=FACTOR_BETA(A2:A49,B2:B49)")
    sheet.write_formula("E2", "=SLOPE(A2:A49,B2:B49)")
    workbook.close()
    return path


def test_a_workbook_whose_values_may_be_placeholders_is_never_frozen(tmp_path, capsys):
    book = _never_calculated(tmp_path / "Placeholders.xlsx")
    assert main(["share", str(book)]) == ExitCode.CANNOT
    error = capsys.readouterr().err
    assert "asks for a full recalculation when it opens (fullCalcOnLoad" in error and "may be placeholders" in error
    assert f"factorxl refresh {book.name} --clear-full-calc-on-load" in error and error.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Placeholders.xlsx"]
    assert main(["refresh", str(book), "--clear-full-calc-on-load", "--quiet"]) == ExitCode.DONE
    copy = share_workbook(book).destination
    model = Book(copy).values["Model"]
    fund, factor = (np.array([model[f"{c}{r}"].value for r in range(2, 50)]) for c in "AB")
    slope = np.polyfit(factor, fund, 1)[0]
    assert model["D2"].value == pytest.approx(slope, rel=1e-12) and model["D2"].value == pytest.approx(model["E2"].value, rel=1e-12)
    assert not isinstance(Book(copy).formulas["Model"]["D2"].value, str)  # a fixed value


@pytest.mark.parametrize(
    ("original", "message"),
    [
        ("bell\x07", "the text holds a control character (U+0007)"),
        ("two\nlines", "the text holds a control character (U+000A)"),
        ("   ", "the text is empty"),
        ("S:/" + "x" * 300, "the text has 303 characters; give at most 255"),
    ],
)
def test_original_must_be_plain_text(tmp_path, capsys, original, message):
    assert main(["share", str(COMMITTED), "--out", str(tmp_path), "--original", original]) == ExitCode.USAGE
    error = capsys.readouterr().err
    assert f"argument --original: {message}" in error and error.count("\n") == 1
    with pytest.raises(FactorxlError, match=re.escape(f"original: {message}")):
        share_workbook(COMMITTED, tmp_path / "copy.xlsx", original=original)
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_with_control_characters_is_written_as_excel_writes_them(tmp_path):
    """The default name of the original is the file's name, which may hold characters XML
    cannot: they are written as Excel writes them (_x0007_), and every part stays well-formed."""
    book = tmp_path / "bell\x07.xlsx"
    book.write_bytes(COMMITTED.read_bytes())
    report = share_workbook(book, tmp_path / "copy.xlsx")
    with zipfile.ZipFile(report.destination) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(archive.read(name))  # raises on invalid XML
        assert b"Shareable copy of bell_x0007_.xlsx" in archive.read("xl/worksheets/sheet2.xml")


def _cells_of(path: Path) -> dict:
    with Package(path) as package:
        return frozen_cells(read_workbook(package))


def test_the_cells_a_fixed_value_reads_are_found_through_native_formulas_whole_columns_and_names(tmp_path):
    """B (whole column) and D1 (through the native C1 and the name rate) feed FACTOR_BETA: locked;
    E1 feeds only a native formula: live; INDIRECT feeding a factorxl result makes every cell locked."""
    import xlsxwriter

    def book(name: str, opaque: bool) -> Path:
        workbook = xlsxwriter.Workbook(str(tmp_path / name))
        sheet = workbook.add_worksheet("S")
        sheet.write_column("A1", [0.01, 0.02, -0.01, 0.03])
        sheet.write_column("B1", [0.02, 0.01, -0.02, 0.04])
        sheet.write_number("D1", 2.0)
        sheet.write_number("E1", 5.0)
        workbook.define_name("rate", "=S!$D$1")
        sheet.write_formula("C1", "=rate*2")
        sheet.write_formula("F1", '=FACTOR_BETA(A1:A4,B:B,INDIRECT("C1"))' if opaque else "=FACTOR_BETA(A1:A4,B:B,C1)")
        sheet.write_formula("G1", "=E1*F1")
        workbook.close()
        return tmp_path / name

    cells = _cells_of(book("plain.xlsx", opaque=False))["S"]
    assert [f.cell for f in cells.frozen] == ["F1"] and cells.protected and cells.native
    assert cells.frozen_inputs == {(r, c) for r in range(1, 5) for c in (1, 2)} | {(1, 4)}
    assert cells.live_inputs == {(1, 5)}
    assert cells.feeds_frozen(100, 2) and not cells.feeds_frozen(1, 5)  # B:B, empty cells too
    opaque = _cells_of(book("opaque.xlsx", opaque=True))["S"]
    assert opaque.live_inputs == frozenset() and (1, 5) in opaque.frozen_inputs


def test_an_empty_text_run_is_left_as_it_is_and_the_next_one_rewritten():
    """``<t/>`` (an empty shared string) ends where it starts: the run after it is rewritten, and
    no markup is swallowed into a text."""
    from factorxl.workbooks.share_notes import copy_texts

    xml = b"<sst><si><t/></si><si><t>Every number is a formula.</t></si><si><x:t xml:space=\"preserve\"/></si></sst>"
    assert copy_texts(xml) == (
        b"<sst><si><t/></si><si><t>In the original every number is a formula (in this shareable copy the factorxl "
        b"results are fixed values).</t></si><si><x:t xml:space=\"preserve\"/></si></sst>"
    )
