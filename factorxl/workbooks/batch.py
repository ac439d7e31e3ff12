"""Refreshing many workbooks: one job per book, run in a pool of warm worker processes or on Dask.

>>> jobs = plan(["desk1/Model.xlsx", "desk2/Model.xlsx", "MSFT.xlsx"], out="refreshed")   # doctest: +SKIP
>>> [str(job.destination) for job in jobs]                                                # doctest: +SKIP
['refreshed/desk1/Model.xlsx', 'refreshed/desk2/Model.xlsx', 'refreshed/MSFT.xlsx']
>>> outcomes = list(run(jobs, workers=2))                                                 # doctest: +SKIP
>>> exit_code(outcomes)                                                                   # doctest: +SKIP
<ExitCode.DONE: 0>

* :func:`plan` gives every book its destination: ``OUT/NAME`` for a file name no other book
  has; books sharing a file name (compared without regard to case, as Windows and macOS
  compare them) keep the folders that tell them apart, their paths below the deepest folder
  they share (``desk1/Model.xlsx``, ``desk2/Model.xlsx``).
* :func:`refresh_job` refreshes one book and never raises for a problem of that book: the
  :class:`BookOutcome` carries the report, or the one line that says why it could not be
  refreshed, and the exit code the book alone would give. It is the task a Dask cluster
  runs too (``client.map(refresh_job, jobs)``).
* :func:`run` runs the jobs in this process (``workers=1``) or in a pool of worker processes
  started once, each with one BLAS thread, that refresh book after book; what they read
  once (the Python modules, the Kenneth French files) stays in memory for the next book.
  Where the system has it (Linux, macOS) the workers are forked from a server process that
  loaded the engine once, so starting N workers costs one load, not N.
  The largest books are started first. A worker process that dies (killed, out of memory)
  breaks the pool; the books not yet done are then refreshed one at a time, each in a new
  process, so a book that kills its process is named and the others are still refreshed.
* :func:`exit_code` is the exit code of the whole run: 0 when every book is done, the books'
  common code when they all end alike (a single book keeps its own), 1 (done in part) otherwise.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits  # here, so that a missing one is said before any worker starts

from factorxl.errors import FactorxlError
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.refresh import RefreshReport

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


@dataclass(frozen=True)
class RefreshJob:
    """One book to refresh: where it is, where it goes (None: in place) and how."""

    source: Path
    destination: Path | None = None
    full: bool = False
    keep_going: bool = False
    clear_full_calc_on_load: bool = False


@dataclass(frozen=True)
class BookOutcome:
    """What became of one book.

    Attributes
    ----------
    job : RefreshJob
    report : RefreshReport or None
        None when the book could not be refreshed at all (``failure`` says why).
    failure : str
        One line: what went wrong and what to do; empty when there is a report.
    code : ExitCode
        The exit code ``factorxl refresh`` gives for this book alone.
    cpu_seconds : float
        CPU time of the worker process on this book.
    process : int
        The id of the process that refreshed it.
    """

    job: RefreshJob
    report: RefreshReport | None
    failure: str
    code: ExitCode
    cpu_seconds: float = 0.0
    process: int = 0

    @property
    def name(self) -> str:
        """The book as given."""
        return str(self.job.source)


def plan(
    books: Iterable[str | Path],
    out: str | Path | None = None,
    *,
    full: bool = False,
    keep_going: bool = False,
    clear_full_calc_on_load: bool = False,
) -> list[RefreshJob]:
    """One job per book, each with a destination of its own in ``out``.

    Parameters
    ----------
    books : iterable of str or Path
        The workbooks, each once.
    out : str or Path, optional
        The folder the refreshed books go to (it must exist); by default each book is
        refreshed in place. A book whose file name no other book has goes to
        ``out/NAME``; books that share a file name (without regard to case) go to their
        paths below the deepest folder they share.
    full, keep_going, clear_full_calc_on_load : bool
        As :func:`factorxl.workbooks.refresh.refresh_workbook` takes them.

    Raises
    ------
    FactorxlError
        When a book is given twice.
    """
    books = [Path(book) for book in books]
    seen: dict[Path, Path] = {}
    for book in books:
        if book.resolve() in seen:
            raise FactorxlError(f"{book} is given twice (as {seen[book.resolve()]} too); give each workbook once")
        seen[book.resolve()] = book
    destinations = _destinations(books, Path(out)) if out is not None else [None] * len(books)
    options = dict(full=full, keep_going=keep_going, clear_full_calc_on_load=clear_full_calc_on_load)
    return [RefreshJob(book, destination, **options) for book, destination in zip(books, destinations, strict=True)]


def _destinations(books: list[Path], out: Path) -> list[Path]:
    by_name: dict[str, list[Path]] = defaultdict(list)
    for book in books:
        by_name[book.name.casefold()].append(book)
    chosen: dict[Path, Path] = {}
    for same in by_name.values():
        if len(same) == 1:
            chosen[same[0]] = out / same[0].name
            continue
        resolved = [book.resolve() for book in same]
        try:
            below = [path.relative_to(os.path.commonpath(resolved)) for path in resolved]
        except ValueError:  # on different drives (Windows): the drive letter is the first folder
            below = [Path(path.drive.rstrip(":\\/") or "root", path.relative_to(path.anchor)) for path in resolved]
        chosen.update({book: out / path for book, path in zip(same, below, strict=True)})
    return [chosen[book] for book in books]


def refresh_job(job: RefreshJob, progress: bool | None = None) -> BookOutcome:
    """Refresh one book; every failure of that book is in the outcome, never raised.

    Parameters
    ----------
    job : RefreshJob
    progress : bool, optional
        Show the book's stages (see :class:`~factorxl.workbooks.progress.Progress`); by
        default as the enclosing :func:`~factorxl.workbooks.progress.reporting` says.

    Returns
    -------
    BookOutcome
        The report and exit code, or the one line that says why the book could not be
        refreshed (exit code 3 for a book that cannot be read or written, 70 for an
        internal error).
    """
    from factorxl.cli import internal_error_line, os_error_message
    from factorxl.workbooks.refresh import refresh_workbook

    started = time.process_time()
    report, failure, code = None, "", ExitCode.CANNOT
    try:
        if job.destination is not None:
            job.destination.parent.mkdir(parents=True, exist_ok=True)
        report = refresh_workbook(
            job.source,
            job.destination,
            full=job.full,
            keep_going=job.keep_going,
            clear_full_calc_on_load=job.clear_full_calc_on_load,
            progress=progress,
        )
        code = report_code(report)
    except FactorxlError as error:
        failure = str(error)
    except OSError as error:
        failure = os_error_message(error)
    except Exception as error:  # noqa: BLE001 - a bug in one book must not stop the others
        failure, code = f"{job.source}: {internal_error_line(error)}", ExitCode.INTERNAL
    return BookOutcome(job, report, failure, code, time.process_time() - started, os.getpid())


def report_code(report: RefreshReport) -> ExitCode:
    """A refreshed book's exit code: 4 nothing written, 1 written with problems or new error values, else 0."""
    if report.problems and not report.written:
        return ExitCode.NOT_EVALUATED
    if report.problems or report.new_errors:
        return ExitCode.PARTLY_DONE
    return ExitCode.DONE


