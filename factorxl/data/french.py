"""Any dataset of the Kenneth R. French data library, by its library name.

The library publishes each dataset as a ZIP holding one CSV text file: a few
description lines (the first names the CRSP vintage), then one or more tables,
and a copyright line. A table is a header line that starts with a comma
(``,Mkt-RF,SMB,...`` or ``,SMALL LoBM,ME1 BM2,...``) followed by dated rows:
``YYYYMMDD`` (daily), ``YYYYMM`` (monthly) or ``YYYY`` (annual). The lines of
text directly above a header, when there are any, are the table's title
(``Average Value Weighted Returns -- Monthly``, ``Number of Firms in
Portfolios``, ``Annual Factors: January-December``). The reader finds every
table from this structure alone; it does not know any file's titles in advance.

* Missing-value codes ``-99.99`` and ``-999`` become NaN.
* Tables of returns are published in percent and are converted to decimals: an
  untitled table (the factor files' main table) and every table whose title
  mentions returns or factors. Other tables (number of firms, average firm size
  or market cap, BE/ME and other ratios) are kept as published.
* Both layouts of the factor files are read: up to 2024 (``.CSV`` member,
  momentum column ``"Mom   "``) and from 2025 (``.csv``, ``"Mom"``).

Reading a ZIP is bounded: the CSV inside may be at most
``DataSource.max_unzipped_bytes`` long, with at most ``max_lines`` lines and
``max_values`` values, checked while it is decompressed, before any table is built,
and at most ``max_tables`` tables of at most ``max_columns`` columns in all, checked
before each table is built. Parsed files are kept in memory, keyed by path, modification
time and size, so repeated calls in one process read a file once.

A file is checked to be the dataset it is named for (:func:`check_dataset`): the CSV
inside the ZIP carries the dataset's name (``25_Portfolios_5x5.csv``), and the factor
files hold the factor columns the models take from them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Literal

import numpy as np
import pandas as pd

from factorxl.data.sources import MAX_COLUMNS, MAX_TABLES, DataSource
from factorxl.errors import FactorxlError, printable, quoted, reason

Frequency = Literal["daily", "monthly", "annual"]

THREE_FACTORS = "F-F_Research_Data_Factors"
FIVE_FACTORS = "F-F_Research_Data_5_Factors_2x3"
MOMENTUM = "F-F_Momentum_Factor"
DATASETS = (THREE_FACTORS, FIVE_FACTORS, MOMENTUM)
"""The factor datasets :func:`load_factors` reads (library names of the monthly files)."""

FACTOR_NAMES = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom")
"""Column names of the factor tables, in this order."""

FACTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    THREE_FACTORS: ("Mkt-RF", "SMB", "HML", "RF"),
    FIVE_FACTORS: ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"),
    MOMENTUM: ("Mom",),
}
"""The columns each factor dataset's first table of each frequency holds (its daily file's too)."""

MODELS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "CAPM": ((THREE_FACTORS, ("Mkt-RF", "RF")),),
    "FF3": ((THREE_FACTORS, FACTOR_COLUMNS[THREE_FACTORS]),),
    "FF5": ((FIVE_FACTORS, FACTOR_COLUMNS[FIVE_FACTORS]),),
    "FF6": (
        (FIVE_FACTORS, FACTOR_COLUMNS[FIVE_FACTORS]),
        (MOMENTUM, FACTOR_COLUMNS[MOMENTUM]),
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

SHORT_NAMES: dict[str, str] = {
    "vw": r"value.?weight\w*\s.*return",
    "ew": r"equal.?weight\w*\s.*return",
    "firms": r"number of firms",
    "size": r"average (firm size|market cap|size)",
}
"""Short table names and the pattern (on the title, case-insensitive) each stands for:
value-weighted returns, equal-weighted returns, number of firms, average firm size /
market cap. Aliases are in :data:`_ALIASES`."""

_ALIASES = {
    "value-weighted": "vw",
    "value weighted": "vw",
    "equal-weighted": "ew",
    "equal weighted": "ew",
    "number of firms": "firms",
    "average size": "size",
    "average firm size": "size",
    "market cap": "size",
}

FREQUENCIES: dict[int, Frequency] = {8: "daily", 6: "monthly", 4: "annual"}
"""Date width in digits -> the rows' frequency."""

