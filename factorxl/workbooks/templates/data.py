"""Fetching a template's datasets, with an error that says which file is missing and how to supply it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from factorxl.data import DataSource
from factorxl.errors import FactorxlError

HOW_TO_SUPPLY = (
    "To supply it, put the file in a folder (subfolders are searched) and run "
    "`factorxl build --data DIR`, or run online so factorxl downloads it into its cache."
)


class MissingData(FactorxlError):
    """A dataset a template needs could not be found, downloaded or read."""


def fetch(what: str, loader: Callable[..., pd.DataFrame], source: DataSource, *args: object) -> pd.DataFrame:
    """Call a :mod:`factorxl.data` loader; a failure becomes :class:`MissingData` naming ``what``
    needs it, the loader's reason (the file and its address) and how to supply it."""
    try:
        return loader(*args, source=source)
    except FactorxlError as error:
        raise MissingData(f"{what}: {error} {HOW_TO_SUPPLY}") from error
