"""LibreOffice as a second, independent spreadsheet engine for the tests: open workbooks
headless (as a colleague's LibreOffice opens them, or recalculating every formula) and save
them as .xlsx or render them to PDF, one soffice run for a batch of files; and what a PDF
shows: its text, page by page, and the size of every piece of text it draws."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
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


def pdf_text(path: Path) -> str:
    """The text of a PDF (poppler's pdftotext, installed with LibreOffice by .ci/run)."""
    executable = shutil.which("pdftotext")
    if executable is None:
        missing("pdftotext (poppler-utils)")
    return subprocess.run([executable, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


_STREAM = re.compile(rb">>\s*stream\r?\n")


@dataclass(frozen=True)
class PrintedPages:
    """A PDF's pages: the text of each (pdftotext's layout) and the smallest size, in points,
    of the text drawn on each (every Tf size scaled by the text and graphics matrices)."""

    texts: list[str]
    smallest: list[float]

    @classmethod
    def read(cls, path: Path) -> PrintedPages:
        texts = pdf_text(path).split("\f")[:-1]
        smallest = [_smallest_text(content) for content in _page_contents(path.read_bytes())]
        assert len(texts) == len(smallest), (len(texts), len(smallest))
        return cls(texts, smallest)


def _page_contents(pdf: bytes) -> list[bytes]:
    """Each page's content stream, in page order (LibreOffice writes one stream a page, and no
    object streams; a page's stream is the first stream after its /Contents reference)."""
    objects = {int(m.group(1)): m.end() for m in re.finditer(rb"(?m)^(\d+) 0 obj\b", pdf)}
    pages = re.findall(rb"/Type\s*/Page\b[^s].*?/Contents\s+(\d+) 0 R", pdf, re.S)
    root = re.search(rb"/Type\s*/Pages\b.*?/Kids\s*\[([^\]]*)\]", pdf, re.S)
    assert root and b"/ObjStm" not in pdf, "not a PDF as LibreOffice writes it"
    contents = []
    for number in _page_order(pdf, objects, root.group(1)):
        body = pdf[objects[number] : pdf.index(b"endobj", objects[number])]
        reference = int(re.search(rb"/Contents\s+(\d+) 0 R", body).group(1))
        start = objects[reference]
        stream = _STREAM.search(pdf, start)
        data = pdf[stream.end() : pdf.index(b"endstream", stream.end())]
        contents.append(zlib.decompressobj().decompress(data) if b"/FlateDecode" in pdf[start : stream.start()] else data)
    assert len(contents) == len(pages), (len(contents), len(pages))
    return contents


def _page_order(pdf: bytes, objects: dict[int, int], kids: bytes) -> list[int]:
    """The page objects under a /Kids array, depth first."""
    order = []
    for number in map(int, re.findall(rb"(\d+) 0 R", kids)):
        body = pdf[objects[number] : pdf.index(b"endobj", objects[number])]
        nested = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        order += _page_order(pdf, objects, nested.group(1)) if nested else [number]
    return order


def _smallest_text(content: bytes) -> float:
    """The smallest text size a content stream draws (infinity when it draws no text): each Tf
    size, scaled by the text matrix (Tm) set in its text object. LibreOffice draws cells with Td
    and Tf only, and chart text with Tm; it does not scale the graphics state (cm)."""
    assert b" cm\n" not in content and b" cm " not in content, "the page scales its graphics (cm): the parser does not follow it"
    events = sorted([(at, "BT") for at in _finds(content, b"BT\n")] + [(at, "Tf") for at in _finds(content, b" Tf")] + [(at, "Tm") for at in _finds(content, b" Tm")])
    smallest, size, scale = float("inf"), 0.0, 1.0
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
