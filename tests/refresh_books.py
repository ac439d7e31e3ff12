"""Small generated workbooks for the refresh tests (XlsxWriter; random data, never shared data)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROWS = 60
FIRST, LAST = 2, ROWS + 1  # data rows on the Data sheet
EXCESS = f"Data!$E${FIRST}:$E${LAST}"
MARKET = f"Data!$D${FIRST}:$D${LAST}"
REGRESS_ANCHOR, REGRESS_SHAPE = "D1", (8, 7)  # FACTOR_REGRESS of one asset on one factor
RESIDUALS_ANCHOR = "L1"


@dataclass(frozen=True)
class Data:
    """The generated inputs of the workbook."""

    asset: np.ndarray
    riskfree: np.ndarray
    market: np.ndarray

    @property
    def excess(self) -> np.ndarray:
        return self.asset - self.riskfree


def generated_data(seed: int = 7) -> Data:
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.011, ROWS)
    riskfree = np.full(ROWS, 0.0001) + rng.uniform(0, 1e-5, ROWS)
    asset = riskfree + 0.0002 + 1.15 * market + rng.normal(0, 0.008, ROWS)
    return Data(asset, riskfree, market)


def build_workbook(path: Path, data: Data, *, vba_project: Path | None = None, extra: dict[str, str] | None = None) -> Path:
    """Data sheet (inputs + an excess-return formula column), Model sheet (factorxl and native
    formulas, dynamic arrays, a CSE array, a defined name) and a chart. Cached values are 0."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    if vba_project is not None:
        workbook.add_vba_project(str(vba_project))
    percent = workbook.add_format({"num_format": "0.00%", "bold": True})
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, ["Date", "Asset", "RF", "Mkt-RF", "Excess"])
    for i in range(ROWS):
        row = i + 1
        sheet.write_number(row, 0, 45000 + i)
        sheet.write_number(row, 1, data.asset[i])
        sheet.write_number(row, 2, data.riskfree[i])
        sheet.write_number(row, 3, data.market[i])
        sheet.write_formula(row, 4, f"=B{row + 1}-C{row + 1}", percent)
    model = workbook.add_worksheet("Model")
    formulas = {
        "B1": f"=FACTOR_BETA({EXCESS},{MARKET})",
        "B2": f"=SLOPE({EXCESS},{MARKET})",
        "B3": f"=INTERCEPT({EXCESS},{MARKET})",
        "B4": f"=RSQ({EXCESS},{MARKET})",
        "B5": f"=INDEX(LINEST({EXCESS},{MARKET}),1,1)",
        "B6": f"=STDEV.S({EXCESS})*SQRT(252)",
        "B7": f"=VAR.S({EXCESS})",
        "B8": f"=AVERAGE({EXCESS})",
        "B9": f"=SUM({EXCESS})",
        "B10": f"=FACTOR_ALPHA({EXCESS},{MARKET},252)",
        "B11": "=Beta*2",
        "B12": "=D3&\" beta\"",
        "B13": "=B1>1",
        **(extra or {}),
    }
    for cell, formula in formulas.items():
        model.write_formula(cell, formula, percent if cell == "B6" else None)
    rows, columns = REGRESS_SHAPE
    model.write_dynamic_array_formula(
        f"{REGRESS_ANCHOR}:J{rows}", f"=FACTOR_REGRESS(Data!$E$1:$E${LAST},Data!$D$1:$D${LAST})"
    )
    model.write_dynamic_array_formula(f"{RESIDUALS_ANCHOR}:L{ROWS}", f"=FACTOR_RESIDUALS({EXCESS},{MARKET})")
    model.write_array_formula("B15:B15", f"{{=MMULT(TRANSPOSE({MARKET}),{EXCESS})}}")
    workbook.define_name("Beta", "=Model!$B$1")
    chart = workbook.add_chart({"type": "scatter"})
    chart.add_series({"categories": MARKET, "values": EXCESS, "name": "Excess vs market"})
    model.insert_chart("N2", chart)
    workbook.close()
    return path


def set_input(path: Path, sheet_part: str, cell: str, value: float) -> None:
    """Change a constant cell's value in the worksheet XML (the way Excel stores it), in place."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    pattern = re.compile(rb'(<c r="%s"[^>]*>)<v>[^<]*</v>(</c>)' % cell.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            if info.filename == sheet_part:
                content, count = pattern.subn(rb"\g<1><v>%s</v>\g<2>" % repr(value).encode(), content)
                assert count == 1, f"{cell} not found in {sheet_part}"
            archive.writestr(info, content)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_members(path: Path, content: dict[str, bytes]) -> None:
    """Write a package from its members (in order), replacing ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)


def without_values(xml: bytes) -> bytes:
    """A worksheet part without its cached values, value types and dimension (what a refresh may change)."""
    xml = re.sub(rb"<v>[^<]*</v>|<v/>", b"", xml)
    xml = re.sub(rb'(<dimension ref=")[^"]*', rb"\1", xml)
    return re.sub(rb'(<c [^>]*?) t="[^"]*"', rb"\1", xml)


def without_caches(xml: bytes) -> bytes:
    """A chart part without its series caches (what a refresh may change)."""
    xml = re.sub(rb"<c:(numCache|strCache)>.*?</c:\1>", b"", xml, flags=re.S)
    return xml.replace(b"c:strRef>", b"c:numRef>")


def comparable(name: str, content: bytes) -> bytes:
    """A package member with what a refresh may change taken out."""
    if name.startswith("xl/worksheets/"):
        return without_values(content)
    return without_caches(content) if name.startswith("xl/charts/") else content