_DATE_FORMATS = {"daily": "%Y%m%d", "monthly": "%Y%m", "annual": "%Y"}
_PERIOD_END = {"daily": None, "monthly": pd.offsets.MonthEnd(0), "annual": pd.offsets.YearEnd(0)}
_CANONICAL = {name.upper(): name for name in FACTOR_NAMES}
_PERCENT_TITLE = re.compile(r"return|factor", re.IGNORECASE)
_TABLE = re.compile(
    r"^[ \t]*,(?P<header>[^\r\n]*)\r?\n"  # header line: ",Mkt-RF,SMB,..."
    r"(?P<rows>(?:[ \t]*\d+[ \t]*,[^\r\n]*(?:\r?\n|\Z))+)",  # dated rows up to a non-row line
    re.MULTILINE,
)
_MEMORY: OrderedDict[tuple, FrenchFile] = OrderedDict()
_MEMORY_FILES = 32
_MEMORY_LOCK = threading.Lock()  # worksheet functions may be called from several threads


@dataclass(frozen=True)
class FrenchTable:
    """One table of a library file.

    Attributes
    ----------
    title : str
        The text lines directly above its header, joined by spaces; ``""`` when none.
    frequency : {"daily", "monthly", "annual"}
        From the width of its dates.
    percent : bool
        Whether the file gives it in percent (then ``data`` holds decimals).
    data : pandas.DataFrame
        float64 columns named as in the file (factor names spelled canonically),
        NaN for missing codes, on a DatetimeIndex ``date`` (month or year ends
        for monthly and annual rows).
    """

    title: str
    frequency: Frequency
    percent: bool
    data: pd.DataFrame

    @property
    def label(self) -> str:
        """The title, or ``"<frequency> table"`` for an untitled one."""
        return self.title or f"{self.frequency} table"

    @property
    def unit(self) -> str:
        """How the values are expressed, in words."""
        return "decimals (the file's percent / 100)" if self.percent else "as published (not scaled)"


@dataclass(frozen=True)
class FrenchFile:
    """A parsed library file: its vintage line and every table, in file order.

    ``member`` is the name of the CSV inside the ZIP (``25_Portfolios_5x5.csv``), which names
    the dataset; empty for text parsed by :func:`parse_french_text` alone.
    """

    name: str
    vintage: str
    tables: tuple[FrenchTable, ...]
    member: str = ""


def zip_name(dataset: str, frequency: str | None = None) -> str:
    """File name of a library ZIP, e.g. ``25_Portfolios_5x5_CSV.zip``.

    Parameters
    ----------
    dataset : str
        The library name (``25_Portfolios_5x5``, ``F-F_Research_Data_Factors_daily``,
        ``Developed_3_Factors_Daily``); a trailing ``_CSV.zip`` is accepted.
    frequency : str or None
        ``"daily"`` with one of the three US factor files' monthly names picks its
        ``_daily`` file; any other dataset's daily file must be named as such.

    Returns
    -------
    str
        The ZIP's name, the same in the library, the cache and a ``--data`` folder.

    Raises
    ------
    FactorxlError
        For an empty name, or a daily frequency on a monthly file's name other than
        the three factor files.
    """
    name = str(dataset).strip()
    if name.lower().endswith("_csv.zip"):
        name = name[: -len("_CSV.zip")]
    if not name or not re.fullmatch(r"[A-Za-z0-9_\-.]+", name):
        raise FactorxlError(
            f"dataset: expected a Kenneth French library name such as \"25_Portfolios_5x5\", got {quoted(dataset)}"
        )
    if frequency == "daily" and not name.lower().endswith("_daily"):
        if name not in DATASETS:
            raise FactorxlError(
                f"dataset {quoted(name)} is the library's monthly file; daily data are separate datasets: "
                f"give the daily file's library name (for example {name}_Daily or {name}_daily, "
                "as the library spells it)"
            )
        name += "_daily"
    return f"{name}_CSV.zip"


