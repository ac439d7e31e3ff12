"""FACTORXL_VERSION: the version of factorxl that calculated a workbook, in every template's Notes sheet."""

from __future__ import annotations

from importlib import metadata

import pytest

import factorxl
from factorxl.excel.declare import FUNCTIONS
from factorxl.udfs import FACTORXL_VERSION
from tests.workbook_checks import Book

TEMPLATES = ("msft", "arkk_brk", "minimodel", "famamacbeth")


def test_it_returns_the_installed_packages_version():
    assert FACTORXL_VERSION() == factorxl.__version__ == metadata.version("factorxl")
    assert FUNCTIONS["FACTORXL_VERSION"].required == []


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_says_which_version_calculated_it(built_books, name):
    book = Book(built_books[name].path)
    assert book.formulas["Notes"]["A2"].value == '="Calculated with factorxl "&FACTORXL_VERSION()'
    assert book.value("Notes", "A2") == f"Calculated with factorxl {metadata.version('factorxl')}"
