"""Data loaders: Kenneth French parser, course files, cache, offline folder, downloads."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import struct
import threading
import tracemalloc
import zipfile
import time
from collections.abc import Iterator
from functools import cache, partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factorxl import cli
from factorxl.data import example_files, french, sources
from factorxl.data.sources import DataSource
from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from tests.conftest import shared_data_dir

VINTAGE_FILES = [
    (vintage, dataset, frequency)
    for vintage in ("v202412", "v202510")
    for dataset in french.DATASETS
    for frequency in ("daily", "monthly")
    if (vintage, dataset, frequency) != ("v202412", french.FIVE_FACTORS, "monthly")
]


def offline(shared_data: Path, vintage: str | None = None) -> DataSource:
    return DataSource(cache_dir=Path("/nonexistent-cache"), local_dir=shared_data, vintage=vintage)


# --- Kenneth French files --------------------------------------------------------------


@pytest.mark.parametrize(("vintage", "dataset", "frequency"), VINTAGE_FILES)
def test_zip_matches_tidy_copy(shared_data, vintage, dataset, frequency):
    folder = shared_data / "kenfrench" / vintage
    name = french.zip_name(dataset, frequency)
    parsed = french.select_table(french.read_french_zip(folder / name), None, frequency).data

    tidy = pd.read_csv(
        folder / name.replace("_CSV.zip", "_tidy.csv"),
        dtype={"date": str},
    )
    dates = pd.to_datetime(
        tidy.pop("date"), format="%Y-%m" if frequency == "monthly" else "%Y-%m-%d"
    )
    if frequency == "monthly":
        dates = dates + pd.offsets.MonthEnd(0)
    expected = tidy.astype(float) / 100
    expected.index = pd.DatetimeIndex(dates, name="date").as_unit("ns")
    pd.testing.assert_frame_equal(parsed, expected, check_exact=True)
    assert set(parsed.columns) <= set(french.FACTOR_NAMES)


@pytest.mark.parametrize("vintage", ["v202412", "v202510"])
def test_momentum_column_is_normalized_in_both_layouts(shared_data, vintage):
    mom = french.load_dataset(french.MOMENTUM, "monthly", source=offline(shared_data, vintage))
    assert list(mom.columns) == ["Mom"]
    assert mom.index[0] == pd.Timestamp("1927-01-31")


def test_ff6_takes_five_factor_columns_and_inner_joins_momentum(shared_data):
    source = offline(shared_data, "v202510")
    ff6 = french.load_factors("ff6", "Daily", source=source)
    five = french.load_dataset(french.FIVE_FACTORS, "daily", source=source)
    mom = french.load_dataset(french.MOMENTUM, "daily", source=source)
    three = french.load_dataset(french.THREE_FACTORS, "daily", source=source)

    assert list(ff6.columns) == ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF", "Mom"]
    assert ff6.index.equals(five.index.intersection(mom.index))
    pd.testing.assert_frame_equal(ff6[list(five.columns)], five.loc[ff6.index])
    assert not ff6["SMB"].equals(
        three["SMB"].loc[ff6.index]
    )  # the 5-factor SMB, not the 3-factor one
    assert ff6.dtypes.eq(np.float64).all() and not ff6.isna().any().any()


def test_capm_and_ff3_come_from_the_three_factor_file(shared_data):
    source = offline(shared_data, "v202412")
    capm = french.load_factors("CAPM", "monthly", source=source)
    ff3 = french.load_factors("FF3", "monthly", source=source)
    assert list(capm.columns) == ["Mkt-RF", "RF"]
    pd.testing.assert_frame_equal(capm, ff3[["Mkt-RF", "RF"]])
    assert (capm.index[0], capm.index[-1], len(capm)) == (
        pd.Timestamp("1926-07-31"),
        pd.Timestamp("2024-12-31"),
        1182,
    )


def test_date_window_counts_the_whole_end_month(shared_data):
    source = offline(shared_data, "v202412")
    window = french.load_factors("FF3", "monthly", "2020-01", "2020-12-15", source=source)
    assert list(window.index.strftime("%Y-%m")) == [f"2020-{m:02d}" for m in range(1, 13)]
    daily = french.load_factors(
        "CAPM", "daily", pd.Timestamp("2024-12-30"), "2024-12-31", source=source
    )
    assert len(daily) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "FF4"}, 'model: expected one of "CAPM", "FF3", "FF5", "FF6", got "FF4"'),
        ({"frequency": "weekly"}, 'frequency: expected "daily", "monthly" or "annual"'),
        ({"start": 45000}, "start: expected a date"),
        ({"end": "not a date"}, "end: expected a date"),
        ({"start": "2020-02-01", "end": "2020-01-01"}, "is after end"),
        ({"start": "2030-01-01"}, "the data cover 1926-07-01 to 2024-12-31"),
    ],
)
def test_bad_arguments_are_named(shared_data, kwargs, message):
    arguments = {"model": "CAPM", "frequency": "daily", **kwargs}
    with pytest.raises(FactorxlError, match=message):
        french.load_factors(**arguments, source=offline(shared_data, "v202412"))


def test_missing_codes_become_nan_and_titled_blocks_are_tables():
    text = (
        "Some description.\r\n\r\n,Mkt-RF,MOM   \r\n"
        "202401,   1.00, -99.99\r\n202402, -999,    2.50\r\n\r\n"
        " Annual Factors: January-December \r\n,Mkt-RF,MOM\r\n  2024,  7.00, 1.00\r\n\r\n"
        "Copyright 2025 Eugene F. Fama and Kenneth R. French\r\n"
    )
    parsed = french.parse_french_text(text)
    assert parsed.vintage == "Some description."
    monthly, annual = parsed.tables
    assert (monthly.title, monthly.frequency, annual.title, annual.frequency) == (
        "", "monthly", "Annual Factors: January-December", "annual"
    )
    assert list(monthly.data.columns) == ["Mkt-RF", "Mom"]
    assert list(monthly.data.index) == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-29")]
    # percent / 100 is correctly rounded, so 1.00 becomes exactly the number 0.01 stands for
    assert monthly.data["Mkt-RF"].iloc[0] == 0.01 and np.isnan(monthly.data["Mkt-RF"].iloc[1])
    assert np.isnan(monthly.data["Mom"].iloc[0]) and monthly.data["Mom"].iloc[1] == 0.025
    assert list(annual.data.index) == [pd.Timestamp("2024-12-31")] and annual.data["Mkt-RF"].iloc[0] == 0.07


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html>Not found</html>", "no table found"),
        (",Mkt-RF\n202401, 1.0\n2024, 2.0\n", "expected dates of one form .* found '202401', '2024'"),
        (",Mkt-RF\n20240, 1.0\n", "expected dates of one form"),
        (",Mkt-RF\n202413, 1.0\n", "a date is not valid"),
        (",Mkt-RF\n202401, abc\n", "cannot be read as numbers"),
        (",Mkt-RF\n9999, 1.0\n", "a date is not valid \\(Out of bounds"),  # beyond what pandas holds: it crashed
        (",Mkt-RF\n202402, 1.0\n202401, 2.0\n", "the dates must increase, but '202401' follows '202402'"),
        (",Mkt-RF\n202401, 1.0\n202401, 2.0\n", "the dates must increase, but '202401' follows '202401'"),
    ],
)
def test_unreadable_tables_are_reported(text, message):
    with pytest.raises(FactorxlError, match=message):
        french.parse_french_text(text, name="x.csv")


def test_a_damaged_zip_is_reported_with_what_to_do(tmp_path):
    broken = tmp_path / "F-F_Research_Data_Factors_CSV.zip"
    broken.write_text("<html>")
    with pytest.raises(FactorxlError, match="not a readable ZIP file.*factorxl data update F-F_Research_Data_Factors"):
        french.read_french_zip(broken)


# --- course files ----------------------------------------------------------------------


def test_msft_excess_return_alignment_matches_the_notebook(shared_data):
    msft = example_files.load_msft(source=offline(shared_data))
    capm = french.load_factors("CAPM", "daily", source=offline(shared_data, "v202412"))
    data = msft.join(capm, how="inner").dropna()
    assert (len(data), data.index[0], data.index[-1]) == (
        9778,
        pd.Timestamp("1986-03-14"),
        pd.Timestamp("2024-12-31"),
    )
    design = np.column_stack([np.ones(len(data)), data["Mkt-RF"]])
    alpha, beta = np.linalg.lstsq(design, data["MSFT"] - data["RF"], rcond=None)[0]
    assert alpha == pytest.approx(0.0005855699261548292, rel=1e-10)
    assert beta == pytest.approx(1.187234068887255, rel=1e-12)


def test_course_files_have_their_documented_shapes(shared_data):
    source = offline(shared_data)
    excess = example_files.load_spy_wmt_jpm_excess(source=source)
    raw = example_files.load_spy_wmt_jpm(source=source)
    brk = example_files.load_brk_arkk(source=source)
    assert list(excess.columns) == list(raw.columns) == ["SPY", "WMT", "JPM"]
    assert len(excess) == len(raw) == 14079 and len(excess.dropna()) == 7974
    assert (len(brk), brk.index[0], brk.index[-1]) == (
        279,
        pd.Timestamp("1988-11-30"),
        pd.Timestamp("2021-12-31"),
    )
    assert brk["ARKK"].count() == 59 and brk["ARKK"].first_valid_index() == pd.Timestamp(
        "2014-12-31"
    )
    assert all(frame.index.dtype == "datetime64[ns]" for frame in (excess, raw, brk))


def test_course_file_with_wrong_columns_is_rejected(tmp_path):
    (tmp_path / example_files.MSFT.name).write_text("date,AAPL\n2024-01-02,0.01\n")
    with pytest.raises(FactorxlError, match="expected the columns MSFT after 'date', found AAPL"):
        example_files.load_msft(source=DataSource(local_dir=tmp_path))


def test_brk_arkk_online_without_a_copy_explains_the_pickle_and_data_folder(tmp_path):
    with pytest.raises(FactorxlError) as caught:
        example_files.load_brk_arkk(source=DataSource(cache_dir=tmp_path))
    message = str(caught.value)
    assert example_files.BRK_ARKK_PICKLE_URL in message and "pickle" in message
    assert "DataSource(local_dir=...)" in message and str(tmp_path) in message


def test_brk_arkk_is_read_from_the_cache(shared_data, tmp_path):
    shutil.copy(shared_data / "amoreira2_Fin418" / example_files.BRK_ARKK.name, tmp_path)
    brk = example_files.load_brk_arkk(source=DataSource(cache_dir=tmp_path))
    assert brk.shape == (279, 9)


# --- offline folder --------------------------------------------------------------------


def test_flat_folder_needs_no_vintage(shared_data, tmp_path):
    name = french.zip_name(french.MOMENTUM, "monthly")
    shutil.copy(shared_data / "kenfrench" / "v202510" / name, tmp_path)
    mom = french.load_dataset(french.MOMENTUM, "monthly", source=DataSource(local_dir=tmp_path))
    assert mom.index[-1] == pd.Timestamp("2025-10-31")


def test_several_copies_need_a_vintage(shared_data):
    with pytest.raises(FactorxlError, match=r"exists 2 times.*v202412.*v202510.*vintage="):
        french.load_factors("FF3", "daily", source=offline(shared_data))


def test_a_vintage_without_that_file_is_an_error_not_a_substitute(shared_data):
    with pytest.raises(FactorxlError) as caught:
        french.load_factors("FF5", "monthly", source=offline(shared_data, "v202412"))
    message = str(caught.value)
    assert "not found in a folder named 'v202412'" in message
    assert "kenfrench/v202510/F-F_Research_Data_5_Factors_2x3_CSV.zip" in message
    assert "Choose a vintage that has it: DataSource(vintage=...) with one of v202510" in message
    assert "Download" not in message  # the file exists; only the vintage is wrong


def test_missing_data_folder_is_reported(tmp_path):
    with pytest.raises(FactorxlError, match="does not exist"):
        example_files.load_msft(source=DataSource(local_dir=tmp_path / "nowhere"))


# --- cache folder and address rules ----------------------------------------------------


def test_cache_folder_rules(monkeypatch, tmp_path):
    monkeypatch.setenv("FACTORXL_CACHE", str(tmp_path))
    assert sources.default_cache_dir() == tmp_path
    assert DataSource().cache_dir == tmp_path
    monkeypatch.delenv("FACTORXL_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(sources.sys, "platform", "linux")
    assert sources.default_cache_dir() == Path.home() / ".cache" / "factorxl"
    monkeypatch.setattr(sources.sys, "platform", "darwin")
    assert sources.default_cache_dir() == Path.home() / "Library" / "Caches" / "factorxl"
    monkeypatch.setattr(sources.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert sources.default_cache_dir() == tmp_path / "factorxl" / "cache"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a.zip",
        "http://127.0.0.1:8000/a",
        "http://localhost/a",
        "http://[::1]/a",
    ],
)
def test_https_or_loopback_addresses_are_accepted(url):
    sources.check_url(url)


@pytest.mark.parametrize(
    "url", ["http://example.com/a.zip", "ftp://example.com/a", "file:///etc/passwd", "https:///a"]
)
def test_other_addresses_are_refused(url):
    with pytest.raises(FactorxlError, match="only downloads over https://"):
        sources.check_url(url)


def test_plain_http_source_is_refused_before_connecting(tmp_path):
    source = DataSource(cache_dir=tmp_path, french_url="http://example.com/ftp/")
    with pytest.raises(FactorxlError, match="refusing to download from 'http://example.com/ftp/"):
        french.load_factors("CAPM", "monthly", source=source)
    assert list(tmp_path.iterdir()) == []


# --- downloads from a loopback server --------------------------------------------------


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _good_zip() -> bytes:
    return (shared_data_dir() / "kenfrench" / "v202510" / "F-F_Research_Data_Factors_CSV.zip").read_bytes()


def _other_dataset_zip() -> bytes:
    """A valid library file of another dataset: the 25 size and book-to-market portfolios."""
    return (shared_data_dir() / "kenfrench" / "v202510" / "25_Portfolios_5x5_CSV.zip").read_bytes()


FACTORS_WITHOUT_SMB = b"This file was created using the 202510 CRSP database.\r\n\r\n,Mkt-RF,RF\r\n202401,   1.00,   0.40\r\n"
"""The three-factor file's layout and name, but without SMB and HML: parseable, and not that dataset."""


