"""Where data files come from: a per-user download cache or a local folder.

Every dataset factorxl loads is one file with a fixed name (for example
``F-F_Research_Data_Factors_daily_CSV.zip``). A :class:`DataSource` turns that
name into a path on disk, in one of two modes:

* **online** (``local_dir`` is ``None``): the file is read from the cache folder
  (:func:`default_cache_dir`); when it is not there yet it is downloaded once,
  over HTTPS, into the cache. A download is checked (readable, the expected
  layout) before it is stored, and a small ``<name>.source.json`` beside it
  records where and when it was fetched and the vintage line it carries;
* **offline** (``local_dir`` set, the command line's ``--data DIR``): the file is
  searched for by name anywhere below ``local_dir``; nothing is downloaded and
  the cache is not used.
"""

from __future__ import annotations

import datetime as dt
import errno
import ipaddress
import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPException, IncompleteRead
from pathlib import Path
from typing import IO

from factorxl import __version__
from factorxl.errors import FactorxlError, printable, reason

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
"""Folder of the Kenneth R. French data library's ZIP files."""

UG54_URL = "https://raw.githubusercontent.com/amoreira2/UG54/refs/heads/main/assets/data/"
"""Folder of the worked examples' CSV files (Alan Moreira's GitHub ``amoreira2/UG54``)."""

_CHUNK = 1 << 16
_LOOPBACK_NAMES = frozenset({"localhost"})

MAX_UNZIPPED_BYTES = 80_000_000
"""Longest CSV text accepted inside a Kenneth French ZIP (the daily 100 portfolios, the largest
files, are about 50 MB)."""

MAX_LINES = 1_000_000
"""Most lines accepted in one Kenneth French CSV (a daily table has about 26,000 rows)."""

MAX_VALUES = 8_000_000
"""Most values (commas) accepted in one Kenneth French CSV: the daily 100 portfolios have about
5.2 million; parsing 8 million takes about 300 MB of memory."""

MAX_TABLES = 100
"""Most tables accepted in one Kenneth French CSV (the portfolio files have up to about 20; building
one costs a few milliseconds however small it is)."""

MAX_COLUMNS = 5_000
"""Most columns accepted in all the tables of one Kenneth French CSV (the 100 portfolio sorts
have 100 in each of about 10 tables); reading a table costs time for each of its columns."""

SIDECAR_SUFFIX = ".source.json"
"""Suffix of the file beside each cached file that records its address, fetch time and vintage."""

Validator = Callable[[Path, "DataSource"], "str | None"]
"""Checks a downloaded file (raising FactorxlError when it is not usable); returns its vintage line."""


def default_cache_dir() -> Path:
    """The per-user download cache folder.

    Returns
    -------
    pathlib.Path
        ``$FACTORXL_CACHE`` when set; otherwise ``%LOCALAPPDATA%\\factorxl\\cache``
        on Windows, ``~/Library/Caches/factorxl`` on macOS and
        ``$XDG_CACHE_HOME/factorxl`` (default ``~/.cache/factorxl``) elsewhere.
        The folder is created when the first file is downloaded.
    """
    configured = os.environ.get("FACTORXL_CACHE")
    if configured:
        return Path(configured).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "factorxl" / "cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "factorxl"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "factorxl"


def check_url(url: str) -> None:
    """Refuse any address that is not HTTPS (plain HTTP only to this computer).

    Parameters
    ----------
    url : str
        The address about to be opened (also every redirect target).

    Raises
    ------
    FactorxlError
        When the scheme is not ``https``, except ``http`` to a loopback address
        (``localhost``, ``127.0.0.0/8``, ``::1``), which local test servers use.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return
    raise FactorxlError(
        f"refusing to download from {url!r}: factorxl only downloads over https:// "
        "(plain http:// is allowed only to this computer, e.g. http://127.0.0.1)"
    )


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to addresses :func:`check_url` accepts."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        """Check ``newurl`` with :func:`check_url`, then redirect as usual."""
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_DOWNLOAD = threading.local()


class _TrackedConnections:
    """Records every connection a download opens, so that its overall deadline can cut them."""

    def do_open(self, http_class: type, req: urllib.request.Request, **kwargs: object) -> object:
        """Open as usual, through connections recorded in the current download's list."""

        def connection(*args: object, **options: object) -> object:
            opened = http_class(*args, **options)
            getattr(_DOWNLOAD, "connections", []).append(opened)
            return opened

        return super().do_open(connection, req, **kwargs)  # type: ignore[misc]


