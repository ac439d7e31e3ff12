"""A shareable copy of a workbook: factorxl's formulas replaced by the values they hold.

>>> report = share_workbook("MSFT.xlsx", "MSFT-shareable.xlsx")     # doctest: +SKIP
>>> report.sheets["Model"]                                           # doctest: +SKIP
('B13:H23', 'C30', ...)

A colleague without the add-in opens the copy in Excel, LibreOffice or Excel on the web
and sees the same numbers, and they stay there when the program recalculates: every cell
of a factorxl formula (a single cell, or the whole block a dynamic array fills) holds its
stored value as a constant, while every native formula (the twins, sums, differences) is
left live and now reads those constants. Each sheet that had factorxl formulas gets a
visible note, in the first empty row near its top, naming the cells and the original.

The copy is made at the XML level of the package, like :mod:`.xlsx_values`: only the
formula cells that call factorxl and the note cell change, the styles part gains one cell
style for the note, and the calculation chain (a cache Excel rebuilds) is dropped; charts,
names, number formats, the VBA project and every other part are copied unchanged. The
input is never modified; the copy is written atomically.
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from factorxl.errors import FactorxlError
from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.package import Package
from factorxl.workbooks.references import Area, cell_name, cell_position, column_letters, column_number
from factorxl.workbooks.refresh import check_destination, check_workbook
from factorxl.workbooks.workbook_cells import FormulaCell, Sheet, read_workbook, related_parts, relationships_part
from factorxl.workbooks.xlsx_values import _ATTRIBUTE_R, _ATTRIBUTE_T, _CELL, _ROW, _SHEET_DATA, write_package

SHAREABLE_SUFFIX = "-shareable"
"""What the default name of a shareable copy adds to the workbook's name."""

NOTE_ROWS = 10
"""The note goes in the first empty row among the sheet's first rows (else beside row 1)."""

NOTE_COLUMNS = 10
"""Without an empty row near the top, the note spans this many columns right of row 1's content."""

NOTE_WIDTH = 110
"""At most this many characters of column width are merged for the note (a printed page's width)."""

NOTE_CHARACTER = 1.15
"""The width of one character of the note (bold) in column-width characters, for its row height."""

DEFAULT_COLUMN_WIDTH = 8.43

LISTED_RANGES = 40
"""At most this many cell ranges are named in a sheet's note; the rest are counted."""

_NOTE_FONT = '<font><b/><sz val="11"/><color rgb="FFC00000"/><name val="Calibri"/><family val="2"/></font>'
_CALC_CHAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
_ATTRIBUTE_CM = re.compile(rb'\s+cm="[^"]*"')
_BEFORE_MERGE_CELLS = re.compile(
    rb"\s*<((?:\w+:)?(?:sheetCalcPr|sheetProtection|protectedRanges|scenarios|autoFilter|sortState|dataConsolidate|customSheetViews))\b[^>]*?(?:/>|>.*?</\1>)",
    re.S,
)
_VALUE = re.compile(rb"<((?:\w+:)?)v\b[^>]*?(?:/>|>(.*?)</\1v>)", re.S)


@dataclass(frozen=True)
class ShareReport:
    """What :func:`share_workbook` wrote.

    Attributes
    ----------
    source, destination : Path
        The workbook read (unchanged) and the shareable copy written.
    sheets : dict
        Sheet name -> the ranges that held factorxl formulas (``"B13:H23"``, ``"C30"``),
        for every sheet that had any.
    formulas : int
        factorxl formulas replaced by their values (an array formula counts once).
    cells : int
        Cells that now hold a constant instead of a factorxl result.
    """

    source: Path
    destination: Path
    sheets: dict[str, tuple[str, ...]]
    formulas: int
    cells: int


def shareable_path(book: str | Path) -> Path:
    """The default name of a workbook's shareable copy: ``MSFT.xlsx`` -> ``MSFT-shareable.xlsx``."""
    book = Path(book)
    return book.with_name(f"{book.stem}{SHAREABLE_SUFFIX}{book.suffix}")


