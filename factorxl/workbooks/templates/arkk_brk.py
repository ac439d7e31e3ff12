"""The ARKK/BRK workbook: Cathie Wood and Warren Buffett under CAPM and FF5 + momentum, the
example of Alan Moreira's notebook "Multi-Factor Models" (GitHub ``amoreira2/UG54``).

Sheets: ``Data`` (monthly factors, fund returns, excess returns, cumulative hedged returns
and their Excel twins), ``Regressions`` (four ``FACTOR_REGRESS`` tables with native twins, then their
``FACTOR_SUMMARY`` blocks beside the notebook's printed summaries),
``Compare`` (loadings side by side, factor shares of variance, hedged residual volatility,
annualization), ``Charts`` and ``Notes``. Monthly data: everything annualizes with 12.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from factorxl.data import DataSource, load_brk_arkk
from factorxl.excel.summary import summary_labels
from factorxl.workbooks.templates.data import fetch
from factorxl.workbooks.templates.layout import (
    INPUT_LEGEND,
    Book,
    Built,
    Columns,
    DataSheet,
    Headline,
    Sheet,
    address,
    area,
    notes_sheet,
)
from factorxl.workbooks.templates.regression import RegressionCells, regression_table, summary_table

FILE_NAME = "ARKK_BRK.xlsx"
TITLE = "ARKK and BRK: CAPM vs FF5 + momentum (monthly)"
FACTORS = ("Mkt-RF", "SMB", "HML", "RMW", "CMA", "Mom")
FUNDS = ("BRK", "ARKK")
MODELS = ("CAPM", "FF6")
PRINTED = {
    ("BRK", "CAPM"): {"alpha": "0.0054", "Mkt-RF": "0.5919", "R-squared": "0.223", "Observations": "279"},
    ("BRK", "FF6"): {
        "alpha": "0.0037", "Mkt-RF": "0.6938", "SMB": "-0.3087", "HML": "0.5732", "RMW": "0.3486",
        "CMA": "-0.4156", "Mom": "-0.0152", "R-squared": "0.405", "Observations": "279",
    },
    ("ARKK", "FF6"): {
        "alpha": "1.7109 = alpha x 252 (slip)", "Mkt-RF": "1.5432", "SMB": "0.3449", "HML": "-0.9504", "RMW": "-0.8065",
        "CMA": "-0.5312", "Mom": "-0.2441", "R-squared": "0.838", "Observations": "59",
    },
}

TABLE_ROWS = 30
"""The rows of one fund's two regression tables (BRK's above ARKK's)."""
SUMMARY_ROW = 63
# statsmodels' summary as the notebook prints it, in FACTOR_SUMMARY's row order (ARKK: on data x 252)
PRINTED_SUMMARIES = {
    ("BRK", "CAPM"): "0.223 0.220 79.32 7.17e-17 442.23 -880.5 -873.2 279 277 1 nonrobust 51.668 0.000 0.710 6.882 1.989 198.575 7.59e-44 22.3",
    ("BRK", "FF6"): "0.405 0.392 30.81 3.71e-28 479.45 -944.9 -919.5 279 272 6 nonrobust 34.823 0.000 0.647 5.116 1.948 71.498 2.98e-16 82.1",
    ("ARKK", "FF6 x252"): "0.838 0.820 44.90 7.32e-19 -215.14 444.3 458.8 59 52 6 nonrobust 11.073 0.004 0.896 4.165 1.753 11.234 0.00364 16.1",
}


def load(source: DataSource) -> pd.DataFrame:
    """The monthly BRK/ARKK file with the factors first (Mom next to CMA, so they form one range)."""
    frame = fetch("ARKK/BRK workbook", load_brk_arkk, source)
    return frame[[*FACTORS, "RF", *FUNDS]]


