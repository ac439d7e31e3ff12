"""Workbooks: the template builder and the headless recalculation ("refresh") engine."""
