"""The mark of a shareable copy: which original and which factorxl version made it.

``factorxl share`` records both as custom document properties of the copy (Excel: File > Info >
Properties > Advanced Properties > Custom; LibreOffice: File > Properties > Custom Properties),
which every spreadsheet program keeps when it saves the file. ``factorxl refresh`` reads them
to tell a shareable copy, whose factorxl results are values no refresh can update, from a
workbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree

from factorxl.workbooks.package import Package
from factorxl.workbooks.workbook_cells import relationships, relationships_part
from factorxl.workbooks.xlsx_values import xml_text

ORIGINAL_PROPERTY = "factorxl shareable copy of"
VERSION_PROPERTY = "factorxl version"

_PART = "docProps/custom.xml"
_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_NAMESPACE = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_TYPES_NAMESPACE = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FORMAT_ID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the identifier every custom property carries


@dataclass(frozen=True)
class ShareableMark:
    """The original a shareable copy was made from (as its notes name it) and the factorxl version."""

    original: str
    version: str

    def refusal(self, book: str, command: str) -> str:
        """Why ``command`` does not apply to the copy ``book``, and how to get a live workbook."""
        return (
            f"{book} is a shareable copy of {self.original}, made by factorxl {self.version}: its factorxl results are "
            f"fixed values, which {command} cannot update; refresh the original (factorxl refresh) and share it again "
            "(factorxl share)"
        )


def shareable_mark(package: Package) -> ShareableMark | None:
    """The mark of a shareable copy, or None for any other workbook."""
    part = _custom_part(package)
    if part is None:
        return None
    try:
        root = ElementTree.fromstring(package.read_xml(part))
    except ElementTree.ParseError:
        return None
    values = {p.get("name"): "".join(p.itertext()) for p in root.iter(f"{{{_NAMESPACE}}}property")}
    if ORIGINAL_PROPERTY not in values:
        return None
    return ShareableMark(values[ORIGINAL_PROPERTY], values.get(VERSION_PROPERTY, "(unknown)"))


def with_mark(package: Package, mark: ShareableMark) -> dict[str, bytes]:
    """The parts to write so that the copy of ``package`` carries ``mark``: its custom
    properties (added to those it has), and for a package without them the content types
    and the package relationships that declare the new part."""
    properties = {ORIGINAL_PROPERTY: mark.original, VERSION_PROPERTY: mark.version}
    part = _custom_part(package)
    if part is not None:
        xml = package.read_xml(part)
        names = "|".join(map(re.escape, properties)).encode()
        xml = re.sub(rb'<((?:\w+:)?)property\b[^>]*\bname="(?:%s)".*?</\1property>' % names, b"", xml, flags=re.S)
        pids = [int(pid) for pid in re.findall(rb'\bpid="(\d+)"', xml)]
        new = _properties(properties, max(pids, default=1) + 1, declare=b'xmlns:vt="' not in xml)
        closing = xml.rfind(b"</")
        return {part: xml[:closing] + new + xml[closing:]}
    xml = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + f'<Properties xmlns="{_NAMESPACE}" xmlns:vt="{_TYPES_NAMESPACE}">'.encode()
        + _properties(properties, 2)
        + b"</Properties>"
    )
    types = package.read_xml("[Content_Types].xml")
    types = types.replace(b"</Types>", f'<Override PartName="/{_PART}" ContentType="{_TYPE}"/></Types>'.encode())
    rels_part = relationships_part("")
    rels = package.read_xml(rels_part)
    used = set(re.findall(rb'\bId="([^"]*)"', rels))
    number = next(n for n in range(1, len(used) + 2) if b"rId%d" % n not in used)
    rels = rels.replace(b"</Relationships>", f'<Relationship Id="rId{number}" Type="{_RELATIONSHIP}" Target="{_PART}"/></Relationships>'.encode())
    return {_PART: xml, "[Content_Types].xml": types, rels_part: rels}


def _custom_part(package: Package) -> str | None:
    parts = [r.target for r in relationships(package, "") if r.type == _RELATIONSHIP and r.target in package.names]
    return parts[0] if parts else None


def _properties(properties: dict[str, str], first_pid: int, declare: bool = False) -> bytes:
    """The ``<property>`` elements (text values); ``declare``: with their namespaces declared on
    each, for a part whose root does not declare them as Excel writes it."""
    namespaces = f' xmlns="{_NAMESPACE}" xmlns:vt="{_TYPES_NAMESPACE}"' if declare else ""
    return b"".join(
        f'<property{namespaces} fmtid="{_FORMAT_ID}" pid="{first_pid + n}" name="{name}"><vt:lpwstr>{xml_text(value)}</vt:lpwstr></property>'.encode()
        for n, (name, value) in enumerate(properties.items())
    )
