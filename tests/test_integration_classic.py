"""Classic xlwings (Windows): xlwings' own UDF machinery, loaded on Linux with pywin32 stand-ins,
registers factorxl.udfs as "Import Functions" does, and calls the functions as Excel does.

The VBA module and the Function-Wizard entries are checked against the declarations read
from the Python signatures (``inspect``) and the ``FUNCTIONS`` registry, not against
factorxl's own rendering of them; the calls go through the COM server's ``CallUDF`` (the
method the VBA wrappers call) and xlwings' Windows conversion of ``Range.Value``, and are
compared with calling ``factorxl.udfs`` with the plain values the conventions promise.
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
import xlwings

import factorxl.udfs
from factorxl.errors import FactorxlError
from factorxl.excel.declare import CATEGORY, FUNCTIONS, MAX_HELP_CHARS
from factorxl.integration.classic_xlwings import StandInWorkbook, classic_xlwings, import_functions
from tests.conftest import REPO
from tests.windows_com import CELL_ERRORS, MISSING_ARGUMENT, ComRange, com_value, windows_stand_ins

WRAPPER = re.compile(r"^Function (\w+)\(([^)\n]*)\)\n(.*?)^End Function$", re.M | re.S)


@pytest.fixture(scope="module")
def windows():
    """xlwings' udfs, _xlwindows and com_server modules loaded as on Windows, with Excel's engine."""
    with classic_xlwings(windows_stand_ins()) as udfs:
        xlwindows = importlib.import_module("xlwings._xlwindows")
        engine = xlwings.main.Engine(impl=xlwindows.engine)
        xlwings.engines.add(engine)  # as xlwings/__init__.py does on Windows
        try:
            yield udfs, importlib.import_module("xlwings.com_server")
        finally:
            xlwings.engines.engines.remove(engine)
            del xlwings.engines.engines_by_name["excel"]


def _import(udfs, workbook_name: str):
    workbook = StandInWorkbook(workbook_name)
    udfs.import_udfs("factorxl.udfs", workbook)
    return workbook.imported()


@pytest.fixture(scope="module")
def imported(windows):
    return _import(windows[0], "factorxl.xlsm")


def _wrappers(vba: str) -> dict[str, tuple[list[str], str]]:
    return {name: (params.split(", ") if params else [], body) for name, params, body in WRAPPER.findall(vba)}


def test_import_functions_writes_one_vba_wrapper_per_function(imported):
    vba = imported.vba_module
    assert vba.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    wrappers = _wrappers(vba)
    assert sorted(wrappers) == sorted(FUNCTIONS)
    assert len(WRAPPER.findall(vba)) == len(FUNCTIONS)  # no name twice
    for name, (params, body) in wrappers.items():
        signature = inspect.signature(getattr(factorxl.udfs, name)).parameters.values()
        expected = [p.name if p.default is inspect.Parameter.empty else f"Optional {p.name}" for p in signature]
        assert params == expected, name
        arguments = ", ".join(p.name for p in signature)
        call = f'XLPy.CallUDF("factorxl.udfs", "{name}", Array({arguments}), ThisWorkbook, Application.Caller)'
        assert f"{name} = {call}" in body, name
        assert f"{name} = Err.Description" in body, name  # a Python error shows its message in the cell


def test_import_functions_registers_the_function_wizard_help(imported):
    assert [options.macro for options in imported.macro_options] == [f"'factorxl.xlsm'!{name}" for name in sorted(FUNCTIONS)]
    for options in imported.macro_options:
        declared = FUNCTIONS[options.macro.rpartition("!")[2]]
        # xlwings passes __doc__ cut at 255 characters: equal to the declaration means nothing was cut
        assert options.description == declared.description
        assert options.argument_descriptions == tuple(declared.arguments.values())
        assert options.category == CATEGORY == "factorxl"
        assert all(0 < len(text) <= MAX_HELP_CHARS for text in (options.description, *options.argument_descriptions))


def test_functions_that_download_are_not_called_by_the_wizard_and_run_in_a_thread(imported):
    # what classic xlwings recorded when it declared the functions (in the block's own factorxl.udfs)
    declared = sys.modules["factorxl.udfs"]
    assert {name for name, d in FUNCTIONS.items() if d.downloads} == {"FF_DATA", "FF_FACTORS"}
    for name, function in FUNCTIONS.items():
        xlfunc = getattr(declared, name).__xlfunc__
        assert xlfunc["call_in_wizard"] is not function.downloads, name
        assert xlfunc["async_mode"] == ("threading" if function.downloads else None), name
        assert xlfunc["category"] == CATEGORY and not xlfunc["volatile"], name
        assert not inspect.iscoroutinefunction(getattr(declared, name)), name  # xlwings runs it in its thread
    # the VBA wrapper returns at once while the Function Wizard is open, before calling Python
    for name, (_, body) in _wrappers(imported.vba_module).items():
        assert ('If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function' in body) is FUNCTIONS[name].downloads


def test_an_addin_module_calls_the_functions_on_the_active_workbook(windows):
    vba = _import(windows[0], "factorxl.xlam").vba_module
    assert "ActiveWorkbook, Application.Caller)" in vba and "ThisWorkbook" not in vba


def test_the_product_helper_produces_the_same_import(imported):
    # import_functions (used by `factorxl vba`) skips the first-load scan of the workbook's sheets
    assert import_functions("factorxl.xlsm") == imported


LEAVES_NOTHING_BEHIND = """
import sys, xlwings, factorxl.udfs, factorxl.excel.declare as declare
assert xlwings.__pro__  # a configured licence key: xlwings PRO first looks for code embedded in sheets
before = (dict(declare.FUNCTIONS), xlwings.func, sys.modules["factorxl.excel"], factorxl.udfs.FACTOR_BETA)
from factorxl.integration.classic_xlwings import import_functions
assert len(import_functions().macro_options) == len(declare.FUNCTIONS)
import factorxl.excel, factorxl.udfs
assert (dict(declare.FUNCTIONS), xlwings.func, sys.modules["factorxl.excel"], factorxl.udfs.FACTOR_BETA) == before
assert factorxl.excel is before[2] and not hasattr(factorxl.udfs.FACTOR_BETA, "__xlfunc__")
assert not {"pythoncom", "pywintypes", "win32com", "win32com.client", "xlwings.udfs"} & set(sys.modules)
assert not hasattr(xlwings, "udfs")
import ctypes, importlib
from factorxl.integration.classic_xlwings import classic_xlwings
from tests.windows_com import windows_stand_ins
loaded = set(sys.modules)
with classic_xlwings(windows_stand_ins()):  # xlwings' COM layer, as the calls below load it
    importlib.import_module("xlwings._xlwindows"), importlib.import_module("xlwings.com_server")
