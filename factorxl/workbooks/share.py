"""A shareable copy of a workbook: factorxl's formulas replaced by the values they hold, and
every cell whose change would make one of those values stale locked.

>>> report = share_workbook("MSFT.xlsx", "MSFT-shareable.xlsx")     # doctest: +SKIP
>>> report.sheets["Model"], report.locked["Model"]                  # doctest: +SKIP
(('A13:G22', 'B26:B28', ...), ('B6:B10', 'B46:B48'))

A colleague without the add-in opens the copy in Excel, LibreOffice or Excel on the web
and sees the same numbers, and they stay there when the program recalculates: every cell
of a factorxl formula (a single cell, or the whole block a dynamic array fills) holds its
stored value as a constant, a *fixed value*, while every native formula (the twins, sums,
differences) is left live and now reads those constants.

A colleague may also change what they see, so the copy keeps its numbers consistent
(:mod:`.frozen_cells` says which cells are which, from the formula graph):

* the cells the fixed values were computed from, directly or through native formulas, are
  locked and their sheets protected (without a password: Excel and LibreOffice refuse the
  edit and say the cell is protected); inputs among them turn from blue on yellow to blue on
  grey;
* inputs that feed only native formulas stay editable (unlocked) and live;
* each sheet with fixed values or inputs says so in a note at its top, in place of the
  template's input legend; the Notes sheet gets the rules of the copy, and the sentences of
  the original that the copy makes untrue are rewritten (:mod:`.share_notes`);
* the copy records which original and which factorxl version made it
  (:mod:`.shareable_mark`), so ``factorxl refresh`` refuses it with what to do instead.

A workbook whose stored values may be placeholders (it asks for a full recalculation on
open, ``fullCalcOnLoad``, as XlsxWriter writes a workbook it never calculated) is refused:
refresh it first.

The copy is made at the XML level of the package, like :mod:`.xlsx_values`: the formula
cells that call factorxl, the styles of input cells, the notes, the protection, the
rewritten texts, a few cell styles and the custom properties change, and the calculation
chain (a cache Excel rebuilds) is dropped; charts, names, number formats, the VBA project
and every other part are copied unchanged. The input is never modified; the copy is
written atomically.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from factorxl import __version__
from factorxl.errors import FactorxlError
from factorxl.workbooks.cell_styles import CellStyles
from factorxl.workbooks.frozen_cells import SheetCells, frozen_cells
from factorxl.workbooks.package import Package
from factorxl.workbooks.references import Area, cell_name, cell_position, column_letters, column_number, find_references
from factorxl.workbooks.refresh import check_destination, check_workbook
from factorxl.workbooks.share_notes import SheetStory, copy_texts, ranges, sheet_note, summary_note
from factorxl.workbooks.shareable_mark import ShareableMark, with_mark
from factorxl.workbooks.templates.layout import CONSTANT_FONT, INPUT_FILL, INPUT_LEGEND
from factorxl.workbooks.workbook_cells import Position, Sheet, Workbook, read_workbook, related_parts, relationships_part
from factorxl.workbooks.xlsx_values import _ATTRIBUTE_R, _ATTRIBUTE_T, _CELL, _ROW, _SHEET_DATA, dimension, set_dimension, write_package, xml_text

SHAREABLE_SUFFIX = "-shareable"
"""What the default name of a shareable copy adds to the workbook's name."""

FROZEN_FILL = "EDEDED"
"""The fill of inputs locked in a shareable copy (grey; their font stays blue)."""

ORIGINAL_LIMIT = 255
"""The longest name of the original the copy records (the longest custom property value Excel shows)."""

NOTE_ROWS = 10
"""The note goes in the first empty row among the sheet's first rows (else beside row 1)."""

NOTE_COLUMNS = 10
"""Without an empty row near the top, the note spans this many columns right of row 1's content."""

NOTE_WIDTH = 110
"""At most this many characters of column width are merged for the note (a printed page's width)."""

NOTE_CHARACTER = 1.15
"""The width of one character of the note (bold) in column-width characters, for its row height."""

TITLE_CHARACTER = 1.3
"""The width of one character of a sheet's title (14-point bold) in column-width characters."""

DEFAULT_COLUMN_WIDTH = 8.43

NOTES_SHEET = "NOTES"
"""The sheet (upper case) that gets the summary of the copy's rules, when the workbook has one."""