def parse_french_text(
    text: str, *, name: str = "the file", max_tables: int = MAX_TABLES, max_columns: int = MAX_COLUMNS
) -> FrenchFile:
    """Parse every table of a library CSV.

    Parameters
    ----------
    text : str
        The whole CSV text (either layout; CRLF or LF line ends).
    name : str
        File name used in error messages.
    max_tables, max_columns : int
        Most tables accepted, and most columns in all of them (counted from the header lines);
        checked before each table is built, so a file of very many tables or very wide ones is
        refused without the work of reading them.

    Returns
    -------
    FrenchFile
        The first sentence of the first line as the vintage ("This file was created
        using the 202510 CRSP database."), and every table.

    Raises
    ------
    FactorxlError
        When no table is found, a table's dates have mixed or unknown widths, a value
        is not a number, or the file has more tables or columns than the bounds.
    """
    tables = []
    previous_end = columns = 0
    for match in _TABLE.finditer(text):
        if len(tables) == max_tables:
            raise _refused(name, f"more than {max_tables:,} tables")
        columns += match["header"].count(",") + 1
        if columns > max_columns:
            raise _refused(name, f"more than {max_columns:,} columns in its tables")
        title = _title(text[previous_end : match.start()])
        tables.append(_table(match["header"], match["rows"], title, name))
        previous_end = match.end()
    if not tables:
        raise FactorxlError(
            f"{name}: no table found (a header line starting with ',' followed by dated rows); "
            "is it a Kenneth French data library CSV?"
        )
    first_line = next((t for line in text[:4000].splitlines()[:5] if (t := line.strip().rstrip(",").strip())), "")
    vintage = re.split(r"(?<=\.)\s", first_line, maxsplit=1)[0]  # its first sentence
    return FrenchFile(name, vintage, tuple(tables))


def _refused(name: str, what: str) -> FactorxlError:
    return FactorxlError(f"{name}: {what}, far more than any Kenneth French file; refusing to read it")


def _title(gap: str) -> str:
    """The non-blank lines directly above a header (``gap`` is the text before it); a line of
    only commas counts as blank, and trailing commas are dropped (a CSV saved again by Excel)."""
    block: list[str] = []
    for line in reversed(gap.splitlines()):
        text = line.strip().rstrip(",").strip()
        if not text:
            break
        block.append(text)
    return " ".join(reversed(block))