def exit_code(outcomes: Iterable[BookOutcome]) -> ExitCode:
    """The exit code of a run: 0 all done; the code every book ended with; else 1 (done in part)."""
    codes = {outcome.code for outcome in outcomes}
    if codes <= {ExitCode.DONE}:
        return ExitCode.DONE
    return codes.pop() if len(codes) == 1 else ExitCode.PARTLY_DONE


def start_worker() -> None:
    """Set up a worker process: one BLAS thread (the pool is the parallelism), the refresh engine loaded."""
    for variable in BLAS_VARIABLES:
        os.environ[variable] = "1"
    from factorxl.workbooks.formula_functions import register_functions

    threadpool_limits(limits=1)
    register_functions()


def run(
    jobs: list[RefreshJob], workers: int = 1, on_worker_lost: Callable[[int], None] | None = None
) -> Iterator[BookOutcome]:
    """Refresh the books, yielding each outcome as its book is done.

    Parameters
    ----------
    jobs : list of RefreshJob
        From :func:`plan`.
    workers : int
        1: one after the other in this process. More: that many worker processes (never
        more than there are books), the largest books first.
    on_worker_lost : callable, optional
        Called with the number of books not yet done when a worker process dies; they
        are then refreshed one at a time, each in a new process.
    """
    if workers <= 1 or len(jobs) <= 1:
        yield from map(refresh_job, jobs)
        return
    largest_first = sorted(jobs, key=_size, reverse=True)
    unfinished = yield from _in_pool(largest_first, min(workers, len(jobs)))
    if unfinished and on_worker_lost is not None:
        on_worker_lost(len(unfinished))
    for job in unfinished:  # a worker died: each book it may have had, alone in a new process
        left = yield from _in_pool([job], 1)
        if left:
            yield BookOutcome(
                job, None,
                f"{job.source}: the process refreshing it stopped unexpectedly (killed, or out of memory); "
                "refresh it on its own to see why",
                ExitCode.INTERNAL,
            )


def _in_pool(jobs: list[RefreshJob], workers: int) -> Iterator[BookOutcome]:
    """Run ``jobs`` in a new pool; returns (as the generator's value) the jobs left when a worker died."""
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=start_worker)
    unfinished = []
    try:
        futures = {pool.submit(refresh_job, job, False): job for job in jobs}  # the parent reports each book
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
                continue
            yield outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return unfinished


def _context() -> multiprocessing.context.BaseContext:
    """How workers start: forked from a server that has loaded the engine once (Linux, macOS), else spawned."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # Windows: each worker loads the engine itself
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["factorxl.workbooks.refresh", "factorxl.udfs"])
    return context


def _size(job: RefreshJob) -> int:
    try:
        return job.source.stat().st_size
    except OSError:
        return 0