def build(path: Path, source: DataSource) -> Built:
    """Write the ARKK/BRK workbook to ``path``; raises :class:`MissingData` without its data file."""
    frame = load(source)
    book = Book(path, TITLE)
    compare = book.sheet("Compare")
    regressions = book.sheet("Regressions")
    data = DataSheet(book, "Data", frame, dict.fromkeys(frame.columns, "return"), "Monthly returns (decimals): the six factors and RF from the notebook's file, BRK and ARKK raw returns.")
    factors = data.columns(FACTORS[0], FACTORS[-1])
    arkk_rows = (data.row_of(frame["ARKK"].first_valid_index()), data.row_of(frame["ARKK"].last_valid_index()))
    rf = data.columns("RF").data
    brk, arkk = data.columns("BRK").data, data.columns("ARKK").data
    data.add_formula_columns(["BRK excess"], "return", f"={brk}-{rf}")
    data.add_formula_columns(["ARKK excess"], "return", f'=IF(ISNUMBER({arkk}),{arkk}-{rf},"")')
    excess = {fund: data.columns(f"{fund} excess") for fund in FUNDS}
    ppy = _inputs(compare)
    fits = _regressions(regressions, excess, factors, ppy, arkk_rows)
    cumulative = _cumulative(data, excess, factors, fits, arkk_rows)
    alpha = _compare(compare, fits, excess, factors, ppy, arkk_rows, cumulative)
    _chart(book, data, cumulative)
    notes_sheet(book, TITLE, _notes(frame))
    book.close()
    return Built((Headline("BRK FF6 alpha (monthly)", "Compare", alpha, ".6f"),))


def _inputs(sheet: Sheet) -> dict[str, str]:
    sheet.title("ARKK and BRK: loadings side by side", "Alan Moreira's notebook 'Multi-Factor Models', sections 13.6-13.7; see Notes.")
    sheet.note(2, 0, INPUT_LEGEND)
    sheet.heading(4, 0, "Inputs")
    sheet.label(5, 0, "Periods per year (monthly data)")
    ppy = sheet.input(5, 1, 12, "count", "periods_per_year")
    sheet.note(5, 2, "named periods_per_year: annualizes with 12, not 252")
    sheet.label(6, 0, "The source's annualization factor (a slip)")
    slip = sheet.input(6, 1, 252, "count", "source_periods")
    sheet.note(6, 2, "named source_periods: the notebook multiplies monthly ARKK numbers by 252")
    return {"ppy": ppy, "slip": slip}


def _regressions(sheet: Sheet, excess: dict[str, Columns], factors: Columns, ppy: dict[str, str], arkk_rows: tuple[int, int]) -> dict[tuple[str, str], RegressionCells]:
    sheet.title("Regressions of monthly excess returns", "factorxl FACTOR_REGRESS (annualized with periods_per_year) and the Excel twins beside it.")
    market = Columns(factors.sheet, factors.labels[:1], factors.col, factors.header_row, factors.first_row, factors.last_row)
    fits = {}
    for j, fund in enumerate(FUNDS):
        twin_rows = arkk_rows if fund == "ARKK" else None
        for model, row, regressors in (("CAPM", 3, market), ("FF6", 16, factors)):
            title = f"{fund} excess on {'Mkt-RF' if model == 'CAPM' else 'FF5 + momentum'}"
            fits[fund, model] = regression_table(sheet, row + TABLE_ROWS * j, 0, excess[fund], regressors, ppy["ppy"], title, twin_rows)
    _summaries(sheet, excess, market, factors, ppy)
    return fits


def _summaries(sheet: Sheet, excess: dict[str, Columns], market: Columns, factors: Columns, ppy: dict[str, str]) -> None:
    """FACTOR_SUMMARY of each regression below the tables, beside the notebook's printed summaries;
    ARKK's FF6 summary also on returns and factors x source_periods, as the notebook ran it."""
    height = 2 + len(summary_labels()) + 2
    blocks = [(fund, model, excess[fund].with_header, x.with_header) for fund in FUNDS for model, x in (("CAPM", market), ("FF6", factors))]
    blocks.append(("ARKK", "FF6 x252", f"{excess['ARKK'].data}*{ppy['slip']}", f"{factors.data}*{ppy['slip']}"))
    for i, (fund, model, y, x) in enumerate(blocks):
        title = f"{fund} on {'Mkt-RF' if model == 'CAPM' else 'FF5 + momentum'}: statsmodels' summary statistics"
        if model == "FF6 x252":
            title = "ARKK on FF5 + momentum, returns and factors x source_periods (as the notebook)"
        printed = PRINTED_SUMMARIES.get((fund, model))
        labels = dict(zip(summary_labels(), printed.split(), strict=True)) if printed else None
        summary_table(sheet, SUMMARY_ROW + i * height, 0, y, x, title, labels)