class _TrackedHTTP(_TrackedConnections, urllib.request.HTTPHandler):
    """Plain HTTP (loopback only, see :func:`check_url`) with recorded connections."""


class _TrackedHTTPS(_TrackedConnections, urllib.request.HTTPSHandler):
    """HTTPS with recorded connections."""


_OPENER = urllib.request.build_opener(_CheckedRedirects, _TrackedHTTP, _TrackedHTTPS)


@contextmanager
def _cut_off_after(seconds: float) -> Iterator[None]:
    """Within the block, every connection opened is shut down once ``seconds`` have passed, which
    ends a read in progress however slowly the server sends (status line, headers or body)."""
    connections: list = []
    _DOWNLOAD.connections = connections

    def cut() -> None:
        for connection in connections:
            if connection.sock is not None:
                try:
                    connection.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        _DOWNLOAD.connections = []


class DataUnavailable(FactorxlError):
    """A data file that cannot be had: what went wrong, and advice that depends on where the user is.

    ``str(error)`` gives the problem with advice for Python code (:func:`python_advice`); the
    worksheet functions and the command line say the same problem with advice that applies
    there, via :meth:`with_advice`.

    Parameters
    ----------
    kind : str
        ``"missing"`` (not in the offline folder), ``"wrong_vintage"`` (only in other vintage
        folders), ``"ambiguous"`` (several copies), ``"no_address"`` (not cached, no download
        address) or ``"download"`` (the download failed).
    name : str
        The file's name.
    problem : str
        What went wrong, as a sentence.
    url : str or None
        Where the file can be downloaded.
    hint : str
        A sentence about this file (how to get it when it is not downloadable).
    vintages : tuple of str
        The folders holding the copies that exist.
    cache_dir : Path or None
        The download cache folder (``"no_address"``).
    """

    def __init__(
        self,
        kind: str,
        name: str,
        problem: str,
        *,
        url: str | None = None,
        hint: str = "",
        vintages: tuple[str, ...] = (),
        cache_dir: Path | None = None,
    ) -> None:
        self.kind, self.name, self.problem, self.url, self.hint = kind, name, problem, url, hint
        self.vintages, self.cache_dir = vintages, cache_dir
        super().__init__(self.with_advice(python_advice(self)))

    def with_advice(self, advice: str) -> str:
        """The problem, the file's hint and ``advice``, as one message."""
        return " ".join(part for part in (self.problem, self.hint, advice) if part)


def python_advice(error: DataUnavailable) -> str:
    """What to do about ``error`` in Python code that builds a :class:`DataSource`."""
    download = f" (download it from {error.url})" if error.url else ""
    return {
        "missing": f"Put {error.name} in the local_dir folder (subfolders are searched){download}.",
        "wrong_vintage": f"Choose a vintage that has it: DataSource(vintage=...) with one of {', '.join(error.vintages)}.",
        "ambiguous": f"Choose one by its folder: DataSource(vintage=...) with one of {', '.join(error.vintages)}.",
        "no_address": f"Copy it into {error.cache_dir}, or read it from a folder with DataSource(local_dir=...).",
        "download": f"To work offline, download {error.name}{download} yourself and read it with DataSource(local_dir=...).",
    }[error.kind]