assert not [name for name in set(sys.modules) - loaded if name.startswith(("xlwings", "win32", "py"))]
assert sys.modules["ctypes"] is ctypes and not hasattr(xlwings, "_xlwindows")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the classic machinery is the real one")
def test_the_classic_machinery_leaves_nothing_behind_and_needs_no_excel_with_a_pro_licence_key():
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial"}
    subprocess.run([sys.executable, "-c", LEAVES_NOTHING_BEHIND], check=True, cwd=REPO, env=env)


# --- calls as Excel makes them -------------------------------------------------------------

RNG = np.random.default_rng(20240607)
FACTORS = RNG.normal(0.0, 0.04, size=(48, 3))
RETURNS = FACTORS @ np.array([[1.1, 0.4], [0.3, -0.2], [-0.5, 0.9]]) + RNG.normal(0.0, 0.01, size=(48, 2))


def _cells(values: np.ndarray, header: list[str] | None = None, blanks=(), errors=()) -> list[list[object]]:
    """Rows of worksheet cells: floats, None for blanks, Excel error values at ``errors``."""
    rows = [[float(x) for x in row] for row in values]
    for i, j in blanks:
        rows[i][j] = None
    for i, j in errors:
        rows[i][j] = "#N/A"
    return [header, *rows] if header else rows


