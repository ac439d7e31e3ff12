"""LibreOffice as a second, independent spreadsheet engine for the tests: open workbooks
headless (as a colleague's LibreOffice opens them, or recalculating every formula) and save
them as .xlsx or render them to PDF, one soffice run for a batch of files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

RECALCULATE = {"never": 1, "always": 0}
"""LibreOffice's setting for recalculating Excel files on load (``OOXMLRecalcMode``): 1, its
default, keeps stored values (array formulas are recalculated regardless); 0 recalculates all."""


def missing(what: str) -> None:
    """Skip the test for want of ``what``, or fail it on CI (``CI=true``), which installs it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is not installed; .ci/run installs it")
    pytest.skip(f"{what} is not installed")


def require_soffice() -> str:
    """The soffice executable (see :func:`missing`)."""
    executable = shutil.which("soffice")
    if executable is None:
        missing("LibreOffice (soffice)")
    return executable


def convert(paths: list[Path], target: str, folder: Path, recalculate: str) -> list[Path]:
    """Open ``paths`` in one headless LibreOffice run and save them as ``target`` ("xlsx" or
    "pdf") in ``folder``; returns the converted files in the order of ``paths``."""
    profile = folder / f"profile-{recalculate}"
    settings = profile / "user" / "registrymodifications.xcu"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema"><item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        f'<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{RECALCULATE[recalculate]}</value></prop></item></oor:items>'
    )
    out = folder / f"{target}-{recalculate}"
    command = [require_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", target, "--outdir", str(out), *map(str, paths)]
    subprocess.run(command, check=True, capture_output=True, timeout=600, env={**os.environ, "HOME": str(folder)})
    converted = [out / f"{path.stem}.{target}" for path in paths]
    missing = [path.name for path in converted if not path.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return converted


def without_sheets_in_print(path: Path, out: Path, sheets: tuple[str, ...]) -> Path:
    """A copy of ``path`` whose sheets ``sheets`` are hidden and have no print area, so a PDF
    shows only the other sheets (the data sheets run to hundreds of pages)."""
    names = "|".join(re.escape(sheet) for sheet in sheets)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml" and sheets:
                data = re.sub(rf'<sheet name="({names})"'.encode(), rb'<sheet state="hidden" name="\1"', data)
                data = re.sub(rf"<definedName name=\"_xlnm\.Print_\w+\"[^>]*>'?({names})'?![^<]*</definedName>".encode(), b"", data)
            copy.writestr(info, data)
    return out


def pdf_text(path: Path) -> str:
    """The text of a PDF (poppler's pdftotext, installed with LibreOffice by .ci/run)."""
    executable = shutil.which("pdftotext")
    if executable is None:
        missing("pdftotext (poppler-utils)")
    return subprocess.run([executable, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
