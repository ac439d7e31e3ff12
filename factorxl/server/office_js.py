"""Values between Office.js and factorxl's worksheet functions.

Office.js sends every argument of a custom function as a matrix of cells: numbers (whole
numbers as JSON integers, dates as serial numbers), text, ``""`` or ``null`` for an empty cell,
``true``/``false``, and an object such as ``{"type": "Error", "basicValue": "#N/A", ...}`` for an
error or a formatted value. xlwings Server hands factorxl these matrices unconverted (its
``raw`` converter; its own conversion looks at every cell in Python), and :func:`argument`
turns each into what classic xlwings passes, so every host runs the same code path: a scalar
for one cell, a flat list for one row or column, rows otherwise, ``None`` for an empty cell,
an error value as its text. A block of numbers, logicals and ``null`` cells, the common case, is
checked in C and passed on as it came (whole numbers stay JSON integers there: factorxl reads
them as numbers); only rows holding other cells are looked at cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

_AS_SENT = frozenset({float, int, bool, type(None)})
"""Cell types passed on unchanged: numbers, logicals and ``null`` (factorxl reads whole numbers as numbers)."""


def cell(value: Any) -> Any:
    """One cell as classic xlwings passes it: ``""`` is ``None``, a whole number a float,
    an error or formatted value its basic value (``"#N/A"``, the number). Logicals stay logicals."""
    kind = type(value)
    if kind is str:
        return None if value == "" else value
    if kind is int:
        try:
            return float(value)
        except OverflowError:  # beyond the float range (Office.js never sends one): factorxl's reading refuses it
            return value
    if kind is dict:
        return cell(value.get("basicValue"))
    return value


def _numbers(cells: Iterable[Any]) -> bool:
    """Whether every cell is a number or a logical, in one pass in C: ``sum`` adds numbers and
    logicals and refuses anything else (text, ``null``, an error object)."""
    try:
        sum(cells)
    except (TypeError, OverflowError):  # OverflowError: a whole number beyond the float range among floats
        return False
    return True


def _as_sent(rows: list[list[Any]]) -> bool:
    """Whether the cells of ``rows`` are passed on unchanged: added up in C (numbers and logicals)
    or, when that fails (a ``null`` among them, or a cell to convert), by their types."""
    return _numbers(chain.from_iterable(rows)) or _AS_SENT.issuperset(map(type, chain.from_iterable(rows)))


def _cells(cells: list[Any]) -> list[Any]:
    return cells if _as_sent([cells]) else list(map(cell, cells))


def argument(value: Any) -> Any:
    """An argument as xlwings Server receives it (a one-cell matrix already a scalar and a
    one-row matrix a flat list) as classic xlwings passes it: a flat list for one column too."""
    if not isinstance(value, list):
        return cell(value)
    if not value or not isinstance(value[0], list):
        return _cells(value)
    if len(value[0]) == 1:
        return _cells([row[0] for row in value])
    if _as_sent(value):
        return value
    return list(map(_cells, value))  # only rows holding text or rich values are looked at cell by cell


def result(value: Any) -> list[list[Any]]:
    """A worksheet function's result as the rows of cells Office.js takes: a scalar is one
    cell, a flat list one row, and an empty cell (``None``) is ``""``."""
    if not isinstance(value, list):
        rows = [[value]]
    elif value and not isinstance(value[0], list):
        rows = [value]
    else:
        rows = value
    return [[("" if c is None else c) for c in row] if None in row else row for row in rows]
