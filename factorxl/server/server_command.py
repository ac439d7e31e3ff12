"""``factorxl server``: make an xlwings Server project serving factorxl's functions, and start it.

``factorxl server init FOLDER`` makes the project and prints the line that starts it;
``factorxl server run FOLDER`` starts it (the same line). Exit codes
(:class:`factorxl.exit_codes.ExitCode`): 0 done; 2 a wrong command line; 3 xlwings Server not
installed, a folder in the way, no licence key; 5 ``run`` on Windows, where gunicorn does not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from factorxl.exit_codes import ExitCode

INIT_ONLY = ("license_key", "data", "vintage")
RUN_ONLY = ("host", "port", "workers", "certfile", "keyfile")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "action",
        choices=("init", "run"),
        help="init: make an xlwings Server project in FOLDER that serves every factorxl function; run: start it",
    )
    parser.add_argument("folder", metavar="FOLDER", help="the project folder (init: a new or empty folder)")
    parser.add_argument(
        "--license-key",
        metavar="KEY",
        help="init: xlwings' licence key (default $XLWINGS_LICENSE_KEY); noncommercial for noncommercial use only",
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="init: read the Kenneth French files from this folder, never download (default: download them into "
        "FOLDER/data when first asked for)",
    )
    parser.add_argument(
        "--vintage", metavar="NAME", help="init, with --data: the subfolder whose copy of a file to read (v202510)"
    )
    parser.add_argument("--host", help="run: the address to listen on (default 127.0.0.1, behind an HTTPS proxy)")
    parser.add_argument("--port", type=int, help="run: the port (default 8000)")
    parser.add_argument("--workers", type=int, help="run: worker processes (default one per CPU)")
    parser.add_argument("--certfile", metavar="FILE", help="run: TLS certificate, for HTTPS without a proxy")
    parser.add_argument("--keyfile", metavar="FILE", help="run: TLS private key, with --certfile")


def run(args: argparse.Namespace) -> int:
    """Make or start the project; returns the exit code (``run`` does not return: the server replaces it)."""
    from factorxl.errors import FactorxlError
    from factorxl.server import project

    unrelated = [name for name in (RUN_ONLY if args.action == "init" else INIT_ONLY) if getattr(args, name) is not None]
    if unrelated:
        option = "--" + unrelated[0].replace("_", "-")
        print(f"factorxl server: {option} does not apply to {args.action}; see factorxl server --help", file=sys.stderr)
        return ExitCode.USAGE
    if args.workers is not None and args.workers < 1:
        print("factorxl server: --workers must be 1 or more; see factorxl server --help", file=sys.stderr)
        return ExitCode.USAGE
    folder = Path(args.folder)
    if args.action == "init":
        key = args.license_key or os.environ.get("XLWINGS_LICENSE_KEY")
        if not key:
            raise FactorxlError(f"give xlwings' licence key with --license-key KEY; {project.LICENCE_NOTE}")
        project.init_project(folder, key, Path(args.data) if args.data else None, args.vintage)
        start = project.start_command(folder)
        print(f"factorxl server: made an xlwings Server project serving {_count()} functions in {folder.resolve()}")
        print(f"start it with:\n  factorxl server run {folder}\nwhich runs:\n  {start.shell_line()}")
        return ExitCode.DONE
    project.require_server()
    project.check_project(folder)
    start = project.start_command(
        folder,
        args.host or "127.0.0.1",
        args.port or 8000,
        args.workers,
        Path(args.certfile) if args.certfile else None,
        Path(args.keyfile) if args.keyfile else None,
    )
    if sys.platform == "win32":
        print(
            "factorxl server: gunicorn does not run on Windows; start the server there with "
            f"uvicorn {project.APP} --workers {args.workers or os.cpu_count()} (one BLAS thread each: "
            "set OPENBLAS_NUM_THREADS=1), in the project folder, behind a balancing HTTPS proxy",
            file=sys.stderr,
        )
        return ExitCode.NOT_HERE
    print(start.shell_line(), flush=True)
    os.execve(start.argv[0], start.argv, {**os.environ, **start.environment})
    return ExitCode.INTERNAL  # not reached: execve replaces this process or raises OSError


def _count() -> int:
    import factorxl.udfs  # noqa: F401 - declares every function
    from factorxl.excel.declare import FUNCTIONS

    return len(FUNCTIONS)
