"""Data loaders: factor and return series downloaded from public sources and cached.

* :mod:`factorxl.data.sources` — :class:`DataSource`: download cache, offline folder;
* :mod:`factorxl.data.french` — any dataset of the Kenneth French data library, and the
  Fama-French and momentum factor models composed from it;
* :mod:`factorxl.data.course` — the course notebooks' return files;
* :mod:`factorxl.data.cache` — what the download cache holds, updating and clearing it.

This layer uses pandas and the network; :mod:`factorxl.core` uses neither.
"""

from factorxl.data.course import (
    load_brk_arkk,
    load_course_file,
    load_msft,
    load_spy_wmt_jpm,
    load_spy_wmt_jpm_excess,
)
from factorxl.data.french import load_dataset, load_factors, load_file, load_table
from factorxl.data.sources import DataSource, default_cache_dir

__all__ = [
    "DataSource",
    "default_cache_dir",
    "load_brk_arkk",
    "load_course_file",
    "load_dataset",
    "load_factors",
    "load_file",
    "load_msft",
    "load_spy_wmt_jpm",
    "load_spy_wmt_jpm_excess",
    "load_table",
]
