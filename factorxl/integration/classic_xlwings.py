"""Run classic xlwings' "Import Functions" (Windows, COM) on any operating system.

Classic xlwings registers worksheet functions in two steps, both in ``xlwings/udfs.py``:
``xw.func``/``xw.arg`` record each function's arguments and help in ``__xlfunc__`` when
the module is imported, and ``import_udfs`` writes the ``xlwings_udfs`` VBA module
(one wrapper per function) into the workbook and calls ``Application.MacroOptions``
with the Function-Wizard description, category and argument help. That file imports
pywin32 at the top, and on other systems ``xw.func`` does nothing.

:func:`classic_xlwings` loads xlwings' own ``udfs.py`` with stand-ins for the pywin32
modules it imports (names only: nothing here talks to COM), switches ``xw.func``/``xw.arg``
to the classic decorators as ``xlwings/__init__.py`` does on Windows, and imports the
function modules afresh so they are declared exactly as on Windows. Everything is
restored when the block ends: the stand-ins never leak into ``sys.modules``.
:func:`import_functions` then runs ``import_udfs`` against :class:`StandInWorkbook`,
which records the VBA module xlwings imports and the ``MacroOptions`` calls it makes.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import xlwings

FACTORXL_UDFS = "factorxl.udfs"
# Modules that call xw.func/xw.arg when imported: imported afresh under the classic decorators.
DECLARING_MODULES = ("factorxl.udfs", "factorxl.excel")
# xlwings' Windows-only modules, dropped again when the block ends.
XLWINGS_WINDOWS_MODULES = ("xlwings.udfs", "xlwings._xlwindows", "xlwings._win32patch", "xlwings.com_server")
UDF_MODULE_NAME = "xlwings_udfs"  # the VBA module "Import Functions" creates


class ComError(Exception):
    """Stand-in for ``pywintypes.com_error``."""


def _module(name: str, **attributes: object) -> ModuleType:
    module = ModuleType(name, "Stand-in for a pywin32 module (no COM).")
    module.__dict__.update(attributes)
    return module


def _dispatch(obj: object, *args: object, **kwargs: object) -> object:
    """``win32com.client.Dispatch`` on an object that is already a dispatch: the object."""
    if isinstance(obj, str):
        raise ComError(f"no COM on this machine: cannot create {obj!r}")
    return obj


def com_stand_ins() -> dict[str, ModuleType]:
    """Stand-ins for the pywin32 modules ``xlwings/udfs.py`` imports (names, no behavior)."""
    win32com = _module("win32com")
    client = _module("win32com.client", Dispatch=_dispatch)
    win32com.client = client
    return {
        "pythoncom": _module("pythoncom", CoInitialize=lambda: None),
        "pywintypes": _module("pywintypes", com_error=ComError),
        "win32com": win32com,
        "win32com.client": client,
    }


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _rebind_parent(name: str, module: ModuleType | None) -> None:
    """Point ``parent.child`` at ``module`` (or remove it), as the import system does."""
    parent_name, _, child = name.rpartition(".")
    parent = sys.modules.get(parent_name)
    if parent is None:
        return
    if module is None:
        parent.__dict__.pop(child, None)
    else:
        setattr(parent, child, module)


@contextlib.contextmanager
def classic_xlwings(stand_ins: Mapping[str, ModuleType] | None = None) -> Iterator[ModuleType]:
    """Load classic xlwings' UDF machinery; yields xlwings' own ``udfs`` module.

    Parameters
    ----------
    stand_ins
        More stand-in modules (for example for ``xlwings._xlwindows``' imports), added to
        and overriding :func:`com_stand_ins`.

    Inside the block, modules under :data:`DECLARING_MODULES` import afresh with xlwings'
    classic decorators. On exit ``sys.modules``, the parent packages' attributes and
    ``xlwings.func``/``arg``/``ret``/``sub``/``script`` are as before.
    """
    replaced = {**com_stand_ins(), **(stand_ins or {})}
    scoped = tuple(replaced) + XLWINGS_WINDOWS_MODULES + DECLARING_MODULES
    saved = {name: module for name, module in sys.modules.items() if _matches(name, scoped)}
    decorators = {name: getattr(xlwings, name) for name in ("func", "arg", "ret", "sub", "script")}
    for name in saved:
        del sys.modules[name]
    sys.modules.update(replaced)
    try:
        udfs = importlib.import_module("xlwings.udfs")
        xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        xlwings.sub = xlwings.script = udfs.xlsub
        yield udfs
    finally:
        for name, decorator in decorators.items():
            setattr(xlwings, name, decorator)
        for name in [name for name in sys.modules if _matches(name, scoped)]:
            del sys.modules[name]
            if name not in saved:
                _rebind_parent(name, None)
        sys.modules.update(saved)
        for name, module in saved.items():
            _rebind_parent(name, module)


@dataclass(frozen=True)
class MacroOptions:
    """One ``Application.MacroOptions`` call: a function's Function-Wizard entry."""

    macro: str
    description: str
    category: str | int
    argument_descriptions: tuple[str, ...]


@dataclass(frozen=True)
class ClassicImport:
    """What "Import Functions" does to a workbook: the VBA module and the Wizard entries."""

    vba_module: str
    macro_options: tuple[MacroOptions, ...]


class _VBComponents:
    """``Workbook.VBProject.VBComponents``: keeps the text of imported modules."""

    def __init__(self) -> None:
        self.modules: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self.modules:
            raise ComError(f"no VBA component {name!r}")
        return name

    def Remove(self, name: str) -> None:  # noqa: N802 (COM method name)
        del self.modules[name]

    def Import(self, path: str) -> None:  # noqa: N802
        # xlwings writes the file with the platform's default encoding; read it the same way
        text = Path(path).read_text()
        first_line = text.splitlines()[0]
        self.modules[first_line.split('"')[1]] = text


class _Application:
    """``Workbook.Application``: its version and the ``MacroOptions`` calls made on it."""

    def __init__(self, version: str) -> None:
        self.Version = version
        self.calls: list[MacroOptions] = []

    def MacroOptions(self, Macro, Description=None, Category=None, ArgumentDescriptions=None, **_ignored):  # noqa: N802,N803
        self.calls.append(MacroOptions(Macro, Description, Category, tuple(ArgumentDescriptions or ())))


class StandInWorkbook:
    """The parts of Excel's ``Workbook`` COM object that xlwings' ``import_udfs`` uses.

    Parameters
    ----------
    name
        The workbook's file name; xlwings' wrappers refer to ``ActiveWorkbook`` in an
        add-in (``.xlam``) and to ``ThisWorkbook`` otherwise.

    Its Excel is version 16 (from 14 on, xlwings also registers the argument help).
    """

    def __init__(self, name: str) -> None:
        self.Name = name
        self.Worksheets: list[object] = []
        self.Application = _Application("16.0")
        self.VBProject = type("VBProject", (), {})()
        self.VBProject.VBComponents = _VBComponents()

    def imported(self) -> ClassicImport:
        """The ``xlwings_udfs`` module and the Wizard entries after ``import_udfs``."""
        return ClassicImport(self.VBProject.VBComponents.modules[UDF_MODULE_NAME], tuple(self.Application.calls))


def import_functions(workbook_name: str = "factorxl.xlsm") -> ClassicImport:
    """Run classic xlwings' "Import Functions" for ``factorxl.udfs`` into a stand-in workbook.

    Parameters
    ----------
    workbook_name
        Name of the workbook the module is for (``.xlam`` for an add-in).

    Returns
    -------
    ClassicImport
        The VBA module text (``\\n`` line ends) and the ``MacroOptions`` calls.
    """
    workbook = StandInWorkbook(workbook_name)
    with classic_xlwings() as udfs, contextlib.redirect_stdout(io.StringIO()):
        # xlwings looks for code embedded in the workbook's sheets (an xlwings PRO feature,
        # also when a PRO licence key is merely configured), which needs Excel's own objects;
        # factorxl embeds none. Loading the module once without the workbook skips the scan
        # on first load, and the PRO flag of this block's own copy of xlwings.udfs the rest.
        udfs.get_udf_module(FACTORXL_UDFS, None)
        udfs.__pro__ = False
        udfs.import_udfs(FACTORXL_UDFS, workbook)
    return workbook.imported()
