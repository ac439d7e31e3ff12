"""factorxl served by xlwings Server over HTTP on 127.0.0.1: CPU per call, throughput, a long call beside quick ones.

In one run, against servers started by ``factorxl server run`` (on free ports, stopped by their
process ids) and requests made as the add-in's ``custom-functions-code.js`` makes them:

* **CPU per call**: the README's ``FACTOR_BETA`` (MSFT, 9,778 days x 6 factors, 0.8 MB of JSON)
  60 times; the workers' CPU time per call against the direct call of ``factorxl.udfs`` (the
  reference; target at most 3x), beside what decoding the request's JSON alone costs with
  ``json.loads`` (xlwings Server's own app) and with orjson (``factorxl.server.app``);
* the same for a 3,000-stock, 40-factor ``RISK_DECOMPOSITION`` (1.1 MB of JSON), 20 times;
* **throughput**: 120 of those calls from 4 clients at once, each request on a new connection,
  and with 4 clients that keep their connections alive (as Excel's webview does), with 1 and
  with 2 workers (target: 2 workers at least 1.6x one with a connection per request), beside
  the machine's load average (wall-clock throughput depends on what else runs; CPU-time ratios
  do not);
* **a long call**: a 9.7 MB ``FM_PREMIA`` (2,000 periods x 220 assets, 6 factors) while one
  client sends a quick ``FACTOR_BETA`` (250 x 3) again and again; the longest quick call, with 1
  and with 2 workers (target: under 1 s).

The workers run with one BLAS thread each (``factorxl server run`` sets it), as the direct calls
here do (``fair``). Needs the server extra; the MSFT data from ``$FACTORXL_SHARED_DATA``, default
``../shared/data``. Usage: ``python benchmarks/bench_server.py``.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import orjson  # noqa: E402

import factorxl.udfs  # noqa: E402
from tests.doc_examples import _frames  # noqa: E402
from tests.server_harness import RunningServer, make_project, office_js_body, server_installed  # noqa: E402
from tests.test_server import _fama_macbeth_arguments, _risk_model  # noqa: E402

CPU_CALLS, RISK_CALLS, THROUGHPUT_CALLS, CLIENTS = 60, 20, 120, 4


def cpu_per_call(server: RunningServer, body: bytes, calls: int) -> float:
    for _ in range(3):
        assert server.post(body)[0] == 200
    before = server.cpu_seconds()
    for _ in range(calls):
        server.post(body)
    return (server.cpu_seconds() - before) / calls


def calls_per_second(server: RunningServer, body: bytes, keep_alive: bool) -> float:
    def client(count: int) -> None:
        connection = server.connection() if keep_alive else None
        for _ in range(count):
            assert server.post(body, connection)[0] == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, [THROUGHPUT_CALLS // CLIENTS] * CLIENTS))
    return THROUGHPUT_CALLS / (time.perf_counter() - started)


def longest_quick_call(server: RunningServer, big: bytes, quick: bytes) -> tuple[float, float, int]:
    answer = {}
    thread = threading.Thread(target=lambda: answer.update(big=server.post(big)))
    started = time.monotonic()
    thread.start()
    waits = []
    while thread.is_alive():
        sent = time.monotonic()
        assert server.post(quick)[0] == 200
        waits.append(time.monotonic() - sent)
    thread.join()
    assert answer["big"][0] == 200
    return time.monotonic() - started, max(waits), len(waits)


def main() -> None:
    if not server_installed():
        sys.exit('the server extra is not installed: pip install -e ".[server]"')
    shared = os.environ.get("FACTORXL_SHARED_DATA", str(REPO.parent / "shared" / "data"))
    frame = _frames(shared)["msft"]
    returns, factors = frame["MSFT"].tolist(), frame[["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]].to_numpy().tolist()
    readme = office_js_body("FACTOR_BETA", [returns, factors])
    risk_arguments = [a.tolist() for a in _risk_model()]
    risk = office_js_body("RISK_DECOMPOSITION", risk_arguments)
    big = office_js_body("FM_PREMIA", _fama_macbeth_arguments())
    quick = office_js_body("FACTOR_BETA", [returns[:250], [row[:3] for row in factors[:250]]])
    direct = fair.interleaved_medians(
        {
            "direct": lambda: factorxl.udfs.FACTOR_BETA(returns, factors),
            "decode": lambda: json.loads(readme),
            "orjson": lambda: orjson.loads(readme),
            "risk direct": lambda: factorxl.udfs.RISK_DECOMPOSITION(*risk_arguments),
            "risk decode": lambda: json.loads(risk),
            "risk orjson": lambda: orjson.loads(risk),
        },
        repeat=15,
    )
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        project = make_project(Path(folder) / "project")
        for workers in (1, 2):
            with RunningServer(project, workers, Path(folder) / f"server{workers}.log") as server:
                results[workers] = {
                    "cpu": cpu_per_call(server, readme, CPU_CALLS),
                    "risk cpu": cpu_per_call(server, risk, RISK_CALLS),
                    "new connections": calls_per_second(server, readme, keep_alive=False),
                    "keep-alive": calls_per_second(server, readme, keep_alive=True),
                    "load": os.getloadavg()[0],
                    "long call": longest_quick_call(server, big, quick),
                }
    cpu = statistics.mean(r["cpu"] for r in results.values())
    print(f"README FACTOR_BETA, {len(readme) / 1e6:.2f} MB of JSON a call:")
    print(f"  direct call {direct['direct'] * 1e3:.1f} ms CPU; decoding the request alone: json.loads "
          f"{direct['decode'] * 1e3:.1f} ms, orjson {direct['orjson'] * 1e3:.1f} ms")  # fmt: skip
    for workers, r in results.items():
        print(f"  server, {workers} worker(s): {r['cpu'] * 1e3:.1f} ms CPU a call = {r['cpu'] / direct['direct']:.2f}x the direct call (target 3x)")
    print(f"  mean {cpu * 1e3:.1f} ms = {cpu / direct['direct']:.2f}x")
    risk_cpu = statistics.mean(r["risk cpu"] for r in results.values())
    print(f"RISK_DECOMPOSITION 3,000 x 40, {len(risk) / 1e6:.2f} MB: direct {direct['risk direct'] * 1e3:.1f} ms, "
          f"json.loads {direct['risk decode'] * 1e3:.1f} ms, orjson {direct['risk orjson'] * 1e3:.1f} ms, "
          f"server {risk_cpu * 1e3:.1f} ms CPU a call = {risk_cpu / direct['risk direct']:.2f}x the direct call")  # fmt: skip
    print(f"throughput, {CLIENTS} clients, {THROUGHPUT_CALLS} calls ({os.cpu_count()} cores):")
    for workers, r in results.items():
        print(f"  {workers} worker(s): {r['new connections']:.1f} calls/s with a connection per request, "
              f"{r['keep-alive']:.1f}/s keep-alive; load average {r['load']:.1f}")  # fmt: skip
    ratio = results[2]["new connections"] / results[1]["new connections"]
    print(f"  2 workers / 1: {ratio:.2f}x with a connection per request (target 1.6x); "
          f"{results[2]['keep-alive'] / results[1]['keep-alive']:.2f}x keep-alive")  # fmt: skip
    print(f"FM_PREMIA, {len(big) / 1e6:.1f} MB, beside a quick FACTOR_BETA (target under 1 s):")
    for workers, r in results.items():
        seconds, longest, count = r["long call"]
        print(f"  {workers} worker(s): FM_PREMIA {seconds:.2f} s; {count} quick calls meanwhile, the longest {longest:.3f} s")


if __name__ == "__main__":
    main()
