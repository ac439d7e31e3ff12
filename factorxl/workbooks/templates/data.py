"""Fetching a template's datasets, with an error that says which file is missing and how to supply it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from factorxl.data import DataSource
from factorxl.data.sources import DataUnavailable
from factorxl.errors import FactorxlError


class MissingData(FactorxlError):
    """A dataset a template needs could not be found, downloaded or read."""


def build_advice(error: DataUnavailable) -> str:
    """What to do about a data file that cannot be had, for someone running ``factorxl build``."""
    download = f"; it can be downloaded from {error.url}" if error.url else ""
    return {
        "missing": f"Put {error.name} in the --data folder (subfolders are searched){download}.",
        "wrong_vintage": f"Choose a vintage that has it with --vintage ({', '.join(error.vintages)}).",
        "ambiguous": f"Choose one with --vintage ({', '.join(error.vintages)}).",
        "no_address": "Put the file in a folder (subfolders are searched) and pass that folder with --data DIR.",
        "download": f"Check the internet connection and run the command again, or download {error.name} yourself "
        "and pass its folder with --data DIR.",
    }[error.kind]


def fetch(what: str, loader: Callable[..., pd.DataFrame], source: DataSource, *args: object) -> pd.DataFrame:
    """Call a :mod:`factorxl.data` loader; a failure becomes :class:`MissingData` naming ``what``
    needs it, the loader's reason (the file and its address) and how to supply it."""
    try:
        return loader(*args, source=source)
    except DataUnavailable as error:
        raise MissingData(f"{what}: {error.with_advice(build_advice(error))}") from error
    except FactorxlError as error:
        raise MissingData(f"{what}: {error}") from error
