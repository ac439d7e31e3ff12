"""The slips people make in real sheets, one test each: refused with a message that says what to
fix, or computed right (checked against NumPy on the same numbers).

Dates inside a numeric range (as date cells or as the serial numbers xlwings Lite and Server pass),
numbers typed as text in a header row, data sorted newest first, day/month text dates, labels that
differ only in case, Newey-West spelled "nw", and messages that show Python values or count rows
within the range.
"""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest

from factorxl import udfs
from factorxl.errors import FactorxlError
from factorxl.excel.declare import FUNCTIONS
from factorxl.excel.help import OLDEST_FIRST, PERIOD_SERIES
from factorxl.excel.inputs import read_date, read_long_table
from tests.tolerance import assert_same_results

RNG = np.random.default_rng(19)
T = 300
FACTORS = RNG.normal(0.0, 0.01, (T, 2))
RETURNS = 0.0002 + FACTORS @ [1.07, 0.3] + RNG.normal(0.0, 0.008, T)
SERIALS = 43832.0 + np.arange(T)  # 2020-01-02 on, one a day
DATES = [datetime.datetime(2020, 1, 2) + datetime.timedelta(days=int(d)) for d in range(T)]


def ols_slopes(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Slopes of y on x with an intercept, by NumPy's least squares."""
    design = np.column_stack([np.ones(len(x)), x])
    return np.linalg.lstsq(design, y, rcond=None)[0][1:]


def with_column(column, block) -> list:
    return [[c, *row] for c, row in zip(column, np.asarray(block).reshape(len(column), -1).tolist(), strict=True)]


# ---------------------------------------------------------------------------
# Dates inside a numeric range
# ---------------------------------------------------------------------------


def test_a_date_column_in_the_factors_is_refused_by_name():
    # FACTOR_BETA(B2:B301, A2:C301) with the dates in column A, as xlwings Lite passes them
    with pytest.raises(FactorxlError, match=r"^column 1 of factors looks like dates \(Excel date numbers 43832 to 44131, "
                       r"2020-01-02 to 2020-10-27\): leave the date column out of the range$"):
        udfs.FACTOR_BETA(RETURNS.tolist(), with_column(SERIALS, FACTORS))


def test_a_date_column_in_the_returns_is_refused_not_taken_for_an_asset():
    with pytest.raises(FactorxlError, match="column 1 of returns looks like dates"):
        udfs.FACTOR_BETA(with_column(SERIALS, RETURNS), FACTORS.tolist())


def test_date_cells_in_a_numeric_range_are_refused_as_a_column():
    with pytest.raises(FactorxlError, match=r"column 1 of factors looks like dates \(2020-01-02 to 2020-10-27\): leave"):
        udfs.FACTOR_BETA(RETURNS.tolist(), with_column(DATES, FACTORS))
    lone = FACTORS.tolist()
    lone[4][1] = DATES[4]  # one date among numbers is a cell, shown as the sheet shows it
    with pytest.raises(FactorxlError, match=r"factors has a date \(2020-01-06\) at row 5, column 2 of the range; expected numbers"):
        udfs.FACTOR_BETA(RETURNS.tolist(), lone)


def test_a_year_column_is_refused():
    years = np.arange(1994.0, 2024.0)
    with pytest.raises(FactorxlError, match=r"column 1 of returns looks like years \(whole numbers 1994 to 2023\): leave the year column"):
        udfs.SHARPE_RATIO(with_column(years, RETURNS[:30]))


def test_the_risk_free_rate_and_attribution_periods_refuse_dates_too():
    with pytest.raises(FactorxlError, match="column 1 of rf looks like dates"):
        udfs.HEDGE_CASH_EFFECT(1.2, with_column(SERIALS[:5], [[0.0001, 0.0002]] * 5))
    with pytest.raises(FactorxlError, match="column 1 of factors looks like dates"):
        udfs.ATTRIBUTION([0.1, -0.2], with_column(SERIALS[:4], FACTORS[:4]), [0.0] * 4, [0.01] * 4, [0.0] * 4)


def test_whole_numbers_that_are_not_dates_are_read_as_numbers():
    # caps sorted by size, and a time trend as a factor, are whole numbers rising down the rows
    caps = np.arange(1000.0, 1010.0) ** 2
    np.testing.assert_allclose(np.ravel(udfs.CROSS_SECTION_WEIGHTS(caps.tolist())), np.sqrt(caps) / np.sqrt(caps).sum(), rtol=1e-14)
    trend = np.arange(1.0, T + 1.0)
    beta = udfs.FACTOR_BETA(RETURNS.tolist(), trend.tolist())
    assert beta == pytest.approx(ols_slopes(RETURNS, trend)[0], rel=1e-9)
    # a long table's date and id columns belong there: serial dates and PERMNOs
    table = [["date", "permno", "ret", "size", "value"]]
    for d in range(4):
        for permno in (10107.0, 14593.0, 93436.0, 22111.0):
            table.append([44000.0 + 30 * d, permno, *RNG.normal(0, 0.05, 3).tolist()])
    assert len(udfs.CHAR_RETURNS(table)) == 5


def test_the_date_rule_follows_the_argument_declaration():
    """A column of dates is refused in every argument whose rows are periods, and those arguments'
    help says the rows run oldest first: one declaration (help.PERIOD_SERIES) serves both."""
    declared = {argument for function in FUNCTIONS.values() for argument in function.arguments}
    assert PERIOD_SERIES <= declared
    for function in FUNCTIONS.values():
        for argument, text in function.arguments.items():
            if argument in PERIOD_SERIES:
                assert OLDEST_FIRST in text, (function.name, argument)


# ---------------------------------------------------------------------------
# Numbers stored as text in a header row
# ---------------------------------------------------------------------------

SHORT = [0.012, -0.004, 0.021, 0.003, -0.011, 0.008, 0.015, -0.002]


def test_sharpe_ratio_reads_a_permno_header_as_a_label():
    expected = np.mean(SHORT) / np.std(SHORT, ddof=1)
    assert udfs.SHARPE_RATIO(["10107", *SHORT]) == pytest.approx(expected, rel=1e-13)
    assert udfs.SHARPE_RATIO([["10107", "14593"], *[[r, -r] for r in SHORT]]) == [
        ["", "Sharpe ratio"], ["10107", pytest.approx(expected, rel=1e-13)], ["14593", pytest.approx(-expected, rel=1e-13)]
    ]


def test_portfolio_exposure_reads_permno_headers_as_labels():
    two = np.column_stack([RETURNS, 0.5 * RETURNS + RNG.normal(0, 0.01, T)])
    betas = np.array([ols_slopes(two[:, j], FACTORS) for j in range(2)])
    result = udfs.PORTFOLIO_EXPOSURE([["10107", "14593"], [0.5, 0.5]], two.tolist(), FACTORS.tolist())
    assert result[0] == ["f1", "f2"]
    np.testing.assert_allclose(result[1], 0.5 * betas.sum(axis=0), rtol=1e-10)


def test_hedge_cash_effect_reads_a_year_header_as_a_label():
    rates = [0.0001, 0.00012, 0.00009]
    result = udfs.HEDGE_CASH_EFFECT(1.2, ["2020", *rates])
    np.testing.assert_allclose(np.ravel(result), 0.2 * np.array(rates), rtol=1e-14)


def test_cross_section_weights_reads_a_decile_header_as_a_label():
    assert np.ravel(udfs.CROSS_SECTION_WEIGHTS([["1"], [37.04]])).tolist() == [1.0]  # one stock: x / x, exactly 1
    np.testing.assert_allclose(np.ravel(udfs.CROSS_SECTION_WEIGHTS(["1", 37.04, 12.0])), np.sqrt([37.04, 12.0]) / np.sqrt([37.04, 12.0]).sum(), rtol=1e-14)


def test_numbers_stored_as_text_throughout_are_data():
    # a range that is text from top to bottom is numbers stored as text: its first row is data
    assert udfs.SHARPE_RATIO([str(r) for r in SHORT]) == pytest.approx(np.mean(SHORT) / np.std(SHORT, ddof=1), rel=1e-13)
    assert udfs.SHARPE_RATIO(["10107", *map(str, SHORT)]) == pytest.approx(np.mean([10107, *SHORT]) / np.std([10107, *SHORT], ddof=1), rel=1e-13)


def test_a_long_table_header_may_spell_numbers():
    rows = [["date", "permno", "ret", "1", "2"]] + [
        [44000.0 + 30 * d, float(i), *RNG.normal(0, 0.05, 3).tolist()] for d in range(3) for i in range(4)
    ]
    assert read_long_table(rows, "table", "x").labels == ("ret", "1", "2")


# ---------------------------------------------------------------------------
# Data sorted newest first
# ---------------------------------------------------------------------------


def test_ewma_covariance_history_with_dates_newest_first_is_refused():
    with pytest.raises(FactorxlError, match=r"column 1 of factors looks like dates \(Excel date numbers 44131 to 43832.*\): leave the "
                       r"date column out of the range and sort the rows oldest first"):
        udfs.RISK_FACTOR_COV_HISTORY(with_column(SERIALS[::-1], FACTORS), "ewma", 60)


def test_rolling_beta_with_dates_newest_first_is_refused():
    with pytest.raises(FactorxlError, match="sort the rows oldest first"):
        udfs.FACTOR_ROLLING_BETA(RETURNS[::-1].tolist(), with_column(DATES[::-1], FACTORS[::-1]), 60)


def test_order_dependent_functions_say_oldest_first_in_their_help():
    """The functions whose numbers depend on the order of the rows (tests/test_fuzz.py checks which
    do) ask for oldest first in the help of their series."""
    from tests.fuzz_values import ORDER_DEPENDENT

    for name in ORDER_DEPENDENT:
        assert any(OLDEST_FIRST in text for text in FUNCTIONS[name].arguments.values()), name


def test_a_long_table_in_any_row_order_gives_the_same_premia():
    rows = [[44000.0 + 30 * d, f"s{i}", *RNG.normal(0, 0.05, 3).tolist()] for d in range(12) for i in range(6)]
    forward = udfs.CHAR_PREMIA(rows, "hac", 2)
    backward = udfs.CHAR_PREMIA(rows[::-1], "hac", 2)
    assert [row[0] for row in forward] == [row[0] for row in backward]
    np.testing.assert_allclose(
        [v for row in forward[1:] for v in row[1:] if isinstance(v, float)],
        [v for row in backward[1:] for v in row[1:] if isinstance(v, float)],
        rtol=1e-12,
    )


# ---------------------------------------------------------------------------
# Day/month text dates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["01/02/2024", "1.2.2024", "01-02-2024"])
def test_ff_factors_refuses_an_ambiguous_day_month_date(text):
    with pytest.raises(FactorxlError, match=re.escape(f'start_date is "{text}", which could be 2024-01-02 or 2024-02-01; '
                                                      "type the date year first (2024-01-02 or 2024-02-01)")):
        udfs.FF_FACTORS("FF3", "daily", text)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2024-01-02", datetime.datetime(2024, 1, 2)),
        ("13/02/2024", datetime.datetime(2024, 2, 13)),  # 13 is not a month
        ("02/13/2024", datetime.datetime(2024, 2, 13)),
        ("05.05.2024", datetime.datetime(2024, 5, 5)),  # both orders agree
        ("30 Sep 2006", datetime.datetime(2006, 9, 30)),
        (datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2)),
        (45293.0, datetime.datetime(2024, 1, 2)),
    ],
)
def test_iso_text_date_cells_serials_and_unambiguous_orders_are_read(typed, expected):
    assert read_date(typed, "on_date") == expected


