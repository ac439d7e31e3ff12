"""The MSFT workbook built from the shared data: the seeds' numbers in its cells, checked against
statsmodels and the seeds' printouts, native twins equal to factorxl, fresh cached values."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from factorxl.workbooks.templates.msft import PRINTED_SUMMARY
from tests.doc_figures import check_build_figures, shows_headline
from tests.course_data import msft_excess_and_market, spy_wmt_jpm
from tests.summary_checks import assert_printed, statsmodels_summary
from tests.workbook_checks import (
    Book,
    assert_cached_values_are_fresh,
    assert_no_pasted_numbers,
    assert_twin_differences_vanish,
    chart_count,
    package_settings,
)

SEED_BETA = 1.187234068887255  # seed 001 with the 2024 factors


@pytest.fixture(scope="module")
def built(built_books):
    return built_books["msft"]


@pytest.fixture(scope="module")
def book(built):
    return Book(built.path)


@pytest.fixture(scope="module")
def reference(shared_data):
    data = msft_excess_and_market(shared_data, "v202412")
    fit = sm.OLS(data["MSFT"], sm.add_constant(data["Mkt-RF"])).fit()
    return data, fit


def test_headline_is_the_seed_beta(built):
    (headline,) = built.headlines
    assert headline.label == "MSFT beta"
    assert headline.value == pytest.approx(SEED_BETA, abs=1e-12)
    assert shows_headline("MSFT beta: 1.187234068887", headline)


def test_regression_table_matches_statsmodels(book, reference):
    data, fit = reference
    table = book.table("Model", "MSFT excess")
    assert table["alpha"][0] == pytest.approx(fit.params["const"], rel=1e-12)
    assert table["Mkt-RF"][0] == pytest.approx(fit.params["Mkt-RF"], rel=1e-12)
    assert table["Mkt-RF"][1] == pytest.approx(fit.bse["Mkt-RF"], rel=1e-10)
    assert table["alpha"][2] == pytest.approx(fit.tvalues["const"], rel=1e-10)
    assert table["R-squared"][0] == pytest.approx(fit.rsquared, rel=1e-12)
    assert table["Observations"][0] == len(data) == 9778
    assert table["Residual vol"][0] == pytest.approx(np.sqrt(fit.scale), rel=1e-12)
    assert table["Alpha (annualized)"][0] == pytest.approx(252 * fit.params["const"], rel=1e-12)


def test_summary_statistics_match_statsmodels_and_the_printouts(book, reference):
    _, fit = reference
    table = book.table_below("Model", "statsmodels' summary statistics of the regression (classical errors)")
    for label, expected in statsmodels_summary(fit).items():
        assert table[label][0] == pytest.approx(expected, rel=1e-10, abs=0), label
    assert table["Covariance Type"][0] == "classical"
    # the "source prints" column: the older version's value first (it ran on these v202412 factors)
    for label, (printed_001, _) in PRINTED_SUMMARY.items():
        assert table[label][1].startswith(f"{printed_001} (older version, French v202412); ")
        if label != "Covariance Type":
            assert_printed(table[label][0], printed_001, label)


def test_parameters_reproduce_seed_001(book):
    assert book.right_of("Model", "beta") == pytest.approx(SEED_BETA, abs=1e-12)
    assert book.right_of("Model", "alpha (daily)") == pytest.approx(0.0005855699261548292, rel=1e-12)
    # 001 prints var_r and var_e as population variances and var_f as a sample variance
    assert book.right_of("Model", "Var(MSFT excess)  var_r", 3) == pytest.approx(0.0004416123295030902, rel=1e-12)
    assert book.right_of("Model", "Var(Mkt-RF)  var_f", 2) == pytest.approx(0.00013005387619649368, rel=1e-12)
    assert book.right_of("Model", "Var(residual)  var_e", 3) == pytest.approx(0.00025831692182161234, rel=1e-12)
    assert book.right_of("Model", "Mean Mkt-RF  mu_f") == pytest.approx(0.00035668848435262666, rel=1e-12)


def test_positions_and_pnl_reproduce_the_seeds(book, reference):
    data, fit = reference
    budget = book.right_of("Model", "Volatility budget ($ of volatility per horizon)")
    assert budget == 1_000_000
    row, col = book.find("Model", "monthly")
    ws = book.values["Model"]
    unhedged_vol, unhedged = ws.cell(row, col + 2).value, ws.cell(row, col + 3).value
    hedged_vol = ws.cell(row, col + 4).value
    assert unhedged / budget == pytest.approx(10.384121419128503, rel=1e-12)  # 001: x with ddof 0
    assert unhedged_vol == pytest.approx(np.sqrt(data["MSFT"].var(ddof=0) * 21), rel=1e-12)
    assert hedged_vol == pytest.approx(0.0736, abs=1e-4)  # 000's "Hedged vol (annual)" (2025 factors), a monthly figure
    annual_row, _ = book.find("Model", "annual")
    assert ws.cell(annual_row, col + 2).value == pytest.approx(0.3336, abs=5e-05)  # 000: unhedged vol (annual), printed with 4 decimals
    hedged_annual = ws.cell(annual_row, col + 5).value
    assert hedged_annual == pytest.approx(budget / np.sqrt(fit.resid.var(ddof=0) * 252), rel=1e-12)
    mu = data["Mkt-RF"].mean()
    total, risk_adjusted = (book.right_of("Model", "unhedged, monthly budget", k) for k in (2, 3))
    assert total == pytest.approx(unhedged * (fit.params["Mkt-RF"] * mu + fit.params["const"]) * 252, rel=1e-12)
    assert risk_adjusted == pytest.approx(unhedged * fit.params["const"] * 252, rel=1e-12)
    assert book.right_of("Model", "hedged, annual budget", 3) == pytest.approx(hedged_annual * fit.params["const"] * 252, rel=1e-10)


def test_hedges_and_variance_decomposition(book, reference):
    data, fit = reference
    var_e, var_f = fit.resid.var(), data["Mkt-RF"].var()
    xh20 = np.sqrt(0.2 * var_e / (0.8 * var_f)) - fit.params["Mkt-RF"]  # 001's formula
    assert book.right_of("Model", "Market units per $1 of MSFT (xh)") == pytest.approx(xh20, rel=1e-12)
    assert book.right_of("Model", "Full hedge (target 0): -beta") == pytest.approx(-SEED_BETA, abs=1e-12)
    assert book.right_of("Model", "Factor share after the hedge (= target)") == pytest.approx(0.2, abs=1e-12)
    row, col = book.find("Model", "Residual")
    ws = book.values["Model"]
    assert ws.cell(row - 1, col + 2).value == pytest.approx(fit.rsquared, rel=1e-12)  # factor share = R2
    assert ws.cell(row, col + 1).value == pytest.approx(fit.resid.var(ddof=0), rel=1e-12)
    assert ws.cell(row + 1, col + 1).value == pytest.approx(data["MSFT"].var(ddof=0), rel=1e-12)
    assert book.right_of("Model", "Hedged mean, annualized (= alpha annualized)") == pytest.approx(252 * fit.params["const"], rel=1e-10)
    assert abs(book.right_of("Model", "Correlation of the hedged return with Mkt-RF")) < 1e-12


def test_comovement_reproduces_seed_000(book, shared_data):
    data = spy_wmt_jpm(shared_data)
    assert book.table("CoMovement", "WMT")["SPY"][0] == pytest.approx(0.6737719432407148, rel=1e-12)
    assert book.table("CoMovement", "JPM")["SPY"][0] == pytest.approx(1.3949175281635984, rel=1e-12)
    assert book.table("CoMovement", "JPM")["Observations"][0] == len(data) == 7974
    row, col = book.find("CoMovement", "corr with SPY")
    ws = book.values["CoMovement"]
    assert ws.cell(row + 1, col).value == pytest.approx(0.492221, abs=5e-07)  # printed with 6 decimals
    assert ws.cell(row + 2, col).value == pytest.approx(0.707302, abs=5e-07)  # printed with 6 decimals
    hedged = data["JPM"] - np.polyfit(data["SPY"], data["JPM"], 1)[0] * data["SPY"]
    assert book.right_of("CoMovement", "Sharpe ratio (annualized)", 2) == pytest.approx(hedged.mean() / hedged.std() * np.sqrt(252), rel=1e-9)
    assert book.right_of("CoMovement", "Position for the annual volatility budget") == pytest.approx(5e6 / (data["JPM"].std() * np.sqrt(252)), rel=1e-12)


def test_native_twins_equal_factorxl(book):
    assert assert_twin_differences_vanish(book) == 3 * 8 + 3 + 4 + 2  # three regression tables, three comparison blocks
    row, col = book.find("Model", "Excel: unhedged")
    ws = book.values["Model"]
    for r in range(row + 1, row + 4):  # positions: VOL_BUDGET_SIZE against budget / (sd * SQRT(h))
        assert ws.cell(r, col).value == pytest.approx(ws.cell(r, col - 3).value, rel=1e-12)
        assert ws.cell(r, col + 1).value == pytest.approx(ws.cell(r, col - 1).value, rel=1e-12)
    for label in ("unhedged, monthly budget", "hedged, annual budget"):
        for k in (2, 3):
            assert book.right_of("Model", label, k + 2) == pytest.approx(book.right_of("Model", label, k), rel=1e-10)


def test_every_cached_value_is_a_fresh_recalculation(built):
    assert assert_cached_values_are_fresh(built.path) > 9778 * 4


def test_template_conventions(built, book):
    settings = package_settings(built.path)
    assert "fullCalcOnLoad" not in settings and settings["calcId"] == "191029"
    assert_no_pasted_numbers(book, data_sheets=("Data", "CoMovement Data"))
    names = set(book.formulas.defined_names)
    assert {"budget", "horizon", "target_share", "periods_per_year", "ddof", "msft_excess", "mkt_rf"} <= names
    assert chart_count(built.path) == 3
    assert book.formulas.sheetnames == ["Model", "Data", "Charts", "CoMovement Data", "CoMovement", "Notes"]
    notes = " ".join(str(c.value) for row in book.values["Notes"].iter_rows() for c in row if c.value)
    for slip in ("sqrt(21)", "population variances", "1.1876", "different run"):
        assert slip in notes


def test_the_docs_quote_this_build(built):
    check_build_figures(built, "MSFT")
