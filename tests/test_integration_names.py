"""Function-Wizard names: no collision with Excel's own functions, names Excel and VBA accept."""

from __future__ import annotations

import pytest
from formulas.functions import get_functions
from openpyxl.utils.formulas import FORMULAE

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl.excel.declare import FUNCTIONS
from factorxl.integration.excel_functions import EXCEL_WORKSHEET_FUNCTIONS
from factorxl.integration.naming import argument_name_problems, function_name_problems, naming_problems


def test_the_excel_function_list_covers_independent_lists():
    assert 500 <= len(EXCEL_WORKSHEET_FUNCTIONS) <= 560
    # openpyxl's list (from the file-format specification) and the functions the formulas
    # engine implements, except its internal helpers, are all Excel worksheet functions
    assert FORMULAE <= EXCEL_WORKSHEET_FUNCTIONS
    implemented = {name for name in get_functions() if not name.startswith("_")} - {"ARRAY", "ARRAYROW", "DUMMYFUNCTION"}
    implemented -= set(FUNCTIONS)  # the refresh engine registers factorxl's own functions there
    assert implemented <= EXCEL_WORKSHEET_FUNCTIONS
    assert {"LINEST", "SLOPE", "XLOOKUP", "LAMBDA", "STDEV.S", "COVARIANCE.S", "BETA.DIST"} <= EXCEL_WORKSHEET_FUNCTIONS


def test_every_function_and_argument_name_works_in_every_excel_host():
    assert naming_problems(FUNCTIONS) == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("SLOPE", "name of an Excel worksheet function"),
        ("Correl", "name of an Excel worksheet function"),
        ("FM2", "cell reference"),
        ("XFD1048576", "cell reference"),
        ("R1C1", "cell reference"),
        ("RC", "cell reference"),
        ("C12", "cell reference"),
        ("2FACTOR", "not a valid Excel function name"),
        ("FACTOR BETA", "not a valid Excel function name"),
        ("BETA_\u00c9", "not a valid Excel function name"),
        ("X" * 129, "not a valid Excel function name"),
        ("FACTOR.BETA", "VBA wrapper"),
    ],
)
def test_bad_function_names_are_named(name, problem):
    assert any(problem in text for text in function_name_problems(name))


@pytest.mark.parametrize("name", ["FACTOR_BETA", "XFE1", "FM_PREMIA", "RISK_STRESS", "R2D2"])
def test_good_function_names_pass(name):
    assert function_name_problems(name) == []


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ("end", "reserved word in VBA"),
        ("Date", "reserved word in VBA"),
        ("type", "reserved word in VBA"),
        ("range", "shadow a name its VBA wrapper uses"),
        ("array", "reserved word in VBA"),
        ("application", "shadow a name its VBA wrapper uses"),
        ("f", "shadow a name its VBA wrapper uses"),
        ("_start", "not a VBA identifier"),
        ("d\u00e9but", "not a VBA identifier"),
    ],
)
def test_bad_argument_names_are_named(argument, problem):
    assert any(problem in text for text in argument_name_problems("F", [argument]))


def test_arguments_differing_only_in_case_collide_in_vba():
    assert argument_name_problems("F", ["returns", "Returns"]) == ["F: arguments Returns differ only in case (VBA ignores case)"]
    assert argument_name_problems("F", ["returns", "factors", "start", "end_date", "dates"]) == []
