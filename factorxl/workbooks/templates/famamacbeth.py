"""The FamaMacBeth workbook: CAPM, FF3 and FF5 priced on the 25 size x book-to-market portfolios.

The two-pass cross-sectional test of Fama and MacBeth (1973), with the GRS test, on the library's
classic test assets, monthly. Sheets: ``Summary`` (inputs, the three models side by side), one sheet per
model (Fama-MacBeth premia with Fama-MacBeth, Newey-West and Shanken errors and the GRS test;
first-pass time-series regressions; below them average, predicted and pricing error of each portfolio),
``Charts`` (average vs predicted returns), ``Data`` (the portfolios and the factors, read by
``FF_DATA`` and ``FF_FACTORS`` formulas), ``Excess`` (portfolio returns minus RF) and ``Notes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from factorxl.data import DataSource, load_factors
from factorxl.data.french import load_table
from factorxl.workbooks.templates.data import MissingData, fetch
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

FILE_NAME = "FamaMacBeth.xlsx"
TITLE = "Fama-MacBeth: CAPM, FF3 and FF5 on the 25 size x book-to-market portfolios (monthly)"
VINTAGE = "v202510"
"""With ``--data``: the Kenneth French vintage folder this workbook reads by default (the one
that has the 25 portfolios and the monthly five-factor file)."""

PORTFOLIOS = "25_Portfolios_5x5"
FACTORS = ("Mkt-RF", "SMB", "HML", "RMW", "CMA")
MODELS = {"CAPM": 1, "FF3": 3, "FF5": 5}
"""Each model's number of factors: the first columns of :data:`FACTORS`."""
SE_TYPES = (("fm", "Fama-MacBeth"), ("nw", "Newey-West"), ("shanken", "Shanken"))
ASSETS = 25
PREMIA_COLUMNS = ["text", "small", "small", "ratio", "pvalue"]
PREMIA_ROWS = ("premia", "const", "std errors", "avg R-squared", "periods used", "periods skipped", "assets", "GRS F", "GRS p-value", "GRS periods")
"""FM_PREMIA's row labels around the factors' rows (which come after ``const``)."""
PREMIA_KINDS = {"avg R-squared": "ratio", "periods used": "count", "periods skipped": "count", "assets": "count", "GRS F": "ratio", "GRS p-value": "pvalue", "GRS periods": "count"}
"""The number format of FM_PREMIA's rows below the premia (shown in its first column)."""
DATA_ROW = 4  # FF_DATA and FF_FACTORS: a description row (hidden: captions show it above), a header row, then the months
DATA_FIRST_ROW = DATA_ROW + 2
EXCESS_SHEET = "Excess"
FACTOR_COL = 27  # the FF_FACTORS block on the Data sheet (column AB), right of the 26 portfolio columns


@dataclass(frozen=True)
class Window:
    """The months both files have, which the formulas read."""

    start: pd.Timestamp
    end: pd.Timestamp
    months: int
    portfolios: tuple[str, ...]


@dataclass(frozen=True)
class ModelCells:
    """Where one model's results are: its sheet and the cells the Summary and Charts sheets use."""

    sheet: str
    grs: str
    grs_p: str
    rsquared: str
    market: str
    market_t: str
    rms: str
    average: Block
    predicted: Block


def load(source: DataSource) -> Window:
    """The months both the portfolio file and the five-factor file cover, one after another."""
    _, _, portfolios = fetch(f"FamaMacBeth workbook ({PORTFOLIOS})", load_table, source, PORTFOLIOS, "vw", "monthly")
    factors = fetch("FamaMacBeth workbook (Kenneth French monthly five factors)", load_factors, source, "FF5", "monthly")
    common = portfolios.index.intersection(factors.index)
    window = portfolios.loc[common[0] : common[-1]]
    if len(common) < 2 * ASSETS or len(window) != len(common) or window.isna().any().any():
        raise MissingData(
            f"FamaMacBeth workbook: {PORTFOLIOS} and the five-factor file share {len(common)} months with gaps or "
            "missing returns; it needs an unbroken, complete common span"
        )
    return Window(common[0], common[-1], len(common), tuple(portfolios.columns))


