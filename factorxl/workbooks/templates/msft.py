"""The MSFT workbook: the single-factor worked example of Alan Moreira's notebook "Factor Models"
(GitHub ``amoreira2/UG54``), in its newer version (sections 6.x) and its older one (5.x).

Sheets: ``Data`` (daily MSFT, RF, Mkt-RF, excess returns, tracking and hedged series),
``Model`` (regression, parameters, hedges, volatility-budget positions, expected P&L, the
target-share hedge, the variance decomposition), ``Charts``, ``CoMovement`` with
``CoMovement Data`` (WMT and JPM on SPY, section 6.4) and ``Notes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from factorxl.data import DataSource, load_factors, load_msft, load_spy_wmt_jpm_excess
from factorxl.workbooks.templates.data import MissingData, fetch
from factorxl.workbooks.templates.layout import (
    INPUT_LEGEND,
    Block,
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
from factorxl.workbooks.templates.regression import regression_table, summary_table

FILE_NAME = "MSFT.xlsx"
TITLE = "MSFT on the market: alpha, beta, hedges, risk budgets"
HORIZONS = (("daily", 1), ("monthly", 21), ("annual", 252))
COMPARE = ("factorxl", "Excel twin", "factorxl - twin", "source prints")
SUMMARY_ROW = 79
# statsmodels' summary of the regression as the older version (French v202412) and the newer one (v202510) print it
PRINTED_SUMMARY = {
    "R-squared": ("0.415", "0.415"),
    "Adj. R-squared": ("0.415", "0.415"),
    "F-statistic": ("6937.", "6940."),
    "Prob (F-statistic)": ("0.00", "0.00"),
    "Log-Likelihood": ("26515.", "26516."),
    "AIC": ("-5.303e+04", "-5.303e+04"),
    "BIC": ("-5.301e+04", "-5.301e+04"),
    "No. Observations": ("9778", "9778"),
    "Df Residuals": ("9776", "9776"),
    "Df Model": ("1", "1"),
    "Covariance Type": ("nonrobust", "nonrobust"),
    "Omnibus": ("1451.257", "1452.828"),
    "Prob(Omnibus)": ("0.000", "0.000"),
    "Skew": ("0.141", "0.141"),
    "Kurtosis": ("10.366", "10.377"),
    "Durbin-Watson": ("1.929", "1.929"),
    "Jarque-Bera (JB)": ("22136.865", "22202.613"),
    "Prob(JB)": ("0.00", "0.00"),
    "Cond. No.": ("87.7", "87.7"),
}


@dataclass(frozen=True)
class MsftData:
    """The aligned MSFT series (``MSFT``, ``RF``, ``Mkt-RF``) and the SPY/WMT/JPM excess returns
    (``None`` when their file is missing; the skip message says why)."""

    msft: pd.DataFrame
    comovement: pd.DataFrame | None
    skipped: tuple[str, ...]
    vintage: str


def load(source: DataSource) -> MsftData:
    """MSFT raw returns (missing rows dropped) inner-joined with the daily CAPM factors, as the
    notebooks align them; SPY/WMT/JPM excess returns with every incomplete row dropped."""
    factors = fetch("MSFT workbook (Kenneth French daily factors)", load_factors, source, "CAPM", "daily")
    msft = fetch("MSFT workbook (MSFT returns)", load_msft, source).dropna()
    aligned = msft.join(factors, how="inner")[["MSFT", "RF", "Mkt-RF"]]
    try:
        comovement = fetch("MSFT workbook, WMT/JPM co-movement sheets", load_spy_wmt_jpm_excess, source).dropna()
        skipped: tuple[str, ...] = ()
    except MissingData as missing:
        comovement, skipped = None, (str(missing),)
    return MsftData(aligned, comovement, skipped, source.vintage or "the cached files")


def build(path: Path, source: DataSource) -> Built:
    """Write the MSFT workbook to ``path``; raises :class:`MissingData` without the MSFT data."""
    data = load(source)
    book = Book(path, TITLE)
    model_sheet = book.sheet("Model")
    data_sheet = _data_sheet(book, data.msft)
    beta = _model(book, model_sheet, data_sheet)
    if data.comovement is not None:
        _comovement(book, data.comovement)
    notes_sheet(book, TITLE, _notes(data))
    book.close()
    return Built((Headline("MSFT beta", "Model", beta, ".12f"),), data.skipped)


@dataclass(frozen=True)
class _Series:
    """Named ranges of the Data sheet the model formulas use."""

    excess: Columns
    market: Columns
    hedged_columns: Columns
    y: str
    x: str
    rf: str
    hedged: str
    hedged_excel: str
    tracking: str


def _data_sheet(book: Book, frame: pd.DataFrame) -> _Series:
    kinds = {"MSFT": "return", "RF": "small", "Mkt-RF": "return"}  # a daily risk-free rate of 4e-05 needs six decimals
    sheet = DataSheet(book, "Data", frame, kinds, "Daily returns (decimals). MSFT: raw CRSP returns; RF, Mkt-RF: Kenneth French daily factors.")
    msft, rf, market = sheet.columns("MSFT"), sheet.columns("RF"), sheet.columns("Mkt-RF")
    excess = sheet.add_formula_columns(["MSFT excess"], "return", f"={msft.data}-{rf.data}")
    y = book.define("msft_excess", excess.data)
    x = book.define("mkt_rf", market.data)
    tracking = sheet.add_formula_columns(["Tracking (beta f)"], "return", f"=FACTOR_TRACKING({y},{x})")
    hedged = sheet.add_formula_columns(["Hedged (r - beta f)"], "return", f"=HEDGE_RETURNS({y},{x})")
    twin = sheet.add_formula_columns(["Hedged, Excel twin"], "return", f"={y}-SLOPE({y},{x})*{x}")
    return _Series(
        excess=excess,
        market=market,
        hedged_columns=hedged,
        y=y,
        x=x,
        rf=book.define("rf_daily", rf.data),
        hedged=book.define("msft_hedged", hedged.data),
        hedged_excel=book.define("msft_hedged_excel", twin.data),
        tracking=book.define("msft_tracking", tracking.data),
    )


def _variance(series: str, ddof: str) -> str:
    """Native variance honouring the workbook's ddof input: DEVSQ / (COUNT - ddof)."""
    return f"DEVSQ({series})/(COUNT({series})-{ddof})"


