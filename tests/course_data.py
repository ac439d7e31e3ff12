"""The seeds' worked-example data, aligned exactly as the course notebooks do it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from factorxl.data import DataSource, load_factors
from factorxl.data.example_files import load_msft, load_spy_wmt_jpm_excess


def msft_excess_and_market(shared_data: Path, vintage: str) -> pd.DataFrame:
    """MSFT excess returns and Mkt-RF: MSFT dropna, inner-aligned with the daily factors."""
    source = DataSource(local_dir=shared_data, vintage=vintage)
    factors = load_factors("CAPM", "daily", source=source)
    msft = load_msft(source=source).dropna()
    data = msft.join(factors, how="inner")
    return pd.DataFrame({"MSFT": data["MSFT"] - data["RF"], "Mkt-RF": data["Mkt-RF"], "RF": data["RF"]})


def spy_wmt_jpm(shared_data: Path) -> pd.DataFrame:
    """Daily SPY, WMT and JPM excess returns with every missing row dropped."""
    return load_spy_wmt_jpm_excess(source=DataSource(local_dir=shared_data)).dropna()


def column(values) -> list[list[float]]:
    """A pandas Series or DataFrame as the list of lists xlwings passes for a range."""
    frame = values.to_frame() if isinstance(values, pd.Series) else values
    return frame.to_numpy().tolist()

