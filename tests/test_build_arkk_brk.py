"""The ARKK/BRK workbook built from the shared data: seed 002's regressions in its cells, checked
against statsmodels and the seed's printout, native twins equal to factorxl, fresh cached values."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from factorxl.data import DataSource, load_brk_arkk
from factorxl.workbooks.templates.arkk_brk import PRINTED_SUMMARIES
from tests.doc_figures import check_build_figures
from tests.summary_checks import assert_printed, statsmodels_summary
from tests.workbook_checks import (
    Book,
    assert_cached_values_are_fresh,
    assert_no_pasted_numbers,
    assert_twin_differences_vanish,
    chart_count,
    package_settings,
)

FACTORS = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom"]
PRINTED_BRK_FF6 = {"alpha": "0.0037", "Mkt-RF": "0.6938", "SMB": "-0.3087", "HML": "0.5732", "RMW": "0.3486", "CMA": "-0.4156", "Mom": "-0.0152"}
PRINTED_ARKK_FF6 = {"Mkt-RF": "1.5432", "SMB": "0.3449", "HML": "-0.9504", "RMW": "-0.8065", "CMA": "-0.5312", "Mom": "-0.2441"}


@pytest.fixture(scope="module")
def built(built_books):
    return built_books["arkk_brk"]


@pytest.fixture(scope="module")
def book(built):
    return Book(built.path)


@pytest.fixture(scope="module")
def frame(shared_data) -> pd.DataFrame:
    return load_brk_arkk(source=DataSource(local_dir=shared_data))


def _fit(frame: pd.DataFrame, fund: str, factors: list[str]):
    data = frame.dropna(subset=[fund])
    return sm.OLS(data[fund] - data["RF"], sm.add_constant(data[factors])).fit()


def _table(book: Book, fund: str, model: str) -> dict[str, list]:
    """One of the four FACTOR_REGRESS tables of the Regressions sheet (BRK's above ARKK's; CAPM above FF6)."""
    ws = book.values["Regressions"]
    col = 1
    row = (5 if model == "CAPM" else 18) + (0 if fund == "BRK" else 30)
    assert ws.cell(row, col).value == f"{fund} excess"
    out, r = {}, row + 1
    while ws.cell(r, col).value is not None:
        out[ws.cell(r, col).value] = [ws.cell(r, col + j).value for j in range(1, 10)]
        r += 1
    return out


SUMMARY_HEADINGS = {
    ("BRK", "CAPM"): "BRK on Mkt-RF: statsmodels' summary statistics",
    ("BRK", "FF6"): "BRK on FF5 + momentum: statsmodels' summary statistics",
    ("ARKK", "CAPM"): "ARKK on Mkt-RF: statsmodels' summary statistics",
    ("ARKK", "FF6"): "ARKK on FF5 + momentum: statsmodels' summary statistics",
    ("ARKK", "FF6 x252"): "ARKK on FF5 + momentum, returns and factors x source_periods (as the notebook)",
}


@pytest.mark.parametrize(("fund", "model"), list(SUMMARY_HEADINGS))
def test_summaries_match_statsmodels_and_the_seed(book, frame, fund, model):
    factors = ["Mkt-RF"] if model == "CAPM" else FACTORS
    scaled = frame * 252 if model == "FF6 x252" else frame  # RF scales too: (ARKK - RF) x 252
    table = book.table_below("Regressions", SUMMARY_HEADINGS[fund, model])
    for label, expected in statsmodels_summary(_fit(scaled, fund, factors)).items():
        assert table[label][0] == pytest.approx(expected, rel=1e-10, abs=0), label
    printed = PRINTED_SUMMARIES.get((fund, model))
    if printed:
        for label, text in zip(table, printed.split(), strict=True):
            assert table[label][1] == text
            if label != "Covariance Type":
                assert_printed(table[label][0], text, label)


def test_headline_is_brk_ff6_alpha(built, frame):
    (headline,) = built.headlines
    assert headline.label == "BRK FF6 alpha (monthly)"
    assert headline.value == pytest.approx(_fit(frame, "BRK", FACTORS).params["const"], rel=1e-12)
    assert headline.value == pytest.approx(0.0037, abs=5e-05)  # printed with 4 decimals


@pytest.mark.parametrize(("fund", "model"), [("BRK", "CAPM"), ("BRK", "FF6"), ("ARKK", "CAPM"), ("ARKK", "FF6")])
def test_regressions_match_statsmodels(book, frame, fund, model):
    factors = FACTORS if model == "FF6" else ["Mkt-RF"]
    fit = _fit(frame, fund, factors)
    table = _table(book, fund, model)
    for name, value in zip(["alpha", *factors], fit.params, strict=True):
        assert table[name][0] == pytest.approx(value, rel=1e-10, abs=1e-14)
        assert table[name][6] == pytest.approx(value, rel=1e-10, abs=1e-14)  # the LINEST / SLOPE twin
    np.testing.assert_allclose([table[name][1] for name in ["alpha", *factors]], fit.bse, rtol=1e-10)
    assert table["R-squared"][0] == pytest.approx(fit.rsquared, rel=1e-12)
    assert table["Observations"][0] == fit.nobs
    assert table["Alpha (annualized)"][0] == pytest.approx(12 * fit.params["const"], rel=1e-12)  # monthly: 12
    assert table["Residual vol (annualized)"][0] == pytest.approx(np.sqrt(12 * fit.scale), rel=1e-12)


def test_seed_002_printed_numbers(book):
    brk_capm, brk, arkk = _table(book, "BRK", "CAPM"), _table(book, "BRK", "FF6"), _table(book, "ARKK", "FF6")
    assert brk_capm["Observations"][0] == 279
    assert_printed(brk_capm["Mkt-RF"][0], "0.5919", "BRK CAPM Mkt-RF")
    assert_printed(brk_capm["R-squared"][0], "0.223", "BRK CAPM R-squared")
    assert brk_capm["alpha"][0] == pytest.approx(0.0054, abs=5e-05)  # printed with 4 decimals
    for name, printed in PRINTED_BRK_FF6.items():
        assert_printed(brk[name][0], printed, f"BRK FF6 {name}")
    assert brk["R-squared"][0] == pytest.approx(0.405, abs=5e-04)  # printed with 3 decimals
    for name, printed in PRINTED_ARKK_FF6.items():
        assert_printed(arkk[name][0], printed, f"ARKK FF6 {name}")
    assert arkk["Observations"][0] == 59
    assert_printed(arkk["R-squared"][0], "0.838", "ARKK FF6 R-squared")
    # the source's annualization slips, reproduced and labeled
    assert book.right_of("Compare", "Mean excess return x252 (as the source)", 2) == pytest.approx(6.447, abs=5e-04)  # printed with 3 decimals
    assert book.right_of("Compare", "FF6 alpha x252 (the source's ARKK constant)", 2) == pytest.approx(1.7109, abs=5e-05)  # printed with 4 decimals


def test_compare_sheet(book, frame):
    brk = _fit(frame, "BRK", FACTORS)
    arkk_excess = (frame["ARKK"] - frame["RF"]).dropna()
    assert book.right_of("Compare", "Mean excess return, annualized x12", 2) == pytest.approx(12 * arkk_excess.mean(), rel=1e-12)
    assert book.right_of("Compare", "Residual vol (annualized, x SQRT(12))") == pytest.approx(np.sqrt(12 * brk.scale), rel=1e-12)
    appraisal = brk.params["const"] / brk.resid.std() * np.sqrt(12)
    assert book.right_of("Compare", "Appraisal ratio alpha / sd(e) (annualized)") == pytest.approx(appraisal, rel=1e-10)
    isolated = book.table("Compare", "isolated share")
    y = frame["BRK"] - frame["RF"]
    for k, name in enumerate(FACTORS):
        share = brk.params[name] ** 2 * frame[name].var() / y.var()
        assert isolated["BRK excess"][k] == pytest.approx(share, rel=1e-10)
        assert isolated["BRK, Excel twin"][k] == pytest.approx(share, rel=1e-10)
    euler = book.table("Compare", "euler share")
    assert sum(euler["BRK excess"][: len(FACTORS)]) == pytest.approx(brk.rsquared, rel=1e-10)
    # cumulative hedged return: running sum of alpha + residual
    assert book.right_of("Compare", "factorxl HEDGE_RETURNS_CUMULATIVE") == pytest.approx((brk.params["const"] + brk.resid).sum(), rel=1e-10)
    assert book.right_of("Compare", "Excel twin (running sum of r - X b)") == pytest.approx((brk.params["const"] + brk.resid).sum(), rel=1e-10)


def test_native_twins_equal_factorxl(book):
    assert assert_twin_differences_vanish(book) == 2 * (8 + 13)  # CAPM and FF6 tables of both funds


def test_every_cached_value_is_a_fresh_recalculation(built):
    assert assert_cached_values_are_fresh(built.path) > 279 * 4


def test_template_conventions(built, book):
    settings = package_settings(built.path)
    assert "fullCalcOnLoad" not in settings
    assert_no_pasted_numbers(book, data_sheets=("Data",))
    assert {"periods_per_year", "source_periods"} <= set(book.formulas.defined_names)
    assert book.number("Compare", "B6") == 12  # the periods_per_year input
    assert chart_count(built.path) == 1
    assert "Notes" in book.formulas.sheetnames


def test_the_docs_quote_this_build(built):
    check_build_figures(built, "ARKK/BRK")


def test_the_hedged_return_is_named_as_the_naming_standard_names_it(built, book):
    """alpha + residual is the hedged return (docs/naming.md): no label, heading, note or chart
    says "abnormal return", except where the Notes name the notebook's own word for it."""
    texts = [(ws.title, cell.value) for ws in book.values.worksheets for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)]
    with zipfile.ZipFile(built.path) as package:
        texts += [(name, text) for name in package.namelist() if name.startswith("xl/charts/") for text in re.findall(r"<a:t>([^<]*)</a:t>", package.read(name).decode())]
    abnormal = [(where, text) for where, text in texts if re.search("abnormal", text, re.I)]
    assert [where for where, text in abnormal] == ["Notes"] and "(the notebook calls them abnormal returns)" in abnormal[0][1], abnormal
    hedged = [text for _, text in texts if re.search("hedged return", text, re.I)]
    assert "Cumulative hedged return: alpha + residual under FF5 + momentum" in hedged and len(hedged) >= 4, hedged