def _compare(sheet: Sheet, row: int, label: str, factorxl: str, twin: str | None, kind: str, source: str = "") -> str:
    """A row ``label | factorxl | Excel twin | factorxl - twin | source prints``; returns the factorxl cell."""
    sheet.label(row, 0, label)
    value = sheet.formula(row, 1, factorxl, kind)
    if twin is not None:
        twin_cell = sheet.formula(row, 2, twin, kind)
        sheet.formula(row, 3, f"={value}-{twin_cell}", "sci")
    if source:
        sheet.note(row, 4, source)
    return value


@dataclass(frozen=True)
class _Inputs:
    periods_per_year: str
    budget: str
    horizon: str
    target_share: str
    ddof: str


def _inputs(sheet: Sheet, row: int) -> _Inputs:
    sheet.heading(row, 0, "Inputs")
    rows = [
        ("Periods per year (daily data)", 252, "count", "periods_per_year", "annualizes alpha and volatility"),
        ("Volatility budget ($ of volatility per horizon)", 1_000_000, "money", "budget", "the notebook's $1M"),
        ("P&L horizon (periods)", 252, "count", "horizon", "expected P&L over one year of trading days"),
        ("Target factor share of variance", 0.20, "pct", "target_share", "the older version's 20% limit"),
        ("ddof of variances (0 population, 1 sample)", 0, "count", "ddof", "0 reproduces the older version's printed variances and x"),
    ]
    names = []
    for i, (label, value, kind, name, note) in enumerate(rows):
        sheet.label(row + 1 + i, 0, label)
        names.append(sheet.input(row + 1 + i, 1, value, kind, name))
        sheet.note(row + 1 + i, 2, f"named {name}; {note}")
    return _Inputs(*names)