def share_workbook(book: str | Path, out: str | Path | None = None, *, original: str | None = None) -> ShareReport:
    """Write a copy of ``book`` whose factorxl formulas are replaced by their stored values.

    Parameters
    ----------
    book : str or Path
        The workbook (.xlsx, .xlsm, .xltx, .xltm); it is only read.
    out : str or Path, optional
        The copy; by default :func:`shareable_path` of ``book``. It keeps ``book``'s type.
    original : str, optional
        How the notes name the original (a shared-drive address, say); by default its full path.

    Returns
    -------
    ShareReport
        The sheets and ranges whose factorxl formulas became values.

    Raises
    ------
    FactorxlError
        When ``book`` is not a readable workbook, ``out`` is ``book`` itself, has another
        type or lies in a folder that does not exist, or a factorxl formula has no stored
        value (the workbook was never calculated: refresh it first).
    """
    source = check_workbook(book).resolve()
    destination = (Path(out) if out is not None else shareable_path(source)).resolve()
    if destination == source:
        raise FactorxlError(f"--out {destination} is the workbook itself; the shareable copy needs another name")
    if destination.suffix.lower() != source.suffix.lower():
        raise FactorxlError(f"--out {destination.name}: the copy of a {source.suffix} workbook must end in {source.suffix}")
    check_destination(destination)
    with Package(source) as package:
        workbook = read_workbook(package)
        styles = next(iter(related_parts(package, workbook.part, "/styles")), None)
        note_style = _note_style(package.read_xml(styles)) if styles in package.names else None
        replacements, sheets, formulas, cells = {}, {}, 0, 0
        for sheet in workbook.sheets.values():
            factorxl = _factorxl_formulas(sheet)
            if not factorxl:
                continue
            areas = [f.ref or Area(sheet.name, f.row, f.column, f.row, f.column) for f in factorxl]
            ranges = _ranges(areas)
            xml = _constants(package.read_xml(sheet.part), {(f.row, f.column) for f in factorxl})
            replacements[sheet.part] = _with_note(xml, _note_text(ranges, original or str(source)), note_style and note_style[0])
            sheets[sheet.name] = ranges
            formulas += len(factorxl)
            cells += sum((a.bottom - a.top + 1) * (a.right - a.left + 1) for a in areas)
        if sheets and note_style:
            replacements[styles] = note_style[1]
        dropped = {name for name in package.names if name.lower().endswith("/calcchain.xml")} if sheets else set()
        if dropped:
            replacements.update(_without_calc_chain(package, workbook.part))
        write_package(package, destination, replacements, omit=dropped)
    return ShareReport(source, destination, sheets, formulas, cells)


# --- the formula cells ------------------------------------------------------------------


def _factorxl_formulas(sheet: Sheet) -> list[FormulaCell]:
    """The formulas of a sheet that call factorxl (each cell of a shared formula counts), all
    with a stored value, or a FactorxlError naming those without one."""
    found = [formula for formula in sheet.formulas if calls_factorxl(formula.text)]
    unvalued = [f"{sheet.name}!{formula.cell}" for formula in found if not formula.stored]
    if unvalued:
        shown = ", ".join(unvalued[:5]) + (f" and {len(unvalued) - 5} more" if len(unvalued) > 5 else "")
        raise FactorxlError(
            f"{len(unvalued)} factorxl formula(s) have no stored value ({shown}): calculate the workbook first "
            "(factorxl refresh BOOK, or in Excel with the add-in), then make the shareable copy"
        )
    return found


def _constants(xml: bytes, positions: set[tuple[int, int]]) -> bytes:
    """The worksheet part with the formula cells at ``positions`` turned into constants."""

    def replace(cell: re.Match) -> bytes:
        reference = _ATTRIBUTE_R.search(cell.group(2))
        if reference is None or cell_position(reference.group(1).decode()) not in positions:
            return cell.group(0)
        return _constant(cell.group(1), cell.group(2), cell.group(4) or b"")

    sheet_data = _SHEET_DATA.search(xml)
    return xml[: sheet_data.start()] + _CELL.sub(replace, sheet_data.group(0)) + xml[sheet_data.end() :]


def _constant(prefix: bytes, attributes: bytes, body: bytes) -> bytes:
    """A formula cell rewritten as a constant holding its stored value (an empty text result:
    an empty cell, its style kept)."""
    value = _VALUE.search(body)
    kind = re.search(rb'\bt="([^"]*)"', attributes)
    kind = kind.group(1) if kind else b"n"
    attributes = _ATTRIBUTE_CM.sub(b"", _ATTRIBUTE_T.sub(b"", attributes)).rstrip(b"/").rstrip()  # cm: dynamic-array metadata
    text = value.group(2) if value is not None else None
    if not text:
        return b"<%sc%s/>" % (prefix, attributes)
    if kind == b"str":  # a formula's text result; a constant holds text inline
        return b'<%sc%s t="inlineStr"><%sis><%st xml:space="preserve">%s</%st></%sis></%sc>' % (
            prefix, attributes, prefix, prefix, text, prefix, prefix, prefix
        )
    typed = b"" if kind == b"n" else b' t="%s"' % kind
    return b"<%sc%s%s><%sv>%s</%sv></%sc>" % (prefix, attributes, typed, prefix, text, prefix, prefix)


