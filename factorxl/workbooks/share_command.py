"""``factorxl share BOOK [--out COPY]``: a copy of a workbook for colleagues without factorxl.

Exit codes: 0 the copy was written; 2 it was not (the workbook cannot be read, ``--out`` is
the workbook itself or in a folder that does not exist, or a factorxl formula has no stored
value); the message is printed by the command line.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to share (.xlsx or .xlsm); it is not changed")
    parser.add_argument("--out", metavar="COPY", help="where to write the copy (default: BOOK-shareable.xlsx beside BOOK)")
    parser.add_argument(
        "--original",
        metavar="TEXT",
        help="how the notes in the copy name the original, e.g. its address on a shared drive (default: its full path)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the shareable copy and say what became values."""
    from factorxl.workbooks.share import share_workbook

    report = share_workbook(args.book, args.out, original=args.original)
    if not report.sheets:
        print(f"{report.source.name} has no factorxl formulas; {report.destination} is a plain copy")
        return 0
    print(f"wrote {report.destination}: {report.formulas} factorxl formulas replaced by their values ({report.cells} cells)")
    for sheet, ranges in report.sheets.items():
        print(f"  {sheet}: {', '.join(ranges)}")
    return 0
