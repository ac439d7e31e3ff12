"""Shaping results for the worksheet: the output rules of every factorxl function.

* a single result is a scalar;
* otherwise a 2-D list that spills (time down the rows, one column per series);
* results that mix kinds of values are labeled tables: row labels in the first column,
  column labels in the first row;
* a missing result (NaN) is an empty cell, never a zero;
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

Cell = float | str | None
NOT_AVAILABLE = "#N/A"


def cell(value: Any) -> Cell:
    """One output cell: Python float, text, or ``None`` for a missing number."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    return number if math.isfinite(number) else None


def grid(values: Any) -> list[list[Cell]]:
    """A 2-D block of cells; a 1-D input becomes one column."""
    array = np.asarray(values, dtype=object)
    if array.ndim == 0:
        array = array.reshape(1, 1)
    elif array.ndim == 1:
        array = array.reshape(-1, 1)
    return [[cell(v) for v in row] for row in array]


def row(values: Any) -> list[list[Cell]]:
    """A 1-D sequence laid out as one row."""
    return [[cell(v) for v in np.ravel(np.asarray(values, dtype=object))]]


def scalar_or_grid(values: Any) -> Cell | list[list[Cell]]:
    """A scalar when there is one value, otherwise a block (1-D becomes a column)."""
    array = np.asarray(values, dtype=object)
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
    body = grid(values)
    if len(body) != len(row_labels) or any(len(r) != len(column_labels) for r in body):
        raise ValueError("labeled_table: labels do not match the shape of the values")
    return [[corner, *column_labels]] + [[label, *r] for label, r in zip(row_labels, body, strict=True)]


def aligned_rows(values: Any, labels: Sequence[str], has_header: bool) -> list[list[Cell]]:
    """A T x N block aligned with an input range's rows: the labels on top when the input had a header."""
    body = grid(values)
    return [list(labels)] + body if has_header else body
