"""What a user types: a year in a date argument, and returns and factors in different units."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pytest

from factorxl import udfs
from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_brk_arkk, load_msft, load_spy_wmt_jpm_excess
from factorxl.data.french import load_table
from factorxl.errors import FactorxlError
from factorxl.excel.inputs import read_date
from factorxl.excel.scale_check import PERCENT_SIZE, SCALE_RATIO, check_scale, typical_size

from course_data import column

# ---------------------------------------------------------------------------
# A four-digit year in a date argument
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [2020, 2020.0, "2020", " 2020 "])
def test_a_typed_year_is_that_year(typed):
    assert read_date(typed, "start_date", year="start") == datetime.datetime(2020, 1, 1)
    assert read_date(typed, "end_date", year="end") == datetime.datetime(2020, 12, 31)


def test_a_year_where_a_full_date_is_needed_is_refused_not_read_as_a_serial():
    with pytest.raises(FactorxlError, match=r"on_date is the year 2006; give a full date, e.g. 2006-12-31"):
        read_date(2006, "on_date")


@pytest.mark.parametrize("serial", [43861, 43861.5, 999, 10000])
def test_other_numbers_stay_excel_date_serials(serial):
    expected = datetime.datetime(1899, 12, 30) + datetime.timedelta(days=serial)
    assert read_date(serial, "start_date", year="start") == expected


@pytest.fixture
def french_2024(shared_data, monkeypatch):
    """FF_FACTORS reading the shared folder's 2024 vintage, as the environment variables say."""
    from factorxl.excel.data_functions import set_data_source

    set_data_source(None)
    monkeypatch.setenv("FACTORXL_DATA_DIR", str(shared_data))
    monkeypatch.setenv("FACTORXL_DATA_VINTAGE", "v202412")


def _serial_date(serial: float) -> datetime.date:
    return (datetime.datetime(1899, 12, 30) + datetime.timedelta(days=serial)).date()


def test_ff_factors_with_years_returns_those_years(french_2024):
    table = udfs.FF_FACTORS("FF3", "monthly", 2020, "2021")
    dates = [_serial_date(row[0]) for row in table[1:]]
    assert (dates[0], dates[-1], len(dates)) == (datetime.date(2020, 1, 31), datetime.date(2021, 12, 31), 24)
    daily = udfs.FF_FACTORS("CAPM", "daily", 2020, 2020)
    days = [_serial_date(row[0]) for row in daily[1:]]
    assert days[0] == datetime.date(2020, 1, 2) and days[-1] == datetime.date(2020, 12, 31)


# ---------------------------------------------------------------------------
# Percent against decimals
# ---------------------------------------------------------------------------


def _ordinary_pairs(shared_data):
    """Every returns/factors pair the shared datasets hold, in decimals as published (converted)."""
    v2412 = DataSource(local_dir=shared_data, vintage="v202412")
    v2510 = DataSource(local_dir=shared_data, vintage="v202510")
    daily = load_factors("FF6", "daily", source=v2510)
    msft = load_msft(source=v2412).join(daily, how="inner")
    yield "MSFT daily", msft[["MSFT"]], msft.drop(columns="MSFT")
    for name in daily.columns:  # one factor at a time, RF included: the widest ordinary ratios
        yield f"MSFT on {name}", msft[["MSFT"]], msft[[name]]
    spy = load_spy_wmt_jpm_excess(source=v2412).dropna()
    yield "WMT, JPM on SPY", spy[["WMT", "JPM"]], spy[["SPY"]]
    funds = load_brk_arkk(source=v2412)
    factors = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF"]
    yield "BRK, ARKK monthly", funds[["BRK", "ARKK"]], funds[factors]
    for name in factors:
        yield f"BRK, ARKK on {name}", funds[["BRK", "ARKK"]], funds[[name]]
    monthly = load_factors("FF6", "monthly", source=v2510)
    for file in ("25_Portfolios_5x5", "10_Industry_Portfolios"):
        portfolios = load_table(file, "vw", "monthly", source=v2510)[2]
        joined = portfolios.join(monthly, how="inner")
        yield file, joined[portfolios.columns], joined[monthly.columns]
    # the factors regressed on each other, as FM_PREMIA's test assets and factors sometimes are
    yield "FF6 on FF6", monthly, monthly


