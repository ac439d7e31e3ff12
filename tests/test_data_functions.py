"""FF_FACTORS: the factor table a worksheet gets, checked against the data library's tidy CSV files.

The tidy files keep the library's percent strings as published and were parsed from the
ZIPs independently of factorxl's loaders, so they are an independent reference.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from factorxl.data import DataSource
from factorxl.errors import FactorxlError
from factorxl.excel import data_functions
from factorxl.udfs import FF_DATA, FF_FACTORS


def _serial(day: str) -> float:
    return float((dt.date.fromisoformat(day) - dt.date(1899, 12, 30)).days)


def _tidy(shared_data, vintage: str, name: str) -> pd.DataFrame:
    return pd.read_csv(shared_data / "kenfrench" / vintage / f"{name}_tidy.csv", dtype={"date": str}).set_index("date")


@pytest.fixture
def source_2024(shared_data):
    data_functions.set_data_source(DataSource(local_dir=shared_data, vintage="v202412"))
    yield
    data_functions.set_data_source(None)


@pytest.fixture
def source_2025(shared_data):
    data_functions.set_data_source(DataSource(local_dir=shared_data, vintage="v202510"))
    yield
    data_functions.set_data_source(None)


def test_daily_capm_table_matches_the_tidy_file(shared_data, source_2024):
    table = FF_FACTORS("CAPM", "daily")
    reference = _tidy(shared_data, "v202412", "F-F_Research_Data_Factors_daily")
    assert table[0] == ["date", "Mkt-RF", "RF"]
    assert len(table) - 1 == len(reference) == 25_901
    assert table[1][0] == _serial("1926-07-01") == 9679.0
    assert table[-1][0] == _serial("2024-12-31")
    values = np.array([row[1:] for row in table[1:]])
    np.testing.assert_allclose(values, reference[["Mkt-RF", "RF"]].to_numpy() / 100, rtol=0, atol=1e-15)
    assert all(type(v) is float for v in table[1])  # plain floats, as xlwings and formulas expect


def test_monthly_ff6_with_date_range_puts_rf_last_and_counts_the_end_month(shared_data, source_2025):
    table = FF_FACTORS("ff6", "Monthly", "2020-01-01", dt.date(2020, 12, 15))
    assert table[0] == ["date", "Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom", "RF"]
    assert [row[0] for row in table[1:]] == [_serial(d.date().isoformat()) for d in pd.date_range("2020-01-31", periods=12, freq=pd.offsets.MonthEnd())]
    five = _tidy(shared_data, "v202510", "F-F_Research_Data_5_Factors_2x3").loc["2020-01":"2020-12"]
    momentum = _tidy(shared_data, "v202510", "F-F_Momentum_Factor").loc["2020-01":"2020-12"]
    expected = np.column_stack([five[["Mkt-RF", "SMB", "HML", "RMW", "CMA"]], momentum["Mom"], five["RF"]]) / 100
    np.testing.assert_allclose(np.array([row[1:] for row in table[1:]]), expected, rtol=0, atol=1e-15)


def test_dates_as_excel_serial_numbers_and_date_cells(source_2024):
    by_text = FF_FACTORS("FF3", "daily", "2024-12-02", "2024-12-31")
    by_serial = FF_FACTORS("FF3", "daily", _serial("2024-12-02"), [[_serial("2024-12-31")]])
    by_datetime = FF_FACTORS("FF3", "daily", dt.datetime(2024, 12, 2), None)
    assert by_text == by_serial == by_datetime  # the file's numbers read the same way: exact
    assert by_text[1][0] == _serial("2024-12-02") and len(by_text) - 1 == 21


def test_data_folder_from_the_environment(shared_data, monkeypatch):
    data_functions.set_data_source(None)
    monkeypatch.setenv(data_functions.DATA_DIR_VARIABLE, str(shared_data))
    monkeypatch.setenv(data_functions.VINTAGE_VARIABLE, "v202510")
    assert FF_FACTORS("CAPM", "daily")[-1][0] == _serial("2025-10-31")
    monkeypatch.setenv(data_functions.VINTAGE_VARIABLE, "v202412")
    assert FF_FACTORS("CAPM", "daily")[-1][0] == _serial("2024-12-31")


def test_configured_source_wins_over_the_environment(shared_data, monkeypatch, source_2024):
    monkeypatch.setenv(data_functions.DATA_DIR_VARIABLE, str(shared_data))
    monkeypatch.setenv(data_functions.VINTAGE_VARIABLE, "v202510")
    assert FF_FACTORS("CAPM", "daily")[-1][0] == _serial("2024-12-31")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((None, "daily"), "model is required"),
        (("FF6", ""), "frequency is required"),
        (("FF4", "daily"), 'model must be one of "capm", "ff3", "ff5", "ff6"; got "FF4"'),
        (("FF6", "weekly"), 'frequency must be one of "daily", "monthly"'),
        (("FF6", "daily", "last year"), 'start_date is "last year"; expected a date'),
        (("FF6", "daily", True), "start_date is TRUE; expected a date"),
        (("CAPM", "daily", "2024-12-31", "2024-01-01"), r"start_date \(2024-12-31\) is after end_date \(2024-01-01\)"),
        (("CAPM", "daily", "2030-01-01"), "no rows of CAPM daily factors between .* the data cover 1926-07-01 to 2024-12-31"),
    ],
)
def test_bad_arguments_are_named(source_2024, arguments, message):
    with pytest.raises(FactorxlError, match=message):
        FF_FACTORS(*arguments)


def test_missing_file_names_the_file_and_where_to_get_it(tmp_path):
    data_functions.set_data_source(DataSource(local_dir=tmp_path))
    try:
        with pytest.raises(FactorxlError, match="F-F_Research_Data_Factors_daily_CSV.zip .*https://"):
            FF_FACTORS("CAPM", "daily")
    finally:
        data_functions.set_data_source(None)


def test_importing_udfs_does_not_load_the_data_layer():
    code = "import sys, factorxl.udfs; print([m for m in sys.modules if m.startswith('factorxl.data')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_ff_data_refuses_a_table_number_beyond_reason_by_name(shared_data):
    from factorxl.data import DataSource
    from factorxl.excel.data_functions import set_data_source

    set_data_source(DataSource(local_dir=shared_data, vintage="v202510"))
    try:
        with pytest.raises(FactorxlError, match="has tables 1 to 10"):
            FF_DATA("25_Portfolios_5x5", 10**100)  # an integer too large for a float array
    finally:
        set_data_source(None)
