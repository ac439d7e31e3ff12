"""The MiniModel workbook: the 10-stock Barra-style example of the equity factor model guide at
itsjustbeta.com, one sheet per section of its script, every number a formula.

Its inputs are the script's own constants (:mod:`.minimodel_example`), so the workbook
carries no external data and a built copy is kept in ``workbook_templates/``. Returns and
volatilities are decimals (the script prints percent). Beside the factorxl functions, native
Excel twins recompute the regression (matrix algebra with ``MMULT``/``MINVERSE``), the
covariance, the risk numbers, the stress test, the Carino linking, the hedges and the
optimizer's KKT system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factorxl.workbooks.templates import minimodel_example as mm
from factorxl.workbooks.templates.layout import (
    INPUT_LEGEND,
    Block,
    Book,
    Built,
    Headline,
    Sheet,
    address,
    area,
    notes_sheet,
)

FILE_NAME = "MiniModel.xlsx"
NEEDS_DATA = False
"""The script's constants are its inputs: no dataset is read."""
TITLE = "MiniModel: a 10-stock Barra-style risk model"
INDUSTRY_NAMES = ("Tech", "Fin", "Cons")
FACTOR_NAMES = ("MKT", *INDUSTRY_NAMES, *mm.STYLE_NAMES)  # the exposure matrix's columns
N, K = len(mm.NAMES), 7
SUMMARY = ("factorxl", "Excel twin", "factorxl - twin", "script prints")
ATTRIBUTION_HEADER = ("attribution", *FACTOR_NAMES, "specific", "unexplained", "active", "portfolio", "benchmark", "coefficient")
"""ATTRIBUTION's header row."""


def build(path: Path, source: object = None) -> Built:
    """Write the MiniModel workbook to ``path`` (``source`` is unused: the data are the script's)."""
    book = Book(path, TITLE)
    u = _universe(book)
    x = _exposures(book, u)
    fit = _regression(book, u, x)
    risk = _risk_model(book, u, x)
    _stress(book, x, risk)
    _attribution(book, u, x, fit, risk)
    _hedging(book, x, risk)
    _optimization(book, u, x, risk)
    _chapter2(book)
    notes_sheet(book, TITLE, NOTES)
    book.close()
    te = risk.decomposition
    cell = address(te.row + risk.TOTAL_VOL, te.col + risk.ACTIVE)
    return Built((Headline("MiniModel tracking error (annualized)", te.sheet, cell, ".6f"),))


def _section(book: Book, name: str, title: str, subtitle: str) -> Sheet:
    sheet = book.sheet(name)
    sheet.title(title, subtitle)
    sheet.note(2, 0, INPUT_LEGEND)
    return sheet


def _names(sheet: Sheet, row: int, names: str, col: int = 0) -> None:
    """The stock names down a column, as a spilled reference to the Universe sheet."""
    sheet.labels_of(sheet.spill(row, col, N, 1, f"={names}", "text"), mm.NAMES)


def _labels_down(sheet: Sheet, row: int, header: str, count: int = K, col: int = 0) -> None:
    """Factor names down a column, transposed from a header row."""
    sheet.spill(row, col, count, 1, f"=TRANSPOSE({header})", "text")


# --- 1. Universe --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Universe:
    names: str
    industries: str
    caps: str
    cap_weights: str
    descriptors: str  # with the header row VALUE, MOM, SIZE
    descriptor_columns: tuple[str, str, str]
    returns: str
    specific_vols: str
    weights: str  # portfolio, benchmark, active with header
    portfolio: str
    benchmark: str
    benchmark_column: str  # with its header
    active: str
    industry_weights: dict[str, str]
    industry_weight_column: str


def _universe(book: Book) -> _Universe:
    sheet = _section(book, "1 Universe", "1. The universe", "Ten stocks in three industries; the benchmark holds them at cap weights.")
    sheet.heading(4, 0, "Stocks (returns and volatilities as decimals; the script prints percent)")
    explain = ("", "", "$bn", "= cap / total", "book / price", "12-1m return", "= LN(cap)", "month 1", "annualized", "manager", "= cap weight", "= portfolio - benchmark")
    for j, text in enumerate(explain):
        sheet.note(5, j, text)
    sheet.header(6, 0, ("name", "industry", "cap", "cap weight", "VALUE", "MOM", "SIZE", "return", "specific vol", "portfolio", "benchmark", "active"))
    first, last = 7, 6 + N

    def rows(col: int) -> str:
        """One column of the stock block."""
        return area(sheet.name, first, col, last, col)

    for i in range(N):
        r = first + i
        sheet.input(r, 0, mm.NAMES[i], "text")
        sheet.input(r, 1, mm.INDUSTRIES[i], "text")
        sheet.input(r, 2, mm.CAPS[i], "count")
        sheet.formula(r, 3, f"={address(r, 2)}/SUM({rows(2)})", "ratio")
        sheet.input(r, 4, mm.BOOK_TO_PRICE[i], "ratio")
        sheet.input(r, 5, mm.MOMENTUM[i], "pct")
        sheet.formula(r, 6, f"=LN({address(r, 2)})", "ratio")
        sheet.input(r, 7, mm.MONTH1_RETURNS[i], "pct")
        sheet.input(r, 8, mm.SPECIFIC_VOLS[i], "pct")
        sheet.input(r, 9, mm.PORTFOLIO[i], "ratio")
        sheet.formula(r, 10, f"={address(r, 3)}", "ratio")
        sheet.formula(r, 11, f"={address(r, 9)}-{address(r, 10)}", "ratio")
    sheet.label(last + 1, 0, "sum")
    for col in (3, 9, 10, 11):
        sheet.formula(last + 1, col, f"=SUM({rows(col)})", "ratio")
    define = book.define
    u = {
        "names": define("stock_names", rows(0)),
        "industries": define("industries", rows(1)),
        "caps": define("caps", rows(2)),
        "cap_weights": define("cap_weights", rows(3)),
        "descriptors": define("descriptors", area(sheet.name, first - 1, 4, last, 6)),
        "descriptor_columns": tuple(rows(c) for c in (4, 5, 6)),
        "returns": define("month1_returns", rows(7)),
        "specific_vols": define("specific_vols", rows(8)),
        "weights": define("weights", area(sheet.name, first - 1, 9, last, 11)),
        "portfolio": define("w_portfolio", rows(9)),
        "benchmark": define("w_benchmark", rows(10)),
        "benchmark_column": area(sheet.name, first - 1, 10, last, 10),
        "active": define("w_active", rows(11)),
    }
    row = last + 3
    sheet.heading(row, 0, "Industry cap weights (the benchmark's industry exposures)")
    sheet.header(row + 1, 0, ("industry", "cap weight", "script prints"))
    printed = {"Tech": "0.4553", "Fin": "0.3252", "Cons": "0.2195"}
    weights = {}
    for i, name in enumerate(INDUSTRY_NAMES):
        r = row + 2 + i
        sheet.input(r, 0, name, "text")
        weights[name] = sheet.formula(r, 1, f"=SUMIF({u['industries']},{address(r, 0)},{u['cap_weights']})", "ratio")
        sheet.note(r, 2, printed[name])
    return _Universe(**u, industry_weights=weights, industry_weight_column=area(sheet.name, row + 2, 1, row + 1 + len(INDUSTRY_NAMES), 1))


