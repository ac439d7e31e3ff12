"""Data loaders: factor and return series downloaded from public sources and cached.

* :mod:`factorxl.data.sources` — :class:`DataSource`: download cache, offline folder;
* :mod:`factorxl.data.french` — any dataset of the Kenneth French data library, and the
  Fama-French and momentum factor models composed from it;
* :mod:`factorxl.data.example_files` — the worked examples' return files (MSFT, WMT/JPM/SPY, BRK/ARKK);
* :mod:`factorxl.data.cache` — what the download cache holds, updating and clearing it.

This layer uses pandas and the network; :mod:`factorxl.core` uses neither. The names below
are imported from their modules when first used, so that the command line's
``factorxl.data.data_command`` loads without pandas (``factorxl --help`` stays fast).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factorxl.data.example_files import (
        load_brk_arkk,
        load_example_file,
        load_msft,
        load_spy_wmt_jpm,
        load_spy_wmt_jpm_excess,
    )
    from factorxl.data.french import load_dataset, load_factors, load_file, load_table
    from factorxl.data.sources import DataSource, default_cache_dir

_HOMES = {
    "DataSource": "sources",
    "default_cache_dir": "sources",
    "load_brk_arkk": "example_files",
    "load_example_file": "example_files",
    "load_dataset": "french",
    "load_factors": "french",
    "load_file": "french",
    "load_msft": "example_files",
    "load_spy_wmt_jpm": "example_files",
    "load_spy_wmt_jpm_excess": "example_files",
    "load_table": "french",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """``factorxl.data.DataSource`` and the loaders, from their modules on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
