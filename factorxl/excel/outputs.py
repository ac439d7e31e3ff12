"""Shaping results for the worksheet: the output rules of every factorxl function.

* a single result is a scalar;
* otherwise a 2-D list that spills (time down the rows, one column per series);
* results that mix kinds of values are labeled tables: row labels in the first column,
  column labels in the first row;
* a missing result (NaN) is an empty cell, never a zero;
* a result too large to represent (an infinity) is refused with a message, never shown;
* a LINEST-shaped block marks the cells Excel's LINEST fills with ``#N/A`` with the text
  :data:`NOT_AVAILABLE`: a worksheet function returns values, and xlwings writes a Python
  string as text on every host (it has no way to return an Excel error value), so the
  cell shows ``#N/A`` as text; factorxl reads that text back as a missing value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from factorxl.errors import FactorxlError

Cell = float | str | None
NOT_AVAILABLE = "#N/A"


def cell(value: Any) -> Cell:
    """One output cell: Python float, text, or ``None`` for a missing number."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    if math.isinf(number):
        raise FactorxlError(
            "a result is too large to represent (it overflows); the inputs are too large or too close to zero"
        )
    return None if math.isnan(number) else number


def _cells(array: np.ndarray) -> list[list[Cell]]:
    """A 2-D array as rows of cells, number by number in C; only text is looked at in Python.

    Numbers become Python floats; what a non-finite number becomes is :func:`cell`'s rule,
    applied once per kind (NaN, +inf, -inf) rather than once per cell.
    """
    if array.dtype.kind in "biuf":
        return _float_cells(np.asarray(array, dtype=float))
    array = array.astype(object)
    kept = np.fromiter((v is None or isinstance(v, str) for v in array.flat), dtype=bool, count=array.size).reshape(array.shape)
    if kept.all():
        return array.tolist()
    shaped = array.copy()
    shaped[~kept] = _numbers(array[~kept].astype(float))
    return shaped.tolist()


def _float_cells(numbers: np.ndarray) -> list[list[Cell]]:
    """Rows of float cells: every row through ``tolist``, then the few rows holding a
    non-finite number shaped again by :func:`_numbers` (a missing result in a long
    series costs its row, not the whole block)."""
    rows = numbers.tolist()
    incomplete = np.flatnonzero(~np.isfinite(numbers).all(axis=1))
    if incomplete.size:
        for i, shaped in zip(incomplete.tolist(), _numbers(numbers[incomplete]).tolist(), strict=True):
            rows[i] = shaped
    return rows


def _numbers(numbers: np.ndarray) -> np.ndarray:
    """Float cells: the numbers themselves where finite (still a float array when all are)."""
    if np.isfinite(numbers).all():
        return numbers
    shaped = numbers.astype(object)
    for kind in (np.isnan, np.isposinf, np.isneginf):
        found = kind(numbers)
        if found.any():
            shaped[found] = cell(numbers[found].flat[0])
    return shaped


def _array(values: Any) -> np.ndarray:
    """``values`` as an array that keeps text apart from numbers (a list mixing them stays object)."""
    array = np.asarray(values)
    return np.asarray(values, dtype=object) if array.dtype.kind in "US" and not isinstance(values, np.ndarray) else array


def _block(values: Any) -> np.ndarray:
    """``values`` as a 2-D array (see :func:`_array`); a scalar is one cell, a 1-D input one column."""
    array = _array(values)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(-1, 1)
    return array


def grid(values: Any) -> list[list[Cell]]:
    """A 2-D block of cells; a 1-D input becomes one column."""
    return _cells(_block(values))


def row(values: Any) -> list[list[Cell]]:
    """A 1-D sequence laid out as one row."""
    return _cells(np.ravel(_array(values)).reshape(1, -1))


def scalar_or_grid(values: Any) -> Cell | list[list[Cell]]:
    """A scalar when there is one value, otherwise a block (1-D becomes a column)."""
    array = _array(values)
    if array.size == 1:
        return cell(array.reshape(-1)[0])
    return grid(array)


def labeled_table(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Any,
    corner: str = "",
) -> list[list[Cell]]:
    """A table with row labels in the first column and column labels in the first row.

    ``values`` has one row per row label and one column per column label; it may mix
    numbers and text.
    """
    array = _block(values)
    if array.shape != (len(row_labels), len(column_labels)):
        raise ValueError("labeled_table: labels do not match the shape of the values")
    body = _cells(array)
    for label, cells in zip(row_labels, body, strict=True):
        cells.insert(0, label)
    body.insert(0, [corner, *column_labels])
    return body


def aligned_rows(values: Any, labels: Sequence[str], has_header: bool) -> list[list[Cell]]:
    """A T x N block aligned with an input range's rows: the labels on top when the input had a header."""
    body = grid(values)
    if has_header:
        body.insert(0, list(labels))
    return body
