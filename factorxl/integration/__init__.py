"""Getting factorxl's functions into Excel: setting up classic xlwings on Windows, writing the
VBA module that declares the functions, and checking names against Excel's own functions.

Nothing here is imported by :mod:`factorxl.udfs`; these modules serve the ``factorxl``
command line and the tests.
"""
