"""The one exception type factorxl raises for bad input or impossible computations."""

from __future__ import annotations

from dataclasses import dataclass

PLACE = "\x00place\x00"
"""Stands in a message for where in an argument's range the problem is (see :class:`RangePlace`)."""



def quoted(text: str) -> str:
    """Text as a formula spells it, so a message shows what to type: ``"ff3"`` (a quote inside is doubled)."""
    return '"' + str(text).replace('"', '""') + '"'


@dataclass(frozen=True)
class RangePlace:
    """Where in an argument's range a problem is: one cell, or a whole column.

    Rows and columns count from 1 in the range as the function received it, its header row
    included (``row`` None: the whole column). A single row or column arrives as a flat list
    (``flat``), whose cells count as rows of one column. A worksheet function sees values, not
    addresses, so the message says "row 5, column 1 of the range" ("cell 5 of the range" for a
    flat list, which may be a row or a column); a caller that knows the argument's range (the
    headless refresh) names the cell instead (:meth:`FactorxlError.message_at`).
    """

    argument: str
    row: int | None
    column: int
    flat: bool = False

    def in_range(self) -> str:
        """The place as a message says it without the range's address."""
        if self.row is None:
            return f"column {self.column}"
        if self.flat:
            return f"cell {self.row} of the range"
        return f"row {self.row}, column {self.column} of the range"


class FactorxlError(ValueError):
    """Invalid input or a computation that cannot give a meaningful number.

    The message is written for the person who typed the formula: it names the
    argument, what was expected and what arrived. Excel shows it in the cell
    (classic xlwings) or with ``#VALUE!`` (Excel 365, xlwings Lite).

    A message about one cell or column of an argument's range holds :data:`PLACE` where it
    says where, and ``place`` says which cell: the message reads "at row 5, column 1 of the
    range"; :meth:`message_at` puts the cell's address there instead.
    """

    def __init__(self, message: str, place: RangePlace | None = None) -> None:
        self.template = message
        self.place = place
        super().__init__(message if place is None else message.replace(PLACE, place.in_range()))

    def message_at(self, address: str) -> str:
        """The message with the place given as ``address`` (``"cell B6"``, ``"column A (A2:A301)"``)."""
        return self.template.replace(PLACE, address)


def printable(text: str) -> str:
    """``text`` as one plain line: control and format characters shown as escapes.

    Text that comes from a server or a file (an HTTP reason, a file's vintage line) may hold
    terminal escape sequences, line breaks or direction overrides; shown through this function
    it can neither drive the terminal nor look like more than one line.

    Examples
    --------
    >>> printable("Not Found\\x1b[2J\\r\\n")
    'Not Found\\\\x1b[2J\\\\r\\\\n'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def reason(error: BaseException) -> str:
    """What a library's exception says, as one printable line: its first line (pandas adds lines
    of advice for programmers), escaped by :func:`printable` (it may quote a file's text)."""
    return printable(str(error).partition("\n")[0])
