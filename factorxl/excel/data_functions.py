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
    from factorxl.data.sources import DataSource, DataUnavailable

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


def sheet_advice(error: DataUnavailable) -> str:
    """What to do about a data file that cannot be had, for someone in Excel (or refreshing a workbook).

    The data folder and vintage are environment variables read when Python starts, so the
    advice sets them and restarts Excel; it never mentions command-line options.
    """
    download = f" (download it from {error.url})" if error.url else ""
    restart = "then restart Excel (or rerun the refresh)"
    return {
        "missing": f"Put {error.name} in the folder that {DATA_DIR_VARIABLE} names (subfolders are searched){download}; {restart}.",
        "wrong_vintage": f"Set the environment variable {VINTAGE_VARIABLE} to a folder that has it ({', '.join(error.vintages)}); {restart}.",
        "ambiguous": f"Set the environment variable {VINTAGE_VARIABLE} to the folder of the copy to use ({', '.join(error.vintages)}); {restart}.",
        "no_address": f"Copy it into {error.cache_dir}, or set the environment variable {DATA_DIR_VARIABLE} to a folder that holds it; {restart}.",
        "download": f"Check the internet connection and recalculate, or download {error.name}{download} yourself, set the environment variable {DATA_DIR_VARIABLE} to its folder and {restart.removeprefix('then ')}.",
    }[error.kind]


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
    from factorxl.data.sources import DataUnavailable

    for name, value in (("model", model), ("frequency", frequency)):
        if is_missing(value):
            raise FactorxlError(f"{name} is required")
    choice = read_choice(model, "model", MODELS, "")
    period = read_choice(frequency, "frequency", FREQUENCIES, "")
    first, last = _optional_date(start_date, "start_date", "start"), _optional_date(end_date, "end_date", "end")
    if first is not None and last is not None and first > last:
        raise FactorxlError(f"start_date ({first:%Y-%m-%d}) is after end_date ({last:%Y-%m-%d})")
    try:
        table = load_factors(choice.upper(), period, first, last, source=data_source())
    except DataUnavailable as error:
        raise FactorxlError(error.with_advice(sheet_advice(error))) from None
    table = table[[*table.columns.drop("RF"), "RF"]]
    serials = (table.index - EXCEL_EPOCH).days.to_numpy(dtype=float)
    return [["date", *table.columns], *grid(np.column_stack([serials, table.to_numpy()]))]
