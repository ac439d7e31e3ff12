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

Usage: ``python benchmarks/bench_refresh.py [--data DIR] [--repeat N]``.
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import argparse
import os
import statistics
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


def _openpyxl_round_trip(path: Path, out: Path) -> None:
    import openpyxl

    openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm").save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=os.environ.get("FACTORXL_SHARED_DATA"), help="the shared data folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (median)")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
