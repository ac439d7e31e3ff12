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
import posixpath
import re
import tempfile
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from factorxl.errors import FactorxlError
from factorxl.workbooks.engine import ExcelError, Value

_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

Position = tuple[int, int]
"""A cell's (row, column), both starting at 1."""


def position(reference: str) -> Position:
    """``"C12"`` -> ``(12, 3)``."""
    match = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", reference)
    if not match:
        raise FactorxlError(f"{reference!r} is not a cell reference")
    return int(match.group(2)), column_index_from_string(match.group(1).upper())


def _reference(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


# --- where the worksheets are ----------------------------------------------------------


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target part name, for the relationships of ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels not in archive.namelist():
        return {}
    root = ElementTree.fromstring(archive.read(rels))
    targets = {}
    for relationship in root.iter(f"{_RELATIONSHIPS}Relationship"):
        target = relationship.get("Target", "")
        if relationship.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[relationship.get("Id")] = path
    return targets


def worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> worksheet part name (``"xl/worksheets/sheet1.xml"``), from the workbook part."""
    documents = [
        target
        for rid, target in _relationships(archive, "").items()
        if target.endswith(".xml") and "workbook" in target.rsplit("/", 1)[-1].lower()
    ] or ["xl/workbook.xml"]
    workbook = documents[0]
    targets = _relationships(archive, workbook)
    root = ElementTree.fromstring(archive.read(workbook))
    return {
        sheet.get("name"): targets[sheet.get(_RELATIONSHIP_ID)]
        for sheet in root.iter(f"{_MAIN}sheet")
        if sheet.get(_RELATIONSHIP_ID) in targets
    }


# --- rewriting the cells of one worksheet part ------------------------------------------

_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b([^>]*?)(/>|>(.*?)</\1sheetData>)", re.S)
_ROW = re.compile(rb"<((?:\w+:)?)row\b([^>]*?)(/>|>(.*?)</\1row>)", re.S)
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</\1c>)", re.S)
_FORMULA = re.compile(rb"<((?:\w+:)?)f\b[^>]*?(?:/>|>.*?</\1f>)", re.S)
_VALUE_OR_INLINE = re.compile(rb"<((?:\w+:)?)(?:v|is)\b[^>]*?(?:/>|>.*?</\1(?:v|is)>)", re.S)
_ATTRIBUTE_R = re.compile(rb'(?:^|\s)r="([^"]*)"')
_ATTRIBUTE_T = re.compile(rb'\s+t="[^"]*"')
_ATTRIBUTE_CM = re.compile(rb'(?:^|\s)cm="[^"]*"')
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
    text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", str(value))
    return "str", escape(text)


def _cell_xml(prefix: bytes, attributes: bytes, body: bytes, value: Value | ExcelError) -> bytes:
    kind, text = value_xml(value)
    attributes = _ATTRIBUTE_T.sub(b"", attributes).rstrip()
    if kind:
        attributes += f' t="{kind}"'.encode()
    formula = _FORMULA.search(body)
    rest = _VALUE_OR_INLINE.sub(b"", _FORMULA.sub(b"", body, count=1))
    new_value = b"<%sv>%s</%sv>" % (prefix, text.encode("utf-8"), prefix)
    return b"<%sc%s>%s%s%s</%sc>" % (
        prefix,
        attributes,
        formula.group(0) if formula else b"",
        new_value,
        rest,
        prefix,
    )


def _new_cell(prefix: bytes, row: int, column: int, value: Value | ExcelError) -> bytes:
    return _cell_xml(prefix, b' r="%s"' % _reference(row, column).encode(), b"", value)


def rewrite_values(xml: bytes, values: Mapping[Position, Value | ExcelError]) -> bytes:
    """A worksheet part with the cached values of the given cells replaced (or cells added)."""
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
        output.append(_rewritten_row(prefix, number, row_match, by_row.pop(number, {})))
        last = row_match.end()
    output.append(body[last:])
    output.extend(_new_rows(prefix, by_row, waiting[done:]))
    new_body = b"".join(output)
    tag = b"<%ssheetData%s>%s</%ssheetData>" % (prefix, sheet_data.group(2).rstrip(b"/").rstrip(), new_body, prefix)
    return xml[: sheet_data.start()] + tag + xml[sheet_data.end() :]


def _new_rows(prefix: bytes, by_row: dict[int, dict[int, Any]], numbers: Sequence[int]) -> list[bytes]:
    """New rows for those of ``numbers`` (ascending) whose cells have not been written yet."""
    return [
        b'<%srow r="%d">%s</%srow>' % (prefix, n, _cells(prefix, n, b"", by_row.pop(n)), prefix)
        for n in numbers
        if n in by_row
    ]


def _rewritten_row(prefix: bytes, number: int, row_match: re.Match, values: dict[int, Any]) -> bytes:
    if not values:
        return row_match.group(0)
    attributes = row_match.group(2).rstrip(b"/").rstrip()
    content = _cells(prefix, number, row_match.group(4) or b"", values)
    return b"<%srow%s>%s</%srow>" % (prefix, attributes, content, prefix)


def _cells(prefix: bytes, row: int, body: bytes, values: dict[int, Any]) -> bytes:
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
            output.append(_new_cell(prefix, row, new_column, values[new_column]))
        if pending and pending[0] == column:
            pending.pop(0)
            attributes = cell.group(2).rstrip(b"/").rstrip()
            output.append(_cell_xml(cell.group(1), attributes, cell.group(4) or b"", values[column]))
        else:
            output.append(cell.group(0))
        last = cell.end()
    output.append(body[last:])
    output.extend(_new_cell(prefix, row, column, values[column]) for column in pending)
    return b"".join(output)


def dynamic_array_anchors(xml: bytes) -> set[str]:
    """References of the cells holding a dynamic-array formula (an array formula with cell metadata)."""
    anchors = set()
    for cell in _CELL.finditer(xml):
        formula = _FORMULA.search(cell.group(4) or b"")
        if formula and b't="array"' in formula.group(0) and _ATTRIBUTE_CM.search(cell.group(2)):
            reference = _ATTRIBUTE_R.search(cell.group(2))
            if reference:
                anchors.add(reference.group(1).decode())
    return anchors


# --- writing the package ---------------------------------------------------------------


def write_package(source: Path, destination: Path, replacements: Mapping[str, bytes], omit: Collection[str] = ()) -> None:
    """Copy the package ``source`` to ``destination`` with some members replaced and the
    members ``omit`` left out, atomically."""
    destination = Path(destination).resolve()
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".refresh.tmp", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            with zipfile.ZipFile(source) as old, zipfile.ZipFile(stream, "w") as new:
                for info in old.infolist():
                    if info.filename in omit:
                        continue
                    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    copy.compress_type = info.compress_type
                    copy.external_attr = info.external_attr
                    copy.create_system = info.create_system
                    copy.comment = info.comment
                    data = replacements.get(info.filename)
                    new.writestr(copy, old.read(info) if data is None else data)
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


def read_members(source: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The contents of some members of a package."""
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in names}
