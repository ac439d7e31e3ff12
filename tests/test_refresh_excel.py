"""The refresh stores what Excel would show: ranges to the last row, whole columns, dates, spills, caches."""

from __future__ import annotations

import posixpath
import re

import numpy as np
import openpyxl
import pytest
import statsmodels.api as sm

from factorxl.workbooks.engine import ExcelError, recalculate
from factorxl.workbooks.refresh import refresh_workbook
from tests.refresh_books import ROWS, build_workbook, generated_data, members, write_members
from tests.tolerance import same_value
from tests.workbook_checks import CELL_ATOL, CELL_RTOL


def _typed_book(path, formulas, rows=ROWS, seed=11):
    """A workbook typed with openpyxl, as a user would: Data!A dates, B asset, C market, D SMB; no stored values."""
    import datetime

    rng = np.random.default_rng(seed)
    market, smb = rng.normal(0.0004, 0.011, rows), rng.normal(0, 0.006, rows)
    asset = 0.0002 + 1.12 * market + 0.3 * smb + rng.normal(0, 0.008, rows)
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Data"
    data.append(["Date", "Asset", "Mkt-RF", "SMB"])
    for i in range(rows):
        data.append([datetime.date(2020, 1, 1) + datetime.timedelta(days=i), asset[i], market[i], smb[i]])
    model = workbook.create_sheet("Model")
    for cell, formula in formulas.items():
        model[cell] = formula
    workbook.save(path)
    return path, asset, market, smb


def _values(path, sheet="Model"):
    return openpyxl.load_workbook(path, data_only=True)[sheet]


def test_ranges_to_the_last_row_and_whole_columns_read_the_data_excel_hands_over(tmp_path):
    book, asset, market, _ = _typed_book(
        tmp_path / "rows.xlsx",
        {
            "A1": "=FACTOR_BETA(Data!B2:B1048576,Data!C2:C1048576)",
            "A2": "=FACTOR_BETA(Data!B:B,Data!C:C)",  # the header row labels the series
            "A3": "=FACTOR_BETA(Data!$B$2:$B$1048576,Data!$C$2:$C$1048576)*2",  # through formulas
        },
    )
    report = refresh_workbook(book, progress=False)
    assert report.ok and not report.errors, report.errors
    beta = sm.OLS(asset, sm.add_constant(market)).fit().params[1]
    model = _values(book)
    assert model["A1"].value == pytest.approx(beta, rel=1e-12)
    assert model["A2"].value == pytest.approx(beta, rel=1e-12)
    assert model["A3"].value == pytest.approx(2 * beta, rel=1e-12)


def test_a_date_column_in_a_factor_range_is_refused_as_in_excel(tmp_path):
    """xlwings hands date cells over as datetimes; factorxl refuses them in numeric ranges."""
    book, *_ = _typed_book(tmp_path / "dates.xlsx", {"A1": f"=FACTOR_BETA(Data!B2:B{ROWS + 1},Data!A2:C{ROWS + 1})"})
    report = refresh_workbook(book, progress=False)
    assert report.ok
    [error] = report.errors
    assert error.cell == "A1" and error.reason.startswith(f"#VALUE! (column A (Data!A2:A{ROWS + 1}) of factors looks like dates (2020-")
    assert error.reason.endswith("leave the date column out of the range)")
    assert _values(book)["A1"].value == "#VALUE!"


def test_factorxl_calls_stored_as_array_or_plain_formulas_agree(tmp_path):
    import xlsxwriter

    data = generated_data()
    book = tmp_path / "kinds.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("S")
    sheet.write_column("A1", data.asset)
    sheet.write_column("B1", data.market)
    sheet.write_formula("D1", f"=FACTOR_BETA(A1:A{ROWS},B1:B{ROWS})")
    sheet.write_array_formula("D2:D2", f"{{=FACTOR_BETA(A1:A{ROWS},B1:B{ROWS})}}")
    sheet.write_dynamic_array_formula("D3:D3", f"=FACTOR_BETA(A1:A{ROWS},B1:B{ROWS})")
    workbook.close()
    assert refresh_workbook(book, progress=False).ok
    values = [c.value for c in _values(book, "S")["D"][:3]]
    beta = np.polyfit(data.market, data.asset, 1)[0]
    assert values == pytest.approx([beta] * 3, rel=1e-12)


