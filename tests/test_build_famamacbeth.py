"""The FamaMacBeth workbook built from the shared data: its premia, standard errors, GRS tests,
first-pass regressions and pricing errors equal linearmodels (FamaMacBeth, LinearFactorModel,
TradedFactorModel) to 1e-10; the data come from FF_DATA / FF_FACTORS formulas; fresh cached values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from linearmodels import FamaMacBeth
from linearmodels.asset_pricing import LinearFactorModel, TradedFactorModel
from scipy import stats

from factorxl.data import DataSource, french
from factorxl.workbooks.templates import famamacbeth
from tests.doc_figures import check_build_figures
from tests.workbook_checks import (
    Book,
    assert_cached_values_are_fresh,
    assert_no_pasted_numbers,
    build_complete,
    chart_count,
    package_settings,
)

TOLERANCE = 1e-10
MODELS = {"CAPM": ["Mkt-RF"], "FF3": ["Mkt-RF", "SMB", "HML"], "FF5": ["Mkt-RF", "SMB", "HML", "RMW", "CMA"]}


@pytest.fixture(scope="module")
def source(shared_data):
    return DataSource(local_dir=shared_data, vintage=famamacbeth.VINTAGE)


@pytest.fixture(scope="module")
def built(source, tmp_path_factory):
    return build_complete("famamacbeth", tmp_path_factory.mktemp("famamacbeth"), source)


@pytest.fixture(scope="module")
def book(built):
    return Book(built.path)


@pytest.fixture(scope="module")
def data(source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Excess returns of the 25 portfolios and the five factors over the months both files have."""
    portfolios = french.load_table("25_Portfolios_5x5", "vw", "monthly", source=source)[2]
    factors = french.load_factors("FF5", "monthly", source=source)
    common = portfolios.index.intersection(factors.index)
    excess = portfolios.loc[common].sub(factors.loc[common, "RF"], axis=0)
    return excess, factors.loc[common]


def _close(actual, expected, tolerance: float = TOLERANCE) -> None:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    assert np.all(np.abs(actual - expected) <= tolerance * np.maximum(1.0, np.abs(expected))), np.abs(actual - expected).max()


def _premia(book: Book, model: str, se: int) -> dict[str, list]:
    """One FM_PREMIA table of a model sheet: 0 Fama-MacBeth, 1 Newey-West, 2 Shanken errors
    (one below the other, each under the label naming its errors)."""
    ws = book.values[model]
    label = ("Fama-MacBeth", "Newey-West", "Shanken")[se]
    row, col = book.find(model, f"{label} standard errors")
    out, row = {}, row + 2
    while ws.cell(row, col).value is not None:
        out[ws.cell(row, col).value] = [ws.cell(row, col + j).value for j in range(1, 5)]
        row += 1
    return out


def _first_pass(book: Book, model: str) -> pd.DataFrame:
    """The FUND_TABLE block and the pricing-error table below it, by header, one row per portfolio."""
    ws = book.values[model]
    columns = {}
    for corner in ("fund", "portfolio"):
        row, _ = book.find(model, corner)
        rows = range(row + 1, row + 26)
        index = [ws.cell(r, 1).value for r in rows]
        columns.update({cell.value: pd.Series([ws.cell(r, cell.column).value for r in rows], index=index) for cell in ws[row] if cell.value not in (None, corner)})
    return pd.DataFrame(columns)


