"""Refresh safety: .xlsm VBA untouched, atomic writes (failure and SIGKILL), unevaluable formulas reported."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from factorxl.workbooks import refresh_command, xlsx_values
from factorxl.workbooks.refresh import refresh_workbook
from tests.refresh_books import build_workbook, comparable, generated_data, members


@pytest.fixture(scope="module")
def vba_project(tmp_path_factory) -> Path:
    """The vbaProject.bin of the quickstart workbook installed with xlwings (extracted, not committed)."""
    import xlwings

    quickstart = Path(xlwings.__file__).parent / "quickstart.xlsm"
    if not quickstart.is_file():
        pytest.skip(f"xlwings' quickstart.xlsm not found at {quickstart}")
    target = tmp_path_factory.mktemp("vba") / "vbaProject.bin"
    with zipfile.ZipFile(quickstart) as archive:
        target.write_bytes(archive.read("xl/vbaProject.bin"))
    return target


def test_an_xlsm_keeps_its_vba_project_byte_for_byte(tmp_path, vba_project):
    book = build_workbook(tmp_path / "macro.xlsm", generated_data(), vba_project=vba_project)
    before = members(book)
    report = refresh_workbook(book, progress=False)
    assert report.ok and report.destination == book
    after = members(book)
    assert after["xl/vbaProject.bin"] == vba_project.read_bytes() == before["xl/vbaProject.bin"]
    assert list(after) == list(before)
    for name in before:
        assert comparable(name, after[name]) == comparable(name, before[name]), name


def test_a_failure_while_writing_leaves_the_original_untouched(tmp_path, monkeypatch):
    book = build_workbook(tmp_path / "book.xlsx", generated_data())
    before = book.read_bytes()
    writes = []

    def failing_writestr(self, info, data, *args, **kwargs):
        writes.append(info)
        if len(writes) == 3:
            raise OSError("disk full")
        return original_writestr(self, info, data, *args, **kwargs)

    original_writestr = zipfile.ZipFile.writestr
    monkeypatch.setattr(xlsx_values.zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(FactorxlError, match="could not be written .disk full.; the original is unchanged"):
        refresh_workbook(book, progress=False)
    assert book.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]  # no temporary file left behind


def test_a_refresh_killed_while_writing_leaves_the_original_untouched(tmp_path):
    book = build_workbook(tmp_path / "book.xlsx", generated_data())
    before = book.read_bytes()
    started = tmp_path / "writing"
    child = textwrap.dedent(
        f"""
        import pathlib, sys, time, zipfile
        from factorxl.workbooks.refresh import refresh_workbook
        original = zipfile.ZipFile.writestr
        def slow_writestr(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            pathlib.Path({str(started)!r}).touch()
            time.sleep(60)
            return result
        zipfile.ZipFile.writestr = slow_writestr
        refresh_workbook({str(book)!r}, progress=False)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", child], cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert process.poll() is None, "the refresh ended before it started writing"
            assert time.monotonic() < deadline, "the refresh never started writing"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert book.read_bytes() == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in {"book.xlsx", "writing"}]
    assert all(name.startswith(".book.xlsx.") and name.endswith(".refresh.tmp") for name in leftovers)


@pytest.fixture
def unevaluable(tmp_path) -> Path:
    return build_workbook(
        tmp_path / "unknown.xlsx",
        generated_data(),
        extra={"C1": "=NOSUCHFUNC(B1)", "C2": "=_xlfn.SEQUENCE(3)", "C3": "=C1+1"},
    )


def test_formulas_that_cannot_be_evaluated_are_reported_and_nothing_is_written(unevaluable):
    before = unevaluable.read_bytes()
    report = refresh_workbook(unevaluable, progress=False)
    assert not report.ok and not report.written
    problems = {(p.sheet, p.cell): p for p in report.problems}
    assert set(problems) == {("Model", "C1"), ("Model", "C2"), ("Model", "C3")}
    assert problems["Model", "C1"].formula == "NOSUCHFUNC(B1)"
    assert "unknown function NOSUCHFUNC" in problems["Model", "C1"].reason
    assert "unknown function _xlfn.SEQUENCE" in problems["Model", "C2"].reason
    assert "#NAME?" in problems["Model", "C3"].reason  # depends on an unknown function
    assert unevaluable.read_bytes() == before


def test_the_command_lists_the_cells_and_exits_non_zero(unevaluable, capsys):
    code = _command([str(unevaluable), "--quiet"])
    err = capsys.readouterr().err
    assert code == ExitCode.NOT_EVALUATED == 4
    assert "3 formula(s)" in err and "nothing was written" in err
    assert "Model!C1: =NOSUCHFUNC(B1): unknown function NOSUCHFUNC" in err


