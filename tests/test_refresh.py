"""Refresh round trips: change an input, refresh, check the dependent cells against numpy/statsmodels."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pytest
import statsmodels.api as sm

from factorxl.workbooks.engine import ExcelError, recalculate
from factorxl.workbooks.refresh import refresh_workbook
from tests.refresh_books import FIRST, ROWS, build_workbook, comparable, generated_data, members, set_input
from tests.tolerance import same_value
from tests.workbook_checks import CELL_ATOL, CELL_RTOL

CHANGED_ROW = 10  # a data row whose asset return the tests change
NEW_RETURN = 0.0731


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """A workbook whose input Data!B10 was changed after building, refreshed into a new file."""
    folder = tmp_path_factory.mktemp("refresh")
    data = generated_data()
    original = build_workbook(folder / "book.xlsx", data)
    set_input(original, "xl/worksheets/sheet1.xml", f"B{CHANGED_ROW}", NEW_RETURN)
    before = members(original)
    report = refresh_workbook(original, folder / "refreshed.xlsx", progress=False)
    asset = data.asset.copy()
    asset[CHANGED_ROW - FIRST] = NEW_RETURN
    excess = asset - data.riskfree
    fit = sm.OLS(excess, sm.add_constant(data.market)).fit()
    book = openpyxl.load_workbook(report.destination, data_only=True)
    return dict(report=report, book=book, fit=fit, excess=excess, market=data.market, before=before, original=original)


def test_the_refresh_succeeds_and_counts_every_formula(refreshed):
    report = refreshed["report"]
    assert report.ok and report.written and not report.problems and not report.errors
    # 60 excess returns + 13 model cells + 2 dynamic arrays + 1 CSE array
    assert report.formulas == ROWS + 13 + 3
    assert report.cells == ROWS + 13 + 8 * 7 + ROWS + 1


def test_the_changed_input_flows_into_the_formula_column(refreshed):
    data = refreshed["book"]["Data"]
    assert data[f"E{CHANGED_ROW}"].value == pytest.approx(refreshed["excess"][CHANGED_ROW - FIRST], abs=1e-17)
    column = np.array([data[f"E{r}"].value for r in range(FIRST, FIRST + ROWS)])
    np.testing.assert_allclose(column, refreshed["excess"], rtol=0, atol=1e-17)


def test_factorxl_and_native_regression_cells_match_statsmodels(refreshed):
    model, fit = refreshed["book"]["Model"], refreshed["fit"]
    beta, alpha = fit.params[1], fit.params[0]
    for cell in ("B1", "B2", "B5"):  # FACTOR_BETA, SLOPE, INDEX(LINEST(...),1,1)
        assert model[cell].value == pytest.approx(beta, rel=1e-12), cell
    assert model["B3"].value == pytest.approx(alpha, rel=1e-10)
    assert model["B4"].value == pytest.approx(fit.rsquared, rel=1e-12)
    assert model["B10"].value == pytest.approx(alpha * 252, rel=1e-10)
    assert model["B11"].value == pytest.approx(2 * beta, rel=1e-12)  # a defined name
    assert model["B13"].value is True


def test_native_statistics_match_numpy(refreshed):
    model, excess, market = refreshed["book"]["Model"], refreshed["excess"], refreshed["market"]
    assert model["B6"].value == pytest.approx(excess.std(ddof=1) * math.sqrt(252), rel=1e-12)
    assert model["B7"].value == pytest.approx(excess.var(ddof=1), rel=1e-12)
    assert model["B8"].value == pytest.approx(excess.mean(), rel=1e-12)
    assert model["B9"].value == pytest.approx(excess.sum(), rel=1e-12)
    assert model["B15"].value == pytest.approx(market @ excess, rel=1e-12)  # a CSE array formula


def test_the_dynamic_regression_table_spills_into_its_cells(refreshed):
    model, fit = refreshed["book"]["Model"], refreshed["fit"]
    table = [[c.value for c in row] for row in model["D1:J8"]]
    assert table[0] == ["Excess", "coef", "std err", "t", "p-value", "lower 95%", "upper 95%"]
    assert [row[0] for row in table[1:]] == ["alpha", "Mkt-RF", "R-squared", "Adj. R-squared", "Observations", "Residual vol", "Std errors"]
    np.testing.assert_allclose([row[1] for row in table[1:3]], fit.params, rtol=1e-10)
    np.testing.assert_allclose([row[2] for row in table[1:3]], fit.bse, rtol=1e-10)
    np.testing.assert_allclose([row[3] for row in table[1:3]], fit.tvalues, rtol=1e-10)
    np.testing.assert_allclose([row[4] for row in table[1:3]], fit.pvalues, rtol=1e-8)
    np.testing.assert_allclose([row[5:7] for row in table[1:3]], fit.conf_int(), rtol=1e-10)
    assert table[3][1] == pytest.approx(fit.rsquared, rel=1e-12)
    assert table[5][1] == ROWS
    assert table[7][1] == "classical"
    assert table[3][2:] == [None] * 5  # missing results are left empty, not zero
    assert model["B12"].value == "Mkt-RF beta"  # text from a spilled cell


def test_the_residuals_spill_down_their_column(refreshed):
    model = refreshed["book"]["Model"]
    residuals = [model[f"L{r}"].value for r in range(1, ROWS + 1)]
    np.testing.assert_allclose(residuals, refreshed["fit"].resid, rtol=0, atol=1e-15)


def test_the_cached_values_equal_a_fresh_recalculation(refreshed):
    fresh = recalculate(refreshed["report"].destination)
    assert not fresh.problems
    book = refreshed["book"]
    for result in fresh.results:
        cells = book[result.sheet][result.ref]
        cells = cells if isinstance(cells, tuple) else ((cells,),)
        for cached_row, fresh_row in zip(cells, result.values, strict=True):
            for cached, value in zip(cached_row, fresh_row, strict=True):
                expected = None if value == "" else value
                assert same_value(cached.value, expected, rtol=CELL_RTOL, atol=CELL_ATOL), f"{result.sheet}!{cached.coordinate}"


def test_only_cached_values_change(refreshed):
    before, after = refreshed["before"], members(refreshed["report"].destination)
    assert list(before) == list(after)
    changed = {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/charts/chart1.xml"}
    for name in before:
        assert (before[name] != after[name]) == (name in changed), name
        assert comparable(name, before[name]) == comparable(name, after[name]), name
    assert any(name.startswith("xl/charts/") for name in after)  # the chart survives
    assert b'<definedName name="Beta">' in after["xl/workbook.xml"]
    assert "xl/metadata.xml" in after  # dynamic-array metadata


def test_the_source_is_left_alone_when_writing_elsewhere(refreshed):
    assert members(refreshed["original"]) == refreshed["before"]


def test_a_factorxl_error_is_written_as_value_error_and_reported(tmp_path):
    book = build_workbook(
        tmp_path / "errors.xlsx",
        generated_data(),
        extra={"B20": "=FACTOR_BETA(Data!$E$2:$E$61,Data!$D$2:$D$50)", "B21": "=B20*2", "B22": "=1/0"},
    )
    report = refresh_workbook(book, progress=False)
    assert report.ok
    reasons = {problem.cell: problem.reason for problem in report.errors}
    assert set(reasons) == {"B20", "B21", "B22"}
    assert reasons["B20"].startswith("#VALUE! (") and "rows" in reasons["B20"]
    assert reasons["B21"] == reasons["B20"]  # the message travels with the error value
    assert reasons["B22"] == "#DIV/0!"
    model = openpyxl.load_workbook(book, data_only=True)["Model"]
    assert (model["B20"].value, model["B21"].value, model["B22"].value) == ("#VALUE!", "#VALUE!", "#DIV/0!")
    assert recalculate(book).value("Model", "B20") == ExcelError("#VALUE!", reasons["B20"][len("#VALUE! (") : -1])


def test_recalculation_values_are_found_by_cell(refreshed):
    fresh = recalculate(refreshed["report"].destination)
    assert fresh.value("model", "E3") == pytest.approx(refreshed["fit"].params[1], rel=1e-12)  # inside a spill
    with pytest.raises(KeyError, match="Model!A1 holds no formula"):
        fresh.value("Model", "A1")


def test_formulas_as_excel_saves_them(tmp_path):
    """Shared formulas, _xlfn./_xlpm. prefixes, spill references (ANCHORARRAY) and LET."""
    import re
    import zipfile

    import xlsxwriter

    book = tmp_path / "excel_saved.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    sheet = workbook.add_worksheet("S")
    values = np.array([[1.0, 2.5], [2.0, 3.5], [4.0, 8.0], [7.0, 13.5]])
    for i, (a, b) in enumerate(values):
        sheet.write_row(i, 0, [a, b])
        sheet.write_formula(i, 2, f"=A{i + 1}*B{i + 1}")
    sheet.write_dynamic_array_formula("E1:E4", "=C1:C4+1")
    sheet.write_formula("G1", "=SUM(_xlfn.ANCHORARRAY(E1))")
    sheet.write_formula("G2", "=_xlfn.LET(_xlpm.x,_xlfn.STDEV.S(A1:A4),_xlpm.x*2)")
    sheet.write_formula("G3", "=FACTOR_BETA(B1:B4,A1:A4)")
    workbook.close()
    # Excel stores a filled-down column as one shared formula
    content = members(book)
    def shared(match):
        row = int(match.group(1))
        formula = b'<f t="shared" ref="C1:C4" si="0">A1*B1</f>' if row == 1 else b'<f t="shared" si="0"/>'
        return b'<c r="C%d">%s<v>0</v></c>' % (row, formula)
    content["xl/worksheets/sheet1.xml"] = re.sub(rb'<c r="C(\d)"><f>[^<]*</f><v>0</v></c>', shared, content["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(book, "w") as archive:
        for name, data in content.items():
            archive.writestr(name, data)

    report = refresh_workbook(book, progress=False)
    assert report.ok, report.problems
    sheet = openpyxl.load_workbook(book, data_only=True)["S"]
    products = values[:, 0] * values[:, 1]
    assert [sheet[f"C{r}"].value for r in range(1, 5)] == pytest.approx(products, rel=1e-15)
    assert [sheet[f"E{r}"].value for r in range(1, 5)] == pytest.approx(products + 1, rel=1e-15)
    assert sheet["G1"].value == pytest.approx((products + 1).sum(), rel=1e-15)
    assert sheet["G2"].value == pytest.approx(2 * values[:, 0].std(ddof=1), rel=1e-14)
    assert sheet["G3"].value == pytest.approx(np.polyfit(values[:, 0], values[:, 1], 1)[0], rel=1e-12)


def test_omitted_arguments_reach_factorxl_as_none_not_zero(tmp_path):
    """Excel passes an omitted optional argument as empty; formulas would pass 0 (HAC with 0 lags)."""
    book = build_workbook(
        tmp_path / "omitted.xlsx",
        generated_data(),
        extra={
            "B20": '=INDEX(FACTOR_REGRESS(Data!$E$2:$E$61,Data!$D$2:$D$61,"hac",,12),10,2)',
            "B21": '=INDEX(FACTOR_REGRESS(Data!$E$2:$E$61,Data!$D$2:$D$61,"hac",0,12),10,2)',
        },
    )
    fresh = recalculate(book)
    assert fresh.value("Model", "B20") == "HAC (3 lags)"  # the automatic rule for 60 rows
    assert fresh.value("Model", "B21") == "HAC (0 lags)"  # an explicit zero stays zero


@pytest.mark.parametrize(
    ("formula", "marked"),
    [
        ('FACTOR_REGRESS(A1:A9,B1:B9,"hac",,12)', 'FACTOR_REGRESS(A1:A9,B1:B9,"hac",{o},12)'),
        ("VOL_BUDGET_SIZE(1,A1:A5, ,C1:C5)+SUM(1,,2)", "VOL_BUDGET_SIZE(1,A1:A5, {o},C1:C5)+SUM(1,,2)"),
        ("FACTOR_ALPHA(A1:A3,{1,,2},)", "FACTOR_ALPHA(A1:A3,{1,,2},{o})"),
        ("FACTOR_ALPHA(\"a,,b\",'x,,y'!A1:A3,)", "FACTOR_ALPHA(\"a,,b\",'x,,y'!A1:A3,{o})"),
        ("FF_FACTORS()", "FF_FACTORS()"),
        ("IF(A1,FACTOR_BETA(A1:A3,B1:B3),)", "IF(A1,FACTOR_BETA(A1:A3,B1:B3),)"),
    ],
)
def test_omitted_argument_slots_are_marked_only_in_factorxl_calls(formula, marked):
    from factorxl.workbooks.formula_functions import OMITTED, mark_omitted_arguments

    assert mark_omitted_arguments(formula) == marked.replace("{o}", f'"{OMITTED}"')
