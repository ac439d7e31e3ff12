"""The ``factorxl`` command line.

Each command lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``. Command modules import their heavy dependencies (XlsxWriter,
formulas, ...) inside ``run``, so parsing arguments stays fast.

No failure shows a traceback: every one is a single line on stderr, ``factorxl COMMAND:
what went wrong; what to do``, and an exit code of :class:`factorxl.exit_codes.ExitCode`.
That holds for Ctrl+C at any moment from the start of :func:`main` (importing a command's
modules included), and for a command whose optional dependencies are not installed.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import signal
import sys
import threading
from pathlib import Path
from types import FrameType, TracebackType
from typing import NoReturn

from factorxl import __version__
from factorxl.errors import FactorxlError, printable
from factorxl.exit_codes import SUMMARY, ExitCode

COMMANDS = {
    "build": ("factorxl.workbooks.build_command", "build the template workbooks and print their headline numbers"),
    "data": ("factorxl.data.data_command", "list, update or clear the datasets in factorxl's download cache"),
    "docs": ("factorxl.docs.docs_command", "print factorxl's documentation: a page, or a worksheet function's entry"),
    "refresh": ("factorxl.workbooks.refresh_command", "recalculate a workbook's formulas without Excel"),
    "share": ("factorxl.workbooks.share_command", "write a copy of a workbook with factorxl's formulas replaced by their values"),
    "server": ("factorxl.server.server_command", "make an xlwings Server project serving factorxl's functions, or start it"),
    "setup": ("factorxl.integration.setup_command", "set up xlwings in Excel on this machine (Windows)"),
    "vba": ("factorxl.integration.vba_command", "write the VBA modules that declare factorxl's functions"),
}

WORKBOOK_MODULES = frozenset({"xlsxwriter", "formulas", "openpyxl", "schedula", "threadpoolctl"})
"""The modules of the ``workbooks`` extra (pyproject.toml), which ``build``, ``refresh`` and ``share`` need."""

EPILOG = "Exit codes: " + "; ".join(f"{code.value} {SUMMARY[code]}" for code in ExitCode) + " (factorxl docs commands)."


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line with the way to get help."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: {message}; see {self.prog} --help\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="factorxl", description="Factor-model analytics for Excel.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"factorxl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name, (module, summary) in COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=EPILOG)
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def os_error_message(error: OSError) -> str:
    """One line for a file-system error: the path, the reason, and what to do."""
    path = error.filename or "a file"
    advice = {
        errno.EACCES: "check its permissions, or close the program (Excel) that has it open",
        errno.EPERM: "check its permissions, or close the program (Excel) that has it open",
        errno.ENOSPC: "free some disk space and run the command again",
        errno.EISDIR: "it is a folder; give a file",
        errno.ENOTDIR: "a part of the path is a file; give a folder",
        errno.EEXIST: "it is in the way; remove it or choose another name",
        errno.ENOENT: "check the path",
        errno.EROFS: "the disk is read-only; choose another folder",
    }.get(error.errno, "check the path and run the command again")
    return f"cannot use {path} ({error.strerror or error}); {advice}"


def internal_error_line(error: Exception) -> str:
    """What an unexpected error says: its kind and message, and how to report it."""
    return (
        f"internal error ({type(error).__name__}: {error}); please report it with the command you ran "
        f"and factorxl {__version__}"
    )


def add_out_option(parser: argparse.ArgumentParser, what: str, default: str | None, default_text: str) -> None:
    """The ``--out DIR`` option, the same kind of thing for every command: the folder ``what`` goes to."""
    parser.add_argument(
        "--out", metavar="DIR", default=default, help=f"folder for {what}, created if needed (default: {default_text})"
    )


def output_folder(out: str | Path) -> Path:
    """An ``--out`` folder, created if needed; every command's ``--out`` is a folder.

    Raises
    ------
    FactorxlError
        When the path, or a folder on it, is a file.
    """
    folder = Path(out)
    blocking = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise FactorxlError(f"--out {out}: {blocking} is a file, and --out takes a folder (created if needed)")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def missing_workbook_tools(error: Exception) -> str | None:
    """The message for a module of the ``workbooks`` extra that is not installed; None for any other error."""
    module = (getattr(error, "name", None) or "").partition(".")[0]
    if not isinstance(error, ModuleNotFoundError) or module not in WORKBOOK_MODULES:
        return None
    python = f'"{sys.executable}"' if " " in sys.executable else sys.executable
    return (
        f"this command needs factorxl's workbook tools, which this Python does not have (no module named {module!r}); "
        f'install factorxl[workbooks]: {python} -m pip install "factorxl[workbooks]"'
    )


def _say(prefix: str, message: str) -> None:
    print(printable(f"{prefix}: {message}"), file=sys.stderr)


class _CtrlC:
    """Ctrl+C while a command runs: remembered, and said once.

    A library may swallow the interrupt, or raise an error of its own in its place with no link to
    it: NumPy 1.26 does while it is imported, after printing the interrupt's traceback, and an
    interrupt raised in a callback is only printed while the command goes on. So once Ctrl+C is
    pressed it is how the command ends, whatever follows; the tracebacks of it that libraries print
    go nowhere, and :func:`main` says it in one line.
    """

    def __init__(self) -> None:
        self.pressed = False

    def _press(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def _report(self, kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            self._excepthook(kind, error, traceback)

    def _report_unraisable(self, unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            self._unraisablehook(unraisable)

    def __enter__(self) -> _CtrlC:
        self._excepthook, sys.excepthook = sys.excepthook, self._report
        self._unraisablehook, sys.unraisablehook = sys.unraisablehook, self._report_unraisable
        main_thread = threading.current_thread() is threading.main_thread()
        self._handler = signal.signal(signal.SIGINT, self._press) if main_thread else None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handler is not None:
            signal.signal(signal.SIGINT, self._handler)
        sys.excepthook, sys.unraisablehook = self._excepthook, self._unraisablehook


def main(argv: list[str] | None = None) -> int:
    """Run a command and return its exit code; every failure, Ctrl+C included, is one line on stderr."""
    prefix = "factorxl"
    try:
        with _CtrlC() as ctrl_c:
            parser = _parser()
            try:
                args, unknown = parser.parse_known_args(argv)
            except SystemExit as stop:  # --help, --version, or a usage error already printed in one line
                return int(stop.code or 0)
            prefix = f"factorxl {args.command}"
            if unknown:
                _say(prefix, f"unrecognized arguments: {' '.join(unknown)}; see {prefix} --help")
                return ExitCode.USAGE
            return _run(prefix, args, ctrl_c)
    except KeyboardInterrupt:
        _say(prefix, "stopped (Ctrl+C); nothing half-written was left behind")
        return ExitCode.INTERRUPTED


def _run(prefix: str, args: argparse.Namespace, ctrl_c: _CtrlC) -> int:
    """Run the parsed command; its failures as one line and an exit code (Ctrl+C is :func:`main`'s)."""
    try:
        code = int(importlib.import_module(args.module).run(args))
    except Exception as error:  # noqa: BLE001 - a bug gets one line too, never a traceback
        if not ctrl_c.pressed:
            return _failure(prefix, error)
    if ctrl_c.pressed:
        raise KeyboardInterrupt
    return code


def _failure(prefix: str, error: Exception) -> int:
    """Say what went wrong in one line; return the exit code."""
    if isinstance(error, FactorxlError):
        _say(prefix, str(error))
        return ExitCode.CANNOT
    if isinstance(error, OSError):
        _say(prefix, os_error_message(error))
        return ExitCode.CANNOT
    missing = missing_workbook_tools(error)
    if missing is not None:
        _say(prefix, missing)
        return ExitCode.CANNOT
    _say(prefix, internal_error_line(error))
    return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
