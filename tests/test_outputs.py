"""The vectorized output shaping gives the cells of the one-cell rule, value and type alike."""

from __future__ import annotations

import numpy as np
import pytest

from factorxl.errors import FactorxlError
from factorxl.excel.outputs import cell, grid, labeled_table, row, scalar_or_grid


def one_by_one(values) -> list[list]:
    array = np.asarray(values, dtype=object)
    array = array.reshape(-1, 1) if array.ndim == 1 else array
    return [[cell(v) for v in r] for r in array]


def same_cells(left: list[list], right: list[list]) -> bool:
    return [[(type(v), v) for v in r] for r in left] == [[(type(v), v) for v in r] for r in right]


def outcome(shape, values):
    """The typed cells ``shape`` gives, or the message it refuses the values with."""
    try:
        return [[(type(v), v) for v in r] for r in shape(values)]
    except FactorxlError as error:
        return str(error)


NUMBERS = np.array([[1.5, np.nan, -np.inf], [np.inf, 0.0, -2.25], [3.0, 1e-300, np.nan]])


@pytest.mark.parametrize(
    "values",
    [
        NUMBERS,
        NUMBERS[:, 0],
        np.arange(6).reshape(2, 3),
        np.array([True, False]),
        NUMBERS.astype(np.float32),
        np.array([["x", 1.0, None], [np.float64(np.nan), 2, "y"]], dtype=object),
        [["a", 1.0], ["b", 2]],
        [[1.0, None], [np.nan, 4]],
        [["a", "b"], ["c", "d"]],
    ],
)
def test_grid_equals_the_cell_rule_applied_one_by_one(values):
    assert outcome(grid, values) == outcome(one_by_one, values)


def test_row_scalar_and_labeled_table():
    assert outcome(row, NUMBERS[0]) == outcome(lambda v: [[cell(x) for x in v]], NUMBERS[0])
    assert scalar_or_grid(np.array([np.nan])) is None and scalar_or_grid(np.float64(2.0)) == 2.0
    assert same_cells(scalar_or_grid(NUMBERS[:, 1]), one_by_one(NUMBERS[:, 1]))
    table = labeled_table(["r1", "r2"], ["c1", "c2"], np.array([[1.0, np.nan], [2.0, 3.0]]), corner="t")
    assert same_cells(table, [["t", "c1", "c2"], ["r1", 1.0, None], ["r2", 2.0, 3.0]])
