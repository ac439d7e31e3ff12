"""What a Pyodide release runs factorxl's worksheet functions on, read from its ``pyodide-lock.json``.

``python3 .ci/pyodide_pins.py python LOCK`` prints the release's Python version (3.14.2);
``python3 .ci/pyodide_pins.py pins LOCK`` prints pip constraints, one ``name==version`` a line, for
every package of the lock file that factorxl's runtime requirements (pyproject.toml) reach through
the lock file's own dependencies. A requirement the lock file does not carry (xlwings, which
xlwings Lite brings itself) is left to pip.
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def normalized(name: str) -> str:
    """A distribution name as the lock file keys it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> list[str]:
    """The names of factorxl's runtime requirements."""
    requirements = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return [normalized(re.match(r"[A-Za-z0-9_.-]+", requirement)[0]) for requirement in requirements]


def pinned_packages(lock: dict) -> dict[str, str]:
    """name -> version for every lock-file package the runtime requirements reach."""
    packages = lock["packages"]
    reached: dict[str, str] = {}
    waiting = runtime_requirements()
    while waiting:
        name = waiting.pop()
        if name in reached or name not in packages:
            continue
        reached[name] = packages[name]["version"]
        waiting.extend(normalized(dependency) for dependency in packages[name]["depends"])
    return dict(sorted(reached.items()))


def main(what: str, lock_path: str) -> None:
    lock = json.loads(Path(lock_path).read_text())
    if what == "python":
        print(lock["info"]["python"])
    elif what == "pins":
        print("\n".join(f"{name}=={version}" for name, version in pinned_packages(lock).items()))
    else:
        raise SystemExit(f"usage: {sys.argv[0]} python|pins LOCK")


if __name__ == "__main__":
    main(*sys.argv[1:])
