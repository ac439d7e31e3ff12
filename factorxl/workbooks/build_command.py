"""``factorxl build``: write the template workbooks into a folder and print their headline numbers.

Exit codes: 0 when every workbook was built in full; 1 when a dataset could not be had and a
workbook (or a part of one) was left out — the others are still built and the message says
which file is missing and how to supply it; 2 for any other error (see :mod:`factorxl.cli`).
"""

from __future__ import annotations

import argparse
from collections import Counter
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
        "vintages (default, when such a subfolder exists: v202412, and v202510 for famamacbeth)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=("msft", "arkk_brk", "minimodel", "famamacbeth"),
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
    from factorxl.workbooks.build import TEMPLATES, build_workbook, template_source

    data = Path(args.data) if args.data else None
    if data is not None and not data.is_dir():
        from factorxl.errors import FactorxlError

        raise FactorxlError(f"--data {data}: no such folder")
    out = Path(args.out)
    sources = {name: template_source(name, data, args.vintage) for name in args.only or TEMPLATES}
    vintages = Counter(source.vintage for source in sources.values() if source.vintage)
    where = str(data or "the download cache")
    if vintages:
        usual = vintages.most_common(1)[0][0]
        others = "".join(f"; {s.vintage} for {name}" for name, s in sources.items() if s.vintage and s.vintage != usual)
        where += f" (vintage {usual}{others})"
    print(f"factorxl build: data from {where}; writing to {out.resolve()}")
    out.mkdir(parents=True, exist_ok=True)
    results = [build_workbook(name, out, source) for name, source in sources.items()]
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