def build(path: Path, source: DataSource) -> Built:
    """Write the FamaMacBeth workbook to ``path``; raises :class:`MissingData` without its data files."""
    window = load(source)
    book = Book(path, TITLE)
    summary = book.sheet("Summary")
    inputs = _inputs(summary, window)
    model_sheets = {model: book.sheet(model) for model in MODELS}
    chart_sheet = book.sheet("Charts")
    data = book.sheet("Data")
    excess_sheet = book.sheet(EXCESS_SHEET)
    last = DATA_FIRST_ROW + window.months - 1
    _data(data, inputs, window)
    excess = _excess(excess_sheet, data.name, last, window)
    cells = {
        model: _model(model_sheets[model], model, count, excess, area(data.name, DATA_FIRST_ROW - 1, FACTOR_COL + 1, last, FACTOR_COL + count), last, inputs["ppy"], window)
        for model, count in MODELS.items()
    }
    grs_cell = _summary(summary, data.name, last, cells)
    _chart(book, chart_sheet, cells, _diagonal(summary, cells))
    notes_sheet(book, TITLE, _notes(window))
    book.close()
    return Built((Headline("FF3 GRS F (25 size x book-to-market portfolios)", "Summary", grs_cell, ".6f"),))


def _inputs(sheet: Sheet, window: Window) -> dict[str, str]:
    sheet.title(TITLE, "The two-pass regressions of Fama and MacBeth (1973) on the library's test assets; see Notes.")
    sheet.note(2, 0, INPUT_LEGEND)
    sheet.heading(4, 0, "Inputs")
    sheet.label(5, 0, "First month")
    start = sheet.input(5, 1, _serial(window.start), "date", "start_date")
    sheet.label(6, 0, "Last month")
    end = sheet.input(6, 1, _serial(window.end), "date", "end_date")
    sheet.note(5, 2, "named start_date / end_date: the months FF_DATA and FF_FACTORS read on the Data sheet")
    sheet.note(6, 2, f"spill sizes are fixed at {window.months} months when the workbook is built")
    sheet.label(7, 0, "Periods per year (monthly data)")
    ppy = sheet.input(7, 1, 12, "count", "periods_per_year")
    sheet.note(7, 2, "named periods_per_year: annualizes the first-pass alphas and residual vols")
    return {"start": start, "end": end, "ppy": ppy}


def _serial(stamp: pd.Timestamp) -> float:
    return float((stamp - pd.Timestamp("1899-12-30")).days)


def _data(sheet: Sheet, inputs: dict[str, str], window: Window) -> None:
    """The two data formulas: the portfolios (FF_DATA) and the five factors with RF (FF_FACTORS);
    their description rows are shown as captions above them."""
    sheet.title("Data: the 25 portfolios (FF_DATA) and the five factors with RF (FF_FACTORS)")
    rows = window.months + 2
    portfolios = sheet.spill(DATA_ROW, 0, rows, 1 + ASSETS, f'=FF_DATA("{PORTFOLIOS}","vw","monthly",{inputs["start"]},{inputs["end"]})', ["date", *["return"] * ASSETS])
    factors = sheet.spill(DATA_ROW, FACTOR_COL, rows, 2 + len(FACTORS), f'=FF_FACTORS("FF5","monthly",{inputs["start"]},{inputs["end"]},TRUE)', ["date", *["return"] * (1 + len(FACTORS))])
    for block in (portfolios, factors):
        sheet.format_rows(block, 0, "text")
    sheet.hide_row(DATA_ROW)
    sheet.caption(1, f"={portfolios.cell(0, 0)}")
    sheet.caption(2, f"={factors.cell(0, 0)}")
    sheet.labels_of(Block(sheet.name, DATA_ROW + 1, 1, 1, ASSETS), window.portfolios, across=True)
    sheet.labels_of(Block(sheet.name, DATA_ROW + 1, factors.col + 1, 1, len(FACTORS) + 1), (*FACTORS, "RF"), across=True)
    sheet.widths({0: 11, FACTOR_COL: 11})
    sheet.title_rows = (DATA_ROW + 1, DATA_ROW + 1)
    sheet.data_columns = True
    sheet.ws.freeze_panes(DATA_FIRST_ROW, 1)


