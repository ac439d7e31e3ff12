"""One test per input rule of the worksheet conventions: the message, and that no number comes back."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from factorxl import udfs
from factorxl.errors import FactorxlError
from factorxl.excel.inputs import read_bool, read_choice, read_date, read_positions, read_table
from tests.tolerance import assert_same_results

RNG = np.random.default_rng(3)
FACTORS = (RNG.normal(0, 0.01, (30, 2))).tolist()
RETURNS = (np.array(FACTORS) @ [1.2, 0.3] + RNG.normal(0, 0.01, 30)).reshape(-1, 1).tolist()


def test_mismatched_lengths_name_both_arguments():
    with pytest.raises(FactorxlError, match="returns has 29 data rows but factors has 30"):
        udfs.FACTOR_BETA(RETURNS[:29], FACTORS)


def test_blanks_and_error_values_are_missing_and_the_row_is_dropped():
    returns = [list(r) for r in RETURNS]
    returns[3] = [None]
    returns[7] = ["#N/A"]
    returns[9] = [""]
    returns[11] = [math.nan]
    table = udfs.FACTOR_REGRESS(returns, FACTORS)
    assert {row[0]: row[1] for row in table[1:]}["Observations"] == 26
    kept = [i for i in range(30) if i not in (3, 7, 9, 11)]
    expected = udfs.FACTOR_BETA([RETURNS[i] for i in kept], [FACTORS[i] for i in kept])
    assert_same_results(udfs.FACTOR_BETA(returns, FACTORS), expected)


def test_text_in_a_numeric_range_is_an_error_with_its_position():
    returns = [list(r) for r in RETURNS]
    returns[4] = ["n/a yet"]
    with pytest.raises(FactorxlError, match=r'returns has text "n/a yet" at row 5, column 1 of the range; expected numbers'):
        udfs.FACTOR_BETA(returns, FACTORS)


def test_numbers_stored_as_text_are_read_as_numbers():
    returns = [[str(r[0])] for r in RETURNS]
    assert_same_results(udfs.FACTOR_BETA(returns, FACTORS), udfs.FACTOR_BETA(RETURNS, FACTORS))


def test_logical_values_are_not_numbers():
    with pytest.raises(FactorxlError, match="logical value"):
        udfs.FACTOR_BETA([[True]] + RETURNS[1:], FACTORS)


def test_too_few_rows_for_the_parameters():
    with pytest.raises(FactorxlError, match="3 observations .* needs at least 4"):
        udfs.FACTOR_BETA(RETURNS[:3], FACTORS[:3])


def test_collinear_factors_are_named():
    factors = [[a, b, a + 2 * b] for a, b in FACTORS]
    with pytest.raises(FactorxlError, match=r"collinear \(Mkt, SMB, Combo are linearly dependent"):
        udfs.FACTOR_BETA([["y"]] + RETURNS, [["Mkt", "SMB", "Combo"]] + factors)


def test_constant_factor_is_collinear_with_the_intercept():
    factors = [[a, 0.01] for a, _ in FACTORS]
    with pytest.raises(FactorxlError, match="factor f2 is constant"):
        udfs.FACTOR_BETA(RETURNS, factors)


def test_zero_volatility_and_zero_budget():
    with pytest.raises(FactorxlError, match="volatility must be positive"):
        udfs.VOL_BUDGET_SIZE(1e6, 0.0)
    with pytest.raises(FactorxlError, match="volatility must be positive"):
        udfs.VOL_BUDGET_SIZE(1e6, [[0.01]] * 10)
    with pytest.raises(FactorxlError, match="budget must be positive; got 0"):
        udfs.VOL_BUDGET_SIZE(0, RETURNS)
    with pytest.raises(FactorxlError, match="budget must be positive"):
        udfs.VOL_BUDGET_SIZE(-5, RETURNS)


def test_empty_ranges():
    for empty in (None, [], "", [[None], [None]], [["#N/A"], [None]]):
        with pytest.raises(FactorxlError, match="returns (is empty|has no numbers)"):
            udfs.FACTOR_BETA(empty, FACTORS)


def test_header_without_data():
    with pytest.raises(FactorxlError, match="returns has a header but no data rows"):
        udfs.FACTOR_BETA([["MSFT"]], [["Mkt"]])


def test_ragged_ranges():
    with pytest.raises(FactorxlError, match="factors is not rectangular"):
        udfs.FACTOR_BETA(RETURNS[:3], [[1.0, 2.0], [1.0], [2.0, 3.0]])


def test_single_row_or_column_arrives_flat_and_is_one_series():
    flat_returns = [r[0] for r in RETURNS]
    flat_factor = [f[0] for f in FACTORS]
    assert_same_results(udfs.FACTOR_BETA(flat_returns, flat_factor), udfs.FACTOR_BETA(RETURNS, [[f] for f in flat_factor]))


def test_a_one_asset_function_refuses_several_columns():
    with pytest.raises(FactorxlError, match="returns must be a single asset column; it has 2 columns"):
        udfs.FACTOR_REGRESS([r + r for r in RETURNS], FACTORS)


def test_options_are_case_insensitive_and_checked():
    assert read_choice("HaC", "cov_type", ("classical", "hac"), "classical") == "hac"
    with pytest.raises(FactorxlError, match='cov_type must be one of "classical", "hc0".*got "robust"'):
        udfs.FACTOR_REGRESS(RETURNS, FACTORS, "robust")
    with pytest.raises(FactorxlError, match="lags must be a whole number; got 2.5"):
        udfs.FACTOR_REGRESS(RETURNS, FACTORS, "hac", 2.5)
    with pytest.raises(FactorxlError, match="target_factor_share must be at least 0 and below 1; got 1"):
        udfs.HEDGE_RATIO(RETURNS, FACTORS, 1)
    with pytest.raises(FactorxlError, match="periods_per_year must be positive"):
        udfs.FACTOR_ALPHA(RETURNS, FACTORS, 0)
    assert read_bool("TRUE", "x", False) and not read_bool(0, "x", True) and read_bool(None, "x", True)
    with pytest.raises(FactorxlError, match="x must be TRUE or FALSE"):
        read_bool("maybe", "x", True)


def test_header_detection_needs_text_in_every_column():
    labeled = read_table([["A", "B"], [1.0, 2.0]], "returns", "y")
    assert labeled.labels == ("A", "B") and labeled.has_header and labeled.rows == 1
    # a first row with a number is data, so the text in it is an error, not half a header
    with pytest.raises(FactorxlError, match='text "A" at row 1, column 1'):
        read_table([["A", 1.0], [1.0, 2.0]], "returns", "y")
    assert read_table([[1.0, 2.0]], "factors", "f").labels == ("f1", "f2")


def test_constant_returns_have_no_sharpe_ratio():
    with pytest.raises(FactorxlError, match="volatility is zero"):
        udfs.SHARPE_RATIO([[0.01]] * 10)


def test_infinite_values_are_errors():
    with pytest.raises(FactorxlError, match="returns has an infinite value at row 2, column 1 of the range"):
        udfs.FACTOR_BETA([[0.01], [float("-inf")], [0.02]] + RETURNS[3:], FACTORS)
    for text in ("inf", "-Infinity", "nan", "NaN"):
        with pytest.raises(FactorxlError, match=f'returns has "{text}" at row 2, column 1 of the range, not a finite number'):
            udfs.FACTOR_BETA([[0.01], [text], [0.02]] + RETURNS[3:], FACTORS)


def test_numbers_outside_1e_minus_50_to_1e50_are_errors():
    with pytest.raises(FactorxlError, match=r"factors has 1e\+200, too large a number, at row 3, column 2 of the range; numbers must be finite and 0 or from 1e-50 to 1e50 in size: use smaller units"):
        udfs.FACTOR_BETA(RETURNS, [row if i != 2 else [row[0], 1e200] for i, row in enumerate(FACTORS)])
    with pytest.raises(FactorxlError, match=r"returns has 3e-51, too small a number, at row 2, column 1 of the range; .* type 0 for it, or use larger units"):
        udfs.FACTOR_BETA([RETURNS[0], [3e-51], *RETURNS[2:]], FACTORS)
    with pytest.raises(FactorxlError, match=r'budget has "-2e51", too large a number; numbers must be finite'):
        udfs.VOL_BUDGET_SIZE("-2e51", RETURNS)
    with pytest.raises(FactorxlError, match='periods_per_year has "inf"'):
        udfs.SHARPE_RATIO(RETURNS, "inf")
    # the bounds themselves, zeros and negative numbers are numbers
    edges = [[1e-50], [-1e50], [0.0], [-0.0], [-1e-50], [1e50], [0.02], [-0.03]]  # moves of 2 % read as decimals
    assert udfs.SHARPE_RATIO(edges) == pytest.approx(np.mean(np.array(edges)) / np.std(np.array(edges), ddof=1), rel=1e-12)


def test_whole_number_options_refuse_non_finite_and_huge_values():
    for value, message in (("inf", 'lags has "inf"'), ("nan", 'lags has "nan"'), (2.5, "lags must be a whole number; got 2.5"),
                           (1e20, "lags must be a whole number up to 2,147,483,647; got 1e\\+20")):
        with pytest.raises(FactorxlError, match=message):
            udfs.FACTOR_REGRESS(RETURNS, FACTORS, "hac", value)
    with pytest.raises(FactorxlError, match="ddof must be a whole number up to"):
        udfs.FUND_TABLE(RETURNS, FACTORS, 12, None, 1e20)
    for value in ("inf", "nan", float("inf")):
        with pytest.raises(FactorxlError, match="is not a column number between 1 and"):
            read_positions(value, "hedge_factors", ["MKT", "SMB"])


def test_date_text_without_a_year_is_not_a_date():
    with pytest.raises(FactorxlError, match='on_date is "1,5"; expected a date'):
        read_date("1,5", "on_date")
    assert read_date("9/30/2006", "on_date") == datetime.datetime(2006, 9, 30)


def test_constant_returns_cannot_be_regressed():
    with pytest.raises(FactorxlError, match="returns of y1 are constant"):
        udfs.FACTOR_BETA([[0.01]] * 30, FACTORS)


def test_an_empty_optional_range_counts_as_omitted():
    assert_same_results(udfs.VOL_BUDGET_SIZE(1e6, RETURNS, 21, ""), udfs.VOL_BUDGET_SIZE(1e6, RETURNS, 21))
