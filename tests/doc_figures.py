"""The figures docs/workbooks.md quotes from a build, compared with an actual build.

The build tests call :func:`check_build_figures` with the workbook they built, so no
workbook is built twice for the docs.
"""

from __future__ import annotations

import re

from factorxl.workbooks.build import BookResult
from tests.conftest import REPO

WORKBOOKS_DOC = REPO / "docs" / "workbooks.md"


def _block(marker: str) -> str:
    """The fenced block after ``<!-- marker -->`` in docs/workbooks.md."""
    text = WORKBOOKS_DOC.read_text()
    found = re.search(rf"<!-- {marker} -->\n```\n(.*?)```", text, re.S)
    assert found, f"docs/workbooks.md has no {marker} block"
    return found[1]


def documented_output(marker: str) -> str:
    """The sample output docs/workbooks.md shows after ``<!-- marker -->`` (the fenced block)."""
    return _block(marker)


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def timing_range(workbook: str) -> tuple[float, float]:
    """The documented range of build times of ``workbook`` (e.g. ``MSFT 10–35 s``)."""
    found = re.search(rf"{re.escape(workbook)}\s+(\d+(?:\.\d+)?)–(\d+(?:\.\d+)?) s", WORKBOOKS_DOC.read_text())
    assert found, f"docs/workbooks.md gives no time range for {workbook}"
    return float(found[1]), float(found[2])


def refresh_range() -> tuple[float, float]:
    """The documented range of refresh times of the built MSFT workbook."""
    found = re.search(r"the time is\s+(\d+(?:\.\d+)?)–(\d+(?:\.\d+)?) s", WORKBOOKS_DOC.read_text())
    assert found, "docs/workbooks.md gives no time range for the refresh summary"
    return float(found[1]), float(found[2])


def check_build_figures(result: BookResult, timing_name: str) -> None:
    """The sample ``factorxl build`` output in the docs shows ``result``'s formula count and headlines,
    with a time inside the documented range; for MSFT, the sample refresh summary shows its counts."""
    block = _block("build-output")
    entry = re.search(
        rf"^{result.name}: out/{re.escape(result.path.name)} \(([\d,]+) formulas evaluated in ([\d.]+) s\)\n((?:  .*\n)*)",
        block,
        re.M,
    )
    assert entry, f"no sample output for {result.name}"
    assert _number(entry[1]) == result.formulas
    low, high = timing_range(timing_name)
    assert low <= float(entry[2]) <= high
    assert entry[3].splitlines() == [f"  {headline}" for headline in result.headlines]
    if result.name == "msft":  # the sample summary of `factorxl refresh MSFT.xlsx`: a refresh of this build
        from factorxl.workbooks.refresh import refresh_workbook

        report = refresh_workbook(result.path, result.path.with_name("refreshed.xlsx"), progress=False)
        summary = re.fullmatch(
            r"refreshed MSFT\.xlsx: ([\d,]+) formulas \(.*?\), ([\d,]+) cached values, (\d+) chart\(s\) updated in ([\d.]+) s\n",
            _block("refresh-output"),
        )
        assert summary, "the sample refresh summary is not in the command's format"
        assert (_number(summary[1]), _number(summary[2]), int(summary[3])) == (report.formulas, report.cells, report.charts)
        low, high = refresh_range()
        assert low <= float(summary[4]) <= high
