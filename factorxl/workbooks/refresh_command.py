"""``factorxl refresh BOOK [--out FILE] [--full] [--clear-full-calc-on-load]``: recalculate without Excel.

Exit codes:

* 0: refreshed. Warnings (formulas whose value is an Excel error, ``#SPILL!``, legacy
  arrays padded with ``#N/A``, formulas reading cells a spill newly covers,
  ``fullCalcOnLoad``) are printed on stderr.
* 1: some formulas cannot be evaluated, or their result would lose values; they are
  listed (sheet, cell, formula, reason) and nothing was written.
* 2: the workbook cannot be read or written: missing, a folder, read-only, encrypted,
  not a zip package, a corrupted part, entity declarations, beyond the size or cell
  limits, ``--out`` a folder or in a read-only folder (one line, printed by
  :mod:`factorxl.cli`). The file is unchanged.
* 3: an unexpected failure (one line naming it); the file is unchanged.
"""

from __future__ import annotations

import argparse
import sys

PROBLEMS_EXIT_CODE = 1
UNEXPECTED_EXIT_CODE = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to refresh (.xlsx or .xlsm)")
    parser.add_argument("--out", metavar="FILE", help="write the refreshed workbook here instead of over BOOK")
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
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no summary; problems are still printed")
    parser.add_argument("--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal")


def run(args: argparse.Namespace) -> int:
    """Refresh the workbook; print the summary, warnings, and formulas that failed."""
    from factorxl.errors import FactorxlError
    from factorxl.workbooks.refresh import refresh_workbook

    progress = False if args.quiet else (True if args.progress else None)
    try:
        report = refresh_workbook(
            args.book, args.out, full=args.full, clear_full_calc_on_load=args.clear_full_calc_on_load, progress=progress
        )
    except FactorxlError:
        raise
    except Exception as error:  # noqa: BLE001 - the user gets one line, never a traceback
        print(f"factorxl refresh: unexpected failure ({type(error).__name__}: {error}); {args.book} is unchanged", file=sys.stderr)
        return UNEXPECTED_EXIT_CODE
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
            f"refreshed {report.destination}: {report.formulas} formulas ({scope}), {report.cells} cached values{errors}, "
            f"{report.charts} chart(s) updated in {report.seconds:.1f} s"
        )
    return 0
