"""Refreshing many workbooks at once: a pool of worker processes, per-book outcomes, exit codes, Dask."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factorxl import cli
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.batch import plan
from factorxl.workbooks.refresh import refresh_workbook
from tests.conftest import REPO
from tests.refresh_books import build_workbook, comparable, generated_data, members, set_input
from tests.workbook_checks import assert_same_content

MINIMODEL = REPO / "workbook_templates" / "MiniModel.xlsx"
DATA_FORMULA = '=FF_FACTORS("FF3","monthly",2020,2020)'


def assert_same_book(left: Path, right: Path) -> None:
    """The same package, but for the last digits of recalculated numbers, which another process
    may round differently: every part with the cells' values and the chart caches left out, then
    the values within rounding."""
    mine, theirs = members(left), members(right)
    assert list(mine) == list(theirs), left
    for name in mine:
        assert comparable(name, mine[name]) == comparable(name, theirs[name]), (left, name)
    assert_same_content(left, right)


def _saved_book(path: Path, seed: int) -> Path:
    """A generated workbook with stored values (as Excel saves it), whose asset return in Data!B10 then changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(path, generated_data(seed))
    refresh_workbook(path, clear_full_calc_on_load=True, progress=False)
    set_input(path, "xl/worksheets/sheet1.xml", "B10", 0.01 * seed)
    return path


@pytest.fixture(scope="module")
def eight_books(tmp_path_factory) -> list[Path]:
    """Eight books: generated ones (never calculated, or saved and then edited) and the MiniModel; three names twice."""
    folder = tmp_path_factory.mktemp("books")
    for desk in ("desk1", "desk2", "other"):
        (folder / desk).mkdir()
    books = [
        build_workbook(folder / "fresh.xlsx", generated_data(1)),
        _saved_book(folder / "desk1" / "book.xlsx", 2),
        _saved_book(folder / "desk2" / "Book.xlsx", 3),
        _saved_book(folder / "edited.xlsx", 4),
        build_workbook(folder / "other" / "fresh.xlsx", generated_data(5)),
        _saved_book(folder / "desk1" / "deep" / "more.xlsx", 6),
    ]
    for desk in ("desk1", "desk2"):
        books.append(folder / desk / "MiniModel.xlsx")
        shutil.copy(MINIMODEL, books[-1])
    return books


def test_destinations_are_unique_and_kept_by_name_where_they_can_be(eight_books, tmp_path):
    out = tmp_path / "out"
    below = [str(job.destination.relative_to(out)) for job in plan(eight_books, out)]
    assert below == [
        "fresh.xlsx",
        "desk1/book.xlsx",  # the same name, compared as Windows and macOS compare names
        "desk2/Book.xlsx",
        "edited.xlsx",
        "other/fresh.xlsx",  # fresh.xlsx and other/fresh.xlsx share the folder of the first
        "more.xlsx",
        "desk1/MiniModel.xlsx",
        "desk2/MiniModel.xlsx",
    ]
    assert plan(eight_books)[0].destination is None  # in place
    with pytest.raises(Exception, match="given twice"):
        plan([eight_books[0], eight_books[0].parent / "." / eight_books[0].name], out)


def test_eight_books_with_two_workers_equal_serial_refreshes(eight_books, tmp_path, capsys):
    serial = tmp_path / "serial"
    for job in plan(eight_books, serial):
        job.destination.parent.mkdir(parents=True, exist_ok=True)
        assert refresh_workbook(job.source, job.destination, progress=False).ok
    pool = tmp_path / "pool"
    assert cli.main(["refresh", *map(str, eight_books), "--out", str(pool), "--jobs", "2"]) == ExitCode.DONE
    out = capsys.readouterr().out
    assert out.count("refreshed ") == 8
    written = sorted(p.relative_to(pool) for p in pool.rglob("*.xlsx"))
    assert written == sorted(p.relative_to(serial) for p in serial.rglob("*.xlsx")) and len(written) == 8
    for name in written:
        assert_same_book(pool / name, serial / name)


def _data_book(folder: Path) -> Path:
    return build_workbook(folder / "data.xlsx", generated_data(9), extra={"B20": DATA_FORMULA})