def _excess(sheet: Sheet, data: str, last: int, window: Window) -> str:
    """Portfolio returns minus RF, one array formula; returns the block with its header row."""
    rf_col = FACTOR_COL + 1 + len(FACTORS)
    sheet.title("Excess returns", "Monthly excess returns: each portfolio's value-weighted return minus RF (decimals).")
    header = sheet.column_labels(DATA_FIRST_ROW - 1, 1, ASSETS, f"={area(data, DATA_FIRST_ROW - 1, 1, DATA_FIRST_ROW - 1, ASSETS)}")
    sheet.labels_of(header, window.portfolios, across=True)
    sheet.spill(DATA_FIRST_ROW, 0, last - DATA_FIRST_ROW + 1, 1, f"={area(data, DATA_FIRST_ROW, 0, last, 0)}", "date")
    returns = area(data, DATA_FIRST_ROW, 1, last, ASSETS)
    rf = area(data, DATA_FIRST_ROW, rf_col, last, rf_col)
    sheet.spill(DATA_FIRST_ROW, 1, last - DATA_FIRST_ROW + 1, ASSETS, f"={returns}-{rf}", "return")
    sheet.widths({0: 11})
    sheet.title_rows = (DATA_FIRST_ROW - 1, DATA_FIRST_ROW - 1)
    sheet.data_columns = True
    sheet.ws.freeze_panes(DATA_FIRST_ROW, 1)
    return area(sheet.name, DATA_FIRST_ROW - 1, 1, last, ASSETS)


def _model(sheet: Sheet, model: str, count: int, excess: str, factors: str, last: int, ppy: str, window: Window) -> ModelCells:
    """Premia with three kinds of errors, the first pass and the pricing errors of one model."""
    sheet.title(f"{model}: {', '.join(FACTORS[:count])} on the 25 portfolios", "Monthly decimals. factorxl FM_PREMIA (three kinds of standard errors) and FUND_TABLE.")
    height = len(PREMIA_ROWS) + count
    sheet.heading(3, 0, "Second pass: Fama-MacBeth premia (const = zero-beta excess return)")
    tables = {}
    labels = [*PREMIA_ROWS[:2], *FACTORS[:count], *PREMIA_ROWS[2:]]
    row = 4
    for se, label in SE_TYPES:
        sheet.label(row, 0, f"{label} standard errors")
        sheet.keep_with_next(row)
        tables[se] = sheet.spill(row + 1, 0, height, 5, f'=FM_PREMIA({excess},{factors},"{se}")', PREMIA_COLUMNS)
        sheet.labels_of(tables[se], labels)
        for name, kind in PREMIA_KINDS.items():
            sheet.format_rows(tables[se], labels.index(name), kind)
        sheet.text_at(row + 1 + labels.index("std errors"), 1, f"{label} (9 lags)" if se == "nw" else label)  # the kind of errors, in the premia's column
        row += height + 2
    premia = tables["fm"]
    first = row + 1
    sheet.heading(first, 0, "First pass: each portfolio's excess return on the factors (alpha and residual vol annualized with periods_per_year)")
    width = count + 7
    fund = sheet.spill(first + 1, 0, ASSETS + 1, width, f"=FUND_TABLE({excess},{factors},{ppy})", ["text", "pct", "ratio", *["coef"] * count, "pct", "ratio", "ratio", "count"])
    sheet.labels_of(fund, ("fund", *window.portfolios))
    sheet.labels_of(fund, ("fund", "alpha", "t(alpha)", *FACTORS[:count], "residual vol", "R-squared", "years", "observations"), across=True)
    top = first + ASSETS + 3
    sheet.heading(top, 0, "Pricing errors: each portfolio's average excess return against the one the premia predict")
    sheet.header(top + 1, 0, ["portfolio", "average excess", "predicted", "pricing error"])
    sheet.labels_of(sheet.spill(top + 2, 0, ASSETS, 1, f"={fund.column(0, 1)}", "text"), window.portfolios)
    for i in range(ASSETS):
        column = area(EXCESS_SHEET, DATA_FIRST_ROW, 1 + i, last, 1 + i)
        sheet.formula(top + 2 + i, 1, f"=AVERAGE({column})", "small")
    average = Block(sheet.name, top + 2, 1, ASSETS, 1)
    betas = area(sheet.name, first + 2, 3, first + 1 + ASSETS, 2 + count)
    lambdas = premia.column(1, 2, 1 + count)  # the factors' premia, below const
    predicted = sheet.spill(top + 2, 2, ASSETS, 1, f"={premia.cell(1, 1)}+MMULT({betas},{lambdas})", "small")
    errors = sheet.spill(top + 2, 3, ASSETS, 1, f"={average.ref}-{predicted.ref}", "small")
    below = top + 2 + ASSETS
    sheet.label(below, 0, "root mean square pricing error")
    rms = sheet.formula(below, 3, f"=SQRT(SUMSQ({errors.ref})/{ASSETS})", "small")
    sheet.note(below + 1, 0, "predicted = const + betas x factor premia (Fama-MacBeth); error = average - predicted")
    row = labels.index  # FM_PREMIA's row of a label
    return ModelCells(
        sheet.name,
        grs=premia.cell(row("GRS F"), 1),
        grs_p=premia.cell(row("GRS p-value"), 1),
        rsquared=premia.cell(row("avg R-squared"), 1),
        market=premia.cell(row("Mkt-RF"), 1),
        market_t=tables["shanken"].cell(row("Mkt-RF"), 3),
        rms=rms,
        average=average,
        predicted=predicted,
    )


