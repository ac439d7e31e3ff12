"""Worksheet functions that return data: tables of the Kenneth French data library from factorxl's loaders.

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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from factorxl.errors import FactorxlError
from factorxl.excel.declare import worksheet_function
from factorxl.excel.inputs import EXCEL_EPOCH, is_missing, read_bool, read_choice, read_date
from factorxl.excel.outputs import grid

if TYPE_CHECKING:
    import pandas as pd

    from factorxl.data.sources import DataSource

__all__ = ["FF_DATA", "FF_FACTORS"]

DATA_DIR_VARIABLE = "FACTORXL_DATA_DIR"
VINTAGE_VARIABLE = "FACTORXL_DATA_VINTAGE"
MODELS = ("capm", "ff3", "ff5", "ff6")
FREQUENCIES = ("daily", "monthly")
TABLE_FREQUENCIES = ("daily", "monthly", "annual")

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


@contextmanager
def data_source_set_to(source: DataSource | None) -> Iterator[None]:
    """Within the block, the data worksheet functions read through ``source`` (when given)."""
    global _configured
    previous = _configured
    if source is not None:
        _configured = source
    try:
        yield
    finally:
        _configured = previous


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


def _optional_date(value, name: str):
    return None if is_missing(value) else read_date(value, name)


def _dated_rows(table: pd.DataFrame) -> list[list]:
    """A header row (``date``, the columns) and one row per date as an Excel date number."""
    serials = (table.index - EXCEL_EPOCH).days.to_numpy(dtype=float)
    return [["date", *table.columns], *grid(np.column_stack([serials, table.to_numpy()]))]


def _described(text: str, rows: list[list]) -> list[list]:
    """``rows`` under a first row holding ``text`` in its first cell."""
    return [[text, *[""] * (len(rows[0]) - 1)], *rows]


@worksheet_function(
    dataset="The library's name of the dataset, as in its address: 25_Portfolios_5x5, 10_Industry_Portfolios, F-F_Research_Data_Factors_daily, Developed_3_Factors...",
    table='Optional. A title (or a part only one title has), a number (1 = first) or "vw", "ew" (value-/equal-weighted returns), "firms" (number of firms), "size" (average size). Omit for the first table.',
    frequency='Optional. "monthly", "annual" or "daily" rows. Omit for the table\'s own frequency.',
    start_date="Optional. First date to include: a date cell, an Excel date number or text like 2020-01-31. Omit for the first available.",
    end_date="Optional. Last date to include (its whole month or year counts for monthly or annual rows). Omit for the latest available.",
)
def FF_DATA(dataset, table=None, frequency=None, start_date=None, end_date=None):
    """A Kenneth French library table: a row naming dataset, table, unit and vintage; a header row; one row per period (date as an Excel date number). Returns become decimals; counts, sizes and ratios are as published."""
    from factorxl.data.french import load_table

    if is_missing(dataset) or isinstance(dataset, (list, tuple)):
        raise FactorxlError("dataset is required: a Kenneth French library name such as 25_Portfolios_5x5")
    period = None if is_missing(frequency) else read_choice(frequency, "frequency", TABLE_FREQUENCIES, "")
    chosen = None if is_missing(table) else table
    first, last = _optional_date(start_date, "start_date"), _optional_date(end_date, "end_date")
    file, found, rows = load_table(str(dataset), chosen, period, first, last, source=data_source())
    note = f"{file.name.removesuffix('_CSV.zip')}: {found.label}; {found.unit}; {file.vintage}"
    return _described(note, _dated_rows(rows))


@worksheet_function(
    model='Factor model: "CAPM" (Mkt-RF, RF), "FF3" (+SMB, HML), "FF5" (+RMW, CMA) or "FF6" (FF5 + Mom). Case-insensitive.',
    frequency='"daily" (trading dates) or "monthly" (dated at month ends).',
    start_date="Optional. First date to include: a date cell, an Excel date number or text like 2020-01-31. Omit for the first available.",
    end_date="Optional. Last date to include (for monthly data its whole month counts). Omit for the latest available.",
    describe="Optional. TRUE adds a first row naming the files, the unit and their vintage line; default FALSE.",
)
def FF_FACTORS(model, frequency, start_date=None, end_date=None, describe=None):
    """Kenneth French factor returns as decimals: a header row (date, factors, RF last), one row per period (Excel date numbers). Read as FF_DATA reads them, from the download cache ("factorxl data list" shows where) or the set data folder."""
    from factorxl.data import french

    for name, value in (("model", model), ("frequency", frequency)):
        if is_missing(value):
            raise FactorxlError(f"{name} is required")
    choice = read_choice(model, "model", MODELS, "")
    period = read_choice(frequency, "frequency", FREQUENCIES, "")
    first, last = _optional_date(start_date, "start_date"), _optional_date(end_date, "end_date")
    show = read_bool(describe, "describe", False)
    source = data_source()
    table = french.load_factors(choice.upper(), period, first, last, source=source)
    rows = _dated_rows(table[[*table.columns.drop("RF"), "RF"]])
    if not show:
        return rows
    files = [french.load_file(dataset, period, source=source) for dataset, _ in french.MODELS[choice.upper()]]
    names = " + ".join(f.name.removesuffix("_CSV.zip") for f in files)
    vintages = "; ".join(dict.fromkeys(f.vintage for f in files))
    return _described(f"{names}: {choice.upper()} factors; decimals (the files' percent / 100); {vintages}", rows)
