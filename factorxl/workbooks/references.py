"""Cell references inside formula text, read as Excel reads them.

A reference is an area of one sheet: a cell (``B2``), a range (``$B$2:$B$1048576``), whole
columns (``B:C``) or whole rows (``2:5``), optionally on another sheet (``'It''s data'!A1``),
and optionally a spill reference (``E1#`` or ``_xlfn.ANCHORARRAY(E1)``: the block a dynamic
array spills into). Whole columns and rows are open-ended; :meth:`Area.clipped` bounds them
by a sheet's used range, which is what Excel hands a function (the cells beyond are empty).

:func:`find_references` lists the references of a formula (not inside quoted text);
:func:`shift_formula` moves a formula's relative references (a shared formula filled down);
:func:`relative_key` is the formula with its references in relative form, the same for
every cell of a filled-down column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ROW, MAX_COLUMN = 1_048_576, 16_384

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_QUOTED_TEXT = re.compile(r'"(?:[^"]|"")*"')
_ANCHORARRAY = re.compile(r"(?:_xlfn\.)?ANCHORARRAY\(\s*((?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)?!?\$?[A-Za-z]{1,3}\$?\d+)\s*\)", re.I)
_REFERENCE = re.compile(
    r"""
    (?<![\w.$'!\]])
    (?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?
    (?P<area>
        (?P<c1>\$?[A-Za-z]{1,3})(?P<r1>\$?\d+)(?::(?P<c2>\$?[A-Za-z]{1,3})(?P<r2>\$?\d+))?
      | (?P<cc1>\$?[A-Za-z]{1,3}):(?P<cc2>\$?[A-Za-z]{1,3})
      | (?P<rr1>\$?\d+):(?P<rr2>\$?\d+)
    )
    (?P<spill>\#)?
    (?![\w(.!$])
    """,
    re.X,
)


def column_number(letters: str) -> int:
    """``"C"`` -> 3."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    """3 -> ``"C"``."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_position(reference: str) -> tuple[int, int]:
    """``"C12"`` -> ``(12, 3)`` (row, column)."""
    match = _CELL.fullmatch(reference)
    if not match:
        raise ValueError(f"{reference!r} is not a cell reference")
    return int(match.group(2)), column_number(match.group(1))


def cell_name(row: int, column: int) -> str:
    """(12, 3) -> ``"C12"``."""
    return f"{column_letters(column)}{row}"


def sheet_text(sheet: str) -> str:
    """A sheet name as a formula writes it (quoted when it needs to be)."""
    return sheet if re.fullmatch(r"[A-Za-z_][\w.]*", sheet) else "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True)
class Area:
    """A block of one sheet; ``bottom``/``right`` are None for whole columns/rows (open-ended)."""

    sheet: str
    top: int
    left: int
    bottom: int | None
    right: int | None
    spill: bool = False

    def clipped(self, used_rows: int, used_columns: int) -> Area:
        """The area bounded by a sheet's used range (at least one cell), as Excel hands it over."""
        bottom = min(MAX_ROW if self.bottom is None else self.bottom, max(used_rows, self.top))
        right = min(MAX_COLUMN if self.right is None else self.right, max(used_columns, self.left))
        return Area(self.sheet, self.top, self.left, bottom, right)

    def contains(self, row: int, column: int) -> bool:
        return (
            self.top <= row <= (self.bottom or MAX_ROW)
            and self.left <= column <= (self.right or MAX_COLUMN)
        )

    @property
    def cells(self) -> str:
        """``A1:B2``, or ``A1`` for one cell (bounded areas only)."""
        corner = cell_name(self.top, self.left)
        single = (self.top, self.left) == (self.bottom, self.right)
        return corner if single else f"{corner}:{cell_name(self.bottom, self.right)}"

    @property
    def text(self) -> str:
        """``Sheet!A1:B2`` (bounded areas only)."""
        return f"{sheet_text(self.sheet)}!{self.cells}"


@dataclass(frozen=True)
class Reference:
    """One reference as written in a formula: where it is in the text and the area it names."""

    start: int
    end: int
    text: str
    area: Area


def _unquote(sheet: str) -> str:
    return sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet


def _masked(formula: str) -> str:
    """The formula with quoted text blanked (same length), so references are not found in it."""
    return _QUOTED_TEXT.sub(lambda m: '"' + " " * (len(m.group()) - 2) + '"', formula)


def normalize_spills(formula: str) -> str:
    """``_xlfn.ANCHORARRAY(E1)`` written as the equivalent ``E1#``."""
    return _ANCHORARRAY.sub(lambda m: m.group(1) + "#", formula) if "ANCHORARRAY" in formula.upper() else formula


def _area(match: re.Match, sheet: str) -> Area:
    spill = bool(match.group("spill"))
    if match.group("c1"):
        top, left = int(match.group("r1").lstrip("$")), column_number(match.group("c1").lstrip("$"))
        if match.group("c2"):
            bottom, right = int(match.group("r2").lstrip("$")), column_number(match.group("c2").lstrip("$"))
            top, bottom = sorted((top, bottom))
            left, right = sorted((left, right))
        else:
            bottom, right = top, left
        return Area(sheet, top, left, bottom, right, spill)
    if match.group("cc1"):
        left, right = sorted(column_number(match.group(n).lstrip("$")) for n in ("cc1", "cc2"))
        return Area(sheet, 1, left, None, right, spill)
    top, bottom = sorted(int(match.group(n).lstrip("$")) for n in ("rr1", "rr2"))
    return Area(sheet, top, 1, bottom, None, spill)


def _valid(area: Area) -> bool:
    return (
        1 <= area.top <= MAX_ROW
        and 1 <= area.left <= MAX_COLUMN
        and (area.bottom is None or area.bottom <= MAX_ROW)
        and (area.right is None or area.right <= MAX_COLUMN)
    )


def find_references(formula: str, sheet: str) -> list[Reference]:
    """The references of a formula in text order; ``sheet`` is the sheet the formula is on."""
    references = []
    for match in _REFERENCE.finditer(_masked(formula)):
        named = match.group("sheet")
        area = _area(match, _unquote(formula[match.start("sheet") : match.end("sheet")]) if named else sheet)
        if _valid(area):
            references.append(Reference(match.start(), match.end(), formula[match.start() : match.end()], area))
    return references


def replace_references(formula: str, references: list[Reference], texts: list[str]) -> str:
    """The formula with each reference's text replaced by the matching entry of ``texts``."""
    pieces, last = [], 0
    for reference, text in zip(references, texts, strict=True):
        pieces += [formula[last : reference.start], text]
        last = reference.end
    return "".join(pieces) + formula[last:]


def _shift_part(part: str, rows: int, columns: int) -> str:
    """Move one relative coordinate (``B``, ``12``; ``$B``/``$12`` stay) of a reference."""
    if part.startswith("$") or not part:
        return part
    if part.isdigit():
        return str(int(part) + rows)
    return column_letters(column_number(part) + columns)


_COORDINATE = re.compile(r"(\$?[A-Za-z]{1,3})?(\$?\d+)?")


def shift_formula(formula: str, rows: int, columns: int) -> str:
    """The formula as filled ``rows`` down and ``columns`` right: relative references move."""
    references = find_references(formula, "")
    texts = []
    for reference in references:
        prefix, _, area = reference.text.rpartition("!")
        spill = area.endswith("#")
        corners = []
        for corner in area.rstrip("#").split(":"):
            match = _COORDINATE.fullmatch(corner)
            letters, digits = (match.group(1) or "", match.group(2) or "") if match else (corner, "")
            corners.append(_shift_part(letters, 0, columns) + _shift_part(digits, rows, 0))
        texts.append((prefix + "!" if prefix else "") + ":".join(corners) + ("#" if spill else ""))
    return replace_references(formula, references, texts)


def relative_key(formula: str, row: int, column: int) -> str:
    """The formula with relative coordinates written as offsets from (row, column) (R1C1 style).

    Two cells of a filled-down column have the same key; absolute coordinates stay as written.
    """
    references = find_references(formula, "")

    def offset(part: str) -> str:
        if not part or part.startswith("$"):
            return part
        return f"R[{int(part) - row}]" if part.isdigit() else f"C[{column_number(part) - column}]"

    texts = []
    for reference in references:
        prefix, _, area = reference.text.rpartition("!")
        corners = []
        for corner in area.rstrip("#").split(":"):
            match = _COORDINATE.fullmatch(corner)
            corners.append(offset(match.group(1) or "") + offset(match.group(2) or "") if match else corner)
        texts.append(prefix + "!" + ":".join(corners) + ("#" if area.endswith("#") else ""))
    return replace_references(formula, references, texts)