def _cumulative(data: DataSheet, excess: dict[str, Columns], factors: Columns, fits: dict, arkk_rows: tuple[int, int]) -> dict[str, tuple[Columns, Columns]]:
    """factorxl's cumulative hedged returns (alpha + residual) under FF6 and their native twins:
    running sums of r - X b with the LINEST loadings, one formula per row. Returns (factorxl, twin) per fund,
    over the fund's own rows."""
    funds = Columns(data.name, FUNDS, excess["BRK"].col, excess["BRK"].header_row, data.first_row, data.last_row)
    labels = [f"{fund} cum. hedged" for fund in FUNDS]
    factorxl = data.add_formula_columns(labels, "return", f"=HEDGE_RETURNS_CUMULATIVE({funds.data},{factors.data})")
    paths = {}
    x_first, x_last = factors.col, factors.col + len(factors.labels) - 1
    for fund, label in zip(FUNDS, labels, strict=True):
        first, last = arkk_rows if fund == "ARKK" else (data.first_row, data.last_row)
        y, loadings = excess[fund].col, fits[fund, "FF6"].twin_loadings

        def step(row: int, col: int, first: int = first, y: int = y, loadings: str = loadings) -> str:
            previous = "" if row == first else f"{address(row - 1, col)}+"
            return f"={previous}{address(row, y)}-MMULT({address(row, x_first)}:{address(row, x_last)},{loadings})"

        twin = data.add_row_formulas(f"{label}, Excel twin", "return", step, first, last)
        paths[fund] = (factorxl.pick(label).rows_between(first, last), twin)
    return paths


_COLUMNS = (("BRK", "CAPM"), ("BRK", "FF6"), ("ARKK", "CAPM"), ("ARKK", "FF6"))
_ROWS = (
    ("alpha (monthly)", "alpha", "coef"),
    ("alpha (annualized, x12)", "Alpha (annualized)", "pct"),
    *((name, name, "coef") for name in FACTORS),
    ("R-squared", "R-squared", "ratio"),
    ("Observations", "Observations", "count"),
    ("Residual vol (monthly)", "Residual vol", "pct"),
    ("Hedged residual vol (annualized, x SQRT(12))", "Residual vol (annualized)", "pct"),
)


def _loadings(sheet: Sheet, row: int, fits: dict[tuple[str, str], RegressionCells]) -> str:
    """Loadings side by side with the source's printed numbers; returns BRK FF6 alpha's address."""
    sheet.heading(row, 0, "Loadings side by side (monthly; each links to its table on the Regressions sheet)")
    headers, columns = [], {}
    for fund, model in _COLUMNS:
        columns[fund, model] = 1 + len(headers)
        headers.append(f"{fund} {model}")
        if (fund, model) in PRINTED:
            headers.append("printed")
    sheet.header(row + 1, 1, headers)
    for i, (label, key, kind) in enumerate(_ROWS):
        r = row + 2 + i
        sheet.label(r, 0, label)
        for (fund, model), col in columns.items():
            fit = fits[fund, model]
            if key in fit.labels:
                sheet.formula(r, col, f"={fit.coef(key)}", kind)
            printed = PRINTED.get((fund, model), {}).get(key)
            if printed:
                sheet.note(r, col + 1, printed)
    return address(row + 2, columns["BRK", "FF6"])


