"""``factorxl setup``: set up classic xlwings on a Windows user's machine for factorxl.

It does what ``xlwings addin install`` and ``xlwings config create`` do, for factorxl:

1. checks that the xlwings add-in in Excel's XLSTART folder is the one shipped with the
   installed xlwings package (xlwings refuses to run when they differ) and that the
   Windows COM bridge (pywin32) is installed;
2. installs or updates the add-in by copying the package's ``xlwings.xlam`` into XLSTART;
3. writes the user configuration ``%USERPROFILE%\\.xlwings\\xlwings.conf`` (lines of
   ``"KEY","value"``, read by the add-in's VBA): the interpreter Excel starts
   (``INTERPRETER_WIN``, or ``CONDA PATH``/``CONDA ENV`` inside a conda environment, as
   xlwings does) and ``UDF MODULES`` with ``factorxl.udfs`` added to any modules already
   there; every other setting is kept;
4. prints what to click in Excel.

``--dry-run`` prints every file it would write and its content, and writes nothing.
``--home`` and ``--xlstart`` point at another profile's folders (on any system), which is
also how the command is tested. Without them, on macOS or Linux, it explains xlwings Lite.

``--interpreter`` names the Python Excel starts. Where this computer can run it, setup does
(:func:`check_interpreter`) and refuses a Python that is not there, cannot import factorxl's
functions or has another xlwings than the add-in it installs; a Windows path or command given
on macOS or Linux, for a Windows profile, is written as given.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from factorxl import __version__
from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode

UDF_MODULE = "factorxl.udfs"
ADDIN_NAME = "xlwings.xlam"
CONFIG_KEYS = ("INTERPRETER_WIN", "CONDA PATH", "CONDA ENV", "UDF MODULES")  # the keys setup manages
PROBE = f"import {UDF_MODULE}, xlwings; print(xlwings.__version__)"  # what Excel's Python must be able to do
PROBE_SECONDS = 120

LITE_GUIDANCE = f"""\
factorxl setup configures classic xlwings, which runs only on Windows (it drives Excel through COM).
On macOS, in Excel on the web, or on Windows without a local Python, use xlwings Lite instead:
  1. In Excel: Home > Add-ins, search for "xlwings Lite", click Add.
  2. factorxl is not on PyPI yet: in factorxl's folder, python -m pip install build, then
     python -m build --wheel; put dist/factorxl-{__version__}-py3-none-any.whl on an https://
     address that allows cross-origin requests (Access-Control-Allow-Origin), e.g. on GitHub.
  3. In the xlwings Lite pane, requirements.txt: add that address on a line of its own.
  4. In main.py, add the line  from factorxl.udfs import *
  5. Restart xlwings Lite (menu > Restart); type =FACTOR_BETA(B2:B100, C2:E100) into a cell.
FF_DATA and FF_FACTORS cannot download there: import the library's files in xlwings Lite instead.
The details: factorxl docs excel_setup
"""

NEXT_STEPS = """\
Next, in Excel (Windows):
  1. Quit and restart Excel: the xlwings tab appears (the add-in loads from XLSTART).
  2. File > Options > Trust Center > Trust Center Settings > Macro Settings:
     tick "Trust access to the VBA project object model" (Import Functions writes VBA).
  3. Open a macro-enabled workbook (.xlsm) that references xlwings: for a new one run
     `xlwings quickstart myproject`; for an existing one, Alt+F11 > Tools > References > tick xlwings.
  4. xlwings tab > Import Functions. The functions appear in the Function Wizard (Shift+F3)
     under the category factorxl; try =FACTOR_BETA(B2:B100, C2:E100).
  5. Save the workbook. Run `factorxl setup` again after upgrading xlwings.
"""


@dataclass(frozen=True)
class PlannedFile:
    """A file setup writes: where, whether it changes, and what (its text, or the file to copy)."""

    path: Path
    action: str  # "create", "update" or "unchanged"
    text: str | None = None
    copy_of: Path | None = None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``factorxl setup``."""
    parser.add_argument("--dry-run", action="store_true", help="print every file it would write, write nothing")
    parser.add_argument("--home", type=Path, help="the Windows user profile folder (default: %%USERPROFILE%%)")
    parser.add_argument(
        "--xlstart",
        type=Path,
        help="Excel's XLSTART folder (default: %%APPDATA%%\\Microsoft\\Excel\\XLSTART of the profile)",
    )
    parser.add_argument("--interpreter", help="Python that Excel starts (default: this Python)")