def _linearmodels_fm(excess: pd.DataFrame, betas: np.ndarray, **fit_options):
    periods, assets = excess.shape
    index = pd.MultiIndex.from_product([range(assets), range(periods)], names=["asset", "period"])
    design = np.column_stack([np.ones(assets), betas])
    exog = pd.DataFrame(np.repeat(design, periods, axis=0), index=index, columns=["const", *[f"b{i}" for i in range(betas.shape[1])]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FamaMacBeth(pd.Series(excess.to_numpy().T.ravel(), index=index), exog).fit(**fit_options)


def test_the_data_are_read_by_data_formulas(book, data):
    formulas = book.formulas["Data"]
    assert formulas["A5"].value.text == '=FF_DATA("25_Portfolios_5x5","vw","monthly",start_date,end_date)'
    assert formulas["AB5"].value.text == '=FF_FACTORS("FF5","monthly",start_date,end_date,TRUE)'
    excess, factors = data
    assert book.value("Data", "A5").endswith("This file was created using the 202510 CRSP database.")
    assert "decimals" in book.value("Data", "A5") and "decimals" in book.value("Data", "AB5")
    assert (book.value("Data", "A2"), book.value("Data", "A3")) == (book.value("Data", "A5"), book.value("Data", "AB5"))  # shown above
    stored = book.block("Excess", f"B7:Z{6 + len(excess)}")
    _close(stored, excess.to_numpy(), 1e-15)
    assert book.number("Summary", "B9") == 0  # a count of months whose dates differ: the two tables' dates agree


@pytest.mark.parametrize("model", MODELS)
def test_premia_and_errors_equal_linearmodels(book, data, model):
    excess, factors = data
    names = MODELS[model]
    f = factors[names]
    linear = LinearFactorModel(excess, f, risk_free=True).fit()
    betas = linear.betas.to_numpy()
    plain = _linearmodels_fm(excess, betas)
    fm, nw, shanken = (_premia(book, model, se) for se in range(3))
    labels = ["const", *names]
    premia = np.array([fm[n][0] for n in labels])
    _close(premia, linear.risk_premia.to_numpy())
    _close(premia, plain.params.to_numpy())
    _close([fm[n][1] for n in labels], plain.std_errors.to_numpy())
    _close([fm[n][2] for n in labels], plain.tstats.to_numpy())
    lags = int(np.floor(4 * (len(excess) / 100) ** (2 / 9)))
    assert nw["std errors"][0] == f"Newey-West ({lags} lags)"
    kernel = _linearmodels_fm(excess, betas, cov_type="kernel", kernel="bartlett", bandwidth=lags)
    _close([nw[n][1] for n in labels], kernel.std_errors.to_numpy())
    # Shanken (1992) on linearmodels' betas and premia: [(1 + c) (X'X)^-1 X' S_e X (X'X)^-1 + S_f] / T
    periods = len(excess)
    design = np.column_stack([np.ones(len(betas)), betas])
    residuals = excess.to_numpy() - linear_fit_values(excess, f)
    sigma_e = residuals.T @ residuals / (periods - 1)
    sigma_f = np.zeros((len(labels), len(labels)))
    sigma_f[1:, 1:] = np.atleast_2d(np.cov(f.to_numpy().T, ddof=1))
    lam = premia[1:]
    c = lam @ np.linalg.solve(sigma_f[1:, 1:], lam)
    bread = np.linalg.inv(design.T @ design) @ design.T
    expected = ((1 + c) * bread @ sigma_e @ bread.T + sigma_f) / periods
    _close([shanken[n][1] for n in labels], np.sqrt(np.diag(expected)))
    _close([fm["avg R-squared"][0]], [plain.avg_rsquared])


def linear_fit_values(excess: pd.DataFrame, factors: pd.DataFrame) -> np.ndarray:
    """Fitted values of each portfolio's first-pass OLS regression on a constant and the factors."""
    design = np.column_stack([np.ones(len(factors)), factors.to_numpy()])
    coefficients = np.linalg.lstsq(design, excess.to_numpy(), rcond=None)[0]
    return design @ coefficients


@pytest.mark.parametrize("model", MODELS)
def test_grs_first_pass_and_pricing_errors_equal_linearmodels(book, data, model):
    excess, factors = data
    names = MODELS[model]
    traded = TradedFactorModel(excess, factors[names]).fit()
    linear = LinearFactorModel(excess, factors[names], risk_free=True).fit()
    first = _first_pass(book, model)
    _close(first["alpha"].to_numpy() / 12, traded.alphas.to_numpy())
    _close(first[names].to_numpy(), traded.betas.to_numpy())
    periods, assets, k = len(excess), 25, len(names)
    alphas = traded.alphas.to_numpy()
    residuals = excess.to_numpy() - linear_fit_values(excess, factors[names])
    sigma = residuals.T @ residuals / periods
    f = factors[names].to_numpy()
    omega = np.atleast_2d(np.cov(f.T, ddof=0))
    means = f.mean(axis=0)
    grs = (periods - assets - k) / assets * alphas @ np.linalg.solve(sigma, alphas) / (1 + means @ np.linalg.solve(omega, means))
    fm = _premia(book, model, 0)
    _close([fm["GRS F"][0]], [grs])
    _close([fm["GRS p-value"][0]], [stats.f.sf(grs, assets, periods - assets - k)], 1e-12)
    assert fm["GRS periods"][0] == periods and fm["periods used"][0] == periods
    _close(first["average excess"].to_numpy(), excess.mean().to_numpy())
    _close(first["pricing error"].to_numpy(), linear.alphas.to_numpy())
    summary = book.table("Summary", "")
    _close([summary["GRS F (zero time-series alphas)"][list(MODELS).index(model)]], [grs])
    rms = np.sqrt(np.mean(linear.alphas.to_numpy() ** 2))
    _close([summary["root mean square pricing error (monthly)"][list(MODELS).index(model)]], [rms])


def test_headline_is_the_ff3_grs_statistic(built, book):
    assert built.headlines[0].label == "FF3 GRS F (25 size x book-to-market portfolios)"
    assert built.headlines[0].value == book.table("Summary", "")["GRS F (zero time-series alphas)"][1]  # the cell read back


def test_template_conventions(built, book):
    assert_no_pasted_numbers(book, data_sheets=())
    assert chart_count(built.path) == 1
    assert "fullCalcOnLoad" not in package_settings(built.path)
    assert book.formulas.sheetnames == ["Summary", "CAPM", "FF3", "FF5", "Charts", "Data", "Excess", "Notes"]
    assert set(book.formulas.defined_names) >= {"start_date", "end_date", "periods_per_year"}


def test_every_cached_value_is_a_fresh_recalculation(built, source):
    from factorxl.excel.data_functions import data_source_set_to

    with data_source_set_to(source):
        assert assert_cached_values_are_fresh(built.path) > 20_000


def test_the_docs_quote_this_build(built):
    check_build_figures(built, "FamaMacBeth")