def _shares(sheet: Sheet, row: int, fits: dict, excess: dict[str, Columns], factors: Columns, arkk_rows: tuple[int, int]) -> int:
    """FACTOR_SHARES (isolated and Euler) with native twins; returns the next free row."""
    funds = Columns(excess["BRK"].sheet, FUNDS, excess["BRK"].col, excess["BRK"].header_row, excess["BRK"].first_row, excess["BRK"].last_row)
    width = 1 + len(FACTORS) + 2
    sheet.heading(row, 0, "Factor shares of variance (FF6), isolated: beta_k^2 Var(f_k) / Var(r)")
    shares = sheet.spill(row + 1, 0, 3, width, f"=FACTOR_SHARES({funds.with_header},{factors.with_header})", ["text", *["pct"] * (width - 2), "variance"])
    sheet.labels_of(shares, ("isolated share", *FACTORS, "residual", "total variance"), across=True)
    for i, fund in enumerate(FUNDS):
        r = row + 4 + i
        sheet.label(r, 0, f"{fund}, Excel twin")
        rows = arkk_rows if fund == "ARKK" else (excess[fund].first_row, excess[fund].last_row)
        y = excess[fund].rows_between(*rows).data
        fit = fits[fund, "FF6"]
        for k, name in enumerate(FACTORS):
            f = factors.pick(name).rows_between(*rows).data
            sheet.formula(r, 1 + k, f"={fit.twin(name)}^2*VAR.S({f})/VAR.S({y})", "pct")
        sheet.formula(r, 1 + len(FACTORS), f"=1-{fit.twin('R-squared')}", "pct")
        sheet.formula(r, 2 + len(FACTORS), f"=VAR.S({y})", "variance")
    row += 7
    sheet.heading(row, 0, "Factor shares of variance (FF6), Euler: beta_k (Sigma_f beta)_k / Var(r); they add up to R-squared")
    shares = sheet.spill(row + 1, 0, 3, width, f'=FACTOR_SHARES({funds.with_header},{factors.with_header},"euler")', ["text", *["pct"] * (width - 2), "variance"])
    sheet.labels_of(shares, ("euler share", *FACTORS, "residual", "total variance"), across=True)
    sheet.header(row + 1, width, ("sum of factors", "Excel RSQ twin"))
    for i, fund in enumerate(FUNDS):
        r = row + 2 + i
        sheet.formula(r, width, f"=SUM({area(sheet.name, r, 1, r, len(FACTORS))})", "pct")
        sheet.formula(r, width + 1, f"={fits[fund, 'FF6'].twin('R-squared')}", "pct")
    return row + 5


def _hedged(sheet: Sheet, row: int, fits: dict, excess: dict[str, Columns], factors: Columns, ppy: dict[str, str]) -> int:
    sheet.heading(row, 0, "Hedged portfolio r - X beta under FF6 (alpha + residual): residual volatility and appraisal ratio")
    sheet.header(row + 1, 1, ("BRK", "ARKK", "Excel: BRK", "Excel: ARKK"))
    labels = ("Residual vol (monthly)", "Residual vol (annualized, x SQRT(12))", "Appraisal ratio alpha / sd(e) (annualized)")
    for i, label in enumerate(labels):
        sheet.label(row + 2 + i, 0, label)
    for j, fund in enumerate(FUNDS):
        fit = fits[fund, "FF6"]
        sheet.formula(row + 2, 1 + j, f"={fit.coef('Residual vol')}", "pct")
        sheet.formula(row + 3, 1 + j, f"={fit.coef('Residual vol (annualized)')}", "pct")
        sheet.formula(row + 4, 1 + j, f"=APPRAISAL_RATIO({excess[fund].data},{factors.data},{ppy['ppy']})", "ratio")
        sheet.formula(row + 2, 3 + j, f"={fit.twin('Residual vol')}", "pct")
        sheet.formula(row + 3, 3 + j, f"={fit.twin('Residual vol (annualized)')}", "pct")
        n, k = fit.twin("Observations"), len(FACTORS)
        sd = f"{fit.twin('Residual vol')}*SQRT(({n}-{k}-1)/({n}-1))"  # residual sd with ddof 1
        sheet.formula(row + 4, 3 + j, f"={fit.twin('alpha')}/({sd})*SQRT({ppy['ppy']})", "ratio")
    return row + 6