def _summary(sheet: Sheet, data: str, last: int, cells: dict[str, ModelCells]) -> str:
    """The models side by side; returns the address of FF3's GRS statistic (the headline)."""
    sheet.label(8, 0, "Months where the two tables' dates differ (must be 0)")
    dates = area(data, DATA_FIRST_ROW, 0, last, 0)
    factor_dates = area(data, DATA_FIRST_ROW, FACTOR_COL, last, FACTOR_COL)
    sheet.spill(8, 1, 1, 1, f"=SUM(--({dates}<>{factor_dates}))", "count")
    sheet.heading(10, 0, "Models side by side")
    sheet.header(11, 0, ["", *cells])
    rows = [
        ("GRS F (zero time-series alphas)", "grs", "ratio"),
        ("GRS p-value", "grs_p", "pvalue"),
        ("average cross-sectional R-squared", "rsquared", "ratio"),
        ("Mkt-RF premium (monthly)", "market", "small"),
        ("Mkt-RF premium t (Shanken)", "market_t", "ratio"),
        ("root mean square pricing error (monthly)", "rms", "small"),
    ]
    for i, (label, attribute, kind) in enumerate(rows):
        sheet.label(12 + i, 0, label)
        for j, model in enumerate(cells):
            sheet.formula(12 + i, 1 + j, f"={getattr(cells[model], attribute)}", kind)
    return address(12, 1 + list(cells).index("FF3"))


def _diagonal(sheet: Sheet, cells: dict[str, ModelCells]) -> Block:
    """The chart's 45-degree line, from the lowest to the highest return it shows (on the
    Summary sheet, below the models)."""
    shown = ",".join(f"{model.average.ref},{model.predicted.ref}" for model in cells.values())
    sheet.heading(19, 0, "Chart data: the 45-degree line (average = predicted)")
    sheet.header(20, 1, ("from", "to"))
    sheet.label(21, 0, "average = predicted")
    sheet.formula(21, 1, f"=MIN({shown})", "pct")
    sheet.formula(21, 2, f"=MAX({shown})", "pct")
    return Block(sheet.name, 21, 1, 1, 2)


