"""factorxl's worksheet functions served to Excel on Windows, Mac and the web by xlwings Server.

* :mod:`factorxl.server.office_js` — arguments as Office.js sends them turned into the values
  classic xlwings passes, and results into the cells Office.js takes;
* :mod:`factorxl.server.functions` — every declared worksheet function as an xlwings Server
  custom function (the module a project's ``custom_functions`` package imports);
* :mod:`factorxl.server.project` — a ready xlwings Server project and the line that starts it
  (``factorxl server init`` and ``factorxl server run``).

xlwings Server is an optional extra (``pip install "factorxl[server]"``): it and the xlwings PRO
code it runs on are free for noncommercial use only (PolyForm Noncommercial License 1.0.0) and
need a paid licence key otherwise. factorxl itself does not depend on it.
"""
