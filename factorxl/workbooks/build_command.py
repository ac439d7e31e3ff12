"""``factorxl build``: write the template workbooks into a folder and print their headline numbers.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 every workbook was built in full; 1 a
dataset could not be had and a workbook (or a part of one) was left out - the others are
still built and the message says which file is missing and how to supply it; 3 the work
cannot be done (a ``--data`` folder that does not exist, an ``--out`` that is a file, a
``--vintage`` the folder does not have); 4 a template formula did not evaluate (nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from factorxl.cli import add_out_option
from factorxl.exit_codes import ExitCode

DEFAULT_OUT = "factorxl-workbooks"
WORKBOOKS = ("msft", "arkk_brk", "minimodel", "famamacbeth")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="read every dataset from this folder (searched with its subfolders) instead of the download cache; "
        "nothing is downloaded",
    )
    add_out_option(parser, "the workbooks", DEFAULT_OUT, f"./{DEFAULT_OUT}")
    parser.add_argument(
        "--vintage",
        metavar="NAME",
        help="with --data: the subfolder holding the Kenneth French files to use when the folder has several "
        "vintages (default, when such a subfolder exists: v202412, and v202510 for famamacbeth)",
    )
    parser.add_argument(
        "--only",
        action="extend",
        nargs="+",
        metavar="NAME",
        choices=WORKBOOKS,
        help=f"build only these workbooks ({', '.join(WORKBOOKS)})",
    )
    parser.add_argument(
        "--share",
        action="store_true",
        help="also write each workbook's shareable copy (NAME-shareable.xlsx, factorxl's formulas replaced by their "
        "values; see factorxl share)",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but what was left out and errors")


def _check_data(data: Path | None, vintage: str | None) -> None:
    """``--data`` and ``--vintage`` as given, or a one-line error saying what to give instead."""
    from factorxl.errors import FactorxlError

    if data is None:
        if vintage:
            raise FactorxlError("--vintage chooses among the copies in a --data folder; add --data DIR (online, the download is the latest)")
        return
    if not data.is_dir():
        raise FactorxlError(f"--data {data}: no such folder; give the folder that holds the data files")
    if vintage:
        vintages = sorted({p.parent.name for p in data.rglob("F-F_*") if p.is_file()})
        if vintage not in vintages:
            raise FactorxlError(
                f"--vintage {vintage}: {data} has no folder of that name with Kenneth French files; "
                f"choose one of {', '.join(vintages) or 'none (omit --vintage)'}"
            )


def run(args: argparse.Namespace) -> int:
    """Build the workbooks; returns the exit code."""
    from factorxl.cli import output_folder
    from factorxl.workbooks.build import TEMPLATES, FormulasNotEvaluated, build_workbook, template_source
    from factorxl.workbooks.progress import default_mode, reporting

    data = Path(args.data) if args.data else None
    _check_data(data, args.vintage)
    out = output_folder(args.out)
    sources = {name: template_source(name, data, args.vintage) for name in args.only or TEMPLATES}
    vintages = Counter(source.vintage for source in sources.values() if source.vintage)
    where = str(data or "the download cache")
    if vintages:
        usual = vintages.most_common(1)[0][0]
        others = "".join(f"; {s.vintage} for {name}" for name, s in sources.items() if s.vintage and s.vintage != usual)
        where += f" (vintage {usual}{others})"

    def say(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    say(f"factorxl build: data from {where}; writing to {out.resolve()}")
    try:
        with reporting(mode="off" if args.quiet else default_mode()):
            results = [build_workbook(name, out, source) for name, source in sources.items()]
    except FormulasNotEvaluated as error:
        print(f"factorxl build: {error}:", file=sys.stderr)
        for problem in error.problems[:20]:
            print(f"  {problem}", file=sys.stderr)
        return ExitCode.NOT_EVALUATED
    incomplete = False
    for result in results:
        if result.path is None:
            print(f"\n{result.name}: SKIPPED", flush=True)
        else:
            say(f"\n{result.name}: {result.path} ({result.formulas:,} formulas evaluated in {result.seconds:.1f} s)")
            for headline in result.headlines:
                say(f"  {headline}")
            if args.share:
                from factorxl.workbooks.share import share_workbook

                say(f"  shareable copy: {share_workbook(result.path).destination}")
        for message in result.skipped:
            print(f"  left out: {message}", flush=True)
        incomplete |= bool(result.skipped)
    return ExitCode.PARTLY_DONE if incomplete else ExitCode.DONE