def test_a_long_table_of_text_dates_is_read_in_the_order_its_dates_show():
    day_first = [["13/01/2024", "a", 0.01], ["01/02/2024", "a", 0.02]]
    assert read_long_table(day_first, "holdings", "w").dates == (datetime.datetime(2024, 1, 13), datetime.datetime(2024, 2, 1))
    ambiguous = [["01/02/2024", "a", 0.01], ["03/04/2024", "a", 0.02]]
    with pytest.raises(FactorxlError, match=r'holdings has "01/02/2024" in its date column at row 1, column 1 of the range, which could be'):
        read_long_table(ambiguous, "holdings", "w")


# ---------------------------------------------------------------------------
# Labels that select columns
# ---------------------------------------------------------------------------


def test_risk_stress_refuses_labels_that_differ_only_in_case():
    with pytest.raises(FactorxlError, match=r'shock_factor "Value" matches 2 columns, Value \(column 1\) and VALUE \(column 2\): '
                       r"give the columns different names \(case does not count\), or choose by column number"):
        udfs.RISK_STRESS([1, 0.3], [["Value", "VALUE"], [0.04, 0.01], [0.01, 0.02]], "Value", -2)
    by_number = udfs.RISK_STRESS([1, 0.3], [["Value", "VALUE"], [0.04, 0.01], [0.01, 0.02]], 1, -2)
    assert by_number[1][0] == "Value" and by_number[1][1] == pytest.approx(-2 * 0.2, rel=1e-14)  # its own move: -2 vols


