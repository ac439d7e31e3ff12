"""Every worksheet function is declared once, with Function-Wizard help within Excel's limits."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

from factorxl import udfs
from factorxl.excel.declare import FUNCTIONS, MAX_HELP_CHARS


def test_udfs_exports_every_declared_function_under_its_excel_name():
    assert sorted(udfs.__all__) == sorted(FUNCTIONS)
    for name, declared in FUNCTIONS.items():
        assert getattr(udfs, name) is declared.function
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", name), name


def test_help_texts_fit_the_function_wizard():
    for name, declared in FUNCTIONS.items():
        assert 0 < len(declared.description) <= MAX_HELP_CHARS, name
        assert declared.description == inspect.getdoc(declared.function)
        for argument, text in declared.arguments.items():
            assert 0 < len(text) <= MAX_HELP_CHARS, (name, argument)


def test_worksheet_functions_take_no_annotations():
    # xlwings Lite and Server read annotations as converters; factorxl normalizes raw values itself
    for declared in FUNCTIONS.values():
        assert all(p.annotation is inspect.Parameter.empty for p in inspect.signature(declared.function).parameters.values())


def test_optional_arguments_default_to_none():
    for declared in FUNCTIONS.values():
        for parameter in inspect.signature(declared.function).parameters.values():
            assert parameter.default in (inspect.Parameter.empty, None), (declared.name, parameter.name)


def test_importing_udfs_pulls_in_no_workbook_or_cli_tooling():
    # statsmodels and scipy.stats wait for their first use too: scipy.stats alone takes about as
    # long to import as the rest of the add-in
    heavy = ("xlsxwriter", "formulas", "openpyxl", "factorxl.cli", "factorxl.workbooks", "statsmodels", "scipy.stats")
    code = f"import sys, factorxl.udfs; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_function_is_documented_for_users():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (root / "factorxl" / "docs").glob("functions_*.md"))
    for name in FUNCTIONS:
        assert f"`{name}`" in readme, f"{name} is missing from the README's function reference"
        assert re.search(rf"#+ .*`{name}\(", pages), f"{name} has no reference entry in factorxl/docs/functions_*.md"
