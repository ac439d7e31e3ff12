"""Stand-ins for Windows so that xlwings' own COM layer (``xlwings._xlwindows``) and its COM
server (``xlwings.com_server``) load on Linux, and stand-ins for the COM objects Excel hands
to Python: a ``Range`` with ``.Value`` as Excel reports it (a scalar for one cell, a tuple of
row tuples otherwise, ``None`` for empty cells, error codes as negative integers).

Used with :func:`factorxl.integration.classic_xlwings.classic_xlwings`, which restores
``sys.modules`` when its block ends.
"""

from __future__ import annotations

import ctypes
import datetime
from types import ModuleType, SimpleNamespace

from factorxl.integration.classic_xlwings import com_stand_ins

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel's Range interface, as xlwings tests it
DISPATCH_IID = "{00020400-0000-0000-C000-000000000046}"  # IDispatch
MISSING_ARGUMENT = -2147352572  # DISP_E_PARAMNOTFOUND: what COM passes for an omitted optional argument
CELL_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#VALUE!": -2146826273}


class _ComTime(datetime.datetime):
    """``pywintypes.TimeType`` (a datetime subclass in pywin32)."""


class _Anything:
    """A Windows DLL or API object: any attribute, any call, returns another one."""

    def __getattr__(self, name: str) -> _Anything:
        return _Anything()

    def __call__(self, *args: object, **kwargs: object) -> _Anything:
        return _Anything()


class _Ctypes(ModuleType):
    """``ctypes`` with the Windows-only ``windll``/``oledll`` and a ``PyDLL`` that loads nothing."""

    windll = oledll = _Anything()

    @staticmethod
    def PyDLL(*args: object, **kwargs: object) -> _Anything:  # noqa: N802
        return _Anything()

    def __getattr__(self, name: str) -> object:
        return getattr(ctypes, name)


def _module(name: str, **attributes: object) -> ModuleType:
    module = ModuleType(name)
    module.__dict__.update(attributes)
    return module


def windows_stand_ins() -> dict[str, ModuleType]:
    """Stand-ins for every pywin32 module ``_xlwindows`` and ``com_server`` import, and ``ctypes``."""
    modules = com_stand_ins()
    modules["pythoncom"].__dict__.update(
        __file__="pythoncom311.dll", IID_IDispatch=DISPATCH_IID, TypeIIDs={DISPATCH_IID: type("PyIDispatch", (), {})}
    )
    modules["pywintypes"].__dict__.update(TimeType=_ComTime, IID=str)
    for name in ("CDispatch", "CoClassBaseClass", "DispatchBaseClass"):
        setattr(modules["win32com.client"], name, type(name, (), {}))
    modules["win32com.client"].DispatchEx = _Anything()
    server = _module("win32com.server")
    modules["win32com"].server = server
    for child in ("dispatcher", "policy", "util"):
        modules[f"win32com.server.{child}"] = _module(f"win32com.server.{child}")
        setattr(server, child, modules[f"win32com.server.{child}"])
    process = _module("win32process", GetWindowThreadProcessId=lambda hwnd: (1, 4242))
    return {
        **modules,
        "win32com.server": server,
        "win32api": _module("win32api"),
        "win32con": _module("win32con"),
        "win32event": _module("win32event"),
        "win32gui": _module("win32gui"),
        "win32process": process,
        "win32timezone": _module("win32timezone"),
        "ctypes": _Ctypes("ctypes"),
    }


class ComRange:
    """Excel's ``Range`` COM object, as xlwings' classic UDF path reads an argument.

    Parameters
    ----------
    value
        ``Range.Value`` as Excel reports it.
    """

    def __init__(self, value: object) -> None:
        self.Value = value
        rows = value if isinstance(value, tuple) else ((value,),)
        type_attr = SimpleNamespace(iid=RANGE_IID)
        self._oleobj_ = SimpleNamespace(
            GetTypeInfo=lambda: SimpleNamespace(GetTypeAttr=lambda: type_attr)
        )
        application = SimpleNamespace(Hwnd=1)
        self.Worksheet = SimpleNamespace(Parent=SimpleNamespace(Application=application), Name="Sheet1")
        self.Row = self.Column = 1
        self.Rows = SimpleNamespace(Count=len(rows))
        self.Columns = SimpleNamespace(Count=len(rows[0]))
        self.Count = len(rows) * len(rows[0])  # cells in the range, as Excel's Range.Count


def com_value(grid: list[list[object]]) -> object:
    """``Range.Value`` for a block of cells given as rows: a tuple of tuples, a scalar for one cell."""
    if len(grid) == 1 and len(grid[0]) == 1:
        return grid[0][0]
    return tuple(tuple(row) for row in grid)
