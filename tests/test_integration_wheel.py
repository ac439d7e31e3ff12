"""The wheel xlwings Lite installs: pure Python, runtime requirements that exist in Pyodide, and an
import of factorxl.udfs that loads none of the workbook or command-line tooling."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from email.parser import Parser

pytest_plugins = ["tests.factorxl_wheel"]  # the factorxl_wheel fixture, shared with the install test

PYODIDE_PACKAGES = {"clarabel", "numpy", "pandas", "scipy", "statsmodels", "xlwings"}  # Pyodide builds clarabel (0.9 in 0.27)
TOOLING = ("xlsxwriter", "formulas", "openpyxl", "factorxl.cli", "factorxl.workbooks", "factorxl.integration")


def test_the_wheel_is_pure_python(factorxl_wheel):
    assert re.fullmatch(r"factorxl-[\w.]+-py3-none-any\.whl", factorxl_wheel.name)
    with zipfile.ZipFile(factorxl_wheel) as archive:
        info = next(name for name in archive.namelist() if name.endswith(".dist-info/WHEEL"))
        tags = Parser().parsestr(archive.read(info).decode())
        names = archive.namelist()
    assert tags.get_all("Tag") == ["py3-none-any"] and tags["Root-Is-Purelib"] == "true"
    assert not [name for name in names if name.endswith((".so", ".pyd", ".dll", ".dylib"))]
    assert "factorxl/udfs.py" in names


def test_the_wheel_carries_the_documentation(factorxl_wheel):
    from tests.conftest import REPO

    with zipfile.ZipFile(factorxl_wheel) as archive:
        names = set(archive.namelist())
        metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
        readme = Parser().parsestr(archive.read(metadata).decode()).get_payload()
    pages = {f"factorxl/docs/{path.name}" for path in (REPO / "factorxl" / "docs").glob("*.md")}
    assert len(pages) >= 9 and pages <= names
    assert readme.startswith("# factorxl") and "## Quick start" in readme  # `factorxl docs readme` reads it here


def test_runtime_requirements_exist_in_pyodide(factorxl_wheel):
    with zipfile.ZipFile(factorxl_wheel) as archive:
        metadata = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        requirements = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    runtime = [requirement for requirement in requirements if "extra ==" not in requirement]
    names = {re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower() for requirement in runtime}
    assert names == PYODIDE_PACKAGES
    assert not [requirement for requirement in runtime if ";" in requirement]  # no platform markers


def test_importing_the_functions_loads_no_workbook_or_command_line_tooling(factorxl_wheel, tmp_path):
    with zipfile.ZipFile(factorxl_wheel) as archive:
        archive.extractall(tmp_path / "wheel")
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import factorxl.udfs; "
        "print(json.dumps([factorxl.udfs.__file__, sorted(sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-I", "-c", script, str(tmp_path / "wheel")], capture_output=True, text=True, check=True)
    location, modules = json.loads(done.stdout)
    assert location.startswith(str(tmp_path / "wheel"))  # the wheel's code, not the checkout's
    loaded = [name for name in modules if any(name == tool or name.startswith(tool + ".") for tool in TOOLING)]
    assert loaded == []
    assert "scipy.optimize" not in modules and "clarabel" not in modules  # the optimizer loads them when it runs
    assert "factorxl.excel.single_factor" in modules  # the families did load
