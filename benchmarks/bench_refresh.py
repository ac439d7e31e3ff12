"""Headless refresh against loading and saving the same workbook with openpyxl (CPU time, one run).

Cases, each timed in this process with ``time.process_time`` (medians of ``--repeat`` runs,
refresh and openpyxl interleaved):

* ``msft``: the built MSFT workbook (``factorxl build`` from ``--data``, default
  ``$FACTORXL_SHARED_DATA``; without data, an MSFT-sized workbook of random returns
  refreshed once with ``--full``). Target: refresh <= 1.0x openpyxl load + save.
* ``100 formulas``: 100 factorxl formulas over 10,000 rows (dates, six factors, ten
  assets), typed with openpyxl as a user would (no stored values): each asset's beta and
  alpha over ten periods. Target: <= 2x openpyxl load + save.
* ``whole column``: ``=FACTOR_BETA(Data!B:B, Data!C:C)`` over 10,000 rows. Target: < 2 s.
* ``5,000 formulas``: a filled-down column of 5,000 rolling ``FACTOR_BETA`` over 60 rows.
  Target: < 5 s.
* ``batch`` (with ``--data``): 20 books, 5 copies of each of the four templates, refreshed
  (a) by a shell loop of ``factorxl refresh`` processes, (b) by one warm process refreshing
  them one after the other, (c) by ``factorxl refresh ... --jobs 2``. Each runs as its own
  process tree, timed on the wall clock; the CPU time of each is reported beside it. Since a
  shared machine stretches wall-clock times, the pool's speedup is also computed from CPU
  times: one warm process's CPU over the pool's critical path (loading the engine once plus
  the busiest worker's books). Target: the pool at least 1.6x one warm process.

Usage: ``python benchmarks/bench_refresh.py [--data DIR] [--repeat N] [--only CASE ...]``.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROWS = 10_000


def _cpu(action: Callable[[], object]) -> float:
    started = time.process_time()
    action()
    return time.process_time() - started


ASSETS = 10
FACTORS = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF")


def typed_workbook(path: Path, formulas: dict[str, str], rows: int = ROWS) -> Path:
    """A workbook typed with openpyxl: a Data sheet (dates, six factor columns, ten assets) and a Model sheet.

    Data!A holds dates, B:G the factors, H:Q the assets' returns (random numbers).
    """
    import datetime

    import openpyxl

    rng = np.random.default_rng(2024)
    factors = rng.normal(0.0003, 0.008, (rows, len(FACTORS)))
    assets = factors[:, :1] * rng.uniform(0.6, 1.4, ASSETS) + rng.normal(0, 0.012, (rows, ASSETS))
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Data"
    data.append(["Date", *FACTORS, *(f"Asset{i + 1}" for i in range(ASSETS))])
    start = datetime.date(1985, 1, 2)
    for i in range(rows):
        data.append([start + datetime.timedelta(days=i), *factors[i].tolist(), *assets[i].tolist()])
    model = workbook.create_sheet("Model")
    for cell, formula in formulas.items():
        model[cell] = formula
    workbook.save(path)
    return path


def hundred_formulas(rows: int = ROWS) -> dict[str, str]:
    """Each asset's beta and annual alpha on the market over ten periods (the last 10,000, 9,000... rows)."""
    formulas = {}
    for asset in range(ASSETS):
        column = openpyxl_column(8 + asset)
        for period in range(10):
            first = 2 + period * rows // 10
            function = ("=FACTOR_BETA({y},{x})", "=FACTOR_ALPHA({y},{x},252)")[period % 2]
            formulas[f"{column}{period + 1}"] = function.format(
                y=f"Data!${column}${first}:${column}${rows + 1}", x=f"Data!$B${first}:$B${rows + 1}"
            )
    return formulas


