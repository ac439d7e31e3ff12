"""``factorxl docs``: print factorxl's documentation, which is installed with it.

Without a topic it lists the pages; with a page's name it prints the page, and with a worksheet
function's name that function's entry (as its help link in Excel shows it on a factorxl server).

Exit codes (:class:`factorxl.exit_codes.ExitCode`): 0 printed; 2 a topic that is neither a page
nor a function (the line lists the pages).
"""

from __future__ import annotations

import argparse
import sys

from factorxl.errors import printable
from factorxl.exit_codes import ExitCode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "topic",
        nargs="?",
        metavar="PAGE_OR_FUNCTION",
        help="a page (functions_single_factor, data, excel_setup, readme, ...) or a worksheet function "
        "(FACTOR_BETA); default: the list of pages",
    )


def run(args: argparse.Namespace) -> int:
    """Print the list of pages, a page or a function's entry."""
    from factorxl import __version__, docs

    if hasattr(sys.stdout, "reconfigure"):  # a console or file in a legacy code page gets \u2192 for a character it lacks
        sys.stdout.reconfigure(errors="backslashreplace")
    if args.topic is None:
        print(f"factorxl {__version__} documentation. Pages:")
        for name in docs.page_names():
            print(f"  {name:<28} {docs.page(name).title}")
        print("factorxl docs PAGE prints a page; factorxl docs FUNCTION (for example FACTOR_BETA) one function's entry.")
        return ExitCode.DONE
    entry = docs.page(args.topic) or docs.function_entry(args.topic)
    if entry is None:
        pages = ", ".join(docs.page_names())
        line = f"factorxl docs: no page or worksheet function is named {args.topic!r}; the pages are {pages}; see factorxl docs"
        print(printable(line), file=sys.stderr)
        return ExitCode.USAGE
    print(entry.text, end="")
    if entry.title != docs.page(entry.page).title:
        print(f"\n(From the page {entry.page}: factorxl docs {entry.page})")
    return ExitCode.DONE
