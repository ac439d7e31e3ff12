"""Building the template workbooks: write each with XlsxWriter, store factorxl's values in it,
read back its headline numbers.

>>> results = build_workbooks(Path("out"), DataSource(local_dir="../shared/data", vintage="v202412"))  # doctest: +SKIP
>>> [(r.name, r.headlines) for r in results]                                                         # doctest: +SKIP

A workbook whose data cannot be had is skipped with a message naming the file and how to
supply it; the others are still built. A workbook is written to a temporary file, refreshed
(every formula evaluated by :func:`factorxl.workbooks.refresh.refresh_workbook` with ``full=True``, its value
stored as the cell's cached value) and only then renamed into place, so the output folder
never holds a half-built workbook.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from factorxl.data import DataSource
from factorxl.errors import FactorxlError
from factorxl.excel.data_functions import data_source_set_to
from factorxl.workbooks.progress import Progress, reporting
from factorxl.workbooks.refresh import refresh_workbook
from factorxl.workbooks.templates import arkk_brk, famamacbeth, minimodel, msft
from factorxl.workbooks.templates.data import MissingData

TEMPLATES: dict[str, ModuleType] = {"msft": msft, "arkk_brk": arkk_brk, "minimodel": minimodel, "famamacbeth": famamacbeth}
"""Every template by its command-line name; each module has ``FILE_NAME`` and ``build(path, source)``,
and may name the Kenneth French vintage folder it reads by default (``VINTAGE``) or say that it
reads no dataset (``NEEDS_DATA = False``)."""

DEFAULT_VINTAGE = "v202412"
"""The Kenneth French vintage the MSFT numbers of the 'Factor Models' notebook were computed with (beta 1.187234068887255)."""


class FormulasNotEvaluated(FactorxlError):
    """Formulas of a built template that did not evaluate to a value (nothing was written)."""

    def __init__(self, book: str, problems: Sequence[object]) -> None:
        super().__init__(
            f"{book}: {len(problems)} formulas did not evaluate to a value, so it was not written; "
            "this is a fault in the template, please report it"
        )
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Headline:
    """A headline number read back from a built workbook's cached values."""

    label: str
    value: float | str | None
    spec: str

    def __str__(self) -> str:
        shown = format(self.value, self.spec) if isinstance(self.value, (int, float)) else str(self.value)
        return f"{self.label}: {shown}"


@dataclass(frozen=True)
class BookResult:
    """What happened to one template: where it was written, its headlines, what was left out."""

    name: str
    path: Path | None  # None when the workbook was skipped
    headlines: tuple[Headline, ...]
    skipped: tuple[str, ...]
    formulas: int = 0
    cells: int = 0  # cached values written (every cell of an array formula's range)
    seconds: float = 0.0


def vintage_for(data_dir: Path | None, vintage: str | None, default: str = DEFAULT_VINTAGE) -> str | None:
    """The Kenneth French vintage a build reads.

    Parameters
    ----------
    data_dir : Path or None
        The offline data folder (``--data``), or None online.
    vintage : str or None
        The vintage asked for (``--vintage``).
    default : str
        The template's default vintage (:data:`DEFAULT_VINTAGE` unless it names its own).

    Returns
    -------
    str or None
        ``vintage`` when given; otherwise, offline, ``default`` when the data folder has a
        subfolder of that name; otherwise None (a folder with one copy of each file, or the
        download cache).
    """
    if vintage or data_dir is None:
        return vintage
    return default if any(p.is_dir() for p in Path(data_dir).rglob(default)) else None


def template_source(name: str, data_dir: Path | None, vintage: str | None) -> DataSource:
    """Where template ``name`` reads its data: the folder ``data_dir`` with the vintage
    :func:`vintage_for` picks for it (the template's ``VINTAGE`` by default), or the download cache."""
    if data_dir is None:
        return DataSource()
    if not getattr(TEMPLATES[name], "NEEDS_DATA", True):
        return DataSource(local_dir=Path(data_dir))
    default = getattr(TEMPLATES[name], "VINTAGE", DEFAULT_VINTAGE)
    return DataSource(local_dir=Path(data_dir), vintage=vintage_for(data_dir, vintage, default))


def build_workbook(name: str, out: Path, source: DataSource | None, *, progress: bool | None = None) -> BookResult:
    """Build one template into ``out``, store factorxl's values in it and read its headlines.

    Parameters
    ----------
    name : str
        A key of :data:`TEMPLATES` (``"msft"``, ``"arkk_brk"``, ``"minimodel"``).
    out : Path
        The output folder (it must exist); the file keeps the template's ``FILE_NAME``.
    source : DataSource or None
        Where the datasets come from (the MiniModel needs none); the data worksheet
        functions of the workbook read through it while it is refreshed.
    progress : bool, optional
        True draws a progress bar, False shows nothing; by default the enclosing
        :func:`factorxl.workbooks.progress.reporting` block decides (else a bar on a terminal).

    Returns
    -------
    BookResult
        ``path`` is None when the template's data could not be had; ``skipped`` then holds
        the message (which file, its address, how to supply it). A workbook built without
        one of its parts also lists that part in ``skipped``.

    Raises
    ------
    FormulasNotEvaluated
        When a formula of the built workbook does not evaluate to a value (nothing is
        written to ``out`` then).
    """
    template = TEMPLATES[name]
    path = Path(out) / template.FILE_NAME
    partial = path.with_name(f".{path.stem}.building{path.suffix}")
    try:
        with reporting(label=path.name):
            try:
                with Progress(progress) as bar:
                    bar.stage("writing the template", None)
                    built = template.build(partial, source)
            except MissingData as missing:
                return BookResult(name, None, (), (str(missing),))
            with data_source_set_to(source):  # the data functions in the workbook read where the build reads
                report = refresh_workbook(partial, full=True, progress=progress)
        problems = report.problems + report.errors
        if problems:
            raise FormulasNotEvaluated(path.name, problems)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    headlines = _read_headlines(path, built.headlines)
    return BookResult(name, path, headlines, built.skipped, report.formulas, report.cells, report.seconds)


def build_workbooks(out: Path, source: DataSource, names: Sequence[str] | None = None, *, progress: bool | None = None) -> list[BookResult]:
    """Build the templates ``names`` (default all, in :data:`TEMPLATES` order) into ``out``,
    which is created if needed; see :func:`build_workbook`."""
    Path(out).mkdir(parents=True, exist_ok=True)
    return [build_workbook(name, out, source, progress=progress) for name in (names or TEMPLATES)]


def _read_headlines(path: Path, cells: Sequence) -> tuple[Headline, ...]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return tuple(Headline(cell.label, book[cell.sheet][cell.cell].value, cell.spec) for cell in cells)
    finally:
        book.close()
