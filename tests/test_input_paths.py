"""A range is read in C when it holds only numbers and empty cells, cell by cell when a cell is
text or of another type; both readings give the same numbers, labels and messages."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from factorxl.errors import FactorxlError
from factorxl.excel.inputs import read_table, read_text_vector

RNG = np.random.default_rng(11)
NUMBERS = RNG.normal(size=(40, 4)) * [1e-6, 1.0, 1e6, 1e45]  # magnitudes up to near the largest accepted (1e50)


def with_cell(cells: list, row: int, column: int | None, value) -> list:
    """A copy of a block (or of a flat list when ``column`` is None) with one cell replaced."""
    copy = [list(r) for r in cells] if column is not None else list(cells)
    if column is None:
        copy[row] = value
    else:
        copy[row][column] = value
    return copy


def test_a_block_of_numbers_reads_as_the_cell_by_cell_path_reads_it():
    block = with_cell(with_cell(NUMBERS.tolist(), 3, 1, None), 10, 2, 5)  # an empty cell and an integer
    direct = read_table(block, "x", "f")
    by_cell = read_table(with_cell(block, 20, 0, "#N/A"), "x", "f")  # an error value: read cell by cell
    expected = direct.values.copy()
    expected[20, 0] = math.nan
    assert np.array_equal(by_cell.values, expected, equal_nan=True)
    assert math.isnan(direct.values[3, 1]) and direct.values[10, 2] == 5.0
    assert direct.labels == by_cell.labels == ("f1", "f2", "f3", "f4") and not direct.has_header


def test_a_flat_column_with_a_header_reads_as_the_same_column_as_a_block():
    column = ["MSFT", *NUMBERS[:, 1].tolist()]
    flat = read_table(column, "returns", "y")
    block = read_table([[cell] for cell in column], "returns", "y")
    by_cell = read_table(with_cell(column, 5, None, " 0.25 "), "returns", "y")  # a number stored as text
    assert flat.labels == block.labels == by_cell.labels == ("MSFT",) and flat.has_header
    assert np.array_equal(flat.values, block.values) and flat.values.shape == (40, 1)
    assert np.array_equal(np.delete(by_cell.values, 4), np.delete(flat.values, 4)) and by_cell.values[4, 0] == 0.25


@pytest.mark.parametrize("bad, message", [(True, "a logical value"), ("abc", 'text "abc"')])
def test_the_first_bad_cell_is_named_wherever_the_range_came_from(bad, message):
    for cells, column in ((NUMBERS.tolist(), 2), (NUMBERS[:, 0].tolist(), None)):
        where = "cell 8" if column is None else "row 8, column 3"  # a flat list may be a row or a column
        with pytest.raises(FactorxlError, match=f"x has {message}.* at {where} of the range"):
            read_table(with_cell(cells, 7, column, bad), "x", "f")


def test_text_labels_read_at_once_or_one_by_one_agree():
    labels = [" Energy", "Banks ", "Energy"] * 5
    assert read_text_vector(labels, "industries", 15) == read_text_vector([[label] for label in labels], "industries")
    assert read_text_vector([*labels[:2], 7.0], "industries") == ("Energy", "Banks", "7")
    with pytest.raises(FactorxlError, match=r'industries has an empty or invalid cell \("#N/A"\) at cell 3 of the range'):
        read_text_vector([*labels[:2], "#N/A", *labels], "industries")


@pytest.mark.parametrize("rows, message", [([[], []], "x has no numbers"), ([[]], "x has a header but no data rows")])
def test_rows_without_cells_are_refused_as_before(rows, message):
    with pytest.raises(FactorxlError, match=message):
        read_table(rows, "x", "f")


ODD_CELLS = (
    0.0, -0.0, 1.0, 0, 1, 7, None, math.nan, True, False, "0", "1", " 2.5 ", "nan", "-inf", "1e400", "#N/A", "",
    "abc", 1e155, -1e154, 1e51, -1e50, 1e-50, -3e-51, "2e-60", 5e-324, 2**70, datetime.datetime(2020, 1, 31),
    datetime.date(2021, 6, 30),
)


def rule_reading(rows: list[list]) -> np.ndarray | tuple[int, int]:
    """The input rules applied cell by cell, independently of factorxl: the floats, or the
    (row, column) of the first cell the rules refuse, in reading order."""
    values = np.empty((len(rows), len(rows[0])))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell is None or (isinstance(cell, float) and math.isnan(cell)):
                values[i, j] = math.nan
            elif isinstance(cell, str) and (cell.strip() == "" or cell.strip() in {"#N/A"}):
                values[i, j] = math.nan
            elif isinstance(cell, bool) or isinstance(cell, (datetime.date, datetime.datetime)):
                return i, j
            else:
                try:
                    number = float(cell)
                except ValueError:
                    return i, j
                outside = not abs(number) <= 1e50 or 0 < abs(number) < 1e-50
                if isinstance(cell, str) and cell.strip().lower() in {"nan", "-inf"} or outside:
                    return i, j
                values[i, j] = number
    return values


@pytest.mark.parametrize("seed", range(6))
def test_blocks_and_columns_with_odd_cells_read_as_the_rules_say(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        shape = (int(rng.integers(1, 8)), int(rng.integers(1, 5)))
        rows = rng.normal(size=shape).tolist()
        for _ in range(int(rng.integers(0, 4))):
            rows[rng.integers(shape[0])][rng.integers(shape[1])] = ODD_CELLS[rng.integers(len(ODD_CELLS))]
        # a numeric first row, never a header; with 0s and 1s in it the block is read as flags are
        rows.insert(0, [float(j % 2) for j in range(shape[1])] if seed % 2 else [0.5] * shape[1])
        cells = [row[0] for row in rows] if shape[1] == 1 and rng.random() < 0.5 else rows  # a column as a flat list
        expected = rule_reading(rows)
        if isinstance(expected, tuple):
            i, j = expected
            where = f"cell {i + 1}" if cells is not rows else f"row {i + 1}, column {j + 1}"
            with pytest.raises(FactorxlError, match=f"at {where} of the range"):
                read_table(cells, "x", "f")
        elif np.isnan(expected).all():
            with pytest.raises(FactorxlError, match="x has no numbers"):
                read_table(cells, "x", "f")
        else:
            assert np.array_equal(read_table(cells, "x", "f").values, expected, equal_nan=True)
