"""Arrays as the raw values xlwings hands a worksheet function for a range."""

from __future__ import annotations

import numpy as np


def as_column(values) -> list[list[float]]:
    """Any array, flattened, as a one-column range: ``[[v1], [v2], ...]``."""
    return [[float(v)] for v in np.ravel(values)]


def as_cells(values) -> list[list]:
    """A 2-D array as a range, NaN as an empty cell (``None``)."""
    return [[None if np.isnan(v) else float(v) for v in row] for row in np.asarray(values, dtype=float)]
