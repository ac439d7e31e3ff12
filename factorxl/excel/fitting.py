"""Reading a returns/factors pair and running the factor regressions, shared by worksheet functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factorxl.core.regression import RegressionResult, ols
from factorxl.errors import FactorxlError
from factorxl.excel.inputs import Table, read_table, require_same_rows
from factorxl.excel.scale_check import check_scale


@dataclass(frozen=True)
class FittedModels:
    """The normalized inputs and one regression per asset column."""

    returns: Table
    factors: Table
    fits: list[RegressionResult]

    def single(self) -> RegressionResult:
        """The regression of a one-asset range (error if the range has several columns)."""
        if len(self.fits) != 1:
            raise FactorxlError(
                f"{self.returns.name} must be a single asset column; it has {self.returns.columns} columns"
            )
        return self.fits[0]


def read_returns_and_factors(returns: Any, factors: Any) -> tuple[Table, Table]:
    """Read ``returns`` and ``factors`` ranges and check they cover the same periods in the same units."""
    returns_table = read_table(returns, "returns", "y")
    factors_table = read_table(factors, "factors", "f")
    require_same_rows(returns_table, factors_table)
    check_scale(returns_table.values, factors_table.values)
    return returns_table, factors_table


def fit_factor_models(returns: Any, factors: Any, **options: Any) -> FittedModels:
    """Regress every asset column of ``returns`` on ``factors`` (options as in :func:`ols`)."""
    returns_table, factors_table = read_returns_and_factors(returns, factors)
    fits = ols(
        returns_table.values,
        factors_table.values,
        factor_names=factors_table.labels,
        asset_names=returns_table.labels,
        **options,
    )
    return FittedModels(returns_table, factors_table, fits)
