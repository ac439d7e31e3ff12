"""The cells of a workbook package as Excel saved them: values, formulas, date formats, names.

:func:`read_workbook` parses the workbook part, the shared strings, the cell styles and
every worksheet of a :class:`~factorxl.workbooks.package.Package` (bounded reads). Each
cell's stored value is kept as Excel saved it (number, text, logical, error); a numeric
cell whose number format is a date format is remembered, so that it can be handed to a
worksheet function as a date, as xlwings does in Excel. Shared formulas (a filled-down
column saved once) are expanded to each cell's own formula.
"""

from __future__ import annotations

import datetime
import io
import posixpath
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from factorxl.errors import FactorxlError
from factorxl.workbooks.package import Package
from factorxl.workbooks.references import Area, cell_name, cell_position, find_references, shift_formula

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
"""Excel's built-in number formats that show a date or a time."""

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = datetime.datetime(1904, 1, 1)

Position = tuple[int, int]
"""A cell's (row, column), both starting at 1."""


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value (``#VALUE!``, ``#DIV/0!``...) and, when factorxl raised it, why."""

    code: str
    message: str | None = None

    def __str__(self) -> str:
        return f"{self.code} ({self.message})" if self.message else self.code


Value = float | int | bool | str | None
"""A cell value; ``None`` is an empty cell."""


@dataclass
class FormulaCell:
    """A formula as stored in a worksheet.

    ``ref`` is the block of an array formula (a legacy Ctrl+Shift+Enter array or a
    dynamic array, ``dynamic``), None for a plain formula; ``stored`` tells whether the
    file holds a cached value for it.
    """

    sheet: str
    row: int
    column: int
    text: str
    ref: Area | None = None
    dynamic: bool = False
    stored: bool = True
    data_table: bool = False

    @property
    def cell(self) -> str:
        """The formula's cell (``"B2"``)."""
        return cell_name(self.row, self.column)


@dataclass
class Sheet:
    """One worksheet's cells."""

    name: str
    part: str
    values: dict[Position, Value | ExcelError] = field(default_factory=dict)
    dates: set[Position] = field(default_factory=set)
    formulas: list[FormulaCell] = field(default_factory=list)
    used_rows: int = 0
    used_columns: int = 0


@dataclass
class Workbook:
    """Every worksheet (by upper-case name), the defined names and the calculation settings."""

    part: str
    sheets: dict[str, Sheet]
    names: dict[tuple[str | None, str], str]  # (sheet or None for the workbook, NAME) -> formula text
    full_calc_on_load: bool
    date1904: bool

    def sheet(self, name: str) -> Sheet:
        try:
            return self.sheets[name.upper()]
        except KeyError:
            raise FactorxlError(f"there is no sheet named {name!r}") from None

    def defined_name(self, name: str, sheet: str) -> str | None:
        """The formula text of a defined name seen from ``sheet`` (a sheet's own name first)."""
        return self.names.get((sheet.upper(), name.upper()), self.names.get((None, name.upper())))

    def serial_to_date(self, serial: float) -> datetime.datetime:
        epoch = EXCEL_EPOCH_1904 if self.date1904 else EXCEL_EPOCH
        return epoch + datetime.timedelta(days=serial)


# --- the package's structure ---------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    """A relationship of a part to another part of the package (external targets are left out)."""

    id: str
    type: str
    target: str  # the target's part name, resolved against the source part's folder


def relationships_part(part: str) -> str:
    """The name of the part that holds the relationships of ``part`` (``xl/_rels/workbook.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def relationships(package: Package, part: str) -> list[Relationship]:
    """The relationships of ``part`` to other parts of the package; a target written as an
    absolute name (``/xl/styles.xml``) or relative to the part's folder gives the same part."""
    rels = relationships_part(part)
    if rels not in package.names:
        return []
    folder = posixpath.dirname(part)
    found = []
    for relationship in _parse(package, rels).iter(f"{_RELATIONSHIPS}Relationship"):
        if relationship.get("TargetMode") == "External":
            continue
        target = relationship.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        found.append(Relationship(relationship.get("Id", ""), relationship.get("Type", ""), path))
    return found


def workbook_part(package: Package) -> str:
    """The name of the workbook part (``xl/workbook.xml``)."""
    documents = [
        r.target for r in relationships(package, "") if r.target.endswith(".xml") and "workbook" in r.target.rsplit("/", 1)[-1].lower()
    ]
    return documents[0] if documents else "xl/workbook.xml"


def related_parts(package: Package, part: str, kind: str) -> list[str]:
    """Parts related to ``part`` whose relationship type ends with ``kind`` (``"/drawing"``...)."""
    return [r.target for r in relationships(package, part) if r.type.endswith(kind)]


def _parse(package: Package, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(package.read_xml(name))
    except ElementTree.ParseError as error:
        raise FactorxlError(f"{package.path}: the part {name} is not well-formed XML ({error})") from None


# --- styles and shared strings ----------------------------------------------------------------


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or a time."""
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", code.split(";")[0])
    return bool(re.search(r"[ymdhs]", code, re.I)) and not re.fullmatch(r"(?i)\s*general\s*", code)


def date_styles(package: Package, workbook: str) -> frozenset[int]:
    """The indexes of the cell styles whose number format is a date format."""
    targets = related_parts(package, workbook, "/styles")
    if not targets or targets[0] not in package.names:
        return frozenset()
    root = _parse(package, targets[0])
    custom = {
        int(f.get("numFmtId", -1)): f.get("formatCode", "")
        for f in root.iter(f"{MAIN}numFmt")
    }
    cell_xfs = root.find(f"{MAIN}cellXfs")
    styles = set()
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
        number_format = int(xf.get("numFmtId", 0))
        if number_format in custom:
            if is_date_format(custom[number_format]):
                styles.add(index)
        elif number_format in DATE_FORMAT_IDS:
            styles.add(index)
    return frozenset(styles)


def shared_strings(package: Package, workbook: str) -> list[str]:
    """The shared strings, in order (rich text runs joined, phonetic runs left out)."""
    targets = related_parts(package, workbook, "/sharedStrings")
    if not targets or targets[0] not in package.names:
        return []
    strings = []
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(package.read_xml(targets[0]))):
            if element.tag == f"{MAIN}si":
                strings.append(_rich_text(element))
                element.clear()
    except ElementTree.ParseError as error:
        raise FactorxlError(f"{package.path}: the shared strings are not well-formed XML ({error})") from None
    return strings


def _rich_text(element: ElementTree.Element) -> str:
    pieces = []
    for child in element:
        if child.tag == f"{MAIN}t":
            pieces.append(child.text or "")
        elif child.tag == f"{MAIN}r":
            pieces.extend(t.text or "" for t in child.iter(f"{MAIN}t"))
    return "".join(pieces)


# --- worksheets ----------------------------------------------------------------------------


def count_cells(xml: bytes) -> int:
    """The number of ``<c>`` elements of a worksheet part, counted without parsing it."""
    prefixed = xml.count(b":c ") + xml.count(b":c>") if b":sheetData" in xml else 0
    return xml.count(b"<c ") + xml.count(b"<c>") + prefixed




def _cell_value(kind: str, text: str | None, inline: ElementTree.Element | None, strings: list[str]) -> Value | ExcelError:
    if kind == "inlineStr":
        return _rich_text(inline) if inline is not None else ""
    if text is None or (text == "" and kind not in ("str", "s")):
        return None
    if kind == "s":
        index = int(text)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind == "str":
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return ExcelError(text)
    if kind == "d":
        return text
    return float(text)


def read_sheet(package: Package, name: str, part: str, strings: list[str], dates: frozenset[int]) -> Sheet:
    """One worksheet's cells (values, date-formatted cells, formulas)."""
    sheet = Sheet(name, part)
    shared: dict[str, FormulaCell] = {}  # si -> the shared formula's first cell
    followers: list[tuple[FormulaCell, str]] = []
    c_tag, f_tag, v_tag, is_tag, row_tag = (f"{MAIN}{t}" for t in ("c", "f", "v", "is", "row"))
    row_number, column = 0, 0
    max_row = max_column = 0
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(package.read_xml(part)), events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == row_tag:
                    row_number = int(element.get("r") or row_number + 1)
                    column = 0
                continue
            if tag == row_tag:
                element.clear()
                continue
            if tag != c_tag:
                continue
            reference = element.get("r")
            if reference:
                try:
                    row_number, column = cell_position(reference)
                except ValueError as error:
                    raise FactorxlError(f"{package.path}: the sheet {name!r} has a cell at {error}") from None
            else:
                column += 1
            position = (row_number, column)
            max_row, max_column = max(max_row, row_number), max(max_column, column)
            kind = element.get("t", "n")
            value_element = element.find(v_tag)
            text = value_element.text if value_element is not None else None
            try:
                value = _cell_value(kind, text, element.find(is_tag), strings)
            except ValueError:
                raise FactorxlError(f"{package.path}: the sheet {name!r} stores {text!r} as a number at {reference}") from None
            if value is not None:
                sheet.values[position] = value
                if isinstance(value, float) and int(element.get("s", 0)) in dates:
                    sheet.dates.add(position)
            formula = element.find(f_tag)
            if formula is not None:
                _add_formula(sheet, formula, position, value is not None or kind in ("str", "s"), bool(element.get("cm")), shared, followers)
            element.clear()
    except ElementTree.ParseError as error:
        raise FactorxlError(f"{package.path}: the sheet {name!r} ({part}) is not well-formed XML ({error})") from None
    for formula, si in followers:
        if si not in shared:
            raise FactorxlError(f"{name}!{formula.cell}: a shared formula without its first cell; open the file in Excel and save it again")
        master = shared[si]
        formula.text = shift_formula(master.text, formula.row - master.row, formula.column - master.column)
    sheet.used_rows, sheet.used_columns = max_row, max_column
    return sheet


def _add_formula(
    sheet: Sheet,
    formula: ElementTree.Element,
    position: Position,
    stored: bool,
    dynamic: bool,
    shared: dict[str, FormulaCell],
    followers: list[tuple[FormulaCell, str]],
) -> None:
    kind = formula.get("t", "normal")
    text = (formula.text or "").lstrip("=")
    cell = FormulaCell(sheet.name, *position, text, stored=stored)
    if kind == "array":
        refs = find_references(formula.get("ref") or "", sheet.name)
        cell.ref = refs[0].area if refs else Area(sheet.name, *position, *position)
        cell.dynamic = dynamic
    elif kind == "dataTable":
        cell.data_table = True
    elif kind == "shared":
        si = formula.get("si", "")
        if text:
            shared[si] = cell
        else:
            followers.append((cell, si))
    sheet.formulas.append(cell)


def read_workbook(package: Package) -> Workbook:
    """Every worksheet's cells, the defined names and the calculation settings of a package."""
    workbook = workbook_part(package)
    root = _parse(package, workbook)
    targets = {r.id: r.target for r in relationships(package, workbook)}
    sheet_elements = [s for s in root.iter(f"{MAIN}sheet") if s.get(_RELATIONSHIP_ID) in targets]
    parts = {s.get("name"): targets[s.get(_RELATIONSHIP_ID)] for s in sheet_elements}
    worksheets = {name: part for name, part in parts.items() if part in package.names and "worksheet" in part}
    cells = sum(count_cells(package.read(part)) for part in worksheets.values())
    if cells > package.limits.cells:
        raise FactorxlError(
            f"{package.path} has {cells:,} cells; the refresh reads at most {package.limits.cells:,} (a workbook this "
            "large is refreshed in Excel)"
        )
    strings = shared_strings(package, workbook)
    dates = date_styles(package, workbook)
    sheets = {name.upper(): read_sheet(package, name, part, strings, dates) for name, part in worksheets.items()}
    sheet_names = [s.get("name") for s in sheet_elements]
    names: dict[tuple[str | None, str], str] = {}
    for defined in root.iter(f"{MAIN}definedName"):
        local = defined.get("localSheetId")
        scope = sheet_names[int(local)].upper() if local is not None and local.isdigit() and int(local) < len(sheet_names) else None
        names[scope, (defined.get("name") or "").upper()] = (defined.text or "").lstrip("=")
    calculation = root.find(f"{MAIN}calcPr")
    properties = root.find(f"{MAIN}workbookPr")
    return Workbook(
        part=workbook,
        sheets=sheets,
        names=names,
        full_calc_on_load=calculation is not None and calculation.get("fullCalcOnLoad") in ("1", "true"),
        date1904=properties is not None and properties.get("date1904") in ("1", "true"),
    )
