"""Declaring worksheet functions: xlwings registration and Function-Wizard help, once.

Every worksheet function in :mod:`factorxl.udfs` is declared with
:func:`worksheet_function`, which applies xlwings' ``func`` and ``arg(doc=...)``
decorators and records the declaration in :data:`FUNCTIONS` for documentation, the headless
recalculation engine and the tests. One declaration serves every host: ``func`` gets the
options xlwings documents for each host, and each host reads its own and ignores the others'
(``category``, ``call_in_wizard`` and ``async_mode`` are classic xlwings', ``help_url`` is
xlwings Lite's and Server's). A function that may download a file (``downloads=True``) is not
called by the Function Wizard as the user types, and runs asynchronously where the host can:
in a thread in classic xlwings (the cell shows ``#N/A waiting...`` until it is done), and as an
``async def`` function in xlwings Lite and Server. :data:`FUNCTIONS` holds every function as
written, synchronous, which is what the headless recalculation and Python callers call.

Worksheet functions take no type annotations on purpose: xlwings Lite and Server
read parameter annotations as converters, and factorxl normalizes raw values itself
(:mod:`factorxl.excel.inputs`) so that every host runs the same code path.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import xlwings as xw

from factorxl.excel import help
from factorxl.excel.scale_check import PercentRule, declared_rules

CATEGORY = "factorxl"
MAX_HELP_CHARS = 255  # Excel's limit for function and argument descriptions
DOCS_URL_VARIABLE = "FACTORXL_DOCS_URL"
"""The environment variable naming where a team serves factorxl's documentation (a factorxl
server's ``https://HOST/factorxl/docs/``): a function's help link in xlwings Lite is that address
followed by the function's name. A factorxl server links its functions to its own pages."""
WHILE_DOWNLOADING = {"call_in_wizard": False, "async_mode": "threading"}
"""Classic xlwings' options for a function that may download: not called by the Function Wizard,
run in a thread (Excel stays responsive; the cell shows ``#N/A waiting...`` meanwhile)."""


@dataclass(frozen=True)
class WorksheetFunction:
    """A declared worksheet function and its Function-Wizard help."""

    name: str
    function: Callable[..., Any]
    description: str
    arguments: dict[str, str]
    percent_rules: dict[str, tuple[PercentRule, ...]]
    downloads: bool = False
    """Whether the function may download a file (and is declared to run asynchronously)."""

    @property
    def required(self) -> list[str]:
        """Names of the arguments without a default."""
        parameters = inspect.signature(self.function).parameters.values()
        return [p.name for p in parameters if p.default is inspect.Parameter.empty]


FUNCTIONS: dict[str, WorksheetFunction] = {}


def help_url(name: str) -> str | None:
    """The address of a function's documentation, when :data:`DOCS_URL_VARIABLE` names where it is served."""
    base = os.environ.get(DOCS_URL_VARIABLE, "").strip()
    return f"{base.rstrip('/')}/{name}" if base else None


def _office_js() -> bool:
    """Whether ``xw.func`` is xlwings Lite's and Server's (Office.js custom functions), as xlwings itself decides."""
    return bool(getattr(xw, "on_server", False))


def _awaitable(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as an ``async def`` function with the same name, signature and docstring.

    It runs in a thread, so the event loop serving the other cells stays free; Pyodide (xlwings
    Lite) has no threads, and there it runs in place.
    """

    @functools.wraps(function)
    async def call(*args: Any) -> Any:
        if sys.platform == "emscripten":
            return function(*args)
        return await asyncio.to_thread(function, *args)

    call.__signature__ = inspect.signature(function)
    return call


def worksheet_function(
    *, downloads: bool = False, returns_on_their_own: bool = False, **argument_docs: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a worksheet function with a help text for each argument.

    The function's docstring is its Function-Wizard description. An argument's help comes
    from :data:`factorxl.excel.help.ARGUMENTS` unless ``argument_docs`` gives the function's
    own (an option whose choices or default are its own). An argument that carries a percent
    rule (:func:`factorxl.excel.scale_check.declared_rules`; ``returns_on_their_own`` for a
    function whose result is money or compounds the returns) has the rule's sentence added to its
    help, and the declaration records the rule. Both the description and each argument's help
    must fit Excel's 255-character limit, every parameter must have help, and the help of an
    argument whose rows are periods (:data:`factorxl.excel.help.PERIOD_SERIES`) must say they run
    oldest first; a violation is a programming error raised at import time. ``downloads`` marks a
    function that may download a file (see the module's docstring). The function returned is what
    the host registers: the function itself, or for a function that downloads under xlwings Lite
    and Server its ``async def`` form.
    """

    def declare(function: Callable[..., Any]) -> Callable[..., Any]:
        name = function.__name__
        parameters = list(inspect.signature(function).parameters)
        unknown = set(argument_docs) - set(parameters)
        if unknown:
            raise TypeError(f"{name}: help given for {sorted(unknown)}, parameters are {parameters}")
        docs = {p: argument_docs.get(p, help.ARGUMENTS.get(p)) for p in parameters}
        missing = [p for p, text in docs.items() if text is None]
        if missing:
            raise TypeError(f"{name}: no help for {missing}")
        rules = declared_rules(parameters, returns_on_their_own)
        docs.update({p: " ".join([docs[p], *(rule.help for rule in carried)]) for p, carried in rules.items()})
        description = inspect.getdoc(function) or ""
        texts = {"description": description, **docs}
        for part, text in texts.items():
            if not 0 < len(text) <= MAX_HELP_CHARS:
                raise TypeError(f"{name}: {part} help has {len(text)} characters (1 to {MAX_HELP_CHARS})")
        unordered = [p for p in parameters if p in help.PERIOD_SERIES and help.OLDEST_FIRST not in docs[p]]
        if unordered:
            raise TypeError(f"{name}: the help of {unordered} must say the rows run {help.OLDEST_FIRST}")
        registered = _awaitable(function) if downloads and _office_js() else function
        for parameter in reversed(parameters):
            registered = xw.arg(parameter, doc=docs[parameter])(registered)
        options = WHILE_DOWNLOADING if downloads else {}
        registered = xw.func(category=CATEGORY, help_url=help_url(name), **options)(registered)
        FUNCTIONS[name] = WorksheetFunction(
            name=name,
            function=function,
            description=description,
            arguments=docs,
            percent_rules=rules,
            downloads=downloads,
        )
        return registered

    return declare
