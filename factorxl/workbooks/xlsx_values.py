"""Cached values of formula cells, written at the XML level of an .xlsx/.xlsm package.

Only the ``<v>`` value and the ``t`` value type of the cells given are rewritten, in
the worksheet parts that hold them; every other byte of those parts, and every other
member of the package (styles, charts, defined names, ``vbaProject.bin``, dynamic-array
metadata...), is copied unchanged. The new package is written to a temporary file in
the destination's folder and moved over the destination with :func:`os.replace`, so
an interrupted write leaves the destination as it was.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from factorxl.errors import FactorxlError
from factorxl.workbooks.package import Package
from factorxl.workbooks.references import cell_name, cell_position
from factorxl.workbooks.workbook_cells import ExcelError, Position, Value

CLEARED = object()
"""The value of a cell whose cached value is removed (a spill cell a dynamic array no longer covers)."""


def position(reference: str) -> Position:
    """``"C12"`` -> ``(12, 3)``."""
    try:
        return cell_position(reference)
    except ValueError as error:
        raise FactorxlError(str(error)) from None


# --- rewriting the cells of one worksheet part ------------------------------------------

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b([^>]*?)(/>|>(.*?)</\1sheetData>)", re.S)
_ROW = re.compile(rb"<((?:\w+:)?)row\b([^>]*?)(/>|>(.*?)</\1row>)", re.S)
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</\1c>)", re.S)
_FORMULA = re.compile(rb"<((?:\w+:)?)f\b[^>]*?(?:/>|>.*?</\1f>)", re.S)
_VALUE_OR_INLINE = re.compile(rb"<((?:\w+:)?)(?:v|is)\b[^>]*?(?:/>|>.*?</\1(?:v|is)>)", re.S)
_ATTRIBUTE_R = re.compile(rb'(?:^|\s)r="([^"]*)"')
_ATTRIBUTE_T = re.compile(rb'\s+t="[^"]*"')
_ATTRIBUTE_REF = re.compile(rb'\s+ref="[^"]*"')
_DIMENSION = re.compile(rb'(<(?:\w+:)?dimension\b[^>]*?\sref=")([^"]*)(")')
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _number_text(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def value_xml(value: Value | ExcelError) -> tuple[str | None, str]:
    """The ``t`` attribute (None for a number) and the ``<v>`` text of a cached value."""
    if isinstance(value, ExcelError):
        return "e", value.code
    if value is None:
        return "str", ""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            return "e", "#NUM!"
        return None, _number_text(value)
    return "str", xml_text(str(value))


def xml_text(text: str) -> str:
    """Text as a cell holds it in XML: escaped, and each character XML cannot hold (a control
    character) written as Excel writes it, ``_x0007_``."""
    return escape(_ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text))


def _cell_xml(prefix: bytes, attributes: bytes, body: bytes, value: Any, array_ref: str | None = None) -> bytes:
    attributes = _ATTRIBUTE_T.sub(b"", attributes).rstrip()
    if value is CLEARED:
        new_value = b""
    else:
        kind, text = value_xml(value)
        if kind:
            attributes += f' t="{kind}"'.encode()
        new_value = b"<%sv>%s</%sv>" % (prefix, text.encode("utf-8"), prefix)
    formula = _FORMULA.search(body)
    formula_xml = formula.group(0) if formula else b""
    if array_ref and formula_xml:
        formula_xml = _ATTRIBUTE_REF.sub(b' ref="%s"' % array_ref.encode(), formula_xml, count=1)
    rest = _VALUE_OR_INLINE.sub(b"", _FORMULA.sub(b"", body, count=1))
    return b"<%sc%s>%s%s%s</%sc>" % (prefix, attributes, formula_xml, new_value, rest, prefix)


def _new_cell(prefix: bytes, row: int, column: int, value: Value | ExcelError) -> bytes:
    return _cell_xml(prefix, b' r="%s"' % cell_name(row, column).encode(), b"", value)


def rewrite_values(
    xml: bytes, values: Mapping[Position, Any], array_refs: Mapping[Position, str] | None = None
) -> bytes:
    """A worksheet part with the cached values of the given cells replaced (or cells added).

    A value :data:`CLEARED` removes the cell's cached value; ``array_refs`` gives array
    formulas (by their anchor) a new block (a dynamic array whose spill grew or shrank).
    """
    array_refs = array_refs or {}
    sheet_data = _SHEET_DATA.search(xml)
    if sheet_data is None:
        raise FactorxlError("the worksheet has no <sheetData>")
    prefix = sheet_data.group(1)
    by_row: dict[int, dict[int, Value | ExcelError]] = {}
    for (row, column), value in values.items():
        by_row.setdefault(row, {})[column] = value
    waiting = sorted(by_row)  # row numbers with values, in order; those before ``done`` are written
    body = sheet_data.group(4) or b""
    output, last, done = [], 0, 0
    for row_match in _ROW.finditer(body):
        reference = _ATTRIBUTE_R.search(row_match.group(2))
        if not reference:
            raise FactorxlError("a row has no number; the refresh needs every row's address")
        number = int(reference.group(1))
        output.append(body[last : row_match.start()])
        below = bisect.bisect_left(waiting, number, lo=done)
        output.extend(_new_rows(prefix, by_row, waiting[done:below]))
        done = below
        output.append(_rewritten_row(prefix, number, row_match, by_row.pop(number, {}), array_refs))
        last = row_match.end()
    output.append(body[last:])
    output.extend(_new_rows(prefix, by_row, waiting[done:]))
    new_body = b"".join(output)
    tag = b"<%ssheetData%s>%s</%ssheetData>" % (prefix, sheet_data.group(2).rstrip(b"/").rstrip(), new_body, prefix)
    return xml[: sheet_data.start()] + tag + xml[sheet_data.end() :]


def _new_rows(prefix: bytes, by_row: dict[int, dict[int, Any]], numbers: Sequence[int]) -> list[bytes]:
    """New rows for those of ``numbers`` (ascending) whose cells have not been written yet."""
    return [
        b'<%srow r="%d">%s</%srow>' % (prefix, n, _cells(prefix, n, b"", by_row.pop(n), {}), prefix)
        for n in numbers
        if n in by_row and any(v is not CLEARED for v in by_row[n].values())
    ]


def _rewritten_row(
    prefix: bytes, number: int, row_match: re.Match, values: dict[int, Any], array_refs: Mapping[Position, str]
) -> bytes:
    if not values:
        return row_match.group(0)
    attributes = row_match.group(2).rstrip(b"/").rstrip()
    content = _cells(prefix, number, row_match.group(4) or b"", values, array_refs)
    return b"<%srow%s>%s</%srow>" % (prefix, attributes, content, prefix)


def _cells(prefix: bytes, row: int, body: bytes, values: dict[int, Any], array_refs: Mapping[Position, str]) -> bytes:
    """A row's content with its cells' values replaced and missing cells inserted in column order."""
    pending = sorted(values)
    output, last = [], 0
    for cell in _CELL.finditer(body):
        reference = _ATTRIBUTE_R.search(cell.group(2))
        if not reference:
            raise FactorxlError(f"row {row} has a cell without an address; the refresh needs every cell's address")
        _, column = position(reference.group(1).decode())
        output.append(body[last : cell.start()])
        while pending and pending[0] < column:
            new_column = pending.pop(0)
            if values[new_column] is not CLEARED:
                output.append(_new_cell(prefix, row, new_column, values[new_column]))
        if pending and pending[0] == column:
            pending.pop(0)
            attributes = cell.group(2).rstrip(b"/").rstrip()
            output.append(_cell_xml(cell.group(1), attributes, cell.group(4) or b"", values[column], array_refs.get((row, column))))
        else:
            output.append(cell.group(0))
        last = cell.end()
    output.append(body[last:])
    output.extend(_new_cell(prefix, row, column, values[column]) for column in pending if values[column] is not CLEARED)
    return b"".join(output)


def set_dimension(xml: bytes, ref: str) -> bytes:
    """A worksheet part whose ``<dimension>`` (the used range readers trust) is ``ref``."""
    return _DIMENSION.sub(lambda m: m.group(1) + ref.encode() + m.group(3), xml, count=1)


def dimension(xml: bytes) -> str | None:
    """The ``<dimension>`` reference of a worksheet part, if it has one."""
    match = _DIMENSION.search(xml[:4096])
    return match.group(2).decode() if match else None


# --- writing the package ---------------------------------------------------------------


def write_package(package: Package, destination: Path, replacements: Mapping[str, bytes], omit: Collection[str] = ()) -> None:
    """Copy a package to ``destination`` with some members replaced (a replacement the
    package does not have is added) and the members ``omit`` left out, atomically.

    Members are copied as streams (a member's size is bounded by what the zip directory
    declares, which :class:`~factorxl.workbooks.package.Package` checked); a corrupted
    member is a :class:`FactorxlError` and the destination is left as it was.
    """
    destination = Path(destination).resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".refresh.tmp", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(stream, "w") as new:
                for info in package.archive.infolist():
                    if info.filename in omit:
                        continue
                    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    copy.compress_type = info.compress_type
                    copy.external_attr = info.external_attr
                    copy.create_system = info.create_system
                    copy.comment = info.comment
                    data = replacements.get(info.filename)
                    if data is not None:
                        new.writestr(copy, data)
                        continue
                    try:
                        with package.archive.open(info) as reader, new.open(copy, "w") as writer:
                            shutil.copyfileobj(reader, writer, 1 << 20)
                    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                        raise FactorxlError(
                            f"{package.path}: the part {info.filename} is corrupted ({error}); open the file in Excel and save it again"
                        ) from None
                for name in sorted(replacements.keys() - package.names):
                    new.writestr(zipfile.ZipInfo(name, date_time=time.localtime()[:6]), replacements[name], zipfile.ZIP_DEFLATED)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(destination))
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_mode(destination: Path) -> int:
    if destination.exists():
        return destination.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


