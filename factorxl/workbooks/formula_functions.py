"""factorxl's worksheet functions inside the ``formulas`` package, behind one adapter.

Each function is registered under its Excel name. The adapter hands it the raw values
xlwings would pass (a scalar for one cell, a flat list for one row or column, lists of
lists otherwise, ``None`` for an empty cell, an Excel error as its text) and turns the
returned scalar or lists of lists back into a ``formulas`` array. A failure becomes
``#VALUE!`` carrying factorxl's message, which ``formulas`` propagates to dependent cells.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from typing import Any

import formulas
import numpy as np
import schedula as sh
from formulas.functions import Array, not_implemented, wrap_func
from formulas.tokens.operand import Error, XlError

from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS


class FactorxlErrorValue(XlError):
    """``#VALUE!`` that remembers factorxl's message (formulas propagates the same object)."""

    def __new__(cls, message: str) -> FactorxlErrorValue:
        error = super().__new__(cls, "#VALUE!")
        error.message = message
        return error


# ``formulas`` compiles an omitted argument to 0; xlwings passes None. Omitted arguments of
# factorxl functions are marked with this text before compiling and read back as None.
OMITTED = "\u2205factorxl:omitted-argument\u2205"


def _raw_scalar(value: Any) -> Any:
    if value is sh.EMPTY or value is None or value == OMITTED:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    return value


def to_raw(value: Any) -> Any:
    """A ``formulas`` argument as xlwings passes it: scalar, flat list (one row or column) or rows."""
    if not isinstance(value, np.ndarray):
        return _raw_scalar(value)
    if value.ndim == 0:
        return _raw_scalar(value.item())
    rows = [[_raw_scalar(x) for x in row] for row in np.atleast_2d(value).tolist()]
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else rows[0]
    if all(len(row) == 1 for row in rows):
        return [row[0] for row in rows]
    return rows


def _formulas_scalar(value: Any) -> Any:
    if value is None:
        return ""  # a missing result is shown empty, as the conventions ask
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value) if np.isfinite(value) else Error.errors["#NUM!"]
    return value


def from_raw(result: Any) -> Array:
    """A worksheet function's result (scalar, flat list = one row, rows) as a ``formulas`` array."""
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not isinstance(result, (list, tuple)):
        rows = [[result]]
    elif result and all(isinstance(row, (list, tuple)) for row in result):
        rows = result
    else:
        rows = [list(result)]
    width = max((len(row) for row in rows), default=0)
    if not width or any(len(row) != width for row in rows):
        raise FactorxlError(f"the result is not a rectangular block (row lengths {sorted({len(r) for r in rows})})")
    array = np.empty((len(rows), width), dtype=object)
    for i, row in enumerate(rows):
        array[i, :] = [_formulas_scalar(x) for x in row]
    return array.view(Array)


def _adapt(function: Callable[..., Any]) -> Callable[..., Any]:
    """Call a worksheet function with raw values; an error becomes ``#VALUE!`` with its message."""

    @functools.wraps(function)
    def call(*args: Any) -> Array:
        try:
            return from_raw(function(*(to_raw(arg) for arg in args)))
        except Exception as error:  # noqa: BLE001 - Excel shows any failure as #VALUE!; the message is kept
            message = str(error) if isinstance(error, FactorxlError) else f"{type(error).__name__}: {error}"
            return np.asarray([[FactorxlErrorValue(message)]], dtype=object).view(Array)

    return call


@functools.cache
def register_functions() -> None:
    """Register every factorxl worksheet function in ``formulas`` under its Excel name (once)."""
    import factorxl.udfs  # noqa: F401 - declares every family into FUNCTIONS

    table = formulas.get_functions()
    for name, declared in FUNCTIONS.items():
        table[name] = wrap_func(_adapt(declared.function))


# --- which function names formulas cannot evaluate ---------------------------------------

_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
# Names that formulas' parser reads as syntax rather than as functions from its table.
_PARSED_AS_SYNTAX = {"ANCHORARRAY", "LAMBDA", "LET"}
_CALLED = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\s*\(")


def mark_omitted_arguments(formula: str) -> str:
    """Put :data:`OMITTED` in every empty argument slot of a factorxl function call.

    ``=FACTOR_REGRESS(B2:B99, C2:C99, "hac", , 12)`` must reach factorxl with ``lags=None``
    (the documented default), as it does in Excel, not with ``lags=0``. Quoted strings and
    sheet names, array constants and calls of other functions are left as they are.
    """
    register_functions()
    out: list[str] = []
    calls: list[bool] = []  # for each open parenthesis or brace: is it a factorxl call?
    expecting_argument = False
    position = 0
    while position < len(formula):
        quoted = _QUOTED.match(formula, position)
        if quoted:
            out.append(quoted.group())
            position, expecting_argument = quoted.end(), False
            continue
        char = formula[position]
        in_call = bool(calls) and calls[-1]
        if char in ",)" and expecting_argument and in_call and not (char == ")" and out[-1].rstrip().endswith("(")):
            out.append(f'"{OMITTED}"')
        if char == "(":
            preceding = re.search(r"([A-Za-z_][\w.]*)\s*$", "".join(out))
            calls.append(bool(preceding) and preceding.group(1).upper() in FUNCTIONS)
        elif char == "{":
            calls.append(False)
        elif char in ")}" and calls:
            calls.pop()
        out.append(char)
        expecting_argument = char in "(," or (char.isspace() and expecting_argument)
        position += 1
    return "".join(out)


def called_functions(formula: str) -> list[str]:
    """The names of the functions ``formula`` calls (not inside quoted strings or sheet names)."""
    return _CALLED.findall(_QUOTED.sub('""', formula))


def calls_factorxl(formula: str) -> bool:
    """Whether ``formula`` calls one of factorxl's worksheet functions."""
    register_functions()
    return any(name.upper() in FUNCTIONS for name in called_functions(formula))


def unknown_functions(formula: str) -> list[str]:
    """Names called in ``formula`` that ``formulas`` (with factorxl registered) cannot evaluate."""
    register_functions()
    table = formulas.get_functions()
    names = called_functions(formula)
    unknown = [
        name
        for name in names
        if table.get(name.upper(), not_implemented) is not_implemented
        and name.upper().removeprefix("_XLFN.") not in _PARSED_AS_SYNTAX
    ]
    return list(dict.fromkeys(unknown))


def unknown_function_reason(names: list[str]) -> str:
    """Why a formula calling the unknown ``names`` is not evaluated, with the closest known name of each."""
    register_functions()
    known = list(formulas.get_functions())
    guesses = {
        name: close[0]
        for name in names
        if (close := difflib.get_close_matches(name.upper().removeprefix("_XLFN."), known, n=1, cutoff=0.8))
    }
    if not guesses:
        hint = "if it is an Excel function, refresh the workbook in Excel"
    elif len(names) == 1:
        hint = f"did you mean {guesses[names[0]]}? (Excel shows #NAME? for a function it does not know)"
    else:
        hint = "did you mean " + ", ".join(f"{guess} for {name}" for name, guess in guesses.items()) + "?"
    return f"unknown function {', '.join(names)}: neither factorxl's nor an Excel function the refresh evaluates; {hint}"