def _chart(book: Book, sheet: Sheet, cells: dict[str, ModelCells], diagonal: Block) -> None:
    sheet.title("Average vs predicted monthly excess returns", "Each point is one of the 25 portfolios; on the 45-degree line the model prices it exactly.")
    chart = book.workbook.add_chart({"type": "scatter"})
    for model, color in zip(cells, ("#7F7F7F", "#1F4E79", "#C00000")):
        chart.add_series({
            "name": model,
            "categories": f"={cells[model].predicted.ref}",
            "values": f"={cells[model].average.ref}",
            "marker": {"type": "circle", "size": 6, "border": {"color": color}, "fill": {"color": color}},
        })
    chart.add_series({
        "name": "45-degree line: average = predicted",
        "categories": f"={diagonal.ref}",
        "values": f"={diagonal.ref}",
        "marker": {"type": "none"},
        "line": {"color": "#000000", "width": 1, "dash_type": "dash"},
    })
    chart.set_x_axis({"name": "predicted by the model (Fama-MacBeth premia)", "num_format": "0.0%", "crossing": "min"})
    chart.set_y_axis({"name": "average excess return", "num_format": "0.0%", "crossing": "min"})
    chart.set_legend({"position": "bottom"})
    sheet.chart(3, 0, chart, 1.8, 1.6)


def _notes(window: Window) -> list[tuple[str, str]]:
    return [
        (
            "What this workbook shows",
            ("The two-pass Fama-MacBeth test of the CAPM, the Fama-French three-factor model and the five-factor model on "
            "the 25 portfolios sorted on size and book-to-market: each portfolio's time-series regression on the factors "
            "(first pass: betas and alphas), a cross-sectional regression of the portfolios' excess returns on their betas "
            "every month (second pass), the average premia with Fama-MacBeth, Newey-West and Shanken (1992) standard "
            "errors, the GRS test that the time-series alphas are jointly zero, and each portfolio's average excess "
            "return against the one the premia predict, with a chart. Every number is a formula."),
        ),
        ("Method", "The two-pass regressions of Fama and MacBeth (1973) and the GRS test of Gibbons, Ross and Shanken (1989), here on the library's classic test assets."),
        (
            "Data",
            (f"Kenneth French data library: {PORTFOLIOS} (Average Value Weighted Returns -- Monthly) and "
            f"F-F_Research_Data_5_Factors_2x3 (Mkt-RF, SMB, HML, RMW, CMA, RF), {window.months} months from "
            f"{window.start:%Y-%m} to {window.end:%Y-%m}, read on the Data sheet by FF_DATA and FF_FACTORS, whose first "
            "rows name the files' vintage. Returns are decimals (the files' percent / 100). Excess return = portfolio - RF. "
            "All three models use the five-factor file's factors, so they share the same months and Mkt-RF."),
        ),
        (
            "Conventions",
            ("First pass: OLS with a constant over all months. Second pass: every month, the 25 excess returns on a constant "
            "and the betas; the premia are the averages. Fama-MacBeth errors: the standard deviation of the monthly estimates "
            "over sqrt(T). Newey-West: Bartlett kernel with floor(4 (T/100)^(2/9)) lags. Shanken: the errors-in-variables "
            "correction (1 + l' S_f^-1 l). GRS: F(N, T-N-K). Pricing error: average excess return - (const + betas x premia)."),
        ),
        (
            "Inputs and recalculation",
            ("Inputs are blue on yellow: start_date, end_date and periods_per_year. The data formulas read the files from factorxl's cache "
            "(or the data folder it is set to); spill sizes were fixed when the workbook was built, so a different span "
            "needs a rebuild. The numbers you see were computed by factorxl; Excel shows them without the add-in. Without "
            "Excel, `factorxl refresh FamaMacBeth.xlsx` recalculates and stores them."),
        ),
    ]
