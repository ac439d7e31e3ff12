"""``factorxl setup`` (files, merging, add-in check, dry run) and ``factorxl vba`` (the written modules)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pytest
import xlwings

import factorxl.udfs  # noqa: F401
from factorxl import cli
from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from factorxl.excel.declare import FUNCTIONS
from factorxl.integration import naming, setup_command, vba_command

ADDIN = Path(xlwings.__file__).parent / "addin" / "xlwings.xlam"


def _args(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def _setup(tmp_path: Path, *extra: str) -> int:
    return setup_command.run(_args(setup_command, ["--home", str(tmp_path / "home"), *extra]))


# --- setup -----------------------------------------------------------------------------------


@pytest.fixture
def no_conda(monkeypatch):
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)


def test_setup_installs_the_addin_and_writes_the_configuration(tmp_path, no_conda, capsys):
    assert _setup(tmp_path, "--interpreter", r"C:\Python311\python.exe") == 0
    home = tmp_path / "home"
    installed = home / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "xlwings.xlam"
    assert installed.read_bytes() == ADDIN.read_bytes()
    config = (home / ".xlwings" / "xlwings.conf").read_bytes()
    assert config == b'"INTERPRETER_WIN","C:\\Python311\\python.exe"\r\n"UDF MODULES","factorxl.udfs"\r\n'
    out = capsys.readouterr().out
    assert "Import Functions" in out and "Trust access to the VBA project object model" in out
    if sys.platform != "win32":  # a Windows profile's Python, maybe another computer's: written as given
        assert "Python for Excel: C:\\Python311\\python.exe (a Windows path or command: not checked on this computer)" in out


def test_setup_keeps_other_settings_and_udf_modules(tmp_path, no_conda):
    config = tmp_path / "home" / ".xlwings" / "xlwings.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes(b'"LICENSE_KEY","abc"\r\n"udf modules","mymodule;"\r\n"INTERPRETER_WIN","old"\r\n"CONDA ENV","base"\r\n')
    _setup(tmp_path, "--interpreter", "py")
    assert config.read_bytes() == (
        b'"LICENSE_KEY","abc"\r\n"INTERPRETER_WIN","py"\r\n"UDF MODULES","mymodule;factorxl.udfs"\r\n'
    )


def test_setup_in_a_conda_environment_writes_what_xlwings_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("CONDA_DEFAULT_ENV", "quant")
    monkeypatch.setenv("CONDA_EXE", str(Path("/opt/miniconda3/bin/conda")))
    _setup(tmp_path, "--interpreter", "py")
    config = (tmp_path / "home" / ".xlwings" / "xlwings.conf").read_text()
    assert config == f'"CONDA PATH","{Path("/opt/miniconda3")}"\n"CONDA ENV","quant"\n"UDF MODULES","factorxl.udfs"\n'


def test_setup_updates_an_addin_of_another_xlwings_version(tmp_path, no_conda, capsys):
    xlstart = tmp_path / "XLSTART"
    xlstart.mkdir()
    (xlstart / "xlwings.xlam").write_bytes(b"an older add-in")
    _setup(tmp_path, "--xlstart", str(xlstart))
    assert "is not the add-in of xlwings" in capsys.readouterr().out
    assert (xlstart / "xlwings.xlam").read_bytes() == ADDIN.read_bytes()
    _setup(tmp_path, "--xlstart", str(xlstart))
    out = capsys.readouterr().out
    assert f"matches xlwings {xlwings.__version__}" in out and "Nothing to change" in out


def test_dry_run_shows_every_file_and_writes_nothing(tmp_path, no_conda, capsys):
    assert _setup(tmp_path, "--dry-run", "--interpreter", "py") == 0
    assert not (tmp_path / "home").exists()
    out = capsys.readouterr().out
    assert "would write 2 file(s), wrote nothing" in out
    assert f"--- {tmp_path / 'home' / '.xlwings' / 'xlwings.conf'} (create)" in out
    assert '"INTERPRETER_WIN","py"\n"UDF MODULES","factorxl.udfs"' in out
    assert re.search(r"xlwings\.xlam \(create\)\ncopy of .*xlwings\.xlam \(\d+ bytes, sha256 [0-9a-f]{16}", out)


@pytest.mark.skipif(sys.platform == "win32", reason="explains xlwings Lite off Windows")
def test_setup_off_windows_explains_xlwings_lite(capsys):
    assert setup_command.run(_args(setup_command, ["--dry-run"])) == ExitCode.NOT_HERE == 5
    out = capsys.readouterr().out
    assert "xlwings Lite" in out and "from factorxl.udfs import *" in out and "requirements.txt" in out


def _python(tmp_path: Path, *, options: str = "", environment: str = "") -> str:
    """A program that starts this Python with ``options`` and ``environment``: another environment's Python."""
    program = tmp_path / "bin" / "python"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\n{environment} exec "{sys.executable}" {options} "$@"\n')
    program.chmod(0o755)
    return str(program)


def _setup_line(tmp_path: Path, capsys, interpreter: str) -> tuple[int, str]:
    code = cli.main(["setup", "--home", str(tmp_path / "home"), "--interpreter", interpreter])
    return code, capsys.readouterr().err


