"""factorxl's wheel installed by micropip in Pyodide, the Python xlwings Lite runs, under Node.js.

The Pyodide release is the one in ``.ci/pyodide-version`` (npm package ``pyodide``, installed with
npm into a folder under the system's temporary folder, kept between runs). Its npm package carries
the runtime and ``pyodide-lock.json``, not the packages the lock file lists: micropip comes from
PyPI at the lock file's version (Pyodide's own copy of that release is built separately and is not
on any registry reached here), and numpy, pandas, scipy, statsmodels and clarabel cannot be had in
their WebAssembly builds. So the wheel is installed without its dependencies (``deps=False``, as
xlwings Lite leaves them to Pyodide) and what needs no dependency is checked: the files, the
metadata, the modules that import nothing compiled, and that importing the functions stops only
at a dependency the wheel declares. The functions' numbers on the lock file's versions are the
Pyodide-versions run of ``.ci/run`` (``.ci/pyodide-suite``). Skipped without ``node`` and ``npm``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import factorxl
from tests.conftest import REPO

pytest_plugins = ["tests.factorxl_wheel"]  # the factorxl_wheel fixture, shared with the wheel test
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="Node.js and npm are not installed"
)

PYODIDE_VERSION = (REPO / ".ci" / "pyodide-version").read_text().strip()
PROVIDED_BY_LITE = {"xlwings"}  # xlwings Lite brings its own xlwings; Pyodide has no build of it

# Node: load Pyodide, unpack micropip's wheel into site-packages, micropip.install factorxl's wheel
# from its file URL without dependencies, then run CHECKS in Pyodide and print what it returns.
NODE_SCRIPT = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [pyodideModule, micropipWheel, wheel, checks] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(pyodideModule).href);
const pyodide = await loadPyodide();
pyodide.unpackArchive(new Uint8Array(readFileSync(micropipWheel)), "wheel");
const micropip = pyodide.pyimport("micropip");
await micropip.install.callKwargs(pathToFileURL(wheel).href, { deps: false });
console.log(await pyodide.runPythonAsync(readFileSync(checks, "utf8")));
"""

CHECKS = """
import hashlib, importlib, importlib.metadata, json, sys
distribution = importlib.metadata.distribution("factorxl")
installed = {str(file): hashlib.sha256(file.read_binary()).hexdigest() for file in distribution.files
             if not str(file).endswith((".pyc", "/RECORD", "/INSTALLER"))}
import factorxl, factorxl.errors, factorxl.exit_codes
pure = {"version": factorxl.__version__, "error_is_value_error": issubclass(factorxl.errors.FactorxlError, ValueError),
        "compiled_loaded": sorted(name for name in ("numpy", "pandas", "scipy", "statsmodels", "clarabel") if name in sys.modules)}
try:
    importlib.import_module("factorxl.udfs")
    missing = None
except ModuleNotFoundError as error:
    missing = error.name
json.dumps({"python": sys.version.split()[0], "version": distribution.version,
            "installer": distribution.read_text("INSTALLER").strip(), "requires": distribution.requires,
            "installed": installed, "pure": pure, "missing": missing})
"""


