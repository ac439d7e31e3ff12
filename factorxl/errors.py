"""The one exception type factorxl raises for bad input or impossible computations."""


class FactorxlError(ValueError):
    """Invalid input or a computation that cannot give a meaningful number.

    The message is written for the person who typed the formula: it names the
    argument, what was expected and what arrived. Excel shows it in the cell
    (classic xlwings) or with ``#VALUE!`` (Excel 365, xlwings Lite).
    """


def printable(text: str) -> str:
    """``text`` as one plain line: control and format characters shown as escapes.

    Text that comes from a server or a file (an HTTP reason, a file's vintage line) may hold
    terminal escape sequences, line breaks or direction overrides; shown through this function
    it can neither drive the terminal nor look like more than one line.

    Examples
    --------
    >>> printable("Not Found\\x1b[2J\\r\\n")
    'Not Found\\\\x1b[2J\\\\r\\\\n'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def reason(error: BaseException) -> str:
    """What a library's exception says, as one printable line: its first line (pandas adds lines
    of advice for programmers), escaped by :func:`printable` (it may quote a file's text)."""
    return printable(str(error).partition("\n")[0])