# --- 2. Exposures -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Exposures:
    matrix: str  # with the header row
    data: str
    header: str
    block: Block  # the spilled matrix, header row included

    def column(self, k: int) -> str:
        return self.block.column(k, 1)


def _exposures(book: Book, u: _Universe) -> _Exposures:
    sheet = _section(book, "2 Exposures", "2. Standardized exposures X", "Market (ones), industry dummies and styles standardized to cap-weighted mean 0 and equal-weighted std 1.")
    sheet.heading(4, 0, "EXPOSURE_MATRIX(industries, descriptors, caps)")
    _names(sheet, 6, u.names)
    block = sheet.spill(5, 1, N + 1, K, f"=EXPOSURE_MATRIX({u.industries},{u.descriptors},{u.caps})", ["ratio"] * K)
    x = _Exposures(
        matrix=book.define("exposures", block.ref),
        data=book.define("exposures_data", area(sheet.name, 6, 1, 5 + N, K)),
        header=book.define("factor_names", area(sheet.name, 5, 1, 5, K)),
        block=block,
    )
    row = 7 + N
    sheet.heading(row, 0, "Excel twin of the styles: (d - SUMPRODUCT(cap weights, d)) / STDEV.P(d)")
    sheet.column_labels(row + 1, 5, 3, f"={area(sheet.name, 5, 5, 5, 7)}")
    _names(sheet, row + 2, u.names)
    for j, descriptor in enumerate(u.descriptor_columns):
        sheet.spill(row + 2, 5 + j, N, 1, f"=({descriptor}-SUMPRODUCT({u.cap_weights},{descriptor}))/STDEV.P({descriptor})", "ratio")
    sheet.label(row + 2 + N, 0, "largest |factorxl - twin|")
    for j in range(3):
        sheet.spill(row + 2 + N, 5 + j, 1, 1, f"=MAX(ABS({x.column(4 + j)}-{area(sheet.name, row + 2, 5 + j, row + 1 + N, 5 + j)}))", "sci")
    row += N + 5
    sheet.heading(row, 0, "Checks: cap-weighted means (RISK_EXPOSURE of the benchmark) and equal-weighted stds")
    checks = sheet.spill(row + 1, 0, K + 1, 2, f"=RISK_EXPOSURE({u.benchmark_column},{x.matrix})", ["text", "ratio"])
    sheet.labels_of(checks, ("factor", "benchmark"), across=True)
    sheet.note(row + 1, 3, "industry rows = industry cap weights; style rows = 0 (script: [-0. 0. -0.])")
    sheet.label(row + K + 3, 0, "equal-weighted std (STDEV.P)")
    for j in range(3):
        sheet.formula(row + K + 3, 5 + j, f"=STDEV.P({x.column(4 + j)})", "ratio")
    sheet.note(row + K + 4, 5, "script: [1. 1. 1.]")
    return x


# --- 3. Cross-sectional regression ----------------------------------------------------------


@dataclass(frozen=True)
class _Fit:
    table: Block  # CROSS_SECTION_FIT: header, 7 factor returns, 2 R-squared, constraint, stocks
    residuals: str
    factor_returns_row: str  # the 7 month-1 factor returns as a row (1 x 7)


def _regression(book: Book, u: _Universe, x: _Exposures) -> _Fit:
    sheet = _section(book, "3 Regression", "3. Month-1 constrained WLS, and 3b. pure factor portfolios", "Weights sqrt(cap), cap-weighted industry factor returns constrained to sum to zero.")
    sheet.heading(4, 0, "Regression weights: CROSS_SECTION_WEIGHTS(caps) = SQRT(cap) / SUM(SQRT(cap))")
    sheet.header(5, 0, ("stock", "weight", "Excel twin"))
    _names(sheet, 6, u.names)
    sheet.spill(6, 1, N, 1, f"=CROSS_SECTION_WEIGHTS({u.caps})", "ratio")
    twin_weights = sheet.spill(6, 2, N, 1, f"=SQRT({u.caps})/SUM(SQRT({u.caps}))", "ratio")
    sheet.note(6, 3, "script: [0.1685 0.123 0.087 0.0435 0.1507 0.1066 0.0615 0.1305 0.0754 0.0533]")
    algebra_row = 46
    f_twin = Block(sheet.name, algebra_row + 2 + K + 2 + N + 2, 1, K, 1)
    row = 7 + N
    sheet.heading(row, 0, "Month-1 factor returns: CROSS_SECTION_FIT(month1_returns, exposures, caps)")
    table = sheet.spill(row + 1, 0, 12, 2, f"=CROSS_SECTION_FIT({u.returns},{x.matrix},{u.caps})", ["text", "pct"])
    sheet.labels_of(table, ("factor", "factor return"), across=True)
    for offset, kind in ((K + 1, "ratio"), (K + 2, "ratio"), (K + 3, "sci"), (K + 4, "count")):  # as their twins show them
        sheet.format_rows(table, offset, kind)
    sheet.header(row + 1, 2, ("Excel twin", "factorxl - twin", "script prints"))
    printed = ("1.8214", "0.7683", "-1.2822", "0.3060", "0.5484", "1.9616", "0.0460", "0.9736", "0.9564", "-8.3e-17", "")
    first = row + 2
    residual_row = first + 14
    sheet.spill(first, 2, K, 1, f"={f_twin.ref}", "pct")
    residual_twin = area(sheet.name, residual_row, 2, residual_row + N - 1, 2)
    weighted = f"SUMPRODUCT({twin_weights.ref},{residual_twin}^2)"
    sheet.formula(first + K, 2, f"=1-{weighted}/SUMPRODUCT({twin_weights.ref},{u.returns}^2)", "ratio")
    mean = f"SUMPRODUCT({twin_weights.ref},{u.returns})"
    sheet.formula(first + K + 1, 2, f"=1-{weighted}/SUMPRODUCT({twin_weights.ref},({u.returns}-{mean})^2)", "ratio")
    industries = area(sheet.name, first + 1, 2, first + 3, 2)
    sheet.formula(first + K + 2, 2, f"=SUMPRODUCT({u.industry_weight_column},{industries})", "sci")
    sheet.formula(first + K + 3, 2, f"=COUNT({u.returns})", "count")
    for i in range(11):
        sheet.formula(first + i, 3, f"={table.cell(1 + i, 1)}-{sheet.ref(first + i, 2)}", "sci")
        suffix = "%" if i < K else ""
        if printed[i]:
            sheet.note(first + i, 4, printed[i] + suffix)
    row = residual_row - 2
    sheet.heading(row, 0, "Residuals (specific returns): CROSS_SECTION_RESIDUALS(month1_returns, exposures, caps)")
    sheet.header(row + 1, 0, ("stock", "residual", "Excel twin", "factorxl - twin"))
    _names(sheet, row + 2, u.names)
    residuals = sheet.spill(row + 2, 1, N, 1, f"=CROSS_SECTION_RESIDUALS({u.returns},{x.matrix},{u.caps})", "pct")
    sheet.spill(row + 2, 2, N, 1, f"={u.returns}-MMULT({x.data},{f_twin.ref})", "pct")
    sheet.spill(row + 2, 3, N, 1, f"={residuals.ref}-{area(sheet.name, row + 2, 2, row + 1 + N, 2)}", "sci")
    _wls_algebra(sheet, algebra_row, u, x, twin_weights.ref, f_twin)
    _pure_portfolios(sheet, f_twin.row + K + 2, u, x)
    return _Fit(table, residuals.ref, f"TRANSPOSE({table.column(1, 1, K)})")