_NOTE_FONT = b'<font><b/><sz val="11"/><color rgb="FFC00000"/><name val="Calibri"/><family val="2"/></font>'
_NOTE_FORMAT = b'<xf numFmtId="0" fontId="%d" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment wrapText="1" vertical="top"/></xf>'
_PROTECTION = b'<%ssheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"/>'
_CALC_CHAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
_ATTRIBUTE_CM = re.compile(rb'\s+cm="[^"]*"')
_ATTRIBUTE_S = re.compile(rb'\s+s="(\d*)"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BEFORE_MERGE_CELLS = re.compile(
    rb"\s*<((?:\w+:)?(?:sheetCalcPr|sheetProtection|protectedRanges|scenarios|autoFilter|sortState|dataConsolidate|customSheetViews))\b[^>]*?(?:/>|>.*?</\1>)",
    re.S,
)
_BEFORE_PROTECTION = re.compile(rb"\s*<((?:\w+:)?sheetCalcPr)\b[^>]*?(?:/>|>.*?</\1>)", re.S)
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
    locked : dict
        Sheet name -> the ranges of the cells holding a value that the fixed values were
        computed from (locked), for every sheet that has any.
    live : dict
        Sheet name -> the ranges of the inputs left free to change, for every sheet that has any.
    protected : tuple of str
        The sheets the copy protects.
    original, version : str
        How the copy names the original, and the factorxl version that made it.
    """

    source: Path
    destination: Path
    sheets: dict[str, tuple[str, ...]]
    formulas: int
    cells: int
    locked: dict[str, tuple[str, ...]] = field(default_factory=dict)
    live: dict[str, tuple[str, ...]] = field(default_factory=dict)
    protected: tuple[str, ...] = ()
    original: str = ""
    version: str = __version__


def shareable_path(book: str | Path) -> Path:
    """The default name of a workbook's shareable copy: ``MSFT.xlsx`` -> ``MSFT-shareable.xlsx``."""
    book = Path(book)
    return book.with_name(f"{book.stem}{SHAREABLE_SUFFIX}{book.suffix}")


def check_original(text: str) -> str:
    """``text`` if it can name the original in a copy, else a ValueError saying why."""
    control = _CONTROL.search(text)
    if control:
        raise ValueError(
            f"the text holds a control character (U+{ord(control.group()):04X}), which a workbook cannot show; "
            "give the original's name or address as plain text"
        )
    if not text.strip():
        raise ValueError("the text is empty; give the original's name or address, e.g. S:/Models/MSFT.xlsx")
    if len(text) > ORIGINAL_LIMIT:
        raise ValueError(f"the text has {len(text):,} characters; give at most {ORIGINAL_LIMIT}")
    return text


def share_workbook(book: str | Path, out: str | Path | None = None, *, original: str | None = None) -> ShareReport:
    """Write a copy of ``book`` whose factorxl formulas are replaced by their stored values.

    Parameters
    ----------
    book : str or Path
        The workbook (.xlsx, .xlsm, .xltx, .xltm); it is only read.
    out : str or Path, optional
        The copy; by default :func:`shareable_path` of ``book``. It keeps ``book``'s type.
    original : str, optional
        How the notes name the original (a shared-drive address, say; plain text of at most
        :data:`ORIGINAL_LIMIT` characters); by default its file name.

    Returns
    -------
    ShareReport
        The sheets and ranges whose factorxl formulas became values, and the cells locked
        and left live.

    Raises
    ------
    FactorxlError
        When ``book`` is not a readable workbook, ``out`` is ``book`` itself, has another
        type or lies in a folder that does not exist, ``original`` is not plain text, or a
        factorxl formula's stored value may not be a calculated one (none stored, or the
        workbook asks for a full recalculation on open: refresh it first).
    """
    source = check_workbook(book).resolve()
    destination = (Path(out) if out is not None else shareable_path(source)).resolve()
    if destination == source:
        raise FactorxlError(f"--out {destination} is the workbook itself; the shareable copy needs another name")
    if destination.suffix.lower() != source.suffix.lower():
        raise FactorxlError(f"--out {destination.name}: the copy of a {source.suffix} workbook must end in {source.suffix}")
    if original is not None:
        try:
            check_original(original)
        except ValueError as error:
            raise FactorxlError(f"original: {error}") from None
    check_destination(destination)
    mark = ShareableMark(original if original is not None else source.name, __version__)
    with Package(source) as package:
        workbook = read_workbook(package)
        cells = frozen_cells(workbook)
        if not any(c.frozen for c in cells.values()):
            write_package(package, destination, {})
            return ShareReport(source, destination, {}, 0, 0, original=mark.original)
        _check_calculated(workbook, cells, source)
        return _write_copy(package, workbook, cells, mark, destination, source)


