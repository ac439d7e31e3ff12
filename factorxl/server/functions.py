"""Every factorxl worksheet function as an xlwings Server custom function.

An xlwings Server project serves them with one line in its ``custom_functions`` package
(``factorxl server init`` writes it)::

    from factorxl.server.functions import *

Each function is made here from its declaration (:data:`factorxl.excel.declare.FUNCTIONS`), so
a newly declared function is served without new code. Compared with registering
:mod:`factorxl.udfs` itself, a served function:

* takes its arguments unconverted (xlwings' ``raw`` converter) and reads them with
  :mod:`factorxl.server.office_js`: xlwings' own conversion looks at every cell in Python,
  and on CPython each look costs a failed ``import pyodide`` (tens of microseconds a cell);
* runs in a thread (an ``async def`` worksheet function is awaited instead), so a long call
  leaves the server's event loop free for the other cells;
* raises a failure as ``xlwings.XlwingsError``, which xlwings Server answers with HTTP 400 and
  the message: Excel shows ``#VALUE!`` with factorxl's message, and the add-in does not retry
  the call (it retries HTTP 5xx, three times).

Loading them makes the data functions' advice (a Kenneth French file the server cannot have)
the server's (:func:`factorxl.server.project.server_advice`): the Excel user asks the server's
administrator, told what to do on the server, instead of setting variables and restarting Excel.

Importing this module needs xlwings' licence key (``XLWINGS_LICENSE_KEY``), as xlwings Server does.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlwings import XlwingsError
from xlwings.server import arg, func, ret

import factorxl.udfs  # noqa: F401 - declares every worksheet function into FUNCTIONS
from factorxl.errors import FactorxlError
from factorxl.excel.data_functions import advise_cells_with
from factorxl.excel.declare import FUNCTIONS, WorksheetFunction
from factorxl.server import office_js
from factorxl.server.project import server_advice


def _message(error: Exception) -> str:
    """The text Excel shows beside ``#VALUE!``: factorxl's message, or the error's type and text."""
    return str(error) if isinstance(error, FactorxlError) else f"{type(error).__name__}: {error}"


def _computed(function: Callable[..., Any], args: tuple[Any, ...]) -> list[list[Any]]:
    return office_js.result(function(*map(office_js.argument, args)))


def served(declared: WorksheetFunction) -> Callable[..., Any]:
    """``declared`` as an xlwings Server custom function: same name, arguments and help."""
    function = declared.function

    async def call(*args: Any) -> list[list[Any]]:
        try:
            if inspect.iscoroutinefunction(function):
                return office_js.result(await function(*map(office_js.argument, args)))
            return await asyncio.to_thread(_computed, function, args)
        except Exception as error:  # noqa: BLE001 - every failure is the cell's, shown with its message
            raise XlwingsError(_message(error)) from None

    call.__name__ = call.__qualname__ = declared.name
    call.__doc__ = declared.description
    call.__signature__ = inspect.signature(function)
    for name, text in declared.arguments.items():
        call = arg(name, convert="raw", doc=text)(call)
    return func(ret(convert="raw")(call))


def use_data_folder(folder: str | Path, *, offline: bool = False, vintage: str | None = None) -> None:
    """Where the data functions (``FF_DATA``, ``FF_FACTORS``) find the Kenneth French files.

    Parameters
    ----------
    folder
        The download cache (files are downloaded into it when first asked for), or with
        ``offline`` a folder that holds the files (searched with its subfolders; nothing is
        downloaded). The server's user must be able to write a cache folder.
    offline
        Whether ``folder`` holds the files (nothing is downloaded).
    vintage
        With ``offline``: the subfolder (``v202510``) whose copy of a file to read when the
        folder holds several.
    """
    from factorxl.data import DataSource
    from factorxl.excel.data_functions import set_data_source

    set_data_source(DataSource(local_dir=Path(folder), vintage=vintage) if offline else DataSource(cache_dir=Path(folder)))


for _name, _declared in FUNCTIONS.items():
    globals()[_name] = served(_declared)
advise_cells_with(server_advice)  # the functions run on this server: a cell's advice is for its users

__all__ = sorted(FUNCTIONS)