@cache
def _table_bomb() -> bytes:
    """300,000 tiny tables in a 6 KB ZIP: within every byte, line and value bound."""
    return _zip(**{"F-F_Research_Data_Factors.csv": b",A\n1900,1\n" * 300_000})


@cache
def _column_bomb() -> bytes:
    """One table of 4 million columns (8 million values, just within the bound) in a 9 MB ZIP."""
    columns = 3_999_990
    header = (",P" + ",P".join(map(str, range(columns))) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("F-F_Research_Data_Factors.csv", header + b"190001" + b",1" * columns + b"\n")
    return buffer.getvalue()


@cache
def _course_column_bomb() -> bytes:
    """A 25 MB course CSV whose header has 2.5 million columns."""
    return ("date,column" + ",column".join(map(str, range(2_500_000))) + "\n").encode()


def _declared_bomb(size: int = 1_500_000_000) -> bytes:
    """A ZIP whose one CSV says it expands to ``size`` bytes, as a zip bomb's honest header does
    (a header that understates the size makes the reader stop at the stated size and fail the CRC)."""
    body = bytearray(_zip(**{"F-F_Research_Data_Factors.csv": b",Mkt-RF\n202401,1.0\n"}))
    local, central = body.find(b"PK\x03\x04"), body.find(b"PK\x01\x02")
    body[local + 22 : local + 26] = body[central + 24 : central + 28] = struct.pack("<I", size)
    return bytes(body)


BROKEN = {
    "html": lambda: (b"<html><body>The page you asked for is being updated.</body></html>", {}),
    "truncatedzip": lambda: (_good_zip()[: len(_good_zip()) // 2], {}),
    "wronglayout": lambda: (_zip(**{"data.csv": b"date;Mkt-RF;SMB\r\n2024-01-31;1.0;2.0\r\n"}), {}),
    "twocsv": lambda: (_zip(**{"a.csv": b",Mkt-RF\n202401,1.0\n", "b.csv": b",Mkt-RF\n202401,1.0\n"}), {}),
    "gzip": lambda: (gzip.compress(_good_zip()), {"Content-Encoding": "gzip"}),
    "badgzip": lambda: (b"\x1f\x8b\x08\x00 not really gzip", {"Content-Encoding": "gzip"}),
    "badcourse": lambda: (b"date,AAPL\n2024-01-02,0.01\n", {}),
    "bomb": lambda: (_zip(**{"F-F_Research_Data_Factors.csv": bytes(3_000_000)}), {}),
    "declaredbomb": lambda: (_declared_bomb(), {}),
    "valuebomb": lambda: (_zip(**{"F-F_Research_Data_Factors.csv": b",Mkt-RF\n" + b"202401" + b",1" * 200_000 + b"\n"}), {}),
    "linebomb": lambda: (_zip(**{"F-F_Research_Data_Factors.csv": b"\n" * 300_000}), {}),
    "otherdataset": lambda: (_other_dataset_zip(), {}),
    "escapes": lambda: (_zip(**{"F-F_Momentum_Factor.csv": b"Made \x1b[31mred\x1b[0m\r\n\r\n,Mom\r\n202401, 1.0\r\n"}), {}),
    "nosmb": lambda: (_zip(**{"F-F_Research_Data_Factors.csv": FACTORS_WITHOUT_SMB}), {}),
    "tablebomb": lambda: (_table_bomb(), {}),
    "columnbomb": lambda: (_column_bomb(), {}),
    "coursebomb": lambda: (_course_column_bomb(), {}),
}
"""Broken answers served with status 200: each must end in a clear error with nothing cached."""


class _Handler(SimpleHTTPRequestHandler):
    """Serves the shared data folder, plus paths that misbehave on purpose."""

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path.startswith("/slow/"):
            time.sleep(0.5)
            self.send_error(404)
        elif self.path.startswith("/truncated/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"PK\x03\x04 only the start")
        elif self.path.startswith("/unsized/"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        elif self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "http://example.com/elsewhere.zip")
            self.end_headers()
        elif self.path.startswith("/trickle/"):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path.startswith("/badreason/"):  # a reason phrase that would drive the terminal
            self.wfile.write(b"HTTP/1.0 503 Busy\x1b[2J\x1b]0;owned\x07 now\r\nContent-Length: 0\r\n\r\n")
        elif self.path.startswith("/trickleheaders/"):
            self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Padding: ")
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path.split("/")[1] in BROKEN:
            body, headers = BROKEN[self.path.split("/")[1]]()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    """Records request paths; a client hanging up early (timeout, size limit) is expected."""

    daemon_threads = True
    requests: list[str]

    def handle_error(self, request: object, client_address: object) -> None:
        """Keep test output quiet."""


@pytest.fixture(scope="module")
def server(shared_data) -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(shared_data)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server: _Server, folder: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/{folder}/"


def _downloading(server: _Server, cache: Path, folder: str, **options) -> DataSource:
    return DataSource(
        cache_dir=cache,
        french_url=_url(server, folder),
        ug54_url=_url(server, folder),
        fin418_url=_url(server, folder),
        **options,
    )


def test_download_fills_the_cache_once(server, shared_data, tmp_path):
    source = _downloading(server, tmp_path, "kenfrench/v202510")
    before = len(server.requests)
    downloaded = french.load_factors("FF6", "monthly", source=source)
    assert len(server.requests) == before + 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "F-F_Momentum_Factor_CSV.zip",
        "F-F_Momentum_Factor_CSV.zip.source.json",
        "F-F_Research_Data_5_Factors_2x3_CSV.zip",
        "F-F_Research_Data_5_Factors_2x3_CSV.zip.source.json",
    ]
    again = french.load_factors("FF6", "monthly", source=source)
    assert len(server.requests) == before + 2
    pd.testing.assert_frame_equal(downloaded, again)
    pd.testing.assert_frame_equal(
        downloaded, french.load_factors("FF6", "monthly", source=offline(shared_data, "v202510"))
    )


@pytest.mark.parametrize(
    ("folder", "loader"),
    [("amoreira2_UG54", example_files.load_msft), ("amoreira2_Fin418", example_files.load_brk_arkk)],
)
def test_course_files_download(server, shared_data, tmp_path, folder, loader):
    downloaded = loader(source=_downloading(server, tmp_path, folder))
    pd.testing.assert_frame_equal(downloaded, loader(source=offline(shared_data)))


def test_offline_mode_never_downloads(server, tmp_path):
    before = len(server.requests)
    source = DataSource(
        cache_dir=tmp_path, local_dir=tmp_path, ug54_url=_url(server, "amoreira2_UG54")
    )
    with pytest.raises(FactorxlError, match="FactorModels_data2.csv was not found"):
        example_files.load_msft(source=source)
    assert len(server.requests) == before


def _assert_fails_cleanly(source: DataSource, cache: Path, *patterns: str) -> str:
    with pytest.raises(FactorxlError) as caught:
        example_files.load_msft(source=source)
    message = str(caught.value)
    for pattern in patterns:
        assert pattern in message
    assert list(cache.iterdir()) == []  # no partial or temporary file left behind
    return message


def test_http_404_names_the_address_and_the_offline_route(server, tmp_path):
    source = _downloading(server, tmp_path, "nowhere")
    url = _url(server, "nowhere") + example_files.MSFT.name
    _assert_fails_cleanly(
        source, tmp_path, url, "HTTP 404", "download FactorModels_data2.csv", "DataSource(local_dir=...)"
    )


def test_timeout(server, tmp_path):
    source = _downloading(server, tmp_path, "slow", timeout=0.1)
    _assert_fails_cleanly(source, tmp_path, "127.0.0.1 did not answer within 0.1 s", "DataSource(local_dir=...)")


def test_size_limit_from_the_declared_length(server, tmp_path):
    source = _downloading(server, tmp_path, "amoreira2_UG54", max_bytes=1000)
    _assert_fails_cleanly(source, tmp_path, "larger than 1,000 bytes", "DataSource(local_dir=...)")


def test_size_limit_while_streaming_an_unsized_answer(server, tmp_path):
    source = _downloading(server, tmp_path, "unsized", max_bytes=1000)
    _assert_fails_cleanly(source, tmp_path, "larger than 1,000 bytes")


def test_truncated_download_leaves_no_cache_file(server, tmp_path):
    source = _downloading(server, tmp_path, "truncated")
    _assert_fails_cleanly(source, tmp_path, "downloading", "failed", "DataSource(local_dir=...)")


def test_redirect_to_plain_http_is_refused(server, tmp_path):
    source = _downloading(server, tmp_path, "redirect")
    _assert_fails_cleanly(
        source, tmp_path, "refusing to download from 'http://example.com/elsewhere.zip'"
    )


GOOD = "kenfrench/v202510"


def _assert_french_download_fails_cleanly(server, cache: Path, folder: str, pattern: str, **options) -> None:
    with pytest.raises(FactorxlError, match=pattern) as caught:
        french.load_factors("CAPM", "monthly", source=_downloading(server, cache, folder, **options))
    assert "DataSource(local_dir=...)" in str(caught.value) and ".part" not in str(caught.value)
    assert list(cache.iterdir()) == []  # nothing stored, no temporary file left
    good = french.load_factors("CAPM", "monthly", source=_downloading(server, cache, GOOD))
    assert good.index[-1] == pd.Timestamp("2025-10-31")
    assert (cache / "F-F_Research_Data_Factors_CSV.zip").is_file()


@pytest.mark.parametrize(
    ("folder", "pattern"),
    [
        ("html", "not stored: .*not a readable ZIP file"),
        ("truncatedzip", "not stored: .*not a readable ZIP file"),
        ("wronglayout", "not stored: .*no table found"),
        ("twocsv", r"not stored: .*expected one CSV file inside, found \['a.csv', 'b.csv'\]"),
        ("badgzip", "gzip-encoded answer is damaged"),
        ("bomb", "not stored: .*larger than 1,000,000 bytes, 1,000,000 lines or 1,000,000 values once decompressed"),
        ("linebomb", "not stored: .*larger than 1,000,000 bytes, 1,000 lines or 1,000,000 values once decompressed"),
        ("valuebomb", "not stored: .*larger than 1,000,000 bytes, 1,000,000 lines or 1,000 values once decompressed"),
    ],
)
def test_broken_french_downloads_are_not_cached(server, tmp_path, folder, pattern):
    """Each bomb passes two of the three bounds (3 MB of zeros; 300,000 empty lines; 200,000 values
    on one line) and is refused by the third."""
    limits = {"max_unzipped_bytes": 1_000_000, "max_lines": 1_000_000, "max_values": 1_000_000}
    limits |= {"linebomb": {"max_lines": 1_000}, "valuebomb": {"max_values": 1_000}}.get(folder, {})
    _assert_french_download_fails_cleanly(server, tmp_path, folder, pattern, **limits)


@pytest.mark.parametrize(
    ("folder", "pattern"),
    [
        ("declaredbomb", "larger than 80,000,000 bytes"),
        ("tablebomb", "not stored: .*more than 100 tables, far more than any Kenneth French file"),
        ("columnbomb", "not stored: .*more than 5,000 columns in its tables, far more than any Kenneth French file"),
    ],
)
def test_a_zip_bomb_is_refused_quickly_in_little_memory_with_the_default_limits(server, tmp_path, folder, pattern):
    """Each bomb is within the other bounds: 300,000 tables of one value (an hour of work to build), one
    table of 4 million columns (8 million values: about 12 GB as tables)."""
    BROKEN[folder]()  # made before the clock starts
    tracemalloc.start()
    started = time.monotonic()
    try:
        _assert_french_download_fails_cleanly(server, tmp_path, folder, pattern)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5.0 and peak < 300e6


def test_a_course_file_of_millions_of_columns_is_refused_quickly_in_little_memory(server, tmp_path):
    _course_column_bomb()  # made before the clock starts
    tracemalloc.start()
    started = time.monotonic()
    try:
        _assert_fails_cleanly(
            _downloading(server, tmp_path, "coursebomb"), tmp_path,
            "not stored", "its first line is longer than 1,000 characters; expected the header line date,MSFT",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5.0 and peak < 300e6


def test_a_library_file_of_another_dataset_is_not_cached(server, tmp_path):
    """The 25 portfolios served as the three-factor file: a valid library ZIP, but not that dataset."""
    _assert_french_download_fails_cleanly(
        server, tmp_path, "otherdataset",
        "not stored: F-F_Research_Data_Factors_CSV.zip holds 25_Portfolios_5x5.csv, not F-F_Research_Data_Factors.csv",
    )


def test_a_factor_file_without_its_factor_columns_is_not_cached(server, tmp_path):
    _assert_french_download_fails_cleanly(
        server, tmp_path, "nosmb",
        "not stored: .*its monthly table has no SMB, HML column \\(its columns: Mkt-RF, RF\\), so it is not the "
        "library's F-F_Research_Data_Factors",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_other_dataset_zip, "holds 25_Portfolios_5x5.csv, not F-F_Research_Data_Factors.csv"),
        (lambda: _zip(**{"F-F_Research_Data_Factors.csv": FACTORS_WITHOUT_SMB}), "has no SMB, HML column"),
    ],
)
def test_a_wrong_file_already_in_the_cache_is_a_message_not_a_crash(tmp_path, body, message):
    """A file cached before downloads were checked for their dataset: FF3 raised KeyError, FF_DATA served it."""
    from factorxl.excel.data_functions import FF_DATA, FF_FACTORS, data_source_set_to

    (tmp_path / "F-F_Research_Data_Factors_CSV.zip").write_bytes(body())
    source = DataSource(cache_dir=tmp_path, french_url="http://127.0.0.1:9/")  # nothing is downloaded
    with pytest.raises(FactorxlError, match=message) as caught:
        french.load_factors("FF3", "monthly", source=source)
    assert f"(the copy at {tmp_path / 'F-F_Research_Data_Factors_CSV.zip'}); `factorxl data update " \
        "F-F_Research_Data_Factors` downloads the library's file again" in str(caught.value)
    with data_source_set_to(source):
        for function, arguments in ((FF_FACTORS, ("FF3", "monthly")), (FF_DATA, ("F-F_Research_Data_Factors",))):
            with pytest.raises(FactorxlError, match=message):
                function(*arguments)


def test_a_wrong_file_in_a_data_folder_says_to_replace_it(shared_data, tmp_path):
    shutil.copy(shared_data / GOOD / "25_Portfolios_5x5_CSV.zip", tmp_path / "F-F_Research_Data_Factors_CSV.zip")
    with pytest.raises(FactorxlError, match="holds 25_Portfolios_5x5.csv.*; replace it with the library's file"):
        french.load_file("F-F_Research_Data_Factors", source=DataSource(local_dir=tmp_path))


def test_every_shared_library_file_is_the_dataset_it_is_named_for(shared_data):
    paths = sorted((shared_data / "kenfrench").rglob("*_CSV.zip"))
    assert len(paths) >= 13, paths  # both vintages' factor files and the portfolio files
    for path in paths:
        french.check_dataset(french.read_french_zip(path), path.name)


@pytest.mark.parametrize(
    ("tables", "columns", "message"),
    [(2, 99, "more than 2 tables"), (3, 5, "more than 5 columns in its tables")],
)
def test_tables_and_columns_are_bounded_before_they_are_built(tables, columns, message):
    text = "".join(f"Table {i}\n,A,B,C\n2024,1,2,3\n\n" for i in range(3))
    with pytest.raises(FactorxlError, match=message):
        french.parse_french_text(text, max_tables=tables, max_columns=columns)
    assert len(french.parse_french_text(text, max_tables=3, max_columns=9).tables) == 3


def test_gzip_content_encoding_is_decoded(server, shared_data, tmp_path):
    downloaded = french.load_factors("FF3", "monthly", source=_downloading(server, tmp_path, "gzip"))
    stored = (tmp_path / "F-F_Research_Data_Factors_CSV.zip").read_bytes()
    assert stored == (shared_data / GOOD / "F-F_Research_Data_Factors_CSV.zip").read_bytes()
    assert downloaded.shape == (1192, 4)


def test_gzip_content_encoding_is_bounded_by_the_decoded_size(server, tmp_path):
    _assert_french_download_fails_cleanly(server, tmp_path, "gzip", "larger than 5,000 bytes", max_bytes=5_000)


def test_a_bad_course_csv_is_not_cached(server, shared_data, tmp_path):
    message = _assert_fails_cleanly(
        _downloading(server, tmp_path, "badcourse"), tmp_path, "not stored", "expected the columns MSFT"
    )
    assert ".part" not in message
    good = example_files.load_msft(source=_downloading(server, tmp_path, "amoreira2_UG54"))
    pd.testing.assert_frame_equal(good, example_files.load_msft(source=offline(shared_data)))


@pytest.mark.parametrize("folder", ["trickle", "trickleheaders"])
def test_a_trickling_server_is_cut_off_at_the_overall_deadline(server, tmp_path, folder):
    started = time.monotonic()
    with pytest.raises(FactorxlError, match=r"took longer than 0.6 s, the most factorxl waits"):
        french.load_factors("CAPM", "monthly", source=_downloading(server, tmp_path, folder, timeout=5.0, deadline=0.6))
    assert 0.6 <= time.monotonic() - started < 1.5
    assert list(tmp_path.iterdir()) == []
    assert french.load_factors("CAPM", "monthly", source=_downloading(server, tmp_path, GOOD)).shape == (1192, 2)


def test_a_download_records_where_and_when_it_came_from(server, tmp_path):
    french.load_factors("CAPM", "monthly", source=_downloading(server, tmp_path, GOOD))
    record = json.loads((tmp_path / "F-F_Research_Data_Factors_CSV.zip.source.json").read_text())
    assert record["url"] == _url(server, GOOD) + "F-F_Research_Data_Factors_CSV.zip"
    assert record["vintage"] == "This file was created using the 202510 CRSP database."
    assert record["bytes"] == (tmp_path / "F-F_Research_Data_Factors_CSV.zip").stat().st_size
    assert pd.Timestamp(record["fetched"]).tzinfo is not None


# --- the `factorxl data` command -------------------------------------------------------


def _data_command(capsys, *arguments: str) -> tuple[int, str, str]:
    code = cli.main(["data", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_data_command_updates_lists_and_clears_through_a_local_server(server, tmp_path, capsys):
    cache = str(tmp_path / "cache")
    mirror = _url(server, GOOD)
    code, out, _ = _data_command(capsys, "update", "25_Portfolios_5x5", "F-F_Research_Data_Factors_daily", "--cache", cache, "--from", mirror)
    assert code == 0 and "updated 25_Portfolios_5x5" in out and "updated F-F_Research_Data_Factors_daily" in out
    code, out, _ = _data_command(capsys, "list", "--cache", cache)
    assert code == 0 and f"cache folder {Path(cache).resolve()}" in out
    assert "25_Portfolios_5x5 (25_Portfolios_5x5_CSV.zip, 543,908 bytes)" in out
    assert "vintage: This file was created using the 202510 CRSP database." in out
    assert f"from {mirror}25_Portfolios_5x5_CSV.zip" in out
    before = len(server.requests)
    code, out, _ = _data_command(capsys, "update", "--cache", cache, "--from", mirror)  # every cached dataset
    assert code == 0 and len(server.requests) == before + 2
    shutil.copy(shared_data_dir() / "amoreira2_Fin418" / example_files.BRK_ARKK.name, cache)  # supplied by hand: no address
    code, out, _ = _data_command(capsys, "update", "--cache", cache, "--from", mirror)
    assert code == 0 and out.count("\nupdated ") == 2 and "updated df_" not in out
    code, out, _ = _data_command(capsys, "clear", "25_Portfolios_5x5", example_files.BRK_ARKK.name, "--cache", cache, "--yes")
    assert code == 0 and "deleted 25_Portfolios_5x5_CSV.zip" in out
    assert sorted(p.name for p in Path(cache).iterdir()) == [
        "F-F_Research_Data_Factors_daily_CSV.zip",
        "F-F_Research_Data_Factors_daily_CSV.zip.source.json",
    ]
    code, out, _ = _data_command(capsys, "clear", "--cache", cache)  # downloaded files only: no question
    assert code == 0 and list(Path(cache).iterdir()) == []


def test_data_command_update_keeps_the_cached_copy_when_the_new_one_is_broken(server, shared_data, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert _data_command(capsys, "update", "F-F_Research_Data_Factors", "--cache", str(cache), "--from", _url(server, GOOD))[0] == 0
    kept = (cache / "F-F_Research_Data_Factors_CSV.zip").read_bytes()
    code, _, err = _data_command(capsys, "update", "--cache", str(cache), "--from", _url(server, "html"))
    assert code == ExitCode.CANNOT and "not stored" in err
    assert "download F-F_Research_Data_Factors_CSV.zip yourself and pass its folder with --from DIR" in err
    assert "DataSource(" not in err  # the advice for the command line, not for Python code
    assert (cache / "F-F_Research_Data_Factors_CSV.zip").read_bytes() == kept
    assert sorted(p.name for p in cache.iterdir()) == ["F-F_Research_Data_Factors_CSV.zip", "F-F_Research_Data_Factors_CSV.zip.source.json"]


def test_data_command_takes_files_from_a_local_folder(shared_data, tmp_path, capsys):
    cache = str(tmp_path / "cache")
    code, out, _ = _data_command(
        capsys, "update", "10_Industry_Portfolios", "FactorModels_data2.csv", "--cache", cache, "--from", str(shared_data)
    )
    assert code == 0
    listed = _data_command(capsys, "list", "--cache", cache)[1]
    assert f"from {(shared_data / 'kenfrench' / 'v202510' / '10_Industry_Portfolios_CSV.zip').resolve()}" in listed
    assert "FactorModels_data2.csv (FactorModels_data2.csv, 198,037 bytes)\n  vintage: none (the file carries no vintage line)" in listed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("clear", "25_Portfolios_5x5"), "not in the cache folder"),
        (("update",), "holds no datasets; name the datasets to fetch"),
        (("update", "X", "--from", "nowhere/at/all"), "neither a folder nor an http"),
        (("list", "--from", "http://127.0.0.1/"), "--from only applies to update"),
        (("update", "df_WarrenBAndCathieW_monthly.csv"), "has no download address"),
    ],
)
def test_data_command_errors_say_what_to_do(tmp_path, capsys, arguments, message):
    code, _, err = _data_command(capsys, *arguments, "--cache", str(tmp_path))
    assert code == ExitCode.CANNOT and message in err and err.count("\n") == 1


def test_data_update_from_the_shared_two_vintage_folder_takes_a_vintage(shared_data, tmp_path, capsys):
    """The project's own data folder holds the factor files in two vintage subfolders."""
    cache = str(tmp_path / "cache")
    code, _, err = _data_command(capsys, "update", "F-F_Research_Data_Factors", "--cache", cache, "--from", str(shared_data))
    assert code == ExitCode.CANNOT and "exists 2 times" in err
    assert err.rstrip().endswith("Choose one with --vintage (v202412, v202510).") and "internet" not in err
    code, out, _ = _data_command(
        capsys, "update", "F-F_Research_Data_Factors", "FactorModels_data2.csv", "--cache", cache,
        "--from", str(shared_data), "--vintage", "v202510",
    )
    assert code == 0 and "updated F-F_Research_Data_Factors\nupdated FactorModels_data2.csv" in out
    assert f"from {(shared_data / GOOD / 'F-F_Research_Data_Factors_CSV.zip').resolve()}" in out
    code, _, err = _data_command(
        capsys, "update", "F-F_Research_Data_5_Factors_2x3", "--cache", cache, "--from", str(shared_data), "--vintage", "v202412",
    )
    assert code == ExitCode.CANNOT and "Choose a vintage that has it with --vintage (v202510)." in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("update", "X", "--vintage", "v202510"), "--vintage only applies to update --from DIR"),
        (("clear", "--vintage", "v202510"), "--vintage only applies to update --from DIR"),
        (("list", "--yes"), "--yes only applies to clear"),
    ],
)
def test_data_command_options_that_do_not_apply_are_refused(tmp_path, capsys, arguments, message):
    code, _, err = _data_command(capsys, *arguments, "--cache", str(tmp_path))
    assert code == ExitCode.CANNOT and message in err


