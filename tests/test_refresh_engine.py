"""The refresh engine's pieces: the xlwings-value adapter, Excel's array fitting, the XML cell rewrite."""

from __future__ import annotations

import numpy as np
import pytest
import schedula as sh
from formulas.tokens.operand import Error

from factorxl.errors import FactorxlError
from factorxl.workbooks.engine import ExcelError, fit_to_range
from factorxl.workbooks.formula_functions import calls_factorxl, from_raw, to_raw, unknown_functions
from factorxl.workbooks.xlsx_values import rewrite_values, value_xml

NA = Error.errors["#N/A"]


def _block(rows):
    return np.array(rows, dtype=object)


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        (_block([[2]]), 2.0),  # one cell: a scalar, numbers as floats
        (_block([[1, 2, 3]]), [1.0, 2.0, 3.0]),  # one row: a flat list
        (_block([[1], [sh.EMPTY], [3]]), [1.0, None, 3.0]),  # one column: a flat list, empty is None
        (_block([[1, "a"], [True, NA]]), [[1.0, "a"], [True, "#N/A"]]),  # rows; an error as its text
        ("hac", "hac"),
        (np.float64(0.5), 0.5),
    ],
)
def test_arguments_reach_the_functions_as_xlwings_passes_them(value, raw):
    assert to_raw(value) == raw


@pytest.mark.parametrize(
    ("result", "block"),
    [
        (1.5, [[1.5]]),
        ([1, 2], [[1.0, 2.0]]),  # a flat list is a row, as xlwings writes it
        ([["a", None], [float("nan"), True]], [["a", ""], [Error.errors["#NUM!"], True]]),
        (np.array([[1.0], [2.0]]), [[1.0], [2.0]]),
    ],
)
def test_results_become_formulas_arrays(result, block):
    array = from_raw(result)
    assert array.shape == np.shape(block)
    assert array.tolist() == block


def test_a_ragged_result_is_an_error():
    with pytest.raises(FactorxlError, match="not a rectangular block"):
        from_raw([[1, 2], [3]])


def test_array_results_fit_their_range_as_in_excel():
    column = _block([[1], [2], [3]])
    assert fit_to_range(column, 2, 1).tolist() == [[1], [2]]  # truncated
    assert fit_to_range(column, 4, 2).tolist() == [[1, 1], [2, 2], [3, 3], [NA, NA]]  # repeated across, padded
    assert fit_to_range(_block([[1, 2]]), 2, 1).tolist() == [[1], [1]]  # a row is not turned into a column
    assert fit_to_range(_block([[7]]), 2, 2).tolist() == [[7, 7], [7, 7]]


def test_unknown_functions_are_found_outside_strings_and_sheet_names():
    assert unknown_functions('SUM(A1)+FACTOR_BETA(A1:A3,B1:B3)') == []
    assert unknown_functions("_xlfn.LET(_xlpm.x,1,x)+SUM(_xlfn.ANCHORARRAY(A1))+_xlfn.STDEV.S(A1:A3)") == []
    assert unknown_functions("NOPE(1)+nope(2)+_xlfn.SEQUENCE(3)") == ["NOPE", "nope", "_xlfn.SEQUENCE"]
    assert unknown_functions("\"NOPE(\"&'My FAKE(sheet'!A1") == []


@pytest.mark.parametrize(
    ("formula", "calls"),
    [
        ("IF(A1,FACTOR_BETA(A1:A3,B1:B3),0)", True),
        ("factor_beta(A1:A3,B1:B3)", True),  # Excel names are case-insensitive
        ("SUM(A1:A3)*SQRT(252)", False),
        ("\"FACTOR_BETA(\"&'FACTOR_BETA(x'!A1", False),  # only text and a sheet name
    ],
)
def test_calls_to_factorxl_functions_are_recognized(formula, calls):
    assert calls_factorxl(formula) is calls


