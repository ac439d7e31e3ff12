"""``factorxl build``: write the template workbooks into a folder and print their headline numbers.

Exit codes: 0 when every workbook was built in full; 1 when a dataset could not be had and a
workbook (or a part of one) was left out — the others are still built and the message says
which file is missing and how to supply it; 2 for any other error (see :mod:`factorxl.cli`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_OUT = "factorxl-workbooks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="read every dataset from this folder (searched with its subfolders) instead of the download cache; "
        "nothing is downloaded",
    )
    parser.add_argument("--out", metavar="DIR", default=DEFAULT_OUT, help=f"folder for the workbooks (default ./{DEFAULT_OUT})")
    parser.add_argument(
        "--vintage",
        metavar="NAME",
        help="with --data: the subfolder holding the Kenneth French files to use when the folder has several "
        "vintages (default v202412 when such a subfolder exists)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=("msft", "arkk_brk", "minimodel"),
        help="build only this workbook (repeatable)",
    )
    parser.add_argument(
        "--share",
        action="store_true",
        help="also write each workbook's shareable copy (NAME-shareable.xlsx, factorxl's formulas replaced by their "
        "values; see factorxl share)",
    )


def run(args: argparse.Namespace) -> int:
    """Build the workbooks; returns the exit code."""
    from factorxl.data import DataSource
    from factorxl.excel.data_functions import set_data_source
    from factorxl.workbooks.build import build_workbooks, vintage_for

    data = Path(args.data) if args.data else None
    if data is not None and not data.is_dir():
        from factorxl.errors import FactorxlError

        raise FactorxlError(f"--data {data}: no such folder")
    source = DataSource(local_dir=data, vintage=vintage_for(data, args.vintage)) if data else DataSource()
    set_data_source(source)  # FF_FACTORS in the workbooks reads where the build reads
    where = f"{data} (vintage {source.vintage})" if data and source.vintage else str(data or "the download cache")
    print(f"factorxl build: data from {where}; writing to {Path(args.out).resolve()}")
    results = build_workbooks(Path(args.out), source, args.only)
    incomplete = False
    for result in results:
        if result.path is None:
            print(f"\n{result.name}: SKIPPED")
        else:
            print(f"\n{result.name}: {result.path} ({result.formulas} formulas evaluated in {result.seconds:.1f} s)")
            for headline in result.headlines:
                print(f"  {headline}")
            if args.share:
                from factorxl.workbooks.share import share_workbook

                print(f"  shareable copy: {share_workbook(result.path).destination}")
        for message in result.skipped:
            print(f"  left out: {message}")
        incomplete |= bool(result.skipped)
    return 1 if incomplete else 0
