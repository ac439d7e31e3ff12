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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from factorxl.errors import FactorxlError
from factorxl.excel.declare import worksheet_function
from factorxl.excel.inputs import EXCEL_EPOCH, is_missing, read_bool, read_choice, read_date
from factorxl.excel.outputs import grid

if TYPE_CHECKING:
    import pandas as pd

    from factorxl.data.sources import DataSource, DataUnavailable

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


def sheet_advice(error: DataUnavailable) -> str:
    """What to do about a data file that cannot be had, for someone in Excel on their own computer
    (or refreshing a workbook).

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


_cell_advice: Callable[[DataUnavailable], str] = sheet_advice


def advise_cells_with(advice: Callable[[DataUnavailable], str]) -> None:
    """Make ``advice`` what a cell's message says to do about a data file that cannot be had.

    It depends on where the functions run: :func:`sheet_advice` (the default) is for Excel on
    the user's own computer; a server serving the functions sets its own once, when it loads
    them (:mod:`factorxl.server.functions`), for the Excel users whose files live there.
    """
    global _cell_advice
    _cell_advice = advice


@contextmanager
def _advice_for_a_cell() -> Iterator[None]:
    """Data files that cannot be had raise their problem with advice for someone in Excel."""
    from factorxl.data.sources import DataUnavailable

    try:
        yield
    except DataUnavailable as error:
        raise FactorxlError(error.with_advice(_cell_advice(error))) from None


def _dates(start_date, end_date):
    """The optional first and last dates (a typed year is its first or last day), in order."""
    first, last = _optional_date(start_date, "start_date", "start"), _optional_date(end_date, "end_date", "end")
    if first is not None and last is not None and first > last:
        raise FactorxlError(f"start_date ({first:%Y-%m-%d}) is after end_date ({last:%Y-%m-%d})")
    return first, last


def _optional_date(value, name: str, year: str):
    """A date argument that may be omitted; a typed year means its first (``year="start"``) or last day."""
    return None if is_missing(value) else read_date(value, name, year=year)


def _dated_rows(table: pd.DataFrame) -> list[list]:
    """A header row (``date``, the columns) and one row per date as an Excel date number."""
    serials = (table.index - EXCEL_EPOCH).days.to_numpy(dtype=float)
    return [["date", *table.columns], *grid(np.column_stack([serials, table.to_numpy()]))]


def _described(text: str, rows: list[list]) -> list[list]:
    """``rows`` under a first row holding ``text`` in its first cell."""
    return [[text, *[""] * (len(rows[0]) - 1)], *rows]


@worksheet_function(
    downloads=True,
    dataset="The library's name of the dataset, as in its address: 25_Portfolios_5x5, 10_Industry_Portfolios, F-F_Research_Data_Factors_daily, Developed_3_Factors...",
    table_title=(
        'Optional. Which table of the file: omit for the first; a number (1 = first), its title or a part of it; '
        '"vw" or "ew" (value or equal weights), "firms", "size".'
    ),
    frequency='Optional. Frequency: "monthly", "annual" or "daily" rows. Omit for the table\'s own frequency.',
)
def FF_DATA(dataset, table_title=None, frequency=None, start_date=None, end_date=None):
    """Returns a table of the Kenneth French library: a row naming it, a header row, then each period's date and values."""
    from factorxl.data.french import load_table

    if is_missing(dataset) or isinstance(dataset, (list, tuple)):
        raise FactorxlError("dataset is required: a Kenneth French library name such as 25_Portfolios_5x5")
    period = None if is_missing(frequency) else read_choice(frequency, "frequency", TABLE_FREQUENCIES, "")
    chosen = None if is_missing(table_title) else table_title
    first, last = _dates(start_date, end_date)
    with _advice_for_a_cell():
        file, found, rows = load_table(str(dataset), chosen, period, first, last, source=data_source())
    note = f"{file.name.removesuffix('_CSV.zip')}: {found.label}; {found.unit}; {file.vintage}"
    return _described(note, _dated_rows(rows))


@worksheet_function(
    downloads=True,
    model='Factor model: "CAPM", "FF3", "FF5" or "FF6" (FF5 plus momentum).',
    frequency='Frequency: "daily" or "monthly" (dated at the month end).',
    describe=(
        "Optional. TRUE adds a first row naming the library's files, the unit and the data release they come "
        "from; omit or FALSE for none."
    ),
)
def FF_FACTORS(model, frequency, start_date=None, end_date=None, describe=None):
    """Returns Kenneth French factor returns as decimals: a header row, then each period's date and factors."""
    from factorxl.data import french

    for name, value in (("model", model), ("frequency", frequency)):
        if is_missing(value):
            raise FactorxlError(f"{name} is required")
    choice = read_choice(model, "model", MODELS, "")
    period = read_choice(frequency, "frequency", FREQUENCIES, "")
    first, last = _dates(start_date, end_date)
    show = read_bool(describe, "describe", False)
    source = data_source()
    with _advice_for_a_cell():
        table = french.load_factors(choice.upper(), period, first, last, source=source)
        files = [french.load_file(dataset, period, source=source) for dataset, _ in french.MODELS[choice.upper()]] if show else []
    rows = _dated_rows(table[[*table.columns.drop("RF"), "RF"]])
    if not show:
        return rows
    names = " + ".join(f.name.removesuffix("_CSV.zip") for f in files)
    vintages = "; ".join(dict.fromkeys(f.vintage for f in files))
    return _described(f"{names}: {choice.upper()} factors; decimals (the files' percent / 100); {vintages}", rows)
