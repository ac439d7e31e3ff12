"""factorxl: factor-model analytics for Excel.

The package has three layers that depend on each other in one direction only:

* :mod:`factorxl.core` — the mathematics, on NumPy arrays, with results objects;
* :mod:`factorxl.excel` — input normalization, output shaping and error messages for
  worksheet functions (shared by every function);
* :mod:`factorxl.udfs` — the worksheet functions themselves, the module xlwings'
  "UDF Modules" setting points at.
"""

__version__ = "0.1.0"
