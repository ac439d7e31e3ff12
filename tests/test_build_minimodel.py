"""The MiniModel workbook: every section of the primer's script in cells, checked against the
script's own numbers (run from the seed document), native twins, fresh cached values, and the
copy committed in workbook_templates/ equal to a fresh build."""

from __future__ import annotations

import re
import zipfile

import numpy as np
import openpyxl
import pytest

from factorxl.workbooks.refresh import refresh_workbook
from factorxl.workbooks.templates import minimodel
from factorxl.workbooks.package import Package
from factorxl.workbooks.workbook_cells import read_workbook
from tests import test_risk_model_minimodel
from tests.conftest import REPO
from tests.workbook_checks import (
    Book,
    assert_cached_values_are_fresh,
    assert_no_pasted_numbers,
    assert_same_content,
    assert_twin_differences_vanish,
    build_complete,
    package_settings,
)

script = test_risk_model_minimodel.seed  # fixture: the MiniModel script's namespace, run from the seed document
TOL = 1e-10
COMMITTED = REPO / "workbook_templates" / minimodel.FILE_NAME
SECTIONS = ["1 Universe", "2 Exposures", "3 Regression", "4 Risk model", "5 Stress", "6 Attribution", "7 Hedging", "8 Optimization", "9 Chapter 2"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_complete("minimodel", tmp_path_factory.mktemp("minimodel"), None)


@pytest.fixture(scope="module")
def book(built):
    return Book(built.path)


def _column(book: Book, sheet: str, header: str, rows: int, offset: int = 0) -> np.ndarray:
    """``rows`` cached numbers below the cell showing ``header`` (``offset`` columns to its right)."""
    row, col = book.find(sheet, header)
    ws = book.values[sheet]
    return np.array([ws.cell(row + 1 + i, col + offset).value for i in range(rows)], dtype=float)


def test_headline_is_the_tracking_error(built, script):
    (headline,) = built.headlines
    assert headline.label == "MiniModel tracking error (annualized)"
    assert headline.value == pytest.approx(script["sig_a"], abs=TOL)
    assert headline.value * 100 == pytest.approx(5.42, abs=5e-03)  # printed with 2 decimals


def test_universe_and_exposures(book, script):
    np.testing.assert_allclose(book.block("1 Universe", "B22:B24").ravel(), script["ind_w"], atol=TOL)  # Tech, Fin, Cons
    np.testing.assert_allclose(book.block("1 Universe", "L8:L17").ravel(), script["w_a"], atol=TOL)
    np.testing.assert_allclose(book.block("2 Exposures", "B7:H16"), script["X"], atol=TOL)
    np.testing.assert_allclose(book.block("2 Exposures", "F20:H29"), script["X"][:, 4:], atol=TOL)  # the native twin


def test_regression(book, script):
    fit = book.table("3 Regression", "factor")
    np.testing.assert_allclose([fit[name][0] for name in ("MKT", "Tech", "Fin", "Cons", "VALUE", "MOM", "SIZE")], script["f1"] / 100, atol=TOL)
    np.testing.assert_allclose([fit[name][1] for name in ("MKT", "Tech", "Fin", "Cons", "VALUE", "MOM", "SIZE")], script["f1"] / 100, atol=TOL)
    assert fit["R2 uncentered"][0] == pytest.approx(1 - script["wss_res"] / script["wss_tot"], abs=TOL)
    assert fit["R2 centered"][1] == pytest.approx(1 - script["wss_res"] / script["wss_tot_c"], abs=TOL)
    np.testing.assert_allclose(_column(book, "3 Regression", "residual", 10), script["resid"] / 100, atol=TOL)
    np.testing.assert_allclose(_column(book, "3 Regression", "weight", 10), script["regw"], atol=TOL)
    assert book.right_of("3 Regression", "VALUE pure portfolio: gross leverage") == pytest.approx(np.abs(script["P"][4]).sum(), rel=1e-10)
    np.testing.assert_allclose(book.block("3 Regression", "B81:H90"), script["P"].T, atol=1e-9)


def test_risk_model_and_contributions(book, script):
    risk = book.table("4 Risk model", "risk")
    for j, (sigma, name) in enumerate(((script["sig_p"], "portfolio"), (script["sig_b"], "benchmark"), (script["sig_a"], "active"))):
        assert risk["total vol"][j] == pytest.approx(sigma, abs=TOL), name
    np.testing.assert_allclose([risk[f"exposure {f}"][2] for f in ("MKT", "Tech", "Fin", "Cons", "VALUE", "MOM", "SIZE")], script["x_a"], atol=TOL)
    np.testing.assert_allclose(_column(book, "4 Risk model", "component", 10), script["ctr"], atol=TOL)
    assert book.right_of("4 Risk model", "sum of components (= tracking error)", 3) == pytest.approx(script["sig_a"], abs=TOL)
    blocks = book.table("4 Risk model", "block")
    assert blocks["Styles"][0] == pytest.approx(sum(script["x_a"][k] * script["Fx"][k] for k in (4, 5, 6)), abs=TOL)


def test_stress_attribution_hedging_optimization(book, script):
    stress = book.table("5 Stress", "stress")
    np.testing.assert_allclose([row[0] for row in list(stress.values())[:7]], script["f_cond"], atol=TOL)
    assert stress["correlated impact"][1] == pytest.approx(script["x_a"] @ script["f_cond"], abs=TOL)
    assert stress["correlated impact"][2] == pytest.approx(script["x_p"] @ script["f_cond"], abs=TOL)
    carino = book.table("6 Attribution", "attribution")["linked (carino)"]
    np.testing.assert_allclose(carino[:7], script["linked"] / 100, atol=TOL)
    assert carino[7] == pytest.approx(script["linked_spec"] / 100, abs=TOL)
    assert carino[9] == pytest.approx(script["Rp"] - script["Rb"], abs=TOL)
    hedge = book.table("7 Hedging", "hedge")
    np.testing.assert_allclose([hedge["notional index future"][1], hedge["notional small-cap future"][1]], script["h"], atol=TOL)
    assert hedge["total vol"][1] == pytest.approx(np.sqrt(script["var_h"]), abs=TOL)
    np.testing.assert_allclose(_column(book, "8 Optimization", "active weight", 10), script["w_opt"], atol=TOL)
    assert book.right_of("8 Optimization", "tracking error, optimized SQRT(w'Sigma w)") == pytest.approx(script["te_opt"], abs=TOL)
    assert book.right_of("8 Optimization", "one-way turnover: PORTFOLIO_TURNOVER") == pytest.approx(0.5 * np.abs(script["w_opt"] - script["w_a"]).sum(), abs=TOL)
    chapter2 = book.table("9 Chapter 2", "risk")
    assert chapter2["factor variance"][0] == pytest.approx(script["vf"], abs=TOL)
    assert chapter2["specific variance"][0] == pytest.approx(script["vs"], abs=TOL)


def test_native_twins_equal_factorxl(book):
    assert assert_twin_differences_vanish(book) >= 11 + 10 + 3 + 8
    for sheet, label in (("2 Exposures", "largest |factorxl - twin|"),):
        row, col = book.find(sheet, label)
        assert all(abs(book.values[sheet].cell(row, col + 5 + j).value) < 1e-12 for j in range(3))


def test_every_cached_value_is_a_fresh_recalculation(built):
    assert assert_cached_values_are_fresh(built.path) > 500


def test_template_conventions(built, book):
    assert book.formulas.sheetnames == [*SECTIONS, "Notes"]
    assert "fullCalcOnLoad" not in package_settings(built.path)
    assert_no_pasted_numbers(book)
    assert {"exposures", "factor_cov", "weights", "stress_factor", "stress_sigmas"} <= set(book.formulas.defined_names)


def test_committed_workbook_equals_a_fresh_build(built):
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: run `factorxl build --only minimodel --out workbook_templates`"
    assert_same_content(built.path, COMMITTED)


def test_a_refresh_evaluates_single_value_factorxl_formulas(tmp_path):
    """A factorxl call with one value is an ordinary formula (so LibreOffice and older Excel keep
    its stored value on open); the refresh evaluates it like the spilled ones."""
    cell = ("8 Optimization", "B27")
    assert openpyxl.load_workbook(COMMITTED)[cell[0]][cell[1]].value.startswith("=PORTFOLIO_TURNOVER(")
    stale = tmp_path / "Stale.xlsx"
    with Package(COMMITTED) as package:
        part = read_workbook(package).sheet(cell[0]).part
    with zipfile.ZipFile(COMMITTED) as old, zipfile.ZipFile(stale, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == part:
                data, count = re.subn(rb'(<c r="B27"[^>]*>(?:<f>[^<]*</f>))<v>[^<]*</v>', rb"\1<v>0</v>", data)
                assert count == 1
            new.writestr(info, data)
    assert Book(stale).number(*cell) == 0
    assert refresh_workbook(stale, progress=False).ok
    assert Book(stale).number(*cell) == pytest.approx(Book(COMMITTED).number(*cell), rel=1e-12) != 0
