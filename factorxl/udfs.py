"""factorxl's worksheet functions: point xlwings' "UDF Modules" setting here.

Every function is importable under its Excel name and callable from Python with the
plain values xlwings passes (scalars, lists, lists of lists, ``None`` for empty cells):

>>> from factorxl.udfs import FACTOR_BETA
>>> FACTOR_BETA([[0.01], [0.02], [-0.01], [0.0]], [[0.012], [0.018], [-0.008], [0.001]])  # doctest: +SKIP

Importing this module loads only the Excel layer and the core (no workbook or
command-line tooling), so it also runs in xlwings Lite.
"""

from factorxl.excel.declare import FUNCTIONS
from factorxl.excel.single_factor import *  # noqa: F401,F403
from factorxl.excel.summary import *  # noqa: F401,F403
from factorxl.excel.multi_factor import *  # noqa: F401,F403
from factorxl.excel.risk_model import *  # noqa: F401,F403
from factorxl.excel.data_functions import *  # noqa: F401,F403
from factorxl.excel.version import *  # noqa: F401,F403

__all__ = sorted(FUNCTIONS)
