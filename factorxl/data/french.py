"""Fama-French and momentum factors from the Kenneth R. French data library.

The library publishes each dataset as a ZIP holding one CSV text file: a few
description lines, a header line that starts with a comma, the monthly (or
daily) rows ``YYYYMM`` / ``YYYYMMDD`` in percent, then, in monthly files, an
"Annual Factors" block and a copyright line. Both layouts in use are read:

* up to 2024 (CRSP 202412): ``.CSV`` member, momentum column ``"Mom   "`` with
  trailing spaces, daily RF with three decimals;
* from 2025 (CRSP 202510): ``.csv`` member, one more description line, momentum
  column ``"Mom"``, daily RF with two decimals.

Only the first table (monthly or daily rows) is read; the annual block, the
text around it and the copyright line are skipped.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from factorxl.data.sources import DataSource
from factorxl.errors import FactorxlError

Frequency = Literal["daily", "monthly"]

THREE_FACTORS = "F-F_Research_Data_Factors"
FIVE_FACTORS = "F-F_Research_Data_5_Factors_2x3"
MOMENTUM = "F-F_Momentum_Factor"
DATASETS = (THREE_FACTORS, FIVE_FACTORS, MOMENTUM)
"""The library datasets factorxl reads (file names without ``_daily`` / ``_CSV.zip``)."""

FACTOR_NAMES = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom")
"""Column names of the factor tables, in this order."""

MODELS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "CAPM": ((THREE_FACTORS, ("Mkt-RF", "RF")),),
    "FF3": ((THREE_FACTORS, ("Mkt-RF", "SMB", "HML", "RF")),),
    "FF5": ((FIVE_FACTORS, ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF")),),
    "FF6": (
        (FIVE_FACTORS, ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF")),
        (MOMENTUM, ("Mom",)),
    ),
}
"""Each model's columns and the dataset each comes from.

