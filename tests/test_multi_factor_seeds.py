"""Seed 002's BRK and ARKK numbers (CAPM vs FF5 + momentum, monthly) through the worksheet functions,
called with plain lists of lists as xlwings passes them, and cross-checked against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from factorxl import udfs
from factorxl.data import DataSource
from factorxl.data.example_files import load_brk_arkk
from factorxl.errors import FactorxlError
from tests.course_data import column
from tests.summary_checks import PRINTED_COLUMNS, assert_printed, summary_values

FF6 = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]


@pytest.fixture(scope="module")
def monthly(shared_data):
    return load_brk_arkk(source=DataSource(local_dir=shared_data))


@pytest.fixture(scope="module")
def funds(monthly):
    """BRK and ARKK excess returns (ARKK starts in 2014: the table mixes start dates)."""
    return pd.DataFrame({"BRK": monthly["BRK"] - monthly["RF"], "ARKK": monthly["ARKK"] - monthly["RF"]})


def with_header(frame: pd.DataFrame) -> list[list]:
    return [list(frame.columns)] + column(frame)


def table_rows(table) -> dict:
    """A labeled table as {row label: {column label: value}}."""
    header = table[0][1:]
    return {row[0]: dict(zip(header, row[1:])) for row in table[1:]}


def statsmodels_fit(y: pd.Series, x: pd.DataFrame, **fit_options):
    data = pd.concat([y, x], axis=1).dropna()
    return sm.OLS(data.iloc[:, 0], sm.add_constant(data.iloc[:, 1:])).fit(**fit_options)


def test_brk_and_arkk_on_ff6_reproduce_the_seed(funds, monthly):
    rows = table_rows(udfs.FUND_TABLE(with_header(funds), with_header(monthly[FF6]), 1))
    brk, arkk = rows["BRK"], rows["ARKK"]
    # seed 002 (BRK on FF5 + momentum): coefficients and R-squared as printed
    printed = {"alpha": "0.0037", "Mkt-RF": "0.6938", "SMB": "-0.3087", "HML": "0.5732", "RMW": "0.3486", "CMA": "-0.4156", "Mom": "-0.0152"}
    for name, text in printed.items():
        assert_printed(brk[name], text, name)
    assert brk["R-squared"] == pytest.approx(0.405, abs=5e-04)  # printed with 3 decimals
    assert brk["observations"] == 279
    assert brk["t(alpha)"] == pytest.approx(1.307, abs=5e-04)  # printed with 3 decimals
    # ARKK: 59 observations, R-squared 0.838; its printed regression is on data x 252 (alpha 1.7109)
    assert arkk["observations"] == 59
    assert arkk["R-squared"] == pytest.approx(0.838, abs=5e-04)  # printed with 3 decimals
    assert arkk["alpha"] * 252 == pytest.approx(1.7109, abs=5e-05)  # printed with 4 decimals
    printed = {"Mkt-RF": "1.5432", "SMB": "0.3449", "HML": "-0.9504", "RMW": "-0.8065", "CMA": "-0.5312", "Mom": "-0.2441"}
    for name, text in printed.items():
        assert_printed(arkk[name], text, name)


@pytest.mark.parametrize(
    ("fund", "factors", "scale", "printed"),
    [
        ("BRK", ["Mkt-RF"], 1, "79.32 7.17e-17 442.23 -880.5 -873.2 51.668 1.989 198.575 7.59e-44 0.710 6.882 22.3"),
        ("BRK", FF6, 1, "30.81 3.71e-28 479.45 -944.9 -919.5 34.823 1.948 71.498 2.98e-16 0.647 5.116 82.1"),
        # the seed regresses ARKK with returns and factors both multiplied by 252
        ("ARKK", FF6, 252, "44.90 7.32e-19 -215.14 444.3 458.8 11.073 1.753 11.234 0.00364 0.896 4.165 16.1"),
    ],
)
def test_summaries_reproduce_the_printed_statistics(funds, monthly, fund, factors, scale, printed):
    rows = summary_values(udfs.FACTOR_SUMMARY(column(funds[fund] * scale), column(monthly[factors] * scale)))
    for label, text in zip(PRINTED_COLUMNS, printed.split(), strict=True):
        assert_printed(rows[label], text, label)
    assert rows["Df Model"] == len(factors)


def test_fund_table_equals_statsmodels_fund_by_fund(funds, monthly):
    rows = table_rows(udfs.FUND_TABLE(with_header(funds), with_header(monthly[FF6]), 12, "hac"))
    for fund in funds.columns:
        lags = int(np.floor(4 * (funds[fund].count() / 100) ** (2 / 9)))  # the documented default
        reference = statsmodels_fit(funds[fund], monthly[FF6], cov_type="HAC", cov_kwds={"maxlags": lags})
        row = rows[fund]
        assert row["alpha"] == pytest.approx(reference.params["const"] * 12, rel=1e-10)
        assert row["t(alpha)"] == pytest.approx(reference.tvalues["const"], rel=1e-9)
        assert [row[f] for f in FF6] == pytest.approx(reference.params[FF6].to_numpy(), rel=1e-10)
        assert row["R-squared"] == pytest.approx(reference.rsquared, rel=1e-12)
        # default ddof: the regression's residual standard error, annualized with sqrt(12)
        assert row["residual vol"] == pytest.approx(np.sqrt(reference.mse_resid * 12), rel=1e-12)
        assert row["years"] == pytest.approx(reference.nobs / 12)


def test_fund_table_ddof_1_is_the_course_resid_std(funds, monthly):
    rows = table_rows(udfs.FUND_TABLE(with_header(funds), with_header(monthly[FF6]), 12, None, 1))
    for fund in funds.columns:
        reference = statsmodels_fit(funds[fund], monthly[FF6])
        assert rows[fund]["residual vol"] == pytest.approx(reference.resid.std() * np.sqrt(12), rel=1e-12)


def test_brk_capm_reproduces_the_seed(funds, monthly):
    rows = table_rows(udfs.FUND_TABLE(with_header(funds[["BRK"]]), with_header(monthly[["Mkt-RF"]]), 1))
    brk = rows["BRK"]
    assert brk["observations"] == 279
    assert brk["Mkt-RF"] == pytest.approx(0.5919, abs=5e-05)  # printed with 4 decimals
    assert brk["alpha"] == pytest.approx(0.0054, abs=5e-05)  # printed with 4 decimals
    assert brk["R-squared"] == pytest.approx(0.223, abs=5e-04)  # printed with 3 decimals


def test_arkk_anti_value_share_and_euler_shares(funds, monthly):
    arkk = funds["ARKK"]
    shares = table_rows(udfs.FACTOR_SHARES(with_header(funds), with_header(monthly[FF6])))["ARKK"]
    reference = statsmodels_fit(arkk, monthly[FF6])
    rows = reference.model.data.row_labels
    variance = arkk.loc[rows].var()
    # the seed's "anti-value" share: beta_HML^2 Var(HML), as a share of ARKK's variance
    hml_share = reference.params["HML"] ** 2 * monthly.loc[rows, "HML"].var() / variance
    assert shares["HML"] == pytest.approx(hml_share, rel=1e-12)
    assert shares["Mkt-RF"] == pytest.approx(reference.params["Mkt-RF"] ** 2 * monthly.loc[rows, "Mkt-RF"].var() / variance, rel=1e-12)
    assert shares["residual"] == pytest.approx(1 - reference.rsquared, rel=1e-12)
    assert shares["total variance"] == pytest.approx(variance, rel=1e-12)
    euler = table_rows(udfs.FACTOR_SHARES(with_header(funds), with_header(monthly[FF6]), "euler"))["ARKK"]
    betas = reference.params[FF6].to_numpy()
    factor_cov = monthly.loc[rows, FF6].cov().to_numpy()
    assert [euler[f] for f in FF6] == pytest.approx(betas * (factor_cov @ betas) / variance, rel=1e-11)
    assert sum(euler[f] for f in FF6) + euler["residual"] == pytest.approx(1.0, abs=1e-13)


def test_abnormal_returns_cumulate_alpha_plus_residuals(funds, monthly):
    paths = udfs.HEDGE_RETURNS_CUMULATIVE(with_header(funds), with_header(monthly[FF6]))
    assert paths[0] == ["BRK", "ARKK"]
    body = np.array([[np.nan if v is None else v for v in row] for row in paths[1:]])
    assert body.shape == (279, 2)
    for j, fund in enumerate(funds.columns):
        reference = statsmodels_fit(funds[fund], monthly[FF6])
        abnormal = reference.resid + reference.params["const"]
        expected = funds[fund].copy() * np.nan
        expected.loc[abnormal.index] = abnormal.cumsum()
        assert np.allclose(body[:, j], expected.to_numpy(), rtol=0, atol=1e-13, equal_nan=True)
        # the alpha is the average abnormal return: the path ends at n * alpha
        assert body[-1, j] == pytest.approx(reference.params["const"] * reference.nobs, rel=1e-10)
    compounded = udfs.HEDGE_RETURNS_CUMULATIVE(column(funds[["BRK"]]), column(monthly[FF6]), "COMPOUND")
    reference = statsmodels_fit(funds["BRK"], monthly[FF6])
    assert compounded[-1][0] == pytest.approx(np.prod(1 + reference.resid + reference.params["const"]) - 1, rel=1e-12)


def test_fund_table_bad_input(funds, monthly):
    with pytest.raises(FactorxlError, match="periods_per_year must be positive"):
        udfs.FUND_TABLE(column(funds), column(monthly[FF6]), 0)
    with pytest.raises(FactorxlError, match="returns has 279 data rows but factors has 278"):
        udfs.FUND_TABLE(column(funds), column(monthly[FF6])[1:], 12)
    with pytest.raises(FactorxlError, match="cov_type must be one of"):
        udfs.FUND_TABLE(column(funds), column(monthly[FF6]), 12, "robust")
    with pytest.raises(FactorxlError, match="collinear"):
        udfs.FUND_TABLE(column(funds), column(monthly[["HML", "HML"]]), 12)
    with pytest.raises(FactorxlError, match="ddof 59 leaves no degrees of freedom"):
        udfs.FUND_TABLE(column(funds), column(monthly[FF6]), 12, None, 59)
    with pytest.raises(FactorxlError, match="method must be one of"):
        udfs.FACTOR_SHARES(column(funds), column(monthly[FF6]), "marginal")
    with pytest.raises(FactorxlError, match="method must be one of"):
        udfs.HEDGE_RETURNS_CUMULATIVE(column(funds), column(monthly[FF6]), "log")