def _annualization(sheet: Sheet, row: int, fits: dict, excess: dict[str, Columns], ppy: dict[str, str]) -> int:
    sheet.heading(row, 0, "Annualization of monthly numbers: x12 (right) and x252 (the source's slip)")
    sheet.header(row + 1, 1, ("BRK", "ARKK", "source prints"))
    rows = (
        ("Mean excess return (monthly)", lambda fund: f"=AVERAGE({excess[fund].data})", "pct", ""),
        ("Mean excess return, annualized x12", lambda fund: f"=AVERAGE({excess[fund].data})*{ppy['ppy']}", "pct", ""),
        ("Mean excess return x252 (as the source)", lambda fund: f"=AVERAGE({excess[fund].data})*{ppy['slip']}", "pct", "ARKK 644.7% (monthly mean x 252)"),
        ("FF6 alpha, annualized x12", lambda fund: f"={fits[fund, 'FF6'].coef('Alpha (annualized)')}", "pct", ""),
        ("FF6 alpha x252 (the source's ARKK constant)", lambda fund: f"={fits[fund, 'FF6'].coef('alpha')}*{ppy['slip']}", "coef", "ARKK const 1.7109 (it regresses returns x 252)"),
    )
    for i, (label, formula, kind, printed) in enumerate(rows):
        sheet.label(row + 2 + i, 0, label)
        for j, fund in enumerate(FUNDS):
            sheet.formula(row + 2 + i, 1 + j, formula(fund), kind)
        sheet.note(row + 2 + i, 3, printed)
    return row + 2 + len(rows) + 1


def _compare(sheet: Sheet, fits: dict, excess: dict[str, Columns], factors: Columns, ppy: dict[str, str], arkk_rows: tuple[int, int], cumulative: dict[str, tuple[Columns, Columns]]) -> str:
    """The Compare sheet below its inputs; returns the address of BRK's FF6 alpha."""
    alpha = _loadings(sheet, 8, fits)
    row = _shares(sheet, 8 + 2 + len(_ROWS) + 1, fits, excess, factors, arkk_rows)
    row = _hedged(sheet, row, fits, excess, factors, ppy)
    row = _annualization(sheet, row, fits, excess, ppy)
    sheet.heading(row, 0, "Cumulative hedged return (FF6, running sum) at the end of each fund's sample")
    sheet.header(row + 1, 1, ("BRK", "ARKK"))
    for i, label in enumerate(("factorxl HEDGE_RETURNS_CUMULATIVE", "Excel twin (running sum of r - X b)", "factorxl - twin")):
        sheet.label(row + 2 + i, 0, label)
    for j, fund in enumerate(FUNDS):
        path, twin = cumulative[fund]
        factorxl_end = sheet.formula(row + 2, 1 + j, f"={area(path.sheet, path.last_row, path.col, path.last_row, path.col)}", "pct")
        twin_end = sheet.formula(row + 3, 1 + j, f"={area(twin.sheet, twin.last_row, twin.col, twin.last_row, twin.col)}", "pct")
        sheet.formula(row + 4, 1 + j, f"={factorxl_end}-{twin_end}", "sci")
    return alpha


def _chart(book: Book, data: DataSheet, cumulative: dict[str, tuple[Columns, Columns]]) -> None:
    sheet = book.sheet("Charts")
    sheet.title("Charts", "Native Excel chart of the Data sheet.")
    chart = book.workbook.add_chart({"type": "scatter", "subtype": "straight"})
    for fund, color in (("BRK", "#1F4E79"), ("ARKK", "#C00000")):
        path = cumulative[fund][0]
        dates = area(data.name, path.first_row, 0, path.last_row, 0)
        chart.add_series({"name": f"{fund} (FF6)", "categories": f"={dates}", "values": f"={path.data}", "line": {"color": color, "width": 1.5}})
    chart.set_title({"name": "Cumulative hedged return: alpha + residual under FF5 + momentum"})
    chart.set_x_axis({"name": "month", "date_axis": False, "num_format": "yyyy", "crossing": "min"})
    chart.set_y_axis({"name": "running sum of monthly hedged returns", "num_format": "0%", "crossing": "min"})
    chart.set_legend({"position": "bottom"})
    sheet.chart(3, 0, chart, 1.8, 1.5)


