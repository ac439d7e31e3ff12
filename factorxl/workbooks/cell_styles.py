"""Cell styles added to a workbook's styles part, at the XML level.

:class:`CellStyles` reads the fonts, fills and cell formats (``cellXfs``) of a styles part and
appends new ones: a font, a fill, a cell format, or a variant of an existing cell format with
another fill or unlocked (a cell a user may change on a protected sheet). Existing entries keep
their indexes, so every cell's style stays as it was; every other byte of the part is kept.

>>> styles = CellStyles(package.read_xml("xl/styles.xml"))      # doctest: +SKIP
>>> unlocked = styles.variant(5, unlocked=True)                   # doctest: +SKIP
>>> new_part = styles.xml()                                       # doctest: +SKIP
"""

from __future__ import annotations

import re


class CellStyles:
    """The cell styles of a styles part, with entries appended.

    Raises
    ------
    ValueError
        When the part has no ``fonts``, ``fills`` or ``cellXfs`` list (a part not in the form
        Excel, LibreOffice and the usual libraries write).
    """

    _LISTS = ("fonts", "fills", "cellXfs")

    def __init__(self, xml: bytes) -> None:
        self._xml = xml
        found = {
            name: re.search(rb"<((?:\w+:)?)%s\b[^>]*?(?:/>|>(.*?)</\1%s>)" % (name.encode(), name.encode()), xml, re.S) for name in self._LISTS
        }
        missing = [name for name, match in found.items() if match is None]
        if missing:
            raise ValueError(f"the styles part has no {', '.join(missing)}")
        self._matches = found
        self.prefix = found["cellXfs"].group(1)
        items = {"fonts": b"font", "fills": b"fill", "cellXfs": b"xf"}
        self._items = {
            name: re.findall(rb"<(?:\w+:)?%s\b[^>]*?(?:/>|>.*?</(?:\w+:)?%s>)" % (items[name], items[name]), match.group(2) or b"", re.S)
            for name, match in found.items()
        }
        self._added = {name: 0 for name in self._LISTS}
        self._variants: dict[tuple[int, int | None, bool], int] = {}

    def _append(self, name: str, element: bytes) -> int:
        self._items[name].append(element)
        self._added[name] += 1
        return len(self._items[name]) - 1

    def add_font(self, element: bytes) -> int:
        """Append a ``<font>`` element (written without a namespace prefix); returns its index."""
        return self._append("fonts", self._prefixed(element))

    def add_fill(self, rgb: str) -> int:
        """Append a solid fill of colour ``rgb`` (``"EDEDED"``); returns its index."""
        fill = f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/><bgColor indexed="64"/></patternFill></fill>'
        return self._append("fills", self._prefixed(fill.encode()))

    def add(self, element: bytes) -> int:
        """Append a cell format (an ``<xf>`` element written without a namespace prefix); returns its index."""
        return self._append("cellXfs", self._prefixed(element))

    def filled_with(self, rgb: str) -> frozenset[int]:
        """The cell formats whose fill is the solid colour ``rgb`` (``"FFF2CC"``)."""
        colour = re.compile(rb'fgColor\b[^>]*\brgb="(?:FF)?%s"' % rgb.encode(), re.I)
        fills = {n for n, fill in enumerate(self._items["fills"]) if colour.search(fill)}
        return frozenset(n for n, xf in enumerate(self._items["cellXfs"]) if self._attribute(xf, b"fillId") in fills)

    def in_font_colour(self, rgb: str) -> frozenset[int]:
        """The cell formats whose font has the colour ``rgb`` (``"808080"``)."""
        colour = re.compile(rb'<(?:\w+:)?color\b[^>]*\brgb="(?:FF)?%s"' % rgb.encode(), re.I)
        fonts = {n for n, font in enumerate(self._items["fonts"]) if colour.search(font)}
        return frozenset(n for n, xf in enumerate(self._items["cellXfs"]) if self._attribute(xf, b"fontId") in fonts)

    def variant(self, index: int, *, fill: int | None = None, unlocked: bool = False) -> int:
        """A cell format like ``index`` with the fill ``fill`` (when given), unlocked (when
        asked); appended once and reused."""
        key = (index, fill, unlocked)
        if key not in self._variants:
            xf = self._items["cellXfs"][index] if index < len(self._items["cellXfs"]) else self._items["cellXfs"][0]
            if fill is not None:
                xf = self._with_attributes(xf, fillId=fill, applyFill=1)
            if unlocked:
                xf = self._unlocked(self._with_attributes(xf, applyProtection=1))
            self._variants[key] = self._append("cellXfs", xf)
        return self._variants[key]

    def xml(self) -> bytes:
        """The styles part with the appended entries (the part as it was when none were)."""
        if not any(self._added.values()):
            return self._xml
        pieces, last = [], 0
        for name, match in sorted(self._matches.items(), key=lambda item: item[1].start()):
            prefix = match.group(1)
            attributes = re.sub(rb'\s+count="[^"]*"', b"", re.match(rb"<(?:\w+:)?\w+\b([^>]*?)/?>", match.group(0)).group(1))
            element = b'<%s%s%s count="%d">%s</%s%s>' % (
                prefix, name.encode(), attributes, len(self._items[name]), b"".join(self._items[name]), prefix, name.encode()
            )
            pieces += [self._xml[last : match.start()], element]
            last = match.end()
        return b"".join(pieces) + self._xml[last:]

    # --- editing one element ---------------------------------------------------------

    def _prefixed(self, element: bytes) -> bytes:
        return re.sub(rb"<(/?)(\w)", lambda m: b"<%s%s%s" % (m.group(1), self.prefix, m.group(2)), element) if self.prefix else element

    @staticmethod
    def _attribute(element: bytes, name: bytes) -> int:
        found = re.search(rb'\s%s="(\d+)"' % name, element[: element.find(b">") + 1])
        return int(found.group(1)) if found else 0

    @staticmethod
    def _with_attributes(element: bytes, **values: int) -> bytes:
        end = element.find(b">")
        start, rest = element[:end], element[end:]
        if start.endswith(b"/"):
            start, rest = start[:-1], b"/" + rest
        for name, value in values.items():
            start = re.sub(rb'\s+%s="[^"]*"' % name.encode(), b"", start) + b' %s="%d"' % (name.encode(), value)
        return start + rest

    def _unlocked(self, element: bytes) -> bytes:
        """The cell format with ``<protection locked="0"/>`` (after its alignment, as the schema orders them)."""
        p = self.prefix
        protection = b'<%sprotection locked="0"/>' % p
        if element.endswith(b"/>"):
            return element[:-2] + b">" + protection + b"</%sxf>" % p
        element = re.sub(rb"<(?:\w+:)?protection\b[^>]*?(?:/>|>.*?</(?:\w+:)?protection>)", b"", element, flags=re.S)
        alignment = re.search(rb"<(?:\w+:)?alignment\b[^>]*?(?:/>|>.*?</(?:\w+:)?alignment>)", element, re.S)
        at = alignment.end() if alignment else element.find(b">") + 1
        return element[:at] + protection + element[at:]
