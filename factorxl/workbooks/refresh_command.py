"""``factorxl refresh BOOK [--out DIR] [--full] [--clear-full-calc-on-load]``: recalculate without Excel.

Exit codes (:class:`factorxl.exit_codes.ExitCode`, the table in docs/commands.md):

* 0: refreshed. Warnings (formulas whose value is an Excel error, ``#SPILL!``, legacy
  arrays padded with ``#N/A``, formulas reading cells a spill newly covers,
  ``fullCalcOnLoad``) are printed on stderr.
* 3: the workbook cannot be read or written: missing, a folder, read-only, encrypted,
  not a zip package, a corrupted part, entity declarations, beyond the size or cell
  limits, an ``--out`` that is a file (one line, printed by :mod:`factorxl.cli`). The
  file is unchanged.
* 4: some formulas cannot be evaluated, or their result would lose values; they are
  listed (sheet, cell, formula, reason) and nothing was written.
* 70: an unexpected failure (one line naming it); the file is unchanged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factorxl.cli import add_out_option
from factorxl.exit_codes import ExitCode

PROBLEMS_EXIT_CODE = ExitCode.NOT_EVALUATED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to refresh (.xlsx or .xlsm)")
    add_out_option(parser, "the refreshed workbook", None, "BOOK is refreshed in place")
    parser.add_argument(
        "--full",
        action="store_true",
        help="recalculate every formula (default: the factorxl calls, formulas without a stored value, and every "
        "formula that depends on them; the other cells keep the values Excel saved)",
    )
    parser.add_argument(
        "--clear-full-calc-on-load",
        action="store_true",
        help="remove the workbook's request that Excel recalculate every formula on open (fullCalcOnLoad, written by "
        "openpyxl and XlsxWriter), so that Excel shows the refreshed values",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary; problems are still printed")
    parser.add_argument(
        "--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal (default there: plain lines)"
    )


def run(args: argparse.Namespace) -> int:
    """Refresh the workbook; print the summary, warnings, and formulas that failed."""
    from factorxl.cli import output_folder
    from factorxl.workbooks.progress import default_mode, reporting
    from factorxl.workbooks.refresh import refresh_workbook

    book = Path(args.book)
    out = None if args.out is None else output_folder(args.out) / book.name
    mode = "off" if args.quiet else ("bar" if args.progress else default_mode())
    with reporting(label=book.name, mode=mode):
        report = refresh_workbook(book, out, full=args.full, clear_full_calc_on_load=args.clear_full_calc_on_load)
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
        for warning in (*report.errors, *report.warnings):
            print(f"warning: {warning}", file=sys.stderr)
        if report.full_calc_on_load:
            print(
                f"warning: {report.destination} asks Excel to recalculate every formula when it opens (fullCalcOnLoad): "
                "users without the factorxl add-in will see #NAME? instead of these values; --clear-full-calc-on-load "
                "removes the request",
                file=sys.stderr,
            )
        errors = f", {len(report.errors)} with an error value" if report.errors else ""
        scope = "every formula" if report.full else "factorxl formulas and what depends on them"
        print(
            f"refreshed {report.destination}: {report.formulas:,} formulas ({scope}), {report.cells:,} cached values"
            f"{errors}, {report.charts} chart(s) updated in {report.seconds:.1f} s"
        )
    return ExitCode.DONE
