"""A ready xlwings Server project serving factorxl's functions, and the line that starts it.

``xlwings-server init`` lays out the project (its layout follows the installed xlwings Server);
:func:`init_project` then wires factorxl's functions into ``custom_functions``, sets where the
data functions find their files, and writes a production ``.env``: the licence key, the
``prod`` environment, an empty function namespace (Excel shows ``=FACTOR_BETA``, not
``=XLWINGS.FACTOR_BETA``) and no socket.io (factorxl has no streaming functions, and socket.io
would need a message queue across workers). :func:`start_command` is the production start line;
:func:`server_advice` what a data function's cell says to do, on such a server, about a data
file it cannot have.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from factorxl.errors import FactorxlError

if TYPE_CHECKING:
    from factorxl.data.sources import DataUnavailable

EXTRA = 'pip install "factorxl[server]"'
LICENCE_NOTE = (
    "xlwings Server and the xlwings PRO code it runs on are free for noncommercial use only (PolyForm "
    "Noncommercial License 1.0.0, key noncommercial); commercial use needs a paid xlwings licence key"
)
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SERVER_MODULES = ("xlwings_server", "orjson", "gunicorn", "uvicorn_worker")
"""What the ``server`` extra installs that serving imports."""
APP = "factorxl.server.app:app"
"""The ASGI app the workers serve: xlwings Server's, as :mod:`factorxl.server.app` makes it."""

FUNCTIONS_PACKAGE = '''\
"""factorxl's worksheet functions, served by this xlwings Server project (written by factorxl server init)."""

from pathlib import Path

from factorxl.server.functions import *  # noqa: F401,F403 - every factorxl worksheet function, under its own name
from factorxl.server.functions import use_data_folder

# FF_DATA and FF_FACTORS: {data_comment}
use_data_folder({data_folder}{offline})
'''

SETTINGS = {
    "XLWINGS_ENVIRONMENT": '"prod"',
    "XLWINGS_FUNCTIONS_NAMESPACE": '""',
    "XLWINGS_ENABLE_SOCKETIO": "false",
    "XLWINGS_ENABLE_HOTRELOAD": "false",
}


def server_advice(error: DataUnavailable) -> str:
    """What to do about a data file the server cannot have, for someone in Excel: ask the
    server's administrator, and what the administrator does on the server.

    Files are looked for at every call (a recalculation finds a file put there meanwhile); the
    vintage is set where the project sets the data folder, read when the server starts.
    """
    from factorxl.excel.data_functions import data_source

    ask = "Ask the administrator of the factorxl server to"
    download = f" (download it from {error.url})" if error.url else ""
    vintage = "the vintage given to use_data_folder in the server project's custom_functions/__init__.py"
    return {
        "missing": f"{ask} put {error.name} in its data folder (subfolders are searched){download}, then recalculate.",
        "wrong_vintage": f"{ask} set {vintage} to a folder that has it ({', '.join(error.vintages)}) and restart the server.",
        "ambiguous": f"{ask} set {vintage} to the folder of the copy to use ({', '.join(error.vintages)}) and restart the server.",
        "no_address": f"{ask} copy it into {error.cache_dir} on the server, then recalculate.",
        "download": f"Recalculate later, or ask the administrator of the factorxl server to put {error.name}{download} into "
        f"{data_source().cache_dir} on the server, then recalculate.",
    }[error.kind]


def require_server() -> None:
    """Raise with the install line when xlwings Server (the ``server`` extra) is not installed."""
    missing = [name for name in SERVER_MODULES if find_spec(name) is None]
    if missing:
        raise FactorxlError(f"xlwings Server is not installed ({', '.join(missing)} missing); run {EXTRA}")


def _set(env: str, key: str, value: str, comment: str = "") -> str:
    """``env`` (a .env file's text) with ``key=value``, replacing the key's line, commented out or not."""
    line = f"{comment}{key}={value}"
    pattern = re.compile(rf"^#?\s*{key}=.*$", re.M)
    if pattern.search(env):
        return pattern.sub(lambda _: line, env, count=1)
    return f"{env.rstrip()}\n\n{line}\n"


