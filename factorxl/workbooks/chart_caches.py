"""Chart caches: the copy of a series' cells that a chart part carries for readers that draw from it.

A series reads its name, categories and values from cells (``<c:f>Data!$E$5:$E$9782</c:f>``)
and keeps a copy of them (``<c:numCache>``/``<c:strCache>``); viewers without a calculation
engine draw the copy. :func:`refresh_chart` rewrites the copy of every reference that reads
refreshed cells from the cells' new values: numbers in a ``numRef``; a name, categories or
x values holding text in a ``strRef`` (text through a numeric reference is not drawn);
values (``c:val``, ``c:yVal``, ``c:bubbleSize``) always numeric, as the schema requires.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.sax.saxutils import escape, unescape

from factorxl.workbooks.references import Area, find_references
from factorxl.workbooks.workbook_cells import ExcelError, Value
from factorxl.workbooks.xlsx_values import value_xml

_SOURCE = re.compile(rb"<((?:\w+:)?)(tx|cat|val|xVal|yVal|bubbleSize)>(.*?)</\1\2>", re.S)
_REFERENCE = re.compile(rb"<((?:\w+:)?)(numRef|strRef)>(.*?)</\1\2>", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f>(.*?)</(?:\w+:)?f>", re.S)
_FORMAT_CODE = re.compile(rb"<(?:\w+:)?formatCode>(.*?)</(?:\w+:)?formatCode>", re.S)
_NUMERIC_ONLY = {b"val", b"yVal", b"bubbleSize"}


def _point_text(value: Value | ExcelError, numeric: bool) -> str | None:
    """A cell's text in a cache, or None when the cache leaves the point out (empty, an error, text in numbers)."""
    if value is None or value == "" or isinstance(value, ExcelError):
        return None
    if isinstance(value, bool):
        return None if numeric else str(value).upper()
    if isinstance(value, (int, float)):
        kind, text = value_xml(value)  # a non-finite number is an error cell (#NUM!), left out like one
        return None if kind == "e" else text
    return None if numeric else escape(str(value))


def _cache(prefix: bytes, kind: bytes, formula: bytes, values: list[Value | ExcelError], format_code: bytes) -> bytes:
    """A ``numRef``/``strRef`` element holding ``formula`` and a cache of ``values``."""
    p = prefix.decode()
    numeric = kind == b"numRef"
    points = "".join(
        f'<{p}pt idx="{index}"><{p}v>{text}</{p}v></{p}pt>'
        for index, text in enumerate(_point_text(value, numeric) for value in values)
        if text is not None
    )
    count = f'<{p}ptCount val="{len(values)}"/>'
    if numeric:
        cache = f"<{p}numCache><{p}formatCode>{format_code.decode()}</{p}formatCode>{count}{points}</{p}numCache>"
    else:
        cache = f"<{p}strCache>{count}{points}</{p}strCache>"
    return b"<%s%s><%sf>%s</%sf>%s</%s%s>" % (prefix, kind, prefix, formula, prefix, cache.encode(), prefix, kind)


def refresh_chart(
    xml: bytes, refreshed: Callable[[Area], bool], cells: Callable[[Area], list[Value | ExcelError] | None]
) -> bytes:
    """A chart part with the caches of the references that read refreshed cells rewritten.

    Parameters
    ----------
    xml : bytes
        The chart part.
    refreshed : callable
        Whether an area holds a refreshed cell.
    cells : callable
        The values of an area's cells, row by row (None when the sheet does not exist).
    """

    def source(match: re.Match) -> bytes:
        element = match.group(2)

        def reference(inner: re.Match) -> bytes:
            formula = _FORMULA.search(inner.group(3))
            if not formula:
                return inner.group(0)
            found = find_references(unescape(formula.group(1).decode()).strip(), "")
            if len(found) != 1 or not found[0].area.sheet or not refreshed(found[0].area):
                return inner.group(0)
            values = cells(found[0].area)
            if values is None:
                return inner.group(0)
            text = any(isinstance(v, str) and v != "" for v in values)
            kind = b"strRef" if text and element not in _NUMERIC_ONLY or element == b"tx" else b"numRef"
            code = _FORMAT_CODE.search(inner.group(3))
            return _cache(inner.group(1), kind, formula.group(1), values, code.group(1) if code else b"General")

        body = _REFERENCE.sub(reference, match.group(3))
        return b"<%s%s>%s</%s%s>" % (match.group(1), element, body, match.group(1), element)

    return _SOURCE.sub(source, xml)
