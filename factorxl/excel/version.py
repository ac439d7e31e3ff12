"""The worksheet function that says which factorxl calculated a workbook, as Excel's ``INFO("release")`` says which Excel."""

from __future__ import annotations

from factorxl import __version__
from factorxl.excel.declare import worksheet_function

__all__ = ["FACTORXL_VERSION"]


@worksheet_function()
def FACTORXL_VERSION():
    """Returns the version of factorxl that calculated the cell, as text such as 0.1.0."""
    return __version__