def _check_calculated(workbook: Workbook, cells: dict[str, SheetCells], source: Path) -> None:
    """Refuse a workbook whose factorxl formulas may hold placeholders rather than their values."""
    if workbook.full_calc_on_load:
        raise FactorxlError(
            f"{source.name} asks for a full recalculation when it opens (fullCalcOnLoad, as XlsxWriter and openpyxl write "
            f"a workbook), so its stored values may be placeholders that were never calculated: run factorxl refresh "
            f"{source.name} --clear-full-calc-on-load (it calculates every formula and removes the request), then share it"
        )
    unvalued = [f"{f.sheet}!{f.cell}" for sheet_cells in cells.values() for f in sheet_cells.frozen if not f.stored]
    if unvalued:
        shown = ", ".join(unvalued[:5]) + (f" and {len(unvalued) - 5} more" if len(unvalued) > 5 else "")
        raise FactorxlError(
            f"{len(unvalued)} factorxl formula(s) have no stored value ({shown}): calculate the workbook first "
            "(factorxl refresh BOOK, or in Excel with the add-in), then make the shareable copy"
        )


def _write_copy(
    package: Package, workbook: Workbook, cells: dict[str, SheetCells], mark: ShareableMark, destination: Path, source: Path
) -> ShareReport:
    """Write the shareable copy of a workbook that has factorxl formulas, all calculated."""
    styles_part = next(iter(related_parts(package, workbook.part, "/styles")), None)
    try:
        styles = CellStyles(package.read_xml(styles_part)) if styles_part in package.names else None
    except ValueError:
        styles = None
    input_styles = styles.filled_with(INPUT_FILL) if styles else frozenset()
    structure_styles = styles.in_font_colour(CONSTANT_FONT) if styles else frozenset()
    frozen_fill = styles.add_fill(FROZEN_FILL) if styles and input_styles else None
    note_style = styles.add(_NOTE_FORMAT % styles.add_font(_NOTE_FONT)) if styles else None
    replacements: dict[str, bytes] = {}
    stories: dict[str, SheetStory] = {}
    for key, sheet in workbook.sheets.items():
        sheet_cells = cells[key]
        original = package.read_xml(sheet.part)
        xml = copy_texts(original)
        xml, locked, live = _rewritten_cells(xml, sheet_cells, styles, input_styles, structure_styles, frozen_fill)
        if live and sheet_cells.protected and styles is None:
            raise FactorxlError(
                f"{source.name} has no styles part in the form Excel writes, so its live inputs cannot be left unlocked: "
                "open it in Excel or LibreOffice, save it, and share that file"
            )
        story = SheetStory(
            frozen=ranges(sheet_cells.frozen_areas),
            locked=ranges(_areas(sheet.name, locked)),
            live=ranges(_areas(sheet.name, live)),
            locked_styled=any(styled for _, styled in locked),
            live_styled=any(styled for _, styled in live),
            protected=sheet_cells.protected,
            native=sheet_cells.native,
        )
        if story.protected:
            xml = _protected(xml)
        if story.told and key != NOTES_SHEET:  # the Notes sheet gets the workbook's note (below)
            xml = _with_note(xml, sheet_note(story, mark.original, mark.version), note_style, sheet, _legend_position(sheet))
        stories[sheet.name] = story
        if xml != original:
            replacements[sheet.part] = xml
    notes = workbook.sheets.get(NOTES_SHEET)
    if notes is not None:
        xml = replacements.get(notes.part) or package.read_xml(notes.part)
        replacements[notes.part] = _with_note(xml, summary_note(stories.values(), mark.original, mark.version), note_style, notes)
    for part in related_parts(package, workbook.part, "/sharedStrings"):
        if part in package.names:
            replacements[part] = copy_texts(package.read_xml(part))
    if styles is not None:
        replacements[styles_part] = styles.xml()
    replacements.update(with_mark(package, mark))
    dropped = {name for name in package.names if name.lower().endswith("/calcchain.xml")}
    if dropped:
        replacements.update(_without_calc_chain(package, workbook.part, replacements))
    write_package(package, destination, replacements, omit=dropped)
    frozen = {sheet: story.frozen for sheet, story in stories.items() if story.frozen}
    return ShareReport(
        source,
        destination,
        frozen,
        formulas=sum(len(c.frozen) for c in cells.values()),
        cells=sum((a.bottom - a.top + 1) * (a.right - a.left + 1) for c in cells.values() for a in c.frozen_areas),
        locked={sheet: story.locked for sheet, story in stories.items() if story.locked},
        live={sheet: story.live for sheet, story in stories.items() if story.live},
        protected=tuple(sheet for sheet, story in stories.items() if story.protected),
        original=mark.original,
        version=mark.version,
    )


