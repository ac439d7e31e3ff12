"""xlwings Server's app as factorxl serves it: ``factorxl.server.app:app``.

``factorxl server run`` (and the documented gunicorn or uvicorn line) starts this module's
:data:`app` instead of xlwings Server's ``xlwings_server.main:main_app``. It is that app, with
every route, dependency (authentication, the object-handle store), middleware, exception
handler and setting of xlwings Server's, factorxl's documentation served beside them (every
function's metadata links to its entry there: :mod:`factorxl.server.help_pages`), and three costs
of a large custom-function call taken away (:mod:`factorxl.server.decoding`):

* the call's body is decoded by orjson, on a copy of xlwings Server's own
  ``custom-functions-call`` route placed before it (the original stays behind it);
* the body is read whole before xlwings Server's middleware sees it, in one piece instead of a
  dozen;
* the objects made at start (the imported modules of factorxl, NumPy, pandas, SciPy, FastAPI
  and xlwings Server: about 140,000) are frozen out of the garbage collector's passes
  (:func:`gc.freeze`). They live as long as the worker, yet every full collection walks them
  all, and a call's cells, tens of thousands of lists, set off collections (18 ms a call).

When xlwings Server's route is not where this version of it keeps it, the app is xlwings
Server's, unchanged: the calls are decoded by the standard library and a warning says so.
Importing this module makes the app (and needs xlwings' licence key, as xlwings Server does).
"""

from __future__ import annotations

import gc

from xlwings_server.main import app as xlwings_app
from xlwings_server.main import main_app
from xlwings_server.routers import xlwings as xlwings_routes

from factorxl.server.decoding import post_route, reading_whole_bodies, serve_with_orjson
from factorxl.server.help_pages import serve_help_pages

CALL_ROUTE = "custom_functions_call"
"""The name of xlwings Server's route (and endpoint function) for ``POST .../xlwings/custom-functions-call``."""

serve_help_pages(xlwings_app, xlwings_routes.router)
call_route = serve_with_orjson(xlwings_app, post_route(xlwings_routes.router, CALL_ROUTE))
app = main_app if call_route is None else reading_whole_bodies(main_app, call_route)
"""The ASGI app the workers serve."""

gc.collect()
gc.freeze()
