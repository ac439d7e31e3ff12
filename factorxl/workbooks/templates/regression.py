"""A factor regression as the templates show it: factorxl's ``FACTOR_REGRESS`` table with a
native Excel twin beside every estimate (``INTERCEPT``/``SLOPE``/``RSQ``/``STEYX`` for one
factor, ``INDEX(LINEST(...))`` for several) and the difference between the two; and the
``FACTOR_SUMMARY`` block of statsmodels' summary statistics beside what the source printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from factorxl.excel.summary import summary_labels
from factorxl.workbooks.templates.layout import Block, Columns, Sheet

TWIN_HEADER = ("Excel twin", "factorxl - twin")
_COLUMNS = ("coef", "std err", "t", "p-value", "lower 95%", "upper 95%")
"""FACTOR_REGRESS's column labels."""
_SUMMARY_KINDS = {
    "Prob (F-statistic)": "pvalue",
    "Prob(Omnibus)": "pvalue",
    "Prob(JB)": "pvalue",
    "No. Observations": "count",
    "Df Residuals": "count",
    "Df Model": "count",
    "Covariance Type": "general",
}
"""The number format of FACTOR_SUMMARY's rows that are not statistics shown to 3 decimals."""
_SUMMARY = ("R-squared", "Adj. R-squared", "Observations", "Residual vol", "Alpha (annualized)", "Residual vol (annualized)", "Std errors")
_SUMMARY_ROW_KINDS = ("ratio", "ratio", "count", "pct", "pct", "pct")
"""The number format of FACTOR_REGRESS's summary rows (the last, the kind of errors, is text):
volatilities and the annualized alpha in percent, as the sheets show them elsewhere."""


@dataclass(frozen=True)
class RegressionCells:
    """Where one regression's numbers are: the factorxl table and the native twin column."""

    table: Block
    twins: Block
    factors: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        """The table's row labels below its header: alpha, the factors, the summary rows."""
        return ("alpha", *self.factors, *_SUMMARY)

    def _row(self, label: str) -> int:
        return 1 + self.labels.index(label)

    def coef(self, label: str) -> str:
        """factorxl's estimate of ``alpha`` or a factor loading (or a summary row's value)."""
        return self.table.cell(self._row(label), 1)

    def std_err(self, label: str) -> str:
        return self.table.cell(self._row(label), 2)

    def twin(self, label: str) -> str:
        """The native Excel value beside :meth:`coef`."""
        return self.twins.cell(self._row(label), 0)

    @property
    def twin_loadings(self) -> str:
        """The native twins of the factor loadings: a column, in the factors' order."""
        return self.twins.column(0, 2, 1 + len(self.factors))


def regression_table(
    sheet: Sheet,
    row: int,
    col: int,
    y: Columns,
    x: Columns,
    periods_per_year: str,
    title: str,
    twin_rows: tuple[int, int] | None = None,
) -> RegressionCells:
    """Write ``FACTOR_REGRESS(y, x)`` (classical errors, annualized with ``periods_per_year``) at
    ``(row + 1, col)`` under a heading, and its native twins in the two columns to its right.

    factorxl drops rows with a missing value; LINEST and SLOPE do not, so when ``y`` has
    empty cells the twins use only the sheet rows ``twin_rows`` (first, last), which must
    be complete. Returns the cell references of both sides.
    """
    k = len(x.labels)
    rows = 1 + 1 + k + len(_SUMMARY)
    sheet.heading(row, col, title)
    table = sheet.spill(
        row + 1, col, rows, 7,
        f'=FACTOR_REGRESS({y.with_header},{x.with_header},"classical","",{periods_per_year})',
        ["text", "coef", "coef", "ratio", "pvalue", "coef", "coef"],
    )
    for offset, kind in enumerate(_SUMMARY_ROW_KINDS):  # the summary rows, as their twins
        sheet.format_rows(table, 2 + k + offset, kind)
    sheet.labels_of(table, [*y.labels, "alpha", *x.labels, *_SUMMARY])
    sheet.labels_of(table, (y.labels[0], *_COLUMNS), across=True)
    sheet.header(row + 1, col + 7, TWIN_HEADER)
    twin_col = col + 7
    first = row + 2
    if twin_rows is not None:
        y, x = y.rows_between(*twin_rows), x.rows_between(*twin_rows)
    ys, xs = y.data, x.data
    full = f"LINEST({ys},{xs},TRUE,TRUE)"  # only its rows 1 and 3: formulas 1.3 misorders the std errors of row 2
    single = k == 1
    estimates = [("INTERCEPT" if single else None, k + 1)] + [("SLOPE" if single else None, k - j) for j in range(k)]
    for i, (native, position) in enumerate(estimates):
        estimate = f"={native}({ys},{xs})" if native else f"=INDEX(LINEST({ys},{xs}),1,{position})"
        sheet.formula(first + i, twin_col, estimate, "coef")
    summary = first + 1 + k
    rsq, nobs, vol = (sheet.ref(summary + i, twin_col) for i in (0, 2, 3))
    summary_twins = (
        f"=RSQ({ys},{xs})" if single else f"=INDEX({full},3,1)",
        f"=1-(1-{rsq})*({nobs}-1)/({nobs}-{k}-1)",
        f"=COUNT({ys})",
        f"=STEYX({ys},{xs})" if single else f"=INDEX({full},3,2)",
        f"={sheet.ref(first, twin_col)}*{periods_per_year}",
        f"={vol}*SQRT({periods_per_year})",
    )
    for i, (formula, kind) in enumerate(zip(summary_twins, _SUMMARY_ROW_KINDS, strict=True)):
        sheet.formula(summary + i, twin_col, formula, kind)
    for i in range(1 + k + 6):
        sheet.formula(first + i, twin_col + 1, f"={table.cell(1 + i, 1)}-{sheet.ref(first + i, twin_col)}", "sci")
    twins = Block(sheet.name, row + 1, twin_col, rows, 1)
    return RegressionCells(table, twins, x.labels)


def summary_table(sheet: Sheet, row: int, col: int, y: str, x: str, title: str, printed: Mapping[str, str] | None = None) -> Block:
    """Write ``FACTOR_SUMMARY(y, x)`` at ``(row + 1, col)`` under a heading, with the source's
    printed value of each statistic (keyed by statsmodels' label) in a "source prints" column
    to its right. Returns the spilled block."""
    labels = summary_labels()
    sheet.heading(row, col, title)
    block = sheet.spill(row + 1, col, 1 + len(labels), 2, f"=FACTOR_SUMMARY({y},{x})", ["text", "general"])
    sheet.labels_of(Block(sheet.name, block.row + 1, block.col, len(labels), 1), labels)
    for i, label in enumerate(labels):
        sheet.format_rows(block, 1 + i, _SUMMARY_KINDS.get(label, "ratio"))
    sheet.text_at(block.row + 1 + labels.index("Covariance Type"), col + 1, "classical")
    if printed:
        sheet.header(row + 1, col + 2, ("source prints",))
        for label, text in printed.items():
            sheet.note(row + 2 + labels.index(label), col + 2, text)
    return block
