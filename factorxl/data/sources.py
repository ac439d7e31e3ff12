"""Where data files come from: a per-user download cache or a local folder.

Every dataset factorxl loads is one file with a fixed name (for example
``F-F_Research_Data_Factors_daily_CSV.zip``). A :class:`DataSource` turns that
name into a path on disk, in one of two modes:

* **online** (``local_dir`` is ``None``): the file is read from the cache folder
  (:func:`default_cache_dir`); when it is not there yet it is downloaded once,
  over HTTPS, into the cache;
* **offline** (``local_dir`` set, the command line's ``--data DIR``): the file is
  searched for by name anywhere below ``local_dir``; nothing is downloaded and
  the cache is not used.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPException
from pathlib import Path
from typing import IO

from factorxl import __version__
from factorxl.errors import FactorxlError

FRENCH_URL = "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
"""Folder of the Kenneth R. French data library's ZIP files."""

UG54_URL = "https://raw.githubusercontent.com/amoreira2/UG54/refs/heads/main/assets/data/"
"""Folder of the course's CSV files (GitHub ``amoreira2/UG54``)."""

_CHUNK = 1 << 16
_LOOPBACK_NAMES = frozenset({"localhost"})


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


_OPENER = urllib.request.build_opener(_CheckedRedirects)


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
        Folder addresses of the Kenneth French library and of the course files.
    fin418_url : str or None
        Folder address of a CSV copy of ``df_WarrenBAndCathieW_monthly.csv``.
        ``None`` (default): there is no public CSV, so the file must be in the
        cache or in ``local_dir``.
    timeout : float
        Seconds to wait for the server (connecting, and each read).
    max_bytes : int
        Largest file accepted; a larger download is abandoned.
    """

    cache_dir: Path = field(default_factory=default_cache_dir)
    local_dir: Path | None = None
    vintage: str | None = None
    french_url: str = FRENCH_URL
    ug54_url: str = UG54_URL
    fin418_url: str | None = None
    timeout: float = 30.0
    max_bytes: int = 50_000_000

    def path(
        self, name: str, base_url: str | None, *, subfolder: str | None = None, hint: str = ""
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
        self._download(url, cached)
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

    def _download(self, url: str, target: Path) -> None:
        """Download ``url`` to ``target`` atomically (temporary file, then rename)."""
        check_url(url)
        def failed(problem: str) -> DataUnavailable:
            return DataUnavailable("download", target.name, problem, url=url)

        request = urllib.request.Request(url, headers={"User-Agent": f"factorxl/{__version__}"})
        target.parent.mkdir(parents=True, exist_ok=True)
        part: Path | None = None
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                header = response.headers.get("Content-Length", "")
                length = int(header) if header.isdigit() else None
                if length is not None and length > self.max_bytes:
                    raise failed(self._too_large(url))
                with tempfile.NamedTemporaryFile(
                    dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
                ) as out:
                    part = Path(out.name)
                    size = 0
                    while chunk := response.read(_CHUNK):
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise failed(self._too_large(url))
                        out.write(chunk)
                if length is not None and size != length:
                    raise failed(f"downloading {url} failed: the connection closed after {size:,} of {length:,} bytes.")
            os.replace(part, target)
            part = None
        except urllib.error.HTTPError as exc:
            raise failed(f"downloading {url} failed: HTTP {exc.code} {exc.reason}.") from exc
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise failed(f"downloading {url} failed: {reason}.") from exc
        finally:
            if part is not None:
                part.unlink(missing_ok=True)

    def _too_large(self, url: str) -> str:
        return f"downloading {url} stopped: the file is larger than {self.max_bytes:,} bytes, the most factorxl accepts."
