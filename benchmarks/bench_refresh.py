"""Headless refresh of an MSFT-sized workbook against loading and saving it with openpyxl.

Times, in one run and on the same file:

* ``refresh_workbook`` (recalculate every formula with ``formulas`` + factorxl, write the
  cached values into a copy);
* ``openpyxl.load_workbook`` + ``save`` (a round trip that evaluates nothing), the floor
  for any Python tool that reads and writes the whole workbook;

and prints the ratio (BLAS on one thread, repetitions interleaved, medians of CPU time). Without a path it generates a workbook shaped like the MSFT
template: 9778 daily rows (date, asset, RF, Mkt-RF, an excess-return formula per row),
and a Model sheet with FACTOR_BETA/FACTOR_ALPHA/FACTOR_REGRESS/FACTOR_RESIDUALS and their
native twins (SLOPE, INTERCEPT, RSQ, INDEX(LINEST(...)), STDEV.S, VAR.S...). The data are
random numbers.

Usage: ``python benchmarks/bench_refresh.py [BOOK.xlsx]`` (e.g. the MSFT workbook that
``factorxl build`` writes).
"""

from __future__ import annotations

import fair  # noqa: F401  (first: pins BLAS to one thread)

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

ROWS = 9778


def generate_workbook(path: Path, rows: int = ROWS) -> Path:
    """An MSFT-sized workbook of random returns with factorxl and native formulas."""
    import xlsxwriter

    rng = np.random.default_rng(2024)
    market = rng.normal(0.0004, 0.011, rows)
    riskfree = np.full(rows, 0.0001)
    asset = riskfree + 0.0003 + 1.19 * market + rng.normal(0, 0.012, rows)
    workbook = xlsxwriter.Workbook(str(path))
    data = workbook.add_worksheet("Data")
    data.write_row(0, 0, ["Date", "MSFT", "RF", "Mkt-RF", "Excess"])
    data.write_column(1, 0, 33000 + np.arange(rows))
    data.write_column(1, 1, asset)
    data.write_column(1, 2, riskfree)
    data.write_column(1, 3, market)
    for row in range(2, rows + 2):
        data.write_formula(row - 1, 4, f"=B{row}-C{row}")
    last = rows + 1
    excess, factor = f"Data!$E$2:$E${last}", f"Data!$D$2:$D${last}"
    model = workbook.add_worksheet("Model")
    cells = {
        "B1": f"=FACTOR_BETA({excess},{factor})",
        "B2": f"=SLOPE({excess},{factor})",
        "B3": f"=FACTOR_ALPHA({excess},{factor})",
        "B4": f"=INTERCEPT({excess},{factor})",
        "B5": f"=RSQ({excess},{factor})",
        "B6": f"=INDEX(LINEST({excess},{factor}),1,1)",
        "B7": f"=STDEV.S({excess})*SQRT(252)",
        "B8": f"=VAR.S({excess})",
        "B9": "=B1^2*VAR.S(Data!$D$2:$D$%d)/B8" % last,
    }
    for cell, formula in cells.items():
        model.write_formula(cell, formula)
    model.write_dynamic_array_formula("D1:J8", f"=FACTOR_REGRESS(Data!$E$1:$E${last},Data!$D$1:$D${last})")
    model.write_dynamic_array_formula(f"L1:L{rows}", f"=FACTOR_RESIDUALS({excess},{factor})")
    workbook.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", nargs="?", type=Path, help="a workbook to refresh (default: a generated MSFT-sized one)")
    args = parser.parse_args()

    import openpyxl

    from factorxl.workbooks.refresh import refresh_workbook

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book = args.book or generate_workbook(folder / "msft_sized.xlsx")
        copy = folder / f"copy{book.suffix}"
        shutil.copyfile(book, copy)

        def round_trip() -> None:
            workbook = openpyxl.load_workbook(copy, keep_vba=copy.suffix.lower() == ".xlsm")
            workbook.save(folder / f"openpyxl{book.suffix}")

        def refresh():
            report = refresh_workbook(copy, folder / f"refreshed{book.suffix}", progress=None)
            if not report.ok:
                raise SystemExit("the refresh failed:\n" + "\n".join(map(str, report.problems)))
            return report

        times = fair.interleaved_medians({"openpyxl": round_trip, "refresh": refresh}, repeat=3)
        report = refresh()
    print(f"workbook: {args.book or f'generated, {ROWS} rows'}; {report.formulas} formulas, {report.cells} cached values")
    print(f"openpyxl load + save : {times['openpyxl']:8.2f} s")
    print(f"factorxl refresh     : {times['refresh']:8.2f} s")
    print(f"ratio refresh / openpyxl round trip: {times['refresh'] / times['openpyxl']:.1f}x")

if __name__ == "__main__":
    main()