def _model(book: Book, sheet: Sheet, data: _Series) -> str:
    """Fill the Model and Charts sheets; returns the address of the beta cell."""
    sheet.title("MSFT: single-factor model on the market (daily)", "Alan Moreira's notebook 'Factor Models', sections 6.7-6.10 (newer version) and 5.4-5.6 (older); see Notes.")
    sheet.note(2, 0, INPUT_LEGEND)
    given = _inputs(sheet, 4)
    y, x = data.y, data.x
    regression_table(sheet, 11, 0, data.excess, data.market, given.periods_per_year, "Regression of MSFT excess returns on Mkt-RF (classical errors)")
    row = 23
    beta_row = row + 3
    sheet.heading(row, 0, "Alpha and beta")
    sheet.header(row + 1, 1, COMPARE)
    alpha = _compare(sheet, row + 2, "alpha (daily)", f"=FACTOR_ALPHA({y},{x})", f"=INTERCEPT({y},{x})", "precise", "0.0005855699261548292 (older version)")
    beta = _compare(sheet, beta_row, "beta", f"=FACTOR_BETA({y},{x})", f"=SLOPE({y},{x})", "precise", "1.187234068887255 (older version); 1.1876 (newer version, 2025 factors)")
    _compare(sheet, row + 4, "alpha (annualized)", f"=FACTOR_ALPHA({y},{x},{given.periods_per_year})", f"=INTERCEPT({y},{x})*{given.periods_per_year}", "pct", "0.1474 (newer version, 2025 factors)")

    decomposition = Block(sheet.name, 66, 0, 5, 3)
    variance_r, variance_e = decomposition.cell(4, 1), decomposition.cell(3, 1)
    row = 29
    sheet.heading(row, 0, "Variances and means (daily)")
    sheet.header(row + 1, 1, ("at ddof input", "sample VAR.S", "population VAR.P", "source prints"))
    variances = [
        ("Var(MSFT excess)  var_r", f"={variance_r}", y, "0.0004416123295030902 (older version) = population"),
        ("Var(Mkt-RF)  var_f", f"={_variance(x, given.ddof)}", x, "0.00013005387619649368 (older version) = sample"),
        ("Var(residual)  var_e", f"={variance_e}", data.hedged, "0.00025831692182161234 (older version) = population"),
    ]
    for i, (label, value, series, source) in enumerate(variances):
        r = row + 2 + i
        sheet.label(r, 0, label)
        sheet.formula(r, 1, value, "variance")
        sheet.formula(r, 2, f"=VAR.S({series})", "variance")
        sheet.formula(r, 3, f"=VAR.P({series})", "variance")
        sheet.note(r, 4, source)
    variance_f = sheet.ref(row + 3, 1)
    sheet.label(row + 5, 0, "Mean Mkt-RF  mu_f")
    sheet.formula(row + 5, 1, f"=AVERAGE({x})", "precise")
    sheet.note(row + 5, 4, "0.00035668848435262666 (older version)")

    row = 36
    sheet.heading(row, 0, "Tracking and hedged portfolios (series on the Data sheet)")
    sheet.header(row + 1, 1, COMPARE)
    _compare(sheet, row + 2, "Hedged mean, annualized (= alpha annualized)", f"=AVERAGE({data.hedged})*{given.periods_per_year}", f"=AVERAGE({data.hedged_excel})*{given.periods_per_year}", "pct", "0.1474 (newer version, 2025 factors)")
    _compare(sheet, row + 3, "Hedged volatility per day (= residual vol)", f"=SQRT({variance_e})", f"=SQRT({_variance(data.hedged_excel, given.ddof)})", "pct")
    _compare(sheet, row + 4, "Correlation of the hedged return with Mkt-RF", f"=CORREL({data.hedged},{x})", f"=CORREL({data.hedged_excel},{x})", "sci", "0 by construction")
    _compare(sheet, row + 5, "Cash from the short hedge, annualized", f"=HEDGE_CASH_EFFECT({beta},AVERAGE({data.rf}))*{given.periods_per_year}", f"=-(1-SLOPE({y},{x}))*AVERAGE({data.rf})*{given.periods_per_year}", "pct", "-(1-beta)*rf (older version)")

    row = 43
    positions = _positions(sheet, row, data, given, variance_r, variance_e)
    row = 50
    _expected_pnl(sheet, row, data, given, positions)
    row = 55
    sheet.heading(row, 0, "Hedge to a target factor share (target_share)")
    sheet.header(row + 1, 1, COMPARE)
    ratio = _compare(
        sheet, row + 2, "Market units per $1 of MSFT (xh)", f"=HEDGE_RATIO({y},{x},{given.target_share})",
        f"=SQRT({given.target_share}*DEVSQ({data.hedged_excel})/((1-{given.target_share})*DEVSQ({x})))-SLOPE({y},{x})",
        "coef", "-0.4816910986685352 (older version, from another run; see Notes)",
    )
    _compare(sheet, row + 3, "Full hedge (target 0): -beta", f"=HEDGE_RATIO({y},{x})", f"=-SLOPE({y},{x})", "coef")
    sheet.label(row + 4, 0, "Factor share after the hedge (= target)")
    sheet.formula(row + 4, 1, f"=({beta}+{ratio})^2*{variance_f}/(({beta}+{ratio})^2*{variance_f}+{variance_e})", "pct")
    sheet.label(row + 5, 0, "Factor share before the hedge (= R-squared)")
    sheet.formula(row + 5, 1, f"={decomposition.cell(2, 2)}", "pct")
    sheet.note(row + 5, 4, "0.4141025460425463 (older version, from another run)")

    _decomposition(sheet, decomposition, data, given)
    _charts(book, sheet, data, alpha, beta, decomposition)
    printed = {label: f"{old} (older version, French v202412); {new} (newer version, v202510)" for label, (old, new) in PRINTED_SUMMARY.items()}
    summary_table(sheet, SUMMARY_ROW, 0, data.excess.with_header, data.market.with_header, "statsmodels' summary statistics of the regression (classical errors)", printed)
    return address(beta_row, 1)