def _cached(folder: Path, command) -> Path:
    """``folder``, made once by ``command(staging)`` (the command line that fills a staging folder,
    renamed into place once it succeeded), then kept for later runs."""
    if not folder.exists():
        staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            done = subprocess.run(command(staging), capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{' '.join(command(staging))}:\n{done.stderr[-3000:]}"
            staging.rename(folder)
        except OSError:
            if not folder.exists():  # not another run's folder, renamed in first
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


@pytest.fixture(scope="module")
def pyodide_package() -> Path:
    """The npm package ``pyodide`` at the pinned version."""
    folder = Path(tempfile.gettempdir()) / f"factorxl-pyodide-{PYODIDE_VERSION}"
    _cached(folder, lambda staging: [
        "npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(staging), f"pyodide@{PYODIDE_VERSION}",
    ])  # fmt: skip
    return folder / "node_modules" / "pyodide"


@pytest.fixture(scope="module")
def lock(pyodide_package) -> dict:
    return json.loads((pyodide_package / "pyodide-lock.json").read_text())


@pytest.fixture(scope="module")
def micropip_wheel(pyodide_package, lock) -> Path:
    """micropip's pure-Python wheel from PyPI, at the version the lock file names."""
    version = lock["packages"]["micropip"]["version"]
    python = ".".join(lock["info"]["python"].split(".")[:2])
    folder = pyodide_package.parent.parent / f"micropip-{version}"
    _cached(folder, lambda staging: [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
        "--python-version", python, "--dest", str(staging), f"micropip=={version}",
    ])  # fmt: skip
    (wheel,) = folder.glob("micropip-*.whl")
    return wheel


@pytest.fixture(scope="module")
def in_pyodide(pyodide_package, micropip_wheel, factorxl_wheel, tmp_path_factory) -> dict:
    """What CHECKS finds in Pyodide after micropip installed the wheel."""
    folder = tmp_path_factory.mktemp("pyodide")
    (folder / "install.mjs").write_text(NODE_SCRIPT)
    (folder / "checks.py").write_text(CHECKS)
    done = subprocess.run(
        ["node", str(folder / "install.mjs"), str(pyodide_package / "pyodide.mjs"), str(micropip_wheel),
         str(factorxl_wheel), str(folder / "checks.py")],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wheel_metadata(wheel: Path) -> tuple[dict[str, str], list[str]]:
    """The wheel's files (path -> sha256, as installed) and its Requires-Dist lines."""
    with zipfile.ZipFile(wheel) as archive:
        files = {
            name: hashlib.sha256(archive.read(name)).hexdigest()
            for name in archive.namelist()
            if not name.endswith(("/RECORD", "/"))
        }
        metadata = next(name for name in files if name.endswith(".dist-info/METADATA"))
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    return files, requires


def test_pyodide_runs_the_python_of_its_lock_file(in_pyodide, lock):
    assert in_pyodide["python"] == lock["info"]["python"]


def test_micropip_installs_every_file_of_the_wheel_unchanged(in_pyodide, factorxl_wheel):
    files, _ = _wheel_metadata(factorxl_wheel)
    assert in_pyodide["installed"] == files
    assert "factorxl/udfs.py" in in_pyodide["installed"]


def test_the_installed_metadata_is_the_wheels(in_pyodide, factorxl_wheel):
    _, requires = _wheel_metadata(factorxl_wheel)
    assert in_pyodide["installer"] == "micropip"
    assert in_pyodide["version"] == factorxl.__version__
    assert in_pyodide["requires"] == requires


def test_pure_modules_import_without_numpy(in_pyodide):
    assert in_pyodide["pure"] == {"version": factorxl.__version__, "error_is_value_error": True, "compiled_loaded": []}


def test_importing_the_functions_stops_only_at_a_declared_dependency(in_pyodide, factorxl_wheel):
    # without numpy and the others, the import fails at one of the wheel's runtime requirements,
    # never at a module the wheel forgot to declare or to include
    _, requires = _wheel_metadata(factorxl_wheel)
    runtime = {canonicalize_name(Requirement(line).name) for line in requires if "extra ==" not in line}
    assert in_pyodide["missing"] is not None
    assert canonicalize_name(in_pyodide["missing"].split(".")[0]) in runtime


def test_every_runtime_requirement_is_in_the_lock_file_at_an_accepted_version(factorxl_wheel, lock):
    # what micropip resolves from Pyodide's own builds when xlwings Lite installs factorxl with its dependencies
    _, requires = _wheel_metadata(factorxl_wheel)
    runtime = [Requirement(line) for line in requires if "extra ==" not in line]
    unmet = {}
    for requirement in runtime:
        name = canonicalize_name(requirement.name)
        if name in PROVIDED_BY_LITE:
            continue
        version = lock["packages"].get(name, {}).get("version")
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet[str(requirement)] = version
    assert unmet == {}


def test_the_setup_page_quotes_the_tested_versions(lock):
    # factorxl/docs/excel_setup.md names the Pyodide release and the versions the Pyodide-versions run tests
    text = " ".join((REPO / "factorxl" / "docs" / "excel_setup.md").read_text().split())
    start = text.index("**Versions.**")
    versions = text[start : text.index("###", start)]
    python = ".".join(lock["info"]["python"].split(".")[:2])
    quoted = [f"Pyodide {PYODIDE_VERSION}", f"Python {python}", f"CPython {python}"]
    quoted += [f"{name} {lock['packages'][name]['version']}" for name in ("numpy", "pandas", "scipy", "statsmodels", "clarabel")]
    assert [phrase for phrase in quoted if phrase not in versions] == []
