"""Hostile and broken files: one line, a documented exit code, the original byte-identical, bounded memory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from factorxl.cli import main
from factorxl.exit_codes import ExitCode
from factorxl.workbooks.package import MB, Limits
from factorxl.workbooks.refresh import refresh_workbook
from tests.refresh_books import build_workbook, generated_data, members, write_members

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>"""


@pytest.fixture
def book(tmp_path) -> Path:
    return build_workbook(tmp_path / "book.xlsx", generated_data())


def _replace(path: Path, name: str, content: bytes) -> None:
    write_members(path, {**members(path), name: content})


def _refresh(argv: list[str], capsys) -> tuple[int, str]:
    code = main(["refresh", "--quiet", *argv])
    captured = capsys.readouterr()
    return code, captured.err.strip()


def _one_line(code: int, err: str, expected: str, exit_code: int = ExitCode.CANNOT) -> None:
    assert code == exit_code
    assert "\n" not in err and "Traceback" not in err, err
    assert expected in err, err


def test_a_corrupted_member_is_named(book, capsys):
    content = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 40
    content[start : start + 200] = bytes(200)
    book.write_bytes(bytes(content))
    before = book.read_bytes()
    code, err = _refresh([str(book)], capsys)
    _one_line(code, err, "the part xl/worksheets/sheet1.xml is corrupted")
    assert book.read_bytes() == before


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet2.xml"])
def test_entity_declarations_are_refused(book, capsys, part):
    _replace(book, part, LAUGHS)
    before = book.read_bytes()
    code, err = _refresh([str(book)], capsys)
    _one_line(code, err, f"the part {part} declares a document type or entities")
    assert book.read_bytes() == before


def test_an_encrypted_workbook_is_named_as_such(tmp_path, capsys):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))  # Excel saves encrypted workbooks as OLE files
    code, err = _refresh([str(path)], capsys)
    _one_line(code, err, "is encrypted (password-protected)")


def test_a_read_only_workbook_is_refused_by_name(book, capsys):
    before = book.read_bytes()
    book.chmod(0o444)
    try:
        code, err = _refresh([str(book)], capsys)
        _one_line(code, err, f"{book} is read-only")
        assert book.read_bytes() == before
        out = book.with_name("out.xlsx")
        assert main(["refresh", "--quiet", str(book), "--out", str(out)]) == 0  # it can still be read
    finally:
        book.chmod(0o644)


def test_a_read_only_folder_and_an_out_file_are_refused(book, tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("a file")
    code, err = _refresh([str(book), "--out", str(plain)], capsys)
    _one_line(code, err, f"--out {plain}: {plain} is a file, and --out takes a folder")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked_book = locked / "book.xlsx"
    locked_book.write_bytes(book.read_bytes())
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        code, err = _refresh([str(locked_book)], capsys)
        _one_line(code, err, f"the folder {locked} is read-only")
        assert locked_book.read_bytes() == book.read_bytes()
    finally:
        locked.chmod(0o755)


def test_parts_beyond_the_limits_are_refused_before_they_are_read(book):
    before = book.read_bytes()
    with pytest.raises(Exception, match=r"inflates to .* at most 0 MB a part"):
        refresh_workbook(book, limits=Limits(part_bytes=MB // 4096), progress=False)
    with pytest.raises(Exception, match=r"has 435 cells; the refresh reads at most 100 "):
        refresh_workbook(book, limits=Limits(cells=100), progress=False)
    assert book.read_bytes() == before


def test_a_part_that_inflates_beyond_its_declared_size_is_refused(book, capsys):
    """The zip directory may lie: reading stops at the declared size and the checksum names the part."""
    content = bytearray(book.read_bytes())
    entry = content.find(b"xl/worksheets/sheet1.xml", content.find(b"PK\x01\x02")) - 46  # its central directory entry
    content[entry + 24 : entry + 28] = (1000).to_bytes(4, "little")  # the uncompressed size it declares
    book.write_bytes(bytes(content))
    before = book.read_bytes()
    code, err = _refresh([str(book)], capsys)
    _one_line(code, err, "xl/worksheets/sheet1.xml")
    assert book.read_bytes() == before


BOMB = textwrap.dedent(
    """
    import resource, sys, time, zipfile
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from tests.refresh_books import build_workbook, generated_data, members, write_members
    folder = Path({folder!r})
    book = build_workbook(folder / "bomb.xlsx", generated_data())
    parts = members(book)
    cells = b"".join(b'<row r="%d">%s</row>' % (r, b"<c><v>1</v></c>" * 10) for r in range(1, 250_001))
    sheet = parts["xl/worksheets/sheet1.xml"]
    start, end = sheet.index(b"<sheetData>") + 11, sheet.index(b"</sheetData>")
    parts["xl/worksheets/sheet1.xml"] = sheet[:start] + cells + sheet[end:]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    del parts, cells, sheet
    before = book.read_bytes()
    from factorxl.cli import main
    started = time.process_time()
    code = main(["refresh", "--quiet", str(book)])
    seconds = time.process_time() - started
    assert book.read_bytes() == before
    # this process's own peak (VmHWM); ru_maxrss would also count the memory of the test run that
    # started it, which Linux carries across the exec
    status = Path("/proc/self/status")
    hwm = [line.split()[1] for line in status.read_text().splitlines() if line.startswith("VmHWM:")] if status.exists() else []
    print(code, seconds, book.stat().st_size, hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


def test_a_sheet_of_two_and_a_half_million_cells_is_refused_in_bounded_time_and_memory(tmp_path):
    root = str(Path(__file__).resolve().parents[1])
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-c", BOMB.format(root=root, folder=str(tmp_path))],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": root},
    )
    assert process.returncode == 0, process.stderr[-2000:]
    code, seconds, size, peak_kb = process.stdout.split()
    assert int(code) == ExitCode.CANNOT and "has 2,500,130 cells" in process.stderr and "cells; the refresh reads at most" in process.stderr
    assert process.stderr.count("\n") == 1 and "Traceback" not in process.stderr
    assert float(seconds) < 60 and time.monotonic() - started < 300
    assert int(peak_kb) * 1024 < 1024 * MB, f"peak memory {int(peak_kb) // 1024} MB"