def _wls_algebra(sheet: Sheet, row: int, u: _Universe, x: _Exposures, weights: str, f_twin: Block) -> None:
    """The constrained WLS in native formulas: f = R (XR' W XR)^-1 XR' W r with XR = X R."""
    sheet.heading(row, 0, "Excel twin of the regression: f = R (XR' W XR)^-1 XR' W r, XR = MMULT(X, R)")
    free = ("MKT", "Tech", "Fin", "VALUE", "MOM", "SIZE")
    sheet.header(row + 1, 1, free)
    restriction = np.zeros((K, K - 1))
    restriction[[0, 1, 2], [0, 1, 2]] = 1
    restriction[[4, 5, 6], [3, 4, 5]] = 1
    _labels_down(sheet, row + 2, x.header)
    block = sheet.inputs(row + 2, 1, restriction, "ratio", "constant")
    sheet.note(row + 2 + K, 0, "R maps the 6 free factors to the 7: CONS = -(c_Tech Tech + c_Fin Fin) / c_Cons")
    cons = u.industry_weights["Cons"]
    sheet.formula(row + 5, 2, f"=-{u.industry_weights['Tech']}/{cons}", "ratio")
    sheet.formula(row + 5, 3, f"=-{u.industry_weights['Fin']}/{cons}", "ratio")
    r = block.ref
    xr_row = row + 2 + K + 1
    sheet.label(xr_row, 0, "XR = MMULT(X, R)")
    _names(sheet, xr_row + 1, u.names)
    xr = sheet.spill(xr_row + 1, 1, N, K - 1, f"=MMULT({x.data},{r})", "ratio").ref
    sheet.label(f_twin.row - 1, 0, "f = R (XR' W XR)^-1 XR' W r")
    weighted = f"TRANSPOSE({xr}*{weights})"
    sheet.spill(f_twin.row, f_twin.col, K, 1, f"=MMULT({r},MMULT(MINVERSE(MMULT({weighted},{xr})),MMULT({weighted},{u.returns})))", "pct")
    _labels_down(sheet, f_twin.row, x.header)


def _pure_portfolios(sheet: Sheet, row: int, u: _Universe, x: _Exposures) -> None:
    sheet.heading(row, 0, "3b. Pure factor portfolios: CROSS_SECTION_PURE_PORTFOLIOS (stocks down the rows, one column per factor)")
    _names(sheet, row + 2, u.names)
    pure = sheet.spill(row + 1, 1, N + 1, K, f"=CROSS_SECTION_PURE_PORTFOLIOS({u.returns},{x.matrix},{u.caps})", "ratio")
    sheet.note(row + 2 + N, 0, "script prints P with factors down the rows (P here is its transpose)")
    data = area(sheet.name, pure.row + 1, pure.col, pure.row + N, pure.col + K - 1)
    row = pure.row + N + 2
    sheet.heading(row, 0, "P'X: RISK_EXPOSURE(P, exposures) - the identity on the styles; each industry portfolio also loads on the market")
    sheet.spill(row + 1, 0, K + 1, K + 1, f"=RISK_EXPOSURE({pure.ref},{x.matrix})", ["text", *["ratio"] * K])
    row += K + 3
    sheet.heading(row, 0, "Checks")
    sheet.header(row + 1, 1, ("value", "script prints"))
    sheet.label(row + 2, 0, "P'r1 (= the factor returns)")
    sheet.spill(row + 2, 1, K, 1, f"=MMULT(TRANSPOSE({data}),{u.returns})", "pct")
    sheet.note(row + 2, 2, "[1.8214 0.7683 -1.2822 0.306 0.5484 1.9616 0.046] (%)")
    value = pure.column(4, 1)
    sheet.label(row + 2 + K, 0, "VALUE pure portfolio: sum of weights")
    sheet.formula(row + 2 + K, 1, f"=SUM({value})", "sci")
    sheet.note(row + 2 + K, 2, "-6.1e-16")
    sheet.label(row + 3 + K, 0, "VALUE pure portfolio: gross leverage")
    sheet.formula(row + 3 + K, 1, f"=SUMPRODUCT(ABS({value}))", "ratio")
    sheet.note(row + 3 + K, 2, "11.868382999104018")


# --- 4. Risk model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Risk:
    factor_cov: str  # with a header row of factor names
    factor_cov_data: str
    asset_cov: str
    decomposition: Block  # RISK_DECOMPOSITION: header, 7 exposures, 3 variances, 3 vols, 7 shares, specific share

    SPECIFIC_VOL, TOTAL_VOL = K + 5, K + 6  # rows of the decomposition
    PORTFOLIO, BENCHMARK, ACTIVE = 1, 2, 3  # its columns

    def exposures(self, column: int) -> str:
        """The 7 factor exposures of the portfolio (1), benchmark (2) or active (3) weights."""
        return self.decomposition.column(column, 1, K)

    def value(self, row: int, column: int) -> str:
        return self.decomposition.cell(row, column)


_DECOMPOSITION_PRINTED = {
    "factor variance": ("0.025576", "0.027447", "0.001770"),
    "specific variance": ("0.005216", "0.005444", "0.001168"),
    "total variance": ("0.030792", "0.032892", "0.002938"),
    "total vol": ("17.55%", "18.14%", "5.42% (tracking error)"),
}


