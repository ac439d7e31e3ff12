"""The ``factorxl`` command line.

Each command lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``. Command modules import their heavy dependencies (XlsxWriter,
formulas, ...) inside ``run``, so parsing arguments stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from factorxl import __version__
from factorxl.errors import FactorxlError

COMMANDS = {
    "build": ("factorxl.workbooks.build_command", "build the template workbooks and print their headline numbers"),
    "data": ("factorxl.data.data_command", "list, update or clear the datasets in factorxl's download cache"),
    "refresh": ("factorxl.workbooks.refresh_command", "recalculate a workbook's formulas without Excel"),
    "share": ("factorxl.workbooks.share_command", "write a copy of a workbook with factorxl's formulas replaced by their values"),
    "setup": ("factorxl.integration.setup_command", "set up xlwings in Excel on this machine (Windows)"),
    "vba": ("factorxl.integration.vba_command", "write the VBA module that declares factorxl's functions"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="factorxl", description="Factor-model analytics for Excel.")
    parser.add_argument("--version", action="version", version=f"factorxl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".")
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; errors a user can act on are printed without a traceback (exit code 2)."""
    args = _parser().parse_args(argv)
    try:
        return importlib.import_module(args.module).run(args)
    except FactorxlError as error:
        print(f"factorxl {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
