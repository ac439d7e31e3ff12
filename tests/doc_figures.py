"""The figures docs/workbooks.md quotes from a build, compared with an actual build.

The build tests call :func:`check_build_figures` with the workbook they built, so no
workbook is built twice for the docs.
"""

from __future__ import annotations

import re

from factorxl.workbooks.build import BookResult, Headline
from tests.conftest import REPO
from tests.tolerance import is_number, printed_as

WORKBOOKS_DOC = REPO / "factorxl" / "docs" / "workbooks.md"


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


def shows_headline(line: str, headline: Headline) -> bool:
    """Whether ``line`` is how ``factorxl build`` prints ``headline``: its label and its number in
    the headline's format, at whose last digit the number may round the other way on another
    machine."""
    if not is_number(headline.value):
        return line == str(headline)
    label, _, number = line.partition(": ")
    return label == headline.label and number == format(float(number), headline.spec) and printed_as(headline.value, number)


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
    lines = entry[3].splitlines()
    assert len(lines) == len(result.headlines), (lines, result.headlines)
    for line, headline in zip(lines, result.headlines):
        assert shows_headline(line.removeprefix("  "), headline), (line, str(headline))
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
