"""xlwings Server serving factorxl, started for tests and benchmarks, and called as Office.js calls it.

:class:`RunningServer` makes a project with ``factorxl server init``, starts it with ``factorxl
server run`` on 127.0.0.1 on a free port, and stops it by its process id. :func:`office_js_body`
is the request the add-in's ``custom-functions-code.js`` posts: every argument a matrix, empty
cells ``""``, an omitted argument ``null``, an error value ``{"type": "Error", ...}``, dates as
serial numbers, whole numbers as JSON integers (as ``JSON.stringify`` writes them).
:func:`asgi_call` makes a request to an ASGI app in the test's own process.
"""

from __future__ import annotations

import asyncio
import datetime
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from factorxl.excel.inputs import EXCEL_ERRORS
from factorxl.server.project import SERVER_MODULES

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
ERROR_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null", "#NUM!": "Num", "#REF!": "Ref", "#VALUE!": "Value"}
CALL_PATH = "/xlwings/custom-functions-call"
META_PATH = "/xlwings/custom-functions-meta.json"
CODE_PATH = "/xlwings/custom-functions-code.js"


def server_installed() -> bool:
    """Whether the ``server`` extra is installed."""
    return all(find_spec(name) is not None for name in SERVER_MODULES)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def office_js_cell(value: Any) -> Any:
    """One cell as Office.js sends it."""
    if value is None:
        return ""
    if isinstance(value, (datetime.datetime, datetime.date)):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        return (value - EXCEL_EPOCH) / datetime.timedelta(days=1)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)  # JSON.stringify writes a whole number below 1e21 in digits: 12 is "12", 1e20 is "100000000000000000000"
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return {"type": "Error", "basicType": "Error", "basicValue": value, "errorType": ERROR_TYPES.get(value, "Value")}
    return value


def office_js_argument(value: Any) -> Any:
    """An argument as xlwings passes it (scalar, flat list, rows; ``None`` omitted) as Office.js sends it.

    A flat list goes as a column: xlwings Server hands a one-row matrix over as a flat list and
    factorxl's server reading turns a one-column matrix into one, so the function gets the same list.
    """
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return [[office_js_cell(value)]]
    if value and isinstance(value[0], (list, tuple)):
        return [[office_js_cell(c) for c in row] for row in value]
    return [[office_js_cell(c)] for c in value]


def office_js_body(name: str, arguments: list[Any]) -> bytes:
    """The JSON the add-in posts to ``/xlwings/custom-functions-call`` for ``=name(arguments)``."""
    return json.dumps(
        {
            "client": "Office.js",
            "func_name": name,
            "args": [office_js_argument(a) for a in arguments],
            "caller_address": "[Book1.xlsx]Sheet1!B2",
            "session_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "culture_info_name": "en-US",
            "date_format": "m/d/yyyy",
            "version": "0.37.8",
            "runtime": "1.4",
        },
        allow_nan=False,
    ).encode()


async def asgi_call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, chunk: int = 65536
) -> tuple[int, dict[str, str], bytes]:
    """An HTTP request made to the ASGI ``app`` in this process (a JSON body unless ``headers``
    say otherwise), the body in pieces of ``chunk`` bytes as an HTTP server hands it over; the
    status, headers and body of the response."""
    fields = {"host": "127.0.0.1", "content-type": "application/json", "content-length": str(len(body)), **(headers or {})}
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": [(key.encode(), value.encode()) for key, value in fields.items()],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body[i : i + chunk], "more_body": i + chunk < len(body)} for i in range(0, len(body), chunk)]
    messages = messages or [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await answered.wait()  # as an HTTP server: the client is there until it has the response
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()

    await app(scope, receive, send)
    start = sent[0]
    response_headers = {key.decode().lower(): value.decode() for key, value in start.get("headers", [])}
    return start["status"], response_headers, b"".join(m.get("body", b"") for m in sent[1:])


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RunningServer:
    """``factorxl server run`` on 127.0.0.1 on a free port; a context manager that stops it by its id."""

    def __init__(self, project: Path, workers: int, log: Path, timeout: float = 90.0) -> None:
        self.port = free_port()
        self.project = project
        self.workers = workers
        self.log = log
        env = {**os.environ, "XLWINGS_LICENSE_KEY": os.environ.get("XLWINGS_LICENSE_KEY", "noncommercial")}
        command = [sys.executable, "-m", "factorxl.cli", "server", "run", str(project), "--port", str(self.port), "--workers", str(workers)]
        with open(log, "wb") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        answered = 0
        while answered < 4 * self.workers or len(self.worker_pids()) < self.workers:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped (exit {self.process.returncode}):\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.log.read_text()[-3000:]}")
            try:
                status, _ = self.get(META_PATH)
                answered += status == 200
            except OSError:
                time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The worker processes (children of gunicorn's arbiter)."""
        try:
            return [int(p) for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]
        except OSError:
            return []

    def cpu_seconds(self) -> float:
        """CPU seconds the workers have used so far."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes]:
        connection = self.connection()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post(self, body: bytes, connection: http.client.HTTPConnection | None = None) -> tuple[int, Any]:
        """POST a custom-function call; the status and the result (HTTP 200) or the error text."""
        own = connection is None
        connection = connection or self.connection()
        try:
            connection.request("POST", CALL_PATH, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            content = response.read()
        finally:
            if own:
                connection.close()
        return response.status, json.loads(content)["result"] if response.status == 200 else content.decode()

    def call(self, name: str, arguments: list[Any]) -> tuple[int, Any]:
        return self.post(office_js_body(name, arguments))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_project(folder: Path, *options: str) -> Path:
    """``factorxl server init FOLDER OPTIONS`` (xlwings' noncommercial key unless one is set); the folder."""
    env = {**os.environ, "XLWINGS_LICENSE_KEY": os.environ.get("XLWINGS_LICENSE_KEY", "noncommercial")}
    command = [sys.executable, "-m", "factorxl.cli", "server", "init", str(folder), *options]
    subprocess.run(command, env=env, check=True, capture_output=True)
    return folder