def test_setup_refuses_an_interpreter_that_is_not_there(tmp_path, no_conda, capsys):
    code, err = _setup_line(tmp_path, capsys, "/nonexistent/python.exe")
    assert code == ExitCode.CANNOT and not (tmp_path / "home").exists()
    assert err.startswith("factorxl setup: --interpreter /nonexistent/python.exe: no such program; give the python.exe")


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in Pythons are shell scripts")
def test_setup_refuses_a_python_without_factorxl(tmp_path, no_conda, capsys):
    code, err = _setup_line(tmp_path, capsys, _python(tmp_path, options="-S"))  # without its site-packages
    assert code == ExitCode.CANNOT and not (tmp_path / "home").exists()
    assert "it cannot import factorxl's functions (ModuleNotFoundError: No module named 'factorxl')" in err


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in Pythons are shell scripts")
def test_setup_refuses_a_python_whose_xlwings_is_not_the_addins(tmp_path, no_conda, capsys):
    startup = tmp_path / "startup"
    startup.mkdir()
    (startup / "sitecustomize.py").write_text("import xlwings\nxlwings.__version__ = '0.30.0'\n")
    code, err = _setup_line(tmp_path, capsys, _python(tmp_path, environment=f"PYTHONPATH={startup}"))
    assert code == ExitCode.CANNOT and not (tmp_path / "home").exists()
    assert f"has xlwings 0.30.0, but setup installs the add-in of xlwings {xlwings.__version__}" in err


def test_setup_runs_the_interpreter_it_is_given(tmp_path, no_conda, capsys):
    assert _setup(tmp_path, "--dry-run", "--interpreter", sys.executable) == 0
    assert f"Python for Excel: {sys.executable} imports factorxl's functions, xlwings {xlwings.__version__}" \
        in capsys.readouterr().out


def test_a_double_quote_cannot_go_into_xlwings_conf():
    with pytest.raises(FactorxlError, match="double quote"):
        setup_command.config_text("", {"INTERPRETER_WIN": 'C:\\"odd"\\python.exe'})


# --- vba -------------------------------------------------------------------------------------


def _vba_text(expression: str) -> str:
    """Evaluate a VBA string expression made of "literals" and ChrW(n) joined by &."""
    parts = re.findall(r'"((?:[^"]|"")*)"|ChrW\((\d+)\)', expression)
    return "".join(literal.replace('""', '"') if not code else chr(int(code)) for literal, code in parts)


def test_vba_writes_the_xlwings_module_and_the_help_module(tmp_path, capsys):
    out = tmp_path / "vba" / "xlwings_udfs.bas"
    assert vba_command.run(_args(vba_command, ["--out", str(out.parent)])) == 0
    wrapper, help_module = out.read_bytes(), (tmp_path / "vba" / "factorxl_help.bas").read_bytes()
    for text in (wrapper, help_module):
        assert text.isascii() and b"\n" not in text.replace(b"\r\n", b"")  # Windows line ends only
    wrapper, help_module = wrapper.decode(), help_module.decode()
    assert wrapper.startswith('Attribute VB_Name = "xlwings_udfs"\r\n')
    assert sorted(re.findall(r"^Function (\w+)\(", wrapper, re.M)) == sorted(FUNCTIONS)
    assert help_module.startswith('Attribute VB_Name = "factorxl_help"\r\n')
    calls = re.findall(
        r"^Private Sub Help_(\w+)\(\)\r\n(.*?)    Application\.MacroOptions Macro:=\"'\" & ThisWorkbook\.Name & \"'!(\w+)\", "
        r"Description:=(.*?), Category:=\"factorxl\"(, ArgumentDescriptions:=arguments)?\r\nEnd Sub",
        help_module,
        re.M | re.S,
    )
    assert sorted(call[0] for call in calls) == sorted(FUNCTIONS)
    for sub, body, macro, description, has_arguments in calls:
        declared = FUNCTIONS[macro]
        assert sub == macro and _vba_text(description) == declared.description
        arguments = [_vba_text(text) for text in re.findall(r"arguments\(\d+\) = (.*?)\r\n", body)]
        assert arguments == list(declared.arguments.values()) and bool(has_arguments) == bool(arguments)
    assert f"Public Sub {vba_command.HELP_MACRO}()" in help_module
    assert "RegisterFactorxlHelp" in capsys.readouterr().out


def test_vba_refuses_names_that_would_not_compile(tmp_path, monkeypatch):
    monkeypatch.setattr(naming, "naming_problems", lambda functions: ["FF_FACTORS: argument end is a reserved word in VBA"])
    with pytest.raises(FactorxlError, match="would not compile: FF_FACTORS: argument end"):
        vba_command.run(_args(vba_command, ["--out", str(tmp_path / "x.bas")]))
    assert not (tmp_path / "x.bas").exists()


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("plain", '"plain"'),
        ('say "hac"', '"say ""hac"""'),
        ("a\u2212b", '"a" & ChrW(8722) & "b"'),
        ("\u03b2", "ChrW(946)"),
        ("", '""'),
    ],
)
def test_vba_strings_escape_quotes_and_non_ascii(text, expression):
    assert vba_command.vba_string(text) == expression
    assert _vba_text(expression) == text