def init_project(folder: Path, license_key: str, data: Path | None = None, vintage: str | None = None) -> None:
    """Make an xlwings Server project in ``folder`` (new or empty) serving every factorxl function.

    Parameters
    ----------
    folder
        The project folder.
    license_key
        xlwings' licence key, written to ``.env`` (``noncommercial`` for noncommercial use only).
    data
        A folder holding the Kenneth French files (offline: nothing is downloaded); default the
        project's ``data`` folder as the download cache.
    vintage
        With ``data``: the subfolder whose copy of a Kenneth French file to read (``v202510``).

    Raises
    ------
    FactorxlError
        When xlwings Server is not installed, ``folder`` is a file or not empty, or no key is given.
    """
    require_server()
    if vintage and data is None:
        raise FactorxlError("--vintage goes with --data: it picks among the copies of a file in that folder")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FactorxlError(f"{folder} is not an empty folder; give a new or empty folder for the project")
    if not license_key.strip() or "\n" in license_key or '"' in license_key:
        raise FactorxlError(f"--license-key {license_key!r} is not a licence key; {LICENCE_NOTE}")
    done = subprocess.run(
        [sys.executable, "-m", "xlwings_server.cli", "init", str(folder)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise FactorxlError(f"xlwings-server init {folder} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    functions = folder / "custom_functions"
    (functions / "functions.py").unlink(missing_ok=True)  # xlwings Server's sample function
    if data is None:
        (folder / "data").mkdir(exist_ok=True)
        text = FUNCTIONS_PACKAGE.format(
            data_comment="the Kenneth French files, downloaded into the project's data folder when first asked for",
            data_folder='Path(__file__).resolve().parent.parent / "data"',
            offline="",
        )
    else:
        text = FUNCTIONS_PACKAGE.format(
            data_comment="the Kenneth French files, read from this folder (nothing is downloaded)",
            data_folder=f"Path({str(data.resolve())!r})",
            offline=", offline=True" + (f", vintage={vintage!r}" if vintage else ""),
        )
    (functions / "__init__.py").write_text(text)
    env_path = folder / ".env"
    env = env_path.read_text()
    env = _set(env, "XLWINGS_LICENSE_KEY", f'"{license_key.strip()}"', comment=f"# {LICENCE_NOTE}.\n")
    for key, value in SETTINGS.items():
        env = _set(env, key, value)
    env_path.write_text(env)


@dataclass(frozen=True)
class StartCommand:
    """The production start line: gunicorn with uvicorn workers, each on its own port socket."""

    argv: list[str]
    environment: dict[str, str]

    def shell_line(self) -> str:
        """The line to type (or put in a service definition)."""
        settings = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.environment.items())
        return f"{settings} {shlex.join(['gunicorn', *self.argv[3:]])}"


def start_command(
    folder: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> StartCommand:
    """The command that serves the project in ``folder``.

    ``workers`` processes (default one per CPU) each run the app with one BLAS thread (the
    workers, not BLAS, use the cores). The workers share one listening socket, so a new
    connection goes to a worker free to accept it: a busy worker's computation holds its
    interpreter, and an idle one answers first (2.0x one worker's calls a second with two, where
    ``--reuse-port``, which spreads connections by a hash of their addresses, gave 1.35x).
    """
    folder = folder.resolve()
    argv = [
        sys.executable, "-m", "gunicorn", APP,
        "--worker-class", "uvicorn_worker.UvicornWorker",
        "--workers", str(workers or os.cpu_count() or 1),
        "--bind", f"{host}:{port}",
        "--chdir", str(folder),
    ]  # fmt: skip
    if certfile or keyfile:
        if not (certfile and keyfile):
            raise FactorxlError("--certfile and --keyfile go together: give both for HTTPS")
        argv += ["--certfile", str(certfile.resolve()), "--keyfile", str(keyfile.resolve())]
    environment = {"XLWINGS_PROJECT_DIR": str(folder), **dict.fromkeys(BLAS_THREADS, "1")}
    return StartCommand(argv, environment)


def check_project(folder: Path) -> None:
    """Raise when ``folder`` is not a project that serves factorxl's functions."""
    if not (folder / "custom_functions" / "__init__.py").is_file():
        raise FactorxlError(
            f"{folder} is not an xlwings Server project (no custom_functions package); make one with factorxl server init {folder}"
        )
