"""xlwings Lite and xlwings Server: the custom-functions metadata they register for factorxl.udfs,
and calls through their own argument and result conversion.

Both run ``xlwings.server`` (``XLWINGS_ON_SERVER=true`` switches ``xw.func``/``xw.arg`` to
it, as inside Lite and Server), in a fresh interpreter. ``xlwings.server`` is part of
xlwings PRO, which checks for a licence key: the test uses ``$XLWINGS_LICENSE_KEY`` when set
and otherwise xlwings' ``noncommercial`` key (PolyForm Noncommercial licence). The data functions
read the shared datasets' 2025 vintage (``$FACTORXL_DATA_DIR``), and each function's help link
points where ``$FACTORXL_DOCS_URL`` says the documentation is served.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

import factorxl.udfs
from factorxl.data import DataSource
from factorxl.excel.data_functions import data_source_set_to
from factorxl.excel.declare import DOCS_URL_VARIABLE, FUNCTIONS

DOCS_URL = "https://factorxl.test/factorxl/docs/"
VINTAGE = "v202510"

RETURNS = [["fund"], [0.011], [0.021], [-0.012], [0.003], [""], [0.031], [-0.004], [0.017]]
FACTORS = [["mkt", "hml"], [0.012, 0.001], [0.018, -0.002], [-0.008, 0.004], [0.001, 0.0], [0.002, 0.003],
           [0.02, -0.001], [-0.006, 0.002], [0.011, -0.003]]  # fmt: skip
CALLS = {
    "FACTOR_BETA": [RETURNS, FACTORS],
    "FACTOR_ALPHA": [RETURNS, FACTORS, [[12]]],
    "FACTOR_REGRESS": [RETURNS, FACTORS, [["HC1"]], None, None],
    "FACTOR_RESIDUALS": [RETURNS, FACTORS],
    "FF_FACTORS": [[["FF3"]], [["monthly"]], [["2020-01-31"]], [["2020-12-31"]], None],
}

SCRIPT = """
import asyncio, inspect, json, sys, xlwings
import factorxl.udfs
from factorxl.excel.declare import FUNCTIONS
from xlwings.server import custom_functions_call, custom_functions_meta
calls = json.loads(sys.argv[1])
results = {}
for name, args in calls.items():
    data = {"func_name": name, "args": args, "version": xlwings.__version__, "client": "Office.js",
            "runtime": "1.4", "culture_info_name": "en-US", "date_format": "m/d/yyyy", "caller_address": "Sheet1!B2"}
    results[name] = asyncio.run(custom_functions_call(data, factorxl.udfs))
coroutines = [name for name in FUNCTIONS if inspect.iscoroutinefunction(getattr(factorxl.udfs, name))]
declared = [name for name, f in FUNCTIONS.items() if inspect.iscoroutinefunction(f.function)]
print(json.dumps({"meta": custom_functions_meta(factorxl.udfs), "results": results, "coroutines": coroutines,
                  "declared_coroutines": declared}))
"""


@pytest.fixture(scope="module")
def server(shared_data):
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", DOCS_URL_VARIABLE: DOCS_URL,
           "FACTORXL_DATA_DIR": str(shared_data), "FACTORXL_DATA_VINTAGE": VINTAGE}
    env.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(CALLS)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_custom_functions_metadata_has_one_entry_per_function_with_our_help(server):
    functions = {entry["id"]: entry for entry in server["meta"]["functions"]}
    assert len(server["meta"]["functions"]) == len(FUNCTIONS) and sorted(functions) == sorted(FUNCTIONS)
    for name, entry in functions.items():
        declared = FUNCTIONS[name]
        assert entry["name"] == name  # no namespace: =FACTOR_BETA(...) as in classic Excel
        assert entry["description"] == declared.description
        parameters = inspect.signature(getattr(factorxl.udfs, name)).parameters.values()
        assert [p["name"] for p in entry["parameters"]] == [p.name for p in parameters]
        assert [p["description"] for p in entry["parameters"]] == list(declared.arguments.values())
        assert [p.get("optional", False) for p in entry["parameters"]] == [
            p.default is not inspect.Parameter.empty for p in parameters
        ]
        # raw values in, any shape out: factorxl converts arguments itself
        assert all((p["dimensionality"], p["type"]) == ("matrix", "any") for p in entry["parameters"])
        assert entry["result"] == {"dimensionality": "matrix", "type": "any"}


def _cells(result) -> list[list[object]]:
    if not isinstance(result, list):
        return [[result]]
    rows = result if all(isinstance(row, list) for row in result) else [result]
    return [["" if cell is None else cell for cell in row] for row in rows]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_calls_through_the_server_conversion_match_direct_calls(server, shared_data, name):
    # Office.js sends every argument as a matrix, empty cells as "" and omitted arguments as null
    direct_args = [
        None if arg is None else arg[0][0] if len(arg) == 1 and len(arg[0]) == 1 else [[c if c != "" else None for c in row] for row in arg]
        for arg in CALLS[name]
    ]
    with data_source_set_to(DataSource(local_dir=shared_data, vintage=VINTAGE)):
        expected = _cells(getattr(factorxl.udfs, name)(*direct_args))
    got = server["results"][name]
    for got_row, expected_row in zip(got, expected, strict=True):
        for g, e in zip(got_row, expected_row, strict=True):
            # another process: BLAS may round the last digit differently (memory alignment, threads)
            assert g == e if isinstance(e, str) else float(g) == pytest.approx(float(e), rel=1e-12, abs=1e-16)


def test_functions_that_download_are_async_functions_and_every_function_links_to_its_entry(server):
    # xlwings Lite and Server await an async def function; classic xlwings runs the same declaration
    # in a thread, and FUNCTIONS (the headless refresh, Python callers) keeps the function as written
    assert server["coroutines"] == ["FF_DATA", "FF_FACTORS"] == [n for n, f in FUNCTIONS.items() if f.downloads]
    assert server["declared_coroutines"] == []
    for entry in server["meta"]["functions"]:
        assert entry["helpUrl"] == DOCS_URL + entry["id"]
    assert len(server["results"]["FF_FACTORS"]) == 13  # the header and the months of 2020, awaited