def test_a_book_without_data_access_is_named_with_its_cells_and_a_failing_book_stops_no_other(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "no data"
    empty.mkdir()
    monkeypatch.setenv("FACTORXL_DATA_DIR", str(empty))  # the workers inherit it, as from a shell
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip package")
    unknown = build_workbook(tmp_path / "unknown.xlsx", generated_data(2), extra={"B20": "=NOSUCHFUNC(1)"})
    books = [_data_book(tmp_path), broken, unknown, build_workbook(tmp_path / "fine.xlsx", generated_data(1))]
    code = cli.main(["refresh", *map(str, books), "--out", str(tmp_path / "out"), "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == ExitCode.PARTLY_DONE
    assert re.search(r"1 formula\(s\) of \S+data\.xlsx now show an error value the workbook did not hold before:", captured.err)
    assert f"  Model!B20: {DATA_FORMULA}: #VALUE! (" in captured.err and "FACTORXL_DATA_DIR" in captured.err
    assert "broken.xlsx" in captured.err and "not a valid .xlsx file" in captured.err
    assert "Model!B20: =NOSUCHFUNC(1): unknown function NOSUCHFUNC" in captured.err
    assert "3 of 4 workbooks need attention: data.xlsx (1), broken.xlsx (3), unknown.xlsx (4)" in captured.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["data.xlsx", "fine.xlsx"]
    assert "refreshed " + str(tmp_path / "out" / "fine.xlsx") in captured.out
    assert cli.main(["refresh", str(books[0]), "--out", str(tmp_path / "alone"), "--quiet"]) == ExitCode.PARTLY_DONE


def test_famamacbeth_without_data_access_names_its_error_cells(built_books, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("FACTORXL_DATA_DIR", str(empty))
    book = built_books["famamacbeth"].path
    assert cli.main(["refresh", str(book), "--out", str(tmp_path / "out"), "--quiet"]) == ExitCode.PARTLY_DONE
    err = capsys.readouterr().err
    heading, *cells = err.splitlines()
    assert heading.endswith("30 formula(s) of " + str(tmp_path / "out" / book.name) + " now show an error value the workbook did not hold before:")
    assert len(cells) == 30 and any(line.startswith("  Data!A5: =FF_DATA(") for line in cells)


def test_an_error_the_book_already_held_does_not_fail_the_refresh(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("FACTORXL_DATA_DIR", str(empty))
    book = _data_book(tmp_path)
    assert refresh_workbook(book, clear_full_calc_on_load=True, progress=False).new_errors  # first time: new
    report = refresh_workbook(book, progress=False)
    assert report.errors and not report.new_errors  # it held #VALUE! already


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker processes through /proc")
def test_a_worker_that_dies_costs_no_book(eight_books, tmp_path):
    books = [str(b) for b in eight_books[:2]]
    command = [sys.executable, "-m", "factorxl.cli", "refresh", *books, "--out", str(tmp_path / "out"), "--jobs", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        workers = []
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            # forked from the fork server (a child of the command) where there is one, else spawned by the command
            servers = [p for p in _children(process.pid) if b"forkserver" in _cmdline(p)]
            workers = [w for s in servers for w in _children(s)] if servers else [
                p for p in _children(process.pid) if b"spawn_main" in _cmdline(p)
            ]
            time.sleep(0.05)
        assert workers, "no worker process started"
        os.kill(workers[0], signal.SIGKILL)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == ExitCode.DONE, err
    assert "a worker process stopped unexpectedly" in err
    assert out.count("refreshed ") == 2 and len(list((tmp_path / "out").rglob("*.xlsx"))) == 2


def test_the_dask_recipe_runs_on_a_local_cluster(eight_books, tmp_path):
    """The recipe of docs/workbooks.md, run as written on a LocalCluster with a worker process on 127.0.0.1."""
    distributed = pytest.importorskip("distributed")
    page = (REPO / "factorxl" / "docs" / "workbooks.md").read_text()
    recipe = re.search(r"<!-- dask-recipe -->\n```python\n(.*?)```", page, re.S).group(1)
    books = [str(b) for b in eight_books[1:3]]  # desk1/book.xlsx and desk2/Book.xlsx
    serial = tmp_path / "serial"
    for job in plan(books, serial):
        job.destination.parent.mkdir(parents=True, exist_ok=True)
        refresh_workbook(job.source, job.destination, progress=False)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        recipe = recipe.replace('"tcp://scheduler.example.com:8786"', repr(cluster.scheduler_address))
        recipe = recipe.replace('["//models/MSFT.xlsx", "//models/desk1/Book.xlsx", "//models/desk2/Book.xlsx"]', repr(books))
        recipe = recipe.replace('"//models/refreshed"', repr(str(tmp_path / "dask")))
        namespace: dict = {}
        with pytest.raises(SystemExit) as stop:
            exec(compile(recipe, "docs/workbooks.md", "exec"), namespace)
    assert stop.value.code == ExitCode.DONE
    assert {o.process for o in namespace["outcomes"]} - {os.getpid()}  # refreshed in the worker processes
    for job in plan(books, serial):
        assert_same_book(tmp_path / "dask" / job.destination.relative_to(serial), job.destination)
