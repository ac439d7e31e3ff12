"""What a shareable copy says about itself: each sheet's note, the workbook's summary note,
and the sentences of the original that are no longer true of the copy, rewritten.

The notes are plain text; :mod:`factorxl.workbooks.share` places and styles them. A sheet's
note takes the place of the template's input legend ("Blue on yellow: inputs (change
them...)"), so that what is live and what is fixed is said in the one place the colleague
reads, at the top of the sheet.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from factorxl.workbooks.references import Area, cell_name
from factorxl.workbooks.templates.layout import INPUT_LEGEND
from factorxl.workbooks.xlsx_values import xml_text

LISTED_RANGES = 40
"""At most this many cell ranges are named in a list of a note; the rest are counted."""

FROZEN_COLOURS = "blue on grey"
LIVE_COLOURS = "blue on yellow"

_AGAIN = "change it in the original, refresh it (factorxl refresh) and share it again (factorxl share)"


@dataclass(frozen=True)
class SheetStory:
    """What a shareable copy did with one sheet's cells, as its note tells it.

    Attributes
    ----------
    frozen : tuple of str
        Ranges that held factorxl formulas and now hold their values.
    locked, live : tuple of str
        Ranges of the cells the fixed values were computed from (locked), and of the inputs
        that feed only native formulas (left free to change).
    locked_styled, live_styled : bool
        Whether some locked (live) cells are styled as inputs (blue on grey, blue on yellow).
    protected : bool
        Whether the sheet is protected.
    native : bool
        Whether the sheet has native formulas (they recalculate).
    """

    frozen: tuple[str, ...]
    locked: tuple[str, ...]
    live: tuple[str, ...]
    locked_styled: bool
    live_styled: bool
    protected: bool
    native: bool

    @property
    def told(self) -> bool:
        """Whether the sheet has anything to say (else it gets no note)."""
        return bool(self.frozen or self.locked or self.live or self.protected)


def made_by(original: str, version: str) -> str:
    return f"Shareable copy of {original}, made by factorxl {version}."


def sheet_note(story: SheetStory, original: str, version: str) -> str:
    """The note of one sheet: what is fixed, what is locked and what is live on it."""
    sentences = [made_by(original, version)]
    if story.frozen:
        sentences.append(f"Fixed values: {listed(story.frozen)} held factorxl formulas and no longer recalculate.")
    if story.locked:
        colours = f", {FROZEN_COLOURS}" if story.locked_styled else ""
        sentences.append(f"Locked{colours}: {listed(story.locked)}, which fixed values were computed from.")
    if story.protected and not (story.frozen or story.locked):
        sentences.append("Fixed values on other sheets were computed from its cells.")
    if story.protected:
        sentences.append(f"The sheet is protected (no password) so that no fixed value goes stale: to change an input, {_AGAIN}.")
    if story.live:
        colours = f", {LIVE_COLOURS}" if story.live_styled else ""
        sentences.append(f"Live inputs{colours}: {listed(story.live)}; change them and the formulas that read them recalculate.")
    if story.native:
        sentences.append("Every other formula recalculates." if story.frozen else "Its formulas recalculate.")
    return " ".join(sentences)


def summary_note(stories: Iterable[SheetStory], original: str, version: str) -> str:
    """The workbook's note (on its Notes sheet): the rules of the copy in a few sentences."""
    stories = list(stories)
    locked_styled = any(s.locked_styled for s in stories)
    live = any(s.live for s in stories)
    colours = f" ({FROZEN_COLOURS})" if locked_styled else ""
    sentences = [
        made_by(original, version),
        "The factorxl results are fixed values: they no longer recalculate.",
        f"The inputs and data they were computed from are locked{colours}, on sheets protected without a password, "
        "so that no fixed value goes stale; every other formula recalculates.",
        f"The inputs that feed only those formulas are live{f' ({LIVE_COLOURS})' if any(s.live_styled for s in stories) else ''}: change them freely."
        if live
        else "No input feeds only those formulas, so none is live.",
        f"Each sheet's note names its cells. To change a locked input, {_AGAIN}.",
    ]
    return " ".join(sentences)


def listed(ranges: tuple[str, ...]) -> str:
    """``B6:H16, A34:B41``, at most :data:`LISTED_RANGES` of them and how many more."""
    text = ", ".join(ranges[:LISTED_RANGES])
    if len(ranges) > LISTED_RANGES:
        text += f" and {len(ranges) - LISTED_RANGES} more ranges"
    return text