def _table(header: str, rows: str, title: str, name: str) -> FrenchTable:
    columns = [_CANONICAL.get(c.strip().upper(), c.strip()) for c in header.rstrip(", \t").split(",")]
    where = f"{name}, table {quoted(title) if title else 'after the description'}"
    try:
        table = pd.read_csv(
            io.BytesIO(rows.encode("latin-1")),  # bytes: a StringIO would hold 4 bytes per character
            header=None,
            names=["date", *columns],
            usecols=range(1 + len(columns)),  # trailing empty fields (a CSV saved again by Excel) are dropped
            index_col=False,
            dtype={"date": str, **dict.fromkeys(columns, np.float64)},
            skipinitialspace=True,
            encoding="latin-1",
        )
        values = table.drop(columns="date")
    except (ValueError, pd.errors.ParserError) as exc:
        raise FactorxlError(f"{where}: the values cannot be read as numbers ({reason(exc)})") from exc
    dates = table["date"].str.strip()
    widths = dates.str.len().unique()
    if len(widths) != 1 or widths[0] not in FREQUENCIES:
        raise FactorxlError(
            f"{where}: expected dates of one form (YYYYMMDD, YYYYMM or YYYY), found "
            f"{', '.join(repr(d) for d in dates.drop_duplicates().iloc[:3])}..."
        )
    frequency = FREQUENCIES[int(widths[0])]
    try:  # a date pandas cannot hold (before 1677 or after 2262) is not valid either
        index = pd.DatetimeIndex(pd.to_datetime(dates, format=_DATE_FORMATS[frequency]), name="date")
        if _PERIOD_END[frequency] is not None:
            index = index + _PERIOD_END[frequency]
        values.index = index.as_unit("ns")
    except (ValueError, OverflowError) as exc:
        raise FactorxlError(f"{where}: a date is not valid ({reason(exc)})") from exc
    if not (values.index.is_monotonic_increasing and values.index.is_unique):
        later = np.flatnonzero(np.diff(values.index.asi8) <= 0)[0]
        raise FactorxlError(f"{where}: the dates must increase, but {dates.iloc[later + 1]!r} follows {dates.iloc[later]!r}")
    percent = not title or bool(_PERCENT_TITLE.search(title))
    cells = values.to_numpy(dtype=np.float64, copy=True)  # one block, then changed in place
    cells[np.isin(cells, MISSING_CODES)] = np.nan
    if percent:
        cells /= 100
    return FrenchTable(title, frequency, percent, pd.DataFrame(cells, index=values.index, columns=values.columns, copy=False))


def read_french_zip(path: Path, source: DataSource | None = None) -> FrenchFile:
    """Read a library ZIP (one CSV inside) with :func:`parse_french_text`, within bounds.

    Parameters
    ----------
    path : pathlib.Path
        The ZIP file.
    source : DataSource or None
        Gives the bounds on the CSV once decompressed: ``max_unzipped_bytes``,
        ``max_lines`` and ``max_values`` (counted as commas). The sizes the ZIP
        declares are checked first, then decompression stops as soon as a bound
        is passed, before any table is built. Default: ``DataSource()``'s.

    Returns
    -------
    FrenchFile
        See :func:`parse_french_text`; the name is the ZIP's file name.

    Raises
    ------
    FactorxlError
        When the file is not a ZIP with exactly one CSV inside, is too large
        once decompressed, has too many tables or columns, or cannot be parsed.
    """
    source = source or DataSource()
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
            if len(members) != 1 or len(archive.infolist()) != 1:
                raise FactorxlError(
                    f"{name}: expected one CSV file inside, found {[m.filename for m in archive.infolist()]}"
                )
            data = _bounded_read(archive, members[0], name, source)
            member = members[0].filename
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise FactorxlError(
            f"{name} is not a readable ZIP file ({reason(exc)}); if it is in factorxl's cache, "
            f"`factorxl data update {name.removesuffix('_CSV.zip')}` downloads it again"
        ) from exc
    text = data.decode("latin-1")
    del data  # the decompressed bytes are not needed while the text is parsed
    parsed = parse_french_text(text, name=name, max_tables=source.max_tables, max_columns=source.max_columns)
    return replace(parsed, member=member)


def _bounded_read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, source: DataSource) -> bytearray:
    """Decompress ``member`` in pieces, stopping as soon as a bound is passed."""
    too_large = _refused(
        name,
        f"the CSV inside is larger than {source.max_unzipped_bytes:,} bytes, {source.max_lines:,} lines "
        f"or {source.max_values:,} values once decompressed",
    )
    if member.file_size > source.max_unzipped_bytes:
        raise too_large
    data, lines, values = bytearray(), 0, 0
    with archive.open(member) as stream:
        while piece := stream.read(1 << 20):
            lines += piece.count(b"\n")
            values += piece.count(b",")
            if len(data) + len(piece) > source.max_unzipped_bytes or lines > source.max_lines or values > source.max_values:
                raise too_large
            data += piece
    return data