def _positions(sheet: Sheet, row: int, data: _Series, given: _Inputs, variance_r: str, variance_e: str) -> dict[str, tuple[str, str]]:
    """The volatility-budget table; returns each horizon's (unhedged, hedged) position cells."""
    sheet.heading(row, 0, "Volatility-budget positions: budget / (vol x SQRT(periods))")
    sheet.header(row + 1, 0, ("budget horizon", "periods", "unhedged vol", "unhedged position", "hedged vol", "hedged position", "Excel: unhedged", "Excel: hedged"))
    sources = {
        "monthly": "Source prints, monthly: x = 10.384121419128503 per $1 (older version); the newer version prints 'Hedged vol (annual)' 0.0736 (2025 factors): it is this row's hedged vol",
        "annual": "Source prints, annual: unhedged vol 0.3336 (newer version); xe = 3.8831665045807324 per $1 (older version, from another run)",
    }
    cells = {}
    for i, (label, periods) in enumerate(HORIZONS):
        r = row + 2 + i
        sheet.label(r, 0, label)
        h = sheet.input(r, 1, periods, "count")
        sheet.formula(r, 2, f"=SQRT({variance_r}*{h})", "pct")
        unhedged = sheet.formula(r, 3, f"=VOL_BUDGET_SIZE({given.budget},SQRT({variance_r}),{h})", "money")
        sheet.formula(r, 4, f"=SQRT({variance_e}*{h})", "pct")
        hedged = sheet.formula(r, 5, f"=VOL_BUDGET_SIZE({given.budget},{data.y},{h},{data.x},{given.ddof})", "money")
        sheet.formula(r, 6, f"={given.budget}/SQRT({_variance(data.y, given.ddof)}*{h})", "money")
        sheet.formula(r, 7, f"={given.budget}/SQRT({_variance(data.hedged_excel, given.ddof)}*{h})", "money")
        cells[label] = (unhedged, hedged)
    for i, source in enumerate(sources.values()):
        sheet.note(row + 2 + len(HORIZONS) + i, 0, source)
    return cells