def _spill_book(path, anchor_block, *, blocker=None):
    import xlsxwriter

    data = generated_data()
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("S")
    sheet.write_column("A1", data.asset[:8])
    sheet.write_column("B1", data.market[:8])
    sheet.write_dynamic_array_formula(anchor_block, "=FACTOR_RESIDUALS(A1:A8,B1:B8)")
    sheet.write_formula("F1", "=SUMSQ(D1#)")
    if blocker:
        sheet.write_string(blocker, "note")
    workbook.close()
    fit = sm.OLS(data.asset[:8], sm.add_constant(data.market[:8])).fit()
    return path, fit.resid


@pytest.mark.parametrize("block", ["D1:D5", "D1:D12"], ids=["grows", "shrinks"])
def test_a_dynamic_array_spills_into_the_cells_its_result_needs(tmp_path, block):
    book, residuals = _spill_book(tmp_path / "spill.xlsx", block)
    report = refresh_workbook(book, progress=False)
    assert report.ok and not report.errors
    sheet = _values(book, "S")
    assert [sheet[f"D{r}"].value for r in range(1, 9)] == pytest.approx(residuals, abs=1e-15)
    assert [sheet[f"D{r}"].value for r in range(9, 13)] == [None] * 4
    assert sheet["F1"].value == pytest.approx((residuals**2).sum(), rel=1e-12)  # the spill reference follows
    xml = members(book)["xl/worksheets/sheet1.xml"]
    assert b'<f t="array" ref="D1:D8"' in xml
    assert re.search(rb'<dimension ref="A1:F(\d+)"', xml).group(1) == (b"8" if block == "D1:D5" else b"12")
    assert openpyxl.load_workbook(book, read_only=True)["S"].max_row == (8 if block == "D1:D5" else 12)


def test_a_dynamic_array_whose_cells_are_taken_shows_spill(tmp_path):
    book, _ = _spill_book(tmp_path / "blocked.xlsx", "D1:D5", blocker="D7")
    report = refresh_workbook(book, progress=False)
    assert report.ok
    assert [(e.cell, e.reason) for e in report.errors if e.cell == "D1"] == [
        ("D1", "#SPILL! (the result needs D1:D8 but D7 is not empty)")
    ]
    sheet = _values(book, "S")
    assert sheet["D1"].value == "#SPILL!" and [sheet[f"D{r}"].value for r in range(2, 6)] == [None] * 4
    assert sheet["D7"].value == "note"


def _series_caches(chart: bytes) -> dict[str, tuple[bytes, list[str]]]:
    """Reference -> (kind, cached points) of every series source of a chart part."""
    caches = {}
    for kind, body in re.findall(rb"<c:(numRef|strRef)>(.*?)</c:\1>", chart, re.S):
        reference = re.search(rb"<c:f>(.*?)</c:f>", body).group(1).decode()
        caches[reference] = (kind, [v.decode() for v in re.findall(rb"<c:v>(.*?)</c:v>", body)])
    return caches


def test_chart_caches_equal_the_cells_they_read(tmp_path):
    import xlsxwriter

    book = build_workbook(tmp_path / "chart.xlsx", generated_data())
    content = members(book)
    refresh_workbook(book, progress=False)
    caches = _series_caches(members(book)["xl/charts/chart1.xml"])
    data = _values(book, "Data")
    kind, points = caches["Data!$E$2:$E$61"]
    assert kind == b"numRef"
    assert [float(p) for p in points] == [data[f"E{r}"].value for r in range(2, 62)]  # the same value written twice: exact
    assert content["xl/charts/chart1.xml"] != members(book)["xl/charts/chart1.xml"]

    text_book = tmp_path / "text.xlsx"
    workbook = xlsxwriter.Workbook(str(text_book))
    sheet = workbook.add_worksheet("S")
    sheet.write_column("A1", [1.0, 2.0, 3.0])
    for row in range(3):
        sheet.write_formula(row, 1, f'="Q"&A{row + 1}')
        sheet.write_formula(row, 2, f"=A{row + 1}*10")
    chart = workbook.add_chart({"type": "column"})
    chart.add_series({"categories": "=S!$B$1:$B$3", "values": "=S!$C$1:$C$3", "name": "=S!$B$1"})
    sheet.insert_chart("E2", chart)
    workbook.close()
    assert b"<c:cat><c:numRef><c:f>S!$B$1:$B$3" in members(text_book)["xl/charts/chart1.xml"]
    refresh_workbook(text_book, progress=False)
    caches = _series_caches(members(text_book)["xl/charts/chart1.xml"])
    assert caches["S!$B$1:$B$3"] == (b"strRef", ["Q1", "Q2", "Q3"])  # text through a string reference
    assert caches["S!$C$1:$C$3"] == (b"numRef", ["10", "20", "30"])
    assert caches["S!$B$1"] == (b"strRef", ["Q1"])


