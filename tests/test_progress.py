"""Progress of long work: plain lines off a terminal, a bar with stage names on one, nothing
when quiet or in library calls."""

from __future__ import annotations

import io
import re

from factorxl import cli
from factorxl.workbooks.progress import Progress, reporting


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_stages(stream, **settings) -> str:
    with reporting(**settings), Progress(stream=stream) as progress:
        progress.stage("compiling formulas", 3)
        progress.advance(3)
        progress.stage("resolving references", None)
    return stream.getvalue()


def test_lines_name_the_workbook_the_stage_its_size_and_its_time():
    out = _run_stages(io.StringIO(), label="Book.xlsx", mode="lines")
    assert re.fullmatch(r"Book\.xlsx: compiling 3 formulas: \d+\.\d s\nBook\.xlsx: resolving references: \d+\.\d s\n", out)


def test_the_bar_shows_the_stage_and_its_steps_and_clears_its_line():
    out = _run_stages(_Terminal(), label="Book.xlsx", mode="bar")
    assert "Book.xlsx: compiling formulas [" in out and re.search(r"\] \d/3 \d+\.\d s", out)
    assert "Book.xlsx: resolving references" in out and "cell" not in out
    assert out.endswith("\r\033[K")


def test_library_calls_are_silent_off_a_terminal_and_quiet_is_silent_everywhere():
    assert _run_stages(io.StringIO()) == ""
    assert _run_stages(_Terminal(), mode="off") == ""
    assert _run_stages(_Terminal()) != ""  # a person at a terminal sees the bar


def test_build_prints_one_line_per_workbook_and_stage_when_not_on_a_terminal(tmp_path, capsys):
    assert cli.main(["build", "--only", "minimodel", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    stages = [re.sub(r": \d+\.\d s$", "", line) for line in err]
    assert stages == [
        "MiniModel.xlsx: writing the template",
        "MiniModel.xlsx: reading the workbook",
        f"MiniModel.xlsx: calculating {stages[2].split()[2]} formulas",
        "MiniModel.xlsx: writing the workbook",
    ]
    assert ".building" not in "".join(err)  # the temporary file's name is never shown


def test_build_quiet_prints_nothing(tmp_path, capsys):
    assert cli.main(["build", "--only", "minimodel", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
