"""LibreOffice as a second, independent spreadsheet engine for the tests: open workbooks
headless (as a colleague's LibreOffice opens them, or recalculating every formula) and save
them as .xlsx or render them to PDF, one soffice run for a batch of files; and edit cells
the way a colleague does, through LibreOffice's own commands, which honour sheet protection."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

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


def _profile(folder: Path, name: str, recalculate: str, settings_xml: str = "") -> Path:
    """A fresh LibreOffice user profile: English (United States) number parsing,
    ``recalculate`` ("never" or "always") for Excel files on load, and ``settings_xml``
    (more ``<item>`` elements)."""
    profile = folder / f"profile-{name}"
    settings = profile / "user" / "registrymodifications.xcu"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema"><item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        f'<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{RECALCULATE[recalculate]}</value></prop></item>'
        '<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>en-US</value></prop></item>'
        f"{settings_xml}</oor:items>"
    )
    return profile


def _soffice(profile: Path, folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = [require_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(folder)})


def convert(paths: list[Path], target: str, folder: Path, recalculate: str) -> list[Path]:
    """Open ``paths`` in one headless LibreOffice run and save them as ``target`` ("xlsx" or
    "pdf") in ``folder``; returns the converted files in the order of ``paths``."""
    profile = _profile(folder, recalculate, recalculate)
    out = folder / f"{target}-{recalculate}"
    _soffice(profile, folder, "--convert-to", target, "--outdir", str(out), *map(str, paths)).check_returncode()
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


# --- editing as a colleague does ----------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One edit a colleague makes: type ``text`` into a cell, or (``text`` None) select a range
    and press Delete (LibreOffice's Delete Contents)."""

    sheet: str
    cells: str  # "B6", or "B5:B9782" for a Delete
    text: str | None = None


_MACRO = """Function Prop(sName As String, vValue) As com.sun.star.beans.PropertyValue
  Dim p As New com.sun.star.beans.PropertyValue
  p.Name = sName : p.Value = vValue
  Prop = p
End Function

Sub Run(sJobs As String, sLog As String)
  Dim oAccess, oInput, oText, oLog, oDoc, oController, oFrame, oDispatcher, oSheet, aParts, sLine
  oAccess = createUnoService("com.sun.star.ucb.SimpleFileAccess")
  oInput = oAccess.openFileRead(sJobs)
  oText = createUnoService("com.sun.star.io.TextInputStream")
  oText.setInputStream(oInput)
  oText.setEncoding("UTF-8")
  oLog = createUnoService("com.sun.star.io.TextOutputStream")
  oLog.setOutputStream(oAccess.openFileWrite(sLog))
  oLog.setEncoding("UTF-8")
  oDispatcher = createUnoService("com.sun.star.frame.DispatchHelper")
  On Error Resume Next
  Do While Not oText.isEOF()
    sLine = oText.readLine()
    aParts = Split(sLine, Chr(9))
    Select Case aParts(0)
      Case "open"
        oDoc = StarDesktop.loadComponentFromURL(aParts(1), "_blank", 0, Array(Prop("Hidden", True)))
        oController = oDoc.getCurrentController()
        oFrame = oController.getFrame()
      Case "sheet"
        oSheet = oDoc.Sheets.getByName(aParts(1))
        oController.setActiveSheet(oSheet)
      Case "type"
        oController.select(oSheet.getCellRangeByName(aParts(1)))
        oDispatcher.executeDispatch(oFrame, ".uno:EnterString", "", 0, Array(Prop("StringName", aParts(2))))
      Case "delete"
        oController.select(oSheet.getCellRangeByName(aParts(1)))
        oDispatcher.executeDispatch(oFrame, ".uno:ClearContents", "", 0, Array())
      Case "save"
        oDoc.calculateAll()
        oDoc.storeToURL(aParts(1), Array(Prop("FilterName", "Calc MS Excel 2007 XML")))
        oDoc.close(True)
    End Select
    If Err <> 0 Then
      oLog.writeString(sLine & " -> " & Error$ & Chr(10))
      On Error Resume Next
    End If
  Loop
  oText.closeInput()
  oLog.closeOutput()
End Sub
"""
_MODULE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Edits" script:language="StarBasic">{}</script:module>
"""
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Edits"/>
</library:library>
"""


def edit(books: dict[Path, list[Edit]], folder: Path) -> list[Path]:
    """Open each workbook in one headless LibreOffice run, make its edits through
    LibreOffice's commands (a protected cell refuses them, as it does for a colleague),
    recalculate every formula (Ctrl+Shift+F9) and save it as .xlsx in ``folder``; returns
    the saved files in the order of ``books``. The books open as a colleague's LibreOffice
    opens them (stored values kept); the commands run from a Basic macro, which logs any
    command that fails (a refused edit is not a failure: LibreOffice says so and goes on)."""
    out = folder / "edited"
    out.mkdir(exist_ok=True)
    lines, saved = [], []
    for book, edits in books.items():
        saved.append(out / book.name)
        lines.append(f"open\t{book.resolve().as_uri()}")
        sheet = None
        for change in edits:
            if change.sheet != sheet:
                sheet = change.sheet
                lines.append(f"sheet\t{sheet}")
            lines.append(f"delete\t{change.cells}" if change.text is None else f"type\t{change.cells}\t{change.text}")
        lines.append(f"save\t{saved[-1].resolve().as_uri()}")
    jobs = folder / "edits.txt"
    jobs.write_text("".join(f"{line}\t\n" for line in lines), encoding="utf-8")  # the tab ends the last field before the line end
    for attempt in range(2):  # a second, fresh run when LibreOffice stopped without a word (it does, rarely, on a loaded machine)
        log = folder / f"edits-{attempt}.log"
        run = _run_macro(folder, f"edits-{attempt}", jobs, log)
        failed = log.read_text(encoding="utf-8") if log.exists() else ""
        missing = [path.name for path in saved if not path.exists()]
        if not missing or failed:
            break
    assert not missing and not failed, f"LibreOffice did not write {missing} (exit code {run.returncode}, {run.stderr.strip()}); failed: {failed}"
    return saved


_SERIAL_CALCULATION = (
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Calculation"><prop oor:name="UseThreadedCalculationForFormulaGroups" '
    'oor:op="fuse"><value>false</value></prop></item>'
    '<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="UseOpenCL" oor:op="fuse"><value>false</value></prop></item>'
)


def _run_macro(folder: Path, name: str, jobs: Path, log: Path) -> subprocess.CompletedProcess:
    """Run the edits of ``jobs`` in a fresh profile ``name`` holding the macro (formulas
    calculated in one thread), logging failed commands to ``log``."""
    profile = _profile(folder, name, "never", _SERIAL_CALCULATION)
    _soffice(profile, folder, "--terminate_after_init").check_returncode()  # creates the profile's Basic library
    library = profile / "user" / "basic" / "Standard"
    (library / "Edits.xba").write_text(_MODULE.format(escape(_MACRO)))
    (library / "script.xlb").write_text(_LIBRARY)
    return _soffice(profile, folder, "--invisible", f'macro:///Standard.Edits.Run("{jobs.resolve().as_uri()}","{log.resolve().as_uri()}")')