def _with_absolute_targets(content: dict[str, bytes]) -> dict[str, bytes]:
    """The package with every internal relationship target written as an absolute part name
    (``/xl/charts/chart1.xml``), as some producers write them."""
    rewritten = dict(content)
    for name, xml in content.items():
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))

            def absolute(match, folder=folder):
                target = match.group(2).decode()
                if target.startswith("/") or b'TargetMode="External"' in match.group(0):
                    return match.group(0)
                return match.group(1) + ("/" + posixpath.normpath(posixpath.join(folder, target))).encode() + match.group(3)

            rewritten[name] = re.sub(rb'(<Relationship\b[^>]*?Target=")([^"]*)("[^>]*/>)', absolute, xml)
    return rewritten


def test_parts_named_by_absolute_relationship_targets_are_found(tmp_path):
    """Styles (which cells are dates) and shared strings (header labels) reached through targets
    such as ``/xl/styles.xml`` are read as through relative ones."""
    import datetime

    import xlsxwriter

    rng = np.random.default_rng(3)
    market, smb = rng.normal(0, 0.01, ROWS), rng.normal(0, 0.006, ROWS)
    asset = 1.1 * market + 0.3 * smb + rng.normal(0, 0.008, ROWS)
    book = tmp_path / "absolute.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    data, model = workbook.add_worksheet("Data"), workbook.add_worksheet("Model")
    data.write_row(0, 0, ["Date", "Asset", "Mkt-RF", "SMB"])  # shared strings
    dates = [datetime.date(2020, 1, 1) + datetime.timedelta(days=i) for i in range(ROWS)]
    data.write_column(1, 0, dates, workbook.add_format({"num_format": "yyyy-mm-dd"}))  # a date style
    for column, values in enumerate((asset, market, smb), start=1):
        data.write_column(1, column, values.tolist())
    model.write_formula("A1", f"=FACTOR_BETA(Data!B2:B{ROWS + 1},Data!A2:C{ROWS + 1})")
    model.write_dynamic_array_formula("A3", f"=FACTOR_REGRESS(Data!B1:B{ROWS + 1},Data!C1:D{ROWS + 1})")
    workbook.close()
    content = _with_absolute_targets(members(book))
    assert b'Target="/xl/styles.xml"' in content["xl/_rels/workbook.xml.rels"]
    assert b'Target="/xl/sharedStrings.xml"' in content["xl/_rels/workbook.xml.rels"]
    write_members(book, content)
    report = refresh_workbook(book, progress=False)
    [error] = report.errors
    assert error.cell == "A1" and error.reason.startswith("#VALUE! (column A (Data!A2:A61) of factors looks like dates (2020-")  # dates, not serial numbers
    assert [_values(book)[f"A{r}"].value for r in range(3, 7)] == ["Asset", "alpha", "Mkt-RF", "SMB"]  # the header's labels


