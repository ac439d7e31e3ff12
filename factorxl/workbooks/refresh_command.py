"""``factorxl refresh BOOK ... [--out DIR] [--jobs N] [--full] [--keep-going] [--clear-full-calc-on-load]``.

Recalculates workbooks without Excel, one after the other in this process or, with
``--jobs N``, in N worker processes (:mod:`factorxl.workbooks.batch`). Each book is reported
on its own; a book that fails does not stop the others.

Exit codes (:class:`factorxl.exit_codes.ExitCode`, the table in docs/commands.md), for one
book:

* 0: refreshed. Warnings (error values the workbook already held, ``#SPILL!`` held before,
  legacy arrays padded with ``#N/A``, formulas reading cells a spill newly covers,
  ``fullCalcOnLoad``) are printed on stderr.
* 1: refreshed, but formulas now show an error value the workbook did not hold (a data
  file that cannot be had, an input that became invalid), or, with ``--keep-going``,
  formulas could not be evaluated and show what Excel would show; they are listed.
* 3: the workbook cannot be read or written: missing, a folder, read-only, encrypted,
  not a zip package, a corrupted part, entity declarations, beyond the size or cell
  limits, an ``--out`` that is a file. The file is unchanged.
* 4: some formulas cannot be evaluated, or their result would lose values; they are
  listed (sheet, cell, formula, reason) and nothing was written.
* 70: an unexpected failure (one line naming it); the file is unchanged.

For several books: 0 when every book gives 0, the code they all give when they agree,
otherwise 1 (done in part); every book that did not give 0 is named with its cells.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from factorxl.cli import add_out_option
from factorxl.exit_codes import ExitCode

if TYPE_CHECKING:
    from factorxl.workbooks.batch import BookOutcome



def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number of worker processes, 1 or more (got {text!r})")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("books", nargs="+", metavar="BOOK", help="the workbooks to refresh (.xlsx or .xlsm)")
    add_out_option(
        parser,
        "the refreshed workbooks (each under its own name; books sharing a name keep the folders that tell them apart)",
        None,
        "each BOOK is refreshed in place",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="refresh N books at a time, each worker process with one BLAS thread (default 1: one after the other)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="recalculate every formula (default: the factorxl calls, formulas without a stored value, the Excel "
        "formulas they read - kept when their stored value matches their inputs - and every formula that depends on "
        "them; the other cells keep the values Excel saved)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="write the workbook even when formulas cannot be evaluated: they show what Excel shows (#NAME? for an "
        "unknown function, a block's first value in a one-cell formula) and are listed; exit code 1",
    )
    parser.add_argument(
        "--clear-full-calc-on-load",
        action="store_true",
        help="remove the workbook's request that Excel recalculate every formula on open (fullCalcOnLoad, written by "
        "openpyxl and XlsxWriter), so that Excel shows the refreshed values",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary; problems are still printed")
    parser.add_argument(
        "--progress", action="store_true", help="draw the progress bar even when stderr is not a terminal (default there: plain lines)"
    )


def run(args: argparse.Namespace) -> int:
    """Refresh the workbooks; print each one's summary, warnings, and the cells that need attention."""
    from factorxl.cli import output_folder
    from factorxl.errors import FactorxlError
    from factorxl.workbooks import batch
    from factorxl.workbooks.progress import default_mode, reporting

    out = None if args.out is None else output_folder(args.out)
    try:
        jobs = batch.plan(
            args.books, out, full=args.full, keep_going=args.keep_going, clear_full_calc_on_load=args.clear_full_calc_on_load
        )
    except FactorxlError as error:
        print(f"factorxl refresh: {error}; see factorxl refresh --help", file=sys.stderr)
        return ExitCode.USAGE
    mode = "off" if args.quiet else ("bar" if args.progress else default_mode())
    outcomes = []
    if args.jobs > 1 and len(jobs) > 1:
        def worker_lost(books: int) -> None:
            print(
                f"factorxl refresh: a worker process stopped unexpectedly; the {books} book(s) not yet done are "
                "refreshed one at a time, each in a new process",
                file=sys.stderr,
            )

        for outcome in batch.run(jobs, args.jobs, worker_lost):
            show(outcome, args.quiet)
            outcomes.append(outcome)
    else:
        for job in jobs:
            with reporting(label=job.source.name, mode=mode):
                outcome = batch.refresh_job(job)
            show(outcome, args.quiet)
            outcomes.append(outcome)
    code = batch.exit_code(outcomes)
    if len(outcomes) > 1 and code != ExitCode.DONE:
        given = sorted(outcomes, key=lambda o: jobs.index(o.job))
        attention = [f"{Path(o.name).name} ({o.code.value})" for o in given if o.code != ExitCode.DONE]
        print(f"factorxl refresh: {len(attention)} of {len(outcomes)} workbooks need attention: {', '.join(attention)}", file=sys.stderr)
    return code


def _listed(heading: str, cells: tuple[object, ...]) -> None:
    print(f"factorxl refresh: {heading}:", file=sys.stderr)
    for cell in cells:
        print(f"  {cell}", file=sys.stderr)


def show(outcome: BookOutcome, quiet: bool) -> None:
    """Print what became of one book: failures and cells needing attention on stderr, the summary on stdout."""
    report = outcome.report
    if report is None:
        print(f"factorxl refresh: {outcome.failure}", file=sys.stderr)
        return
    count = len(report.problems)
    if report.problems and not report.written:
        _listed(
            f"{count} formula(s) of {report.source} cannot be evaluated without Excel (correct them, or refresh with "
            "--keep-going to write what Excel shows there and refresh the rest); nothing was written",
            report.problems,
        )
        return
    if report.problems:
        _listed(f"{count} formula(s) of {report.source} cannot be evaluated without Excel; written as Excel shows them", report.problems)
    if report.new_errors:
        _listed(
            f"{len(report.new_errors)} formula(s) of {report.destination} now show an error value the workbook did not "
            "hold before",
            report.new_errors,
        )
    if quiet:
        return
    new = {(e.sheet, e.cell) for e in report.new_errors}
    for warning in (*(e for e in report.errors if (e.sheet, e.cell) not in new), *report.warnings):
        print(f"warning: {warning}", file=sys.stderr)
    for stale in report.stale:
        print(f"note: {stale}", file=sys.stderr)
    if report.full_calc_on_load:
        print(
            f"warning: {report.destination} asks Excel to recalculate every formula when it opens (fullCalcOnLoad): "
            "users without the factorxl add-in will see #NAME? instead of these values; --clear-full-calc-on-load "
            "removes the request",
            file=sys.stderr,
        )
    errors = f", {len(report.errors)} with an error value" if report.errors else ""
    scope = "every formula" if report.full else "factorxl formulas and what depends on them"
    print(
        f"refreshed {report.destination}: {report.formulas:,} formulas ({scope}), {report.cells:,} cached values"
        f"{errors}, {report.charts} chart(s) updated in {report.seconds:.1f} s",
        flush=True,
    )