def _areas(sheet: str, positions: list[tuple[Position, bool]]) -> list[Area]:
    return [Area(sheet, row, column, row, column) for (row, column), _ in positions]


# --- the cells ----------------------------------------------------------------------------


def _rewritten_cells(
    xml: bytes, cells: SheetCells, styles: CellStyles | None, input_styles: frozenset[int], structure_styles: frozenset[int], frozen_fill: int | None
) -> tuple[bytes, list[tuple[Position, bool]], list[tuple[Position, bool]]]:
    """The worksheet part with its factorxl formulas turned into constants, its locked inputs
    styled as such and its live inputs unlocked (on a protected sheet); and the (position,
    styled as an input) of the cells locked and of those left live. Cells styled as structure
    (a restriction matrix's 0 and 1) are never live inputs."""
    anchors = {cell_name(f.row, f.column).encode() for f in cells.frozen}
    frozen_inputs = {cell_name(*position).encode() for position in cells.frozen_inputs}
    live_inputs = {cell_name(*position).encode() for position in cells.live_inputs}
    locked: list[tuple[Position, bool]] = []
    live: list[tuple[Position, bool]] = []

    def rewrite(cell: re.Match) -> bytes:
        reference = _ATTRIBUTE_R.search(cell.group(2))
        if reference is None:
            return cell.group(0)
        name = reference.group(1)
        if name in anchors:
            return _constant(cell.group(1), cell.group(2), cell.group(4) or b"")
        style = _ATTRIBUTE_S.search(cell.group(2))
        style = int(style.group(1) or 0) if style else 0
        styled = style in input_styles
        if not styled and name not in frozen_inputs and name not in live_inputs:
            return cell.group(0)  # most cells: a formula, a label, a number no formula reads
        position = cell_position(name.decode())
        if cells.is_formula(*position):
            return cell.group(0)
        if name in frozen_inputs or (styled and cells.feeds_frozen(*position)):
            locked.append((position, styled))
            return _with_style(cell, styles.variant(style, fill=frozen_fill)) if styled else cell.group(0)
        if style in structure_styles:
            return cell.group(0)
        live.append((position, styled))
        if cells.protected and styles is not None:
            return _with_style(cell, styles.variant(style, unlocked=True))
        return cell.group(0)

    sheet_data = _SHEET_DATA.search(xml)
    return xml[: sheet_data.start()] + _CELL.sub(rewrite, sheet_data.group(0)) + xml[sheet_data.end() :], locked, live


def _with_style(cell: re.Match, style: int) -> bytes:
    attributes = _ATTRIBUTE_S.sub(b"", cell.group(2).rstrip(b"/").rstrip()) + b' s="%d"' % style
    return b"<%sc%s%s" % (cell.group(1), attributes, b"/>" if cell.group(3) == b"/>" else b">" + (cell.group(4) or b"") + b"</%sc>" % cell.group(1))


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


def _protected(xml: bytes) -> bytes:
    """The worksheet part protected without a password (locked cells refuse edits; columns and
    rows may still be resized); a sheet protected already keeps its own protection."""
    if re.search(rb"<(?:\w+:)?sheetProtection\b", xml):
        return xml
    sheet_data = _SHEET_DATA.search(xml)
    at = sheet_data.end()
    if preceding := _BEFORE_PROTECTION.match(xml, at):
        at = preceding.end()
    return xml[:at] + _PROTECTION % sheet_data.group(1) + xml[at:]


def _legend_position(sheet: Sheet) -> tuple[int, int] | None:
    """The cell of the template's input legend near the sheet's top, when it is alone in its
    row (the note then takes its place)."""
    found = [position for position, value in sheet.values.items() if value == INPUT_LEGEND and position[0] <= NOTE_ROWS]
    if not found:
        return None
    row, column = found[0]
    return None if any(r == row and c != column for r, c in sheet.values) else (row, column)


# --- the note ---------------------------------------------------------------------------


