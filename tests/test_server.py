"""xlwings Server serving factorxl over HTTP: the real server, started on 127.0.0.1 and called as Office.js calls it.

``factorxl server init`` makes the project and ``factorxl server run`` starts it with two
workers (:mod:`tests.server_harness`); the requests are the JSON the add-in's
``custom-functions-code.js`` posts. Every result is compared with the direct call of
:mod:`factorxl.udfs` on the values classic xlwings passes. The bounded load checks here assert
what holds on a busy machine (CPU time per call, and a quick call beside a 9 MB one);
``benchmarks/bench_server.py`` measures throughput and the same figures at length.
Skipped when the ``server`` extra is not installed.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import factorxl.udfs
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from factorxl.server import office_js
from tests.server_harness import CODE_PATH, META_PATH, RunningServer, make_project, office_js_body, server_installed
from tests.tolerance import printed_as

pytestmark = pytest.mark.skipif(not server_installed(), reason='the server extra is not installed (pip install -e ".[server]")')

WORKERS = 2


@pytest.fixture(scope="module")
def server(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    project = make_project(folder / "project", "--data", str(shared_data), "--vintage", "v202510")
    with RunningServer(project, WORKERS, folder / "server.log") as running:
        yield running


def assert_same_cells(got, direct, name: str) -> int:
    """The server's cells equal the direct call's as Office.js shows them; the number of cells."""
    expected = office_js.result(direct)
    assert [len(row) for row in got] == [len(row) for row in expected], name
    for got_row, expected_row in zip(got, expected, strict=True):
        for g, e in zip(got_row, expected_row, strict=True):
            if isinstance(e, (str, bool)) or e is None:
                assert g == e, name
            else:  # another process, one BLAS thread: a sum may round its last digit differently
                assert float(g) == pytest.approx(float(e), rel=1e-12, abs=1e-15), name
    return sum(map(len, expected))


# ---------------------------------------------------------------------------------------------
# What Excel loads: metadata, code and manifest
# ---------------------------------------------------------------------------------------------


def test_metadata_lists_every_declared_function_with_its_help_and_no_namespace(server):
    status, content = server.get(META_PATH)
    assert status == 200
    entries = {entry["id"]: entry for entry in json.loads(content)["functions"]}
    assert sorted(entries) == sorted(FUNCTIONS)
    for name, declared in FUNCTIONS.items():
        entry = entries[name]
        assert entry["name"] == name  # =FACTOR_BETA(...), not =XLWINGS.FACTOR_BETA(...)
        assert entry["description"] == declared.description
        parameters = inspect.signature(declared.function).parameters.values()
        assert [p["name"] for p in entry["parameters"]] == [p.name for p in parameters]
        assert [p["description"] for p in entry["parameters"]] == list(declared.arguments.values())
        assert [p.get("optional", False) for p in entry["parameters"]] == [p.name not in declared.required for p in parameters]
        assert all((p["dimensionality"], p["type"]) == ("matrix", "any") for p in entry["parameters"])


def test_the_code_associates_every_function_and_the_manifest_sets_no_namespace(server):
    status, code = server.get(CODE_PATH)
    assert status == 200
    for name in FUNCTIONS:
        assert f'CustomFunctions.associate("{name}", {name});'.encode() in code
    status, manifest = server.get("/manifest.xml")
    assert status == 200 and b"CustomFunctions" in manifest and b"<Namespace" not in manifest


# ---------------------------------------------------------------------------------------------
# Calls as Office.js makes them, against the direct calls
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def msft(shared_data):
    from tests.doc_examples import _frames

    frame = _frames(str(shared_data))["msft"]
    return frame["MSFT"].tolist(), frame[["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]].to_numpy().tolist()


def test_the_readme_example_gives_the_direct_calls_cells(server, msft):
    returns, factors = msft
    assert (len(returns), len(factors[0])) == (9778, 6)
    status, result = server.call("FACTOR_BETA", [returns, factors])
    assert status == 200
    assert_same_cells(result, factorxl.udfs.FACTOR_BETA(returns, factors), "FACTOR_BETA")
    shown = ("1.125", "-0.284", "-0.377", "0.209", "-0.577", "0.030")  # the README's first example
    assert all(printed_as(beta, text) for beta, text in zip(result[0], shown, strict=True)), result[0]


def test_empty_cells_nulls_error_values_and_headers_arrive_as_in_classic_xlwings(server, msft):
    returns, factors = msft
    rows = 300
    with_gaps = [["MSFT"], *([r] for r in returns[:rows])]
    with_gaps[5], with_gaps[9] = [""], [None]  # Office.js sends an empty cell as "" (or null)
    with_gaps[12] = [{"type": "Error", "basicType": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}]
    headed = [["Mkt-RF", "SMB", "HML"], *(row[:3] for row in factors[:rows])]
    body = json.loads(office_js_body("FACTOR_REGRESS", [None, headed, "HAC", 5.0, None]))
    body["args"][0] = with_gaps
    status, result = server.post(json.dumps(body).encode())
    classic = ["MSFT", *returns[:rows]]
    classic[5], classic[9], classic[12] = None, None, "#N/A"
    assert status == 200
    cells = assert_same_cells(result, factorxl.udfs.FACTOR_REGRESS(classic, headed, "HAC", 5.0, None), "FACTOR_REGRESS")
    assert cells > 10 and result[0][0] == "MSFT" and "Mkt-RF" in (row[0] for row in result) and "" in result[-1]


@pytest.fixture(scope="module")
def template_calls(built_books, shared_data):
    """Every factorxl call the four templates make when recalculated: (name, arguments, direct result)."""
    from factorxl.data import DataSource
    from factorxl.excel.data_functions import data_source_set_to
    from factorxl.workbooks import formula_functions
    from factorxl.workbooks.engine import recalculate

    calls = []

    def recording(declared):
        def record(*arguments):
            result = declared.function(*arguments)
            calls.append((declared.name, arguments, result))
            return result

        return dataclasses.replace(declared, function=record)

    with pytest.MonkeyPatch.context() as patch:
        for name, declared in list(FUNCTIONS.items()):
            patch.setitem(FUNCTIONS, name, recording(declared))
        formula_functions.register_functions.cache_clear()
        try:
            with data_source_set_to(DataSource(local_dir=shared_data, vintage="v202510")):
                for book in built_books.values():
                    recalculate(book.path, progress=False)
        finally:
            formula_functions.register_functions.cache_clear()  # the next use registers the real functions again
    return calls


def test_every_factorxl_call_of_the_four_templates_gives_the_direct_calls_cells(server, template_calls):
    cells = 0
    names = set()
    for name, arguments, direct in template_calls:
        status, result = server.call(name, list(arguments))
        assert status == 200, (name, result)
        cells += assert_same_cells(result, direct, name)
        names.add(name)
    print(f"\n{len(template_calls)} calls of {len(names)} functions, {cells:,} cells")
    assert len(template_calls) >= 60 and len(names) >= 30 and cells > 50_000, (len(template_calls), len(names), cells)


def _risk_model(stocks: int = 3000, styles: int = 10, industries: int = 29):
    from factorxl.core import exposures

    rng = np.random.default_rng(20)
    labels = [f"Industry {i}" for i in rng.integers(0, industries, stocks)]
    caps = rng.lognormal(3.0, 1.5, stocks)
    matrix = exposures.exposure_matrix(labels, rng.normal(size=(stocks, styles)), caps, [f"S{j}" for j in range(styles)])
    x = matrix.values
    loadings = rng.normal(size=(x.shape[1], x.shape[1] + 5))
    covariance = loadings @ loadings.T / (x.shape[1] + 5) * 1e-3
    active = rng.normal(0, 1e-3, stocks)
    return active - active.mean(), x, covariance, rng.uniform(0.1, 0.4, stocks)


def test_a_3000_by_40_risk_decomposition_gives_the_direct_calls_cells(server):
    weights, x, covariance, specific = _risk_model()
    assert x.shape == (3000, 40)
    arguments = [weights.tolist(), x.tolist(), covariance.tolist(), specific.tolist()]
    status, result = server.call("RISK_DECOMPOSITION", arguments)
    assert status == 200
    assert assert_same_cells(result, factorxl.udfs.RISK_DECOMPOSITION(*arguments), "RISK_DECOMPOSITION") > 40


def test_bad_input_is_http_400_with_factorxls_message_which_the_add_in_does_not_retry(server, msft):
    returns, factors = msft
    with pytest.raises(FactorxlError) as direct:
        factorxl.udfs.FACTOR_BETA(returns[:-1], factors)
    status, text = server.call("FACTOR_BETA", [returns[:-1], factors])
    assert (status, text) == (400, str(direct.value))
    assert "9777 data rows" in text
    # the add-in retries the status codes in the project's settings; 400 is not among them
    retried = subprocess.run(
        [sys.executable, "-c", "from xlwings_server.config import settings; print(settings.custom_functions_retry_codes)"],
        cwd=server.project, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert 400 not in json.loads(retried) and 500 in json.loads(retried)


def test_an_async_worksheet_function_is_awaited_and_its_failure_is_the_message(tmp_path):
    script = """