def _risk_model(book: Book, u: _Universe, x: _Exposures) -> _Risk:
    sheet = _section(book, "4 Risk model", "4. Risk model and risk decomposition, and 4b. stock-level contributions to tracking error", "Annualized factor covariance F = diag(vols) C diag(vols); asset covariance X F X' + diag(specific vols^2).")
    sheet.heading(4, 0, "Inputs: annualized factor volatilities and correlations")
    sheet.column_labels(5, 1, K, f"={x.header}")
    sheet.label(6, 0, "volatility")
    vols = book.define("factor_vols", sheet.inputs(6, 1, mm.FACTOR_VOLS.reshape(1, -1), "pct").ref)
    sheet.label(8, 0, "correlation")
    sheet.column_labels(8, 1, K, f"={x.header}")
    _labels_down(sheet, 9, x.header)
    sheet.inputs(9, 1, mm.CORRELATION, "ratio")
    correlation = book.define("correlation", area(sheet.name, 8, 1, 8 + K, K))
    correlation_data = area(sheet.name, 9, 1, 8 + K, K)
    row = 10 + K
    sheet.heading(row, 0, "Factor covariance F: RISK_FACTOR_COV(factor_vols, correlation)")
    sheet.column_labels(row + 1, 1, K, f"={x.header}")
    _labels_down(sheet, row + 2, x.header)
    cov = sheet.spill(row + 2, 1, K, K, f"=RISK_FACTOR_COV({vols},{correlation})", "variance")
    factor_cov = book.define("factor_cov", area(sheet.name, row + 1, 1, row + 1 + K, K))
    factor_cov_data = book.define("factor_cov_data", cov.ref)
    row += K + 3
    sheet.label(row, 0, "Excel twin: TRANSPOSE(vols) * C * vols")
    sheet.column_labels(row, 1, K, f"={x.header}")
    _labels_down(sheet, row + 1, x.header)
    twin = sheet.spill(row + 1, 1, K, K, f"=TRANSPOSE({vols})*{correlation_data}*{vols}", "variance")
    sheet.label(row + 1 + K, 0, "largest |factorxl - twin|")
    sheet.spill(row + 1 + K, 1, 1, 1, f"=MAX(ABS({cov.ref}-{twin.ref}))", "sci")
    row += K + 3
    sheet.heading(row, 0, "Correlation eigenvalues (must be > 0): RISK_EIGENVALUES(correlation)")
    sheet.spill(row + 1, 1, K, 1, f"=RISK_EIGENVALUES({correlation})", "ratio")
    sheet.note(row + 1, 2, "script: [0.3847 0.4878 0.8702 0.8986 1.0347 1.221 2.1031]")
    row += K + 2
    sheet.heading(row, 0, "RISK_DECOMPOSITION(weights, exposures, factor_cov, specific_vols); the active column's total vol is the tracking error")
    decomposition = sheet.spill(row + 1, 0, 1 + K + 6 + K + 1, 4, f"=RISK_DECOMPOSITION({u.weights},{x.matrix},{factor_cov},{u.specific_vols})", ["text", "ratio", "ratio", "ratio"])
    for offset in range(K + 1, K + 4):
        sheet.format_rows(decomposition, offset, "variance")
    for offset in list(range(K + 4, K + 7)) + list(range(K + 7, 2 * K + 8)):
        sheet.format_rows(decomposition, offset, "pct")
    sheet.header(row + 1, 5, ("script: portfolio", "benchmark", "active"))
    labels = ["factor variance", "specific variance", "total variance", "factor vol", "specific vol", "total vol"]
    for i, label in enumerate(labels):
        for j, text in enumerate(_DECOMPOSITION_PRINTED.get(label, ())):
            sheet.note(row + 2 + K + i, 5 + j, text)
    risk = _Risk(factor_cov, factor_cov_data, "", decomposition)
    twin_row = decomposition.row + decomposition.rows
    sheet.label(twin_row, 0, "total vol, twin: SQRT(x'Fx + SUM(w^2 s^2))")
    for j, weights in enumerate((u.portfolio, u.benchmark, u.active)):
        exposure = f"MMULT(TRANSPOSE({x.data}),{weights})"
        sheet.spill(twin_row, 1 + j, 1, 1, f"=SQRT(MMULT(TRANSPOSE({exposure}),MMULT({factor_cov_data},{exposure}))+SUMPRODUCT({weights}^2,{u.specific_vols}^2))", "pct")
    return _contributions(book, sheet, twin_row + 2, u, x, risk)


def _contributions(book: Book, sheet: Sheet, row: int, u: _Universe, x: _Exposures, risk: _Risk) -> _Risk:
    """4b: stock contributions and blocks of the tracking error, and the asset covariance."""
    model = f"{x.matrix},{risk.factor_cov},{u.specific_vols}"
    sheet.heading(row, 0, "4b. Contributions to tracking error: RISK_CONTRIBUTIONS(active weights, ...) (the script sorts by |CTR|)")
    _names(sheet, row + 2, u.names)
    contributions = sheet.spill(row + 1, 1, N + 1, 4, f"=RISK_CONTRIBUTIONS({u.active},{model})", ["ratio", "ratio", "pct", "pct"])
    total = row + 2 + N
    sheet.label(total, 0, "sum of components (= tracking error)")
    sheet.formula(total, 3, f"=SUM({contributions.column(2, 1)})", "pct")  # as the tracking error above
    sheet.note(total + 1, 0, "script: AXIOM -0.1439, MCR -0.2323, CTR 0.03343, 61.68%; sum of CTR = TE 0.054199232374422236")
    row = total + 2
    sheet.heading(row, 0, "Tracking-error variance by block: RISK_BLOCKS(active weights, ...)")
    sheet.spill(row + 1, 0, 6, 3, f"=RISK_BLOCKS({u.active},{model})", ["text", "variance", "pct"])
    sheet.note(row + 7, 0, "script: Market 0.000000 (0.00%), Industries 0.000529 (18.02%), Styles 0.001240 (42.22%), Specific 0.001168 (39.76%)")
    row += 8
    sheet.heading(row, 0, "Asset covariance: RISK_ASSET_COV(exposures, factor_cov, specific_vols) = X F X' + diag(s^2)")
    sheet.column_labels(row + 1, 1, N, f"=TRANSPOSE({u.names})")
    _names(sheet, row + 2, u.names)
    asset = sheet.spill(row + 2, 1, N, N, f"=RISK_ASSET_COV({model})", "small")
    te_row = row + 2 + N
    sheet.label(te_row, 0, "tracking error SQRT(w_a' Sigma w_a)")
    sheet.spill(te_row, 1, 1, 1, f"=SQRT(MMULT(TRANSPOSE({u.active}),MMULT({asset.ref},{u.active})))", "pct")
    return _Risk(risk.factor_cov, risk.factor_cov_data, book.define("asset_cov", asset.ref), risk.decomposition)


# --- 5. Stress test ------------------------------------------------------------------------------