def _expected_pnl(sheet: Sheet, row: int, data: _Series, given: _Inputs, positions: dict[str, tuple[str, str]]) -> None:
    y, x, h = data.y, data.x, given.horizon
    sheet.heading(row, 0, "Expected P&L over the horizon: total x(beta mu_f + alpha)h and risk-adjusted x alpha h")
    sheet.header(row + 1, 0, ("position", "size", "total P&L", "risk-adjusted P&L", "Excel: total", "Excel: risk-adj."))
    rows = [
        ("unhedged, monthly budget", positions["monthly"][0], y, y),
        ("hedged, annual budget", positions["annual"][1], data.hedged, data.hedged_excel),
    ]
    for i, (label, size, returns, twin) in enumerate(rows):
        r = row + 2 + i
        sheet.label(r, 0, label)
        sheet.formula(r, 1, f"={size}", "money")
        x_cell = sheet.ref(r, 1)
        sheet.formula(r, 2, f'=EXPECTED_PNL({x_cell},{returns},{x},{h},"total")', "money")
        sheet.formula(r, 3, f'=EXPECTED_PNL({x_cell},{returns},{x},{h},"alpha")', "money")
        sheet.formula(r, 4, f"={x_cell}*(SLOPE({twin},{x})*AVERAGE({x})+INTERCEPT({twin},{x}))*{h}", "money")
        sheet.formula(r, 5, f"={x_cell}*INTERCEPT({twin},{x})*{h}", "money")
    sheet.note(row + 2 + len(rows), 0, "Source prints: unhedged $2,644,594 total, $1,530,371 risk-adjusted (newer version, 2025 factors); hedged 0.6005 per $1 risk-adjusted (older version, from another run)")


def _decomposition(sheet: Sheet, block: Block, data: _Series, given: _Inputs) -> None:
    sheet.heading(block.row - 1, 0, "Variance decomposition: beta^2 Var(f) + Var(e) (ddof input)")
    sheet.spill(block.row, block.col, block.rows, block.cols, f"=FACTOR_VAR_DECOMP({data.excess.with_header},{data.market.with_header},{given.ddof})", ["text", "variance", "pct"])
    sheet.header(block.row, 3, ("Excel twin", "twin share", "source prints"))
    y, x, ddof = data.y, data.x, given.ddof
    factor = f"=SLOPE({y},{x})^2*{_variance(x, ddof)}"
    twins = [factor, factor, f"={_variance(data.hedged_excel, ddof)}", f"={_variance(y, ddof)}"]
    total = sheet.ref(block.row + 4, 3)
    for i, formula in enumerate(twins):
        r = block.row + 1 + i
        sheet.formula(r, 3, formula, "variance")
        sheet.formula(r, 4, f"={sheet.ref(r, 3)}/{total}", "pct")
    sheet.note(block.row + 2, 5, "factor 0.000183 (41.5%) = R-squared 0.415 (newer version)")
    sheet.note(block.row + 3, 5, "idiosyncratic 0.000258 (58.5%) (newer version)")
    sheet.note(block.row + 4, 5, "total 0.000442 (newer version)")


