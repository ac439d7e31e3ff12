"""Which cells a shareable copy of a workbook freezes, locks and leaves live.

In a shareable copy every factorxl formula becomes the value it holds: a *frozen result*.
A cell whose change would make a frozen result stale is a *frozen input*: a cell the frozen
results read, directly or through native formulas, traced through the workbook's formula
graph (:func:`~factorxl.workbooks.engine.dependencies`). Any other cell holding a value that a
native formula reads is a *live input*: changing it recalculates native formulas only, and
they stay right. A formula that may read cells its references do not name (``INDIRECT``,
``OFFSET``, a defined name that is a formula) feeding a frozen result makes every cell of
the workbook a frozen input: nothing can be proved live.

>>> cells = frozen_cells(read_workbook(package))          # doctest: +SKIP
>>> cells["MODEL"].protected, sorted(cells["MODEL"].frozen_inputs)[:2]   # doctest: +SKIP
(True, [(6, 2), (7, 2)])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from factorxl.workbooks.engine import dependencies
from factorxl.workbooks.formula_functions import calls_factorxl
from factorxl.workbooks.references import MAX_COLUMN, MAX_ROW, Area
from factorxl.workbooks.workbook_cells import FormulaCell, Position, Sheet, Workbook


@dataclass(frozen=True)
class SheetCells:
    """What a shareable copy does with the cells of one sheet.

    Attributes
    ----------
    frozen : tuple of FormulaCell
        The sheet's factorxl formulas (each cell of a shared formula counts), whose values
        the copy keeps as constants.
    formula_blocks : tuple of Area
        The cells of the sheet's formulas (an array formula's block): never inputs.
    frozen_inputs : frozenset of (row, column)
        Cells holding a value that frozen results read, directly or through native formulas.
    live_inputs : frozenset of (row, column)
        Cells holding a value that native formulas read and no frozen result does.
    reads_frozen : tuple of Area
        The areas of this sheet the frozen results read, empty cells included.
    native : bool
        Whether the sheet has native formulas (they stay live).
    """

    frozen: tuple[FormulaCell, ...]
    formula_blocks: tuple[Area, ...]
    frozen_inputs: frozenset[Position]
    live_inputs: frozenset[Position]
    reads_frozen: tuple[Area, ...]
    native: bool

    @property
    def protected(self) -> bool:
        """Whether the copy protects the sheet: it holds frozen results or cells they read."""
        return bool(self.frozen or self.reads_frozen)

    @property
    def frozen_areas(self) -> list[Area]:
        """The cells of the frozen results: each formula's block, or its cell."""
        return [f.ref or Area(f.sheet, f.row, f.column, f.row, f.column) for f in self.frozen]

    def is_formula(self, row: int, column: int) -> bool:
        """Whether a formula owns the cell (its own cell, or a cell of its block)."""
        return any(area.contains(row, column) for area in self.formula_blocks)

    def feeds_frozen(self, row: int, column: int) -> bool:
        """Whether a frozen result reads the cell (an empty cell too)."""
        return any(area.contains(row, column) for area in self.reads_frozen)


def frozen_cells(workbook: Workbook) -> dict[str, SheetCells]:
    """Sheet name (upper case, as :class:`Workbook` keys them) -> its cells in a shareable copy."""
    graph = dependencies(workbook)
    frozen = [n for n, formula in enumerate(graph) if calls_factorxl(formula.cell.text)]
    feeding, waiting = set(frozen), list(frozen)
    while waiting:
        for precedent in graph[waiting.pop()].precedents:
            if precedent not in feeding:
                feeding.add(precedent)
                waiting.append(precedent)
    if any(graph[n].opaque for n in feeding):
        frozen_reads = [Area(sheet.name, 1, 1, None, None) for sheet in workbook.sheets.values()]
    else:
        frozen_reads = [area for n in feeding for area in graph[n].reads]
    live_reads = [area for n, formula in enumerate(graph) if n not in feeding for area in formula.reads]
    blocks = [f.cell.ref or Area(f.cell.sheet, f.cell.row, f.cell.column, f.cell.row, f.cell.column) for f in graph]
    return {
        key: _sheet_cells(
            sheet,
            tuple(graph[n].cell for n in frozen if graph[n].cell.sheet.upper() == key),
            _on(key, blocks),
            _on(key, frozen_reads),
            _on(key, live_reads),
            any(not calls_factorxl(f.text) for f in sheet.formulas),
        )
        for key, sheet in workbook.sheets.items()
    }


def _on(key: str, areas: Iterable[Area]) -> tuple[Area, ...]:
    """The distinct areas of one sheet, in a stable order."""
    return tuple(dict.fromkeys(area for area in areas if area.sheet.upper() == key))


def _sheet_cells(
    sheet: Sheet, frozen: tuple[FormulaCell, ...], blocks: tuple[Area, ...], frozen_reads: tuple[Area, ...], live_reads: tuple[Area, ...], native: bool
) -> SheetCells:
    positions = np.array(list(sheet.values), dtype=np.int64).reshape(-1, 2)
    owned = _within(positions, blocks)
    feeds_frozen = _within(positions, frozen_reads) & ~owned
    live = _within(positions, live_reads) & ~owned & ~feeds_frozen
    return SheetCells(frozen, blocks, _positions(positions, feeds_frozen), _positions(positions, live), frozen_reads, native)


def _within(positions: np.ndarray, areas: tuple[Area, ...]) -> np.ndarray:
    """Which of the (row, column) ``positions`` lie in any of the ``areas`` (whole columns and rows too)."""
    rows, columns = positions[:, 0], positions[:, 1]
    inside = np.zeros(len(positions), dtype=bool)
    for area in areas:
        bottom, right = area.bottom or MAX_ROW, area.right or MAX_COLUMN
        inside |= (rows >= area.top) & (rows <= bottom) & (columns >= area.left) & (columns <= right)
    return inside


def _positions(positions: np.ndarray, selected: np.ndarray) -> frozenset[Position]:
    return frozenset(map(tuple, positions[selected].tolist()))
