"""The return series of the worked examples (MSFT, WMT and JPM on SPY, BRK and ARKK), as Alan
Moreira publishes them with his factor-model notebooks (GitHub ``amoreira2/UG54`` and ``Fin418``).

Each file is a CSV with a ``date`` column (``YYYY-MM-DD``) and decimal returns
(0.01 = 1 %). Three are downloaded from the ``UG54`` repository; the fourth,
BRK/ARKK monthly, is published only as a pickle, which factorxl never loads
(unpickling downloaded data can run any code), so its CSV form must be
supplied: see :data:`BRK_ARKK`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from pathlib import Path

import numpy as np
import pandas as pd

from factorxl.data.sources import DataSource
from factorxl.errors import FactorxlError, printable, reason

BRK_ARKK_PICKLE_URL = (
    "https://raw.githubusercontent.com/amoreira2/Fin418/main/assets/data/"
    "df_WarrenBAndCathieW_monthly.pkl"
)
"""The public original of the BRK/ARKK file: a pickle, never downloaded by factorxl."""


@dataclass(frozen=True)
class ExampleFile:
    """One of the worked examples' data files.

    Parameters
    ----------
    name : str
        File name (cache, ``--data`` folder and download address).
    columns : tuple of str
        Columns after ``date``, in order.
    base_url : callable
        Picks the folder address from a :class:`DataSource` (``None``: no download).
    month_end : bool
        Whether every date must be a calendar month end.
    hint : str
        What to do when the file is missing (added to the error message).
    """

    name: str
    columns: tuple[str, ...]
    base_url: Callable[[DataSource], str | None]
    month_end: bool = False
    hint: str = ""


SPY_WMT_JPM_EXCESS = ExampleFile(
    "FactorModels_data1.csv", ("SPY", "WMT", "JPM"), attrgetter("ug54_url")
)
"""Daily excess returns of SPY, WMT and JPM (NaN where the 3-month T-bill rate is missing)."""

MSFT = ExampleFile("FactorModels_data2.csv", ("MSFT",), attrgetter("ug54_url"))
"""Daily raw MSFT returns (not excess), 1986-03-13 to 2024-12-31, first row empty."""

SPY_WMT_JPM = ExampleFile("df_SPYWMTJPM_data.csv", ("SPY", "WMT", "JPM"), attrgetter("ug54_url"))
"""Daily raw returns of SPY, WMT and JPM (not excess)."""

BRK_ARKK = ExampleFile(
    "df_WarrenBAndCathieW_monthly.csv",
    ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom", "BRK", "ARKK"),
    attrgetter("fin418_url"),
    month_end=True,
    hint=(
        "Its public original, "
        f"{BRK_ARKK_PICKLE_URL}, is a pickle, which factorxl never loads because "
        "unpickling downloaded data can run code; its CSV form is needed (columns "
        "date,Mkt-RF,SMB,HML,RMW,CMA,RF,Mom,BRK,ARKK; month-end dates; decimals)."
    ),
)
"""Monthly BRK and ARKK raw returns with the six Fama-French factors (irregular months)."""

EXAMPLE_FILES = (SPY_WMT_JPM_EXCESS, MSFT, SPY_WMT_JPM, BRK_ARKK)
"""All the example files, e.g. for filling a cache or checking a ``--data`` folder."""

MAX_HEADER_BYTES = 1_000
"""Longest first line accepted in an example file (the longest header, BRK/ARKK's, has 45
characters): checked before the file is parsed, so a file of millions of columns is refused
without building them."""


def load_example_file(file: ExampleFile, *, source: DataSource | None = None) -> pd.DataFrame:
    """Read one example file from the cache (downloading it once) or the data folder.

    Parameters
    ----------
    file : ExampleFile
        One of :data:`EXAMPLE_FILES`.
    source : DataSource or None
        Where files come from; default ``DataSource()`` (download cache).

    Returns
    -------
    pandas.DataFrame
        ``file.columns`` as float64 decimals (empty cells NaN) on a
        DatetimeIndex named ``date``.

    Raises
    ------
    FactorxlError
        When the file cannot be found or downloaded, or its columns or dates
        are not the expected ones.
    """
    source = source or DataSource()
    path = source.path(file.name, file.base_url(source), hint=file.hint, validate=partial(validate, file))
    return read_example_file(path, file)


def read_example_file(path: Path, file: ExampleFile) -> pd.DataFrame:
    """Read and check one example file at ``path`` (see :func:`load_example_file`)."""
    header = ",".join(("date", *file.columns))
    with open(path, "rb") as stream:
        if len(stream.readline(MAX_HEADER_BYTES + 1)) > MAX_HEADER_BYTES:
            raise FactorxlError(
                f"{path}: its first line is longer than {MAX_HEADER_BYTES:,} characters; expected the header line {header}"
            )
    try:
        frame = pd.read_csv(path)
        dates = pd.to_datetime(frame.pop("date"), format="%Y-%m-%d")
    except (KeyError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise FactorxlError(
            f"{path}: expected a 'date' column of YYYY-MM-DD dates ({reason(exc)})"
        ) from exc
    if tuple(frame.columns) != file.columns:
        raise FactorxlError(
            f"{path}: expected the columns {', '.join(file.columns)} after 'date', "
            f"found {', '.join(printable(str(c)) for c in frame.columns)}"
        )
    index = pd.DatetimeIndex(dates, name="date")
    if file.month_end and not index.is_month_end.all():
        raise FactorxlError(
            f"{path}: expected month-end dates, found {index[~index.is_month_end][0]:%Y-%m-%d}"
        )
    try:
        frame = frame.astype(np.float64)
    except ValueError as exc:
        raise FactorxlError(f"{path}: every value must be a number or empty ({reason(exc)})") from exc
    frame.index = index.as_unit("ns")
    return frame


def validate(file: ExampleFile, path: Path, source: DataSource) -> None:
    """Check a downloaded example file before it is stored (example files carry no vintage line)."""
    read_example_file(path, file)


def example_file(name: str) -> ExampleFile | None:
    """The example file of this file name, if any."""
    return next((file for file in EXAMPLE_FILES if file.name == name), None)


def load_spy_wmt_jpm_excess(*, source: DataSource | None = None) -> pd.DataFrame:
    """Daily SPY, WMT, JPM excess returns (:data:`SPY_WMT_JPM_EXCESS`)."""
    return load_example_file(SPY_WMT_JPM_EXCESS, source=source)


def load_msft(*, source: DataSource | None = None) -> pd.DataFrame:
    """Daily raw MSFT returns (:data:`MSFT`)."""
    return load_example_file(MSFT, source=source)


def load_spy_wmt_jpm(*, source: DataSource | None = None) -> pd.DataFrame:
    """Daily raw SPY, WMT, JPM returns (:data:`SPY_WMT_JPM`)."""
    return load_example_file(SPY_WMT_JPM, source=source)


def load_brk_arkk(*, source: DataSource | None = None) -> pd.DataFrame:
    """Monthly BRK, ARKK returns and six factors (:data:`BRK_ARKK`)."""
    return load_example_file(BRK_ARKK, source=source)