def _charts(book: Book, model: Sheet, data: _Series, alpha: str, beta: str, decomposition: Block) -> None:
    """Chart data on the Model sheet and the three native charts on the Charts sheet."""
    row = decomposition.row + decomposition.rows + 2
    model.heading(row, 0, "Chart data: the fitted line alpha + beta f at the extremes of Mkt-RF")
    model.header(row + 1, 1, ("Mkt-RF", "alpha + beta f"))
    for i, extreme in enumerate(("MIN", "MAX")):
        r = row + 2 + i
        model.label(r, 0, f"{extreme.lower()} Mkt-RF")
        f = model.formula(r, 1, f"={extreme}({data.x})", "return")
        model.formula(r, 2, f"={alpha}+{beta}*{f}", "return")
    line_x, line_y = (f"={area(model.name, row + 2, col, row + 3, col)}" for col in (1, 2))
    x, y, hedged_y = (f"={columns.data}" for columns in (data.market, data.excess, data.hedged_columns))
    charts = book.sheet("Charts")
    charts.title("Charts", "Native Excel charts of the Data and Model sheets.")
    workbook = book.workbook
    scatter = workbook.add_chart({"type": "scatter"})
    scatter.add_series({"name": "MSFT excess return", "categories": x, "values": y, "marker": {"type": "square", "size": 2}})
    scatter.add_series({"name": "fitted alpha + beta f", "categories": line_x, "values": line_y, "marker": {"type": "none"}, "line": {"color": "red", "width": 2}})
    _axes(scatter, "MSFT vs the market with the fitted line", "Mkt-RF (daily)", "MSFT excess return")
    charts.chart(3, 0, scatter, 1.4, 1.4)
    hedged = workbook.add_chart({"type": "scatter"})
    hedged.add_series({"name": "market (beta 1)", "categories": x, "values": x, "marker": {"type": "square", "size": 2}})
    hedged.add_series({"name": "hedged MSFT (beta 0)", "categories": x, "values": hedged_y, "marker": {"type": "square", "size": 2, "fill": {"color": "green"}, "border": {"color": "green"}}})
    _axes(hedged, "Hedged returns vs the market", "Mkt-RF (daily)", "return")
    charts.chart(25, 0, hedged, 1.4, 1.4)
    bar = workbook.add_chart({"type": "column", "subtype": "percent_stacked"})
    category = f"={decomposition.cell(0, 0)}"
    bar.add_series({"name": "factor risk", "categories": category, "values": f"={decomposition.cell(2, 2)}", "fill": {"color": "#4682B4"}, "data_labels": {"value": True, "num_format": "0%"}})
    bar.add_series({"name": "idiosyncratic risk", "categories": category, "values": f"={decomposition.cell(3, 2)}", "fill": {"color": "#FF7F50"}, "data_labels": {"value": True, "num_format": "0%"}})
    bar.set_title({"name": "Variance decomposition"})
    bar.set_y_axis({"name": "share of total variance"})
    charts.chart(47, 0, bar, 0.8, 1.2)


def _axes(chart, title: str, x_name: str, y_name: str) -> None:
    chart.set_title({"name": title})
    chart.set_x_axis({"name": x_name, "num_format": "0%", "crossing": "min"})
    chart.set_y_axis({"name": y_name, "num_format": "0%", "crossing": "min"})
    chart.set_legend({"position": "bottom"})


def _comovement(book: Book, frame: pd.DataFrame) -> None:
    """The WMT/JPM co-movement example (section 6.4 of the newer version and its exercises)."""
    kinds = dict.fromkeys(frame.columns, "return")
    data = DataSheet(book, "CoMovement Data", frame, kinds, "Daily excess returns (decimals) of SPY, WMT and JPM; rows with any missing value dropped.")
    spy, assets = data.columns("SPY"), data.columns("WMT", "JPM")
    data.add_formula_columns(["WMT hedged", "JPM hedged"], "return", f"=HEDGE_RETURNS({assets.data},{spy.data})")
    sheet = book.sheet("CoMovement")
    sheet.title("Co-movement: WMT and JPM on SPY (daily excess returns)", "'Factor Models' section 6.4 and exercises 1-3; data on the CoMovement Data sheet.")
    sheet.note(2, 0, INPUT_LEGEND)
    sheet.label(4, 0, "Volatility budget of the exercises ($ per year)")
    budget = sheet.input(4, 1, 5_000_000, "money", "exercise_budget")
    sheet.note(4, 2, "named exercise_budget; periods per year: periods_per_year on the Model sheet")
    ppy = "periods_per_year"
    regression_table(sheet, 6, 0, data.columns("WMT"), spy, ppy, "WMT on SPY")
    regression_table(sheet, 18, 0, data.columns("JPM"), spy, ppy, "JPM on SPY")
    row = 30
    sheet.heading(row, 0, "Co-movement with the market")
    sheet.header(row + 1, 0, ("asset", "beta", "alpha", "corr with SPY", "corr of hedged with SPY"))
    sheet.spill(row + 2, 1, 2, 1, f"=FACTOR_BETA({assets.data},{spy.data})", "coef")
    sheet.spill(row + 2, 2, 2, 1, f"=FACTOR_ALPHA({assets.data},{spy.data})", "precise")
    sources = ("alpha 0.000203, beta 0.674 (newer version); beta 0.6737719432407148 (older version); corr 0.492221 (newer version)", "alpha 0.000159, beta 1.395 (newer version); beta 1.3949175281635984 (older version); corr 0.707302 (newer version)")
    for i, name in enumerate(("WMT", "JPM")):
        sheet.label(row + 2 + i, 0, name)
        sheet.formula(row + 2 + i, 3, f"=CORREL({spy.data},{data.columns(name).data})", "ratio")
        sheet.formula(row + 2 + i, 4, f"=CORREL({spy.data},{data.columns(name + ' hedged').data})", "sci")
        sheet.note(row + 4 + i, 0, f"Source prints, {name}: {sources[i]}")
    _exercises(sheet, row + 7, data.columns("JPM").data, spy.data, data.columns("JPM hedged").data, budget, ppy)


