"""Declaring worksheet functions: xlwings registration and Function-Wizard help, once.

Every worksheet function in :mod:`factorxl.udfs` is declared with
:func:`worksheet_function`, which applies xlwings' ``func`` and ``arg(doc=...)``
decorators (the only ones classic xlwings, xlwings Lite and xlwings Server share)
and records the declaration in :data:`FUNCTIONS` for documentation, the headless
recalculation engine and the tests.

Worksheet functions take no type annotations on purpose: xlwings Lite and Server
read parameter annotations as converters, and factorxl normalizes raw values itself
(:mod:`factorxl.excel.inputs`) so that every host runs the same code path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import xlwings as xw

from factorxl.excel import help
from factorxl.excel.scale_check import PercentRule, declared_rules

CATEGORY = "factorxl"
MAX_HELP_CHARS = 255  # Excel's limit for function and argument descriptions


@dataclass(frozen=True)
class WorksheetFunction:
    """A declared worksheet function and its Function-Wizard help."""

    name: str
    function: Callable[..., Any]
    description: str
    arguments: dict[str, str]
    percent_rules: dict[str, tuple[PercentRule, ...]]

    @property
    def required(self) -> list[str]:
        """Names of the arguments without a default."""
        parameters = inspect.signature(self.function).parameters.values()
        return [p.name for p in parameters if p.default is inspect.Parameter.empty]


FUNCTIONS: dict[str, WorksheetFunction] = {}


def worksheet_function(
    *, returns_on_their_own: bool = False, **argument_docs: str
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
    oldest first; a violation is a programming error raised at import time.
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
        for parameter in reversed(parameters):
            function = xw.arg(parameter, doc=docs[parameter])(function)
        function = xw.func(category=CATEGORY)(function)
        FUNCTIONS[name] = WorksheetFunction(
            name=name,
            function=function,
            description=description,
            arguments=docs,
            percent_rules=rules,
        )
        return function

    return declare