def _as_com(cells):
    """What Excel passes for a range argument: a Range whose Value carries error codes, not text."""
    value = com_value([[CELL_ERRORS.get(c, c) if isinstance(c, str) and c.startswith("#") else c for c in row] for row in cells])
    return ComRange(value)


def _as_python(cells):
    """The same range as the conventions describe it for a direct call: errors are missing."""
    return [[None if isinstance(c, str) and c.startswith("#") else c for c in row] for row in cells]


def _excel_cells(result) -> list[list[object]]:
    """A direct result as the cells classic Excel shows: 2-D, missing as an empty string."""
    if not isinstance(result, list):
        rows = [[result]]
    else:
        rows = result if all(isinstance(row, list) for row in result) else [result]
    return [["" if c is None or (isinstance(c, float) and math.isnan(c)) else c for c in row] for row in rows]


def _shape_as_call_udf(cells: list[list[object]]):
    if len(cells) == 1 and len(cells[0]) == 1:
        return cells[0][0]
    return cells[0] if len(cells) == 1 else cells


def _assert_same(from_excel, direct):
    expected = _shape_as_call_udf(_excel_cells(direct))
    got_rows = from_excel if isinstance(from_excel, list) else [from_excel]
    expected_rows = expected if isinstance(expected, list) else [expected]
    for got, want in zip(got_rows, expected_rows, strict=True):
        if isinstance(want, list):
            for g, w in zip(got, want, strict=True):
                assert (g == w) if isinstance(w, str) else float(g) == pytest.approx(float(w), rel=1e-12, abs=1e-16)
        else:
            assert (got == want) if isinstance(want, str) else float(got) == pytest.approx(float(want), rel=1e-12, abs=1e-16)


CALLS = {
    "betas of two assets with a header, a blank and an #N/A": (
        "FACTOR_BETA",
        [_cells(RETURNS, ["fund A", "fund B"], blanks=[(3, 0)], errors=[(7, 1)]), _cells(FACTORS, ["mkt", "smb", "hml"])],
    ),
    "alpha annualized by a number typed in the formula": (
        "FACTOR_ALPHA",
        [_cells(RETURNS), _cells(FACTORS), 12.0],
    ),
    "regression table with text options": (
        "FACTOR_REGRESS",
        [_cells(RETURNS[:, :1], ["fund A"]), _cells(FACTORS, ["mkt", "smb", "hml"]), "HAC", 3.0, None],
    ),
    "a single row of results": ("SHARPE_RATIO", [_cells(RETURNS), 12.0, None]),
    "one-cell ranges arrive as numbers": ("HEDGE_CASH_EFFECT", [[[1.3]], [[0.002]]]),
}


@pytest.mark.parametrize("case", sorted(CALLS))
def test_calls_through_xlwings_com_server_match_direct_calls(windows, case):
    name, arguments = CALLS[case]
    com_server = windows[1]
    excel_args = tuple(
        MISSING_ARGUMENT if a is None else _as_com(a) if isinstance(a, list) else a for a in arguments
    )
    from_excel = com_server.XLPython().CallUDF("factorxl.udfs", name, excel_args, None, None)
    direct = getattr(factorxl.udfs, name)(*(_as_python(a) if isinstance(a, list) else a for a in arguments))
    _assert_same(from_excel, direct)


def test_errors_reach_the_cell_as_the_message(windows):
    # The wrapper's "On Error GoTo failed" shows Err.Description: the COM server raises the error
    short = _cells(RETURNS[:5])
    with pytest.raises(FactorxlError, match="rows"):
        windows[1].XLPython().CallUDF("factorxl.udfs", "FACTOR_BETA", (_as_com(short), _as_com(_cells(FACTORS))), None, None)
