"""Every third-party package factorxl imports is declared in pyproject.toml: the runtime ones
for the worksheet functions, the [workbooks] extra for building and refreshing workbooks, the
[server] extra for serving the functions with xlwings Server."""

from __future__ import annotations

import ast
import sys
import tomllib

from tests.conftest import REPO

# import name -> distribution name, where they differ
DISTRIBUTIONS = {"xlsxwriter": "XlsxWriter", "yaml": "PyYAML", "xlwings_server": "xlwings-server"}
WORKBOOK_PACKAGES = ("factorxl/workbooks", "factorxl/cli.py")
SERVER_PACKAGE = "factorxl/server"


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"factorxl", "__future__"}


def _declared(requirements: list[str]) -> set[str]:
    names = set()
    for requirement in requirements:
        name = requirement.split(";")[0].split("[")[0]
        for separator in "<>=!~ ":
            name = name.split(separator)[0]
        names.add(name.strip().lower())
    return names


def test_every_imported_package_is_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    workbooks = runtime | _declared(project["optional-dependencies"]["workbooks"])
    server = runtime | _declared(project["optional-dependencies"]["server"])
    missing = []
    for path in sorted((REPO / "factorxl").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        allowed = workbooks if relative.startswith(WORKBOOK_PACKAGES) else server if relative.startswith(SERVER_PACKAGE) else runtime
        for module in _imports(path):
            if DISTRIBUTIONS.get(module, module).lower() not in allowed:
                missing.append((relative, module))
    assert not missing
