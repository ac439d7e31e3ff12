"""``factorxl share BOOK [--out DIR] [--original TEXT]``: a copy of a workbook for colleagues without factorxl.

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 the copy was written; 2 ``--original``
is not plain text (a control character, empty, too long); 3 it was not written (the workbook
cannot be read, ``--out`` is a file or the copy would replace the workbook, or a factorxl
formula's stored value may not be a calculated one: none stored, or the workbook asks for a
full recalculation on open); the one-line message is printed by the command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from factorxl.cli import add_out_option
from factorxl.exit_codes import ExitCode


def _original(text: str) -> str:
    from factorxl.workbooks.share import check_original

    try:
        return check_original(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("book", metavar="BOOK", help="the workbook to share (.xlsx or .xlsm); it is not changed")
    add_out_option(parser, "the copy BOOK-shareable.xlsx", None, "BOOK's folder")
    parser.add_argument(
        "--original",
        metavar="TEXT",
        type=_original,
        help="how the notes in the copy name the original, e.g. its address on a shared drive (default: its file name)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the shareable copy and say what became values, what is locked and what stays live."""
    from factorxl.cli import output_folder
    from factorxl.workbooks.share import share_workbook, shareable_path
    from factorxl.workbooks.share_notes import listed

    out = None if args.out is None else output_folder(args.out) / shareable_path(Path(args.book)).name
    report = share_workbook(args.book, out, original=args.original)
    if not report.sheets:
        print(f"{report.source.name} has no factorxl formulas; {report.destination} is a plain copy")
        return ExitCode.DONE
    print(f"wrote {report.destination}: {report.formulas} factorxl formulas replaced by their values ({report.cells} cells)")
    protected = len(report.protected)
    sections = (
        ("fixed values", report.sheets),
        (f"locked, as fixed values were computed from them ({protected} sheet{'s' * (protected != 1)} protected, no password)", report.locked),
        ("live inputs", report.live),
    )
    for title, ranges in sections:
        print(f"{title}:" if ranges else f"{title}: none")
        for sheet, found in ranges.items():
            print(f"  {sheet}: {listed(found)}")
    return ExitCode.DONE