def test_a_weight_column_named_twice_is_refused():
    table = [["date", "id", "ret", "Cap", "cap ", "bm"]] + [
        [44000.0 + 30 * d, f"s{i}", *np.abs(RNG.normal(0, 0.05, 4)).tolist()] for d in range(3) for i in range(5)
    ]
    with pytest.raises(FactorxlError, match='weight_column "cap" matches 2 columns'):
        udfs.CHAR_RETURNS(table, "cap")


def test_labels_that_select_nothing_may_repeat():
    block = [["MSFT", "msft"], *np.column_stack([RETURNS, RETURNS * 2]).tolist()]
    result = udfs.FACTOR_BETA(block, FACTORS.tolist())
    assert [row[0] for row in result[1:]] == ["MSFT", "msft"]


# ---------------------------------------------------------------------------
# One option vocabulary
# ---------------------------------------------------------------------------


def test_newey_west_is_hac_everywhere_and_nw_reads_as_hac():
    panel = 0.005 + FACTORS[:120, :1] @ RNG.normal(1, 0.3, (1, 6)) + RNG.normal(0, 0.01, (120, 6))
    hac = udfs.FM_PREMIA(panel.tolist(), FACTORS[:120, :1].tolist(), "hac", 4)
    assert_same_results(udfs.FM_PREMIA(panel.tolist(), FACTORS[:120, :1].tolist(), "nw", 4), hac)
    assert dict((row[0], row[1]) for row in hac)["std errors"] == "Newey-West (4 lags)"
    assert_same_results(udfs.FACTOR_REGRESS(RETURNS.tolist(), FACTORS.tolist(), "NW", 3), udfs.FACTOR_REGRESS(RETURNS.tolist(), FACTORS.tolist(), "hac", 3))