def read_file(path: Path, source: DataSource | None = None) -> FrenchFile:
    """A parsed library ZIP, read once per process while it is unchanged on disk.

    Parameters
    ----------
    path : pathlib.Path
        The ZIP file.
    source : DataSource or None
        Gives the decompression bounds (see :func:`read_french_zip`).

    Returns
    -------
    FrenchFile
        From the in-memory cache when the file (device and inode, so a checked
        download renamed into place counts as read), its modification time and size
        are those of an earlier read.
    """
    source = source or DataSource()
    stat = Path(path).stat()
    key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)  # kept by the rename of a checked download
    with _MEMORY_LOCK:
        if key in _MEMORY:
            _MEMORY.move_to_end(key)
            return _MEMORY[key]
    parsed = read_french_zip(path, source)
    with _MEMORY_LOCK:
        _MEMORY[key] = parsed
        while len(_MEMORY) > _MEMORY_FILES:
            _MEMORY.popitem(last=False)
    return parsed


def check_dataset(file: FrenchFile, dataset: str) -> None:
    """Check that ``file`` is the library's ``dataset``, not another one under its name.

    Parameters
    ----------
    file : FrenchFile
        A file read by :func:`read_french_zip`.
    dataset : str
        The library name (or ZIP name) it is used as.

    Raises
    ------
    FactorxlError
        When the CSV inside the ZIP names another dataset (``25_Portfolios_5x5.csv`` in
        ``F-F_Research_Data_Factors_CSV.zip``), or the first table of a frequency of a
        factor dataset lacks a column of :data:`FACTOR_COLUMNS`.
    """
    expected = zip_name(dataset).removesuffix("_CSV.zip")
    carried = PurePosixPath(file.member).stem
    if file.member and carried.casefold() != expected.casefold():
        raise FactorxlError(
            f"{file.name} holds {printable(file.member)}, not {expected}.csv: it is another dataset, "
            "not the library's file of that name"
        )
    required = FACTOR_COLUMNS.get(expected.removesuffix("_daily"), ())
    for frequency in dict.fromkeys(table.frequency for table in file.tables) if required else ():
        table = select_table(file, None, frequency)  # the table load_dataset reads
        missing = [column for column in required if column not in table.data.columns]
        if missing:
            present = ", ".join(printable(str(c)) for c in table.data.columns[:10])
            raise FactorxlError(
                f"{file.name}: its {table.label} has no {', '.join(missing)} column (its columns: {present}"
                f"{', ...' if len(table.data.columns) > 10 else ''}), so it is not the library's {expected}"
            )


def validate_zip(dataset: str, path: Path, source: DataSource) -> str:
    """Check that a downloaded file is a readable library ZIP of ``dataset``; returns its vintage line."""
    file = read_file(path, source)
    check_dataset(file, dataset)
    return file.vintage


def load_file(dataset: str, frequency: str | None = None, *, source: DataSource | None = None) -> FrenchFile:
    """One library file by its library name, from the cache (downloaded once) or the data folder.

    Parameters
    ----------
    dataset : str
        Library name, e.g. ``25_Portfolios_5x5`` or ``F-F_Research_Data_Factors_daily``.
    frequency : str or None
        ``"daily"`` picks the ``_daily`` file of the three factor datasets (see :func:`zip_name`).
    source : DataSource or None
        Where files come from; default ``DataSource()`` (download cache).

    Returns
    -------
    FrenchFile

    Raises
    ------
    FactorxlError
        When the file cannot be had or read, or is not the dataset it is named for
        (:func:`check_dataset`; the message says how to replace it).
    """
    source = source or DataSource()
    name = zip_name(dataset, frequency)
    path = source.path(name, source.french_url, subfolder=source.vintage, validate=partial(validate_zip, name))
    file = read_file(path, source)
    try:
        check_dataset(file, name)
    except FactorxlError as error:
        remedy = (
            f"`factorxl data update {name.removesuffix('_CSV.zip')}` downloads the library's file again"
            if source.local_dir is None
            else "replace it with the library's file"
        )
        raise FactorxlError(f"{error} (the copy at {path}); {remedy}") from None
    return file


