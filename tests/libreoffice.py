"""LibreOffice as a second, independent spreadsheet engine for the tests: open workbooks
headless (as a colleague's LibreOffice opens them, or recalculating every formula) and save
them as .xlsx or render them to PDF, one soffice run for a batch of files (runs started
together work side by side, each with its own profile); edit cells
the way a colleague does, through LibreOffice's own commands, which honour sheet protection;
and read what a PDF shows: its text, page by page, and the size of every piece of text it draws."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
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


def _command(profile: Path, *arguments: str) -> list[str]:
    return [require_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", *arguments]


def _soffice(profile: Path, folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(profile, *arguments), capture_output=True, text=True, timeout=600, env={**os.environ, "HOME": str(folder)})


@dataclass(frozen=True)
class Conversion:
    """A headless LibreOffice run converting a batch of files (:func:`start_conversion`)."""

    process: subprocess.Popen
    converted: list[Path]

    def wait(self) -> list[Path]:
        """The converted files, in the order they were given, once the run has ended."""
        _, errors = self.process.communicate(timeout=600)
        if self.process.returncode:
            raise subprocess.CalledProcessError(self.process.returncode, self.process.args, stderr=errors)
        missing = [path.name for path in self.converted if not path.exists()]
        assert not missing, f"LibreOffice did not write {missing}"
        return self.converted


def start_conversion(paths: list[Path], target: str, folder: Path, recalculate: str, name: str | None = None) -> Conversion:
    """Start one headless LibreOffice run that opens ``paths`` and saves them as ``target``
    ("xlsx" or "pdf") in a folder of ``folder`` named ``name`` (default: the target and the
    recalculation), with a profile of that name, so that runs of other names work side by side."""
    name = name or f"{target}-{recalculate}"
    profile = _profile(folder, name, recalculate)
    out = folder / name
    command = _command(profile, "--convert-to", target, "--outdir", str(out), *map(str, paths))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(folder)})
    return Conversion(process, [out / f"{path.stem}.{target}" for path in paths])


def values_only(path: Path, out: Path) -> Path:
    """A copy of ``path`` whose formulas are gone and whose cells keep their stored values: what
    Excel shows on opening a workbook it does not recalculate (LibreOffice would recalculate
    the array formulas, and a template's factorxl blocks would show ``#NAME?``)."""
    formula = re.compile(rb"<((?:\w+:)?)f\b[^>]*?(?:/>|>.*?</\1f>)", re.S)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = formula.sub(b"", data)
            copy.writestr(info, data)
    return out


def _start_pdf_text(path: Path) -> subprocess.Popen:
    """Start extracting the text of a PDF into the .txt file beside it (poppler's pdftotext,
    installed with LibreOffice by .ci/run), page by page in its layout."""
    executable = shutil.which("pdftotext")
    if executable is None:
        missing("pdftotext (poppler-utils)")
    return subprocess.Popen([executable, "-layout", str(path), str(path.with_suffix(".txt"))], stderr=subprocess.PIPE, text=True)


_STREAM = re.compile(rb">>\s*stream\r?\n")


@dataclass(frozen=True)
class PrintedPages:
    """A PDF's pages: the text of each (pdftotext's layout) and the smallest size, in points,
    of the text drawn on each (every Tf size scaled by the text and graphics matrices)."""

    texts: list[str]
    smallest: list[float]

    @classmethod
    def read(cls, path: Path) -> PrintedPages:
        extraction = _start_pdf_text(path)  # works while the sizes are read
        smallest = [_smallest_text(lines) for lines in _page_contents(path.read_bytes())]
        _, errors = extraction.communicate(timeout=600)
        assert extraction.returncode == 0, errors
        texts = path.with_suffix(".txt").read_text(encoding="utf-8").split("\f")[:-1]
        assert len(texts) == len(smallest), (len(texts), len(smallest))
        return cls(texts, smallest)


def _page_contents(pdf: bytes) -> Iterator[Iterator[bytes]]:
    """Each page's content stream, in page order, as pieces of whole lines (a page of scatter
    charts holds 150 MB: decompressed piece by piece it keeps the memory of a test run low).
    LibreOffice writes one stream a page and no object streams."""
    objects = {int(m.group(1)): m.end() for m in re.finditer(rb"(?m)^(\d+) 0 obj\b", pdf)}
    root = re.search(rb"/Type\s*/Pages\b.*?/Kids\s*\[([^\]]*)\]", pdf, re.S)
    assert root and b"/ObjStm" not in pdf, "not a PDF as LibreOffice writes it"
    for number in _page_order(pdf, objects, root.group(1)):
        body = pdf[objects[number] : pdf.index(b"endobj", objects[number])]
        start = objects[int(re.search(rb"/Contents\s+(\d+) 0 R", body).group(1))]
        stream = _STREAM.search(pdf, start)
        data = memoryview(pdf)[stream.end() : pdf.index(b"endstream", stream.end())]
        yield _lines(data, b"/FlateDecode" in pdf[start : stream.start()])


def _lines(data: memoryview, compressed: bool, piece: int = 1 << 22) -> Iterator[bytes]:
    """A stream's content in pieces that end at a line's end."""
    inflate = zlib.decompressobj() if compressed else None
    rest = b""
    for at in range(0, len(data), piece):
        chunk = bytes(data[at : at + piece])
        text = rest + (inflate.decompress(chunk) if inflate else chunk)
        end = text.rfind(b"\n") + 1
        rest = text[end:]
        yield text[:end]
    yield rest + (inflate.flush() if inflate else b"")


def _page_order(pdf: bytes, objects: dict[int, int], kids: bytes) -> list[int]:
    """The page objects under a /Kids array, depth first."""
    order = []
    for number in map(int, re.findall(rb"(\d+) 0 R", kids)):
        body = pdf[objects[number] : pdf.index(b"endobj", objects[number])]
        nested = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        order += _page_order(pdf, objects, nested.group(1)) if nested else [number]
    return order


def _smallest_text(lines: Iterator[bytes]) -> float:
    """The smallest text size a content stream draws (infinity when it draws no text): each Tf
    size, scaled by the text matrix (Tm) set in its text object. LibreOffice draws cells with Td
    and Tf only, and chart text with Tm; it does not scale the graphics state (cm). Each
    operator is on one line with its operands."""
    smallest, size, scale = float("inf"), 0.0, 1.0
    for content in lines:
        assert b" cm\n" not in content and b" cm " not in content, "the page scales its graphics (cm): the parser does not follow it"
        events = sorted([(at, "BT") for at in _finds(content, b"BT\n")] + [(at, "Tf") for at in _finds(content, b" Tf")] + [(at, "Tm") for at in _finds(content, b" Tm")])
        for at, operator in events:
            if operator == "BT":
                scale = 1.0
            elif operator == "Tm":
                a, b, c, d = (float(x) for x in content[content.rfind(b"\n", 0, at) + 1 : at].split()[:4])
                scale = abs(a * d - b * c) ** 0.5
                smallest = min(smallest, size * scale) if size else smallest
            else:
                size = _operand(content, at)
                smallest = min(smallest, size * scale)
    return smallest


def _finds(content: bytes, token: bytes) -> list[int]:
    """Every position of ``token`` (a literal search: a regular expression takes minutes on the
    150 MB a page of scatter charts holds)."""
    found, at = [], content.find(token)
    while at >= 0:
        found.append(at)
        at = content.find(token, at + len(token))
    return found


def _operand(content: bytes, at: int) -> float:
    """The number right before position ``at``."""
    return float(content[max(content.rfind(b" ", 0, at), content.rfind(b"\n", 0, at)) + 1 : at])


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
