"""A message's advice is something the user can do where the message appears: in a cell,
advice about Excel and environment variables; on the command line, about its options; in
Python, about DataSource."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from factorxl import udfs
from factorxl.data import DataSource
from factorxl.errors import FactorxlError
from factorxl.excel import data_functions
from tests.conftest import REPO

COMMAND_LINE = re.compile(r"(?<![\w-])--[a-z]|factorxl (?:build|refresh|setup|vba)\b")
PYTHON = re.compile(r"DataSource\(|\b\w+=\.\.\.")


def _strings(folder: Path):
    """Every string a user can see (messages, help texts): all string constants but docstrings."""
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text())
        documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, documented) and node.body and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield path.relative_to(REPO), node.lineno, node.value


@pytest.mark.parametrize("layer", ["core", "excel"])
def test_the_worksheet_layers_never_mention_command_line_options(layer):
    found = [(str(path), line) for path, line, text in _strings(REPO / "factorxl" / layer) if COMMAND_LINE.search(text)]
    assert not found


@pytest.fixture
def sheet_source(monkeypatch):
    """FF_FACTORS reading what the environment says, as in Excel."""
    data_functions.set_data_source(None)
    yield monkeypatch
    data_functions.set_data_source(None)


def _sheet_message(*arguments) -> str:
    with pytest.raises(FactorxlError) as caught:
        udfs.FF_FACTORS(*arguments)
    message = str(caught.value)
    assert not COMMAND_LINE.search(message) and not PYTHON.search(message), message
    return message


def test_a_missing_file_in_the_data_folder_names_the_environment_variable(sheet_source, tmp_path):
    sheet_source.setenv("FACTORXL_DATA_DIR", str(tmp_path))
    message = _sheet_message("FF3", "monthly")
    assert "Put F-F_Research_Data_Factors_CSV.zip in the folder that FACTORXL_DATA_DIR names" in message
    assert "restart Excel" in message


def test_two_vintages_name_the_vintage_variable(sheet_source, shared_data):
    sheet_source.setenv("FACTORXL_DATA_DIR", str(shared_data))
    sheet_source.delenv("FACTORXL_DATA_VINTAGE", raising=False)
    message = _sheet_message("FF3", "daily")
    assert "Set the environment variable FACTORXL_DATA_VINTAGE to the folder of the copy to use (v202412, v202510)" in message


def test_a_vintage_without_the_file_names_the_vintages_that_have_it(sheet_source, shared_data):
    sheet_source.setenv("FACTORXL_DATA_DIR", str(shared_data))
    sheet_source.setenv("FACTORXL_DATA_VINTAGE", "v202412")
    message = _sheet_message("FF5", "monthly")
    assert "FACTORXL_DATA_VINTAGE to a folder that has it (v202510)" in message and "download" not in message


def test_a_failed_download_says_what_to_do_in_excel(sheet_source, tmp_path):
    data_functions.set_data_source(DataSource(cache_dir=tmp_path, french_url="http://127.0.0.1:9/", timeout=2))
    message = _sheet_message("CAPM", "daily")
    assert "Check the internet connection and recalculate" in message and "FACTORXL_DATA_DIR" in message


def test_python_callers_get_python_advice(shared_data):
    from factorxl.data import load_factors

    with pytest.raises(FactorxlError, match=r"DataSource\(vintage=\.\.\.\) with one of v202412, v202510") as caught:
        load_factors("FF3", "daily", source=DataSource(local_dir=shared_data))
    assert not COMMAND_LINE.search(str(caught.value))


def test_the_build_names_its_options_and_never_says_run_online(tmp_path):
    from factorxl.data.example_files import load_brk_arkk
    from factorxl.workbooks.templates.data import MissingData, fetch

    with pytest.raises(MissingData) as caught:  # online, an empty cache: the file has no address
        fetch("ARKK/BRK workbook", load_brk_arkk, DataSource(cache_dir=tmp_path))
    message = str(caught.value)
    assert "pass that folder with --data DIR" in message and "run online" not in message
    assert "has no download address" in message and "pickle" in message