def _ranges(areas: Iterable[Area]) -> tuple[str, ...]:
    """Ranges in reading order, single cells of one column in consecutive rows joined (C5, C6, C7 -> C5:C7)."""
    by_column: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    merged: list[list[int]] = []
    for area in sorted(areas, key=lambda area: (area.top, area.left)):
        runs = by_column[area.left, area.right]
        if runs and runs[-1][3] == area.top - 1:
            runs[-1][3] = area.bottom
            continue
        box = [area.left, area.top, area.right, area.bottom]
        runs.append(box)
        merged.append(box)
    return tuple(_range_text(*box) for box in merged)


def _range_text(left: int, top: int, right: int, bottom: int) -> str:
    first = cell_name(top, left)
    return first if (left, top) == (right, bottom) else f"{first}:{cell_name(bottom, right)}"


# --- the note ---------------------------------------------------------------------------


def _note_text(ranges: tuple[str, ...], original: str) -> str:
    listed = ", ".join(ranges[:LISTED_RANGES])
    if len(ranges) > LISTED_RANGES:
        listed += f" and {len(ranges) - LISTED_RANGES} more ranges"
    return (
        f"Shareable copy: {listed} held factorxl formulas and now hold their values (they no longer "
        f"recalculate); the other formulas are live. The original with the factorxl formulas: {original}"
    )


def _with_note(xml: bytes, note: str, style: int | None) -> bytes:
    """The worksheet part with ``note`` in column A of the first empty row among the first
    :data:`NOTE_ROWS` rows, merged across the sheet's columns (at most :data:`NOTE_WIDTH`
    characters), wrapped, its row tall enough;
    with no empty row, right of the last cell of row 1 (one column left free), across
    :data:`NOTE_COLUMNS` columns."""
    sheet_data = _SHEET_DATA.search(xml)
    prefix, body = sheet_data.group(1), sheet_data.group(4) or b""
    rows = {int(_ATTRIBUTE_R.search(row.group(2)).group(1)): row for row in _ROW.finditer(body) if _ATTRIBUTE_R.search(row.group(2))}
    empty = [n for n in range(1, NOTE_ROWS + 1) if n not in rows or not re.search(rb"<(?:\w+:)?(?:v|f|is)\b", rows[n].group(0))]
    if empty:
        number, column = empty[0], 1
        last = _note_last_column(xml, max(_used_columns(xml), 1))
    else:
        number, column = 1, _last_column(rows[1]) + 2
        last = column + NOTE_COLUMNS - 1
    width = sum(_column_width(xml, c) for c in range(column, last + 1))
    height = b' ht="%d" customHeight="1"' % (15 * max(1, math.ceil(len(note) * NOTE_CHARACTER / width)))
    cell = b'<%sc r="%s%d"%s t="inlineStr"><%sis><%st xml:space="preserve">%s</%st></%sis></%sc>' % (
        prefix,
        column_letters(column).encode(),
        number,
        b' s="%d"' % style if style is not None else b"",
        prefix,
        prefix,
        html.escape(note, quote=False).encode("utf-8"),
        prefix,
        prefix,
        prefix,
    )
    row = rows.get(number)
    if row is None:
        later = [n for n in rows if n > number]
        at = rows[min(later)].start() if later else len(body)
        new_body = body[:at] + b'<%srow r="%d"%s>%s</%srow>' % (prefix, number, height, cell, prefix) + body[at:]
    else:
        new_body = body[: row.start()] + _row_with_cell(row, cell, column, height) + body[row.end() :]
    tag = b"<%ssheetData%s>%s</%ssheetData>" % (prefix, sheet_data.group(2).rstrip(b"/").rstrip(), new_body, prefix)
    xml = xml[: sheet_data.start()] + tag + xml[sheet_data.end() :]
    return _with_merged_cells(xml, _range_text(column, number, last, number)) if last > column else xml


def _note_last_column(xml: bytes, last: int) -> int:
    """The last column the note spans: the sheet's columns up to :data:`NOTE_WIDTH` characters
    in all, so that a wide sheet printed across pages shows the note whole on its first page."""
    width, column = _column_width(xml, 1), 1
    while column < last and width + _column_width(xml, column + 1) <= NOTE_WIDTH:
        column += 1
        width += _column_width(xml, column)
    return column


def _used_columns(xml: bytes) -> int:
    """The last column of the sheet's used range (its ``dimension``), 0 when it does not say."""
    dimension = re.search(rb'<(?:\w+:)?dimension\b[^>]*\bref="[A-Z]+\d+:([A-Z]+)\d+"', xml)
    return column_number(dimension.group(1).decode()) if dimension else 0


