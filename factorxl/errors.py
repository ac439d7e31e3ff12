"""The one exception type factorxl raises for bad input or impossible computations."""


class FactorxlError(ValueError):
    """Invalid input or a computation that cannot give a meaningful number.

    The message is written for the person who typed the formula: it names the
    argument, what was expected and what arrived. Excel shows it in the cell
    (classic xlwings) or with ``#VALUE!`` (Excel 365, xlwings Lite).
    """