def test_a_circular_reference_is_reported(tmp_path):
    import xlsxwriter

    book = tmp_path / "circular.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("S")
    sheet.write_formula("A1", "=B1+1")
    sheet.write_formula("B1", "=A1+1")
    sheet.write_formula("C1", "=2*3")
    workbook.close()
    report = refresh_workbook(book, progress=False)
    assert [(p.cell, p.reason.split(" (")[0]) for p in report.problems] == [
        ("A1", "no value was computed"),
        ("B1", "no value was computed"),
    ]
    assert "circular reference" in report.problems[0].reason and not report.written


def test_results_that_would_lose_values_are_reported_by_cell(tmp_path):
    import xlsxwriter

    book = tmp_path / "lost.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("S")
    sheet.write_column("A1", [1.0, 2.0, 3.0])
    sheet.write_array_formula("C1:C2", "{=A1:A3*2}")  # a legacy array smaller than its result
    sheet.write_formula("D1", "=TRANSPOSE(A1:A3)")  # a plain formula returning a row
    sheet.write_array_formula("E1:E4", "{=A1:A3*2}")  # larger: padded with #N/A, as in Excel, and warned
    workbook.close()
    before = book.read_bytes()
    report = refresh_workbook(book, progress=False)
    assert not report.written and book.read_bytes() == before
    reasons = {p.cell: p.reason for p in report.problems}
    assert set(reasons) == {"C1", "D1"}
    assert reasons["C1"].startswith("the result is 3 x 1 but the array formula covers C1:C2 (2 x 1): 1 values would be lost")
    assert reasons["D1"].startswith("the result is 1 x 3 but the plain formula covers D1 (1 x 1): 2 values would be lost")
    assert [(w.cell, w.reason.split(";")[0]) for w in report.warnings] == [("E1", "#N/A: the result is 3 x 1")]


def test_the_command_refreshes_prints_a_summary_and_draws_progress_on_request(tmp_path, capsys):
    book = build_workbook(tmp_path / "book.xlsx", generated_data())
    out = tmp_path / "out"
    assert _command([str(book), "--out", str(out), "--progress"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"refreshed {out / 'book.xlsx'}: 76 formulas (every formula), 190 cached values, 1 chart(s) updated in ")
    assert "fullCalcOnLoad" in captured.err  # XlsxWriter's request to recalculate on open is warned about
    assert "book.xlsx: calculating formulas [" in captured.err  # the progress bar
    assert _command([str(book), "--quiet", "--clear-full-calc-on-load"]) == 0
    assert capsys.readouterr() == ("", "")
    assert b"fullCalcOnLoad" not in members(book)["xl/workbook.xml"]
    assert _command([str(book), "--out", str(out)]) == 0  # values now stored: only the factorxl formulas and downstream
    assert "formulas (factorxl formulas and what depends on them)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "does not exist"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "is not an Excel workbook"),
        ("broken.xlsx", b"not a zip", "not a valid .xlsx file"),
    ],
)
def test_unreadable_workbooks_are_user_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FactorxlError, match=message):
        refresh_workbook(path, progress=False)


def test_the_destination_folder_must_exist(tmp_path):
    book = build_workbook(tmp_path / "book.xlsx", generated_data())
    with pytest.raises(FactorxlError, match="folder of .* does not exist"):
        refresh_workbook(book, tmp_path / "nowhere" / "out.xlsx", progress=False)


def _command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    refresh_command.add_arguments(parser)
    return refresh_command.run(parser.parse_args(argv))


def test_odd_file_and_sheet_names(tmp_path):
    import openpyxl
    import xlsxwriter

    book = tmp_path / "returns [v2] (copy).xlsx"  # brackets would confuse formulas' references
    workbook = xlsxwriter.Workbook(str(book))
    workbook.add_worksheet("Data (2)").write_column("A1", [1.0, 2.0, 4.0])
    workbook.add_worksheet("It's data").write_column("A1", [1.0, 2.0, 4.0])
    model = workbook.add_worksheet("Model")
    model.write_formula("A1", "=SUM('Data (2)'!A1:A3)")
    model.write_formula("A2", "=SUM('It''s data'!A1:A3)")
    workbook.close()
    report = refresh_workbook(book, progress=False)
    assert report.ok
    model = openpyxl.load_workbook(book, data_only=True)["Model"]
    assert (model["A1"].value, model["A2"].value) == (7, 7)

    without_apostrophe = tmp_path / "returns [v3].xlsx"
    workbook = xlsxwriter.Workbook(str(without_apostrophe))
    workbook.add_worksheet("Data (2)").write_column("A1", [1.0, 2.0, 4.0])
    workbook.add_worksheet("Model").write_formula("A1", "=SUM('Data (2)'!A1:A3)")
    workbook.close()
    assert refresh_workbook(without_apostrophe, progress=False).ok
    assert openpyxl.load_workbook(without_apostrophe, data_only=True)["Model"]["A1"].value == 7
