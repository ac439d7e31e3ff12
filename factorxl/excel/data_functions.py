"""Worksheet functions that return data: Fama-French factor tables from factorxl's loaders.

Where the files come from is set once per Python session (see :func:`data_source`):

1. :func:`set_data_source` (the command line's ``--data DIR`` calls it);
2. otherwise ``$FACTORXL_DATA_DIR`` (an offline folder, as ``--data DIR``), with
   ``$FACTORXL_DATA_VINTAGE`` choosing among several copies of a French file;
3. otherwise the per-user download cache (:class:`factorxl.data.DataSource`).

The loaders (pandas, network) are imported inside the functions, so importing
:mod:`factorxl.udfs` stays light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from factorxl.errors import FactorxlError
from factorxl.excel.declare import worksheet_function
from factorxl.excel.inputs import EXCEL_EPOCH, is_missing, read_choice, read_date
from factorxl.excel.outputs import grid

if TYPE_CHECKING:
    from factorxl.data.sources import DataSource

__all__ = ["FF_FACTORS"]

DATA_DIR_VARIABLE = "FACTORXL_DATA_DIR"
VINTAGE_VARIABLE = "FACTORXL_DATA_VINTAGE"
MODELS = ("capm", "ff3", "ff5", "ff6")
FREQUENCIES = ("daily", "monthly")

_configured: DataSource | None = None


def set_data_source(source: DataSource | None) -> None:
    """Make every data worksheet function read through ``source``.

    Parameters
    ----------
    source : DataSource or None
        The source to use from now on in this Python session; None goes back to
        ``$FACTORXL_DATA_DIR`` or the download cache.
    """
    global _configured
    _configured = source


def data_source() -> DataSource:
    """The source the data worksheet functions use.

    Returns
    -------
    DataSource
        The one set with :func:`set_data_source`; else an offline source on
        ``$FACTORXL_DATA_DIR`` (vintage ``$FACTORXL_DATA_VINTAGE``); else the download cache.
    """
    from factorxl.data.sources import DataSource

    if _configured is not None:
        return _configured
    folder = os.environ.get(DATA_DIR_VARIABLE)
    if folder:
        return DataSource(local_dir=folder, vintage=os.environ.get(VINTAGE_VARIABLE) or None)
    return DataSource()


def _optional_date(value, name: str, year: str):
    """A date argument that may be omitted; a typed year means its first (``year="start"``) or last day."""
    return None if is_missing(value) else read_date(value, name, year=year)


@worksheet_function(
    model='Factor model: "CAPM", "FF3", "FF5" or "FF6" (FF5 plus momentum).',
    frequency='"daily" or "monthly" (dated at the month end).',
    start_date="Optional. First date: a date cell, text like 2020-01-31 or a year like 2020 (its first day). Omit for the first available.",
    end_date="Optional. Last date: a date cell, text like 2020-12-31 or a year like 2020 (its last day). Omit for the latest available.",
)
def FF_FACTORS(model, frequency, start_date=None, end_date=None):
    """Kenneth French factor returns as decimals: a header row, then a date and the factors for each period."""
    from factorxl.data.french import load_factors

    for name, value in (("model", model), ("frequency", frequency)):
        if is_missing(value):
            raise FactorxlError(f"{name} is required")
    choice = read_choice(model, "model", MODELS, "")
    period = read_choice(frequency, "frequency", FREQUENCIES, "")
    first, last = _optional_date(start_date, "start_date", "start"), _optional_date(end_date, "end_date", "end")
    table = load_factors(choice.upper(), period, first, last, source=data_source())
    table = table[[*table.columns.drop("RF"), "RF"]]
    serials = (table.index - EXCEL_EPOCH).days.to_numpy(dtype=float)
    return [["date", *table.columns], *grid(np.column_stack([serials, table.to_numpy()]))]