def test_help_names_newey_west_hac_and_residual_risk_by_one_word():
    for function in FUNCTIONS.values():
        for part, text in [("description", function.description), *function.arguments.items()]:
            assert '"nw"' not in text, (function.name, part)
            assert not re.search(r"idiosyncratic|\bidio\b|abnormal", text, re.I), (function.name, part)


# ---------------------------------------------------------------------------
# Messages in the sheet's words
# ---------------------------------------------------------------------------


def test_messages_show_cells_as_the_sheet_does():
    with pytest.raises(FactorxlError) as caught:
        udfs.FACTOR_BETA([0.01, datetime.datetime(2024, 1, 4), 0.02, 0.0], [0.01, 0.02, 0.03, 0.01])
    assert str(caught.value) == "returns has a date (2024-01-04) at cell 2 of the range; expected numbers"
    with pytest.raises(FactorxlError, match=r'intercept must be TRUE or FALSE \(or 1/0\); got "maybe"'):
        udfs.FACTOR_BETA(RETURNS.tolist(), FACTORS.tolist(), "maybe")
    with pytest.raises(FactorxlError, match=r"returns has a logical value \(TRUE\) at row 3, column 1 of the range"):
        udfs.FACTOR_BETA([[0.01], [0.02], [True], [0.0]], [0.01, 0.02, 0.03, 0.01])


def test_a_refresh_names_the_cell_of_the_range_a_message_is_about(tmp_path):
    """The headless refresh knows each argument's range, so a message names the sheet's cell (or
    column) instead of a row and column counted within the range."""
    import xlsxwriter

    from factorxl.workbooks.engine import ExcelError, recalculate

    book = tmp_path / "slips.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    data = workbook.add_worksheet("Data")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    data.write_row(0, 0, ["date", "MSFT", "Mkt", "", "w1", "w2", "w3"])
    for i in range(40):
        data.write_datetime(i + 1, 0, DATES[i], dates)
        data.write_number(i + 1, 1, RETURNS[i])
        data.write_number(i + 1, 2, FACTORS[i, 0])
    data.write_string(6, 1, "n/a")  # B7
    data.write_row(1, 4, [0.2, 0.3, 0.5])
    data.write_row(2, 4, [0.2, True, 0.5])  # F3
    model = workbook.add_worksheet("Model")
    model.write_formula("B1", "=FACTOR_BETA(Data!B2:B41,Data!C2:C41)")
    model.write_formula("B2", "=FACTOR_BETA(Data!C2:C41,Data!A2:A41)")
    model.write_formula("B3", "=PORTFOLIO_TURNOVER(Data!E2:G2,Data!E3:G3)")
    workbook.close()
    fresh = recalculate(book)
    assert fresh.value("Model", "B1") == ExcelError(
        "#VALUE!", 'returns has text "n/a" at cell Data!B7; expected numbers (empty cells and error values count as missing)'
    )
    assert fresh.value("Model", "B2") == ExcelError(
        "#VALUE!", "column A (Data!A2:A41) of factors looks like dates (2020-01-02 to 2020-02-10): leave the date column out of the range"
    )
    assert fresh.value("Model", "B3") == ExcelError("#VALUE!", "new_weights has a logical value (TRUE) at cell Data!F3; expected numbers")


def test_long_table_messages_place_their_cells():
    table = [[44000.0 + 30 * d, f"s{i}", *RNG.normal(0, 0.05, 3).tolist()] for d in range(3) for i in range(6)]
    holdings = [["date", "id", "weight"], [44000.0, "s1", 0.5], [44000.0, "s2", None]]
    with pytest.raises(FactorxlError, match=r"^holdings has an empty weight at row 3, column 3 of the range$"):
        udfs.CHAR_ADJUSTED_RETURN(holdings, table)