import asyncio, json, xlwings, threading
from xlwings.server import custom_functions_call
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS, worksheet_function
from factorxl.server.functions import served

@worksheet_function(returns="Numbers, oldest first.", factors="More numbers, oldest first.")
async def ASYNC_SUM(returns, factors=None):
    \"\"\"A test function that waits before it answers.\"\"\"
    await asyncio.sleep(0.01)
    if factors == "fail":
        raise FactorxlError("factors is 'fail'")
    return [[sum(r for r in returns if r is not None), threading.current_thread() is threading.main_thread()]]

class Module:
    ASYNC_SUM = served(FUNCTIONS["ASYNC_SUM"])

def call(args):
    data = {"func_name": "ASYNC_SUM", "args": args, "version": xlwings.__version__, "client": "Office.js",
            "runtime": "1.4", "culture_info_name": "en-US", "date_format": "m/d/yyyy", "caller_address": "[B.xlsx]S!A1"}
    try:
        return asyncio.run(custom_functions_call(data, Module))
    except xlwings.XlwingsError as error:
        return f"{type(error).__name__}: {error}"

print(json.dumps([call([[[1], [2], [""]], None]), call([[[1]], [["fail"]]])]))
"""
    env = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
    done = subprocess.run([sys.executable, "-c", script], env={**__import__("os").environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[[3.0, True]], "XlwingsError: factors is 'fail'"]


# ---------------------------------------------------------------------------------------------
# Bounded load: CPU per call, and a quick call beside a long one
# ---------------------------------------------------------------------------------------------


def test_server_cpu_per_readme_call_is_the_call_plus_reading_its_json(server, msft):
    """Measured, not asserted against the direct call alone: decoding the 0.8 MB of JSON Office.js
    posts (FastAPI's json.loads, before any factorxl code runs) costs about three direct calls."""
    returns, factors = msft
    body = office_js_body("FACTOR_BETA", [returns, factors])
    calls = 30
    for _ in range(3):
        assert server.post(body)[0] == 200
    before = server.cpu_seconds()
    for _ in range(calls):
        server.post(body)
    server_cpu = (server.cpu_seconds() - before) / calls
    started = time.process_time()
    for _ in range(calls):
        factorxl.udfs.FACTOR_BETA(returns, factors)
    direct = (time.process_time() - started) / calls
    started = time.process_time()
    for _ in range(calls):
        json.loads(body)
    decoding = (time.process_time() - started) / calls
    print(f"\nserver CPU per call {server_cpu * 1e3:.1f} ms; direct {direct * 1e3:.1f} ms ({server_cpu / direct:.1f}x); "
          f"JSON decoding {decoding * 1e3:.1f} ms")  # fmt: skip
    # before serving with raw arguments: 2,040 ms of server CPU per call (a failed import per cell)
    assert server_cpu <= 2.0 * (direct + decoding)


def _fama_macbeth_arguments(periods: int = 2000, assets: int = 220, factors: int = 6):
    rng = np.random.default_rng(9)
    f = rng.normal(0.005, 0.04, (periods, factors))
    y = f @ rng.normal(1.0, 0.3, (factors, assets)) + rng.normal(0, 0.05, (periods, assets))
    return [y.tolist(), f.tolist()]


def test_a_9_mb_call_does_not_hold_up_a_quick_one(server, msft):
    big = office_js_body("FM_PREMIA", _fama_macbeth_arguments())
    assert len(big) > 9_000_000
    returns, factors = msft
    quick = office_js_body("FACTOR_BETA", [returns[:250], [row[:3] for row in factors[:250]]])
    answer = {}
    thread = threading.Thread(target=lambda: answer.update(big=server.post(big)))
    started = time.monotonic()
    thread.start()
    waits = []
    while thread.is_alive() and time.monotonic() - started < 60:
        sent = time.monotonic()
        assert server.post(quick)[0] == 200
        waits.append(time.monotonic() - sent)
    thread.join(timeout=60)
    assert answer["big"][0] == 200 and math.isfinite(answer["big"][1][1][1])
    print(f"\nFM_PREMIA {len(big) / 1e6:.1f} MB: {time.monotonic() - started:.2f} s; quick calls meanwhile: "
          f"{len(waits)}, longest {max(waits):.3f} s")  # fmt: skip
    assert waits and max(waits) < 1.0


# ---------------------------------------------------------------------------------------------
# factorxl server init and run: the command line
# ---------------------------------------------------------------------------------------------


def test_init_makes_a_production_project_serving_factorxl_and_prints_the_start_line(tmp_path, capsys):
    from factorxl.cli import main

    folder = tmp_path / "team-server"
    assert main(["server", "init", str(folder), "--license-key", "noncommercial"]) == 0
    printed = capsys.readouterr().out
    assert f"factorxl server run {folder}" in printed and "--reuse-port" in printed and "OPENBLAS_NUM_THREADS=1" in printed
    env = (folder / ".env").read_text()
    for line in ('XLWINGS_LICENSE_KEY="noncommercial"', 'XLWINGS_ENVIRONMENT="prod"', 'XLWINGS_FUNCTIONS_NAMESPACE=""',
                 "XLWINGS_ENABLE_SOCKETIO=false"):  # fmt: skip
        assert f"\n{line}\n" in env
    assert "PolyForm Noncommercial" in env
    functions = folder / "custom_functions"
    assert sorted(p.name for p in functions.iterdir()) == ["__init__.py"]
    assert "from factorxl.server.functions import *" in (functions / "__init__.py").read_text()
    assert (folder / "data").is_dir() and (folder / "custom_scripts").is_dir() and not (folder / "app").exists()


def test_init_and_run_refuse_what_they_cannot_do_in_one_line(tmp_path, capsys, monkeypatch):
    from factorxl.cli import main

    monkeypatch.delenv("XLWINGS_LICENSE_KEY", raising=False)
    assert main(["server", "init", str(tmp_path / "new")]) == 3
    assert "--license-key" in capsys.readouterr().err and not (tmp_path / "new").exists()
    (tmp_path / "used" / "notes").mkdir(parents=True)
    assert main(["server", "init", str(tmp_path / "used"), "--license-key", "noncommercial"]) == 3
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["server", "run", str(tmp_path / "used"), "--data", "x"]) == 2
    assert "--data does not apply to run" in capsys.readouterr().err
    assert main(["server", "run", str(tmp_path / "used")]) == 3
    assert "factorxl server init" in capsys.readouterr().err


def test_run_on_windows_gives_the_uvicorn_line_instead(tmp_path, capsys, monkeypatch):
    from factorxl.cli import main

    assert main(["server", "init", str(tmp_path / "p"), "--license-key", "noncommercial"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "platform", "win32")
    assert main(["server", "run", str(tmp_path / "p")]) == 5
    assert "uvicorn xlwings_server.main:main_app --workers" in capsys.readouterr().err
