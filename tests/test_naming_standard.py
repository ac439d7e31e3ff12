"""The naming and layout standard (docs/naming.md), checked on every worksheet function.

The rules:

1. names are UPPER_SNAKE_CASE and start with a known family; the six names the product is
   known by exist;
2. one help text per argument name (an option's texts share their first sentence);
3. no argument name with two meanings: every name has one role, no retired synonym is used,
   and no name is the plural of another;
4. required arguments in the standard's order: portfolio, then data, then what to do;
5. per-asset results in one orientation: one row per asset (series over time: one column per
   asset, on the input's rows);
6. labeled outputs when the inputs carry headers.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import factorxl.udfs  # noqa: F401  (declares every function)
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from factorxl.excel.help import first_sentence

KNOWN_NAMES = ("FACTOR_BETA", "HEDGE_RATIO", "VOL_BUDGET_SIZE", "FACTOR_COV", "FM_PREMIA", "ATTRIBUTION")
FAMILIES = (
    "FACTOR_", "HEDGE_", "PORTFOLIO_", "FM_", "CHAR_", "EXPOSURE_", "CROSS_SECTION_", "RISK_", "OPTIMIZE_",
    "SHARPE_", "APPRAISAL_", "VOL_", "EXPECTED_", "FUND_", "FF_", "FACTORXL_",
)
SINGLE_WORD = ("ATTRIBUTION",)

PORTFOLIO, DATA, PARAMETER, OPTION = "portfolio", "data", "parameter", "option"
ROLES = {
    # the portfolio or position the result is about
    "weights": PORTFOLIO, "portfolio_exposures": PORTFOLIO, "active_exposures": PORTFOLIO, "holdings": PORTFOLIO,
    "position": PORTFOLIO, "budget": PORTFOLIO, "beta": PORTFOLIO, "portfolio_specific_vol": PORTFOLIO,
    "current_weights": PORTFOLIO, "new_weights": PORTFOLIO, "benchmark_weights": PORTFOLIO,
    # the data or the model
    "returns": DATA, "factors": DATA, "stock_returns": DATA, "table": DATA, "exposures": DATA,
    "factor_covariance": DATA, "specific_vols": DATA, "caps": DATA, "descriptors": DATA, "industries": DATA,
    "factor_vols": DATA, "correlation": DATA, "matrix": DATA, "instrument_exposures": DATA, "rf": DATA,
    "specific_returns": DATA, "portfolio_returns": DATA, "benchmark_returns": DATA,
    # what to do
    "window": PARAMETER, "periods_per_year": PARAMETER, "shock_factor": PARAMETER, "sigmas": PARAMETER,
    "hedge_factors": PARAMETER, "factor_targets": PARAMETER, "on_date": PARAMETER, "model": PARAMETER,
    "frequency": PARAMETER, "dataset": PARAMETER,
    # options (always optional)
    "cov_type": OPTION, "lags": OPTION, "ddof": OPTION, "method": OPTION, "intercept": OPTION,
    "standardize": OPTION, "weight_column": OPTION, "horizon_periods": OPTION, "target_factor_share": OPTION,
    "min_obs": OPTION, "stats": OPTION, "expanding": OPTION, "missing": OPTION, "include_alpha": OPTION,
    "industry_columns": OPTION, "industry_names": OPTION, "standardize_styles": OPTION, "half_life": OPTION,
    "blocks": OPTION, "lower": OPTION, "upper": OPTION, "start_date": OPTION, "end_date": OPTION,
    "table_title": OPTION, "describe": OPTION,
}
ORDER = (PORTFOLIO, DATA, PARAMETER)
RETIRED = {"se": "cov_type", "kind": "method", "periods": "horizon_periods", "factor_returns": "factors",
           "specific_vol": "portfolio_specific_vol", "vols": "factor_vols", "factor": "shock_factor"}


def _parameters(name: str) -> list[inspect.Parameter]:
    return list(inspect.signature(FUNCTIONS[name].function).parameters.values())


def test_names_start_with_a_family_and_the_known_names_exist():
    for name in FUNCTIONS:
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name), name
        assert name in SINGLE_WORD or name.startswith(FAMILIES), name
    assert set(KNOWN_NAMES) <= set(FUNCTIONS)


def test_one_help_text_per_argument_name():
    texts: dict[str, set[str]] = {}
    for declared in FUNCTIONS.values():
        for argument, text in declared.arguments.items():
            texts.setdefault(argument, set()).add(text)
    for argument, variants in texts.items():
        if len(variants) > 1:  # an option with its own choices: the same first sentence everywhere
            assert len({first_sentence(t) for t in variants}) == 1, (argument, variants)


def test_every_argument_name_has_one_role_and_no_synonym():
    names = {p.name for declared in FUNCTIONS for p in _parameters(declared)}
    assert names <= set(ROLES), sorted(names - set(ROLES))
    assert not names & set(RETIRED), sorted(names & set(RETIRED))
    plurals = {n for n in names if n.endswith("s") and n[:-1] in names}
    assert not plurals


def test_options_are_optional_and_required_arguments_come_in_the_standard_order():
    for name in FUNCTIONS:
        parameters = _parameters(name)
        required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
        for p in parameters:
            if ROLES.get(p.name) == OPTION:
                assert p.default is not inspect.Parameter.empty, (name, p.name)
        ranks = [ORDER.index(ROLES[a]) for a in required]
        assert ranks == sorted(ranks), (name, required)


# ---------------------------------------------------------------------------
# Orientation and labels, by calling the functions
# ---------------------------------------------------------------------------

T, N, K = 60, 3, 2
ASSETS, FACTOR_NAMES = ["AAA", "BBB", "CCC"], ["MKT", "HML"]
# results about the factors or the model, not one per asset
NOT_PER_ASSET = {"FM_PREMIA", "FM_PREMIA_SERIES", "FACTOR_COV_PARAMS"}


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(11)
    factors = rng.normal(0.0, 0.01, (T, K))
    returns = 0.001 + factors @ rng.normal(1.0, 0.3, (K, N)) + rng.normal(0.0, 0.01, (T, N))
    return returns, factors


ONE_ASSET_FUNCTIONS = frozenset({"FACTOR_LINEST", "FACTOR_REGRESS", "FACTOR_SUMMARY", "FACTOR_VAR_DECOMP"})
"""Functions whose returns are one asset: they refuse a block of several with a message."""


def _time_series_functions():
    """Functions whose required arguments are ``returns`` and ``factors`` (or ``returns`` alone)."""
    for name in sorted(FUNCTIONS):
        required = [p.name for p in _parameters(name) if p.default is inspect.Parameter.empty]
        if required in (["returns", "factors"], ["returns"]) and name not in NOT_PER_ASSET:
            yield name


def _call(name: str, returns, factors):
    required = [p.name for p in _parameters(name) if p.default is inspect.Parameter.empty]
    arguments = [returns] if required == ["returns"] else [returns, factors]
    try:
        return FUNCTIONS[name].function(*arguments)
    except FactorxlError as error:
        if "single asset" in str(error) or "one asset" in str(error):
            return None  # a one-asset function: no per-asset layout to check
        raise


@pytest.mark.parametrize("name", list(_time_series_functions()))
def test_per_asset_results_have_one_row_per_asset(name, panel):
    returns, factors = panel
    result = _call(name, returns.tolist(), factors.tolist())
    assert (result is None) == (name in ONE_ASSET_FUNCTIONS), name  # a one-asset function refuses several assets
    if result is None:
        return
    labeled = all(isinstance(cell, str) for cell in result[0])  # a table that mixes kinds of values
    rows = len(result) - labeled
    if rows == T:  # a series over time: one column per asset
        assert len(result[-1]) == N, name
    else:
        assert rows == N, (name, rows)


@pytest.mark.parametrize("name", list(_time_series_functions()))
def test_results_are_labeled_when_the_inputs_carry_headers(name, panel):
    returns, factors = panel
    result = _call(name, [ASSETS, *returns.tolist()], [FACTOR_NAMES, *factors.tolist()])
    assert (result is None) == (name in ONE_ASSET_FUNCTIONS), name  # a one-asset function refuses several assets
    if result is None:
        return
    if len(result) == T + 1:  # a series over time: the asset names on top
        assert result[0] == ASSETS, name
    else:
        assert [row[0] for row in result[1:]] == ASSETS, name
        assert all(isinstance(label, str) for label in result[0]), name
