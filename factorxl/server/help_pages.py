"""factorxl's documentation on a factorxl server, and every function's help link to it.

The server serves the pages installed with factorxl (:mod:`factorxl.docs`) as text:
``GET /factorxl/docs`` lists them, ``GET /factorxl/docs/PAGE`` is a page and
``GET /factorxl/docs/FACTOR_BETA`` one worksheet function's entry (under xlwings Server's
``app_path``, when it has one). The custom-functions metadata Excel loads gives every factorxl
function the address of its entry as ``helpUrl`` (Excel's "more help on this function" link),
on the address this server is reached at: ``https://`` and ``XLWINGS_HOSTNAME`` when set, as
the add-in's manifest has it, or else the address of the request.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute
from xlwings_server.config import settings

from factorxl import docs
from factorxl.excel.declare import FUNCTIONS

logger = logging.getLogger(__name__)

DOCS_PATH = "/factorxl/docs"
META_ROUTE = "custom_functions_meta"
"""The name of xlwings Server's routes (and endpoint function) for ``GET .../xlwings/custom-functions-meta[.json]``."""


def docs_address(request: Request) -> str:
    """Where this server's pages are, as Excel reaches them."""
    base = f"https://{settings.hostname}" if settings.hostname else str(request.base_url).rstrip("/")
    return f"{base}{settings.app_path}{DOCS_PATH}"


async def page_list(request: Request) -> PlainTextResponse:
    """The list of pages, with their addresses."""
    address = docs_address(request)
    lines = [f"{docs.page(name).title}: {address}/{name}" for name in docs.page_names()]
    return PlainTextResponse("\n".join(["factorxl's documentation", *lines, f"A worksheet function's entry: {address}/FACTOR_BETA"]) + "\n")


async def documentation(topic: str, request: Request) -> PlainTextResponse:
    """A page, or a worksheet function's entry (with the address of its page); 404 for anything else."""
    entry = docs.page(topic) or docs.function_entry(topic)
    if entry is None:
        return PlainTextResponse(f"factorxl has no page or worksheet function named {topic}; the pages: {docs_address(request)}\n", 404)
    whole = "" if entry.title == docs.page(entry.page).title else f"\nThe whole page: {docs_address(request)}/{entry.page}\n"
    return PlainTextResponse(entry.text + whole)


def with_help_links(original: Any) -> Any:
    """The metadata endpoint ``original``, with every factorxl function's ``helpUrl`` set to its entry here."""

    async def custom_functions_meta(request: Request) -> Any:
        meta = await original() if inspect.iscoroutinefunction(original) else original()
        address = docs_address(request)
        for function in meta["functions"]:
            if function["id"] in FUNCTIONS:
                function["helpUrl"] = f"{address}/{function['id']}"
        return meta

    return custom_functions_meta


def _first(app: FastAPI, path: str, endpoint: Any, name: str) -> None:
    """A GET route placed before every route of ``app``."""
    app.router.add_api_route(path, endpoint, methods=["GET"], name=name)
    app.router.routes.insert(0, app.router.routes.pop())


def serve_help_pages(app: FastAPI, router: Any) -> int:
    """Serve the pages from ``app`` and link the functions to them; the number of metadata routes linked.

    The pages' routes come first, and so does a copy of each GET route of ``router`` named
    :data:`META_ROUTE`, at the same path, whose endpoint is :func:`with_help_links` of the
    original's. Without such a route (not where xlwings Server keeps it) the pages are served
    and the functions have no help link, with a warning.
    """
    prefix = f"{settings.app_path}{DOCS_PATH}"
    _first(app, prefix, page_list, "factorxl_docs")
    _first(app, prefix + "/{topic}", documentation, "factorxl_docs_topic")
    originals = [r for r in router.routes if isinstance(r, APIRoute) and r.name == META_ROUTE and r.methods == {"GET"}]
    if not originals:
        logger.warning("factorxl: the custom-functions metadata route was not found; the functions have no help link")
    for original in originals:
        _first(app, original.path, with_help_links(original.endpoint), META_ROUTE)
    return len(originals)