def bundled_addin() -> Path:
    """The ``xlwings.xlam`` shipped with the installed xlwings package."""
    import xlwings

    return Path(xlwings.__file__).parent / "addin" / ADDIN_NAME


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_config(text: str) -> dict[str, tuple[str, str]]:
    """xlwings.conf entries by upper-case key: ``{KEY: (key as written, value)}``."""
    entries = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip():
            entries[row[0].upper()] = (row[0], row[1])
    return entries


def config_text(existing: str, settings: dict[str, str]) -> str:
    """``existing`` xlwings.conf text with the keys of :data:`CONFIG_KEYS` replaced by ``settings``.

    Keys are case-insensitive, as the add-in reads them; other settings keep their order.
    """
    kept = [(key, value) for upper, (key, value) in read_config(existing).items() if upper not in CONFIG_KEYS]
    lines = []
    for key, value in [*kept, *settings.items()]:
        if '"' in key or '"' in value:
            raise FactorxlError(f'xlwings.conf cannot hold a double quote: "{key}","{value}"')
        lines.append(f'"{key}","{value}"\r\n')
    return "".join(lines)


def udf_modules(existing: str) -> str:
    """The ``UDF MODULES`` setting with factorxl's module added to those already configured."""
    current = read_config(existing).get("UDF MODULES", ("", ""))[1]
    modules = [module.strip() for module in current.split(";") if module.strip()]
    return ";".join(modules if UDF_MODULE in modules else [*modules, UDF_MODULE])


def interpreter_settings(interpreter: str) -> dict[str, str]:
    """Which Python Excel starts, as ``xlwings config create`` writes it (conda-aware)."""
    from xlwings.cli import get_conda_settings

    conda_path, conda_env = get_conda_settings()
    if conda_path and conda_env:
        return {"CONDA PATH": conda_path, "CONDA ENV": conda_env}
    return {"INTERPRETER_WIN": interpreter}


