"""The install steps of docs/excel_setup.md, followed literally in a fresh virtual environment.

The steps are read from the documentation (the block between the ``install-steps`` markers),
so the test follows whatever the documentation says. On Linux, ``factorxl-env\\Scripts\\``
becomes ``factorxl-env/bin/``; ``<factorxl>`` is a factorxl wheel, one of the two things the
documentation allows, built once per session from a copy of this checkout (installing the
checkout itself would build the same wheel inside it, in its ``build/`` folder). The
dependencies come from PyPI; pip does not byte-compile them (``PIP_COMPILE=0``), which
halves the install time and changes nothing else. Set ``FACTORXL_SKIP_INSTALL_TEST=1`` to skip it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from factorxl.exit_codes import ExitCode

from tests.conftest import REPO

pytest_plugins = ["tests.factorxl_wheel"]  # the factorxl_wheel fixture, shared with the wheel test
pytestmark = pytest.mark.skipif(
    os.environ.get("FACTORXL_SKIP_INSTALL_TEST") == "1", reason="FACTORXL_SKIP_INSTALL_TEST=1"
)

STEPS = re.compile(r"<!-- install-steps.*?-->\n```bat\n(.*?)```\n<!-- end install-steps -->", re.S)


def _steps() -> list[str]:
    (block,) = STEPS.findall((REPO / "factorxl" / "docs" / "excel_setup.md").read_text())
    return block.strip().splitlines()


def _run(line: str, cwd, factorxl: Path | None = None) -> subprocess.CompletedProcess:
    if factorxl is not None:
        line = line.replace("<factorxl>", shlex.quote(str(factorxl)))
    if sys.platform != "win32":
        line = line.replace("factorxl-env\\Scripts\\", "factorxl-env/bin/")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_COMPILE"] = "0"  # pip install --no-compile: Python compiles what it imports anyway
    command = shlex.split(line, posix=sys.platform != "win32")
    if command[0] == "python":
        command[0] = sys.executable  # "python" is the Python the user installs with
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def followed(tmp_path_factory, factorxl_wheel):
    """Every documented step's result, run in order in an empty folder."""
    folder = tmp_path_factory.mktemp("user")
    results = []
    for line in _steps():
        results.append((line, _run(line, folder, factorxl_wheel)))
        if results[-1][1].returncode not in (ExitCode.DONE, ExitCode.NOT_HERE):  # setup off Windows: not here
            break
    return folder, results


def test_the_documented_steps_are_the_ones_this_test_follows():
    steps = _steps()
    assert steps[0] == "python -m venv factorxl-env"
    assert steps[1] == r"factorxl-env\Scripts\python -m pip install <factorxl>"
    assert [s.split()[0] for s in steps[2:]] == [r"factorxl-env\Scripts\python", *[r"factorxl-env\Scripts\factorxl"] * 2]


def test_install_and_first_function_call(followed):
    _, results = followed
    for line, result in results[:3]:
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    # the printed beta against numpy's least squares with an intercept
    x = np.array([0.012, 0.018, -0.008, 0.001])
    y = np.array([0.01, 0.02, -0.01, 0.0])
    slope = np.linalg.lstsq(np.column_stack([np.ones(4), x]), y, rcond=None)[0][1]
    assert float(results[2][1].stdout) == pytest.approx(slope, rel=1e-12)


def test_setup_commands_run_from_the_new_environment(followed, tmp_path):
    folder, results = followed
    assert len(results) == len(_steps())
    dry_run, setup = results[3][1], results[4][1]
    if sys.platform == "win32":
        assert dry_run.returncode == 0 and "wrote nothing" in dry_run.stdout
        return
    # off Windows both explain xlwings Lite; with a Windows profile folder, the plan is shown
    for result in (dry_run, setup):
        assert result.returncode == ExitCode.NOT_HERE and "xlwings Lite" in result.stdout and not result.stderr
    plan = _run(rf"factorxl-env\Scripts\factorxl setup --dry-run --home {tmp_path}", folder)
    assert plan.returncode == 0, plan.stderr
    interpreter = folder / "factorxl-env" / "bin" / "python"
    assert f'"INTERPRETER_WIN","{interpreter}"\n"UDF MODULES","factorxl.udfs"' in plan.stdout
    assert "xlwings.xlam (create)" in plan.stdout and not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("command", "missing"),
    [("build --only minimodel", "schedula"), ("refresh book.xlsx", "threadpoolctl"), ("share book.xlsx", "schedula")],
)
def test_a_runtime_only_install_says_how_to_add_the_workbook_tools(followed, command, missing):
    """The documented install has no workbook tools: build, refresh and share say which install adds them."""
    folder, _ = followed
    book = folder / "book.xlsx"
    book.write_bytes(b"a workbook the command must not touch")
    result = _run(rf"factorxl-env\Scripts\factorxl {command}", folder)
    python = folder / "factorxl-env" / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    assert result.returncode == ExitCode.CANNOT, result.stderr
    assert result.stderr == (
        f"factorxl {command.split()[0]}: this command needs factorxl's workbook tools, which this Python does not have "
        f"(no module named {missing!r}); install factorxl[workbooks]: {python} -m pip install \"factorxl[workbooks]\"\n"
    )
    assert book.read_bytes() == b"a workbook the command must not touch"
    assert not (folder / "factorxl-workbooks").exists()

