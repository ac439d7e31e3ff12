"""Every third-party package factorxl imports is declared in pyproject.toml: the runtime ones
for the worksheet functions, the [workbooks] extra for building and refreshing workbooks, the
[server] extra for serving the functions with xlwings Server; and every name a module imports, it
uses."""

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


def _unused_imports(path) -> list[str]:
    """Names a module imports at its top and never refers to (an import kept for its effect says
    so with ``# noqa``; a name in ``__all__`` is exported)."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    imported = {
        (alias.asname or alias.name).split(".")[0]: node.lineno
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "module", None) != "__future__"
        for alias in node.names
    }
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    exported = {
        element.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
        for element in getattr(node.value, "elts", [])
        if isinstance(element, ast.Constant)
    }
    return [name for name, line in imported.items() if name not in used | exported and "noqa" not in lines[line - 1]]


def test_every_module_uses_what_it_imports():
    unused = {path.relative_to(REPO).as_posix(): names for path in sorted((REPO / "factorxl").rglob("*.py")) if (names := _unused_imports(path))}
    assert not unused
