"""`factorxl build` from the command line: output, exit codes, a missing dataset, the vintage
choice. (LibreOffice's recalculation of the built workbooks is in test_libreoffice.py.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from factorxl.cli import main
from factorxl.errors import FactorxlError
from factorxl.workbooks import build
from factorxl.workbooks.build import DEFAULT_VINTAGE, vintage_for
from tests.conftest import REPO


def _data_without(shared_data: Path, folder: Path, missing: str) -> Path:
    """A data folder that links to every shared file except ``missing`` (links, not copies)."""
    for path in shared_data.rglob("*"):
        if path.is_file() and path.name != missing:
            target = folder / path.relative_to(shared_data)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)
    return folder


def test_missing_file_is_named_with_how_to_supply_it_and_the_rest_is_built(shared_data, tmp_path, capsys):
    data = _data_without(shared_data, tmp_path / "data", "df_WarrenBAndCathieW_monthly.csv")
    out = tmp_path / "out"
    code = main(["build", "--data", str(data), "--out", str(out), "--only", "arkk_brk", "minimodel"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "arkk_brk: SKIPPED" in printed
    assert "df_WarrenBAndCathieW_monthly.csv was not found" in printed
    assert "Put df_WarrenBAndCathieW_monthly.csv in the --data folder" in printed and "run online" not in printed
    assert "MiniModel tracking error (annualized): 0.054199" in printed
    assert sorted(p.name for p in out.iterdir()) == ["MiniModel.xlsx"]  # nothing half-built left behind


def test_msft_without_the_comovement_file_is_built_without_those_sheets(shared_data, tmp_path, capsys):
    data = _data_without(shared_data, tmp_path / "data", "FactorModels_data1.csv")
    code = main(["build", "--data", str(data), "--out", str(tmp_path / "out"), "--only", "msft"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "MSFT beta: 1.187234068887" in printed
    assert "left out: MSFT workbook, WMT/JPM co-movement sheets: FactorModels_data1.csv was not found" in printed
    book = openpyxl.load_workbook(tmp_path / "out" / "MSFT.xlsx", read_only=True)
    assert book.sheetnames == ["Model", "Data", "Charts", "Notes"]


def test_famamacbeth_builds_from_the_command_line_with_its_own_vintage(shared_data, tmp_path, capsys):
    code = main(["build", "--data", str(shared_data), "--out", str(tmp_path), "--only", "famamacbeth", "--only", "minimodel"])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"data from {shared_data} (vintage v202510)" in printed  # the template's own default
    assert "FF3 GRS F (25 size x book-to-market portfolios): 3.566586" in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FamaMacBeth.xlsx", "MiniModel.xlsx"]


def test_vintage_choice(shared_data, tmp_path):
    assert vintage_for(shared_data, None) == DEFAULT_VINTAGE
    assert vintage_for(shared_data, "v202510") == "v202510"
    assert build.template_source("famamacbeth", shared_data, None).vintage == "v202510"  # the one with the portfolios
    assert build.template_source("msft", shared_data, None).vintage == DEFAULT_VINTAGE
    assert build.template_source("famamacbeth", shared_data, "v202412").vintage == "v202412"  # asked for: kept
    assert vintage_for(tmp_path, None) is None  # a folder with one copy of each file needs none
    assert vintage_for(None, None) is None  # online: the cache holds one copy


def test_data_folder_must_exist(tmp_path, capsys):
    assert main(["build", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 3
    assert "no such folder" in capsys.readouterr().err


def test_the_data_workbooks_are_never_in_the_repository():
    """The data rule: the MSFT, ARKK/BRK and FamaMacBeth workbooks carry the shared datasets' values,
    so git must not track them (only the MiniModel, whose data are the script's constants)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "*.xlsx", "*.xlsm"], cwd=REPO, capture_output=True, text=True, check=True)
    tracked = {Path(name).name for name in listed.stdout.split()}
    data_books = {build.TEMPLATES[name].FILE_NAME for name in ("msft", "arkk_brk", "famamacbeth")}
    assert not tracked & data_books, tracked
    ignored = subprocess.run(["git", "check-ignore", *(f"workbook_templates/{name}" for name in data_books)], cwd=REPO, capture_output=True, text=True)
    assert len(ignored.stdout.split()) == len(data_books), ignored.stdout


def _failing_template(path: Path, source) -> None:
    """A template that writes its file, then fails before it is complete."""
    path.write_bytes(b"half a workbook")
    raise RuntimeError("interrupted while writing")


def _unevaluable_template(path: Path, source) -> None:
    """A template with a formula the refresh cannot evaluate."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("S").write_formula("A1", "=NOSUCHFUNC(1)")
    workbook.close()


@pytest.mark.parametrize(
    ("template", "error", "message"),
    [(_failing_template, RuntimeError, "interrupted"), (_unevaluable_template, FactorxlError, "Broken.xlsx: 1 formulas did not evaluate")],
)
def test_a_failed_build_leaves_nothing_in_the_output_folder(tmp_path, monkeypatch, template, error, message):
    monkeypatch.setitem(build.TEMPLATES, "broken", SimpleNamespace(FILE_NAME="Broken.xlsx", build=template))
    with pytest.raises(error, match=message):
        build.build_workbook("broken", tmp_path, None)
    assert list(tmp_path.iterdir()) == []
