"""``factorxl refresh BOOK [--out FILE]``: recalculate a workbook's formulas without Excel.

Exit codes: 0 refreshed; 1 some formulas could not be evaluated (listed, nothing
written); 2 the workbook could not be read (message printed by the command line).
"""

from __future__ import annotations

import argparse
import sys

PROBLEMS_EXIT_CODE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to refresh (.xlsx or .xlsm)")
    parser.add_argument("--out", metavar="FILE", help="write the refreshed workbook here instead of over BOOK")
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary; problems are still printed")
    parser.add_argument("--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal")


def run(args: argparse.Namespace) -> int:
    """Refresh the workbook; print the summary, formulas with error values, and formulas that failed."""
    from factorxl.workbooks.refresh import refresh_workbook

    progress = False if args.quiet else (True if args.progress else None)
    report = refresh_workbook(args.book, args.out, progress=progress)
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
            f"refreshed {report.destination}: {report.formulas} formulas, {report.cells} cached values{errors} "
            f"in {report.seconds:.1f} s"
        )
    return 0