def _column_width(xml: bytes, column: int) -> float:
    """A column's width in characters, from the sheet's ``cols`` (else its default width)."""
    for element in re.finditer(rb"<(?:\w+:)?col\b([^>]*)/?>", xml):
        attributes = dict(re.findall(rb'(\w+)="([^"]*)"', element.group(1)))
        if b"width" in attributes and int(attributes.get(b"min", 0)) <= column <= int(attributes.get(b"max", 0)):
            return float(attributes[b"width"])
    default = re.search(rb'<(?:\w+:)?sheetFormatPr\b[^>]*\bdefaultColWidth="([\d.]+)"', xml)
    return float(default.group(1)) if default else DEFAULT_COLUMN_WIDTH


def _with_merged_cells(xml: bytes, ref: str) -> bytes:
    """The worksheet part with the cells ``ref`` merged (the note spans them)."""
    merged = b'<mergeCell ref="%s"/>' % ref.encode()
    existing = re.search(rb"<((?:\w+:)?)mergeCells\b([^>]*)>(.*?)</\1mergeCells>", xml, re.S)
    if existing:
        count = len(re.findall(rb"<(?:\w+:)?mergeCell\b", existing.group(3))) + 1
        prefix = existing.group(1)
        merged = merged.replace(b"<mergeCell", b"<%smergeCell" % prefix)
        element = b'<%smergeCells count="%d">%s%s</%smergeCells>' % (prefix, count, existing.group(3), merged, prefix)
        return xml[: existing.start()] + element + xml[existing.end() :]
    at = _SHEET_DATA.search(xml).end()
    while preceding := _BEFORE_MERGE_CELLS.match(xml, at):  # the elements the schema puts first
        at = preceding.end()
    return xml[:at] + b'<mergeCells count="1">%s</mergeCells>' % merged + xml[at:]


def _last_column(row: re.Match) -> int:
    references = [_ATTRIBUTE_R.search(cell.group(2)) for cell in _CELL.finditer(row.group(4) or b"")]
    return max((cell_position(r.group(1).decode())[1] for r in references if r), default=0)


def _row_with_cell(row: re.Match, cell: bytes, column: int, height: bytes) -> bytes:
    """A row with ``cell`` put in column order, replacing an empty (styled) cell of that column,
    and the row ``height``; its ``spans`` hint is dropped."""
    prefix = row.group(1)
    attributes = re.sub(rb'\s+(?:spans|ht|customHeight)="[^"]*"', b"", row.group(2).rstrip(b"/").rstrip()) + height
    kept, placed = [], False
    for existing in _CELL.finditer(row.group(4) or b""):
        reference = _ATTRIBUTE_R.search(existing.group(2))
        at = cell_position(reference.group(1).decode())[1] if reference else 0
        if not placed and at >= column:
            kept.append(cell)
            placed = True
        if at != column:
            kept.append(existing.group(0))
    if not placed:
        kept.append(cell)
    return b"<%srow%s>%s</%srow>" % (prefix, attributes, b"".join(kept), prefix)


def _note_style(styles: bytes | None) -> tuple[int, bytes] | None:
    """The index of a bold dark-red, wrapped cell style added to the styles part, and the new part;
    None when the package has no styles part in the usual form (the note is then unstyled)."""
    if styles is None:
        return None
    fonts = re.search(rb"<fonts\b([^>]*)>(.*?)</fonts>", styles, re.S)
    cell_formats = re.search(rb"<cellXfs\b([^>]*)>(.*?)</cellXfs>", styles, re.S)
    if fonts is None or cell_formats is None:
        return None
    font = len(re.findall(rb"<font\b(?!s)", fonts.group(2)))
    style = len(re.findall(rb"<xf\b", cell_formats.group(2)))
    new_fonts = b'<fonts count="%d">%s%s</fonts>' % (font + 1, fonts.group(2), _NOTE_FONT.encode())
    new_formats = b'<cellXfs count="%d">%s<xf numFmtId="0" fontId="%d" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf></cellXfs>' % (
        style + 1,
        cell_formats.group(2),
        font,
    )
    first, second = sorted([(fonts, new_fonts), (cell_formats, new_formats)], key=lambda pair: pair[0].start())
    out = styles[: first[0].start()] + first[1] + styles[first[0].end() : second[0].start()] + second[1] + styles[second[0].end() :]
    return style, out


# --- the calculation chain --------------------------------------------------------------


def _without_calc_chain(package: Package, workbook: str) -> dict[str, bytes]:
    """The content types and workbook relationships without the calculation chain (it lists
    formula cells, and Excel reports a damaged file when a listed cell holds a constant)."""
    rels = relationships_part(workbook)
    content_types = package.read_xml("[Content_Types].xml")
    return {
        "[Content_Types].xml": re.sub(rb"<Override\b[^>]*" + re.escape(_CALC_CHAIN_TYPE.encode()) + rb"[^>]*/>", b"", content_types),
        rels: re.sub(rb"<Relationship\b[^>]*calcChain[^>]*/>", b"", package.read_xml(rels)),
    }