def test_update_from_a_folder_refuses_a_file_of_another_dataset_and_keeps_the_cached_copy(shared_data, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert _data_command(capsys, "update", "F-F_Research_Data_Factors", "--cache", str(cache), "--from", str(shared_data / GOOD))[0] == 0
    kept = (cache / "F-F_Research_Data_Factors_CSV.zip").read_bytes()
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(shared_data / GOOD / "25_Portfolios_5x5_CSV.zip", folder / "F-F_Research_Data_Factors_CSV.zip")
    code, _, err = _data_command(capsys, "update", "F-F_Research_Data_Factors", "--cache", str(cache), "--from", str(folder))
    assert code == ExitCode.CANNOT and "holds 25_Portfolios_5x5.csv, not F-F_Research_Data_Factors.csv" in err
    assert (cache / "F-F_Research_Data_Factors_CSV.zip").read_bytes() == kept
    monthly = french.load_factors("FF3", "monthly", source=DataSource(cache_dir=cache, french_url="http://127.0.0.1:9/"))
    assert list(monthly.columns) == ["Mkt-RF", "SMB", "HML", "RF"]


class _Terminal(io.StringIO):
    """A standard input that is a terminal, holding the user's answer."""

    def isatty(self) -> bool:
        return True


def _cache_with_a_supplied_file(shared_data: Path, server, cache: Path, capsys) -> None:
    assert _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", str(cache), "--from", _url(server, GOOD))[0] == 0
    shutil.copy(shared_data / "amoreira2_Fin418" / example_files.BRK_ARKK.name, cache)  # by hand: no record


def test_clear_without_a_terminal_refuses_to_delete_supplied_files_without_yes(shared_data, server, tmp_path, capsys):
    cache = tmp_path / "cache"
    _cache_with_a_supplied_file(shared_data, server, cache, capsys)
    before = sorted(cache.iterdir())
    code, _, err = _data_command(capsys, "clear", "--cache", str(cache))
    assert code == ExitCode.CANNOT and err.count("\n") == 1
    assert "clear would delete 1 file(s) that factorxl did not download and cannot download again " \
        f"({example_files.BRK_ARKK.name}); nothing was deleted: add --yes" in err
    assert sorted(cache.iterdir()) == before
    code, out, _ = _data_command(capsys, "clear", "--cache", str(cache), "--yes")
    assert code == 0 and f"deleted {example_files.BRK_ARKK.name}" in out and list(cache.iterdir()) == []


@pytest.mark.parametrize(("answer", "deleted"), [("y\n", True), ("\n", False), ("", False)])
def test_clear_at_a_terminal_asks_before_deleting_supplied_files(shared_data, server, tmp_path, capsys, monkeypatch, answer, deleted):
    cache = tmp_path / "cache"
    _cache_with_a_supplied_file(shared_data, server, cache, capsys)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    code, out, err = _data_command(capsys, "clear", "--cache", str(cache))
    assert f"Delete 1 file(s) that factorxl did not download and cannot download again ({example_files.BRK_ARKK.name})? [y/N]" in out
    assert (code, list(cache.iterdir()) == []) == ((ExitCode.DONE, True) if deleted else (ExitCode.CANNOT, False))
    assert deleted or "nothing was deleted" in err


def test_clear_of_downloaded_files_only_does_not_ask(server, tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    assert _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", str(cache), "--from", _url(server, GOOD))[0] == 0
    monkeypatch.setattr("sys.stdin", _Terminal(""))
    code, out, _ = _data_command(capsys, "clear", "F-F_Momentum_Factor", "--cache", str(cache))
    assert code == 0 and "Delete" not in out and list(cache.iterdir()) == []


def test_a_servers_text_is_printed_with_control_characters_escaped(server, tmp_path, capsys):
    cache = str(tmp_path / "cache")
    code, _, err = _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", cache, "--from", _url(server, "badreason"))
    assert code == ExitCode.CANNOT and "\x1b" not in err and "\x07" not in err and err.count("\n") == 1
    assert "the server answered HTTP 503 Busy\\x1b[2J\\x1b]0;owned\\x07 now." in err
    assert _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", cache, "--from", _url(server, "escapes"))[0] == 0
    listed = _data_command(capsys, "list", "--cache", cache)[1]
    assert "vintage: Made \\x1b[31mred\\x1b[0m" in listed and "\x1b" not in listed


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unknown_host(monkeypatch):
    """``library.example`` is a name the resolver does not know (answered here: no name server is asked)."""
    import socket

    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host == "library.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return "https://library.example/ftp/"


def test_a_refused_connection_is_said_plainly_on_the_command_line_and_in_a_cell(tmp_path, capsys):
    from factorxl.excel.data_functions import FF_FACTORS, data_source_set_to

    address = f"http://127.0.0.1:{_closed_port()}/ftp/"
    code, _, err = _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", str(tmp_path), "--from", address)
    plain = "failed: could not reach 127.0.0.1: it refused the connection (no server answers at that address)."
    assert code == ExitCode.CANNOT and plain in err and "Errno" not in err
    assert "Check the internet connection and run the command again, or download F-F_Momentum_Factor_CSV.zip " \
        "yourself and pass its folder with --from DIR." in err
    with data_source_set_to(DataSource(cache_dir=tmp_path, french_url=address)):
        with pytest.raises(FactorxlError, match="Check the internet connection and recalculate") as caught:
            FF_FACTORS("CAPM", "monthly")
    assert plain in str(caught.value) and "Errno" not in str(caught.value)


def test_a_name_that_is_not_found_is_said_plainly_on_the_command_line_and_in_a_cell(tmp_path, capsys, unknown_host):
    from factorxl.excel.data_functions import FF_DATA, data_source_set_to

    code, _, err = _data_command(capsys, "update", "F-F_Momentum_Factor", "--cache", str(tmp_path), "--from", unknown_host)
    plain = "could not reach library.example: the name was not found (no internet connection, or a wrong address)."
    assert code == ExitCode.CANNOT and plain in err and "Errno" not in err and "Name or service" not in err
    with data_source_set_to(DataSource(cache_dir=tmp_path, french_url=unknown_host)):
        with pytest.raises(FactorxlError, match="Check the internet connection and recalculate") as caught:
            FF_DATA("25_Portfolios_5x5")
    assert plain in str(caught.value) and "Errno" not in str(caught.value)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (__import__("socket").gaierror(-3, "Temporary failure in name resolution"), "the name was not found"),
        (ConnectionRefusedError(111, "Connection refused"), "it refused the connection"),
        (TimeoutError("timed out"), "did not answer within 30 s"),
        (OSError(__import__("errno").ENETUNREACH, "Network is unreachable"), "there is no network route to it"),
        (ConnectionResetError(104, "Connection reset by peer"), "was broken off before the file arrived"),
        (__import__("ssl").SSLCertVerificationError(1, "certificate verify failed"), "could not check the identity of"),
    ],
)
def test_common_network_failures_have_plain_words(error, words):
    import urllib.error

    for raised in (error, urllib.error.URLError(error)):  # urllib wraps the system's error while connecting
        said = sources.connection_problem("https://mba.tuck.dartmouth.edu/x.zip", raised, 30.0)
        assert words in said and "mba.tuck.dartmouth.edu" in said and "Errno" not in said
