"""The Excel layer: input normalization, output shaping and function declarations.

Family modules (:mod:`factorxl.excel.single_factor`, ...) declare the worksheet
functions; :mod:`factorxl.udfs` re-exports them all for xlwings.
"""
