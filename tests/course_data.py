"""The seeds' worked-example data, aligned exactly as the course notebooks do it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from factorxl.data import DataSource, load_factors
from factorxl.data.course import load_msft, load_spy_wmt_jpm_excess


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


# statsmodels' summary labels of the statistics the seeds print, in the order of their tables
SUMMARY_LABELS = (
    "F-statistic", "Prob (F-statistic)", "Log-Likelihood", "AIC", "BIC", "Omnibus", "Durbin-Watson",
    "Jarque-Bera (JB)", "Prob(JB)", "Skew", "Kurtosis", "Cond. No.",
)


def assert_printed(value: float, printed: str, label: str = "") -> None:
    """``value`` shows as ``printed`` at the printed precision: within half a unit of its last digit
    ("6937." has units of 1, "0.00" of 0.01, "-5.303e+04" of 10, "7.17e-17" of 1e-19)."""
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    unit = 10.0 ** (int(exponent or 0) - decimals)
    assert abs(value - float(printed)) <= 0.5 * unit * (1 + 1e-9), f"{label}: {value!r} does not print as {printed}"


def summary_values(table) -> dict:
    """A FACTOR_SUMMARY table as {statsmodels label: value}."""
    return {row[0]: row[1] for row in table[1:]}
