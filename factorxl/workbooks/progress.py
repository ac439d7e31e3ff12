"""Progress of long workbook work on stderr: a bar on a terminal, plain lines in a log.

Work is a sequence of named stages ("compiling formulas", "calculating"), each with a
count of steps when it is known. How it is shown:

* ``"bar"`` - one line redrawn in place, with the workbook, the stage, a bar when the
  number of steps is known, and the seconds elapsed (updated while a stage without steps
  runs); for a person watching a terminal;
* ``"lines"`` - one line per finished stage, ``MSFT.xlsx: calculating 154 formulas: 8.1 s``;
  for logs, CI and anything that is not a terminal;
* ``"off"`` - nothing.

A command line chooses the mode and names the workbook for every stage run inside
:func:`reporting`; without it a bar is drawn on a terminal and nothing elsewhere, so library
calls stay silent in scripts and tests.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

MODES = ("bar", "lines", "off")
_BAR_WIDTH = 24
_REDRAW_SECONDS = 0.2


@dataclass(frozen=True)
class _Settings:
    label: str | None = None
    mode: str | None = None


_settings: ContextVar[_Settings] = ContextVar("factorxl_progress", default=_Settings())


def default_mode(stream: TextIO | None = None) -> str:
    """``"bar"`` when ``stream`` (default stderr) is a terminal, else ``"lines"``: what a command shows."""
    return "bar" if (stream or sys.stderr).isatty() else "lines"


@contextmanager
def reporting(label: str | None = None, mode: str | None = None) -> Iterator[None]:
    """Show the stages run inside the block as ``mode``, each named after ``label`` (a workbook).

    Parameters
    ----------
    label : str, optional
        What the work is on, shown before each stage (``"MSFT.xlsx"``); default: the
        enclosing block's label.
    mode : {"bar", "lines", "off"}, optional
        Default: the enclosing block's mode.
    """
    outer = _settings.get()
    if mode is not None and mode not in MODES:
        raise ValueError(f"progress mode {mode!r} is not one of {MODES}")
    token = _settings.set(_Settings(label or outer.label, mode or outer.mode))
    try:
        yield
    finally:
        _settings.reset(token)


class Progress:
    """Stages of work, each with an optional count of steps, shown as :func:`reporting` says.

    Parameters
    ----------
    enabled : bool, optional
        True draws the bar, False shows nothing; by default the mode of the enclosing
        :func:`reporting` block, else a bar on a terminal and nothing elsewhere.
    stream : file, optional
        Where to write; default stderr.
    """

    def __init__(self, enabled: bool | None = None, *, stream: TextIO | None = None) -> None:
        settings = _settings.get()
        self._stream = stream or sys.stderr
        if enabled is not None:
            self.mode = "bar" if enabled else "off"
        else:
            self.mode = settings.mode or ("bar" if self._stream.isatty() else "off")
        self._label = f"{settings.label}: " if settings.label else ""
        self._stage: str | None = None
        self._total: int | None = None
        self._done = 0
        self._started = 0.0
        self._drawn = 0.0
        self._lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def enabled(self) -> bool:
        """Whether anything is shown."""
        return self.mode != "off"

    def stage(self, description: str, total: int | None) -> None:
        """Start a stage (finishing the previous one); ``total`` steps, or None when unknown."""
        self._finish()
        with self._lock:
            self._stage, self._total, self._done = description, total, 0
            self._started = time.perf_counter()
        if self.mode == "bar":
            self._draw(force=True)
            if total is None:
                self._start_ticker()

    def advance(self, steps: int = 1) -> None:
        """Record finished steps of the current stage."""
        with self._lock:
            self._done += steps
        if self.mode == "bar":
            self._draw()

    def _what(self) -> str:
        """The stage with its count of steps: "compiling formulas" of 154 is "compiling 154 formulas"."""
        if self._total is None or " " not in self._stage:
            return self._stage
        verb, rest = self._stage.split(" ", 1)
        return f"{verb} {self._total} {rest}"

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        with self._lock:
            if self._stage is None or (not force and now - self._drawn < _REDRAW_SECONDS):
                return
            self._drawn = now
            elapsed = now - self._started
            if self._total:
                filled = round(_BAR_WIDTH * min(self._done, self._total) / self._total)
                bar = f" [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {self._done}/{self._total}"
            else:
                bar = ""
            self._stream.write(f"\r\033[K{self._label}{self._stage}{bar} {elapsed:.1f} s")
            self._stream.flush()

    def _start_ticker(self) -> None:
        self._stop.clear()

        def tick() -> None:
            while not self._stop.wait(0.5):
                self._draw(force=True)

        self._ticker = threading.Thread(target=tick, name="factorxl-progress", daemon=True)
        self._ticker.start()

    def _finish(self) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        if self._stage is None:
            return
        if self.mode == "lines":
            elapsed = time.perf_counter() - self._started
            self._stream.write(f"{self._label}{self._what()}: {elapsed:.1f} s\n")
            self._stream.flush()
        elif self.mode == "bar":
            self._stream.write("\r\033[K")
            self._stream.flush()
        self._stage = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if error is not None and self.mode == "lines":
            self._stage = None  # a failed stage is not reported as done; the error says what happened
        self._finish()