def test_only_factorxl_formulas_and_their_dependents_are_recalculated(tmp_path):
    """A workbook saved by Excel keeps its stored values; the factorxl calls and what reads them are recalculated."""
    book = build_workbook(tmp_path / "saved.xlsx", generated_data(), extra={"B20": "=B1*10", "B21": "=B7*10"})
    refresh_workbook(book, clear_full_calc_on_load=True, progress=False)  # now every value is stored, as Excel saves
    content = members(book)
    sheet = content["xl/worksheets/sheet2.xml"]
    # a stale stored value of a native formula outside the factorxl chain stays, as Excel saved it
    content["xl/worksheets/sheet2.xml"] = re.sub(rb'(<c r="B21"[^>]*><f>[^<]*</f><v>)[^<]*', rb"\g<1>42", sheet)
    # a native formula saved without a value (as some tools write) is recalculated
    content["xl/worksheets/sheet2.xml"] = re.sub(
        rb'(<c r="B8"[^>]*><f>[^<]*</f>)<v>[^<]*</v>', rb"\g<1>", content["xl/worksheets/sheet2.xml"]
    )
    write_members(book, content)
    report = refresh_workbook(book, progress=False)
    assert report.ok and not report.full
    fresh = recalculate(book)
    cells = {(r.sheet, r.cell) for r in fresh.results}
    assert ("Model", "B1") in cells and ("Model", "B11") in cells and ("Model", "B20") in cells  # factorxl, name, downstream
    assert ("Model", "B2") not in cells and ("Data", "E2") not in cells  # SLOPE and the excess returns keep their values
    model, data = _values(book), _values(book, "Data")
    assert model["B21"].value == 42
    assert model["B8"].value == pytest.approx(np.mean([data[f"E{r}"].value for r in range(2, 62)]), rel=1e-12)
    assert model["B20"].value == pytest.approx(10 * model["B1"].value, rel=1e-15)
    assert recalculate(book, full=True).value("Model", "B21") != 42


def test_defined_names_and_spill_references_reach_factorxl(tmp_path):
    data = generated_data()
    book = build_workbook(
        tmp_path / "names.xlsx",
        data,
        extra={"B20": "=FACTOR_BETA(Data!$E$2:$E$61,Beta_market)", "B21": "=FACTOR_BETA(L1#,Data!$D$2:$D$61)"},
    )
    content = members(book)
    content["xl/workbook.xml"] = content["xl/workbook.xml"].replace(
        b"<definedNames>", b'<definedNames><definedName name="Beta_market">Data!$D$2:$D$61</definedName>'
    )
    write_members(book, content)
    fresh = recalculate(book)
    assert not fresh.problems, fresh.problems
    beta = np.polyfit(data.market, data.asset - data.riskfree, 1)[0]
    assert fresh.value("Model", "B20") == pytest.approx(beta, rel=1e-12)
    assert fresh.value("Model", "B21") == pytest.approx(0.0, abs=1e-12)  # residuals carry no market beta
    assert not isinstance(fresh.value("Model", "B21"), ExcelError)


def test_refreshing_a_saved_template_reproduces_its_values(tmp_path):
    """The committed MiniModel holds fresh values: refreshing its factorxl formulas changes none of them."""
    import shutil
    from pathlib import Path

    book = tmp_path / "MiniModel.xlsx"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "workbook_templates" / "MiniModel.xlsx", book)
    out = tmp_path / "refreshed.xlsx"
    report = refresh_workbook(book, out, progress=False)
    assert report.ok and not report.full and report.formulas > 100
    before, after = openpyxl.load_workbook(book, data_only=True), openpyxl.load_workbook(out, data_only=True)
    for sheet in before.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                new = after[sheet.title][cell.coordinate].value
                same = same_value(new, cell.value, rtol=CELL_RTOL, atol=CELL_ATOL)  # a stored 0 may come back as 4.4e-16
                assert same, (sheet.title, cell.coordinate, cell.value, new)


def test_a_formula_reading_only_the_cells_a_spill_newly_covers_is_warned_about(tmp_path):
    book, residuals = _spill_book(tmp_path / "late.xlsx", "D1:D5")
    content = members(book)
    content["xl/worksheets/sheet1.xml"] = content["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", b'<row r="20"><c r="G20"><f>SUM(D6:D8)</f><v>0</v></c></row></sheetData>'
    )
    write_members(book, content)
    report = refresh_workbook(book, progress=False)
    assert report.ok
    assert [(w.cell, w.reason.split(";")[0]) for w in report.warnings] == [
        ("G20", "reads cells into which the dynamic array S!D1 now spills (D1:D8)")
    ]
    again = refresh_workbook(book, progress=False)  # the file now records the grown block
    assert not again.warnings
    assert _values(book, "S")["G20"].value == pytest.approx(residuals[5:8].sum(), abs=1e-15)
