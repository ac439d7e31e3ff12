"""FF_DATA on the library's multi-table portfolio files, checked cell by cell against an
independent line-by-line reading of the CSV inside each ZIP; table selection; the in-memory
cache; FF_FACTORS' description row."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factorxl.data import DataSource, french
from factorxl.errors import FactorxlError
from factorxl.excel import data_functions
from factorxl.udfs import FF_DATA, FF_FACTORS

VINTAGE = "v202510"
MISSING = ("-99.99", "-999")


@pytest.fixture
def source(shared_data):
    data_functions.set_data_source(DataSource(local_dir=shared_data, vintage=VINTAGE))
    yield
    data_functions.set_data_source(None)


def _csv_lines(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.read(archive.namelist()[0]).decode("latin-1").splitlines()


def _reference(path: Path, title: str, percent: bool) -> tuple[list[str], list[list]]:
    """The table under the line ``title``: column names and rows (Excel date, values), read line by line."""
    lines = _csv_lines(path)
    at = next(i for i, line in enumerate(lines) if line.strip() == title)
    columns = [c.strip() for c in lines[at + 1].split(",")[1:]]
    rows = []
    for line in lines[at + 2 :]:
        if not line.strip():
            break
        date, *values = (part.strip() for part in line.split(","))
        year, month = int(date[:4]), int(date[4:6]) if len(date) == 6 else 12
        day = dt.date(year, month, calendar.monthrange(year, month)[1])
        serial = float((day - dt.date(1899, 12, 30)).days)
        rows.append([serial, *(None if v in MISSING else float(v) / 100 if percent else float(v) for v in values)])
    return columns, rows


def _assert_cells_equal(result: list[list], columns: list[str], rows: list[list]) -> None:
    assert result[1] == ["date", *columns]
    assert len(result) - 2 == len(rows)
    for got, want in zip(result[2:], rows):
        assert got[0] == want[0]
        for a, b in zip(got[1:], want[1:]):
            assert (a is None and b is None) or abs(a - b) <= 1e-15 * max(1.0, abs(b))


PORTFOLIO_TABLES = [
    ("25_Portfolios_5x5", "vw", None, "Average Value Weighted Returns -- Monthly", True),
    ("25_Portfolios_5x5", "ew", "annual", "Average Equal Weighted Returns -- Annual", True),
    ("25_Portfolios_5x5", "firms", None, "Number of Firms in Portfolios", False),
    ("25_Portfolios_5x5", "Average Market Cap", None, "Average Market Cap", False),
    ("10_Industry_Portfolios", None, None, "Average Value Weighted Returns -- Monthly", True),
    ("10_Industry_Portfolios", "Average Equal Weighted Returns -- Monthly", None, "Average Equal Weighted Returns -- Monthly", True),
    ("10_Industry_Portfolios", "VW", "annual", "Average Value Weighted Returns -- Annual", True),
    ("10_Industry_Portfolios", "size", "monthly", "Average Firm Size", False),
    ("10_Industry_Portfolios", 7, None, "Sum of BE / Sum of ME", False),
]


@pytest.mark.parametrize(("dataset", "table", "frequency", "title", "percent"), PORTFOLIO_TABLES)
def test_portfolio_tables_equal_the_file_cell_by_cell(shared_data, source, dataset, table, frequency, title, percent):
    result = FF_DATA(dataset, table, frequency)
    columns, rows = _reference(shared_data / "kenfrench" / VINTAGE / f"{dataset}_CSV.zip", title, percent)
    _assert_cells_equal(result, columns, rows)
    unit = "decimals (the file's percent / 100)" if percent else "as published (not scaled)"
    assert result[0][0] == f"{dataset}: {title}; {unit}; This file was created using the 202510 CRSP database."
    assert set(result[0][1:]) == {""}


@pytest.mark.parametrize("dataset", ["25_Portfolios_5x5", "10_Industry_Portfolios"])
def test_every_table_of_the_portfolio_files_is_read(shared_data, dataset):
    path = shared_data / "kenfrench" / VINTAGE / f"{dataset}_CSV.zip"
    parsed = french.read_french_zip(path)
    headers = [i for i, line in enumerate(_csv_lines(path)) if line.startswith(",")]
    assert len(parsed.tables) == len(headers) == (10 if dataset.startswith("25") else 8)
    for table in parsed.tables:
        assert table.title and table.data.notna().all().all() and len(table.data) > 50


def test_long_titles_by_a_unique_part_and_by_number(shared_data, source):
    by_part = FF_DATA("25_Portfolios_5x5", "BE_FYt-1/ME_June")
    by_number = FF_DATA("25_Portfolios_5x5", 8.0)  # as a cell passes it
    assert by_part == by_number == FF_DATA("25_Portfolios_5x5", " 8")  # the file's numbers read the same way: exact
    assert "Value Weight Average of BE_FYt-1/ME_June t" in by_part[0][0]
    assert "as published" in by_part[0][0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("25_Portfolios_5x5", "weekly"), 'has no table named "weekly".*1: Average Value Weighted Returns -- Monthly'),
        (("25_Portfolios_5x5", "Value Weight Average"), "is part of several titles"),
        (("25_Portfolios_5x5", 11), "has tables 1 to 10"),
        (("25_Portfolios_5x5", float("inf")), "has tables 1 to 10"),
        (("25_Portfolios_5x5", 2.5), "has tables 1 to 10"),
        (("25_Portfolios_5x5", 10**30), "has tables 1 to 10"),  # an integer too large for a float test
        (("25_Portfolios_5x5", "1" * 25), "has tables 1 to 10"),  # the same typed as text
        (("25_Portfolios_5x5", "firms", "annual"), 'has no annual table named "firms"'),
        (("25_Portfolios_5x5", None, "weekly"), 'frequency must be one of "daily", "monthly", "annual"'),
        (("25_Portfolios_5x5", None, "daily"), "give the daily file's library name .*25_Portfolios_5x5_Daily"),
        (("No_Such_Dataset",), "No_Such_Dataset_CSV.zip was not found"),
        (("../etc/passwd",), "expected a Kenneth French library name"),
        ((None,), "dataset is required"),
        (("10_Industry_Portfolios", "vw", None, "2030-01-01"), "the data cover 1926-07-31 to 2025-10-31"),
    ],
)
def test_bad_arguments_are_named(source, arguments, message):
    with pytest.raises(FactorxlError, match=message):
        FF_DATA(*arguments)


def test_missing_codes_are_empty_cells_and_counts_stay_unscaled(tmp_path):
    text = (
        "This file was created using the 209912 CRSP database.\r\n\r\n"
        "  Average Value Weighted Returns -- Monthly\r\n,Lo 10,Hi 10\r\n"
        "209901,  -99.99,   1.50\r\n209902,   2.00,  -999\r\n\r\n"
        "  Number of Firms in Portfolios\r\n,Lo 10,Hi 10\r\n209901,  12,  -999\r\n209902,  -99.99,  7\r\n\r\n"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Test_Portfolios.csv", text)
    (tmp_path / "Test_Portfolios_CSV.zip").write_bytes(buffer.getvalue())
    data_functions.set_data_source(DataSource(local_dir=tmp_path))
    try:
        returns, firms = FF_DATA("Test_Portfolios", "vw"), FF_DATA("Test_Portfolios", "firms")
    finally:
        data_functions.set_data_source(None)
    assert [row[1:] for row in returns[2:]] == [[None, 0.015], [0.02, None]]
    assert [row[1:] for row in firms[2:]] == [[12.0, None], [None, 7.0]]


def test_a_file_is_read_once_per_process_while_unchanged(shared_data, tmp_path, monkeypatch):
    name = "F-F_Research_Data_Factors_CSV.zip"
    (tmp_path / name).write_bytes((shared_data / "kenfrench" / VINTAGE / name).read_bytes())
    reads = []
    original = french.read_french_zip
    monkeypatch.setattr(french, "read_french_zip", lambda *a, **k: reads.append(a) or original(*a, **k))
    local = DataSource(local_dir=tmp_path)
    first = french.load_factors("FF3", "monthly", source=local)
    french.load_factors("CAPM", "monthly", source=local)
    french.load_table(french.THREE_FACTORS, None, "annual", source=local)
    assert len(reads) == 1
    (tmp_path / name).write_bytes((shared_data / "kenfrench" / "v202412" / name).read_bytes())
    changed = french.load_factors("FF3", "monthly", source=local)
    assert len(reads) == 2 and len(changed) == len(first) - 10


def test_ff_factors_is_the_first_table_of_the_factor_files(source):
    factors = FF_FACTORS("FF3", "monthly", "2020-01", "2020-12")
    table = FF_DATA("F-F_Research_Data_Factors", None, "monthly", "2020-01", "2020-12")
    # the same file's numbers, each divided by 100 (a correctly rounded operation): equal exactly
    assert [row[:4] for row in factors] == [row[:4] for row in table[1:]]  # date, Mkt-RF, SMB, HML
    assert [row[4] for row in factors] == [row[4] for row in table[1:]]  # RF


def test_ff_factors_can_state_its_files_and_vintage(source):
    described = FF_FACTORS("FF6", "monthly", "2020-01", "2020-12", True)
    assert described[0][0] == (
        "F-F_Research_Data_5_Factors_2x3 + F-F_Momentum_Factor: FF6 factors; decimals (the files' percent / 100); "
        "This file was created using the 202510 CRSP database."
    )
    assert described[1:] == FF_FACTORS("FF6", "monthly", "2020-01", "2020-12")  # read the same way: exact


INTERNATIONAL = (
    "This file was created using the 202406 Bloomberg database.\r\n\r\n"
    "Missing data are indicated by -99.99.\r\n\r\n\r\n\r\n"
    ",Mkt-RF,SMB,HML,RF\r\n199007,    0.77,    0.53,   -0.36,    0.68\r\n199008,  -10.77,  -99.99,    0.48,    0.66\r\n\r\n"
    " Annual Factors: January-December \r\n,Mkt-RF,SMB,HML,RF\r\n  1991,   19.31,   -2.08,    6.12,    5.97\r\n\r\n"
)


@pytest.mark.parametrize(
    "text",
    [
        INTERNATIONAL,
        "\r\n".join(line + "," * (6 - line.count(",")) for line in INTERNATIONAL.split("\r\n")),  # every row 7 fields
    ],
    ids=["published", "saved again by Excel"],
)
def test_international_layout(text):
    parsed = french.parse_french_text(text, name="Developed_3_Factors.csv")
    assert parsed.vintage == "This file was created using the 202406 Bloomberg database."
    monthly, annual = parsed.tables
    assert (monthly.title, monthly.frequency, monthly.percent) == ("", "monthly", True)
    assert (annual.title, annual.frequency, annual.percent) == ("Annual Factors: January-December", "annual", True)
    assert monthly.data.loc["1990-08-31", "Mkt-RF"] == pytest.approx(-10.77 / 100, rel=1e-15)
    assert np.isnan(monthly.data.loc["1990-08-31", "SMB"])
    assert annual.data.loc["1991-12-31", "RF"] == pytest.approx(5.97 / 100, rel=1e-15)


def test_international_daily_rows():
    text = "This file was created using the 202406 Bloomberg database.\n\n,Mkt-RF,SMB,HML,RF\n19900702,  0.70, -0.10, 0.02, 0.03\n"
    (table,) = french.parse_french_text(text).tables
    assert table.frequency == "daily" and list(table.data.index) == [pd.Timestamp("1990-07-02")]