def openpyxl_column(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def rolling_formulas(count: int = 5000, window: int = 60) -> dict[str, str]:
    """A filled-down column of rolling 60-row betas of the first asset on the market."""
    return {f"A{i + 1}": f"=FACTOR_BETA(Data!H{i + 2}:H{i + 1 + window},Data!B{i + 2}:B{i + 1 + window})" for i in range(count)}


def built_msft(folder: Path, data: Path | None) -> tuple[Path, str]:
    """The MSFT workbook as ``factorxl build`` writes it, or an MSFT-sized stand-in without data."""
    from factorxl.workbooks.refresh import refresh_workbook

    if data is not None:
        from factorxl.data import DataSource
        from factorxl.excel.data_functions import set_data_source
        from factorxl.workbooks.build import build_workbook, vintage_for

        source = DataSource(local_dir=data, vintage=vintage_for(data, None))
        set_data_source(source)
        result = build_workbook("msft", folder, source, progress=False)
        if result.path is not None:
            return result.path, "the built MSFT workbook"
    path = typed_workbook(folder / "msft_sized.xlsx", {**hundred_formulas(), "Z1": "=FACTOR_REGRESS(Data!H1:H10001,Data!B1:D10001)"})
    refresh_workbook(path, full=True, clear_full_calc_on_load=True, progress=False)
    return path, "an MSFT-sized stand-in (no data)"


CASE_NAMES = {"msft": "msft", "100 formulas": "100", "whole column": "column", "5,000 formulas": "5000"}
BATCH_COPIES = 5
BATCH_TARGET = 1.6
_WARM = """
import json, sys, time
started = time.process_time()
from factorxl.workbooks.batch import plan, run
loaded = time.process_time() - started
books, out, workers = json.loads(sys.argv[1])
outcomes = list(run(plan(books, out), workers))
busiest = {}
for outcome in outcomes:
    busiest[outcome.process] = busiest.get(outcome.process, 0.0) + outcome.cpu_seconds
print(json.dumps({"loaded": loaded, "busiest": max(busiest.values()), "codes": sorted({o.code for o in outcomes})}))
"""


def _timed(commands: list[list[str]], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (the processes and their children) of commands run one after the other."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, output = time.perf_counter(), ""
    for command in commands:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode not in (0,):
            raise SystemExit(f"{' '.join(command[:4])}...: exit {done.returncode}\n{done.stderr[-2000:]}")
        output = done.stdout
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), output


def batch_case(folder: Path, data: Path) -> None:
    """20 books (5 copies of each template): a shell loop, one warm process, and a pool of 2 workers."""
    from factorxl.workbooks.build import TEMPLATES, build_workbook, template_source

    templates = folder / "templates"
    templates.mkdir(parents=True)
    built = [build_workbook(name, templates, template_source(name, data, None), progress=False).path for name in TEMPLATES]
    books = []
    for copy in range(BATCH_COPIES):
        (folder / f"copy{copy}").mkdir()
        for path in built:
            books.append(str(shutil.copy(path, folder / f"copy{copy}" / path.name)))
    env = {**os.environ, "FACTORXL_DATA_DIR": str(data), "FACTORXL_DATA_VINTAGE": "v202510"}
    factorxl = [sys.executable, "-m", "factorxl.cli", "refresh"]
    loop_wall, loop_cpu, _ = _timed([[*factorxl, book, "--out", str(folder / "loop"), "--quiet"] for book in books], env)
    script = [sys.executable, "-c", _WARM]
    warm_wall, warm_cpu, warm = _timed([[*script, json.dumps([books, str(folder / "warm"), 1])]], env)
    pool_wall, pool_cpu, pool = _timed([[*script, json.dumps([books, str(folder / "pool"), 2])]], env)
    command_wall, command_cpu, _ = _timed([[*factorxl, *books, "--out", str(folder / "command"), "--jobs", "2", "--quiet"]], env)
    warm, pool = json.loads(warm), json.loads(pool)
    critical = pool["loaded"] + pool["busiest"]
    cpu_speedup = warm_cpu / critical
    print(
        f"{'batch':>15}: {'met' if cpu_speedup >= BATCH_TARGET else 'MISSED'} (target >= {BATCH_TARGET}x one warm process); "
        f"{len(books)} books, wall clock (CPU): shell loop {loop_wall:.1f} s ({loop_cpu:.1f} s); one warm process "
        f"{warm_wall:.1f} s ({warm_cpu:.1f} s); pool of 2 {pool_wall:.1f} s ({pool_cpu:.1f} s; critical path "
        f"{critical:.1f} s: loading {pool['loaded']:.1f} s + busiest worker {pool['busiest']:.1f} s); "
        f"factorxl refresh --jobs 2 {command_wall:.1f} s ({command_cpu:.1f} s)"
    )
    print(
        f"{'':>15}  pool speedup: {warm_cpu / critical:.2f}x one warm process and {loop_cpu / critical:.2f}x the shell loop "
        f"by CPU; {warm_wall / pool_wall:.2f}x and {loop_wall / pool_wall:.2f}x by this run's wall clock "
        f"(--jobs 2: {warm_wall / command_wall:.2f}x and {loop_wall / command_wall:.2f}x)"
    )


def _openpyxl_round_trip(path: Path, out: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm").save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("FACTORXL_SHARED_DATA"), help="the shared data folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (median)")
    parser.add_argument("--only", nargs="+", help="run only these cases (msft, 100, column, 5000, batch)")
    args = parser.parse_args()
    chosen = set(args.only or ("msft", "100", "column", "5000", "batch"))

    from factorxl.workbooks.refresh import refresh_workbook  # imported before timing, as openpyxl is
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        msft, described = built_msft(folder, args.data)
        print(f"msft: {described}")
        cases = {
            "msft": msft,
            "100 formulas": typed_workbook(folder / "hundred.xlsx", hundred_formulas()),
            "whole column": typed_workbook(folder / "column.xlsx", {"A1": "=FACTOR_BETA(Data!H:H,Data!B:B)"}),
            "5,000 formulas": typed_workbook(folder / "rolling.xlsx", rolling_formulas()),
        }
        targets = {  # (largest ratio to openpyxl, most seconds)
            "msft": (1.0, None), "100 formulas": (2.0, None), "whole column": (None, 2.0), "5,000 formulas": (None, 5.0)
        }
        for name, path in cases.items():
            if CASE_NAMES[name] not in chosen:
                continue
            refreshed, round_trips = [], []
            for _ in range(args.repeat):
                report = None

                def refresh() -> None:
                    nonlocal report
                    report = refresh_workbook(path, folder / "refreshed.xlsx", progress=False)

                refreshed.append(_cpu(refresh))
                round_trips.append(_cpu(lambda: _openpyxl_round_trip(path, folder / "openpyxl.xlsx")))
                if not report.ok:
                    raise SystemExit(f"{name}: the refresh failed:\n" + "\n".join(map(str, report.problems)))
            refresh_s, openpyxl_s = statistics.median(refreshed), statistics.median(round_trips)
            ratio_target, seconds_target = targets[name]
            met = (ratio_target is None or refresh_s / openpyxl_s <= ratio_target) and (
                seconds_target is None or refresh_s < seconds_target
            )
            target = f"<= {ratio_target}x" if ratio_target else f"< {seconds_target} s"
            print(
                f"{name:>15}: {'met' if met else 'MISSED'} (target {target}); refresh {refresh_s:6.2f} s CPU ({report.formulas} formulas, "
                f"{'full' if report.full else 'factorxl + downstream'}); openpyxl load+save {openpyxl_s:6.2f} s; "
                f"ratio {refresh_s / openpyxl_s:.2f}x"
            )
        if "batch" in chosen:
            if args.data is None:
                print(f"{'batch':>15}: skipped (builds the four templates: give --data)")
            else:
                batch_case(folder / "batch", Path(args.data))


if __name__ == "__main__":
    main()
