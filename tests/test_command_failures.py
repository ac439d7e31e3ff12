"""Every failure path of every command (the table in docs/commands.md): its exit code and a
single line on stderr that says what went wrong and what to do; never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from factorxl import cli
from factorxl.exit_codes import ExitCode
from tests.refresh_books import build_workbook as build_test_book, generated_data


def _failure(capsys, argv: list[str]) -> tuple[int, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err  # one line, so never a traceback
    assert "Traceback" not in captured.err + captured.out
    return code, lines[0]


@pytest.fixture
def files(tmp_path):
    """A plain file, a folder, a text file named like a workbook, a workbook."""
    plain = tmp_path / "existing.txt"
    plain.write_text("not a folder")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    book = build_test_book(tmp_path / "book.xlsx", generated_data())
    return {"file": plain, "folder": tmp_path, "fake": fake, "book": book, "tmp": tmp_path}


# (argv with {placeholders}, exit code, words the one line must contain)
FAILURES = {
    "no command": ([], ExitCode.USAGE, ["required: COMMAND", "see factorxl --help"]),
    "unknown command": (["bulid"], ExitCode.USAGE, ["invalid choice: 'bulid'", "see factorxl --help"]),
    "build: unknown option": (["build", "--outdir", "x"], ExitCode.USAGE, ["unrecognized arguments: --outdir", "see factorxl build --help"]),
    "build: unknown workbook": (["build", "--only", "msft", "brk"], ExitCode.USAGE, ["invalid choice: 'brk'", "choose from"]),
    "build: no data folder": (["build", "--data", "{tmp}/nowhere", "--out", "{tmp}/out"], ExitCode.CANNOT, ["no such folder", "give the folder"]),
    "build: --out is a file": (["build", "--only", "minimodel", "--out", "{file}"], ExitCode.CANNOT, ["is a file", "--out takes a folder"]),
    "build: --out inside a file": (["build", "--only", "minimodel", "--out", "{file}/sub"], ExitCode.CANNOT, ["is a file", "--out takes a folder"]),
    "build: unknown vintage": (["build", "--data", "{data}", "--vintage", "v2099", "--out", "{tmp}/out"], ExitCode.CANNOT, ["--vintage v2099", "choose one of v202412, v202510"]),
    "build: vintage without data": (["build", "--vintage", "v202412"], ExitCode.CANNOT, ["add --data DIR"]),
    "refresh: no book": (["refresh"], ExitCode.USAGE, ["required: BOOK", "see factorxl refresh --help"]),
    "refresh: missing book": (["refresh", "{tmp}/missing.xlsx"], ExitCode.CANNOT, ["does not exist", "check the path"]),
    "refresh: a folder": (["refresh", "{folder}"], ExitCode.CANNOT, ["is a folder", "give the workbook file"]),
    "refresh: not a workbook": (["refresh", "{file}"], ExitCode.CANNOT, ["is not an Excel workbook"]),
    "refresh: a broken workbook": (["refresh", "{fake}"], ExitCode.CANNOT, ["not a valid .xlsx file", "save it again"]),
    "refresh: --out is a file": (["refresh", "{book}", "--out", "{file}"], ExitCode.CANNOT, ["is a file", "--out takes a folder"]),
    "refresh: --jobs 0": (["refresh", "{book}", "--jobs", "0"], ExitCode.USAGE, ["--jobs takes a whole number", "--help"]),
    "refresh: a book given twice": (["refresh", "{book}", "{book}"], ExitCode.USAGE, ["given twice", "--help"]),
    "data: unknown action": (["data", "fetch"], ExitCode.USAGE, ["invalid choice: 'fetch'", "see factorxl data --help"]),
    "data: --from nowhere": (["data", "update", "X", "--from", "{tmp}/nowhere", "--cache", "{tmp}/cache"], ExitCode.CANNOT, ["neither a folder nor an http"]),
    "share: --out is a file": (["share", "{book}", "--out", "{file}"], ExitCode.CANNOT, ["is a file", "--out takes a folder"]),
    "share: missing book": (["share", "{tmp}/missing.xlsx"], ExitCode.CANNOT, ["does not exist"]),
    "vba: --out is a file": (["vba", "--out", "{file}"], ExitCode.CANNOT, ["is a file", "--out takes a folder"]),
    "server: an option of init given to run": (["server", "run", "{tmp}", "--data", "{tmp}"], ExitCode.USAGE, ["--data does not apply to run"]),
    "server: no workers": (["server", "run", "{tmp}", "--workers", "0"], ExitCode.USAGE, ["--workers must be 1 or more"]),
    "setup: --xlstart is a file": (["setup", "--home", "{tmp}/home", "--xlstart", "{file}"], ExitCode.CANNOT, ["cannot use", "existing.txt"]),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failure_is_one_line_with_its_exit_code(case, files, shared_data, capsys, monkeypatch):
    argv, expected, words = FAILURES[case]
    monkeypatch.chdir(files["tmp"])
    values = {name: str(path) for name, path in files.items()} | {"data": str(shared_data)}
    code, line = _failure(capsys, [part.format(**values) for part in argv])
    assert code == expected
    assert line.startswith("factorxl"), line
    for word in words:
        assert word in line, line


def test_setup_off_windows_exits_not_here(capsys, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert cli.main(["setup"]) == ExitCode.NOT_HERE
    assert "xlwings Lite" in capsys.readouterr().out


def test_refresh_of_unevaluable_formulas_lists_them_under_one_line(tmp_path, capsys):
    import xlsxwriter

    book = tmp_path / "book.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    workbook.add_worksheet("S").write_formula("A1", "=NOSUCHFUNC(1)")
    workbook.close()
    assert cli.main(["refresh", str(book), "--quiet"]) == ExitCode.NOT_EVALUATED
    first, *listed = capsys.readouterr().err.splitlines()
    assert first.startswith("factorxl refresh: 1 formula(s) of") and first.endswith("nothing was written:")
    assert listed == [
        "  S!A1: =NOSUCHFUNC(1): unknown function NOSUCHFUNC: neither factorxl's nor an Excel function the refresh "
        "evaluates; if it is an Excel function, refresh the workbook in Excel"
    ]


def test_build_with_a_broken_template_exits_not_evaluated(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    from factorxl.workbooks import build, build_command
    from tests.test_build_command import _unevaluable_template

    monkeypatch.setitem(build.TEMPLATES, "minimodel", SimpleNamespace(FILE_NAME="Broken.xlsx", build=_unevaluable_template))
    assert cli.main(["build", "--only", "minimodel", "--out", str(tmp_path), "--quiet"]) == ExitCode.NOT_EVALUATED
    first, *listed = capsys.readouterr().err.splitlines()
    assert first.startswith("factorxl build: Broken.xlsx: 1 formulas did not evaluate") and len(listed) == 1
    assert list(tmp_path.iterdir()) == [] and build_command.WORKBOOKS


def test_an_internal_error_is_one_line_asking_for_a_report(capsys, monkeypatch):
    from factorxl.integration import vba_command

    def broken(args):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(vba_command, "run", broken)
    code, line = _failure(capsys, ["vba"])
    assert code == ExitCode.INTERNAL
    assert line == f"factorxl vba: internal error (TypeError: unsupported operand); please report it with the command you ran and factorxl {__import__('factorxl').__version__}"


def test_ctrl_c_is_one_line(capsys, monkeypatch):
    from factorxl.integration import vba_command

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(vba_command, "run", interrupted)
    code, line = _failure(capsys, ["vba"])
    assert code == ExitCode.INTERRUPTED and "stopped" in line


def _replaced_by_an_import_error(args):
    """NumPy 1.26 interrupted while it is imported: a C extension prints the interrupt's traceback
    (PyErr_Print, through sys.excepthook) and raises an ImportError with no link to it."""
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        sys.excepthook(*sys.exc_info())
    raise ImportError("numpy.core.multiarray failed to import")


def _swallowed_in_a_callback(args):
    """Ctrl+C during a finalizer or weak-reference callback (importlib's module locks have one):
    the interrupt is printed through sys.unraisablehook and the command goes on."""

    class Finalized:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)

    Finalized()
    return 0


@pytest.mark.parametrize("library", [_replaced_by_an_import_error, _swallowed_in_a_callback])
def test_ctrl_c_that_a_library_replaces_or_swallows_is_one_line_and_exit_130(capsys, monkeypatch, library):
    """They printed a traceback, then ``internal error (ImportError: Error importing numpy ...)`` with
    exit 70, or the command's output with exit 0."""
    from factorxl.integration import vba_command

    monkeypatch.setattr(vba_command, "run", library)
    hooks = (signal.getsignal(signal.SIGINT), sys.excepthook, sys.unraisablehook)
    code, line = _failure(capsys, ["vba"])
    assert (code, line) == (ExitCode.INTERRUPTED, f"factorxl vba: {STOPPED.strip()}")
    assert (signal.getsignal(signal.SIGINT), sys.excepthook, sys.unraisablehook) == hooks  # put back as they were


STOPPED = "stopped (Ctrl+C); nothing half-written was left behind\n"


def _interrupt_when(argv: list[str], ready) -> subprocess.CompletedProcess:
    """Run ``factorxl argv`` in its own process and send it SIGINT (Ctrl+C) as soon as ``ready(pid)``.

    The process starts with Ctrl+C's default action, as from a terminal: a test run started in
    the background of a script (CI) has SIGINT ignored, which its processes would inherit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "factorxl.cli", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not ready(process.pid):
        assert process.poll() is None and time.monotonic() < deadline, "the command ended before the moment came"
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _loading_numpy(pid: int) -> bool:
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="sees the modules a process loads through /proc (Linux)")
def test_ctrl_c_while_a_command_imports_its_modules_is_one_line_and_exit_130(tmp_path):
    """SIGINT once NumPy is loaded, while pandas is being imported: it printed a traceback of 40 lines."""
    stopped = _interrupt_when(["data", "list", "--cache", str(tmp_path)], _loading_numpy)
    assert (stopped.returncode, stopped.stderr, stopped.stdout) == (ExitCode.INTERRUPTED, f"factorxl data: {STOPPED}", "")


class _Trickle(BaseHTTPRequestHandler):
    """Sends a file's first bytes, then waits: a download in progress."""

    def do_GET(self) -> None:
        self.server.asked.set()
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"PK\x03\x04")
        self.wfile.flush()
        time.sleep(30)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_ctrl_c_during_a_download_is_one_line_and_leaves_nothing(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    httpd.daemon_threads = True
    httpd.asked = threading.Event()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{httpd.server_address[1]}/"
        cache = tmp_path / "cache"
        argv = ["data", "update", "F-F_Momentum_Factor", "--cache", str(cache), "--from", address]
        stopped = _interrupt_when(argv, lambda pid: httpd.asked.wait(0.01) and any(cache.glob(".*.part")))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (stopped.returncode, stopped.stderr) == (ExitCode.INTERRUPTED, f"factorxl data: {STOPPED}")
    assert list(cache.iterdir()) == []  # the partial download is removed


def test_a_real_process_shows_no_traceback(tmp_path):
    """The installed entry point, not only main(): exit code and stderr of a separate process."""
    plain = tmp_path / "existing.txt"
    plain.write_text("x")
    process = subprocess.run(
        [sys.executable, "-m", "factorxl.cli", "build", "--only", "minimodel", "--out", str(plain)],
        capture_output=True, text=True, timeout=120,
    )
    assert process.returncode == ExitCode.CANNOT
    assert process.stderr.count("\n") == 1 and "Traceback" not in process.stderr


def test_the_docs_table_lists_every_exit_code():
    text = (Path(__file__).resolve().parents[1] / "factorxl" / "docs" / "commands.md").read_text()
    for code in ExitCode:
        assert f"| {code.value} |" in text, code


def test_setup_on_windows_without_pywin32_says_how_to_install_it(capsys, monkeypatch):
    import importlib.util

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "win32com" else object())
    code, line = _failure(capsys, ["setup"])
    assert code == ExitCode.CANNOT
    assert line == "factorxl setup: pywin32 is missing: run `python -m pip install pywin32`, then setup again"


def test_help_lists_the_exit_codes(capsys):
    assert cli.main(["build", "--help"]) == ExitCode.DONE
    out = " ".join(capsys.readouterr().out.split())
    assert all(f"{code.value} " in out for code in ExitCode) and "(factorxl docs commands)" in out


def test_every_command_has_rows_in_the_failure_table():
    text = (Path(__file__).resolve().parents[1] / "factorxl" / "docs" / "commands.md").read_text()
    table = text[text.index("## Failure paths") :]
    for command in cli.COMMANDS:
        assert f"| `{command}` |" in table, command
