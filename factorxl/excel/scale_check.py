"""Refusing the percent-vs-decimal slip: returns typed in percent against factors in decimals
(or the other way round) give betas 100 times too large or too small, silently.

The typical size of a series is the size of its moves: its interquartile range over 1.349 (the
standard deviation, for normal data), missing values ignored - robust to outliers, and blind to
a series' level (a factor far from zero is not taken for percent). The size of the factors is
that of the factor that moves most. The slip is refused when

* an asset's typical size is at least :data:`SCALE_RATIO` times the factors' and at least
  :data:`PERCENT_SIZE` (a typical move of 25 % or more a period, which decimal returns of a
  day, week or month do not have) - the returns look like percent; or
* the factors' typical size is at least :data:`SCALE_RATIO` times every asset's and at least
  :data:`PERCENT_SIZE` - the factors look like percent (the Kenneth French files are).

A mismatch beyond :data:`LARGEST_SLIP` is not a slip of 100: data in units of their own (a
factor of size 1e100) are computed as given.

Ordinary data are 0.2 to 5 times the size of their factors (up to 100 times the risk-free
rate's, with moves far below 25 %), and the slip multiplies or divides that by 100; the rule
and its thresholds are documented in docs/data.md.
"""

from __future__ import annotations

import numpy as np

from factorxl.errors import FactorxlError

SCALE_RATIO = 20.0
"""How many times larger one side's typical size must be to be refused."""

LARGEST_SLIP = 5000.0
"""Mismatches beyond this are not a slip of 100 (ordinary data are 0.2 to 50 times their factors'
size): such data are computed as given, in their own units."""

PERCENT_SIZE = 0.25
"""Typical move from which a series can be in percent (25 % a period)."""


def typical_size(values: np.ndarray) -> np.ndarray:
    """The size of each column's moves: interquartile range / 1.349, missing values ignored (NaN if none).

    The quartiles interpolate linearly between order statistics, as ``numpy.nanpercentile`` does,
    from one sort of the whole block (missing values sort last), without its column-by-column path.
    """
    block = np.sort(np.asarray(values, dtype=float).reshape(len(values), -1), axis=0)
    counts = np.count_nonzero(~np.isnan(block), axis=0)
    present = counts > 0
    sizes = np.full(block.shape[1], np.nan)
    if present.any():
        block, counts = block[:, present], counts[present]
        upper, lower = (_quantile(block, counts, q) for q in (0.75, 0.25))
        sizes[present] = (upper - lower) / 1.349
    return sizes


def _quantile(ordered: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each column's first ``counts`` values (sorted), linearly interpolated."""
    position = (counts - 1) * q
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, counts - 1)
    columns = np.arange(ordered.shape[1])
    low, high = ordered[below, columns], ordered[above, columns]
    return low + (high - low) * (position - below)


def check_scale(returns: np.ndarray, factors: np.ndarray, returns_name: str = "returns", factors_name: str = "factors") -> None:
    """Refuse returns and factors that are in different units (percent against decimals).

    Parameters
    ----------
    returns, factors : numpy.ndarray
        T x N and T x K blocks (NaN = missing).
    returns_name, factors_name : str
        The arguments' names, for the message.

    Raises
    ------
    FactorxlError
        Saying which side looks like percent and how to fix it.
    """
    asset_sizes = typical_size(returns)
    factor_size = np.nanmax(typical_size(factors), initial=np.nan) if np.size(factors) else np.nan
    if not np.isfinite(factor_size) or factor_size == 0 or np.isnan(asset_sizes).all():
        return
    largest, smallest = np.nanmax(asset_sizes), np.nanmin(asset_sizes)
    if SCALE_RATIO * factor_size <= largest <= LARGEST_SLIP * factor_size and largest >= PERCENT_SIZE:
        raise FactorxlError(
            f"{returns_name} are about {largest / factor_size:.0f} times the size of {factors_name}: they look like "
            f"percent (1.5 for 1.5%) while {factors_name} are decimals (0.015). Divide {returns_name} by 100: "
            "in the formula, write its range followed by /100"
        )
    if smallest > 0 and SCALE_RATIO * smallest <= factor_size <= LARGEST_SLIP * smallest and factor_size >= PERCENT_SIZE:
        raise FactorxlError(
            f"{factors_name} are about {factor_size / smallest:.0f} times the size of {returns_name}: they look like "
            f"percent (1.5 for 1.5%) while {returns_name} are decimals (0.015). Divide {factors_name} by 100: "
            "in the formula, write its range followed by /100"
        )