def select_table(file: FrenchFile, table: str | int | None = None, frequency: str | None = None) -> FrenchTable:
    """Pick one table of a file by title, short name or number, and frequency.

    Parameters
    ----------
    file : FrenchFile
        A parsed file.
    table : str, int or None
        ``None``: the file's first table (of ``frequency`` when given). A number:
        the table at that position (1 = first). A short name of
        :data:`SHORT_NAMES` (``"vw"``, ``"ew"``, ``"firms"``, ``"size"`` and their
        aliases), which with ``frequency`` picks e.g. the annual value-weighted
        returns. Otherwise a title, compared without case and extra spaces;
        a part of a title that only one table has is enough.
    frequency : {"daily", "monthly", "annual"} or None
        Keep only tables of this frequency.

    Returns
    -------
    FrenchTable

    Raises
    ------
    FactorxlError
        When no table (or several) matches; the message lists the file's tables.
    """
    frequency = _frequency(frequency) if frequency is not None else None
    tables = list(file.tables)
    if isinstance(table, (int, float)) and not isinstance(table, bool):
        if not 1 <= table <= len(tables) or table != int(table):  # NaN and infinities fail the range first
            raise FactorxlError(f"table: {file.name} has tables 1 to {len(tables)}; got {table:g}. {_listing(file)}")
        candidates = [tables[int(table) - 1]]
    elif table is None or str(table).strip() == "":
        candidates = tables
    elif str(table).strip().isdigit():  # a number typed as text: no title is only digits
        return select_table(file, int(str(table).strip()), frequency)
    else:
        wanted = _normalize(str(table))
        short = _ALIASES.get(wanted, wanted)
        if short in SHORT_NAMES:
            pattern = re.compile(SHORT_NAMES[short], re.IGNORECASE)
            candidates = [t for t in tables if pattern.search(t.title)]
        else:
            candidates = [t for t in tables if _normalize(t.label) == wanted]
            if not candidates:
                candidates = [t for t in tables if wanted in _normalize(t.label)]
                titles = {_normalize(t.label) for t in candidates}
                if len(titles) > 1:
                    raise FactorxlError(f"table: {quoted(table)} is part of several titles. {_listing(file)}")
    matching = [t for t in candidates if frequency is None or t.frequency == frequency]
    if not matching:
        what = f"{frequency} " if frequency else ""
        named = f" named {quoted(table) if isinstance(table, str) else table}" if table is not None and str(table).strip() else ""
        raise FactorxlError(f"{file.name} has no {what}table{named}. {_listing(file)}")
    return matching[0]


def _listing(file: FrenchFile) -> str:
    shown = "; ".join(f"{i}: {t.label} ({t.frequency})" for i, t in enumerate(file.tables, 1))
    return f"Its tables: {shown}. Short names: {', '.join(SHORT_NAMES)}."


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_table(
    dataset: str,
    table: str | int | None = None,
    frequency: str | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    source: DataSource | None = None,
) -> tuple[FrenchFile, FrenchTable, pd.DataFrame]:
    """One table of a library dataset, limited to a date range.

    Parameters
    ----------
    dataset : str
        Library name (see :func:`load_file`).
    table, frequency
        See :func:`select_table`.
    start, end : str, datetime.date, pandas.Timestamp or None
        First and last date to keep (inclusive); ``None`` for no limit. ``end``
        counts its whole month (monthly rows) or year (annual rows).
    source : DataSource or None
        Where files come from.

    Returns
    -------
    tuple
        The file, the table and its rows in the range (not empty).

    Raises
    ------
    FactorxlError
        For a file that cannot be had or read, no such table, a bad or reversed
        date range, or no rows in it.
    """
    frequency = _frequency(frequency) if frequency is not None else None
    file = load_file(dataset, frequency, source=source)
    chosen = select_table(file, table, frequency)
    return file, chosen, _window(chosen.data, chosen.frequency, start, end, f"{file.name} ({chosen.label})")


