"""Reading worksheet arguments: the input rules of every factorxl function, written once.

xlwings hands a worksheet function raw Python values: a scalar for one cell, a flat
list for a single row or column, a list of lists for a block, ``None`` for an empty
cell, strings for text and for error values when the host passes them as text.
The readers here turn those values into NumPy arrays and validated options, and
raise :class:`~factorxl.errors.FactorxlError` with a message that names the argument,
what was expected and what arrived.

Rules (the README states them for users):

* time runs down the rows, each column is one series;
* a first row of text in every column is a header, whatever the text spells ("10107", "2020"),
  unless the whole range is text (numbers stored as text, read as numbers), otherwise labels
  are generated (``y1``, ``f1``, ...);
* empty cells, ``None``, NaN, empty strings and Excel error values are missing;
* text that is not a number, logical values and dates inside a numeric range are errors; a
  column of dates is refused by name, also when it arrives as Excel date numbers in an argument
  whose values are returns over periods (:data:`factorxl.excel.help.PERIOD_SERIES`);
* a message about one cell or column says where it is (:class:`factorxl.errors.RangePlace`)
  and shows cells as the sheet does: text in quotes, dates as 2024-01-04, TRUE and FALSE.
"""

from __future__ import annotations

import datetime
import functools
import math
import numbers
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

import numpy as np

from factorxl.errors import PLACE, FactorxlError, RangePlace, quoted
from factorxl.excel.help import PERIOD_SERIES

EXCEL_ERRORS = frozenset(
    {
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
        "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
        "#BUSY!", "#UNKNOWN!", "#PYTHON!",
    }
)


@dataclass(frozen=True)
class Table:
    """A numeric worksheet range after normalization.

    Attributes
    ----------
    values : ndarray, shape (rows, columns)
        Float data with NaN for missing cells; the header row, if any, removed.
    labels : tuple of str
        One label per column, from the header row or generated.
    name : str
        The argument the range came from, for error messages.
    has_header : bool
        Whether the first row of the range was a header.
    """

    values: np.ndarray
    labels: tuple[str, ...]
    name: str
    has_header: bool

    @property
    def rows(self) -> int:
        return self.values.shape[0]

    @property
    def columns(self) -> int:
        return self.values.shape[1]

    def as_row(self) -> Table:
        """The table as one row when it is one column without a header.

        xlwings passes a one-row range as a flat list, which reads as a column; a function
        that expects a single row (one weight per asset, one period) turns it back.
        """
        if self.columns != 1 or self.has_header:
            return self
        return Table(self.values.T, tuple(f"{self.labels[0].rstrip('0123456789')}{j + 1}" for j in range(self.rows)), self.name, False)

    def describe_shape(self) -> str:
        """``"9778 rows x 2 columns"`` (data rows, header not counted)."""
        return f"{_count(self.rows, 'row')} x {_count(self.columns, 'column')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def is_missing(value: Any) -> bool:
    """True for what the conventions count as a missing cell."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return text == "" or text.upper() in EXCEL_ERRORS
    if isinstance(value, float):
        return math.isnan(value)
    return False


def _header_labels(first_cells: Sequence[Any], later_cells: Iterable[Any]) -> tuple[str, ...] | None:
    """The labels of a range whose first row is a header, else None.

    The first row is a header when every cell of it is text, whatever the text spells: "10107"
    (a PERMNO), "2020" (a year) or "1" (a decile) above numbers are labels, since xlwings passes
    a number as a number and only text typed as text arrives as a string. A range that is text
    throughout (``later_cells`` holds no number) is numbers stored as text: its first row is data
    when it spells numbers.
    """
    if not all(isinstance(cell, str) and not is_missing(cell) for cell in first_cells):
        return None
    labels = tuple(cell.strip() for cell in first_cells)
    if all(map(_spells_number, labels)) and not any(_is_number(cell) for cell in later_cells):
        return None
    return labels


def _spells_number(text: str) -> bool:
    """Whether ``float`` reads the text as a number ("10107", "1e3", "nan")."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_number(cell: Any) -> bool:
    return isinstance(cell, numbers.Real) and not isinstance(cell, bool)