def _with_note(xml: bytes, note: str, style: int | None, sheet: Sheet, at: tuple[int, int] | None = None) -> bytes:
    """The worksheet part with ``note`` at ``at`` (a cell alone in its row) or in column A of
    the first empty row among the first :data:`NOTE_ROWS` rows, merged across the sheet's
    columns (at most :data:`NOTE_WIDTH` characters), wrapped, its row tall enough; with no empty row, right of row 1's last cell and
    the text running on from it (one column left free), across :data:`NOTE_COLUMNS` columns."""
    sheet_data = _SHEET_DATA.search(xml)
    prefix, body = sheet_data.group(1), sheet_data.group(4) or b""
    rows = {int(_ATTRIBUTE_R.search(row.group(2)).group(1)): row for row in _ROW.finditer(body) if _ATTRIBUTE_R.search(row.group(2))}
    empty = [n for n in range(1, NOTE_ROWS + 1) if n not in rows or not re.search(rb"<(?:\w+:)?(?:v|f|is)\b", rows[n].group(0))]
    if at is not None:
        number, column = at
        last = _note_last_column(xml, column, max(_used_columns(xml), column))
    elif empty:
        number, column = empty[0], 1
        last = _note_last_column(xml, 1, max(_used_columns(xml), 1))
    else:
        number, column = 1, _beside(xml, sheet, _last_column(rows[1]))
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
        xml_text(note).encode("utf-8"),
        prefix,
        prefix,
        prefix,
    )
    row = rows.get(number)
    if row is None:
        later = [n for n in rows if n > number]
        place = rows[min(later)].start() if later else len(body)
        new_body = body[:place] + b'<%srow r="%d"%s>%s</%srow>' % (prefix, number, height, cell, prefix) + body[place:]
    else:
        new_body = body[: row.start()] + _row_with_cell(row, cell, column, height) + body[row.end() :]
    tag = b"<%ssheetData%s>%s</%ssheetData>" % (prefix, sheet_data.group(2).rstrip(b"/").rstrip(), new_body, prefix)
    xml = _covering(xml[: sheet_data.start()] + tag + xml[sheet_data.end() :], Area("", number, column, number, last))
    return _with_merged_cells(xml, Area("", number, column, number, last).cells) if last > column else xml


def _beside(xml: bytes, sheet: Sheet, last: int) -> int:
    """The column two right of row 1's last cell, or of where its text (a title) runs on to."""
    text = sheet.values.get((1, last))
    room = len(text) * TITLE_CHARACTER - _column_width(xml, last) if isinstance(text, str) else 0
    column = last + 1
    while room > 0:
        room -= _column_width(xml, column)
        column += 1
    return column + 1


def _covering(xml: bytes, note: Area) -> bytes:
    """The worksheet part whose ``<dimension>`` (the used range streaming readers trust) covers the note too."""
    old = dimension(xml)
    found = find_references(old, "") if old else []
    if not found:
        return xml
    area = found[0].area
    bottom, right = max(area.bottom or area.top, note.bottom), max(area.right or area.left, note.right)
    return set_dimension(xml, Area("", min(area.top, note.top), min(area.left, note.left), bottom, right).cells)


def _note_last_column(xml: bytes, first: int, last: int) -> int:
    """The last column a note from column ``first`` spans: the columns up to ``last`` that hold
    :data:`NOTE_WIDTH` characters in all, so that a wide sheet printed across pages shows the
    note whole on its first page."""
    width, column = _column_width(xml, first), first
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
    cells = re.search(rb"<(?:\w+:)?sheetData\b", xml)
    xml = xml[: cells.start()] if cells else xml  # cols and sheetFormatPr come before the cells
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


# --- the calculation chain --------------------------------------------------------------


def _without_calc_chain(package: Package, workbook: str, replacements: dict[str, bytes]) -> dict[str, bytes]:
    """The content types and workbook relationships (as ``replacements`` has them already, or
    as they are) without the calculation chain (it lists formula cells, and Excel reports a
    damaged file when a listed cell holds a constant)."""
    rels = relationships_part(workbook)
    content_types = replacements.get("[Content_Types].xml") or package.read_xml("[Content_Types].xml")
    return {
        "[Content_Types].xml": re.sub(rb"<Override\b[^>]*" + re.escape(_CALC_CHAIN_TYPE.encode()) + rb"[^>]*/>", b"", content_types),
        rels: re.sub(rb"<Relationship\b[^>]*calcChain[^>]*/>", b"", replacements.get(rels) or package.read_xml(rels)),
    }
