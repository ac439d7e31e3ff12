"""Fuzz test: every worksheet function, called with valid, degenerate and malformed raw values.

Each call must return only finite numbers, text and empty cells, or raise FactorxlError with a
message. The default profile runs 500 seeded cases per function (26,000 in all);
``FACTORXL_FUZZ=large`` runs 2,000 per function (104,000) with another seed. A failure names the
function, the case and its arguments, so the case can be replayed by hand.
"""

from __future__ import annotations

import inspect
import math
import os
import warnings
from typing import Any

import numpy as np
import pytest

from factorxl import udfs  # noqa: F401  (declares the worksheet functions)
from factorxl.errors import FactorxlError
from factorxl.excel import data_functions
from factorxl.excel.declare import FUNCTIONS
from tests.conftest import shared_data_dir
from tests.fuzz_values import arguments

PROFILES = {"default": (500, 20260), "large": (2000, 91817)}
CASES_PER_FUNCTION, SEED = PROFILES[os.environ.get("FACTORXL_FUZZ", "default")]


def bad_cells(result: Any) -> list[Any]:
    """Cells of a result that are neither finite numbers, text nor empty."""
    if result is None or isinstance(result, str):
        return []
    if isinstance(result, bool):
        return [result]
    if isinstance(result, (int, float)):
        return [] if math.isfinite(result) else [result]
    if isinstance(result, list):
        return [cell for item in result for cell in bad_cells(item)]
    return [result]


@pytest.fixture(scope="module", autouse=True)
def local_data():
    """FF_FACTORS reads the public datasets folder, never the network."""
    from factorxl.data import DataSource

    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"public datasets not found at {path} (set FACTORXL_SHARED_DATA)")
    data_functions.set_data_source(DataSource(local_dir=path))
    yield
    data_functions.set_data_source(None)


def run_cases(name: str, cases: int, seed: int) -> tuple[int, list[str]]:
    """Call ``name`` ``cases`` times; returns the count of refusals and the failures found."""
    declared = FUNCTIONS[name]
    parameters = list(inspect.signature(declared.function).parameters)
    rng = np.random.default_rng([seed, sorted(FUNCTIONS).index(name)])
    refused, failures = 0, []
    for case in range(cases):
        args = arguments(name, parameters, len(declared.required), rng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # numpy and statsmodels warn on degenerate data; the result is what counts
                result = declared.function(*args)
        except FactorxlError:
            refused += 1
            continue
        except Exception as error:  # noqa: BLE001 - any other exception is the defect being looked for
            failures.append(f"case {case}: {type(error).__name__}: {error}\n  {name}{tuple(args)!r}")
            continue
        bad = bad_cells(result)
        if bad:
            failures.append(f"case {case}: returned {bad[:3]}\n  {name}{tuple(args)!r}")
    return refused, failures


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_returns_finite_cells_or_a_message(name):
    refused, failures = run_cases(name, CASES_PER_FUNCTION, SEED)
    assert not failures, f"{len(failures)} of {CASES_PER_FUNCTION} calls failed:\n" + "\n".join(failures[:5])
    assert refused < CASES_PER_FUNCTION, "every call was refused: the cases never reach the computation"


def test_every_argument_has_a_maker_and_every_maker_an_argument():
    """The value makers follow the declared arguments, so a renamed argument cannot fall back silently."""
    from tests.fuzz_values import ARGUMENTS, CHOICE_ARGUMENTS, LOGICAL_ARGUMENTS, SPECIFIC

    declared = {(name, argument) for name, f in FUNCTIONS.items() for argument in f.arguments}
    names = {argument for _, argument in declared}
    assert set(SPECIFIC) <= declared, sorted(set(SPECIFIC) - declared)
    generic = set(ARGUMENTS) | CHOICE_ARGUMENTS | LOGICAL_ARGUMENTS
    assert generic <= names, sorted(generic - names)
    unmade = {pair for pair in declared if pair not in SPECIFIC and pair[1] not in generic}
    assert not unmade, sorted(unmade)