def _notes(frame: pd.DataFrame) -> list[tuple[str, str]]:
    arkk = frame["ARKK"].dropna()
    return [
        (
            "What this workbook shows",
            ("Factor regressions of Berkshire Hathaway (BRK) and ARK Innovation (ARKK) monthly excess returns on the market "
            "(CAPM) and on the Fama-French five factors plus momentum (FF6): the four regression tables with native Excel "
            "twins (SLOPE, INTERCEPT, RSQ, STEYX and INDEX(LINEST(...))) and statsmodels' summary statistics of each "
            "(FACTOR_SUMMARY) beside the notebook's printouts, the loadings side by side, the share of each "
            "fund's variance due to each factor, the volatility of the hedged portfolio (factor risk hedged out), annualization "
            "with 12 for monthly data, and the cumulative hedged return (alpha + residual) with a chart. Every number is a formula."),
        ),
        (
            "Published example",
            ("Alan Moreira's notebook 'Multi-Factor Models' (GitHub amoreira2/UG54), sections 13.6 (performance attribution: Cathie Wood) and 13.7 "
            "(Warren Buffett), and the cumulative hedged returns of section 13.8.3 (the notebook calls them abnormal returns)."),
        ),
        (
            "Data",
            (f"df_WarrenBAndCathieW_monthly (the notebook's file on GitHub, amoreira2/Fin418, in its CSV form): {len(frame)} months from "
            f"{frame.index[0]:%Y-%m} to {frame.index[-1]:%Y-%m} (some months are missing), with the factors Mkt-RF, SMB, "
            f"HML, RMW, CMA, Mom and RF that come with it. ARKK has {len(arkk)} months from {arkk.index[0]:%Y-%m}. "
            "Excess return = fund - RF. The data are the workbook's inputs; the file is not part of factorxl."),
        ),
        (
            "Where the notebook's printed numbers differ, and why",
            ("1. The notebook prints ARKK's 'annualized mean excess return' as 644.7%: it multiplies a monthly mean by 252. "
            "Monthly data annualize with 12 (Compare sheet, Annualization block; the x252 figure is shown labeled as the "
            "slip).\n"
            "2. The notebook runs ARKK's regression on returns and factors both multiplied by 252. The slopes and R-squared are "
            "unchanged, but its constant 1.7109 is the monthly alpha times 252; the annualized alpha is the monthly alpha "
            "times 12. The scaling also moves its log-likelihood, AIC, BIC and condition number (F, the normality tests "
            "and Durbin-Watson do not): the Regressions sheet shows ARKK's summary both ways, the x252 one beside the "
            "notebook's printout.\n"
            "3. The notebook prints its coefficients to 4 decimals and R-squared to 3; the workbook shows full precision.\n"
            "4. ARKK's CAPM regression is not in the source; it is added so the four fits can be read side by side."),
        ),
        (
            "Conventions",
            ("factorxl drops the months where a fund or a factor is missing (ARKK before "
            f"{arkk.index[0]:%Y-%m}); Excel's LINEST cannot skip empty cells, so ARKK's twins use the block of its "
            f"{len(arkk)} months. Residual volatility is SSR/(n-K-1) (the regression's standard error, STEYX); the "
            "appraisal ratio uses the residuals' standard deviation with ddof 1. Isolated factor shares leave out the "
            "covariances between factors; Euler shares include them and add up to R-squared. The cumulative hedged "
            "return is the running sum of alpha + residual, as the notebook's cumsum."),
        ),
        (
            "Inputs and recalculation",
            ("Inputs are blue on yellow: periods_per_year (12) and source_periods (252, only to show the slip). The numbers "
            "you see were computed by factorxl when the workbook was built; Excel shows them without the add-in. With the "
            "add-in the formulas recalculate; without Excel, `factorxl refresh ARKK_BRK.xlsx` recalculates and stores them."),
        ),
    ]