CAPM and FF3 come from the three-factor file (history from 1926). FF5 and FF6
take Mkt-RF, SMB, HML and RF from the five-factor file (from 1963), whose SMB
differs from the three-factor file's; FF6 adds Mom, keeping only the dates
both files have.
"""

MISSING_CODES = (-99.99, -999.0)
"""Values the library uses for missing data; they become NaN."""

_DATES = {"monthly": ("%Y%m", 6), "daily": ("%Y%m%d", 8)}
_CANONICAL = {name.upper(): name for name in FACTOR_NAMES}
_TABLE = re.compile(
    r"^[ \t]*,(?P<header>[^\r\n]*)\r?\n"  # header line: ",Mkt-RF,SMB,..."
    r"(?P<rows>(?:[ \t]*\d+[ \t]*,[^\r\n]*(?:\r?\n|\Z))+)",  # dated rows up to a blank line
    re.MULTILINE,
)


def zip_name(dataset: str, frequency: Frequency) -> str:
    """File name of a library ZIP, e.g. ``F-F_Momentum_Factor_daily_CSV.zip``.

    Parameters
    ----------
    dataset : str
        One of :data:`DATASETS`.
    frequency : {"daily", "monthly"}
        Daily or monthly file.

    Returns
    -------
    str
        The ZIP's name, the same in the library, the cache and a ``--data`` folder.
    """
    return f"{dataset}{'_daily' if frequency == 'daily' else ''}_CSV.zip"


def parse_french_csv(text: str, frequency: Frequency, *, name: str = "the file") -> pd.DataFrame:
    """Parse the first table of a library CSV into decimal returns.

    Parameters
    ----------
    text : str
        The whole CSV text (either layout; CRLF or LF line ends).
    frequency : {"daily", "monthly"}
        ``"monthly"`` expects ``YYYYMM`` dates and dates rows at month ends;
        ``"daily"`` expects ``YYYYMMDD`` trading dates.
    name : str
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Decimal returns (percent / 100), missing codes as NaN, float64 columns
        with stripped names (:data:`FACTOR_NAMES` spelled canonically), on a
        DatetimeIndex named ``date``.

    Raises
    ------
    FactorxlError
        When no table is found, a date has the wrong form or a value is not a number.
    """
    fmt, width = _DATES[frequency]
    match = _TABLE.search(text)
    if match is None:
        raise FactorxlError(
            f"{name}: no factor table found (a header line starting with ',' followed by "
            "dated rows); is it a Kenneth French data library CSV?"
        )
    columns = [_CANONICAL.get(c.strip().upper(), c.strip()) for c in match["header"].split(",")]
    try:
        table = pd.read_csv(
            io.StringIO(match["rows"]),
            header=None,
            names=["date", *columns],
            index_col=False,
            dtype={"date": str},
            skipinitialspace=True,
        )
        values = table.drop(columns="date").astype(np.float64)
    except (ValueError, pd.errors.ParserError) as exc:
        raise FactorxlError(f"{name}: the factor table cannot be read as numbers ({exc})") from exc
    dates = table["date"].str.strip()
    wrong = ~dates.str.fullmatch(rf"\d{{{width}}}")
    if wrong.any():
        raise FactorxlError(
            f"{name}: expected {frequency} dates of {width} digits ({fmt}), "
            f"found {dates[wrong].iloc[0]!r}"
        )
    index = pd.DatetimeIndex(pd.to_datetime(dates, format=fmt), name="date")
    if frequency == "monthly":
        index = index + pd.offsets.MonthEnd(0)
    values.index = index.as_unit("ns")
    return values.mask(values.isin(MISSING_CODES)) / 100


def read_french_zip(path: Path, frequency: Frequency) -> pd.DataFrame:
    """Read a library ZIP (one CSV inside) with :func:`parse_french_csv`.

    Parameters
    ----------
    path : pathlib.Path
        The ZIP file.
    frequency : {"daily", "monthly"}
        Frequency of the file.

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_french_csv`.

    Raises
    ------
    FactorxlError
        When the file is not a ZIP with exactly one CSV inside, or cannot be parsed.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise FactorxlError(f"{path}: expected one CSV file inside, found {members}")
            text = archive.read(members[0]).decode("latin-1")
    except (zipfile.BadZipFile, OSError) as exc:
        raise FactorxlError(
            f"{path} is not a readable ZIP file ({exc}); if it is in the download cache, "
            "delete it so that it is downloaded again"
        ) from exc
    return parse_french_csv(text, frequency, name=str(path))


def load_dataset(
    dataset: str, frequency: Frequency = "daily", *, source: DataSource | None = None
) -> pd.DataFrame:
    """One library dataset, all its columns, from the cache or the data folder.

    Parameters
    ----------
    dataset : str
        One of :data:`DATASETS`.
    frequency : {"daily", "monthly"}
        Daily or monthly file.
    source : DataSource or None
        Where files come from; default ``DataSource()`` (download cache).

    Returns
    -------
    pandas.DataFrame
        See :func:`parse_french_csv`.
    """
    source = source or DataSource()
    frequency = _frequency(frequency)
    path = source.path(zip_name(dataset, frequency), source.french_url, subfolder=source.vintage)
    return read_french_zip(path, frequency)


def load_factors(
    model: str = "FF6",
    frequency: Frequency = "daily",
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """Factor returns of one model, as decimals on a DatetimeIndex.

    Parameters
    ----------
    model : {"CAPM", "FF3", "FF5", "FF6"}
        Case-insensitive. Columns: CAPM ``Mkt-RF, RF``; FF3 ``Mkt-RF, SMB,
        HML, RF``; FF5 ``Mkt-RF, SMB, HML, RMW, CMA, RF``; FF6 FF5 plus
        ``Mom``. See :data:`MODELS` for which file each column comes from.
    frequency : {"daily", "monthly"}
        Case-insensitive. Monthly rows are dated at calendar month ends.
    start, end : str, datetime.date, pandas.Timestamp or None
        First and last date to keep (inclusive); ``None`` for no limit. For
        monthly data ``end`` counts its whole month (``"2020-12"`` or
        ``"2020-12-15"`` keep December 2020).
    source : DataSource or None
        Where files come from; default ``DataSource()`` (download cache).

    Returns
    -------
    pandas.DataFrame
        float64 columns, DatetimeIndex ``date``, sorted, not empty.

    Raises
    ------
    FactorxlError
        For an unknown model or frequency, a bad or reversed date range, no
        rows in the range, or a file that cannot be found or read.
    """
    parts = MODELS.get(str(model).strip().upper())
    if parts is None:
        raise FactorxlError(f"model: expected one of {', '.join(MODELS)}, got {model!r}")
    frequency = _frequency(frequency)
    frames = [
        load_dataset(dataset, frequency, source=source)[list(cols)] for dataset, cols in parts
    ]
    factors = pd.concat(frames, axis=1, join="inner")
    lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
    if hi is not None and frequency == "monthly":
        hi = hi + pd.offsets.MonthEnd(0)
    if lo is not None and hi is not None and lo > hi:
        raise FactorxlError(f"start ({lo:%Y-%m-%d}) is after end ({hi:%Y-%m-%d})")
    window = factors.loc[lo:hi]
    if window.empty:
        raise FactorxlError(
            f"no {model} {frequency} factors between {start or 'the start'} and "
            f"{end or 'the end'}; the data cover {factors.index[0]:%Y-%m-%d} to "
            f"{factors.index[-1]:%Y-%m-%d}"
        )
    return window


def _frequency(frequency: str) -> Frequency:
    value = str(frequency).strip().lower()
    if value not in _DATES:
        raise FactorxlError(f"frequency: expected 'daily' or 'monthly', got {frequency!r}")
    return value  # type: ignore[return-value]


def _timestamp(value: object, argument: str) -> pd.Timestamp | None:
    """A date argument as a Timestamp; numbers are refused (they would mean nanoseconds)."""
    if value is None:
        return None
    if isinstance(value, (str, dt.date, np.datetime64)):
        try:
            stamp = pd.Timestamp(value)
        except ValueError:
            stamp = pd.NaT
        if not pd.isna(stamp):
            return stamp
    raise FactorxlError(f"{argument}: expected a date such as '2020-01-31', got {value!r}")
