"""The benchmark scripts as a user starts them: their usage, and a usage error for what they do not know."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_bench_callpath_says_its_usage_and_refuses_a_function_it_does_not_time():
    """--help ran the whole benchmark and crashed on an empty table (max() of no ratios), as any unknown name did."""
    usage = _run("benchmarks/bench_callpath.py", "--help")
    assert usage.returncode == 0 and usage.stdout.startswith("usage: bench_callpath.py [-h] [NAME ...]"), usage.stderr
    unknown = _run("benchmarks/bench_callpath.py", "FACTOR_BETAX")
    assert unknown.returncode == 2 and "error: not a timed worksheet function: FACTOR_BETAX; choose from APPRAISAL_RATIO" in unknown.stderr
    assert "Traceback" not in usage.stderr + unknown.stderr