@pytest.mark.parametrize(
    ("value", "xml"),
    [
        (1.0, (None, "1")),
        (0.1, (None, "0.1")),
        (-5.309177089014835e-19, (None, "-5.309177089014835e-19")),
        (True, ("b", "1")),
        ("a<b & c", ("str", "a&lt;b &amp; c")),
        (None, ("str", "")),
        (ExcelError("#DIV/0!"), ("e", "#DIV/0!")),
        (float("inf"), ("e", "#NUM!")),
    ],
)
def test_cached_values_are_written_as_excel_does(value, xml):
    assert value_xml(value) == xml


SHEET = (
    b'<worksheet xmlns="main"><dimension ref="A1:C3"/><sheetData>'
    b'<row r="1" spans="1:3"><c r="A1" s="2" t="s"><f t="array" ref="A1:A3">X()</f><v>4</v></c>'
    b'<c r="C1"><v>9</v></c></row>'
    b'<row r="3"><c r="B3"><f>A3</f><v>0</v><extLst><ext/></extLst></c></row>'
    b"</sheetData><mergeCells/></worksheet>"
)


def test_cells_are_rewritten_and_missing_cells_and_rows_inserted_in_order():
    values = {(1, 1): 1.5, (2, 1): "two", (3, 1): True, (3, 2): ExcelError("#N/A"), (1, 2): None}
    assert rewrite_values(SHEET, values) == (
        b'<worksheet xmlns="main"><dimension ref="A1:C3"/><sheetData>'
        b'<row r="1" spans="1:3"><c r="A1" s="2"><f t="array" ref="A1:A3">X()</f><v>1.5</v></c>'
        b'<c r="B1" t="str"><v></v></c><c r="C1"><v>9</v></c></row>'
        b'<row r="2"><c r="A2" t="str"><v>two</v></c></row>'
        b'<row r="3"><c r="A3" t="b"><v>1</v></c>'
        b'<c r="B3" t="e"><f>A3</f><v>#N/A</v><extLst><ext/></extLst></c></row>'
        b"</sheetData><mergeCells/></worksheet>"
    )


def test_an_empty_sheet_gets_rows():
    xml = b'<x:worksheet xmlns:x="main"><x:sheetData/></x:worksheet>'
    assert rewrite_values(xml, {(2, 3): 1.0}) == (
        b'<x:worksheet xmlns:x="main"><x:sheetData><x:row r="2"><x:c r="C2"><x:v>1</x:v></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )


def test_references_are_found_as_excel_reads_them():
    from factorxl.workbooks.references import MAX_ROW, Area, find_references, normalize_spills

    formula = normalize_spills(
        "SUM('It''s data'!$B$2:B1048576)+LOG10(A1)+Data!C:D+3:5+\"A1\"+_xlfn.ANCHORARRAY(E1)+Beta"
    )
    found = [(r.text, r.area) for r in find_references(formula, "Model")]
    assert found == [
        ("'It''s data'!$B$2:B1048576", Area("It's data", 2, 2, MAX_ROW, 2)),
        ("A1", Area("Model", 1, 1, 1, 1)),  # LOG10 is a function, not a cell
        ("Data!C:D", Area("Data", 1, 3, None, 4)),
        ("3:5", Area("Model", 3, 1, 5, None)),
        ("E1#", Area("Model", 1, 5, 1, 5, spill=True)),  # nothing inside quoted text; names are not cells
    ]
    assert Area("Data", 1, 3, None, 4).clipped(61, 13) == Area("Data", 1, 3, 61, 4)


def test_filled_down_formulas_share_a_relative_form():
    from factorxl.workbooks.references import relative_key, shift_formula

    assert shift_formula("B2-$C$2+C$1+$D3+Data!E2:E9", 3, 1) == "C5-$C$2+D$1+$D6+Data!F5:F12"
    assert relative_key("B2-$C$2", 2, 5) == relative_key("B7-$C$2", 7, 5) != relative_key("B7-$C$2", 6, 5)


@pytest.mark.parametrize(
    ("code", "is_date"),
    [("yyyy-mm-dd", True), ("[$-409]d-mmm-yy;@", True), ("h:mm", True), ("0.00%", False), ("General", False),
     ('"days "0', False), ("#,##0.00_);[Red](#,##0.00)", False)],
)
def test_date_formats_are_recognized(code, is_date):
    from factorxl.workbooks.workbook_cells import is_date_format

    assert is_date_format(code) is is_date