def _stress(book: Book, x: _Exposures, risk: _Risk) -> None:
    sheet = _section(book, "5 Stress", "5. Stress test: a -2 sigma VALUE shock with correlated propagation", "Every factor moves by its conditional expectation F[:,k] / F[k,k] x shock.")
    sheet.heading(4, 0, "Inputs")
    sheet.label(5, 0, "shocked factor")
    factor = sheet.input(5, 1, mm.STRESS_FACTOR, "text", "stress_factor")
    sheet.label(6, 0, "shock in standard deviations")
    sigmas = sheet.input(6, 1, mm.STRESS_SIGMAS, "ratio", "stress_sigmas")
    sheet.heading(8, 0, "Exposures (from the risk decomposition)")
    sheet.header(9, 1, ("active", "portfolio"))
    _labels_down(sheet, 10, x.header)
    sheet.spill(10, 1, K, 1, f"={risk.exposures(risk.ACTIVE)}", "ratio")
    sheet.spill(10, 2, K, 1, f"={risk.exposures(risk.PORTFOLIO)}", "ratio")
    exposures = area(sheet.name, 9, 1, 9 + K, 2)
    active, portfolio = area(sheet.name, 10, 1, 9 + K, 1), area(sheet.name, 10, 2, 9 + K, 2)
    row = 11 + K
    sheet.heading(row, 0, "RISK_STRESS(exposures, factor_cov, stress_factor, stress_sigmas)")
    sheet.spill(row + 1, 0, K + 3, 4, f"=RISK_STRESS({exposures},{risk.factor_cov},{factor},{sigmas})", ["text", "pct", "pct", "pct"])
    sheet.note(row + 2, 5, "script moves (%): MKT 6.4, TECH 6.3, FIN -5.6, CONS -0.5, VALUE -8.0, MOM 5.4, SIZE -0.8")
    sheet.note(row + 1 + K + 1, 5, "script: naive -3.08% active")
    sheet.note(row + 1 + K + 2, 5, "script: correlated -6.12% active, +1.22% portfolio")
    row += K + 5
    sheet.heading(row, 0, "Excel twin: e = (factor names = stress_factor), moves = F e / (e'F e) x sigmas x SQRT(e'F e)")
    sheet.header(row + 1, 1, ("e", "move"))
    _labels_down(sheet, row + 2, x.header)
    selector = sheet.spill(row + 2, 1, K, 1, f"=TRANSPOSE(IF({x.header}={factor},1,0))", "count").ref
    variance = f"MMULT(TRANSPOSE({selector}),MMULT({risk.factor_cov_data},{selector}))"
    moves = sheet.spill(row + 2, 2, K, 1, f"=MMULT({risk.factor_cov_data},{selector})/{variance}*{sigmas}*SQRT({variance})", "pct").ref
    results = (
        ("shock", f"={sigmas}*SQRT({variance})", "script: VALUE shock -8.0%"),
        ("naive impact, active", f"=SUMPRODUCT({selector},{active})*{sigmas}*SQRT({variance})", ""),
        ("correlated impact, active", f"=SUMPRODUCT({moves},{active})", ""),
        ("correlated impact, portfolio", f"=SUMPRODUCT({moves},{portfolio})", ""),
    )
    for i, (label, formula, note) in enumerate(results):
        sheet.label(row + 2 + K + i, 0, label)
        sheet.spill(row + 2 + K + i, 2, 1, 1, formula, "pct")
        sheet.note(row + 2 + K + i, 3, note)


# --- 6. Attribution --------------------------------------------------------------------------------


def _attribution(book: Book, u: _Universe, x: _Exposures, fit: _Fit, risk: _Risk) -> None:
    sheet = _section(book, "6 Attribution", "6. Attribution over 3 months with Carino linking", "Constant exposures; months 2-3 factor and specific returns are stipulated (CONS follows from the industry constraint).")
    sheet.heading(4, 0, "Factor returns (month 1 from the regression; months 2 and 3 are inputs)")
    sheet.column_labels(5, 1, K, f"={x.header}")
    sheet.label(6, 0, "month 1")
    sheet.spill(6, 1, 1, K, f"={fit.factor_returns_row}", "pct")
    cons = INDUSTRY_NAMES.index("Cons") + 1
    weights = u.industry_weights
    for m, later in enumerate(mm.LATER_FACTOR_RETURNS):
        r = 7 + m
        sheet.label(r, 0, f"month {m + 2}")
        for k, value in enumerate(later):
            if k == cons:
                sheet.formula(r, 1 + k, f"=-({weights['Tech']}*{address(r, 2)}+{weights['Fin']}*{address(r, 3)})/{weights['Cons']}", "pct")
            else:
                sheet.input(r, 1 + k, value, "pct")
    sheet.note(7, K + 1, "script: CONS 1.63% in month 2, -0.919% in month 3")
    factor_returns = area(sheet.name, 5, 1, 8, K)
    row = 11
    sheet.heading(row, 0, "Exposures (from the risk decomposition)")
    sheet.column_labels(row + 1, 1, K, f"={x.header}")
    sheet.label(row + 2, 0, "active")
    active = sheet.spill(row + 2, 1, 1, K, f"=TRANSPOSE({risk.exposures(risk.ACTIVE)})", "ratio").ref
    sheet.label(row + 3, 0, "benchmark")
    benchmark = sheet.spill(row + 3, 1, 1, K, f"=TRANSPOSE({risk.exposures(risk.BENCHMARK)})", "ratio").ref
    row = 16
    sheet.heading(row, 0, "Per month: active specific return, benchmark and portfolio returns")
    sheet.header(row + 1, 0, ("month", "specific", "benchmark", "portfolio"))
    for m in range(3):
        r = row + 2 + m
        f_row = area(sheet.name, 6 + m, 1, 6 + m, K)
        sheet.label(r, 0, f"month {m + 1}")
        if m == 0:
            sheet.formula(r, 1, f"=SUMPRODUCT({u.active},{fit.residuals})", "pct")
            sheet.formula(r, 2, f"=SUMPRODUCT({u.benchmark},{u.returns})", "pct")
        else:
            sheet.input(r, 1, mm.LATER_SPECIFIC[m - 1], "pct")
            sheet.formula(r, 2, f"=SUMPRODUCT({f_row},{benchmark})", "pct")
        sheet.formula(r, 3, f"={address(r, 2)}+SUMPRODUCT({f_row},{active})+{address(r, 1)}", "pct")
    specific, bench, port = (area(sheet.name, row + 2, c, row + 4, c) for c in (1, 2, 3))
    sheet.note(row + 2, 4, "script: month-1 portfolio 1.178%, benchmark 1.819%, active -0.641%")
    arguments = f"{active},{factor_returns},{specific},{port},{bench}"
    row = 22
    width = 1 + K + 6
    kinds = ["text", *["pct"] * (width - 2), "ratio"]
    sheet.heading(row, 0, "ATTRIBUTION(active exposures, factor returns, specific, portfolio, benchmark): Carino linking")
    carino = sheet.spill(row + 1, 0, 5, width, f"=ATTRIBUTION({arguments})", kinds)
    sheet.labels_of(carino, ATTRIBUTION_HEADER, across=True)
    sheet.note(row + 6, 0, "script: active -0.641%, +1.285%, -0.790%; cumulative portfolio 2.674%, benchmark 2.776%, active -0.102%; linked VALUE 0.463%, MOM -0.715%, specific +0.243%")
    row = 30
    sheet.heading(row, 0, 'ATTRIBUTION(..., "arithmetic"): the unlinked sum, which does not add up to the compounded active return')
    sheet.labels_of(sheet.spill(row + 1, 0, 5, width, f'=ATTRIBUTION({arguments},"arithmetic")', kinds), ATTRIBUTION_HEADER, across=True)
    sheet.note(row + 6, 0, "script: sum of monthly active returns -0.146%")
    _carino_twin(sheet, 38, x, active, specific, port, bench, carino)


