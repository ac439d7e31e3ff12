"""``factorxl share BOOK [--out DIR]``: a copy of a workbook for colleagues without factorxl.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 the copy was written; 3 it was not (the
workbook cannot be read, ``--out`` is a file or the copy would replace the workbook, or a
factorxl formula has no stored value); the one-line message is printed by the command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from factorxl.cli import add_out_option
from factorxl.exit_codes import ExitCode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to share (.xlsx or .xlsm); it is not changed")
    add_out_option(parser, "the copy BOOK-shareable.xlsx", None, "BOOK's folder")
    parser.add_argument(
        "--original",
        metavar="TEXT",
        help="how the notes in the copy name the original, e.g. its address on a shared drive (default: its full path)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the shareable copy and say what became values."""
    from factorxl.cli import output_folder
    from factorxl.workbooks.share import share_workbook, shareable_path

    out = None if args.out is None else output_folder(args.out) / shareable_path(Path(args.book)).name
    report = share_workbook(args.book, out, original=args.original)
    if not report.sheets:
        print(f"{report.source.name} has no factorxl formulas; {report.destination} is a plain copy")
        return ExitCode.DONE
    print(f"wrote {report.destination}: {report.formulas} factorxl formulas replaced by their values ({report.cells} cells)")
    for sheet, ranges in report.sheets.items():
        print(f"  {sheet}: {', '.join(ranges)}")
    return ExitCode.DONE