def check_interpreter(interpreter: str) -> str:
    """Check the Python that Excel is to start, where this computer can; returns the finding to print.

    Parameters
    ----------
    interpreter : str
        ``--interpreter``: a path, or a command that Windows finds on its PATH (``pythonw``).

    Returns
    -------
    str
        What was found: the Python and its xlwings version, or that a Windows path or command
        given on macOS or Linux (for a Windows profile, maybe another computer's) is not checked.

    Raises
    ------
    FactorxlError
        When the Python does not exist here, cannot be started, cannot import ``factorxl.udfs``
        and xlwings within :data:`PROBE_SECONDS`, or has another xlwings version than the add-in
        setup installs (Excel would report a version mismatch).
    """
    import xlwings

    if sys.platform != "win32" and (PureWindowsPath(interpreter).drive or "/" not in interpreter):
        return f"Python for Excel: {interpreter} (a Windows path or command: not checked on this computer)"
    example = r"C:\Users\me\factorxl-env\Scripts\python.exe"
    found = shutil.which(interpreter)
    if found is None:
        raise FactorxlError(
            f"--interpreter {interpreter}: no such program; give the python.exe of the environment where factorxl "
            f"is installed (for example {example})"
        )
    try:
        probe = subprocess.run(  # from its own folder: what it imports must not depend on this one
            [found, "-c", PROBE], cwd=Path(found).parent, capture_output=True, text=True, timeout=PROBE_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise FactorxlError(f"--interpreter {interpreter}: it cannot be run as Python ({error}); give a python.exe") from None
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        raise FactorxlError(
            f"--interpreter {interpreter}: it cannot import factorxl's functions ({last}); install factorxl into that "
            "environment, or give the Python of the environment where factorxl is installed"
        )
    version = probe.stdout.strip()
    if version != xlwings.__version__:
        raise FactorxlError(
            f"--interpreter {interpreter} has xlwings {version}, but setup installs the add-in of xlwings "
            f"{xlwings.__version__} (Excel would report an xlwings version mismatch); run the factorxl setup "
            "of that environment instead"
        )
    return f"Python for Excel: {interpreter} imports factorxl's functions, xlwings {version}"


def plan_setup(home: Path, xlstart: Path, interpreter: str) -> tuple[list[str], list[PlannedFile]]:
    """The checks' findings and the files to write for the profile at ``home``."""
    import xlwings

    source = bundled_addin()
    target = xlstart / ADDIN_NAME
    findings = [f"Python {sys.version.split()[0]} ({sys.executable}), xlwings {xlwings.__version__}"]
    if not target.exists():
        findings.append(f"xlwings add-in: not installed in {xlstart}")
        addin = PlannedFile(target, "create", copy_of=source)
    elif _digest(target) != _digest(source):
        findings.append(
            f"xlwings add-in: {target} is not the add-in of xlwings {xlwings.__version__} "
            "(Excel would report an xlwings version mismatch); updating it"
        )
        addin = PlannedFile(target, "update", copy_of=source)
    else:
        findings.append(f"xlwings add-in: {target} matches xlwings {xlwings.__version__}")
        addin = PlannedFile(target, "unchanged", copy_of=source)

    config_path = home / ".xlwings" / "xlwings.conf"
    existing = ""
    if config_path.exists():
        with open(config_path, newline="", errors="surrogateescape") as file:
            existing = file.read()
    text = config_text(existing, {**interpreter_settings(interpreter), "UDF MODULES": udf_modules(existing)})
    action = "unchanged" if text == existing else ("update" if config_path.exists() else "create")
    return findings, [addin, PlannedFile(config_path, action, text=text)]


def _describe(planned: PlannedFile) -> str:
    if planned.copy_of is not None:
        size = planned.copy_of.stat().st_size
        content = f"copy of {planned.copy_of} ({size} bytes, sha256 {_digest(planned.copy_of)[:16]}...)"
    else:
        content = planned.text.replace("\r\n", "\n").rstrip("\n")
    return f"--- {planned.path} ({planned.action})\n{content}"


def _write(planned: PlannedFile) -> None:
    planned.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if planned.copy_of is not None:
            shutil.copyfile(planned.copy_of, planned.path)
        else:
            # the platform's default encoding, as xlwings writes the file and its VBA reads it
            with open(planned.path, "w", newline="", errors="surrogateescape") as file:
                file.write(planned.text)
    except PermissionError as error:
        raise FactorxlError(f"cannot write {planned.path} ({error.strerror}): quit Excel and run setup again") from None


def _profile(args: argparse.Namespace) -> tuple[Path, Path]:
    home = args.home or Path(os.environ.get("USERPROFILE") or Path.home())
    if args.xlstart:
        return home, args.xlstart
    roaming = Path(os.environ["APPDATA"]) if args.home is None and "APPDATA" in os.environ else home / "AppData" / "Roaming"
    return home, roaming / "Microsoft" / "Excel" / "XLSTART"


def run(args: argparse.Namespace) -> int:
    """Check, install or update the add-in, write the configuration, print the next steps."""
    if sys.platform != "win32" and args.home is None and args.xlstart is None:
        print(LITE_GUIDANCE, end="")
        return ExitCode.NOT_HERE
    if sys.platform == "win32" and importlib.util.find_spec("win32com") is None:
        raise FactorxlError("pywin32 is missing: run `python -m pip install pywin32`, then setup again")
    home, xlstart = _profile(args)
    checked = [check_interpreter(args.interpreter)] if args.interpreter else []
    findings, files = plan_setup(home, xlstart, args.interpreter or sys.executable)
    print("\n".join([*findings, *checked]))
    changes = [planned for planned in files if planned.action != "unchanged"]
    if args.dry_run:
        print(f"\nDry run: would write {len(changes)} file(s), wrote nothing.")
        for planned in files:
            print(_describe(planned))
        return ExitCode.DONE
    for planned in changes:
        _write(planned)
        print(f"{'Created' if planned.action == 'create' else 'Updated'} {planned.path}")
    if not changes:
        print("Nothing to change: the add-in and the configuration are up to date.")
    print()
    print(NEXT_STEPS, end="")
    return ExitCode.DONE
