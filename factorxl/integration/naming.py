"""Names that work in every Excel host: the checks a worksheet function's names must pass.

A function name must not be one of Excel's own functions (Excel would call its own), must
be a valid defined name that does not read as a cell reference (``FM2``, ``R1C1``), and
must be a valid xlwings Lite/Office.js custom-function id. Classic xlwings declares every
function as a VBA wrapper whose parameters are the Python argument names, so those must be
VBA identifiers that are not reserved words and do not shadow what the wrapper itself
calls (``Array``, ``Application``, ``Range``, ...), or the module does not compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from factorxl.excel.declare import WorksheetFunction
from factorxl.integration.excel_functions import EXCEL_WORKSHEET_FUNCTIONS

MAX_EXCEL_COLUMN = 16_384  # XFD
MAX_EXCEL_ROW = 1_048_576
MAX_CUSTOM_FUNCTION_NAME = 128  # Office.js custom functions (xlwings Lite and Server)
MAX_VBA_IDENTIFIER = 255

# Reserved identifiers of the VBA language specification (MS-VBAL 3.3.5.2): keywords,
# operators, statements, type names and literals, plus the names VBA reserves for itself.
VBA_RESERVED_WORDS = frozenset(
    word.upper()
    for word in """
    Abs AddressOf And Any Array As Attribute Boolean ByRef Byte ByVal Call Case CBool CByte
    CCur CDate CDbl CDec CDecl CInt Circle CLng CLngLng CLngPtr Close Const CSng CStr Currency
    CVar CVErr Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt
    DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else
    ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit False Fix For Friend Function Get
    Global GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let Like
    Lock Long LongLong LongPtr Loop LSet Me Mod New Next Not Nothing Null Object On Open Option
    Optional Or ParamArray Preserve Print Private Property PSet Public Put RaiseEvent ReDim Rem
    Resume Return RSet Scale Seek Select Set Sgn Shared Single Spc Static Stop String Sub Tab
    Then To True Type TypeOf UBound Unlock Until Variant Wend While With WithEvents Write Xor
    """.split()
)
# Identifiers the xlwings wrapper uses inside each function (see xlwings.udfs.generate_vba_wrapper).
XLWINGS_WRAPPER_NAMES = frozenset(["APPLICATION", "ARRAY", "RANGE", "XLPY", "ERR", "THISWORKBOOK", "ACTIVEWORKBOOK"])

_DEFINED_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
_VBA_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_A1_REFERENCE = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_R1C1_REFERENCE = re.compile(r"[Rr][0-9]*[Cc]?[0-9]*|[Cc][0-9]*")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def reads_as_cell_reference(name: str) -> bool:
    """Whether Excel would read ``name`` as an A1 (``FM2``) or R1C1 (``R2C3``, ``C4``) reference."""
    a1 = _A1_REFERENCE.fullmatch(name)
    if a1 and _column_number(a1[1]) <= MAX_EXCEL_COLUMN and 0 < int(a1[2]) <= MAX_EXCEL_ROW:
        return True
    return _R1C1_REFERENCE.fullmatch(name) is not None


def function_name_problems(name: str) -> list[str]:
    """What is wrong with ``name`` as a worksheet function's Excel name (empty when fine)."""
    problems = []
    if name.upper() in EXCEL_WORKSHEET_FUNCTIONS:
        problems.append(f"{name} is the name of an Excel worksheet function")
    if not name.isascii() or not _DEFINED_NAME.fullmatch(name) or len(name) > MAX_CUSTOM_FUNCTION_NAME:
        problems.append(
            f"{name} is not a valid Excel function name (an ASCII letter, then letters, digits, "
            f"'_' or '.', at most {MAX_CUSTOM_FUNCTION_NAME} characters)"
        )
    elif reads_as_cell_reference(name):
        problems.append(f"{name} reads as a cell reference in Excel")
    if "." in name or name.upper() in VBA_RESERVED_WORDS | XLWINGS_WRAPPER_NAMES:
        problems.append(f"{name} cannot name the function's VBA wrapper in classic xlwings")
    return problems


def argument_name_problems(function: str, arguments: Iterable[str]) -> list[str]:
    """What is wrong with a function's argument names as parameters of its VBA wrapper."""
    problems = []
    seen: set[str] = set()
    for argument in arguments:
        key = argument.upper()
        if not argument.isascii() or not _VBA_IDENTIFIER.fullmatch(argument) or len(argument) > MAX_VBA_IDENTIFIER:
            problems.append(f"{function}: argument {argument} is not a VBA identifier")
        elif key in VBA_RESERVED_WORDS:
            problems.append(f"{function}: argument {argument} is a reserved word in VBA")
        elif key in XLWINGS_WRAPPER_NAMES or key == function.upper():
            problems.append(f"{function}: argument {argument} would shadow a name its VBA wrapper uses")
        if key in seen:
            problems.append(f"{function}: arguments {argument} differ only in case (VBA ignores case)")
        seen.add(key)
    return problems


def naming_problems(functions: Mapping[str, WorksheetFunction]) -> list[str]:
    """Every naming problem of the declared worksheet functions (empty when all are fine)."""
    problems = []
    for name, declared in functions.items():
        problems += function_name_problems(name)
        problems += argument_name_problems(name, declared.arguments)
    return problems
