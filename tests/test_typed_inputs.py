"""What a user types: a year in a date argument."""

from __future__ import annotations

import datetime

import pytest

from factorxl import udfs
from factorxl.errors import FactorxlError
from factorxl.excel.inputs import read_date

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
