"""Downloads that must be refused: zip bombs and a trickling server, against a loopback server.

Serves, from 127.0.0.1, (1) a ZIP of 1.5 GB of zeros (about 1.5 MB compressed), (2) a ZIP of
1.1 GB of well-formed monthly rows (about 3 MB compressed), (3) a ZIP of 79 MB of rows of 38
values each (0.3 MB compressed: within the byte and line bounds, 36 million values, which would
take 1.7 GB to parse), (4) a ZIP of 300,000 tables of one value each (8 KB: within the byte, line
and value bounds; about an hour of work to build them), (5) a ZIP of one table of 4 million
columns (8.8 MB: 8 million values, within the value bound; about 12 GB as a table), (6) an example
CSV of 25 MB whose header has 2.5 million columns (a MemoryError once) and (7) a server that
sends one byte every 2 s. Each download runs in a fresh Python process, which reports its wall
time, its peak memory (ru_maxrss) and the error; the cache folder must be empty afterwards.

Usage: ``python benchmarks/bench_download_bounds.py``. Targets: each bomb refused within 5 s and
300 MB of memory, nothing cached; the trickle cut off at the overall deadline (set to 10 s here).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import chain, repeat
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME = "F-F_Research_Data_Factors_CSV.zip"
EXAMPLE_NAME = "FactorModels_data2.csv"
CHILD = """
import json, resource, sys, time
from pathlib import Path
from factorxl.data import DataSource, example_files, french
from factorxl.errors import FactorxlError
url, cache, deadline = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
started = time.perf_counter()
try:
    source = DataSource(cache_dir=cache, french_url=url, ug54_url=url, deadline=deadline, timeout=5)
    if url.rstrip("/").endswith("example"):
        example_files.load_msft(source=source)
    else:
        french.load_factors("CAPM", "monthly", source=source)
    error = None
except FactorxlError as exc:
    error = str(exc)
print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "error": error, "cached": sorted(p.name for p in cache.iterdir())}))
"""


class Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/trickle/"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(2)
        else:
            super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """The client hangs up on purpose."""


def write_zip(path: Path, pieces: Iterable[bytes]) -> int:
    """A library-like ZIP whose one CSV is ``pieces``, written piece by piece (this process stays small,
    and a child's peak memory, which Linux carries over from the process that starts it, is its own)."""
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("F-F_Research_Data_Factors.csv", "w", force_zip64=True) as member:
            for piece in pieces:
                member.write(piece)
                size += len(piece)
    return size


def write_bomb(path: Path, line: bytes, size: int) -> None:
    chunk = line * ((1 << 24) // len(line))
    write_zip(path, repeat(chunk, size // len(chunk)))


def names(prefix: str, count: int, step: int = 100_000) -> Iterator[bytes]:
    """``,P0,P1,...``: ``count`` column names, each after a comma, in pieces."""
    for start in range(0, count, step):
        yield "".join(f",{prefix}{i}" for i in range(start, min(count, start + step))).encode()


def run(url: str, folder: Path, deadline: float = 300.0) -> dict:
    cache = Path(tempfile.mkdtemp(dir=folder))
    out = subprocess.run([sys.executable, "-c", CHILD, url, str(cache), str(deadline)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bombs = (
            ("zeros", b"\0", 1_500_000_000),
            ("rows", b"202401,   1.00,   2.00,   3.00,   0.40\r\n", 1_100_000_000),
            ("values", b"199001" + b",1" * 38 + b"\n", 79_000_000),
        )
        for sub, line, size in bombs:
            (folder / sub).mkdir()
            write_bomb(folder / sub / NAME, line, size)
            print(f"{sub}: {(folder / sub / NAME).stat().st_size / 1e6:.2f} MB download, {size / 1e9:.2f} GB inside")
        columns = 3_999_990  # with the row's values, 8 million: just within the value bound
        texts = {
            "tables": [b",A\n1900,1\n" * 300_000],
            "columns": chain(names("P", columns), [b"\n190001", b",1" * columns, b"\n"]),
        }
        for sub, pieces in texts.items():
            (folder / sub).mkdir()
            size = write_zip(folder / sub / NAME, pieces)
            print(f"{sub}: {(folder / sub / NAME).stat().st_size / 1e6:.3f} MB download, {size / 1e6:.1f} MB inside")
        (folder / "example").mkdir()
        with open(folder / "example" / EXAMPLE_NAME, "wb") as example:
            example.writelines(chain([b"date"], names("col", 2_500_000), [b"\n"]))
        print(f"example: {(folder / 'example' / EXAMPLE_NAME).stat().st_size / 1e6:.1f} MB download, a header of 2.5 million columns")
        httpd = Server(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        cases = [(sub, 300.0) for sub in ("zeros", "rows", "values", *texts, "example")] + [("trickle", 10.0)]
        for sub, deadline in cases:
            result = run(f"{base}/{sub}/", folder, deadline)
            print(f"\n{sub}: refused after {result['seconds']:.2f} s, peak memory {result['peak_mb']:.0f} MB, cached {result['cached']}")
            print(f"  {result['error'][:220]}")
        httpd.shutdown()


if __name__ == "__main__":
    main()
