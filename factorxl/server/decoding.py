"""A large custom-function call read and decoded at C speed, on xlwings Server's own route.

Office.js posts every argument of a call in one JSON body (0.8 MB for the README's
``FACTOR_BETA`` on 9,778 x 6 cells). FastAPI decodes a body with the standard library's
``json`` (17 ms there), and xlwings Server's middleware takes the body piece by piece as the
HTTP server receives it (a dozen pieces of 64 kB). Here:

* :class:`OrjsonRoute` is a FastAPI route whose endpoint gets an :class:`OrjsonRequest`, whose
  JSON body is decoded by :func:`decoded` (orjson: 5 ms). A route class handing the endpoint
  another ``Request`` is FastAPI's hook for reading a body otherwise;
  :func:`serve_with_orjson` puts such a copy of an existing route (same path, endpoint and
  settings) before every route of an app, so the endpoint and everything it depends on stay the
  app's own;
* :func:`reading_whole_bodies` reads the requests a route takes whole before the app sees them,
  and hands the body over in one message.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)


def decoded(body: bytes) -> Any:
    """A JSON body as the standard library decodes it, by orjson where it can.

    The values are the standard library's, but for a whole number beyond 64 bits: orjson reads
    it as the nearest float, the number the cell holds in Excel (``JSON.stringify`` writes a
    cell's digits up to 1e21), where the standard library makes an ``int`` of it. What orjson
    refuses and the standard library reads (``NaN``, ``1e400``, a lone surrogate) is read by the
    standard library, so a body is accepted or refused as before, with the standard library's
    :class:`json.JSONDecodeError`.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class OrjsonRequest(Request):
    """A request whose JSON body is decoded by :func:`decoded`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decoded(await self.body())
        return self._json


class OrjsonRoute(APIRoute):
    """A FastAPI route whose endpoint gets an :class:`OrjsonRequest`."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(OrjsonRequest(request.scope, request.receive))

        return handle


def post_route(router: Any, name: str) -> APIRoute | None:
    """The route of ``router`` named ``name`` when it is the one, POST-only route of that name; else None."""
    found = [route for route in router.routes if isinstance(route, APIRoute) and route.name == name]
    return found[0] if len(found) == 1 and found[0].methods == {"POST"} else None


def serve_with_orjson(app: FastAPI, original: APIRoute | None) -> OrjsonRoute | None:
    """Put an :class:`OrjsonRoute` copy of ``original`` before every route of ``app``; the copy.

    The copy gets the original's path, endpoint and every setting the original has under the
    name ``add_api_route`` takes it by (dependencies, response class, status code...), so it
    serves the original's endpoint as the original does. With no original (not found where it
    was expected), nothing changes, and a warning says that its calls are decoded the slow way.
    """
    if original is None:
        logger.warning("factorxl: the custom-functions call route was not found; its JSON is decoded by the standard library")
        return None
    settings = {name: getattr(original, name) for name in inspect.signature(app.router.add_api_route).parameters if hasattr(original, name)}
    app.router.add_api_route(**settings, route_class_override=OrjsonRoute)
    copy = app.router.routes.pop()
    app.router.routes.insert(0, copy)
    return copy


async def whole_body(receive: Receive) -> Receive:
    """``receive`` with the request's body read now and handed over in one message, then as before.

    A client that leaves mid-body is passed on as it came (``http.disconnect``).
    """
    chunks = []
    message = await receive()
    while message["type"] == "http.request":
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            break
        message = await receive()
    pending = [message]

    async def receive_whole() -> Message:
        return pending.pop() if pending else await receive()

    return receive_whole


def reading_whole_bodies(app: ASGIApp, route: BaseRoute) -> ASGIApp:
    """``app``, the requests ``route`` takes read whole first (:func:`whole_body`)."""

    async def app_reading_whole_bodies(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and route.matches(scope)[0] is Match.FULL:
            receive = await whole_body(receive)
        await app(scope, receive, send)

    return app_reading_whole_bodies
