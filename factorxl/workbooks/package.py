"""Reading an .xlsx/.xlsm package a user hands us, with bounded work.

A workbook is a zip package of XML parts; any of them may be hostile (a small file that
inflates to gigabytes, entity declarations that expand exponentially) or broken (a
corrupted member, an encrypted workbook, which Excel saves as an OLE compound file).
:class:`Package` refuses each case with a one-line :class:`~factorxl.errors.FactorxlError`
before the work grows: the sizes the zip directory declares are checked before anything
is read (reads stop at the declared size, and a part that inflates to more fails its
checksum), and each part's inflated bytes are checked again; XML parts with a document
type declaration (the only place entities can be declared) are refused; worksheets are
counted before they are parsed (:data:`Limits.cells`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from factorxl.errors import FactorxlError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of an OLE compound file: an encrypted workbook, or an old binary .xls."""

MB = 1024 * 1024
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class Limits:
    """How much a refresh reads before refusing a package.

    Attributes
    ----------
    part_bytes : int
        Largest uncompressed size of one part (a worksheet, the shared strings...).
    package_bytes : int
        Largest uncompressed size of all parts together.
    cells : int
        Most cells in all worksheets together.
    members : int
        Most members in the package.
    """

    part_bytes: int = 100 * MB
    package_bytes: int = 400 * MB
    cells: int = 2_000_000
    members: int = 10_000


DEFAULT_LIMITS = Limits()


class Package:
    """A workbook package opened for bounded reading; use as a context manager."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        with open(self.path, "rb") as stream:
            signature = stream.read(len(OLE_SIGNATURE))
        if signature == OLE_SIGNATURE:
            raise FactorxlError(
                f"{self.path} is encrypted (password-protected) or an old binary workbook: open it in Excel, "
                "remove the password (File > Info > Protect Workbook) or save it as .xlsx, and refresh that file"
            )
        try:
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise FactorxlError(f"{self.path} is not a valid {self.path.suffix} file (it is not a zip package: {error})") from None
        infos = self.archive.infolist()
        if len(infos) > limits.members:
            self.close()
            raise FactorxlError(f"{self.path} has {len(infos):,} parts; a workbook has at most {limits.members}")
        declared = sum(info.file_size for info in infos)
        largest = max(infos, key=lambda info: info.file_size, default=None)
        if declared > limits.package_bytes or (largest is not None and largest.file_size > limits.part_bytes):
            self.close()
            raise FactorxlError(
                f"{self.path} inflates to {declared // MB:,} MB (the part {largest.filename}: {largest.file_size // MB:,} MB); "
                f"the refresh reads at most {limits.part_bytes // MB} MB a part and {limits.package_bytes // MB} MB in all"
            )
        self.names = {info.filename for info in infos}

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    def read(self, name: str) -> bytes:
        """One part, inflated up to the part limit.

        (zipfile stops at the size the directory declares, which was checked; the limit is
        checked again on the bytes inflated.)
        """
        limit = self.limits.part_bytes
        try:
            with self.archive.open(name) as stream:
                data = stream.read(limit + 1)
        except KeyError:
            raise FactorxlError(f"{self.path} has no part {name}: the package is incomplete") from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as error:
            raise FactorxlError(f"{self.path}: the part {name} is corrupted ({error}); open the file in Excel and save it again") from None
        if len(data) > limit:
            raise FactorxlError(
                f"{self.path}: the part {name} inflates to more than {limit // MB} MB; the refresh refuses it "
                "(a workbook this large, or a compressed bomb)"
            )
        return data

    def read_xml(self, name: str) -> bytes:
        """An XML part, refused when it declares a document type (entities could expand without bound)."""
        data = self.read(name)
        text = data.decode("utf-16", errors="replace").encode() if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data
        if _DECLARATION.search(text):
            raise FactorxlError(f"{self.path}: the part {name} declares a document type or entities, which workbooks never do; the refresh refuses it")
        return data