def shown(value: Any) -> str:
    """A cell as a message shows it: text in double quotes as a formula spells it, a date as 2024-01-04, TRUE or FALSE, a number
    as Python writes it shortest (``1e+200``) - never a Python repr such as ``datetime.datetime(...)``."""
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime.date, np.datetime64)):
        return date_label(_parse_date(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if value is None:
        return "an empty cell"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "a range"
    return f"a value of type {type(value).__name__}"


def as_grid(value: Any, name: str) -> list[list[Any]]:
    """Shape any xlwings value as a list of rows.

    A scalar is one cell; a flat list is one column (time runs down the rows);
    a list of lists is a block and must be rectangular. The rows of a block are the
    caller's own lists: read them, never change them.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if len(value) == 0:
        raise FactorxlError(f"{name} is empty; expected a range of numbers")
    if _LIST.issuperset(map(type, value)) and len(set(map(len, value))) == 1:
        return value if isinstance(value, list) else list(value)  # a block of lists, checked in C, rows not copied
    if not any(isinstance(row, (list, tuple)) for row in value):
        return [[cell] for cell in value]
    widths = {len(row) if isinstance(row, (list, tuple)) else -1 for row in value}
    if len(widths) != 1 or -1 in widths:
        raise FactorxlError(
            f"{name} is not rectangular: its rows have different lengths ({sorted(widths)})"
        )
    return [list(row) for row in value]


@functools.lru_cache(maxsize=64)
def _generated_labels(prefix: str, count: int) -> tuple[str, ...]:
    """Labels of a range without a header: ``f1, f2, ...`` for the prefix ``f``."""
    return tuple(f"{prefix}{j + 1}" for j in range(count))


def _flat_list(value: Any) -> list[Any] | None:
    """A flat list (one row or column as xlwings hands it over) or None for a scalar or a block.

    Only the first cell is looked at here: xlwings hands over either a flat list or a list
    of lists. A flat list with a list among its later cells is not rectangular; the readers
    find it when they convert the cells (see :func:`_column_to_floats`).
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or len(value) == 0 or isinstance(value[0], (list, tuple)):
        return None
    return value if isinstance(value, list) else list(value)


# The number rule: a number is finite, and 0 or from MIN_MAGNITUDE to MAX_MAGNITUDE in size, so that the
# powers and products the statistics form from numbers (up to fourth powers, summed over many rows)
# neither overflow nor underflow.
MAX_MAGNITUDE = 1e50
MIN_MAGNITUDE = 1e-50
NON_FINITE_TEXT = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"})
WHOLE_NUMBER_LIMIT = 2**31 - 1  # whole-number options beyond this are not counts of anything
_PLAIN, _EMPTY, _OTHER = 0, 1, 2
_CELL_KINDS = {float: _PLAIN, int: _PLAIN, np.float64: _PLAIN, type(None): _EMPTY}
_NUMBER_OR_EMPTY = frozenset(_CELL_KINDS)
_LIST = frozenset({list})
_TEXT = frozenset({str})


def _at(place: RangePlace | None) -> str:
    """`` at <place>`` in a message about a cell, or nothing for a single value."""
    return "" if place is None else f" at {PLACE}"


def _outside_number_rule(values: np.ndarray) -> np.ndarray:
    """Which values break the number rule (infinite, or other than 0 and outside 1e-50 .. 1e50 in size); NaN does not."""
    magnitudes = np.abs(values)
    return (magnitudes > MAX_MAGNITUDE) | ((magnitudes < MIN_MAGNITUDE) & (values != 0))


def _number_rule(number: float, cell: Any, name: str, place: RangePlace | None) -> float:
    """The one rule for a number read from a cell: finite, and 0 or from 1e-50 to 1e50 in size."""
    too = f"{shown(cell)[:24]}, too {{}} a number{',' if place is not None else ''}{_at(place)}"
    if isinstance(cell, float) and math.isinf(cell):
        what, advice = f"an infinite value{_at(place)}", ""
    elif math.isinf(number) or abs(number) > MAX_MAGNITUDE:
        what, advice = too.format("large"), ": use smaller units"
    elif number != 0 and abs(number) < MIN_MAGNITUDE:
        what, advice = too.format("small"), ": type 0 for it, or use larger units"
    else:
        return number
    raise FactorxlError(f"{name} has {what}; numbers must be finite and 0 or from 1e-50 to 1e50 in size{advice}", place)


def _cell_to_float(cell: Any, name: str, place: RangePlace | None) -> float:
    """One cell as a float (NaN when missing), or a message naming the cell at ``place`` (None: a single value)."""
    if is_missing(cell):
        return math.nan
    if isinstance(cell, bool) or not isinstance(cell, (numbers.Real, str)):
        kind = "a logical value" if isinstance(cell, bool) else "a date" if _is_date(cell) else "a value"
        raise FactorxlError(f"{name} has {kind} ({shown(cell)}){_at(place)}; expected numbers", place)
    if isinstance(cell, str) and cell.strip().lower() in NON_FINITE_TEXT:
        raise FactorxlError(f"{name} has {shown(cell)}{_at(place)}, not a finite number; expected numbers", place)
    try:
        number = float(cell)
    except ValueError:
        raise FactorxlError(
            f"{name} has text {shown(cell)}{_at(place)}; expected numbers (empty cells and error values count as missing)",
            place,
        ) from None
    except OverflowError:
        number = math.inf
    return _number_rule(number, cell, name, place)


def _is_date(cell: Any) -> bool:
    return isinstance(cell, (datetime.date, np.datetime64))


def _object_grid(rows: list[list[Any]]) -> np.ndarray:
    """The rows as a 2-D object array (cells that are themselves lists stay single cells)."""
    cells = np.array(rows, dtype=object)
    if cells.ndim != 2:
        cells = np.empty((len(rows), len(rows[0])), dtype=object)
        cells[:] = [[*row] for row in rows]
    return cells


def _plain_floats(cells: list[Any], shape: tuple[int, int], rows: bool) -> np.ndarray | None:
    """The cells as floats of ``shape`` (NaN when empty) when they are numbers and empty cells
    that keep the number rule, else None (the cell-by-cell reading then finds the cell).

    ``cells`` is a list of rows (``rows`` true) or, for one column, a flat list. Both readings
    here run in C: :func:`_exact_floats` when the first row holds a 0 or a 1 (flags and
    weights, where many cells would need their types looked at), otherwise, or when it
    meets a cell that is not a float, :func:`_converted_floats`.
    """
    first_row = cells[0] if rows else cells[:1]
    values = _exact_floats(cells, shape, rows) if 0.0 in first_row or 1.0 in first_row else None
    if values is None:
        values = _converted_floats(cells, shape, rows)
    if values is None or values.size == 0:  # rows without cells are left to the careful reading, which refuses them
        return None
    # fmax passes over empty cells; when every cell is empty it is NaN, the test fails and the
    # careful reading returns the NaNs (which read_table then refuses)
    magnitudes = np.abs(values)
    inside = np.fmax.reduce(magnitudes, axis=None) <= MAX_MAGNITUDE and not values[magnitudes < MIN_MAGNITUDE].any()
    return values if inside else None


def _exact_floats(cells: list[Any], shape: tuple[int, int], rows: bool) -> np.ndarray | None:
    """The cells as floats when every one is a float (how xlwings passes numbers), else None.

    ``float.conjugate`` returns a float as it is and refuses anything else (a logical, an
    integer, ``None``, text), so the cells are checked as NumPy converts them, in one pass.
    """
    try:
        values = np.fromiter(map(float.conjugate, chain.from_iterable(cells) if rows else cells), dtype=float, count=shape[0] * shape[1])
    except TypeError:
        return None
    return values.reshape(shape)


def _converted_floats(cells: list[Any], shape: tuple[int, int], rows: bool) -> np.ndarray | None:
    """The cells as floats through NumPy's conversion, or None when a cell is not a number or empty.

    NumPy reads a number the way :func:`_cell_to_float` does and a number stored as text the
    way ``float`` does, but it also turns a logical into 1 or 0 and ``None`` or the text "nan"
    into NaN, so the rows holding an exact 0, 1 or NaN have their cells' types looked at: they
    must hold only numbers and empty cells. Anything else NumPy cannot convert (error values,
    other text, dates, a list among the cells of a column) stops it.
    """
    try:
        values = np.array(cells, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    if values.size != shape[0] * shape[1]:  # cells that are themselves lists
        return None
    values = values.reshape(shape)
    maybe_other = ((values == 0.0) | (values == 1.0) | np.isnan(values)).any(axis=1)
    if maybe_other.any():
        picked = [cells[i] for i in np.flatnonzero(maybe_other).tolist()]
        if not _NUMBER_OR_EMPTY.issuperset(map(type, chain.from_iterable(picked) if rows else picked)):
            return None
    return values


def _to_floats(rows: list[list[Any]], name: str, first_row: int, first_column: int = 0, *, flat: bool = False) -> np.ndarray:
    """Convert data rows to floats, NaN for missing cells, enforcing the number rule.

    A block of numbers and empty cells, the common case, is converted in C by
    :func:`_plain_floats`. Otherwise the whole block is typed at once (a dictionary lookup
    per cell's type, in C): plain numbers are converted in one NumPy call, ``None`` is
    missing, and only text cells (numbers stored as text, error values), cells of other
    types (logicals, dates) and numbers beyond the number rule are looked at one by one. The
    first offending cell in reading order is reported with its row and column (``flat``: the
    rows are the cells of a flat list, a row or a column of the sheet); a column of dates is
    reported as a column.
    """
    values = _plain_floats(rows, (len(rows), len(rows[0])), rows=True)
    if values is not None:
        return values
    cells = _object_grid(rows)
    kinds = np.fromiter(map(_CELL_KINDS.get, map(type, cells.flat), repeat(_OTHER)), dtype=np.int8, count=cells.size)
    kinds = kinds.reshape(cells.shape)
    plain = kinds == _PLAIN
    values = np.full(cells.shape, np.nan)
    try:
        values[plain] = cells[plain].astype(float)
    except OverflowError:  # a Python integer beyond the float range
        plain[:] = False
    # text, other types and numbers beyond the number rule, one by one in reading order
    looked_at = (~plain & (kinds != _EMPTY)) | (plain & _outside_number_rule(values))
    for i, j in zip(*np.nonzero(looked_at), strict=True):
        if _is_date(cells[i, j]):
            _refuse_date_cells(cells[:, j], name, int(j) + first_column + 1)
        values[i, j] = _cell_to_float(cells[i, j], name, RangePlace(name, int(i) + first_row + 1, int(j) + first_column + 1, flat))
    return values


MIN_DATE_ROWS = 3
"""A column needs this many whole numbers in a row, all rising or all falling, to look like dates."""
FIRST_DATE_NUMBER, LAST_DATE_NUMBER = 1000.0, 2958465.0
"""Whole numbers from 1000 to 9999 are years; Excel's date numbers run up to 9999-12-31. Returns,
rates and exposures are never whole numbers of that size rising or falling row after row, while a
time trend (1, 2, 3, ...) starts below the range."""


def _refuse_date_numbers(values: np.ndarray, name: str) -> None:
    """Refuse a column of dates that arrived as Excel date numbers (xlwings Lite and Server pass date
    cells so) or of years: whole numbers in the date range, at least :data:`MIN_DATE_ROWS` of them,
    every one above (or every one below) the one before. Only the columns whose first cell could
    be such a number are looked at further."""
    if values.shape[0] < MIN_DATE_ROWS:
        return
    top = values[0]
    maybe = np.flatnonzero(np.isnan(top) | ((top >= FIRST_DATE_NUMBER) & (top <= LAST_DATE_NUMBER) & (top == np.floor(top))))
    if maybe.size == 0:
        return
    block = values[:, maybe]
    missing = np.isnan(block)
    in_range = (block >= FIRST_DATE_NUMBER) & (block <= LAST_DATE_NUMBER) & (block == np.floor(block))
    whole = ((in_range | missing).all(axis=0)) & ((~missing).sum(axis=0) >= MIN_DATE_ROWS)
    for j in maybe[whole].tolist():
        column = values[:, j][~np.isnan(values[:, j])]
        steps = np.diff(column)
        if (steps > 0).all() or (steps < 0).all():
            years = column.max() <= 9999
            kind, span = ("years", f"whole numbers {column[0]:.0f} to {column[-1]:.0f}") if years else (
                "dates", f"Excel date numbers {column[0]:.0f} to {column[-1]:.0f}, "
                f"{date_label(_parse_date(column[0]))} to {date_label(_parse_date(column[-1]))}")
            raise _date_column_error(name, j + 1, kind, span, falling=bool(steps[0] < 0))


def _refuse_date_cells(cells: np.ndarray, name: str, column: int) -> None:
    """Refuse a column of date cells (classic xlwings and the refresh pass dates as dates) by name,
    when every cell present in it is a date; a lone date among numbers is refused as a cell."""
    present = [cell for cell in cells.tolist() if not is_missing(cell)]
    if len(present) < 2 or not all(map(_is_date, present)):
        return
    first, last = _parse_date(present[0]), _parse_date(present[-1])
    raise _date_column_error(name, column, "dates", f"{date_label(first)} to {date_label(last)}", falling=last < first)


def _date_column_error(name: str, column: int, kind: str, span: str, *, falling: bool) -> FactorxlError:
    """The message for a column of dates or years inside a numeric range."""
    sort = " and sort the rows oldest first" if falling else ""
    what = "date" if kind == "dates" else "year"
    return FactorxlError(
        f"{PLACE} of {name} looks like {kind} ({span}): leave the {what} column out of the range{sort}",
        RangePlace(name, None, column),
    )


def read_table(value: Any, name: str, label_prefix: str) -> Table:
    """Read a numeric range (one or more series in columns).

    Parameters
    ----------
    value
        The raw argument from xlwings.
    name
        The argument's name, used in error messages.
    label_prefix
        Prefix of generated labels when the range has no header (``"y"`` gives
        ``y1, y2, ...``).

    Raises
    ------
    FactorxlError
        If the range is empty, ragged, holds text, logicals or dates among its
        numbers, or has no data row.
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise FactorxlError(f"{name} is empty; expected a range of numbers")
    flat = _flat_list(value)
    if flat is None:
        grid = as_grid(value, name)
        first_cells, length = grid[0], len(grid)
    else:
        first_cells, length = flat[:1], len(flat)
    header = None
    if not first_cells:
        header = ()
    elif isinstance(first_cells[0], str):  # a first cell that is not text rules a header out
        header = _header_labels(first_cells, flat[1:] if flat is not None else chain.from_iterable(grid[1:]))
    has_header = header is not None
    first = 1 if has_header else 0
    labels = header if has_header else _generated_labels(label_prefix, len(first_cells))
    if length == first:
        raise FactorxlError(f"{name} has a header but no data rows")
    if flat is None:
        values = _to_floats(grid[first:], name, first)
    else:
        values = _column_to_floats(flat, has_header, name, value)
    if name in PERIOD_SERIES:
        _refuse_date_numbers(values, name)
    if np.isnan(values).all():
        raise FactorxlError(f"{name} has no numbers: every cell is empty or an error value")
    return Table(values=values, labels=labels, name=name, has_header=has_header)


def _column_to_floats(cells: list[Any], has_header: bool, name: str, value: Any) -> np.ndarray:
    """The cells of a flat list below its header as one column of floats (see :func:`_to_floats`);
    ``value`` is the argument as it arrived, for the message when a later cell is itself a list."""
    data = cells[1:] if has_header else cells
    values = _plain_floats(data, (len(data), 1), rows=False)
    if values is not None:
        return values
    if any(isinstance(cell, (list, tuple)) for cell in data):
        as_grid(value, name)  # raises: the rows have different lengths
    return _to_floats([[cell] for cell in data], name, int(has_header), flat=True)


def read_vector(
    value: Any, name: str, length: int | None = None, allow_missing: bool = False, *, positive: bool = False
) -> np.ndarray:
    """Read a single row or column of numbers (weights, exposures, volatilities).

    Either orientation is accepted. With ``length`` the number of values must match;
    with ``positive`` every value present must be above zero (caps, volatilities).
    """
    table = read_table(value, name, "v")
    if table.rows != 1 and table.columns != 1:
        raise FactorxlError(
            f"{name} must be a single row or column; it has {table.describe_shape()}"
        )
    vector = table.values.ravel()
    if length is not None and vector.size != length:
        raise FactorxlError(f"{name} has {_count(vector.size, 'value')} but {length} were expected")
    if not allow_missing and np.isnan(vector).any():
        place = _vector_place(table, _flat_list(value) is not None, int(np.flatnonzero(np.isnan(vector))[0]))
        raise FactorxlError(f"{name} has an empty or error cell at {PLACE}", place)
    if positive and (vector <= 0).any():
        position = int(np.flatnonzero(vector <= 0)[0])
        place = _vector_place(table, _flat_list(value) is not None, position)
        raise FactorxlError(f"{name} must be positive; got {vector[position]:g} at {PLACE}", place)
    return vector


def _vector_place(table: Table, flat: bool, index: int) -> RangePlace:
    """Where the ``index``-th value (from 0) of a one-row or one-column table was in its range."""
    header = int(table.has_header)
    if table.rows == 1 and not flat:
        return RangePlace(table.name, 1 + header, index + 1)
    return RangePlace(table.name, index + 1 + header, 1, flat)


def require_same_rows(*tables: Table) -> None:
    """Check that every range covers the same number of periods."""
    first = tables[0]
    for other in tables[1:]:
        if other.rows != first.rows:
            raise FactorxlError(
                f"{first.name} has {_count(first.rows, 'data row')} but {other.name} has "
                f"{other.rows}; the ranges must cover the same periods"
            )


def is_omitted(value: Any) -> bool:
    """True for an optional argument left out (``None``) or pointing at an empty cell."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def read_number(
    value: Any,
    name: str,
    default: float | None = None,
    *,
    positive: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    """Read a scalar number option, with its default when the cell is omitted or empty."""
    if is_omitted(value):
        if default is None:
            raise FactorxlError(f"{name} is required")
        return default
    if isinstance(value, (list, tuple)):
        grid = as_grid(value, name)
        if len(grid) != 1 or len(grid[0]) != 1:
            raise FactorxlError(f"{name} must be a single number; got a range of {len(grid)} rows")
        value = grid[0][0]
    number = _cell_to_float(value, name, None)
    if math.isnan(number):
        raise FactorxlError(f"{name} is an error value; expected a number")
    if positive and not number > 0:
        raise FactorxlError(f"{name} must be positive; got {number:g}")
    if minimum is not None and number < minimum:
        raise FactorxlError(f"{name} must be at least {minimum:g}; got {number:g}")
    if maximum is not None and number > maximum:
        raise FactorxlError(f"{name} must be at most {maximum:g}; got {number:g}")
    return number


def read_optional_number(value: Any, name: str, **limits: Any) -> float | None:
    """Like :func:`read_number` but ``None`` when the option is omitted."""
    return None if is_omitted(value) else read_number(value, name, **limits)


def _whole_number(number: float, name: str, cell: Any) -> int:
    """``number`` as an int if it is a whole number of sensible size, else a message."""
    if not (math.isfinite(number) and number == int(number)):
        raise FactorxlError(f"{name} must be a whole number; got {shown(cell)}")
    if abs(number) > WHOLE_NUMBER_LIMIT:
        raise FactorxlError(f"{name} must be a whole number up to {WHOLE_NUMBER_LIMIT:,}; got {number:g}")
    return int(number)


def read_int(value: Any, name: str, default: int | None = None, *, minimum: int | None = None) -> int:
    """Read a whole-number option (Excel passes whole numbers as floats)."""
    number = read_number(value, name, None if default is None else float(default), minimum=minimum)
    return _whole_number(number, name, number if isinstance(value, (bool, numbers.Real)) else value)


def read_optional_int(value: Any, name: str, *, minimum: int | None = None) -> int | None:
    """Like :func:`read_int` but ``None`` when the option is omitted."""
    return None if is_omitted(value) else read_int(value, name, minimum=minimum)


def read_ddof(value: Any) -> int:
    """The ``ddof`` option of variance-based functions: 1 (sample, the default) or more, or 0."""
    return read_int(value, "ddof", 1, minimum=0)


CHOICE_SYNONYMS = {"nw": "hac", "newey-west": "hac"}
"""Other spellings of a text option accepted wherever the option is: Newey-West standard errors
are "hac" in every function (docs/naming.md), and "nw" is read as "hac"."""


def read_choice(value: Any, name: str, choices: Sequence[str], default: str) -> str:
    """Read a case-insensitive text option; returns the canonical (lower-case) spelling.

    A synonym (:data:`CHOICE_SYNONYMS`) reads as the choice it stands for.
    """
    if is_omitted(value):
        return default
    text = str(value).strip().lower()
    text = text if text in choices else CHOICE_SYNONYMS.get(text, text)
    if text not in choices:
        raise FactorxlError(
            f"{name} must be one of {', '.join(quoted(c) for c in choices)}; got {shown(value)}"
        )
    return text


def read_bool(value: Any, name: str, default: bool) -> bool:
    """Read TRUE/FALSE, 1/0 or the words ``"true"``/``"false"``."""
    if is_omitted(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise FactorxlError(f"{name} must be TRUE or FALSE (or 1/0); got {shown(value)}")


# ---------------------------------------------------------------------------
# Long (stacked) tables: one row per (date, id) with numeric columns
# ---------------------------------------------------------------------------

FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 (exact from 1900-03-01 on)


DAY_MONTH_YEAR = re.compile(r"\s*(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)")
"""Text such as 01/02/2024 or 1.2.2024: day and month in an order the text does not say."""


class AmbiguousDate(Exception):
    """Text such as 01/02/2024 that is a date in both day/month orders; ``dates`` are the two readings."""

    def __init__(self, text: str, dates: tuple[datetime.datetime, datetime.datetime]) -> None:
        super().__init__(text)
        self.text, self.dates = text, dates

    def advice(self) -> str:
        """What the message says after the text: its two readings and the form to type instead."""
        first, second = (date_label(d) for d in self.dates)
        return (
            f"which could be {first} or {second}; type the date year first ({first} or {second}), "
            "or use a date cell"
        )


def _parse_date(value: Any, day_first: bool | None = None) -> datetime.datetime | None:
    """A date cell as a datetime, or None if it is not one (see :func:`read_date`).

    Text with the day and the month both up to 12 in an order it does not say (01/02/2024) raises
    :class:`AmbiguousDate`, unless ``day_first`` says the order (from the other dates of a column).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        return datetime.datetime.fromisoformat(str(value.astype("datetime64[us]")))
    if isinstance(value, numbers.Real):
        serial = float(value)
        if not (math.isfinite(serial) and 0 < serial < 2958466):  # up to 9999-12-31
            return None
        return EXCEL_EPOCH + datetime.timedelta(days=serial)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _parse_date(float(text))
        except ValueError:
            pass
        try:
            return datetime.datetime.fromisoformat(text).replace(tzinfo=None)
        except ValueError:
            pass
        day_month = DAY_MONTH_YEAR.match(text)
        if day_month:
            return _day_month_date(text, day_month, day_first)
        if not FOUR_DIGIT_YEAR.search(text):  # "1,5" or "3/4" are not dates
            return None
        import pandas as pd  # only for the less common text layouts ("2006-09", "30 Sep 2006")

        try:
            parsed = pd.Timestamp(text).to_pydatetime().replace(tzinfo=None)
        except (ValueError, OverflowError):
            return None
        return parsed if str(parsed.year) in text else None
    return None


def _day_month_date(text: str, match: re.Match[str], day_first: bool | None) -> datetime.datetime | None:
    """The date of text such as 9/30/2006 or 30.9.2006: the order is the one a number above 12 shows,
    or ``day_first``; both numbers up to 12 and different, with no order given, raise :class:`AmbiguousDate`."""
    a, b, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
    try:
        time = datetime.time.fromisoformat(text[match.end():].strip() or "00:00")
        readings = {
            order: datetime.datetime.combine(datetime.date(year, month, day), time)
            for order, (day, month) in ((True, (a, b)), (False, (b, a)))
            if 1 <= month <= 12 and 1 <= day <= 31 and _valid_day(year, month, day)
        }
    except ValueError:
        return None
    if len(set(readings.values())) == 2 and day_first is None:
        raise AmbiguousDate(text, (readings[False], readings[True]))
    if day_first in readings:
        return readings[day_first]
    return next(iter(readings.values()), None)


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _day_first(cells: Iterable[Any]) -> bool | None:
    """The day/month order the text dates of a column show (a day above 12 first or second), if one."""
    orders = set()
    for cell in cells:
        match = DAY_MONTH_YEAR.match(cell) if isinstance(cell, str) else None
        if match and int(match.group(1)) > 12 >= int(match.group(3)):
            orders.add(True)
        elif match and int(match.group(3)) > 12 >= int(match.group(1)):
            orders.add(False)
    return orders.pop() if len(orders) == 1 else None


def _cached_date(value: Any, parsed: dict[Any, datetime.datetime | None], day_first: bool | None) -> datetime.datetime | None:
    """:func:`_parse_date` of ``value``, looked up in ``parsed`` when the same cell was seen before."""
    try:
        key = (type(value), value)
        if key not in parsed:
            parsed[key] = _parse_date(value, day_first)
        return parsed[key]
    except TypeError:  # a cell that cannot be a key (a list) is not a date
        return None


def _reads_as_date(value: Any) -> bool:
    """Whether a cell is a date (an ambiguous text date is one too, for deciding what a first row is)."""
    try:
        return _parse_date(value) is not None
    except AmbiguousDate:
        return True


def date_label(value: datetime.datetime) -> str:
    """ISO text of a date (``2006-09-30``), with the time only when it is not midnight."""
    if value.time() == datetime.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ")


def read_date(value: Any, name: str, *, year: str | None = None) -> datetime.datetime:
    """Read one date: a date cell, an Excel serial number or text such as ``2006-09-30``.

    A whole number from 1000 to 9999 (typed, or as text) is a year, never an Excel serial
    (those are dates in 1902-1927): with ``year="start"`` it means January 1 of that year,
    with ``year="end"`` December 31; without ``year`` the argument needs a full date.
    """
    if isinstance(value, (list, tuple)):
        grid = as_grid(value, name)
        if len(grid) != 1 or len(grid[0]) != 1:
            raise FactorxlError(f"{name} must be a single date; got a range of {len(grid)} rows")
        value = grid[0][0]
    if is_missing(value):
        raise FactorxlError(f"{name} is required: a date, an Excel date number or text like 2006-09-30")
    typed_year = _typed_year(value)
    if typed_year is not None:
        if year is None:
            raise FactorxlError(f"{name} is the year {typed_year}; give a full date, e.g. {typed_year}-12-31")
        return datetime.datetime(typed_year, 1, 1) if year == "start" else datetime.datetime(typed_year, 12, 31)
    try:
        parsed = _parse_date(value)
    except AmbiguousDate as ambiguous:
        raise FactorxlError(f"{name} is {shown(value)}, {ambiguous.advice()}") from None
    if parsed is None:
        raise FactorxlError(f"{name} is {shown(value)}; expected a date, an Excel date number or text like 2006-09-30")
    return parsed


def _typed_year(value: Any) -> int | None:
    """The year a whole number from 1000 to 9999 (or its text) stands for, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}(?:\.0*)?\s*", value):
        value = float(value)
    if isinstance(value, numbers.Real) and float(value).is_integer() and 1000 <= value <= 9999:
        return int(value)
    return None


def _id_text(value: Any) -> str | None:
    """An identifier cell as text (numbers without a fractional part print as integers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real) and math.isfinite(float(value)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return None


@dataclass(frozen=True)
class LongTable:
    """A long worksheet table: a date column, an id column, then numeric columns.

    Attributes
    ----------
    dates : tuple of datetime
        The distinct dates, sorted.
    ids : tuple of str
        The distinct ids, in order of first appearance.
    date_index, id_index : ndarray of int, shape (rows,)
        Position of each row's date in ``dates`` and id in ``ids``.
    values : ndarray, shape (rows, columns)
        The numeric columns, NaN for missing cells.
    labels : tuple of str
        Labels of the numeric columns (header or generated).
    name : str
        The argument's name, for error messages.
    sheet_rows : ndarray of int, shape (rows,)
        Row number of each data row inside the range (1 = the range's first row).
    """

    dates: tuple[datetime.datetime, ...]
    ids: tuple[str, ...]
    date_index: np.ndarray
    id_index: np.ndarray
    values: np.ndarray
    labels: tuple[str, ...]
    name: str
    sheet_rows: np.ndarray

    @property
    def date_labels(self) -> tuple[str, ...]:
        """The dates as ISO text."""
        return tuple(date_label(d) for d in self.dates)

    def date_position(self, date: datetime.datetime, argument: str) -> int:
        """Position of ``date`` in :attr:`dates`; an error naming the table's span if absent."""
        try:
            return self.dates.index(date)
        except ValueError:
            raise FactorxlError(
                f"{argument} {date_label(date)} is not a date of {self.name} "
                f"(it has {_count(len(self.dates), 'date')} from {date_label(self.dates[0])} to "
                f"{date_label(self.dates[-1])})"
            ) from None


def read_long_table(value: Any, name: str, value_prefix: str, min_value_columns: int = 1) -> LongTable:
    """Read a long table: date, id, then at least ``min_value_columns`` numeric columns.

    Dates may be date cells (Python datetimes), Excel serial numbers or text such as
    ``2006-09-30``; ids may be text or numbers (``10107`` and ``10107.0`` are the same id).
    A first row of text that is not a date is the header. Rows that are entirely empty
    are skipped; numeric cells follow the missing-value rules of :func:`read_table`.

    Raises
    ------
    FactorxlError
        If the range is empty or ragged, has too few columns, a row lacks its date or id,
        a date cannot be read, a numeric cell holds text, or a (date, id) pair repeats.
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise FactorxlError(f"{name} is empty; expected a table of date, id and numbers")
    grid = as_grid(value, name)
    width = len(grid[0])
    if width < 2 + min_value_columns:
        raise FactorxlError(
            f"{name} has {_count(width, 'column')}; expected a date column, an id column and "
            f"at least {_count(min_value_columns, 'numeric column')}"
        )
    header = _header_labels(grid[0], chain.from_iterable(grid[1:]))
    has_header = header is not None and not _reads_as_date(grid[0][0])
    first = 1 if has_header else 0
    labels = header[2:] if has_header else _generated_labels(value_prefix, width - 2)
    data = grid[first:]
    if not data:
        raise FactorxlError(f"{name} has no data rows")
    numbers = _to_floats([row[2:] for row in data], name, first, first_column=2)
    parsed_dates: dict[Any, datetime.datetime | None] = {}  # each distinct date cell is parsed once
    day_first = _day_first({row[0] for row in data if isinstance(row[0], str)})
    dates: list[datetime.datetime] = []
    ids: list[str] = []
    kept: list[int] = []
    for offset, cells in enumerate(data):
        number = offset + first + 1
        date_missing, id_missing = is_missing(cells[0]), is_missing(cells[1])
        if date_missing and id_missing and np.isnan(numbers[offset]).all():
            continue
        if date_missing or id_missing:
            column = "date" if date_missing else "id"
            raise FactorxlError(
                f"{name} has no {column} at {PLACE}; every row needs a date and an id",
                RangePlace(name, number, 1 if date_missing else 2),
            )
        try:
            date = _cached_date(cells[0], parsed_dates, day_first)
        except AmbiguousDate as ambiguous:
            raise FactorxlError(
                f"{name} has {shown(cells[0])} in its date column at {PLACE}, {ambiguous.advice()}", RangePlace(name, number, 1)
            ) from None
        if date is None:
            raise FactorxlError(
                f"{name} has {shown(cells[0])} in its date column at {PLACE}; expected a date, "
                "an Excel date number or text like 2006-09-30",
                RangePlace(name, number, 1),
            )
        identifier = _id_text(cells[1])
        if identifier is None:
            raise FactorxlError(
                f"{name} has {shown(cells[1])} in its id column at {PLACE}; expected text or a number", RangePlace(name, number, 2)
            )
        dates.append(date)
        ids.append(identifier)
        kept.append(offset)
    rows = numbers[kept]
    sheet_rows = [offset + first + 1 for offset in kept]
    if not kept:
        raise FactorxlError(f"{name} has no data rows")
    unique_dates = tuple(sorted(set(dates)))
    date_lookup = {d: i for i, d in enumerate(unique_dates)}
    unique_ids = tuple(dict.fromkeys(ids))
    id_lookup = {identifier: i for i, identifier in enumerate(unique_ids)}
    date_index = np.array([date_lookup[d] for d in dates])
    id_index = np.array([id_lookup[i] for i in ids])
    keys = date_index * len(unique_ids) + id_index
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(np.diff(keys[order]) == 0)
    if repeated.size:
        first_row, second_row = (int(np.array(sheet_rows)[order[repeated[0] + k]]) for k in (0, 1))
        raise FactorxlError(
            f"{name} has two rows for date {date_label(dates[order[repeated[0]]])} and id "
            f"{ids[order[repeated[0]]]} (rows {first_row} and {second_row} of the range); each (date, id) pair must appear once"
        )
    return LongTable(
        dates=unique_dates,
        ids=unique_ids,
        date_index=date_index,
        id_index=id_index,
        values=rows,
        labels=labels,
        name=name,
        sheet_rows=np.array(sheet_rows),
    )


# ---------------------------------------------------------------------------
# Text columns and choices of columns by label or position
# ---------------------------------------------------------------------------


def read_text_vector(value: Any, name: str, length: int | None = None) -> tuple[str, ...]:
    """Read a single row or column of text labels (industries, names); numbers become text.

    A first cell equal to a header is not special: every cell is one label.

    Raises
    ------
    FactorxlError
        If the range is empty, two-dimensional, has an empty cell, or has the wrong length.
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        raise FactorxlError(f"{name} is empty; expected a column of text labels")
    flat = _flat_list(value)
    if flat is None:
        grid = as_grid(value, name)
        if len(grid) != 1 and len(grid[0]) != 1:
            raise FactorxlError(f"{name} must be a single row or column; it has {len(grid)} rows x {len(grid[0])} columns")
        cells = [cell for row in grid for cell in row]
    else:
        cells = flat
    if _TEXT.issuperset(map(type, cells)):  # all text: stripped in C, and only the distinct labels checked
        stripped = tuple(map(str.strip, cells))
        if not any(map(is_missing, set(stripped))):
            return _with_length(stripped, name, length)
    labels = []
    across = flat is None and len(grid) == 1
    for position, cell in enumerate(cells, start=1):
        if is_missing(cell) or isinstance(cell, bool) or not isinstance(cell, (str, numbers.Real)):
            place = RangePlace(name, 1, position) if across else RangePlace(name, position, 1, flat is not None)
            raise FactorxlError(f"{name} has an empty or invalid cell ({shown(cell)}) at {PLACE}; every entry needs a label", place)
        labels.append(cell.strip() if isinstance(cell, str) else f"{float(cell):g}")
    return _with_length(tuple(labels), name, length)


def _with_length(labels: tuple[str, ...], name: str, length: int | None) -> tuple[str, ...]:
    """``labels``, after checking that there are ``length`` of them when a length is expected."""
    if length is not None and len(labels) != length:
        raise FactorxlError(f"{name} has {_count(len(labels), 'label')} but {length} were expected")
    return labels


def read_positions(value: Any, name: str, labels: Sequence[str]) -> list[int]:
    """Read a choice of columns (factors, instruments) by label or 1-based number.

    ``value`` is one cell or a row/column of cells; text matches ``labels``
    case-insensitively (:func:`label_position`), numbers are positions from 1. Returns 0-based
    positions in the order given.

    Raises
    ------
    FactorxlError
        If a label is unknown or names several columns, a number is out of range, or the choice
        is empty.
    """
    if is_omitted(value):
        raise FactorxlError(f"{name} is required: labels or column numbers")
    cells = [cell for row in as_grid(value, name) for cell in row if not is_missing(cell)]
    if not cells:
        raise FactorxlError(f"{name} is empty; expected labels or column numbers")
    positions = []
    for cell in cells:
        found = label_position(cell, labels, name) if isinstance(cell, str) else None
        if found is not None:
            positions.append(found)
            continue
        try:
            number = float(cell)
        except (TypeError, ValueError, OverflowError):
            raise FactorxlError(f"{name}: {shown(cell)} is not one of {', '.join(labels)}") from None
        if isinstance(cell, bool) or not (math.isfinite(number) and number == int(number) and 1 <= number <= len(labels)):
            raise FactorxlError(f"{name}: {shown(cell)} is not a column number between 1 and {len(labels)}")
        positions.append(int(number) - 1)
    if len(set(positions)) < len(positions):
        twice = next(p for p in positions if positions.count(p) > 1)
        raise FactorxlError(f"{name} names {labels[twice]} twice; name each column once")
    return positions


def label_position(text: str, labels: Sequence[str], name: str, first_column: int = 1) -> int | None:
    """The 0-based position of the column whose label is ``text``, compared without case and
    surrounding spaces; None when no label is. Labels that select columns must be unique: a text
    that matches two labels ("Value" and "VALUE") is refused rather than resolved to either, naming
    the columns by their number in the range (the first label's is ``first_column``)."""
    wanted = text.strip().lower()
    matches = [j for j, label in enumerate(labels) if label.strip().lower() == wanted]
    if len(matches) > 1:
        columns = " and ".join(f"{labels[j]} (column {j + first_column})" for j in matches)
        raise FactorxlError(
            f"{name} {shown(text)} matches {len(matches)} columns, {columns}: give the columns different "
            "names (case does not count), or choose by column number"
        )
    return matches[0] if matches else None