def ranges(areas: Iterable[Area]) -> tuple[str, ...]:
    """Ranges in reading order: areas of one column span in consecutive rows joined (C5, C6,
    C7 -> C5:C7), then side-by-side ranges with the same rows (B5:B9, C5:C9 -> B5:C9)."""
    by_columns: dict[tuple[int, int], list[list[int]]] = defaultdict(list)
    boxes: list[list[int]] = []
    for area in sorted(set(areas), key=lambda area: (area.left, area.top)):
        runs = by_columns[area.left, area.right]
        if runs and runs[-1][3] == area.top - 1:
            runs[-1][3] = area.bottom
            continue
        box = [area.left, area.top, area.right, area.bottom]
        runs.append(box)
        boxes.append(box)
    merged: list[list[int]] = []
    for box in sorted(boxes, key=lambda box: (box[1], box[3], box[0])):
        last = merged[-1] if merged else None
        if last is not None and (last[1], last[3]) == (box[1], box[3]) and last[2] == box[0] - 1:
            last[2] = box[2]
        else:
            merged.append(list(box))
    return tuple(_range_text(*box) for box in sorted(merged, key=lambda box: (box[1], box[0])))


def _range_text(left: int, top: int, right: int, bottom: int) -> str:
    first = cell_name(top, left)
    return first if (left, top) == (right, bottom) else f"{first}:{cell_name(bottom, right)}"


# --- the original's sentences that the copy makes untrue ---------------------------------

COPY_LEGEND = (
    f"{LIVE_COLOURS.capitalize()}: live inputs (change them). {FROZEN_COLOURS.capitalize()}: inputs locked in this "
    "shareable copy. Black: formulas."
)
_RECALCULATION = (
    "In this shareable copy only the native formulas recalculate (in Excel, LibreOffice or any other program); the factorxl "
    "results keep the values they had, and factorxl refresh refuses the copy: refresh the original and share it again."
)
_CLAIMS = (
    (re.compile(r"\bEvery number is a formula\b"), "In the original every number is a formula (in this shareable copy the factorxl results are fixed values)"),
    (re.compile(r"\b([Ii]nputs are )blue on yellow\b"), rf"\1{LIVE_COLOURS} where they are live in this shareable copy and {FROZEN_COLOURS} where they are locked"),
    (re.compile(r"^Blue on yellow: "), f"Inputs ({LIVE_COLOURS} where they are live in this shareable copy, {FROZEN_COLOURS} where they are locked): "),
)
_SAYS_IT_RECALCULATES = re.compile(r"factorxl refresh\b|\bformulas recalculate\b", re.I)
_SENTENCE_END = re.compile(r"(?<=\.)(\s+)(?=[A-Z(`])")


def copy_text(text: str) -> str:
    """A text of the original as the copy says it: the input legend, "Every number is a
    formula", "inputs are blue on yellow" and the sentences on recalculating rewritten."""
    if text == INPUT_LEGEND:
        return COPY_LEGEND
    for claim, replacement in _CLAIMS:
        text = claim.sub(replacement, text)
    if not _SAYS_IT_RECALCULATES.search(text):
        return text
    parts = _SENTENCE_END.split(text)
    kept: list[tuple[str, str]] = []  # (sentence, the space after it)
    for sentence, space in zip(parts[0::2], [*parts[1::2], ""]):
        if _SAYS_IT_RECALCULATES.search(sentence):
            if kept and kept[-1][0] == _RECALCULATION:  # consecutive sentences on recalculating become one
                kept[-1] = (_RECALCULATION, space)
                continue
            sentence = _RECALCULATION
        kept.append((sentence, space))
    return "".join(sentence + space for sentence, space in kept)


_TEXT = re.compile(rb"(<((?:\w+:)?)t\b[^>]*(?<!/)>)(.*?)(</\2t>)", re.S)  # not an empty <t/>


def copy_texts(xml: bytes) -> bytes:
    """A shared-strings or worksheet part with each text run (``<t>``) rewritten by :func:`copy_text`."""

    def rewrite(match: re.Match) -> bytes:
        text = html.unescape(match.group(3).decode("utf-8"))
        new = copy_text(text)
        if new == text:
            return match.group(0)
        return match.group(1) + xml_text(new).encode("utf-8") + match.group(4)

    return _TEXT.sub(rewrite, xml)
