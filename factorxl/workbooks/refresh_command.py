"""``factorxl refresh BOOK [--out DIR]``: recalculate a workbook's formulas without Excel.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 refreshed; 3 the workbook could not
be read or written (message printed by the command line); 4 some formulas could not be
evaluated (listed, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factorxl.exit_codes import ExitCode

PROBLEMS_EXIT_CODE = ExitCode.NOT_EVALUATED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to refresh (.xlsx or .xlsm)")
    parser.add_argument(
        "--out", metavar="DIR", help="write the refreshed workbook into this folder (created if needed) instead of over BOOK"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary; problems are still printed")
    parser.add_argument(
        "--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal (default there: plain lines)"
    )


def run(args: argparse.Namespace) -> int:
    """Refresh the workbook; print the summary, formulas with error values, and formulas that failed."""
    from factorxl.cli import output_folder
    from factorxl.workbooks.progress import default_mode, reporting
    from factorxl.workbooks.refresh import refresh_workbook

    book = Path(args.book)
    out = None
    if args.out is not None:
        out = output_folder(args.out) / book.name
    mode = "off" if args.quiet else ("bar" if args.progress else default_mode())
    with reporting(label=book.name, mode=mode):
        report = refresh_workbook(book, out)
    if not args.quiet:
        for error in report.errors:
            print(f"warning: {error}", file=sys.stderr)
    if report.problems:
        print(
            f"factorxl refresh: {len(report.problems)} formula(s) of {report.source} cannot be evaluated "
            "without Excel; nothing was written:",
            file=sys.stderr,
        )
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return PROBLEMS_EXIT_CODE
    if not args.quiet:
        errors = f", {len(report.errors)} with an error value" if report.errors else ""
        print(
            f"refreshed {report.destination}: {report.formulas:,} formulas, {report.cells:,} cached values{errors} "
            f"in {report.seconds:.1f} s"
        )
    return ExitCode.DONE
