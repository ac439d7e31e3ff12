"""A progress bar on stderr for long workbook operations, drawn only where someone can see it."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any


class Progress:
    """Stages of work, each with an optional count of steps, shown as one tqdm bar per stage.

    Parameters
    ----------
    enabled : bool, optional
        Draw the bar; by default only when stderr is a terminal.
    """

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None

    def stage(self, description: str, total: int | None) -> None:
        """Start a stage (closing the previous one); ``total`` steps, or None when unknown."""
        self._close()
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=description, unit="cell", file=sys.stderr, leave=False)

    def advance(self, steps: int = 1) -> None:
        """Record finished steps of the current stage."""
        if self._bar is not None:
            self._bar.update(steps)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._close()
