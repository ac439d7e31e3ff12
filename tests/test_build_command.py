"""`factorxl build` from the command line: output, exit codes, a missing dataset, the vintage
choice, and (where LibreOffice is installed) an independent recalculation of the native twins."""

from __future__ import annotations

import os
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
from tests.workbook_checks import Book


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
    code = main(["build", "--data", str(data), "--out", str(out), "--only", "arkk_brk", "--only", "minimodel"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "arkk_brk: SKIPPED" in printed
    assert "df_WarrenBAndCathieW_monthly.csv was not found" in printed and "factorxl build --data DIR" in printed
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
    assert main(["build", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
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


def _libreoffice_recalculation(path: Path, folder: Path) -> Book:
    """``path`` opened, recalculated and saved by LibreOffice (headless, a throwaway profile that
    recalculates xlsx files on load)."""
    profile = folder / "profile"
    settings = profile / "user" / "registrymodifications.xcu"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema"><item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item></oor:items>'
    )
    out = folder / "recalculated"
    command = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)]
    subprocess.run(command, check=True, capture_output=True, timeout=300, env={**os.environ, "HOME": str(folder)})
    return Book(out / path.name)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; CI does not install it")
def test_libreoffice_recalculates_the_native_twins_to_factorxl_values(shared_data, tmp_path):
    """LibreOffice evaluates the native formulas itself (factorxl's functions are unknown to it), so
    twins that depend only on inputs — SLOPE, INTERCEPT, RSQ, STEYX, LINEST on the data; MMULT, SQRT,
    STDEV.P on the MiniModel's inputs — are an independent check of the values factorxl stored."""
    from factorxl.data import DataSource
    from factorxl.workbooks.build import build_workbook
    from tests.test_build_minimodel import COMMITTED

    arkk = build_workbook("arkk_brk", tmp_path, DataSource(local_dir=shared_data)).path
    pairs = {arkk: [("Regressions", f"{twin}{r}", f"{own}{r}") for twin, own in (("H", "B"), ("S", "M")) for r in [*range(6, 14), *range(19, 32)]]}
    pairs[COMMITTED] = [("9 Chapter 2", f"C{r}", f"B{r}") for r in range(19, 27)]
    pairs[COMMITTED] += [("3 Regression", f"C{r}", f"B{r}") for r in range(7, 17)]
    pairs[COMMITTED] += [("2 Exposures", f"{c}{r}", f"{c}{r - 13}") for c in "FGH" for r in range(20, 30)]
    for path, cells in pairs.items():
        ours, recalculated = Book(path), _libreoffice_recalculation(path, tmp_path / path.stem)
        for sheet, twin, factorxl in cells:
            assert recalculated.number(sheet, twin) == pytest.approx(ours.number(sheet, factorxl), rel=1e-9, abs=1e-12), (path.name, sheet, twin)