def test_ordinary_data_never_trips_the_percent_check(shared_data):
    for name, returns, factors in _ordinary_pairs(shared_data):
        check_scale(returns.to_numpy(), factors.to_numpy())  # raises on a trip
        assets, factor = typical_size(returns.to_numpy()), np.nanmax(typical_size(factors.to_numpy()))
        # and not only just: a margin of 1.5 on both conditions of each rule
        for larger, smaller in ((np.nanmax(assets), factor), (factor, np.nanmin(assets))):
            assert larger < SCALE_RATIO / 1.5 * smaller or larger < PERCENT_SIZE / 1.5, name


def test_returns_in_percent_against_decimal_factors_are_refused_with_the_fix(shared_data):
    funds = load_brk_arkk(source=DataSource(local_dir=shared_data))
    factors = column(funds[["Mkt-RF", "SMB", "HML"]])
    assert udfs.FACTOR_BETA(column(funds["BRK"]), factors)  # decimals against decimals are fine
    with pytest.raises(FactorxlError, match=r"returns are about \d+ times the size of factors: they look like percent.*Divide returns by 100"):
        udfs.FACTOR_BETA(column(funds["BRK"] * 100), factors)
    with pytest.raises(FactorxlError, match="Divide returns by 100"):
        udfs.VOL_BUDGET_SIZE(1e6, column(funds["BRK"] * 100), 1, factors)


def test_factors_in_percent_against_decimal_returns_are_refused_with_the_fix(shared_data):
    msft = load_msft(source=DataSource(local_dir=shared_data, vintage="v202412"))
    daily = load_factors("CAPM", "daily", source=DataSource(local_dir=shared_data, vintage="v202412"))
    joined = msft.join(daily, how="inner")
    message = r"factors are about \d+ times the size of returns: they look like percent.*Divide factors by 100"
    with pytest.raises(FactorxlError, match=message):
        udfs.FACTOR_BETA(column(joined["MSFT"]), column(joined[["Mkt-RF"]] * 100))


def test_the_message_says_how_many_times_larger():
    rng = np.random.default_rng(7)
    factors = rng.normal(0, 0.01, (200, 1))
    returns = 100 * (1.2 * factors + rng.normal(0, 0.01, (200, 1)))
    with pytest.raises(FactorxlError) as caught:
        check_scale(returns, factors)
    times = int(re.search(r"about (\d+) times", str(caught.value))[1])
    assert 100 <= times <= 250  # 100 x (|1.2 f + e| / |f|), about 1.6 at the 75th percentile


def test_a_series_far_from_zero_is_not_taken_for_percent():
    """The check compares moves, not levels: a factor around 1e5 that moves by 1 is not percent."""
    rng = np.random.default_rng(3)
    factor = 1e5 + rng.normal(0.0, 1.0, (300, 1))
    returns = 0.7 * (factor - 1e5) + rng.normal(0.0, 0.5, (300, 1))
    check_scale(returns, factor)
    check_scale(returns + 50.0, factor - 1e5)


def test_mismatches_far_beyond_a_slip_of_100_are_computed_as_given():
    rng = np.random.default_rng(5)
    factors = rng.normal(0, 0.01, (200, 1))
    returns = 1.2 * factors + rng.normal(0, 0.01, (200, 1))
    check_scale(returns, factors * 1e100)  # units of their own, not percent
    check_scale(returns * 1e6, factors)
    with pytest.raises(FactorxlError, match="Divide factors by 100"):
        check_scale(returns, factors * 100)


def test_typical_size_is_numpy_interquartile_range_over_1_349():
    """The one-sort quartiles equal numpy's nanpercentile (linear interpolation), missing cells ignored."""
    import warnings

    from factorxl.excel.scale_check import typical_size

    rng = np.random.default_rng(7)
    for _ in range(300):
        block = rng.normal(size=(rng.integers(1, 40), rng.integers(1, 5))) * 10.0 ** rng.integers(-4, 4)
        block[rng.random(block.shape) < 0.3] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # all-missing columns warn; their size is NaN on both sides
            upper, lower = np.nanpercentile(block, [75, 25], axis=0)
        np.testing.assert_allclose(typical_size(block), (upper - lower) / 1.349, rtol=1e-12, atol=0, equal_nan=True)