def command_line_advice(error: DataUnavailable, folder_option: str) -> str:
    """What to do about ``error`` on the command line, where ``folder_option`` (``--data`` for
    ``factorxl build``, ``--from`` for ``factorxl data update``) names a folder to read files from."""
    download = f"; it can be downloaded from {error.url}" if error.url else ""
    return {
        "missing": f"Put {error.name} in the {folder_option} folder (subfolders are searched){download}.",
        "wrong_vintage": f"Choose a vintage that has it with --vintage ({', '.join(error.vintages)}).",
        "ambiguous": f"Choose one with --vintage ({', '.join(error.vintages)}).",
        "no_address": f"Put the file in a folder (subfolders are searched) and pass that folder with {folder_option} DIR.",
        "download": f"Check the internet connection and run the command again, or download {error.name} yourself "
        f"and pass its folder with {folder_option} DIR.",
    }[error.kind]


@dataclass(frozen=True)
class DataSource:
    """Where factorxl finds its data files, and how it downloads them.

    Parameters
    ----------
    cache_dir : pathlib.Path
        Download cache (online mode). Default :func:`default_cache_dir`.
    local_dir : pathlib.Path or None
        Offline mode when set: files are searched for by name anywhere below
        this folder (flat, or laid out in subfolders); nothing is downloaded.
    vintage : str or None
        Offline mode: the name of the subfolder (e.g. ``"v202412"``) whose copy
        of a Kenneth French file to use when ``local_dir`` holds several copies.
        Ignored online: the library only serves its latest files.
    french_url, ug54_url : str
        Folder addresses of the Kenneth French library and of the worked examples' files.
    fin418_url : str or None
        Folder address of a CSV copy of ``df_WarrenBAndCathieW_monthly.csv``.
        ``None`` (default): there is no public CSV, so the file must be in the
        cache or in ``local_dir``.
    timeout : float
        Seconds to wait for the server (connecting, and each read).
    deadline : float
        Seconds a whole download may take, however the server trickles its data.
    max_bytes : int
        Largest file accepted (after any gzip transfer encoding is undone); a
        larger download is abandoned.
    max_unzipped_bytes, max_lines, max_values, max_tables, max_columns : int
        Bounds on the CSV inside a Kenneth French ZIP once decompressed, and on its tables
        (see :func:`factorxl.data.french.read_french_zip`).
    """

    cache_dir: Path = field(default_factory=default_cache_dir)
    local_dir: Path | None = None
    vintage: str | None = None
    french_url: str = FRENCH_URL
    ug54_url: str = UG54_URL
    fin418_url: str | None = None
    timeout: float = 30.0
    deadline: float = 300.0
    max_bytes: int = 50_000_000
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
    max_lines: int = MAX_LINES
    max_values: int = MAX_VALUES
    max_tables: int = MAX_TABLES
    max_columns: int = MAX_COLUMNS

    def path(
        self,
        name: str,
        base_url: str | None,
        *,
        subfolder: str | None = None,
        hint: str = "",
        validate: Validator | None = None,
    ) -> Path:
        """The local path of data file ``name``, downloading it if needed.

        Parameters
        ----------
        name : str
            File name, identical in the cache, in ``local_dir`` and at the source.
        base_url : str or None
            Folder address the file is downloaded from (``base_url + name``);
            ``None`` when it cannot be downloaded.
        subfolder : str or None
            Offline mode: keep only copies inside a folder of this name.
        hint : str
            Sentence added to the error when the file cannot be found.
        validate : callable or None
            Checks a download before it is stored (see :data:`Validator`).

        Returns
        -------
        pathlib.Path
            An existing file.

        Raises
        ------
        FactorxlError
            When the file is missing offline, ambiguous, or cannot be downloaded.
        """
        url = base_url.rstrip("/") + "/" + urllib.parse.quote(name) if base_url else None
        if self.local_dir is not None:
            return self._find_local(name, url, subfolder, hint)
        cached = Path(self.cache_dir) / name
        if cached.is_file():
            return cached
        if url is None:
            raise DataUnavailable(
                "no_address", name, f"{name} is not in the cache folder {self.cache_dir} and has no download address.",
                hint=hint, cache_dir=Path(self.cache_dir),
            )
        try:
            self.download(url, cached, validate)
        except FactorxlError as error:
            raise DataUnavailable("download", name, str(error), url=url) from error
        return cached

    def _find_local(self, name: str, url: str | None, subfolder: str | None, hint: str) -> Path:
        root = Path(self.local_dir)
        if not root.is_dir():
            raise FactorxlError(f"the data folder {root} does not exist (looking for {name})")
        found = sorted(p for p in root.rglob(name) if p.is_file())
        chosen = [p for p in found if not subfolder or subfolder in p.relative_to(root).parts[:-1]]
        if len(chosen) == 1:
            return chosen[0]
        copies = ", ".join(str(p.relative_to(root)) for p in found) or "none"
        folders = tuple(p.parent.name for p in found)
        if not chosen:
            where = f" in a folder named {subfolder!r}" if subfolder else ""
            raise DataUnavailable(
                "wrong_vintage" if found else "missing", name,
                f"{name} was not found{where} under the data folder {root} (copies found: {copies}).",
                url=url, hint="" if found else hint, vintages=folders,
            )
        raise DataUnavailable(
            "ambiguous", name, f"{name} exists {len(chosen)} times under the data folder {root} ({copies}).",
            vintages=folders,
        )

    def download(self, url: str, target: Path, validate: Validator | None = None) -> None:
        """Download ``url`` to ``target``: checked first, then renamed into place.

        The body is written to a temporary file beside ``target`` (a gzip
        ``Content-Encoding`` is undone while it arrives), within :attr:`max_bytes`
        and :attr:`deadline`; ``validate`` then reads it, and only a file it
        accepts replaces ``target``, with its ``.source.json`` record. On any
        failure nothing is left behind and an existing ``target`` is unchanged.

        Raises
        ------
        FactorxlError
            Naming the address and what went wrong (where the download was asked for says
            what to do about it: :class:`DataUnavailable`).
        """
        check_url(url)
        self._store(lambda out: self._fetch(url, out), target, url, validate, f"downloading {url}")

    def import_file(self, path: Path, target: Path, validate: Validator | None = None) -> None:
        """Copy a local file into the cache as :meth:`download` stores a download (checked, then renamed)."""

        def copy(out: IO[bytes]) -> None:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, out)

        self._store(copy, target, str(Path(path).resolve()), validate, f"reading {path}")

    def _store(
        self,
        fill: Callable[[IO[bytes]], None],
        target: Path,
        origin: str,
        validate: Validator | None,
        action: str,
    ) -> None:
        """Write a temporary file with ``fill``, check it, then rename it and its record into place."""
        target.parent.mkdir(parents=True, exist_ok=True)
        sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
        part: Path | None = None
        try:
            with tempfile.NamedTemporaryFile(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
            ) as out:
                part = Path(out.name)
                fill(out)
            try:
                vintage = validate(part, self) if validate else None
            except FactorxlError as exc:
                reason = str(exc).replace(str(part), target.name).replace(part.name, target.name)  # not the temporary name
                raise FactorxlError(
                    f"{action} gave a file factorxl cannot use, so it was not stored: {reason}."
                ) from exc
            record = {
                "url": origin,
                "fetched": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "bytes": part.stat().st_size,
                "vintage": vintage,
            }
            part_record = part.with_name(part.name + SIDECAR_SUFFIX)
            part_record.write_text(json.dumps(record, indent=1), encoding="utf-8")
            os.replace(part, target)
            part = None
            os.replace(part_record, sidecar)
        finally:
            if part is not None:
                part.with_name(part.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
                part.unlink(missing_ok=True)

    def _fetch(self, url: str, out: IO[bytes]) -> None:
        """Stream ``url`` into ``out`` within the size limit and the overall deadline."""
        request = urllib.request.Request(
            url, headers={"User-Agent": f"factorxl/{__version__}", "Accept-Encoding": "gzip, identity"}
        )
        started = time.monotonic()

        def remaining() -> float:
            left = self.deadline - (time.monotonic() - started)
            if left <= 0:
                raise FactorxlError(
                    f"downloading {url} stopped: it took longer than {self.deadline:g} s, the most factorxl waits."
                )
            return left

        try:
            with _cut_off_after(self.deadline), _OPENER.open(request, timeout=self.timeout) as response:
                header = response.headers.get("Content-Length", "")
                length = int(header) if header.isdigit() else None
                encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding not in ("identity", "gzip", "x-gzip"):
                    raise FactorxlError(f"downloading {url} failed: unsupported Content-Encoding {encoding!r}.")
                gunzip = zlib.decompressobj(wbits=31) if encoding != "identity" else None
                if gunzip is None and length is not None and length > self.max_bytes:
                    raise self._too_large(url)
                received = written = 0
                while True:
                    chunk = response.read1(_CHUNK)
                    remaining()  # a read ended by the deadline says so
                    if not chunk:
                        break
                    received += len(chunk)
                    if gunzip is not None:
                        chunk = gunzip.decompress(chunk, self.max_bytes + 1 - written)
                        if gunzip.unconsumed_tail:
                            raise self._too_large(url)
                    written += len(chunk)
                    if written > self.max_bytes:
                        raise self._too_large(url)
                    out.write(chunk)
                if length is not None and received != length:
                    raise FactorxlError(
                        f"downloading {url} failed: the connection closed after {received:,} "
                        f"of {length:,} bytes."
                    )
                if gunzip is not None and not gunzip.eof:
                    raise FactorxlError(f"downloading {url} failed: the gzip-encoded answer is incomplete.")
        except urllib.error.HTTPError as exc:
            raise FactorxlError(
                f"downloading {url} failed: the server answered HTTP {exc.code} {printable(str(exc.reason))}."
            ) from exc
        except zlib.error as exc:
            raise FactorxlError(f"downloading {url} failed: the gzip-encoded answer is damaged ({exc}).") from exc
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            remaining()  # a read cut short by the overall deadline says so
            raise FactorxlError(f"downloading {url} failed: {connection_problem(url, exc, self.timeout)}.") from exc

    def _too_large(self, url: str) -> FactorxlError:
        return FactorxlError(
            f"downloading {url} stopped: the file is larger than {self.max_bytes:,} bytes, the most factorxl accepts."
        )



_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def connection_problem(url: str, error: BaseException, timeout: float) -> str:
    """What a failed connection to ``url`` means, in plain words.

    Parameters
    ----------
    url : str
        The address being downloaded.
    error : BaseException
        What ``urllib`` raised (a ``URLError`` wrapping the system's error, or the error itself).
    timeout : float
        The seconds waited for an answer.

    Returns
    -------
    str
        The common failures named as such, with the server's name: a name that was not found
        (no internet connection, or a wrong address), a refused connection, no answer in time, no
        route to the network, a certificate that cannot be checked, a connection broken off;
        anything else as the system words it.
    """
    host = urllib.parse.urlsplit(url).hostname or url
    wrapped = getattr(error, "reason", None)
    cause = wrapped if isinstance(wrapped, BaseException) else error
    if isinstance(cause, socket.gaierror):
        return f"could not reach {host}: the name was not found (no internet connection, or a wrong address)"
    if isinstance(cause, ConnectionRefusedError):
        return f"could not reach {host}: it refused the connection (no server answers at that address)"
    if isinstance(cause, TimeoutError):
        return f"{host} did not answer within {timeout:g} s"
    if isinstance(cause, OSError) and cause.errno in _NO_ROUTE:
        return f"could not reach {host}: there is no network route to it (no internet connection?)"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return (
            f"could not check the identity of {host} ({getattr(cause, 'verify_message', None) or reason(cause)}); "
            "on a network that inspects secure connections, that network's certificate must be installed for Python"
        )
    if isinstance(cause, (ConnectionError, IncompleteRead)):
        return f"the connection to {host} was broken off before the file arrived"
    return reason(cause)