def _carino_twin(sheet: Sheet, row: int, x: _Exposures, active: str, specific: str, port: str, bench: str, carino: Block) -> None:
    """Carino linking in native formulas: k_t = LN((1+rp)/(1+rb))/(rp-rb), k for the compounded returns."""
    sheet.heading(row, 0, "Excel twin of the Carino linking")
    compounded = [("compounded portfolio return", f"=PRODUCT(1+{port})-1"), ("compounded benchmark return", f"=PRODUCT(1+{bench})-1")]
    for i, (label, formula) in enumerate(compounded):
        sheet.label(row + 1 + i, 0, label)
        sheet.spill(row + 1 + i, 1, 1, 1, formula, "pct")
    rp, rb = sheet.ref(row + 1, 1), sheet.ref(row + 2, 1)
    sheet.label(row + 3, 0, "k = LN((1+Rp)/(1+Rb)) / (Rp - Rb)")
    k = sheet.formula(row + 3, 1, f"=LN((1+{rp})/(1+{rb}))/({rp}-{rb})", "ratio")
    sheet.label(row + 4, 0, "k_t / k per month")
    coefficients = sheet.spill(row + 4, 1, 3, 1, f"=LN((1+{port})/(1+{bench}))/({port}-{bench})/{k}", "ratio").ref
    sheet.note(row + 4, 2, "factorxl: the coefficient column of the Carino table")
    row += 8
    sheet.column_labels(row, 1, K, f"={x.header}")
    sheet.header(row, K + 1, ("specific", "total"))
    data = area(sheet.name, 6, 1, 8, K)  # the factor returns without their header
    sheet.label(row + 1, 0, "linked contributions, Excel twin")
    sheet.spill(row + 1, 1, 1, K, f"={active}*MMULT(TRANSPOSE({coefficients}),{data})", "pct")
    sheet.formula(row + 1, K + 1, f"=SUMPRODUCT({specific},{coefficients})", "pct")
    sheet.formula(row + 1, K + 2, f"=SUM({area(sheet.name, row + 1, 1, row + 1, K + 1)})", "pct")
    sheet.label(row + 2, 0, "compounded active return Rp - Rb")
    sheet.formula(row + 2, K + 2, f"={rp}-{rb}", "pct")
    sheet.label(row + 3, 0, "factorxl - twin (linked row)")
    sheet.spill(row + 3, 1, 1, K + 1, f"={area(sheet.name, carino.row + 4, 1, carino.row + 4, K + 1)}-{area(sheet.name, row + 1, 1, row + 1, K + 1)}", "sci")


# --- 7. Hedging --------------------------------------------------------------------------------------


def _hedging(book: Book, x: _Exposures, risk: _Risk) -> None:
    sheet = _section(book, "7 Hedging", "7. Hedging with futures", "An index future (the benchmark's exposures) and a small-cap future; notionals per $1 of portfolio.")
    sheet.heading(4, 0, "Instruments and the portfolio")
    sheet.header(5, 1, ("index future", "small-cap future", "portfolio"))
    _labels_down(sheet, 6, x.header)
    sheet.spill(6, 1, K, 1, f"={risk.exposures(risk.BENCHMARK)}", "ratio")
    sheet.inputs(6, 2, mm.SMALL_CAP_FUTURE, "ratio")
    sheet.spill(6, 3, K, 1, f"={risk.exposures(risk.PORTFOLIO)}", "ratio")
    instruments, index_future = area(sheet.name, 5, 1, 5 + K, 2), area(sheet.name, 5, 1, 5 + K, 1)
    portfolio = area(sheet.name, 6, 3, 5 + K, 3)
    row = 7 + K
    sheet.label(row, 0, "factors to hedge to zero")
    hedge_factors = area(sheet.name, row, 1, row, 2)
    for j, name in enumerate(mm.HEDGED_FACTORS):
        sheet.input(row, 1 + j, name, "text")
    sheet.label(row + 1, 0, "portfolio specific vol")
    specific = sheet.formula(row + 1, 1, f"={risk.value(risk.SPECIFIC_VOL, risk.PORTFOLIO)}", "pct")
    row += 3
    sheet.heading(row, 0, "HEDGE_FUTURES(portfolio, specific vol, instruments, factor_cov, factors to hedge)")
    _hedge_table(sheet, row + 1, f"=HEDGE_FUTURES({portfolio},{specific},{instruments},{risk.factor_cov},{hedge_factors})")
    sheet.note(row + 1, 4, "script: index -0.7594, small-cap -0.2291; vol 17.55% -> 8.14% (factor 3.76%, specific 7.22%)")
    hedge_table = row + 1
    row += K + 8
    sheet.heading(row, 0, "HEDGE_FUTURES_MIN_VAR(portfolio, specific vol, index future, factor_cov)")
    _hedge_table(sheet, row + 1, f"=HEDGE_FUTURES_MIN_VAR({portfolio},{specific},{index_future},{risk.factor_cov})")
    sheet.note(row + 1, 4, "script: h = -0.9337; post-hedge vol 8.29%; beta to the index future 0.9337")
    min_var_table = row + 1
    row += K + 8
    sheet.heading(row, 0, "Excel twins: solve A h = -b on the hedged factors; h_mv = -x'F x_h / x_h'F x_h")
    sheet.header(row + 1, 1, ("index future", "small-cap future", "portfolio", "notional twin", "factorxl - twin"))
    data = area(sheet.name, 6, 1, 5 + K, 3)
    for i in range(2):
        r = row + 2 + i
        sheet.spill(r, 0, 1, 1, f"=INDEX({hedge_factors},1,{i + 1})", "text")
        for j in range(3):
            sheet.formula(r, 1 + j, f"=INDEX({data},MATCH({address(r, 0)},{x.header},0),{j + 1})", "ratio")
    a, b = area(sheet.name, row + 2, 1, row + 3, 2), area(sheet.name, row + 2, 3, row + 3, 3)
    sheet.spill(row + 2, 4, 2, 1, f"=MMULT(MINVERSE({a}),-{b})", "ratio")
    for i in range(2):
        sheet.formula(row + 2 + i, 5, f"={sheet.ref(hedge_table + K + 4 + i, 2)}-{sheet.ref(row + 2 + i, 4)}", "sci")
    index = area(sheet.name, 6, 1, 5 + K, 1)
    cov = risk.factor_cov_data
    sheet.label(row + 4, 0, "minimum-variance notional, twin")
    sheet.spill(row + 4, 4, 1, 1, f"=-MMULT(TRANSPOSE({portfolio}),MMULT({cov},{index}))/MMULT(TRANSPOSE({index}),MMULT({cov},{index}))", "ratio")
    sheet.formula(row + 4, 5, f"={sheet.ref(min_var_table + K + 4, 2)}-{sheet.ref(row + 4, 4)}", "sci")