def _exercises(sheet: Sheet, row: int, jpm: str, spy: str, hedged: str, budget: str, ppy: str) -> None:
    """The newer version's JPM exercises: Sharpe ratios, positions for an annual budget, risk-adjusted P&L.

    The Excel twins of the hedged column use the regression's residual volatility:
    STEYX * SQRT((n-2)/(n-1)) is the sample standard deviation of the residuals.
    """
    sheet.heading(row, 0, "JPM exercises ('Factor Models' 6.11): unhedged vs hedged on SPY")
    sheet.header(row + 1, 1, ("unhedged", "hedged", "Excel: unhedged", "Excel: hedged"))
    n = f"COUNT({jpm})"
    sd_hedged = f"(STEYX({jpm},{spy})*SQRT(({n}-2)/({n}-1)))"
    sheet.label(row + 2, 0, "Sharpe ratio (annualized)")
    sheet.formula(row + 2, 1, f"=SHARPE_RATIO({jpm},{ppy})", "ratio")
    sheet.formula(row + 2, 2, f"=SHARPE_RATIO({hedged},{ppy})", "ratio")
    sheet.formula(row + 2, 3, f"=AVERAGE({jpm})/STDEV.S({jpm})*SQRT({ppy})", "ratio")
    sheet.formula(row + 2, 4, f"=INTERCEPT({jpm},{spy})/{sd_hedged}*SQRT({ppy})", "ratio")
    sheet.label(row + 3, 0, "Position for the annual volatility budget")
    unhedged = sheet.formula(row + 3, 1, f"=VOL_BUDGET_SIZE({budget},{jpm},{ppy})", "money")
    hedged_size = sheet.formula(row + 3, 2, f"=VOL_BUDGET_SIZE({budget},{jpm},{ppy},{spy})", "money")
    sheet.formula(row + 3, 3, f"={budget}/(STDEV.S({jpm})*SQRT({ppy}))", "money")
    sheet.formula(row + 3, 4, f"={budget}/({sd_hedged}*SQRT({ppy}))", "money")
    sheet.label(row + 4, 0, "Risk-adjusted P&L (alpha x position x year)")
    sheet.formula(row + 4, 1, f'=EXPECTED_PNL({unhedged},{jpm},{spy},{ppy},"alpha")', "money")
    sheet.formula(row + 4, 2, f'=EXPECTED_PNL({hedged_size},{jpm},{spy},{ppy},"alpha")', "money")
    sheet.formula(row + 4, 3, f"={sheet.ref(row + 3, 3)}*INTERCEPT({jpm},{spy})*{ppy}", "money")
    sheet.formula(row + 4, 4, f"={sheet.ref(row + 3, 4)}*INTERCEPT({jpm},{spy})*{ppy}", "money")


