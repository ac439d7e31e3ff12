"""The exit codes of every ``factorxl`` command (the table in docs/commands.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a ``factorxl`` command's exit code means; the same for every command."""

    DONE = 0
    """Everything was done."""
    PARTLY_DONE = 1
    """Done in part: ``build`` left a workbook (or a part of one) out for want of data; ``refresh``
    wrote a workbook whose formulas now show error values it did not hold (listed), or some of
    several workbooks could not be refreshed (named)."""
    USAGE = 2
    """The command line is wrong: an unknown command or option, a missing or invalid value."""
    CANNOT = 3
    """The work cannot be done: a file or folder is missing, unreadable or of the wrong kind,
    data cannot be found or read, an output cannot be written. Nothing was changed."""
    NOT_EVALUATED = 4
    """Formulas cannot be evaluated without Excel (listed); nothing was written."""
    NOT_HERE = 5
    """The command does not apply on this system (``setup`` outside Windows: it says what to do instead)."""
    INTERNAL = 70
    """An internal error in factorxl; the one-line message says how to report it."""
    INTERRUPTED = 130
    """Stopped with Ctrl+C; nothing half-written is left behind."""


SUMMARY = {
    ExitCode.DONE: "done",
    ExitCode.PARTLY_DONE: "done in part (data missing, new error values, some books failed)",
    ExitCode.USAGE: "wrong command line",
    ExitCode.CANNOT: "cannot be done (nothing changed)",
    ExitCode.NOT_EVALUATED: "formulas that cannot be evaluated without Excel (nothing written)",
    ExitCode.NOT_HERE: "not on this system",
    ExitCode.INTERNAL: "internal error",
    ExitCode.INTERRUPTED: "stopped with Ctrl+C",
}
"""Each exit code in a few words, for the commands' --help."""
