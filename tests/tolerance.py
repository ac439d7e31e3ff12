"""Comparing computed numbers: within a tolerance, never by ``==``.

Another machine (another BLAS kernel, another memory alignment, another library version)
rounds the last digits of a computed number differently, so the tests compare every number
with a tolerance suited to the computation, integers included: a workbook stores a computed
0.0 as the integer 0 where another machine computes 4.4e-16. Text, logicals and empty cells
compare exactly.
"""

from __future__ import annotations

import numbers

import numpy as np
import pytest

ROUNDING = 1e-12
"""Relative difference between two machines' results of a well-conditioned computation."""


def is_number(value: object) -> bool:
    """An int or a float (NumPy's too), never a logical: a cell's TRUE is not the number 1."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def same_value(actual: object, expected: object, *, rtol: float, atol: float) -> bool:
    """Two numbers within ``rtol`` of ``expected`` or ``atol`` of it (near zero; NaN equals
    NaN); anything else equal."""
    if is_number(actual) and is_number(expected):
        return actual == pytest.approx(expected, rel=rtol, abs=atol, nan_ok=True)
    return actual == expected


def assert_same_cells(actual: object, expected: object, *, rtol: float, atol: float, where: str = "") -> None:
    """Cells, or rows of them nested in lists or tuples: the same shape, numbers by
    :func:`same_value`, everything else equal."""
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), (where, actual, expected)
        for i, (mine, theirs) in enumerate(zip(actual, expected)):
            assert_same_cells(mine, theirs, rtol=rtol, atol=atol, where=f"{where}[{i}]")
    else:
        assert same_value(actual, expected, rtol=rtol, atol=atol), (where, actual, expected)


def printed_as(value: float, printed: str) -> bool:
    """Whether ``value`` shows as ``printed`` at the printed precision: within half a unit of its
    last digit ("6937." has units of 1, "0.00" of 0.01, "-5.303e+04" of 10, "7.17e-17" of
    1e-19), give or take another machine's rounding of ``value``."""
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    return abs(value - float(printed)) <= 0.5 * unit * (1 + 1e-9) + ROUNDING * abs(value)


def assert_same_results(actual: object, expected: object) -> None:
    """Two results of one function on the same numbers passed in another form (a flat list for
    a column, numbers as text, an omitted argument): equal up to rounding, which may change with
    the arrays' memory layout; ``atol`` for results near zero of unit-scale inputs."""
    assert_same_cells(actual, expected, rtol=ROUNDING, atol=1e-15)