def _notes(data: MsftData) -> list[tuple[str, str]]:
    first, last = data.msft.index[0], data.msft.index[-1]
    return [
        (
            "What this workbook shows",
            ("The single-factor model of MSFT on the market: the regression of MSFT's daily excess return on Mkt-RF "
            "(alpha, beta, R-squared, residual volatility), the tracking portfolio beta*f and the hedged (portable-alpha) "
            "portfolio r - beta*f, position sizes under a volatility budget for daily, monthly and annual horizons with and "
            "without the hedge, the expected P&L in total and risk-adjusted, the hedge that leaves a target share of variance "
            "in factor risk, the variance decomposition, and every statistic of statsmodels' regression summary "
            "(FACTOR_SUMMARY: F-statistic, log-likelihood, AIC, BIC, normality tests, Durbin-Watson, condition number) "
            "beside the notebook's printouts. The CoMovement sheets show WMT and JPM on SPY. Every number is a formula: a "
            "factorxl function, with a native Excel twin beside it (SLOPE, INTERCEPT, RSQ, STEYX, LINEST, VAR.S/VAR.P, "
            "DEVSQ) and their difference."),
        ),
        (
            "Published example",
            ("Alan Moreira's notebook 'Factor Models' (GitHub amoreira2/UG54), in two versions. The newer: sections 6.4 "
            "(co-movement), 6.7 (tracking and hedged portfolios), 6.8 (risk budgets and position sizing), 6.10 (variance "
            "decomposition), 6.11 (exercises). The older: sections 5.4-5.6 (printed parameters, x, xe, the 20% factor-share "
            "hedge xh20, the cash effect -(1-beta)*rf)."),
        ),
        (
            "Data",
            (f"MSFT: daily raw CRSP returns (FactorModels_data2.csv of the notebook's repository), rows without a return dropped, inner-joined "
            f"on dates with the Kenneth French daily factors (F-F_Research_Data_Factors_daily, vintage: {data.vintage}): "
            f"{len(data.msft):,} days from {first:%Y-%m-%d} to {last:%Y-%m-%d}. Excess return = MSFT - RF. WMT/JPM/SPY: "
            "daily excess returns (FactorModels_data1.csv), rows with any missing value dropped. The data are the workbook's "
            "inputs; the files are not part of factorxl."),
        ),
        (
            "Where the notebook's printed numbers differ, and why",
            ("1. Factor vintage. With the CRSP 202412 factor files (what the older version ran on) beta is 1.187234068887255; the newer "
            "prints 1.1876 because it ran on the 2025 rebuild of the French library, which also moves its alpha*252 (0.1474 "
            "here 0.1476) and its P&L figures ($2,644,594 and $1,530,371).\n"
            "2. Variance conventions. The older version prints var_r and var_e as population variances (ddof 0, Excel VAR.P) but var_f "
            "as a sample variance (ddof 1, VAR.S); the Variances block shows both. The ddof input (default 0) reproduces "
            "the older version's x = 10.384121419128503; set it to 1 for sample variances (factorxl's default).\n"
            "3. The newer version prints 'Hedged vol (annual): 0.0736' but computes it with sqrt(21): it is a monthly volatility. The "
            "workbook shows it in the monthly row of the positions table; the annual hedged volatility is in the annual row.\n"
            "4. The older version's numbers after its parameter printout come from a different run of the notebook and do not follow "
            "from the parameters it prints: xe = 3.8831665045807324, the P&L 0.7687 and 0.4597, xe*alpha*252 = 0.6005, "
            "xh20 = -0.4816910986685352, the factor share 0.4141 and the hedged mean 0.00703 (which also annualizes daily data "
            "with 12 instead of 252). For example x*(beta*mu_f + alpha)*252 with its printed x, beta, mu_f and alpha is 2.64, "
            "not 0.7687. The workbook computes each of them from the parameters it shows.\n"
            "5. The newer version leaves the position x as a blank to fill in; the workbook fills it with budget / (vol * SQRT(21))."),
        ),
        (
            "Inputs and names",
            ("Inputs are blue on yellow. Named cells: periods_per_year, budget, horizon, target_share, ddof, exercise_budget; "
            "named data ranges: msft_excess, mkt_rf, rf_daily, msft_tracking, msft_hedged, msft_hedged_excel. The daily, "
            "monthly and annual periods of the positions table are inputs too."),
        ),
        (
            "Recalculation",
            ("The numbers you see are the values factorxl computed when it built the workbook; Excel shows them without the "
            "add-in (the file does not ask for a full recalculation on open). With the add-in (xlwings, UDF module "
            "factorxl.udfs) the formulas recalculate when an input changes. Without Excel, `factorxl refresh MSFT.xlsx` "
            "recalculates every formula and stores the new values."),
        ),
    ]
