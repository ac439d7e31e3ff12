"""Fetching a template's datasets, with an error that says which file is missing and how to supply it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from factorxl.data import DataSource
from factorxl.data.sources import DataUnavailable, command_line_advice
from factorxl.errors import FactorxlError


class MissingData(FactorxlError):
    """A dataset a template needs could not be found, downloaded or read."""


def fetch(what: str, loader: Callable[..., pd.DataFrame], source: DataSource, *args: object) -> pd.DataFrame:
    """Call a :mod:`factorxl.data` loader; a failure becomes :class:`MissingData` naming ``what``
    needs it, the loader's reason (the file and its address) and how to supply it."""
    try:
        return loader(*args, source=source)
    except DataUnavailable as error:
        raise MissingData(f"{what}: {error.with_advice(command_line_advice(error, '--data'))}") from error
    except FactorxlError as error:
        raise MissingData(f"{what}: {error}") from error