def _hedge_table(sheet: Sheet, row: int, formula: str) -> None:
    """A HEDGE_FUTURES table (exposures before and after, the volatilities, the notionals), its
    volatilities in percent as the portfolio's specific vol above it."""
    table = sheet.spill(row, 0, K + 6, 3, formula, ["text", "ratio", "ratio"])
    for offset in range(K + 1, K + 4):
        sheet.format_rows(table, offset, "pct")


# --- 8. Optimization ---------------------------------------------------------------------------------


def _optimization(book: Book, u: _Universe, x: _Exposures, risk: _Risk) -> None:
    sheet = _section(book, "8 Optimization", "8. Minimum tracking error: neutralize MOM, keep the VALUE tilt", "Active weights that sum to zero, with MOM exposure 0 and VALUE exposure at its current level.")
    sheet.heading(4, 0, "Target active exposures (an empty cell leaves the factor free)")
    sheet.column_labels(5, 1, K, f"={x.header}")
    sheet.label(6, 0, "target")
    value_col, mom_col = FACTOR_NAMES.index(mm.KEPT_FACTOR), FACTOR_NAMES.index(mm.NEUTRAL_FACTOR)
    for k in range(K):
        if k == value_col:
            sheet.formula(6, 1 + k, f"={risk.value(1 + k, risk.ACTIVE)}", "ratio")
        elif k == mom_col:
            sheet.input(6, 1 + k, 0, "ratio")
        else:
            sheet.ws.write_blank(6, 1 + k, None, book.styles.number("ratio", "input"))
    sheet.note(7, 1, "VALUE: the current active exposure (a formula); MOM: 0; the others free")
    targets = area(sheet.name, 6, 1, 6, K)
    row = 9
    sheet.heading(row, 0, "OPTIMIZE_MIN_TE(exposures, factor_cov, specific_vols, targets, benchmark weights)")
    _names(sheet, row + 2, u.names)
    optimal = sheet.spill(row + 1, 1, N + 1, 2, f"=OPTIMIZE_MIN_TE({x.matrix},{risk.factor_cov},{u.specific_vols},{targets},{u.benchmark})", "ratio")
    sheet.labels_of(optimal, ("active weight", "portfolio weight"), across=True)
    sheet.header(row + 1, 3, ("current",))
    sheet.spill(row + 2, 3, N, 1, f"={u.active}", "ratio")
    sheet.note(row + 2 + N, 0, "script: optimal active [-0.0268 -0.0457 -0.0422 0.0549 0.0939 0.0576 0.0327 -0.0843 -0.026 -0.0141]")
    w_opt = optimal.column(0, 1)
    row += N + 3
    results = (
        ("lowest implied portfolio weight", f"=MIN({optimal.column(1, 1)})", "ratio", "0.01025"),
        ("tracking error, current", f"={risk.value(risk.TOTAL_VOL, risk.ACTIVE)}", "pct", "5.42%"),
        ("tracking error, optimized SQRT(w'Sigma w)", f"=SQRT(MMULT(TRANSPOSE({w_opt}),MMULT({risk.asset_cov},{w_opt})))", "pct", "4.65%"),
        ("one-way turnover: PORTFOLIO_TURNOVER", f"=PORTFOLIO_TURNOVER({u.active},{w_opt})", "pct", "25.2%"),
        ("one-way turnover, Excel twin", f"=SUMPRODUCT(ABS({w_opt}-{u.active}))/2", "pct", ""),
    )
    sheet.header(row, 1, ("value", "script prints"))
    for i, (label, formula, kind, printed) in enumerate(results):
        sheet.label(row + 1 + i, 0, label)
        sheet.spill(row + 1 + i, 1, 1, 1, formula, kind)
        sheet.note(row + 1 + i, 2, printed)
    row += len(results) + 2
    sheet.heading(row, 0, "Optimal active exposures: RISK_EXPOSURE(optimal active weights, exposures)")
    sheet.spill(row + 1, 0, K + 1, 2, f"=RISK_EXPOSURE({optimal.column(0)},{x.matrix})", ["text", "ratio"])
    sheet.note(row + 1, 3, "script: MKT 0, TECH -0.0598, FIN 0.1842, CONS -0.1244, VALUE 0.3846, MOM 0, SIZE -0.0991")
    _kkt_twin(sheet, row + K + 3, x, risk, (sheet.ref(6, 1 + mom_col), sheet.ref(6, 1 + value_col)), w_opt, (mom_col, value_col))


def _kkt_twin(sheet: Sheet, row: int, x: _Exposures, risk: _Risk, target_cells: tuple[str, str], w_opt: str, columns: tuple[int, int]) -> None:
    """The optimizer's closed form in native formulas: [[2 Sigma, A'], [A, 0]] [w; lambda] = [0; b],
    A = rows of ones, MOM and VALUE exposures (the targets above)."""
    sheet.heading(row, 0, "Excel twin: the KKT system [[2 Sigma, A'], [A, 0]] [w; lambda] = [0; b], A = (ones, MOM, VALUE exposures)")
    size = N + 3
    top = row + 1
    sheet.spill(top, 1, N, N, f"=2*{risk.asset_cov}", "ratio")
    constraints = [x.block.column(k, 1) for k in (0, *columns)]
    for j, column in enumerate(constraints):
        sheet.spill(top, 1 + N + j, N, 1, f"={column}", "ratio")
    sheet.spill(top + N, 1, 3, N, f"=TRANSPOSE({area(sheet.name, top, 1 + N, top + N - 1, N + 3)})", "ratio")
    sheet.inputs(top + N, 1 + N, np.zeros((3, 3)), "ratio", "constant")
    kkt = area(sheet.name, top, 1, top + size - 1, size)
    sheet.note(top + size, 0, "The zeros are the system's structure (no constraint on a constraint), not inputs to change.")
    below = top + size + 1
    sheet.header(below, 1, ("[0; b]", "[w; lambda]", "factorxl - twin"))
    sheet.inputs(below + 1, 1, np.zeros(N + 1), "ratio", "constant")
    for i, cell in enumerate(target_cells):
        sheet.formula(below + 2 + N + i, 1, f"={cell}", "ratio")
    rhs = area(sheet.name, below + 1, 1, below + size, 1)
    solution = sheet.spill(below + 1, 2, size, 1, f"=MMULT(MINVERSE({kkt}),{rhs})", "ratio")
    sheet.spill(below + 1, 3, N, 1, f"={w_opt}-{solution.column(0, 0, N - 1)}", "sci")


