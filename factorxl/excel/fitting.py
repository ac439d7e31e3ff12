"""Reading a returns/factors pair and running the factor regressions, shared by worksheet functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from factorxl.core.regression import COV_TYPES, RegressionResult, ols
from factorxl.errors import FactorxlError
from factorxl.excel.inputs import Table, read_bool, read_choice, read_optional_int, read_table, require_same_rows
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
    """Read the ``returns`` and ``factors`` ranges and check they cover the same periods in the same units."""
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


def fit_regression(
    returns: Any,
    factors: Any,
    cov_type: Any,
    lags: Any,
    intercept: Any,
) -> FittedModels:
    """Read the regression options of a worksheet call (covariance type, lags and whether to
    include a constant) and fit one regression per asset column."""
    return fit_factor_models(
        returns,
        factors,
        cov_type=read_choice(cov_type, "cov_type", COV_TYPES, "classical"),
        lags=read_optional_int(lags, "lags", minimum=0),
        intercept=read_bool(intercept, "intercept", True),
    )


def rsquared_labels(intercept: bool) -> tuple[str, str]:
    """statsmodels' labels of R-squared and adjusted R-squared: "(uncentered)" through the origin."""
    suffix = "" if intercept else " (uncentered)"
    return f"R-squared{suffix}", f"Adj. R-squared{suffix}"


def errors_label(fit: RegressionResult) -> str:
    """The covariance type as a table shows it: "classical", "HC1", "HAC (5 lags)"."""
    label = "classical" if fit.cov_type == "classical" else fit.cov_type.upper()
    return label if fit.lags is None else f"{label} ({fit.lags} lags)"