def load_dataset(dataset: str, frequency: str = "daily", *, source: DataSource | None = None) -> pd.DataFrame:
    """The first table of one frequency of a library dataset, all its columns.

    Parameters
    ----------
    dataset : str
        Library name, e.g. one of :data:`DATASETS`.
    frequency : {"daily", "monthly", "annual"}
        Which rows.
    source : DataSource or None
        Where files come from; default ``DataSource()`` (download cache).

    Returns
    -------
    pandas.DataFrame
        See :class:`FrenchTable` ``data``.
    """
    frequency = _frequency(frequency)
    return select_table(load_file(dataset, frequency, source=source), None, frequency).data


def load_factors(
    model: str = "FF6",
    frequency: str = "daily",
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    source: DataSource | None = None,
) -> pd.DataFrame:
    """Factor returns of one model, as decimals on a DatetimeIndex.

    A composition over :func:`load_dataset`: the first table of the model's files
    at that frequency, the model's columns, the dates all files have.

    Parameters
    ----------
    model : {"CAPM", "FF3", "FF5", "FF6"}
        Case-insensitive. Columns: CAPM ``Mkt-RF, RF``; FF3 ``Mkt-RF, SMB,
        HML, RF``; FF5 ``Mkt-RF, SMB, HML, RMW, CMA, RF``; FF6 FF5 plus
        ``Mom``. See :data:`MODELS` for which file each column comes from.
    frequency : {"daily", "monthly", "annual"}
        Case-insensitive. Monthly rows are dated at calendar month ends, annual
        rows at year ends.
    start, end : str, datetime.date, pandas.Timestamp or None
        First and last date to keep (inclusive); ``None`` for no limit. ``end``
        counts its whole month or year (``"2020-12"`` or ``"2020-12-15"`` keep
        December 2020).
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
        raise FactorxlError(f"model: expected one of {', '.join(quoted(m) for m in MODELS)}, got {quoted(model)}")
    frequency = _frequency(frequency)
    frames = [load_dataset(dataset, frequency, source=source)[list(cols)] for dataset, cols in parts]
    factors = pd.concat(frames, axis=1, join="inner")
    return _window(factors, frequency, start, end, f"{model} {frequency} factors")


def _window(frame: pd.DataFrame, frequency: Frequency, start: object, end: object, what: str) -> pd.DataFrame:
    lo, hi = _timestamp(start, "start"), _timestamp(end, "end")
    if hi is not None and _PERIOD_END[frequency] is not None:
        hi = hi + _PERIOD_END[frequency]
    if lo is not None and hi is not None and lo > hi:
        raise FactorxlError(f"start ({lo:%Y-%m-%d}) is after end ({hi:%Y-%m-%d})")
    window = frame.loc[lo:hi]
    if window.empty:
        raise FactorxlError(
            f"no rows of {what} between {start or 'the start'} and {end or 'the end'}; "
            f"the data cover {frame.index[0]:%Y-%m-%d} to {frame.index[-1]:%Y-%m-%d}"
        )
    return window


def _frequency(frequency: str) -> Frequency:
    value = str(frequency).strip().lower()
    if value not in _DATE_FORMATS:
        raise FactorxlError(f"frequency: expected \"daily\", \"monthly\" or \"annual\", got {quoted(frequency)}")
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
    raise FactorxlError(f"{argument}: expected a date such as \"2020-01-31\", got {quoted(value) if isinstance(value, str) else value}")