# --- 9. Chapter 2 -------------------------------------------------------------------------------------


def _chapter2(book: Book) -> None:
    sheet = _section(book, "9 Chapter 2", "9. Chapter-2 mini example: 5 stocks, 2 factors, hand-checkable", "MKT vol 16%, VALUE vol 4%, correlation -0.2.")
    sheet.heading(4, 0, "Inputs")
    sheet.header(5, 0, ("stock", "MKT", "VAL", "specific vol", "portfolio"))
    stocks = len(mm.CHAPTER2_WEIGHTS)
    for i in range(stocks):
        sheet.input(6 + i, 0, f"stock {i + 1}", "text")
    sheet.inputs(6, 1, mm.CHAPTER2_EXPOSURES, "ratio")
    sheet.inputs(6, 3, mm.CHAPTER2_SPECIFIC_VOLS, "pct")
    sheet.inputs(6, 4, mm.CHAPTER2_WEIGHTS, "ratio")
    last = 5 + stocks
    exposures, exposure_data = area(sheet.name, 5, 1, last, 2), area(sheet.name, 6, 1, last, 2)
    specific, weights, weight_data = area(sheet.name, 6, 3, last, 3), area(sheet.name, 5, 4, last, 4), area(sheet.name, 6, 4, last, 4)
    row = last + 2
    sheet.label(row, 0, "factor covariance")
    sheet.header(row, 1, ("MKT", "VAL"))
    sheet.inputs(row + 1, 1, mm.CHAPTER2_FACTOR_COV, "variance")
    cov, cov_data = area(sheet.name, row, 1, row + 2, 2), area(sheet.name, row + 1, 1, row + 2, 2)
    row += 4
    sheet.heading(row, 0, "RISK_DECOMPOSITION(portfolio, exposures, factor covariance, specific vols)")
    table = sheet.spill(row + 1, 0, 12, 2, f"=RISK_DECOMPOSITION({weights},{exposures},{cov},{specific})", ["text", "ratio"])
    sheet.header(row + 1, 2, ("Excel twin", "factorxl - twin", "script prints"))
    x = f"MMULT(TRANSPOSE({exposure_data}),{weight_data})"
    factor = f"MMULT(TRANSPOSE({x}),MMULT({cov_data},{x}))"
    specific_variance = f"SUMPRODUCT({weight_data}^2,{specific}^2)"
    twins = (
        (f"={x}", 2, "ratio", "exposures [1. 0.235]"),
        (f"={factor}", 1, "variance", "factor var 0.025087"),
        (f"={specific_variance}", 1, "variance", "specific var 0.011311"),
        (f"={factor}+{specific_variance}", 1, "variance", ""),
        (f"=SQRT({factor})", 1, "pct", "factor vol 15.84%"),
        (f"=SQRT({specific_variance})", 1, "pct", "specific vol 10.64%"),
        (f"=SQRT({factor}+{specific_variance})", 1, "pct", "total vol 19.08%"),
    )
    r = row + 2
    for formula, rows, kind, printed in twins:
        sheet.spill(r, 2, rows, 1, formula, kind)
        for i in range(rows):  # the value a twin checks shows as the twin does
            sheet.format_rows(table, r + i - table.row, kind)
        for i in range(rows):
            sheet.formula(r + i, 3, f"={table.cell(r + i - table.row, 1)}-{sheet.ref(r + i, 2)}", "sci")
        sheet.note(r, 4, printed)
        r += rows
    for offset in range(1 + 2 + 6, table.rows):  # the shares of variance, in percent as the factor share below
        sheet.format_rows(table, offset, "pct")
    share = table.rows + table.row
    sheet.label(share + 1, 0, "factor share = 1 - specific share")
    sheet.formula(share + 1, 1, f"=1-{table.cell(11, 1)}", "pct")
    sheet.spill(share + 1, 2, 1, 1, f"={factor}/({factor}+{specific_variance})", "pct")
    sheet.note(share + 1, 4, "factor share 68.9%")


NOTES = [
    (
        "What this workbook shows",
        ("The 10-stock 'MiniModel' of the equity factor model guide at itsjustbeta.com, section by section, as its script mini_example.py computes it: the universe "
        "(1), standardized exposures (2), the month-1 cross-sectional regression with its industry constraint and the pure "
        "factor portfolios (3, 3b), the risk model and the risk decomposition of the portfolio, the benchmark and the "
        "active position with stock-level contributions to tracking error (4, 4b), a correlated stress test (5), "
        "attribution over three months with Carino linking (6), hedging with futures (7), minimum tracking-error "
        "optimization (8) and the chapter-2 five-stock example (9). Every number is a formula: a factorxl function and, "
        "beside it, a native Excel twin (MMULT, MINVERSE, SUMPRODUCT, LN, PRODUCT...)."),
    ),
    (
        "Published example",
        ("The equity factor model guide at itsjustbeta.com, its appendix 'Mini Example Source Code' (mini_example.py). Its inputs are the "
        "script's own constants, entered here as input cells; the script prints percent where the workbook holds decimals "
        "(0.042 is 4.2%)."),
    ),
    (
        "Where the script's printed numbers differ, and why",
        ("1. The script prints the pure factor portfolios P with factors down the rows; CROSS_SECTION_PURE_PORTFOLIOS lays "
        "out stocks down the rows (the transpose), as every factorxl function keeps one row per stock; P X is shown as "
        "RISK_EXPOSURE(P, X), also transposed.\n"
        "2. The script sorts the stock contributions by |CTR|; the workbook keeps the universe's order.\n"
        "3. Factor names follow the exposure matrix: the industries are 'Tech', 'Fin', 'Cons' (the script prints TECH, "
        "FIN, CONS).\n"
        "4. Numbers the script prints as 0 or -0 (the benchmark's style exposures, the constraint check, the market share "
        "of active risk) are rounding noise of order 1e-17 here too."),
    ),
    (
        "Inputs",
        ("Blue on yellow: the stocks' names, industries, caps, descriptors, month-1 returns, specific volatilities and the "
        "manager's weights (sheet 1), factor volatilities and correlations (4), the stress factor and size (5), months 2-3 "
        "factor and specific returns (6), the small-cap future's exposures and the factors to hedge (7), the MOM target "
        "(8) and the chapter-2 example (9). Named ranges: stock_names, industries, caps, cap_weights, descriptors, "
        "month1_returns, specific_vols, weights, w_portfolio, w_benchmark, w_active, exposures, exposures_data, "
        "factor_names, factor_vols, correlation, factor_cov, factor_cov_data, asset_cov, stress_factor, stress_sigmas."),
    ),
    (
        "Recalculation",
        ("The values you see were computed by factorxl when the workbook was built (`factorxl build`); Excel shows them "
        "without the add-in. With the add-in the formulas recalculate when an input changes; without Excel, "
        "`factorxl refresh MiniModel.xlsx` recalculates every formula and stores the new values."),
    ),
]
